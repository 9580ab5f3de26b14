import Domain
import Features
import Foundation
import Storage
import Vapor

/// The risk treatment plan: actions with owner, due date and status, each linked to risks and
/// Annex A controls; an action's page where its owner reports progress.
struct TreatmentPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "w", ":slug", "treatment-plan", access: .workspace(.risksRead), use: list)
        routes.endpoint(.POST, "w", ":slug", "treatment-plan", access: .workspace(.risksManage), use: create)
        routes.endpoint(.GET, "w", ":slug", "treatment-plan", "export", access: .workspace(.risksRead), use: export)
        routes.endpoint(.GET, "w", ":slug", "treatment-actions", ":actionID", access: .workspace(.risksRead), use: show)
        routes.endpoint(.POST, "w", ":slug", "treatment-actions", ":actionID", access: .workspace(.risksRead), use: update)
        routes.endpoint(.POST, "w", ":slug", "treatment-actions", ":actionID", "delete", access: .workspace(.risksManage), use: delete)
    }

    func actionID(_ req: Request) throws -> TreatmentAction.ID { try req.id("actionID", TreatmentAction.ID.self, entity: "treatment_action") }

    struct Filters {
        var status, owner, overdue, assessment, sort: String?

        init(_ req: Request) {
            func value(_ name: String) -> String? { req.queryValue(name).flatMap(Text.nonBlank) }
            status = value("status"); owner = value("owner"); overdue = value("overdue"); assessment = value("assessment"); sort = value("sort")
        }

        func query(me: User.ID, today: CalendarDate, people: [String: User.ID]) throws -> ActionQuery {
            var v = Validator()
            var query = ActionQuery()
            if let status { if let s = TreatmentAction.Status(rawValue: status) { query.status = s } else { v.add("status", "error.choice") } }
            if let owner {
                if owner == "me" { query.ownerID = me } else if let id = User.ID(owner) ?? people[owner.lowercased()] { query.ownerID = id } else {
                    v.add("owner", "error.unknownMemberEmail", ["value": owner])
                }
            }
            if overdue != nil { query.dueBefore = today; query.openOnly = true }
            if let assessment { if let id = RiskAssessment.ID(assessment) { query.assessmentID = id } else { v.add("assessment", "error.format") } }
            if let sort { if let parsed = ActionQuery.Sort(rawValue: sort) { query.sort = parsed } else { v.add("sort", "error.choice") } }
            try v.check()
            return query
        }

        var parameters: [String: String] { ["status": status ?? "", "owner": owner ?? "", "overdue": overdue ?? "", "assessment": assessment ?? "", "sort": sort ?? ""] }

        var queryString: String {
            parameters.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { "\($0.key)=\(Components.encode($0.value))" }.joined(separator: "&")
        }
    }

    /// The new-action form as typed: risks by code within one assessment, controls as `5.15, 8.5`.
    struct ActionForm: Content {
        var title, assessment, risks, controls, owner, dueOn, status, completionNote, evidenceLink: String?
        var version: Int?

        func input(_ req: Request, _ access: WorkspaceAccess, includeLinks: Bool = true) async throws -> ActionInput {
            var v = Validator()
            var input = ActionInput(title: title, dueOn: dueOn ?? "", status: status, completionNote: completionNote ?? "", evidenceLink: evidenceLink ?? "")
            if includeLinks {
                input.controls = Self.split(controls)
                let codes = Self.split(risks)
                if !codes.isEmpty {
                    if let raw = assessment, let id = RiskAssessment.ID(raw) {
                        do { input.riskIDs = try await TreatmentActions(req.meguri).riskIDs(access, codes: codes, assessment: id, field: "risks") } catch DomainError.invalid(let e) {
                            v.merge(e)
                        }
                    } else {
                        v.add("assessment", "error.unknownAssessment")
                    }
                } else {
                    input.riskIDs = []
                }
            }
            if let email = Text.nonBlank(owner) {
                if let user = try await AssetPages.people(req, access)[email.lowercased()] { input.ownerID = .some(user) } else {
                    v.add("owner", "error.unknownMemberEmail", ["value": email])
                }
            } else {
                input.ownerID = .some(nil)
            }
            try v.check()
            return input
        }

        static func split(_ text: String?) -> [String] {
            (text ?? "").split(whereSeparator: { $0 == "," || $0 == "、" || $0 == " " || $0 == "\n" }).map(String.init)
        }
    }

    static func formErrors(_ errors: [FieldError]) -> [FieldError] {
        errors.map { var e = $0; e.field = ["ownerId": "owner", "riskIds": "risks"][e.field] ?? e.field; return e }
    }

    @Sendable func list(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let prefill = ActionForm(assessment: req.queryValue("assessment"), risks: req.queryValue("risk"))
        return try await listPage(req, c: c, access: access, form: prefill, formErrors: [])
    }

    func listPage(_ req: Request, c: PageContext, access: WorkspaceAccess, form: ActionForm, formErrors: [FieldError]) async throws -> PageResponse {
        let filters = Filters(req)
        var errors: [FieldError] = []
        var page = Page<TreatmentAction>(items: [], nextCursor: nil)
        let actions = TreatmentActions(req.meguri)
        do {
            let query = try filters.query(me: access.user.id, today: access.today, people: try await AssetPages.people(req, access, owner: filters.owner))
            let request = try req.listPage()
            page = try await actions.list(access, query: query, page: request)
        } catch DomainError.invalid(let e) { errors = e }
        let assessments = try await RiskAssessments(req.meguri).list(access)
        let items = page.items
        let (users, risks) = try await actions.lookups(access, items)
        var methods: [RiskAssessment.ID: RiskMethod] = [:]
        for assessment in assessments where Set(risks.values.map(\.assessmentID)).contains(assessment.id) {
            methods[assessment.id] = try await RiskAssessments(req.meguri).method(access, of: assessment)
        }
        let rows: [HTML] = page.items.map { a in
            let overdue = a.isOpen && (a.dueOn.map { $0 < access.today } ?? false)
            // Both levels of the action's highest risk: inherent (before treatment) and residual (after).
            let own = a.riskIDs.compactMap { risks[$0] }
            let highestInherent = own.max { ($0.inherentScore ?? 0) < ($1.inherentScore ?? 0) }
            let highestResidual = own.filter { $0.residualScore != nil }.max { ($0.residualScore ?? 0) < ($1.residualScore ?? 0) }
            let inherent: HTML = highestInherent.flatMap { r in methods[r.assessmentID].map { RiskPages.levelBadge(c, $0, r.inherentLevel, r.inherentScore) } } ?? "—"
            let residual: HTML = highestResidual.flatMap { r in methods[r.assessmentID].map { RiskPages.levelBadge(c, $0, r.residualLevel, r.residualScore) } } ?? "—"
            let linked: [HTML] = a.riskIDs.compactMap { risks[$0] }.sorted { $0.code < $1.code }.map { "<a href=\"\(c.w("/risks/\($0.id)"))\">\($0.code)</a>" }
            return """
            <tr><td><a href="\(c.w("/treatment-actions/\(a.id)"))">\(Components.long(a.title))</a></td><td>\(linked.isEmpty ? HTML("—") : HTML(raw: linked.map(\.rendered).joined(separator: ", ")))</td><td class="nowrap">\(inherent)</td><td class="nowrap">\(residual)</td>
            <td>\(a.controls.isEmpty ? "—" : a.controls.map { "A.\($0)" }.joined(separator: ", "))</td><td class="nowrap">\(a.ownerID.flatMap { users[$0]?.displayName } ?? "—")</td>
            <td class="nowrap\(overdue ? " stale" : "")">\(a.dueOn?.description ?? "—")\(HTML.when(overdue, " <span class=\"badge expired\">\(c.t("plan.overdue"))</span>"))</td>
            <td class="nowrap"><span class="badge action-\(a.status.rawValue)">\(c.t("plan.status.\(a.status.rawValue)"))</span></td></tr>
            """
        }
        let statusOptions = [(value: "", label: c.t("form.all"))] + TreatmentAction.Status.allCases.map { (value: $0.rawValue, label: c.t("plan.status.\($0.rawValue)")) }
        let assessmentFilter = [(value: "", label: c.t("form.all"))] + assessments.map { (value: $0.id.description, label: $0.name) }
        let assessmentOptions = assessments.map { (value: $0.id.description, label: $0.name) }
        let filtered = !filters.parameters.values.allSatisfy(\.isEmpty)
        let html = Layout.page(c, title: c.t("cap.riskTreatment"), wide: true, """
        \(Components.pageHeader(c.t("cap.riskTreatment"), subtitle: c.t("plan.intro"), actions: HTML("""
        <a class="button" href="\(c.w("/treatment-plan/export"))?format=csv\(filters.queryString.isEmpty ? "" : "&" + filters.queryString)" download>CSV</a>
        <a class="button" href="\(c.w("/treatment-plan/export"))?format=xlsx\(filters.queryString.isEmpty ? "" : "&" + filters.queryString)" download>Excel</a>
        """)))
        \(Form.errorSummary(errors, c))
        <form method="get" action="\(c.w("/treatment-plan"))" class="filters" role="search">
        \(Form.select("status", c.t("field.status"), options: statusOptions, selected: filters.status, errors: errors, c, id: "filter-status"))
        \(Form.select("assessment", c.t("cap.riskAssessment"), options: assessmentFilter, selected: filters.assessment, errors: errors, c, id: "filter-assessment"))
        \(Form.text("owner", c.t("field.owner"), value: filters.owner, errors: errors, c, type: "search", hint: c.t("audit.personHint"), id: "filter-owner"))
        \(Form.select("sort", c.t("form.sort"), options: ActionQuery.Sort.allCases.map { (value: $0.rawValue, label: c.t("plan.sort.\($0.rawValue)")) },
                      selected: filters.sort ?? "due", errors: errors, c, id: "filter-sort"))
        <div class="checkbox"><input type="checkbox" id="f-overdue" name="overdue" value="1"\(filters.overdue != nil ? HTML(" checked") : .empty)><label for="f-overdue">\(c.t("plan.overdueOnly"))</label></div>
        <button type="submit">\(c.t("form.filter"))</button>
        </form>
        \(rows.isEmpty ? Components.empty(c.t(filtered ? "form.noMatches" : "plan.none")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("field.title"))</th><th>\(c.t("plan.risks"))</th><th>\(c.t("plan.inherentLevel"))</th><th>\(c.t("plan.residualLevel"))</th><th>\(c.t("field.controls"))</th><th>\(c.t("field.owner"))</th><th>\(c.t("field.dueOn"))</th><th>\(c.t("field.status"))</th></tr></thead>
        <tbody>\(rows)</tbody></table>
        """))
        \(Components.pager(c, nextCursor: page.nextCursor, total: page.total, basePath: c.w("/treatment-plan"), query: filters.parameters))
        \(HTML.when(access.allows(.risksManage), HTML("""
        <section class="card" id="new"><h2>\(c.t("plan.new"))</h2>
        \(Form.errorSummary(formErrors, c))
        \(Form.open(c.w("/treatment-plan"), c, id: "new-action"))
        \(Form.text("title", c.t("field.title"), value: form.title, errors: formErrors, c, required: true))
        <div class="row">
        \(Form.select("assessment", c.t("cap.riskAssessment"), options: assessmentOptions, selected: form.assessment ?? assessments.first?.id.description, errors: formErrors, c))
        \(Form.text("risks", c.t("plan.risks"), value: form.risks, errors: formErrors, c, hint: c.t("plan.risksHint")))
        \(Form.text("controls", c.t("field.controls"), value: form.controls, errors: formErrors, c, hint: c.t("risk.controlsHint")))
        </div>
        <div class="row">
        \(Form.text("owner", c.t("field.owner"), value: form.owner, errors: formErrors, c, type: "email", hint: c.t("hint.memberEmail")))
        \(Form.text("dueOn", c.t("field.dueOn"), value: form.dueOn, errors: formErrors, c, type: "date"))
        </div>
        \(Form.submit(c.t("plan.create")))
        \(Form.close())
        </section>
        """)))
        """)
        return PageResponse(status: errors.isEmpty ? .ok : .unprocessableEntity, html: html)
    }

    @Sendable func export(_ req: Request) async throws -> Response {
        let access = try req.access()
        let format = try Exporting.format(req)
        let filters = Filters(req)
        let query = try filters.query(me: access.user.id, today: access.today, people: try await AssetPages.people(req, access, owner: filters.owner))
        let data = try await TreatmentActions(req.meguri).export(access, query: query, format: format, language: Exporting.language(req),
                                                                 encoding: try Exporting.encoding(req))
        return Exporting.file(data, name: "treatment-plan-\(access.workspace.slug)-\(access.today)", format: format)
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(ActionForm.self)
        let c = PageContext(request: req)
        do {
            let action = try await TreatmentActions(req.meguri).create(access, try await form.input(req, access), context: try req.context())
            return req.redirect(to: c.w("/treatment-actions/\(action.id)"), flash: req.t("plan.created"))
        } catch DomainError.invalid(let errors) {
            let page = try await listPage(req, c: try await PageContext.make(req), access: access, form: form, formErrors: Self.formErrors(errors))
            return try await PageResponse(status: .unprocessableEntity, html: page.html).encodeResponse(for: req)
        } catch DomainError.forbiddenBecause(let code) {
            let page = try await listPage(req, c: try await PageContext.make(req), access: access, form: form, formErrors: [FieldError(field: "risks", code: code)])
            return try await PageResponse(status: .forbidden, html: page.html).encodeResponse(for: req)
        }
    }

    @Sendable func show(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let action = try await TreatmentActions(req.meguri).load(access, try actionID(req))
        let c = try await PageContext.make(req)
        return PageResponse(status: .ok, html: try await detail(req, c: c, access: access, action: action, form: nil, errors: []))
    }

    func detail(_ req: Request, c: PageContext, access: WorkspaceAccess, action: TreatmentAction, form: ActionForm?, errors: [FieldError], conflict: Bool = false) async throws -> HTML {
        let (users, risks) = try await TreatmentActions(req.meguri).lookups(access, [action])
        let assessments = try await RiskAssessments(req.meguri).list(access)
        let assessmentOfRisks = risks.values.first?.assessmentID ?? assessments.first?.id
        let owner = action.ownerID.flatMap { users[$0] }
        let isOwner = action.ownerID == access.user.id
        let plans = access.allows(.risksManage)
        let shown = form ?? ActionForm(title: action.title, assessment: assessmentOfRisks?.description,
                                       risks: action.riskIDs.compactMap { risks[$0]?.code }.sorted().joined(separator: ", "),
                                       controls: action.controls.joined(separator: ", "), owner: owner?.email, dueOn: action.dueOn?.description,
                                       status: action.status.rawValue, completionNote: action.completionNote, evidenceLink: action.evidenceLink, version: action.version)
        let base = c.w("/treatment-actions/\(action.id)")
        let statusOptions = TreatmentAction.Status.allCases.map { (value: $0.rawValue, label: c.t("plan.status.\($0.rawValue)")) }
        let linked: [HTML] = action.riskIDs.compactMap { risks[$0] }.sorted { $0.code < $1.code }.map { "<a href=\"\(c.w("/risks/\($0.id)"))\">\($0.code)</a>" }
        let evidence = try await EvidenceFiles(req.meguri).linked(access, to: EvidenceLink(.action, action.id.description))
        func row(_ key: String, _ value: HTML?) -> HTML { "<dt>\(c.t(key))</dt><dd>\(value ?? "—")</dd>" }
        return Layout.page(c, title: action.title, """
        \(Components.pageHeader(action.title, subtitle: c.t("cap.riskTreatment"), actions: HTML("""
        <a class="button" href="\(c.w("/treatment-plan"))">\(c.t("plan.backToPlan"))</a>
        \(HTML.when(access.allows(.auditTrailRead), "<a class=\"button\" href=\"\(c.w("/history/treatment_action/\(action.id)"))\">\(c.t("audit.history"))</a>"))
        """)))
        \(HTML.when(conflict, HTML("<div class=\"flash warning\" role=\"alert\">\(c.t("form.conflict"))</div>")))
        <section class="card"><dl class="facts">
        \(row("plan.risks", linked.isEmpty ? nil : HTML(raw: linked.map(\.rendered).joined(separator: ", "))))
        \(row("field.controls", action.controls.isEmpty ? nil : ControlList.html(c, req.meguri.catalog, action.controls)))
        \(row("field.owner", owner.map { HTML("\($0.displayName) &lt;\($0.email)&gt;") }))
        \(row("field.dueOn", action.dueOn.map { d -> HTML in "\(d.description)" }))
        \(row("field.status", HTML("<span class=\"badge action-\(action.status.rawValue)\">\(c.t("plan.status.\(action.status.rawValue)"))</span>")))
        \(row("field.completionNote", action.completionNote.map { HTML("<span class=\"prose\">\($0)</span>") }))
        \(row("field.evidenceLink", action.evidenceLink.map { HTML("<a href=\"\($0)\" rel=\"noopener noreferrer\">\($0)</a>") }))
        </dl></section>
        \(HTML.when(plans || isOwner, HTML("""
        <section class="card"><h2>\(c.t(plans ? "plan.edit" : "plan.report"))</h2>
        \(Form.errorSummary(errors, c))
        \(Form.open(base, c))\(Form.version(shown.version ?? action.version))
        \(HTML.when(plans, HTML("""
        \(Form.text("title", c.t("field.title"), value: shown.title, errors: errors, c, required: true))
        <div class="row">
        \(Form.select("assessment", c.t("cap.riskAssessment"), options: assessments.map { (value: $0.id.description, label: $0.name) }, selected: shown.assessment, errors: errors, c))
        \(Form.text("risks", c.t("plan.risks"), value: shown.risks, errors: errors, c, hint: c.t("plan.risksHint")))
        \(Form.text("controls", c.t("field.controls"), value: shown.controls, errors: errors, c, hint: c.t("risk.controlsHint")))
        </div>
        <div class="row">
        \(Form.text("owner", c.t("field.owner"), value: shown.owner, errors: errors, c, type: "email", hint: c.t("hint.memberEmail")))
        \(Form.text("dueOn", c.t("field.dueOn"), value: shown.dueOn, errors: errors, c, type: "date"))
        </div>
        """)))
        \(Form.select("status", c.t("field.status"), options: statusOptions, selected: shown.status, errors: errors, c))
        \(Form.textarea("completionNote", c.t("field.completionNote"), value: shown.completionNote, errors: errors, c, rows: 3, hint: c.t("plan.completionHint")))
        \(Form.text("evidenceLink", c.t("field.evidenceLink"), value: shown.evidenceLink, errors: errors, c, type: "url", hint: c.t("plan.evidenceHint")))
        \(Form.submit(c.t("form.save")))
        \(Form.close())
        </section>
        """)))
        \(HTML.when(access.allows(.evidenceRead), EvidenceViews.card(c, evidence, target: EvidenceLink(.action, action.id.description), canAdd: access.allows(.evidenceManage), today: access.today)))
        \(HTML.when(plans, HTML("""
        <section class="card danger-zone"><h2>\(c.t("plan.delete"))</h2>
        \(Form.open("\(base)/delete", c))\(Form.version(action.version))<div class="actions"><button type="submit" class="danger">\(c.t("form.delete"))</button></div>\(Form.close())</section>
        """)))
        """)
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try actionID(req)
        let form = try req.content.decode(ActionForm.self)
        let actions = TreatmentActions(req.meguri)
        let current = try await actions.load(access, id)
        let c = try await PageContext.make(req)
        let plans = access.allows(.risksManage)
        do {
            var input = try await form.input(req, access, includeLinks: plans)
            if !plans { input.title = nil; input.ownerID = nil; input.dueOn = nil }
            _ = try await actions.update(access, id, input, expectedVersion: form.version, context: try req.context())
            return req.redirect(to: c.w("/treatment-actions/\(id)"), flash: req.t("form.saved"))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: detail(req, c: c, access: access, action: current, form: form,
                                                                                  errors: Self.formErrors(errors))).encodeResponse(for: req)
        } catch DomainError.conflict {
            let latest = try await actions.load(access, id)
            return try await PageResponse(status: .conflict, html: detail(req, c: c, access: access, action: latest, form: nil, errors: [], conflict: true))
                .encodeResponse(for: req)
        }
    }

    @Sendable func delete(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try actionID(req)
        let form = try req.content.decode(AssetPages.VersionForm.self)
        try await TreatmentActions(req.meguri).delete(access, id, expectedVersion: form.version, context: try req.context())
        return req.redirect(to: PageContext(request: req).w("/treatment-plan"), flash: req.t("plan.deleted"))
    }
}
