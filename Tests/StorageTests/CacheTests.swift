import Domain
import Features
import Foundation
import Storage
import Synchronization
import Testing
import TestSupport

/// The caches of reads (ADR 0018): what makes them forget, and one computation for many misses.
@Suite struct CacheTests {
    /// The notification worker's lease, a token's last use and a session's idle timer are commits
    /// no cached read depends on: they leave the write count alone; a change to a record moves it.
    @Test(arguments: TestEngine.available) func bookkeepingLeavesTheCachesAlone(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let root = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: root)
            let secret = try await app.token(for: root)
            let writes = app.services.store.writes
            let before = writes.current
            let worker = NotificationWorker(services: app.services, mail: nil, webhooks: nil)
            #expect(try await worker.deliverBatch().claimed == 0)
            #expect(try await Authentication(app.services).token(bearer: secret) != nil)
            #expect(writes.current == before)
            _ = try await app.department("総務部", in: "acme")
            #expect(writes.current > before)
        }
    }

    /// The answers of who is asking and what they may open forget only after a write that reached
    /// people or access (ADR 0004): an asset's create leaves them, with its owner and department
    /// looked up; a department, a member's roles,
    /// a transaction that only read a member and raw SQL move them; bookkeeping moves neither count.
    @Test(arguments: TestEngine.available) func accessWritesCountOnlyPeopleAndAccess(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let root = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: root)
            let secret = try await app.token(for: root)
            let access = try await app.access(root, "acme")
            let store = app.services.store
            func counts() -> (Int, Int) { (store.writes.current, store.accessWrites.current) }

            var (writes, accessWrites) = counts()
            _ = try await Assets(app.services).create(access, AssetInput(code: "A-1", name: "顧客台帳", confidentiality: "2", integrity: "2", availability: "1"),
                                                      context: Context(actor: .user(root)))
            #expect(store.writes.current == writes + 1 && store.accessWrites.current == accessWrites, "an asset is not access")

            (writes, accessWrites) = counts()
            let sales = try await app.department("営業部", in: "acme")
            #expect(store.writes.current > writes && store.accessWrites.current > accessWrites, "a department is")

            (writes, accessWrites) = counts()
            let person = try await app.user("sato@example.co.jp")
            _ = try await app.member(person, in: "acme", roles: [RoleGrantInput(role: .employee)], home: sales.id)
            #expect(store.accessWrites.current > accessWrites, "a member and their roles are")

            (writes, accessWrites) = counts()
            _ = try await Assets(app.services).create(access, AssetInput(code: "A-2", name: "営業日報", ownerID: .some(person.id), departmentID: .some(sales.id),
                                                                         confidentiality: "1", integrity: "1", availability: "1"),
                                                      context: Context(actor: .user(root)))
            #expect(store.writes.current == writes + 1 && store.accessWrites.current == accessWrites,
                    "checking an asset's owner and department is a lookup, not a change of access")
            _ = try await store.write { tx in (try await tx.lookups.member(user: person.id, in: access.workspaceID), try await tx.lookups.department(sales.id, in: access.workspaceID)) }
            #expect(store.accessWrites.current == accessWrites, "lookups offer no write")

            (writes, accessWrites) = counts()
            _ = try await store.write { tx in try await tx.members.load(user: person.id, in: access.workspaceID) }
            #expect(store.accessWrites.current == accessWrites + 1, "reaching the members' store counts, even to read")
            (writes, accessWrites) = counts()
            _ = try await store.write { tx in _ = tx.sql }
            #expect(store.accessWrites.current == accessWrites + 1, "raw SQL may write anything")

            (writes, accessWrites) = counts()
            #expect(try await Authentication(app.services).token(bearer: secret) != nil)
            #expect(counts() == (writes, accessWrites), "a token's last use is bookkeeping")
        }
    }

    /// Eight requests that miss the same key together wait for one computation; after a write the
    /// next miss computes again.
    @Test func missesTogetherComputeOnce() async throws {
        try await TestApp.with(.sqlite) { app in
            let cache = GenerationCache<Int>()
            let computed = Counter()
            let services = app.services
            let values = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await cache.value("k", services: services) {
                            try await Task.sleep(for: .milliseconds(200))
                            return computed.next()
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(computed.value == 1)
            #expect(values == Array(repeating: 1, count: 8))
            // Kept: the next read is served without computing.
            #expect(try await cache.value("k", services: services) { computed.next() } == 1)
            let root = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: root)
            #expect(try await cache.value("k", services: services) { computed.next() } == 2)
            // A failed computation is not kept.
            await #expect(throws: DomainError.self) {
                try await cache.value("e", services: services) { throw DomainError.notFound(entity: "x") }
            }
            #expect(try await cache.value("e", services: services) { 7 } == 7)
        }
    }
}

/// How many times a computation ran.
final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func next() -> Int { count.withLock { $0 += 1; return $0 } }
}
