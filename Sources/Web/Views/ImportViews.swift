import Domain
import Features
import Foundation
import Localization
import Storage
import Vapor

/// The import page every register shares (ADR 0015): upload; the columns matched to fields, a
/// step the person confirms or corrects when the file's headers are not Meguri's own or last
/// time's; a dry run listing every row's outcome (or every problem with its cell); then the same
/// file, kept as a pending import, imported for real.
enum ImportViews {
    struct Row {
        var number: Int
        var label: String
        var outcome: String
        /// An invitation link to hand over, for people new to the installation.
        var link: String?
        /// How cells written otherwise than Meguri writes them were read.
        var readings: [ImportReading] = []

        init(number: Int, label: String, outcome: String, link: String? = nil, readings: [ImportReading] = []) {
            self.number = number
            self.label = label
            self.outcome = outcome
            self.link = link
            self.readings = readings
        }

        /// A register's row: its label with its notes (`+status:notStarted`), and its readings.
        init(_ row: ImportRow, suffix: String = "") {
            self.init(number: row.number, label: row.label + (row.notes.isEmpty ? "" : " (+\(row.notes.joined(separator: ", ")))") + suffix,
                      outcome: row.outcome.rawValue, readings: row.readings)
        }
    }

    /// `適用: O → 適用` for each cell read otherwise than written.
    static func readings(_ c: PageContext, kind: String, _ row: Row, mapping: ColumnMapping?) -> HTML {
        guard !row.readings.isEmpty else { return .empty }
        let items: [HTML] = row.readings.map { r in
            let column = mapping?.column(for: r.column)?.header ?? c.localizer.importColumn(r.column, register: kind, c.language)
            if r.kind == .computed {
                return "<li class=\"differs\">\(c.t("import.computedDiffers", ["column": column, "written": r.written, "value": r.value]))</li>"
            }
            return "<li>\(column)\(c.language == .ja ? "：" : ": ")\(r.written) → \(r.label.map { c.t($0) } ?? r.value)</li>"
        }
        return "<ul class=\"readings\">\(items)</ul>"
    }

    /// What a run of a register's import gives the page.
    struct Outcome {
        var rows: [Row]
        var mapping: ColumnMapping?
    }

    struct Result {
        var rows: [Row]
        var dryRun: Bool
        var mapping: ColumnMapping?
        /// The pending file a successful dry run is committed from, with the person's choices.
        var pending: UUID?
        /// The person's choices: fields by column (`map.<index>`), and the header's row under `headerKey`.
        var choices: [Int: String] = [:]
    }

    /// Where the chosen header row travels among the column choices.
    static let headerKey = -1

    /// A choice as a form field's name: `map.3`, or `headerRow`.
    static func fieldName(_ key: Int) -> String { key == headerKey ? "headerRow" : "map.\(key)" }

    typealias Run = @Sendable (_ data: Data, _ options: ImportOptions, _ dryRun: Bool, _ c: PageContext) async throws -> Outcome

    /// One register's import on the page: where it lives, what it reads, how it runs.
    struct Flow: Sendable {
        /// The register (`assets`): message keys `import.title.<kind>`, `csv.<kind>.<column>`.
        var kind: String
        /// The upload's address (`…/assets/import`); a pending file's steps are under it.
        var action: String
        var back: String
        /// What the register imports into besides the workspace (a risk assessment's id).
        var target: String = ""
        var spec: ImportSpec
        var run: Run
    }

