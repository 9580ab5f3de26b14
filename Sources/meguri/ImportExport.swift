import ArgumentParser
import Domain
import Features
import Foundation
import Localization
import Storage
import Web

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Import a register from CSV or Excel (all or nothing).")

    enum Register: String, ExpressibleByArgument, CaseIterable { case departments, members, assets, risks, soa, documents, phishingDrill = "phishing-drill" }

    @OptionGroup var common: CommonOptions
    @Argument(help: "departments, members, assets, risks, soa, documents or phishing-drill") var register: Register
    @Argument(help: "The file: CSV (UTF-8 with or without BOM, or Shift_JIS); assets, risks, soa and documents also .xlsx") var file: String
    @Option(help: "Workspace slug") var workspace: String
    @Option(help: "risks: the assessment's id or name (default: the newest draft)") var assessment: String?
    @Option(help: "phishing-drill: the drill's name") var title: String?
    @Option(help: "phishing-drill: the day the mails went out, YYYY-MM-DD (default: today)") var sentOn: String?
    @Flag(help: "Check every row and report; write nothing") var dryRun = false
    @Option(help: "Which column feeds which field, e.g. \"No.=id, 適用=applicable, 備考=-\" (columns by header or letter, fields by key or header; - leaves a column out). Without it the mapping is proposed from the headers and the workspace's remembered one, and printed.")
    var map: String?
    @Option(help: "The row holding the headers (1–1000), when title rows hide it and its headers are not ones Meguri knows")
    var headerRow: Int?

    func run() async throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw fail(ValidationError("cannot read \(file)"))
        }
        try await withMeguri(common) { meguri in
            do { try await importFile(meguri, data) } catch DomainError.invalid(let errors) {
                // One line per problem, the column by the file's header, in the operator's language.
                let l = meguri.services.localizer, language = operatorLanguage, name = register == .phishingDrill ? "drill" : register.rawValue
                for e in errors {
                    let place = e.params["cell"] != nil ? l.importPlace(of: e, language) : e.row.map { l.text("cli.row", language, ["row": String($0)]) }
                    let column = e.field == "file" || e.field == "map" ? nil : l.importColumnName(of: e, register: name, language)
                    let ja = language == .ja
                    let head = [place, column.map { ja ? "「\($0)」" : $0 }].compactMap { $0 }.joined(separator: ja ? "" : ", ")
                    let message = l.importMessage(for: e, register: name, language)
                    let line = head.isEmpty ? message : head + (ja ? "：" : ": ") + message
                    FileHandle.standardError.write(Data("meguri: \(line)\n".utf8))
                }
                throw ExitCode.failure
            }
        }
    }

    func importFile(_ meguri: Meguri, _ data: Data) async throws {
        if map != nil || headerRow != nil, register == .phishingDrill { throw fail(ValidationError("--map is not taken by phishing-drill: its file is a drill tool's export, read by its own column names")) }
        var given = try map.map(GivenMapping.parse)
        if let headerRow { given = given ?? GivenMapping(); given?.headerRow = headerRow }
        let options = ImportOptions(map: given)
        do {
            let access = try await Access.operatorAccess(slug: workspace, services: meguri.services)
            switch register {
            case .departments:
                report(meguri.services.localizer, try await Departments(meguri.services).importFile(access, data: data, options: options, dryRun: dryRun, context: operatorContext()))
            case .members:
                let members = try await Members(meguri.services).importCSV(access, data: data, options: options, dryRun: dryRun, context: operatorContext())
                printMapping(meguri.services.localizer, members.mapping)
                for row in members.rows {
                    printOut("row \(row.number)\t\(row.outcome.rawValue)\t\(row.email)\(row.invitationSecret.map { "\t\(meguri.configuration.baseURL)/invitation/\($0)" } ?? "")")
                }
                printOut("\(dryRun ? "Would import" : "Imported") \(members.rows.count) rows.")
            case .assets:
                let result = try await AssetTransfer(meguri.services).importFile(access, data: data, options: options, dryRun: dryRun, context: operatorContext())
                report(meguri.services.localizer, result)
            case .risks:
                let target = try await AssessmentChoice.find(assessment, access: access, services: meguri.services, draftOnly: true)
                let result = try await RiskTransfer(meguri.services).importFile(access, assessment: target.id, data: data, options: options, dryRun: dryRun, context: operatorContext())
                report(meguri.services.localizer, result)
            case .documents:
                report(meguri.services.localizer, try await DocumentFiles(meguri.services).importRegister(access, data: data, options: options, dryRun: dryRun, context: operatorContext()))
            case .phishingDrill:
                let outcome = try await PhishingDrills(meguri.services).importFile(access, title: title ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent,
                                                                                   sentOn: sentOn ?? access.today.description, data: data, dryRun: dryRun,
                                                                                   context: operatorContext())
                report(meguri.services.localizer, outcome.result)
                let rates = outcome.drill.rates
                printOut("\(rates.sent) members: clicked \(rates.clicked) (\(rates.clickRate)%), reported \(rates.reported) (\(rates.reportRate)%); \(outcome.drill.unmatched) addresses of no member.")
            case .soa:
                let outcome = try await Statement(meguri.services).importFile(access, data: data, options: options, dryRun: dryRun, context: operatorContext())
                report(meguri.services.localizer, outcome.result)
                for proposal in outcome.review {
                    let reason = proposal.review.map { meguri.services.localizer.text($0.code, .en, $0.params) } ?? ""
                    printOut("review\t\(proposal.controlID)\t\(reason)")
                }
                if !outcome.review.isEmpty {
                    printOut("\(outcome.review.count) entries \(dryRun ? "would wait" : "wait") for a person's decision: \(meguri.configuration.baseURL)/w/\(workspace)/soa?warning=reviewNeeded")
                }
            }
        }
    }

    /// The columns as read (`--map` takes the same form) and those left out.
    func printMapping(_ l: Localizer, _ mapping: ColumnMapping?) {
        guard let mapping else { return }
        let language = operatorLanguage
        printOut(l.text("cli.mapping", language, ["map": mapping.summary]))
        let ignored = mapping.ignored
        if !ignored.isEmpty {
            printOut(l.text("cli.ignoredColumns", language, ["columns": ignored.map { "\($0.header) (\($0.letter))" }.joined(separator: ", ")]))
        }
    }

    /// Each row's outcome and the totals, in the operator's language.
    func report(_ l: Localizer, _ result: ImportResult) {
        let language = operatorLanguage
        printMapping(l, result.mapping)
        for row in result.rows {
            let readings = row.readings.map { r in
                let column = result.mapping?.column(for: r.column)?.header ?? r.column
                return r.kind == .computed ? l.text("import.computedDiffers", language, ["column": column, "written": r.written, "value": r.value])
                    : "\(column): \(r.written) → \(r.label.map { l.text($0, language) } ?? r.value)"
            }
            printOut("\(l.text("cli.row", language, ["row": String(row.number)]))\t\(l.text("import.outcome.\(row.outcome.rawValue)", language))\t\(row.label)"
                     + (row.notes.isEmpty ? "" : "\t+" + row.notes.joined(separator: ", ")) + (readings.isEmpty ? "" : "\t" + readings.joined(separator: "; ")))
        }
        printOut(l.text(dryRun ? "cli.wouldImport" : "cli.imported", language,
                        ["rows": String(result.rows.count), "created": String(result.created), "updated": String(result.updated)]))
    }
}

