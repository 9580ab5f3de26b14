import Foundation
import ZIPFoundation

extension XLSX {
    /// Why a workbook was not read. Every case names what a person can look for in the file.
    public enum ReadError: Error, Equatable, Sendable {
        case notAWorkbook
        case noSheet
        /// A part inflates past its limit (a "zip bomb" or a workbook far bigger than an import needs).
        case tooLarge(part: String, limitBytes: Int)
        /// A cell reference outside the sheet (rows 1–1,048,576, columns A–XFD) or not a reference at all.
        case badCellReference(String)
        /// A row number outside 1–1,048,576.
        case badRowNumber(String)
        case tooManyRows(limit: Int)
        /// A cell past the widest table an import reads.
        case tooManyColumns(reference: String, limit: Int)
        case tooManyCells(limit: Int)
        /// The XML of a part cannot be read (or declares a document type, which a workbook never does).
        case malformed(part: String, reason: String)
    }

    /// What reading one workbook may cost. The defaults hold a 100,000-row import well under the
    /// memory the benchmarks allow; tests lower them.
    public struct ReadLimits: Sendable {
        /// Inflated bytes of the sheet (streamed, never held whole).
        public var sheetBytes = 256 * 1024 * 1024
        /// Inflated bytes of the shared strings, the workbook and its relationships (held in memory).
        public var sharedStringsBytes = 64 * 1024 * 1024
        public var smallPartBytes = 4 * 1024 * 1024
        /// Rows, counting the header and any rows above it.
        public var rows = 100_001
        /// Columns of the widest row (the widest register has about 30).
        public var columns = 1_024
        /// Cells, counting the empty ones a row is padded with up to its last cell.
        public var cells = 4_000_000
        public init() {}
    }

    public static let maxRow = 1_048_576
    public static let maxColumn = 16_384

    /// The cells of the first sheet as text, row by row; empty cells are empty strings so columns
    /// keep their places. Numbers come as written (`3`, `0.5`). The sheet is inflated and parsed
    /// as a stream; every part is capped while it inflates, and the read stops at the first limit.
    public static func read(_ data: Data, limits: ReadLimits = ReadLimits()) throws -> [[String]] {
        // The archive is read from a private temporary file, not from memory: ZIPFoundation's
        // in-memory reader follows a damaged offset past the end of the data and traps (found by
        // the fuzzing test), where a real file simply reads nothing.
        guard data.starts(with: [0x50, 0x4B]) else { throw ReadError.notAWorkbook }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("meguri-import-\(UUID().uuidString).xlsx")
        guard FileManager.default.createFile(atPath: file.path, contents: data, attributes: [.posixPermissions: 0o600]) else { throw ReadError.notAWorkbook }
        defer { try? FileManager.default.removeItem(at: file) }
        let archive: Archive
        do { archive = try Archive(url: file, accessMode: .read) } catch { throw ReadError.notAWorkbook }

        /// Inflates `path` chunk by chunk into `consume`, refusing more than `limit` bytes.
        func stream(_ path: String, limit: Int, _ consume: (Data) throws -> Void) throws -> Bool {
            guard let entry = archive[path] else { return false }
            if entry.uncompressedSize > UInt64(limit) { throw ReadError.tooLarge(part: path, limitBytes: limit) }
            var total = 0
            do {
                _ = try archive.extract(entry, bufferSize: 64 * 1024, skipCRC32: true) { chunk in
                    total += chunk.count
                    if total > limit { throw ReadError.tooLarge(part: path, limitBytes: limit) }
                    try consume(chunk)
                }
            } catch let error as ReadError {
                throw error
            } catch let error as XMLStream.Malformed {
                throw ReadError.malformed(part: path, reason: error.reason)
            } catch {
                throw ReadError.malformed(part: path, reason: "the archive entry cannot be inflated")
            }
            return true
        }

        func events(_ path: String, limit: Int, wanted: [String], textIn: [String] = [], _ handle: (XMLStream.Event) throws -> Void) throws -> Bool {
            var parser = XMLStream(wanted: wanted, textIn: textIn)
            let found = try stream(path, limit: limit) { chunk in try parser.feed(chunk, handle) }
            if found {
                do { try parser.finish(handle) } catch let error as XMLStream.Malformed { throw ReadError.malformed(part: path, reason: error.reason) }
            }
            return found
        }

        var firstSheetID: String? = nil
        let hasWorkbook = try events("xl/workbook.xml", limit: limits.smallPartBytes, wanted: ["sheet"]) { event in
            if firstSheetID == nil, case .start("sheet", let attributes, _) = event {
                firstSheetID = attributes["r:id"] ?? attributes.first { $0.key.hasSuffix(":id") }?.value
            }
        }
        guard hasWorkbook else { throw ReadError.notAWorkbook }
        var targets: [String: String] = [:]
        _ = try events("xl/_rels/workbook.xml.rels", limit: limits.smallPartBytes, wanted: ["Relationship"]) { event in
            if case .start("Relationship", let attributes, _) = event, let id = attributes["Id"], let target = attributes["Target"] { targets[id] = target }
        }
        var sheetPath = "xl/worksheets/sheet1.xml"
        if let id = firstSheetID, var target = targets[id] {
            if target.hasPrefix("/") { target.removeFirst() } else { target = "xl/" + target }
            sheetPath = target
        }

        var shared = SharedStrings()
        _ = try events("xl/sharedStrings.xml", limit: limits.sharedStringsBytes, wanted: ["si", "rPh"], textIn: ["t"]) { shared.handle($0) }

        var styles = DateStyles()
        _ = try events("xl/styles.xml", limit: limits.smallPartBytes, wanted: ["numFmt", "cellXfs", "xf"]) { styles.handle($0) }

        var sheet = SheetCells(shared: shared.strings, limits: limits)
        sheet.dateStyles = styles.dateStyles
        guard try events(sheetPath, limit: limits.sheetBytes, wanted: ["row", "c", "rPh", "sheetData"], textIn: ["v", "t"], { try sheet.handle($0) }) else { throw ReadError.noSheet }
        return sheet.rows
    }

