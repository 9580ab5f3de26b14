import Domain
import Features
import Foundation
import Vapor

/// `/w/{slug}/training`: one's courses, the course catalogue, taking a course and its result.
/// Campaigns, the course editor, competences and drills are in the neighbouring files.
struct TrainingPages {
    let maxBytes: Int

    func register(_ routes: any RoutesBuilder) {
        let upload = HTTPBodyStreamStrategy.collect(maxSize: ByteCount(value: maxBytes + 1_048_576))
        routes.endpoint(.GET, "w", ":slug", "training", access: .workspace(.workspaceRead), use: hub)
        routes.endpoint(.GET, "w", ":slug", "training", "courses", ":courseID", access: .workspace(.workspaceRead), use: course)
        routes.endpoint(.POST, "w", ":slug", "training", "courses", ":courseID", "attempts", access: .workspace(.workspaceRead), use: submit)
        routes.endpoint(.GET, "w", ":slug", "training", "courses", ":courseID", "files", ":evidenceID", access: .workspace(.workspaceRead), use: file)
        routes.endpoint(.POST, "w", ":slug", "training", "courses", ":courseID", "files", access: .workspace(.trainingManage), body: upload, use: attach)
        routes.endpoint(.POST, "w", ":slug", "training", "courses", ":courseID", "files", ":evidenceID", "delete", access: .workspace(.trainingManage), use: detach)
        routes.endpoint(.GET, "w", ":slug", "training", "attempts", ":attemptID", access: .workspace(.workspaceRead), use: result)
        CourseEditorPages().register(routes)
        CampaignPages().register(routes)
        TrainingRecordPages().register(routes)
    }

    static func courseID(_ req: Request) throws -> Course.ID { try req.id("courseID", Course.ID.self, entity: "course") }

    static func stateBadge(_ state: Assignment.State, _ c: PageContext) -> HTML {
        CheckActViews.badge([.done: "ok", .todo: "pending", .overdue: "fail"][state] ?? "", c.t("training.state.\(state.rawValue)"))
    }

    // MARK: The hub

    @Sendable func hub(_ req: Request) async throws -> PageResponse {
        PageResponse(status: .ok, html: try await hubPage(req, form: nil, errors: []))
    }

