import Domain
import Features
import Foundation
import Vapor

/// Planned activities (their page, the occurrences marked done or skipped), the typical plan, and the calendar addresses.
extension PlanPages {
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
        let chosen = markDate ?? req.queryValue("date")
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
            \(Form.open("\(base)/occurrences", c, multipart: true, maxBytes: maxBytes, id: "mark-form"))\(Form.hidden("date", day.description))
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
        let year = Self.fiscalYear(form?.year ?? req.queryValue("year"), access)
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
