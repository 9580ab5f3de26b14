import Domain
import Foundation
import Storage

/// Ratings as typed: each level may be missing. Which count depends on the method's formula.
public struct RatingInput: Sendable, Codable, Equatable {
    public var assetValue: Int?
    public var threat: Int?
    public var vulnerability: Int?
    public var likelihood: Int?
    public var impact: Int?

    public init(assetValue: Int? = nil, threat: Int? = nil, vulnerability: Int? = nil, likelihood: Int? = nil, impact: Int? = nil) {
        self.assetValue = assetValue
        self.threat = threat
        self.vulnerability = vulnerability
        self.likelihood = likelihood
        self.impact = impact
    }

    var rating: RiskRating { RiskRating(assetValue: assetValue, threat: threat, vulnerability: vulnerability, likelihood: likelihood, impact: impact) }
}

/// What a person typed about a risk. `nil` keeps a field; for the double optionals, `.some(nil)` clears it.
public struct RiskInput: Sendable, Codable, Equatable {
    public var code: String?
    public var assetID: Asset.ID??
    public var threatID: CatalogEntry.ID??
    public var vulnerabilityID: CatalogEntry.ID??
    public var scenario: String?
    public var affectsConfidentiality: Bool?
    public var affectsIntegrity: Bool?
    public var affectsAvailability: Bool?
    public var inherent: RatingInput?
    public var residual: RatingInput?
    public var ownerID: User.ID??
    /// A treatment's key or its Japanese or English name; empty clears.
    public var treatment: String?
    public var treatmentReason: String?
    public var controls: [String]?

    public init(code: String? = nil, assetID: Asset.ID?? = nil, threatID: CatalogEntry.ID?? = nil, vulnerabilityID: CatalogEntry.ID?? = nil,
                scenario: String? = nil, affectsConfidentiality: Bool? = nil, affectsIntegrity: Bool? = nil, affectsAvailability: Bool? = nil,
                inherent: RatingInput? = nil, residual: RatingInput? = nil, ownerID: User.ID?? = nil, treatment: String? = nil,
                treatmentReason: String? = nil, controls: [String]? = nil) {
        self.code = code
        self.assetID = assetID
        self.threatID = threatID
        self.vulnerabilityID = vulnerabilityID
        self.scenario = scenario
        self.affectsConfidentiality = affectsConfidentiality
        self.affectsIntegrity = affectsIntegrity
        self.affectsAvailability = affectsAvailability
        self.inherent = inherent
        self.residual = residual
        self.ownerID = ownerID
        self.treatment = treatment
        self.treatmentReason = treatmentReason
        self.controls = controls
    }

    /// Whether anything that decides the assessment of the risk changes (then an earlier acceptance no longer holds).
    var touchesAssessment: Bool {
        assetID != nil || threatID != nil || vulnerabilityID != nil || scenario != nil || affectsConfidentiality != nil || affectsIntegrity != nil
            || affectsAvailability != nil || inherent != nil || residual != nil || ownerID != nil || treatment != nil || controls != nil
    }
}

public enum RiskNames {
    public static let treatments = ChoiceNames<RiskTreatment>([
        .modify: ["低減", "Modify", "Reduce", "低減（修正）"], .retain: ["保有", "受容", "Retain", "Accept", "保有（受容）"],
        .avoid: ["回避", "Avoid"], .share: ["共有", "移転", "Share", "Transfer", "共有（移転）"],
    ])
}

