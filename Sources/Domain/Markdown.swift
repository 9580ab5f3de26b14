import Foundation

/// The Markdown Meguri's documents and course material are written in: headings, paragraphs,
/// lists (one level of nesting), quotes, fenced code, tables, rules; strong, emphasis, code,
/// links and line breaks inside. Parsed into a small tree that the pages render as HTML and the
/// DOCX export as Word paragraphs. Safe by construction: there is no raw HTML — whatever looks
/// like a tag is text — every piece of text is escaped when rendered, and a link keeps its target
/// only when it is http(s), mailto or a path on this site.
public enum Markdown {
    public enum Alignment: String, Sendable, Hashable { case left, center, right, none }

    public indirect enum Inline: Sendable, Hashable {
        case text(String)
        case strong([Inline])
        case emphasis([Inline])
        case code(String)
        case link(text: [Inline], url: String)
        case lineBreak
    }

    public indirect enum Block: Sendable, Hashable {
        case heading(level: Int, [Inline])
        case paragraph([Inline])
        case list(ordered: Bool, start: Int, items: [[Block]])
        case quote([Block])
        case code(String)
        case table(header: [[Inline]], alignments: [Alignment], rows: [[[Inline]]])
        case rule
    }

    /// Limits that keep a hostile document from costing much: rows and columns of a table, the depth of quotes.
    static let maxTableColumns = 64
    static let maxTableRows = 5_000
    static let maxQuoteDepth = 8

    // MARK: Parsing blocks

