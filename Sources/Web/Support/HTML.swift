/// A fragment of HTML. Interpolated strings are escaped; interpolated `HTML` is inserted as is, so
/// markup can only come from code, never from data.
public struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public var rendered: String

    public init(raw: String) { rendered = raw }
    public init(stringLiteral value: String) { rendered = value }
    public init(stringInterpolation: StringInterpolation) { rendered = stringInterpolation.output }

    public static let empty = HTML(raw: "")
    public var description: String { rendered }

    public struct StringInterpolation: StringInterpolationProtocol {
        var output = ""

        public init(literalCapacity: Int, interpolationCount: Int) { output.reserveCapacity(literalCapacity * 2) }
        public mutating func appendLiteral(_ literal: String) { output += literal }
        public mutating func appendInterpolation(_ text: String) { output += HTML.escape(text) }
        public mutating func appendInterpolation(_ text: String?) { if let text { output += HTML.escape(text) } }
        public mutating func appendInterpolation(_ value: Int) { output += String(value) }
        public mutating func appendInterpolation(_ html: HTML) { output += html.rendered }
        public mutating func appendInterpolation(_ html: HTML?) { if let html { output += html.rendered } }
        public mutating func appendInterpolation(_ list: [HTML]) { for item in list { output += item.rendered } }
        public mutating func appendInterpolation<T: CustomStringConvertible>(_ value: T) { output += HTML.escape(value.description) }
    }

    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// `html` when `condition` holds, nothing otherwise.
    public static func when(_ condition: Bool, _ html: @autoclosure () -> HTML) -> HTML { condition ? html() : .empty }
}

extension Array where Element == HTML {
    public func joined() -> HTML { HTML(raw: map(\.rendered).joined()) }
}
