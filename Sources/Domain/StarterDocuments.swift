import Foundation

/// A starter document (issue 18): our text of an ISMS document, with `{{fact}}` placeholders the
/// workspace's own data fills — its scope, departments, roles, risk method… — so the first draft
/// describes this organization. Written by us in both languages; the texts are catalog data
/// (`Sources/Catalog/starters`), this is their shape and rules.
public struct StarterTemplate: Sendable, Hashable {
    public var key: String
    public var code: String
    public var kind: ControlledDocument.Kind
    public var titleJa: String
    public var titleEn: String
    /// Clauses (`6.1.2`) and controls (`A.5.24`) the document addresses: the SoA lists it under them.
    public var references: [String]
    public var bodyJa: String
    public var bodyEn: String

    public init(key: String, code: String, kind: ControlledDocument.Kind, titleJa: String, titleEn: String, references: [String], bodyJa: String, bodyEn: String) {
        self.key = key; self.code = code; self.kind = kind; self.titleJa = titleJa; self.titleEn = titleEn
        self.references = references; self.bodyJa = bodyJa; self.bodyEn = bodyEn
    }

    public func title(_ language: Language) -> String { language == .ja ? titleJa : titleEn }
    public func body(_ language: Language) -> String { language == .ja ? bodyJa : bodyEn }

    /// The facts its text states, in the order first used.
    public func facts(_ language: Language) -> [String] { StarterRules.placeholders(body(language)) }
}

/// Where a generated document came from: which starter, in which language, and the text of every
/// fact it stated when it was last generated — what "the data behind this document changed" is
/// measured against, and the base a new draft is merged from.
public struct StarterOrigin: Sendable, Codable, Hashable {
    public var key: String
    public var language: Language
    public var facts: [String: String]
    public var generatedAt: Date

    public init(key: String, language: Language, facts: [String: String], generatedAt: Date) {
        self.key = key; self.language = language; self.facts = facts; self.generatedAt = generatedAt
    }
}

/// One fact whose text is no longer what the document was generated from.
public struct StarterFactChange: Sendable, Hashable {
    public var name: String
    public var before: String
    public var after: String

    public init(name: String, before: String, after: String) { self.name = name; self.before = before; self.after = after }
}

/// What a new draft from changed data did: the merged text, how many paragraphs it brought up to
/// date, and the changed paragraphs it left alone because someone had rewritten them.
public struct StarterMerge: Sendable, Hashable {
    public var text: String
    public var updated: Int
    /// The regenerated text of each paragraph not applied (its old text was edited by hand).
    public var notApplied: [String]
    /// Their places among the template's paragraphs.
    public var notAppliedIndexes: [Int] = []
}

public enum StarterRules {
    /// Facts that fill a sentence.
    public static let inlineFacts = ["organization", "ismsName", "fiscalYear", "topManagement", "secretariat", "internalAuditors",
                                     "methodName", "formula", "assetValueRule", "acceptance"]
    /// Facts that are a paragraph, list or table of their own.
    public static let blockFacts = ["scope", "departments", "officers", "secretariatContacts", "scales", "bands", "objectives", "processes"]
    public static var factNames: [String] { inlineFacts + blockFacts }

    /// The `{{name}}`s of a text, each once, in order.
    public static func placeholders(_ text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            let name = String(rest[open.upperBound..<close.lowerBound])
            if !names.contains(name) { names.append(name) }
            rest = rest[close.upperBound...]
        }
        return names
    }

    /// The template with every placeholder replaced by its fact's text (an unknown one is left as
    /// it is, so a test finds it).
    public static func render(_ template: String, _ facts: [String: String]) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            out += rest[..<open.lowerBound]
            let name = String(rest[open.upperBound..<close.lowerBound])
            out += facts[name] ?? "{{\(name)}}"
            rest = rest[close.upperBound...]
        }
        out += rest
        return out
    }

    /// Problems of a template: unknown placeholders, a block fact inside a sentence, a fact text
    /// that would split a paragraph. Checked when the catalog loads.
    public static func problems(_ template: String) -> [String] {
        var problems: [String] = []
        for name in placeholders(template) where !factNames.contains(name) { problems.append("unknown placeholder {{\(name)}}") }
        for line in template.split(separator: "\n", omittingEmptySubsequences: false) {
            for name in blockFacts where line.contains("{{\(name)}}") && line.trimmingCharacters(in: .whitespaces) != "{{\(name)}}" {
                problems.append("{{\(name)}} must stand on a line of its own")
            }
        }
        if template.contains("\n\n\n") { problems.append("two blank lines in a row") }
        return problems
    }

    /// The facts a document states whose text changed since it was generated.
    public static func changes(of origin: StarterOrigin, template: StarterTemplate, current: [String: String]) -> [StarterFactChange] {
        template.facts(origin.language).compactMap { name in
            let before = origin.facts[name] ?? "", after = current[name] ?? ""
            return before == after ? nil : StarterFactChange(name: name, before: before, after: after)
        }
    }

    /// Paragraphs: text between blank lines.
    public static func paragraphs(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
    }

    /// A new draft from changed data. `base` is the template filled with the facts the document was
    /// generated from, `regenerated` the same template with today's facts; both have the same
    /// paragraphs in the same order (facts never hold a blank line). Each paragraph that changed is
    /// replaced in `current` (the text of the newest version) where its old text is still there,
    /// word for word; one that was rewritten by hand is left as it is and reported.
    public static func merge(current: String, base: String, regenerated: String) -> StarterMerge {
        let old = paragraphs(base), new = paragraphs(regenerated)
        var text = paragraphs(current)
        // Paragraphs that do not line up (a template changed under the document): nothing is
        // replaced; every new paragraph is named for a person to bring in.
        guard old.count == new.count else {
            return StarterMerge(text: current, updated: 0, notApplied: new.filter { !old.contains($0) }, notAppliedIndexes: Array(new.indices))
        }
        var updated = 0
        var merge = StarterMerge(text: "", updated: 0, notApplied: [])
        for (index, (before, after)) in zip(old, new).enumerated() where before != after {
            if let place = text.firstIndex(of: before) {
                text[place] = after
                updated += 1
            } else {
                merge.notApplied.append(after)
                merge.notAppliedIndexes.append(index)
            }
        }
        merge.text = text.joined(separator: "\n\n")
        merge.updated = updated
        return merge
    }
}
