import Domain
import Foundation
import Localization
import Spreadsheet
import Storage

/// The document register's files: the register and the acknowledgement records as CSV or Excel
/// (the evidence an auditor samples), a version as a Word document, and the register's import.
public struct DocumentFiles: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    var l: Localizer { services.localizer }

    // MARK: Word

    /// A Markdown version as a .docx: its title, a table of what identifies it, then its text.
    public func docx(_ access: WorkspaceAccess, _ id: ControlledDocument.ID, number: Int, language: Language) async throws -> (name: String, data: Data) {
        let view = try await Documents(services).version(access, id, number: number)
        guard let body = view.version.body else { throw DomainError.rule(code: "error.docxOfFile") }
        let d = view.document, v = view.version
        func t(_ key: String) -> String { l.text(key, language) }
        let approver = v.approvedBy.flatMap { view.people[$0]?.displayName } ?? "—"
        let facts: [(String, String)] = [
            (t("document.code"), d.code), (t("document.versionLabel"), v.label), (t("document.status"), t("document.versionStatus.\(v.status.rawValue)")),
            (t("document.effectiveOn"), v.effectiveOn?.description ?? "—"), (t("document.approvedBy"), approver),
            (t("document.classification"), d.classification ?? "—"), (t("document.summary"), v.summary),
        ]
        var blocks: [DOCX.Block] = [.paragraph(.title, [DOCX.Run(d.title)])]
        blocks.append(.table([[[DOCX.Run(t("document.item"))], [DOCX.Run(t("document.value"))]]] + facts.map { [[DOCX.Run($0.0)], [DOCX.Run($0.1)]] }))
        blocks += Self.docx(Markdown.parse(body), level: 0)
        let header = "\(d.code) \(d.title) \(t("document.versionLabel")) \(v.label)" + (v.effectiveOn.map { " \(t("document.effectiveOn")) \($0)" } ?? "")
        let data = try DOCX.write(blocks, header: header, language: language.rawValue)
        return ("\(d.code)-v\(v.label).docx", data)
    }

    static func runs(_ inlines: [Markdown.Inline], bold: Bool = false, italic: Bool = false) -> [DOCX.Run] {
        inlines.flatMap { inline -> [DOCX.Run] in
            switch inline {
            case .text(let text): return [DOCX.Run(text, bold: bold, italic: italic)]
            case .strong(let inner): return runs(inner, bold: true, italic: italic)
            case .emphasis(let inner): return runs(inner, bold: bold, italic: true)
            case .code(let text): return [DOCX.Run(text, bold: bold, italic: italic, code: true)]
            case .lineBreak: return [DOCX.Run("\n")]
            case .link(let text, let url):
                let label = Markdown.plainText(text)
                return runs(text, bold: bold, italic: italic) + (label == url || Markdown.safeURL(url) == nil ? [] : [DOCX.Run(" (\(url))", italic: italic)])
            }
        }
    }

    static func docx(_ blocks: [Markdown.Block], level: Int) -> [DOCX.Block] {
        blocks.flatMap { block -> [DOCX.Block] in
            switch block {
            case .heading(let depth, let content): return [.paragraph(.heading(depth), runs(content))]
            case .paragraph(let content): return [.paragraph(level > 0 ? .item(mark: "", level: level) : .normal, runs(content))]
            case .list(let ordered, let start, let items):
                return items.enumerated().flatMap { index, item -> [DOCX.Block] in
                    let mark = ordered ? "\(start + index)." : "・"
                    guard let first = item.first else { return [.paragraph(.item(mark: mark, level: level), [])] }
                    var out: [DOCX.Block] = []
                    if case .paragraph(let content) = first { out.append(.paragraph(.item(mark: mark, level: level), runs(content))) } else {
                        out.append(.paragraph(.item(mark: mark, level: level), []))
                        out += docx([first], level: level + 1)
                    }
                    out += docx(Array(item.dropFirst()), level: level + 1)
                    return out
                }
            case .quote(let inner): return docx(inner, level: level).map { block in
                if case .paragraph(.normal, let content) = block { return .paragraph(.quote, content) }
                return block
            }
            case .code(let text): return text.split(separator: "\n", omittingEmptySubsequences: false).map { .paragraph(.code, [DOCX.Run(String($0))]) }
            case .table(let header, _, let rows): return [.table(([header] + rows).map { row in row.map { runs($0) } })]
            case .rule: return [.paragraph(.normal, [DOCX.Run("――――――――――")])]
            }
        }
    }

    // MARK: The register as a file

    func table(_ people: [User.ID: User]) -> RegisterTable<ControlledDocument> {
        RegisterTable("documents", [
            TableColumn("code", required: true, width: 12) { $0.code },
            TableColumn("title", required: true, width: 36) { $0.title },
            TableColumn("kind", width: 16) { self.l.text("document.kind.\($0.kind.rawValue)", .ja) },
            TableColumn("owner", width: 28) { $0.ownerID.flatMap { people[$0]?.email } ?? "" },
            TableColumn("classification", width: 12) { $0.classification ?? "" },
            TableColumn("reviewIntervalMonths", width: 10) { String($0.reviewIntervalMonths) },
            TableColumn("nextReviewOn", width: 14) { $0.nextReviewOn?.description ?? "" },
            TableColumn("retentionYears", width: 10) { $0.retentionYears.map(String.init) ?? "" },
            TableColumn("references", width: 24) { $0.references.joined(separator: ", ") },
            TableColumn("status", width: 12) { self.l.text("document.status.\($0.status.rawValue)", .ja) },
            TableColumn("version", width: 8) { $0.publishedLabel ?? "" },
            TableColumn("effectiveOn", width: 14) { $0.effectiveOn?.description ?? "" },
        ])
    }

    /// Every document of the register, in the import's columns.
    public func exportRegister(_ access: WorkspaceAccess, format: Tabular.Format, language: Language, encoding: CSV.Encoding = .utf8) async throws -> Data {
        try access.require(.documentsRead)
        let documents = try await services.store.read { try await $0.documents.entries.all(in: access.workspaceID, limit: 100_000) }
        let people = try await People(services).load(access, documents.compactMap(\.ownerID))
        var table = table(people)
        // Choices are written in the file's language, and read back in either.
        table = RegisterTable(table.name, table.columns.map { column in
            guard column.key == "kind" || column.key == "status" else { return column }
            return TableColumn(column.key, required: column.required, width: column.width) { d in
                column.key == "kind" ? self.l.text("document.kind.\(d.kind.rawValue)", language) : self.l.text("document.status.\(d.status.rawValue)", language)
            }
        })
        return try table.export(documents, format: format, language: language, encoding: encoding, localizer: l)
    }

    /// The acknowledgement records of a document's version in force: who read it and when, and who has not.
    public func exportAcknowledgements(_ access: WorkspaceAccess, _ id: ControlledDocument.ID, format: Tabular.Format, language: Language,
                                       encoding: CSV.Encoding = .utf8) async throws -> (name: String, data: Data) {
        let completion = try await Documents(services).completion(access, id)
        let departments = Dictionary(uniqueKeysWithValues: try await Departments(services).all(access).map { ($0.id, $0.name) })
        let zone = access.workspace.zone
        let stamp = DateFormatting.timestamp(in: zone)
        let d = completion.document
        // Each record names the version read (a minor revision keeps the acknowledgement of the one before).
        let labels = Dictionary(try await Documents(services).load(access, id).versions.map { ($0.number, $0.label) }, uniquingKeysWith: { a, _ in a })
        let table = RegisterTable<Completion.Reader>("acknowledgements", [
            TableColumn("document", width: 12) { _ in d.code },
            TableColumn("version", width: 8) { $0.acknowledgement.map { labels[$0.versionNumber] ?? "\($0.major).x" } ?? "" },
            TableColumn("name", width: 20) { $0.member.displayName },
            TableColumn("email", width: 28) { $0.member.email },
            TableColumn("department", width: 20) { $0.member.homeDepartmentID.flatMap { departments[$0] } ?? "" },
            TableColumn("acknowledgedAt", width: 20) { $0.acknowledgement.map { stamp($0.acknowledgedAt) } ?? "" },
            TableColumn("sha256", width: 20) { $0.acknowledgement?.sha256 ?? "" },
        ])
        return ("acknowledgements-\(d.code).\(format.rawValue)", try table.export(completion.readers, format: format, language: language, encoding: encoding, localizer: l))
    }

    /// Imports the register kept in Excel: a known code is updated, a new one added as a document
    /// without versions (its text is written or uploaded in Meguri). All or nothing.
    /// What the register's import reads.
    public var importSpec: ImportSpec { table([:]).spec(l) }

    public func importRegister(_ access: WorkspaceAccess, data: Data, options: ImportOptions = .proposed, dryRun: Bool,
                               context: Context) async throws -> ImportResult {
        try access.require(.documentsManage)
        let register = table([:])
        let table = try await ImportSteps(services).table(access, register: register.name, data: data, spec: register.spec(l), options: options)
        let now = services.now
        let documents = Documents(services)
        return try await RegisterImport.run(table, dryRun: dryRun, store: services.store, columnOf: ["ownerId": "owner"], register: register.name,
                                            options: options, access: access, context: context, now: now) { row, tx, run in
            try run.checkRepeat(row.cells["code"] ?? nil, field: "code", row: row.number)
            var owner: User.ID?? = nil
            if let email = row.value("owner") {
                guard let id = try await tx.members.emails(in: access.workspaceID)[email.lowercased()] else {
                    throw DomainError.invalid([FieldError(field: "owner", code: "error.unknownMemberEmail", params: ["value": email], row: row.number)])
                }
                owner = .some(id)
            }
            let input = DocumentInput(code: row.cells["code"] ?? nil, title: row.cells["title"] ?? nil, kind: row.cells["kind"] ?? nil, ownerID: owner,
                                      classification: row.cells["classification"] ?? nil, reviewIntervalMonths: row.cells["reviewIntervalMonths"] ?? nil,
                                      nextReviewOn: row.cells["nextReviewOn"] ?? nil, retentionYears: row.cells["retentionYears"] ?? nil,
                                      references: row.cells["references"] ?? nil)
            let key = ControlledDocument(workspaceID: access.workspaceID, number: 0, code: Text.halfWidth(Text.trimmed(row.cells["code"] ?? "")), title: "",
                                         kind: .procedure, createdAt: now, updatedAt: now).codeKey
            if let existing = try await tx.documents.entries.all(in: access.workspaceID, [.equal(\.codeKey, key)]).first {
                let after = try await tx.change(tx.documents.entries, existing.id, in: access.workspaceID, expectedVersion: nil, versionRequired: false,
                                                context: context, at: now) { try await documents.apply(input, to: &$0, creating: false, access: access, tx: tx) }
                return ImportRow(number: row.number, label: "\(after.code) \(after.title)", outcome: after.version == existing.version ? .unchanged : .update)
            }
            let number = try await tx.sequences.next(Numbering.document, in: access.workspaceID)
            var document = ControlledDocument(workspaceID: access.workspaceID, number: number, code: Numbering.code("DOC-", number), title: "", kind: .procedure,
                                              createdAt: now, updatedAt: now)
            try await documents.apply(input, to: &document, creating: true, access: access, tx: tx)
            try await tx.create(tx.documents.entries, document, context: context, at: now)
            return ImportRow(number: row.number, label: "\(document.code) \(document.title)", outcome: .create)
        }
    }
}
