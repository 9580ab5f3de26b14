import Domain
import Foundation

/// Loads our threat and vulnerability catalogs and the ready risk methods, refusing any that does
/// not check out: codes unique, every name and description in both languages, every method valid.
public enum RiskTemplatesLoader {
    struct EntriesFile: Decodable {
        var threats: [RiskTemplates.Entry]?
        var vulnerabilities: [RiskTemplates.Entry]?
    }

    struct MethodsFile: Decodable { var methods: [RiskTemplates.Method] }

    public static var bundledDirectory: URL { Bundle.module.url(forResource: "risk", withExtension: nil)! }

    public static func loadBundled() throws -> RiskTemplates { try load(from: bundledDirectory) }

    public static func load(from directory: URL) throws -> RiskTemplates {
        let decoder = JSONDecoder()
        let threats = try decoder.decode(EntriesFile.self, from: Data(contentsOf: directory.appendingPathComponent("threats.json"))).threats ?? []
        let vulnerabilities = try decoder.decode(EntriesFile.self, from: Data(contentsOf: directory.appendingPathComponent("vulnerabilities.json"))).vulnerabilities ?? []
        let methods = try decoder.decode(MethodsFile.self, from: Data(contentsOf: directory.appendingPathComponent("risk-methods.json"))).methods
        var problems: [String] = []
        for (label, entries) in [("threats", threats), ("vulnerabilities", vulnerabilities)] {
            if entries.isEmpty { problems.append("\(label) is empty") }
            let duplicates = Dictionary(grouping: entries, by: \.code).filter { $1.count > 1 }.keys
            if !duplicates.isEmpty { problems.append("\(label): duplicate codes \(duplicates.sorted())") }
            for entry in entries where [entry.nameJa, entry.nameEn, entry.descriptionJa, entry.descriptionEn, entry.category].contains(where: { $0.isEmpty }) {
                problems.append("\(label) \(entry.code): a name or description is empty")
            }
        }
        let texts = (threats + vulnerabilities).flatMap { [$0.descriptionJa, $0.descriptionEn] }
        if Set(texts).count != texts.count { problems.append("two catalog entries share a description") }
        if methods.first(where: { $0.key == RiskTemplates.defaultMethodKey }) == nil { problems.append("the default method is missing") }
        for template in methods {
            do {
                try template.method(workspace: Workspace.ID(), number: 1, now: Date()).validate()
            } catch DomainError.invalid(let errors) {
                problems.append("method \(template.key): " + errors.map { "\($0.field) \($0.code) \($0.params)" }.joined(separator: ", "))
            }
        }
        if !problems.isEmpty { throw CatalogLoader.Invalid(problems: problems) }
        return RiskTemplates(threats: threats, vulnerabilities: vulnerabilities, methods: methods)
    }
}
