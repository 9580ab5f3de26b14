import Domain
import Foundation
@testable import Storage
import Testing

/// Stored documents as a database of an earlier release holds them (`Golden/<table>.json`, one
/// body per record type, taken from a demo database). Each must still decode, and write back
/// byte for byte: a change of a record's shape fails here before it can break a database made
/// by an earlier build — change the shape only with a migration that rewrites the stored bodies,
/// then refresh the fixture.
@Suite struct GoldenDocuments {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    func roundTrip<Record: StoredRecord>(_ type: Record.Type) throws {
        let url = Self.folder.appendingPathComponent("\(Record.schema.table).json")
        let stored = try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let record = try RecordCoders.decoder.decode(Record.self, from: Data(stored.utf8))
        let written = String(decoding: try RecordCoders.encoder.encode(record), as: UTF8.self)
        #expect(written == stored, "\(Record.schema.table): the stored shape changed")
    }

    @Test func everyCheckAndActDocumentOfAnEarlierReleaseStillReads() throws {
        try roundTrip(BusinessProcess.self)
        try roundTrip(AuditProgramme.self)
        try roundTrip(InternalAudit.self)
        try roundTrip(ChecklistItem.self)
        try roundTrip(AuditFinding.self)
        try roundTrip(Nonconformity.self)
        try roundTrip(ManagementReview.self)
        try roundTrip(ReviewAction.self)
    }

    @Test func plannedActivitiesOfAnEarlierReleaseStillRead() throws {
        try roundTrip(PlannedActivity.self)
    }
}
