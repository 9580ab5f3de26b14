import Domain
import Features
import Foundation
import SQLKit
@testable import Storage
import Testing
import TestSupport

/// Issue 20: assets, risks, members and evidence are searched by the gram index (ADR 0010), two
/// Japanese characters included, on SQLite and PostgreSQL; the index follows every change.
@Suite struct SearchIndexTests {
    @Test(arguments: TestEngine.available)
    func everyRegisterFindsTwoCharactersByTheIndexAndFollowsChanges(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            _ = try await app.workspace("other", by: admin)
            let access = try await app.operatorAccess("acme")
            let context = Context(actor: .system)
            let assets = Assets(app.services)
            func asset(_ code: String, _ name: String, location: String? = nil, in access: WorkspaceAccess) async throws -> Asset {
                try await assets.create(access, AssetInput(code: code, name: name, kind: "information", location: location, confidentiality: "2", integrity: "2", availability: "1"),
                                        context: context)
            }
            let key = try await asset("A-001", "暗号鍵管理サーバ", in: access)
            _ = try await asset("A-002", "顧客台帳", location: "本社サーバ室", in: access)
            _ = try await asset("A-003", "abxbc 設計書", in: access)
            _ = try await asset("B-001", "暗号化ソフト", in: try await app.operatorAccess("other"))
            func found(_ text: String) async throws -> [String] {
                try await assets.list(access, query: AssetQuery(search: text), page: PageRequest()).items.map(\.code).sorted()
            }
            #expect(try await found("暗号") == ["A-001"], "two characters, and another workspace's asset stays out")
            #expect(try await found("暗") == ["A-001"])
            #expect(try await found("サーバ") == ["A-001", "A-002"], "the name or the location")
            #expect(try await found("ａ－００２") == ["A-002"], "full-width folds to the code")
            #expect(try await found("abc").isEmpty, "the grams ab and bc occur, the text abc does not")
            #expect(try await assets.count(access, query: AssetQuery(search: "暗号")) == 1)
            #expect(try await assets.count(access, query: AssetQuery(search: "サーバ")) == 2, "counted from the columns: the name or the location")
            #expect(try await assets.count(access, query: AssetQuery(search: "abc")) == 0, "a count checks three characters against the texts")
            let renamed = try await assets.update(access, key.id, AssetInput(name: "認証基盤"), expectedVersion: key.version, context: context)
            #expect(try await found("暗号").isEmpty, "the grams follow a rename")
            #expect(try await found("認証") == ["A-001"])

            // A risk by its scenario or by its asset's name.
            let assessment = try await RiskAssessments(app.services).create(access, AssessmentInput(name: "2026年度"), carryForwardFrom: nil, context: context)
            let risks = Risks(app.services)
            let leak = try await risks.create(access, assessment: assessment.id, RiskInput(assetID: .some(renamed.id), scenario: "委託先からの漏えい",
                                                                                           inherent: RatingInput(likelihood: 2, impact: 3)), context: context)
            func risksFound(_ text: String) async throws -> [Risk.ID] {
                try await risks.list(access, assessment: assessment.id, query: RiskQuery(search: text), page: PageRequest()).items.map(\.id)
            }
            #expect(try await risksFound("漏え") == [leak.id])
            #expect(try await risksFound("認証") == [leak.id], "its asset's name")
            #expect(try await risksFound("認証基盤") == [leak.id], "three characters and more, checked against the asset's text")
            #expect(try await risks.count(access, assessment: assessment.id, query: RiskQuery(search: "認証基盤")) == 1, "and counted from its asset's columns")
            #expect(try await risksFound("顧客").isEmpty)
            try await risks.delete(access, leak.id, expectedVersion: nil, context: context)
            try await assets.delete(access, renamed.id, expectedVersion: nil, context: context)
            #expect(try await found("認証").isEmpty)
            #expect(try await assets.count(access, query: AssetQuery(search: "認証")) == 0, "a deleted asset's document goes with it")
            let oneCharacter = try await assets.count(access, query: AssetQuery(search: "顧"))
            let withAFilter = try await assets.count(access, query: AssetQuery(search: "顧", kind: .software))
            #expect(oneCharacter == 1 && withAFilter == 0, "the index alone, and through the records when another filter is set")

            // Members by name or e-mail, after the person is renamed.
            let person = try await app.user("tanaka@example.co.jp", name: "田中 花子")
            try await app.member(person, in: "acme", roles: [RoleGrantInput(role: .employee)])
            let members = Members(app.services)
            func membersFound(_ text: String) async throws -> [String] {
                try await members.list(access, filter: MemberFilter(search: text), page: PageRequest()).items.map(\.email)
            }
            #expect(try await membersFound("花子") == ["tanaka@example.co.jp"])
            #expect(try await membersFound("TANAKA@") == ["tanaka@example.co.jp"])
            _ = try await Users(app.services).update(person.id, displayName: "山田 花子", isAdministrator: nil, isDisabled: nil, expectedVersion: person.version,
                                                    by: admin, context: context)
            #expect(try await membersFound("田中").isEmpty)
            #expect(try await membersFound("山田") == ["tanaka@example.co.jp"])

            // The migration: the kit's pairs become documents, the other registers are read from their tables.
            let workspace = access.workspace.id
            let fluent = try app.services.store.fluent()
            try await CreateSearchIndex().revert(on: fluent)
            let policy = UUID()
            try await app.services.store.write { db in
                for gram in SearchIndex.grams(["暗号化の方針"]) {
                    try await db.sql.insert(into: "search_grams").columns("workspace_id", "record_type", "record_id", "gram")
                        .values(SQLBind(workspace.uuid), SQLBind("documents"), SQLBind(policy), SQLBind(gram)).run()
                }
            }
            try await CreateSearchIndex().prepare(on: fluent)
            #expect(try await found("サーバ") == ["A-002"])
            #expect(try await membersFound("山田") == ["tanaka@example.co.jp"])
            let documents = try await app.services.store.read { db in
                try await db.sql.select().column("record_id").from("search_docs")
                    .where("record_id", .in, SearchIndex.matching(try #require(SearchIndex.query("暗号")), type: "documents", in: workspace, on: db.sql)).all()
                    .map { try RowReader(row: $0).uuid("record_id") }
            }
            #expect(documents == [policy])
            #expect(try await app.services.store.read { db in
                try await db.sql.raw("SELECT count(*) AS n FROM search_docs WHERE record_type = 'assets'").first()?.decode(column: "n", as: Int.self)
            } == 3, "one document per asset: two here, one in the other workspace")
        }
    }
}
