@_spi(Reflection) import Swift
import Domain
import Foundation
import Synchronization
import PostgresNIO
import SQLiteNIO
import SQLKit

// Row structs name their columns in explicit CodingKeys: converting key case on every decode was
// the largest single cost of a list request in the benchmarks.
let rowDecoder = SQLRowDecoder(keyDecodingStrategy: .useDefaultKeys)
let rowEncoder = SQLQueryEncoder(keyEncodingStrategy: .useDefaultKeys, nilEncodingStrategy: .asNil)

/// A row written many at a time (imports): its values as binds in the order of its coding keys,
/// the same values `rowEncoder` would give. Going through `Encodable` for each of 50,000 rows was
/// a tenth of an import's time (issue 20, `perf`).
protocol BulkRow: Sendable {
    associatedtype CodingKeys: CodingKey & CaseIterable
    var binds: [any SQLExpression] { get }
}

extension BulkRow {
    static var columns: [String] { CodingKeys.allCases.map(\.stringValue) }
}

/// A value, or SQL's null for nil (as `rowEncoder` writes it).
func bind(_ value: (some Encodable & Sendable)?) -> any SQLExpression {
    value.map { SQLBind($0) } ?? SQLLiteral.null
}

extension SQLDatabase {
    /// Rows in multi-row inserts of `chunk` each.
    /// The next insert is built and serialized on another core while the database runs the one before (`pipelined`).
    func insert<Row: BulkRow>(_ rows: some Collection<Row>, into table: String, chunk: Int) async throws {
        let rows = Array(rows)
        _ = try await pipelined(steps: (rows.count + chunk - 1) / chunk, from: ()) { step, _ in
            let start = step * chunk
            return ([SQLInsert.rows(rows[start..<min(start + chunk, rows.count)], into: table)], ())
        }
    }
}

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

/// A column compared only to check a row's scope, never to find rows: SQLite's unary `+` keeps its
/// planner from walking a workspace's index when the rows are named by id. With `workspace_id = ?`
/// beside `id IN (…)`, SQLite walked all 50,000 assets of the workspace to name 139 (30 ms against
/// 0.5 ms for the audit trail's page). PostgreSQL's planner has the real statistics and no unary `+`
/// for uuid, so there it is the plain column.
struct ScopeOnly: SQLExpression {
    let column: String
    init(_ column: String = "workspace_id") { self.column = column }
    func serialize(to serializer: inout SQLSerializer) {
        if serializer.dialect.name == "sqlite" { serializer.write("+") }
        SQLIdentifier(column).serialize(to: &serializer)
    }
}

extension SQLPredicateBuilder {
    /// `id IN (ids)` within one workspace, found by the primary key on both engines.
    @discardableResult
    func whereIDs(_ ids: [UUID], in workspace: Workspace.ID) -> Self {
        self.where(ScopeOnly(), .equal, SQLBind(workspace.uuid)).where("id", .in, SQLGroupExpression(ids.map { SQLBind($0) as any SQLExpression }))
    }
}

/// Timestamps go to the database rounded to the millisecond, so SQLite (seconds as a float) and
/// PostgreSQL (microseconds) give back the same value.
func stored(_ date: Date) -> Date { AuditEvent.truncated(date) }
func stored(_ date: Date?) -> Date? { date.map(AuditEvent.truncated) }

/// A row read column by column. Faster than `Codable` row decoding (the benchmarks' second cost
/// after JSON), and UUIDs are parsed without going through `sscanf`.
struct RowReader {
    let row: any SQLRow
    private let cells: DriverRow?

    init(row: any SQLRow) {
        self.row = row
        cells = DriverRow(row)
    }

    func string(_ column: String) throws -> String { try value(column, String.self) }
    func string(_ column: String, optional: Void = ()) throws -> String? { try nullable(column, String.self) }
    func optionalString(_ column: String) throws -> String? { try nullable(column, String.self) }
    func int(_ column: String) throws -> Int { try value(column, Int.self) }
    func optionalInt(_ column: String) throws -> Int? { try nullable(column, Int.self) }
    func int64(_ column: String) throws -> Int64 { try value(column, Int64.self) }
    func optionalInt64(_ column: String) throws -> Int64? { try nullable(column, Int64.self) }
    func bool(_ column: String) throws -> Bool { try value(column, Bool.self) }
    func date(_ column: String) throws -> Date { try value(column, Date.self) }
    func optionalDate(_ column: String) throws -> Date? { try nullable(column, Date.self) }