    public static func parse(_ source: String) -> [Block] {
        let lines = source.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).map { String($0).replacingOccurrences(of: "\t", with: "    ") }
        return blocks(lines[...], depth: 0)
    }

    static func isBlank(_ line: String) -> Bool { line.allSatisfy { $0 == " " } }

    static func indentation(_ line: String) -> Int { line.prefix { $0 == " " }.count }

    static func headingLevel(_ line: String) -> (Int, String)? {
        let trimmed = line.drop { $0 == " " }
        guard indentation(line) < 4 else { return nil }
        let hashes = trimmed.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes) else { return nil }
        let rest = trimmed.dropFirst(hashes)
        guard rest.isEmpty || rest.first == " " else { return nil }
        var text = rest.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("#") { text.removeLast() }
        return (hashes, text.trimmingCharacters(in: .whitespaces))
    }

    static func isRule(_ line: String) -> Bool {
        let compact = line.filter { $0 != " " }
        guard compact.count >= 3, let first = compact.first, "-*_".contains(first) else { return false }
        return compact.allSatisfy { $0 == first } && indentation(line) < 4
    }

    /// `- item`, `* item`, `+ item`, `1. item`, `1) item`: (ordered, number, content column, text).
    static func listMarker(_ line: String) -> (ordered: Bool, number: Int, column: Int, text: String)? {
        let indent = indentation(line)
        guard indent < 4 else { return nil }
        let rest = line.dropFirst(indent)
        if let first = rest.first, "-*+".contains(first) {
            let after = rest.dropFirst()
            guard after.isEmpty || after.first == " " else { return nil }
            let text = after.drop { $0 == " " }
            return (false, 0, indent + 2, String(text))
        }
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard (1...9).contains(digits.count), let number = Int(digits) else { return nil }
        let after = rest.dropFirst(digits.count)
        guard let mark = after.first, mark == "." || mark == ")" else { return nil }
        let text = after.dropFirst()
        guard text.isEmpty || text.first == " " else { return nil }
        return (true, number, indent + digits.count + 2, String(text.drop { $0 == " " }))
    }

    static func isFence(_ line: String) -> Bool {
        let trimmed = line.drop { $0 == " " }
        return indentation(line) < 4 && (trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~"))
    }

    static func tableCells(_ line: String) -> [String] {
        var text = line.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("|") { text.removeFirst() }
        if text.hasSuffix("|") && !text.hasSuffix("\\|") { text.removeLast() }
        var cells: [String] = []
        var current = ""
        var escaped = false
        for character in text {
            if escaped { current.append(character); escaped = false; continue }
            if character == "\\" { escaped = true; current.append(character); continue }
            if character == "|" { cells.append(current.trimmingCharacters(in: .whitespaces)); current = ""; continue }
            current.append(character)
        }
        cells.append(current.trimmingCharacters(in: .whitespaces))
        return cells
    }

    static func alignments(_ line: String) -> [Alignment]? {
        guard line.contains("-"), line.contains("|") || line.contains("-") else { return nil }
        let cells = tableCells(line)
        var out: [Alignment] = []
        for cell in cells {
            let core = cell.trimmingCharacters(in: CharacterSet(charactersIn: ":"))
            guard !core.isEmpty, core.allSatisfy({ $0 == "-" }) else { return nil }
            switch (cell.hasPrefix(":"), cell.hasSuffix(":")) {
            case (true, true): out.append(.center)
            case (true, false): out.append(.left)
            case (false, true): out.append(.right)
            default: out.append(.none)
            }
        }
        return out
    }

    static func blocks(_ lines: ArraySlice<String>, depth: Int) -> [Block] {
        var out: [Block] = []
        var index = lines.startIndex
        var paragraph: [String] = []

        func flushParagraph() {
            guard !paragraph.isEmpty else { return }
            out.append(.paragraph(inlines(paragraph.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n"))))
            paragraph = []
        }

        while index < lines.endIndex {
            let line = lines[index]
            if isBlank(line) { flushParagraph(); index += 1; continue }
            if isFence(line) {
                flushParagraph()
                let fence = String(line.drop { $0 == " " }.prefix(3))
                var code: [String] = []
                index += 1
                while index < lines.endIndex, !lines[index].drop(while: { $0 == " " }).hasPrefix(fence) {
                    code.append(lines[index])
                    index += 1
                }
                index += 1
                out.append(.code(code.joined(separator: "\n")))
                continue
            }
            if let (level, text) = headingLevel(line) {
                flushParagraph()
                out.append(.heading(level: level, inlines(text)))
                index += 1
                continue
            }
            if isRule(line) && paragraph.isEmpty {
                out.append(.rule)
                index += 1
                continue
            }
            if line.drop(while: { $0 == " " }).hasPrefix(">") && indentation(line) < 4 {
                flushParagraph()
                var quoted: [String] = []
                while index < lines.endIndex, !isBlank(lines[index]) {
                    let inner = lines[index].drop { $0 == " " }
                    if inner.hasPrefix(">") {
                        var rest = inner.dropFirst()
                        if rest.first == " " { rest = rest.dropFirst() }
                        quoted.append(String(rest))
                    } else {
                        quoted.append(lines[index])
                    }
                    index += 1
                }
                out.append(depth < maxQuoteDepth ? .quote(blocks(quoted[...], depth: depth + 1)) : .paragraph(inlines(quoted.joined(separator: "\n"))))
                continue
            }
            if paragraph.isEmpty, line.contains("|"), index + 1 < lines.endIndex, let aligns = alignments(lines[index + 1]),
               aligns.count == tableCells(line).count {
                let header = tableCells(line).prefix(maxTableColumns).map { inlines($0) }
                var rows: [[[Inline]]] = []
                index += 2
                while index < lines.endIndex, !isBlank(lines[index]), lines[index].contains("|") {
                    if rows.count < maxTableRows {
                        var cells = tableCells(lines[index]).prefix(header.count).map { inlines($0) }
                        while cells.count < header.count { cells.append([]) }
                        rows.append(cells)
                    }
                    index += 1
                }
                out.append(.table(header: Array(header), alignments: Array(aligns.prefix(header.count)), rows: rows))
                continue
            }
            if let marker = listMarker(line), paragraph.isEmpty || !marker.text.isEmpty {
                flushParagraph()
                var items: [[Block]] = []
                var itemLines: [String] = [marker.text]
                var column = marker.column
                index += 1
                func finishItem() { items.append(blocks(itemLines[...], depth: depth + 1)) }
                while index < lines.endIndex {
                    let next = lines[index]
                    if let nextMarker = listMarker(next), nextMarker.ordered == marker.ordered, indentation(next) < column {
                        finishItem()
                        itemLines = [nextMarker.text]
                        column = nextMarker.column
                        index += 1
                        continue
                    }
                    if isBlank(next) {
                        // A blank line ends the list unless the next line continues the item.
                        if index + 1 < lines.endIndex, indentation(lines[index + 1]) >= column || (listMarker(lines[index + 1])?.ordered == marker.ordered) {
                            itemLines.append("")
                            index += 1
                            continue
                        }
                        break
                    }
                    if indentation(next) >= column {
                        itemLines.append(String(next.dropFirst(min(column, indentation(next)))))
                    } else if listMarker(next) != nil || headingLevel(next) != nil || isFence(next) || isRule(next) {
                        break
                    } else {
                        itemLines.append(next.trimmingCharacters(in: .whitespaces))  // a lazy continuation of the item's paragraph
                    }
                    index += 1
                }
                finishItem()
                out.append(.list(ordered: marker.ordered, start: marker.number, items: items))
                continue
            }
            paragraph.append(line)
            index += 1
        }
        flushParagraph()
        return out
    }

    // MARK: Parsing inlines

    public static func inlines(_ text: String) -> [Inline] {
        var parser = InlineParser(Array(text))
        return parser.parse(until: nil)
    }

    struct InlineParser {
        let characters: [Character]
        var index = 0
        init(_ characters: [Character]) { self.characters = characters }

        mutating func parse(until closer: String?) -> [Inline] {
            var out: [Inline] = []
            var text = ""
            func flush() { if !text.isEmpty { out.append(.text(text)); text = "" } }
            while index < characters.count {
                if let closer, matches(closer) { return out + (text.isEmpty ? [] : [.text(text)]) }
                let c = characters[index]
                switch c {
                case "\\" where index + 1 < characters.count && "\\`*_[]()<>#+-.!|~".contains(characters[index + 1]):
                    text.append(characters[index + 1])
                    index += 2
                case "\n":
                    if text.hasSuffix("  ") {
                        text = String(text.dropLast(2))
                        flush()
                        out.append(.lineBreak)
                    } else {
                        text.append(" ")
                    }
                    index += 1
                case "`":
                    let run = characters[index...].prefix { $0 == "`" }.count
                    let fence = String(repeating: "`", count: run)
                    if let end = find(fence, from: index + run) {
                        flush()
                        out.append(.code(String(characters[(index + run)..<end]).trimmingCharacters(in: .whitespaces)))
                        index = end + run
                    } else {
                        text += fence
                        index += run
                    }
                case "*", "_":
                    let double = index + 1 < characters.count && characters[index + 1] == c
                    let marker = String(repeating: String(c), count: double ? 2 : 1)
                    // Emphasis opens only before text and, for `_`, not inside a word.
                    let opensWord = c == "_" && index > 0 && (characters[index - 1].isLetter || characters[index - 1].isNumber)
                    if !opensWord, index + marker.count < characters.count, characters[index + marker.count] != " ",
                       find(marker, from: index + marker.count) != nil {
                        flush()
                        index += marker.count
                        let inner = parse(until: marker)
                        if matches(marker) {
                            index += marker.count
                            out.append(double ? .strong(inner) : .emphasis(inner))
                        } else {
                            out.append(.text(marker))
                            out += inner
                        }
                    } else {
                        text += marker
                        index += marker.count
                    }
                case "[":
                    if let (label, url, end) = link(at: index) {
                        flush()
                        var inner = InlineParser(label)
                        out.append(.link(text: inner.parse(until: nil), url: url))
                        index = end
                    } else {
                        text.append(c)
                        index += 1
                    }
                case "<":
                    if let end = characters[index...].firstIndex(of: ">"), end - index < 2048 {
                        let inside = String(characters[(index + 1)..<end])
                        if (inside.hasPrefix("https://") || inside.hasPrefix("http://") || inside.hasPrefix("mailto:")) && !inside.contains(" ") {
                            flush()
                            out.append(.link(text: [.text(inside)], url: inside))
                            index = end + 1
                            continue
                        }
                    }
                    text.append(c)
                    index += 1
                default:
                    text.append(c)
                    index += 1
                }
            }
            flush()
            return out
        }

        func matches(_ marker: String) -> Bool {
            let m = Array(marker)
            guard index + m.count <= characters.count else { return false }
            return Array(characters[index..<(index + m.count)]) == m
        }

        func find(_ marker: String, from start: Int) -> Int? {
            let m = Array(marker)
            var i = start
            while i + m.count <= characters.count {
                if Array(characters[i..<(i + m.count)]) == m { return i }
                i += 1
            }
            return nil
        }

        /// `[label](url)` starting at `start`: the label's characters, the url and the index after it.
        func link(at start: Int) -> ([Character], String, Int)? {
            var depth = 0
            var i = start
            while i < characters.count {
                if characters[i] == "[" { depth += 1 } else if characters[i] == "]" { depth -= 1; if depth == 0 { break } }
                i += 1
            }
            guard i < characters.count, i + 1 < characters.count, characters[i + 1] == "(" else { return nil }
            guard let close = characters[(i + 2)...].firstIndex(of: ")") else { return nil }
            let url = String(characters[(i + 2)..<close]).trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
            return (Array(characters[(start + 1)..<i]), url, close + 1)
        }
    }

    // MARK: Rendering

    /// Only these link targets are kept; anything else (javascript:, data:, vbscript:…) becomes plain text.
    public static func safeURL(_ url: String) -> String? {
        let lower = url.lowercased()
        if lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("mailto:") { return url }
        if url.hasPrefix("/") && !url.hasPrefix("//") || url.hasPrefix("#") { return url }
        return nil
    }

    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// The document as HTML. `headingOffset` shifts heading levels (a document inside a page starts at h2).
    public static func html(_ blocks: [Block], headingOffset: Int = 0) -> String {
        blocks.map { html($0, headingOffset: headingOffset) }.joined(separator: "\n")
    }

    public static func html(_ source: String, headingOffset: Int = 0) -> String { html(parse(source), headingOffset: headingOffset) }

    static func html(_ block: Block, headingOffset: Int) -> String {
        switch block {
        case .heading(let level, let content):
            let h = min(6, level + headingOffset)
            return "<h\(h)>\(html(content))</h\(h)>"
        case .paragraph(let content): return "<p>\(html(content))</p>"
        case .list(let ordered, let start, let items):
            let tag = ordered ? "ol" : "ul"
            let open = ordered && start != 1 ? "<ol start=\"\(start)\">" : "<\(tag)>"
            let rendered = items.map { item -> String in
                // A one-paragraph item is written without its <p>.
                if item.count == 1, case .paragraph(let content) = item[0] { return "<li>\(html(content))</li>" }
                return "<li>\(html(item, headingOffset: headingOffset))</li>"
            }
            return open + rendered.joined() + "</\(tag)>"
        case .quote(let inner): return "<blockquote>\(html(inner, headingOffset: headingOffset))</blockquote>"
        case .code(let text): return "<pre><code>\(escape(text))</code></pre>"
        case .table(let header, let alignments, let rows):
            func cell(_ tag: String, _ content: [Inline], _ column: Int) -> String {
                let align = column < alignments.count && alignments[column] != .none ? " style=\"text-align:\(alignments[column].rawValue)\"" : ""
                return "<\(tag)\(align)>\(html(content))</\(tag)>"
            }
            let head = "<thead><tr>" + header.enumerated().map { cell("th", $0.element, $0.offset) }.joined() + "</tr></thead>"
            let body = "<tbody>" + rows.map { row in "<tr>" + row.enumerated().map { cell("td", $0.element, $0.offset) }.joined() + "</tr>" }.joined() + "</tbody>"
            return "<div class=\"table-scroll\"><table>\(head)\(body)</table></div>"
        case .rule: return "<hr>"
        }
    }

    public static func html(_ inlines: [Inline]) -> String {
        inlines.map { inline -> String in
            switch inline {
            case .text(let text): return escape(text)
            case .strong(let inner): return "<strong>\(html(inner))</strong>"
            case .emphasis(let inner): return "<em>\(html(inner))</em>"
            case .code(let text): return "<code>\(escape(text))</code>"
            case .lineBreak: return "<br>"
            case .link(let text, let url):
                guard let safe = safeURL(url) else { return html(text) }
                let external = safe.hasPrefix("http") ? " rel=\"noopener noreferrer nofollow\"" : ""
                return "<a href=\"\(escape(safe))\"\(external)>\(html(text))</a>"
            }
        }.joined()
    }

    /// The words of a document without its marks: for the search index and for previews.
    public static func plainText(_ blocks: [Block]) -> String {
        blocks.map(plainText).joined(separator: "\n")
    }

    static func plainText(_ block: Block) -> String {
        switch block {
        case .heading(_, let content), .paragraph(let content): return plainText(content)
        case .list(_, _, let items): return items.map(plainText).joined(separator: "\n")
        case .quote(let inner): return plainText(inner)
        case .code(let text): return text
        case .table(let header, _, let rows): return ([header] + rows).map { $0.map(plainText).joined(separator: " ") }.joined(separator: "\n")
        case .rule: return ""
        }
    }

    public static func plainText(_ inlines: [Inline]) -> String {
        inlines.map { inline -> String in
            switch inline {
            case .text(let text), .code(let text): return text
            case .strong(let inner), .emphasis(let inner): return plainText(inner)
            case .link(let text, _): return plainText(text)
            case .lineBreak: return "\n"
            }
        }.joined()
    }
}
