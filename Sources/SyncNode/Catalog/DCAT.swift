import Foundation
import SyncCore

/// The catalog as DCAT 2 in JSON-LD, for harvesters such as CKAN.
///
/// Mapping: id → dct:identifier (and @id urn:syncnode:FED:dataset:ID), name → dct:title,
/// summary → dct:description, provider → dct:publisher (foaf:Agent), classification →
/// dcat:theme (category) and syncnode:grade, updateFrequency → dct:accrualPeriodicity
/// (EU frequency vocabulary), shareType/openType → dct:accessRights and syncnode:shareType,
/// shareConditions/usageConditions → dct:rights, legalBasis → syncnode:legalBasis,
/// format/shareMethod → dcat:distribution (dct:format, syncnode:shareMethod),
/// relatedSystem → dct:relation, purpose → syncnode:purpose, contact → dcat:contactPoint
/// (vcard:Kind with vcard:fn and vcard:hasTelephone), sourceNode/backflow/keyItem/
/// regionItem → syncnode: terms, items → syncnode:items (name, title, type, authority),
/// version → dcat:version, status → adms:status.
public enum DCAT {
    static let frequency: [String: String] = [
        "realtime": "http://publications.europa.eu/resource/authority/frequency/UPDATE_CONT",
        "minute": "http://publications.europa.eu/resource/authority/frequency/CONT",
        "hour": "http://publications.europa.eu/resource/authority/frequency/HOURLY",
        "day": "http://publications.europa.eu/resource/authority/frequency/DAILY",
        "week": "http://publications.europa.eu/resource/authority/frequency/WEEKLY",
        "month": "http://publications.europa.eu/resource/authority/frequency/MONTHLY",
        "quarter": "http://publications.europa.eu/resource/authority/frequency/QUARTERLY",
        "half-year": "http://publications.europa.eu/resource/authority/frequency/ANNUAL_2",
        "year": "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
    ]

    public static func document(federation: String, entries: [CatalogEntry], topology: Topology) throws -> String {
        let datasets: [[String: Any]] = entries.map { e in
            var d: [String: Any] = [
                "@id": "urn:syncnode:\(federation):dataset:\(e.id)",
                "@type": "dcat:Dataset",
                "dct:identifier": e.id,
                "dct:title": e.name,
                "dct:description": e.summary,
                "dct:publisher": ["@type": "foaf:Agent", "foaf:name": e.provider],
                "dcat:theme": e.classification.category,
                "syncnode:grade": e.classification.grade,
                "dct:accrualPeriodicity": ["@id": frequency[e.updateFrequency] ?? e.updateFrequency],
                "dct:accessRights": e.shareType == "unconditional" ? "public within the federation"
                    : e.shareType == "conditional" ? "restricted: on request" : "not shared",
                "syncnode:shareType": e.shareType,
                "syncnode:openType": e.openType,
                "dcat:contactPoint": ["@type": "vcard:Kind", "vcard:fn": e.contact.name, "vcard:hasTelephone": "tel:\(e.contact.phone)"],
                "dcat:distribution": [["@type": "dcat:Distribution", "dct:format": e.format, "syncnode:shareMethod": e.shareMethod]],
                "dcat:version": String(e.version),
                "adms:status": e.status,
                "syncnode:sourceNode": e.sourceNode,
                "syncnode:sourceRegion": topology.node(e.sourceNode)?.region.code ?? "",
                "syncnode:backflow": e.backflow,
                "syncnode:keyItem": e.keyItem,
                "syncnode:regionItem": e.regionItem,
                "syncnode:items": e.items.map { item -> [String: Any] in
                    ["syncnode:name": item.name, "dct:title": item.title, "syncnode:type": item.type.rawValue,
                     "syncnode:authority": item.authority ?? e.sourceNode]
                },
            ]
            let rights = [e.shareConditions, e.usageConditions].compactMap { $0 }.filter { !$0.isEmpty }
            if !rights.isEmpty { d["dct:rights"] = rights.joined(separator: "; ") }
            if let basis = e.legalBasis, !basis.isEmpty { d["syncnode:legalBasis"] = basis }
            if let system = e.relatedSystem, !system.isEmpty { d["dct:relation"] = system }
            if let purpose = e.purpose, !purpose.isEmpty { d["syncnode:purpose"] = purpose }
            return d
        }
        let catalog: [String: Any] = [
            "@context": [
                "dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/", "foaf": "http://xmlns.com/foaf/0.1/",
                "vcard": "http://www.w3.org/2006/vcard/ns#", "adms": "http://www.w3.org/ns/adms#", "syncnode": "urn:syncnode:terms#",
            ],
            "@id": "urn:syncnode:\(federation):catalog",
            "@type": "dcat:Catalog",
            "dct:title": "\(federation) 公共数据资源目录",
            "dcat:dataset": datasets,
        ]
        let data = try JSONSerialization.data(withJSONObject: catalog, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
