import Domain
import Features
import Foundation
import Vapor

/// The course editor: the course's facts, its material in both languages and its quiz, saved as
/// a whole. Blank sections, questions and choices are left out, so there is always room for one more.
struct CourseEditorPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "w", ":slug", "training", "courses", "new", access: .workspace(.trainingManage), use: newCourse)
        routes.endpoint(.POST, "w", ":slug", "training", "courses", access: .workspace(.trainingManage), use: create)
        routes.endpoint(.GET, "w", ":slug", "training", "courses", ":courseID", "edit", access: .workspace(.trainingManage), use: edit)
        routes.endpoint(.POST, "w", ":slug", "training", "courses", ":courseID", access: .workspace(.trainingManage), use: update)
        routes.endpoint(.POST, "w", ":slug", "training", "courses", ":courseID", "delete", access: .workspace(.trainingManage), use: delete)
    }

    struct ChoiceForm: Content { var id, textJa, textEn, correct: String? }
    struct QuestionForm: Content {
        var id, kind, textJa, textEn, explanationJa, explanationEn: String?
        var choices: [String: ChoiceForm]?
    }
    struct SectionForm: Content { var titleJa, titleEn, bodyJa, bodyEn: String? }
    struct CourseForm: Content {
        var titleJa, titleEn, summaryJa, summaryEn, passingScore, attemptsAllowed, estimatedMinutes, validityMonths, references, links, archived: String?
        var sections: [String: SectionForm]?
        var questions: [String: QuestionForm]?
        var version: Int?

        static func ordered<T>(_ dict: [String: T]?) -> [T] { (dict ?? [:]).sorted { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }.map(\.value) }

        var input: CourseInput {
            CourseInput(titleJa: titleJa ?? "", titleEn: titleEn ?? "", summaryJa: summaryJa ?? "", summaryEn: summaryEn ?? "", passingScore: passingScore,
                        attemptsAllowed: attemptsAllowed, estimatedMinutes: estimatedMinutes, validityMonths: validityMonths, references: references ?? "",
                        links: links ?? "",
                        sections: Self.ordered(sections).map { .init(titleJa: $0.titleJa, titleEn: $0.titleEn, bodyJa: $0.bodyJa, bodyEn: $0.bodyEn) },
                        questions: Self.ordered(questions).map { q in
                            .init(id: Text.nonBlank(q.id), kind: q.kind, textJa: q.textJa, textEn: q.textEn, explanationJa: q.explanationJa, explanationEn: q.explanationEn,
                                  choices: Self.ordered(q.choices).map { .init(id: Text.nonBlank($0.id), textJa: $0.textJa, textEn: $0.textEn, correct: $0.correct == "true") })
                        },
                        isArchived: archived == "true")
        }

        init(_ course: Course?) {
            guard let course else { passingScore = "80"; attemptsAllowed = "0"; estimatedMinutes = "20"; validityMonths = "12"; return }
            titleJa = course.title.ja; titleEn = course.title.en; summaryJa = course.summary.ja; summaryEn = course.summary.en
            passingScore = String(course.passingScore); attemptsAllowed = String(course.attemptsAllowed); estimatedMinutes = String(course.estimatedMinutes)
            validityMonths = String(course.validityMonths); references = course.references.joined(separator: ", ")
            links = course.links.map { "\($0.title) | \($0.url)" }.joined(separator: "\n"); archived = course.isArchived ? "true" : nil
            sections = Dictionary(uniqueKeysWithValues: course.sections.enumerated().map {
                (String($0.offset), SectionForm(titleJa: $0.element.title.ja, titleEn: $0.element.title.en, bodyJa: $0.element.body.ja, bodyEn: $0.element.body.en))
            })
            questions = Dictionary(uniqueKeysWithValues: course.questions.enumerated().map { index, q in
                (String(index), QuestionForm(id: q.id, kind: q.kind.rawValue, textJa: q.text.ja, textEn: q.text.en, explanationJa: q.explanation.ja,
                                             explanationEn: q.explanation.en,
                                             choices: Dictionary(uniqueKeysWithValues: q.choices.enumerated().map {
                                                 (String($0.offset), ChoiceForm(id: $0.element.id, textJa: $0.element.text.ja, textEn: $0.element.text.en,
                                                                                correct: $0.element.correct ? "true" : nil))
                                             })))
            })
            version = course.version
        }
    }

    func page(_ c: PageContext, course: Course?, form: CourseForm, errors: [FieldError]) -> HTML {
        let action = course.map { c.w("/training/courses/\($0.id)") } ?? c.w("/training/courses")
        let sections = CourseForm.ordered(form.sections) + [SectionForm()]
        let sectionFields: [HTML] = sections.enumerated().map { index, s in
            let n = "sections[\(index)]"
            return """
            <fieldset class="card-inner"><legend>\(c.t("training.section", ["n": String(index + 1)]))</legend>
            <div class="row">\(Form.text("\(n)[titleJa]", c.t("training.titleJa"), value: s.titleJa, errors: [], c, id: "f-s\(index)-titleJa"))
            \(Form.text("\(n)[titleEn]", c.t("training.titleEn"), value: s.titleEn, errors: [], c, id: "f-s\(index)-titleEn"))</div>
            <div class="row">\(Form.textarea("\(n)[bodyJa]", c.t("training.bodyJa"), value: s.bodyJa, errors: [], c, rows: 6, errorField: "s\(index)-bodyJa"))
            \(Form.textarea("\(n)[bodyEn]", c.t("training.bodyEn"), value: s.bodyEn, errors: [], c, rows: 6, errorField: "s\(index)-bodyEn"))</div>
            </fieldset>
            """
        }
        let questions = CourseForm.ordered(form.questions) + [QuestionForm()]
        let kinds = Course.Question.Kind.allCases.map { (value: $0.rawValue, label: c.t("training.kind.\($0.rawValue)")) }
        let questionFields: [HTML] = questions.enumerated().map { index, q in
            let n = "questions[\(index)]"
            let choices = CourseForm.ordered(q.choices)
            let slots = choices + Array(repeating: ChoiceForm(), count: max(0, 4 - choices.count) + 1)
            let choiceFields: [HTML] = slots.enumerated().map { j, choice in
                let m = "\(n)[choices][\(j)]"
                return """
                <div class="row choice-row">\(Form.hidden("\(m)[id]", choice.id ?? ""))
                \(Form.text("\(m)[textJa]", c.t("training.choiceJa", ["n": String(j + 1)]), value: choice.textJa, errors: [], c, id: "f-q\(index)-c\(j)-ja"))
                \(Form.text("\(m)[textEn]", c.t("training.choiceEn", ["n": String(j + 1)]), value: choice.textEn, errors: [], c, id: "f-q\(index)-c\(j)-en"))
                <label class="correct"><input type="checkbox" name="\(m)[correct]" value="true"\(choice.correct == "true" ? HTML(" checked") : .empty)> \(c.t("training.correct"))</label></div>
                """
            }
            let rowErrors = errors.filter { $0.field == "questions" && $0.params["number"] == String(index + 1) }
            return """
            <fieldset class="card-inner\(rowErrors.isEmpty ? "" : " has-error")" id="f-question-\(index + 1)"><legend>\(c.t("training.questionNumber", ["n": String(index + 1)]))\(index == questions.count - 1 ? " (\(c.t("training.addQuestion")))" : "")</legend>
            \(HTML.when(!rowErrors.isEmpty, HTML("<p class=\"field-error\">\(rowErrors.map { c.message($0) }.joined(separator: " "))</p>")))
            \(Form.hidden("\(n)[id]", q.id ?? ""))
            \(Form.select("\(n)[kind]", c.t("training.kind"), options: kinds, selected: q.kind ?? "single", errors: [], c, id: "f-q\(index)-kind"))
            <div class="row">\(Form.textarea("\(n)[textJa]", c.t("training.questionJa"), value: q.textJa, errors: [], c, rows: 2, errorField: "q\(index)-textJa"))
            \(Form.textarea("\(n)[textEn]", c.t("training.questionEn"), value: q.textEn, errors: [], c, rows: 2, errorField: "q\(index)-textEn"))</div>
            \(choiceFields)
            <div class="row">\(Form.textarea("\(n)[explanationJa]", c.t("training.explanationJa"), value: q.explanationJa, errors: [], c, rows: 2, errorField: "q\(index)-explanationJa"))
            \(Form.textarea("\(n)[explanationEn]", c.t("training.explanationEn"), value: q.explanationEn, errors: [], c, rows: 2, errorField: "q\(index)-explanationEn"))</div>
            </fieldset>
            """
        }
        let title = course.map { "\($0.code) \($0.title.text(c.language))" } ?? c.t("training.newCourse")
        return Layout.page(c, title: title, wide: true, """
        \(Components.pageHeader(title, subtitle: c.t("training.editorIntro"), actions: HTML("""
        <a class="button" href="\(course.map { c.w("/training/courses/\($0.id)") } ?? c.w("/training"))">\(c.t("form.cancel"))</a>
        """)))
        \(Form.errorSummary(errors.filter { $0.field != "questions" }, c))
        \(HTML.when(errors.contains { $0.field == "questions" }, HTML("<div class=\"error-summary\" role=\"alert\"><ul>\(errors.filter { $0.field == "questions" }.map { HTML("<li><a href=\"#f-question-\($0.params["number"] ?? "")\">\(c.message($0))</a></li>") })</ul></div>")))
        \(Form.open(action, c, id: "course-form"))\(form.version.map { Form.version($0) } ?? .empty)
        <section class="card"><h2>\(c.t("training.aboutCourse"))</h2>
        <div class="row">\(Form.text("titleJa", c.t("training.titleJa"), value: form.titleJa, errors: errors, c))\(Form.text("titleEn", c.t("training.titleEn"), value: form.titleEn, errors: errors, c))</div>
        <div class="row">\(Form.textarea("summaryJa", c.t("training.summaryJa"), value: form.summaryJa, errors: errors, c, rows: 2))\(Form.textarea("summaryEn", c.t("training.summaryEn"), value: form.summaryEn, errors: errors, c, rows: 2))</div>
        <div class="row">
        \(Form.text("passingScore", c.t("training.passingScore"), value: form.passingScore, errors: errors, c, type: "number", attributes: " min=\"1\" max=\"100\" inputmode=\"numeric\""))
        \(Form.text("attemptsAllowed", c.t("training.attemptsAllowed"), value: form.attemptsAllowed, errors: errors, c, type: "number", hint: c.t("training.attemptsHint"), attributes: " min=\"0\" max=\"20\" inputmode=\"numeric\""))
        \(Form.text("estimatedMinutes", c.t("training.estimated"), value: form.estimatedMinutes, errors: errors, c, type: "number", attributes: " min=\"1\" max=\"600\" inputmode=\"numeric\""))
        \(Form.text("validityMonths", c.t("training.validity"), value: form.validityMonths, errors: errors, c, type: "number", hint: c.t("training.validityHint"), attributes: " min=\"0\" max=\"120\" inputmode=\"numeric\""))
        </div>
        \(Form.text("references", c.t("document.references"), value: form.references, errors: errors, c, hint: c.t("document.referencesHint")))
        \(Form.textarea("links", c.t("training.links"), value: form.links, errors: errors, c, rows: 2, hint: c.t("training.linksHint")))
        \(HTML.when(course != nil, Form.checkbox("archived", c.t("training.archive"), checked: form.archived == "true", hint: c.t("training.archiveHint"))))
        </section>
        <section class="card"><h2>\(c.t("training.material"))</h2><p class="hint">\(c.t("document.bodyHint"))</p>\(sectionFields)</section>
        <section class="card"><h2>\(c.t("training.quiz"))</h2><p class="hint">\(c.t("training.quizEditorHint"))</p>\(questionFields)</section>
        \(Form.submit(c.t("form.save")))
        \(Form.close())
        \(HTML.when(course != nil, HTML("""
        <section class="card danger-zone"><h2>\(c.t("training.deleteCourse"))</h2><p>\(c.t("training.deleteHint"))</p>
        \(Form.open("\(c.w("/training/courses/\(course?.id.description ?? "")"))/delete", c))\(Form.version(course?.version ?? 0))<div class="actions"><button type="submit" class="danger">\(c.t("form.delete"))</button></div>\(Form.close())
        </section>
        """)))
        """)
    }

    @Sendable func newCourse(_ req: Request) async throws -> HTML {
        page(try await PageContext.make(req), course: nil, form: CourseForm(nil), errors: [])
    }

    @Sendable func edit(_ req: Request) async throws -> HTML {
        let course = try await Training(req.meguri).course(try req.access(), try TrainingPages.courseID(req)).course
        return page(try await PageContext.make(req), course: course, form: CourseForm(course), errors: [])
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let access = try req.access()
        return try await req.submit(CourseForm.self) { form in
            let course = try await Training(req.meguri).createCourse(access, form.input, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/training/courses/\(course.id)", flash: req.t("training.courseSaved", ["code": course.code]))
        } render: { form, errors in page(try await PageContext.make(req), course: nil, form: form, errors: errors) }
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try TrainingPages.courseID(req)
        return try await req.submit(CourseForm.self) { form in
            let course = try await Training(req.meguri).updateCourse(access, id, form.input, expectedVersion: form.version, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/training/courses/\(course.id)", flash: req.t("training.courseSaved", ["code": course.code]))
        } render: { form, errors in
            let course = try await Training(req.meguri).course(access, id).course
            return page(try await PageContext.make(req), course: course, form: form, errors: errors)
        }
    }

    @Sendable func delete(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try TrainingPages.courseID(req)
        return try await req.submit(VersionOnly.self) { form in
            try await Training(req.meguri).deleteCourse(access, id, expectedVersion: form.version, context: try req.context())
            return Submitted(path: "/w/\(access.workspace.slug)/training", flash: req.t("training.courseDeleted"))
        } render: { _, errors in
            let course = try await Training(req.meguri).course(access, id).course
            return page(try await PageContext.make(req), course: course, form: CourseForm(course), errors: errors)
        }
    }
}
