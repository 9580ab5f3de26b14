import Domain
import Features
import Foundation
import Vapor

/// The document register (7.5): the list with search, a document with its versions and their
/// steps, a version to read (and acknowledge, on a phone too), its print page and Word file, the
/// comparison of two versions, who has read the version in force, and each person's reading list.
struct DocumentPages {
    let maxBytes: Int

    func register(_ routes: any RoutesBuilder) {
        let body: HTTPBodyStreamStrategy = .collect(maxSize: ByteCount(value: maxBytes + 1_048_576))
        routes.endpoint(.GET, "w", ":slug", "documents", access: .workspace(.documentsRead), use: list)
        routes.endpoint(.POST, "w", ":slug", "documents", access: .workspace(.documentsManage), use: create)
        routes.endpoint(.GET, "w", ":slug", "documents", "export", access: .workspace(.documentsRead), use: exportRegister)
        routes.endpoint(.GET, "w", ":slug", "documents", "import", access: .workspace(.documentsManage), use: importForm)
        routes.importSteps(["w", ":slug", "documents"], access: .workspace(.documentsManage), maxSize: "25mb", flow: importFlow)
        routes.endpoint(.POST, "w", ":slug", "documents", "starters", access: .workspace(.documentsManage), use: generateStarters)
        routes.endpoint(.POST, "w", ":slug", "documents", ":documentID", "starter-draft", access: .workspace(.documentsRead), use: redraftStarter)
        routes.endpoint(.GET, "w", ":slug", "reading", access: .workspace(.workspaceRead), use: reading)
        routes.endpoint(.GET, "w", ":slug", "documents", ":documentID", access: .workspace(.workspaceRead), use: show)
        routes.endpoint(.POST, "w", ":slug", "documents", ":documentID", access: .workspace(.documentsManage), use: update)
        routes.endpoint(.POST, "w", ":slug", "documents", ":documentID", "delete", access: .workspace(.documentsManage), use: delete)
        routes.endpoint(.POST, "w", ":slug", "documents", ":documentID", "retire", access: .workspace(.documentsManage), use: retire)
        routes.endpoint(.POST, "w", ":slug", "documents", ":documentID", "versions", access: .workspace(.documentsRead), body: body, use: addVersion)
        routes.endpoint(.GET, "w", ":slug", "documents", ":documentID", "compare", access: .workspace(.documentsRead), use: compare)
        routes.endpoint(.GET, "w", ":slug", "documents", ":documentID", "completion", access: .workspace(.documentsRead), use: completion)
        routes.endpoint(.GET, "w", ":slug", "documents", ":documentID", "completion.csv", access: .workspace(.documentsRead), use: completionFile)
        routes.endpoint(.GET, "w", ":slug", "documents", ":documentID", "versions", ":versionNumber", access: .workspace(.workspaceRead), use: read)
        routes.endpoint(.POST, "w", ":slug", "documents", ":documentID", "versions", ":versionNumber", access: .workspace(.documentsRead), body: body, use: editVersion)
        routes.endpoint(.POST, "w", ":slug", "documents", ":documentID", "versions", ":versionNumber", "steps", access: .workspace(.workspaceRead), use: step)
        routes.endpoint(.POST, "w", ":slug", "documents", ":documentID", "versions", ":versionNumber", "acknowledge", access: .workspace(.workspaceRead), use: acknowledge)
        routes.endpoint(.GET, "w", ":slug", "documents", ":documentID", "versions", ":versionNumber", "print", access: .workspace(.workspaceRead), use: printPage)
        routes.endpoint(.GET, "w", ":slug", "documents", ":documentID", "versions", ":versionNumber", "docx", access: .workspace(.workspaceRead), use: docx)
        routes.endpoint(.GET, "w", ":slug", "documents", ":documentID", "versions", ":versionNumber", "file", access: .workspace(.workspaceRead), use: file)
    }

    func documentID(_ req: Request) throws -> ControlledDocument.ID { try req.id("documentID", ControlledDocument.ID.self, entity: "document") }
    func number(_ req: Request) throws -> Int {
        guard let raw = req.parameters.get("versionNumber"), let number = Int(raw), number > 0 else { throw DomainError.notFound(entity: "document_version") }
        return number
    }

    static func status(_ status: ControlledDocument.Status, _ c: PageContext) -> HTML {
        CheckActViews.badge([.draft: "", .inReview: "pending", .approved: "", .published: "ok", .retired: "expired"][status] ?? "", c.t("document.status.\(status.rawValue)"))
    }

    static func versionStatus(_ status: DocumentVersion.Status, _ c: PageContext) -> HTML {
        CheckActViews.badge([.draft: "", .inReview: "pending", .approved: "", .published: "ok", .superseded: "", .retired: "expired"][status] ?? "",
                            c.t("document.versionStatus.\(status.rawValue)"))
    }

    // MARK: The register

    struct Filters {
        var q, kind, status, due: String?
        var query = DocumentQuery()
        var errors: [FieldError] = []
        init(_ req: Request) {
            q = req.queryValue("q").flatMap(Text.nonBlank)
            kind = req.queryValue("kind").flatMap(Text.nonBlank)
            status = req.queryValue("status").flatMap(Text.nonBlank)
            due = req.queryValue("due").flatMap(Text.nonBlank)
            query.search = q
            if let kind { if let k = ControlledDocument.Kind(rawValue: kind) { query.kind = k } else { errors.append(FieldError(field: "kind", code: "error.choice")) } }
            if let status { if let s = ControlledDocument.Status(rawValue: status) { query.status = s } else { errors.append(FieldError(field: "status", code: "error.choice")) } }
            query.reviewDue = due == "1"
        }
        var any: Bool { q != nil || kind != nil || status != nil || due != nil }
        var parameters: [String: String] { ["q": q ?? "", "kind": kind ?? "", "status": status ?? "", "due": due ?? ""] }
    }