    /// The choices as a link's query, so "change the columns" starts from them.
    static func changeQuery(_ choices: [Int: String]) -> String {
        guard !choices.isEmpty else { return "" }
        return "?" + choices.sorted { $0.key < $1.key }
            .map { "\(fieldName($0.key))=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
    }

    static func clamp(_ text: String, _ length: Int) -> String { text.count > length ? String(text.prefix(length - 1)) + "…" : text }

    /// Imports of departments and members accept 5 MB, the others 25 MB (the routes' body limits).
    static func limit(_ kind: String) -> Int { ["departments", "members"].contains(kind) ? 5 * 1_048_576 : 25 * 1_048_576 }

    static func errorTable(_ c: PageContext, kind: String, _ errors: [FieldError]) -> HTML {
        guard !errors.isEmpty else { return .empty }
        let rows: [HTML] = errors.sorted { ($0.row ?? 0, $0.field) < ($1.row ?? 0, $1.field) }.map { e in
            """
            <tr><td class="nowrap">\(c.localizer.importPlace(of: e, c.language))</td><td>\(c.localizer.importColumnName(of: e, register: kind, c.language))</td>
            <td>\(c.localizer.importMessage(for: e, register: kind, c.language))</td></tr>
            """
        }
        return """
        <div class="error-summary" role="alert"><h2>\(c.t("import.rejected", ["count": String(errors.count)]))</h2>
        <table class="table"><thead><tr><th>\(c.t("import.place"))</th><th>\(c.t("import.column"))</th><th>\(c.t("import.reason"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
        """
    }

    /// Which file column fed which field, and the columns left out.
    static func mappingSummary(_ c: PageContext, kind: String, _ mapping: ColumnMapping?) -> HTML {
        guard let mapping else { return .empty }
        let read = mapping.columns.filter { $0.key != nil }.map { column -> String in
            "\(c.localizer.importColumn(column.key!, register: kind, c.language)) ← \(column.header.isEmpty ? column.letter : column.header) (\(column.letter))"
        }
        let ignored = mapping.ignored.map { "\($0.header) (\($0.letter))" }
        return """
        <dl class="import-mapping">
        <dt>\(c.t("import.readColumns"))</dt><dd>\(read.joined(separator: c.language == .ja ? "、" : ", "))</dd>
        \(HTML.when(!ignored.isEmpty, HTML("<dt>\(c.t("import.ignoredColumns"))</dt><dd>\(ignored.joined(separator: c.language == .ja ? "、" : ", "))</dd>")))
        </dl>
        """
    }

    static func page(_ c: PageContext, kind: String, action: String, back: String, result: Result?, errors: [FieldError]) -> HTML {
        let resultBlock: HTML
        if let result {
            let rows: [HTML] = result.rows.map { r in
                "<tr><td>\(r.number)</td><td>\(r.label)\(readings(c, kind: kind, r, mapping: result.mapping))</td><td><span class=\"badge outcome-\(r.outcome)\">\(c.t("import.outcome.\(r.outcome)"))</span></td>\(r.link.map { HTML("<td><input class=\"copy\" type=\"text\" readonly value=\"\($0)\" aria-label=\"\(c.t("admin.linkTitle"))\"></td>") } ?? (result.rows.contains { $0.link != nil } ? HTML("<td></td>") : .empty))</tr>"
            }
            let hasLinks = result.rows.contains { $0.link != nil }
            resultBlock = """
            <section class="card" aria-live="polite">
            <h2>\(c.t(result.dryRun ? "import.dryRunTitle" : "import.doneTitle", ["count": String(result.rows.count)]))</h2>
            \(mappingSummary(c, kind: kind, result.mapping))
            \(HTML.when(hasLinks, "<p>\(c.t("import.linksIntro"))</p>"))
            <table class="table"><thead><tr><th>\(c.t("import.row"))</th><th>\(c.t("import.record"))</th><th>\(c.t("import.outcome"))</th>\(HTML.when(hasLinks, "<th>\(c.t("admin.linkTitle"))</th>"))</tr></thead>
            <tbody>\(rows)</tbody></table>
            \(result.pending.map { id in HTML("""
            <form method="post" action="\(action)/\(id.uuidString.lowercased())" class="confirm-import">
            <input type="hidden" name="_csrf" value="\(c.csrfToken)">
            <input type="hidden" name="step" value="commit">
            \(result.choices.sorted { $0.key < $1.key }.map { HTML("<input type=\"hidden\" name=\"\(fieldName($0.key))\" value=\"\($0.value)\">") })
            <p>\(c.t("import.confirmIntro"))</p>
            <div class="actions"><button type="submit" class="primary">\(c.t("import.commit"))</button>
            <a class="button" href="\(action)/\(id.uuidString.lowercased())\(changeQuery(result.choices))">\(c.t("import.changeMapping"))</a></div>
            </form>
            """) })
            </section>
            """
        } else {
            resultBlock = .empty
        }
        return Layout.page(c, title: c.t("import.title.\(kind)"), """
        \(Components.pageHeader(c.t("import.title.\(kind)"), subtitle: c.t("import.intro")))
        \(errorTable(c, kind: kind, errors))
        \(resultBlock)
        <section class="card">
        <h2>\(c.t("import.upload"))</h2>
        <p>\(c.t("import.columns.\(kind)"))</p>
        \(Form.open(action, c, multipart: true, maxBytes: Self.limit(kind)))
        <div class="field"><label for="f-file">\(c.t("import.file"))</label><input id="f-file" type="file" name="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required></div>
        <div class="actions"><button type="submit" class="primary">\(c.t("import.check"))</button><a class="button" href="\(back)">\(c.t("form.back"))</a></div>
        </form>
        </section>
        """)
    }

    /// The mapping step: each file column with sample values and a choice of field, then the
    /// first rows as they will be read.
    static func mappingPage(_ c: PageContext, flow: Flow, pending: PendingImport, rows raw: [[String]], mapping: ColumnMapping,
                            errors: [FieldError]) -> HTML {
        let kind = flow.kind
        let body = raw.dropFirst(mapping.headerRow)
        func label(_ key: String) -> String { c.localizer.importColumn(key, register: kind, c.language) }
        let required = Set(flow.spec.columns.filter(\.required).map(\.key))
        let lines: [HTML] = mapping.columns.map { column in
            let samples = body.lazy.compactMap { column.index < $0.count ? Text.nonBlank($0[column.index]) : nil }.prefix(3).map { clamp($0, 24) }
            let options: [HTML] = [HTML("<option value=\"-\"\(column.key == nil ? " selected" : "")>\(c.t("import.ignore"))</option>")]
                + flow.spec.columns.map { field in
                    HTML("<option value=\"\(field.key)\"\(column.key == field.key ? " selected" : "")>\(label(field.key))\(required.contains(field.key) ? c.t("import.required") : "")</option>")
                }
            let note: String
            switch column.reason {
            case .ambiguous: note = c.t("import.reason.ambiguous", ["options": column.candidates.map(label).joined(separator: c.language == .ja ? "、" : ", ")])
            default: note = column.key.map { flow.spec.compared.contains($0) } == true ? c.t("import.reason.compared") : c.t("import.reason.\(column.reason.rawValue)")
            }
            return """
            <tr\(column.reason == .ambiguous ? HTML(" class=\"attention\"") : .empty)><td>\(column.letter)</td><td>\(column.header.isEmpty ? "—" : column.header)</td>
            <td class="samples">\(samples.joined(separator: " / "))</td>
            <td><select id="f-map-\(column.index)" name="map.\(column.index)" aria-label="\(c.t("import.fieldFor", ["column": column.header.isEmpty ? column.letter : column.header]))">\(options)</select></td>
            <td>\(note)</td></tr>
            """
        }
        let keys = mapping.columns.compactMap(\.key)
        let previewRows: [HTML] = body.filter { !$0.allSatisfy { Text.trimmed($0).isEmpty } }.prefix(5).map { cells in
            let tds: [HTML] = mapping.columns.filter { $0.key != nil }.map { column in
                HTML("<td>\(column.index < cells.count ? clamp(cells[column.index], 40) : "")</td>")
            }
            return "<tr>\(tds)</tr>"
        }
        let action = "\(flow.action)/\(pending.id.uuidString.lowercased())"
        // The header's row, when the one found is not it: the first ten rows, by their first cells.
        let headerChoices: [HTML] = raw.prefix(10).enumerated().map { index, row in
            let cells = row.compactMap { Text.nonBlank($0) }.prefix(4).map { clamp($0, 16) }.joined(separator: " / ")
            return HTML("<option value=\"\(index + 1)\"\(index + 1 == mapping.headerRow ? " selected" : "")>\(c.t("import.rowNumber", ["row": String(index + 1)])) \(cells.isEmpty ? "—" : cells)</option>")
        }
        return Layout.page(c, title: c.t("import.mapTitle"), """
        \(Components.pageHeader(c.t("import.mapTitle"), subtitle: c.t("import.title.\(kind)")))
        \(errorTable(c, kind: kind, errors))
        <section class="card">
        <p>\(c.t("import.mapIntro", ["file": pending.fileName.isEmpty ? "—" : pending.fileName, "row": String(mapping.headerRow)]))</p>
        \(Form.open(action, c))
        <input type="hidden" name="step" value="check">
        <input type="hidden" name="headerRow" value="\(mapping.headerRow)">
        <div class="table-scroll"><table class="table import-map"><thead><tr><th>\(c.t("import.column"))</th><th>\(c.t("import.header"))</th><th>\(c.t("import.samples"))</th>
        <th>\(c.t("import.field"))</th><th>\(c.t("import.note"))</th></tr></thead><tbody>\(lines)</tbody></table></div>
        <h3>\(c.t("import.preview", ["count": String(previewRows.count)]))</h3>
        <div class="table-scroll"><table class="table import-preview"><thead><tr>\(keys.map { HTML("<th>\(label($0))</th>") })</tr></thead><tbody>\(previewRows)</tbody></table></div>
        <div class="actions"><button type="submit" class="primary">\(c.t("import.checkMapping"))</button><a class="button" href="\(flow.action)">\(c.t("import.otherFile"))</a></div>
        </form>
        </section>
        <section class="card">
        <h3>\(c.t("import.headerRowTitle"))</h3>
        <form method="get" action="\(action)" class="header-row filters">
        <div class="field"><label for="f-headerRow">\(c.t("import.headerRow"))</label><select id="f-headerRow" name="headerRow">\(headerChoices)</select></div>
        <div class="actions"><button type="submit">\(c.t("import.useHeaderRow"))</button></div>
        </form>
        </section>
        """)
    }
}

