import Foundation

/// The two languages every screen, message and export is written in.
public enum Language: String, Sendable, Codable, CaseIterable {
    case ja, en

    /// Picks the first supported language from an `Accept-Language` header; Japanese when it is preferred.
    public static func negotiate(acceptLanguage header: String?) -> Language {
        guard let header, !header.isEmpty else { return .en }
        let ranked = header.split(separator: ",").enumerated().compactMap { index, part -> (String, Double, Int)? in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first, !tag.isEmpty else { return nil }
            var quality = 1.0
            for parameter in pieces.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            return (tag.lowercased(), quality, index)
        }
        .filter { $0.1 > 0 }
        .sorted { $0.1 == $1.1 ? $0.2 < $1.2 : $0.1 > $1.1 }
        for (tag, _, _) in ranked {
            let primary = tag.split(separator: "-").first.map(String.init) ?? tag
            if let language = Language(rawValue: primary) { return language }
        }
        return .en
    }
}
