import Domain
import Foundation
import Localization
import Storage

/// Reading the audit trail (the secretariat and external auditors) and verifying its chains.
public struct AuditTrail: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public func list(_ access: WorkspaceAccess, filter: AuditFilter, page: PageRequest) async throws -> Page<AuditEvent> {
        try access.require(.auditTrailRead)
        return try await services.store.read { try await $0.auditEvents.list(chain: .workspace(access.workspaceID), filter: filter, page: page) }
    }

    /// Every event about one record, newest first.
    public func history(_ access: WorkspaceAccess, entityType: String, entityID: String, page: PageRequest) async throws -> Page<AuditEvent> {
        try await list(access, filter: AuditFilter(entityType: entityType, entityID: entityID), page: page)
    }

    public func filterChoices(_ access: WorkspaceAccess) throws -> (entityTypes: [String], actions: [String]) {
        try access.require(.auditTrailRead)
        return (AuditVocabulary.entityTypes, AuditVocabulary.actions)
    }

    /// The filtered trail as CSV (UTF-8 with BOM), headers in `language`, times in the workspace
    /// zone, handed to `write` in pieces of about 256 KB as the pages of events are read: a trail
    /// of any length is exported in constant memory.
    public func exportCSV(_ access: WorkspaceAccess, filter: AuditFilter, language: Language, write: @Sendable (Data) async throws -> Void) async throws {
        try access.require(.auditTrailRead)
        let l = services.localizer
        let header = ["sequence", "occurredAt", "actor", "actorKind", "entityType", "entityId", "action", "before", "after", "requestId", "hash"]
            .map { l.text("audit.csv.\($0)", language) }
        var buffer = Data([0xEF, 0xBB, 0xBF])
        buffer.append(Data(CSV.write([header]).utf8))
        var cursor: String? = nil
        let formatter = DateFormatting.timestamp(in: access.workspace.zone)
        repeat {
            let page = try await list(access, filter: filter, page: PageRequest(limit: PageRequest.maximumLimit, cursor: cursor))
            let rows = page.items.map { e in
                [String(e.sequence), formatter(e.occurredAt), e.actor.label, e.actor.kind.rawValue, e.entityType, e.entityID, e.action,
                 e.before ?? "", e.after ?? "", e.requestID ?? "", e.hash]
            }
            if !rows.isEmpty { buffer.append(Data(CSV.write(rows).utf8)) }
            if buffer.count >= 256 * 1024 {
                try await write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
            cursor = page.nextCursor
        } while cursor != nil
        if !buffer.isEmpty { try await write(buffer) }
    }

    /// Recomputes every chain (or one workspace's) and reports the first broken event of each.
    public func verify(workspaceSlug: String? = nil) async throws -> [ChainVerification] {
        try await services.store.read { db in
            var keys = try await db.auditEvents.chainKeys()
            if let slug = workspaceSlug {
                guard let workspace = try await db.workspaces.load(slug: slug) else { throw DomainError.notFound(entity: "workspace") }
                keys = [workspace.id.description]
            }
            var results: [ChainVerification] = []
            for key in keys { results.append(try await db.auditEvents.verify(chainKey: key)) }
            return results
        }
    }
}

public enum DateFormatting {
    /// `2026-11-22 09:30:15` in a time zone.
    public static func timestamp(in zone: TimeZone) -> @Sendable (Date) -> String {
        let style = Date.VerbatimFormatStyle(
            format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits):\(second: .twoDigits)",
            timeZone: zone, calendar: Calendar(identifier: .gregorian))
        return { $0.formatted(style) }
    }
}
