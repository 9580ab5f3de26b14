import Domain
import Foundation

/// Loads our starter documents (`starters/starters.json` and a Markdown text per document and
/// language), refusing any that does not check out: both languages, known placeholders only, block
/// facts on lines of their own, the same placeholders in both languages, known clauses and controls.
public enum StarterTemplatesLoader {
    struct File: Decodable {
        struct Entry: Decodable {
            var key: String
            var code: String
            var kind: ControlledDocument.Kind
            var titleJa: String
            var titleEn: String
            var references: [String]
        }
        var documents: [Entry]
    }

    public static var bundledFolder: URL { Bundle.module.url(forResource: "starters", withExtension: nil)! }

    public static func loadBundled(catalog: ReferenceCatalog? = nil) throws -> [StarterTemplate] { try load(from: bundledFolder, catalog: catalog) }

    public static func load(from folder: URL, catalog: ReferenceCatalog? = nil) throws -> [StarterTemplate] {
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: folder.appendingPathComponent("starters.json")))
        var problems: [String] = []
        var templates: [StarterTemplate] = []
        if Set(file.documents.map(\.key)).count != file.documents.count { problems.append("two starter documents share a key") }
        for entry in file.documents {
            func text(_ language: Language) -> String {
                guard let data = try? Data(contentsOf: folder.appendingPathComponent("\(entry.key).\(language.rawValue).md")),
                      let text = String(data: data, encoding: .utf8), !text.isEmpty else {
                    problems.append("\(entry.key): no \(language.rawValue) text")
                    return ""
                }
                return text.replacingOccurrences(of: "\r\n", with: "\n")
            }
            let template = StarterTemplate(key: entry.key, code: entry.code, kind: entry.kind, titleJa: entry.titleJa, titleEn: entry.titleEn,
                                           references: entry.references, bodyJa: text(.ja), bodyEn: text(.en))
            for language in Language.allCases {
                problems += StarterRules.problems(template.body(language)).map { "\(entry.key).\(language.rawValue): \($0)" }
            }
            if Set(template.facts(.ja)) != Set(template.facts(.en)) { problems.append("\(entry.key): the languages state different facts") }
            if let catalog {
                for reference in entry.references {
                    let known = reference.hasPrefix("A.") ? catalog.control(String(reference.dropFirst(2))) != nil : catalog.clause(reference) != nil
                    if !known { problems.append("\(entry.key): unknown reference \(reference)") }
                }
            }
            templates.append(template)
        }
        if !problems.isEmpty { throw CatalogLoader.Invalid(problems: problems) }
        return templates
    }
}
