import Foundation

/// Who made a change: a signed-in person, a person through an API token, the operator at the
/// command line, or the system itself (e.g. first-run setup).
public struct Actor: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case user, apiToken, cli, system }

    public var kind: Kind
    public var userID: User.ID?
    public var tokenID: ApiToken.ID?
    /// What the trail shows: the person's e-mail, or the operator's login for the CLI.
    public var label: String

    public init(kind: Kind, userID: User.ID? = nil, tokenID: ApiToken.ID? = nil, label: String) {
        self.kind = kind
        self.userID = userID
        self.tokenID = tokenID
        self.label = label
    }

    public static func user(_ user: User) -> Actor { Actor(kind: .user, userID: user.id, label: user.email) }
    public static func token(_ token: ApiToken.ID, of user: User) -> Actor { Actor(kind: .apiToken, userID: user.id, tokenID: token, label: user.email) }
    public static func cli(operator name: String) -> Actor { Actor(kind: .cli, label: "cli:\(name)") }
    public static let system = Actor(kind: .system, label: "system")
}

/// A bearer token for the API. Only its SHA-256 is stored; the secret is shown once.
public struct ApiToken: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<ApiToken>

    public var id: ID
    public var userID: User.ID
    public var name: String
    /// When set, the token works only in this workspace.
    public var workspaceID: Workspace.ID?
    /// The first characters of the secret, so a person can tell tokens apart.
    public var prefix: String
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public init(id: ID = ID(), userID: User.ID, name: String, workspaceID: Workspace.ID?, prefix: String,
                createdAt: Date, lastUsedAt: Date? = nil, revokedAt: Date? = nil) {
        self.id = id
        self.userID = userID
        self.name = name
        self.workspaceID = workspaceID
        self.prefix = prefix
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    public static let secretPrefix = "mgr_"
}
