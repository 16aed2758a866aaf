/// A federation's rules: deadlines in working days and the working-day calendar.
/// Every field has the regulations' default, so a topology may omit any of them.
public struct Policy: Codable, Sendable, Equatable {
    /// Working days the source has to answer a share request (共享申请), 5 by default.
    public var shareRequestDays: Int
    /// Working days to acknowledge a correction (纠错), 1 by default (坪山 §24).
    public var correctionAcknowledgeDays: Int
    /// Working days to resolve a correction, 3 by default.
    public var correctionResolveDays: Int
    /// The longest one extension of a correction may be, 10 by default.
    public var correctionExtensionDays: Int
    /// Working days a source has to rectify a dataset after a hub's notice (整改), 3 by default.
    public var rectificationDays: Int
    /// Public holidays (YYYY-MM-DD) that fall on weekdays.
    public var holidays: [String]
    /// Make-up working days (调休, YYYY-MM-DD) that fall on weekends.
    public var workdays: [String]
    /// Seconds after which a silent peer is reported as silent, 120 by default.
    public var silentAfterSeconds: Int
    /// Seconds a change may wait for a reachable neighbour before the link is
    /// reported as stalled, 120 by default.
    public var stalledAfterSeconds: Int
    /// Most changes kept waiting for one neighbour, 5,000,000 by default. Past it
    /// the neighbour's outbox is dropped and it gets a full resync when it returns.
    public var maxOutboxEntries: Int
    /// How far ahead of this node's clock a stamp from elsewhere may be, in
    /// seconds (300 by default). A change stamped further ahead is refused:
    /// it would drag every later write's clock with it.
    public var maxClockSkewSeconds: Int
    /// Encrypted off-site copies a parent keeps per child, 3 by default (汕尾 §29).
    public var offsiteBackupsKept: Int
    /// Largest off-site copy a parent accepts from one child, in MiB (20,480 by default).
    public var offsiteBackupMaxMiB: Int
    /// Hours after which the newest off-site copy of a node counts as too old
    /// and raises an alarm at both ends (e.g. 48 with daily backups); 0, the
    /// default, does not check (a federation turns it on once its nodes make backups).
    public var maxOffsiteBackupAgeHours: Int
    /// Days a deletion's tombstone is kept after every neighbour that must
    /// receive it has acknowledged it, 30 by default. A neighbour away longer
    /// than this gets a full resync when it returns.
    public var tombstoneRetentionDays: Double
    /// Free disk space under which status asks for attention, in MiB (256 by default).
    public var minFreeDiskMiB: Int
    /// The classification grades (分级) a catalog entry may carry: 一般, 重要, 核心 by default.
    public var grades: [String]
    /// Coordinate reference systems spatial datasets may use besides CGCS2000 (EPSG:4490); none by default.
    public var allowedCRS: [String]
    /// What happens to datasets not shared (不予共享): "aggregate" (the default: 归集 is a duty apart from
    /// sharing, 汕尾 §16, 长沙 §17, 普陀 §11; they go up to the hubs, are held there, never sent down,
    /// and answer verification) or "keep-at-source" (they never leave their source node).
    public var unsharedDatasets: String
    /// What the grantee does with granted copies when a grant expires or is revoked: "remove" (the
    /// default) or "mark" (kept, marked ended, no longer shown or exported).
    public var grantEnd: String
    /// Seconds between two comparisons of a child's copy with its parent's (anti-entropy), 300 by
    /// default; 0 turns them off. A comparison of copies that have not changed since costs one small
    /// request; the first after a node starts runs within 15 s.
    public var antiEntropySeconds: Int
    /// Open conflicts one proposing node may have kept at a node, 100,000 by default: past it, its
    /// further proposals are kept out with an alarm, so no neighbour can fill another's disk with them.
    public var maxConflictsPerNode: Int
    /// Tickets (share requests, corrections) filed by one node that a node holds, 100,000 by default;
    /// a new one past it is kept out with an alarm.
    public var maxTicketsPerNode: Int
    /// Catalog entries one source node may publish, 10,000 by default; a new one past it is kept out with an alarm.
    public var maxCatalogEntriesPerNode: Int

    public static let unsharedPolicies = ["aggregate", "keep-at-source"]
    public static let grantEndPolicies = ["remove", "mark"]

    /// Whether datasets not shared still go up to the hubs.
    public var aggregatesUnshared: Bool { unsharedDatasets != "keep-at-source" }

