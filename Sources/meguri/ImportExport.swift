import ArgumentParser
import Domain
import Features
import Foundation
import Storage
import Web

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Import a register from CSV (all or nothing).")

    enum Register: String, ExpressibleByArgument, CaseIterable { case departments, members }

    @OptionGroup var common: CommonOptions
    @Argument(help: "departments or members") var register: Register
    @Argument(help: "The CSV file (UTF-8 with or without BOM, or Shift_JIS)") var file: String
    @Option(help: "Workspace slug") var workspace: String
    @Flag(help: "Check every row and report; write nothing") var dryRun = false

    func run() async throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw fail(ValidationError("cannot read \(file)"))
        }
        try await withMeguri(common) { meguri in
            let access = try await Access.operatorAccess(slug: workspace, services: meguri.services)
            switch register {
            case .departments:
                let report = try await Departments(meguri.services).importCSV(access, data: data, dryRun: dryRun, context: operatorContext())
                for row in report.rows { printOut("row \(row.number)\t\(row.outcome.rawValue)\t\(row.name)") }
                printOut("\(dryRun ? "Would import" : "Imported") \(report.rows.count) rows: \(report.created) new, \(report.updated) changed.")
            case .members:
                let report = try await Members(meguri.services).importCSV(access, data: data, dryRun: dryRun, context: operatorContext())
                for row in report.rows {
                    printOut("row \(row.number)\t\(row.outcome.rawValue)\t\(row.email)\(row.invitationSecret.map { "\t\(meguri.configuration.baseURL)/invitation/\($0)" } ?? "")")
                }
                printOut("\(dryRun ? "Would import" : "Imported") \(report.rows.count) rows.")
            }
        }
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export a register as CSV (UTF-8 with BOM) to standard output or a file.")

    enum Register: String, ExpressibleByArgument, CaseIterable { case departments, members, auditTrail = "audit-trail" }

    @OptionGroup var common: CommonOptions
    @Argument(help: "departments, members or audit-trail") var register: Register
    @Option(help: "Workspace slug") var workspace: String
    @Option(help: "Header language: ja or en (default ja)") var lang: String = "ja"
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output") var output: String?

    func run() async throws {
        guard let language = Language(rawValue: lang) else { throw fail(ValidationError("--lang must be ja or en")) }
        let data = try await withMeguri(common) { meguri -> Data in
            let access = try await Access.operatorAccess(slug: workspace, services: meguri.services)
            switch register {
            case .auditTrail:
                return try await AuditTrail(meguri.services).exportCSV(access, filter: AuditFilter(), language: language)
            case .departments:
                return try await Exports.departments(access, services: meguri.services, language: language)
            case .members:
                return try await Exports.members(access, services: meguri.services, language: language)
            }
        }
        if let output {
            do { try data.write(to: URL(fileURLWithPath: output)) } catch { throw fail(ValidationError("cannot write \(output)")) }
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}
