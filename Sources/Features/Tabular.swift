import Domain
import Foundation
import Spreadsheet

/// A register file as a person uploads it: CSV (UTF-8, BOM or Shift_JIS) or an Excel workbook,
/// told apart by content.
public enum Tabular {
    public enum Format: String, Sendable, CaseIterable { case csv, xlsx }

    public static func format(of data: Data) -> Format { data.starts(with: [0x50, 0x4B, 0x03, 0x04]) ? .xlsx : .csv }

    public static func read(_ data: Data, columns: [(key: String, names: Set<String>, required: Bool)]) throws -> CSVTable {
        switch format(of: data) {
        case .csv: return try CSVTable.read(data, columns: columns)
        case .xlsx:
            let rows: [[String]]
            do { rows = try XLSX.read(data) } catch { throw DomainError.invalid(field: "file", code: "error.xlsxUnreadable") }
            return try CSVTable.make(rows: rows, columns: columns)
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

/// The outcome of one imported row.
public struct ImportRow: Sendable, Equatable {
    public enum Outcome: String, Sendable { case create, update, unchanged }
    public var number: Int
    public var label: String
    public var outcome: Outcome
    public var notes: [String]

    public init(number: Int, label: String, outcome: Outcome, notes: [String] = []) {
        self.number = number
        self.label = label
        self.outcome = outcome
        self.notes = notes
    }
}

public struct ImportResult: Sendable {
    public var rows: [ImportRow]
    public var dryRun: Bool
    public var created: Int { rows.filter { $0.outcome == .create }.count }
    public var updated: Int { rows.filter { $0.outcome == .update }.count }
}
