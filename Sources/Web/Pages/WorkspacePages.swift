import Domain
import Features
import Foundation
import Vapor

/// The workspace home ("my work"), the four PDCA phase pages, and the workspace profile.
struct WorkspacePages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "", access: .signedIn, use: root)
        routes.endpoint(.GET, "w", ":slug", access: .workspace(.workspaceRead), use: home)
        for phase in Navigation.phases {
            routes.endpoint(.GET, "w", ":slug", PathComponent(stringLiteral: phase.key), access: .workspace(.workspaceRead)) { req in
                try await phasePage(req, phase)
            }
        }
        routes.endpoint(.GET, "w", ":slug", "settings", access: .workspace(.workspaceRead), use: settings)
        routes.endpoint(.POST, "w", ":slug", "settings", access: .workspace(.workspaceManage), use: saveSettings)
    }

    /// `/` opens the person's only workspace, or the list to choose from.
    @Sendable func root(_ req: Request) async throws -> Response {
        let workspaces = try await Access.workspaces(of: try req.requireUser(), services: req.meguri)
        if workspaces.count == 1 { return req.redirect(to: "/w/\(workspaces[0].slug)") }
        return req.redirect(to: "/workspaces")
    }

    @Sendable func home(_ req: Request) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let items = try await MyWork.items(for: access, services: req.meguri)
        let rows: [HTML] = items.map { item in
            let overdue = item.due.map { $0 < access.today } ?? false
            return """
            <li class="work-item\(overdue ? " overdue" : "")">
            <span class="badge kind-\(item.kind.rawValue)">\(c.t("work.kind.\(item.kind.rawValue)"))</span>
            <a href="\(item.link)">\(c.t(item.titleKey, item.params))</a>
            \(item.due.map { due in HTML("<span class=\"due\">\(c.t(overdue ? "work.overdue" : "work.due", ["date": due.description]))</span>") })
            </li>
            """
        }
        let roles = access.member.map { Components.roleBadges($0.grants, departments: [:], c) }
            ?? HTML("<span class=\"badge\">\(c.t("admin.administrator"))</span>")
        return Layout.page(c, title: c.t("nav.myWork"), """
        \(Components.pageHeader(c.t("home.title", ["name": access.user.displayName]), subtitle: access.workspace.name))
        <p class="roles">\(c.t("home.yourRoles")) \(roles)</p>
        <section class="card"><h2>\(c.t("nav.myWork"))</h2>
        \(rows.isEmpty ? Components.empty(c.t("home.nothing")) : HTML("<ul class=\"work-list\">\(rows)</ul>"))
        </section>
        <section class="phases-overview">
        \(Navigation.phases.map { phase in HTML("""
        <a class="phase-card phase-\(phase.key)" href="\(c.w("/\(phase.key)"))"><span class="phase-badge phase-\(phase.key)">\(phase.key.prefix(1).uppercased())</span>
        <strong>\(c.t("phase.\(phase.key)"))</strong><span>\(c.t("phase.\(phase.key).summary"))</span></a>
        """) })
        </section>
        """)
    }

    func phasePage(_ req: Request, _ phase: Phase) async throws -> HTML {
        let c = try await PageContext.make(req)
        let items: [HTML] = phase.capabilities.map { cap in
            """
            <li class="card capability" id="\(cap.key)">
            <h2>\(c.t("cap.\(cap.key)"))\(cap.clauses.isEmpty ? HTML.empty : HTML(" <span class=\"clause\">\(cap.clauses)</span>"))</h2>
            <p>\(c.t("cap.\(cap.key).what"))</p>
            \(cap.path.map { path in c.access?.allows(cap.permission) == true || cap.key == "documents"
                ? HTML("<a class=\"button\" href=\"\(c.w(cap.key == "documents" && c.access?.allows(.documentsRead) != true ? "/reading" : path))\">\(c.t("phase.open"))</a>")
                : HTML("<p class=\"planned-note\">\(c.t("phase.notYours"))</p>") } ?? HTML("<p class=\"planned-note\">\(c.t("phase.planned"))</p>"))
            </li>
            """
        }
        return Layout.page(c, title: c.t("phase.\(phase.key)"), """
        \(Components.pageHeader(c.t("phase.\(phase.key)"), subtitle: c.t("phase.\(phase.key).summary")))
        <ul class="capabilities">\(items)</ul>
        """)
    }

    // MARK: Settings

    struct WorkspaceForm: Content {
        var name: String?
        var slug: String?
        var organizationName: String?
        var scopeStatement: String?
        var sites: String?
        var certificationBody: String?
        var certificateNumber: String?
        var initialCertificationDate: String?
        var certificateIssuedOn: String?
        var certificateExpiresOn: String?
        var timeZone: String?
        var fiscalYearStartMonth: String?
        var version: Int?

        var input: WorkspaceInput {
            WorkspaceInput(name: name, slug: slug, organizationName: organizationName ?? "", scopeStatement: scopeStatement ?? "", sites: sites ?? "",
                           certificationBody: certificationBody ?? "", certificateNumber: certificateNumber ?? "",
                           initialCertificationDate: initialCertificationDate ?? "", certificateIssuedOn: certificateIssuedOn ?? "",
                           certificateExpiresOn: certificateExpiresOn ?? "", timeZone: timeZone, fiscalYearStartMonth: fiscalYearStartMonth)
        }
    }

    @Sendable func settings(_ req: Request) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let w = access.workspace
        if !access.allows(.workspaceManage) { return Self.profilePage(c, w) }
        let input = WorkspaceInput(name: w.name, slug: w.slug, organizationName: w.organizationName, scopeStatement: w.scopeStatement, sites: w.sites,
                                   certificationBody: w.certificationBody, certificateNumber: w.certificateNumber,
                                   initialCertificationDate: w.initialCertificationDate?.description, certificateIssuedOn: w.certificateIssuedOn?.description,
                                   certificateExpiresOn: w.certificateExpiresOn?.description, timeZone: w.timeZone,
                                   fiscalYearStartMonth: String(w.fiscalYearStartMonth))
        return Self.formPage(c, title: c.t("settings.title"), action: c.w("/settings"), input: input, version: w.version, errors: [], creating: false)
    }

    /// The read-only profile for members who may not change it.
    static func profilePage(_ c: PageContext, _ w: Workspace) -> HTML {
        func row(_ key: String, _ value: String?) -> HTML { "<dt>\(c.t("field.\(key)"))</dt><dd>\(value ?? "—")</dd>" }
        return Layout.page(c, title: c.t("settings.title"), """
        \(Components.pageHeader(c.t("settings.title"), subtitle: w.name))
        <section class="card"><dl class="facts">
        \(row("organizationName", w.organizationName))
        <dt>\(c.t("field.scopeStatement"))</dt><dd class="prose">\(w.scopeStatement ?? "—")</dd>
        \(row("sites", w.sites)) \(row("certificationBody", w.certificationBody)) \(row("certificateNumber", w.certificateNumber))
        \(row("initialCertificationDate", w.initialCertificationDate?.description))
        \(row("certificateIssuedOn", w.certificateIssuedOn?.description)) \(row("certificateExpiresOn", w.certificateExpiresOn?.description))
        \(row("timeZone", w.timeZone))
        \(row("fiscalYearStartMonth", c.t("month.\(w.fiscalYearStartMonth)")))
        </dl></section>
        """)
    }

    static func formPage(_ c: PageContext, title: String, action: String, input: WorkspaceInput, version: Int?, errors: [FieldError], creating: Bool,
                         conflict: Bool = false) -> HTML {
        let months = (1...12).map { (value: String($0), label: c.t("month.\($0)")) }
        let zones = ["Asia/Tokyo", "UTC", "Asia/Seoul", "Asia/Shanghai", "Asia/Singapore", "Asia/Bangkok", "Asia/Kolkata", "Europe/London",
                     "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Australia/Sydney"]
        var zoneOptions = zones.map { (value: $0, label: $0) }
        if let current = input.timeZone, !zones.contains(current) { zoneOptions.insert((current, current), at: 0) }
        return Layout.page(c, title: title, """
        \(Components.pageHeader(title, subtitle: creating ? c.t("workspaces.newIntro") : input.name,
                                actions: HTML.when(!creating, HTML("<a class=\"button\" href=\"\(c.w("/settings/notifications"))\">\(c.t("notice.settings"))</a>"))))
        \(HTML.when(conflict, "<div class=\"error-summary\" role=\"alert\"><p>\(c.t("problem.conflict.detail"))</p></div>"))
        \(Form.errorSummary(errors, c))
        \(Form.open(action, c))
        \(version.map(Form.version))
        <fieldset><legend>\(c.t("settings.identity"))</legend>
        \(Form.text("name", c.t("field.workspaceName"), value: input.name, errors: errors, c, required: true, hint: c.t("hint.workspaceName")))
        \(creating ? Form.text("slug", c.t("field.slug"), value: input.slug, errors: errors, c, required: true, hint: c.t("hint.slug"),
                               attributes: " pattern=\"[a-z][a-z0-9\\-]*[a-z0-9]\" autocapitalize=\"none\"")
                   : HTML("<p class=\"field\"><span class=\"label\">\(c.t("field.slug"))</span> <code>\(input.slug ?? "")</code></p>"))
        \(Form.text("organizationName", c.t("field.organizationName"), value: input.organizationName, errors: errors, c))
        </fieldset>
        <fieldset><legend>\(c.t("settings.scope"))</legend>
        \(Form.textarea("scopeStatement", c.t("field.scopeStatement"), value: input.scopeStatement, errors: errors, c, rows: 6, hint: c.t("hint.scopeStatement")))
        \(Form.textarea("sites", c.t("field.sites"), value: input.sites, errors: errors, c, rows: 3, hint: c.t("hint.sites")))
        </fieldset>
        <fieldset><legend>\(c.t("settings.certification"))</legend>
        <div class="row">
        \(Form.text("certificationBody", c.t("field.certificationBody"), value: input.certificationBody, errors: errors, c))
        \(Form.text("certificateNumber", c.t("field.certificateNumber"), value: input.certificateNumber, errors: errors, c))
        \(Form.text("initialCertificationDate", c.t("field.initialCertificationDate"), value: input.initialCertificationDate, errors: errors, c, type: "date"))
        </div>
        <div class="row">
        \(Form.text("certificateIssuedOn", c.t("field.certificateIssuedOn"), value: input.certificateIssuedOn, errors: errors, c, type: "date", hint: c.t("hint.certificateIssuedOn")))
        \(Form.text("certificateExpiresOn", c.t("field.certificateExpiresOn"), value: input.certificateExpiresOn, errors: errors, c, type: "date"))
        </div>
        </fieldset>
        <fieldset><legend>\(c.t("settings.calendar"))</legend>
        <div class="row">
        \(Form.select("timeZone", c.t("field.timeZone"), options: zoneOptions, selected: input.timeZone ?? Workspace.defaultTimeZone, errors: errors, c))
        \(Form.select("fiscalYearStartMonth", c.t("field.fiscalYearStartMonth"), options: months,
                      selected: input.fiscalYearStartMonth ?? String(Workspace.defaultFiscalYearStartMonth), errors: errors, c))
        </div>
        </fieldset>
        \(Form.submit(c.t(creating ? "workspaces.create" : "form.save")))
        \(Form.close())
        """)
    }

    @Sendable func saveSettings(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(WorkspaceForm.self)
        var input = form.input
        input.slug = nil
        do {
            _ = try await Workspaces(req.meguri).update(access, input, expectedVersion: form.version, context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/settings", flash: req.t("form.saved"))
        } catch DomainError.invalid(let errors) {
            let c = try await PageContext.make(req)
            input.slug = access.workspace.slug
            return try await PageResponse(status: .unprocessableEntity, html: Self.formPage(c, title: c.t("settings.title"), action: c.w("/settings"), input: input,
                                                                                         version: form.version, errors: errors, creating: false))
                .encodeResponse(for: req)
        } catch DomainError.conflict {
            // Show the newer values the other person saved; nothing of theirs is overwritten.
            guard let current = try await Workspaces(req.meguri).load(slug: access.workspace.slug) else { throw DomainError.notFound(entity: "workspace") }
            let c = try await PageContext.make(req)
            let fresh = WorkspaceInput(name: current.name, slug: current.slug, organizationName: current.organizationName, scopeStatement: current.scopeStatement,
                                       sites: current.sites, certificationBody: current.certificationBody, certificateNumber: current.certificateNumber,
                                       initialCertificationDate: current.initialCertificationDate?.description,
                                       certificateIssuedOn: current.certificateIssuedOn?.description, certificateExpiresOn: current.certificateExpiresOn?.description, timeZone: current.timeZone,
                                       fiscalYearStartMonth: String(current.fiscalYearStartMonth))
            return try await PageResponse(status: .conflict, html: Self.formPage(c, title: c.t("settings.title"), action: c.w("/settings"), input: fresh,
                                                                              version: current.version, errors: [], creating: false, conflict: true))
                .encodeResponse(for: req)
        }
    }
}
