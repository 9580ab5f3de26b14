import Domain
import Features
import Foundation
import Storage
import Synchronization

/// A short-lived cache of the reads every request starts with: who a token or session belongs to,
/// and a person's access to a workspace. An entry is forgotten after a few seconds, and at once
/// when this process commits a write that reached people or access (`Store.accessWrites`: people,
/// tokens, sessions, workspaces, members and their roles, departments) — so such a change made
/// here is seen by the next request, and a client creating assets one after another is not
/// authenticated and resolved again after each. A change made by another instance (PostgreSQL,
/// several app servers) is seen within `lifetime`. See ADR 0004.
final class ReadCache: Sendable {
    enum Value: Sendable {
        case token(ApiToken, User)
        case session(Authentication.SessionContext)
        case access(WorkspaceAccess)
    }

    struct Entry: Sendable {
        var value: Value
        var expires: Date
        var generation: Int
    }

    static let lifetime: TimeInterval = 5
    static let capacity = 20_000

    private let entries = Mutex<[String: Entry]>([:])
    private let writes: WriteCounter

    init(writes: WriteCounter) { self.writes = writes }

    func value(_ key: String, now: Date) -> Value? {
        let generation = writes.current
        return entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.generation == generation, entry.expires > now else {
                entries[key] = nil
                return nil
            }
            return entry.value
        }
    }

    func store(_ value: Value, for key: String, now: Date, generation: Int) {
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(value: value, expires: now.addingTimeInterval(Self.lifetime), generation: generation)
        }
    }

    /// Runs `load` unless a fresh answer is cached. The generation is read before loading, so a
    /// write that lands while loading makes the stored answer stale at once.
    func cached(_ key: String, now: Date, load: () async throws -> Value?) async rethrows -> Value? {
        if let hit = value(key, now: now) { return hit }
        let generation = writes.current
        guard let loaded = try await load() else { return nil }
        store(loaded, for: key, now: now, generation: generation)
        return loaded
    }
}
