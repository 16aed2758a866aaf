import SyncCore

extension CatalogEntry {
    /// Every field with its Chinese and English label, in the regulations' order: what
    /// `syncnode catalog show` and the dataset page print.
    public var labelledFacts: [(label: String, value: String)] {
        [("id", id), ("名称 name", name), ("摘要 summary", summary), ("提供部门 provider", provider),
         ("数源节点 sourceNode", sourceNode), ("格式 format", format), ("关联系统 relatedSystem", relatedSystem ?? "—"),
         ("分类分级 classification", "\(classification.category) / \(classification.grade)"),
         ("共享属性 shareType", shareType), ("共享条件 shareConditions", shareConditions ?? "—"),
         ("共享依据 shareBasis", shareBasis ?? "—"), ("共享期限 sharingPeriod", sharingPeriod ?? "—"),
         ("共享范围 sharingScope", sharingScope ?? "—"),
         ("法律依据 legalBasis", legalBasis ?? "—"), ("共享方式 shareMethod", shareMethod),
         ("开放属性 openType", openType), ("更新频率 updateFrequency", updateFrequency),
         ("使用要求 usageConditions", usageConditions ?? "—"), ("用途 purpose", purpose ?? "—"),
         ("联系人 contact", "\(contact.name) \(contact.phone)"), ("更新责任人 updateResponsible", updateResponsible ?? "—"),
         ("坐标系 crs", crs ?? "—"), ("回流 backflow", backflow),
         ("状态 status", status), ("版本 version", String(version))]
    }
}
