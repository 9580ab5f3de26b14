import Domain
import Features
import Foundation
import Storage
import Vapor

/// Information security objectives and control-effectiveness metrics: the list with each one's
/// status and next measurement, and an objective's page with its trend and readings.
struct ObjectivePages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "w", ":slug", "objectives", access: .workspace(.workspaceRead), use: list)
        routes.endpoint(.POST, "w", ":slug", "objectives", access: .workspace(.objectivesManage), use: create)
        routes.endpoint(.GET, "w", ":slug", "objectives", ":objectiveID", access: .workspace(.workspaceRead), use: show)
        routes.endpoint(.POST, "w", ":slug", "objectives", ":objectiveID", access: .workspace(.objectivesManage), use: update)
        routes.endpoint(.POST, "w", ":slug", "objectives", ":objectiveID", "delete", access: .workspace(.objectivesManage), use: delete)
        routes.endpoint(.POST, "w", ":slug", "objectives", ":objectiveID", "measurements", access: .workspace(.workspaceRead), use: record)
        routes.endpoint(.POST, "w", ":slug", "measurements", ":measurementID", "delete", access: .workspace(.objectivesManage), use: deleteMeasurement)
    }

    func objectiveID(_ req: Request) throws -> Objective.ID { try req.id("objectiveID", Objective.ID.self, entity: "objective") }

    struct ObjectiveForm: Content {
        var kind, statement, reference, control, metric, unit, comparator, target, frequency, owner, dueOn, plan: String?
        var version: Int?

        func input(_ req: Request, _ access: WorkspaceAccess) async throws -> ObjectiveInput {
            var input = ObjectiveInput(kind: kind, statement: statement, reference: reference ?? "", control: control ?? "", metric: metric, unit: unit,
                                       comparator: comparator, target: target, frequency: frequency, dueOn: dueOn ?? "", plan: plan ?? "")
            if let email = Text.nonBlank(owner) {
                guard let user = try await AssetPages.people(req, access)[email.lowercased()] else {
                    throw DomainError.invalid(field: "owner", code: "error.unknownMemberEmail", params: ["value": email])
                }
                input.ownerID = .some(user)
            } else {
                input.ownerID = .some(nil)
            }
            return input
        }
    }

    struct MeasurementForm: Content { var measuredOn, measurement, note, evidenceLink: String? }

    static func statusBadge(_ status: ObjectiveRules.Status, _ c: PageContext) -> HTML {
        let style = [ObjectiveRules.Status.met: "ok", .notMet: "warning", .noData: "pending"][status] ?? "pending"
        return HTML("<span class=\"badge \(style)\">\(c.t("objective.status.\(status.rawValue)"))</span>")
    }

    static func number(_ value: Double) -> String { ObjectiveRules.display(value) }

    static func target(_ o: Objective, _ c: PageContext) -> String { ObjectiveText.target(o, c.language, c.localizer) }

    @Sendable func list(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        return PageResponse(status: .ok, html: try await listPage(req, c: c, access: access, form: ObjectiveForm(), errors: []))
    }

    func listPage(_ req: Request, c: PageContext, access: WorkspaceAccess, form: ObjectiveForm, errors: [FieldError]) async throws -> HTML {
        var filterErrors: [FieldError] = []
        var query = ObjectiveQuery()
        let kind = req.queryValue("kind").flatMap(Text.nonBlank)
        if let kind { if let k = Objective.Kind(rawValue: kind) { query.kind = k } else { filterErrors.append(FieldError(field: "kind", code: "error.choice")) } }
        var page = Page<ObjectiveState>(items: [], nextCursor: nil)
        do {
            let request = try req.listPage()
            page = try await Objectives(req.meguri).list(access, query: query, page: request)
        } catch DomainError.invalid(let e) { filterErrors += e }
        let ownerIDs = page.items.compactMap(\.objective.ownerID)
        let owners = try await People(req.meguri).load(try req.access(), ownerIDs)
        let rows: [HTML] = page.items.map { s in
            let o = s.objective
            let latest = ObjectiveRules.latest(s.measurements)
            return """
            <tr><td><a href="\(c.w("/objectives/\(o.id)"))">\(Components.long(o.statement))</a>\(o.control.map { HTML(" <span class=\"tag\">\($0.first?.isNumber == true ? "A." + $0 : $0)</span>") })</td>
            <td class="nowrap">\(c.t("objective.kind.\(o.kind.rawValue)"))</td><td class="nowrap">\(Self.target(o, c))</td>
            <td class="nowrap">\(latest.map { "\(Self.number($0.value)) \(o.unit) (\($0.measuredOn.description))" } ?? "—")</td>
            <td class="nowrap">\(Self.statusBadge(s.status, c))</td>
            <td class="nowrap\(s.overdue ? " stale" : "")">\(s.nextDue.description)\(HTML.when(s.overdue, HTML(" <span class=\"badge expired\">\(c.t("objective.overdue"))</span>")))</td>
            <td class="nowrap">\(o.ownerID.flatMap { owners[$0]?.displayName } ?? "—")</td></tr>
            """
        }
        let kinds = [(value: "", label: c.t("form.all"))] + Objective.Kind.allCases.map { (value: $0.rawValue, label: c.t("objective.kind.\($0.rawValue)")) }
        return Layout.page(c, title: c.t("cap.objectives"), wide: true, """
        \(Components.pageHeader(c.t("cap.objectives"), subtitle: c.t("objective.intro")))
        \(Form.errorSummary(filterErrors, c))
        <form method="get" action="\(c.w("/objectives"))" class="filters" role="search">
        \(Form.select("kind", c.t("objective.kind"), options: kinds, selected: kind, errors: filterErrors, c, id: "filter-kind"))
        <button type="submit">\(c.t("form.filter"))</button>
        </form>
        \(rows.isEmpty ? Components.empty(c.t(kind == nil ? "objective.none" : "form.noMatches")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("objective.statement"))</th><th>\(c.t("objective.kind"))</th><th>\(c.t("objective.target"))</th>
        <th>\(c.t("objective.latest"))</th><th>\(c.t("field.status"))</th><th>\(c.t("objective.nextDue"))</th><th>\(c.t("field.owner"))</th></tr></thead>
        <tbody>\(rows)</tbody></table>
        """))
        \(Components.pager(c, nextCursor: page.nextCursor, total: page.total, basePath: c.w("/objectives"), query: ["kind": kind ?? ""]))
        \(HTML.when(access.allows(.objectivesManage), HTML("""
        <section class="card" id="new"><h2>\(c.t("objective.new"))</h2>
        \(Form.errorSummary(errors, c))
        \(Form.open(c.w("/objectives"), c, id: "new-objective"))
        \(fields(form, errors, c))
        \(Form.submit(c.t("objective.create")))
        \(Form.close())</section>
        """)))
        """)
    }

    func fields(_ form: ObjectiveForm, _ errors: [FieldError], _ c: PageContext) -> HTML {
        let kinds = Objective.Kind.allCases.map { (value: $0.rawValue, label: c.t("objective.kind.\($0.rawValue)")) }
        let comparators = Objective.Comparator.allCases.map { (value: $0.rawValue, label: c.t("objective.comparator.\($0.rawValue)")) }
        let frequencies = Objective.Frequency.allCases.map { (value: $0.rawValue, label: c.t("objective.frequency.\($0.rawValue)")) }
        return """
        \(Form.text("statement", c.t("objective.statement"), value: form.statement, errors: errors, c, required: true, hint: c.t("objective.statementHint")))
        <div class="row">
        \(Form.select("kind", c.t("objective.kind"), options: kinds, selected: form.kind ?? "objective", errors: errors, c))
        \(Form.text("reference", c.t("objective.reference"), value: form.reference, errors: errors, c, hint: c.t("objective.referenceHint")))
        \(Form.text("control", c.t("objective.control"), value: form.control, errors: errors, c, hint: c.t("objective.controlHint")))
        </div>
        \(Form.textarea("metric", c.t("objective.metric"), value: form.metric, errors: errors, c, rows: 2, hint: c.t("objective.metricHint")))
        <div class="row">
        \(Form.select("comparator", c.t("objective.comparator"), options: comparators, selected: form.comparator ?? "atLeast", errors: errors, c))
        \(Form.text("target", c.t("objective.target"), value: form.target, errors: errors, c, required: true, attributes: HTML(" inputmode=\"decimal\"")))
        \(Form.text("unit", c.t("objective.unit"), value: form.unit, errors: errors, c, required: true, hint: c.t("objective.unitHint")))
        \(Form.select("frequency", c.t("objective.frequency"), options: frequencies, selected: form.frequency ?? "monthly", errors: errors, c))
        </div>
        <div class="row">
        \(Form.text("owner", c.t("field.owner"), value: form.owner, errors: errors, c, type: "email", hint: c.t("hint.memberEmail")))
        \(Form.text("dueOn", c.t("field.dueOn"), value: form.dueOn, errors: errors, c, type: "date"))
        </div>
        \(Form.textarea("plan", c.t("objective.plan"), value: form.plan, errors: errors, c, rows: 3, hint: c.t("objective.planHint")))
        """
    }

    static func formErrors(_ errors: [FieldError]) -> [FieldError] {
        errors.map { var e = $0; e.field = ["ownerId": "owner"][e.field] ?? e.field; return e }
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(ObjectiveForm.self)
        let c = try await PageContext.make(req)
        do {
            let objective = try await Objectives(req.meguri).create(access, try await form.input(req, access), context: try req.context())
            return req.redirect(to: c.w("/objectives/\(objective.id)"), flash: req.t("objective.created"))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: listPage(req, c: c, access: access, form: form, errors: Self.formErrors(errors)))
                .encodeResponse(for: req)
        }
    }

    @Sendable func show(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let state = try await Objectives(req.meguri).load(access, try objectiveID(req))
        return PageResponse(status: .ok, html: try await detail(req, c: c, access: access, state: state, form: nil, errors: [], reading: nil, readingErrors: []))
    }

    func detail(_ req: Request, c: PageContext, access: WorkspaceAccess, state: ObjectiveState, form: ObjectiveForm?, errors: [FieldError],
                reading: MeasurementForm?, readingErrors: [FieldError], conflict: Bool = false) async throws -> HTML {
        let o = state.objective
        let people = try await People(req.meguri).load(try req.access(), [o.ownerID].compactMap { $0 } + state.measurements.compactMap(\.recordedBy))
        let owner = o.ownerID.flatMap { people[$0] }
        let manages = access.allows(.objectivesManage)
        let mayRecord = manages || o.ownerID == access.user.id
        let base = c.w("/objectives/\(o.id)")
        let shown = form ?? ObjectiveForm(kind: o.kind.rawValue, statement: o.statement, reference: o.reference, control: o.control, metric: o.metric, unit: o.unit,
                                          comparator: o.comparator.rawValue, target: Self.number(o.target), frequency: o.frequency.rawValue, owner: owner?.email,
                                          dueOn: o.dueOn?.description, plan: o.plan, version: o.version)
        let rows: [HTML] = state.measurements.reversed().map { m in
            """
            <tr><td class="nowrap">\(m.measuredOn.description)</td><td class="num">\(Self.number(m.value)) \(o.unit)</td>
            <td>\(ObjectiveRules.meets(m.value, o) ? HTML("<span class=\"badge ok\">\(c.t("objective.status.met"))</span>") : HTML("<span class=\"badge warning\">\(c.t("objective.status.notMet"))</span>"))</td>
            <td class="prose">\(m.note ?? "")</td><td>\(m.evidenceLink.map { HTML("<a href=\"\($0)\" rel=\"noopener noreferrer\">\(c.t("objective.evidence"))</a>") } ?? "")</td>
            <td>\(m.recordedBy.flatMap { people[$0]?.displayName } ?? "—")</td>
            <td>\(HTML.when(manages, HTML("\(Form.open(c.w("/measurements/\(m.id)/delete"), c))<button type=\"submit\" class=\"link danger\">\(c.t("form.delete"))</button>\(Form.close())")))</td></tr>
            """
        }
        func row(_ key: String, _ value: HTML?) -> HTML { "<dt>\(c.t(key))</dt><dd>\(value ?? "—")</dd>" }
        return Layout.page(c, title: o.statement, wide: true, """
        \(Components.pageHeader(o.statement, subtitle: c.t("objective.kind.\(o.kind.rawValue)"), actions: HTML("""
        <a class="button" href="\(c.w("/objectives"))">\(c.t("objective.back"))</a>
        \(HTML.when(access.allows(.auditTrailRead), "<a class=\"button\" href=\"\(c.w("/history/objective/\(o.id)"))\">\(c.t("audit.history"))</a>"))
        """)))
        \(HTML.when(conflict, HTML("<div class=\"flash warning\" role=\"alert\">\(c.t("form.conflict"))</div>")))
        <section class="card"><dl class="facts">
        \(row("field.status", Self.statusBadge(state.status, c)))
        \(row("objective.target", HTML("\(Self.target(o, c))")))
        \(row("objective.metric", HTML("<span class=\"prose\">\(o.metric)</span>")))
        \(row("objective.frequency", HTML("\(c.t("objective.frequency.\(o.frequency.rawValue)"))")))
        \(row("objective.nextDue", HTML("\(state.nextDue.description)\(HTML.when(state.overdue, HTML(" <span class=\"badge expired\">\(c.t("objective.overdue"))</span>")))")))
        \(row("objective.reference", o.reference.map { HTML("\($0)") }))
        \(row("objective.control", o.control.map { ControlList.html(c, req.meguri.catalog, [$0]) }))
        \(row("field.owner", owner.map { HTML("\($0.displayName)") }))
        \(row("field.dueOn", o.dueOn.map { HTML("\($0.description)") }))
        \(row("objective.plan", o.plan.map { HTML("<span class=\"prose\">\($0)</span>") }))
        </dl></section>
        <section class="card"><h2>\(c.t("objective.trend"))</h2>\(TrendChart.svg(o, state.measurements, c))</section>
        \(HTML.when(mayRecord, HTML("""
        <section class="card" id="record"><h2>\(c.t("objective.record"))</h2>
        \(Form.errorSummary(readingErrors, c))
        \(Form.open("\(base)/measurements", c, id: "new-measurement"))
        <div class="row">
        \(Form.text("measuredOn", c.t("objective.measuredOn"), value: reading?.measuredOn ?? access.today.description, errors: readingErrors, c, type: "date", required: true))
        \(Form.text("measurement", "\(c.t("objective.value")) (\(o.unit))", value: reading?.measurement, errors: readingErrors, c, required: true, attributes: HTML(" inputmode=\"decimal\"")))
        \(Form.text("evidenceLink", c.t("field.evidenceLink"), value: reading?.evidenceLink, errors: readingErrors, c, type: "url"))
        </div>
        \(Form.textarea("note", c.t("field.note"), value: reading?.note, errors: readingErrors, c, rows: 2))
        \(Form.submit(c.t("objective.recordButton")))
        \(Form.close())</section>
        """)))
        <section class="card"><h2>\(c.t("objective.measurements"))</h2>
        \(rows.isEmpty ? Components.empty(c.t("objective.noMeasurements")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("objective.measuredOn"))</th><th>\(c.t("objective.value"))</th><th>\(c.t("field.status"))</th><th>\(c.t("field.note"))</th>
        <th>\(c.t("objective.evidence"))</th><th>\(c.t("objective.recordedBy"))</th><th></th></tr></thead><tbody>\(rows)</tbody></table>
        """))</section>
        \(HTML.when(manages, HTML("""
        <section class="card"><h2>\(c.t("objective.edit"))</h2>
        \(Form.errorSummary(errors, c))
        \(Form.open(base, c, id: "edit-objective"))\(Form.version(shown.version ?? o.version))
        \(fields(shown, errors, c))
        \(Form.submit(c.t("form.save")))
        \(Form.close())</section>
        <section class="card danger-zone"><h2>\(c.t("objective.delete"))</h2>
        \(Form.open("\(base)/delete", c))\(Form.version(o.version))<div class="actions"><button type="submit" class="danger">\(c.t("form.delete"))</button></div>\(Form.close())</section>
        """)))
        """)
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try objectiveID(req)
        let form = try req.content.decode(ObjectiveForm.self)
        let objectives = Objectives(req.meguri)
        let c = try await PageContext.make(req)
        do {
            _ = try await objectives.update(access, id, try await form.input(req, access), expectedVersion: form.version, context: try req.context())
            return req.redirect(to: c.w("/objectives/\(id)"), flash: req.t("form.saved"))
        } catch DomainError.invalid(let errors) {
            let state = try await objectives.load(access, id)
            return try await PageResponse(status: .unprocessableEntity, html: detail(req, c: c, access: access, state: state, form: form, errors: Self.formErrors(errors),
                                                                                  reading: nil, readingErrors: [])).encodeResponse(for: req)
        } catch DomainError.conflict {
            let state = try await objectives.load(access, id)
            return try await PageResponse(status: .conflict, html: detail(req, c: c, access: access, state: state, form: nil, errors: [], reading: nil, readingErrors: [],
                                                                       conflict: true)).encodeResponse(for: req)
        }
    }

    @Sendable func delete(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(AssetPages.VersionForm.self)
        try await Objectives(req.meguri).delete(access, try objectiveID(req), expectedVersion: form.version, context: try req.context())
        return req.redirect(to: PageContext(request: req).w("/objectives"), flash: req.t("objective.deleted"))
    }

    @Sendable func record(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try objectiveID(req)
        let form = try req.content.decode(MeasurementForm.self)
        let objectives = Objectives(req.meguri)
        let c = try await PageContext.make(req)
        do {
            _ = try await objectives.record(access, id, MeasurementInput(measuredOn: form.measuredOn, value: form.measurement, note: form.note, evidenceLink: form.evidenceLink),
                                            context: try req.context())
            return req.redirect(to: c.w("/objectives/\(id)"), flash: req.t("objective.recorded"))
        } catch DomainError.invalid(let errors) {
            let state = try await objectives.load(access, id)
            return try await PageResponse(status: .unprocessableEntity, html: detail(req, c: c, access: access, state: state, form: nil, errors: [], reading: form,
                                                                                  readingErrors: errors)).encodeResponse(for: req)
        }
    }

    @Sendable func deleteMeasurement(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try req.id("measurementID", ObjectiveMeasurement.ID.self, entity: "measurement")
        let objective = try? await Objectives(req.meguri).measurement(access, id).objectiveID
        try await Objectives(req.meguri).deleteMeasurement(access, id, context: try req.context())
        return req.redirect(to: PageContext(request: req).w(objective.map { "/objectives/\($0)" } ?? "/objectives"), flash: req.t("objective.measurementDeleted"))
    }
}

