import Domain
import Features
import Foundation
import Storage
import Testing

/// The checks every register's use cases pass, written once (docs/REGISTERS.md): a new register
/// calls `run` from its storage test, on both engines, with closures that call its use cases.
///
/// - creating writes the record and one audit event;
/// - an update bumps the version once and is audited; the same update again changes nothing;
/// - a stale version is a conflict, a missing one "version required", and nothing is written;
/// - a record of another workspace is not found by reading, changing or deleting it;
/// - deleting removes it (and is audited).
public struct RegisterChecks<Record: VersionedRecord>: Sendable {
    public var create: @Sendable (WorkspaceAccess) async throws -> Record
    public var load: @Sendable (WorkspaceAccess, Record.ID) async throws -> Record
    /// Makes one change (the same every time it is called).
    public var update: @Sendable (WorkspaceAccess, Record.ID, Int?) async throws -> Record
    public var delete: (@Sendable (WorkspaceAccess, Record.ID, Int?) async throws -> Void)?

    public init(create: @escaping @Sendable (WorkspaceAccess) async throws -> Record, load: @escaping @Sendable (WorkspaceAccess, Record.ID) async throws -> Record,
                update: @escaping @Sendable (WorkspaceAccess, Record.ID, Int?) async throws -> Record,
                delete: (@Sendable (WorkspaceAccess, Record.ID, Int?) async throws -> Void)? = nil) {
        self.create = create
        self.load = load
        self.update = update
        self.delete = delete
    }

    func events(_ app: TestApp, _ access: WorkspaceAccess, _ id: Record.ID) async throws -> [String] {
        try await AuditTrail(app.services).history(access, entityType: Record.auditEntity, entityID: id.description, page: PageRequest()).items.map(\.action)
    }

    /// Runs every check in workspace `slug` against workspace `other` (both must exist).
    public func run(_ app: TestApp, in slug: String = "acme", other: String = "other") async throws {
        let access = try await app.operatorAccess(slug)
        let elsewhere = try await app.operatorAccess(other)
        let record = try await create(access)
        #expect(try await load(access, record.id) == record)
        #expect(try await events(app, access, record.id) == ["create"], "\(Record.auditEntity): creating is audited once")

        let changed = try await update(access, record.id, record.version)
        #expect(changed.version == record.version + 1, "\(Record.auditEntity): an update bumps the version once")
        #expect(try await load(access, record.id) == changed)
        let again = try await update(access, record.id, changed.version)
        #expect(again.version == changed.version, "\(Record.auditEntity): an update that changes nothing writes nothing")
        #expect(try await events(app, access, record.id) == ["update", "create"])

        await #expect(throws: DomainError.conflict(entity: Record.auditEntity, currentVersion: changed.version)) {
            try await update(access, record.id, record.version)
        }
        await #expect(throws: DomainError.versionRequired) { try await update(access, record.id, nil) }
        await #expect(throws: DomainError.notFound(entity: Record.auditEntity)) { try await load(elsewhere, record.id) }
        await #expect(throws: DomainError.notFound(entity: Record.auditEntity)) { try await update(elsewhere, record.id, changed.version) }
        if let delete {
            await #expect(throws: DomainError.notFound(entity: Record.auditEntity)) { try await delete(elsewhere, record.id, nil) }
            await #expect(throws: DomainError.conflict(entity: Record.auditEntity, currentVersion: changed.version)) {
                try await delete(access, record.id, record.version)
            }
            try await delete(access, record.id, changed.version)
            await #expect(throws: DomainError.notFound(entity: Record.auditEntity)) { try await load(access, record.id) }
            #expect(try await events(app, access, record.id) == ["delete", "update", "create"])
        }
    }
}
