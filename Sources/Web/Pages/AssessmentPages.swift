import Domain
import Features
import Foundation
import Storage
import Vapor

/// Yearly risk assessments: the list, a new cycle (optionally carried forward from last year), and
/// one cycle's page with its approval, the difference from last year, heat maps and risk register.
struct AssessmentPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "w", ":slug", "risk-assessments", access: .workspace(.risksRead), use: list)
        routes.endpoint(.POST, "w", ":slug", "risk-assessments", access: .workspace(.riskMethodManage), use: create)
        routes.endpoint(.GET, "w", ":slug", "risk-assessments", ":assessmentID", access: .workspace(.risksRead), use: show)
        routes.endpoint(.POST, "w", ":slug", "risk-assessments", ":assessmentID", access: .workspace(.riskMethodManage), use: update)
        routes.endpoint(.POST, "w", ":slug", "risk-assessments", ":assessmentID", "submit", access: .workspace(.riskMethodManage), use: submit)
        routes.endpoint(.POST, "w", ":slug", "risk-assessments", ":assessmentID", "approve", access: .workspace(.assessmentApprove), use: approve)
        routes.endpoint(.POST, "w", ":slug", "risk-assessments", ":assessmentID", "return", access: .workspace(.riskMethodManage), use: returnToDraft)
        routes.endpoint(.POST, "w", ":slug", "risk-assessments", ":assessmentID", "send-back", access: .workspace(.assessmentApprove), use: returnToDraft)
        routes.endpoint(.GET, "w", ":slug", "risk-assessments", ":assessmentID", "report", access: .workspace(.risksRead), use: report)
        routes.endpoint(.GET, "w", ":slug", "risk-assessments", ":assessmentID", "export", access: .workspace(.risksRead), use: export)
        routes.endpoint(.GET, "w", ":slug", "risk-assessments", ":assessmentID", "import", access: .workspace(.risksManage), use: importForm)
        routes.importSteps(["w", ":slug", "risk-assessments", ":assessmentID"], access: .workspace(.risksManage), maxSize: "25mb", flow: importFlow)
        routes.endpoint(.GET, "w", ":slug", "risk-assessments", ":assessmentID", "risks", "new", access: .workspace(.risksManage), use: RiskPages().newForm)
        routes.endpoint(.POST, "w", ":slug", "risk-assessments", ":assessmentID", "risks", "new", access: .workspace(.risksManage), use: RiskPages().create)
    }

    func assessmentID(_ req: Request) throws -> RiskAssessment.ID { try req.id("assessmentID", RiskAssessment.ID.self, entity: "risk_assessment") }

    struct CreateForm: Content { var name, startsOn, endsOn, previousId: String? }

    @Sendable func list(_ req: Request) async throws -> HTML {
        try await listPage(req, form: CreateForm(), errors: [])
    }

    func listPage(_ req: Request, form: CreateForm, errors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        try await RiskSetup.ensure(access, services: req.meguri, context: try req.context())
        let c = try await PageContext.make(req)
        let assessments = try await RiskAssessments(req.meguri).list(access)
        let rows: [HTML] = assessments.map { a in
            """
            <tr><td><a href="\(c.w("/risk-assessments/\(a.id)"))">\(a.name)</a></td><td>\(a.startsOn?.description ?? "—") – \(a.endsOn?.description ?? "—")</td>
            <td><span class="badge status-\(a.status.rawValue)">\(c.t("assessment.status.\(a.status.rawValue)"))</span></td><td>\(a.approvedAt.map(c.date) ?? "—")</td></tr>
            """
        }
        let fy = access.workspace.fiscalYearStart(containing: access.today)
        let suggested = CreateForm(name: c.t("assessment.defaultName", ["year": String(fy.year)]), startsOn: fy.description,
                                   endsOn: CalendarDate(year: fy.year + 1, month: fy.month, day: 1)!.adding(days: -1).description,
                                   previousId: assessments.first?.id.description)
        let shown = form.name == nil ? suggested : form
        let previousOptions = [(value: "", label: c.t("assessment.startEmpty"))] + assessments.map { (value: $0.id.description, label: c.t("assessment.carryFrom", ["name": $0.name])) }
        return Layout.page(c, title: c.t("cap.riskAssessment"), """
        \(Components.pageHeader(c.t("cap.riskAssessment"), subtitle: c.t("assessment.intro"),
                                actions: "<a class=\"button\" href=\"\(c.w("/risk-method"))\">\(c.t("cap.riskMethod"))</a><a class=\"button\" href=\"\(c.w("/treatment-plan"))\">\(c.t("cap.riskTreatment"))</a>"))
        \(rows.isEmpty ? Components.empty(c.t("assessment.none")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("field.name"))</th><th>\(c.t("assessment.period"))</th><th>\(c.t("field.status"))</th><th>\(c.t("assessment.approvedAt"))</th></tr></thead><tbody>\(rows)</tbody></table>
        """))
        \(HTML.when(access.allows(.riskMethodManage), HTML("""
        <section class="card"><h2>\(c.t("assessment.new"))</h2><p>\(c.t("assessment.newIntro"))</p>
        \(Form.errorSummary(errors, c))
        \(Form.open(c.w("/risk-assessments"), c))
        <div class="row">
        \(Form.text("name", c.t("field.name"), value: shown.name, errors: errors, c, required: true))
        \(Form.text("startsOn", c.t("field.startsOn"), value: shown.startsOn, errors: errors, c, type: "date"))
        \(Form.text("endsOn", c.t("field.endsOn"), value: shown.endsOn, errors: errors, c, type: "date"))
        </div>
        \(Form.select("previousId", c.t("assessment.carryForward"), options: previousOptions, selected: shown.previousId, errors: errors, c, hint: c.t("assessment.carryForwardHint")))
        \(Form.submit(c.t("assessment.create")))
        \(Form.close())
        </section>
        """)))
        """)
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(CreateForm.self)
        do {
            let assessment = try await RiskAssessments(req.meguri).create(access, AssessmentInput(name: form.name, startsOn: form.startsOn, endsOn: form.endsOn),
                                                                          carryForwardFrom: form.previousId.flatMap(RiskAssessment.ID.init), context: try req.context())
            return req.redirect(to: PageContext(request: req).w("/risk-assessments/\(assessment.id)"), flash: req.t("assessment.created"))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: listPage(req, form: form, errors: errors)).encodeResponse(for: req)
        }
    }

    /// The register's filters from the query string.
    struct Filters {
        var q, level, residualLevel, owner, treatment, review, department, control, accepted, cell, sort: String?

        init(_ req: Request) {
            func value(_ name: String) -> String? { req.queryValue(name).flatMap(Text.nonBlank) }
            q = value("q"); level = value("level"); residualLevel = value("residualLevel"); owner = value("owner"); treatment = value("treatment")
            review = value("review"); department = value("department"); control = value("control"); accepted = value("accepted"); cell = value("cell")
            sort = value("sort")
        }

        func query(me: User.ID, people: [String: User.ID]) throws -> RiskQuery {
            var v = Validator()
            var query = RiskQuery(search: q, level: level, residualLevel: residualLevel, control: control)
            if let owner {
                if owner == "me" { query.ownerID = me } else if let id = User.ID(owner) ?? people[owner.lowercased()] { query.ownerID = id } else {
                    v.add("owner", "error.unknownMemberEmail", ["value": owner])
                }
            }
            if let treatment { if let t = RiskTreatment(rawValue: treatment) { query.treatment = t } else { v.add("treatment", "error.choice") } }
            if let review { if let r = Risk.Review(rawValue: review) { query.review = r } else { v.add("review", "error.choice") } }
            if let department { if let id = Department.ID(department) { query.departmentID = id } else { v.add("department", "error.format") } }
            if let accepted { query.accepted = accepted == "true" }
            if let cell {
                let parts = cell.split(separator: ":")
                if parts.count == 3, let x = Int(parts[1]), let y = Int(parts[2]) { query.cell = .init(residual: parts[0] == "residual", x: x, y: y) } else {
                    v.add("cell", "error.format")
                }
            }
            if let sort { if let s = RiskQuery.Sort(rawValue: sort) { query.sort = s } else { v.add("sort", "error.choice") } }
            try v.check()
            return query
        }

        var parameters: [String: String] {
            ["q": q ?? "", "level": level ?? "", "residualLevel": residualLevel ?? "", "owner": owner ?? "", "treatment": treatment ?? "",
             "review": review ?? "", "department": department ?? "", "control": control ?? "", "accepted": accepted ?? "", "cell": cell ?? "", "sort": sort ?? ""]
        }
    }

    @Sendable func show(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let assessments = RiskAssessments(req.meguri)
        let assessment = try await assessments.load(access, try assessmentID(req))
        let method = try await assessments.method(access, of: assessment)
        let c = try await PageContext.make(req)
        let filters = Filters(req)
        var errors: [FieldError] = []
        var page = Page<Risk>(items: [], nextCursor: nil)
        var total = 0
        let risks = Risks(req.meguri)
        do {
            let query = try filters.query(me: access.user.id, people: try await AssetPages.people(req, access, owner: filters.owner))
            let request = try req.listPage()
            page = try await risks.list(access, assessment: assessment.id, query: query, page: request)
            // Counted with the page (a numbered page knows its total).
            if let counted = page.total { total = counted } else { total = try await risks.count(access, assessment: assessment.id, query: query) }
        } catch DomainError.invalid(let e) { errors = e }
        let difference = try await assessments.difference(access, assessment)
        let inherentMap = try await assessments.heatMap(access, assessment, residual: false)
        let residualMap = try await assessments.heatMap(access, assessment, residual: true)
        let items = page.items
        let lookups = try await Risks(req.meguri).lookups(access, items)
        let (assetsByID, users, entries) = (lookups.assets, lookups.people, lookups.entries)
        let unaccepted = assessment.status == .approved ? .none : try await RiskAssessments(req.meguri).unaccepted(access, assessment.id)
        let unacceptedOwners = try await People(req.meguri).load(access, Array(Set(unaccepted.first.compactMap(\.ownerID))))
        let rows: [HTML] = page.items.map { r in
            let asset = r.assetID.flatMap { assetsByID[$0] }
            let what = [asset.map { "\($0.code) \($0.name)" }, r.threatID.flatMap { entries[$0]?.name(c.language) }, r.vulnerabilityID.flatMap { entries[$0]?.name(c.language) }]
                .compactMap { $0 }.joined(separator: " / ")
            return """
            <tr><td class="nowrap"><a href="\(c.w("/risks/\(r.id)"))">\(r.code)</a></td><td>\(Components.long(what.isEmpty ? (r.scenario ?? "") : what))</td>
            <td>\(RiskPages.levelBadge(c, method, r.inherentLevel, r.inherentScore))</td><td>\(RiskPages.levelBadge(c, method, r.residualLevel ?? r.inherentLevel, r.residualScore ?? r.inherentScore))</td>
            <td>\(r.treatment.map { c.t("treatment.\($0.rawValue)") } ?? "—")</td><td class="nowrap">\(r.ownerID.flatMap { users[$0]?.displayName } ?? "—")</td>
            <td><span class="badge review-\(r.review.rawValue)">\(c.t("risk.review.\(r.review.rawValue)"))</span>\(HTML.when(r.isAccepted, " <span class=\"badge ok\">\(c.t("risk.accepted"))</span>"))</td></tr>
            """
        }
        let departments = try await Departments(req.meguri).all(access)
        let levelOptions = [(value: "", label: c.t("form.all"))] + method.bands.map { (value: $0.key, label: $0.label(c.language)) }
        let reviewOptions = [(value: "", label: c.t("form.all"))] + Risk.Review.allCases.map { (value: $0.rawValue, label: c.t("risk.review.\($0.rawValue)")) }
        let treatmentOptions = [(value: "", label: c.t("form.all"))] + RiskTreatment.allCases.map { (value: $0.rawValue, label: c.t("treatment.\($0.rawValue)")) }
        let departmentOptions = [(value: "", label: c.t("form.all"))] + departments.map { (value: $0.id.description, label: $0.name) }
        let sortOptions = RiskQuery.Sort.allCases.map { (value: $0.rawValue, label: c.t("risk.sort.\($0.rawValue)")) }
        let status = HTML("<span class=\"badge status-\(assessment.status.rawValue)\">\(c.t("assessment.status.\(assessment.status.rawValue)"))</span>")
        let base = c.w("/risk-assessments/\(assessment.id)")
        let html = Layout.page(c, title: assessment.name, wide: true, """
        \(Components.pageHeader(assessment.name, subtitle: c.t("cap.riskAssessment"), actions: HTML("""
        <a class="button" href="\(base)/report">\(c.t("assessment.report"))</a>
        <a class="button" href="\(base)/export?format=csv" download>CSV</a><a class="button" href="\(base)/export?format=xlsx" download>Excel</a>
        \(HTML.when(access.allows(.risksManage) && assessment.isEditable, HTML("<a class=\"button\" href=\"\(base)/import\">\(c.t("import.fileButton"))</a><a class=\"button primary\" href=\"\(base)/risks/new\">\(c.t("risk.new"))</a>")))
        """)))
        <section class="card status-card"><p>\(c.t("field.status")): \(status) · \(c.t("field.method")): <a href="\(c.w("/risk-method/\(method.id)"))">\(method.name) #\(method.number)</a>
        \(assessment.approvedAt.map { d -> HTML in " · \(c.t("assessment.approvedOn", ["date": c.date(d)]))" })</p>
        \(assessment.approvalNote.map { HTML("<p class=\"prose\">\(c.t("assessment.note")): \($0)</p>") })
        \(workflow(c, access, assessment, unaccepted: unaccepted, names: unacceptedOwners.mapValues(\.displayName)))
        </section>
        \(difference.map { Self.differenceCard(c, $0, base: base) })
        <section class="heatmaps">
        \(HeatMapView.svg(c, inherentMap) { "\(base)?cell=inherent:\($0.x):\($0.y)#register" })
        \(HeatMapView.svg(c, residualMap) { "\(base)?cell=residual:\($0.x):\($0.y)#register" })
        </section>
        <section id="register">
        <h2>\(c.t("assessment.register"))</h2>
        \(Form.errorSummary(errors, c))
        <form method="get" action="\(base)" class="filters" role="search">
        <div><label for="q">\(c.t("form.search"))</label><input id="q" name="q" type="search" value="\(filters.q ?? "")"></div>
        \(Form.select("level", c.t("risk.inherentLevel"), options: levelOptions, selected: filters.level, errors: errors, c))
        \(Form.select("residualLevel", c.t("risk.residualLevel"), options: levelOptions, selected: filters.residualLevel, errors: errors, c))
        \(Form.select("treatment", c.t("field.treatment"), options: treatmentOptions, selected: filters.treatment, errors: errors, c))
        \(Form.select("review", c.t("risk.reviewState"), options: reviewOptions, selected: filters.review, errors: errors, c))
        \(Form.select("department", c.t("field.department"), options: departmentOptions, selected: filters.department, errors: errors, c))
        \(Form.text("owner", c.t("field.riskOwner"), value: filters.owner, errors: errors, c, type: "search", hint: c.t("audit.personHint")))
        \(Form.text("control", c.t("field.control"), value: filters.control, errors: errors, c, attributes: " size=\"6\""))
        \(Form.select("sort", c.t("form.sort"), options: sortOptions, selected: filters.sort ?? "code", errors: errors, c))
        \(filters.cell.map { Form.hidden("cell", $0) } ?? .empty)
        <button type="submit">\(c.t("form.filter"))</button>
        </form>
        <p class="muted">\(c.t("form.count", ["count": String(total)]))\(HTML.when(filters.cell != nil, HTML(" · <a href=\"\(base)#register\">\(c.t("heat.clearCell"))</a>")))</p>
        \(rows.isEmpty ? Components.empty(c.t("risk.none")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("field.riskCode"))</th><th>\(c.t("risk.what"))</th><th>\(c.t("risk.inherent"))</th><th>\(c.t("risk.residual"))</th><th>\(c.t("field.treatment"))</th><th>\(c.t("field.riskOwner"))</th><th>\(c.t("field.status"))</th></tr></thead>
        <tbody>\(rows)</tbody></table>
        """))
        \(Components.pager(c, nextCursor: page.nextCursor, total: page.total, basePath: base, query: filters.parameters))
        </section>
        """)
        return PageResponse(status: errors.isEmpty ? .ok : .unprocessableEntity, html: html)
    }

    /// The risks no owner has accepted, linked, with their owners (6.1.3 f).
    func unacceptedList(_ c: PageContext, _ risks: RiskRules.Unaccepted, names: [User.ID: String]) -> HTML {
        let items: [HTML] = risks.first.map { r in
            "<li><a href=\"\(c.w("/risks/\(r.id)"))\">\(r.code)</a> \(r.ownerID.flatMap { names[$0] }.map { "(\($0))" } ?? "")</li>"
        }
        return "<ul class=\"unaccepted\">\(items.joined())\(risks.count > risks.first.count ? HTML("<li>…</li>") : .empty)</ul>"
    }

    func workflow(_ c: PageContext, _ access: WorkspaceAccess, _ a: RiskAssessment, unaccepted: RiskRules.Unaccepted, names: [User.ID: String]) -> HTML {
        let base = c.w("/risk-assessments/\(a.id)")
        switch a.status {
        case .draft where access.allows(.riskMethodManage):
            let warning: HTML = unaccepted.count == 0 ? .empty : """
            <div class="notice" id="unaccepted-warning"><p>\(c.t("assessment.unacceptedBeforeSubmit", ["count": String(unaccepted.count)]))</p>\(unacceptedList(c, unaccepted, names: names))
            \(Form.checkbox("proceed", c.t("assessment.proceedUnaccepted"), checked: false))</div>
            """
            return """
            \(Form.open("\(base)/submit", c, id: "submit-assessment"))\(Form.version(a.version))\(warning)<div class="actions"><button type="submit" class="primary">\(c.t("assessment.submit"))</button><span class="hint">\(c.t("assessment.submitHint"))</span></div>\(Form.close())
            """
        case .inReview:
            var parts: [HTML] = []
            if access.allows(.assessmentApprove) {
                if unaccepted.count > 0 {
                    parts.append("""
                    <div class="notice" id="unaccepted-approval"><p>\(c.t("assessment.unacceptedAtApproval", ["count": String(unaccepted.count)]))</p>\(unacceptedList(c, unaccepted, names: names))</div>
                    """)
                }
                parts.append("""
                \(Form.open("\(base)/approve", c))\(Form.version(a.version))\(Form.textarea("note", c.t("assessment.note"), value: nil, errors: [], c, rows: 2))<div class="actions"><button type="submit" class="primary">\(c.t("assessment.approve"))</button></div>\(Form.close())
                """)
            }
            if access.allows(.assessmentApprove) || access.allows(.riskMethodManage) {
                // Top management sends it back; the secretariat withdraws its own submission.
                parts.append("""
                \(Form.open("\(base)/\(access.allows(.assessmentApprove) ? "send-back" : "return")", c))\(Form.version(a.version))\(Form.textarea("note", c.t("assessment.returnReason"), value: nil, errors: [], c, rows: 2))<div class="actions"><button type="submit">\(c.t("assessment.returnToDraft"))</button></div>\(Form.close())
                """)
            }
            return HTML("<div class=\"split\">\(parts.joined())</div>")
        default:
            return .empty
        }
    }

    static func differenceCard(_ c: PageContext, _ d: RiskDifference.Summary, base: String) -> HTML {
        func item(_ key: String, _ count: Int, _ filter: String) -> HTML {
            "<li><a href=\"\(base)?\(filter)#register\"><strong>\(count)</strong> \(c.t(key))</a></li>"
        }
        return """
        <section class="card"><h2>\(c.t("assessment.difference"))</h2>
        <ul class="difference">
        \(item("risk.diff.toReview", d.count(.toReview), "review=toReview")) \(item("risk.diff.new", d.count(.new), "review=new"))
        \(item("risk.diff.changed", d.count(.changed), "review=changed")) \(item("risk.diff.unchanged", d.count(.unchanged), "review=reviewed"))
        \(item("risk.diff.closed", d.count(.closed), "review=closed"))
        <li><strong>\(d.wentUp)</strong> \(c.t("risk.diff.up"))</li><li><strong>\(d.wentDown)</strong> \(c.t("risk.diff.down"))</li>
        </ul></section>
        """
    }

    struct NoteForm: Content { var note: String?; var version: Int?; var name: String?; var startsOn: String?; var endsOn: String?; var proceed: String? }

    @Sendable func update(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try assessmentID(req)
        let form = try req.content.decode(NoteForm.self)
        _ = try await RiskAssessments(req.meguri).update(access, id, AssessmentInput(name: form.name, startsOn: form.startsOn, endsOn: form.endsOn),
                                                         expectedVersion: form.version, context: try req.context())
        return req.redirect(to: PageContext(request: req).w("/risk-assessments/\(id)"), flash: req.t("form.saved"))
    }

    func step(_ req: Request, _ body: (RiskAssessments, WorkspaceAccess, RiskAssessment.ID, NoteForm) async throws -> RiskAssessment, flash: String) async throws -> Response {
        let access = try req.access()
        let id = try assessmentID(req)
        let form = try req.content.decode(NoteForm.self)
        let target = PageContext(request: req).w("/risk-assessments/\(id)")
        do {
            _ = try await body(RiskAssessments(req.meguri), access, id, form)
            return req.redirect(to: target, flash: req.t(flash))
        } catch DomainError.invalid(let errors) {
            return req.redirect(to: target, flash: errors.map { req.meguri.localizer.message(for: $0, req.language) }.joined(separator: " "))
        } catch DomainError.rule(let code, let params) {
            return req.redirect(to: target, flash: req.t(code, params))
        }
    }

    @Sendable func submit(_ req: Request) async throws -> Response {
        let context = try req.context()
        return try await step(req, { try await $0.submit($1, $2, proceedWithUnaccepted: $3.proceed == "true", expectedVersion: $3.version, context: context) },
                              flash: "assessment.submitted")
    }

    @Sendable func approve(_ req: Request) async throws -> Response {
        let context = try req.context()
        return try await step(req, { try await $0.approve($1, $2, note: $3.note, expectedVersion: $3.version, context: context) }, flash: "assessment.approved")
    }

    @Sendable func returnToDraft(_ req: Request) async throws -> Response {
        let context = try req.context()
        return try await step(req, { try await $0.returnToDraft($1, $2, note: $3.note, expectedVersion: $3.version, context: context) }, flash: "assessment.returned")
    }

    @Sendable func export(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try assessmentID(req)
        let format = try Exporting.format(req)
        let assessment = try await RiskAssessments(req.meguri).load(access, id)
        let data = try await RiskTransfer(req.meguri).export(access, assessment: id, format: format, language: Exporting.language(req), encoding: try Exporting.encoding(req))
        return Exporting.file(data, name: "risks-\(access.workspace.slug)-\(assessment.name.filter { $0.isLetter || $0.isNumber })", format: format)
    }

    @Sendable func importForm(_ req: Request) async throws -> HTML {
        let c = try await PageContext.make(req)
        let assessment = try await RiskAssessments(req.meguri).load(try req.access(), try assessmentID(req))
        let base = c.w("/risk-assessments/\(assessment.id)")
        return ImportViews.page(c, kind: "risks", action: "\(base)/import", back: base, result: nil, errors: [])
    }

    @Sendable func importFlow(_ req: Request) async throws -> ImportViews.Flow {
        let access = try req.access()
        let id = try await RiskAssessments(req.meguri).load(access, try assessmentID(req)).id
        let base = PageContext(request: req).w("/risk-assessments/\(id)")
        let context = try req.context()
        return ImportViews.Flow(kind: "risks", action: "\(base)/import", back: base, target: id.description, spec: RiskTransfer.spec) { data, options, dryRun, _ in
            let result = try await RiskTransfer(req.meguri).importFile(access, assessment: id, data: data, options: options, dryRun: dryRun, context: context)
            return .init(rows: result.rows.map { ImportViews.Row($0) }, mapping: result.mapping)
        }
    }


    /// The printable risk assessment report (A4): method, heat maps, the whole register, approval.
    @Sendable func report(_ req: Request) async throws -> HTML {
        let access = try req.access()
        let assessments = RiskAssessments(req.meguri)
        let assessment = try await assessments.load(access, try assessmentID(req))
        let method = try await assessments.method(access, of: assessment)
        let c = try await PageContext.make(req)
        let risks = try await Risks(req.meguri).all(access, assessment: assessment.id)
        let lookups = try await Risks(req.meguri).lookups(access, risks, also: [assessment.approvedBy].compactMap { $0 })
        let (assets, users, entries) = (lookups.assets, lookups.people, lookups.entries)
        let rows: [HTML] = risks.map { r in
            """
            <tr><td>\(r.code)</td><td>\(r.assetID.flatMap { assets[$0].map { "\($0.code) \($0.name)" } } ?? (r.scenario ?? ""))</td>
            <td>\(r.threatID.flatMap { entries[$0]?.name(c.language) } ?? "")</td><td>\(r.vulnerabilityID.flatMap { entries[$0]?.name(c.language) } ?? "")</td>
            <td class="num">\(r.inherentScore.map(String.init) ?? "—")</td><td>\(r.treatment.map { c.t("treatment.\($0.rawValue)") } ?? "—")</td>
            <td>\(r.controls.joined(separator: ", "))</td><td class="num">\(r.residualScore.map(String.init) ?? "—")</td>
            <td>\(r.ownerID.flatMap { users[$0]?.displayName } ?? "—")</td><td>\(r.acceptedAt.map(c.date) ?? "—")</td></tr>
            """
        }
        let inherent = try await assessments.heatMap(access, assessment, residual: false)
        let residual = try await assessments.heatMap(access, assessment, residual: true)
        return Layout.page(c, title: "\(assessment.name) — \(c.t("assessment.report"))", wide: true, """
        <article class="report">
        <header class="report-header"><p>\(access.workspace.organizationName ?? access.workspace.name)</p><h1>\(c.t("assessment.reportTitle", ["name": assessment.name]))</h1>
        <p>\(c.t("field.status")): \(c.t("assessment.status.\(assessment.status.rawValue)"))\(assessment.approvedAt.map { " · " + c.t("assessment.approvedBy", ["name": assessment.approvedBy.flatMap { users[$0]?.displayName } ?? "", "date": c.date($0)]) } ?? "")</p></header>
        \(RiskMethodPages.summary(c, method))
        <section class="heatmaps">\(HeatMapView.svg(c, inherent) { _ in "#" })\(HeatMapView.svg(c, residual) { _ in "#" })</section>
        <h2>\(c.t("assessment.register"))</h2>
        <table class="table report-table"><thead><tr><th>\(c.t("field.riskCode"))</th><th>\(c.t("risk.what"))</th><th>\(c.t("field.threat"))</th><th>\(c.t("field.vulnerability"))</th>
        <th>\(c.t("risk.inherent"))</th><th>\(c.t("field.treatment"))</th><th>\(c.t("field.controls"))</th><th>\(c.t("risk.residual"))</th><th>\(c.t("field.riskOwner"))</th><th>\(c.t("risk.acceptedOn"))</th></tr></thead>
        <tbody>\(rows)</tbody></table>
        </article>
        """)
    }
}
