import Domain
import Foundation
import Storage

/// Who is who, for pages and answers that show people by name: the people a workspace's records
/// name, and its members by e-mail address (forms name people by their address).
public struct People: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    /// The people with these ids (records keep naming people who have since left the workspace).
    public func load(_ access: WorkspaceAccess, _ ids: [User.ID]) async throws -> [User.ID: User] {
        try access.require(.workspaceRead)
        return try await services.store.read { try await $0.users.loadAll(ids) }
    }

    /// The workspace's members by lower-case e-mail address.
    public func byEmail(_ access: WorkspaceAccess) async throws -> [String: User.ID] {
        try access.require(.workspaceRead)
        return try await services.store.read { try await $0.members.emails(in: access.workspaceID) }
    }

    /// The memberships of the person asking, across workspaces (the API's "me").
    public func memberships(of user: User) async throws -> [Member] {
        try await services.store.read { try await $0.members.all(of: user.id) }
    }
}
