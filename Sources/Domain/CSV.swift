import Foundation

/// Comma-separated files as Japanese Excel writes them: UTF-8 with or without a byte-order mark, or
/// Shift_JIS (CP932); CRLF or LF; quoted cells with embedded commas, quotes and line breaks.
public enum CSV {
    public enum Encoding: String, Sendable, CaseIterable { case utf8, cp932 }

    public enum ReadError: Error, Equatable {
        case undecodable
        case unterminatedQuote(row: Int)
    }

    /// Decodes the bytes of a CSV file into text, picking the encoding by content.
    public static func decode(_ data: Data) throws -> String {
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if let text = String(data: bytes, encoding: .utf8) { return text }
        if let text = String(data: bytes, encoding: .shiftJIS) { return text }
        throw ReadError.undecodable
    }

    /// Splits CSV text into rows of cells. Blank lines are kept as rows with one empty cell so that
    /// row numbers always match what a spreadsheet shows.
    public static func parse(_ text: String) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var cell = ""
        var inQuotes = false
        var quoteStartRow = 1
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil

        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }

        while let c = next() {
            if inQuotes {
                if c == "\"" {
                    if let following = next() {
                        if following == "\"" { cell.unicodeScalars.append("\"") } else { inQuotes = false; pending = following }
                    } else {
                        inQuotes = false
                    }
                } else {
                    cell.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where cell.isEmpty:
                inQuotes = true
                quoteStartRow = rows.count + 1
            case ",":
                row.append(cell)
                cell = ""
            case "\r":
                if let following = next(), following != "\n" { pending = following }
                row.append(cell)
                rows.append(row)
                row = []
                cell = ""
            case "\n":
                row.append(cell)
                rows.append(row)
                row = []
                cell = ""
            default:
                cell.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw ReadError.unterminatedQuote(row: quoteStartRow) }
        if !cell.isEmpty || !row.isEmpty {
            row.append(cell)
            rows.append(row)
        }
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
        public var cells: [String: String]

        public func value(_ column: String) -> String? { Text.nonBlank(cells[column]) }
    }

    public var columns: [String]
    public var rows: [Row]

    /// Reads `data` and maps header cells onto `columns` (key → accepted header names).
    /// Unknown headers and missing required columns are reported as field errors on row 1.
    public static func read(_ data: Data, columns: [(key: String, names: Set<String>, required: Bool)]) throws -> CSVTable {
        let text: String
        do { text = try CSV.decode(data) } catch { throw DomainError.invalid(field: "file", code: "error.csvEncoding") }
        let raw: [[String]]
        do { raw = try CSV.parse(text) } catch CSV.ReadError.unterminatedQuote(let row) {
            throw DomainError.invalid([FieldError(field: "file", code: "error.csvQuote", row: row)])
        }
        return try make(rows: raw, columns: columns)
    }

    /// Maps already-read rows (from CSV or a spreadsheet) onto named columns, as `read` does.
    public static func make(rows raw: [[String]], columns: [(key: String, names: Set<String>, required: Bool)]) throws -> CSVTable {
        guard let header = raw.first, !(header.allSatisfy { Text.trimmed($0).isEmpty }) else {
            throw DomainError.invalid(field: "file", code: "error.csvEmpty")
        }
        var v = Validator(row: 1)
        var mapping: [Int: String] = [:]
        for (index, name) in header.enumerated() {
            let cleaned = Text.trimmed(name).lowercased()
            if cleaned.isEmpty { continue }
            if let column = columns.first(where: { $0.names.contains(where: { $0.lowercased() == cleaned }) }) {
                if mapping.values.contains(column.key) { v.add(name, "error.csvDuplicateColumn") }
                mapping[index] = column.key
            } else {
                v.add(name, "error.csvUnknownColumn")
            }
        }
        for column in columns where column.required && !mapping.values.contains(column.key) {
            v.add(column.key, "error.csvMissingColumn")
        }
        try v.check()
        var rows: [Row] = []
        for (offset, cells) in raw.dropFirst().enumerated() {
            if cells.allSatisfy({ Text.trimmed($0).isEmpty }) { continue }
            var named: [String: String] = [:]
            for (index, cell) in cells.enumerated() {
                if let key = mapping[index] { named[key] = cell }
            }
            rows.append(Row(number: offset + 2, cells: named))
        }
        return CSVTable(columns: Array(mapping.values), rows: rows)
    }
}