    struct DocumentForm: Content {
        var code, title, kind, owner, approver, classification, reviewIntervalMonths, nextReviewOn, retentionYears, references: String?
        var version: Int?

        func input(_ req: Request, _ access: WorkspaceAccess) async throws -> DocumentInput {
            DocumentInput(code: code, title: title, kind: kind, ownerID: .some(try await CheckActViews.person(owner, field: "owner", req, access)), approver: approver,
                          classification: classification ?? "", reviewIntervalMonths: reviewIntervalMonths, nextReviewOn: nextReviewOn ?? "",
                          retentionYears: retentionYears ?? "", references: references ?? "")
        }
    }

    @Sendable func list(_ req: Request) async throws -> PageResponse {
        PageResponse(status: .ok, html: try await listPage(req, form: DocumentForm(), errors: []))
    }

    func listPage(_ req: Request, form: DocumentForm, errors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        var filters = Filters(req)
        var page = Page<ControlledDocument>(items: [], nextCursor: nil)
        do {
            let request = try req.listPage()
            if filters.errors.isEmpty { page = try await Documents(req.meguri).list(access, query: filters.query, page: request) }
        } catch DomainError.invalid(let e) { filters.errors += e }
        let owners = try await People(req.meguri).load(access, page.items.compactMap(\.ownerID))
        // The secretariat's view: drafts and what changed under them (external auditors see published documents only).
        let starters = access.allows(.documentsManage) ? try await StarterDocuments(req.meguri).statuses(access) : []
        let changed = Set(starters.filter { !$0.changes.isEmpty }.compactMap { $0.document?.id })
        let rows: [HTML] = page.items.map { d in
            let due = d.reviewIsDue(on: access.today)
            return """
            <tr><td class="nowrap"><a href="\(c.w("/documents/\(d.id)"))">\(d.code)</a></td>
            <td><a href="\(c.w("/documents/\(d.id)"))" class="clip" title="\(d.title)">\(d.title)</a>\(HTML.when(changed.contains(d.id), HTML(" <span class=\"badge pending\">\(c.t("starter.changedBadge"))</span>")))</td>
            <td class="nowrap">\(c.t("document.kind.\(d.kind.rawValue)"))</td><td class="nowrap">\(d.publishedLabel ?? "—")</td>
            <td class="nowrap">\(Self.status(d.status, c))</td><td class="nowrap">\(d.ownerID.flatMap { owners[$0]?.displayName } ?? "—")</td>
            <td class="nowrap\(due ? " stale" : "")">\(d.nextReviewOn?.description ?? "—")\(HTML.when(due, HTML(" <span class=\"badge pending\">\(c.t("document.reviewDue"))</span>")))</td></tr>
            """
        }
        let kinds = [(value: "", label: c.t("form.all"))] + ControlledDocument.Kind.allCases.map { (value: $0.rawValue, label: c.t("document.kind.\($0.rawValue)")) }
        let statuses = [(value: "", label: c.t("form.all"))] + ControlledDocument.Status.allCases.map { (value: $0.rawValue, label: c.t("document.status.\($0.rawValue)")) }
        let manage = access.allows(.documentsManage)
        return Layout.page(c, title: c.t("cap.documents"), wide: true, """
        \(Components.pageHeader(c.t("cap.documents"), subtitle: c.t("document.intro"), actions: HTML("""
        <a class="button" href="\(c.w("/reading"))">\(c.t("reading.title"))</a>
        <a class="button" href="\(c.w("/documents/export?format=xlsx"))">\(c.t("export.xlsx"))</a>
        \(HTML.when(manage, "<a class=\"button\" href=\"\(c.w("/documents/import"))\">\(c.t("import.csv"))</a>"))
        """)))
        \(Form.errorSummary(filters.errors, c))
        <form method="get" action="\(c.w("/documents"))" class="filters" role="search">
        <div class="field"><label for="f-q">\(c.t("form.search"))</label><input id="f-q" name="q" type="search" value="\(filters.q ?? "")" placeholder="\(c.t("document.searchHint"))"></div>
        \(Form.select("kind", c.t("document.kind"), options: kinds, selected: filters.kind, errors: filters.errors, c, id: "filter-kind"))
        \(Form.select("status", c.t("field.status"), options: statuses, selected: filters.status, errors: filters.errors, c, id: "filter-status"))
        <label><input type="checkbox" name="due" value="1"\(filters.due == "1" ? HTML(" checked") : .empty)> \(c.t("document.reviewDueOnly"))</label>
        <button type="submit">\(c.t("form.filter"))</button>
        </form>
        \(rows.isEmpty ? Components.empty(c.t(filters.any ? "form.noMatches" : "document.none")) : HTML("""
        <div class="table-scroll"><table class="table"><thead><tr><th>\(c.t("document.code"))</th><th>\(c.t("document.title"))</th><th>\(c.t("document.kind"))</th>
        <th>\(c.t("document.versionLabel"))</th><th>\(c.t("field.status"))</th><th>\(c.t("field.owner"))</th><th>\(c.t("document.nextReviewOn"))</th></tr></thead>
        <tbody>\(rows)</tbody></table></div>
        """))
        \(Components.pager(c, nextCursor: page.nextCursor, total: page.total, basePath: c.w("/documents"), query: filters.parameters))
        \(HTML.when(manage, Self.startersCard(c, starters)))
        \(HTML.when(manage, HTML("""
        <section class="card" id="new"><h2>\(c.t("document.new"))</h2><p class="hint">\(c.t("document.newHint"))</p>
        \(Form.errorSummary(errors, c))
        \(Form.open(c.w("/documents"), c, id: "new-document"))
        \(fields(form, errors, c, creating: true))
        \(Form.submit(c.t("document.create")))
        \(Form.close())</section>
        """)))
        """)
    }

