import Domain
import Foundation
import Localization
import Storage

/// Secret calendar addresses (RFC 5545 feeds): a person's own dated items across the workspaces
/// they belong to, and, for those who keep the plan, a workspace's whole plan. The address is the
/// only key; revoking it makes the next request create another.
public struct CalendarFeeds: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    /// The person's own feed token, made on first request.
    public func personal(_ user: User) async throws -> String {
        try await token(user: user.id, workspace: nil)
    }

    /// The workspace's plan feed token of this person (who must keep the plan).
    public func workspace(_ access: WorkspaceAccess) async throws -> String {
        try access.require(.planManage)
        return try await token(user: access.user.id, workspace: access.workspaceID)
    }

    func token(user: User.ID, workspace: Workspace.ID?) async throws -> String {
        // Read first: pages that show the address must not take the write lock on every view.
        if let feed = try await services.store.read({ try await $0.calendarFeeds.load(user: user, workspace: workspace) }) { return feed.token }
        let now = services.now
        return try await services.store.write { tx in
            if let feed = try await tx.calendarFeeds.load(user: user, workspace: workspace) { return feed.token }
            let feed = CalendarFeed(token: Secret.random(bytes: 24), userID: user, workspaceID: workspace, createdAt: now)
            try await tx.calendarFeeds.insert(feed)
            return feed.token
        }
    }

    /// Revokes the person's feed (theirs, or the workspace's when `access` is given): the old
    /// address stops working at once. Recorded in the audit trail.
    public func revoke(_ user: User, access: WorkspaceAccess? = nil, context: Context) async throws {
        if let access { try access.require(.planManage) }
        let now = services.now
        try await services.store.write { tx in
            try await tx.calendarFeeds.delete(user: user.id, workspace: access?.workspaceID)
            try await tx.record(.change("calendar_feed", id: user.id.description, action: "revoke", workspace: access?.workspaceID,
                                        before: nil as String?, after: access == nil ? "me" : "workspace"), context, at: now)
        }
    }

    /// The feed behind a token as iCalendar text, or nil when the token is unknown or its holder
    /// may no longer see what it shows. Summaries in the holder's language; links absolute.
    /// The feed behind a token as iCalendar text, or nil for an unknown token. Kept until this
    /// process's next write or 30 s (ADR 0018): calendar clients poll, and the workspace's whole
    /// plan answered 20 requests a second at 8 connections on the enterprise workspace before.
    public func render(token: String, baseURL: String) async throws -> String? {
        guard token.count >= 20, token.count <= 64 else { return nil }
        return try await services.feedTexts.value("\(Secret.hash(token))|\(baseURL)", services: services) {
            try await compose(token: token, baseURL: baseURL)
        }
    }

    private func compose(token: String, baseURL: String) async throws -> String? {
        guard let feed = try await services.store.read({ try await $0.calendarFeeds.load(token: token) }),
              let user = try await services.store.read({ try await $0.users.load(feed.userID) }) else { return nil }
        let language = user.language ?? .ja
        let l = services.localizer
        var events: [ICalendar.Event] = []
        let workspaces: [Workspace]
        if let id = feed.workspaceID {
            guard let w = try await services.store.read({ try await $0.workspaces.load(id) }) else { return nil }
            workspaces = [w]
        } else {
            workspaces = try await Access.workspaces(of: user, services: services)
        }
        for workspace in workspaces {
            guard let access = try? await Access.resolve(user, slug: workspace.slug, services: services) else {
                if feed.workspaceID != nil { return nil }
                continue
            }
            if feed.workspaceID != nil && !access.allows(.planManage) { return nil }
            let allowed = PlanRules.window(today: access.today, startMonth: workspace.fiscalYearStartMonth)
            let window = max(allowed.lowerBound, access.today.adding(days: -120))...min(allowed.upperBound, access.today.adding(days: 400))
            let items = try await services.store.read { reader in
                try await AnnualPlan(services).collect(access, PlanQuery(from: window.lowerBound, to: window.upperBound,
                                                                         ownerID: feed.workspaceID == nil ? user.id : nil), reader: reader)
            }
            let prefix = workspaces.count > 1 ? "[\(workspace.name)] " : ""
            events += items.map { item in
                ICalendar.Event(uid: "\(item.source.replacingOccurrences(of: ":", with: "-"))-\(item.date)@\(workspace.slug).meguri",
                                date: item.date, summary: prefix + AnnualPlan.label(item, language: language, localizer: l),
                                description: l.text("annual.status.\(item.status.rawValue)", language) + " · " + l.text("phase.\(item.phase.rawValue)", language),
                                url: baseURL + item.link, status: item.status == .skipped ? "CANCELLED" : "CONFIRMED")
            }
        }
        let name = feed.workspaceID == nil ? l.text("calendar.personalName", language, ["name": user.displayName])
            : l.text("calendar.workspaceName", language, ["name": workspaces.first?.name ?? ""])
        return ICalendar.document(name: name, events: events, stamp: services.now)
    }
}

extension AnnualPlan {
    /// What a person reads for an item: its kind and its title, in their language.
    public static func label(_ item: PlanItem, language: Language, localizer l: Localizer) -> String {
        switch item.kind {
        case .assetReview: return l.text("annual.label.assetReview", language, ["count": item.title])
        case .soaApproval: return l.text("annual.label.soaApproval", language, ["version": item.title])
        case .auditorAccess: return l.text("annual.label.auditorAccess", language, ["name": item.title])
        default: return l.text("annual.kind.\(item.kind.rawValue)", language) + ": " + item.title
        }
    }
}
