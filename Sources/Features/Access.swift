import Domain
import Foundation
import Storage

/// Proof that a person may act in a workspace, and with which permissions. Only `Access.resolve`
/// makes one, so a use case that takes it cannot run for an outsider.
public struct WorkspaceAccess: Sendable {
    public let workspace: Workspace
    public let user: User
    /// `nil` for an installation administrator who is not a member.
    public let member: Member?
    public let permissions: Set<Permission>
    /// Today in the workspace's time zone.
    public let today: CalendarDate

    public func allows(_ permission: Permission) -> Bool { permissions.contains(permission) }

    public func require(_ permission: Permission) throws {
        guard allows(permission) else { throw DomainError.forbidden }
    }

    public var workspaceID: Workspace.ID { workspace.id }

    /// The secretariat (and installation administrators) act for every department.
    public var actsForAllDepartments: Bool {
        user.isAdministrator || (member?.holds(.secretariat, on: today) ?? false)
    }

    /// The departments a department officer acts for.
    public var officerDepartments: Set<Department.ID> {
        Set(member?.grants.filter { $0.role == .departmentOfficer && $0.isActive(on: today) }.compactMap(\.departmentID) ?? [])
    }

    /// Whether this person may change records of `department` (an asset's, a risk's asset's).
    public func maySteward(_ department: Department.ID?) -> Bool {
        if actsForAllDepartments { return true }
        guard let department else { return false }
        return officerDepartments.contains(department)
    }
}

public enum Access {
    /// Resolves a person's access to the workspace `slug`. A workspace they do not belong to looks
    /// the same as one that does not exist; a member whose every role has expired is refused.
    /// `tokenWorkspace` narrows an API token to one workspace.
    public static func resolve(_ user: User, slug: String, tokenWorkspace: Workspace.ID? = nil, services: AppServices) async throws -> WorkspaceAccess {
        try await services.store.read { db in
            guard let workspace = try await db.workspaces.load(slug: slug) else { throw DomainError.notFound(entity: "workspace") }
            if let tokenWorkspace, tokenWorkspace != workspace.id { throw DomainError.notFound(entity: "workspace") }
            let member = try await db.members.load(user: user.id, in: workspace.id)
            guard member != nil || user.isAdministrator else { throw DomainError.notFound(entity: "workspace") }
            let today = CalendarDate(services.now, in: workspace.zone)
            let permissions = AccessPolicy.permissions(grants: member?.grants ?? [], isAdministrator: user.isAdministrator, on: today)
            guard !permissions.isEmpty else { throw DomainError.forbiddenBecause("error.accessExpired") }
            return WorkspaceAccess(workspace: workspace, user: user, member: member, permissions: permissions, today: today)
        }
    }

    /// The workspaces a person can open (administrators: all of them).
    public static func workspaces(of user: User, services: AppServices) async throws -> [Workspace] {
        try await services.store.read { db in
            user.isAdministrator ? try await db.workspaces.all() : try await db.workspaces.all(memberOf: user.id)
        }
    }
}

extension Access {
    /// The command line's access to a workspace: the operator acts with the secretariat's rights,
    /// as a person who is nobody's member (the audit trail records the CLI actor).
    public static func operatorAccess(slug: String, services: AppServices) async throws -> WorkspaceAccess {
        guard let workspace = try await services.store.read({ try await $0.workspaces.load(slug: slug) }) else {
            throw DomainError.notFound(entity: "workspace")
        }
        let now = services.now
        let operatorUser = User(id: User.ID(UUID(uuidString: "00000000-0000-0000-0000-000000000000")!), email: "cli", displayName: "operator",
                                isAdministrator: true, createdAt: now, updatedAt: now)
        return WorkspaceAccess(workspace: workspace, user: operatorUser, member: nil,
                               permissions: AccessPolicy.permissions(grants: [], isAdministrator: true, on: CalendarDate(now, in: workspace.zone)),
                               today: CalendarDate(now, in: workspace.zone))
    }
}
