import Domain
import Foundation
import Storage

/// What the risk pages show beside a list of risks: their assets, the people they name and the
/// threat and vulnerability entries, read together.
public struct RiskLookups: Sendable {
    public var assets: [Asset.ID: Asset]
    public var people: [User.ID: User]
    public var entries: [CatalogEntry.ID: CatalogEntry]

    public func asset(_ id: Asset.ID?) -> Asset? { id.flatMap { assets[$0] } }
    public func person(_ id: User.ID?) -> User? { id.flatMap { people[$0] } }
    public func entry(_ id: CatalogEntry.ID?) -> CatalogEntry? { id.flatMap { entries[$0] } }
}

extension Risks {
    /// The assets, people (owners, acceptors and `also`) and catalog entries of these risks.
    public func lookups(_ access: WorkspaceAccess, _ risks: [Risk], also: [User.ID] = []) async throws -> RiskLookups {
        try access.require(.risksRead)
        let workspace = access.workspaceID
        return try await services.store.read { db in
            let entries = try await db.catalogEntries.all(.threat, in: workspace) + db.catalogEntries.all(.vulnerability, in: workspace)
            return RiskLookups(assets: try await db.assets.loadAll(risks.compactMap(\.assetID), in: workspace),
                               people: try await db.users.loadAll(risks.compactMap(\.ownerID) + risks.compactMap(\.acceptedBy) + also),
                               entries: Dictionary(uniqueKeysWithValues: entries.map { ($0.id, $0) }))
        }
    }

    /// Every risk of an assessment, in code order (the printable report).
    public func all(_ access: WorkspaceAccess, assessment: RiskAssessment.ID) async throws -> [Risk] {
        try access.require(.risksRead)
        return try await services.store.read { try await $0.risks.all(in: assessment, workspace: access.workspaceID) }
    }
}

extension TreatmentActions {
    /// The owners and risks these treatment actions name.
    public func lookups(_ access: WorkspaceAccess, _ actions: [TreatmentAction]) async throws -> (people: [User.ID: User], risks: [Risk.ID: Risk]) {
        try access.require(.risksRead)
        return try await services.store.read { db in
            (try await db.users.loadAll(actions.compactMap(\.ownerID)), try await db.risks.loadAll(actions.flatMap(\.riskIDs), in: access.workspaceID))
        }
    }
}

extension RiskAssessments {
    /// The newest assessment of the workspace, if there is one.
    public func latest(_ access: WorkspaceAccess) async throws -> RiskAssessment? {
        try access.require(.workspaceRead)
        return try await services.store.read { try await $0.assessments.latest(in: access.workspaceID) }
    }
}

extension Objectives {
    /// One measurement (to find its objective).
    public func measurement(_ access: WorkspaceAccess, _ id: ObjectiveMeasurement.ID) async throws -> ObjectiveMeasurement {
        try access.require(.workspaceRead)
        guard let measurement = try await services.store.read({ try await $0.objectives.measurement(id, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: "measurement")
        }
        return measurement
    }
}

extension People {
    /// An account by e-mail address (the audit trail's filter by person).
    public func find(_ access: WorkspaceAccess, email: String) async throws -> User? {
        try access.require(.auditTrailRead)
        return try await services.store.read { try await $0.users.load(email: email) }
    }
}
