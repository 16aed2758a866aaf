import Foundation

/// A resource catalog entry (资源目录条目): the description of one dataset with
/// every field the regulations require. English field names; values may be Chinese.
/// Enumerated fields are kept as text so that validation can name a bad value.
public struct CatalogEntry: Codable, Sendable, Equatable {
    public struct Classification: Codable, Sendable, Equatable {
        /// 分类, e.g. "法人".
        public var category: String
        /// 分级, e.g. "一般" / "重要" / "核心" (general / important / core).
        public var grade: String

        public init(category: String, grade: String) {
            self.category = category
            self.grade = grade
        }
    }

    /// A dataset moved from one source to another (departments are reorganised):
    /// written by the source handing it over, naming the new one.
    public struct Handover: Codable, Sendable, Equatable {
        public var from: String
        public var to: String
        /// When, as the handing source recorded it (RFC 3339).
        public var at: String
        public var reason: String?

        public init(from: String, to: String, at: String, reason: String? = nil) {
            self.from = from
            self.to = to
            self.at = at
            self.reason = reason
        }
    }

    public struct Contact: Codable, Sendable, Equatable {
        public var name: String
        public var phone: String

        public init(name: String, phone: String) {
            self.name = name
            self.phone = phone
        }
    }

    public var id: String
    public var name: String
    /// 摘要.
    public var summary: String
    /// 提供部门: the department that provides the data.
    public var provider: String
    /// The node of the source department (数源部门): the only node that may publish or change the entry.
    public var sourceNode: String
    /// 数据格式, e.g. "数据库表", "CSV".
    public var format: String
    /// 关联信息系统.
    public var relatedSystem: String?
    public var classification: Classification
    /// unconditional | conditional | none (共享属性).
    public var shareType: String
    /// 共享条件: required when conditional.
    public var shareConditions: String?
    /// 共享依据: the law or duty sharing rests on; required when conditional (汕尾 §14), for entries
    /// published from this version on (entries published before stay valid where they are held).
    public var shareBasis: String?
    /// 共享期限: how long the data is shared for, e.g. "长期" or "2027-12-31" (新昌 二(一)).
    public var sharingPeriod: String?
    /// 共享范围: who it is shared with, e.g. "全省政务部门".
    public var sharingScope: String?
    /// A spatial dataset's coordinate reference system, e.g. "EPSG:4490" (CGCS2000, 坪山 §9): required
    /// for spatial data (category 空间地理), anything else refused unless the policy allows it.
    public var crs: String?
    /// 更新责任人: the person responsible for keeping it up to date.
    public var updateResponsible: String?
    /// 不予共享的法律依据: required when none.
    public var legalBasis: String?
    /// api | file | table (共享方式).
    public var shareMethod: String
    /// unconditional | conditional | none (开放属性).
    public var openType: String
    /// realtime | minute | hour | day | week | month | quarter | half-year | year (更新频率).
    public var updateFrequency: String
    /// 使用要求.
    public var usageConditions: String?
    /// 用途.
    public var purpose: String?
    public var contact: Contact
    /// region | all | none (回流范围).
    public var backflow: String
    public var keyItem: String
    public var regionItem: String
    public var items: [ItemDefinition]
    /// draft | published | withdrawn.
    public var status: String
    public var version: Int
    /// Set on the version that handed the dataset over to its new source.
    public var handover: Handover?
    /// The source systems (their certificate names, `syncnode cert issue --system`) that may load
    /// this dataset through the ingestion API; the related system also may when its name is one.
    public var systems: [String]?

    public init(id: String, name: String, summary: String, provider: String, sourceNode: String, format: String,
                relatedSystem: String? = nil, classification: Classification, shareType: String, shareConditions: String? = nil,
                legalBasis: String? = nil, shareMethod: String, openType: String, updateFrequency: String,
                usageConditions: String? = nil, purpose: String? = nil, contact: Contact, backflow: String, keyItem: String,
                regionItem: String, items: [ItemDefinition], status: String = "published", version: Int = 1,
                handover: Handover? = nil, systems: [String]? = nil, shareBasis: String? = nil, sharingPeriod: String? = nil,
                sharingScope: String? = nil, crs: String? = nil, updateResponsible: String? = nil) {
        self.id = id
        self.name = name
        self.summary = summary
        self.provider = provider
        self.sourceNode = sourceNode
        self.format = format
        self.relatedSystem = relatedSystem
        self.classification = classification
        self.shareType = shareType
        self.shareConditions = shareConditions
        self.legalBasis = legalBasis
        self.shareMethod = shareMethod
        self.openType = openType
        self.updateFrequency = updateFrequency
        self.usageConditions = usageConditions
        self.purpose = purpose
        self.contact = contact
        self.backflow = backflow
        self.keyItem = keyItem
        self.regionItem = regionItem
        self.items = items
        self.status = status
        self.version = version
        self.handover = handover
        self.systems = systems
        self.shareBasis = shareBasis
        self.sharingPeriod = sharingPeriod
        self.sharingScope = sharingScope
        self.crs = crs
        self.updateResponsible = updateResponsible
    }

    /// The category of spatial data (空间地理), which must declare its coordinate reference system.
    public static let spatialCategory = "空间地理"
    /// CGCS2000, the national geodetic system spatial data must use (坪山 §9).
    public static let cgcs2000 = "EPSG:4490"

    public var isSpatial: Bool { classification.category == Self.spatialCategory || crs != nil }

    /// The update frequencies, in the order of their periods.
    public static let frequencies = ["realtime", "minute", "hour", "day", "week", "month", "quarter", "half-year", "year"]

    /// The sharing facts replication needs, from this entry.
    public var definition: DatasetDefinition {
        DatasetDefinition(id: id, name: name, sourceNode: sourceNode, shareType: ShareType(rawValue: shareType) ?? .none,
                          backflow: BackflowScope(rawValue: backflow) ?? .none, keyItem: keyItem, regionItem: regionItem, items: items)
    }

    public var isPublished: Bool { status == "published" }

    /// Whether source system `name` of the source node may load this dataset (一数一源 inside a node).
    public func admitsSystem(_ name: String) -> Bool {
        (systems ?? []).contains(name) || relatedSystem == name
    }
    public var isWithdrawn: Bool { status == "withdrawn" }
}

extension CatalogEntry {
    /// The name catalog changes travel under in the change log and on the wire.
    public static let catalogDataset = "_catalog"
    /// The data item of a catalog change that holds the entry's JSON.
    public static let entryItem = "entry"

    /// The entry as JSON (sorted keys): what a catalog change carries.
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads an entry's JSON strictly (duplicate members, invalid UTF-8 and
    /// deep nesting refused) and then by its fields.
    public static func decode(json bytes: [UInt8]) throws(WireError) -> CatalogEntry {
        do { _ = try JSONNode.parse(bytes) } catch { throw WireError("the catalog entry is not valid JSON: \(error)") }
        do { return try JSONDecoder().decode(CatalogEntry.self, from: Data(bytes)) } catch {
            throw WireError("the catalog entry does not have the expected fields: \(describe(error))")
        }
    }

    /// The catalog change that publishes this entry, written by `writer` at `hlc`.
    public func change(by writer: NodeEntry, hlc: Int64) throws -> Change {
        let stamp = Stamp(hlc: hlc, origin: writer.id)
        return Change(dataset: CatalogEntry.catalogDataset, key: id, region: writer.region,
                      items: [CatalogEntry.entryItem: ItemWrite(value: .string(try jsonText()), stamp: stamp)], origin: writer.id)
    }
}