    public init(shareRequestDays: Int = 5, correctionAcknowledgeDays: Int = 1, correctionResolveDays: Int = 3,
                correctionExtensionDays: Int = 10, rectificationDays: Int = 3, holidays: [String] = [], workdays: [String] = [],
                silentAfterSeconds: Int = 120, stalledAfterSeconds: Int = 120, maxOutboxEntries: Int = 5_000_000,
                maxClockSkewSeconds: Int = 300, offsiteBackupsKept: Int = 3, offsiteBackupMaxMiB: Int = 20_480,
                maxOffsiteBackupAgeHours: Int = 0, tombstoneRetentionDays: Double = 30, minFreeDiskMiB: Int = 256,
                unsharedDatasets: String = "aggregate", grantEnd: String = "remove", grades: [String] = ["一般", "重要", "核心"],
                allowedCRS: [String] = [], antiEntropySeconds: Int = 300, maxConflictsPerNode: Int = 100_000,
                maxTicketsPerNode: Int = 100_000, maxCatalogEntriesPerNode: Int = 10_000) {
        self.shareRequestDays = shareRequestDays
        self.correctionAcknowledgeDays = correctionAcknowledgeDays
        self.correctionResolveDays = correctionResolveDays
        self.correctionExtensionDays = correctionExtensionDays
        self.rectificationDays = rectificationDays
        self.holidays = holidays
        self.workdays = workdays
        self.silentAfterSeconds = silentAfterSeconds
        self.maxOutboxEntries = maxOutboxEntries
        self.stalledAfterSeconds = stalledAfterSeconds
        self.maxClockSkewSeconds = maxClockSkewSeconds
        self.offsiteBackupsKept = offsiteBackupsKept
        self.offsiteBackupMaxMiB = offsiteBackupMaxMiB
        self.maxOffsiteBackupAgeHours = maxOffsiteBackupAgeHours
        self.tombstoneRetentionDays = tombstoneRetentionDays
        self.minFreeDiskMiB = minFreeDiskMiB
        self.unsharedDatasets = unsharedDatasets
        self.grantEnd = grantEnd
        self.grades = grades
        self.allowedCRS = allowedCRS
        self.antiEntropySeconds = antiEntropySeconds
        self.maxConflictsPerNode = maxConflictsPerNode
        self.maxTicketsPerNode = maxTicketsPerNode
        self.maxCatalogEntriesPerNode = maxCatalogEntriesPerNode
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Policy()
        shareRequestDays = try c.decodeIfPresent(Int.self, forKey: .shareRequestDays) ?? d.shareRequestDays
        correctionAcknowledgeDays = try c.decodeIfPresent(Int.self, forKey: .correctionAcknowledgeDays) ?? d.correctionAcknowledgeDays
        correctionResolveDays = try c.decodeIfPresent(Int.self, forKey: .correctionResolveDays) ?? d.correctionResolveDays
        correctionExtensionDays = try c.decodeIfPresent(Int.self, forKey: .correctionExtensionDays) ?? d.correctionExtensionDays
        rectificationDays = try c.decodeIfPresent(Int.self, forKey: .rectificationDays) ?? d.rectificationDays
        holidays = try c.decodeIfPresent([String].self, forKey: .holidays) ?? d.holidays
        workdays = try c.decodeIfPresent([String].self, forKey: .workdays) ?? d.workdays
        silentAfterSeconds = try c.decodeIfPresent(Int.self, forKey: .silentAfterSeconds) ?? d.silentAfterSeconds
        maxOutboxEntries = try c.decodeIfPresent(Int.self, forKey: .maxOutboxEntries) ?? d.maxOutboxEntries
        stalledAfterSeconds = try c.decodeIfPresent(Int.self, forKey: .stalledAfterSeconds) ?? d.stalledAfterSeconds
        maxClockSkewSeconds = try c.decodeIfPresent(Int.self, forKey: .maxClockSkewSeconds) ?? d.maxClockSkewSeconds
        offsiteBackupsKept = try c.decodeIfPresent(Int.self, forKey: .offsiteBackupsKept) ?? d.offsiteBackupsKept
        offsiteBackupMaxMiB = try c.decodeIfPresent(Int.self, forKey: .offsiteBackupMaxMiB) ?? d.offsiteBackupMaxMiB
        maxOffsiteBackupAgeHours = try c.decodeIfPresent(Int.self, forKey: .maxOffsiteBackupAgeHours) ?? d.maxOffsiteBackupAgeHours
        tombstoneRetentionDays = try c.decodeIfPresent(Double.self, forKey: .tombstoneRetentionDays) ?? d.tombstoneRetentionDays
        minFreeDiskMiB = try c.decodeIfPresent(Int.self, forKey: .minFreeDiskMiB) ?? d.minFreeDiskMiB
        unsharedDatasets = try c.decodeIfPresent(String.self, forKey: .unsharedDatasets) ?? d.unsharedDatasets
        grantEnd = try c.decodeIfPresent(String.self, forKey: .grantEnd) ?? d.grantEnd
        grades = try c.decodeIfPresent([String].self, forKey: .grades) ?? d.grades
        allowedCRS = try c.decodeIfPresent([String].self, forKey: .allowedCRS) ?? d.allowedCRS
        antiEntropySeconds = try c.decodeIfPresent(Int.self, forKey: .antiEntropySeconds) ?? d.antiEntropySeconds
        maxConflictsPerNode = try c.decodeIfPresent(Int.self, forKey: .maxConflictsPerNode) ?? d.maxConflictsPerNode
        maxTicketsPerNode = try c.decodeIfPresent(Int.self, forKey: .maxTicketsPerNode) ?? d.maxTicketsPerNode
        maxCatalogEntriesPerNode = try c.decodeIfPresent(Int.self, forKey: .maxCatalogEntriesPerNode) ?? d.maxCatalogEntriesPerNode
    }
}
