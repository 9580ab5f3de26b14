import Domain
import Features
import Foundation
import Vapor

/// The control catalog: Annex A filtered by theme and attribute, each control with our guidance and
/// the 2013 ids it came from, and the clauses 4–10 with their guidance.
struct ControlPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "w", ":slug", "controls", access: .workspace(.workspaceRead), use: list)
        routes.endpoint(.GET, "w", ":slug", "controls", ":controlID", access: .workspace(.workspaceRead), use: show)
        routes.endpoint(.GET, "w", ":slug", "clauses", access: .workspace(.workspaceRead), use: clauses)
    }

    /// The list's filters as the query string carries them.
    struct Filters {
        var q, theme, type, property, concept, capability, domain, new2022: String?

        init(_ req: Request) {
            func value(_ name: String) -> String? { req.queryValue(name).flatMap(Text.nonBlank) }
            q = value("q"); theme = value("theme"); type = value("type"); property = value("property"); concept = value("concept")
            capability = value("capability"); domain = value("domain"); new2022 = value("new2022")
        }

        func query() throws -> ControlQuery {
            var v = Validator()
            var query = ControlQuery(search: q)
            func parse<T: RawRepresentable>(_ name: String, _ raw: String?, _ type: T.Type) -> T? where T.RawValue == String {
                guard let raw else { return nil }
                if let value = T(rawValue: raw) { return value }
                v.add(name, "error.choice")
                return nil
            }
            query.theme = parse("theme", theme, AnnexAControl.Theme.self)
            query.controlType = parse("type", type, AnnexAControl.ControlType.self)
            query.property = parse("property", property, AnnexAControl.SecurityProperty.self)
            query.concept = parse("concept", concept, AnnexAControl.Concept.self)
            query.capability = parse("capability", capability, AnnexAControl.Capability.self)
            query.domain = parse("domain", domain, AnnexAControl.SecurityDomain.self)
            if let new2022 {
                switch new2022 { case "1", "true": query.newIn2022 = true; case "0", "false": break; default: v.add("new2022", "error.choice") }
            }
            try v.check()
            return query
        }

        var parameters: [String: String] {
            ["q": q ?? "", "theme": theme ?? "", "type": type ?? "", "property": property ?? "", "concept": concept ?? "",
             "capability": capability ?? "", "domain": domain ?? "", "new2022": new2022 ?? ""]
        }
        var isEmpty: Bool { parameters.values.allSatisfy(\.isEmpty) }
    }

    /// The select options of one attribute, labelled in the reader's language.
    static func options<T: RawRepresentable & CaseIterable>(_ type: T.Type, _ prefix: String, _ c: PageContext) -> [(value: String, label: String)] where T.RawValue == String {
        [(value: "", label: c.t("form.all"))] + T.allCases.map { (value: $0.rawValue, label: c.t("\(prefix).\($0.rawValue)")) }
    }

    static func attributes<T: RawRepresentable>(_ values: [T], _ prefix: String, _ c: PageContext) -> HTML where T.RawValue == String {
        HTML(raw: values.map { "<span class=\"tag\">\(HTML.escape(c.t("\(prefix).\($0.rawValue)")))</span>" }.joined(separator: " "))
    }

    @Sendable func list(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let filters = Filters(req)
        let catalog = ControlCatalog(req.meguri)
        var errors: [FieldError] = []
        var page = Page<AnnexAControl>(items: [], nextCursor: nil)
        var total = 0
        do {
            let query = try filters.query()
            let request = try req.listPage()
            page = try catalog.list(access, query: query, page: request)
            total = try catalog.count(access, query: query)
        } catch DomainError.invalid(let e) { errors = e }
        let rows: [HTML] = page.items.map { control in
            let sources = catalog.sources2013(of: control.id).map(\.id2013)
            return """
            <tr><td class="nowrap"><a href="\(c.w("/controls/\(control.id)"))">A.\(control.id)</a></td>
            <td><a href="\(c.w("/controls/\(control.id)"))">\(control.title(c.language))</a></td>
            <td>\(c.t("control.theme.\(control.theme.rawValue)"))</td>
            <td>\(Self.attributes(control.controlTypes, "control.type", c))</td>
            <td>\(Self.attributes(control.properties, "control.property", c))</td>
            <td class="nowrap">\(sources.isEmpty ? HTML("<span class=\"badge\">\(c.t("control.new2022"))</span>") : HTML("\(sources.joined(separator: ", "))"))</td></tr>
            """
        }
        let html = Layout.page(c, title: c.t("cap.controls"), wide: true, """
        \(Components.pageHeader(c.t("cap.controls"), subtitle: c.t("controls.intro"), actions: HTML("<a class=\"button\" href=\"\(c.w("/clauses"))\">\(c.t("clauses.title"))</a>")))
        \(Form.errorSummary(errors, c))
        <form method="get" action="\(c.w("/controls"))" class="filters" role="search">
        <div><label for="q">\(c.t("form.search"))</label><input id="q" name="q" type="search" value="\(filters.q ?? "")" placeholder="8.5"></div>
        \(Form.select("theme", c.t("control.theme"), options: Self.options(AnnexAControl.Theme.self, "control.theme", c), selected: filters.theme, errors: errors, c))
        \(Form.select("type", c.t("control.type"), options: Self.options(AnnexAControl.ControlType.self, "control.type", c), selected: filters.type, errors: errors, c))
        \(Form.select("property", c.t("control.property"), options: Self.options(AnnexAControl.SecurityProperty.self, "control.property", c), selected: filters.property, errors: errors, c))
        \(Form.select("concept", c.t("control.concept"), options: Self.options(AnnexAControl.Concept.self, "control.concept", c), selected: filters.concept, errors: errors, c))
        \(Form.select("capability", c.t("control.capability"), options: Self.options(AnnexAControl.Capability.self, "control.capability", c), selected: filters.capability, errors: errors, c))
        \(Form.select("domain", c.t("control.domain"), options: Self.options(AnnexAControl.SecurityDomain.self, "control.domain", c), selected: filters.domain, errors: errors, c))
        <div class="checkbox"><input type="checkbox" id="f-new2022" name="new2022" value="1"\(filters.new2022 == "1" ? HTML(" checked") : .empty)><label for="f-new2022">\(c.t("control.new2022Only"))</label></div>
        <button type="submit">\(c.t("form.filter"))</button>
        </form>
        <p class="muted">\(c.t("form.count", ["count": String(total)]))</p>
        \(rows.isEmpty ? Components.empty(c.t("form.noMatches")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("control.id"))</th><th>\(c.t("control.title"))</th><th>\(c.t("control.theme"))</th>
        <th>\(c.t("control.type"))</th><th>\(c.t("control.property"))</th><th>\(c.t("control.from2013"))</th></tr></thead>
        <tbody>\(rows)</tbody></table>
        """))
        \(Components.pager(c, nextCursor: page.nextCursor, total: page.total, basePath: c.w("/controls"), query: filters.parameters))
        """)
        return PageResponse(status: errors.isEmpty ? .ok : .unprocessableEntity, html: html)
    }

    /// The guidance as a definition list: what it asks, options, evidence and, where it applies, exclusion.
    static func guidance(_ guidance: Guidance?, _ c: PageContext) -> HTML {
        guard let text = guidance?.text(c.language) else { return .empty }
        let parts = text.parts.map { "<dt>\(HTML.escape(c.t($0.key)))</dt><dd>\(HTML.escape($0.text))</dd>" }.joined()
        return HTML(raw: "<dl class=\"guidance\">\(parts)</dl>")
    }

    @Sendable func show(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let catalog = ControlCatalog(req.meguri)
        let control = try catalog.control(access, req.parameters.get("controlID") ?? "")
        let sources = catalog.sources2013(of: control.id)
        let linked = try await catalog.linkedRisks(access, control: control.id)
        let attributes: [(String, HTML)] = [
            ("control.theme", HTML("\(c.t("control.theme.\(control.theme.rawValue)"))")),
            ("control.type", Self.attributes(control.controlTypes, "control.type", c)),
            ("control.property", Self.attributes(control.properties, "control.property", c)),
            ("control.concept", Self.attributes(control.concepts, "control.concept", c)),
            ("control.capability", Self.attributes(control.capabilities, "control.capability", c)),
            ("control.domain", Self.attributes(control.domains, "control.domain", c)),
        ]
        let origin: HTML = sources.isEmpty ? HTML("<p><span class=\"badge\">\(c.t("control.new2022"))</span> \(c.t("control.new2022Hint"))</p>")
            : HTML(raw: "<ul>" + sources.map { source in
                let shared = source.ids2022.count > 1 ? " — " + HTML.escape(c.t("control.splitInto", ["ids": source.ids2022.map { "A.\($0)" }.joined(separator: ", ")])) : ""
                return "<li>\(HTML.escape(source.id2013)) \(HTML.escape(source.title2013))\(shared)</li>"
            }.joined() + "</ul>")
        let risks: HTML = linked.map { linked in
            linked.count == 0 ? HTML("<p>\(c.t("control.linkedRisks", ["count": "0", "assessment": linked.assessment.name]))</p>") : HTML("<p><a href=\"\(c.w("/risk-assessments/\(linked.assessment.id)"))?control=\(Components.encode(control.id))\">\(c.t("control.linkedRisks", ["count": String(linked.count), "assessment": linked.assessment.name]))</a></p>")
        } ?? .empty
        let html = Layout.page(c, title: "A.\(control.id) \(control.title(c.language))", """
        \(Components.pageHeader("A.\(control.id) \(control.title(c.language))", subtitle: c.t("cap.controls"),
                                actions: HTML("<a class=\"button\" href=\"\(c.w("/controls"))\">\(c.t("controls.back"))</a>")))
        <section class="card"><h2>\(c.t("guidance.title"))</h2>
        \(Self.guidance(catalog.guidance(control: control.id), c))
        <p class="muted small">\(c.t("guidance.ours"))</p></section>
        <section class="card"><h2>\(c.t("control.attributes"))</h2>
        <dl class="facts">\(HTML(raw: attributes.map { "<dt>\(HTML.escape(c.t($0.0)))</dt><dd>\($0.1.rendered)</dd>" }.joined()))</dl></section>
        <section class="card"><h2>\(c.t("control.from2013"))</h2>\(origin)</section>
        \(HTML.when(linked != nil, HTML("<section class=\"card\"><h2>\(c.t("control.risks"))</h2>\(risks)</section>")))
        """)
        return PageResponse(status: .ok, html: html)
    }

    @Sendable func clauses(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let catalog = ControlCatalog(req.meguri)
        let items: [HTML] = try catalog.clauses(access).map { clause in
            if !clause.isRequirement { return HTML("<h2 id=\"clause-\(clause.id)\">\(clause.id) \(clause.title(c.language))</h2>") }
            return HTML("""
            <details class="clause\(clause.id.split(separator: ".").count > 2 ? " sub" : "")" id="clause-\(clause.id)"><summary><strong>\(clause.id)</strong> \(clause.title(c.language))</summary>
            \(Self.guidance(catalog.guidance(clause: clause.id), c))</details>
            """)
        }
        let html = Layout.page(c, title: c.t("clauses.title"), """
        \(Components.pageHeader(c.t("clauses.title"), subtitle: c.t("clauses.intro"),
                                actions: HTML("<a class=\"button\" href=\"\(c.w("/controls"))\">\(c.t("cap.controls"))</a>")))
        \(items)
        <p class="muted small">\(c.t("guidance.ours"))</p>
        """)
        return PageResponse(status: .ok, html: html)
    }
}
