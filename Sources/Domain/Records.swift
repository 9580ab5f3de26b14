import Foundation

/// A record that people change through the use cases: it belongs to one workspace, names the
/// version an update must be based on, and says when it last changed. `Writer.change` (Features)
/// is the one place the version is bumped and the change audited.
public protocol VersionedRecord: Sendable, Equatable, Encodable, Identifiable where ID == Domain.ID<Self> {
    /// The record type's name in the audit trail and in "not found" problems (`nonconformity`).
    static var auditEntity: String { get }
    var workspaceID: Workspace.ID { get }
    var version: Int { get set }
    var updatedAt: Date { get set }
}

extension BusinessProcess: VersionedRecord { public static var auditEntity: String { "process" } }
extension AuditProgramme: VersionedRecord { public static var auditEntity: String { "audit_programme" } }
extension InternalAudit: VersionedRecord { public static var auditEntity: String { "audit" } }
extension Nonconformity: VersionedRecord { public static var auditEntity: String { "nonconformity" } }
extension ManagementReview: VersionedRecord { public static var auditEntity: String { "management_review" } }
extension Department: VersionedRecord { public static var auditEntity: String { "department" } }
extension ControlledDocument: VersionedRecord { public static var auditEntity: String { "document" } }
extension DocumentVersion: VersionedRecord { public static var auditEntity: String { "document_version" } }
extension Course: VersionedRecord { public static var auditEntity: String { "course" } }
extension Campaign: VersionedRecord { public static var auditEntity: String { "campaign" } }
extension CompetenceRequirement: VersionedRecord { public static var auditEntity: String { "competence_requirement" } }
extension CompetenceRecord: VersionedRecord { public static var auditEntity: String { "competence_record" } }
extension PhishingDrill: VersionedRecord { public static var auditEntity: String { "phishing_drill" } }
extension PlannedActivity: VersionedRecord { public static var auditEntity: String { "planned_activity" } }

extension ReviewAction {
    public var isDone: Bool { doneOn != nil }
}
