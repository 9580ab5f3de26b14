import Domain
import Features
import Foundation
import Storage
import Vapor

/// The asset inventory: list with filters, detail with risks and history, the form, CSV/Excel import and export.
struct AssetPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "w", ":slug", "assets", access: .workspace(.assetsRead), use: list)
        routes.endpoint(.GET, "w", ":slug", "assets", "new", access: .workspace(.assetsManage), use: newForm)
        routes.endpoint(.POST, "w", ":slug", "assets", "new", access: .workspace(.assetsManage), use: create)
        routes.endpoint(.GET, "w", ":slug", "assets", "import", access: .workspace(.assetsManage), use: importForm)
        routes.importSteps(["w", ":slug", "assets"], access: .workspace(.assetsManage), maxSize: "25mb", flow: importFlow)
        routes.endpoint(.GET, "w", ":slug", "assets", "export", access: .workspace(.assetsRead), use: export)
        routes.endpoint(.GET, "w", ":slug", "assets", ":assetID", access: .workspace(.assetsRead), use: show)
        routes.endpoint(.POST, "w", ":slug", "assets", ":assetID", access: .workspace(.assetsManage), use: update)
        routes.endpoint(.POST, "w", ":slug", "assets", ":assetID", "reviewed", access: .workspace(.assetsManage), use: reviewed)
        routes.endpoint(.POST, "w", ":slug", "assets", ":assetID", "delete", access: .workspace(.assetsManage), use: delete)
    }

    /// The list's filters as the query string carries them.
    struct Filters {
        var q, type, department, owner, classification, minValue, stale, status, sort: String?

        init(_ req: Request) {
            func value(_ name: String) -> String? { req.queryValue(name).flatMap(Text.nonBlank) }
            q = value("q"); type = value("type"); department = value("department"); owner = value("owner"); classification = value("classification")
            minValue = value("minValue"); stale = value("stale"); status = value("status"); sort = value("sort")
        }

        func query(today: CalendarDate, people: [String: User.ID]) throws -> AssetQuery {
            var v = Validator()
            var query = AssetQuery(search: q, classification: classification)
            if let type { if let kind = Asset.Kind(rawValue: type) { query.kind = kind } else { v.add("type", "error.choice") } }
            if let department { if let id = Department.ID(department) { query.departmentID = id } else { v.add("department", "error.format") } }
            if let owner {
                if let id = User.ID(owner) ?? people[owner.lowercased()] { query.ownerID = id } else { v.add("owner", "error.unknownMemberEmail", ["value": owner]) }
            }
            if let minValue { if let value = Int(Text.halfWidth(minValue)) { query.minimumValue = value } else { v.add("minValue", "error.format") } }
            if stale != nil { query.reviewedBefore = Asset.staleBefore(today) }
            if let status { if let parsed = Asset.Status(rawValue: status) { query.status = parsed } else { v.add("status", "error.choice") } }
            if let sort { if let parsed = AssetQuery.Sort(rawValue: sort) { query.sort = parsed } else { v.add("sort", "error.choice") } }
            try v.check()
            return query
        }

        var parameters: [String: String] {
            ["q": q ?? "", "type": type ?? "", "department": department ?? "", "owner": owner ?? "", "classification": classification ?? "",
             "minValue": minValue ?? "", "stale": stale ?? "", "status": status ?? "", "sort": sort ?? ""]
        }

        var queryString: String {
            parameters.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { "\($0.key)=\(Components.encode($0.value))" }.joined(separator: "&")
        }
    }

    static func people(_ req: Request, _ access: WorkspaceAccess) async throws -> [String: User.ID] {
        try await People(req.meguri).byEmail(access)
    }

    /// The members by e-mail, read only when a filter names an owner by e-mail (thousands of
    /// members make it the dearest query of a list page otherwise).
    static func people(_ req: Request, _ access: WorkspaceAccess, owner: String?) async throws -> [String: User.ID] {
        guard let owner, owner.contains("@") else { return [:] }
        return try await people(req, access)
    }

    @Sendable func list(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let filters = Filters(req)
        let assets = Assets(req.meguri)
        var errors: [FieldError] = []
        var page = Page<Asset>(items: [], nextCursor: nil)
        var total = 0
        do {
            let query = try filters.query(today: access.today, people: try await Self.people(req, access, owner: filters.owner))
            let request = try req.listPage()
            page = try await assets.list(access, query: query, page: request)
            // Counted with the page (a numbered page knows its total).
            if let counted = page.total { total = counted } else { total = try await assets.count(access, query: query) }
        } catch DomainError.invalid(let e) { errors = e }
        let departments = try await Departments(req.meguri).all(access)
        let labels = try await assets.classifications(access)
        let names = Dictionary(uniqueKeysWithValues: departments.map { ($0.id, $0.name) })
        let items = page.items
        let users = try await People(req.meguri).load(try req.access(), items.compactMap(\.ownerID))
        let rows: [HTML] = page.items.map { a in
            let stale = a.isStale(on: access.today)
            return """
            <tr><td class="nowrap"><a href="\(c.w("/assets/\(a.id)"))">\(a.code)</a></td><td>\(Components.long(a.name))\(HTML.when(a.isGroup, " <span class=\"badge\">\(c.t("asset.group"))</span>"))</td>
            <td class="nowrap">\(c.t("asset.kind.\(a.kind.rawValue)"))</td><td class="nowrap">\(a.departmentID.flatMap { names[$0] } ?? "—")</td>
            <td class="nowrap">\(a.ownerID.flatMap { users[$0]?.displayName } ?? "—")</td>
            <td class="nowrap">\(a.classification.flatMap { key in labels.first { $0.key == key }?.label(c.language) } ?? "—")</td>
            <td class="num">\(a.confidentiality.map(String.init) ?? "–")/\(a.integrity.map(String.init) ?? "–")/\(a.availability.map(String.init) ?? "–")</td>
            <td class="num">\(a.value.map(String.init) ?? "—")</td>
            <td class="nowrap\(stale ? " stale" : "")">\(a.lastReviewedOn?.description ?? c.t("asset.neverReviewed"))\(HTML.when(a.status == .retired, " <span class=\"badge expired\">\(c.t("asset.status.retired"))</span>"))</td></tr>
            """
        }
        let manage = access.allows(.assetsManage)
        let typeOptions = [(value: "", label: c.t("form.all"))] + Asset.Kind.allCases.map { (value: $0.rawValue, label: c.t("asset.kind.\($0.rawValue)")) }
        let departmentOptions = [(value: "", label: c.t("form.all"))] + departments.map { (value: $0.id.description, label: $0.name) }
        let classOptions = [(value: "", label: c.t("form.all"))] + labels.map { (value: $0.key, label: $0.label(c.language)) }
        let statusOptions = [(value: "", label: c.t("form.all"))] + Asset.Status.allCases.map { (value: $0.rawValue, label: c.t("asset.status.\($0.rawValue)")) }
        let sortOptions = AssetQuery.Sort.allCases.map { (value: $0.rawValue, label: c.t("asset.sort.\($0.rawValue)")) }
        let exportQuery = filters.queryString
        let html = Layout.page(c, title: c.t("cap.assets"), wide: true, """
        \(Components.pageHeader(c.t("cap.assets"), subtitle: c.t("assets.intro"), actions: HTML("""
        <a class="button" href="\(c.w("/assets/export"))?format=csv\(exportQuery.isEmpty ? "" : "&" + exportQuery)" download>CSV</a>
        <a class="button" href="\(c.w("/assets/export"))?format=xlsx\(exportQuery.isEmpty ? "" : "&" + exportQuery)" download>Excel</a>
        \(HTML.when(manage, HTML("<a class=\"button\" href=\"\(c.w("/assets/import"))\">\(c.t("import.fileButton"))</a><a class=\"button primary\" href=\"\(c.w("/assets/new"))\">\(c.t("assets.new"))</a>")))
        """)))
        \(Form.errorSummary(errors, c))
        <form method="get" action="\(c.w("/assets"))" class="filters" role="search">
        <div><label for="q">\(c.t("form.search"))</label><input id="q" name="q" type="search" value="\(filters.q ?? "")"></div>
        \(Form.select("type", c.t("field.kind"), options: typeOptions, selected: filters.type, errors: errors, c))
        \(Form.select("department", c.t("field.department"), options: departmentOptions, selected: filters.department, errors: errors, c))
        \(Form.select("classification", c.t("field.classification"), options: classOptions, selected: filters.classification, errors: errors, c))
        \(Form.text("owner", c.t("field.owner"), value: filters.owner, errors: errors, c, type: "search", hint: c.t("audit.personHint")))
        \(Form.text("minValue", c.t("assets.minValue"), value: filters.minValue, errors: errors, c, attributes: " inputmode=\"numeric\" size=\"4\""))
        \(Form.select("status", c.t("field.status"), options: statusOptions, selected: filters.status, errors: errors, c))
        \(Form.select("sort", c.t("form.sort"), options: sortOptions, selected: filters.sort ?? "code", errors: errors, c))
        <div class="checkbox"><input type="checkbox" id="f-stale" name="stale" value="1"\(filters.stale != nil ? HTML(" checked") : .empty)><label for="f-stale">\(c.t("assets.staleOnly"))</label></div>
        <button type="submit">\(c.t("form.filter"))</button>
        </form>
        <p class="muted">\(c.t("form.count", ["count": String(total)]))</p>
        \(rows.isEmpty ? Components.empty(c.t(filters.queryString.isEmpty ? "assets.none" : "form.noMatches"),
                                          action: HTML.when(manage && filters.queryString.isEmpty, HTML("<a class=\"button primary\" href=\"\(c.w("/assets/import"))\">\(c.t("import.fileButton"))</a>"))) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("field.assetCode"))</th><th>\(c.t("field.assetName"))</th><th>\(c.t("field.kind"))</th><th>\(c.t("field.department"))</th>
        <th>\(c.t("field.owner"))</th><th>\(c.t("field.classification"))</th><th>C/I/A</th><th>\(c.t("field.value"))</th><th>\(c.t("field.lastReviewedOn"))</th></tr></thead>
        <tbody>\(rows)</tbody></table>
        """))
        \(Components.pager(c, nextCursor: page.nextCursor, total: page.total, basePath: c.w("/assets"), query: filters.parameters))
        """)
        return PageResponse(status: errors.isEmpty ? .ok : .unprocessableEntity, html: html)
    }

    /// The form's fields, as typed.
    struct AssetForm: Content {
        var code, name, kind, form, owner, custodian, departmentId, location, classification: String?
        var confidentiality, integrity, availability, isGroup, status, lastReviewedOn, notes: String?
        var version: Int?

        init(code: String? = nil, name: String? = nil, kind: String? = nil, form: String? = nil, owner: String? = nil, custodian: String? = nil,
             departmentId: String? = nil, location: String? = nil, classification: String? = nil, confidentiality: String? = nil,
             integrity: String? = nil, availability: String? = nil, isGroup: String? = nil, status: String? = nil, lastReviewedOn: String? = nil,
             notes: String? = nil, version: Int? = nil) {
            self.code = code; self.name = name; self.kind = kind; self.form = form; self.owner = owner; self.custodian = custodian
            self.departmentId = departmentId; self.location = location; self.classification = classification; self.confidentiality = confidentiality
            self.integrity = integrity; self.availability = availability; self.isGroup = isGroup; self.status = status
            self.lastReviewedOn = lastReviewedOn; self.notes = notes; self.version = version
        }

        init(_ a: Asset, users: [User.ID: User]) {
            self.init(code: a.code, name: a.name, kind: a.kind.rawValue, form: a.form.rawValue, owner: a.ownerID.flatMap { users[$0]?.email },
                      custodian: a.custodianID.flatMap { users[$0]?.email }, departmentId: a.departmentID?.description, location: a.location,
                      classification: a.classification, confidentiality: a.confidentiality.map(String.init), integrity: a.integrity.map(String.init),
                      availability: a.availability.map(String.init), isGroup: a.isGroup ? "true" : nil, status: a.status.rawValue,
                      lastReviewedOn: a.lastReviewedOn?.description, notes: a.notes, version: a.version)
        }

        /// The input, with people looked up by e-mail, and the fields that could not be read (an
        /// unknown address), which the use case reports with its own findings.
        func input(people: [String: User.ID]) -> (AssetInput, unreadable: [FieldError]) {
            var v = Validator()
            var input = AssetInput(code: code, name: name, kind: kind ?? "", form: form ?? "", location: location ?? "", classification: classification ?? "",
                                   confidentiality: confidentiality ?? "", integrity: integrity ?? "", availability: availability ?? "",
                                   isGroup: isGroup != nil, status: status, lastReviewedOn: lastReviewedOn ?? "", notes: notes ?? "")
            for (field, value, keyPath) in [("owner", owner, \AssetInput.ownerID), ("custodian", custodian, \AssetInput.custodianID)] {
                if let email = Text.nonBlank(value) {
                    if let user = people[email.lowercased()] { input[keyPath: keyPath] = .some(user) } else { v.add(field, "error.unknownMemberEmail", ["value": email]) }
                } else {
                    input[keyPath: keyPath] = .some(nil)
                }
            }
            if let raw = Text.nonBlank(departmentId) {
                if let id = Department.ID(raw) { input.departmentID = .some(id) } else { v.add("departmentId", "error.unknownDepartment") }
            } else {
                input.departmentID = .some(nil)
            }
            return (input, v.errors)
        }
    }

    /// Form errors name the form's fields.
    static func formErrors(_ errors: [FieldError]) -> [FieldError] {
        errors.map { var e = $0; e.field = ["ownerId": "owner", "custodianId": "custodian"][e.field] ?? e.field; return e }
    }

    func formPage(_ req: Request, title: String, action: String, form: AssetForm, errors: [FieldError], conflict: Bool = false) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let departments = try await Departments(req.meguri).all(access)
        let labels = try await Assets(req.meguri).classifications(access)
        let method = try await RiskMethods(req.meguri).current(access)
        let levels = (method?.ciaScale.levels ?? []).map { (value: String($0.value), label: "\($0.value) \($0.label(c.language))") }
        let ratingOptions = [(value: "", label: c.t("asset.unrated"))] + levels
        let stewarded = access.actsForAllDepartments ? departments : departments.filter { access.officerDepartments.contains($0.id) }
        let departmentOptions = (access.actsForAllDepartments ? [(value: "", label: c.t("form.none"))] : []) + stewarded.map { (value: $0.id.description, label: $0.name) }
        return Layout.page(c, title: title, """
        \(Components.pageHeader(title, subtitle: c.t("assets.formIntro")))
        \(HTML.when(conflict, "<div class=\"error-summary\" role=\"alert\"><p>\(c.t("problem.conflict.detail"))</p></div>"))
        \(Form.errorSummary(errors, c))
        \(Form.open(action, c))
        \(form.version.map(Form.version))
        <fieldset><legend>\(c.t("assets.identity"))</legend>
        <div class="row">
        \(Form.text("code", c.t("field.assetCode"), value: form.code, errors: errors, c, required: true, hint: c.t("hint.assetCode")))
        \(Form.text("name", c.t("field.assetName"), value: form.name, errors: errors, c, required: true))
        </div>
        <div class="row">
        \(Form.select("kind", c.t("field.kind"), options: Asset.Kind.allCases.map { (value: $0.rawValue, label: c.t("asset.kind.\($0.rawValue)")) }, selected: form.kind, errors: errors, c))
        \(Form.select("form", c.t("field.form"), options: Asset.Form.allCases.map { (value: $0.rawValue, label: c.t("asset.form.\($0.rawValue)")) }, selected: form.form, errors: errors, c))
        \(Form.select("status", c.t("field.status"), options: Asset.Status.allCases.map { (value: $0.rawValue, label: c.t("asset.status.\($0.rawValue)")) }, selected: form.status ?? "active", errors: errors, c))
        </div>
        \(Form.checkbox("isGroup", c.t("asset.isGroup"), checked: form.isGroup != nil, hint: c.t("asset.isGroupHint")))
        </fieldset>
        <fieldset><legend>\(c.t("assets.responsibility"))</legend>
        <div class="row">
        \(Form.select("departmentId", c.t("field.department"), options: departmentOptions, selected: form.departmentId, errors: errors, c))
        \(Form.text("owner", c.t("field.owner"), value: form.owner, errors: errors, c, type: "email", hint: c.t("hint.memberEmail")))
        \(Form.text("custodian", c.t("field.custodian"), value: form.custodian, errors: errors, c, type: "email", hint: c.t("hint.memberEmail")))
        </div>
        \(Form.text("location", c.t("field.location"), value: form.location, errors: errors, c))
        </fieldset>
        <fieldset><legend>\(c.t("assets.sensitivity"))</legend>
        <div class="row">
        \(Form.select("classification", c.t("field.classification"), options: [(value: "", label: c.t("form.none"))] + labels.map { (value: $0.key, label: $0.label(c.language)) },
                      selected: form.classification, errors: errors, c))
        \(Form.select("confidentiality", c.t("field.confidentiality"), options: ratingOptions, selected: form.confidentiality, errors: errors, c))
        \(Form.select("integrity", c.t("field.integrity"), options: ratingOptions, selected: form.integrity, errors: errors, c))
        \(Form.select("availability", c.t("field.availability"), options: ratingOptions, selected: form.availability, errors: errors, c))
        </div>
        <p class="hint">\(c.t("assets.valueRule", ["rule": c.t("method.rule.\(method?.assetValueRule.rawValue ?? "max")")]))</p>
        </fieldset>
        <div class="row">
        \(Form.text("lastReviewedOn", c.t("field.lastReviewedOn"), value: form.lastReviewedOn, errors: errors, c, type: "date"))
        </div>
        \(Form.textarea("notes", c.t("field.notes"), value: form.notes, errors: errors, c, rows: 3))
        \(Form.submit(c.t("form.save"), secondary: (c.t("form.cancel"), c.w("/assets"))))
        \(Form.close())
        """)
    }

    @Sendable func newForm(_ req: Request) async throws -> HTML {
        let access = try req.access()
        let c = PageContext(request: req)
        let home = access.actsForAllDepartments ? nil : access.officerDepartments.first?.description
        return try await formPage(req, title: c.t("assets.new"), action: c.w("/assets/new"), form: AssetForm(kind: "information", form: "electronic", departmentId: home), errors: [])
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(AssetForm.self)
        let c = PageContext(request: req)
        do {
            let (input, unreadable) = form.input(people: try await Self.people(req, access))
            let asset = try await Assets(req.meguri).create(access, input, unreadable: unreadable, context: try req.context())
            return req.redirect(to: c.w("/assets/\(asset.id)"), flash: req.t("assets.created", ["code": asset.code]))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: formPage(req, title: c.t("assets.new"), action: c.w("/assets/new"), form: form,
                                                                                    errors: Self.formErrors(errors))).encodeResponse(for: req)
        }
    }

    func assetID(_ req: Request) throws -> Asset.ID { try req.id("assetID", Asset.ID.self, entity: "asset") }

    @Sendable func show(_ req: Request) async throws -> HTML {
        let access = try req.access()
        let asset = try await Assets(req.meguri).load(access, try assetID(req))
        let c = try await PageContext.make(req)
        let users = try await People(req.meguri).load(try req.access(), [asset.ownerID, asset.custodianID].compactMap { $0 })
        let latest = try await RiskAssessments(req.meguri).latest(access)
        var risks: [Risk] = []
        if let latest, access.allows(.risksRead) {
            risks = try await Risks(req.meguri).list(access, assessment: latest.id, query: RiskQuery(assetID: asset.id), page: PageRequest(limit: 100)).items
        }
        let manage = access.allows(.assetsManage) && access.maySteward(asset.departmentID)
        let riskRows: [HTML] = risks.map { r in
            "<tr><td><a href=\"\(c.w("/risks/\(r.id)"))\">\(r.code)</a></td><td>\(r.scenario ?? "")</td><td class=\"num\">\(r.inherentScore.map(String.init) ?? "—")</td><td class=\"num\">\(r.residualScore.map(String.init) ?? "—")</td></tr>"
        }
        if manage, req.queryValue("edit") != nil {
            return try await formPage(req, title: "\(asset.code) \(asset.name)", action: c.w("/assets/\(asset.id)"), form: AssetForm(asset, users: users), errors: [])
        }
        let departments = try await Departments(req.meguri).all(access)
        let labels = try await Assets(req.meguri).classifications(access)
        let evidence = try await EvidenceFiles(req.meguri).linked(access, to: EvidenceLink(.asset, asset.id.description))
        func row(_ key: String, _ value: String?) -> HTML { "<dt>\(c.t(key))</dt><dd>\(value ?? "—")</dd>" }
        return Layout.page(c, title: "\(asset.code) \(asset.name)", """
        \(Components.pageHeader("\(asset.code) \(asset.name)", subtitle: c.t("cap.assets"), actions: HTML("""
        \(HTML.when(access.allows(.auditTrailRead), "<a class=\"button\" href=\"\(c.w("/history/asset/\(asset.id)"))\">\(c.t("audit.history"))</a>"))
        \(HTML.when(manage, HTML("<a class=\"button primary\" href=\"\(c.w("/assets/\(asset.id)"))?edit=1\">\(c.t("form.edit"))</a>")))
        """)))
        <section class="card"><dl class="facts">
        \(row("field.kind", c.t("asset.kind.\(asset.kind.rawValue)"))) \(row("field.form", c.t("asset.form.\(asset.form.rawValue)")))
        \(row("field.department", asset.departmentID.flatMap { id in departments.first { $0.id == id }?.name }))
        \(row("field.owner", asset.ownerID.flatMap { users[$0].map { "\($0.displayName) <\($0.email)>" } }))
        \(row("field.custodian", asset.custodianID.flatMap { users[$0].map { "\($0.displayName) <\($0.email)>" } }))
        \(row("field.location", asset.location))
        \(row("field.classification", asset.classification.flatMap { key in labels.first { $0.key == key }?.label(c.language) }))
        \(row("field.confidentiality", asset.confidentiality.map(String.init))) \(row("field.integrity", asset.integrity.map(String.init)))
        \(row("field.availability", asset.availability.map(String.init))) \(row("field.value", asset.value.map(String.init)))
        \(row("field.status", c.t("asset.status.\(asset.status.rawValue)")))
        \(row("field.lastReviewedOn", asset.lastReviewedOn?.description ?? c.t("asset.neverReviewed")))
        <dt>\(c.t("field.notes"))</dt><dd class="prose">\(asset.notes ?? "—")</dd>
        </dl>
        \(HTML.when(manage, HTML("""
        \(Form.open(c.w("/assets/\(asset.id)/reviewed"), c))\(Form.version(asset.version))<div class="actions"><button type="submit">\(c.t("assets.markReviewed"))</button><span class="hint">\(c.t("assets.markReviewedHint"))</span></div>\(Form.close())
        """)))
        </section>
        \(HTML.when(access.allows(.risksRead), HTML("""
        <section class="card"><h2>\(c.t("assets.risks", ["name": latest?.name ?? ""]))</h2>
        \(riskRows.isEmpty ? Components.empty(c.t("assets.noRisks")) : HTML("<table class=\"table\"><thead><tr><th>\(c.t("field.riskCode"))</th><th>\(c.t("field.scenario"))</th><th>\(c.t("risk.inherent"))</th><th>\(c.t("risk.residual"))</th></tr></thead><tbody>\(riskRows)</tbody></table>"))
        </section>
        """)))
        \(HTML.when(access.allows(.evidenceRead), EvidenceViews.card(c, evidence, target: EvidenceLink(.asset, asset.id.description), canAdd: access.allows(.evidenceManage), today: access.today)))
        \(HTML.when(manage, HTML("""
        <section class="card danger-zone"><h2>\(c.t("assets.delete"))</h2><p>\(c.t("assets.deleteHint"))</p>
        \(Form.open(c.w("/assets/\(asset.id)/delete"), c))\(Form.version(asset.version))<div class="actions"><button type="submit" class="danger">\(c.t("form.delete"))</button></div>\(Form.close())</section>
        """)))
        """)
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try assetID(req)
        let form = try req.content.decode(AssetForm.self)
        let c = PageContext(request: req)
        let assets = Assets(req.meguri)
        do {
            let (input, unreadable) = form.input(people: try await Self.people(req, access))
            _ = try await assets.update(access, id, input, expectedVersion: form.version, unreadable: unreadable, context: try req.context())
            return req.redirect(to: c.w("/assets/\(id)"), flash: req.t("form.saved"))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: formPage(req, title: c.t("form.edit"), action: c.w("/assets/\(id)"), form: form,
                                                                                    errors: Self.formErrors(errors))).encodeResponse(for: req)
        } catch DomainError.conflict {
            let current = try await assets.load(access, id)
            let users = try await People(req.meguri).load(try req.access(), [current.ownerID, current.custodianID].compactMap { $0 })
            return try await PageResponse(status: .conflict, html: formPage(req, title: c.t("form.edit"), action: c.w("/assets/\(id)"),
                                                                         form: AssetForm(current, users: users), errors: [], conflict: true)).encodeResponse(for: req)
        }
    }

    struct VersionForm: Content { var version: Int? }

    @Sendable func reviewed(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try assetID(req)
        let form = try req.content.decode(VersionForm.self)
        _ = try await Assets(req.meguri).markReviewed(access, id, expectedVersion: form.version, context: try req.context())
        return req.redirect(to: PageContext(request: req).w("/assets/\(id)"), flash: req.t("assets.reviewed"))
    }

    @Sendable func delete(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try assetID(req)
        let form = try req.content.decode(VersionForm.self)
        let c = PageContext(request: req)
        do {
            try await Assets(req.meguri).delete(access, id, expectedVersion: form.version, context: try req.context())
            return req.redirect(to: c.w("/assets"), flash: req.t("assets.deleted"))
        } catch DomainError.rule(let code, let params) {
            return req.redirect(to: c.w("/assets/\(id)"), flash: req.t(code, params))
        }
    }

    @Sendable func importForm(_ req: Request) async throws -> HTML {
        let c = try await PageContext.make(req)
        return ImportViews.page(c, kind: "assets", action: c.w("/assets/import"), back: c.w("/assets"), result: nil, errors: [])
    }

    @Sendable func importFlow(_ req: Request) async throws -> ImportViews.Flow {
        let access = try req.access()
        let c = PageContext(request: req)
        let context = try req.context()
        return ImportViews.Flow(kind: "assets", action: c.w("/assets/import"), back: c.w("/assets"), spec: AssetTransfer.spec) { data, options, dryRun, _ in
            let result = try await AssetTransfer(req.meguri).importFile(access, data: data, options: options, dryRun: dryRun, context: context)
            return .init(rows: result.rows.map { ImportViews.Row($0) },
                         mapping: result.mapping)
        }
    }


    @Sendable func export(_ req: Request) async throws -> Response {
        let access = try req.access()
        let format = try Exporting.format(req)
        let filters = Filters(req)
        let query = try filters.query(today: access.today, people: try await Self.people(req, access, owner: filters.owner))
        let data = try await AssetTransfer(req.meguri).export(access, query: query, format: format, language: Exporting.language(req),
                                                              encoding: try Exporting.encoding(req))
        return Exporting.file(data, name: "assets-\(access.workspace.slug)-\(access.today)", format: format)
    }
}

/// Download answers of registers: `format=csv|xlsx`, `lang=ja|en`, `encoding=utf8|cp932`.
enum Exporting {
    static func format(_ req: Request) throws -> Tabular.Format {
        let raw = req.queryValue("format") ?? "csv"
        guard let format = Tabular.Format(rawValue: raw) else { throw DomainError.invalid(field: "format", code: "error.choice") }
        return format
    }

    static func language(_ req: Request) -> Language { req.queryValue("lang").flatMap(Language.init(rawValue:)) ?? req.language }

    static func encoding(_ req: Request) throws -> CSV.Encoding {
        guard let raw = req.queryValue("encoding") else { return .utf8 }
        guard let encoding = CSV.Encoding(rawValue: raw) else { throw DomainError.invalid(field: "encoding", code: "error.choice") }
        return encoding
    }

    static func file(_ data: Data, name: String, format: Tabular.Format) -> Response {
        let response = Response(status: .ok, body: .init(data: data))
        switch format {
        case .csv: response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        case .xlsx: response.headers.contentType = HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        }
        response.headers.replaceOrAdd(name: "Content-Disposition", value: "attachment; filename=\"\(name).\(format.rawValue)\"")
        return response
    }
}
