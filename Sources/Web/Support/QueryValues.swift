import Foundation
import Vapor

extension Request {
    /// A query-string parameter (its last value when repeated, `+` as a space, percent-decoded), the
    /// same as Vapor's `query[String.self, at:]` for the flat names Meguri uses. The query string is
    /// parsed once per request: Vapor's decoder parses all of it again at every call, which was a
    /// tenth of a ten-row list request's CPU (`perf`, issue 20).
    func queryValue(_ name: String) -> String? {
        if let values = storage[QueryValuesKey.self] { return values[name] }
        let values = QueryValues.parse(url.query)
        storage[QueryValuesKey.self] = values
        return values[name]
    }
}

private struct QueryValuesKey: StorageKey {
    typealias Value = [String: String]
}

enum QueryValues {
    static func parse(_ query: String?) -> [String: String] {
        guard let query, !query.isEmpty else { return [:] }
        var values: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(parts[0])
            guard !key.isEmpty else { continue }
            values[key] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return values
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.contains("+") ? text.replacingOccurrences(of: "+", with: " ") : String(text)
        guard spaced.contains("%") else { return spaced }
        return spaced.removingPercentEncoding ?? spaced
    }
}
