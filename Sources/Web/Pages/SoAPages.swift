import Domain
import Features
import Foundation
import Storage
import Vapor

/// The Statement of Applicability: every control with its decision, justification, status and
/// warnings; an entry's page with our guidance beside it; versions, approval, comparison, a
/// print-ready page, CSV/Excel export and import (2013 SoAs mapped, with a review list).
struct SoAPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "w", ":slug", "soa", access: .workspace(.soaRead), use: list)
        routes.endpoint(.GET, "w", ":slug", "soa", "export", access: .workspace(.soaRead), use: export)
        routes.endpoint(.GET, "w", ":slug", "soa", "print", access: .workspace(.soaRead), use: printable)
        routes.endpoint(.GET, "w", ":slug", "soa", "import", access: .workspace(.soaManage), use: importPage)
        routes.importSteps(["w", ":slug", "soa"], access: .workspace(.soaManage), maxSize: "25mb", flow: importFlow)
        routes.endpoint(.POST, "w", ":slug", "soa", "settings", access: .workspace(.soaManage), use: settings)
        routes.endpoint(.GET, "w", ":slug", "soa", "versions", access: .workspace(.soaRead), use: versions)
        routes.endpoint(.POST, "w", ":slug", "soa", "versions", access: .workspace(.soaManage), use: submit)
        routes.endpoint(.GET, "w", ":slug", "soa", "versions", ":number", access: .workspace(.soaRead), use: version)
        routes.endpoint(.POST, "w", ":slug", "soa", "versions", ":number", "approve", access: .workspace(.soaApprove), use: approve)
        routes.endpoint(.POST, "w", ":slug", "soa", "versions", ":number", "return", access: .workspace(.soaApprove), use: sendBack)
        routes.endpoint(.POST, "w", ":slug", "soa", "versions", ":number", "withdraw", access: .workspace(.soaManage), use: sendBack)
        routes.endpoint(.GET, "w", ":slug", "soa", "compare", access: .workspace(.soaRead), use: compare)
        routes.endpoint(.GET, "w", ":slug", "soa", ":controlID", access: .workspace(.soaRead), use: show)
        routes.endpoint(.POST, "w", ":slug", "soa", ":controlID", access: .workspace(.soaManage), use: update)
    }

    struct Filters {
        var q, decision, implementation, theme, warning: String?

        init(_ req: Request) {
            func value(_ name: String) -> String? { req.queryValue(name).flatMap(Text.nonBlank) }
            q = value("q"); decision = value("decision"); implementation = value("implementation"); theme = value("theme"); warning = value("warning")
        }

        func query() throws -> SoAQuery {
            var v = Validator()
            var query = SoAQuery(search: q)
            if let decision { if let d = SoAEntry.Decision(rawValue: decision) { query.decision = d } else { v.add("decision", "error.choice") } }
            if let implementation {
                if let i = SoAEntry.Implementation(rawValue: implementation) { query.implementation = i } else { v.add("implementation", "error.choice") }
            }
            if let theme {
                if AnnexAControl.Theme(rawValue: theme) != nil || theme == "own" { query.theme = theme } else { v.add("theme", "error.choice") }
            }
            if let warning {
                if warning == "any" { query.warnedOnly = true } else if let w = SoAWarning(rawValue: warning) { query.warning = w } else { v.add("warning", "error.choice") }
            }
            try v.check()
            return query
        }

        var parameters: [String: String] {
            ["q": q ?? "", "decision": decision ?? "", "implementation": implementation ?? "", "theme": theme ?? "", "warning": warning ?? ""]
        }
    }

    static func decisionBadge(_ decision: SoAEntry.Decision, _ c: PageContext) -> HTML {
        HTML("<span class=\"badge soa-\(decision.rawValue)\">\(c.t("soa.decision.\(decision.rawValue)"))</span>")
    }

    static func warningBadges(_ warnings: [SoAWarning], _ c: PageContext, months: Int) -> HTML {
        HTML(raw: warnings.map { "<span class=\"badge warning\" title=\"\(HTML.escape(c.t("soa.warning.\($0.rawValue).hint", ["months": String(months)])))\">\(HTML.escape(c.t("soa.warning.\($0.rawValue)")))</span>" }
            .joined(separator: " "))
    }

    static func controlLink(_ control: SoAControl, _ c: PageContext) -> HTML {
        HTML("<a href=\"\(c.w("/soa/\(Components.encode(control.id))"))\">\(control.label)</a>")
    }

    @Sendable func list(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let statement = Statement(req.meguri)
        let filters = Filters(req)
        let lines = try await statement.lines(access)
        let summary = Statement.summary(lines)
        var errors: [FieldError] = []
        var page = Page<SoALine>(items: [], nextCursor: nil)
        var total = 0
        do {
            let request = try req.listPage(limit: 100)
            (page, total) = Statement.page(lines, query: try filters.query(), page: request)
        } catch DomainError.invalid(let e) { errors = e }
        let ownerIDs = page.items.compactMap(\.entry.ownerID)
        let owners = try await People(req.meguri).load(try req.access(), ownerIDs)
        let freshness = try await statement.freshnessMonths(access)
        let rows: [HTML] = page.items.map { line in
            let e = line.entry
            return """
            <tr><td class="nowrap">\(Self.controlLink(line.control, c))</td><td>\(line.control.title(c.language))</td>
            <td>\(Self.decisionBadge(e.decision, c))</td>
            <td class="nowrap">\(e.decision == .applicable ? HTML("\(e.implementation.map { c.t("soa.implementation.\($0.rawValue)") } ?? "—")") : "—")</td>
            <td class="nowrap">\(e.ownerID.flatMap { owners[$0]?.displayName } ?? "—")</td>
            <td class="num">\(line.facts.linkedRisks)</td><td class="num">\(line.facts.evidenceCount)</td>
            <td>\(Self.warningBadges(line.warnings, c, months: freshness.months))</td></tr>
            """
        }
        let themes = [(value: "", label: c.t("form.all"))] + AnnexAControl.Theme.allCases.map { (value: $0.rawValue, label: c.t("control.theme.\($0.rawValue)")) }
            + [(value: "own", label: c.t("control.theme.own"))]
        let decisions = [(value: "", label: c.t("form.all"))] + SoAEntry.Decision.allCases.map { (value: $0.rawValue, label: c.t("soa.decision.\($0.rawValue)")) }
        let implementations = [(value: "", label: c.t("form.all"))] + SoAEntry.Implementation.allCases.map { (value: $0.rawValue, label: c.t("soa.implementation.\($0.rawValue)")) }
        let warnings = [(value: "", label: c.t("form.all")), (value: "any", label: c.t("soa.warning.any"))]
            + SoAWarning.allCases.map { (value: $0.rawValue, label: c.t("soa.warning.\($0.rawValue)")) }
        let manages = access.allows(.soaManage)
        let approved = try await statement.versions(access).first { $0.status == .approved }
        let html = Layout.page(c, title: c.t("cap.soa"), wide: true, """
        \(Components.pageHeader(c.t("cap.soa"), subtitle: c.t("soa.intro"), actions: HTML("""
        <a class="button" href="\(c.w("/soa/versions"))">\(c.t("soa.versions"))</a>
        <a class="button" href="\(c.w("/soa/print"))">\(c.t("soa.print"))</a>
        <a class="button" href="\(c.w("/soa/export"))?format=xlsx" download>Excel</a>
        <a class="button" href="\(c.w("/soa/export"))?format=csv" download>CSV</a>
        \(HTML.when(manages, HTML("<a class=\"button\" href=\"\(c.w("/soa/import"))\">\(c.t("soa.import"))</a>")))
        <a class="button" href="\(c.w("/own-controls"))">\(c.t("ownControls.title"))</a>
        <a class="button" href="\(c.w("/evidence"))">\(c.t("cap.evidence"))</a>
        """)))
        <section class="card summary"><p>\(c.t("soa.summary", ["total": String(summary.total), "applicable": String(summary.applicable),
                                                              "excluded": String(summary.excluded), "undecided": String(summary.undecided),
                                                              "implemented": String(summary.implemented)]))</p>
        \(HTML.when(summary.review > 0, HTML("<p><a href=\"\(c.w("/soa"))?warning=reviewNeeded\">\(c.t("soa.reviewCount", ["count": String(summary.review)]))</a></p>")))
        \(HTML.when(summary.warned > 0, HTML("<p><a href=\"\(c.w("/soa"))?warning=any\">\(c.t("soa.warnedCount", ["count": String(summary.warned)]))</a></p>")))
        <p class="muted">\(approved.map { c.t("soa.lastApproved", ["number": String($0.number), "date": $0.decidedAt.map(c.date) ?? ""]) } ?? c.t("soa.noneApproved"))</p>
        </section>
        \(Form.errorSummary(errors, c))
        <form method="get" action="\(c.w("/soa"))" class="filters" role="search">
        <div><label for="q">\(c.t("form.search"))</label><input id="q" name="q" type="search" value="\(filters.q ?? "")" placeholder="5.15"></div>
        \(Form.select("theme", c.t("control.theme"), options: themes, selected: filters.theme, errors: errors, c, id: "filter-theme"))
        \(Form.select("decision", c.t("soa.decision"), options: decisions, selected: filters.decision, errors: errors, c, id: "filter-decision"))
        \(Form.select("implementation", c.t("soa.implementation"), options: implementations, selected: filters.implementation, errors: errors, c, id: "filter-implementation"))
        \(Form.select("warning", c.t("soa.warnings"), options: warnings, selected: filters.warning, errors: errors, c, id: "filter-warning"))
        <button type="submit">\(c.t("form.filter"))</button>
        </form>
        <p class="muted">\(c.t("form.count", ["count": String(total)]))</p>
        \(rows.isEmpty ? Components.empty(c.t("form.noMatches")) : HTML("""
        <table class="table soa-table"><thead><tr><th>\(c.t("control.id"))</th><th>\(c.t("control.title"))</th><th>\(c.t("soa.decision"))</th>
        <th>\(c.t("soa.implementation"))</th><th>\(c.t("soa.owner"))</th><th>\(c.t("soa.risks"))</th><th>\(c.t("cap.evidence"))</th><th>\(c.t("soa.warnings"))</th></tr></thead>
        <tbody>\(rows)</tbody></table>
        """))
        \(Components.pager(c, nextCursor: page.nextCursor, total: page.total, limit: 100, basePath: c.w("/soa"), query: filters.parameters))
        \(HTML.when(manages, HTML("""
        <section class="card" id="settings"><h2>\(c.t("soa.settings"))</h2>
        \(Form.open(c.w("/soa/settings"), c))\(Form.version(freshness.version))
        \(Form.text("freshnessMonths", c.t("field.freshnessMonths"), value: String(freshness.months), errors: [], c, type: "number", required: true,
                    hint: c.t("soa.freshnessHint"), attributes: HTML(" min=\"1\" max=\"60\"")))
        \(Form.submit(c.t("form.save")))
        \(Form.close())</section>
        """)))
        """)
        return PageResponse(status: errors.isEmpty ? .ok : .unprocessableEntity, html: html)
    }

    struct SettingsForm: Content { var freshnessMonths: String?; var version: Int? }

    @Sendable func settings(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(SettingsForm.self)
        let c = PageContext(request: req)
        do {
            _ = try await Statement(req.meguri).setFreshnessMonths(access, form.freshnessMonths, expectedVersion: form.version ?? 0, context: try req.context())
            return req.redirect(to: c.w("/soa#settings"), flash: req.t("form.saved"))
        } catch DomainError.invalid(let errors) {
            return req.redirect(to: c.w("/soa#settings"), flash: errors.map { req.meguri.localizer.text($0.code, req.language, $0.params.merging(["field": req.t("field.freshnessMonths")]) { a, _ in a }) }.joined(separator: " "))
        }
    }

    // MARK: Entry

    struct EntryForm: Content {
        var decision, justification, implementation, owner, description, documents: String?
        var version: Int?
    }

    @Sendable func show(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let detail = try await Statement(req.meguri).detail(access, req.parameters.get("controlID") ?? "")
        return PageResponse(status: .ok, html: try await entryPage(req, c: c, access: access, detail: detail, form: nil, errors: []))
    }

    func entryPage(_ req: Request, c: PageContext, access: WorkspaceAccess, detail: Statement.Detail, form: EntryForm?, errors: [FieldError], conflict: Bool = false) async throws -> HTML {
        let line = detail.line
        let e = line.entry
        let control = line.control
        let shown = form ?? EntryForm(decision: e.decision.rawValue, justification: e.justification, implementation: (e.implementation ?? .notStarted).rawValue,
                                      owner: detail.owner?.email, description: e.description, documents: e.documents, version: e.version)
        let title = "\(control.label) \(control.title(c.language))"
        let guidance: HTML
        switch control {
        case .annex(let annex):
            guidance = HTML("""
            <section class="card"><h2>\(c.t("guidance.title"))</h2>\(ControlPages.guidance(req.meguri.catalog.controlGuidance[annex.id], c))
            <p class="muted small">\(c.t("guidance.ours")) <a href="\(c.w("/controls/\(annex.id)"))">\(c.t("soa.controlPage"))</a></p></section>
            """)
        case .own(let own):
            guidance = HTML("""
            <section class="card"><h2>\(c.t("ownControls.description"))</h2><p class="prose">\(own.description ?? "—")</p>
            <p class="muted small"><a href="\(c.w("/own-controls/\(own.id)"))">\(c.t("ownControls.edit"))</a></p></section>
            """)
        }
        let review: HTML = e.reviewReason.map { stored in
            let parsed = SoAMigration.Review.parse(stored)
            return HTML("<div class=\"flash warning\" role=\"status\"><strong>\(c.t("soa.warning.reviewNeeded"))</strong> \(c.t(parsed.code, parsed.params))</div>")
        } ?? .empty
        let risks: HTML = detail.riskCodes.isEmpty ? HTML("<p class=\"muted\">\(c.t("soa.noRisks"))</p>")
            : HTML(raw: "<p>" + detail.riskCodes.map { "<a href=\"\(c.w("/risks/\($0.id)"))\">\(HTML.escape($0.code))</a>" }.joined(separator: ", ")
                + (line.facts.linkedRisks > detail.riskCodes.count ? " … (+\(line.facts.linkedRisks - detail.riskCodes.count))" : "") + "</p>"
                + (detail.assessment.map { "<p><a href=\"\(c.w("/risk-assessments/\($0.id)"))?control=\(Components.encode(control.id))\">\(HTML.escape(c.t("soa.allRisks", ["count": String(line.facts.linkedRisks)])))</a></p>" } ?? ""))
        let actions: HTML = detail.actions.isEmpty ? HTML("<p class=\"muted\">\(c.t("soa.noActions"))</p>")
            : HTML(raw: "<ul>" + detail.actions.map { "<li><a href=\"\(c.w("/treatment-actions/\($0.id)"))\">\(HTML.escape($0.title))</a> — \(HTML.escape(c.t("plan.status.\($0.status.rawValue)")))</li>" }.joined() + "</ul>")
        let decisionOptions = SoAEntry.Decision.allCases.map { (value: $0.rawValue, label: c.t("soa.decision.\($0.rawValue)")) }
        let implementationOptions = SoAEntry.Implementation.allCases.map { (value: $0.rawValue, label: c.t("soa.implementation.\($0.rawValue)")) }
        let base = c.w("/soa/\(Components.encode(control.id))")
        let manages = access.allows(.soaManage)
        func row(_ key: String, _ value: HTML?) -> HTML { "<dt>\(c.t(key))</dt><dd>\(value ?? "—")</dd>" }
        let documentItems: [HTML] = line.documents.map { d in
            let state = d.publishedLabel.map { "v\($0)" } ?? c.t("document.status.\(d.status.rawValue)")
            return "<li><a href=\"\(c.w("/documents/\(d.id)"))\">\(d.code) \(d.title)</a> <span class=\"small\">\(state)</span></li>"
        }
        let linkedDocuments: HTML? = documentItems.isEmpty ? nil : HTML("<ul class=\"plain\">\(documentItems.joined())</ul>")
        return Layout.page(c, title: title, wide: true, """
        \(Components.pageHeader(title, subtitle: c.t("cap.soa"), actions: HTML("""
        <a class="button" href="\(c.w("/soa"))">\(c.t("soa.back"))</a>
        \(HTML.when(access.allows(.auditTrailRead), "<a class=\"button\" href=\"\(c.w("/history/soa_entry/\(Components.encode(control.id))"))\">\(c.t("audit.history"))</a>"))
        """)))
        \(HTML.when(conflict, HTML("<div class=\"flash warning\" role=\"alert\">\(c.t("form.conflict"))</div>")))
        \(review)
        \(HTML.when(!line.warnings.isEmpty, HTML("<section class=\"card warnings\"><h2>\(c.t("soa.warnings"))</h2><ul>\(HTML(raw: line.warnings.map { "<li>\(HTML.escape(c.t("soa.warning.\($0.rawValue).hint", ["months": String(detail.freshnessMonths)])))</li>" }.joined()))</ul></section>")))
        <div class="columns">
        <div>
        <section class="card"><dl class="facts">
        \(row("soa.decision", Self.decisionBadge(e.decision, c)))
        \(row("soa.justification", e.justification.map { HTML("<span class=\"prose\">\($0)</span>") }))
        \(row("soa.implementation", e.decision == .applicable ? e.implementation.map { HTML("\(c.t("soa.implementation.\($0.rawValue)"))") } : nil))
        \(row("soa.owner", detail.owner.map { HTML("\($0.displayName)") }))
        \(row("soa.description", e.description.map { HTML("<span class=\"prose\">\($0)</span>") }))
        \(row("soa.linkedDocuments", linkedDocuments))
        \(row("soa.documents", e.documents.map { HTML("<span class=\"prose\">\($0)</span>") }))
        </dl></section>
        \(HTML.when(manages, HTML("""
        <section class="card"><h2>\(c.t("soa.decide"))</h2>
        \(Form.errorSummary(errors, c))
        \(Form.open(base, c, id: "soa-entry"))\(Form.version(shown.version ?? e.version))
        \(Form.select("decision", c.t("soa.decision"), options: decisionOptions, selected: shown.decision, errors: errors, c, required: true))
        \(Form.textarea("justification", c.t("soa.justification"), value: shown.justification, errors: errors, c, rows: 3, hint: c.t("soa.justificationHint")))
        <div class="row">
        \(Form.select("implementation", c.t("soa.implementation"), options: implementationOptions, selected: shown.implementation, errors: errors, c, hint: c.t("soa.implementationHint")))
        \(Form.text("owner", c.t("soa.owner"), value: shown.owner, errors: errors, c, type: "email", hint: c.t("hint.memberEmail")))
        </div>
        \(Form.textarea("description", c.t("soa.description"), value: shown.description, errors: errors, c, rows: 4, hint: c.t("soa.descriptionHint")))
        \(Form.textarea("documents", c.t("soa.documents"), value: shown.documents, errors: errors, c, rows: 2, hint: c.t("soa.documentsHint")))
        \(Form.submit(c.t("form.save")))
        \(Form.close())
        </section>
        """)))
        </div>
        <div>
        \(guidance)
        <section class="card"><h2>\(c.t("soa.risks"))</h2>
        \(detail.assessment.map { HTML("<p class=\"muted small\">\(c.t("soa.risksOf", ["assessment": $0.name]))</p>") })
        \(risks)</section>
        <section class="card"><h2>\(c.t("soa.actions"))</h2>\(actions)</section>
        \(EvidenceViews.card(c, detail.evidence, target: EvidenceLink(.control, control.id), canAdd: access.allows(.evidenceManage), today: access.today))
        </div>
        </div>
        """)
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let access = try req.access()
        let raw = req.parameters.get("controlID") ?? ""
        let form = try req.content.decode(EntryForm.self)
        let statement = Statement(req.meguri)
        let c = try await PageContext.make(req)
        do {
            var v = Validator()
            var input = SoAEntryInput(decision: form.decision ?? "", justification: form.justification ?? "", implementation: form.implementation ?? "",
                                      description: form.description ?? "", documents: form.documents ?? "")
            if let email = Text.nonBlank(form.owner) {
                if let user = try await AssetPages.people(req, access)[email.lowercased()] { input.ownerID = .some(user) } else {
                    v.add("owner", "error.unknownMemberEmail", ["value": email])
                }
            } else {
                input.ownerID = .some(nil)
            }
            try v.check()
            let decided = SoARules.decisionNames.parse(form.decision ?? "")
            if decided != .applicable { input.implementation = "" }
            let saved = try await statement.update(access, control: raw, input, expectedVersion: form.version, context: try req.context())
            return req.redirect(to: c.w("/soa/\(Components.encode(saved.controlID))"), flash: req.t("form.saved"))
        } catch DomainError.invalid(let errors) {
            let detail = try await statement.detail(access, raw)
            let mapped = errors.map { var e = $0; e.field = ["ownerId": "owner"][e.field] ?? e.field; return e }
            return try await PageResponse(status: .unprocessableEntity, html: entryPage(req, c: c, access: access, detail: detail, form: form, errors: mapped))
                .encodeResponse(for: req)
        } catch DomainError.conflict {
            let detail = try await statement.detail(access, raw)
            return try await PageResponse(status: .conflict, html: entryPage(req, c: c, access: access, detail: detail, form: nil, errors: [], conflict: true))
                .encodeResponse(for: req)
        }
    }

    // MARK: Export, print, import

    func versionNumber(_ req: Request, field: String = "version") throws -> Int? { try req.versionNumber(field) }

    @Sendable func export(_ req: Request) async throws -> Response {
        let access = try req.access()
        let format = try Exporting.format(req)
        let number = try versionNumber(req)
        let data = try await Statement(req.meguri).export(access, format: format, language: Exporting.language(req), version: number, encoding: try Exporting.encoding(req))
        return Exporting.file(data, name: "soa-\(access.workspace.slug)-\(number.map { "v\($0)" } ?? access.today.description)", format: format)
    }

    /// The A4 statement: organization, version and approval in the header, every control.
    @Sendable func printable(_ req: Request) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let statement = Statement(req.meguri)
        let number = try versionNumber(req)
        let lines: [SoASnapshot]
        var version: SoAVersion? = nil
        if let number {
            version = try await statement.version(access, number: number)
            lines = version?.entries ?? []
        } else {
            lines = try await statement.current(access)
        }
        let peopleIDs = [version?.decidedBy, version?.submittedBy].compactMap { $0 }
        let people = try await People(req.meguri).load(try req.access(), peopleIDs)
        let rows: [HTML] = lines.map { s in
            """
            <tr><td class="nowrap">\(s.theme == "own" ? s.controlID : "A.\(s.controlID)")</td><td>\(s.title(c.language))</td>
            <td>\(c.t("soa.decision.\(s.decision.rawValue)"))</td><td class="prose">\(s.justification ?? "")</td>
            <td>\(s.implementation.map { c.t("soa.implementation.\($0.rawValue)") } ?? "")</td><td class="prose">\(s.description ?? "")</td>
            <td>\(s.riskList)</td><td class="num">\(s.evidenceCount)</td></tr>
            """
        }
        let approval: String
        if let version {
            if version.status == .approved {
                approval = c.t("soa.approvedBy", ["name": version.decidedBy.flatMap { people[$0]?.displayName } ?? "", "date": version.decidedAt.map(c.date) ?? ""])
            } else {
                approval = c.t("soa.version.status.\(version.status.rawValue)")
            }
        } else {
            approval = c.t("soa.workingCopy", ["date": access.today.description])
        }
        return Layout.page(c, title: "\(c.t("cap.soa")) — \(access.workspace.name)", wide: true, """
        <article class="report">
        <header class="report-header"><p>\(access.workspace.organizationName ?? access.workspace.name)</p>
        <h1>\(c.t("cap.soa"))\(version.map { " — " + c.t("soa.versionNumber", ["number": String($0.number)]) } ?? "")</h1>
        <p>\(approval)</p>\(access.workspace.scopeStatement.map { HTML("<p class=\"small\">\(c.t("soa.scope")): \($0)</p>") })</header>
        <table class="table report-table"><thead><tr><th>\(c.t("control.id"))</th><th>\(c.t("control.title"))</th><th>\(c.t("soa.decision"))</th>
        <th>\(c.t("soa.justification"))</th><th>\(c.t("soa.implementation"))</th><th>\(c.t("soa.description"))</th><th>\(c.t("soa.risks"))</th><th>\(c.t("cap.evidence"))</th></tr></thead>
        <tbody>\(rows)</tbody></table>
        </article>
        """)
    }

    @Sendable func importPage(_ req: Request) async throws -> HTML {
        let c = try await PageContext.make(req)
        return ImportViews.page(c, kind: "soa", action: c.w("/soa/import"), back: c.w("/soa"), result: nil, errors: [])
    }

    @Sendable func importFlow(_ req: Request) async throws -> ImportViews.Flow {
        let access = try req.access()
        let c = PageContext(request: req)
        let context = try req.context()
        return ImportViews.Flow(kind: "soa", action: c.w("/soa/import"), back: c.w("/soa"), spec: Statement.spec) { data, options, dryRun, c in
            let outcome = try await Statement(req.meguri).importFile(access, data: data, options: options, dryRun: dryRun, context: context)
            return .init(rows: zip(outcome.result.rows, outcome.proposals).map { row, proposal in
                let review = proposal.review.map { " — " + c.t("soa.warning.reviewNeeded") + ": " + c.t($0.code, $0.params) } ?? ""
                return ImportViews.Row(row, suffix: review)
            }, mapping: outcome.result.mapping)
        }
    }


    // MARK: Versions

    struct NoteForm: Content { var note: String?; var version: Int? }

    func number(_ req: Request) throws -> Int {
        guard let raw = req.parameters.get("number"), let number = Int(raw), number > 0 else { throw DomainError.notFound(entity: "soa_version") }
        return number
    }

    @Sendable func versions(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        return PageResponse(status: .ok, html: try await versionsPage(req, c: c, access: access, errors: [], note: nil))
    }

    func versionsPage(_ req: Request, c: PageContext, access: WorkspaceAccess, errors: [FieldError], note: String?) async throws -> HTML {
        let all = try await Statement(req.meguri).versions(access)
        let people = try await People(req.meguri).load(try req.access(), all.flatMap { [$0.submittedBy] + [$0.decidedBy].compactMap { $0 } })
        let rows: [HTML] = all.map { v in
            """
            <tr><td><a href="\(c.w("/soa/versions/\(v.number)"))">\(c.t("soa.versionNumber", ["number": String(v.number)]))</a></td>
            <td><span class="badge soa-version-\(v.status.rawValue)">\(c.t("soa.version.status.\(v.status.rawValue)"))</span></td>
            <td>\(people[v.submittedBy]?.displayName ?? "—") · \(c.date(v.submittedAt))</td>
            <td>\(v.decidedBy.flatMap { people[$0]?.displayName } ?? "—")\(v.decidedAt.map { " · " + c.date($0) } ?? "")\(v.decisionNote.map { HTML("<br><span class=\"prose small\">\($0)</span>") })</td>
            <td class="prose">\(v.note ?? "")</td>
            <td><a href="\(c.w("/soa/compare"))?from=\(v.number)">\(c.t("soa.compareWithCurrent"))</a></td></tr>
            """
        }
        return Layout.page(c, title: c.t("soa.versions"), wide: true, """
        \(Components.pageHeader(c.t("soa.versions"), subtitle: c.t("soa.versionsIntro"), actions: HTML("<a class=\"button\" href=\"\(c.w("/soa"))\">\(c.t("soa.back"))</a>")))
        \(rows.isEmpty ? Components.empty(c.t("soa.noVersions")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("soa.version"))</th><th>\(c.t("field.status"))</th><th>\(c.t("soa.submittedColumn"))</th><th>\(c.t("soa.decided"))</th>
        <th>\(c.t("field.note"))</th><th></th></tr></thead><tbody>\(rows)</tbody></table>
        """))
        \(HTML.when(access.allows(.soaManage), HTML("""
        <section class="card" id="submit"><h2>\(c.t("soa.submit"))</h2><p>\(c.t("soa.submitIntro"))</p>
        \(Form.errorSummary(errors, c))
        \(Form.open(c.w("/soa/versions"), c, id: "soa-submit"))
        \(Form.textarea("note", c.t("field.note"), value: note, errors: errors, c, rows: 2, hint: c.t("soa.submitNoteHint")))
        \(Form.submit(c.t("soa.submit")))
        \(Form.close())</section>
        """)))
        """)
    }

    @Sendable func submit(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(NoteForm.self)
        let c = try await PageContext.make(req)
        do {
            let version = try await Statement(req.meguri).submit(access, note: form.note, context: try req.context())
            return req.redirect(to: c.w("/soa/versions/\(version.number)"), flash: req.t("soa.submitted"))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: versionsPage(req, c: c, access: access, errors: errors, note: form.note)).encodeResponse(for: req)
        } catch DomainError.rule(let code, let params) {
            return try await PageResponse(status: .unprocessableEntity, html: versionsPage(req, c: c, access: access, errors: [FieldError(field: "entries", code: code, params: params)],
                                                                                        note: form.note)).encodeResponse(for: req)
        }
    }

    @Sendable func version(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let v = try await Statement(req.meguri).version(access, number: try number(req))
        return PageResponse(status: .ok, html: try await versionPage(req, c: c, access: access, version: v, errors: []))
    }

    func versionPage(_ req: Request, c: PageContext, access: WorkspaceAccess, version v: SoAVersion, errors: [FieldError]) async throws -> HTML {
        let people = try await People(req.meguri).load(try req.access(), [v.submittedBy] + [v.decidedBy].compactMap { $0 })
        let base = c.w("/soa/versions/\(v.number)")
        let rows: [HTML] = v.entries.map { s in
            """
            <tr><td class="nowrap">\(s.theme == "own" ? s.controlID : "A.\(s.controlID)")</td><td>\(s.title(c.language))</td>
            <td>\(Self.decisionBadge(s.decision, c))</td><td class="prose">\(s.justification ?? "")</td>
            <td>\(s.implementation.map { c.t("soa.implementation.\($0.rawValue)") } ?? "—")</td><td>\(s.owner ?? "—")</td>
            <td>\(s.riskList)</td><td class="num">\(s.evidenceCount)</td></tr>
            """
        }
        let pending = v.status == .inReview
        let title = c.t("soa.versionNumber", ["number": String(v.number)])
        return Layout.page(c, title: title, wide: true, """
        \(Components.pageHeader(title, subtitle: c.t("cap.soa"), actions: HTML("""
        <a class="button" href="\(c.w("/soa/versions"))">\(c.t("soa.versions"))</a>
        <a class="button" href="\(c.w("/soa/print"))?version=\(v.number)">\(c.t("soa.print"))</a>
        <a class="button" href="\(c.w("/soa/export"))?format=xlsx&amp;version=\(v.number)" download>Excel</a>
        <a class="button" href="\(c.w("/soa/export"))?format=csv&amp;version=\(v.number)" download>CSV</a>
        <a class="button" href="\(c.w("/soa/compare"))?from=\(v.number)">\(c.t("soa.compareWithCurrent"))</a>
        """)))
        <section class="card"><dl class="facts">
        <dt>\(c.t("field.status"))</dt><dd><span class="badge soa-version-\(v.status.rawValue)">\(c.t("soa.version.status.\(v.status.rawValue)"))</span></dd>
        <dt>\(c.t("soa.submittedColumn"))</dt><dd>\(people[v.submittedBy]?.displayName ?? "—") · \(c.date(v.submittedAt))</dd>
        <dt>\(c.t("soa.decided"))</dt><dd>\(v.decidedBy.flatMap { people[$0]?.displayName } ?? "—")\(v.decidedAt.map { " · " + c.date($0) } ?? "")</dd>
        <dt>\(c.t("soa.submitNote"))</dt><dd class="prose">\(v.note ?? "—")</dd>
        <dt>\(c.t("soa.decisionNote"))</dt><dd class="prose">\(v.decisionNote ?? "—")</dd>
        </dl>
        \(HTML.when(v.status == .approved, HTML("<p class=\"muted small\">\(c.t("soa.frozen"))</p>")))
        </section>
        \(HTML.when(pending && (access.allows(.soaApprove) || access.allows(.soaManage)), HTML("""
        <section class="card"><h2>\(c.t("soa.decideVersion"))</h2>
        \(Form.errorSummary(errors, c))
        \(HTML.when(access.allows(.soaApprove), HTML("""
        \(Form.open("\(base)/approve", c, id: "soa-approve"))\(Form.version(v.version))
        \(Form.textarea("note", c.t("field.note"), value: nil, errors: errors, c, rows: 2))
        <div class="actions"><button type="submit" class="primary">\(c.t("soa.approve"))</button>
        <button type="submit" formaction="\(base)/return">\(c.t("soa.return"))</button></div>
        \(Form.close())
        """)))
        \(HTML.when(!access.allows(.soaApprove) && access.allows(.soaManage), HTML("""
        \(Form.open("\(base)/withdraw", c, id: "soa-withdraw"))\(Form.version(v.version))
        \(Form.textarea("note", c.t("field.note"), value: nil, errors: errors, c, rows: 2, hint: c.t("soa.withdrawHint")))
        <div class="actions"><button type="submit">\(c.t("soa.withdraw"))</button></div>
        \(Form.close())
        """)))
        </section>
        """)))
        <table class="table soa-table"><thead><tr><th>\(c.t("control.id"))</th><th>\(c.t("control.title"))</th><th>\(c.t("soa.decision"))</th>
        <th>\(c.t("soa.justification"))</th><th>\(c.t("soa.implementation"))</th><th>\(c.t("soa.owner"))</th><th>\(c.t("soa.risks"))</th><th>\(c.t("cap.evidence"))</th></tr></thead>
        <tbody>\(rows)</tbody></table>
        """)
    }

    @Sendable func approve(_ req: Request) async throws -> Response { try await decide(req, approve: true) }
    @Sendable func sendBack(_ req: Request) async throws -> Response { try await decide(req, approve: false) }

    func decide(_ req: Request, approve: Bool) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(NoteForm.self)
        let number = try number(req)
        let statement = Statement(req.meguri)
        let c = try await PageContext.make(req)
        do {
            _ = try await statement.decide(access, number: number, approve: approve, note: form.note, expectedVersion: form.version, context: try req.context())
            return req.redirect(to: c.w("/soa/versions/\(number)"), flash: req.t(approve ? "soa.approved" : "soa.returned"))
        } catch DomainError.invalid(let errors) {
            let v = try await statement.version(access, number: number)
            return try await PageResponse(status: .unprocessableEntity, html: versionPage(req, c: c, access: access, version: v, errors: errors)).encodeResponse(for: req)
        } catch DomainError.rule(let code, let params) {
            let v = try await statement.version(access, number: number)
            return try await PageResponse(status: .unprocessableEntity, html: versionPage(req, c: c, access: access, version: v,
                                                                                       errors: [FieldError(field: "note", code: code, params: params)])).encodeResponse(for: req)
        }
    }

    @Sendable func compare(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let statement = Statement(req.meguri)
        let all = try await statement.versions(access)
        var errors: [FieldError] = []
        var result: (from: SoAVersion, to: SoAVersion?, changes: [SoAChange])? = nil
        let from = try? versionNumber(req, field: "from")
        let to = try? versionNumber(req, field: "to")
        if let from = from ?? all.first(where: { $0.status == .approved })?.number ?? all.first?.number {
            do { result = try await statement.compare(access, from: from, to: to ?? nil) } catch DomainError.notFound {
                errors = [FieldError(field: "version", code: "error.unknownVersion")]
            }
        }
        let options = all.map { (value: String($0.number), label: c.t("soa.versionNumber", ["number": String($0.number)]) + " (" + c.t("soa.version.status.\($0.status.rawValue)") + ")") }
        func value(_ field: String, _ s: SoASnapshot?) -> String {
            guard let s else { return "—" }
            switch field {
            case "decision": return c.t("soa.decision.\(s.decision.rawValue)")
            case "justification": return s.justification ?? "—"
            case "implementation": return s.implementation.map { c.t("soa.implementation.\($0.rawValue)") } ?? "—"
            case "owner": return s.owner ?? "—"
            case "description": return s.description ?? "—"
            case "documents": return s.documents ?? "—"
            case "risks": return s.riskCount == 0 ? "—" : s.riskList
            default: return ""
            }
        }
        let rows: [HTML] = (result?.changes ?? []).map { change in
            let line = change.after ?? change.before
            let label = line.map { ($0.theme == "own" ? $0.controlID : "A.\($0.controlID)") + " " + $0.title(c.language) } ?? change.controlID
            let fields = change.kind == .changed ? change.fields : ["decision", "justification"]
            let details: [HTML] = fields.map { field in
                "<tr><th scope=\"row\">\(c.t("soa.field.\(field)"))</th><td class=\"prose before\">\(value(field, change.before))</td><td class=\"prose after\">\(value(field, change.after))</td></tr>"
            }
            return """
            <section class="card change"><h2><a href="\(c.w("/soa/\(Components.encode(change.controlID))"))">\(label)</a> <span class="badge change-\(change.kind.rawValue)">\(c.t("soa.change.\(change.kind.rawValue)"))</span></h2>
            <table class="table compare"><thead><tr><th></th><th>\(c.t("soa.before"))</th><th>\(c.t("soa.after"))</th></tr></thead><tbody>\(details)</tbody></table></section>
            """
        }
        let html = Layout.page(c, title: c.t("soa.compare"), wide: true, """
        \(Components.pageHeader(c.t("soa.compare"), subtitle: c.t("soa.compareIntro"), actions: HTML("<a class=\"button\" href=\"\(c.w("/soa/versions"))\">\(c.t("soa.versions"))</a>")))
        \(Form.errorSummary(errors, c))
        \(all.isEmpty ? Components.empty(c.t("soa.noVersions")) : HTML("""
        <form method="get" action="\(c.w("/soa/compare"))" class="filters">
        \(Form.select("from", c.t("soa.from"), options: options, selected: result.map { String($0.from.number) }, errors: errors, c))
        \(Form.select("to", c.t("soa.to"), options: [(value: "", label: c.t("soa.current"))] + options, selected: result?.to.map { String($0.number) } ?? "", errors: errors, c))
        <button type="submit">\(c.t("soa.compare"))</button>
        </form>
        \(result.map { r in HTML("<p class=\"muted\">\(c.t("soa.changeCount", ["count": String(r.changes.count)]))</p>") })
        \(rows.isEmpty && result != nil ? Components.empty(c.t("soa.noChanges")) : HTML(raw: rows.map(\.rendered).joined()))
        """))
        """)
        return PageResponse(status: errors.isEmpty ? .ok : .unprocessableEntity, html: html)
    }
}
