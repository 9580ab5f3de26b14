import Catalog
import Domain
import Foundation
import Localization
import Spreadsheet
import Storage

// The register kit, import/export half (ADR 0010, docs/REGISTERS.md): a register declares the
// columns of its file once; the export, the import's header matching and its all-or-nothing run
// come from that declaration, so what Meguri exports imports back unchanged.

/// One column of a register's file: its key, the header it is written with (a message key
/// `csv.<register>.<key>` in both languages), other headers people use for it, and its value.
public struct TableColumn<Record>: @unchecked Sendable {
    public let key: String
    public let required: Bool
    public let width: Double
    let value: (Record) -> String

    public init(_ key: String, required: Bool = false, width: Double = 16, _ value: @escaping (Record) -> String) {
        self.key = key
        self.required = required
        self.width = width
        self.value = value
    }
}

/// The columns of one register's file, in order.
public struct RegisterTable<Record>: @unchecked Sendable {
    /// `departments`: the message keys are `csv.departments.<column>`, the sheet `sheet.departments`.
    public let name: String
    public let columns: [TableColumn<Record>]

    public init(_ name: String, _ columns: [TableColumn<Record>]) {
        self.name = name
        self.columns = columns
    }

    /// Headers a file may use for each column: the key, both languages' headers and the
    /// vocabulary's synonyms (`Catalog/imports/columns.json`).
    public func readColumns(_ localizer: Localizer) -> [(key: String, names: Set<String>, required: Bool)] {
        columns.map { column in
            let names: Set<String> = [column.key, localizer.text("csv.\(name).\(column.key)", .ja), localizer.text("csv.\(name).\(column.key)", .en)]
            return (column.key, names.union(ImportVocabulary.bundled.synonyms(name, column.key)), column.required)
        }
    }

    /// The header row in `language`.
    public func header(_ localizer: Localizer, _ language: Language) -> [String] {
        columns.map { localizer.text("csv.\(name).\($0.key)", language) }
    }

    /// The records as a file in the import's columns: CSV (UTF-8 with BOM, or CP932) or Excel.
    public func export(_ records: [Record], format: Tabular.Format, language: Language, encoding: CSV.Encoding = .utf8, localizer: Localizer) throws -> Data {
        try Tabular.write(sheet: localizer.text("sheet.\(name)", language), header: header(localizer, language),
                          rows: records.map { record in columns.map { $0.value(record) } }, widths: columns.map(\.width), format: format, encoding: encoding)
    }

    /// What the import reads: the columns with the headers `readColumns` accepts.
    public func spec(_ localizer: Localizer) -> ImportSpec { ImportSpec(columns: readColumns(localizer)) }
}

/// An import of a register's file, all or nothing, in one transaction: every row is handed to
/// `apply`, which creates or updates its record through the usual use-case rules and says what it
/// did; every refused row is reported with its number and column; with any refusal, or on a dry
/// run, nothing is written.
public enum RegisterImport {
    /// `columnOf` maps a use case's field names to the file's column keys (`displayName` → `name`).
    /// A committed file read through a mapping the person gave is remembered for `register`.
    public static func run(_ table: CSVTable, dryRun: Bool, store: Store, columnOf: [String: String] = [:], register: String, options: ImportOptions,
                           access: WorkspaceAccess, context: Context, now: Date,
                           apply: @escaping @Sendable (CSVTable.Row, Writer, ImportContext) async throws -> ImportRow) async throws -> ImportResult {
        do {
            return try await store.write { tx in
                var errors: [FieldError] = []
                var rows: [ImportRow] = []
                let memory = ImportContext()
                for row in table.rows {
                    do {
                        var done = try await apply(row, tx, memory)
                        done.readings += ImportReading.dates(row, table.columns)
                        rows.append(done)
                    } catch DomainError.invalid(let rowErrors) {
                        errors += rowErrors.map { var e = $0; e.row = row.number; e.field = columnOf[e.field] ?? e.field; return e }
                    }
                }
                if !errors.isEmpty { throw DomainError.invalid(table.locate(FieldError.capped(errors))) }
                let result = ImportResult(rows: rows, dryRun: dryRun, mapping: table.mapping)
                if dryRun { throw DryRunRollback(report: result) }
                try await ImportSteps.finish(table, register: register, options: options, tx: tx, workspace: access.workspaceID, context: context, at: now)
                return result
            }
        } catch let rollback as DryRunRollback<ImportResult> {
            return rollback.report
        }
    }

}

/// What one import run remembers from row to row (the rows are applied one after another).
public final class ImportContext: @unchecked Sendable {
    private var seen: [String: Int] = [:]

    /// Refuses a row whose key repeats an earlier row's.
    public func checkRepeat(_ key: String?, field: String, row: Int) throws {
        let normalized = Text.trimmed(key ?? "").lowercased()
        guard !normalized.isEmpty else { return }
        if let first = seen[normalized] {
            throw DomainError.invalid([FieldError(field: field, code: "error.csvDuplicateRow", params: ["row": String(first)], row: row)])
        }
        seen[normalized] = row
    }
}
