import Domain
import Foundation

/// A store that keeps one kind of versioned record, relational or document: what
/// `Writer.change/create/remove` (Features) need to load for update, write and delete. Writes
/// take the record as given — the version is bumped by the caller, in one place.
public protocol RecordKeeping: Sendable {
    associatedtype Record: VersionedRecord
    func load(_ id: Record.ID, in workspace: Workspace.ID, forUpdate: Bool) async throws -> Record?
    func add(_ record: Record) async throws
    func save(_ record: Record) async throws
    func remove(_ id: Record.ID, in workspace: Workspace.ID) async throws
}

extension RecordStore: RecordKeeping where Record: VersionedRecord {
    public func add(_ record: Record) async throws { try await insert(record) }
    public func save(_ record: Record) async throws { try await update(record) }
    public func remove(_ id: Record.ID, in workspace: Workspace.ID) async throws { try await delete(id, in: workspace) }
}
