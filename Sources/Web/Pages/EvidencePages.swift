import Domain
import Features
import Foundation
import Storage
import Vapor

/// The evidence store: a filtered list with the upload form, each item's page (SHA-256, links,
/// download), and the own controls kept beside Annex A.
struct EvidencePages {
    let maxBytes: Int

    func register(_ routes: any RoutesBuilder) {
        // The body may hold the largest allowed file plus the form's other fields.
        let body = HTTPBodyStreamStrategy.collect(maxSize: ByteCount(value: maxBytes + 1024 * 1024))
        routes.endpoint(.GET, "w", ":slug", "evidence", access: .workspace(.evidenceRead), use: list)
        routes.endpoint(.POST, "w", ":slug", "evidence", access: .workspace(.evidenceManage), body: body, use: create)
        routes.endpoint(.GET, "w", ":slug", "evidence", ":evidenceID", access: .workspace(.evidenceRead), use: show)
        routes.endpoint(.POST, "w", ":slug", "evidence", ":evidenceID", access: .workspace(.evidenceManage), use: update)
        routes.endpoint(.POST, "w", ":slug", "evidence", ":evidenceID", "delete", access: .workspace(.evidenceManage), use: delete)
        routes.endpoint(.GET, "w", ":slug", "evidence", ":evidenceID", "download", access: .workspace(.evidenceRead), use: download)
        routes.endpoint(.GET, "w", ":slug", "own-controls", access: .workspace(.soaRead), use: ownList)
        routes.endpoint(.POST, "w", ":slug", "own-controls", access: .workspace(.soaManage), use: ownCreate)
        routes.endpoint(.GET, "w", ":slug", "own-controls", ":ownControlID", access: .workspace(.soaRead), use: ownShow)
        routes.endpoint(.POST, "w", ":slug", "own-controls", ":ownControlID", access: .workspace(.soaManage), use: ownUpdate)
        routes.endpoint(.POST, "w", ":slug", "own-controls", ":ownControlID", "delete", access: .workspace(.soaManage), use: ownDelete)
    }

    func evidenceID(_ req: Request) throws -> Evidence.ID { try req.id("evidenceID", Evidence.ID.self, entity: "evidence") }

    struct Filters {
        var q, validity, control, target: String?
        init(_ req: Request) {
            func value(_ name: String) -> String? { req.queryValue(name).flatMap(Text.nonBlank) }
            q = value("q"); validity = value("validity"); control = value("control"); target = value("target")
        }
        var parameters: [String: String] { ["q": q ?? "", "validity": validity ?? "", "control": control ?? "", "target": target ?? ""] }
    }

    /// The upload and edit form as typed: control ids as `5.15, 8.5`, one other record as `target`.
    struct EvidenceForm: Content {
        var file: File?
        var title, url, collectedOn, validUntil, notes, controls, target, collectedBy: String?
        var keep: [String]?
        var version: Int?

        func input(_ req: Request, _ access: WorkspaceAccess, existing: Evidence?) async throws -> EvidenceInput {
            var v = Validator()
            var links = TreatmentPages.ActionForm.split(controls).map { "control:\($0)" }
            if let existing { links += existing.links.filter { $0.target != .control && (keep ?? []).contains($0.text) }.map(\.text) }
            if let target = Text.nonBlank(target) { links.append(target) }
            var input = EvidenceInput(title: title, url: url, collectedOn: collectedOn ?? "", validUntil: validUntil ?? "", notes: notes ?? "", links: links)
            if let email = Text.nonBlank(collectedBy) {
                if let user = try await AssetPages.people(req, access)[email.lowercased()] { input.collectedByID = .some(user) } else {
                    v.add("collectedBy", "error.unknownMemberEmail", ["value": email])
                }
            } else if existing != nil {
                input.collectedByID = .some(nil)
            }
            try v.check()
            return input
        }
    }

    static func formErrors(_ errors: [FieldError]) -> [FieldError] {
        errors.map { var e = $0; e.field = ["collectedById": "collectedBy", "links": "controls"][e.field] ?? e.field; return e }
    }