    /// 0-based column of a cell reference (`B7` → 1); nil when the letters are missing or name a
    /// column past XFD (the arithmetic never overflows: it stops at the first letter too many).
    static func columnIndex(_ reference: String) -> Int? {
        var value = 0
        var letters = 0
        for c in reference.utf8 {
            guard c >= 65 && c <= 90 else { break }
            letters += 1
            if letters > 3 { return nil }
            value = value * 26 + Int(c - 64)
        }
        guard letters > 0, value <= maxColumn else { return nil }
        return value - 1
    }

    /// The row number of a cell reference (`B7` → 7); nil outside 1–1,048,576.
    static func rowNumber(_ reference: String) -> Int? {
        let digits = reference.utf8.drop { $0 >= 65 && $0 <= 90 }
        guard !digits.isEmpty, digits.count <= 7, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }), let row = Int(String(decoding: digits, as: UTF8.self)),
              row >= 1, row <= maxRow else { return nil }
        return row
    }
}

/// Which cell styles show a number as a date: Excel keeps a date as the days since 1899-12-30
/// and only its style says so. Built-in formats 14–17, 22, 27–36 and 50–58 are dates; a custom
/// format is one when its code has a year or a day outside quotes and brackets (`yyyy/m/d`,
/// `[$-ja-JP]ggge年m月d日`); `General` and `0.00E+00` are not.
struct DateStyles {
    var custom: [Int: Bool] = [:]
    var inCellXfs = false
    var xfs: [Int] = []

    static let builtin: Set<Int> = Set([14, 15, 16, 17, 22]).union(27...36).union(50...58)

    static func isDate(code: String) -> Bool {
        var plain = "", quoted = false, bracket = false, escaped = false
        for c in code {
            if escaped { escaped = false; continue }
            switch c {
            case "\\": escaped = true
            case "\"": quoted.toggle()
            case "[" where !quoted: bracket = true
            case "]" where !quoted: bracket = false
            default: if !quoted && !bracket { plain.append(c) }
            }
        }
        let lower = plain.lowercased()
        return lower != "general" && lower.contains { $0 == "y" || $0 == "d" }
    }

    mutating func handle(_ event: XMLStream.Event) {
        switch event {
        case .start("numFmt", let attributes, _):
            if let id = attributes["numFmtId"].flatMap({ Int($0) }), let code = attributes["formatCode"] { custom[id] = Self.isDate(code: code) }
        case .start("cellXfs", _, let selfClosing): inCellXfs = !selfClosing
        case .end("cellXfs"): inCellXfs = false
        case .start("xf", let attributes, _) where inCellXfs: xfs.append(attributes["numFmtId"].flatMap { Int($0) } ?? 0)
        default: break
        }
    }

    var dateStyles: Set<Int> {
        Set(xfs.indices.filter { custom[xfs[$0]] ?? Self.builtin.contains(xfs[$0]) })
    }

    /// `2026-04-01` for the serial 46113 (the time of day, a fraction, is dropped).
    static func isoDate(serial: Double) -> String? {
        guard serial >= 1, serial < 2_958_466 else { return nil }
        // Days since 1970-01-01, then the civil date (Howard Hinnant's algorithm).
        let z = Int(serial.rounded(.down)) - 25_569 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return String(format: "%04d-%02d-%02d", year, month, day)
    }
}

