import Domain
import Foundation

/// Error messages on a page name each field by the label that page shows for it (管理番号 on the
/// asset form, 文書番号 on the document form — both are the field `code`), not by one label per
/// field name. A message is rendered with a marker in place of each field's name; `Layout.page`
/// replaces the markers with the text of the page's `<label for="f-<field>">`, or the catalog's
/// `field.*` label where the page has none (the API and imports always use the catalog's).
enum FieldLabels {
    static let open = "\u{E000}", close = "\u{E001}"

    static func marker(_ field: String) -> String { open + field + close }

    /// `html` with every marker replaced by its field's label on the same page.
    static func resolve(_ html: String, _ c: PageContext) -> String {
        // Every page passes here: look for the marker's first bytes (U+E000 is EE 80 80 in UTF-8)
        // instead of a Foundation string search, which costs tens of milliseconds on a long page.
        guard Self.mayHoldMarker(html) else { return html }
        let labels = shown(in: html)
        var out = ""
        out.reserveCapacity(html.utf8.count)
        var rest = Substring(html)
        while let start = rest.range(of: open) {
            out += rest[..<start.lowerBound]
            // A marker holds a field name; the same private-use character in someone's text (a
            // CP932 外字) is left as it is.
            guard let end = rest[start.upperBound...].range(of: close), Self.isFieldName(rest[start.upperBound..<end.lowerBound]) else {
                out += open
                rest = rest[start.upperBound...]
                continue
            }
            let field = String(rest[start.upperBound..<end.lowerBound])
            out += labels[field] ?? HTML.escape(c.localizer.fieldLabel(field, c.language))
            rest = rest[end.upperBound...]
        }
        out += rest
        return out
    }

    static func mayHoldMarker(_ html: String) -> Bool {
        var previous: UInt8 = 0, beforePrevious: UInt8 = 0
        for byte in html.utf8 {
            if beforePrevious == 0xEE && previous == 0x80 && byte == 0x80 { return true }
            beforePrevious = previous
            previous = byte
        }
        return false
    }

    static func isFieldName(_ text: Substring) -> Bool {
        (1...80).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-[]".contains($0)) }
    }

    /// The text of each `<label for="f-…">` in `html` (markup and the required mark removed), by field.
    static func shown(in html: String) -> [String: String] {
        var labels: [String: String] = [:]
        var rest = Substring(html)
        while let start = rest.range(of: "<label for=\"f-") {
            rest = rest[start.upperBound...]
            guard let quote = rest.firstIndex(of: "\""), let tagEnd = rest[quote...].firstIndex(of: ">"),
                  let closing = rest[tagEnd...].range(of: "</label>") else { break }
            let field = String(rest[..<quote])
            let inner = rest[rest.index(after: tagEnd)..<closing.lowerBound]
            let text = stripTags(inner).trimmingCharacters(in: .whitespacesAndNewlines)
            if labels[field] == nil, !text.isEmpty { labels[field] = text }
            rest = rest[closing.upperBound...]
        }
        return labels
    }

    private static func stripTags(_ html: Substring) -> String {
        var out = ""
        var inTag = false
        var rest = html
        // The required mark is a span of its own; drop it with its star.
        while let mark = rest.range(of: "<span class=\"req\"") {
            out += rest[..<mark.lowerBound]
            rest = rest[mark.upperBound...]
            if let end = rest.range(of: "</span>") { rest = rest[end.upperBound...] }
        }
        out += rest
        var text = ""
        for ch in out {
            if ch == "<" { inTag = true } else if ch == ">" { inTag = false } else if !inTag { text.append(ch) }
        }
        return text
    }
}
