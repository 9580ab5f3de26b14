import Domain
import Foundation
import SQLKit
@testable import Storage
import Testing

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
}