extension ImportViews {
    /// The upload posted from an import page. The file is kept as a pending import; when its
    /// columns need the person, the mapping step comes next, otherwise the dry run. A post that
    /// says `commit` imports the file at once (scripts that post the file twice).
    static func upload(_ req: Request, _ flow: Flow) async throws -> Response {
        let form = try req.content.decode(DepartmentPages.ImportForm.self)
        let c = try await PageContext.make(req)
        let access = try req.access()
        do {
            guard let data = form.data, !data.isEmpty else { throw DomainError.invalid(field: "file", code: "error.fileRequired") }
            if form.commit != nil {
                let outcome = try await flow.run(data, .proposed, false, c)
                return try await respond(req, page(c, kind: flow.kind, action: flow.action, back: flow.back,
                                                   result: .init(rows: outcome.rows, dryRun: false, mapping: outcome.mapping), errors: []))
            }
            let steps = ImportSteps(req.meguri)
            let (_, mapping) = try await steps.propose(access, register: flow.kind, data: data, spec: flow.spec)
            let id = try await steps.stash(access, register: flow.kind, target: flow.target, fileName: form.file?.filename ?? "", data: data)
            if ImportSteps.needsPerson(mapping, register: flow.kind, spec: flow.spec) {
                return req.redirect(to: "\(flow.action)/\(id.uuidString.lowercased())")
            }
            return try await check(req, c, flow, id: id, data: data, choices: [:])
        } catch DomainError.invalid(let errors) {
            return try await respond(req, page(c, kind: flow.kind, action: flow.action, back: flow.back, result: nil, errors: errors), status: .unprocessableEntity)
        }
    }

