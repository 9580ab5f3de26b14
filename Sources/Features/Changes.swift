import Domain
import Foundation
import Storage

// The register kit, use-case half (ADR 0010, docs/REGISTERS.md): every change to a versioned
// record goes through one of these, inside the use case's one write transaction.

extension Writer {
    /// One change to one record: loaded for update in this workspace (404 otherwise), its version
    /// checked against the one the caller read (409; 428 when `expectedVersion` is required and
    /// missing), the rule applied by `apply`, then — if anything changed — stamped, its version
    /// bumped (here and nowhere else), saved and written to the audit trail as `action`.
    @discardableResult
    public func change<S: RecordKeeping>(_ store: S, _ id: S.Record.ID, in workspace: Workspace.ID, expectedVersion: Int?, versionRequired: Bool = true,
                                         action: String = "update", context: Context, at now: Date,
                                         _ apply: (inout S.Record) async throws -> Void) async throws -> S.Record {
        if versionRequired && expectedVersion == nil { throw DomainError.versionRequired }
        guard let before = try await store.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: S.Record.auditEntity) }
        if let expectedVersion, before.version != expectedVersion {
            throw DomainError.conflict(entity: S.Record.auditEntity, currentVersion: before.version)
        }
        var after = before
        try await apply(&after)
        var comparable = after
        comparable.updatedAt = before.updatedAt
        comparable.version = before.version
        guard comparable != before else { return before }
        after.updatedAt = now
        after.version = before.version + 1
        try await store.save(after)
        try await record(.change(S.Record.auditEntity, id: id.description, action: action, workspace: workspace, before: before, after: after), context, at: now)
        return after
    }

    /// Writes a new record with its audit event.
    @discardableResult
    public func create<S: RecordKeeping>(_ store: S, _ record: S.Record, action: String = "create", context: Context, at now: Date) async throws -> S.Record {
        try await store.add(record)
        try await self.record(.change(S.Record.auditEntity, id: record.id.description, action: action, workspace: record.workspaceID,
                                      before: nil as S.Record?, after: record), context, at: now)
        return record
    }

    /// Deletes one record (after `check` says it may go) with its audit event; returns what was deleted.
    @discardableResult
    public func remove<S: RecordKeeping>(_ store: S, _ id: S.Record.ID, in workspace: Workspace.ID, expectedVersion: Int?, context: Context, at now: Date,
                                         check: (S.Record) async throws -> Void = { _ in }) async throws -> S.Record {
        guard let before = try await store.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: S.Record.auditEntity) }
        if let expectedVersion, before.version != expectedVersion {
            throw DomainError.conflict(entity: S.Record.auditEntity, currentVersion: before.version)
        }
        try await check(before)
        try await store.remove(id, in: workspace)
        try await record(.change(S.Record.auditEntity, id: id.description, action: "delete", workspace: workspace, before: before, after: nil as S.Record?),
                         context, at: now)
        return before
    }
}

/// The one numbering rule of every register that shows codes: numbers come from a per-workspace
/// sequence, one after another, and are never handed out twice — not even after a delete.
public enum Numbering {
    public static let nonconformity = "nonconformity"
    public static let risk = "risk"
    public static let document = "document"
    public static let course = "course"
    public static let campaign = "campaign"
    public static let drill = "phishing_drill"

    /// `DOC-001`: the prefix and the number, zero-padded to `width` digits (more digits when needed).
    public static func code(_ prefix: String, _ number: Int, width: Int = 3) -> String {
        prefix + String(format: "%0\(width)d", number)
    }
}
