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
        if let raw, let year = Int(Text.halfWidth(raw)), year >= allowed.lowerBound.year, year < allowed.upperBound.year { return year }
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
        let year = Self.fiscalYear(req.queryValue("year"), access)
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
        let year = Self.fiscalYear(req.queryValue("year"), access)
        let data = try await AnnualPlan(req.meguri).export(access, fiscalYear: year, format: format, language: req.language, baseURL: PageContext(request: req).baseURLValue)
        return Exporting.file(data, name: "plan-\(access.workspace.slug)-\(year)", format: format)
    }
}