    func uuid(_ column: String) throws -> UUID {
        guard let value = try optionalUUID(column) else { throw RowError.missing(column) }
        return value
    }

    func optionalUUID(_ column: String) throws -> UUID? {
        if case .postgres(let cells) = cells, cells.contains(column) {
            let cell = cells[column]
            return cell.bytes == nil ? nil : try cell.decode(UUID.self)
        }
        guard let text = try nullable(column, String.self) else { return nil }
        guard let uuid = FastUUID.parse(text) else { throw RowError.malformed(column) }
        return uuid
    }

    /// A value read from the driver's own row when there is one: SQLKit's generic path costs a
    /// `Decoder` per value on SQLite and a coding path with a formatted key per value on PostgreSQL
    /// (45 % of a 100-row asset list's CPU there, `perf`, issue 20).
    private func value<T: Decodable & PostgresDecodable & SQLiteDataConvertible>(_ column: String, _ type: T.Type) throws -> T {
        switch cells {
        case .postgres(let cells) where cells.contains(column):
            return try cells[column].decode(T.self)
        case .sqlite(let cells):
            if let data = cells.column(column), let value = T(sqliteData: data) { return value }
        default:
            break
        }
        return try row.decode(column: column, as: T.self)
    }

    /// A nullable column: asked whether it is null, then read as the plain type (decoding `T?`
    /// through SQLKit goes through a nested `Decoder` for every value).
    private func nullable<T: Decodable & PostgresDecodable & SQLiteDataConvertible>(_ column: String, _ type: T.Type) throws -> T? {
        switch cells {
        case .postgres(let cells) where cells.contains(column):
            let cell = cells[column]
            return cell.bytes == nil ? nil : try cell.decode(T.self)
        case .sqlite(let cells):
            if let data = cells.column(column) {
                if data.isNull { return nil }
                if let value = T(sqliteData: data) { return value }
            }
        default:
            break
        }
        return try row.decodeNil(column: column) ? nil : row.decode(column: column, as: T.self)
    }

    enum RowError: Error { case missing(String), malformed(String) }
}

/// A row type read by `RowReader`.
protocol RowDecodable: Sendable {
    init(_ r: RowReader) throws
}

/// The driver's row behind SQLKit's `SQLRow`, when it can be reached (the drivers keep their rows in
/// private wrappers). The wrapper's stored property holding the driver's row is found once per
/// wrapper type from the runtime's field records (`_forEachField`: name, offset and type, the type
/// checked to be exactly the driver's row) and read at that offset; `Mirror` per row was 8 % of a
/// 100-row list's CPU (`perf`, issue 20). A wrapper that is not a struct is searched by `Mirror`, and
/// without a driver's row a row is read through SQLKit as before, so a driver that changes its
/// wrapper is slower, never wrong; a storage test checks that both engines' rows are reached.
enum DriverRow {
    case postgres(PostgresRandomAccessRow)
    case sqlite(SQLiteRow)

    init?(_ row: any SQLRow) {
        func read<Wrapper: SQLRow>(_ row: Wrapper) -> DriverRow? {
            switch RowLayouts.layout(of: row) {
            case .field(let offset, let kind):
                return withUnsafeBytes(of: row) { raw in
                    let address = raw.baseAddress!.advanced(by: offset)
                    return switch kind {
                    case .postgres: .postgres(address.assumingMemoryBound(to: PostgresRandomAccessRow.self).pointee)
                    case .sqlite: .sqlite(address.assumingMemoryBound(to: SQLiteRow.self).pointee)
                    }
                }
            case .noDriverRow: return nil
            case .notAStruct:
                for child in Mirror(reflecting: row).children {
                    if let cells = child.value as? PostgresRandomAccessRow { return .postgres(cells) }
                    if let cells = child.value as? SQLiteRow { return .sqlite(cells) }
                }
                return nil
            }
        }
        guard let cells = read(row) else { return nil }
        self = cells
    }
}

