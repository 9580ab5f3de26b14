import Domain
import Foundation
import Localization
import Spreadsheet

/// A register file as a person uploads it: CSV (UTF-8, BOM or Shift_JIS) or an Excel workbook,
/// told apart by content.
public enum Tabular {
    public enum Format: String, Sendable, CaseIterable { case csv, xlsx }

    public static func format(of data: Data) -> Format { data.starts(with: [0x50, 0x4B, 0x03, 0x04]) ? .xlsx : .csv }

    public static func read(_ data: Data, columns: [(key: String, names: Set<String>, required: Bool)], ignoring: Set<String> = [],
                            decide: [String: @Sendable (String) -> Bool] = [:]) throws -> CSVTable {
        try CSVTable.make(rows: rows(data), columns: columns, ignoring: ignoring, decide: decide)
    }

    /// The first sheet's rows; a workbook that cannot be read, or that is past a limit, is refused
    /// with what is wrong and where (the cell, the part, the limit).
    public static func readWorkbook(_ data: Data, limits: XLSX.ReadLimits = XLSX.ReadLimits()) throws -> [[String]] {
        do { return try XLSX.read(data, limits: limits) } catch let error as XLSX.ReadError {
            switch error {
            case .notAWorkbook, .noSheet: throw DomainError.invalid(field: "file", code: "error.xlsxUnreadable")
            case .tooLarge(let part, let limit):
                throw DomainError.invalid(field: "file", code: "error.xlsxTooLarge", params: ["part": part, "limit": String(limit / 1024 / 1024)])
            case .badCellReference(let cell): throw DomainError.invalid(field: "file", code: "error.xlsxBadCell", params: ["cell": cell])
            case .badRowNumber(let row): throw DomainError.invalid(field: "file", code: "error.xlsxBadRow", params: ["row": row])
            case .tooManyRows(let limit): throw DomainError.invalid(field: "file", code: "error.importTooManyRows", params: ["limit": String(limit)])
            case .tooManyColumns(let cell, let limit):
                throw DomainError.invalid(field: "file", code: "error.xlsxTooManyColumns", params: ["cell": cell, "limit": String(limit)])
            case .tooManyCells(let limit): throw DomainError.invalid(field: "file", code: "error.xlsxTooManyCells", params: ["limit": String(limit)])
            case .malformed(let part, _): throw DomainError.invalid(field: "file", code: "error.xlsxMalformed", params: ["part": part])
            }
        } catch {
            throw DomainError.invalid(field: "file", code: "error.xlsxUnreadable")
        }
    }

    /// Writes a header and rows as CSV (UTF-8 with BOM, or CP932 for old tools) or XLSX.
    public static func write(sheet: String, header: [String], rows: [[String]], widths: [Double] = [], format: Format,
                             encoding: CSV.Encoding = .utf8) throws -> Data {
        switch format {
        case .csv:
            guard let data = CSV.encode([header] + rows, encoding: encoding) else {
                throw DomainError.invalid(field: "encoding", code: "error.notInCP932")
            }
            return data
        case .xlsx:
            return try XLSX.write([XLSX.Sheet(name: sheet, widths: widths, header: header, rows: rows.map { row in
                row.map { cell in
                    if !cell.isEmpty, cell.count < 10, let number = Int(cell) { return .number(Double(number)) }
                    return cell.isEmpty ? .empty : .text(cell)
                }
            })])
        }
    }
}

/// How a cell was read where it was not written as Meguri writes it: `○` read as applicable,
/// `令和8年4月1日` as 2026-04-01. `value` is shown as is, or through the message `label` when set.
public struct ImportReading: Sendable, Equatable {
    public enum Kind: String, Sendable { case read, computed }
    public var column: String
    public var written: String
    public var value: String
    public var label: String?
    /// `computed`: a column Meguri computes (資産価値) whose value in the file differs from Meguri's;
    /// the file's is never imported.
    public var kind: Kind

    public init(column: String, written: String, value: String, label: String? = nil, kind: Kind = .read) {
        self.column = column
        self.written = written
        self.value = value
        self.label = label
        self.kind = kind
    }

    /// A computed column whose number in the file is not what Meguri computes.
    public static func computed(_ column: String, _ row: CSVTable.Row, _ value: Int?) -> ImportReading? {
        guard let written = row.value(column), let number = Int(Text.halfWidth(written)), number != value else { return nil }
        return ImportReading(column: column, written: written, value: value.map(String.init) ?? "—", kind: .computed)
    }

    /// Dates written otherwise than `2026-04-01` (令和8年4月1日, 2026/4/1, R8.4.1), in `columns` of the row.
    public static func dates(_ row: CSVTable.Row, _ columns: [String]) -> [ImportReading] {
        columns.compactMap { column in
            guard let written = row.value(column), let date = CalendarDate(Text.halfWidth(written)), date.description != written else { return nil }
            return ImportReading(column: column, written: written, value: date.description)
        }
    }

    /// A choice written otherwise than by its key or its label in either language (O, ○, 一部).
    public static func choice(_ column: String, _ row: CSVTable.Row, key: String?, label: String, localizer: Localizer) -> ImportReading? {
        guard let key, let written = row.text(column) else { return nil }
        let plain = Set([key.lowercased()] + Language.allCases.map { localizer.text(label, $0).lowercased() })
        guard !plain.contains(written.lowercased()) else { return nil }
        return ImportReading(column: column, written: written, value: key, label: label)
    }
}

/// The outcome of one imported row.
public struct ImportRow: Sendable, Equatable {
    public enum Outcome: String, Sendable { case create, update, unchanged }
    public var number: Int
    public var label: String
    public var outcome: Outcome
    public var notes: [String]
    /// How the row's cells were read, where that is worth showing.
    public var readings: [ImportReading]

    public init(number: Int, label: String, outcome: Outcome, notes: [String] = [], readings: [ImportReading] = []) {
        self.number = number
        self.label = label
        self.outcome = outcome
        self.notes = notes
        self.readings = readings
    }
}

public struct ImportResult: Sendable {
    public var rows: [ImportRow]
    public var dryRun: Bool
    /// How the file's columns were read (the ignored ones included).
    public var mapping: ColumnMapping?

    public init(rows: [ImportRow], dryRun: Bool, mapping: ColumnMapping? = nil) {
        self.rows = rows
        self.dryRun = dryRun
        self.mapping = mapping
    }
    public var created: Int { rows.filter { $0.outcome == .create }.count }
    public var updated: Int { rows.filter { $0.outcome == .update }.count }
}