/// Which assessment a command means: an id, a name, or the newest (draft) one.
enum AssessmentChoice {
    static func find(_ text: String?, access: WorkspaceAccess, services: AppServices, draftOnly: Bool) async throws -> RiskAssessment {
        let all = try await RiskAssessments(services).list(access)
        if let text {
            if let found = all.first(where: { $0.id.description == text.lowercased() || $0.name == text }) { return found }
            throw fail(ValidationError("no assessment \(text) in \(access.workspace.slug); there are: \(all.map(\.name).joined(separator: ", "))"))
        }
        if let found = all.first(where: { !draftOnly || $0.isEditable }) { return found }
        throw fail(ValidationError(draftOnly ? "no draft assessment in \(access.workspace.slug): start one first" : "no assessment in \(access.workspace.slug)"))
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export a register as CSV (UTF-8 with BOM) or Excel to standard output or a file.")

    enum Register: String, ExpressibleByArgument, CaseIterable { case departments, members, auditTrail = "audit-trail", assets, risks, treatmentPlan = "treatment-plan", soa,
                                                                  auditReport = "audit-report", reviewMinutes = "review-minutes", documents, acknowledgements, training, plan }

    @OptionGroup var common: CommonOptions
    @Argument(help: "departments, members, audit-trail, assets, risks, treatment-plan, soa, audit-report, review-minutes, documents, acknowledgements, training or plan")
    var register: Register
    @Option(help: "Workspace slug") var workspace: String
    @Option(help: "Header language: ja or en (default ja)") var lang: String = "ja"
    @Option(help: "assets, risks, treatment-plan, soa, documents, acknowledgements, training and plan: csv or xlsx (default csv)") var format: String = "csv"
    @Option(help: "assets, risks and treatment-plan as CSV: utf8 (default, with BOM) or cp932 (Shift_JIS)") var encoding: String = "utf8"
    @Option(help: "risks: the assessment's id or name (default: the newest)") var assessment: String?
    @Option(name: .customLong("version"), help: "soa: a submitted version's number (default: the statement as it stands)") var soaVersion: Int?
    @Option(help: "audit-report: the internal audit's id") var audit: String?
    @Option(help: "review-minutes: the management review's id") var review: String?
    @Option(help: "acknowledgements: the document's code (DOC-001)") var document: String?
    @Option(help: "plan: the fiscal year, named by the calendar year it starts in (default: the current one)") var year: Int?
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output") var output: String?

    func run() async throws {
        guard let language = Language(rawValue: lang) else { throw fail(ValidationError("--lang must be ja or en")) }
        if register == .auditReport, audit.flatMap(InternalAudit.ID.init) == nil { throw fail(ValidationError("audit-report needs --audit with the audit's id")) }
        if register == .reviewMinutes, review.flatMap(ManagementReview.ID.init) == nil { throw fail(ValidationError("review-minutes needs --review with the review's id")) }
        if register == .acknowledgements, Text.nonBlank(document) == nil { throw fail(ValidationError("acknowledgements needs --document with the document's code")) }
        guard let format = Tabular.Format(rawValue: format) else { throw fail(ValidationError("--format must be csv or xlsx")) }
        guard let encoding = CSV.Encoding(rawValue: encoding) else { throw fail(ValidationError("--encoding must be utf8 or cp932")) }
        let data = try await withMeguri(common) { meguri -> Data in
            let access = try await Access.operatorAccess(slug: workspace, services: meguri.services)
            switch register {
            case .auditTrail:
                // Written piece by piece to the file or standard output as the trail is read.
                let sink = try OutputSink(path: output)
                try await AuditTrail(meguri.services).exportCSV(access, filter: AuditFilter(), language: language) { chunk in try sink.write(chunk) }
                try sink.close()
                return Data()
            case .departments:
                return try await Exports.departments(access, services: meguri.services, language: language)
            case .members:
                return try await Exports.members(access, services: meguri.services, language: language)
            case .assets:
                return try await AssetTransfer(meguri.services).export(access, query: AssetQuery(), format: format, language: language, encoding: encoding)
            case .risks:
                let target = try await AssessmentChoice.find(assessment, access: access, services: meguri.services, draftOnly: false)
                return try await RiskTransfer(meguri.services).export(access, assessment: target.id, format: format, language: language, encoding: encoding)
            case .treatmentPlan:
                return try await TreatmentActions(meguri.services).export(access, query: ActionQuery(sort: .risk), format: format, language: language, encoding: encoding)
            case .soa:
                return try await Statement(meguri.services).export(access, format: format, language: language, version: soaVersion, encoding: encoding)
            case .auditReport:
                return Data(try await CheckActReports(meguri.services).auditReport(access, InternalAudit.ID(audit!)!, language: language).utf8)
            case .reviewMinutes:
                return Data(try await CheckActReports(meguri.services).reviewMinutes(access, ManagementReview.ID(review!)!, language: language).utf8)
            case .documents:
                return try await DocumentFiles(meguri.services).exportRegister(access, format: format, language: language, encoding: encoding)
            case .training:
                return try await TrainingFiles(meguri.services).all(access, format: format, language: language, encoding: encoding)
            case .plan:
                return try await AnnualPlan(meguri.services).export(access, fiscalYear: year ?? AnnualPlan.currentFiscalYear(access), format: format, language: language,
                                                                   encoding: encoding, baseURL: meguri.configuration.baseURL)
            case .acknowledgements:
                let found: ControlledDocument
                do { found = try await Documents(meguri.services).find(access, code: document!) } catch DomainError.notFound {
                    throw fail(ValidationError("no document \(document!) in \(workspace)"))
                }
                return try await DocumentFiles(meguri.services).exportAcknowledgements(access, found.id, format: format, language: language, encoding: encoding).data
            }
        }
        if register == .auditTrail { return }
        if let output {
            do { try data.write(to: URL(fileURLWithPath: output)) } catch { throw fail(ValidationError("cannot write \(output)")) }
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}

/// A file (created anew) or standard output, written in pieces.
final class OutputSink: Sendable {
    let handle: FileHandle
    let path: String?

    init(path: String?) throws {
        self.path = path
        if let path {
            guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
                throw ValidationError("cannot write \(path)")
            }
            self.handle = handle
        } else {
            self.handle = FileHandle.standardOutput
        }
    }

    func write(_ data: Data) throws { try handle.write(contentsOf: data) }
    func close() throws { if path != nil { try handle.close() } }
}

struct AssessmentCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "assessment", abstract: "Risk assessment cycles.", subcommands: [Start.self, List.self])

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a risk assessment with the published risk method (e.g. before importing last year's register).")
        @OptionGroup var common: CommonOptions
        @Option(help: "Workspace slug") var workspace: String
        @Option(help: "Name, e.g. \"2026年度 リスクアセスメント\"") var name: String
        @Option(help: "First day, YYYY-MM-DD") var startsOn: String?
        @Option(help: "Last day, YYYY-MM-DD") var endsOn: String?
        @Option(help: "Copy the open risks of this assessment (id or name) as to review") var carryForward: String?

        func run() async throws {
            try await withMeguri(common) { meguri in
                let access = try await Access.operatorAccess(slug: workspace, services: meguri.services)
                try await RiskSetup.ensure(access, services: meguri.services, context: operatorContext())
                let previous = try await carryForward.asyncMap { try await AssessmentChoice.find($0, access: access, services: meguri.services, draftOnly: false).id }
                let assessment = try await RiskAssessments(meguri.services).create(access, AssessmentInput(name: name, startsOn: startsOn, endsOn: endsOn),
                                                                                   carryForwardFrom: previous, context: operatorContext())
                printOut("Started \(assessment.name) (\(assessment.id)): \(meguri.configuration.baseURL)/w/\(workspace)/risk-assessments/\(assessment.id)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the risk assessments of a workspace, newest first.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Workspace slug") var workspace: String

        func run() async throws {
            try await withMeguri(common) { meguri in
                let access = try await Access.operatorAccess(slug: workspace, services: meguri.services)
                for a in try await RiskAssessments(meguri.services).list(access) {
                    printOut("\(a.id)\t\(a.status.rawValue)\t\(a.name)")
                }
            }
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
