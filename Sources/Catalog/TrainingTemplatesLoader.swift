import Domain
import Foundation

/// Loads our ready-made courses, refusing any that does not check out: keys unique, every text in
/// both languages, at least ten questions, each with a right answer and an explanation.
public enum TrainingTemplatesLoader {
    struct File: Decodable { var courses: [CourseTemplate] }

    public static var bundledFile: URL { Bundle.module.url(forResource: "training", withExtension: nil)!.appendingPathComponent("courses.json") }

    public static func loadBundled() throws -> [CourseTemplate] { try load(from: bundledFile) }

    public static func load(from file: URL) throws -> [CourseTemplate] {
        let courses = try JSONDecoder().decode(File.self, from: Data(contentsOf: file)).courses
        var problems: [String] = []
        if Set(courses.map(\.key)).count != courses.count { problems.append("two courses share a key") }
        for template in courses {
            func both(_ text: Bilingual, _ what: String) { if text.ja.isEmpty || text.en.isEmpty { problems.append("\(template.key): \(what) lacks a language") } }
            both(template.title, "the title"); both(template.summary, "the summary")
            if template.questions.count < 10 { problems.append("\(template.key): fewer than ten questions") }
            if template.sections.isEmpty { problems.append("\(template.key): no material") }
            for (index, section) in template.sections.enumerated() { both(section.title, "section \(index + 1)"); both(section.body, "section \(index + 1)") }
            for (index, question) in template.questions.enumerated() {
                both(question.text, "question \(index + 1)"); both(question.explanation, "the explanation of question \(index + 1)")
                for choice in question.choices { both(choice.text, "a choice of question \(index + 1)") }
            }
            let problemsOfCourse = TrainingRules.validate(template.course(workspace: Workspace.ID(), number: 1, now: Date()))
            problems += problemsOfCourse.map { "\(template.key): \($0.field) \($0.code) \($0.params)" }
        }
        if !problems.isEmpty { throw CatalogLoader.Invalid(problems: problems) }
        return courses
    }
}
