import Domain
import Foundation

/// Loads the reference catalog from the bundled resources and refuses one that does not check out:
/// the expected counts per theme, unique ids, known attribute values, and mappings that point at
/// controls that exist. Runs at every start, so a broken resource never reaches a user.
public enum CatalogLoader {
    public struct Invalid: Error, CustomStringConvertible {
        public var problems: [String]
        public var description: String { "The bundled reference catalog is invalid: " + problems.joined(separator: "; ") }
    }

    /// Annex A of ISO/IEC 27001:2022 has 37 organizational, 8 people, 14 physical and 34 technological controls.
    public static let expectedThemeCounts: [AnnexAControl.Theme: Int] = [.organizational: 37, .people: 8, .physical: 14, .technological: 34]

    struct Manifest: Decodable {
        var id: String
        var version: String
        var files: [String: String]
        /// Our guidance files, each a JSON array of `Guidance`.
        var guidance: [String]?
    }

    /// The directory of the bundled catalog resources.
    public static var bundledDirectory: URL {
        Bundle.module.url(forResource: "iso27001-2022", withExtension: nil)!
    }

    public static func loadBundled() throws -> ReferenceCatalog {
        try load(from: bundledDirectory)
    }

    public static func load(from directory: URL) throws -> ReferenceCatalog {
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: directory.appendingPathComponent("catalog.json")))
        func table(_ key: String) throws -> [[String]] {
            guard let file = manifest.files[key] else { throw Invalid(problems: ["catalog.json names no file for \(key)"]) }
            let rows = try CSV.parse(CSV.decode(Data(contentsOf: directory.appendingPathComponent(file))))
            return Array(rows.dropFirst())
        }
        var problems: [String] = []
        func list<T: RawRepresentable>(_ cell: String, _ type: T.Type, _ where_: String) -> [T] where T.RawValue == String {
            cell.split(separator: ";").compactMap { raw in
                let value = String(raw).trimmingCharacters(in: .whitespaces)
                guard let parsed = T(rawValue: value) else {
                    problems.append("\(where_): unknown value '\(value)'")
                    return nil
                }
                return parsed
            }
        }

        var controls: [AnnexAControl] = []
        for (index, row) in try table("controls").enumerated() {
            let at = "controls row \(index + 2)"
            guard row.count == 9 else {
                problems.append("\(at): expected 9 columns, found \(row.count)")
                continue
            }
            guard let theme = AnnexAControl.Theme(rawValue: row[1]) else {
                problems.append("\(at): unknown theme '\(row[1])'")
                continue
            }
            let control = AnnexAControl(
                id: row[0], theme: theme, titleEn: row[2], titleJa: row[3],
                controlTypes: list(row[4], AnnexAControl.ControlType.self, at),
                properties: list(row[5], AnnexAControl.SecurityProperty.self, at),
                concepts: list(row[6], AnnexAControl.Concept.self, at),
                capabilities: list(row[7], AnnexAControl.Capability.self, at),
                domains: list(row[8], AnnexAControl.SecurityDomain.self, at))
            if control.titleEn.isEmpty || control.titleJa.isEmpty { problems.append("\(at): a title is empty") }
            if control.controlTypes.isEmpty || control.properties.isEmpty || control.concepts.isEmpty
                || control.capabilities.isEmpty || control.domains.isEmpty {
                problems.append("\(at): an attribute is empty")
            }
            let expectedPrefix: String = switch theme {
            case .organizational: "5."
            case .people: "6."
            case .physical: "7."
            case .technological: "8."
            }
            if !control.id.hasPrefix(expectedPrefix) { problems.append("\(at): id \(control.id) does not belong to theme \(theme.rawValue)") }
            controls.append(control)
        }
        for (theme, expected) in expectedThemeCounts {
            let found = controls.filter { $0.theme == theme }.count
            if found != expected { problems.append("\(theme.rawValue): expected \(expected) controls, found \(found)") }
        }
        let duplicateControls = Dictionary(grouping: controls, by: \.id).filter { $1.count > 1 }.keys
        if !duplicateControls.isEmpty { problems.append("duplicate control ids: \(duplicateControls.sorted().joined(separator: ", "))") }

        var clauses: [Clause] = []
        for (index, row) in try table("clauses").enumerated() {
            guard row.count == 3, !row[0].isEmpty, !row[1].isEmpty, !row[2].isEmpty else {
                problems.append("clauses row \(index + 2): expected id, title_en, title_ja")
                continue
            }
            clauses.append(Clause(id: row[0], titleEn: row[1], titleJa: row[2]))
        }
        let duplicateClauses = Dictionary(grouping: clauses, by: \.id).filter { $1.count > 1 }.keys
        if !duplicateClauses.isEmpty { problems.append("duplicate clause ids: \(duplicateClauses.sorted().joined(separator: ", "))") }
        for top in 4...10 where !clauses.contains(where: { $0.id == String(top) }) { problems.append("clause \(top) is missing") }

        let controlIDs = Set(controls.map(\.id))
        var mapping: [Mapping2013] = []
        for (index, row) in try table("mapping2013").enumerated() {
            guard row.count == 3 else {
                problems.append("mapping row \(index + 2): expected 3 columns")
                continue
            }
            let targets = row[2].split(separator: ";").map { String($0).trimmingCharacters(in: .whitespaces) }
            for target in targets where !controlIDs.contains(target) {
                problems.append("mapping row \(index + 2): \(row[0]) maps to unknown control \(target)")
            }
            if !row[0].hasPrefix("A.") { problems.append("mapping row \(index + 2): 2013 id \(row[0]) lacks the A. prefix") }
            mapping.append(Mapping2013(id2013: row[0], title2013: row[1], ids2022: targets))
        }
        let duplicateMappings = Dictionary(grouping: mapping, by: \.id2013).filter { $1.count > 1 }.keys
        if !duplicateMappings.isEmpty { problems.append("duplicate 2013 ids: \(duplicateMappings.sorted().joined(separator: ", "))") }

        var guidance: [Guidance] = []
        for file in manifest.guidance ?? [] {
            do {
                guidance += try JSONDecoder().decode([Guidance].self, from: Data(contentsOf: directory.appendingPathComponent(file)))
            } catch { problems.append("\(file): \(error)") }
        }
        problems += checkGuidance(guidance, controls: controls, clauses: clauses)

        if !problems.isEmpty { throw Invalid(problems: problems) }
        let ordered = controls.sorted { ControlOrder.less($0.id, $1.id) }
        return ReferenceCatalog(id: manifest.id, version: manifest.version, controls: ordered, clauses: clauses, mapping2013: mapping,
                                controlGuidance: Dictionary(uniqueKeysWithValues: guidance.filter { $0.kind == .control }.map { ($0.id, $0) }),
                                clauseGuidance: Dictionary(uniqueKeysWithValues: guidance.filter { $0.kind == .clause }.map { ($0.id, $0) }))
    }

    /// Every control and every requirement clause has guidance, once, with every part in both
    /// languages; a clause is never excludable; no two entries share a text.
    static func checkGuidance(_ guidance: [Guidance], controls: [AnnexAControl], clauses: [Clause]) -> [String] {
        var problems: [String] = []
        let expected: [Guidance.Kind: Set<String>] = [.control: Set(controls.map(\.id)), .clause: Set(clauses.filter(\.isRequirement).map(\.id))]
        for kind in [Guidance.Kind.control, .clause] {
            let ids = guidance.filter { $0.kind == kind }.map(\.id)
            let duplicates = Dictionary(grouping: ids, by: { $0 }).filter { $1.count > 1 }.keys.sorted(by: ControlOrder.less)
            if !duplicates.isEmpty { problems.append("guidance for \(kind.rawValue) given twice: \(duplicates.joined(separator: ", "))") }
            let missing = expected[kind, default: []].subtracting(ids).sorted(by: ControlOrder.less)
            if !missing.isEmpty { problems.append("no guidance for \(kind.rawValue) \(missing.joined(separator: ", "))") }
            let unknown = Set(ids).subtracting(expected[kind, default: []]).sorted(by: ControlOrder.less)
            if !unknown.isEmpty { problems.append("guidance for unknown \(kind.rawValue) \(unknown.joined(separator: ", "))") }
        }
        var seen: [String: String] = [:]
        for entry in guidance {
            for (language, text) in [("en", entry.en), ("ja", entry.ja)] {
                let at = "guidance \(entry.kind.rawValue) \(entry.id) (\(language))"
                let required = [("asks", text.asks), ("options", text.options), ("evidence", text.evidence)]
                for (part, value) in required where value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append("\(at): \(part) is empty") }
                if entry.kind == .clause, text.exclusion != nil { problems.append("\(at): a clause cannot be excluded") }
                if let exclusion = text.exclusion, exclusion.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append("\(at): exclusion is empty") }
                for (part, value) in required + (text.exclusion.map { [("exclusion", $0)] } ?? []) {
                    if let other = seen[value] { problems.append("\(at) \(part) repeats the text of \(other)") } else { seen[value] = "\(at) \(part)" }
                }
            }
            if (entry.en.exclusion == nil) != (entry.ja.exclusion == nil) { problems.append("guidance \(entry.kind.rawValue) \(entry.id): exclusion in one language only") }
        }
        return problems
    }
}

