import Foundation
import SyncCore

/// A node's backups as status shows them: its own newest backup and off-site
/// copy, and the copies it keeps for its children, with what is too old.
public struct BackupStatus: Encodable, Sendable {
    /// An off-site copy kept here for a child.
    public struct Kept: Encodable, Sendable {
        public var child: String
        public var copies: Int
        public var newest: String?
        public var newestHoursAgo: Double?
        public var bytes: Int64
    }

    /// When this node last made a backup (RFC 3339), and how long ago in hours.
    public var lastBackup: String?
    public var lastBackupHoursAgo: Double?
    /// When this node's newest off-site copy reached its parent, and how long ago in hours.
    public var lastOffsiteCopy: String?
    public var lastOffsiteCopyHoursAgo: Double?
    /// The off-site copies this node keeps for each child.
    public var keptForChildren: [Kept]
    /// The policy's maximum age of an off-site copy in hours (0: not checked).
    public var maxOffsiteAgeHours: Int

    static func collect(context: NodeContext, meta: (String) -> String?, now: Date) -> (status: BackupStatus, attention: [String]) {
        func date(_ key: String) -> Date? { meta(key).flatMap { Int64($0) }.map { Timestamp.date(millis: $0) } }
        func hours(_ date: Date?) -> Double? { date.map { (max(0, now.timeIntervalSince($0)) / 360).rounded() / 10 } }
        let limit = max(0, context.topology.policy.maxOffsiteBackupAgeHours)
        let backup = date("backup.lastAt"), offsite = date("offsite.lastAt")
        let copies = OffsiteCopies(dataDirectory: context.dataDirectory, keep: 1, maxBytes: 0)
        var kept: [Kept] = []
        var attention: [String] = []
        if limit > 0, let parent = context.parent, (hours(offsite) ?? .infinity) > Double(limit) {
            attention.append("the newest off-site copy of this node at \(parent.id) is "
                             + (offsite.map { "from \(Timestamp.ago($0, now: now))" } ?? "missing")
                             + " (policy: at most \(limit) h): run syncnode backup --to-parent, or schedule backups in serve")
        }
        for child in context.children {
            let list = (try? copies.copies(child.id)) ?? []
            let newest = list.first.map { Timestamp.date(millis: $0.storedAtMillis) }
            kept.append(Kept(child: child.id, copies: list.count, newest: newest.map(Timestamp.iso), newestHoursAgo: hours(newest),
                             bytes: list.reduce(0) { $0 + $1.size }))
            if limit > 0, (hours(newest) ?? .infinity) > Double(limit) {
                attention.append("the newest off-site copy kept here for child \(child.id) is "
                                 + (newest.map { "from \(Timestamp.ago($0, now: now))" } ?? "missing")
                                 + " (policy: at most \(limit) h): its operator should check its backups")
            }
        }
        return (BackupStatus(lastBackup: backup.map(Timestamp.iso), lastBackupHoursAgo: hours(backup),
                             lastOffsiteCopy: offsite.map(Timestamp.iso), lastOffsiteCopyHoursAgo: hours(offsite),
                             keptForChildren: kept, maxOffsiteAgeHours: limit), attention)
    }

    /// The lines of the human table.
    func rendered(now: Date) -> String {
        func when(_ iso: String?, _ hours: Double?) -> String {
            guard let iso, let hours else { return "never" }
            return "\(iso.prefix(19).replacingOccurrences(of: "T", with: " ")) (\(Timestamp.ago(now.addingTimeInterval(-hours * 3600), now: now)))"
        }
        var text = "  backup       last \(when(lastBackup, lastBackupHoursAgo)); off-site at parent \(when(lastOffsiteCopy, lastOffsiteCopyHoursAgo))\n"
        for k in keptForChildren where k.copies > 0 {
            text += "  keeping      \(k.copies) off-site cop\(k.copies == 1 ? "y" : "ies") of \(k.child), newest \(when(k.newest, k.newestHoursAgo))\n"
        }
        return text
    }
}