    /// A pending file that is another person's or past its time: back to the upload, saying why.
    static func pending(_ req: Request, _ flow: Flow) async throws -> PendingImport? {
        do {
            return try await ImportSteps(req.meguri).pending(try req.access(), try pendingID(req), register: flow.kind, target: flow.target)
        } catch DomainError.rule(code: "error.pendingImportGone", _) {
            return nil
        }
    }

    /// The mapping step of a pending file.
    static func mapping(_ req: Request, _ flow: Flow) async throws -> Response {
        let c = try await PageContext.make(req)
        let access = try req.access()
        let steps = ImportSteps(req.meguri)
        guard let pending = try await pending(req, flow) else { return req.redirect(to: flow.action, flash: req.t("error.pendingImportGone")) }
        // Back from a dry run ("change the columns"), the person's choices come along.
        let choices = Self.choices((try? req.query.decode([String: String].self)) ?? [:])
        do {
            if !choices.isEmpty { return try await remap(req, c, flow, pending, choices: choices, errors: [], status: .ok) }
            let (rows, mapping) = try await steps.propose(access, register: flow.kind, data: pending.content, spec: flow.spec)
            return try await respond(req, mappingPage(c, flow: flow, pending: pending, rows: rows, mapping: mapping, errors: []))
        } catch DomainError.invalid(let errors) {
            return try await respond(req, page(c, kind: flow.kind, action: flow.action, back: flow.back, result: nil, errors: errors), status: .unprocessableEntity)
        }
    }