private struct SharedStrings {
    var strings: [String] = []
    var current = ""
    var inText = false
    var inPhonetic = false

    mutating func handle(_ event: XMLStream.Event) {
        switch event {
        case .start(let name, _, let selfClosing):
            switch name {
            case "si":
                current = ""
                if selfClosing { strings.append("") }
            case "t": inText = !selfClosing
            case "rPh": inPhonetic = !selfClosing  // furigana, not part of the value
            default: break
            }
        case .text(let text):
            if inText && !inPhonetic { current += text }
        case .end(let name):
            switch name {
            case "si": strings.append(current)
            case "t": inText = false
            case "rPh": inPhonetic = false
            default: break
            }
        }
    }
}

private struct SheetCells {
    let shared: [String]
    let limits: XLSX.ReadLimits
    var rows: [[String]] = []
    var cellCount = 0
    var row = 0
    var column = 0
    var reference = ""
    var type = ""
    var value = ""
    var inValue = false
    var inPhonetic = false
    var nextColumn = 0
    var current: [Int: String] = [:]
    var dateStyles: Set<Int> = []
    var style = 0

    init(shared: [String], limits: XLSX.ReadLimits) {
        self.shared = shared
        self.limits = limits
    }

    /// Stores the finished row at its number, padding with empty rows and cells.
    mutating func closeRow() throws {
        guard row > 0 else { return }
        defer { current.removeAll(keepingCapacity: true) }
        guard let width = current.keys.max() else { return }
        if row > limits.rows { throw XLSX.ReadError.tooManyRows(limit: limits.rows - 1) }
        while rows.count < row - 1 {
            rows.append([""])
            cellCount += 1
        }
        cellCount += width + 1
        if cellCount > limits.cells { throw XLSX.ReadError.tooManyCells(limit: limits.cells) }
        let cells = (0...width).map { current[$0] ?? "" }
        if rows.count == row - 1 { rows.append(cells) } else { rows[row - 1] = cells }
    }

    mutating func handle(_ event: XMLStream.Event) throws {
        switch event {
        case .start(let name, let attributes, let selfClosing):
            switch name {
            case "row":
                try closeRow()
                if let raw = attributes["r"] {
                    guard raw.utf8.count <= 7, let number = Int(raw), number >= 1, number <= XLSX.maxRow else { throw XLSX.ReadError.badRowNumber(String(raw.prefix(20))) }
                    // Rows come in order; one numbered before the last is out of place.
                    guard number > rows.count else { throw XLSX.ReadError.badRowNumber(raw) }
                    row = number
                } else {
                    row = max(row, rows.count) + 1
                }
                if row > limits.rows { throw XLSX.ReadError.tooManyRows(limit: limits.rows - 1) }
                nextColumn = 0
                if selfClosing { try closeRow() }
            case "c":
                if row == 0 { row = 1 }
                if let raw = attributes["r"] {
                    guard raw.utf8.count <= 10, let index = XLSX.columnIndex(raw), let number = XLSX.rowNumber(raw) else {
                        throw XLSX.ReadError.badCellReference(String(raw.prefix(20)))
                    }
                    // A cell names the row it sits in.
                    guard number == row else { throw XLSX.ReadError.badCellReference(raw) }
                    column = index
                    reference = raw
                } else {
                    column = nextColumn
                    reference = XLSX.column(nextColumn + 1) + String(row)
                }
                if column >= limits.columns { throw XLSX.ReadError.tooManyColumns(reference: reference, limit: limits.columns) }
                nextColumn = column + 1
                type = attributes["t"] ?? "n"
                style = attributes["s"].flatMap { Int($0) } ?? 0
                value = ""
            case "v", "t": inValue = !selfClosing
            case "rPh": inPhonetic = !selfClosing
            default: break
            }
        case .text(let text):
            if inValue && !inPhonetic { value += text }
        case .end(let name):
            switch name {
            case "v", "t": inValue = false
            case "rPh": inPhonetic = false
            case "c":
                var text = value
                if type == "s" {
                    guard let index = Int(value), index >= 0, index < shared.count else { throw XLSX.ReadError.badCellReference(reference) }
                    text = shared[index]
                }
                if type == "b" { text = value == "1" ? "TRUE" : "FALSE" }
                // A number in a date style is a date: written as one, so the register reads it like typed dates.
                if type == "n", dateStyles.contains(style), let serial = Double(value), let date = DateStyles.isoDate(serial: serial) { text = date }
                if !text.isEmpty { current[column] = text }
            case "row": try closeRow()
            case "sheetData": try closeRow()
            default: break
            }
        }
    }
}
