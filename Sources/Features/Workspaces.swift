import Domain
import Foundation
import Storage

/// Creating and describing workspaces (one ISMS each).
public struct Workspaces: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    /// Only an installation administrator creates workspaces. When `secretariat` is given, that
    /// person joins as the first secretariat member.
    public func create(_ input: WorkspaceInput, by user: User, context: Context) async throws -> Workspace {
        guard user.isAdministrator || context.actor.kind == .cli else { throw DomainError.forbidden }
        let now = services.now
        let workspace = try Workspace.create(input, now: now)
        return try await services.store.write { tx in
            if try await tx.workspaces.slugExists(workspace.slug) { throw DomainError.invalid(field: "slug", code: "error.slugTaken") }
            try await tx.workspaces.insert(workspace)
            try await tx.record(.change("workspace", id: workspace.id.description, action: "create", workspace: workspace.id,
                                        before: nil as Workspace?, after: workspace), context, at: now)
            try await RiskSetup.seed(workspace.id, tx: tx, services: services, context: context, now: now)
            try await Training.seed(workspace.id, tx: tx, services: services, context: context, now: now)
            return workspace
        }
    }

    /// Creates a workspace from the command line (no signed-in person).
    public func createFromCLI(_ input: WorkspaceInput, context: Context) async throws -> Workspace {
        let now = services.now
        let workspace = try Workspace.create(input, now: now)
        return try await services.store.write { tx in
            if try await tx.workspaces.slugExists(workspace.slug) { throw DomainError.invalid(field: "slug", code: "error.slugTaken") }
            try await tx.workspaces.insert(workspace)
            try await tx.record(.change("workspace", id: workspace.id.description, action: "create", workspace: workspace.id,
                                        before: nil as Workspace?, after: workspace), context, at: now)
            try await RiskSetup.seed(workspace.id, tx: tx, services: services, context: context, now: now)
            try await Training.seed(workspace.id, tx: tx, services: services, context: context, now: now)
            return workspace
        }
    }

    /// Changes the profile. `expectedVersion` is the version the person saw; a newer one means
    /// someone else saved in between, and nothing is overwritten.
    public func update(_ access: WorkspaceAccess, _ input: WorkspaceInput, expectedVersion: Int?, context: Context) async throws -> Workspace {
        try access.require(.workspaceManage)
        guard let expectedVersion else { throw DomainError.versionRequired }
        let now = services.now
        let id = access.workspace.id
        let slug = access.workspace.slug
        return try await services.store.write { tx in
            guard let before = try await tx.workspaces.load(slug: slug, forUpdate: true), before.id == id else { throw DomainError.notFound(entity: "workspace") }
            guard before.version == expectedVersion else { throw DomainError.conflict(entity: "workspace", currentVersion: before.version) }
            let changed = try before.updated(with: input, now: now)
            var comparable = changed
            comparable.updatedAt = before.updatedAt
            guard comparable != before else { return before }
            let after = try await tx.workspaces.update(changed)
            try await tx.record(.change("workspace", id: id.description, action: "update", workspace: id, before: before, after: after), context, at: now)
            return after
        }
    }

    public func load(slug: String) async throws -> Workspace? {
        try await services.store.read { try await $0.workspaces.load(slug: slug) }
    }
}
