import Domain
import Features
import Foundation
import Storage
import Vapor

/// Members and their roles. Everyone with the member list sees it; the secretariat adds people
/// (new people get an invitation link to hand over), changes roles, removes members, imports CSV.
struct MemberPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "w", ":slug", "members", access: .workspace(.membersRead), use: list)
        routes.endpoint(.GET, "w", ":slug", "members", "new", access: .workspace(.membersManage), use: newForm)
        routes.endpoint(.POST, "w", ":slug", "members", "new", access: .workspace(.membersManage), use: create)
        routes.endpoint(.GET, "w", ":slug", "members", "import", access: .workspace(.membersManage), use: importForm)
        routes.importSteps(["w", ":slug", "members"], access: .workspace(.membersManage), maxSize: "5mb", flow: importFlow)
        routes.endpoint(.GET, "w", ":slug", "members", ":memberID", access: .workspace(.membersRead), use: show)
        routes.endpoint(.POST, "w", ":slug", "members", ":memberID", access: .workspace(.membersManage), use: update)
        routes.endpoint(.POST, "w", ":slug", "members", ":memberID", "remove", access: .workspace(.membersManage), use: remove)
        routes.endpoint(.POST, "w", ":slug", "members", ":memberID", "invitation", access: .workspace(.membersManage), use: reissue)
    }

    @Sendable func list(_ req: Request) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let search = req.queryValue("q")
        let departmentRaw = req.queryValue("department")
        let roleRaw = req.queryValue("role")
        let filter = MemberFilter(search: search, departmentID: departmentRaw.flatMap(Department.ID.init), role: roleRaw.flatMap(Role.init(rawValue:)))
        let page = try req.listPage()
        let result = try await Members(req.meguri).list(access, filter: filter, page: page)
        let departments = try await Departments(req.meguri).all(access)
        let names = Dictionary(uniqueKeysWithValues: departments.map { ($0.id, $0.name) })
        let rows: [HTML] = result.items.map { m in
            """
            <tr><td class="nowrap"><a href="\(c.w("/members/\(m.id)"))">\(m.displayName.isEmpty ? m.email : m.displayName)</a>\(HTML.when(!m.isActivated, " <span class=\"badge pending\">\(c.t("member.invited"))</span>"))</td>
            <td>\(m.email)</td><td class="nowrap">\(m.homeDepartmentID.flatMap { names[$0] } ?? "—")</td><td>\(Components.roleBadges(m.grants, departments: names, c))</td></tr>
            """
        }
        let manage = access.allows(.membersManage)
        let departmentOptions = [(value: "", label: c.t("form.all"))] + departments.map { (value: $0.id.description, label: $0.name) }
        let roleOptions = [(value: "", label: c.t("form.all"))] + Role.allCases.map { (value: $0.rawValue, label: c.localizer.role($0, c.language)) }
        return Layout.page(c, title: c.t("nav.members"), wide: true, """
        \(Components.pageHeader(c.t("nav.members"), subtitle: c.t("members.intro"), actions: HTML.when(manage, HTML("""
        <a class="button" href="\(c.w("/members/import"))">\(c.t("import.csv"))</a><a class="button primary" href="\(c.w("/members/new"))">\(c.t("members.add"))</a>
        """))))
        <form method="get" action="\(c.w("/members"))" class="filters" role="search">
        <div><label for="q">\(c.t("form.search"))</label><input id="q" name="q" type="search" value="\(search ?? "")"></div>
        \(Form.select("department", c.t("field.department"), options: departmentOptions, selected: departmentRaw, errors: [], c))
        \(Form.select("role", c.t("field.role"), options: roleOptions, selected: roleRaw, errors: [], c))
        <button type="submit">\(c.t("form.filter"))</button>
        </form>
        \(rows.isEmpty ? Components.empty(c.t(search == nil && departmentRaw == nil && roleRaw == nil ? "members.none" : "form.noMatches")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("field.displayName"))</th><th>\(c.t("field.email"))</th><th>\(c.t("field.homeDepartment"))</th><th>\(c.t("field.roles"))</th></tr></thead>
        <tbody>\(rows)</tbody></table>
        """))
        \(Components.pager(c, nextCursor: result.nextCursor, total: result.total, basePath: c.w("/members"), query: ["q": search ?? "", "department": departmentRaw ?? "", "role": roleRaw ?? ""]))
        \(HTML.when(manage && req.meguri.notifier.mail == nil, HTML("""
        <section class="card" id="invitation-links"><h2>\(c.t("members.invitationLinks"))</h2><p class="hint">\(c.t("members.invitationLinksHint"))</p>
        \(Form.open(c.w("/members/invitation-links"), c))<button type="submit">\(c.t("members.invitationLinksDownload"))</button>\(Form.close())</section>
        """)))
        """)
    }

    /// The form fields of a member: roles as checkboxes, the officer's department, the auditor's expiry.
    struct MemberForm: Content {
        var email: String?
        var displayName: String?
        var homeDepartmentId: String?
        var roles: [String]?
        var officerDepartmentId: String?
        var externalAuditorExpiresOn: String?
        var version: Int?

        var grants: [RawGrant] {
            (roles ?? []).map { role in
                RawGrant(role: role, departmentID: role == Role.departmentOfficer.rawValue ? officerDepartmentId : nil,
                         expiresOn: role == Role.externalAuditor.rawValue ? externalAuditorExpiresOn : nil)
            }
        }

        init(email: String? = nil, displayName: String? = nil, homeDepartmentId: String? = nil, roles: [String]? = nil,
             officerDepartmentId: String? = nil, externalAuditorExpiresOn: String? = nil, version: Int? = nil) {
            self.email = email
            self.displayName = displayName
            self.homeDepartmentId = homeDepartmentId
            self.roles = roles
            self.officerDepartmentId = officerDepartmentId
            self.externalAuditorExpiresOn = externalAuditorExpiresOn
            self.version = version
        }

        init(_ member: Member) {
            self.init(email: member.email, displayName: member.displayName, homeDepartmentId: member.homeDepartmentID?.description,
                      roles: member.grants.map(\.role.rawValue),
                      officerDepartmentId: member.grants.first { $0.role == .departmentOfficer }?.departmentID?.description,
                      externalAuditorExpiresOn: member.grants.first { $0.role == .externalAuditor }?.expiresOn?.description, version: member.version)
        }
    }

    static func roleFields(_ c: PageContext, form: MemberForm, departments: [Department], errors: [FieldError]) -> HTML {
        let selected = Set(form.roles ?? [])
        let departmentOptions = [(value: "", label: c.t("members.sameAsHome"))] + departments.map { (value: $0.id.description, label: $0.name) }
        let (aria, message) = Form.fieldErrors("roles", errors, c)
        let boxes: [HTML] = Role.allCases.map { role in
            """
            <div class="checkbox"><input type="checkbox" id="f-role-\(role.rawValue)" name="roles[]" value="\(role.rawValue)"\(selected.contains(role.rawValue) ? HTML(" checked") : .empty)\(aria)>
            <label for="f-role-\(role.rawValue)">\(c.localizer.role(role, c.language))<span class="hint">\(c.t("role.\(role.rawValue).what"))</span></label></div>
            """
        }
        return """
        <fieldset id="f-roles" class="role-choices\(errors.contains { $0.field == "roles" } ? " has-error" : "")"><legend>\(c.t("field.roles")) <span class="req" aria-hidden="true">*</span></legend>
        \(message)
        \(boxes)
        <div class="row">
        \(Form.select("officerDepartmentId", c.t("members.officerDepartment"), options: departmentOptions, selected: form.officerDepartmentId, errors: errors, c))
        \(Form.text("externalAuditorExpiresOn", c.t("members.auditorExpiry"), value: form.externalAuditorExpiresOn, errors: errors.filter { $0.field == "expiresOn" }, c, type: "date"))
        </div>
        </fieldset>
        """
    }

    @Sendable func newForm(_ req: Request) async throws -> HTML {
        try await newPage(req, form: MemberForm(roles: [Role.employee.rawValue]), errors: [])
    }

    func newPage(_ req: Request, form: MemberForm, errors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let departments = try await Departments(req.meguri).all(access)
        let departmentOptions = [(value: "", label: c.t("form.none"))] + departments.map { (value: $0.id.description, label: $0.name) }
        return Layout.page(c, title: c.t("members.add"), """
        \(Components.pageHeader(c.t("members.add"), subtitle: c.t("members.addIntro")))
        \(Form.errorSummary(errors, c))
        \(Form.open(c.w("/members/new"), c))
        <div class="row">
        \(Form.text("email", c.t("field.email"), value: form.email, errors: errors, c, type: "email", required: true))
        \(Form.text("displayName", c.t("field.displayName"), value: form.displayName, errors: errors, c, hint: c.t("members.nameHint")))
        </div>
        \(Form.select("homeDepartmentId", c.t("field.homeDepartment"), options: departmentOptions, selected: form.homeDepartmentId, errors: errors, c))
        \(Self.roleFields(c, form: form, departments: departments, errors: errors))
        \(Form.submit(c.t("members.add"), secondary: (c.t("form.cancel"), c.w("/members"))))
        \(Form.close())
        """)
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(MemberForm.self)
        do {
            let added = try await Members(req.meguri).add(access, email: form.email, displayName: form.displayName, homeDepartmentID: form.homeDepartmentId,
                                                            roles: form.grants, context: try req.context())
            if let secret = added.invitationSecret {
                let c = try await PageContext.make(req)
                return try await invitationPage(c, added.member, secret: secret, emailed: req.meguri.notifier.mail != nil).encodeResponse(for: req)
            }
            return req.redirect(to: "/w/\(access.workspace.slug)/members/\(added.member.id)", flash: req.t("members.added", ["name": added.member.displayName]))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: newPage(req, form: form, errors: errors)).encodeResponse(for: req)
        }
    }

    func invitationPage(_ c: PageContext, _ member: Member, secret: String, emailed: Bool) -> HTML {
        Layout.page(c, title: c.t("admin.linkTitle"), """
        \(Components.pageHeader(c.t("admin.linkTitle"), subtitle: member.email))
        \(HTML.when(emailed, HTML("<div class=\"notice ok\" role=\"status\"><p>\(c.t("members.invitationEmailed", ["email": member.email]))</p></div>")))
        <div class="notice" role="status">
        <p>\(c.t("members.invitationIntro", ["email": member.email]))</p>
        <p><input class="copy" type="text" readonly value="\(c.baseURL)/invitation/\(secret)" aria-label="\(c.t("admin.linkTitle"))"></p>
        </div>
        <p><a class="button" href="\(c.w("/members/\(member.id)"))">\(c.t("members.openMember"))</a> <a class="button" href="\(c.w("/members/new"))">\(c.t("members.addAnother"))</a></p>
        """)
    }

    func memberID(_ req: Request) throws -> Member.ID {
        guard let id = req.parameters.get("memberID").flatMap(Member.ID.init) else { throw DomainError.notFound(entity: "member") }
        return id
    }

    @Sendable func show(_ req: Request) async throws -> HTML {
        let member = try await Members(req.meguri).load(try req.access(), try memberID(req))
        return try await detailPage(req, member, form: MemberForm(member), errors: [])
    }

    func detailPage(_ req: Request, _ member: Member, form: MemberForm, errors: [FieldError], conflict: Bool = false) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let departments = try await Departments(req.meguri).all(access)
        let names = Dictionary(uniqueKeysWithValues: departments.map { ($0.id, $0.name) })
        let manage = access.allows(.membersManage)
        let departmentOptions = [(value: "", label: c.t("form.none"))] + departments.map { (value: $0.id.description, label: $0.name) }
        let title = member.displayName.isEmpty ? member.email : member.displayName
        let editor: HTML = manage ? """
        \(HTML.when(conflict, "<div class=\"error-summary\" role=\"alert\"><p>\(c.t("problem.conflict.detail"))</p></div>"))
        \(Form.errorSummary(errors, c))
        <section class="card">
        \(Form.open(c.w("/members/\(member.id)"), c))
        \(Form.version(member.version))
        \(Form.select("homeDepartmentId", c.t("field.homeDepartment"), options: departmentOptions, selected: form.homeDepartmentId, errors: errors, c))
        \(Self.roleFields(c, form: form, departments: departments, errors: errors))
        \(Form.submit(c.t("form.save"), secondary: (c.t("form.back"), c.w("/members"))))
        \(Form.close())
        </section>
        \(HTML.when(!member.isActivated, HTML("""
        <section class="card"><h2>\(c.t("admin.invitationLink"))</h2><p>\(c.t("members.notActivated"))</p>
        \(Form.open(c.w("/members/\(member.id)/invitation"), c))\(Form.submit(c.t("admin.issueLink")))\(Form.close())</section>
        """)))
        <section class="card danger-zone"><h2>\(c.t("members.remove"))</h2><p>\(c.t("members.removeHint"))</p>
        \(Form.open(c.w("/members/\(member.id)/remove"), c))\(Form.version(member.version))<div class="actions"><button type="submit" class="danger">\(c.t("members.remove"))</button></div>\(Form.close())
        </section>
        """ : """
        <section class="card"><dl class="facts">
        <dt>\(c.t("field.homeDepartment"))</dt><dd>\(member.homeDepartmentID.flatMap { names[$0] } ?? "—")</dd>
        <dt>\(c.t("field.roles"))</dt><dd>\(Components.roleBadges(member.grants, departments: names, c))</dd>
        </dl></section>
        """
        var training: HTML = .empty
        if access.allows(.trainingRead) || member.userID == access.user.id {
            let history = try await Competences(req.meguri).history(access, of: member.userID)
            let rows: [HTML] = history.attempts.prefix(30).map { a in
                "<tr><td class=\"nowrap\"><a href=\"\(c.w("/training/attempts/\(a.id)"))\">\(c.timestamp(a.submittedAt))</a></td><td>\(history.courses[a.courseID]?.title.text(c.language) ?? "—")</td><td class=\"num\">\(a.score)%</td><td>\(a.passed ? CheckActViews.badge("ok", c.t("training.passed")) : CheckActViews.badge("fail", c.t("training.failed")))</td></tr>"
            }
            let records: [HTML] = history.records.map { r in "<li>\(r.name) · \(r.obtainedOn.description)\(r.expiresOn.map { HTML(" – \($0.description)") } ?? .empty)</li>" }
            training = """
            <section class="card" id="training"><h2>\(c.t("training.history"))</h2>
            \(rows.isEmpty ? Components.empty(c.t("training.noHistory")) : HTML("<table class=\"table\"><tbody>\(rows)</tbody></table>"))
            \(HTML.when(!records.isEmpty, HTML("<h3>\(c.t("training.records"))</h3><ul>\(records)</ul>")))
            </section>
            """
        }
        return Layout.page(c, title: title, """
        \(Components.pageHeader(title, subtitle: member.email,
                                actions: HTML.when(access.allows(.auditTrailRead), "<a class=\"button\" href=\"\(c.w("/history/member/\(member.id)"))\">\(c.t("audit.history"))</a>")))
        <p class="roles">\(Components.roleBadges(member.grants, departments: names, c))</p>
        \(editor)
        \(training)
        """)
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try memberID(req)
        let form = try req.content.decode(MemberForm.self)
        let members = Members(req.meguri)
        do {
            _ = try await members.update(access, id, homeDepartmentID: .some(form.homeDepartmentId ?? ""), roles: form.grants, expectedVersion: form.version,
                                         context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/members/\(id)", flash: req.t("form.saved"))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: detailPage(req, try await members.load(access, id), form: form, errors: errors))
                .encodeResponse(for: req)
        } catch DomainError.conflict {
            let current = try await members.load(access, id)
            return try await PageResponse(status: .conflict, html: detailPage(req, current, form: MemberForm(current), errors: [], conflict: true))
                .encodeResponse(for: req)
        }
    }

    struct VersionForm: Content { var version: Int? }

    @Sendable func remove(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try memberID(req)
        let form = try req.content.decode(VersionForm.self)
        let members = Members(req.meguri)
        let member = try await members.load(access, id)
        do {
            try await members.remove(access, id, expectedVersion: form.version, context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/members", flash: req.t("members.removed", ["name": member.displayName]))
        } catch DomainError.rule(let code, let params) {
            return req.redirect(to: "/w/\(access.workspace.slug)/members/\(id)", flash: req.t(code, params))
        }
    }

    @Sendable func reissue(_ req: Request) async throws -> HTML {
        let access = try req.access()
        let id = try memberID(req)
        let members = Members(req.meguri)
        let member = try await members.load(access, id)
        let secret = try await members.reissueInvitation(access, id, context: try req.context())
        return invitationPage(try await PageContext.make(req), member, secret: secret, emailed: req.meguri.notifier.mail != nil)
    }

    // MARK: Import

    @Sendable func importForm(_ req: Request) async throws -> HTML {
        let c = try await PageContext.make(req)
        return ImportViews.page(c, kind: "members", action: c.w("/members/import"), back: c.w("/members"), result: nil, errors: [])
    }

    @Sendable func importFlow(_ req: Request) async throws -> ImportViews.Flow {
        let access = try req.access()
        let c = PageContext(request: req)
        let context = try req.context()
        return ImportViews.Flow(kind: "members", action: c.w("/members/import"), back: c.w("/members"), spec: Members.spec) { data, options, dryRun, c in
            let report = try await Members(req.meguri).importCSV(access, data: data, options: options, dryRun: dryRun, context: context)
            return .init(rows: report.rows.map { row in
                ImportViews.Row(number: row.number, label: row.email, outcome: row.outcome.rawValue,
                                link: row.invitationSecret.map { "\(c.baseURL)/invitation/\($0)" })
            }, mapping: report.mapping)
        }
    }

}
