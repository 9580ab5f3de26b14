import Domain
import Features
import Foundation
import Storage
import Vapor

/// Nonconformity and corrective action (10.2): the register with its filters, and each record
/// with its correction, root cause (with "why ×5"), plan, effectiveness check and history.
struct NonconformityPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "w", ":slug", "nonconformities", access: .workspace(.auditsRead), use: list)
        routes.endpoint(.POST, "w", ":slug", "nonconformities", access: .workspace(.nonconformitiesManage), use: create)
        routes.endpoint(.GET, "w", ":slug", "nonconformities", ":ncID", access: .workspace(.auditsRead), use: show)
        routes.endpoint(.POST, "w", ":slug", "nonconformities", ":ncID", access: .workspace(.auditsRead), use: update)
        routes.endpoint(.POST, "w", ":slug", "nonconformities", ":ncID", "steps", access: .workspace(.auditsRead), use: step)
        routes.endpoint(.POST, "w", ":slug", "nonconformities", ":ncID", "delete", access: .workspace(.nonconformitiesManage), use: delete)
    }

    func ncID(_ req: Request) throws -> Nonconformity.ID { try req.id("ncID", Nonconformity.ID.self, entity: "nonconformity") }

    struct NCForm: Content {
        var source, severity, description, reference, correction, rootCause, actionPlan, owner, dueOn: String?
        var why1, why2, why3, why4, why5: String?
        var then: String?
        var version: Int?

        /// Only the fields the form showed: an owner's form has no source, description or owner.
        func input(_ req: Request, _ access: WorkspaceAccess, full: Bool) async throws -> NonconformityInput {
            var input = NonconformityInput(correction: correction ?? "", rootCause: rootCause ?? "", actionPlan: actionPlan ?? "", dueOn: dueOn ?? "",
                                           whys: [why1, why2, why3, why4, why5].map { $0 ?? "" })
            if full {
                input.source = source; input.severity = severity ?? ""; input.description = description; input.reference = reference ?? ""
                input.ownerID = .some(try await CheckActViews.person(owner, field: "owner", req, access))
            }
            return input
        }
    }

    struct Filters {
        var status, source, open, owner: String?
        var query = NonconformityQuery()
        var errors: [FieldError] = []
        init(_ req: Request) {
            status = req.queryValue("status").flatMap(Text.nonBlank)
            source = req.queryValue("source").flatMap(Text.nonBlank)
            open = req.queryValue("open").flatMap(Text.nonBlank)
            if let status { if let s = Nonconformity.Status(rawValue: status) { query.status = s } else { errors.append(FieldError(field: "status", code: "error.choice")) } }
            if let source { if let s = Nonconformity.Source(rawValue: source) { query.source = s } else { errors.append(FieldError(field: "source", code: "error.choice")) } }
            if open == "true" { query.openOnly = true }
            owner = req.queryValue("owner").flatMap(Text.nonBlank)
            if owner == "me" { query.ownerID = (try? req.access())?.user.id }
        }
    }

    @Sendable func list(_ req: Request) async throws -> PageResponse {
        PageResponse(status: .ok, html: try await listPage(req, form: NCForm(), errors: []))
    }

    func listPage(_ req: Request, form: NCForm, errors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        var filters = Filters(req)
        var page = Page<Nonconformity>(items: [], nextCursor: nil)
        do {
            let request = try req.listPage()
            if filters.errors.isEmpty { page = try await Nonconformities(req.meguri).list(access, query: filters.query, page: request) }
        } catch DomainError.invalid(let e) { filters.errors += e }
        let items = page.items
        let owners = try await People(req.meguri).load(try req.access(), items.compactMap(\.ownerID))
        let rows: [HTML] = items.map { n in
            let overdue = n.isOverdue(on: access.today)
            return """
            <tr><td class="nowrap"><a href="\(c.w("/nonconformities/\(n.id)"))">\(n.code)</a></td><td>\(Components.long(n.description))</td>
            <td class="nowrap">\(c.t("nc.source.\(n.source.rawValue)"))\(n.severity.map { HTML(" <span class=\"tag\">\(c.t("nc.severity.\($0.rawValue)"))</span>") })</td>
            <td class="nowrap">\(n.reference ?? "—")</td><td class="nowrap">\(CheckActViews.ncStatus(n.status, c))</td>
            <td class="nowrap">\(n.ownerID.flatMap { owners[$0]?.displayName } ?? "—")</td>
            <td class="nowrap\(overdue ? " stale" : "")">\(n.dueOn?.description ?? "—")\(HTML.when(overdue, HTML(" <span class=\"badge pending\">\(c.t("nc.overdue"))</span>")))</td></tr>
            """
        }
        let statuses = [(value: "", label: c.t("form.all"))] + Nonconformity.Status.allCases.map { (value: $0.rawValue, label: c.t("nc.status.\($0.rawValue)")) }
        let sources = [(value: "", label: c.t("form.all"))] + Nonconformity.Source.allCases.map { (value: $0.rawValue, label: c.t("nc.source.\($0.rawValue)")) }
        let filtered = filters.status != nil || filters.source != nil || filters.open != nil || filters.owner != nil
        return Layout.page(c, title: c.t("cap.nonconformities"), wide: true, """
        \(Components.pageHeader(c.t("cap.nonconformities"), subtitle: c.t("nc.intro")))
        \(Form.errorSummary(filters.errors, c))
        <form method="get" action="\(c.w("/nonconformities"))" class="filters" role="search">
        \(Form.select("status", c.t("field.status"), options: statuses, selected: filters.status, errors: filters.errors, c, id: "filter-status"))
        \(Form.select("source", c.t("nc.source"), options: sources, selected: filters.source, errors: filters.errors, c, id: "filter-source"))
        <label><input type="checkbox" name="open" value="true"\(filters.open == "true" ? HTML(" checked") : .empty)> \(c.t("nc.openOnly"))</label>
        <label><input type="checkbox" name="owner" value="me"\(filters.owner == "me" ? HTML(" checked") : .empty)> \(c.t("nc.mineOnly"))</label>
        <button type="submit">\(c.t("form.filter"))</button>
        </form>
        \(rows.isEmpty ? Components.empty(c.t(filtered ? "form.noMatches" : "nc.none")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("nc.code"))</th><th>\(c.t("nc.description"))</th><th>\(c.t("nc.source"))</th><th>\(c.t("nc.reference"))</th>
        <th>\(c.t("field.status"))</th><th>\(c.t("field.owner"))</th><th>\(c.t("field.dueOn"))</th></tr></thead><tbody>\(rows)</tbody></table>
        """))
        \(Components.pager(c, nextCursor: page.nextCursor, total: page.total, basePath: c.w("/nonconformities"), query: ["status": filters.status ?? "", "source": filters.source ?? "", "open": filters.open ?? "",
                                                                                                  "owner": filters.owner ?? ""]))
        \(HTML.when(access.allows(.nonconformitiesManage), HTML("""
        <section class="card" id="new"><h2>\(c.t("nc.new"))</h2>
        \(Form.errorSummary(errors, c))
        \(Form.open(c.w("/nonconformities"), c, id: "new-nc"))
        \(raiseFields(form, errors, c))
        \(Form.submit(c.t("nc.create")))
        \(Form.close())</section>
        """)))
        """)
    }

    func raiseFields(_ form: NCForm, _ errors: [FieldError], _ c: PageContext) -> HTML {
        let sources = Nonconformity.Source.allCases.map { (value: $0.rawValue, label: c.t("nc.source.\($0.rawValue)")) }
        let severities = [(value: "", label: "—")] + Nonconformity.Severity.allCases.map { (value: $0.rawValue, label: c.t("nc.severity.\($0.rawValue)")) }
        return """
        \(Form.textarea("description", c.t("nc.description"), value: form.description, errors: errors, c, rows: 3, hint: c.t("nc.descriptionHint")))
        <div class="row">
        \(Form.select("source", c.t("nc.source"), options: sources, selected: form.source ?? "other", errors: errors, c))
        \(Form.select("severity", c.t("nc.severity"), options: severities, selected: form.severity, errors: errors, c))
        \(Form.text("reference", c.t("nc.reference"), value: form.reference, errors: errors, c, hint: c.t("nc.referenceHint")))
        \(Form.text("owner", c.t("field.owner"), value: form.owner, errors: errors, c, type: "email", hint: c.t("hint.memberEmail")))
        </div>
        """
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let access = try req.access()
        return try await req.submit(NCForm.self) { form in
            var input = try await form.input(req, access, full: true)
            input.whys = nil
            let nc = try await Nonconformities(req.meguri).raise(access, input, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/nonconformities/\(nc.id)", flash: req.t("nc.created", ["code": nc.code]))
        } render: { form, errors in try await listPage(req, form: form, errors: errors) }
    }

    @Sendable func show(_ req: Request) async throws -> PageResponse {
        PageResponse(status: .ok, html: try await detail(req, form: nil, errors: []))
    }

    func detail(_ req: Request, form: NCForm?, errors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let state = try await Nonconformities(req.meguri).load(access, try ncID(req))
        let n = state.nonconformity
        let catalog = req.meguri.catalog
        let manages = access.allows(.nonconformitiesManage)
        let owner = n.ownerID == access.user.id
        let works = (manages || owner) && n.status != .closed
        let base = c.w("/nonconformities/\(n.id)")
        func name(_ id: User.ID?) -> String { id.flatMap { state.people[$0]?.displayName } ?? "—" }
        func row(_ key: String, _ value: HTML?) -> HTML { "<dt>\(c.t(key))</dt><dd>\(value ?? "—")</dd>" }
        func prose(_ text: String?) -> HTML? { text.map { HTML("<span class=\"prose\">\($0)</span>") } }
        let ownerEmail = try await CheckActViews.emails([n.ownerID].compactMap { $0 }, req)
        let shown = form ?? NCForm(source: n.source.rawValue, severity: n.severity?.rawValue, description: n.description, reference: n.reference, correction: n.correction,
                                   rootCause: n.rootCause, actionPlan: n.actionPlan, owner: ownerEmail,
                                   dueOn: n.dueOn?.description, why1: n.whys.count > 0 ? n.whys[0] : nil, why2: n.whys.count > 1 ? n.whys[1] : nil,
                                   why3: n.whys.count > 2 ? n.whys[2] : nil, why4: n.whys.count > 3 ? n.whys[3] : nil, why5: n.whys.count > 4 ? n.whys[4] : nil,
                                   version: n.version)
        let whyFields: [HTML] = (1...5).map { i in
            let value = [shown.why1, shown.why2, shown.why3, shown.why4, shown.why5][i - 1]
            return Form.text("why\(i)", c.t("nc.why", ["n": String(i)]), value: value, errors: errors, c)
        }
        let similar: [HTML] = state.similar.prefix(20).map { s in
            "<li><a href=\"\(c.w("/nonconformities/\(s.id)"))\">\(s.code)</a> \(CheckActViews.ncStatus(s.status, c)) \(String(s.description.prefix(100))) <span class=\"small\">(\(s.raisedOn.description))</span></li>"
        }
        let history: [HTML] = n.history.reversed().map { e in
            "<li><span class=\"small\">\(c.timestamp(e.at))</span> \(c.t("nc.event.\(e.action)")) — \(name(e.by))\(e.note.map { HTML(": <span class=\"prose\">\($0)</span>") })</li>"
        }
        var steps: [HTML] = []
        if works && n.status == .open {
            steps.append("\(Form.open("\(base)/steps", c))\(Form.hidden("step", "plan"))<button type=\"submit\" class=\"primary\">\(c.t("nc.step.plan"))</button><p class=\"hint\">\(c.t("nc.step.planHint"))</p>\(Form.close())")
        }
        if works && n.status == .planned {
            steps.append("""
            \(Form.open("\(base)/steps", c, id: "implement"))\(Form.hidden("step", "implement"))
            \(Form.text("implementedOn", c.t("nc.implementedOn"), value: access.today.description, errors: errors, c, type: "date", required: true))
            <button type="submit" class="primary">\(c.t("nc.step.implement"))</button>\(Form.close())
            """)
        }
        if n.status == .implemented && access.allows(.nonconformitiesVerify) && !owner {
            steps.append("""
            \(Form.open("\(base)/steps", c, id: "verify"))\(Form.hidden("step", "verify"))
            \(Form.textarea("verificationNote", c.t("nc.verificationNote"), value: nil, errors: errors, c, rows: 3, hint: c.t("nc.verificationHint")))
            <div class="actions"><button type="submit" name="effective" value="true" class="primary">\(c.t("nc.step.effective"))</button>
            <button type="submit" name="effective" value="false">\(c.t("nc.step.ineffective"))</button></div>\(Form.close())
            """)
        }
        if n.status == .implemented && owner { steps.append("<p class=\"hint\">\(c.t("nc.waitingForVerification"))</p>") }
        if n.status == .closed && manages {
            steps.append("""
            <details><summary>\(c.t("nc.step.reopen"))</summary>\(Form.open("\(base)/steps", c, id: "reopen"))\(Form.hidden("step", "reopen"))
            \(Form.textarea("reason", c.t("nc.reopenReason"), value: nil, errors: errors, c, rows: 2))
            <button type="submit">\(c.t("nc.step.reopen"))</button>\(Form.close())</details>
            """)
        }
        return Layout.page(c, title: "\(n.code) \(c.t("cap.nonconformities"))", wide: true, """
        \(Components.pageHeader("\(n.code) — \(String(n.description.prefix(60)))", subtitle: c.t("nc.source.\(n.source.rawValue)"), actions: HTML("""
        <a class="button" href="\(c.w("/nonconformities"))">\(c.t("nc.back"))</a>
        \(n.auditID.map { HTML("<a class=\"button\" href=\"\(c.w("/audits/\($0)"))\">\(c.t("nc.toAudit"))</a>") })
        \(HTML.when(access.allows(.auditTrailRead), "<a class=\"button\" href=\"\(c.w("/history/nonconformity/\(n.id)"))\">\(c.t("audit.history"))</a>"))
        """)))
        \(Form.errorSummary(errors, c))
        <section class="card"><dl class="facts">
        \(row("field.status", CheckActViews.ncStatus(n.status, c)))
        \(row("nc.description", prose(n.description)))
        \(row("nc.severity", n.severity.map { HTML("\(c.t("nc.severity.\($0.rawValue)"))") }))
        \(row("nc.reference", CheckActViews.requirement(n.reference, c, catalog)))
        \(row("nc.raised", HTML("\(n.raisedOn.description) · \(name(n.raisedBy))")))
        \(row("field.owner", HTML("\(name(n.ownerID))")))
        \(row("field.dueOn", n.dueOn.map { HTML("\($0.description)\(HTML.when(n.isOverdue(on: access.today), HTML(" <span class=\"badge pending\">\(c.t("nc.overdue"))</span>")))") }))
        \(row("nc.implementedOn", n.implementedOn.map { HTML("\($0.description)") }))
        \(row("nc.verification", n.verification.map { v in HTML("\(v.effective ? c.t("nc.effective") : c.t("nc.ineffective")) · \(v.on.description) · \(name(v.by))<br><span class=\"prose\">\(v.note)</span>") }))
        \(row("nc.closedOn", n.closedOn.map { HTML("\($0.description)") }))
        </dl>
        \(HTML.when(!steps.isEmpty, HTML("<div class=\"steps\">\(steps.joined())</div>")))
        </section>
        \(works ? HTML("""
        <section class="card" id="work"><h2>\(c.t("nc.correctiveAction"))</h2>
        \(Form.open(base, c, id: "nc-form"))\(Form.version(n.version))
        \(HTML.when(manages, raiseFields(shown, errors, c)))
        \(Form.textarea("correction", c.t("nc.correction"), value: shown.correction, errors: errors, c, rows: 2, hint: c.t("nc.correctionHint")))
        <fieldset class="field"><legend>\(c.t("nc.whys"))</legend><p class="hint">\(c.t("nc.whysHint"))</p>\(whyFields.joined())</fieldset>
        \(Form.textarea("rootCause", c.t("nc.rootCause"), value: shown.rootCause, errors: errors, c, rows: 2))
        \(Form.textarea("actionPlan", c.t("nc.actionPlan"), value: shown.actionPlan, errors: errors, c, rows: 3, hint: c.t("nc.actionPlanHint")))
        \(Form.text("dueOn", c.t("field.dueOn"), value: shown.dueOn, errors: errors, c, type: "date"))
        <div class="actions"><button type="submit" class="primary">\(c.t("form.save"))</button>
        \(HTML.when(n.status == .open, HTML("<button type=\"submit\" name=\"then\" value=\"plan\">\(c.t("nc.saveAndPlan"))</button>")))</div>\(Form.close())
        \(HTML.when(manages && n.isUntouched && n.findingID == nil, HTML("\(Form.open("\(base)/delete", c))<button type=\"submit\" class=\"link danger\">\(c.t("nc.delete"))</button>\(Form.close())")))
        </section>
        """) : HTML("""
        <section class="card"><h2>\(c.t("nc.correctiveAction"))</h2><dl class="facts">
        \(row("nc.correction", prose(n.correction)))
        \(row("nc.whys", n.whys.isEmpty ? nil : HTML("<ol>\(n.whys.map { HTML("<li>\($0)</li>") })</ol>")))
        \(row("nc.rootCause", prose(n.rootCause)))
        \(row("nc.actionPlan", prose(n.actionPlan)))
        </dl></section>
        """))
        <section class="card"><h2>\(c.t("nc.similar"))</h2>
        \(similar.isEmpty ? HTML("<p class=\"small\">\(c.t(n.reference == nil ? "nc.similarNeedsReference" : "nc.similarNone"))</p>") : HTML("<ul>\(similar)</ul>"))</section>
        <section class="card"><h2>\(c.t("nc.history"))</h2><ul class="history">\(history)</ul></section>
        """)
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try ncID(req)
        return try await req.submit(NCForm.self) { form in
            let input = try await form.input(req, access, full: access.allows(.nonconformitiesManage))
            _ = try await Nonconformities(req.meguri).update(access, id, input, expectedVersion: form.version, context: try req.context())
            let path = "/w/\(access.workspace.slug)/nonconformities/\(id)"
            if form.then == "plan" {
                let nc = try await Nonconformities(req.meguri).step(access, id, .plan, context: try req.context())
                return Submitted(path: path, flash: req.t("nc.stepped", ["status": req.t("nc.status.\(nc.status.rawValue)")]))
            }
            return Submitted(path: path, flash: req.t("form.saved"))
        } render: { form, errors in try await detail(req, form: form, errors: errors) }
    }

    struct StepForm: Content { var step, implementedOn, effective, verificationNote, reason: String? }

    @Sendable func step(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try ncID(req)
        return try await req.submit(StepForm.self) { form in
            let step: CorrectiveAction.Step
            switch form.step {
            case "plan": step = .plan
            case "implement":
                guard let day = Text.nonBlank(form.implementedOn).flatMap(CalendarDate.init) else { throw DomainError.invalid(field: "implementedOn", code: "error.date") }
                step = .implement(on: day)
            case "verify": step = .verify(effective: form.effective == "true", note: form.verificationNote ?? "")
            case "reopen": step = .reopen(reason: form.reason ?? "")
            default: throw DomainError.invalid(field: "step", code: "error.choice")
            }
            let nc = try await Nonconformities(req.meguri).step(access, id, step, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/nonconformities/\(id)", flash: req.t("nc.stepped", ["status": req.t("nc.status.\(nc.status.rawValue)")]))
        } render: { _, errors in try await detail(req, form: nil, errors: errors) }
    }

    struct NoFields: Content {}

    @Sendable func delete(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try ncID(req)
        return try await req.submit(NoFields.self) { _ in
            try await Nonconformities(req.meguri).delete(access, id, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/nonconformities", flash: req.t("nc.deleted"))
        } render: { _, errors in try await detail(req, form: nil, errors: errors) }
    }
}
