import Domain
import Features
import Foundation
import Vapor

/// Campaigns: starting one (on the training hub), its completion by department and role, who is
/// overdue, the questions most often missed, the file of records; closing and changing it.
struct CampaignPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.POST, "w", ":slug", "training", "campaigns", access: .workspace(.trainingManage), use: create)
        routes.endpoint(.GET, "w", ":slug", "training", "campaigns", ":campaignID", access: .workspace(.trainingRead), use: show)
        routes.endpoint(.POST, "w", ":slug", "training", "campaigns", ":campaignID", access: .workspace(.trainingManage), use: update)
        routes.endpoint(.POST, "w", ":slug", "training", "campaigns", ":campaignID", "status", access: .workspace(.trainingManage), use: status)
        routes.endpoint(.POST, "w", ":slug", "training", "campaigns", ":campaignID", "delete", access: .workspace(.trainingManage), use: delete)
        routes.endpoint(.GET, "w", ":slug", "training", "campaigns", ":campaignID", "export", access: .workspace(.trainingRead), use: export)
    }

    static func campaignID(_ req: Request) throws -> Campaign.ID { try req.id("campaignID", Campaign.ID.self, entity: "campaign") }

    struct CampaignForm: Content {
        var title, course, everyone, members, joinedWithinDays, expiredPassOnly, startsOn, dueOn, dueDays: String?
        var roles, departments: [String]?
        var version: Int?

        func input(_ req: Request, _ access: WorkspaceAccess) async throws -> CampaignInput {
            let audience = try await AudienceForm.audience(everyone: everyone, roles: roles, departments: departments, members: members, req, access)
            let courseID = Text.nonBlank(course).flatMap { Course.ID($0) }
            return CampaignInput(title: title, courseID: courseID, audience: audience, joinedWithinDays: .some(joinedWithinDays ?? ""),
                                 expiredPassOnly: expiredPassOnly == "true", startsOn: startsOn, dueOn: dueOn ?? "", dueDays: dueDays ?? "")
        }

        init(_ campaign: Campaign? = nil, today: CalendarDate? = nil) {
            if let campaign {
                title = campaign.title; course = campaign.courseID.description; joinedWithinDays = campaign.joinedWithinDays.map(String.init)
                expiredPassOnly = campaign.expiredPassOnly ? "true" : nil; startsOn = campaign.startsOn.description; dueOn = campaign.dueOn?.description
                dueDays = campaign.dueDays.map(String.init); version = campaign.version
            } else if let today {
                startsOn = today.description; dueOn = today.adding(days: 30).description
            }
        }
    }

    /// The fields of a campaign: the course, the audience (with "joined recently" and "pass expired"), the dates.
    func fields(_ c: PageContext, courses: [Course], departments: [Department], form: CampaignForm, audience: Audience?, errors: [FieldError],
                memberEmails: String?) -> HTML {
        let options = [(value: "", label: c.t("form.choose"))] + courses.map { (value: $0.id.description, label: "\($0.code) \($0.title.text(c.language))") }
        let extra: HTML = """
        <div class="row">
        \(Form.text("joinedWithinDays", c.t("training.joinedWithinDays"), value: form.joinedWithinDays, errors: errors, c, type: "number", hint: c.t("training.joinedWithinDaysHint"), attributes: " min=\"1\" max=\"365\" inputmode=\"numeric\""))
        </div>
        \(Form.checkbox("expiredPassOnly", c.t("training.expiredPassOnly"), checked: form.expiredPassOnly == "true", hint: c.t("training.expiredPassOnlyHint")))
        """
        return """
        \(Form.text("title", c.t("training.campaignTitle"), value: form.title, errors: errors, c, required: true))
        \(Form.select("course", c.t("training.course"), options: options, selected: form.course, errors: errors, c, required: true))
        \(AudienceForm.fields(c, departments: departments, selected: audience, errors: errors, memberEmails: memberEmails, extra: extra, legend: "training.audience"))
        <div class="row">
        \(Form.text("startsOn", c.t("training.startsOn"), value: form.startsOn, errors: errors, c, type: "date"))
        \(Form.text("dueOn", c.t("training.dueOnLabel"), value: form.dueOn, errors: errors, c, type: "date", hint: c.t("training.dueOnHint")))
        \(Form.text("dueDays", c.t("training.dueDays"), value: form.dueDays, errors: errors, c, type: "number", hint: c.t("training.dueDaysHint"), attributes: " min=\"1\" max=\"365\" inputmode=\"numeric\""))
        </div>
        """
    }

    func newForm(_ req: Request, _ c: PageContext, _ access: WorkspaceAccess, courses: [Course], form: CampaignForm?, errors: [FieldError]) async throws -> HTML {
        let departments = try await Departments(req.meguri).all(access)
        let shown = form ?? CampaignForm(nil, today: access.today)
        let audience = form == nil ? Audience.all : Audience(everyone: shown.everyone == "true", roles: (shown.roles ?? []).compactMap(Role.init(rawValue:)),
                                                            departmentIDs: (shown.departments ?? []).compactMap(Department.ID.init))
        return """
        <details class="card-inner" id="new-campaign"\(form != nil ? HTML(" open") : .empty)><summary><strong>\(c.t("training.newCampaign"))</strong></summary>
        <p class="hint">\(c.t("training.newCampaignHint"))</p>
        \(Form.errorSummary(errors, c))
        \(Form.open(c.w("/training/campaigns"), c, id: "campaign-form"))
        \(fields(c, courses: courses, departments: departments, form: shown, audience: audience, errors: errors, memberEmails: shown.members))
        \(Form.submit(c.t("training.startCampaign")))\(Form.close())
        </details>
        """
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let access = try req.access()
        return try await req.submit(CampaignForm.self) { form in
            let campaign = try await Campaigns(req.meguri).create(access, try await form.input(req, access), context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/training/campaigns/\(campaign.id)", flash: req.t("training.campaignStarted", ["title": campaign.title]))
        } render: { form, errors in try await TrainingPages(maxBytes: 0).hubPage(req, form: form, errors: errors) }
    }

    @Sendable func show(_ req: Request) async throws -> PageResponse {
        PageResponse(status: .ok, html: try await page(req, form: nil, errors: []))
    }

    func page(_ req: Request, form: CampaignForm?, errors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let report = try await Campaigns(req.meguri).report(access, try Self.campaignID(req))
        let campaign = report.campaign, course = report.course
        let base = c.w("/training/campaigns/\(campaign.id)")
        func bar(_ line: CampaignReport.Line, _ label: String) -> HTML {
            "<tr><td>\(label)</td><td class=\"num\">\(line.done) / \(line.total)</td><td><meter min=\"0\" max=\"100\" value=\"\(line.rate)\">\(line.rate)%</meter> \(line.rate)%</td><td class=\"num\(line.overdue > 0 ? " stale" : "")\">\(line.overdue)</td></tr>"
        }
        let departmentRows: [HTML] = report.byDepartment.map { line in
            bar(line, line.key.flatMap { Department.ID($0) }.flatMap { report.departments[$0]?.name } ?? c.t("document.noDepartment"))
        }
        let roleRows: [HTML] = report.byRole.map { line in bar(line, line.key.flatMap(Role.init(rawValue:)).map { c.localizer.role($0, c.language) } ?? "—") }
        let missedRows: [HTML] = report.missed.prefix(10).map { m in
            "<tr><td>\(m.question.text.text(c.language))</td><td class=\"num\">\(m.missed) / \(m.answered)</td><td class=\"num\">\(m.rate)%</td></tr>"
        }
        let overdue = report.assignments.filter { $0.state == .overdue }
        let overdueRows: [HTML] = overdue.prefix(500).map { a in
            "<tr><td>\(a.member.displayName)</td><td>\(a.member.email)</td><td>\(a.member.homeDepartmentID.flatMap { report.departments[$0]?.name } ?? "—")</td><td class=\"nowrap\">\(a.dueOn.description)</td><td class=\"num\">\(a.bestScore.map { "\($0)%" } ?? "—")</td></tr>"
        }
        let percent = report.assignments.isEmpty ? 0 : report.done * 100 / report.assignments.count
        let manage = access.allows(.trainingManage)
        var editor: HTML = .empty
        if manage {
            let courses = try await Training(req.meguri).courses(access).filter { !$0.isArchived || $0.id == course.id }
            let departments = try await Departments(req.meguri).all(access)
            let shown = form ?? CampaignForm(campaign)
            let emails = try await CheckActViews.emails(campaign.audience.memberIDs, req)
            editor = """
            <details class="card" id="edit-campaign"\(form != nil ? HTML(" open") : .empty)><summary><strong>\(c.t("training.editCampaign"))</strong></summary>
            \(Form.errorSummary(errors, c))
            \(Form.open(base, c, id: "campaign-edit-form"))\(Form.version(campaign.version))
            \(fields(c, courses: courses, departments: departments, form: shown, audience: campaign.audience, errors: errors, memberEmails: shown.members ?? emails))
            \(Form.submit(c.t("form.save")))\(Form.close())</details>
            <section class="card"><h2>\(c.t(campaign.isOpen ? "training.closeTitle" : "training.reopenTitle"))</h2><p>\(c.t(campaign.isOpen ? "training.closeHint" : "training.reopenHint"))</p>
            \(Form.open("\(base)/status", c, id: "campaign-status"))\(Form.hidden("status", campaign.isOpen ? "closed" : "open"))<div class="actions"><button type="submit">\(c.t(campaign.isOpen ? "training.close" : "training.reopen"))</button></div>\(Form.close())
            \(Form.open("\(base)/delete", c))\(Form.version(campaign.version))<div class="actions"><button type="submit" class="danger">\(c.t("form.delete"))</button></div><p class="hint">\(c.t("training.deleteCampaignHint"))</p>\(Form.close())
            </section>
            """
        }
        let period = "\(campaign.startsOn.description) – \(campaign.dueOn?.description ?? c.t("training.dueDaysShort", ["n": String(campaign.dueDays ?? 0)]))"
        return Layout.page(c, title: campaign.title, wide: true, """
        \(Components.pageHeader(campaign.title, subtitle: c.t("training.campaignSubtitle", ["course": course.title.text(c.language), "period": period,
                                                                                                 "done": String(report.done), "total": String(report.assignments.count)]),
                                actions: HTML("""
        <a class="button" href="\(c.w("/training"))">\(c.t("training.back"))</a>
        <a class="button" href="\(c.w("/training/courses/\(course.id)"))">\(c.t("training.openCourse"))</a>
        <a class="button" href="\(base)/export?format=xlsx">\(c.t("export.xlsx"))</a>
        <a class="button" href="\(base)/export?format=csv">\(c.t("export.csv"))</a>
        """)))
        \(HTML.when(report.limitedTo != nil, HTML("<p class=\"notice\">\(c.t("training.limitedToYourDepartments"))</p>")))
        <section class="card"><dl class="facts">
        <dt>\(c.t("field.status"))</dt><dd>\(CheckActViews.badge(campaign.isOpen ? "ok" : "", c.t("training.status.\(campaign.status.rawValue)")))</dd>
        <dt>\(c.t("training.audience"))</dt><dd>\(AudienceForm.text(campaign.audience, c, departments: report.departments))\(campaign.joinedWithinDays.map { HTML("、\(c.t("training.joinedWithin", ["n": String($0)]))") } ?? .empty)\(HTML.when(campaign.expiredPassOnly, HTML("、\(c.t("training.expiredPassOnly"))")))</dd>
        <dt>\(c.t("training.rate"))</dt><dd><meter min="0" max="100" value="\(percent)">\(percent)%</meter> \(percent)% (\(report.done) / \(report.assignments.count))</dd>
        <dt>\(c.t("training.averageScore"))</dt><dd>\(report.averageScore.map { "\($0)%" } ?? "—")</dd>
        </dl></section>
        <section class="card" id="by-department"><h2>\(c.t("training.byDepartment"))</h2>
        \(departmentRows.isEmpty ? Components.empty(c.t("training.nobodyAssigned")) : HTML("<table class=\"table\"><thead><tr><th>\(c.t("field.department"))</th><th>\(c.t("training.done"))</th><th>\(c.t("training.rate"))</th><th>\(c.t("training.overdue"))</th></tr></thead><tbody>\(departmentRows)</tbody></table>"))
        </section>
        <section class="card"><h2>\(c.t("training.byRole"))</h2>
        \(roleRows.isEmpty ? Components.empty(c.t("training.nobodyAssigned")) : HTML("<table class=\"table\"><thead><tr><th>\(c.t("field.role"))</th><th>\(c.t("training.done"))</th><th>\(c.t("training.rate"))</th><th>\(c.t("training.overdue"))</th></tr></thead><tbody>\(roleRows)</tbody></table>"))
        </section>
        <section class="card" id="overdue"><h2>\(c.t("training.overdueList", ["count": String(overdue.count)]))</h2>
        \(overdueRows.isEmpty ? Components.empty(c.t("training.noneOverdue")) : HTML("<div class=\"table-scroll\"><table class=\"table\"><thead><tr><th>\(c.t("field.name"))</th><th>\(c.t("field.email"))</th><th>\(c.t("field.department"))</th><th>\(c.t("training.dueOnLabel"))</th><th>\(c.t("training.bestScoreLabel"))</th></tr></thead><tbody>\(overdueRows)</tbody></table></div>"))
        \(HTML.when(overdue.count > 500, HTML("<p class=\"small\">\(c.t("document.moreInFile", ["count": String(overdue.count - 500)]))</p>")))
        </section>
        <section class="card" id="missed"><h2>\(c.t("training.mostMissed"))</h2><p class="hint">\(c.t("training.mostMissedHint"))</p>
        \(missedRows.isEmpty ? Components.empty(c.t("training.noAttemptsYet")) : HTML("<table class=\"table\"><thead><tr><th>\(c.t("training.question"))</th><th>\(c.t("training.missed"))</th><th>\(c.t("training.rate"))</th></tr></thead><tbody>\(missedRows)</tbody></table>"))
        </section>
        \(editor)
        """)
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try Self.campaignID(req)
        return try await req.submit(CampaignForm.self) { form in
            let campaign = try await Campaigns(req.meguri).update(access, id, try await form.input(req, access), expectedVersion: form.version, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/training/campaigns/\(campaign.id)", flash: req.t("form.saved"))
        } render: { form, errors in try await page(req, form: form, errors: errors) }
    }

    struct StatusForm: Content { var status: String? }

    @Sendable func status(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try Self.campaignID(req)
        return try await req.submit(StatusForm.self) { form in
            let status = Campaign.Status(rawValue: form.status ?? "") ?? .closed
            _ = try await Campaigns(req.meguri).setStatus(access, id, status, expectedVersion: nil, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/training/campaigns/\(id)", flash: req.t("training.status.\(status.rawValue)Flash"))
        } render: { _, errors in try await page(req, form: nil, errors: errors) }
    }

    @Sendable func delete(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try Self.campaignID(req)
        return try await req.submit(VersionOnly.self) { form in
            try await Campaigns(req.meguri).delete(access, id, expectedVersion: form.version, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/training", flash: req.t("training.campaignDeleted"))
        } render: { _, errors in try await page(req, form: nil, errors: errors) }
    }

    @Sendable func export(_ req: Request) async throws -> Response {
        let format = try Exporting.format(req)
        let file = try await TrainingFiles(req.meguri).campaign(try req.access(), try Self.campaignID(req), format: format, language: req.language)
        return Exporting.file(file.data, name: file.name, format: format)
    }
}
