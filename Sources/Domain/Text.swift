import Foundation

/// Small text rules shared by validation and import: Japanese spreadsheets write digits and
/// spaces in full width, and people paste values with stray whitespace.
public enum Text {
    /// For numeric, date and code fields only (never names or free text): turns the full-width
    /// forms of ASCII (０–９, Ａ–Ｚ, ａ–ｚ, ％, ＋, －, ．, ／, ：…) into ASCII, the ideographic
    /// space into a space and the minus sign (U+2212) into a hyphen-minus — what NFKC does to these
    /// characters, and nothing else (NFKC would also rewrite ㈱ or ①, which a code may hold).
    public static func halfWidth(_ text: String) -> String {
        // Most text has nothing to fold: return it as it is without rebuilding it.
        guard text.unicodeScalars.contains(where: { (0xFF01...0xFF5E).contains($0.value) || $0.value == 0x3000 || $0.value == 0x2212 }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            switch scalar.value {
            case 0xFF01...0xFF5E: return Unicode.Scalar(scalar.value - 0xFF01 + 0x21)!
            case 0x3000: return " "
            case 0x2212: return "-"
            default: return scalar
            }
        }))
    }

    /// A key that sorts text as people number things: half-width, lower case, runs of digits
    /// compared as numbers (`R-2` before `R-10`). Computed once per item, compared with `<`.
    public static func naturalKey(_ text: String) -> String {
        var out = "", digits = ""
        for ch in halfWidth(text).lowercased() {
            if ch.isASCII && ch.isNumber { digits.append(ch); continue }
            if !digits.isEmpty { out += String(repeating: "0", count: max(0, 10 - digits.count)) + digits; digits = "" }
            out.append(ch)
        }
        if !digits.isEmpty { out += String(repeating: "0", count: max(0, 10 - digits.count)) + digits }
        return out
    }

    /// A decimal number as people type it in a numeric field: full-width or not, with digit
    /// grouping commas and a trailing percent sign (the unit is the field's, not the text's).
    public static func decimal(_ raw: String) -> Double? {
        var text = trimmed(halfWidth(raw)).replacingOccurrences(of: ",", with: "")
        if text.hasSuffix("%") { text = trimmed(String(text.dropLast())) }
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// Trims ASCII and ideographic spaces (U+3000) at both ends.
    public static func trimmed(_ text: String) -> String {
        // Walked as scalars: most cells have nothing to trim and come back as they are (the import
        // of 50,000 rows spent a fifth of its time building Foundation character sets here).
        let scalars = text.unicodeScalars
        guard let first = scalars.first, let last = scalars.last, isSpace(first) || isSpace(last) else { return text }
        var start = scalars.startIndex, end = scalars.endIndex
        while start < end, isSpace(scalars[start]) { start = scalars.index(after: start) }
        while end > start, isSpace(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
        return String(scalars[start..<end])
    }

    /// White space and line breaks, the ideographic space (U+3000) included.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x80 ? (scalar == " " || (0x09...0x0D).contains(scalar.value)) : scalar.properties.isWhitespace
    }

    /// A column header or a choice as spreadsheets vary it, for comparing only: full-width folded
    /// (NFKC), lower case, without spaces and punctuation — `適用/除外の理由` and `適用・除外の理由`,
    /// `No.` and `ｎｏ` are the same key.
    public static func looseKey(_ text: String) -> String {
        let folded = text.precomposedStringWithCompatibilityMapping.lowercased()
        return String(String.UnicodeScalarView(folded.unicodeScalars.filter { scalar in
            !CharacterSet.whitespacesAndNewlines.contains(scalar) && !CharacterSet.punctuationCharacters.contains(scalar)
                && !"・／/()（）「」『』【】[]_-－—―‐.:：,、。'\"".unicodeScalars.contains(scalar)
        }))
    }

    private static let emptyMarks: Set<String> = ["-", "—", "―", "‐", "/", "n/a", "na", "該当なし", "なし", "ー"]

    /// The marks people put in a cell to say "nothing here": －, -, —, ―, /, n/a, N/A, 該当なし, なし.
    public static func isEmptyMark(_ text: String) -> Bool {
        // The marks are a few characters long: anything longer is no mark, without normalizing it.
        guard text.utf8.count <= 24 else { return false }
        // ASCII is its own compatibility form: a cell of codes, numbers or English words is
        // compared without normalizing (the normalization was a twentieth of an import, issue 20).
        let key = text.utf8.allSatisfy { $0 < 0x80 } ? trimmed(text).lowercased() : trimmed(text.precomposedStringWithCompatibilityMapping).lowercased()
        return emptyMarks.contains(key)
    }

    /// `nil` for an empty or blank value, the trimmed value otherwise.
    public static func nonBlank(_ text: String?) -> String? {
        guard let text else { return nil }
        let value = trimmed(text)
        return value.isEmpty ? nil : value
    }
}

/// A link people paste as evidence or a reference: an http or https address with a host.
public enum WebAddress {
    public static func isValid(_ text: String) -> Bool {
        (text.hasPrefix("https://") || text.hasPrefix("http://")) && URL(string: text)?.host?.isEmpty == false
    }
}
