import Domain
import Foundation
import SQLKit

// Row structs name their columns in explicit CodingKeys: converting key case on every decode was
// the largest single cost of a list request in the benchmarks.
let rowDecoder = SQLRowDecoder(keyDecodingStrategy: .useDefaultKeys)
let rowEncoder = SQLQueryEncoder(keyEncodingStrategy: .useDefaultKeys, nilEncodingStrategy: .asNil)

extension SQLQueryFetcher {
    func first<D: Decodable>(_ type: D.Type) async throws -> D? { try await first(decoding: type, with: rowDecoder) }
    func all<D: Decodable>(_ type: D.Type) async throws -> [D] { try await all(decoding: type, with: rowDecoder) }
}

/// A `LIKE` pattern matching `text` anywhere, with `%`, `_` and `\` taken literally.
func containsPattern(_ text: String) -> String {
    let escaped = text.lowercased().replacingOccurrences(of: "\\", with: "\\\\")
        .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    return "%\(escaped)%"
}

/// `lower(column) LIKE pattern ESCAPE '\'`, the same on SQLite and PostgreSQL.
func lowerLike(_ column: String, _ text: String) -> SQLQueryString {
    SQLQueryString("lower(\(ident: column)) LIKE \(bind: containsPattern(text)) ESCAPE '\\'")
}

func lowerLike(_ table: String, _ column: String, _ text: String) -> SQLQueryString {
    SQLQueryString("lower(\(ident: table).\(ident: column)) LIKE \(bind: containsPattern(text)) ESCAPE '\\'")
}

extension CalendarDate {
    init?(stored: String?) {
        guard let stored else { return nil }
        self.init(stored)
    }
}

/// Timestamps go to the database rounded to the millisecond, so SQLite (seconds as a float) and
/// PostgreSQL (microseconds) give back the same value.
func stored(_ date: Date) -> Date { AuditEvent.truncated(date) }
func stored(_ date: Date?) -> Date? { date.map(AuditEvent.truncated) }
