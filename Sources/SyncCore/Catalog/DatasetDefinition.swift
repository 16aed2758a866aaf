/// 共享属性: whether and how a dataset is shared.
public enum ShareType: String, Codable, Sendable, CaseIterable {
    case unconditional, conditional, none
}

/// 回流范围: which lower nodes a dataset's records return to.
public enum BackflowScope: String, Codable, Sendable, CaseIterable {
    /// To the nodes whose region contains the record's region.
    case region
    /// To every node below.
    case all
    /// Not at all.
    case none
}

/// A data item's type.
public enum ItemType: String, Codable, Sendable, CaseIterable {
    case string, integer, number, boolean, date, datetime
}

/// One data item (数据项) of a dataset.
public struct ItemDefinition: Codable, Sendable, Equatable {
    /// The item's field name, e.g. "uscc".
    public var name: String
    /// Its title, e.g. "统一社会信用代码".
    public var title: String
    public var type: ItemType
    /// The node that alone may write this item; the dataset's source when absent.
    public var authority: String?
    /// Quality rules checked where data enters (write, import, ingest).
    public var rules: QualityRules?
    /// The data element (数据元) the item follows, by its code in the standard (坪山 §10), e.g. "DE00001".
    public var element: String?

    public init(name: String, title: String, type: ItemType, authority: String? = nil, rules: QualityRules? = nil, element: String? = nil) {
        self.name = name
        self.title = title
        self.type = type
        self.authority = authority
        self.rules = rules
        self.element = element
    }
}

/// A dataset's sharing facts: the subset of its catalog entry (资源目录条目)
/// that replication needs, in the same field names, so the catalog can take over.
public struct DatasetDefinition: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// The source node (数源部门的节点): the default authority for every item.
    public var sourceNode: String
    public var shareType: ShareType
    public var backflow: BackflowScope
    /// The item that identifies a record.
    public var keyItem: String
    /// The item that holds the record's region code.
    public var regionItem: String
    public var items: [ItemDefinition]

    public init(id: String, name: String, sourceNode: String, shareType: ShareType, backflow: BackflowScope,
                keyItem: String, regionItem: String, items: [ItemDefinition]) {
        self.id = id
        self.name = name
        self.sourceNode = sourceNode
        self.shareType = shareType
        self.backflow = backflow
        self.keyItem = keyItem
        self.regionItem = regionItem
        self.items = items
    }

    /// The node that may write `item` (一数一源).
    public func authority(for item: String) -> String {
        items.first { $0.name == item }?.authority ?? sourceNode
    }

    /// The definition of `item`, if the dataset has it.
    public func item(_ name: String) -> ItemDefinition? { items.first { $0.name == name } }
}