    struct StepForm: Content {
        var step: String?
    }

    /// The mapping confirmed (`step=check`: the dry run) or the dry run confirmed (`step=commit`).
    static func submit(_ req: Request, _ flow: Flow) async throws -> Response {
        let c = try await PageContext.make(req)
        let id = try pendingID(req)
        guard let pending = try await pending(req, flow) else { return req.redirect(to: flow.action, flash: req.t("error.pendingImportGone")) }
        let fields = (try? req.content.decode([String: String].self)) ?? [:]
        let choices = Self.choices(fields)
        if fields["step"] == "commit" {
            do {
                // The import takes the pending file in its own transaction: a second commit finds it gone.
                var commit = options(choices)
                commit.pending = id
                let outcome = try await flow.run(pending.content, commit, false, c)
                return try await respond(req, page(c, kind: flow.kind, action: flow.action, back: flow.back,
                                                   result: .init(rows: outcome.rows, dryRun: false, mapping: outcome.mapping), errors: []))
            } catch DomainError.invalid(let errors) {
                return try await remap(req, c, flow, pending, choices: choices, errors: errors)
            } catch DomainError.rule(code: "error.pendingImportGone", _) {
                return req.redirect(to: flow.action, flash: req.t("error.pendingImportGone"))
            }
        }
        return try await check(req, c, flow, id: id, data: pending.content, choices: choices, pending: pending)
    }

    /// The person's choices from a form's or a link's `map.<column>` fields.
    static func choices(_ fields: [String: String]) -> [Int: String] {
        var choices: [Int: String] = [:]
        for (name, value) in fields where name.hasPrefix("map.") {
            if let index = Int(name.dropFirst(4)), index >= 0, index < 1_024 { choices[index] = Text.trimmed(value).isEmpty ? "-" : Text.trimmed(value) }
        }
        if let row = fields["headerRow"].flatMap({ Int(Text.halfWidth(Text.trimmed($0))) }) { choices[headerKey] = String(row) }
        return choices
    }

