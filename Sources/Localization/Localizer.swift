import Domain
import Foundation

/// The message catalog: one JSON file where each key holds its Japanese and English text side by
/// side (so a translation cannot be forgotten), loaded once at start. A key missing from the
/// catalog shows as ⟦key⟧ so tests and people notice at once.
public struct Localizer: Sendable {
    public let tables: [Language: [String: String]]

    public struct Invalid: Error, CustomStringConvertible {
        public var problems: [String]
        public var description: String { "The bundled message catalogs are invalid: " + problems.joined(separator: "; ") }
    }

    public init(tables: [Language: [String: String]]) { self.tables = tables }

    /// The catalogs shipped in the binary, checked: every key present in both languages, no empty text,
    /// the same placeholders in both.
    public static func bundled() throws -> Localizer {
        let url = Bundle.module.url(forResource: "messages", withExtension: "json")!
        let entries = try JSONDecoder().decode([String: [String: String]].self, from: Data(contentsOf: url))
        var tables: [Language: [String: String]] = [:]
        for (key, texts) in entries {
            for (code, text) in texts {
                guard let language = Language(rawValue: code) else { throw Invalid(problems: ["\(key) has an unknown language '\(code)'"]) }
                tables[language, default: [:]][key] = text
            }
        }
        let localizer = Localizer(tables: tables)
        let problems = localizer.problems()
        if !problems.isEmpty { throw Invalid(problems: problems) }
        return localizer
    }

    /// Keys present in one language only, empty texts, and placeholders that differ between languages.
    public func problems() -> [String] {
        var problems: [String] = []
        let ja = tables[.ja] ?? [:], en = tables[.en] ?? [:]
        for key in Set(ja.keys).subtracting(en.keys).sorted() { problems.append("\(key) is missing in en") }
        for key in Set(en.keys).subtracting(ja.keys).sorted() { problems.append("\(key) is missing in ja") }
        for (key, text) in ja where text.isEmpty { problems.append("\(key) is empty in ja") }
        for (key, text) in en where text.isEmpty { problems.append("\(key) is empty in en") }
        for (key, text) in ja {
            guard let other = en[key] else { continue }
            if Self.placeholders(text) != Self.placeholders(other) { problems.append("\(key) has different placeholders in ja and en") }
        }
        return problems
    }

    static func placeholders(_ text: String) -> Set<String> {
        var found = Set<String>()
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            found.insert(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return found
    }

    public func has(_ key: String) -> Bool { tables[.en]?[key] != nil }

    /// The text for `key` in `language`, with `{name}` placeholders filled from `params`.
    public func text(_ key: String, _ language: Language, _ params: [String: String] = [:]) -> String {
        guard var text = tables[language]?[key] else { return "⟦\(key)⟧" }
        for (name, value) in params { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    /// The message for a field error: the field's label (when the catalog has one) and the problem.
    /// `label` names a field: the catalog's `field.*` label by default; a page passes the label it
    /// shows. Parameters whose name ends in `Field` (`{startField}`) name another field the same way.
    public func message(for error: FieldError, _ language: Language, label: ((String) -> String)? = nil) -> String {
        let label = label ?? { self.fieldLabel($0, language) }
        var params = error.params
        for (key, value) in params where key.hasSuffix("Field") { params[key] = label(value) }
        params["field"] = label(error.field)
        let message = text(error.code, language, params)
        if let row = error.row {
            return text("error.atRow", language, ["row": String(row), "field": params["field"]!, "message": message])
        }
        if let rows = error.params["rows"] {
            return text("error.atRows", language, ["rows": rows, "field": params["field"]!, "message": message])
        }
        return message
    }

    /// A problem of an imported file as its report shows it beside the row number: the column by
    /// the file's header for it in `register` (`csv.<register>.<key>`), without the row.
    /// The file's own header names the column where the mapping knows it (`header`); a list of
    /// fields (`options`, keys separated by commas) is written out by their headers.
    public func importMessage(for error: FieldError, register: String, _ language: Language) -> String {
        var bare = error
        bare.row = nil
        bare.params["rows"] = nil
        // The place is shown beside the message; a message that names the cell itself keeps it.
        if !(tables[language]?[error.code] ?? "").contains("{cell}") { bare.params["cell"] = nil }
        if let options = error.params["options"] {
            let (open, close, separator) = language == .ja ? ("「", "」", "、") : ("\"", "\"", ", ")
            bare.params["options"] = options.split(separator: ",").map { open + importColumn(String($0), register: register, language) + close }
                .joined(separator: separator)
        }
        return message(for: bare, language) { self.importColumnName(of: error, field: $0, register: register, language) }
    }

    /// The column a problem of an imported file is in: the file's header for it when known.
    public func importColumnName(of error: FieldError, field: String? = nil, register: String, _ language: Language) -> String {
        let field = field ?? error.field
        if field == error.field, let header = error.params["header"], !header.isEmpty { return header }
        return importColumn(field, register: register, language)
    }

    /// Where a problem of an imported file is, as a spreadsheet names it: `D2`, or the rows and
    /// the column letter for a problem grouped over rows; the row number when no column is known.
    public func importPlace(of error: FieldError, _ language: Language) -> String {
        let rows = error.row.map(String.init) ?? error.params["rows"]
        guard let cell = error.params["cell"], !cell.isEmpty else { return rows ?? "—" }
        if cell.last?.isNumber == true { return cell }
        if let row = error.row { return cell + String(row) }
        guard let rows else { return text("import.cellColumn", language, ["cell": cell]) }
        return text("import.cellRows", language, ["cell": cell, "rows": rows])
    }

    /// The column of an imported file's problem, by its header in `register`.
    /// (English files use the keys as headers: there the field's label reads better.)
    public func importColumn(_ field: String, register: String, _ language: Language) -> String {
        guard has("csv.\(register).\(field)") else { return fieldLabel(field, language) }
        let header = text("csv.\(register).\(field)", language)
        return header.lowercased() == field.lowercased() && has("field.\(field)") ? fieldLabel(field, language) : header
    }

    public func fieldLabel(_ field: String, _ language: Language) -> String {
        has("field.\(field)") ? text("field.\(field)", language) : field
    }

    /// The role's name in a language.
    public func role(_ role: Role, _ language: Language) -> String { text("role.\(role.rawValue)", language) }

    /// Reads a role from what a person typed: the key (`secretariat`), or its name in either language.
    public func parseRole(_ raw: String) -> Role? {
        let cleaned = Text.trimmed(raw).lowercased()
        for role in Role.allCases {
            let names = [role.rawValue.lowercased(), snake(role.rawValue)] + Language.allCases.map { text("role.\(role.rawValue)", $0).lowercased() }
                + Language.allCases.flatMap { (tables[$0]?["role.\(role.rawValue).aliases"] ?? "").split(separator: "|").map { $0.lowercased() } }
            if names.contains(cleaned) { return role }
        }
        return nil
    }

    private func snake(_ camel: String) -> String {
        camel.reduce(into: "") { out, c in
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
    }
}
