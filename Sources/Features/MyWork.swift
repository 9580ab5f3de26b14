import Domain
import Foundation
import Storage

/// Something that knows what awaits a person in a workspace. Each capability adds one; the
/// "my work" page asks them all.
public protocol WorkItemSource: Sendable {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem]
}

public enum MyWork {
    public static let foundationSources: [any WorkItemSource] = [
        TwoStepSignInSource(), WorkspaceProfileSource(), DepartmentsSetupSource(), PendingInvitationsSource(), ExpiringAuditorAccessSource(),
    ] + RiskWork.sources + CheckActWork.sources + [DocumentWorkSource(), TrainingWorkSource(), PlannedActivitiesDueSource()]

    public static func items(for access: WorkspaceAccess, services: AppServices) async throws -> [WorkItem] {
        let now = services.now
        let sources = services.workItemSources
        return try await services.store.read { reader in
            var all: [WorkItem] = []
            for source in sources { all += try await source.items(for: access, reader: reader, now: now) }
            return WorkItem.ordered(all)
        }
    }
}

/// Everyone: protect the account with a second factor.
struct TwoStepSignInSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        access.user.totpEnabled ? [] : [WorkItem(kind: .finish, titleKey: "work.enableTwoStep", link: "/account#two-step")]
    }
}

/// Secretariat: the scope statement (4.3) is the first thing an auditor reads.
struct WorkspaceProfileSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        guard access.allows(.workspaceManage) else { return [] }
        var items: [WorkItem] = []
        if access.workspace.scopeStatement == nil {
            items.append(WorkItem(kind: .finish, titleKey: "work.writeScope", link: "/w/\(access.workspace.slug)/settings"))
        }
        if access.workspace.organizationName == nil {
            items.append(WorkItem(kind: .finish, titleKey: "work.organizationName", link: "/w/\(access.workspace.slug)/settings"))
        }
        return items
    }
}

/// Secretariat: departments come before members, assets and risks.
struct DepartmentsSetupSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        guard access.allows(.membersManage) else { return [] }
        return try await reader.departments.count(in: access.workspaceID) == 0
            ? [WorkItem(kind: .finish, titleKey: "work.createDepartments", link: "/w/\(access.workspace.slug)/departments")] : []
    }
}

/// Secretariat: invitations nobody has accepted yet, due when they expire.
struct PendingInvitationsSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        guard access.allows(.membersManage) else { return [] }
        let links = try await reader.links.open(purpose: .invitation, workspace: access.workspaceID, at: now)
        let users = try await reader.users.loadAll(links.compactMap(\.userID))
        return links.compactMap { link in
            guard let user = link.userID.flatMap({ users[$0] }), !user.hasPassword else { return nil }
            return WorkItem(kind: .answer, titleKey: "work.invitationPending", params: ["email": user.email],
                            link: "/w/\(access.workspace.slug)/members?q=\(user.email.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")",
                            due: CalendarDate(link.expiresAt, in: access.workspace.zone))
        }
    }
}

/// Secretariat: external auditors whose access ends within two weeks.
struct ExpiringAuditorAccessSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        guard access.allows(.membersManage) else { return [] }
        let horizon = access.today.adding(days: 14)
        return try await reader.members.all(holding: .externalAuditor, in: access.workspaceID).compactMap { member in
            guard let expiry = member.grants.first(where: { $0.role == .externalAuditor })?.expiresOn,
                  expiry >= access.today, expiry <= horizon else { return nil }
            return WorkItem(kind: .finish, titleKey: "work.auditorAccessEnds", params: ["name": member.displayName],
                            link: "/w/\(access.workspace.slug)/members/\(member.id)", due: expiry)
        }
    }
}