    @Sendable func list(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let filters = Filters(req)
        return PageResponse(status: .ok, html: try await listPage(req, c: c, access: access, form: EvidenceForm(target: filters.target), formErrors: []))
    }

    func listPage(_ req: Request, c: PageContext, access: WorkspaceAccess, form: EvidenceForm, formErrors: [FieldError]) async throws -> HTML {
        let filters = Filters(req)
        let store = EvidenceFiles(req.meguri)
        var errors: [FieldError] = []
        var page = Page<Evidence>(items: [], nextCursor: nil)
        var total = 0
        do {
            let query = try store.query(access, search: filters.q, validity: filters.validity, control: filters.control, link: nil)
            let request = try req.listPage()
            page = try await store.list(access, query: query, page: request)
            // Counted with the page (a numbered page knows its total).
            if let counted = page.total { total = counted } else { total = try await store.count(access, query: query) }
        } catch DomainError.invalid(let e) { errors = e }
        let collectors = page.items.compactMap(\.collectedBy)
        let people = try await People(req.meguri).load(try req.access(), collectors)
        let rows: [HTML] = page.items.map { e in
            """
            <tr><td><a href="\(c.w("/evidence/\(e.id)"))">\(Components.long(e.title))</a></td>
            <td>\(e.kind == .file ? HTML("\(e.fileName ?? "") <span class=\"muted small\">\(EvidenceViews.size(e.size ?? 0))</span>") : HTML("<span class=\"muted\">\(c.t("evidence.kind.link"))</span>"))</td>
            <td class="nowrap">\(e.collectedOn.description)</td><td class="nowrap">\(e.collectedBy.flatMap { people[$0]?.displayName } ?? "—")</td>
            <td class="nowrap">\(EvidenceViews.validity(e, today: access.today, c))</td>
            <td>\(EvidenceViews.links(e.links, c))</td></tr>
            """
        }
        let validities = [(value: "", label: c.t("form.all")), (value: "expiring", label: c.t("evidence.validity.expiring")), (value: "expired", label: c.t("evidence.validity.expired"))]
        let target = Text.nonBlank(form.target).flatMap(EvidenceLink.init(parsing:))
        let filtered = !filters.parameters.filter { $0.key != "target" }.values.allSatisfy(\.isEmpty)
        return Layout.page(c, title: c.t("cap.evidence"), wide: true, """
        \(Components.pageHeader(c.t("cap.evidence"), subtitle: c.t("evidence.intro"), actions: HTML("<a class=\"button\" href=\"\(c.w("/soa"))\">\(c.t("cap.soa"))</a>")))
        \(Form.errorSummary(errors, c))
        <form method="get" action="\(c.w("/evidence"))" class="filters" role="search">
        <div><label for="q">\(c.t("form.search"))</label><input id="q" name="q" type="search" value="\(filters.q ?? "")"></div>
        \(Form.select("validity", c.t("evidence.validity"), options: validities, selected: filters.validity, errors: errors, c, id: "filter-validity"))
        \(Form.text("control", c.t("evidence.control"), value: filters.control, errors: errors, c, type: "search", hint: nil, id: "filter-control"))
        <button type="submit">\(c.t("form.filter"))</button>
        </form>
        <p class="muted">\(c.t("form.count", ["count": String(total)]))</p>
        \(rows.isEmpty ? Components.empty(c.t(filtered ? "form.noMatches" : "evidence.none")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("field.title"))</th><th>\(c.t("evidence.file"))</th><th>\(c.t("field.collectedOn"))</th><th>\(c.t("field.collectedBy"))</th>
        <th>\(c.t("field.validUntil"))</th><th>\(c.t("evidence.links"))</th></tr></thead><tbody>\(rows)</tbody></table>
        """))
        \(Components.pager(c, nextCursor: page.nextCursor, total: page.total, basePath: c.w("/evidence"), query: filters.parameters))
        \(HTML.when(access.allows(.evidenceManage), HTML("""
        <section class="card" id="new"><h2>\(c.t("evidence.new"))</h2>
        <p class="hint">\(c.t("evidence.newHint", ["max": String(maxBytes / (1024 * 1024))]))</p>
        \(Form.errorSummary(formErrors, c))
        \(Form.open(c.w("/evidence"), c, multipart: true, maxBytes: maxBytes, id: "new-evidence"))
        \(target.map { t in HTML("\(Form.hidden("target", t.text))<p>\(c.t("evidence.attachTo")) \(EvidenceViews.links([t], c))</p>") })
        <div class="field\(formErrors.contains { $0.field == "file" } ? " has-error" : "")"><label for="f-file">\(c.t("evidence.file"))</label>
        \(Form.fieldErrors("file", formErrors, c).1)
        <input id="f-file" type="file" name="file"></div>
        \(Form.text("url", c.t("evidence.orLink"), value: form.url, errors: formErrors, c, type: "url", hint: c.t("evidence.urlHint")))
        \(Form.text("title", c.t("field.title"), value: form.title, errors: formErrors, c, hint: c.t("evidence.titleHint")))
        <div class="row">
        \(Form.text("collectedOn", c.t("field.collectedOn"), value: form.collectedOn ?? access.today.description, errors: formErrors, c, type: "date", required: true))
        \(Form.text("validUntil", c.t("field.validUntil"), value: form.validUntil, errors: formErrors, c, type: "date", hint: c.t("evidence.validUntilHint")))
        \(Form.text("controls", c.t("evidence.controls"), value: form.controls ?? (target == nil ? filters.control : nil), errors: formErrors, c, hint: c.t("evidence.controlsHint")))
        </div>
        \(Form.textarea("notes", c.t("field.notes"), value: form.notes, errors: formErrors, c, rows: 2))
        \(Form.submit(c.t("evidence.add")))
        \(Form.close())
        </section>
        """)))
        """)
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(EvidenceForm.self)
        let c = try await PageContext.make(req)
        let file = form.file.flatMap { f in f.data.readableBytes > 0 ? UploadedFile(name: f.filename, data: Data(buffer: f.data)) : nil }
        do {
            let evidence = try await EvidenceFiles(req.meguri).create(access, try await form.input(req, access, existing: nil), file: file, context: try req.context())
            let target = Text.nonBlank(form.target).flatMap(EvidenceLink.init(parsing:))
            return req.redirect(to: target.map { EvidenceViews.path($0, c) } ?? c.w("/evidence/\(evidence.id)"), flash: req.t("evidence.added"))
        } catch DomainError.invalid(let errors) {
            var kept = form
            kept.file = nil
            return try await PageResponse(status: .unprocessableEntity, html: listPage(req, c: c, access: access, form: kept, formErrors: Self.formErrors(errors)))
                .encodeResponse(for: req)
        }
    }

    @Sendable func show(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let evidence = try await EvidenceFiles(req.meguri).load(access, try evidenceID(req))
        let c = try await PageContext.make(req)
        return PageResponse(status: .ok, html: try await detail(req, c: c, access: access, evidence: evidence, form: nil, errors: []))
    }

    func detail(_ req: Request, c: PageContext, access: WorkspaceAccess, evidence e: Evidence, form: EvidenceForm?, errors: [FieldError], conflict: Bool = false) async throws -> HTML {
        let people = try await People(req.meguri).load(try req.access(), [e.collectedBy, e.createdBy].compactMap { $0 })
        let controls = e.links.filter { $0.target == .control }.map(\.id)
        let shown = form ?? EvidenceForm(title: e.title, url: e.url, collectedOn: e.collectedOn.description, validUntil: e.validUntil?.description, notes: e.notes,
                                         controls: controls.joined(separator: ", "), collectedBy: e.collectedBy.flatMap { people[$0]?.email },
                                         keep: e.links.map(\.text), version: e.version)
        let base = c.w("/evidence/\(e.id)")
        let mayChange = access.allows(.soaManage) || (access.allows(.evidenceManage) && e.createdBy == access.user.id)
        func row(_ key: String, _ value: HTML?) -> HTML { "<dt>\(c.t(key))</dt><dd>\(value ?? "—")</dd>" }
        let others = e.links.filter { $0.target != .control }
        return Layout.page(c, title: e.title, """
        \(Components.pageHeader(e.title, subtitle: c.t("cap.evidence"), actions: HTML("""
        <a class="button" href="\(c.w("/evidence"))">\(c.t("evidence.back"))</a>
        \(HTML.when(e.kind == .file, HTML("<a class=\"button primary\" href=\"\(base)/download\">\(c.t("evidence.download"))</a>")))
        \(HTML.when(access.allows(.auditTrailRead), "<a class=\"button\" href=\"\(c.w("/history/evidence/\(e.id)"))\">\(c.t("audit.history"))</a>"))
        """)))
        \(HTML.when(conflict, HTML("<div class=\"flash warning\" role=\"alert\">\(c.t("form.conflict"))</div>")))
        <section class="card"><dl class="facts">
        \(row("evidence.kind", HTML("\(c.t("evidence.kind.\(e.kind.rawValue)"))")))
        \(row("evidence.file", e.fileName.map { HTML("\($0) (\(EvidenceViews.size(e.size ?? 0)), \(e.contentType ?? ""))") }))
        \(row("evidence.sha256", e.sha256.map { HTML("<code class=\"hash\">\($0)</code>") }))
        \(row("evidence.url", e.url.map { HTML("<a href=\"\($0)\" rel=\"noopener noreferrer\">\($0)</a>") }))
        \(row("field.collectedOn", HTML("\(e.collectedOn.description)")))
        \(row("field.collectedBy", e.collectedBy.flatMap { people[$0] }.map { HTML("\($0.displayName)") }))
        \(row("field.validUntil", EvidenceViews.validity(e, today: access.today, c)))
        \(row("evidence.links", e.links.isEmpty ? nil : EvidenceViews.links(e.links, c)))
        \(row("field.notes", e.notes.map { HTML("<span class=\"prose\">\($0)</span>") }))
        </dl>
        \(HTML.when(e.kind == .file, HTML("<p class=\"muted small\">\(c.t("evidence.hashHint"))</p>")))
        </section>
        \(HTML.when(mayChange, HTML("""
        <section class="card"><h2>\(c.t("evidence.edit"))</h2>
        \(Form.errorSummary(errors, c))
        \(Form.open(base, c, id: "edit-evidence"))\(Form.version(shown.version ?? e.version))
        \(Form.text("title", c.t("field.title"), value: shown.title, errors: errors, c, required: true))
        \(HTML.when(e.kind == .link, Form.text("url", c.t("evidence.url"), value: shown.url, errors: errors, c, type: "url", required: true)))
        <div class="row">
        \(Form.text("collectedOn", c.t("field.collectedOn"), value: shown.collectedOn, errors: errors, c, type: "date", required: true))
        \(Form.text("validUntil", c.t("field.validUntil"), value: shown.validUntil, errors: errors, c, type: "date", hint: c.t("evidence.validUntilHint")))
        \(Form.text("collectedBy", c.t("field.collectedBy"), value: shown.collectedBy, errors: errors, c, type: "email", hint: c.t("hint.memberEmail")))
        </div>
        \(Form.text("controls", c.t("evidence.controls"), value: shown.controls, errors: errors, c, hint: c.t("evidence.controlsHint")))
        \(HTML(raw: others.map { link in
            let checked = (shown.keep ?? []).contains(link.text)
            return "<div class=\"field checkbox\"><input type=\"checkbox\" id=\"keep-\(HTML.escape(link.id))\" name=\"keep[]\" value=\"\(HTML.escape(link.text))\"\(checked ? " checked" : "")><label for=\"keep-\(HTML.escape(link.id))\">\(HTML.escape(c.t("evidence.keepLink"))) \(EvidenceViews.links([link], c).rendered)</label></div>"
        }.joined()))
        \(Form.textarea("notes", c.t("field.notes"), value: shown.notes, errors: errors, c, rows: 2))
        \(Form.submit(c.t("form.save")))
        \(Form.close())
        </section>
        <section class="card danger-zone"><h2>\(c.t("evidence.delete"))</h2>
        \(Form.open("\(base)/delete", c))\(Form.version(e.version))<div class="actions"><button type="submit" class="danger">\(c.t("form.delete"))</button></div>\(Form.close())</section>
        """)))
        """)
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try evidenceID(req)
        let form = try req.content.decode(EvidenceForm.self)
        let store = EvidenceFiles(req.meguri)
        let current = try await store.load(access, id)
        let c = try await PageContext.make(req)
        do {
            _ = try await store.update(access, id, try await form.input(req, access, existing: current), expectedVersion: form.version, context: try req.context())
            return req.redirect(to: c.w("/evidence/\(id)"), flash: req.t("form.saved"))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: detail(req, c: c, access: access, evidence: current, form: form,
                                                                                  errors: Self.formErrors(errors))).encodeResponse(for: req)
        } catch DomainError.conflict {
            let latest = try await store.load(access, id)
            return try await PageResponse(status: .conflict, html: detail(req, c: c, access: access, evidence: latest, form: nil, errors: [], conflict: true))
                .encodeResponse(for: req)
        }
    }

    @Sendable func delete(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(AssetPages.VersionForm.self)
        try await EvidenceFiles(req.meguri).delete(access, try evidenceID(req), expectedVersion: form.version, context: try req.context())
        return req.redirect(to: PageContext(request: req).w("/evidence"), flash: req.t("evidence.deleted"))
    }

    @Sendable func download(_ req: Request) async throws -> Response {
        let (evidence, data) = try await EvidenceFiles(req.meguri).download(try req.access(), try evidenceID(req))
        return EvidenceViews.attachment(data, evidence)
    }

    // MARK: Own controls

    struct OwnForm: Content { var code, titleJa, titleEn, description: String?; var version: Int? }

    @Sendable func ownList(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        return PageResponse(status: .ok, html: try await ownListPage(req, c: c, access: access, form: OwnForm(), errors: []))
    }

    func ownListPage(_ req: Request, c: PageContext, access: WorkspaceAccess, form: OwnForm, errors: [FieldError]) async throws -> HTML {
        let controls = try await OwnControls(req.meguri).list(access)
        let rows: [HTML] = controls.map { o in
            """
            <tr><td class="nowrap"><a href="\(c.w("/own-controls/\(o.id)"))">\(o.code)</a></td><td>\(o.title(c.language))</td>
            <td><a href="\(c.w("/soa/\(Components.encode(o.code))"))">\(c.t("ownControls.soaEntry"))</a></td></tr>
            """
        }
        return Layout.page(c, title: c.t("ownControls.title"), """
        \(Components.pageHeader(c.t("ownControls.title"), subtitle: c.t("ownControls.intro"), actions: HTML("<a class=\"button\" href=\"\(c.w("/soa"))\">\(c.t("cap.soa"))</a>")))
        \(rows.isEmpty ? Components.empty(c.t("ownControls.none")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("field.code"))</th><th>\(c.t("control.title"))</th><th></th></tr></thead><tbody>\(rows)</tbody></table>
        """))
        \(HTML.when(access.allows(.soaManage), HTML("""
        <section class="card" id="new"><h2>\(c.t("ownControls.new"))</h2>
        \(Form.errorSummary(errors, c))
        \(Form.open(c.w("/own-controls"), c, id: "new-own-control"))
        \(ownFields(form, errors, c))
        \(Form.submit(c.t("ownControls.add")))
        \(Form.close())</section>
        """)))
        """)
    }

    func ownFields(_ form: OwnForm, _ errors: [FieldError], _ c: PageContext) -> HTML {
        """
        <div class="row">
        \(Form.text("code", c.t("field.code"), value: form.code, errors: errors, c, required: true, hint: c.t("ownControls.codeHint")))
        \(Form.text("titleJa", c.t("field.titleJa"), value: form.titleJa, errors: errors, c, required: true))
        \(Form.text("titleEn", c.t("field.titleEn"), value: form.titleEn, errors: errors, c, required: true))
        </div>
        \(Form.textarea("description", c.t("ownControls.description"), value: form.description, errors: errors, c, rows: 3))
        """
    }

    func ownID(_ req: Request) throws -> OwnControl.ID { try req.id("ownControlID", OwnControl.ID.self, entity: "own_control") }

    @Sendable func ownCreate(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(OwnForm.self)
        let c = try await PageContext.make(req)
        do {
            let control = try await OwnControls(req.meguri).create(access, OwnControlInput(code: form.code, titleJa: form.titleJa, titleEn: form.titleEn,
                                                                                           description: form.description ?? ""), context: try req.context())
            return req.redirect(to: c.w("/soa/\(Components.encode(control.code))"), flash: req.t("ownControls.added"))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: ownListPage(req, c: c, access: access, form: form, errors: errors)).encodeResponse(for: req)
        }
    }

    @Sendable func ownShow(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let control = try await OwnControls(req.meguri).load(access, try ownID(req))
        return PageResponse(status: .ok, html: ownPage(c, access: access, control: control, form: nil, errors: []))
    }

    func ownPage(_ c: PageContext, access: WorkspaceAccess, control o: OwnControl, form: OwnForm?, errors: [FieldError], conflict: Bool = false) -> HTML {
        let shown = form ?? OwnForm(code: o.code, titleJa: o.titleJa, titleEn: o.titleEn, description: o.description, version: o.version)
        let base = c.w("/own-controls/\(o.id)")
        return Layout.page(c, title: "\(o.code) \(o.title(c.language))", """
        \(Components.pageHeader("\(o.code) \(o.title(c.language))", subtitle: c.t("ownControls.title"), actions: HTML("""
        <a class="button" href="\(c.w("/own-controls"))">\(c.t("ownControls.title"))</a>
        <a class="button" href="\(c.w("/soa/\(Components.encode(o.code))"))">\(c.t("ownControls.soaEntry"))</a>
        """)))
        \(HTML.when(conflict, HTML("<div class=\"flash warning\" role=\"alert\">\(c.t("form.conflict"))</div>")))
        <section class="card"><p class="prose">\(o.description ?? "—")</p></section>
        \(HTML.when(access.allows(.soaManage), HTML("""
        <section class="card"><h2>\(c.t("ownControls.edit"))</h2>
        \(Form.errorSummary(errors, c))
        \(Form.open(base, c, id: "edit-own-control"))\(Form.version(shown.version ?? o.version))
        \(ownFields(shown, errors, c))
        \(Form.submit(c.t("form.save")))
        \(Form.close())</section>
        <section class="card danger-zone"><h2>\(c.t("ownControls.delete"))</h2><p>\(c.t("ownControls.deleteHint"))</p>
        \(Form.open("\(base)/delete", c))\(Form.version(o.version))<div class="actions"><button type="submit" class="danger">\(c.t("form.delete"))</button></div>\(Form.close())</section>
        """)))
        """)
    }

    @Sendable func ownUpdate(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try ownID(req)
        let form = try req.content.decode(OwnForm.self)
        let controls = OwnControls(req.meguri)
        let c = try await PageContext.make(req)
        do {
            _ = try await controls.update(access, id, OwnControlInput(code: form.code, titleJa: form.titleJa, titleEn: form.titleEn, description: form.description ?? ""),
                                          expectedVersion: form.version, context: try req.context())
            return req.redirect(to: c.w("/own-controls/\(id)"), flash: req.t("form.saved"))
        } catch DomainError.invalid(let errors) {
            let current = try await controls.load(access, id)
            return try await PageResponse(status: .unprocessableEntity, html: ownPage(c, access: access, control: current, form: form, errors: errors)).encodeResponse(for: req)
        } catch DomainError.rule(let code, let params) {
            let current = try await controls.load(access, id)
            return try await PageResponse(status: .unprocessableEntity, html: ownPage(c, access: access, control: current, form: form,
                                                                                   errors: [FieldError(field: "code", code: code, params: params)])).encodeResponse(for: req)
        } catch DomainError.conflict {
            let current = try await controls.load(access, id)
            return try await PageResponse(status: .conflict, html: ownPage(c, access: access, control: current, form: nil, errors: [], conflict: true)).encodeResponse(for: req)
        }
    }

    @Sendable func ownDelete(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try ownID(req)
        let form = try req.content.decode(AssetPages.VersionForm.self)
        do {
            try await OwnControls(req.meguri).delete(access, id, expectedVersion: form.version, context: try req.context())
        } catch DomainError.rule(let code, let params) {
            let current = try await OwnControls(req.meguri).load(access, id)
            return try await PageResponse(status: .unprocessableEntity, html: ownPage(try await PageContext.make(req), access: access, control: current, form: nil,
                                                                                   errors: [FieldError(field: "code", code: code, params: params)])).encodeResponse(for: req)
        }
        return req.redirect(to: PageContext(request: req).w("/own-controls"), flash: req.t("ownControls.deleted"))
    }
}

