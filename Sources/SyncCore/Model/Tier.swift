/// A node's level in the federation (层级).
public enum Tier: String, Codable, Sendable, CaseIterable {
    case province
    case city
    case district
    /// The front-end machine of a vertical business system (垂直业务系统), hung
    /// under a province or a city; the authority for its own datasets.
    case vertical

    /// The region level a node of this tier covers; nil for vertical systems,
    /// whose region says what they cover but is not tied to their place in the tree.
    public var regionLevel: RegionLevel? {
        switch self {
        case .province: .province
        case .city: .city
        case .district: .district
        case .vertical: nil
        }
    }

    /// 中文 name, for operators.
    public var chineseName: String {
        switch self {
        case .province: "省级"
        case .city: "市级"
        case .district: "区县级"
        case .vertical: "垂直系统"
        }
    }
}