/// The measurements of an objective as a server-drawn line chart with the target as a dashed line.
enum TrendChart {
    static func svg(_ o: Objective, _ measurements: [ObjectiveMeasurement], _ c: PageContext) -> HTML {
        guard !measurements.isEmpty else { return HTML("<p class=\"muted\">\(c.t("objective.noMeasurements"))</p>") }
        let width = 640.0, height = 220.0, left = 48.0, right = 16.0, top = 16.0, bottom = 36.0
        let values = measurements.map(\.value) + [o.target]
        var low = values.min() ?? 0, high = values.max() ?? 1
        if high - low < 1e-9 { low -= 1; high += 1 }
        let span = high - low
        low -= span * 0.1; high += span * 0.1
        let days = measurements.map(\.measuredOn.dayNumber)
        let first = Double(days.min() ?? 0), last = Double(max((days.max() ?? 0), (days.min() ?? 0) + 1))
        func x(_ day: Int) -> Double { left + (Double(day) - first) / (last - first) * (width - left - right) }
        func y(_ value: Double) -> Double { top + (high - value) / (high - low) * (height - top - bottom) }
        func f(_ value: Double) -> String { String(format: "%.1f", value) }
        let points = measurements.map { "\(f(x($0.measuredOn.dayNumber))),\(f(y($0.value)))" }.joined(separator: " ")
        let dots = measurements.map { m in
            let fill = ObjectiveRules.meets(m.value, o) ? "#2e7d4f" : "#b45309"
            return "<circle cx=\"\(f(x(m.measuredOn.dayNumber)))\" cy=\"\(f(y(m.value)))\" r=\"4\" fill=\"\(fill)\"><title>\(m.measuredOn): \(ObjectivePages.number(m.value)) \(HTML.escape(o.unit))</title></circle>"
        }.joined()
        let targetY = y(o.target)
        // The first date starts at its point and the last ends at its point, so neither is cut off
        // at the chart's edge (one measurement: centred).
        let ends = measurements.count == 1 ? [(measurements[0], "middle")] : [(measurements.first!, "start"), (measurements.last!, "end")]
        let labels = ends.map { m, anchor in
            "<text x=\"\(f(x(m.measuredOn.dayNumber)))\" y=\"\(f(height - 12))\" font-size=\"11\" text-anchor=\"\(anchor)\">\(m.measuredOn)</text>"
        }.joined()
        let svg = """
        <svg class="trend" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(HTML.escape(c.t("objective.trend")))" xmlns="http://www.w3.org/2000/svg">
        <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(height - bottom)" stroke="#999"/><line x1="\(left)" y1="\(height - bottom)" x2="\(width - right)" y2="\(height - bottom)" stroke="#999"/>
        <line x1="\(left)" y1="\(String(format: "%.1f", targetY))" x2="\(width - right)" y2="\(String(format: "%.1f", targetY))" stroke="#1f5f8b" stroke-dasharray="6 4"/>
        <text x="\(left - 6)" y="\(String(format: "%.1f", targetY + 4))" font-size="11" text-anchor="end">\(HTML.escape(ObjectivePages.number(o.target)))</text>
        <polyline fill="none" stroke="#444" stroke-width="2" points="\(points)"/>\(dots)\(labels)</svg>
        """
        return HTML(raw: svg)
    }
}
