import Domain
import Foundation
import Localization
import Storage

/// The asset inventory (A.5.9, A.5.12): everyone reads it; department officers change their
/// department's assets, the secretariat all of them.
public struct Assets: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public func list(_ access: WorkspaceAccess, query: AssetQuery, page: PageRequest) async throws -> Page<Asset> {
        try access.require(.assetsRead)
        return try await services.store.read { try await $0.assets.list(in: access.workspaceID, query: query, page: page) }
    }

    public func count(_ access: WorkspaceAccess, query: AssetQuery) async throws -> Int {
        try access.require(.assetsRead)
        return try await services.store.read { try await $0.assets.count(in: access.workspaceID, query: query) }
    }

    public func load(_ access: WorkspaceAccess, _ id: Asset.ID) async throws -> Asset {
        try access.require(.assetsRead)
        guard let asset = try await services.store.read({ try await $0.assets.load(id, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: "asset")
        }
        return asset
    }

    /// Assets by id, for naming them where only their ids were recorded (the audit trail); nothing
    /// for a person who may not see assets.
    public func loadAll(_ access: WorkspaceAccess, _ ids: [Asset.ID]) async throws -> [Asset.ID: Asset] {
        guard access.allows(.assetsRead), !ids.isEmpty else { return [:] }
        return try await services.store.read { try await $0.assets.loadAll(ids, in: access.workspaceID) }
    }

    /// The asset with this code, if any (codes are typed half- or full-width).
    public func find(_ access: WorkspaceAccess, code: String) async throws -> Asset? {
        try access.require(.assetsRead)
        let text = Text.halfWidth(Text.trimmed(code))
        return try await services.store.read { try await $0.assets.load(code: text, in: access.workspaceID) }
    }

    /// Checks that a person named as owner or custodian belongs to the workspace.
    static func checkPeople(_ input: AssetInput, workspace: Workspace.ID, tx: Writer, into v: inout Validator) async throws {
        for (field, value) in [("ownerId", input.ownerID), ("custodianId", input.custodianID)] {
            guard case .some(.some(let user)) = value else { continue }
            if try await tx.lookups.member(user: user, in: workspace) == nil { v.add(field, "error.notAMember") }
        }
        if case .some(.some(let department)) = input.departmentID, try await tx.lookups.department(department, in: workspace) == nil {
            v.add("departmentId", "error.unknownDepartment")
        }
    }

    /// `unreadable`: fields the form could not read (an unknown e-mail); reported together with
    /// everything the asset's rules find, so a person sees every problem at once.
    public func create(_ access: WorkspaceAccess, _ input: AssetInput, unreadable: [FieldError] = [], context: Context) async throws -> Asset {
        try access.require(.assetsManage)
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            let method = try await tx.riskMethods.current(in: workspace)
            let labels = try await tx.classifications.all(in: workspace)
            var asset = Asset(workspaceID: workspace, code: "", name: "", kind: .information, form: .electronic, createdAt: now, updatedAt: now)
            var v = Validator()
            AssetRules.apply(input, to: &asset, creating: true, method: method, labels: labels, into: &v)
            // Registering an asset is looking at it: it is not "unreviewed" on its first day.
            if asset.lastReviewedOn == nil { asset.lastReviewedOn = access.today }
            try await Self.checkPeople(input, workspace: workspace, tx: tx, into: &v)
            if !access.maySteward(asset.departmentID) { v.add("departmentId", "error.notYourDepartment") }
            if !asset.code.isEmpty, try await tx.assets.load(code: asset.code, in: workspace) != nil { v.add("code", "error.codeTaken", ["value": asset.code]) }
            v.merge(unreadable)
            try v.check()
            try await tx.assets.insert(asset)
            try await tx.record(.change("asset", id: asset.id.description, action: "create", workspace: workspace, before: nil as Asset?, after: asset), context, at: now)
            return asset
        }
    }

    public func update(_ access: WorkspaceAccess, _ id: Asset.ID, _ input: AssetInput, expectedVersion: Int?, unreadable: [FieldError] = [],
                       context: Context) async throws -> Asset {
        try access.require(.assetsManage)
        guard let expectedVersion else { throw DomainError.versionRequired }
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            guard let before = try await tx.assets.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "asset") }
            guard before.version == expectedVersion else { throw DomainError.conflict(entity: "asset", currentVersion: before.version) }
            guard access.maySteward(before.departmentID) else { throw DomainError.forbiddenBecause("error.notYourDepartment") }
            let method = try await tx.riskMethods.current(in: workspace)
            let labels = try await tx.classifications.all(in: workspace)
            var after = before
            var v = Validator()
            AssetRules.apply(input, to: &after, creating: false, method: method, labels: labels, into: &v)
            try await Self.checkPeople(input, workspace: workspace, tx: tx, into: &v)
            if after.departmentID != before.departmentID, !access.maySteward(after.departmentID) { v.add("departmentId", "error.notYourDepartment") }
            if after.code.lowercased() != before.code.lowercased(), let other = try await tx.assets.load(code: after.code, in: workspace), other.id != id {
                v.add("code", "error.codeTaken", ["value": after.code])
            }
            v.merge(unreadable)
            try v.check()
            var comparable = after
            comparable.updatedAt = before.updatedAt
            guard comparable != before else { return before }
            after.updatedAt = now
            let saved = try await tx.assets.update(after)
            try await tx.record(.change("asset", id: id.description, action: "update", workspace: workspace, before: before, after: saved), context, at: now)
            if method != nil, [saved.confidentiality, saved.integrity, saved.availability] != [before.confidentiality, before.integrity, before.availability] {
                try await Self.rescoreRisks(of: saved, tx: tx, context: context, now: now)
            }
            return saved
        }
    }

    /// Risks of draft assessments take the asset's new value (approved assessments keep what was approved).
    static func rescoreRisks(of asset: Asset, tx: Writer, context: Context, now: Date) async throws {
        for before in try await tx.risks.inDrafts(asset: asset.id, workspace: asset.workspaceID) {
            guard let assessment = try await tx.assessments.load(before.assessmentID, in: asset.workspaceID),
                  let method = try await tx.riskMethods.load(assessment.methodID, in: asset.workspaceID), method.usesAssetValue else { continue }
            var after = before
            let value = RiskRules.assetValue(of: asset, affecting: before, method: method)
            after.inherent.assetValue = value
            if method.ratesBeyondAsset(before.residual) { after.residual.assetValue = value }
            RiskRules.score(&after, method: method)
            guard after != before else { continue }
            after.updatedAt = now
            let saved = try await tx.risks.update(after)
            try await tx.record(.change("risk", id: saved.id.description, action: "revalue", workspace: asset.workspaceID, before: before, after: saved), context, at: now)
        }
    }

    /// Records that the asset was looked at today and is still right (A.5.9 asks for an inventory kept current).
    public func markReviewed(_ access: WorkspaceAccess, _ id: Asset.ID, expectedVersion: Int?, context: Context) async throws -> Asset {
        let today = access.today.description
        var version = expectedVersion
        if version == nil { version = try await load(access, id).version }
        return try await update(access, id, AssetInput(lastReviewedOn: today), expectedVersion: version, context: context)
    }

    /// Deletes an asset no risk refers to (otherwise it is retired instead).
    public func delete(_ access: WorkspaceAccess, _ id: Asset.ID, expectedVersion: Int?, context: Context) async throws {
        try access.require(.assetsManage)
        let now = services.now
        let workspace = access.workspaceID
        try await services.store.write { tx in
            guard let before = try await tx.assets.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "asset") }
            if let expectedVersion, before.version != expectedVersion { throw DomainError.conflict(entity: "asset", currentVersion: before.version) }
            guard access.maySteward(before.departmentID) else { throw DomainError.forbiddenBecause("error.notYourDepartment") }
            let risks = try await tx.assets.riskCount(id, in: access.workspaceID)
            if risks > 0 { throw DomainError.rule(code: "error.assetHasRisks", params: ["count": String(risks)]) }
            try await tx.evidence.unlink(EvidenceLink(.asset, id.description), in: workspace)
            try await tx.assets.delete(id, in: workspace)
            try await tx.record(.change("asset", id: id.description, action: "delete", workspace: workspace, before: before, after: nil as Asset?), context, at: now)
        }
    }

    public func classifications(_ access: WorkspaceAccess) async throws -> [ClassificationLabel] {
        try await services.store.read { try await $0.classifications.all(in: access.workspaceID) }
    }
}