    static func options(_ choices: [Int: String]) -> ImportOptions {
        guard !choices.isEmpty else { return .proposed }
        return ImportOptions(map: GivenMapping(byIndex: choices.filter { $0.key != headerKey }, headerRow: choices[headerKey].flatMap { Int($0) }))
    }

    /// The dry run of a pending file; its problems are shown on the mapping step, where a wrong
    /// column is put right.
    static func check(_ req: Request, _ c: PageContext, _ flow: Flow, id: UUID, data: Data, choices: [Int: String],
                      pending: PendingImport? = nil) async throws -> Response {
        do {
            let outcome = try await flow.run(data, options(choices), true, c)
            return try await respond(req, page(c, kind: flow.kind, action: flow.action, back: flow.back,
                                               result: .init(rows: outcome.rows, dryRun: true, mapping: outcome.mapping, pending: id, choices: choices),
                                               errors: []))
        } catch DomainError.invalid(let errors) {
            let steps = ImportSteps(req.meguri)
            let file: PendingImport
            if let pending { file = pending } else { file = try await steps.pending(try req.access(), id, register: flow.kind, target: flow.target) }
            return try await remap(req, c, flow, file, choices: choices, errors: errors)
        }
    }

    static func remap(_ req: Request, _ c: PageContext, _ flow: Flow, _ pending: PendingImport, choices: [Int: String],
                      errors: [FieldError], status: HTTPResponseStatus = .unprocessableEntity) async throws -> Response {
        let steps = ImportSteps(req.meguri)
        do {
            let access = try req.access()
            var (rows, mapping) = try await steps.propose(access, register: flow.kind, data: pending.content, spec: flow.spec, options: options(choices))
            // A choice that is what was proposed keeps the proposal's reason (見出しから, 計算する列).
            if !choices.isEmpty, let proposed = try? await steps.propose(access, register: flow.kind, data: pending.content, spec: flow.spec).mapping {
                for index in mapping.columns.indices {
                    if let original = proposed.columns.first(where: { $0.index == mapping.columns[index].index }), original.key == mapping.columns[index].key,
                       original.reason != .ambiguous, original.reason != .duplicate {
                        mapping.columns[index].reason = original.reason
                    }
                }
            }
            return try await respond(req, mappingPage(c, flow: flow, pending: pending, rows: rows, mapping: mapping, errors: errors), status: status)
        } catch DomainError.invalid(let more) {
            return try await respond(req, page(c, kind: flow.kind, action: flow.action, back: flow.back, result: nil, errors: errors + more),
                                     status: .unprocessableEntity)
        }
    }

    static func pendingID(_ req: Request) throws -> UUID {
        guard let raw = req.parameters.get("pendingID"), let id = UUID(uuidString: raw) else { throw DomainError.notFound(entity: "pending_import") }
        return id
    }

    static func respond(_ req: Request, _ html: HTML, status: HTTPResponseStatus = .ok) async throws -> Response {
        try await PageResponse(status: status, html: html).encodeResponse(for: req)
    }
}

extension RoutesBuilder {
    /// A register's import on the page (ADR 0015): the upload at `…/import`, then a pending file's
    /// mapping step, dry run and commit at `…/import/:pendingID` — one declaration per register.
    func importSteps(_ path: [PathComponent], access: RouteAccess, maxSize: ByteCount,
                     flow: @escaping @Sendable (Request) async throws -> ImportViews.Flow) {
        let upload = path + ["import"], step = upload + [":pendingID"]
        endpoint(.POST, upload, access: access, body: .collect(maxSize: maxSize)) { req async throws -> Response in
            try await ImportViews.upload(req, try await flow(req))
        }
        endpoint(.GET, step, access: access) { req async throws -> Response in try await ImportViews.mapping(req, try await flow(req)) }
        endpoint(.POST, step, access: access) { req async throws -> Response in try await ImportViews.submit(req, try await flow(req)) }
    }
}
