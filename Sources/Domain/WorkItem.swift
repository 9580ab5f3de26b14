import Foundation

/// Something waiting for a person in a workspace: to approve, accept, answer or finish. Every
/// capability contributes its own items to the "my work" page through `WorkItemSource`.
public struct WorkItem: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case approve, accept, answer, verify, finish }

    public var kind: Kind
    /// A message key; `params` fill its placeholders.
    public var titleKey: String
    public var params: [String: String]
    /// A path inside the web app where the item is dealt with.
    public var link: String
    public var due: CalendarDate?

    public init(kind: Kind, titleKey: String, params: [String: String] = [:], link: String, due: CalendarDate? = nil) {
        self.kind = kind
        self.titleKey = titleKey
        self.params = params
        self.link = link
        self.due = due
    }

    /// Overdue first, then by due date, undated last.
    public static func ordered(_ items: [WorkItem]) -> [WorkItem] {
        items.sorted { a, b in
            switch (a.due, b.due) {
            case let (x?, y?): return x == y ? a.titleKey < b.titleKey : x < y
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.titleKey < b.titleKey
            }
        }
    }
}
