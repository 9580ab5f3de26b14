import Foundation

/// Comma-separated files as Japanese Excel writes them: UTF-8 with or without a byte-order mark, or
/// Shift_JIS (CP932); CRLF or LF; quoted cells with embedded commas, quotes and line breaks.
public enum CSV {
    public enum Encoding: String, Sendable, CaseIterable { case utf8, cp932 }

    public enum ReadError: Error, Equatable {
        case undecodable
        case unterminatedQuote(row: Int)
        /// More rows than an import reads (counting the header).
        case tooManyRows(limit: Int)
        /// A row wider than any register.
        case tooManyColumns(row: Int, limit: Int)
        /// A cell longer than a spreadsheet cell may be.
        case cellTooLong(row: Int, column: Int, limit: Int)
    }

    /// What reading one file may cost; past a limit the read stops at once.
    public struct Limits: Sendable {
        public var rows = 100_001
        public var columns = 1_024
        /// Bytes of one cell (Excel keeps a cell under 32,767 characters; in UTF-8 that is up to ~96 KB).
        public var cellBytes = 128 * 1024
        public init() {}
        public static let unlimited: Limits = { var l = Limits(); l.rows = .max; l.columns = .max; l.cellBytes = .max; return l }()
    }

    /// Decodes the bytes of a CSV file into text, picking the encoding by content.
    public static func decode(_ data: Data) throws -> String {
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        if let text = String(data: bytes, encoding: .shiftJIS) { return text }
        throw ReadError.undecodable
    }

    /// Decodes and splits a file, stopping at the first limit.
    public static func read(_ data: Data, limits: Limits = Limits()) throws -> [[String]] {
        try parse(decode(data), limits: limits)
    }

    /// The rows of an uploaded file, refused as a person reads it (the encoding, the row of an
    /// open quote, the limit passed).
    public static func rows(_ data: Data) throws -> [[String]] {
        let text: String
        do { text = try decode(data) } catch { throw DomainError.invalid(field: "file", code: "error.csvEncoding") }
        do { return try parse(text, limits: Limits()) } catch let error as ReadError { throw error.fieldError }
    }

    /// Splits CSV text into rows of cells. Blank lines are kept as rows with one empty cell so that
    /// row numbers always match what a spreadsheet shows. The text is walked once as UTF-8 bytes
    /// (the separators are ASCII, which never occurs inside a multi-byte character) and each cell
    /// is made from its own bytes: nothing but the rows is copied.
    public static func parse(_ text: String, limits: Limits = .unlimited) throws -> [[String]] {
        var text = text
        text.makeContiguousUTF8()
        return try text.utf8.withContiguousStorageIfAvailable { try parse(bytes: $0, limits: limits) } ?? []
    }

    static func parse(bytes: UnsafeBufferPointer<UInt8>, limits: Limits) throws -> [[String]] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var rows: [[String]] = []
        var row: [String] = []
        var cell: [UInt8] = []
        var quoted = false
        var inQuotes = false
        var quoteStartRow = 1
        var index = 0
        let count = bytes.count

        func endCell() throws {
            if row.count >= limits.columns { throw ReadError.tooManyColumns(row: rows.count + 1, limit: limits.columns) }
            row.append(String(decoding: cell, as: UTF8.self))
            cell.removeAll(keepingCapacity: true)
            quoted = false
        }
        func endRow() throws {
            try endCell()
            if rows.count >= limits.rows { throw ReadError.tooManyRows(limit: limits.rows) }
            rows.append(row)
            row = []
        }
        func append(_ byte: UInt8) throws {
            if cell.count >= limits.cellBytes { throw ReadError.cellTooLong(row: rows.count + 1, column: row.count + 1, limit: limits.cellBytes) }
            cell.append(byte)
        }

        while index < count {
            let c = bytes[index]
            index += 1
            if inQuotes {
                if c == quote {
                    if index < count && bytes[index] == quote { try append(quote); index += 1 } else { inQuotes = false }
                } else {
                    try append(c)
                }
                continue
            }
            switch c {
            case quote where cell.isEmpty && !quoted:
                inQuotes = true
                quoted = true
                quoteStartRow = rows.count + 1
            case comma:
                try endCell()
            case cr:
                if index < count && bytes[index] == lf { index += 1 }
                try endRow()
            case lf:
                try endRow()
            default:
                try append(c)
            }
        }
        if inQuotes { throw ReadError.unterminatedQuote(row: quoteStartRow) }
        if !cell.isEmpty || !row.isEmpty || quoted { try endRow() }
        return rows
    }

    /// Writes rows as CSV with CRLF line ends, quoting where needed.
    public static func write(_ rows: [[String]]) -> String {
        rows.map { row in
            row.map { cell in
                // A leading =, +, - or @ would be run as a formula by a spreadsheet: keep it text.
                var value = cell
                if let first = value.first, "=+-@".contains(first), Double(value) == nil { value = "'" + value }
                if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                    return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                }
                return value
            }.joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }

    /// The bytes of a CSV file: UTF-8 with a byte-order mark (so Excel opens it as UTF-8), or CP932.
    public static func encode(_ rows: [[String]], encoding: Encoding = .utf8) -> Data? {
        let text = write(rows)
        switch encoding {
        case .utf8: return Data([0xEF, 0xBB, 0xBF]) + Data(text.utf8)
        case .cp932: return text.data(using: .shiftJIS)
        }
    }
}

/// A CSV file with a header row, read into named columns. Header names are matched against the
/// accepted names of each column (English key or Japanese label).
public struct CSVTable: Sendable {
    public struct Row: Sendable {
        /// The row number as a spreadsheet shows it (the header is row 1).
        public var number: Int
        public var cells: Cells

