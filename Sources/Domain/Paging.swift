import Foundation

/// One page of a list and where the next one starts.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?
    /// How many items the whole list has, when the request asked (`PageRequest.counting`).
    public var total: Int?

    public init(items: [Item], nextCursor: String?, total: Int? = nil) {
        self.items = items
        self.nextCursor = nextCursor
        self.total = total
    }
}

/// How much of a list to return: at most 200 items per page, 50 by default.
public struct PageRequest: Sendable, Equatable {
    public static let maximumLimit = 200
    public static let defaultLimit = 50

    public var limit: Int
    public var cursor: String?
    /// Items to skip when no cursor continues the list: the pages' "page N of M" (the API pages
    /// by cursor only).
    public var offset: Int
    /// Whether the answer states the whole list's length (`Page.total`), which costs a count.
    public var counting: Bool

    public init(limit: Int = PageRequest.defaultLimit, cursor: String? = nil, offset: Int = 0, counting: Bool = false) {
        self.limit = limit
        self.cursor = cursor
        self.offset = max(0, offset)
        self.counting = counting
    }

    /// The rows a query skips: the offset, unless a cursor says where the page starts.
    public var skip: Int? { cursor == nil && offset > 0 ? offset : nil }

    /// A numbered page (1-based) of `limit` items, with the whole list counted.
    public static func numbered(_ number: Int, limit: Int = defaultLimit) -> PageRequest {
        PageRequest(limit: limit, offset: (max(1, number) - 1) * limit, counting: true)
    }

    /// The page `offset` falls on (1-based).
    public var number: Int { offset / max(1, limit) + 1 }

    /// Checks a `limit` and `cursor` from a query string.
    public static func parse(limit: String?, cursor: String?) throws -> PageRequest {
        var v = Validator()
        var value = defaultLimit
        if let limit, !limit.isEmpty {
            if let parsed = Int(limit), (1...maximumLimit).contains(parsed) { value = parsed } else {
                v.add("limit", "error.limit", ["max": String(maximumLimit)])
            }
        }
        if let cursor, !cursor.isEmpty, Cursor.decode(cursor) == nil { v.add("cursor", "error.cursor") }
        try v.check()
        return PageRequest(limit: value, cursor: cursor.flatMap { $0.isEmpty ? nil : $0 })
    }
}

/// An opaque keyset cursor: the sort key and id of the last item shown.
public struct Cursor: Sendable, Equatable {
    public var key: String
    public var id: String

    public init(key: String, id: String) {
        self.key = key
        self.id = id
    }

    public var encoded: String {
        Data("\(key)\u{1f}\(id)".utf8).base64URLEncoded
    }

    public static func decode(_ text: String) -> Cursor? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let string = String(data: data, encoding: .utf8) else { return nil }
        let parts = string.split(separator: "\u{1f}", omittingEmptySubsequences: false)
        guard parts.count == 2, UUID(uuidString: String(parts[1])) != nil else { return nil }
        return Cursor(key: String(parts[0]), id: String(parts[1]))
    }
}
