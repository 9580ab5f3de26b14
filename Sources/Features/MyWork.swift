import Domain
import Foundation
import Storage
import Synchronization

/// Reads every member's "my work" shares while the notification scan runs it for each member of
/// a workspace (the published documents, the open campaigns, the planned activities…): made once
/// per scan instead of once per person. Outside a scan it only runs the read.
public final class WorkReadMemo: Sendable {
    private let values = Mutex<[String: any Sendable]>([:])
    @TaskLocal static var current: WorkReadMemo?

    public init() {}

    /// The value of `load`, shared under `key` for the rest of the scan (keys name the workspace).
    static func shared<T: Sendable>(_ key: String, _ load: () async throws -> T) async throws -> T {
        guard let memo = current else { return try await load() }
        if let value = memo.values.withLock({ $0[key] }) as? T { return value }
        let value = try await load()
        memo.values.withLock { $0[key] = value }
        return value
    }
}

/// Something that knows what awaits a person in a workspace. Each capability adds one; the
/// "my work" page asks them all.
public protocol WorkItemSource: Sendable {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem]
}

public enum MyWork {
    public static let foundationSources: [any WorkItemSource] = [
        TwoStepSignInSource(), WorkspaceProfileSource(), SetupGuideSource(), PendingInvitationsSource(), ExpiringAuditorAccessSource(),
    ] + RiskWork.sources + CheckActWork.sources + [DocumentWorkSource(), TrainingWorkSource(), PlannedActivitiesDueSource()]

    /// The person's work, asking every source (18–29 ms for the secretariat of the enterprise
    /// workspace); kept until this process's next write or 30 s, so going back to
    /// the home page between pages does not ask again (ADR 0018). What the sources see of the
    /// person — roles, departments, second factor — changes only by a write.
    public static func items(for access: WorkspaceAccess, services: AppServices) async throws -> [WorkItem] {
        try await services.workItems.value("\(access.workspaceID)|\(access.user.id)|\(access.today)", services: services) {
            let now = services.now
            let sources = services.workItemSources
            return try await services.store.read { reader in
                var all: [WorkItem] = []
                for source in sources { all += try await source.items(for: access, reader: reader, now: now) }
                return WorkItem.ordered(all)
            }
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

/// Secretariat: the order a certified organization moves its ISMS in — departments, members,
/// assets, the risk method, the assessment, the SoA, objectives, the audit programme, the review.
/// One line: the first step the records show is not done yet, with how far along the setup is;
/// nothing once every step is done.
struct SetupGuideSource: WorkItemSource {
    static let steps = ["departments", "members", "assets", "riskMethod", "riskAssessment", "soa", "objectives", "auditProgramme", "managementReview"]

    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        guard access.allows(.workspaceManage) else { return [] }
        let w = access.workspaceID
        let slug = access.workspace.slug
        func done(_ step: String) async throws -> Bool {
            switch step {
            case "departments": return try await reader.departments.count(in: w) > 0
            case "members": return try await reader.members.count(in: w) > 1
            case "assets": return try await reader.assets.count(in: w, query: AssetQuery()) > 0
            case "riskMethod": return try await reader.riskMethods.current(in: w) != nil
            case "riskAssessment": return try await reader.assessments.latest(in: w) != nil
            case "soa": return try await !reader.soa.versions(in: w).isEmpty
            case "objectives": return try await !reader.objectives.list(in: w, query: ObjectiveQuery(), page: PageRequest(limit: 1)).items.isEmpty
            case "auditProgramme": return try await reader.checkAct.programmes.count(in: w) > 0
            default: return try await reader.checkAct.reviews.count(in: w) > 0
            }
        }
        let links = ["departments": "/departments", "members": "/members/new", "assets": "/assets", "riskMethod": "/risk-method", "riskAssessment": "/risk-assessments",
                     "soa": "/soa", "objectives": "/objectives", "auditProgramme": "/audit-programmes", "managementReview": "/management-reviews"]
        for (index, step) in Self.steps.enumerated() where !(try await done(step)) {
            return [WorkItem(kind: .finish, titleKey: "work.setup.\(step)", params: ["step": String(index + 1), "total": String(Self.steps.count)],
                             link: "/w/\(slug)\(links[step]!)")]
        }
        return []
    }
}

/// Secretariat: invitations nobody has accepted yet, due when they expire.
struct PendingInvitationsSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        guard access.allows(.membersManage) else { return [] }
        let links = try await reader.links.open(purpose: .invitation, workspace: access.workspaceID, at: now)
        let users = try await reader.users.loadAll(links.compactMap(\.userID))
        let pending = links.compactMap { link -> (User, OneTimeLink)? in
            guard let user = link.userID.flatMap({ users[$0] }), !user.hasPassword else { return nil }
            return (user, link)
        }
        guard let first = pending.min(by: { $0.1.expiresAt < $1.1.expiresAt }) else { return [] }
        let due = CalendarDate(first.1.expiresAt, in: access.workspace.zone)
        // One line however many are waiting: a company inviting sixty people needs no sixty lines.
        if pending.count == 1 {
            return [WorkItem(kind: .finish, titleKey: "work.invitationPending", params: ["email": first.0.email],
                             link: "/w/\(access.workspace.slug)/members?q=\(first.0.email.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")", due: due)]
        }
        return [WorkItem(kind: .finish, titleKey: "work.invitationsPending", params: ["count": String(pending.count)], link: "/w/\(access.workspace.slug)/members", due: due)]
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