        /// The cell's text; nothing for a blank cell or a mark meaning "nothing here" (－, n/a, 該当なし).
        public func value(_ column: String) -> String? { Text.nonBlank(cells[column]).flatMap { Text.isEmptyMark($0) ? nil : $0 } }
        /// The cell's text as written, marks included (a choice column reads N/A as a choice first).
        public func text(_ column: String) -> String? { Text.nonBlank(cells[column]) }
        /// The cell as a field's input: nil when the file has no such column (the field is left as
        /// it is), empty for a blank cell or a "nothing here" mark (the field is cleared).
        public func field(_ column: String) -> String? {
            guard let cell = cells[column] else { return nil }
            return Text.isEmptyMark(cell) ? "" : cell
        }
    }

    /// A row's cells by field key: the file's row as read (no copy) and where each mapped column
    /// is in it, one position map shared by every row. A dictionary per row held 50,000 rows of an
    /// import at three times the memory (issue 20's 200 MB).
    public struct Cells: Sendable {
        let raw: [String]
        let positions: [String: Int]

        public init(raw: [String], positions: [String: Int]) {
            self.raw = raw
            self.positions = positions
        }

        /// The cell under the field's column; nil when the file has no such column or the row ends before it.
        public subscript(key: String) -> String? {
            guard let position = positions[key], position < raw.count else { return nil }
            return raw[position]
        }

        /// The cells of the mapped columns the row has.
        public var values: [String] { positions.values.compactMap { $0 < raw.count ? raw[$0] : nil } }
    }

    public var columns: [String]
    public var rows: [Row]
    /// Which file column fed which field (nil for a table made in code).
    public var mapping: ColumnMapping?

    public init(columns: [String], rows: [Row], mapping: ColumnMapping? = nil) {
        self.columns = columns
        self.rows = rows
        self.mapping = mapping
    }

    /// Reads `data` and maps header cells onto `columns` (key → accepted header names). Unknown
    /// headers are ignored (the mapping says so); missing required columns are reported.
    public static func read(_ data: Data, columns: [(key: String, names: Set<String>, required: Bool)], ignoring: Set<String> = [],
                            decide: [String: @Sendable (String) -> Bool] = [:]) throws -> CSVTable {
        try make(rows: CSV.rows(data), columns: columns, ignoring: ignoring, decide: decide)
    }

    /// Maps already-read rows (from CSV or a spreadsheet) onto named columns, as `read` does:
    /// the mapping is proposed (`propose`) and, when every column is settled, applied (`make`).
    public static func make(rows raw: [[String]], columns: [(key: String, names: Set<String>, required: Bool)], ignoring: Set<String> = [],
                            decide: [String: @Sendable (String) -> Bool] = [:]) throws -> CSVTable {
        let spec = ImportSpec(columns: columns, computed: ignoring, decide: decide)
        return try make(rows: raw, spec: spec, mapping: propose(rows: raw, spec: spec))
    }
}

extension CSV.ReadError {
    /// The refusal as a person reads it: what is wrong and on which row.
    public var fieldError: DomainError {
        switch self {
        case .undecodable: return .invalid(field: "file", code: "error.csvEncoding")
        case .unterminatedQuote(let row): return .invalid([FieldError(field: "file", code: "error.csvQuote", row: row)])
        case .tooManyRows(let limit): return .invalid(field: "file", code: "error.importTooManyRows", params: ["limit": String(limit - 1)])
        case .tooManyColumns(let row, let limit): return .invalid([FieldError(field: "file", code: "error.importTooManyColumns", params: ["limit": String(limit)], row: row)])
        case .cellTooLong(let row, let column, _):
            return .invalid([FieldError(field: "file", code: "error.importCellTooLong", params: ["column": String(column)], row: row)])
        }
    }
}

extension FieldError {
    /// Problems that differ only in their row, as one problem naming the rows (`2–91, 95` in the
    /// `rows` parameter), in the order each was first found.
    public static func grouped(_ errors: [FieldError]) -> [FieldError] {
        struct Key: Hashable { var field: String; var code: String; var params: [String: String] }
        func key(_ error: FieldError) -> Key? {
            error.row == nil || error.params["rows"] != nil ? nil : Key(field: error.field, code: error.code, params: error.params)
        }
        var rows: [Key: [Int]] = [:]
        for error in errors { if let k = key(error), let row = error.row { rows[k, default: []].append(row) } }
        guard rows.values.contains(where: { $0.count > 1 }) else { return errors }
        var result: [FieldError] = []
        var emitted = Set<Key>()
        for error in errors {
            guard let k = key(error), let all = rows[k] else { result.append(error); continue }
            guard emitted.insert(k).inserted else { continue }
            guard all.count > 1 else { result.append(error); continue }
            var merged = error
            merged.row = nil
            merged.params["rows"] = RiskMethod.describe(Array(Set(all)).sorted())
            result.append(merged)
        }
        return result
    }

    /// At most `limit` problems, then one more line saying how many were left out: a file with
    /// thousands of bad rows is answered with a readable list, not with all of them.
    /// The same problem on several rows (`"O" is not a choice` in column 適用 of rows 2 to 91) is
    /// grouped first, so the cap counts problems rather than rows.
    public static func capped(_ errors: [FieldError], limit: Int = 100) -> [FieldError] {
        let errors = grouped(errors)
        guard errors.count > limit else { return errors }
        return Array(errors.prefix(limit)) + [FieldError(field: "file", code: "error.moreErrors", params: ["count": String(errors.count - limit)])]
    }
}