    func fields(_ form: DocumentForm, _ errors: [FieldError], _ c: PageContext, creating: Bool) -> HTML {
        let kinds = ControlledDocument.Kind.allCases.map { (value: $0.rawValue, label: c.t("document.kind.\($0.rawValue)")) }
        let approvers = [(value: "topManagement", label: c.t("document.approver.topManagement"))]
            + Role.allCases.filter { $0 != .employee && $0 != .externalAuditor && $0 != .topManagement }.map { (value: "role:\($0.rawValue)", label: c.t("document.approver.role", ["role": c.localizer.role($0, c.language)])) }
        let memberApprover = form.approver?.hasPrefix("member:") == true ? [(value: form.approver!, label: c.t("document.approver.member"))] : []
        return """
        <div class="row">
        \(Form.text("title", c.t("document.title"), value: form.title, errors: errors, c, required: true))
        \(Form.text("code", c.t("document.code"), value: form.code, errors: errors, c, hint: c.t(creating ? "document.codeHint" : "document.codeEditHint")))
        \(Form.select("kind", c.t("document.kind"), options: kinds, selected: form.kind ?? "procedure", errors: errors, c))
        </div>
        <div class="row">
        \(Form.text("owner", c.t("field.owner"), value: form.owner, errors: errors, c, type: "email", hint: c.t("hint.memberEmail")))
        \(Form.select("approver", c.t("document.approver"), options: approvers + memberApprover, selected: form.approver ?? "topManagement", errors: errors, c,
                      hint: c.t("document.approverHint")))
        \(Form.text("classification", c.t("document.classification"), value: form.classification, errors: errors, c))
        </div>
        <div class="row">
        \(Form.text("reviewIntervalMonths", c.t("document.reviewIntervalMonths"), value: form.reviewIntervalMonths ?? "12", errors: errors, c, type: "number",
                    attributes: " min=\"1\" max=\"60\" inputmode=\"numeric\""))
        \(Form.text("nextReviewOn", c.t("document.nextReviewOn"), value: form.nextReviewOn, errors: errors, c, type: "date", hint: c.t("document.nextReviewHint")))
        \(Form.text("retentionYears", c.t("document.retentionYears"), value: form.retentionYears, errors: errors, c, type: "number", attributes: " min=\"1\" inputmode=\"numeric\""))
        </div>
        \(Form.text("references", c.t("document.references"), value: form.references, errors: errors, c, hint: c.t("document.referencesHint")))
        """
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let access = try req.access()
        return try await req.submit(DocumentForm.self) { form in
            let d = try await Documents(req.meguri).create(access, try await form.input(req, access), context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/documents/\(d.id)", flash: req.t("document.created", ["code": d.code]))
        } render: { form, errors in try await listPage(req, form: form, errors: errors) }
    }

    // MARK: A document

    @Sendable func show(_ req: Request) async throws -> PageResponse {
        PageResponse(status: .ok, html: try await detail(req, form: nil, versionForm: nil, errors: []))
    }

    struct VersionForm: Content {
        var body, summary, major: String?
        var file: File?
        var version: Int?
    }

    func detail(_ req: Request, form: DocumentForm?, versionForm: VersionForm?, errors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let state = try await Documents(req.meguri).load(access, try documentID(req))
        let d = state.document
        // Someone outside the register goes straight to the version published to them.
        guard access.allows(.documentsRead) else {
            if let number = d.publishedVersion { throw Abort.redirect(to: c.w("/documents/\(d.id)/versions/\(number)")) }
            throw DomainError.notFound(entity: "document")
        }
        let manage = access.allows(.documentsManage)
        let writes = manage || d.ownerID == access.user.id
        let base = c.w("/documents/\(d.id)")
        func row(_ key: String, _ value: HTML?) -> HTML { "<dt>\(c.t(key))</dt><dd>\(value ?? "—")</dd>" }
        let approver: String
        switch d.approver {
        case .topManagement: approver = c.t("document.approver.topManagement")
        case .role(let role): approver = c.t("document.approver.role", ["role": c.localizer.role(role, c.language)])
        case .member(let id): approver = state.name(id) ?? "—"
        }
        let versionRows: [HTML] = state.versions.reversed().map { v in
            """
            <tr><td class="nowrap"><a href="\(base)/versions/\(v.number)">\(v.label)</a></td><td>\(Self.versionStatus(v.status, c))</td>
            <td class="clip" title="\(v.summary)">\(v.summary)</td><td class="nowrap">\(v.effectiveOn?.description ?? "—")</td>
            <td class="nowrap">\(state.name(v.approvedBy) ?? "—")</td><td class="nowrap">\(v.file.map { "📎 " + $0.name } ?? c.t("document.markdown"))</td></tr>
            """
        }
        let markdownVersions = state.versions.filter { $0.body != nil }
        let compareOptions = markdownVersions.map { (value: String($0.number), label: $0.label) }
        let ownerEmail = try await CheckActViews.emails([d.ownerID].compactMap { $0 }, req)
        let shown = form ?? DocumentForm(code: d.code, title: d.title, kind: d.kind.rawValue, owner: ownerEmail, approver: DocumentShapes.approver(d.approver),
                                         classification: d.classification, reviewIntervalMonths: String(d.reviewIntervalMonths), nextReviewOn: d.nextReviewOn?.description,
                                         retentionYears: d.retentionYears.map(String.init), references: d.references.joined(separator: ", "), version: d.version)
        // A revision starts from the text in force; the first version from an empty page.
        let startingText = versionForm ?? VersionForm(body: (state.published ?? state.versions.last { $0.body != nil })?.body)
        let versionHTML: HTML = """
        \(Form.open("\(base)/versions", c, multipart: true, maxBytes: maxBytes, id: "version-form"))
        \(versionFields(startingText, errors, c, first: d.latestVersion == 0))
        \(Form.submit(c.t("document.saveDraft")))
        \(Form.close())
        """
        let newVersion: HTML = !(writes && state.open == nil && d.status != .retired) ? .empty : d.latestVersion == 0
            ? "<section class=\"card\" id=\"new-version\"><h2>\(c.t("document.firstVersion"))</h2>\(versionHTML)</section>"
            : "<details class=\"card\" id=\"new-version\"\(versionForm != nil ? HTML(" open") : HTML.empty)><summary><strong>\(c.t("document.newVersion"))</strong></summary>\(versionHTML)</details>"
        return Layout.page(c, title: "\(d.code) \(d.title)", wide: true, """
        \(Components.pageHeader("\(d.code) \(d.title)", subtitle: c.t("document.kind.\(d.kind.rawValue)"), actions: HTML("""
        <a class="button" href="\(c.w("/documents"))">\(c.t("document.back"))</a>
        \(d.publishedVersion.map { HTML("<a class=\"button primary\" href=\"\(base)/versions/\($0)\">\(c.t("document.readInForce"))</a>") })
        \(HTML.when(d.isPublished, HTML("<a class=\"button\" href=\"\(base)/completion\">\(c.t("document.completion"))</a>")))
        \(HTML.when(access.allows(.auditTrailRead), "<a class=\"button\" href=\"\(c.w("/history/document/\(d.id)"))\">\(c.t("audit.history"))</a>"))
        """)))
        \(Form.errorSummary(errors, c))
        \(Self.starterChanges(c, d, try await StarterDocuments(req.meguri).changes(access, d), writes: writes, open: state.open.map { $0.status != .draft } ?? false))
        <section class="card"><dl class="facts">
        \(row("field.status", Self.status(d.status, c)))
        \(row("document.versionLabel", d.publishedLabel.map { HTML("\($0)") }))
        \(row("document.effectiveOn", d.effectiveOn.map { HTML("\($0.description)") }))
        \(row("field.owner", state.name(d.ownerID).map { HTML("\($0)") }))
        \(row("document.approver", HTML("\(approver)")))
        \(row("document.classification", d.classification.map { HTML("\($0)") }))
        \(row("document.nextReviewOn", d.nextReviewOn.map { HTML("\($0.description)\(HTML.when(d.reviewIsDue(on: access.today), HTML(" <span class=\"badge pending\">\(c.t("document.reviewDue"))</span>")))") }))
        \(row("document.retentionYears", d.retentionYears.map { HTML("\(c.t("document.years", ["n": String($0)]))") }))
        \(row("document.references", d.references.isEmpty ? nil : HTML(raw: d.references.map { CheckActViews.requirement($0, c, req.meguri.catalog).rendered }.joined(separator: "、"))))
        \(row("document.audience", d.audience.map { AudienceForm.text($0, c) }))
        </dl></section>
        \(try await openVersionCard(req, state: state, c: c, access: access, errors: errors, versionForm: versionForm))
        \(newVersion)
        <section class="card"><h2>\(c.t("document.versions"))</h2>
        \(versionRows.isEmpty ? Components.empty(c.t("document.noVersions")) : HTML("""
        <div class="table-scroll"><table class="table"><thead><tr><th>\(c.t("document.versionLabel"))</th><th>\(c.t("field.status"))</th><th>\(c.t("document.summary"))</th>
        <th>\(c.t("document.effectiveOn"))</th><th>\(c.t("document.approvedBy"))</th><th>\(c.t("document.format"))</th></tr></thead><tbody>\(versionRows)</tbody></table></div>
        """))
        \(HTML.when(compareOptions.count >= 2, HTML("""
        <form method="get" action="\(base)/compare" class="filters">
        \(Form.select("from", c.t("document.compareFrom"), options: compareOptions, selected: compareOptions[compareOptions.count - 2].value, errors: [], c, id: "compare-from"))
        \(Form.select("to", c.t("document.compareTo"), options: compareOptions, selected: compareOptions.last?.value, errors: [], c, id: "compare-to"))
        <button type="submit">\(c.t("document.compare"))</button></form>
        """)))
        </section>
        \(HTML.when(manage && d.status != .retired, HTML("""
        <details class="card"><summary>\(c.t("document.editRegister"))</summary>
        \(Form.open(base, c, id: "document-form"))\(Form.version(d.version))
        \(fields(shown, errors, c, creating: false))
        \(Form.submit(c.t("form.save")))\(Form.close())</details>
        """)))
        \(HTML.when(manage, HTML("""
        <section class="card danger-zone"><h2>\(c.t("document.endTitle"))</h2>
        \(d.isPublished ? HTML("<p>\(c.t("document.retireHint"))</p>\(Form.open("\(base)/retire", c))\(Form.version(d.version))<div class=\"actions\"><button type=\"submit\" class=\"danger\">\(c.t("document.retire"))</button></div>\(Form.close())")
                        : d.status == .retired ? HTML("<p>\(c.t("document.retiredNote"))</p>")
                        : HTML("<p>\(c.t("document.deleteHint"))</p>\(Form.open("\(base)/delete", c))\(Form.version(d.version))<div class=\"actions\"><button type=\"submit\" class=\"danger\">\(c.t("form.delete"))</button></div>\(Form.close())"))
        </section>
        """)))
        """)
    }

    func versionFields(_ form: VersionForm?, _ errors: [FieldError], _ c: PageContext, first: Bool) -> HTML {
        """
        \(Form.textarea("body", c.t("document.body"), value: form?.body, errors: errors, c, rows: 18, hint: c.t("document.bodyHint")))
        <div class="field"><label for="f-file">\(c.t("document.file"))</label><p class="hint">\(c.t("document.fileHint", ["max": String(maxBytes / 1024 / 1024)]))</p>
        \(Form.fieldErrors("file", errors, c).1)<input id="f-file" type="file" name="file" accept=".pdf,.docx,.xlsx,.pptx,application/pdf"></div>
        \(Form.textarea("summary", c.t("document.summary"), value: form?.summary ?? (first ? c.t("document.firstSummary") : nil), errors: errors, c, rows: 2,
                        hint: c.t("document.summaryHint")))
        \(HTML.when(!first, HTML("""
        <fieldset class="field"><legend>\(c.t("document.changeKind"))</legend>
        <label><input type="radio" name="major" value="true"\(form?.major != "false" ? HTML(" checked") : .empty)> \(c.t("document.major"))</label>
        <label><input type="radio" name="major" value="false"\(form?.major == "false" ? HTML(" checked") : .empty)> \(c.t("document.minor"))</label>
        <p class="hint">\(c.t("document.majorHint"))</p></fieldset>
        """)))
        """
    }

    /// The version being written, reviewed or awaiting publication, with the steps the caller may take.
    func openVersionCard(_ req: Request, state: DocumentState, c: PageContext, access: WorkspaceAccess, errors: [FieldError], versionForm: VersionForm?) async throws -> HTML {
        guard let v = state.open else { return .empty }
        let d = state.document
        let base = c.w("/documents/\(d.id)/versions/\(v.number)")
        let writes = access.allows(.documentsManage) || d.ownerID == access.user.id
        var steps: [HTML] = []
        switch v.status {
        case .draft:
            if writes {
                steps.append("""
                <details\(versionForm != nil ? HTML(" open") : .empty)><summary>\(c.t("document.editDraft"))</summary>
                \(Form.open(base, c, multipart: true, maxBytes: maxBytes, id: "draft-form"))\(Form.version(v.version))
                \(versionFields(versionForm ?? VersionForm(body: v.body, summary: v.summary, major: v.isMajor ? "true" : "false"), errors, c, first: v.number == 1))
                \(Form.submit(c.t("form.save")))\(Form.close())</details>
                \(Form.open("\(base)/steps", c, id: "submit-form"))\(Form.hidden("step", "submit"))<div class="actions"><button type="submit" class="primary">\(c.t("document.submit"))</button></div>
                <p class="hint">\(c.t("document.submitHint"))</p>\(Form.close())
                """)
            }
        case .inReview:
            steps.append("""
            \(Form.open("\(base)/steps", c, id: "approve-form"))\(Form.hidden("step", "approve"))
            \(Form.textarea("note", c.t("document.approvalNote"), value: nil, errors: errors, c, rows: 2))
            <div class="actions"><button type="submit" class="primary">\(c.t("document.approve"))</button>
            <button type="submit" name="step" value="return">\(c.t("document.return"))</button></div>
            <p class="hint">\(c.t("document.approveHint"))</p>\(Form.close())
            \(Form.open("\(base)/steps", c, id: "comment-form"))\(Form.hidden("step", "comment"))
            \(Form.textarea("comment", c.t("document.comment"), value: nil, errors: errors, c, rows: 2))
            <div class="actions"><button type="submit">\(c.t("document.addComment"))</button></div>\(Form.close())
            """)
        case .approved:
            if access.allows(.documentsManage) {
                let departments = try await Departments(req.meguri).all(access)
                steps.append("""
                \(Form.open("\(base)/steps", c, id: "publish-form"))\(Form.hidden("step", "publish"))
                \(AudienceForm.fields(c, departments: departments, selected: d.audience, errors: errors))
                \(Form.text("effectiveOn", c.t("document.effectiveOn"), value: access.today.description, errors: errors, c, type: "date"))
                <div class="actions"><button type="submit" class="primary">\(c.t("document.publish"))</button></div>\(Form.close())
                """)
            }
        default: break
        }
        let comments: [HTML] = v.comments.map { "<li><span class=\"small\">\(c.timestamp($0.at)) \(state.name($0.by) ?? "")</span><br><span class=\"prose\">\($0.text)</span></li>" }
        return """
        <section class="card" id="open-version"><h2>\(c.t("document.openVersion", ["label": v.label])) \(Self.versionStatus(v.status, c))</h2>
        <p><a href="\(base)">\(c.t("document.readVersion"))</a> · \(v.summary)</p>
        \(v.returnNote.map { HTML("<div class=\"notice\"><strong>\(c.t("document.returned"))</strong> <span class=\"prose\">\($0)</span></div>") } ?? .empty)
        \(HTML.when(!comments.isEmpty, HTML("<h3>\(c.t("document.comments"))</h3><ul class=\"history\">\(comments)</ul>")))
        \(steps.joined())
        </section>
        """
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try documentID(req)
        return try await req.submit(DocumentForm.self) { form in
            _ = try await Documents(req.meguri).update(access, id, try await form.input(req, access), expectedVersion: form.version, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/documents/\(id)", flash: req.t("form.saved"))
        } render: { form, errors in try await detail(req, form: form, versionForm: nil, errors: errors) }
    }


    @Sendable func delete(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try documentID(req)
        return try await req.submit(VersionOnly.self) { form in
            try await Documents(req.meguri).delete(access, id, expectedVersion: form.version, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/documents", flash: req.t("form.deleted"))
        } render: { _, errors in try await detail(req, form: nil, versionForm: nil, errors: errors) }
    }

    @Sendable func retire(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try documentID(req)
        return try await req.submit(VersionOnly.self) { form in
            _ = try await Documents(req.meguri).retire(access, id, expectedVersion: form.version, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/documents/\(id)", flash: req.t("document.retiredFlash"))
        } render: { _, errors in try await detail(req, form: nil, versionForm: nil, errors: errors) }
    }

    func versionInput(_ form: VersionForm) -> VersionInput {
        let file = form.file.flatMap { $0.data.readableBytes > 0 ? UploadedFile(name: $0.filename, data: Data(buffer: $0.data)) : nil }
        return VersionInput(body: file == nil ? form.body : nil, file: file, summary: form.summary, major: form.major.map { $0 != "false" })
    }

    @Sendable func addVersion(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try documentID(req)
        return try await req.submit(VersionForm.self) { form in
            let v = try await Documents(req.meguri).addVersion(access, id, versionInput(form), context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/documents/\(id)#open-version", flash: req.t("document.draftSaved", ["label": v.label]))
        } render: { form, errors in try await detail(req, form: nil, versionForm: form, errors: errors) }
    }

    @Sendable func editVersion(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try documentID(req)
        let number = try number(req)
        return try await req.submit(VersionForm.self) { form in
            let v = try await Documents(req.meguri).editVersion(access, id, number: number, versionInput(form), expectedVersion: form.version, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/documents/\(id)#open-version", flash: req.t("document.draftSaved", ["label": v.label]))
        } render: { form, errors in try await detail(req, form: nil, versionForm: form, errors: errors) }
    }

    struct StepForm: Content {
        var step, note, comment, everyone, members, effectiveOn: String?
        var roles, departments: [String]?
    }

    @Sendable func step(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try documentID(req)
        let number = try number(req)
        return try await req.submit(StepForm.self) { form in
            let step: Documents.Step
            switch form.step {
            case "submit": step = .submit
            case "approve": step = .approve(note: form.note)
            case "return": step = .returnToDraft(note: form.note ?? "")
            case "comment": step = .comment(form.comment ?? "")
            case "publish":
                let audience = try await AudienceForm.audience(everyone: form.everyone, roles: form.roles, departments: form.departments, members: form.members, req, access)
                var effective: CalendarDate? = nil
                if let raw = Text.nonBlank(form.effectiveOn) {
                    guard let day = CalendarDate(raw) else { throw DomainError.invalid(field: "effectiveOn", code: "error.date") }
                    effective = day
                }
                step = .publish(audience: audience, effectiveOn: effective)
            default: throw DomainError.invalid(field: "step", code: "error.choice")
            }
            let v = try await Documents(req.meguri).step(access, id, number: number, step, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/documents/\(id)", flash: req.t("document.stepped.\(Documents.actionName(step))", ["label": v.label]))
        } render: { _, errors in try await detail(req, form: nil, versionForm: nil, errors: errors) }
    }

    // MARK: Reading

    @Sendable func read(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let view = try await Documents(req.meguri).version(access, try documentID(req), number: try number(req))
        let d = view.document, v = view.version
        let base = c.w("/documents/\(d.id)/versions/\(v.number)")
        let acknowledged: HTML
        if let ack = view.acknowledgement {
            acknowledged = "<p class=\"notice ok\">\(c.t("document.acknowledgedAt", ["date": c.timestamp(ack.acknowledgedAt)]))</p>"
        } else if view.mayAcknowledge {
            acknowledged = """
            \(Form.open("\(base)/acknowledge", c, id: "acknowledge-form"))
            <p>\(c.t("document.acknowledgeIntro"))</p>
            <div class="actions"><button type="submit" class="primary big">\(c.t("document.acknowledge"))</button></div>\(Form.close())
            """
        } else { acknowledged = .empty }
        let stale = v.status == .superseded && d.publishedVersion != nil
        let text: HTML = view.html.map { HTML(raw: "<div class=\"markdown\">\($0)</div>") } ?? HTML("""
        <p>\(c.t("document.fileVersion"))</p><p><a class="button primary" href="\(base)/file">\(c.t("document.download")) \(v.file?.name ?? "")</a></p>
        """)
        return PageResponse(status: .ok, html: Layout.page(c, title: "\(d.code) \(d.title) \(v.label)", """
        <article class="reading">
        <header class="reading-header"><p class="small">\(d.code) · \(c.t("document.kind.\(d.kind.rawValue)"))</p><h1>\(d.title)</h1>
        <p class="small">\(c.t("document.versionLabel")) \(v.label) \(Self.versionStatus(v.status, c))\(v.effectiveOn.map { HTML(" · \(c.t("document.effectiveOn")) \($0.description)") })\(d.classification.map { HTML(" · \($0)") })</p>
        \(HTML.when(stale, HTML("<p class=\"notice\">\(c.t("document.supersededNotice"))<a href=\"\(c.w("/documents/\(d.id)/versions/\(d.publishedVersion ?? 1)"))\">\(c.t("document.readInForce"))</a></p>")))
        \(HTML.when(v.status == .draft || v.status == .inReview || v.status == .approved, HTML("<p class=\"notice\">\(c.t("document.notInForce"))</p>")))
        </header>
        \(text)
        <footer class="reading-footer">\(acknowledged)
        <p class="small"><a href="\(base)/print">\(c.t("document.print"))</a>\(HTML.when(v.body != nil, HTML(" · <a href=\"\(base)/docx\">\(c.t("document.docx"))</a>")))\(HTML.when(access.allows(.documentsRead), HTML(" · <a href=\"\(c.w("/documents/\(d.id)"))\">\(c.t("document.toRegister"))</a>")))</p>
        </footer>
        </article>
        """))
    }

    @Sendable func acknowledge(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try documentID(req)
        let number = try number(req)
        return try await req.submit(VersionOnly.self) { _ in
            _ = try await Documents(req.meguri).acknowledge(access, id, number: number, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/reading", flash: req.t("document.acknowledgedFlash"))
        } render: { _, errors in
            let c = try await PageContext.make(req)
            return Layout.page(c, title: c.t("reading.title"), "\(Form.errorSummary(errors, c))<p><a href=\"\(c.w("/reading"))\">\(c.t("reading.title"))</a></p>")
        }
    }

    @Sendable func reading(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let items = try await Documents(req.meguri).reading(access)
        let unread = items.filter { $0.acknowledgedAt == nil }
        let read = items.filter { $0.acknowledgedAt != nil }
        func card(_ item: ReadingItem) -> HTML {
            let d = item.document
            return """
            <li class="reading-item"><a href="\(c.w("/documents/\(d.id)/versions/\(d.publishedVersion ?? 1)"))"><strong>\(d.title)</strong></a>
            <span class="small">\(d.code) · \(c.t("document.versionLabel")) \(d.publishedLabel ?? "")\(d.effectiveOn.map { HTML(" · \($0.description)") })</span>
            \(item.acknowledgedAt.map { HTML("<span class=\"badge ok\">\(c.t("reading.done", ["date": c.timestamp($0)]))</span>") } ?? HTML("<span class=\"badge pending\">\(c.t("reading.toRead"))</span>"))</li>
            """
        }
        return PageResponse(status: .ok, html: Layout.page(c, title: c.t("reading.title"), """
        \(Components.pageHeader(c.t("reading.title"), subtitle: c.t("reading.intro")))
        <section class="card"><h2>\(c.t("reading.unread", ["count": String(unread.count)]))</h2>
        \(unread.isEmpty ? Components.empty(c.t("reading.allDone")) : HTML("<ul class=\"reading-list\">\(unread.map(card))</ul>"))</section>
        \(HTML.when(!read.isEmpty, HTML("<section class=\"card\"><h2>\(c.t("reading.read"))</h2><ul class=\"reading-list\">\(read.map(card))</ul></section>")))
        """))
    }

    @Sendable func printPage(_ req: Request) async throws -> Response {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let view = try await Documents(req.meguri).version(access, try documentID(req), number: try number(req))
        let d = view.document, v = view.version
        let approver = v.approvedBy.flatMap { view.people[$0]?.displayName } ?? "—"
        let html = """
        <!doctype html><html lang="\(c.language.rawValue)"><head><meta charset="utf-8"><title>\(Markdown.escape("\(d.code) \(d.title) \(v.label)"))</title>
        <link rel="stylesheet" href="/static/meguri.css"></head><body class="print-page">
        <table class="print-header"><tr><th>\(Markdown.escape(c.t("document.code")))</th><td>\(Markdown.escape(d.code))</td><th>\(Markdown.escape(c.t("document.versionLabel")))</th><td>\(Markdown.escape(v.label))</td>
        <th>\(Markdown.escape(c.t("document.effectiveOn")))</th><td>\(Markdown.escape(v.effectiveOn?.description ?? "—"))</td></tr>
        <tr><th>\(Markdown.escape(c.t("document.approvedBy")))</th><td>\(Markdown.escape(approver))</td><th>\(Markdown.escape(c.t("document.classification")))</th><td>\(Markdown.escape(d.classification ?? "—"))</td>
        <th>\(Markdown.escape(c.t("field.status")))</th><td>\(Markdown.escape(c.t("document.versionStatus.\(v.status.rawValue)")))</td></tr></table>
        <h1>\(Markdown.escape(d.title))</h1>
        <div class="markdown">\(view.html ?? Markdown.escape(c.t("document.fileVersion")))</div>
        </body></html>
        """
        let response = Response(status: .ok, body: .init(string: html))
        response.headers.contentType = .html
        return response
    }

    @Sendable func docx(_ req: Request) async throws -> Response {
        let file = try await DocumentFiles(req.meguri).docx(try req.access(), try documentID(req), number: try number(req), language: req.language)
        return EvidenceDownload.response(file.data, name: file.name, contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    }

    @Sendable func file(_ req: Request) async throws -> Response {
        let file = try await Documents(req.meguri).file(try req.access(), try documentID(req), number: try number(req))
        return EvidenceDownload.response(file.data, name: file.name, contentType: file.contentType)
    }

    // MARK: Comparison and completion

    @Sendable func compare(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let id = try documentID(req)
        let result = try await Documents(req.meguri).compare(access, id, from: try req.versionNumber("from"), to: try req.versionNumber("to"))
        func segments(_ parts: [TextDiff.Segment]) -> HTML {
            parts.map { part -> HTML in
                switch part {
                case .same(let t): return "\(t)"
                case .removed(let t): return "<del>\(t)</del>"
                case .added(let t): return "<ins>\(t)</ins>"
                }
            }.joined()
        }
        let rows: [HTML] = result.lines.map { line in
            switch line {
            case .same(let t): return "<div class=\"diff-line same\">\(t.isEmpty ? " " : t)</div>"
            case .removed(let t): return "<div class=\"diff-line removed\"><span class=\"sr-only\">\(c.t("document.diff.removed"))</span><del>\(t)</del></div>"
            case .added(let t): return "<div class=\"diff-line added\"><span class=\"sr-only\">\(c.t("document.diff.added"))</span><ins>\(t)</ins></div>"
            case .changed(let parts): return "<div class=\"diff-line changed\">\(segments(parts))</div>"
            }
        }
        let changed = result.lines.filter { if case .same = $0 { return false }; return true }.count
        return PageResponse(status: .ok, html: Layout.page(c, title: c.t("document.compareTitle"), wide: true, """
        \(Components.pageHeader(c.t("document.compareTitle"), subtitle: c.t("document.compareSubtitle", ["from": result.from.label, "to": result.to.label, "count": String(changed)]),
                                actions: HTML("<a class=\"button\" href=\"\(c.w("/documents/\(id)"))\">\(c.t("document.back"))</a>")))
        <section class="card diff" aria-label="\(c.t("document.compareTitle"))">\(rows)</section>
        """))
    }

    @Sendable func completion(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let result = try await Documents(req.meguri).completion(access, try documentID(req))
        let d = result.document
        let departments = Dictionary(uniqueKeysWithValues: try await Departments(req.meguri).all(access).map { ($0.id, $0.name) })
        let lines: [HTML] = result.departments.map { line in
            let percent = line.total == 0 ? 0 : line.done * 100 / line.total
            return "<tr><td>\(line.department?.name ?? c.t("document.noDepartment"))</td><td class=\"num\">\(line.done) / \(line.total)</td><td><meter min=\"0\" max=\"100\" value=\"\(percent)\">\(percent)%</meter> \(percent)%</td></tr>"
        }
        let missing = result.readers.filter { $0.acknowledgement == nil }
        let missingRows: [HTML] = missing.prefix(500).map { r in
            "<tr><td>\(r.member.displayName)</td><td>\(r.member.email)</td><td>\(r.member.homeDepartmentID.flatMap { departments[$0] } ?? "—")</td></tr>"
        }
        return PageResponse(status: .ok, html: Layout.page(c, title: "\(d.code) \(c.t("document.completion"))", wide: true, """
        \(Components.pageHeader("\(d.code) \(d.title)", subtitle: c.t("document.completionSubtitle", ["done": String(result.done), "total": String(result.total),
                                                                                                       "label": d.publishedLabel ?? "—"]), actions: HTML("""
        <a class="button" href="\(c.w("/documents/\(d.id)"))">\(c.t("document.back"))</a>
        <a class="button" href="\(c.w("/documents/\(d.id)/completion.csv"))?format=xlsx">\(c.t("export.xlsx"))</a>
        <a class="button" href="\(c.w("/documents/\(d.id)/completion.csv"))">\(c.t("export.csv"))</a>
        """)))
        <section class="card"><h2>\(c.t("document.byDepartment"))</h2>
        \(lines.isEmpty ? Components.empty(c.t("document.notPublishedYet")) : HTML("<table class=\"table\"><thead><tr><th>\(c.t("field.department"))</th><th>\(c.t("document.read"))</th><th>\(c.t("document.rate"))</th></tr></thead><tbody>\(lines)</tbody></table>"))
        </section>
        <section class="card"><h2>\(c.t("document.notRead", ["count": String(missing.count)]))</h2>
        \(missingRows.isEmpty ? Components.empty(c.t("document.everyoneRead")) : HTML("<table class=\"table\"><thead><tr><th>\(c.t("field.name"))</th><th>\(c.t("field.email"))</th><th>\(c.t("field.department"))</th></tr></thead><tbody>\(missingRows)</tbody></table>"))
        \(HTML.when(missing.count > 500, HTML("<p class=\"small\">\(c.t("document.moreInFile", ["count": String(missing.count - 500)]))</p>")))
        </section>
        """))
    }

    @Sendable func completionFile(_ req: Request) async throws -> Response {
        let format = try Exporting.format(req)
        let file = try await DocumentFiles(req.meguri).exportAcknowledgements(try req.access(), try documentID(req), format: format, language: req.language)
        return Exporting.file(file.data, name: String(file.name.prefix { $0 != "." }), format: format)
    }

    // MARK: The register as a file

    @Sendable func exportRegister(_ req: Request) async throws -> Response {
        let access = try req.access()
        let format = try Exporting.format(req)
        let data = try await DocumentFiles(req.meguri).exportRegister(access, format: format, language: Exporting.language(req))
        return Exporting.file(data, name: "documents-\(access.workspace.slug)", format: format)
    }

    @Sendable func importForm(_ req: Request) async throws -> HTML {
        let c = try await PageContext.make(req)
        return ImportViews.page(c, kind: "documents", action: c.w("/documents/import"), back: c.w("/documents"), result: nil, errors: [])
    }

    @Sendable func importFlow(_ req: Request) async throws -> ImportViews.Flow {
        let access = try req.access()
        let c = PageContext(request: req)
        let context = try req.context()
        return ImportViews.Flow(kind: "documents", action: c.w("/documents/import"), back: c.w("/documents"),
                                spec: DocumentFiles(req.meguri).importSpec) { data, options, dryRun, _ in
            let result = try await DocumentFiles(req.meguri).importRegister(access, data: data, options: options, dryRun: dryRun, context: context)
            return .init(rows: result.rows.map { ImportViews.Row($0) },
                         mapping: result.mapping)
        }
    }

}