/// Where a wrapper struct keeps the driver's row, found once per wrapper type.
enum RowLayouts {
    enum Kind: Equatable { case postgres, sqlite }
    enum Layout {
        case field(offset: Int, kind: Kind)
        case noDriverRow
        case notAStruct
    }
    private static let known = Mutex<[ObjectIdentifier: Layout]>([:])

    static func layout(of row: Any) -> Layout {
        let type = Swift.type(of: row)
        let id = ObjectIdentifier(type)
        if let cached = known.withLock({ $0[id] }) { return cached }
        var found = Layout.noDriverRow
        if Mirror(reflecting: row).displayStyle != .struct {
            found = .notAStruct
        } else {
            _forEachField(of: type) { _, offset, fieldType, _ in
                if fieldType == PostgresRandomAccessRow.self { found = .field(offset: offset, kind: .postgres); return false }
                if fieldType == SQLiteRow.self { found = .field(offset: offset, kind: .sqlite); return false }
                return true
            }
        }
        known.withLock { $0[id] = found }
        return found
    }
}

extension SQLQueryFetcher {
    func first<D: RowDecodable>(_ type: D.Type) async throws -> D? {
        guard let row = try await first() else { return nil }
        return try D(RowReader(row: row))
    }

    func all<D: RowDecodable>(_ type: D.Type) async throws -> [D] {
        try await all().map { try D(RowReader(row: $0)) }
    }
}

enum FastUUID {
    /// Parses the 36-character form (hyphens after the 8th, 12th, 16th and 20th digit), either case.
    static func parse(_ text: String) -> UUID? {
        var text = text
        return text.withUTF8 { utf8 -> UUID? in
            guard utf8.count == 36, utf8[8] == 0x2D, utf8[13] == 0x2D, utf8[18] == 0x2D, utf8[23] == 0x2D else { return nil }
            var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            let parsed = withUnsafeMutableBytes(of: &uuid) { bytes -> Bool in
                var position = 0
                for index in 0..<16 {
                    if position == 8 || position == 13 || position == 18 || position == 23 { position += 1 }
                    guard let high = hexValue(utf8[position]), let low = hexValue(utf8[position + 1]) else { return false }
                    bytes[index] = high << 4 | low
                    position += 2
                }
                return true
            }
            return parsed ? UUID(uuid: uuid) : nil
        }
    }

    @inline(__always)
    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }
}

extension SQLDatabase {
    /// How many rows `select` matches, its columns, order and limits left out: the length of the
    /// list a page is one page of. Pass the select as it stands before a cursor's condition.
    func total(_ select: SQLSelect) async throws -> Int {
        try await whole(select, columns: [SQLAlias(SQLFunction("count", args: SQLLiteral.all), as: SQLIdentifier("n"))])
            .first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// How many rows a query narrowed by the gram index holds. A search of three characters or
    /// more is checked against each candidate's texts (the grams alone can over-count: `abxbc`
    /// holds `ab` and `bc` but not `abc`); shorter ones are exact by the index alone.
    func total(_ select: SQLSelect, search: SearchIndex.Query?, texts: [any SQLExpression]) async throws -> Int {
        guard let search, search.normalized.count > 2 else { return try await total(select) }
        let candidates = whole(select, columns: texts.enumerated().map { SQLAlias($0.element, as: SQLIdentifier("t\($0.offset)")) })
        return try await candidates.all().count { row in
            SearchIndex.contains(texts.indices.map { ((try? row.decode(column: "t\($0)", as: String?.self)) ?? nil) ?? "" }, search.normalized)
        }
    }

    /// Every row of `select` with other columns, its order, limits and lock left out.
    private func whole(_ select: SQLSelect, columns: [any SQLExpression]) -> SQLSelectBuilder {
        var whole = select
        whole.columns = columns
        whole.orderBy = []
        whole.limit = nil
        whole.offset = nil
        whole.lockingClause = nil
        let builder = SQLSelectBuilder(on: self)
        builder.select = whole
        return builder
    }
}
