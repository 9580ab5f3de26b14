import Domain
import Features
import Foundation
import Vapor

/// Competences (7.2: requirements per role, records per person, the gap list) and phishing drills
/// (A.6.3: import, rates per department, the trend, a follow-up course for those who clicked).
struct TrainingRecordPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "w", ":slug", "training", "competences", access: .workspace(.trainingRead), use: competences)
        routes.endpoint(.POST, "w", ":slug", "training", "competences", "requirements", access: .workspace(.trainingManage), use: addRequirement)
        routes.endpoint(.POST, "w", ":slug", "training", "competences", "requirements", ":requirementID", "delete", access: .workspace(.trainingManage),
                        use: deleteRequirement)
        routes.endpoint(.POST, "w", ":slug", "training", "competences", "records", access: .workspace(.trainingManage), use: addRecord)
        routes.endpoint(.POST, "w", ":slug", "training", "competences", "records", ":recordID", "delete", access: .workspace(.trainingManage), use: deleteRecord)
        routes.endpoint(.GET, "w", ":slug", "training", "drills", access: .workspace(.trainingRead), use: drills)
        routes.endpoint(.POST, "w", ":slug", "training", "drills", access: .workspace(.trainingManage), body: .collect(maxSize: "25mb"), use: importDrill)
        routes.endpoint(.GET, "w", ":slug", "training", "drills", ":drillID", access: .workspace(.trainingRead), use: drill)
        routes.endpoint(.POST, "w", ":slug", "training", "drills", ":drillID", "follow-up", access: .workspace(.trainingManage), use: followUp)
        routes.endpoint(.POST, "w", ":slug", "training", "drills", ":drillID", "delete", access: .workspace(.trainingManage), use: deleteDrill)
    }

    // MARK: Competences

    struct RequirementForm: Content { var role, name, description, course: String? }
    struct RecordForm: Content { var person, requirement, name, obtainedOn, expiresOn, note: String? }

    @Sendable func competences(_ req: Request) async throws -> PageResponse {
        PageResponse(status: .ok, html: try await competencePage(req, requirementForm: nil, recordForm: nil, errors: []))
    }

    func competencePage(_ req: Request, requirementForm: RequirementForm?, recordForm: RecordForm?, errors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let overview = try await Competences(req.meguri).overview(access)
        let manage = access.allows(.trainingManage)
        let base = c.w("/training/competences")
        let requirements = Dictionary(uniqueKeysWithValues: overview.requirements.map { ($0.id, $0) })
        let requirementRows: [HTML] = overview.requirements.map { r in
            """
            <tr><td>\(c.localizer.role(r.role, c.language))</td><td>\(r.name)\(r.description.map { HTML("<br><span class=\"small\">\($0)</span>") } ?? .empty)</td>
            <td>\(r.courseID.flatMap { overview.courses[$0] }.map { HTML("<a href=\"\(c.w("/training/courses/\($0.id)"))\">\($0.title.text(c.language))</a>") } ?? HTML("—"))</td>
            <td>\(HTML.when(manage, HTML("\(Form.open("\(base)/requirements/\(r.id)/delete", c))\(Form.version(r.version))<button type=\"submit\" class=\"link\">\(c.t("form.delete"))</button>\(Form.close())")))</td></tr>
            """
        }
        let gapRows: [HTML] = overview.gaps.prefix(500).map { g in
            "<tr><td><a href=\"\(c.w("/members/\(g.member.id)"))\">\(g.member.displayName)</a></td><td>\(c.localizer.role(g.role, c.language))</td><td>\(g.requirement.name)</td></tr>"
        }
        let recordRows: [HTML] = overview.records.sorted { $0.obtainedOn > $1.obtainedOn }.prefix(500).map { r in
            let valid = r.isValid(on: access.today)
            return """
            <tr><td>\(overview.people[r.userID]?.displayName ?? "—")</td><td>\(r.name)</td><td>\(r.requirementID.flatMap { requirements[$0]?.name } ?? "—")</td>
            <td class="nowrap">\(r.obtainedOn.description)</td><td class="nowrap\(valid ? "" : " stale")">\(r.expiresOn?.description ?? c.t("training.noExpiry"))</td>
            <td>\(HTML.when(manage, HTML("\(Form.open("\(base)/records/\(r.id)/delete", c))\(Form.version(r.version))<button type=\"submit\" class=\"link\">\(c.t("form.delete"))</button>\(Form.close())")))</td></tr>
            """
        }
        var forms: HTML = .empty
        if manage {
            let courses = try await Training(req.meguri).courses(access).filter { !$0.isArchived }
            let roles = Role.allCases.map { (value: $0.rawValue, label: c.localizer.role($0, c.language)) }
            let courseOptions = [(value: "", label: c.t("training.noCourse"))] + courses.map { (value: $0.id.description, label: "\($0.code) \($0.title.text(c.language))") }
            let requirementOptions = [(value: "", label: c.t("training.noRequirement"))] + overview.requirements.map { (value: $0.id.description, label: "\(c.localizer.role($0.role, c.language)): \($0.name)") }
            let rf = requirementForm ?? RequirementForm()
            let pf = recordForm ?? RecordForm(obtainedOn: access.today.description)
            forms = """
            <section class="card"><h2>\(c.t("training.addRequirement"))</h2>
            \(HTML.when(requirementForm != nil, Form.errorSummary(errors, c)))
            \(Form.open("\(base)/requirements", c, id: "requirement-form"))
            <div class="row">\(Form.select("role", c.t("field.role"), options: roles, selected: rf.role ?? "internalAuditor", errors: errors, c))
            \(Form.text("name", c.t("training.competenceName"), value: rf.name, errors: requirementForm != nil ? errors : [], c, required: true))</div>
            \(Form.textarea("description", c.t("field.description"), value: rf.description, errors: [], c, rows: 2))
            \(Form.select("course", c.t("training.metByCourse"), options: courseOptions, selected: rf.course, errors: errors, c, hint: c.t("training.metByCourseHint")))
            \(Form.submit(c.t("form.add")))\(Form.close())</section>
            <section class="card"><h2>\(c.t("training.addRecord"))</h2>
            \(HTML.when(recordForm != nil, Form.errorSummary(errors, c)))
            \(Form.open("\(base)/records", c, id: "record-form"))
            <div class="row">\(Form.text("person", c.t("training.person"), value: pf.person, errors: recordForm != nil ? errors : [], c, type: "email", required: true, hint: c.t("hint.memberEmail")))
            \(Form.select("requirement", c.t("training.requirement"), options: requirementOptions, selected: pf.requirement, errors: errors, c))</div>
            <div class="row">\(Form.text("name", c.t("training.recordName"), value: pf.name, errors: recordForm != nil ? errors : [], c, required: true, hint: c.t("training.recordNameHint")))
            \(Form.text("obtainedOn", c.t("training.obtainedOn"), value: pf.obtainedOn, errors: errors, c, type: "date"))
            \(Form.text("expiresOn", c.t("training.expiresOn"), value: pf.expiresOn, errors: errors, c, type: "date"))</div>
            \(Form.textarea("note", c.t("training.note"), value: pf.note, errors: [], c, rows: 2, hint: c.t("training.recordEvidenceHint")))
            \(Form.submit(c.t("form.add")))\(Form.close())</section>
            """
        }
        return Layout.page(c, title: c.t("training.competences"), wide: true, """
        \(Components.pageHeader(c.t("training.competences"), subtitle: c.t("training.competencesIntro"), actions: HTML("<a class=\"button\" href=\"\(c.w("/training"))\">\(c.t("training.back"))</a>")))
        <section class="card" id="gaps"><h2>\(c.t("training.gaps", ["count": String(overview.gaps.count)]))</h2><p class="hint">\(c.t("training.gapsHint"))</p>
        \(gapRows.isEmpty ? Components.empty(c.t("training.noGaps")) : HTML("<div class=\"table-scroll\"><table class=\"table\"><thead><tr><th>\(c.t("field.name"))</th><th>\(c.t("field.role"))</th><th>\(c.t("training.missingCompetence"))</th></tr></thead><tbody>\(gapRows)</tbody></table></div>"))
        </section>
        <section class="card"><h2>\(c.t("training.requirements"))</h2>
        \(requirementRows.isEmpty ? Components.empty(c.t("training.noRequirements")) : HTML("<table class=\"table\"><thead><tr><th>\(c.t("field.role"))</th><th>\(c.t("training.competenceName"))</th><th>\(c.t("training.metByCourse"))</th><th></th></tr></thead><tbody>\(requirementRows)</tbody></table>"))
        </section>
        <section class="card"><h2>\(c.t("training.records"))</h2>
        \(recordRows.isEmpty ? Components.empty(c.t("training.noRecords")) : HTML("<div class=\"table-scroll\"><table class=\"table\"><thead><tr><th>\(c.t("field.name"))</th><th>\(c.t("training.recordName"))</th><th>\(c.t("training.requirement"))</th><th>\(c.t("training.obtainedOn"))</th><th>\(c.t("training.expiresOn"))</th><th></th></tr></thead><tbody>\(recordRows)</tbody></table></div>"))
        </section>
        \(forms)
        """)
    }

    @Sendable func addRequirement(_ req: Request) async throws -> Response {
        let access = try req.access()
        return try await req.submit(RequirementForm.self) { form in
            let course = Text.nonBlank(form.course).flatMap { Course.ID($0) }
            _ = try await Competences(req.meguri).createRequirement(access, RequirementInput(role: form.role, name: form.name, description: form.description ?? "",
                                                                                            courseID: .some(course)), context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/training/competences", flash: req.t("form.saved"))
        } render: { form, errors in try await competencePage(req, requirementForm: form, recordForm: nil, errors: errors) }
    }

    @Sendable func deleteRequirement(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try req.id("requirementID", CompetenceRequirement.ID.self, entity: "competence_requirement")
        return try await req.submit(VersionOnly.self) { form in
            try await Competences(req.meguri).deleteRequirement(access, id, expectedVersion: form.version, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/training/competences", flash: req.t("form.deleted"))
        } render: { _, errors in try await competencePage(req, requirementForm: nil, recordForm: nil, errors: errors) }
    }

    @Sendable func addRecord(_ req: Request) async throws -> Response {
        let access = try req.access()
        return try await req.submit(RecordForm.self) { form in
            let person = try await CheckActViews.person(form.person, field: "person", req, access)
            guard let person else { throw DomainError.invalid(field: "person", code: "error.required") }
            let requirement = Text.nonBlank(form.requirement).flatMap { CompetenceRequirement.ID($0) }
            _ = try await Competences(req.meguri).addRecord(access, CompetenceRecordInput(userID: person, requirementID: .some(requirement), name: form.name,
                                                                                          obtainedOn: form.obtainedOn, expiresOn: form.expiresOn ?? "", note: form.note ?? ""),
                                                            context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/training/competences", flash: req.t("form.saved"))
        } render: { form, errors in try await competencePage(req, requirementForm: nil, recordForm: form, errors: errors) }
    }

    @Sendable func deleteRecord(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try req.id("recordID", CompetenceRecord.ID.self, entity: "competence_record")
        return try await req.submit(VersionOnly.self) { form in
            try await Competences(req.meguri).deleteRecord(access, id, expectedVersion: form.version, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/training/competences", flash: req.t("form.deleted"))
        } render: { _, errors in try await competencePage(req, requirementForm: nil, recordForm: nil, errors: errors) }
    }

    // MARK: Phishing drills

    static func drillID(_ req: Request) throws -> PhishingDrill.ID { try req.id("drillID", PhishingDrill.ID.self, entity: "phishing_drill") }

    @Sendable func drills(_ req: Request) async throws -> PageResponse {
        PageResponse(status: .ok, html: try await drillsPage(req, form: nil, errors: [], preview: nil))
    }

    struct DrillForm: Content { var title, sentOn, dryRun: String?; var file: File? }

    func drillsPage(_ req: Request, form: DrillForm?, errors: [FieldError], preview: ImportResult?) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let drills = try await PhishingDrills(req.meguri).list(access)
        let rows: [HTML] = drills.reversed().map { d in
            let r = d.rates
            return "<tr><td><a href=\"\(c.w("/training/drills/\(d.id)"))\">\(d.title)</a></td><td class=\"nowrap\">\(d.sentOn.description)</td><td class=\"num\">\(r.sent)</td><td class=\"num\">\(r.clickRate)%</td><td class=\"num\">\(r.reportRate)%</td></tr>"
        }
        let previewRows: [HTML] = (preview?.rows ?? []).prefix(200).map { row in
            "<tr><td class=\"num\">\(row.number)</td><td>\(row.label)</td><td>\(row.notes.contains("notAMember") ? c.t("training.notAMember") : c.t("training.matched"))</td></tr>"
        }
        return Layout.page(c, title: c.t("training.drills"), wide: true, """
        \(Components.pageHeader(c.t("training.drills"), subtitle: c.t("training.drillsIntro"), actions: HTML("<a class=\"button\" href=\"\(c.w("/training"))\">\(c.t("training.back"))</a>")))
        <section class="card"><h2>\(c.t("training.drillList"))</h2>
        \(rows.isEmpty ? Components.empty(c.t("training.noDrills")) : HTML("<table class=\"table\"><thead><tr><th>\(c.t("training.drill"))</th><th>\(c.t("training.sentOn"))</th><th>\(c.t("training.sent"))</th><th>\(c.t("training.clickRate"))</th><th>\(c.t("training.reportRate"))</th></tr></thead><tbody>\(rows)</tbody></table>"))
        </section>
        \(HTML.when(access.allows(.trainingManage), HTML("""
        <section class="card" id="import"><h2>\(c.t("training.importDrill"))</h2><p class="hint">\(c.t("training.importDrillHint"))</p>
        \(Form.errorSummary(errors, c))
        \(HTML.when(!previewRows.isEmpty, HTML("<p class=\"notice\">\(c.t("training.drillPreview", ["count": String(preview?.rows.count ?? 0)]))</p><div class=\"table-scroll\"><table class=\"table\"><thead><tr><th>\(c.t("import.row"))</th><th>\(c.t("field.email"))</th><th></th></tr></thead><tbody>\(previewRows)</tbody></table></div>")))
        \(Form.open(c.w("/training/drills"), c, multipart: true, maxBytes: 25 * 1_048_576, id: "drill-form"))
        <div class="row">\(Form.text("title", c.t("training.drillTitle"), value: form?.title, errors: errors, c, required: true))
        \(Form.text("sentOn", c.t("training.sentOn"), value: form?.sentOn ?? access.today.description, errors: errors, c, type: "date"))</div>
        <div class="field\(errors.contains { $0.field == "file" } ? " has-error" : "")"><label for="f-file">\(c.t("training.drillFile"))</label>\(Form.fieldErrors("file", errors, c).1)<input id="f-file" type="file" name="file" accept=".csv,.xlsx,text/csv"></div>
        \(Form.checkbox("dryRun", c.t("import.dryRun"), checked: form?.dryRun == "true"))
        \(Form.submit(c.t("training.importButton")))\(Form.close())</section>
        """)))
        """)
    }

    @Sendable func importDrill(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(DrillForm.self)
        do {
            let data = form.file.map { Data(buffer: $0.data) } ?? Data()
            guard !data.isEmpty else { throw DomainError.invalid(field: "file", code: "error.required") }
            let outcome = try await PhishingDrills(req.meguri).importFile(access, title: form.title, sentOn: form.sentOn, data: data, dryRun: form.dryRun == "true",
                                                                          context: try req.context())
            if form.dryRun == "true" {
                return try await PageResponse(status: .ok, html: drillsPage(req, form: form, errors: [], preview: outcome.result)).encodeResponse(for: req)
            }
            return req.redirect(to: "/w/\(access.workspace.slug)/training/drills/\(outcome.drill.id)",
                                flash: req.t("training.drillImported", ["count": String(outcome.drill.results.count), "unmatched": String(outcome.drill.unmatched)]))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: FormErrors.status(error), html: drillsPage(req, form: form, errors: errors, preview: nil)).encodeResponse(for: req)
        }
    }

    @Sendable func drill(_ req: Request) async throws -> PageResponse {
        PageResponse(status: .ok, html: try await drillPage(req, errors: []))
    }

    func drillPage(_ req: Request, errors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let view = try await PhishingDrills(req.meguri).view(access, try Self.drillID(req))
        let d = view.drill
        func row(_ label: String, _ r: PhishingDrill.Rates) -> HTML {
            "<tr><td>\(label)</td><td class=\"num\">\(r.sent)</td><td class=\"num\">\(r.opened)</td><td class=\"num\">\(r.clicked)</td><td class=\"num\">\(r.submitted)</td><td class=\"num\">\(r.clickRate)%</td><td class=\"num\">\(r.reportRate)%</td></tr>"
        }
        let head: HTML = "<thead><tr><th></th><th>\(c.t("training.sent"))</th><th>\(c.t("training.opened"))</th><th>\(c.t("training.clicked"))</th><th>\(c.t("training.submitted"))</th><th>\(c.t("training.clickRate"))</th><th>\(c.t("training.reportRate"))</th></tr></thead>"
        let departmentRows: [HTML] = view.byDepartment.map { row($0.departmentID.flatMap { view.departments[$0]?.name } ?? c.t("document.noDepartment"), $0.rates) }
        let trendRows: [HTML] = view.trend.map { row("\($0.drill.sentOn.description) \($0.drill.title)", $0.rates) }
        let clickers: [HTML] = d.clickers.prefix(500).map { "<li>\(view.people[$0]?.displayName ?? "—")</li>" }
        var followUp: HTML = .empty
        if access.allows(.trainingManage) {
            if let campaign = d.followUpCampaignID {
                followUp = "<p><a class=\"button\" href=\"\(c.w("/training/campaigns/\(campaign)"))\">\(c.t("training.openFollowUp"))</a></p>"
            } else if !d.clickers.isEmpty {
                let courses = try await Training(req.meguri).courses(access).filter { !$0.isArchived }
                let options = courses.map { (value: $0.id.description, label: "\($0.code) \($0.title.text(c.language))") }
                followUp = """
                \(Form.errorSummary(errors, c))
                \(Form.open(c.w("/training/drills/\(d.id)/follow-up"), c, id: "follow-up-form"))
                <div class="row">\(Form.select("course", c.t("training.course"), options: options, selected: courses.first { $0.templateKey == "awareness-annual" }?.id.description, errors: errors, c))
                \(Form.text("dueOn", c.t("training.dueOnLabel"), value: access.today.adding(days: 30).description, errors: errors, c, type: "date"))</div>
                \(Form.submit(c.t("training.assignFollowUp", ["count": String(d.clickers.count)])))\(Form.close())
                """
            }
        }
        return Layout.page(c, title: d.title, wide: true, """
        \(Components.pageHeader(d.title, subtitle: c.t("training.drillSubtitle", ["date": d.sentOn.description, "sent": String(d.rates.sent), "unmatched": String(d.unmatched)]),
                                actions: HTML("<a class=\"button\" href=\"\(c.w("/training/drills"))\">\(c.t("training.drills"))</a>")))
        \(HTML.when(view.limitedTo != nil, HTML("<p class=\"notice\">\(c.t("training.limitedToYourDepartments"))</p>")))
        <section class="card"><h2>\(c.t("training.byDepartment"))</h2><div class="table-scroll"><table class="table">\(head)<tbody>\(departmentRows)\(row(c.t("training.total"), d.rates))</tbody></table></div></section>
        <section class="card"><h2>\(c.t("training.trend"))</h2><div class="table-scroll"><table class="table">\(head)<tbody>\(trendRows)</tbody></table></div></section>
        <section class="card" id="clickers"><h2>\(c.t("training.clickers", ["count": String(d.clickers.count)]))</h2>
        \(clickers.isEmpty ? Components.empty(c.t("training.noClickers")) : HTML("<ul class=\"columns-list\">\(clickers)</ul>"))
        \(followUp)</section>
        \(HTML.when(access.allows(.trainingManage), HTML("<section class=\"card danger-zone\">\(Form.open(c.w("/training/drills/\(d.id)/delete"), c))\(Form.version(d.version))<div class=\"actions\"><button type=\"submit\" class=\"danger\">\(c.t("form.delete"))</button></div>\(Form.close())</section>")))
        """)
    }

    struct FollowUpForm: Content { var course, dueOn: String? }

    @Sendable func followUp(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try Self.drillID(req)
        return try await req.submit(FollowUpForm.self) { form in
            guard let course = Text.nonBlank(form.course).flatMap({ Course.ID($0) }) else { throw DomainError.invalid(field: "course", code: "error.required") }
            let drill = try await PhishingDrills(req.meguri).view(access, id).drill
            let campaign = try await PhishingDrills(req.meguri).followUp(access, id, course: course, dueOn: form.dueOn,
                                                                          title: req.t("training.followUpTitle", ["title": drill.title]), context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/training/campaigns/\(campaign.id)", flash: req.t("training.followUpStarted"))
        } render: { _, errors in try await drillPage(req, errors: errors) }
    }

    @Sendable func deleteDrill(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try Self.drillID(req)
        return try await req.submit(VersionOnly.self) { form in
            try await PhishingDrills(req.meguri).delete(access, id, expectedVersion: form.version, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/training/drills", flash: req.t("form.deleted"))
        } render: { _, errors in try await drillPage(req, errors: errors) }
    }
}