    func hubPage(_ req: Request, form: CampaignPages.CampaignForm?, errors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        try await Training.ensure(access, services: req.meguri, context: try req.context())
        let c = try await PageContext.make(req)
        let mine = try await Campaigns(req.meguri).mine(access)
        let courses = try await Training(req.meguri).courses(access)
        let manage = access.allows(.trainingManage)
        let mineRows: [HTML] = mine.map { a in
            """
            <li class="reading-item"><a href="\(c.w("/training/courses/\(a.campaign.courseID)"))"><strong>\(a.campaign.title)</strong></a>
            <span class="small">\(c.t("training.dueOn", ["date": a.dueOn.description]))\(a.bestScore.map { HTML(" · \(c.t("training.bestScore", ["score": String($0)]))") })</span>
            \(Self.stateBadge(a.state, c))</li>
            """
        }
        let courseRows: [HTML] = courses.map { course in
            let validity = course.validityMonths == 0 ? c.t("training.noExpiry") : c.t("training.months", ["n": String(course.validityMonths)])
            return """
            <li class="reading-item"><a href="\(c.w("/training/courses/\(course.id)"))"><strong>\(course.title.text(c.language))</strong></a>
            <span class="small">\(course.code) · \(c.t("training.minutes", ["n": String(course.estimatedMinutes)])) · \(c.t("training.questionCount", ["n": String(course.questions.count)])) · \(c.t("training.passAt", ["score": String(course.passingScore)])) · \(c.t("training.validity")) \(validity)</span>
            \(HTML.when(course.isArchived, HTML("<span class=\"badge\">\(c.t("training.archived"))</span>")))</li>
            """
        }
        var campaigns: HTML = .empty
        if access.allows(.trainingRead) {
            let list = try await Campaigns(req.meguri).list(access)
            let titles = Dictionary(uniqueKeysWithValues: courses.map { ($0.id, $0.title.text(c.language)) })
            let rows: [HTML] = list.map { s in
                let percent = s.total == 0 ? 0 : s.done * 100 / s.total
                return """
                <tr><td><a href="\(c.w("/training/campaigns/\(s.campaign.id)"))">\(s.campaign.title)</a>\(HTML.when(!s.campaign.isOpen, HTML(" <span class=\"badge\">\(c.t("training.closed"))</span>")))</td>
                <td>\(titles[s.campaign.courseID] ?? "—")</td><td class="nowrap">\(s.campaign.startsOn.description) – \(s.campaign.dueOn?.description ?? c.t("training.dueDaysShort", ["n": String(s.campaign.dueDays ?? 0)]))</td>
                <td class="num">\(s.done) / \(s.total)</td><td><meter min="0" max="100" value="\(percent)">\(percent)%</meter> \(percent)%</td>
                <td class="num\(s.overdue > 0 ? " stale" : "")">\(s.overdue)</td></tr>
                """
            }
            let newCampaign = manage ? try await CampaignPages().newForm(req, c, access, courses: courses.filter { !$0.isArchived }, form: form, errors: errors) : .empty
            campaigns = """
            <section class="card" id="campaigns"><h2>\(c.t("training.campaigns"))</h2>
            \(rows.isEmpty ? Components.empty(c.t("training.noCampaigns")) : HTML("""
            <div class="table-scroll"><table class="table"><thead><tr><th>\(c.t("training.campaign"))</th><th>\(c.t("training.course"))</th><th>\(c.t("training.period"))</th>
            <th>\(c.t("training.done"))</th><th>\(c.t("training.rate"))</th><th>\(c.t("training.overdue"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
            """))
            \(newCampaign)
            </section>
            """
        }
        return Layout.page(c, title: c.t("cap.training"), wide: true, """
        \(Components.pageHeader(c.t("cap.training"), subtitle: c.t("training.intro"), actions: HTML("""
        \(HTML.when(manage, "<a class=\"button\" href=\"\(c.w("/training/courses/new"))\">\(c.t("training.newCourse"))</a>"))
        \(HTML.when(access.allows(.trainingRead), "<a class=\"button\" href=\"\(c.w("/training/competences"))\">\(c.t("training.competences"))</a>"))
        \(HTML.when(access.allows(.trainingRead), "<a class=\"button\" href=\"\(c.w("/training/drills"))\">\(c.t("training.drills"))</a>"))
        """)))
        <section class="card" id="mine"><h2>\(c.t("training.mine"))</h2>
        \(mineRows.isEmpty ? Components.empty(c.t("training.nothingAssigned")) : HTML("<ul class=\"reading-list\">\(mineRows)</ul>"))</section>
        \(campaigns)
        <section class="card" id="courses"><h2>\(c.t("training.courses"))</h2><p class="hint">\(c.t("training.coursesHint"))</p>
        \(courseRows.isEmpty ? Components.empty(c.t("training.noCourses")) : HTML("<ul class=\"reading-list\">\(courseRows)</ul>"))</section>
        """)
    }

    // MARK: A course and its quiz

    @Sendable func course(_ req: Request) async throws -> PageResponse {
        PageResponse(status: .ok, html: try await coursePage(req, answers: [:], errors: []))
    }

    func coursePage(_ req: Request, answers: [String: [String]], errors: [FieldError]) async throws -> HTML {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let view = try await Training(req.meguri).course(access, try Self.courseID(req))
        let course = view.course
        let base = c.w("/training/courses/\(course.id)")
        let manage = access.allows(.trainingManage)
        let sections: [HTML] = course.sections.map { s in
            "<section class=\"course-section\"><h2>\(s.title.text(c.language))</h2><div class=\"markdown\">\(HTML(raw: Markdown.html(s.body.text(c.language), headingOffset: 2)))</div></section>"
        }
        let links: [HTML] = course.links.map { "<li><a href=\"\($0.url)\" rel=\"noopener noreferrer\">\($0.title)</a></li>" }
        let files: [HTML] = view.files.map { f in
            """
            <li><a href="\(base)/files/\(f.id)">📎 \(f.fileName ?? f.title)</a>\(HTML.when(manage, HTML(" \(Form.open("\(base)/files/\(f.id)/delete", c))<button type=\"submit\" class=\"link\">\(c.t("form.remove"))</button>\(Form.close())")))</li>
            """
        }
        let passed = view.attempts.first { $0.passed }
        let history: [HTML] = view.attempts.prefix(5).map { a in
            "<li><a href=\"\(c.w("/training/attempts/\(a.id)"))\">\(c.timestamp(a.submittedAt))</a> · \(a.score)% \(a.passed ? CheckActViews.badge("ok", c.t("training.passed")) : CheckActViews.badge("fail", c.t("training.failed")))</li>"
        }
        let questions: [HTML] = course.questions.enumerated().map { index, q in
            let chosen = Set(answers[q.id] ?? [])
            let field = "answers.\(q.id)"
            let (aria, message) = Form.fieldErrors(field, errors, c)
            let options: [HTML] = q.choices.map { choice in
                let name = q.kind == .single ? "answers[\(q.id)][one]" : "answers[\(q.id)][\(choice.id)]"
                let type = q.kind == .single ? "radio" : "checkbox"
                return "<label class=\"choice\"><input type=\"\(type)\" name=\"\(name)\" value=\"\(choice.id)\"\(chosen.contains(choice.id) ? HTML(" checked") : .empty)\(aria)> \(choice.text.text(c.language))</label>"
            }
            return """
            <fieldset class="question\(errors.contains { $0.field == field } ? " has-error" : "")" id="f-\(field)">
            <legend><span class="question-number">\(c.t("training.questionNumber", ["n": String(index + 1)]))</span> \(q.text.text(c.language))</legend>
            \(HTML.when(q.kind == .multiple, HTML("<p class=\"hint\">\(c.t("training.chooseAll"))</p>")))
            \(message)\(options)</fieldset>
            """
        }
        return Layout.page(c, title: course.title.text(c.language), """
        <article class="reading course">
        <header class="reading-header"><p class="small">\(course.code) · \(c.t("training.minutes", ["n": String(course.estimatedMinutes)])) · \(c.t("training.passAt", ["score": String(course.passingScore)]))</p>
        <h1>\(course.title.text(c.language))</h1><p>\(course.summary.text(c.language))</p>
        \(passed.map { HTML("<p class=\"notice ok\">\(c.t("training.passedOn", ["date": c.timestamp($0.submittedAt), "score": String($0.score)]))</p>") } ?? .empty)
        \(HTML.when(manage, HTML("<p><a class=\"button\" href=\"\(base)/edit\">\(c.t("training.editCourse"))</a></p>")))
        </header>
        \(sections)
        \(HTML.when(!links.isEmpty || !files.isEmpty || manage, HTML("""
        <section class="course-section"><h2>\(c.t("training.material"))</h2><ul>\(links)\(files)</ul>
        \(HTML.when(manage, HTML("\(Form.open("\(base)/files", c, multipart: true, maxBytes: maxBytes, id: "attach-form"))<div class=\"field\"><label for=\"f-file\">\(c.t("training.attach"))</label>\(Form.fieldErrors("file", errors, c).1)<input id=\"f-file\" type=\"file\" name=\"file\"></div><div class=\"actions\"><button type=\"submit\">\(c.t("training.attachButton"))</button></div>\(Form.close())")))
        </section>
        """)))
        \(HTML.when(!history.isEmpty, HTML("<section class=\"course-section\"><h2>\(c.t("training.yourAttempts"))</h2><ul>\(history)</ul></section>")))
        \(HTML.when(!course.isArchived && !course.questions.isEmpty, HTML("""
        <section class="course-section" id="quiz"><h2>\(c.t("training.quiz"))</h2><p class="hint">\(c.t("training.quizHint", ["score": String(course.passingScore), "count": String(course.questions.count)]))</p>
        \(Form.errorSummary(errors, c))
        \(Form.open("\(base)/attempts", c, id: "quiz-form"))
        \(questions)
        <div class="actions"><button type="submit" class="primary big">\(c.t("training.submitAnswers"))</button></div>
        \(Form.close())</section>
        """)))
        </article>
        """)
    }

    struct QuizForm: Content { var answers: [String: [String: String]]? }

    @Sendable func submit(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try Self.courseID(req)
        let answers = (try req.content.decode(QuizForm.self).answers ?? [:]).mapValues { Array($0.values) }
        do {
            let result = try await Training(req.meguri).submit(access, id, answers: answers, context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/training/attempts/\(result.attempt.id)",
                                flash: req.t(result.attempt.passed ? "training.passedFlash" : "training.failedFlash", ["score": String(result.attempt.score)]))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: FormErrors.status(error), html: coursePage(req, answers: answers, errors: errors)).encodeResponse(for: req)
        }
    }

    @Sendable func result(_ req: Request) async throws -> PageResponse {
        let access = try req.access()
        let c = try await PageContext.make(req)
        let result = try await Training(req.meguri).attempt(access, try req.id("attemptID", Attempt.ID.self, entity: "attempt"))
        let a = result.attempt, course = result.course
        let items: [HTML] = course.questions.enumerated().map { index, q in
            let chosen = Set(a.answers[q.id] ?? [])
            let right = !a.missed.contains(q.id)
            let choices: [HTML] = q.choices.map { choice in
                let mark = choice.correct ? "✓" : (chosen.contains(choice.id) ? "✗" : "")
                let style = choice.correct ? "right" : (chosen.contains(choice.id) ? "wrong" : "")
                return "<li class=\"\(style)\"><span aria-hidden=\"true\">\(mark)</span> \(choice.text.text(c.language))\(HTML.when(chosen.contains(choice.id), HTML(" <span class=\"small\">(\(c.t("training.yourChoice")))</span>")))</li>"
            }
            return """
            <li class="result-item \(right ? "right" : "wrong")"><p><strong>\(c.t("training.questionNumber", ["n": String(index + 1)]))</strong> \(right ? CheckActViews.badge("ok", c.t("training.right")) : CheckActViews.badge("fail", c.t("training.wrong")))<br>\(q.text.text(c.language))</p>
            <ul class="choices">\(choices)</ul><p class="explanation">\(q.explanation.text(c.language))</p></li>
            """
        }
        let mine = a.userID == access.user.id
        return PageResponse(status: .ok, html: Layout.page(c, title: c.t("training.resultTitle"), """
        <article class="reading">
        <header class="reading-header"><p class="small">\(course.code) · \(c.timestamp(a.submittedAt))</p><h1>\(course.title.text(c.language))</h1>
        <p class="score \(a.passed ? "ok" : "fail")">\(c.t("training.scoreLine", ["score": String(a.score), "pass": String(course.passingScore)])) \(a.passed ? CheckActViews.badge("ok", c.t("training.passed")) : CheckActViews.badge("fail", c.t("training.failed")))</p>
        \(HTML.when(mine && !a.passed, HTML("<p><a class=\"button primary\" href=\"\(c.w("/training/courses/\(course.id)"))#quiz\">\(c.t("training.retake"))</a></p>")))
        </header>
        <ol class="results">\(items)</ol>
        <p><a href="\(c.w("/training"))">\(c.t("training.back"))</a></p>
        </article>
        """))
    }

    // MARK: Files of the material

    @Sendable func file(_ req: Request) async throws -> Response {
        let file = try await Training(req.meguri).file(try req.access(), try Self.courseID(req), file: try req.id("evidenceID", Evidence.ID.self, entity: "evidence"))
        return EvidenceDownload.response(file.data, name: file.name, contentType: file.contentType)
    }

    struct FileForm: Content { var file: File? }

    @Sendable func attach(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try Self.courseID(req)
        let form = try req.content.decode(FileForm.self)
        do {
            guard let file = form.file, file.data.readableBytes > 0 else { throw DomainError.invalid(field: "file", code: "error.required") }
            _ = try await Training(req.meguri).attachFile(access, id, UploadedFile(name: file.filename, data: Data(buffer: file.data)), context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/training/courses/\(id)", flash: req.t("training.attached"))
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: FormErrors.status(error), html: coursePage(req, answers: [:], errors: errors)).encodeResponse(for: req)
        }
    }

    @Sendable func detach(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try Self.courseID(req)
        _ = try await Training(req.meguri).detachFile(access, id, file: try req.id("evidenceID", Evidence.ID.self, entity: "evidence"), context: try req.context())
        return req.redirect(to: "/w/\(access.workspace.slug)/training/courses/\(id)", flash: req.t("training.detached"))
    }
}