/// Evidence as other pages show it: a card of linked items with an "add" link, link labels, validity.
enum EvidenceViews {
    static func size(_ bytes: Int) -> String {
        if bytes >= 1024 * 1024 { return String(format: "%.1f MB", Double(bytes) / 1_048_576) }
        if bytes >= 1024 { return String(format: "%.0f KB", Double(bytes) / 1024) }
        return "\(bytes) B"
    }

    static func path(_ link: EvidenceLink, _ c: PageContext) -> String {
        switch link.target {
        case .control: return c.w("/soa/\(Components.encode(link.id))")
        case .action: return c.w("/treatment-actions/\(link.id)")
        case .asset: return c.w("/assets/\(link.id)")
        case .risk: return c.w("/risks/\(link.id)")
        }
    }

    static func links(_ links: [EvidenceLink], _ c: PageContext) -> HTML {
        HTML(raw: links.map { link in
            let label = link.target == .control ? (link.id.first?.isNumber == true ? "A.\(link.id)" : link.id) : c.t("evidence.target.\(link.target.rawValue)")
            return "<a class=\"tag\" href=\"\(HTML.escape(path(link, c)))\">\(HTML.escape(label))</a>"
        }.joined(separator: " "))
    }

    static func validity(_ e: Evidence, today: CalendarDate, _ c: PageContext) -> HTML {
        guard let until = e.validUntil else { return HTML("<span class=\"muted\">\(c.t("evidence.noExpiry"))</span>") }
        let state = e.validity(on: today)
        return HTML("\(until.description)\(HTML.when(state != .valid, HTML(" <span class=\"badge \(state == .expired ? "expired" : "warning")\">\(c.t("evidence.validity.\(state.rawValue)"))</span>")))")
    }

    /// The evidence linked to one record, with a link to add more.
    static func card(_ c: PageContext, _ items: [Evidence], target: EvidenceLink, canAdd: Bool, today: CalendarDate) -> HTML {
        let rows: [HTML] = items.map { e in
            "<li><a href=\"\(c.w("/evidence/\(e.id)"))\">\(e.title)</a> <span class=\"muted small\">\(e.collectedOn.description)</span> \(validity(e, today: today, c))</li>"
        }
        return """
        <section class="card evidence"><h2>\(c.t("cap.evidence"))</h2>
        \(rows.isEmpty ? HTML("<p class=\"muted\">\(c.t("evidence.noneLinked"))</p>") : HTML("<ul>\(rows)</ul>"))
        \(HTML.when(canAdd, HTML("<p><a class=\"button\" href=\"\(c.w("/evidence"))?target=\(Components.encode(target.text))#new\">\(c.t("evidence.add"))</a></p>")))
        </section>
        """
    }

    /// A stored file as a download: always an attachment, never sniffed, the name kept in UTF-8.
    static func attachment(_ data: Data, _ e: Evidence) -> Response {
        let response = EvidenceDownload.response(data, name: e.fileName ?? "evidence", contentType: e.contentType ?? "application/octet-stream")
        response.headers.replaceOrAdd(name: "X-Evidence-SHA256", value: e.sha256 ?? "")
        return response
    }
}

/// A stored file served as an attachment that the browser will not run or sniff.
enum EvidenceDownload {
    static func response(_ data: Data, name: String, contentType: String) -> Response {
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.replaceOrAdd(name: .contentType, value: contentType)
        let ascii = String(name.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 ? Character($0) : "_" })
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ascii
        response.headers.replaceOrAdd(name: "Content-Disposition", value: "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; sandbox")
        return response
    }
}
