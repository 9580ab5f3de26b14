import Domain
import Foundation
import SQLKit
import SQLiteKit
import SQLiteNIO
@testable import Storage
import Testing
import TestSupport

/// Rows written in bulk give the same columns and values, in the same order, as `rowEncoder`.
@Suite struct BulkRowTests {
    func described(_ expression: any SQLExpression) -> String {
        if let bind = expression as? SQLBind {
            // The encoder wraps what is not a plain value (a UUID, a date) in a type that encodes it as itself.
            var type = "\(Swift.type(of: bind.encodable))"
            if type.hasPrefix("FakeSendableCodable<") { type = String(type.dropFirst("FakeSendableCodable<".count).dropLast()) }
            return "\(type) \(bind.encodable)"
        }
        if let literal = expression as? SQLLiteral, case .null = literal { return "null" }
        return "other \(expression)"
    }

    func expectSame<Row: BulkRow & Encodable>(_ row: Row) throws {
        let encoded = try rowEncoder.encode(row)
        #expect(encoded.map(\.0) == Row.columns)
        #expect(encoded.map { described($0.1) } == row.binds.map(described))
    }

    @Test func anAssetRowAndAnAuditEventRowBindWhatTheEncoderWrites() throws {
        let workspace = Workspace.ID(UUID())
        var asset = Asset(id: Asset.ID(UUID()), workspaceID: workspace, code: "A-001", name: "顧客台帳", kind: .information, form: .electronic,
                          createdAt: Date(timeIntervalSince1970: 1_800_000_000), updatedAt: Date(timeIntervalSince1970: 1_800_000_100))
        try expectSame(AssetRow(asset))
        asset.ownerID = User.ID(UUID()); asset.departmentID = Department.ID(UUID()); asset.location = "本社"; asset.classification = "confidential"
        asset.confidentiality = 3; asset.integrity = 2; asset.availability = 1; asset.value = 3; asset.notes = "備考"
        asset.lastReviewedOn = CalendarDate(year: 2026, month: 4, day: 1)
        try expectSame(AssetRow(asset))
        let event = AuditEvent(id: AuditEvent.ID(), workspaceID: workspace, sequence: 7, occurredAt: Date(timeIntervalSince1970: 1_800_000_000),
                               actor: Actor(kind: .user, userID: User.ID(UUID()), tokenID: nil, label: "社長"), entityType: "asset", entityID: "A-001",
                               action: "create", before: nil, after: "{}", requestID: "r-1", previousHash: "p", hash: "h")
        try expectSame(AuditEventRow(event))
    }

    /// A statement made ready ahead (`ReadyStatement`, the import's pipeline) hands SQLite the
    /// same values SQLiteKit's encoder would, and takes that short way for every value of the rows
    /// written in bulk (a value it cannot convert would silently send the whole statement the slow way).
    @Test func readyStatementsConvertValuesAsSQLiteKitDoes() async throws {
        try await TestApp.with(.sqlite) { app in
            let database = try app.services.store.sql()
            let workspace = Workspace.ID(UUID())
            var asset = Asset(id: Asset.ID(UUID()), workspaceID: workspace, code: "A-001", name: "顧客台帳", kind: .information, form: .electronic,
                              createdAt: Date(timeIntervalSince1970: 1_800_000_000.123), updatedAt: Date(timeIntervalSince1970: 1_800_000_100))
            asset.ownerID = User.ID(UUID()); asset.confidentiality = 3; asset.lastReviewedOn = CalendarDate(year: 2026, month: 4, day: 1)
            let event = AuditEvent(id: AuditEvent.ID(), workspaceID: workspace, sequence: 7, occurredAt: Date(timeIntervalSince1970: 1_800_000_000),
                                   actor: Actor(kind: .user, userID: User.ID(UUID()), tokenID: nil, label: "社長"), entityType: "asset", entityID: "A-001",
                                   action: "create", before: nil, after: "{}", requestID: "r-1", previousHash: "p", hash: "h")
            let statements: [any SQLExpression] = [SQLInsert.rows([AssetRow(asset)], into: "assets"), SQLInsert.rows([AuditEventRow(event)], into: "audit_events"),
                                                   SQLInsert.rows([AssetRow(Asset(workspaceID: workspace, code: "B", name: "b", kind: .physical, form: .paper,
                                                                                  createdAt: Date(), updatedAt: Date()))], into: "assets")]
                + SearchIndex.inserts(documents: [(UUID(), "顧客 台帳")], type: "assets", in: workspace)
            for statement in statements {
                var serializer = SQLSerializer(database: database)
                statement.serialize(to: &serializer)
                let ready = ReadyStatement(statement, for: database)
                #expect(ready.text == serializer.sql)
                let values = try #require(ready.sqlite, "every value converted ahead: \(serializer.binds.map { type(of: $0) })")
                #expect(values == (try serializer.binds.map { try SQLiteDataEncoder().encode($0) }))
            }
            #expect(ReadyStatement.sqliteValues([UUID(), "x", 1, 2.5, true, Date()])?.count == 6)
            struct Other: Encodable, Sendable { var x = 1 }
            #expect(ReadyStatement.sqliteValues(["x", Other()]) == nil, "a value only SQLiteKit's coder knows leaves the statement to it")
        }
    }

    /// A pipelined write runs its steps in order, each given the state the step before left, and
    /// stops at the first failing statement: no later step reaches the database.
    @Test(arguments: TestEngine.available)
    func pipelinedStepsRunInOrderAndStopAtAFailure(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let database = try app.services.store.sql()
            try await database.raw("CREATE TABLE pipeline_probe (n INTEGER NOT NULL, total INTEGER NOT NULL)").run()
            func rows() async throws -> [[Int]] {
                try await database.raw("SELECT n, total FROM pipeline_probe ORDER BY total").all().map { [try $0.decode(column: "n", as: Int.self), try $0.decode(column: "total", as: Int.self)] }
            }
            let last = try await database.pipelined(steps: 6, from: 0) { step, total in
                let next = total + step + 1
                return ([SQLInsert.probe(step, next), SQLInsert.probe(step, next)], next)
            }
            #expect(last == 21)
            #expect(try await rows() == [[0, 1], [0, 1], [1, 3], [1, 3], [2, 6], [2, 6], [3, 10], [3, 10], [4, 15], [4, 15], [5, 21], [5, 21]])
            try await database.raw("DELETE FROM pipeline_probe").run()
            await #expect(throws: (any Error).self) {
                _ = try await database.pipelined(steps: 6, ahead: 2, from: 0) { step, total in
                    ([step == 2 ? SQLRaw("INSERT INTO no_such_table VALUES (1)") : SQLInsert.probe(step, total + step + 1)], total + step + 1)
                }
            }
            #expect(try await rows() == [[0, 1], [1, 3]], "the steps after the failing one never ran")
        }
    }
}

extension SQLInsert {
    static func probe(_ n: Int, _ total: Int) -> SQLInsert {
        var insert = SQLInsert(table: SQLIdentifier("pipeline_probe"))
        insert.columns = [SQLIdentifier("n"), SQLIdentifier("total")]
        insert.values = [[SQLBind(n), SQLBind(total)]]
        return insert
    }
}
