import Domain
import Foundation
import SQLKit
@testable import Storage
import Testing
import TestSupport

/// Rows are read from the driver's own row (`DriverRow`), reached by reflection through SQLKit's
/// private wrappers; these tests fail when a driver update hides it, and check that every kind of
/// column reads the same as through SQLKit's generic path.
@Suite struct RowReaderTests {
    @Test(arguments: TestEngine.available)
    func columnsReadFromTheDriversRowAsThroughSQLKit(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            try await app.services.store.read { db in
                let row = try #require(try await db.sql.raw("SELECT * FROM users WHERE email = \(bind: "admin@example.co.jp")").first())
                let cells = DriverRow(row)
                switch (engine, cells) {
                case (.sqlite, .sqlite?), (.postgres, .postgres?): break
                default: Issue.record("the \(engine) row was not reached: \(String(describing: cells))")
                }
                guard case .field(_, let kind) = RowLayouts.layout(of: row) else { Issue.record("not found from the wrapper's field records"); return }
                #expect(kind == (engine == .sqlite ? .sqlite : .postgres))
                let reader = RowReader(row: row)
                #expect(try reader.uuid("id") == admin.id.uuid)
                #expect(try reader.string("email") == "admin@example.co.jp")
                #expect(try reader.bool("is_administrator") == true)
                #expect(try reader.bool("totp_enabled") == false)
                #expect(try reader.optionalString("totp_secret") == nil)
                #expect(try reader.optionalInt64("totp_last_step") == nil)
                #expect(try reader.int("version") == row.decode(column: "version", as: Int.self))
                #expect(try reader.date("created_at") == row.decode(column: "created_at", as: Date.self))
                #expect(try reader.optionalDate("updated_at") == row.decode(column: "updated_at", as: Date?.self))
                #expect(try UserRow(reader).user.id == admin.id)
            }
        }
    }

    @Test func uuidsParsedInEitherCaseAndNothingElse() {
        for _ in 0..<1000 {
            let uuid = UUID()
            #expect(FastUUID.parse(uuid.uuidString) == uuid && FastUUID.parse(uuid.uuidString.lowercased()) == uuid)
        }
        let good = "0f8fad5b-d9cb-469f-a165-70867728950e"
        #expect(FastUUID.parse(good) == UUID(uuidString: good))
        for bad in ["", "0f8fad5b-d9cb-469f-a165-70867728950", "0f8fad5b-d9cb-469f-a165-70867728950e0", "0f8fad5bd-9cb-469f-a165-70867728950e",
                    "0f8fad5b-d9cb-469f-a165-70867728950g", "0f8fad5b+d9cb-469f-a165-70867728950e", "０f8fad5b-d9cb-469f-a165-70867728950e"] {
            #expect(FastUUID.parse(bad) == nil, "\(bad)")
        }
    }
}
