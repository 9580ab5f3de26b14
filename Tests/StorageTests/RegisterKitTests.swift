import Domain
import Features
import FluentKit
import Foundation
@testable import Storage
import Testing
import TestSupport

/// A record declared only here, so the kit is tested apart from any register.
struct Note: StoredRecord, VersionedRecord {
    enum Status: String, Codable, Sendable, CaseIterable, ColumnRepresentable { case open, done }
    static var auditEntity: String { "note" }
    var id = Domain.ID<Note>()
    var workspaceID: Workspace.ID
    var title: String
    var body: String = ""
    var status: Status = .open
    var ownerID: User.ID?
    var dueOn: CalendarDate?
    var number: Int = 0
    var controls: [String] = []
    var updatedAt = Date(timeIntervalSince1970: 0)
    var version = 1

    static let byDue = RecordOrder<Note>("due") { ($0.dueOn?.description ?? "9999-99-99") + $0.title }
    static let schema = RecordSchema<Note>(
        table: "kit_notes",
        columns: [.column(\.status, "status"), .column(\.ownerID, "owner_id"), .column(\.dueOn, "due_on"), .column(\.number, "number")],
        orders: [RecordOrder("title") { $0.title.lowercased() }, byDue],
        links: { note in note.controls.map(RecordLink.control) + (note.ownerID.map { [RecordLink.person($0)] } ?? []) },
        search: { [$0.title, $0.body] })
}

/// The same table as seen by an earlier version of the register, before `number` was declared.
struct NoteV1: StoredRecord {
    var id: Domain.ID<NoteV1>
    var workspaceID: Workspace.ID
    var title: String
    static let schema = RecordSchema<NoteV1>(table: "kit_notes_v", orders: [RecordOrder("title") { $0.title }])
}

struct NoteV2: StoredRecord {
    var id: Domain.ID<NoteV2>
    var workspaceID: Workspace.ID
    var title: String
    var number: Int = 7
    enum CodingKeys: String, CodingKey { case id, workspaceID, title, number }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Domain.ID<NoteV2>.self, forKey: .id)
        workspaceID = try c.decode(Workspace.ID.self, forKey: .workspaceID)
        title = try c.decode(String.self, forKey: .title)
        number = try c.decodeIfPresent(Int.self, forKey: .number) ?? 7
    }
    static let schema = RecordSchema<NoteV2>(table: "kit_notes_v", columns: [.column(\.number, "number")], orders: [RecordOrder("title") { $0.title }])
}

@Suite struct RegisterKit {
    func setUp(_ app: TestApp) async throws -> (a: Workspace.ID, b: Workspace.ID) {
        let admin = try await app.user("admin@example.co.jp", admin: true)
        let a = try await app.workspace("acme", by: admin)
        let b = try await app.workspace("other", by: admin)
        try await RecordTable<Note>().sync(on: try app.services.store.fluent())
        return (a.id, b.id)
    }

