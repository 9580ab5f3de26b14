import Domain
import Features
import Foundation
import Vapor

/// The annual plan (年間計画): the year as twelve columns, a month calendar and a list; planned
/// activities with their occurrences marked done or skipped; the typical plan; A4 landscape print,
/// CSV/Excel export; the calendar addresses people subscribe to.
struct PlanPages {
    let maxBytes: Int

    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "w", ":slug", "annual-plan", access: .workspace(.planRead), use: show)
        routes.endpoint(.GET, "w", ":slug", "annual-plan", "print", access: .workspace(.planRead), use: printable)
        routes.endpoint(.GET, "w", ":slug", "annual-plan", "export", access: .workspace(.planRead), use: export)
        routes.endpoint(.GET, "w", ":slug", "annual-plan", "typical", access: .workspace(.planManage), use: typical)
        routes.endpoint(.POST, "w", ":slug", "annual-plan", "typical", access: .workspace(.planManage), use: adopt)
        routes.endpoint(.POST, "w", ":slug", "annual-plan", "calendar", access: .workspace(.planManage), use: renewWorkspaceFeed)
        routes.endpoint(.GET, "w", ":slug", "annual-plan", "activities", "new", access: .workspace(.planManage), use: newActivity)
        routes.endpoint(.POST, "w", ":slug", "annual-plan", "activities", access: .workspace(.planManage), use: create)
        routes.endpoint(.GET, "w", ":slug", "annual-plan", "activities", ":activityID", access: .workspace(.workspaceRead), use: activity)
        routes.endpoint(.POST, "w", ":slug", "annual-plan", "activities", ":activityID", access: .workspace(.planManage), use: update)
        routes.endpoint(.POST, "w", ":slug", "annual-plan", "activities", ":activityID", "delete", access: .workspace(.planManage), use: delete)
        routes.endpoint(.POST, "w", ":slug", "annual-plan", "activities", ":activityID", "occurrences", access: .workspace(.workspaceRead),
                        body: .collect(maxSize: ByteCount(value: maxBytes + 1_048_576)), use: mark)
        routes.endpoint(.POST, "w", ":slug", "annual-plan", "activities", ":activityID", "reopen", access: .workspace(.planManage), use: reopen)
        routes.endpoint(.POST, "account", "calendar", access: .signedIn, use: renewPersonalFeed)
        routes.endpoint(.GET, "calendar", ":token", access: .anyone, use: feed)
    }

    static func activityID(_ req: Request) throws -> PlannedActivity.ID { try req.id("activityID", PlannedActivity.ID.self, entity: PlannedActivity.auditEntity) }

    static func feedURL(_ req: Request, _ token: String) -> String {
        PageContext(request: req).baseURLValue + "/calendar/\(token).ics"
    }

    // MARK: The plan

    struct Filters: Content {
        var view, year, month, phase, kind, owner, department, status: String?
    }

    func query(_ f: Filters, access: WorkspaceAccess, from: CalendarDate, to: CalendarDate) -> PlanQuery {
        var q = PlanQuery(from: from, to: to)
        q.phase = f.phase.flatMap(PlanPhase.init(rawValue:))
        q.kind = f.kind.flatMap(PlanItem.Kind.init(rawValue:))
        q.status = f.status.flatMap(PlanItem.Status.init(rawValue:))
        if f.owner == "me" { q.ownerID = access.user.id } else { q.ownerID = f.owner.flatMap(User.ID.init) }
        q.departmentID = f.department.flatMap(Department.ID.init)
        return q
    }

    static func fiscalYear(_ raw: String?, _ access: WorkspaceAccess) -> Int {
        let allowed = PlanRules.window(today: access.today, startMonth: access.workspace.fiscalYearStartMonth)
        if let raw, let year = Int(Text.halfWidthDigits(raw)), year >= allowed.lowerBound.year, year < allowed.upperBound.year { return year }
        return AnnualPlan.currentFiscalYear(access)
    }

    func label(_ item: PlanItem, _ c: PageContext) -> String { AnnualPlan.label(item, language: c.language, localizer: c.localizer) }

    func badge(_ status: PlanItem.Status, _ c: PageContext) -> HTML {
        "<span class=\"plan-status plan-\(status.rawValue)\">\(c.t("annual.status.\(status.rawValue)"))</span>"
    }

    @Sendable func show(_ req: Request) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let f = try req.query.decode(Filters.self)
        let view = ["year", "month", "list"].contains(f.view ?? "") ? f.view! : "year"
        let year = Self.fiscalYear(f.year, access)
        let range = PlanRules.fiscalYear(year, startMonth: access.workspace.fiscalYearStartMonth)
        let plan = AnnualPlan(req.meguri)
        let departments = try await Departments(req.meguri).all(access)
        let manage = access.allows(.planManage)
        let body: HTML
        switch view {
        case "month":
            let monthStart = f.month.flatMap { CalendarDate($0 + "-01") } ?? CalendarDate(year: access.today.year, month: access.today.month, day: 1)!
            let allowed = PlanRules.window(today: access.today, startMonth: access.workspace.fiscalYearStartMonth)
            let start = allowed.contains(monthStart) ? monthStart : CalendarDate(year: access.today.year, month: access.today.month, day: 1)!
            let end = start.adding(months: 1).adding(days: -1)
            let items = try await plan.items(access, query(f, access: access, from: start, to: end))
            body = monthView(c, start: start, items: items, filters: f)
        case "list":
            let items = try await plan.items(access, query(f, access: access, from: range.lowerBound, to: range.upperBound))
            let people = try await People(req.meguri).load(access, Array(Set(items.compactMap(\.ownerID))))
            body = listView(c, items: items, people: people, departments: departments)
        default:
            let grid = try await plan.year(access, fiscalYear: year, filters: query(f, access: access, from: range.lowerBound, to: range.upperBound))
            body = yearView(c, grid, access: access)
        }
        var feed: HTML = .empty
        if manage {
            let token = try await CalendarFeeds(req.meguri).workspace(access)
            feed = """
            <details class="card"><summary><strong>\(c.t("annual.feedTitle"))</strong></summary>
            <p class="hint">\(c.t("annual.feedHint"))</p>
            <p><input class="copy" readonly value="\(Self.feedURL(req, token))" aria-label="\(c.t("annual.feedTitle"))" id="plan-feed-url"></p>
            \(Form.open(c.w("/annual-plan/calendar"), c))<div class="actions"><button type="submit">\(c.t("calendar.renew"))</button></div>\(Form.close())
            </details>
            """
        }
        let years = (year - 1...year + 1).map { y -> HTML in
            y == year ? "<strong>\(c.t("annual.fiscalYear", ["year": String(y)]))</strong>"
                : "<a href=\"\(c.w("/annual-plan"))?view=\(view)&amp;year=\(y)\">\(c.t("annual.fiscalYear", ["year": String(y)]))</a>"
        }
        let tabs = ["year", "month", "list"].map { v -> HTML in
            v == view ? "<strong aria-current=\"page\">\(c.t("annual.view.\(v)"))</strong>" : "<a href=\"\(c.w("/annual-plan"))?view=\(v)&amp;year=\(year)\">\(c.t("annual.view.\(v)"))</a>"
        }
        let actions: HTML = """
        \(manage ? HTML("<a class=\"button primary\" href=\"\(c.w("/annual-plan/activities/new"))\">\(c.t("annual.newActivity"))</a><a class=\"button\" href=\"\(c.w("/annual-plan/typical"))?year=\(year)\">\(c.t("annual.typical"))</a>") : .empty)
        <a class="button" href="\(c.w("/annual-plan/print"))?year=\(year)">\(c.t("annual.print"))</a>
        <a class="button" href="\(c.w("/annual-plan/export"))?year=\(year)&amp;format=xlsx">\(c.t("export.xlsx"))</a>
        <a class="button" href="\(c.w("/annual-plan/export"))?year=\(year)&amp;format=csv">\(c.t("export.csv"))</a>
        """
        return Layout.page(c, title: c.t("annual.title"), wide: true, """
        \(Components.pageHeader(c.t("annual.title"), subtitle: c.t("annual.subtitle", ["from": range.lowerBound.description, "to": range.upperBound.description]), actions: actions))
        <nav class="plan-nav" aria-label="\(c.t("annual.title"))"><span class="tabs">\(HTML(raw: tabs.map { $0.rendered }.joined(separator: " · ")))</span><span class="years">\(HTML(raw: years.map { $0.rendered }.joined(separator: " · ")))</span></nav>
        \(filterForm(c, f, view: view, year: year, departments: departments))
        \(body)
        \(feed)
        """)
    }

    func filterForm(_ c: PageContext, _ f: Filters, view: String, year: Int, departments: [Department]) -> HTML {
        let phases = [(value: "", label: c.t("annual.allPhases"))] + PlanPhase.allCases.map { (value: $0.rawValue, label: c.t("phase.\($0.rawValue)")) }
        let kinds = [(value: "", label: c.t("annual.allKinds"))] + PlanItem.Kind.allCases.map { (value: $0.rawValue, label: c.t("annual.kind.\($0.rawValue)")) }
        let statuses = [(value: "", label: c.t("annual.allStatuses"))] + PlanItem.Status.allCases.map { (value: $0.rawValue, label: c.t("annual.status.\($0.rawValue)")) }
        let depts = [(value: "", label: c.t("annual.allDepartments"))] + departments.map { (value: $0.id.description, label: $0.name) }
        return """
        <form class="filters" method="get" action="\(c.w("/annual-plan"))">
        \(Form.hidden("view", view))\(Form.hidden("year", String(year)))\(f.month.map { Form.hidden("month", $0) } ?? .empty)
        \(Form.select("phase", c.t("annual.phase"), options: phases, selected: f.phase, errors: [], c))
        \(Form.select("kind", c.t("annual.kind"), options: kinds, selected: f.kind, errors: [], c))
        \(Form.select("status", c.t("annual.status"), options: statuses, selected: f.status, errors: [], c))
        \(Form.select("department", c.t("field.department"), options: depts, selected: f.department, errors: [], c))
        <div class="field checkbox"><input type="checkbox" id="f-owner-me" name="owner" value="me"\(f.owner == "me" ? HTML(" checked") : .empty)><label for="f-owner-me">\(c.t("annual.mineOnly"))</label></div>
        <div class="actions"><button type="submit">\(c.t("form.filter"))</button></div>
        </form>
        """
    }

    func yearView(_ c: PageContext, _ grid: PlanYear, access: WorkspaceAccess) -> HTML {
        guard !grid.rows.isEmpty else {
            return Components.empty(c.t("annual.empty"), action: access.allows(.planManage)
                ? HTML("<a class=\"button primary\" href=\"\(c.w("/annual-plan/typical"))?year=\(grid.fiscalYear)\">\(c.t("annual.typical"))</a>") : .empty)
        }
        let head: [HTML] = grid.months.map { m in
            let current = m.year == access.today.year && m.month == access.today.month
            return "<th scope=\"col\" class=\"num\(current ? " plan-now" : "")\">\(c.t("annual.monthShort.\(m.month)"))</th>"
        }
        let rows: [HTML] = grid.rows.map { row in
            let cells: [HTML] = row.months.enumerated().map { index, items in
                guard !items.isEmpty else { return "<td class=\"plan-cell\"></td>" }
                let worst: PlanItem.Status = items.contains { $0.status == .overdue } ? .overdue : items.allSatisfy { $0.status == .done || $0.status == .skipped } ? .done : .planned
                let title = items.prefix(8).map { "\($0.date.description) \(c.t("annual.status.\($0.status.rawValue)"))" }.joined(separator: "\n")
                let m = grid.months[index]
                let link = items.count == 1 ? items[0].link : "\(c.w("/annual-plan"))?view=month&month=\(String(format: "%04d-%02d", m.year, m.month))&kind=\(row.kind.rawValue)"
                // One dated item shows its day; several (or a grouped kind) how many there are.
                let grouped = row.kind == .assetReview ? items.compactMap { Int($0.title) }.reduce(0, +) : items.count
                let text = items.count == 1 && row.kind != .assetReview ? "\(items[0].date.day)" : "\(grouped)"
                return "<td class=\"plan-cell\"><a class=\"plan-mark plan-\(worst.rawValue)\" href=\"\(link)\" title=\"\(title)\">\(text)</a></td>"
            }
            let owner = row.ownerID.flatMap { grid.names[$0] }
            return """
            <tr><th scope="row" class="plan-row"><a href="\(row.link)">\(row.title)</a><span class="small muted"> \(c.t("phase.\(row.phase.rawValue)"))\(owner.map { " · " + $0 } ?? "")</span></th>\(cells)</tr>
            """
        }
        let overdue = grid.items.filter { $0.status == .overdue }.count
        let done = grid.items.filter { $0.status == .done }.count
        return """
        <p class="plan-legend"><span class="plan-mark plan-planned">1</span> \(c.t("annual.status.planned")) <span class="plan-mark plan-done">1</span> \(c.t("annual.status.done"))
        <span class="plan-mark plan-overdue">1</span> \(c.t("annual.status.overdue")) — \(c.t("annual.counts", ["total": String(grid.items.count), "done": String(done), "overdue": String(overdue)]))</p>
        <div class="table-scroll"><table class="table plan-grid"><thead><tr><th scope="col">\(c.t("annual.activity"))</th>\(head)</tr></thead><tbody>\(rows)</tbody></table></div>
        """
    }

    func monthView(_ c: PageContext, start: CalendarDate, items: [PlanItem], filters f: Filters) -> HTML {
        let first = start.adding(days: -start.weekday.rawValue)
        let end = start.adding(months: 1).adding(days: -1)
        var weeks: [HTML] = []
        var day = first
        while day <= end {
            var cells: [HTML] = []
            for _ in 0..<7 {
                let mine = items.filter { $0.date == day }
                var entries: [HTML] = mine.prefix(mine.count > 5 ? 4 : 5).map { "<li><a class=\"plan-\($0.status.rawValue)\" href=\"\($0.link)\">\(label($0, c))</a></li>" }
                if mine.count > 5 {
                    entries.append("<li><a href=\"\(c.w("/annual-plan"))?view=list&amp;year=\(c.access.map { AnnualPlan.currentFiscalYear($0) } ?? day.year)\">\(c.t("annual.more", ["count": String(mine.count - 4)]))</a></li>")
                }
                let outside = day.month != start.month
                cells.append("<td class=\"plan-day\(outside ? " muted" : "")\"><span class=\"plan-date\">\(day.day)</span>\(entries.isEmpty ? HTML.empty : HTML("<ul>\(entries.joined())</ul>"))</td>")
                day = day.adding(days: 1)
            }
            weeks.append("<tr>\(cells.joined())</tr>")
        }
        let head: [HTML] = Weekday.allCases.map { "<th scope=\"col\">\(c.t("annual.weekday.\($0.code)"))</th>" }
        let prev = start.adding(months: -1), next = start.adding(months: 1)
        func link(_ d: CalendarDate) -> String { "\(c.w("/annual-plan"))?view=month&amp;month=\(String(format: "%04d-%02d", d.year, d.month))" }
        return """
        <div class="plan-month-nav"><a href="\(link(prev))">← \(c.t("annual.monthTitle", ["year": String(prev.year), "month": String(prev.month)]))</a>
        <h2>\(c.t("annual.monthTitle", ["year": String(start.year), "month": String(start.month)]))</h2>
        <a href="\(link(next))">\(c.t("annual.monthTitle", ["year": String(next.year), "month": String(next.month)])) →</a></div>
        \(items.isEmpty ? Components.empty(c.t("annual.emptyMonth")) : .empty)
        <div class="table-scroll"><table class="table plan-calendar"><thead><tr>\(head)</tr></thead><tbody>\(weeks.joined())</tbody></table></div>
        """
    }

    func listView(_ c: PageContext, items: [PlanItem], people: [User.ID: User], departments: [Department]) -> HTML {
        guard !items.isEmpty else { return Components.empty(c.t("annual.emptyList")) }
        let names = Dictionary(uniqueKeysWithValues: departments.map { ($0.id, $0.name) })
        let rows: [HTML] = items.prefix(2000).map { item in
            """
            <tr><td class="nowrap">\(item.date.description)</td><td><a href="\(item.link)">\(label(item, c))</a></td><td>\(badge(item.status, c))</td>
            <td>\(c.t("phase.\(item.phase.rawValue)"))</td><td>\(item.ownerID.flatMap { people[$0]?.displayName } ?? "—")</td>
            <td>\(item.departmentID.flatMap { names[$0] } ?? "—")</td></tr>
            """
        }
        return """
        <div class="table-scroll"><table class="table"><thead><tr><th>\(c.t("annual.date"))</th><th>\(c.t("annual.item"))</th><th>\(c.t("annual.status"))</th>
        <th>\(c.t("annual.phase"))</th><th>\(c.t("field.owner"))</th><th>\(c.t("field.department"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
        \(items.count > 2000 ? HTML("<p class=\"hint\">\(c.t("annual.listCut", ["count": String(items.count)]))</p>") : .empty)
        """
    }

    @Sendable func printable(_ req: Request) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let year = Self.fiscalYear(req.query[String.self, at: "year"], access)
        let grid = try await AnnualPlan(req.meguri).year(access, fiscalYear: year)
        let range = PlanRules.fiscalYear(year, startMonth: access.workspace.fiscalYearStartMonth)
        let head: [HTML] = grid.months.map { "<th class=\"num\">\(c.t("annual.monthShort.\($0.month)"))</th>" }
        let rows: [HTML] = grid.rows.map { row in
            let cells: [HTML] = row.months.map { items in
                guard !items.isEmpty else { return "<td></td>" }
                let marks = items.prefix(6).map { i -> String in (i.status == .done ? "●" : i.status == .overdue ? "▲" : i.status == .skipped ? "－" : "○") + "\(i.date.day)" }
                return "<td class=\"num\">\(marks.joined(separator: " "))\(items.count > 6 ? "…" : "")</td>"
            }
            return "<tr><td>\(row.title)</td><td>\(c.t("phase.\(row.phase.rawValue)"))</td>\(cells)</tr>"
        }
        return Layout.page(c, title: "\(c.t("annual.title")) — \(access.workspace.name)", wide: true, """
        <article class="report plan-print">
        <header class="report-header"><p>\(access.workspace.organizationName ?? access.workspace.name)</p>
        <h1>\(c.t("annual.printTitle", ["year": String(year)]))</h1><p>\(range.lowerBound.description) – \(range.upperBound.description) · \(c.t("annual.printLegend"))</p></header>
        <table class="table report-table plan-grid"><thead><tr><th>\(c.t("annual.activity"))</th><th>\(c.t("annual.phase"))</th>\(head)</tr></thead><tbody>\(rows)</tbody></table>
        </article>
        """)
    }

    @Sendable func export(_ req: Request) async throws -> Response {
        let access = try req.access()
        let format = try Exporting.format(req)
        let year = Self.fiscalYear(req.query[String.self, at: "year"], access)
        let data = try await AnnualPlan(req.meguri).export(access, fiscalYear: year, format: format, language: req.language, baseURL: PageContext(request: req).baseURLValue)
        return Exporting.file(data, name: "plan-\(access.workspace.slug)-\(year)", format: format)
    }

    // MARK: Planned activities

    struct ActivityForm: Content {
        var title, description, rrule, startsOn, phase, owner, department, references, expectedEvidence, repeatPreset: String?
        var version: Int?

        init(_ a: PlannedActivity? = nil, ownerEmail: String? = nil, today: CalendarDate? = nil) {
            if let a {
                title = a.title; description = a.description; rrule = a.rrule; startsOn = a.startsOn.description; phase = a.phase.rawValue
                owner = ownerEmail; department = a.departmentID?.description; references = a.references.joined(separator: ", ")
                expectedEvidence = a.expectedEvidence; version = a.version
            } else {
                startsOn = today?.description; phase = PlanPhase.do.rawValue
            }
        }

        /// The owner is named by e-mail, as on every page that names a member.
        func input(_ req: Request, _ access: WorkspaceAccess) async throws -> PlannedActivityInput {
            let ownerID = try await CheckActViews.person(owner, field: "owner", req, access)
            return PlannedActivityInput(title: title, description: description ?? "", rrule: rrule ?? "", startsOn: startsOn, phase: phase,
                                        ownerID: ownerID?.description ?? "", departmentID: department ?? "", references: [references ?? ""],
                                        expectedEvidence: expectedEvidence ?? "")
        }
    }

    func activityFields(_ c: PageContext, _ form: ActivityForm, departments: [Department], errors: [FieldError]) -> HTML {
        let phases = PlanPhase.allCases.map { (value: $0.rawValue, label: c.t("phase.\($0.rawValue)")) }
        let depts = [(value: "", label: c.t("document.noDepartment"))] + departments.map { (value: $0.id.description, label: $0.name) }
        let presets: [(String, String)] = [("", "annual.repeat.custom"), ("FREQ=MONTHLY;BYDAY=2TU", "annual.repeat.secondTuesday"), ("FREQ=MONTHLY", "annual.repeat.monthly"),
                                           ("FREQ=MONTHLY;INTERVAL=3", "annual.repeat.quarterly"), ("FREQ=MONTHLY;INTERVAL=6", "annual.repeat.halfYearly"),
                                           ("FREQ=YEARLY", "annual.repeat.yearly"), ("FREQ=WEEKLY", "annual.repeat.weekly")]
        let presetList: [HTML] = presets.dropFirst().map { "<li><code>\($0.0)</code> — \(c.t($0.1))</li>" }
        return """
        \(Form.text("title", c.t("annual.activityTitle"), value: form.title, errors: errors, c, required: true))
        <div class="row">
        \(Form.text("startsOn", c.t("annual.startsOn"), value: form.startsOn, errors: errors, c, type: "date", required: true))
        \(Form.text("rrule", c.t("annual.rrule"), value: form.rrule, errors: errors, c, hint: c.t("annual.rruleHint"), attributes: " list=\"rrule-presets\" spellcheck=\"false\" autocapitalize=\"characters\""))
        \(Form.select("phase", c.t("annual.phase"), options: phases, selected: form.phase, errors: errors, c))
        </div>
        <datalist id="rrule-presets">\(presets.dropFirst().map { HTML("<option value=\"\($0.0)\">\(c.t($0.1))</option>") })</datalist>
        <details class="hint"><summary>\(c.t("annual.rruleExamples"))</summary><ul>\(presetList)</ul></details>
        <div class="row">
        \(Form.text("owner", c.t("field.owner"), value: form.owner, errors: errors, c, type: "email", hint: c.t("hint.memberEmail")))
        \(Form.select("department", c.t("field.department"), options: depts, selected: form.department, errors: errors, c))
        \(Form.text("references", c.t("annual.references"), value: form.references, errors: errors, c, hint: c.t("annual.referencesHint")))
        </div>
        \(Form.textarea("expectedEvidence", c.t("annual.expectedEvidence"), value: form.expectedEvidence, errors: errors, c, rows: 2))
        \(Form.textarea("description", c.t("field.description"), value: form.description, errors: errors, c, rows: 3))
        """
    }

    func newPage(_ req: Request, form: ActivityForm?, errors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let departments = try await Departments(req.meguri).all(access)
        return Layout.page(c, title: c.t("annual.newActivity"), """
        \(Components.pageHeader(c.t("annual.newActivity"), subtitle: c.t("annual.newActivityHint"), actions: HTML("<a class=\"button\" href=\"\(c.w("/annual-plan"))\">\(c.t("annual.back"))</a>")))
        <section class="card">\(Form.errorSummary(errors, c))
        \(Form.open(c.w("/annual-plan/activities"), c, id: "activity-form"))
        \(activityFields(c, form ?? ActivityForm(today: access.today), departments: departments, errors: errors))
        \(Form.submit(c.t("form.save")))\(Form.close())</section>
        """)
    }

    @Sendable func newActivity(_ req: Request) async throws -> HTML { try await newPage(req, form: nil, errors: []) }

    @Sendable func create(_ req: Request) async throws -> Response {
        let access = try req.access()
        return try await req.submit(ActivityForm.self) { form in
            let activity = try await AnnualPlan(req.meguri).create(access, try await form.input(req, access), context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/annual-plan/activities/\(activity.id)", flash: req.t("annual.activitySaved", ["title": activity.title]))
        } render: { form, errors in try await newPage(req, form: form, errors: errors) }
    }

    /// One activity: its occurrences in the fiscal year with what became of each, the form to mark
    /// one done (note, evidence file) or skipped (reason), and the edit form for those who keep the plan.
    func activityPage(_ req: Request, form: ActivityForm?, errors: [FieldError], markErrors: [FieldError] = [], markDate: String? = nil) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let activity = try await AnnualPlan(req.meguri).activityForOwner(access, try Self.activityID(req))
        let manage = access.allows(.planManage)
        let mayMark = manage || activity.ownerID == access.user.id
        let year = AnnualPlan.currentFiscalYear(access)
        let window = PlanRules.fiscalYear(year - 1, startMonth: access.workspace.fiscalYearStartMonth).lowerBound...PlanRules.fiscalYear(year + 1, startMonth: access.workspace.fiscalYearStartMonth).upperBound
        let dates = activity.occurrences(in: window, zone: access.workspace.zone)
        let chosen = markDate ?? req.query[String.self, at: "date"]
        let people = try await People(req.meguri).load(access, Array(Set(activity.outcomes.map(\.by) + [activity.ownerID].compactMap { $0 })))
        let base = c.w("/annual-plan/activities/\(activity.id)")
        let rows: [HTML] = dates.map { day in
            let outcome = activity.outcome(on: day)
            let status: PlanItem.Status = outcome?.state == .skipped ? .skipped : PlanItem.status(done: outcome?.state == .done, date: day, today: access.today)
            let detail: HTML = outcome.map { o in
                HTML("\(o.note ?? "")\(o.evidenceID.map { HTML(" <a href=\"\(c.w("/evidence/\($0)"))\">\(c.t("annual.evidenceLink"))</a>") } ?? .empty) <span class=\"small muted\">\(people[o.by]?.displayName ?? "") \(c.timestamp(o.at))</span>")
            } ?? .empty
            var action: HTML = .empty
            if outcome == nil && mayMark {
                action = "<a href=\"\(base)?date=\(day)#mark\">\(c.t(day > access.today ? "annual.skipThis" : "annual.markThis"))</a>"
            } else if outcome != nil && manage {
                action = "\(Form.open("\(base)/reopen", c))\(Form.hidden("date", day.description))<button type=\"submit\" class=\"link\">\(c.t("annual.reopen"))</button>\(Form.close())"
            }
            let here = chosen == day.description
            return "<tr\(here ? HTML(" class=\"highlight\" id=\"d-\(day)\"") : .empty)><td class=\"nowrap\">\(day.description) (\(c.t("annual.weekday.\(day.weekday.code)")))</td><td>\(badge(status, c))</td><td>\(detail)</td><td>\(action)</td></tr>"
        }
        var markForm: HTML = .empty
        if mayMark, let raw = chosen, let day = CalendarDate(raw), dates.contains(day), activity.outcome(on: day) == nil || !markErrors.isEmpty {
            let states = (day > access.today ? [] : [(value: "done", label: c.t("annual.status.done"))]) + [(value: "skipped", label: c.t("annual.status.skipped"))]
            markForm = """
            <section class="card" id="mark"><h2>\(c.t("annual.markTitle", ["date": day.description]))</h2>
            \(Form.errorSummary(markErrors, c))
            \(Form.open("\(base)/occurrences", c, multipart: true, id: "mark-form"))\(Form.hidden("date", day.description))
            \(Form.select("state", c.t("annual.outcome"), options: states, selected: states.first?.value, errors: markErrors, c))
            \(Form.textarea("note", c.t("annual.note"), value: nil, errors: markErrors, c, rows: 2, hint: c.t("annual.noteHint")))
            \(day > access.today ? HTML.empty : Form.text("file", c.t("annual.evidenceFile"), value: nil, errors: markErrors, c, type: "file", hint: activity.expectedEvidence.map { c.t("annual.expected", ["text": $0]) }))
            \(Form.submit(c.t("form.save")))\(Form.close())</section>
            """
        }
        var editor: HTML = .empty
        if manage {
            let departments = try await Departments(req.meguri).all(access)
            let ownerEmail = try await CheckActViews.emails([activity.ownerID].compactMap { $0 }, req)
            editor = """
            <details class="card" id="edit"\(form != nil ? HTML(" open") : .empty)><summary><strong>\(c.t("annual.editActivity"))</strong></summary>
            \(Form.errorSummary(errors, c))
            \(Form.open(base, c, id: "activity-edit"))\(Form.version(activity.version))
            \(activityFields(c, form ?? ActivityForm(activity, ownerEmail: ownerEmail), departments: departments, errors: errors))
            \(Form.submit(c.t("form.save")))\(Form.close())
            \(Form.open("\(base)/delete", c))\(Form.version(activity.version))<div class="actions"><button type="submit" class="danger">\(c.t("form.delete"))</button></div>\(Form.close())
            </details>
            """
        }
        let rule: HTML = activity.rrule.map { "<code>\($0)</code>" } ?? HTML(stringLiteral: c.t("annual.once"))
        return Layout.page(c, title: activity.title, """
        \(Components.pageHeader(activity.title, subtitle: "\(c.t("phase.\(activity.phase.rawValue)")) · \(activity.ownerID.flatMap { people[$0]?.displayName } ?? c.t("annual.noOwner"))",
                                actions: HTML("<a class=\"button\" href=\"\(c.w("/annual-plan"))\">\(c.t("annual.back"))</a>")))
        <section class="card"><dl class="facts">
        <dt>\(c.t("annual.startsOn"))</dt><dd>\(activity.startsOn.description)</dd><dt>\(c.t("annual.rrule"))</dt><dd>\(rule)</dd>
        <dt>\(c.t("annual.references"))</dt><dd>\(activity.references.isEmpty ? "—" : activity.references.joined(separator: ", "))</dd>
        <dt>\(c.t("annual.expectedEvidence"))</dt><dd>\(activity.expectedEvidence ?? "—")</dd>
        \(activity.description.map { HTML("<dt>\(c.t("field.description"))</dt><dd class=\"prose\">\($0)</dd>") } ?? .empty)
        </dl></section>
        \(markForm)
        <section class="card"><h2>\(c.t("annual.occurrences"))</h2>
        \(dates.isEmpty ? Components.empty(c.t("annual.noOccurrences")) : HTML("<div class=\"table-scroll\"><table class=\"table\"><thead><tr><th>\(c.t("annual.date"))</th><th>\(c.t("annual.status"))</th><th>\(c.t("annual.note"))</th><th></th></tr></thead><tbody>\(rows.joined())</tbody></table></div>"))
        </section>
        \(editor)
        """)
    }

    @Sendable func activity(_ req: Request) async throws -> HTML { try await activityPage(req, form: nil, errors: []) }

    @Sendable func update(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try Self.activityID(req)
        return try await req.submit(ActivityForm.self) { form in
            let activity = try await AnnualPlan(req.meguri).update(access, id, try await form.input(req, access), expectedVersion: form.version, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/annual-plan/activities/\(id)", flash: req.t("annual.activitySaved", ["title": activity.title]))
        } render: { form, errors in try await activityPage(req, form: form, errors: errors) }
    }

    @Sendable func delete(_ req: Request) async throws -> Response {
        let access = try req.access()
        return try await req.submit(VersionOnly.self) { form in
            try await AnnualPlan(req.meguri).delete(access, try Self.activityID(req), expectedVersion: form.version, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/annual-plan", flash: req.t("annual.activityDeleted"))
        } render: { _, errors in try await activityPage(req, form: nil, errors: errors) }
    }

    struct MarkForm: Content {
        var date, state, note: String?
        var file: File?
    }

    @Sendable func mark(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try Self.activityID(req)
        return try await req.submit(MarkForm.self) { form in
            let file = form.file.flatMap { f in f.data.readableBytes > 0 ? UploadedFile(name: f.filename, data: Data(buffer: f.data)) : nil }
            let state = PlannedActivity.Outcome.State(rawValue: form.state ?? "") ?? .done
            _ = try await AnnualPlan(req.meguri).mark(access, id, on: form.date ?? "", state: state, note: form.note, file: file, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/annual-plan/activities/\(id)", flash: req.t(state == .done ? "annual.markedDone" : "annual.markedSkipped", ["date": form.date ?? ""]))
        } render: { form, errors in try await activityPage(req, form: nil, errors: [], markErrors: errors, markDate: form.date) }
    }

    struct DateForm: Content { var date: String? }

    @Sendable func reopen(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try Self.activityID(req)
        return try await req.submit(DateForm.self) { form in
            _ = try await AnnualPlan(req.meguri).reopen(access, id, on: form.date ?? "", context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/annual-plan/activities/\(id)", flash: req.t("annual.reopened", ["date": form.date ?? ""]))
        } render: { _, errors in try await activityPage(req, form: nil, errors: errors) }
    }

    // MARK: The typical plan

    /// The proposal as one form: a row per activity with a "keep" box and its fields editable.
    struct TypicalForm: Content {
        var year: String?
        var keep: [String]?
        var title, startsOn, rrule, phase, references, expectedEvidence: [String]?
    }

    func typicalPage(_ req: Request, form: TypicalForm?, errors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let year = Self.fiscalYear(form?.year ?? req.query[String.self, at: "year"], access)
        let proposal = try AnnualPlan(req.meguri).proposal(access, fiscalYear: year)
        let existing = try await AnnualPlan(req.meguri).activities(access)
        let phases = PlanPhase.allCases.map { (value: $0.rawValue, label: c.t("phase.\($0.rawValue)")) }
        let rows: [HTML] = proposal.enumerated().map { index, p in
            func value(_ list: [String]?, _ fallback: String) -> String { form == nil ? fallback : (list.flatMap { index < $0.count ? $0[index] : nil } ?? fallback) }
            let kept = form == nil ? !existing.contains { $0.title == p.title.text(c.language) } : (form?.keep ?? []).contains(String(index))
            let rowErrors = errors.filter { $0.row == index + 1 }.map { e -> FieldError in var x = e; x.row = nil; x.field = "\(e.field)-\(index)"; return x }
            let phase = value(form?.phase, p.phase.rawValue)
            return """
            <tr\(rowErrors.isEmpty ? HTML.empty : HTML(" class=\"has-error\""))><td><input type="checkbox" name="keep[]" value="\(index)" id="keep-\(index)"\(kept ? HTML(" checked") : .empty) aria-label="\(c.t("annual.keep"))"></td>
            <td>\(Form.text("title[]", c.t("annual.activityTitle"), value: value(form?.title, p.title.text(c.language)), errors: rowErrors, c, id: "f-title-\(index)", errorField: "title-\(index)"))</td>
            <td>\(Form.text("startsOn[]", c.t("annual.startsOn"), value: value(form?.startsOn, p.startsOn.description), errors: rowErrors, c, type: "date", id: "f-startsOn-\(index)", errorField: "startsOn-\(index)"))</td>
            <td>\(Form.text("rrule[]", c.t("annual.rrule"), value: value(form?.rrule, p.rrule ?? ""), errors: rowErrors, c, attributes: " spellcheck=\"false\"", id: "f-rrule-\(index)", errorField: "rrule-\(index)"))</td>
            <td><label class="sr-only" for="f-phase-\(index)">\(c.t("annual.phase"))</label><select name="phase[]" id="f-phase-\(index)">\(phases.map { HTML("<option value=\"\($0.value)\"\($0.value == phase ? HTML(" selected") : .empty)>\($0.label)</option>") })</select>
            \(Form.hidden("references[]", value(form?.references, p.references.joined(separator: ", "))))\(Form.hidden("expectedEvidence[]", value(form?.expectedEvidence, p.expectedEvidence.text(c.language))))</td>
            <td class="small">\(value(form?.references, p.references.joined(separator: ", ")))</td></tr>
            """
        }
        return Layout.page(c, title: c.t("annual.typical"), wide: true, """
        \(Components.pageHeader(c.t("annual.typical"), subtitle: c.t("annual.typicalHint", ["year": String(year)]),
                                actions: HTML("<a class=\"button\" href=\"\(c.w("/annual-plan"))?year=\(year)\">\(c.t("annual.back"))</a>")))
        \(access.workspace.certificateIssuedOn == nil && access.workspace.initialCertificationDate == nil ? HTML("<p class=\"notice\">\(c.t("annual.noCertificateDate")) <a href=\"\(c.w("/settings"))\">\(c.t("settings.title"))</a></p>") : .empty)
        <section class="card">\(Form.errorSummary(errors, c))
        \(Form.open(c.w("/annual-plan/typical"), c, id: "typical-form"))\(Form.hidden("year", String(year)))
        <div class="table-scroll"><table class="table plan-typical"><thead><tr><th>\(c.t("annual.keep"))</th><th>\(c.t("annual.activityTitle"))</th><th>\(c.t("annual.startsOn"))</th>
        <th>\(c.t("annual.rrule"))</th><th>\(c.t("annual.phase"))</th><th>\(c.t("annual.references"))</th></tr></thead><tbody>\(rows.joined())</tbody></table></div>
        \(Form.submit(c.t("annual.adopt")))\(Form.close())</section>
        """)
    }

    @Sendable func typical(_ req: Request) async throws -> HTML { try await typicalPage(req, form: nil, errors: []) }

    @Sendable func adopt(_ req: Request) async throws -> Response {
        let access = try req.access()
        return try await req.submit(TypicalForm.self) { form in
            let keep = Set((form.keep ?? []).compactMap(Int.init))
            let count = form.title?.count ?? 0
            func at(_ list: [String]?, _ i: Int) -> String? { list.flatMap { i < $0.count ? $0[i] : nil } }
            let inputs = (0..<count).filter(keep.contains).map { i in
                PlannedActivityInput(title: at(form.title, i), rrule: at(form.rrule, i) ?? "", startsOn: at(form.startsOn, i), phase: at(form.phase, i),
                                     references: [at(form.references, i) ?? ""], expectedEvidence: at(form.expectedEvidence, i) ?? "")
            }
            // Row numbers in errors count the kept rows; name the proposal's row instead.
            let kept = (0..<count).filter(keep.contains)
            do {
                let saved = try await AnnualPlan(req.meguri).adopt(access, inputs, context: try req.context())
                return Submitted(path: "/w/\(access.workspace.slug)/annual-plan?year=\(form.year ?? "")", flash: req.t("annual.adopted", ["count": String(saved.count)]))
            } catch DomainError.invalid(let errors) {
                throw DomainError.invalid(errors.map { e in var x = e; if let r = e.row, r - 1 < kept.count { x.row = kept[r - 1] + 1 }; return x })
            }
        } render: { form, errors in try await typicalPage(req, form: form, errors: errors) }
    }

    // MARK: Calendar addresses

    @Sendable func renewWorkspaceFeed(_ req: Request) async throws -> Response {
        let access = try req.access()
        try await CalendarFeeds(req.meguri).revoke(access.user, access: access, context: try req.context())
        _ = try await CalendarFeeds(req.meguri).workspace(access)
        return req.redirect(to: "/w/\(access.workspace.slug)/annual-plan", flash: req.t("calendar.renewed"))
    }

    @Sendable func renewPersonalFeed(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        try await CalendarFeeds(req.meguri).revoke(user, context: try req.context())
        _ = try await CalendarFeeds(req.meguri).personal(user)
        return req.redirect(to: "/account#calendar", flash: req.t("calendar.renewed"))
    }

    /// The feed itself: no session, the secret address is the key. Unknown addresses are 404.
    @Sendable func feed(_ req: Request) async throws -> Response {
        var token = req.parameters.get("token") ?? ""
        if token.hasSuffix(".ics") { token.removeLast(4) }
        guard let text = try await CalendarFeeds(req.meguri).render(token: token, baseURL: PageContext(request: req).baseURLValue) else {
            throw Abort(.notFound)
        }
        let response = Response(status: .ok, body: .init(string: text))
        response.headers.replaceOrAdd(name: .contentType, value: "text/calendar; charset=utf-8")
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=300")
        response.headers.replaceOrAdd(name: "X-Robots-Tag", value: "noindex")
        return response
    }
}
