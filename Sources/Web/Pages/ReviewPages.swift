import Domain
import Features
import Foundation
import Storage
import Vapor

/// Management review (9.3): meetings, their inputs compiled from the records (frozen once held),
/// the outputs and action items, and the printable minutes.
struct ReviewPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "w", ":slug", "management-reviews", access: .workspace(.reviewsRead), use: list)
        routes.endpoint(.POST, "w", ":slug", "management-reviews", access: .workspace(.reviewsManage), use: create)
        routes.endpoint(.GET, "w", ":slug", "management-reviews", ":reviewID", access: .workspace(.reviewsRead), use: show)
        routes.endpoint(.POST, "w", ":slug", "management-reviews", ":reviewID", access: .workspace(.reviewsManage), use: update)
        routes.endpoint(.POST, "w", ":slug", "management-reviews", ":reviewID", "hold", access: .workspace(.reviewsManage), use: hold)
        routes.endpoint(.POST, "w", ":slug", "management-reviews", ":reviewID", "delete", access: .workspace(.reviewsManage), use: delete)
        routes.endpoint(.GET, "w", ":slug", "management-reviews", ":reviewID", "minutes", access: .workspace(.reviewsRead), use: minutes)
        routes.endpoint(.POST, "w", ":slug", "management-reviews", ":reviewID", "actions", access: .workspace(.reviewsManage), use: addAction)
        routes.endpoint(.POST, "w", ":slug", "review-actions", ":reviewActionID", access: .workspace(.workspaceRead), use: setDone)
        routes.endpoint(.POST, "w", ":slug", "review-actions", ":reviewActionID", "delete", access: .workspace(.reviewsManage), use: deleteAction)
    }

    func reviewID(_ req: Request) throws -> ManagementReview.ID { try req.id("reviewID", ManagementReview.ID.self, entity: "management_review") }

    struct ReviewForm: Content {
        var title, heldOn, attendees, agenda, externalIssues, interestedParties, feedback, improvement, decisions, ismsChanges, resourceNeeds: String?
        var part: String?
        var version: Int?

        func input(_ req: Request, _ access: WorkspaceAccess) async throws -> ReviewInput {
            if part == "outputs" { return ReviewInput(decisions: decisions ?? "", ismsChanges: ismsChanges ?? "", resourceNeeds: resourceNeeds ?? "") }
            return ReviewInput(title: title, heldOn: heldOn, agenda: agenda ?? "", externalIssues: externalIssues ?? "", interestedParties: interestedParties ?? "",
                               feedback: feedback ?? "", improvement: improvement ?? "",
                               attendeeIDs: try await CheckActViews.people(attendees, field: "attendees", req, access))
        }
    }

    @Sendable func list(_ req: Request) async throws -> PageResponse {
        PageResponse(status: .ok, html: try await listPage(req, form: ReviewForm(), errors: []))
    }

    func listPage(_ req: Request, form: ReviewForm, errors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let page = try await ManagementReviews(req.meguri).list(access, page: try req.listPage())
        let rows: [HTML] = page.items.map { r in
            """
            <tr><td class="nowrap">\(r.heldOn.description)</td><td><a href="\(c.w("/management-reviews/\(r.id)"))">\(r.title)</a></td>
            <td>\(CheckActViews.badge(r.status == .held ? "ok" : "pending", c.t("review.status.\(r.status.rawValue)")))</td>
            <td><a href="\(c.w("/management-reviews/\(r.id)/minutes"))">\(c.t("review.minutes"))</a></td></tr>
            """
        }
        return Layout.page(c, title: c.t("cap.managementReview"), wide: true, """
        \(Components.pageHeader(c.t("cap.managementReview"), subtitle: c.t("review.intro")))
        \(rows.isEmpty ? Components.empty(c.t("review.noneYet")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("review.heldOn"))</th><th>\(c.t("review.title"))</th><th>\(c.t("field.status"))</th><th></th></tr></thead><tbody>\(rows)</tbody></table>
        """))
        \(Components.pager(c, nextCursor: page.nextCursor, total: page.total, basePath: c.w("/management-reviews"), query: [:]))
        \(HTML.when(access.allows(.reviewsManage), HTML("""
        <section class="card" id="new"><h2>\(c.t("review.new"))</h2>
        \(Form.errorSummary(errors, c))
        \(Form.open(c.w("/management-reviews"), c, id: "new-review"))
        \(planFields(form, errors, c))
        \(Form.submit(c.t("review.create")))
        \(Form.close())</section>
        """)))
        """)
    }

    func planFields(_ form: ReviewForm, _ errors: [FieldError], _ c: PageContext) -> HTML {
        """
        <div class="row">
        \(Form.text("title", c.t("review.title"), value: form.title, errors: errors, c, required: true, hint: c.t("review.titleHint")))
        \(Form.text("heldOn", c.t("review.heldOn"), value: form.heldOn, errors: errors, c, type: "date", required: true))
        </div>
        \(Form.text("attendees", c.t("review.attendees"), value: form.attendees, errors: errors, c, hint: c.t("review.attendeesHint")))
        \(Form.textarea("agenda", c.t("review.agenda"), value: form.agenda, errors: errors, c, rows: 3))
        \(Form.textarea("externalIssues", "b) \(c.t("review.input.b"))", value: form.externalIssues, errors: errors, c, rows: 2))
        \(Form.textarea("interestedParties", "c) \(c.t("review.input.c"))", value: form.interestedParties, errors: errors, c, rows: 2))
        \(Form.textarea("feedback", "e) \(c.t("review.input.e"))", value: form.feedback, errors: errors, c, rows: 2))
        \(Form.textarea("improvement", "g) \(c.t("review.input.g"))", value: form.improvement, errors: errors, c, rows: 2))
        """
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(ReviewForm.self)
        do {
            let review = try await ManagementReviews(req.meguri).create(access, try await form.input(req, access), context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/management-reviews/\(review.id)", flash: req.t("review.created"))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: .unprocessableEntity, html: listPage(req, form: form, errors: errors)).encodeResponse(for: req)
        }
    }

    @Sendable func show(_ req: Request) async throws -> PageResponse {
        PageResponse(status: .ok, html: try await detail(req, form: nil, errors: []))
    }

    struct ActionForm: Content { var text, owner, dueOn: String? }

    func detail(_ req: Request, form: ReviewForm?, errors: [FieldError], actionForm: ActionForm? = nil) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let state = try await ManagementReviews(req.meguri).load(access, try reviewID(req))
        let r = state.review
        let manages = access.allows(.reviewsManage)
        let base = c.w("/management-reviews/\(r.id)")
        let attendeeEmails = try await CheckActViews.emails(r.attendeeIDs, req)
        let shown = form ?? ReviewForm(title: r.title, heldOn: r.heldOn.description, attendees: attendeeEmails, agenda: r.agenda,
                                       externalIssues: r.notes.externalIssues, interestedParties: r.notes.interestedParties, feedback: r.notes.feedback,
                                       improvement: r.notes.improvement, decisions: r.decisions, ismsChanges: r.ismsChanges, resourceNeeds: r.resourceNeeds,
                                       version: r.version)
        let actions: [HTML] = state.actions.map { a in
            let mine = manages || a.ownerID == access.user.id
            return """
            <tr><td class="prose">\(a.text)</td><td>\(a.ownerID.flatMap { state.people[$0]?.displayName } ?? "—")</td>
            <td class="nowrap\(a.isOverdue(on: access.today) ? " stale" : "")">\(a.dueOn?.description ?? "—")</td><td>\(a.doneOn?.description ?? "—")</td>
            <td>\(HTML.when(mine, HTML("\(Form.open(c.w("/review-actions/\(a.id)"), c))\(Form.hidden("done", a.doneOn == nil ? "true" : "false"))<button type=\"submit\" class=\"link\">\(c.t(a.doneOn == nil ? "review.markDone" : "review.markOpen"))</button>\(Form.close())")))
            \(HTML.when(manages, HTML("\(Form.open(c.w("/review-actions/\(a.id)/delete"), c))<button type=\"submit\" class=\"link danger\">\(c.t("form.delete"))</button>\(Form.close())")))</td></tr>
            """
        }
        let af = actionForm ?? ActionForm()
        let planned = r.status == .planned
        return Layout.page(c, title: r.title, wide: true, """
        \(Components.pageHeader(r.title, subtitle: "\(r.heldOn.description) · \(c.t("review.status.\(r.status.rawValue)"))", actions: HTML("""
        <a class="button" href="\(c.w("/management-reviews"))">\(c.t("review.back"))</a>
        <a class="button" href="\(base)/minutes">\(c.t("review.minutes"))</a>
        \(HTML.when(access.allows(.auditTrailRead), "<a class=\"button\" href=\"\(c.w("/history/management_review/\(r.id)"))\">\(c.t("audit.history"))</a>"))
        """)))
        \(Form.errorSummary(errors, c))
        <section class="card"><dl class="facts">
        <dt>\(c.t("review.attendees"))</dt><dd>\(r.attendeeIDs.compactMap { state.people[$0]?.displayName }.joined(separator: "、"))</dd>
        <dt>\(c.t("review.agenda"))</dt><dd class="prose">\(r.agenda ?? "—")</dd>
        </dl>
        \(HTML.when(planned && manages, HTML("""
        <p class="hint">\(c.t("review.holdHint"))</p>
        \(Form.open("\(base)/hold", c, id: "hold"))<button type="submit" class="primary">\(c.t("review.hold"))</button>\(Form.close())
        """)))
        </section>
        <section class="card">\(HTML(raw: (planned ? "<p class=\"flash warning\">\(HTML.escape(c.t("review.livePreview")))</p>" : "<p class=\"hint\">\(HTML.escape(c.t("review.frozen")))</p>")
            + CheckActReports.inputsHTML(state.inputs, language: c.language, localizer: req.meguri.localizer)))</section>
        \(HTML.when(planned && manages, HTML("""
        <details class="card"\(errors.isEmpty ? "" : " open")><summary>\(c.t("review.edit"))</summary>
        \(Form.open(base, c, id: "review-form"))\(Form.version(r.version))
        \(planFields(shown, errors, c))
        \(Form.submit(c.t("form.save")))\(Form.close())
        \(Form.open("\(base)/delete", c))<button type="submit" class="link danger">\(c.t("review.delete"))</button>\(Form.close())
        </details>
        """)))
        \(HTML.when(!planned, HTML("""
        <section class="card" id="outputs"><h2>\(c.t("review.outputs"))</h2>
        \(manages ? HTML("""
        \(Form.open(base, c, id: "outputs-form"))\(Form.version(r.version))\(Form.hidden("part", "outputs"))
        \(Form.textarea("decisions", c.t("review.decisions"), value: shown.decisions, errors: errors, c, rows: 3, hint: c.t("review.decisionsHint")))
        \(Form.textarea("ismsChanges", c.t("review.ismsChanges"), value: shown.ismsChanges, errors: errors, c, rows: 2))
        \(Form.textarea("resourceNeeds", c.t("review.resourceNeeds"), value: shown.resourceNeeds, errors: errors, c, rows: 2))
        \(Form.submit(c.t("form.save")))\(Form.close())
        """) : HTML("""
        <h3>\(c.t("review.decisions"))</h3><p class="prose">\(r.decisions ?? "—")</p><h3>\(c.t("review.ismsChanges"))</h3><p class="prose">\(r.ismsChanges ?? "—")</p>
        <h3>\(c.t("review.resourceNeeds"))</h3><p class="prose">\(r.resourceNeeds ?? "—")</p>
        """))
        <h3>\(c.t("review.actions"))</h3>
        \(actions.isEmpty ? HTML("<p class=\"small\">\(c.t("review.noActions"))</p>") : HTML("""
        <table class="table"><thead><tr><th>\(c.t("review.action"))</th><th>\(c.t("field.owner"))</th><th>\(c.t("field.dueOn"))</th><th>\(c.t("review.doneOn"))</th><th></th></tr></thead>
        <tbody>\(actions)</tbody></table>
        """))
        \(HTML.when(manages, HTML("""
        \(Form.open("\(base)/actions", c, id: "new-action"))
        <div class="row">
        \(Form.text("text", c.t("review.action"), value: af.text, errors: errors, c, required: true))
        \(Form.text("owner", c.t("field.owner"), value: af.owner, errors: errors, c, type: "email", hint: c.t("hint.memberEmail")))
        \(Form.text("dueOn", c.t("field.dueOn"), value: af.dueOn, errors: errors, c, type: "date"))
        </div>
        \(Form.submit(c.t("review.addAction")))\(Form.close())
        """)))
        </section>
        """)))
        """)
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try reviewID(req)
        let form = try req.content.decode(ReviewForm.self)
        do {
            _ = try await ManagementReviews(req.meguri).update(access, id, try await form.input(req, access), expectedVersion: form.version, context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/management-reviews/\(id)", flash: req.t("form.saved"))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: .unprocessableEntity, html: detail(req, form: form, errors: errors)).encodeResponse(for: req)
        }
    }

    @Sendable func hold(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try reviewID(req)
        do {
            _ = try await ManagementReviews(req.meguri).hold(access, id, context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/management-reviews/\(id)", flash: req.t("review.heldFlash"))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: .unprocessableEntity, html: detail(req, form: nil, errors: errors)).encodeResponse(for: req)
        }
    }

    @Sendable func delete(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try reviewID(req)
        do {
            try await ManagementReviews(req.meguri).delete(access, id, context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/management-reviews", flash: req.t("review.deleted"))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: .unprocessableEntity, html: detail(req, form: nil, errors: errors)).encodeResponse(for: req)
        }
    }

    @Sendable func addAction(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try reviewID(req)
        let form = try req.content.decode(ActionForm.self)
        do {
            let owner = try await CheckActViews.person(form.owner, field: "owner", req, access)
            _ = try await ManagementReviews(req.meguri).addAction(access, review: id, ReviewActionInput(text: form.text, dueOn: form.dueOn, ownerID: .some(owner)),
                                                                  context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/management-reviews/\(id)#outputs", flash: req.t("review.actionAdded"))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: .unprocessableEntity, html: detail(req, form: nil, errors: errors, actionForm: form))
                .encodeResponse(for: req)
        }
    }

    struct DoneForm: Content { var done: String? }

    @Sendable func setDone(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try req.id("reviewActionID", ReviewAction.ID.self, entity: "review_action")
        let done = try req.content.decode(DoneForm.self).done == "true"
        let action = try await ManagementReviews(req.meguri).setActionDone(access, id, done: done, context: try req.context())
        return req.redirect(to: "/w/\(access.workspace.slug)/management-reviews/\(action.reviewID)#outputs", flash: req.t(done ? "review.actionDone" : "review.actionReopened"))
    }

    @Sendable func deleteAction(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try req.id("reviewActionID", ReviewAction.ID.self, entity: "review_action")
        let action = try await ManagementReviews(req.meguri).deleteAction(access, id, context: try req.context())
        return req.redirect(to: "/w/\(access.workspace.slug)/management-reviews/\(action.reviewID)#outputs", flash: req.t("form.deleted"))
    }

    @Sendable func minutes(_ req: Request) async throws -> Response {
        let access = try req.access()
        return CheckActViews.report(try await CheckActReports(req.meguri).reviewMinutes(access, try reviewID(req), language: req.language))
    }
}
