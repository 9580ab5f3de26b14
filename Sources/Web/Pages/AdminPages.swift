import Domain
import Features
import Foundation
import Vapor

/// The installation administrator's pages: people of the installation, and new workspaces.
/// The workspace list is for everyone (it shows only their own).
struct AdminPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "admin", "users", access: .administrator, use: users)
        routes.endpoint(.GET, "admin", "users", "new", access: .administrator, use: newUserForm)
        routes.endpoint(.POST, "admin", "users", "new", access: .administrator, use: createUser)
        routes.endpoint(.GET, "admin", "users", ":userID", access: .administrator, use: userForm)
        routes.endpoint(.POST, "admin", "users", ":userID", access: .administrator, use: updateUser)
        routes.endpoint(.POST, "admin", "users", ":userID", "reset-link", access: .administrator, use: resetLink)
        routes.endpoint(.GET, "workspaces", access: .signedIn, use: workspaces)
        routes.endpoint(.GET, "workspaces", "new", access: .administrator, use: newWorkspaceForm)
        routes.endpoint(.POST, "workspaces", "new", access: .administrator, use: createWorkspace)
    }

    // MARK: Users

    @Sendable func users(_ req: Request) async throws -> HTML {
        let c = try await PageContext.make(req)
        let search = req.queryValue("q")
        let page = try req.listPage()
        let result = try await Users(req.meguri).list(search: search, page: page)
        let rows: [HTML] = result.items.map { u in
            """
            <tr><td><a href="/admin/users/\(u.id)">\(u.displayName)</a></td><td>\(u.email)</td>
            <td>\(HTML.when(u.isAdministrator, "<span class=\"badge\">\(c.t("admin.administrator"))</span>"))
            \(HTML.when(!u.hasPassword, "<span class=\"badge pending\">\(c.t("member.invited"))</span>"))
            \(HTML.when(u.isDisabled, "<span class=\"badge expired\">\(c.t("admin.disabled"))</span>"))
            \(HTML.when(u.totpEnabled, "<span class=\"badge ok\">\(c.t("admin.twoStep"))</span>"))</td>
            <td>\(c.date(u.createdAt))</td></tr>
            """
        }
        return Layout.page(c, title: c.t("admin.users"), """
        \(Components.pageHeader(c.t("admin.users"), subtitle: c.t("admin.usersIntro"), actions: "<a class=\"button primary\" href=\"/admin/users/new\">\(c.t("admin.newUser"))</a>"))
        <form method="get" action="/admin/users" class="filters" role="search">
        <label for="q">\(c.t("form.search"))</label><input id="q" name="q" type="search" value="\(search ?? "")">
        <button type="submit">\(c.t("form.search"))</button>
        </form>
        \(rows.isEmpty ? Components.empty(c.t("admin.noUsers")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("field.displayName"))</th><th>\(c.t("field.email"))</th><th>\(c.t("field.status"))</th><th>\(c.t("field.createdAt"))</th></tr></thead>
        <tbody>\(rows)</tbody></table>
        """))
        \(Components.pager(c, nextCursor: result.nextCursor, total: result.total, basePath: "/admin/users", query: ["q": search ?? ""]))
        """)
    }

    struct UserForm: Content {
        var email: String?
        var displayName: String?
        var isAdministrator: String?
        var isDisabled: String?
        var version: Int?
    }

    @Sendable func newUserForm(_ req: Request) async throws -> HTML {
        newUserPage(try await PageContext.make(req), form: UserForm(), errors: [])
    }

    func newUserPage(_ c: PageContext, form: UserForm, errors: [FieldError]) -> HTML {
        Layout.page(c, title: c.t("admin.newUser"), """
        \(Components.pageHeader(c.t("admin.newUser"), subtitle: c.t("admin.newUserIntro")))
        \(Form.errorSummary(errors, c))
        \(Form.open("/admin/users/new", c))
        \(Form.text("email", c.t("field.email"), value: form.email, errors: errors, c, type: "email", required: true))
        \(Form.text("displayName", c.t("field.displayName"), value: form.displayName, errors: errors, c, required: true))
        \(Form.checkbox("isAdministrator", c.t("admin.makeAdministrator"), checked: form.isAdministrator != nil, hint: c.t("admin.administratorHint")))
        \(Form.submit(c.t("admin.createUser"), secondary: (c.t("form.cancel"), "/admin/users")))
        \(Form.close())
        """)
    }

    @Sendable func createUser(_ req: Request) async throws -> Response {
        let form = try req.content.decode(UserForm.self)
        do {
            let created = try await Users(req.meguri).create(email: form.email, displayName: form.displayName, isAdministrator: form.isAdministrator != nil,
                                                               password: nil, context: try req.context())
            let c = try await PageContext.make(req)
            return try await linkPage(c, user: created.user, secret: created.invitationSecret!, purpose: "invitation").encodeResponse(for: req)
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: newUserPage(try await PageContext.make(req), form: form, errors: errors))
                .encodeResponse(for: req)
        }
    }

    /// Shows a one-time link to copy and hand over; it is not shown again.
    func linkPage(_ c: PageContext, user: User, secret: String, purpose: String) -> HTML {
        let url = "\(c.baseURL)/\(purpose == "invitation" ? "invitation" : "reset")/\(secret)"
        return Layout.page(c, title: c.t("admin.linkTitle"), """
        \(Components.pageHeader(c.t("admin.linkTitle"), subtitle: user.email))
        <div class="notice" role="status">
        <p>\(c.t(purpose == "invitation" ? "admin.invitationLinkIntro" : "admin.resetLinkIntro", ["name": user.displayName]))</p>
        <p><input class="copy" type="text" readonly value="\(url)" aria-label="\(c.t("admin.linkTitle"))"></p>
        </div>
        <p><a class="button" href="/admin/users/\(user.id)">\(c.t("form.back"))</a></p>
        """)
    }

    @Sendable func userForm(_ req: Request) async throws -> HTML {
        let user = try await Users(req.meguri).load(try userID(req))
        return editUserPage(try await PageContext.make(req), user: user, form: nil, errors: [])
    }

    func editUserPage(_ c: PageContext, user: User, form: UserForm?, errors: [FieldError], conflict: Bool = false) -> HTML {
        let isAdmin = form.map { $0.isAdministrator != nil } ?? user.isAdministrator
        let isDisabled = form.map { $0.isDisabled != nil } ?? user.isDisabled
        return Layout.page(c, title: user.displayName, """
        \(Components.pageHeader(user.displayName, subtitle: user.email))
        \(HTML.when(conflict, "<div class=\"error-summary\" role=\"alert\"><p>\(c.t("problem.conflict.detail"))</p></div>"))
        \(Form.errorSummary(errors, c))
        <section class="card">
        \(Form.open("/admin/users/\(user.id)", c))
        \(Form.version(user.version))
        \(Form.text("displayName", c.t("field.displayName"), value: form?.displayName ?? user.displayName, errors: errors, c, required: true))
        \(Form.checkbox("isAdministrator", c.t("admin.makeAdministrator"), checked: isAdmin, hint: c.t("admin.administratorHint")))
        \(Form.checkbox("isDisabled", c.t("admin.disableUser"), checked: isDisabled, hint: c.t("admin.disableHint")))
        \(Form.submit(c.t("form.save"), secondary: (c.t("form.back"), "/admin/users")))
        \(Form.close())
        </section>
        <section class="card"><h2>\(c.t(user.hasPassword ? "admin.resetLink" : "admin.invitationLink"))</h2>
        <p>\(c.t(user.hasPassword ? "admin.resetLinkHint" : "admin.invitationLinkHint"))</p>
        \(Form.open("/admin/users/\(user.id)/reset-link", c))\(Form.submit(c.t("admin.issueLink")))\(Form.close())
        </section>
        """)
    }

    @Sendable func updateUser(_ req: Request) async throws -> Response {
        let id = try userID(req)
        let form = try req.content.decode(UserForm.self)
        let users = Users(req.meguri)
        do {
            _ = try await users.update(id, displayName: form.displayName, isAdministrator: form.isAdministrator != nil, isDisabled: form.isDisabled != nil,
                                       expectedVersion: form.version, by: try req.requireUser(), context: try req.context())
            return req.redirect(to: "/admin/users/\(id)", flash: req.t("form.saved"))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: editUserPage(try await PageContext.make(req), user: try await users.load(id), form: form, errors: errors))
                .encodeResponse(for: req)
        } catch DomainError.conflict {
            return try await PageResponse(status: .conflict, html: editUserPage(try await PageContext.make(req), user: try await users.load(id), form: nil, errors: [], conflict: true))
                .encodeResponse(for: req)
        }
    }

    @Sendable func resetLink(_ req: Request) async throws -> HTML {
        let id = try userID(req)
        let users = Users(req.meguri)
        let user = try await users.load(id)
        let secret = try await users.issuePasswordReset(id, context: try req.context())
        return linkPage(try await PageContext.make(req), user: user, secret: secret, purpose: user.hasPassword ? "reset" : "invitation")
    }

    func userID(_ req: Request) throws -> User.ID {
        guard let id = req.parameters.get("userID").flatMap(User.ID.init) else { throw DomainError.notFound(entity: "user") }
        return id
    }

    // MARK: Workspaces

    @Sendable func workspaces(_ req: Request) async throws -> HTML {
        let c = try await PageContext.make(req)
        let user = try req.requireUser()
        let cards: [HTML] = c.workspaces.map { w in
            """
            <li class="card"><a href="/w/\(w.slug)"><h2>\(w.name)</h2></a><p class="muted">\(w.organizationName ?? "") <code>\(w.slug)</code></p></li>
            """
        }
        return Layout.page(c, title: c.t("workspaces.title"), """
        \(Components.pageHeader(c.t("workspaces.title"), subtitle: c.t("workspaces.intro"),
                                actions: HTML.when(user.isAdministrator, "<a class=\"button primary\" href=\"/workspaces/new\">\(c.t("workspaces.new"))</a>")))
        \(cards.isEmpty ? Components.empty(c.t(user.isAdministrator ? "workspaces.noneAdmin" : "workspaces.none"),
                                           action: HTML.when(user.isAdministrator, "<a class=\"button primary\" href=\"/workspaces/new\">\(c.t("workspaces.new"))</a>"))
                        : HTML("<ul class=\"cards\">\(cards)</ul>"))
        """)
    }

    @Sendable func newWorkspaceForm(_ req: Request) async throws -> HTML {
        WorkspacePages.formPage(try await PageContext.make(req), title: c(req).t("workspaces.new"), action: "/workspaces/new", input: WorkspaceInput(),
                                version: nil, errors: [], creating: true)
    }

    private func c(_ req: Request) -> PageContext { PageContext(request: req) }

    @Sendable func createWorkspace(_ req: Request) async throws -> Response {
        let form = try req.content.decode(WorkspacePages.WorkspaceForm.self)
        do {
            let workspace = try await Workspaces(req.meguri).create(form.input, by: try req.requireUser(), context: try req.context())
            return req.redirect(to: "/w/\(workspace.slug)", flash: req.t("workspaces.created"))
        } catch DomainError.invalid(let errors) {
            let c = try await PageContext.make(req)
            return try await PageResponse(status: .unprocessableEntity, html: WorkspacePages.formPage(c, title: c.t("workspaces.new"), action: "/workspaces/new",
                                                                                                   input: form.input, version: nil, errors: errors, creating: true))
                .encodeResponse(for: req)
        }
    }
}

extension PageContext {
    var baseURL: String { baseURLValue }
}
