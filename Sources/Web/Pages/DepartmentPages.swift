import Domain
import Features
import Foundation
import Vapor

/// Departments: list and search for everyone in the workspace; add, edit, delete and import by CSV
/// for the secretariat.
struct DepartmentPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "w", ":slug", "departments", access: .workspace(.workspaceRead), use: list)
        routes.endpoint(.POST, "w", ":slug", "departments", access: .workspace(.membersManage), use: create)
        routes.endpoint(.GET, "w", ":slug", "departments", "import", access: .workspace(.membersManage), use: importForm)
        routes.importSteps(["w", ":slug", "departments"], access: .workspace(.membersManage), maxSize: "5mb", flow: importFlow)
        routes.endpoint(.GET, "w", ":slug", "departments", ":departmentID", access: .workspace(.workspaceRead), use: show)
        routes.endpoint(.POST, "w", ":slug", "departments", ":departmentID", access: .workspace(.membersManage), use: update)
        routes.endpoint(.POST, "w", ":slug", "departments", ":departmentID", "delete", access: .workspace(.membersManage), use: delete)
    }

    struct DepartmentForm: Content {
        var name: String?
        var code: String?
        var description: String?
        var version: Int?
        var input: DepartmentInput { DepartmentInput(name: name, code: code ?? "", description: description ?? "") }
    }

    @Sendable func list(_ req: Request) async throws -> HTML {
        try await listPage(req, form: DepartmentForm(), errors: [])
    }

    func listPage(_ req: Request, form: DepartmentForm, errors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let search = req.queryValue("q")
        let page = try req.listPage()
        let result = try await Departments(req.meguri).list(access, search: search, page: page)
        let manage = access.allows(.membersManage)
        let rows: [HTML] = result.items.map { d in
            "<tr><td><a href=\"\(c.w("/departments/\(d.id)"))\">\(d.name)</a></td><td>\(d.code ?? "")</td><td>\(d.description ?? "")</td></tr>"
        }
        return Layout.page(c, title: c.t("nav.departments"), """
        \(Components.pageHeader(c.t("nav.departments"), subtitle: c.t("departments.intro"),
                                actions: HTML.when(manage, "<a class=\"button\" href=\"\(c.w("/departments/import"))\">\(c.t("import.csv"))</a>")))
        <form method="get" action="\(c.w("/departments"))" class="filters" role="search">
        <label for="q">\(c.t("form.search"))</label><input id="q" name="q" type="search" value="\(search ?? "")">
        <button type="submit">\(c.t("form.search"))</button>
        </form>
        \(rows.isEmpty ? Components.empty(c.t(search == nil ? "departments.none" : "form.noMatches")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("field.name"))</th><th>\(c.t("field.code"))</th><th>\(c.t("field.description"))</th></tr></thead>
        <tbody>\(rows)</tbody></table>
        """))
        \(Components.pager(c, nextCursor: result.nextCursor, total: result.total, basePath: c.w("/departments"), query: ["q": search ?? ""]))
        \(HTML.when(manage, HTML("""
        <section class="card" id="new"><h2>\(c.t("departments.new"))</h2>
        \(Form.errorSummary(errors, c))
        \(Form.open(c.w("/departments"), c))
        <div class="row">
        \(Form.text("name", c.t("field.name"), value: form.name, errors: errors, c, required: true))
        \(Form.text("code", c.t("field.code"), value: form.code, errors: errors, c))
        </div>
        \(Form.textarea("description", c.t("field.description"), value: form.description, errors: errors, c, rows: 2))
        \(Form.submit(c.t("departments.add")))
        \(Form.close())
        </section>
        """)))
        """)
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let access = try req.access()
        return try await req.submit(DepartmentForm.self) { form in
            let department = try await Departments(req.meguri).create(access, form.input, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/departments", flash: req.t("departments.created", ["name": department.name]))
        } render: { form, errors in try await listPage(req, form: form, errors: errors) }
    }

    func departmentID(_ req: Request) throws -> Department.ID {
        guard let id = req.parameters.get("departmentID").flatMap(Department.ID.init) else { throw DomainError.notFound(entity: "department") }
        return id
    }

    @Sendable func show(_ req: Request) async throws -> HTML {
        let department = try await Departments(req.meguri).load(try req.access(), try departmentID(req))
        return try await detailPage(req, department, form: nil, errors: [])
    }

    func detailPage(_ req: Request, _ d: Department, form: DepartmentForm?, errors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let members = access.allows(.membersRead)
            ? try await Members(req.meguri).list(access, filter: .init(departmentID: d.id), page: PageRequest(limit: 50)).items : []
        let memberRows: [HTML] = members.map { "<li><a href=\"\(c.w("/members/\($0.id)"))\">\($0.displayName)</a></li>" }
        let manage = access.allows(.membersManage)
        let body: HTML = manage ? """
        \(Form.errorSummary(errors, c))
        <section class="card">
        \(Form.open(c.w("/departments/\(d.id)"), c))
        \(Form.version(d.version))
        <div class="row">
        \(Form.text("name", c.t("field.name"), value: form?.name ?? d.name, errors: errors, c, required: true))
        \(Form.text("code", c.t("field.code"), value: form?.code ?? d.code, errors: errors, c))
        </div>
        \(Form.textarea("description", c.t("field.description"), value: form?.description ?? d.description, errors: errors, c, rows: 3))
        \(Form.submit(c.t("form.save"), secondary: (c.t("form.back"), c.w("/departments"))))
        \(Form.close())
        </section>
        <section class="card danger-zone"><h2>\(c.t("departments.delete"))</h2><p>\(c.t("departments.deleteHint"))</p>
        \(Form.open(c.w("/departments/\(d.id)/delete"), c))\(Form.version(d.version))<div class="actions"><button type="submit" class="danger">\(c.t("form.delete"))</button></div>\(Form.close())
        </section>
        """ : """
        <section class="card"><dl class="facts"><dt>\(c.t("field.code"))</dt><dd>\(d.code ?? "—")</dd><dt>\(c.t("field.description"))</dt><dd>\(d.description ?? "—")</dd></dl></section>
        """
        return Layout.page(c, title: d.name, """
        \(Components.pageHeader(d.name, subtitle: c.t("nav.departments"),
                                actions: HTML.when(access.allows(.auditTrailRead), "<a class=\"button\" href=\"\(c.w("/history/department/\(d.id)"))\">\(c.t("audit.history"))</a>")))
        \(body)
        \(HTML.when(access.allows(.membersRead), HTML("""
        <section class="card"><h2>\(c.t("departments.members"))</h2>
        \(memberRows.isEmpty ? Components.empty(c.t("departments.noMembers")) : HTML("<ul class=\"plain\">\(memberRows)</ul>"))</section>
        """)))
        """)
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try departmentID(req)
        let departments = Departments(req.meguri)
        return try await req.submit(DepartmentForm.self) { form in
            _ = try await departments.update(access, id, form.input, expectedVersion: form.version, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/departments/\(id)", flash: req.t("form.saved"))
        } render: { form, errors in
            // After a conflict the page shows the record as it now stands, not what was typed over it.
            let conflict = errors.contains { $0.code == "form.conflict" }
            return try await detailPage(req, try await departments.load(access, id), form: conflict ? nil : form, errors: errors)
        }
    }

    struct VersionForm: Content { var version: Int? }

    @Sendable func delete(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try departmentID(req)
        let form = try req.content.decode(VersionForm.self)
        let departments = Departments(req.meguri)
        do {
            let department = try await departments.load(access, id)
            try await departments.delete(access, id, expectedVersion: form.version, context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/departments", flash: req.t("departments.deleted", ["name": department.name]))
        } catch DomainError.rule(let code, let params) {
            return req.redirect(to: "/w/\(access.workspace.slug)/departments/\(id)", flash: req.t(code, params))
        }
    }

    // MARK: Import

    @Sendable func importForm(_ req: Request) async throws -> HTML {
        let c = try await PageContext.make(req)
        return ImportViews.page(c, kind: "departments", action: c.w("/departments/import"), back: c.w("/departments"), result: nil, errors: [])
    }

    struct ImportForm: Content {
        var file: File?
        var fileBase64: String?
        var commit: String?

        /// The uploaded file, or the one carried over from the dry run.
        var data: Data? {
            if let file, file.data.readableBytes > 0 { return Data(buffer: file.data) }
            return fileBase64.flatMap { Data(base64Encoded: $0) }
        }
    }

    @Sendable func importFlow(_ req: Request) async throws -> ImportViews.Flow {
        let access = try req.access()
        let c = PageContext(request: req)
        let context = try req.context()
        return ImportViews.Flow(kind: "departments", action: c.w("/departments/import"), back: c.w("/departments"),
                                spec: Departments.table.spec(req.meguri.localizer)) { data, options, dryRun, _ in
            let result = try await Departments(req.meguri).importFile(access, data: data, options: options, dryRun: dryRun, context: context)
            return .init(rows: result.rows.map { ImportViews.Row($0) },
                         mapping: result.mapping)
        }
    }

}