/// The risks of an assessment (6.1.2 c–e, 8.2). Changed only while the assessment is a draft;
/// department officers change the risks of their department's assets.
public struct Risks: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public func list(_ access: WorkspaceAccess, assessment: RiskAssessment.ID, query: RiskQuery, page: PageRequest) async throws -> Page<Risk> {
        try access.require(.risksRead)
        return try await services.store.read { db in
            try await db.risks.list(in: assessment, workspace: access.workspaceID, query: try await Self.withAxes(query, assessment, access, db), page: page)
        }
    }

    public func count(_ access: WorkspaceAccess, assessment: RiskAssessment.ID, query: RiskQuery) async throws -> Int {
        try access.require(.risksRead)
        return try await services.store.read { db in
            try await db.risks.count(in: assessment, workspace: access.workspaceID, query: try await Self.withAxes(query, assessment, access, db))
        }
    }

    /// A heat-map cell means the axes of the assessment's method (a product of chosen factors has its own).
    static func withAxes(_ query: RiskQuery, _ assessment: RiskAssessment.ID, _ access: WorkspaceAccess, _ db: Reader) async throws -> RiskQuery {
        guard var cell = query.cell, cell.xFactors == nil, let found = try await db.assessments.load(assessment, in: access.workspaceID),
              let method = try await db.riskMethods.load(found.methodID, in: access.workspaceID) else { return query }
        (cell.xFactors, cell.yFactor) = HeatMap.axes(method)
        var query = query
        query.cell = cell
        return query
    }

    public func load(_ access: WorkspaceAccess, _ id: Risk.ID) async throws -> Risk {
        try access.require(.risksRead)
        guard let risk = try await services.store.read({ try await $0.risks.load(id, in: access.workspaceID) }) else { throw DomainError.notFound(entity: "risk") }
        return risk
    }

    /// Whether this person may change this risk: the secretariat always, an officer when the risk's
    /// asset is in their department.
    static func maySteward(_ access: WorkspaceAccess, _ risk: Risk, tx: Writer) async throws -> Bool {
        if access.actsForAllDepartments { return true }
        guard let assetID = risk.assetID, let asset = try await tx.assets.load(assetID, in: access.workspaceID) else { return false }
        return access.maySteward(asset.departmentID)
    }

    /// Applies input to a risk and scores it. Errors name the field.
    static func apply(_ input: RiskInput, to risk: inout Risk, method: RiskMethod, access: WorkspaceAccess, catalog: ReferenceCatalog, tx: Writer,
                      row: Int? = nil) async throws {
        var v = Validator(row: row)
        let workspace = access.workspaceID
        if let code = input.code {
            let text = v.required(Text.halfWidth(code), "code", maxLength: 30)
            if !text.isEmpty {
                if !AssetRules.validCode(text) { v.add("code", "error.assetCode") }
                if let other = try await tx.risks.load(code: text, in: risk.assessmentID, workspace: risk.workspaceID), other.id != risk.id { v.add("code", "error.codeTaken", ["value": text]) }
            }
            risk.code = text
        }
        var asset: Asset? = nil
        if let assetID = input.assetID { risk.assetID = assetID }
        if let assetID = risk.assetID {
            asset = try await tx.assets.load(assetID, in: workspace)
            if asset == nil { v.add("assetId", "error.unknownAsset") }
        }
        for (field, value, kind) in [("threatId", input.threatID, CatalogEntry.Kind.threat), ("vulnerabilityId", input.vulnerabilityID, .vulnerability)] {
            guard let value else { continue }
            if let id = value {
                guard let entry = try await tx.catalogEntries.load(id, in: workspace), entry.kind == kind else {
                    v.add(field, "error.unknownEntry")
                    continue
                }
                if kind == .threat { risk.threatID = entry.id } else { risk.vulnerabilityID = entry.id }
            } else if kind == .threat { risk.threatID = nil } else { risk.vulnerabilityID = nil }
        }
        if let scenario = input.scenario { risk.scenario = v.optional(scenario, "scenario", maxLength: 2000) }
        if risk.assetID == nil && risk.scenario == nil { v.add("scenario", "error.riskNeedsAssetOrScenario") }
        if let c = input.affectsConfidentiality { risk.affectsConfidentiality = c }
        if let i = input.affectsIntegrity { risk.affectsIntegrity = i }
        if let a = input.affectsAvailability { risk.affectsAvailability = a }
        if !risk.affectsConfidentiality && !risk.affectsIntegrity && !risk.affectsAvailability { v.add("affects", "error.affectsNothing") }
        if let owner = input.ownerID {
            if let user = owner { try await Self.checkOwner(user, workspace: workspace, today: access.today, tx: tx, into: &v) }
            risk.ownerID = owner
        }
        if let raw = input.treatment {
            if let text = Text.nonBlank(raw) {
                if let treatment = RiskNames.treatments.parse(text) { risk.treatment = treatment } else { v.add("treatment", "error.choiceValue", ["value": text]) }
            } else {
                risk.treatment = nil
            }
        }
        if let reason = input.treatmentReason { risk.treatmentReason = v.optional(reason, "treatmentReason", maxLength: 2000) }
        if let controls = input.controls {
            var ids: [String] = []
            for raw in controls {
                guard !normalizeControl(raw).isEmpty else { continue }
                if let id = try await Self.resolveControl(raw, catalog: catalog, workspace: workspace, tx: tx) {
                    if !ids.contains(id) { ids.append(id) }
                } else {
                    v.add("controls", "error.unknownControl", ["value": raw])
                }
            }
            risk.controls = Self.sortedControls(ids, catalog: catalog)
        }
        for (field, input, keyPath) in [("inherent", input.inherent, \Risk.inherent), ("residual", input.residual, \Risk.residual)] {
            guard let input else { continue }
            var rating = input.rating
            check(rating, field: field, method: method, into: &v)
            if method.usesAssetValue, let asset {
                rating.assetValue = RiskRules.assetValue(of: asset, affecting: risk, method: method)
            }
            risk[keyPath: keyPath] = rating
        }
        // The asset's value follows the asset, also when only the asset or the C/I/A choice changed.
        if method.usesAssetValue, let asset {
            risk.inherent.assetValue = RiskRules.assetValue(of: asset, affecting: risk, method: method)
            if method.ratesBeyondAsset(risk.residual) { risk.residual.assetValue = risk.inherent.assetValue }
        }
        try v.check()
        RiskRules.score(&risk, method: method)
    }

    /// A risk or action owner is a member whose roles let them read the risk registers (else they
    /// could not see what they own).
    static func checkOwner(_ user: User.ID, workspace: Workspace.ID, today: CalendarDate, tx: Writer, into v: inout Validator) async throws {
        guard let member = try await tx.lookups.member(user: user, in: workspace) else { v.add("ownerId", "error.notAMember"); return }
        if !AccessPolicy.permissions(grants: member.grants, isAdministrator: false, on: today).contains(.risksRead) {
            v.add("ownerId", "error.ownerCannotSeeRisks", ["name": member.displayName])
        }
    }

    static func check(_ rating: RiskRating, field: String, method: RiskMethod, into v: inout Validator) {
        func inScale(_ value: Int?, _ scale: RatingScale?, _ name: String) {
            guard let value else { return }
            if !(scale?.contains(value) ?? false) { v.add("\(field).\(name)", "error.rating", ["max": String(scale?.count ?? 0)]) }
        }
        for factor in method.usedFactors {
            if factor == .assetValue {
                if let value = rating.assetValue, !method.possibleAssetValues.contains(value) { v.add("\(field).assetValue", "error.assetValue") }
            } else {
                inScale(rating[factor], method.scale(factor), factor.rawValue)
            }
        }
    }

    /// `A.5.15`, `a5.15`, `５．１５` → `5.15`.
    /// An Annex A id (`A.8.5`, `８.５`) or, failing that, one of the workspace's own control codes.
    static func resolveControl(_ raw: String, catalog: ReferenceCatalog, workspace: Workspace.ID, tx: Writer) async throws -> String? {
        let id = normalizeControl(raw)
        if catalog.control(id) != nil { return id }
        let text = Text.trimmed(raw)
        guard OwnControl.validCode(text) else { return nil }
        return try await tx.ownControls.load(code: text, in: workspace)?.code
    }

    /// Annex A controls in catalog order, then own controls by code.
    static func sortedControls(_ ids: [String], catalog: ReferenceCatalog) -> [String] {
        ids.sorted { a, b in
            let (x, y) = (catalog.control(a) != nil, catalog.control(b) != nil)
            if x != y { return x }
            return x ? ControlOrder.less(a, b) : a < b
        }
    }

    public static func normalizeControl(_ raw: String) -> String {
        var text = Text.halfWidth(Text.trimmed(raw)).replacingOccurrences(of: "．", with: ".")
        if text.lowercased().hasPrefix("a.") { text.removeFirst(2) } else if text.lowercased().hasPrefix("a") { text.removeFirst() }
        return text
    }

    static func method(of assessment: RiskAssessment, tx: Writer) async throws -> RiskMethod {
        guard let method = try await tx.riskMethods.load(assessment.methodID, in: assessment.workspaceID) else { throw DomainError.notFound(entity: "risk_method") }
        return method
    }

    /// Runs the rules, then refuses with their problems and the form's unreadable fields together.
    static func applyReporting(_ unreadable: [FieldError], _ apply: () async throws -> Void) async throws {
        do {
            try await apply()
        } catch DomainError.invalid(let found) {
            throw DomainError.invalid(unreadable + found.filter { f in !unreadable.contains { $0.field == f.field } })
        }
        if !unreadable.isEmpty { throw DomainError.invalid(unreadable) }
    }

    /// `unreadable`: fields the form could not read (a rating that is not a number, an unknown asset
    /// code or e-mail); reported together with everything the risk's rules find.
    public func create(_ access: WorkspaceAccess, assessment assessmentID: RiskAssessment.ID, _ input: RiskInput, unreadable: [FieldError] = [],
                       context: Context) async throws -> Risk {
        try access.require(.risksManage)
        let now = services.now
        let catalog = services.catalog
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            guard let assessment = try await tx.assessments.load(assessmentID, in: workspace) else { throw DomainError.notFound(entity: "risk_assessment") }
            guard assessment.isEditable else { throw DomainError.rule(code: "error.assessmentNotDraft") }
            let method = try await Self.method(of: assessment, tx: tx)
            var risk = Risk(workspaceID: workspace, assessmentID: assessmentID, code: "", createdAt: now, updatedAt: now)
            var withCode = input
            if Text.nonBlank(input.code) == nil { withCode.code = try await tx.risks.nextCode(in: assessmentID, workspace: access.workspaceID) }
            try await Self.applyReporting(unreadable) { try await Self.apply(withCode, to: &risk, method: method, access: access, catalog: catalog, tx: tx) }
            guard try await Self.maySteward(access, risk, tx: tx) else { throw DomainError.forbiddenBecause("error.notYourDepartment") }
            try await tx.risks.insert(risk)
            try await tx.record(.change("risk", id: risk.id.description, action: "create", workspace: workspace, before: nil as Risk?, after: risk), context, at: now)
            return risk
        }
    }

    public func update(_ access: WorkspaceAccess, _ id: Risk.ID, _ input: RiskInput, expectedVersion: Int?, unreadable: [FieldError] = [],
                       context: Context) async throws -> Risk {
        try access.require(.risksManage)
        guard let expectedVersion else { throw DomainError.versionRequired }
        let now = services.now
        let catalog = services.catalog
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            guard let before = try await tx.risks.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "risk") }
            guard before.version == expectedVersion else { throw DomainError.conflict(entity: "risk", currentVersion: before.version) }
            guard let assessment = try await tx.assessments.load(before.assessmentID, in: workspace) else { throw DomainError.notFound(entity: "risk_assessment") }
            guard assessment.isEditable else { throw DomainError.rule(code: "error.assessmentNotDraft") }
            guard try await Self.maySteward(access, before, tx: tx) else { throw DomainError.forbiddenBecause("error.notYourDepartment") }
            let method = try await Self.method(of: assessment, tx: tx)
            var after = before
            try await Self.applyReporting(unreadable) { try await Self.apply(input, to: &after, method: method, access: access, catalog: catalog, tx: tx) }
            guard try await Self.maySteward(access, after, tx: tx) else { throw DomainError.forbiddenBecause("error.notYourDepartment") }
            var comparable = after
            comparable.updatedAt = before.updatedAt
            guard comparable != before else { return before }
            if input.touchesAssessment {
                // The owner accepted something else; a carried-forward risk that changed says so.
                after.acceptedAt = nil
                after.acceptedBy = nil
                after.acceptanceReason = nil
                if before.review == .toReview || before.review == .reviewed { after.review = .changed }
            }
            after.updatedAt = now
            let saved = try await tx.risks.update(after)
            try await tx.record(.change("risk", id: id.description, action: "update", workspace: workspace, before: before, after: saved), context, at: now)
            return saved
        }
    }

    /// Marks a carried-forward risk as looked at: still as it was (`reviewed`) or gone (`closed`).
    public func review(_ access: WorkspaceAccess, _ id: Risk.ID, outcome raw: String?, expectedVersion: Int?, context: Context) async throws -> Risk {
        try access.require(.risksManage)
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            guard let before = try await tx.risks.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "risk") }
            // The record is found before the request is judged: an unknown id is "not found", whatever was sent.
            guard let outcome = raw.flatMap(Risk.Review.init(rawValue:)), [.reviewed, .closed].contains(outcome) else {
                throw DomainError.invalid(field: "outcome", code: "error.choice")
            }
            if let expectedVersion, before.version != expectedVersion { throw DomainError.conflict(entity: "risk", currentVersion: before.version) }
            guard let assessment = try await tx.assessments.load(before.assessmentID, in: workspace), assessment.isEditable else {
                throw DomainError.rule(code: "error.assessmentNotDraft")
            }
            guard try await Self.maySteward(access, before, tx: tx) else { throw DomainError.forbiddenBecause("error.notYourDepartment") }
            var after = before
            after.review = outcome == .reviewed && before.review == .changed ? .changed : outcome
            after.updatedAt = now
            let saved = try await tx.risks.update(after)
            try await tx.record(.change("risk", id: id.description, action: "review", workspace: workspace, before: before, after: saved), context, at: now)
            return saved
        }
    }

    /// The risk owner approves the treatment and accepts the residual risk (6.1.3 f). Above the
    /// acceptance criterion a reason is required. An approved assessment's risks can still be
    /// accepted: the acceptance is recorded, the approved ratings are not touched.
    public func accept(_ access: WorkspaceAccess, _ id: Risk.ID, reason: String?, expectedVersion: Int?, context: Context) async throws -> Risk {
        try access.require(.risksRead)
        let now = services.now
        let workspace = access.workspaceID
        let person = access.user.id
        return try await services.store.write { tx in
            guard let before = try await tx.risks.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "risk") }
            if let expectedVersion, before.version != expectedVersion { throw DomainError.conflict(entity: "risk", currentVersion: before.version) }
            guard before.ownerID == person else { throw DomainError.forbiddenBecause("error.onlyRiskOwner") }
            guard let assessment = try await tx.assessments.load(before.assessmentID, in: workspace) else { throw DomainError.notFound(entity: "risk_assessment") }
            let method = try await Self.method(of: assessment, tx: tx)
            let problems = RiskRules.acceptanceProblems(before, method: method, reason: reason)
            if !problems.isEmpty { throw DomainError.invalid(FieldError.capped(problems)) }
            var after = before
            after.acceptedBy = person
            after.acceptedAt = now
            after.acceptanceReason = Text.nonBlank(reason)
            after.updatedAt = now
            let saved = try await tx.risks.update(after)
            try await tx.record(.change("risk", id: id.description, action: "accept", workspace: workspace, before: before, after: saved), context, at: now)
            return saved
        }
    }

    public func delete(_ access: WorkspaceAccess, _ id: Risk.ID, expectedVersion: Int?, context: Context) async throws {
        try access.require(.risksManage)
        let now = services.now
        let workspace = access.workspaceID
        try await services.store.write { tx in
            guard let before = try await tx.risks.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "risk") }
            if let expectedVersion, before.version != expectedVersion { throw DomainError.conflict(entity: "risk", currentVersion: before.version) }
            guard let assessment = try await tx.assessments.load(before.assessmentID, in: workspace), assessment.isEditable else {
                throw DomainError.rule(code: "error.assessmentNotDraft")
            }
            guard try await Self.maySteward(access, before, tx: tx) else { throw DomainError.forbiddenBecause("error.notYourDepartment") }
            try await tx.evidence.unlink(EvidenceLink(.risk, id.description), in: workspace)
            try await tx.risks.delete(id, in: workspace)
            try await tx.record(.change("risk", id: id.description, action: "delete", workspace: workspace, before: before, after: nil as Risk?), context, at: now)
        }
    }
}