    @Test(arguments: TestEngine.available) func ordersFiltersCountsAndPagesStayInTheirWorkspace(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let (a, b) = try await setUp(app)
            let owner = User.ID()
            let base = CalendarDate(year: 2026, month: 4, day: 1)!
            var made: [Note] = []
            for index in 0..<57 {
                made.append(Note(workspaceID: a, title: "記録 \(String(format: "%02d", index))", status: index % 3 == 0 ? .done : .open,
                                  ownerID: index % 2 == 0 ? owner : nil, dueOn: index % 5 == 0 ? nil : base.adding(days: 57 - index), number: index))
            }
            let notes = made
            try await app.services.store.write { tx in
                try await tx.records(Note.self).insert(notes)
                try await tx.records(Note.self).insert(Note(workspaceID: b, title: "よそ", ownerID: owner))
            }
            try await app.services.store.read { db in
                let store = db.records(Note.self)
                for order in Note.schema.orders {
                    var seen: [Note] = []
                    var cursor: String? = nil
                    repeat {
                        let page = try await store.page(in: a, order: order, page: PageRequest(limit: 10, cursor: cursor))
                        seen += page.items
                        cursor = page.nextCursor
                    } while cursor != nil
                    #expect(seen.count == 57 && Set(seen.map(\.id)).count == 57, "\(order.name)")
                    let keys = seen.map { order == Note.byDue ? (($0.dueOn?.description ?? "9999-99-99") + $0.title) : $0.title.lowercased() }
                    #expect(keys == keys.sorted(), "\(order.name) pages in its order")
                }
                #expect(try await store.count(in: a) == 57)
                #expect(try await store.count(in: b) == 1)
                #expect(try await store.count(in: a, [.equal(\.status, .done)]) == 19)
                #expect(try await store.count(in: a, [.equal(\.ownerID, owner)]) == 29)
                #expect(try await store.count(in: a, [.equal(\.ownerID, nil)]) == 28)
                #expect(try await store.count(in: a, [.oneOf(\.number, [1, 2, 3, 99])]) == 3)
                #expect(try await store.count(in: a, [.oneOf(\.number, [])]) == 0)
                #expect(try await store.count(in: a, [.atLeast(\.dueOn, base.adding(days: 50))]) == 6)
                #expect(try await store.count(in: a, [.below(\.number, 10), .notEqual(\.status, .done)]) == 6)
                #expect(try await store.count(in: a, [.any([.equal(\.number, 1), .equal(\.number, 2), .equal(\.status, .done)])]) == 21)
                let counts = try await store.counts(by: \.status, in: a)
                #expect(counts == [.done: 19, .open: 38])
                let owners = try await store.counts(by: \.ownerID, in: a)
                #expect(owners == [owner: 29])
                // Another workspace's records are invisible to every read.
                #expect(try await store.load(notes[0].id, in: b) == nil)
                #expect(try await store.all(in: b).map(\.title) == ["よそ"])
                #expect(try await store.all(in: b, ids: notes.map(\.id)).isEmpty)
            }
        }
    }

    @Test(arguments: TestEngine.available) func linksAndSearchFollowEveryWrite(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let (a, b) = try await setUp(app)
            let owner = User.ID()
            let original = Note(workspaceID: a, title: "暗号化に関する方針", body: "鍵の管理と暗号の利用", ownerID: owner, controls: ["8.24", "5.1"])
            let rules = Note(workspaceID: a, title: "Access control rules", body: "パスワードと多要素認証", controls: ["5.15"])
            let elsewhere = Note(workspaceID: b, title: "暗号化に関する方針", controls: ["8.24"])
            try await app.services.store.write { tx in
                try await tx.records(Note.self).insert([original, rules])
                try await tx.records(Note.self).insert(elsewhere)
            }
            func search(_ text: String, in workspace: Workspace.ID) async throws -> [String] {
                try await app.services.store.read { try await $0.records(Note.self).search(text, in: workspace, page: PageRequest()).items.map(\.title) }
            }
            #expect(try await search("暗号", in: a) == ["暗号化に関する方針"])
            #expect(try await search("暗", in: a) == ["暗号化に関する方針"])
            #expect(try await search("認証", in: a) == ["Access control rules"])
            #expect(try await search("ＡＣＣＥＳＳ", in: a) == ["Access control rules"])
            #expect(try await search("control rules", in: a) == ["Access control rules"])
            #expect(try await search("方針 暗号", in: a).isEmpty)
            #expect(try await search("する方", in: b) == ["暗号化に関する方針"])
            #expect(try await search("", in: a).count == 2)
            let naming = try await app.services.store.read { try await $0.records(Note.self).naming(.control("8.24"), in: a).map(\.title) }
            #expect(naming == ["暗号化に関する方針"])
            let anyRegister = try await app.services.store.read { try await $0.recordLinks.naming(.person(owner), in: a) }
            #expect(anyRegister == [LinkStore.Naming(type: "kit_notes", id: original.id.uuid)])

            // An update rewrites the links and the grams; a delete removes them.
            var changed = original
            changed.title = "鍵の方針"
            changed.controls = ["5.1"]
            let policy = changed
            try await app.services.store.write { tx in try await tx.records(Note.self).update(policy) }
            #expect(try await search("暗号化", in: a).isEmpty)
            #expect(try await search("鍵の方", in: a) == ["鍵の方針"])
            #expect(try await app.services.store.read { try await $0.records(Note.self).naming(.control("8.24"), in: a) }.isEmpty)
            try await app.services.store.write { tx in try await tx.records(Note.self).delete(policy.id, in: a) }
            #expect(try await search("鍵", in: a).isEmpty)
            // (The workspace's ready-made courses name 5.1 too; the note's link is gone.)
            #expect(try await app.services.store.read { try await $0.recordLinks.naming(.control("5.1"), in: a) }.allSatisfy { $0.type != "kit_notes" })
        }
    }

    @Test(arguments: TestEngine.available) func theChangeHelperChecksVersionsAndAuditsOnce(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let (a, _) = try await setUp(app)
            let note = Note(workspaceID: a, title: "はじめ")
            let context = Context(actor: .system)
            let now = app.clock.now
            try await app.services.store.write { tx in try await tx.create(tx.records(Note.self), note, context: context, at: now) }
            let changed = try await app.services.store.write { tx in
                try await tx.change(tx.records(Note.self), note.id, in: a, expectedVersion: 1, context: context, at: now) { $0.title = "つぎ" }
            }
            #expect(changed.version == 2 && changed.title == "つぎ")
            // Nothing to change: no new version, no event.
            let same = try await app.services.store.write { tx in
                try await tx.change(tx.records(Note.self), note.id, in: a, expectedVersion: 2, context: context, at: now) { $0.title = "つぎ" }
            }
            #expect(same.version == 2)
            await #expect(throws: DomainError.conflict(entity: "note", currentVersion: 2)) {
                try await app.services.store.write { tx in
                    try await tx.change(tx.records(Note.self), note.id, in: a, expectedVersion: 1, context: context, at: now) { $0.title = "古い" }
                }
            }
            await #expect(throws: DomainError.versionRequired) {
                try await app.services.store.write { tx in
                    try await tx.change(tx.records(Note.self), note.id, in: a, expectedVersion: nil, context: context, at: now) { $0.title = "版なし" }
                }
            }
            await #expect(throws: DomainError.notFound(entity: "note")) {
                try await app.services.store.write { tx in
                    try await tx.change(tx.records(Note.self), Domain.ID<Note>(), in: a, expectedVersion: 1, context: context, at: now) { $0.title = "?" }
                }
            }
            let events = try await AuditTrail(app.services).history(try await app.operatorAccess("acme"), entityType: "note", entityID: note.id.description, page: PageRequest())
            #expect(events.items.map(\.action) == ["update", "create"])
        }
    }

    @Test(arguments: TestEngine.available) func aColumnDeclaredLaterIsAddedAndFilledFromTheDocuments(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let (a, _) = try await setUp(app)
            let database = try app.services.store.fluent()
            try await RecordTable<NoteV1>().sync(on: database)
            let first = NoteV1(id: .init(), workspaceID: a, title: "古い記録")
            try await app.services.store.write { tx in try await tx.records(NoteV1.self).insert(first) }
            // The next version of the register declares `number`: the migration's sync adds the column
            // and fills it from each stored document (the body decodes with the new field's default).
            try await RecordTable<NoteV2>().sync(on: database)
            try await RecordTable<NoteV2>().sync(on: database)
            let found = try await app.services.store.read { try await $0.records(NoteV2.self).all(in: a, [.equal(\.number, 7)]) }
            #expect(found.map(\.title) == ["古い記録"])
        }
    }
}
