import SyncCore

/// Catalog entries for tests: valid, with every required field.
public enum SampleCatalog {
    /// An entry for `id` published by `source`, with key `uscc`, `region` and `name` items (plus `extra`).
    public static func entry(_ id: String = "ps-enterprise", source: String = "sz-pingshan", shareType: String = "unconditional",
                             backflow: String = "region", extra: [ItemDefinition] = []) -> CatalogEntry {
        CatalogEntry(id: id, name: "坪山区法人基本信息", summary: "企业法人", provider: "坪山区市场监督管理局",
                     sourceNode: source, format: "数据库表", relatedSystem: "企业登记系统", classification: .init(category: "法人", grade: "一般"),
                     shareType: shareType, shareConditions: shareType == "conditional" ? "依申请" : nil,
                     legalBasis: shareType == "none" ? "《条例》第十条" : nil, shareMethod: "api", openType: "conditional",
                     updateFrequency: "day", usageConditions: "不得用于履职以外用途", purpose: "共享与回流", contact: .init(name: "陈工", phone: "0755-28300001"), backflow: backflow,
                     keyItem: "uscc", regionItem: "region",
                     items: [ItemDefinition(name: "uscc", title: "统一社会信用代码", type: .string),
                             ItemDefinition(name: "region", title: "区划", type: .string),
                             ItemDefinition(name: "name", title: "名称", type: .string)] + extra,
                     shareBasis: shareType == "conditional" ? "《汕尾市政务数据共享管理办法》第十四条" : nil,
                     sharingPeriod: "长期", sharingScope: "全省政务部门")
    }

    /// Province, two cities' worth of districts and a vertical system: the engine tests' federation.
    public static func topology(datasets: [[String: any Sendable]] = [], policy: [String: any Sendable] = [:]) throws -> Topology {
        try FleetTopology(federation: "t", nodes: [
            .init(id: "gd", tier: "province", region: "440000", name: "广东省"),
            .init(id: "sz", tier: "city", region: "440300", parent: "gd", name: "深圳市"),
            .init(id: "sz-pingshan", tier: "district", region: "440310", parent: "sz", name: "坪山区"),
            .init(id: "sz-futian", tier: "district", region: "440304", parent: "sz", name: "福田区"),
            .init(id: "gd-amr", tier: "vertical", region: "440000", parent: "gd", name: "省市场监管系统"),
        ], datasets: datasets, policy: policy).topology()
    }
}
