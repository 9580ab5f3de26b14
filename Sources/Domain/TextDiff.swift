import Foundation

/// What changed between two texts, line by line, and inside a changed line character by
/// character — Japanese has no spaces, so words are no unit. Longest common subsequence on lines,
/// then on the characters of each removed line paired with the added line that replaces it.
public enum TextDiff {
    public enum Segment: Sendable, Hashable {
        case same(String), removed(String), added(String)
    }

    public enum Line: Sendable, Hashable {
        case same(String)
        case removed(String)
        case added(String)
        /// A line rewritten: its pieces, kept, removed and added.
        case changed([Segment])
    }

    /// Beyond this many cells of the comparison table a changed region is shown as removed and
    /// added lines without the character detail (two long documents stay cheap to compare).
    static let maxCells = 4_000_000

    public static func lines(_ old: String, _ new: String) -> [Line] {
        let a = split(old), b = split(new)
        var out: [Line] = []
        var removed: [String] = [], added: [String] = []
        func flush() {
            let pairs = min(removed.count, added.count)
            for i in 0..<pairs {
                let chars = characters(removed[i], added[i])
                // Pair the lines only when they still share something; otherwise they are two changes.
                if chars.contains(where: { if case .same(let s) = $0 { return !s.trimmingCharacters(in: .whitespaces).isEmpty }; return false }) {
                    out.append(.changed(chars))
                } else {
                    out.append(.removed(removed[i]))
                    out.append(.added(added[i]))
                }
            }
            out += removed.dropFirst(pairs).map(Line.removed)
            out += added.dropFirst(pairs).map(Line.added)
            removed = []; added = []
        }
        for step in lcs(a, b) {
            switch step {
            case .same(let s): flush(); out.append(.same(s))
            case .removed(let s): removed.append(s)
            case .added(let s): added.append(s)
            }
        }
        flush()
        return out
    }

    public static func characters(_ old: String, _ new: String) -> [Segment] {
        let steps = lcs(Array(old).map(String.init), Array(new).map(String.init))
        var out: [Segment] = []
        for step in steps {
            switch (out.last, step) {
            case (.same(let s)?, .same(let t)): out[out.count - 1] = .same(s + t)
            case (.removed(let s)?, .removed(let t)): out[out.count - 1] = .removed(s + t)
            case (.added(let s)?, .added(let t)): out[out.count - 1] = .added(s + t)
            default: out.append(step)
            }
        }
        return out
    }

    static func split(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The edit script from `a` to `b`: common prefix and suffix first, then a table on the middle.
    static func lcs(_ a: [String], _ b: [String]) -> [Segment] {
        var prefix = 0
        while prefix < a.count && prefix < b.count && a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix && suffix < b.count - prefix && a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        let x = Array(a[prefix..<(a.count - suffix)]), y = Array(b[prefix..<(b.count - suffix)])
        var out: [Segment] = a[..<prefix].map(Segment.same)
        if x.count * y.count > maxCells || x.isEmpty || y.isEmpty {
            out += x.map(Segment.removed) + y.map(Segment.added)
        } else {
            // lengths[i][j]: the common subsequence of x[i...] and y[j...].
            var lengths = [[Int32]](repeating: [Int32](repeating: 0, count: y.count + 1), count: x.count + 1)
            for i in stride(from: x.count - 1, through: 0, by: -1) {
                for j in stride(from: y.count - 1, through: 0, by: -1) {
                    lengths[i][j] = x[i] == y[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
                }
            }
            var i = 0, j = 0
            while i < x.count && j < y.count {
                if x[i] == y[j] { out.append(.same(x[i])); i += 1; j += 1 } else if lengths[i + 1][j] >= lengths[i][j + 1] { out.append(.removed(x[i])); i += 1 } else {
                    out.append(.added(y[j])); j += 1
                }
            }
            out += x[i...].map(Segment.removed) + y[j...].map(Segment.added)
        }
        out += a[(a.count - suffix)...].map(Segment.same)
        return out
    }
}
