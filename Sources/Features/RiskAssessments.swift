import Domain
import Foundation
import Storage

public struct AssessmentInput: Sendable, Codable, Equatable {
    public var name: String?
    public var startsOn: String?
    public var endsOn: String?

    public init(name: String? = nil, startsOn: String? = nil, endsOn: String? = nil) {
        self.name = name
        self.startsOn = startsOn
        self.endsOn = endsOn
    }

    func apply(to assessment: inout RiskAssessment, creating: Bool) throws {
        var v = Validator()
        if creating || name != nil { assessment.name = v.required(name, "name", maxLength: 100) }
        for (field, raw, keyPath) in [("startsOn", startsOn, \RiskAssessment.startsOn), ("endsOn", endsOn, \RiskAssessment.endsOn)] {
            guard let raw else { continue }
            if let text = Text.nonBlank(raw) {
                if let date = CalendarDate(text) { assessment[keyPath: keyPath] = date } else { v.add(field, "error.date") }
            } else {
                assessment[keyPath: keyPath] = nil
            }
        }
        if let start = assessment.startsOn, let end = assessment.endsOn, end < start { v.add("endsOn", "error.endBeforeStart", ["startField": "startsOn"]) }
        try v.check()
    }
}

/// Yearly assessment cycles: draft → in review → approved by top management. Starting the next
/// year copies every open risk forward "to review", which is what keeps the register from fossilizing.
public struct RiskAssessments: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public func list(_ access: WorkspaceAccess) async throws -> [RiskAssessment] {
        try access.require(.risksRead)
        return try await services.store.read { try await $0.assessments.all(in: access.workspaceID) }
    }

    public func load(_ access: WorkspaceAccess, _ id: RiskAssessment.ID) async throws -> RiskAssessment {
        try access.require(.risksRead)
        guard let assessment = try await services.store.read({ try await $0.assessments.load(id, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: "risk_assessment")
        }
        return assessment
    }

    public func method(_ access: WorkspaceAccess, of assessment: RiskAssessment) async throws -> RiskMethod {
        try access.require(.risksRead)
        guard let method = try await services.store.read({ try await $0.riskMethods.load(assessment.methodID, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: "risk_method")
        }
        return method
    }

    /// A new assessment made with the current method. With `carryForwardFrom`, every risk of that
    /// assessment that was not closed is copied "to review", linked to last year's.
    public func create(_ access: WorkspaceAccess, _ input: AssessmentInput, carryForwardFrom previous: RiskAssessment.ID?, context: Context) async throws -> RiskAssessment {
        try access.require(.riskMethodManage)
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            guard let method = try await tx.riskMethods.current(in: workspace) else { throw DomainError.rule(code: "error.noPublishedMethod") }
            var assessment = RiskAssessment(workspaceID: workspace, name: "", methodID: method.id, previousID: previous, createdAt: now, updatedAt: now)
            try input.apply(to: &assessment, creating: true)
            var carried: [Risk] = []
            if let previous {
                guard try await tx.assessments.load(previous, in: workspace) != nil else { throw DomainError.invalid(field: "previousId", code: "error.unknownAssessment") }
                let assets = try await tx.assets.loadAll(try await tx.risks.all(in: previous, workspace: workspace).compactMap(\.assetID), in: workspace)
                for old in try await tx.risks.all(in: previous, workspace: workspace) where old.review != .closed {
                    var risk = old
                    risk.id = Risk.ID()
                    risk.assessmentID = assessment.id
                    risk.previousID = old.id
                    risk.review = .toReview
                    risk.acceptedAt = nil
                    risk.acceptedBy = nil
                    risk.acceptanceReason = nil
                    risk.createdAt = now
                    risk.updatedAt = now
                    risk.version = 1
                    // Rated again under this year's method (and this year's asset values).
                    if method.usesAssetValue, let asset = risk.assetID.flatMap({ assets[$0] }) {
                        risk.inherent.assetValue = RiskRules.assetValue(of: asset, affecting: risk, method: method)
                        if method.ratesBeyondAsset(risk.residual) { risk.residual.assetValue = risk.inherent.assetValue }
                    }
                    RiskRules.score(&risk, method: method)
                    carried.append(risk)
                }
            }
            try await tx.assessments.insert(assessment)
            try await tx.record(.change("risk_assessment", id: assessment.id.description, action: "create", workspace: workspace,
                                        before: nil as RiskAssessment?, after: assessment), context, at: now)
            if !carried.isEmpty {
                try await tx.risks.insert(carried)
                try await tx.audit.appendBatch(carried.map { (.change("risk", id: $0.id.description, action: "carry_forward", workspace: workspace,
                                                                      before: nil as Risk?, after: $0), context.actor, now) }, chain: .workspace(workspace))
            }
            return assessment
        }
    }

    public func update(_ access: WorkspaceAccess, _ id: RiskAssessment.ID, _ input: AssessmentInput, expectedVersion: Int?, context: Context) async throws -> RiskAssessment {
        try access.require(.riskMethodManage)
        guard let expectedVersion else { throw DomainError.versionRequired }
        return try await transition(access, id, expectedVersion: expectedVersion, action: "update", context: context) { assessment in
            guard assessment.isEditable else { throw DomainError.rule(code: "error.assessmentNotDraft") }
            try input.apply(to: &assessment, creating: false)
        }
    }

    /// The open risks of an assessment that no owner has accepted yet (6.1.3 f), for the submit and approve forms.
    /// The open risks no owner has accepted: how many, and the first `limit` in code order.
    public func unaccepted(_ access: WorkspaceAccess, _ id: RiskAssessment.ID, limit: Int = 50) async throws -> RiskRules.Unaccepted {
        try access.require(.risksRead)
        let workspace = access.workspaceID
        return try await figure("unaccepted|\(workspace)|\(id)|\(limit)", { if case .unaccepted(let value) = $0 { value } else { nil } }, AssessmentFigure.unaccepted) {
            try await services.store.read { try await $0.risks.unaccepted(in: id, workspace: workspace, limit: limit) }
        }
    }

    /// A count over every risk of an assessment, kept until this process's next write (or 30 s:
    /// another instance's write), so the register page does not count 20,000 risks at every load.
    /// Each key names one kind of figure, so what is kept under it is always the case `extract` reads.
    private func figure<T: Sendable>(_ key: String, _ extract: (AssessmentFigure) -> T?, _ wrap: @escaping @Sendable (T) -> AssessmentFigure,
                                     compute: @escaping @Sendable () async throws -> T) async throws -> T {
        let figure = try await services.assessmentFigures.value(key, services: services) { wrap(try await compute()) }
        guard let value = extract(figure) else { return try await compute() }
        return value
    }

    /// The secretariat sends the assessment to top management: no risk may be left to review, and
    /// every open risk needs an owner, a treatment and a rating. Risks their owners have not
    /// accepted are named; the secretariat goes on only by saying so (`proceedWithUnaccepted`), and
    /// which ones were unaccepted is kept on the assessment for top management.
    public func submit(_ access: WorkspaceAccess, _ id: RiskAssessment.ID, proceedWithUnaccepted: Bool = false, expectedVersion: Int?,
                       context: Context) async throws -> RiskAssessment {
        try access.require(.riskMethodManage)
        let now = services.now
        let person = access.user.id
        let workspace = access.workspaceID
        let risks = try await services.store.read { try await $0.risks.all(in: id, workspace: workspace) }
        return try await transition(access, id, expectedVersion: expectedVersion, action: "submit", context: context) { assessment in
            guard assessment.status == .draft else { throw DomainError.rule(code: "error.assessmentNotDraft") }
            let problems = RiskRules.submissionProblems(risks)
            if !problems.isEmpty { throw DomainError.invalid(FieldError.capped(problems)) }
            let unaccepted = RiskRules.unaccepted(risks).map(\.code)
            if !unaccepted.isEmpty && !proceedWithUnaccepted {
                throw DomainError.rule(code: "error.risksUnaccepted", params: ["count": String(unaccepted.count), "codes": unaccepted.prefix(10).joined(separator: ", ")
                                                                                + (unaccepted.count > 10 ? "…" : "")])
            }
            assessment.unacceptedAtSubmission = unaccepted.isEmpty ? nil : unaccepted
            assessment.status = .inReview
            assessment.submittedBy = person
            assessment.submittedAt = now
        }
    }

    /// Top management approves the assessment as a whole; it is frozen from then on.
    public func approve(_ access: WorkspaceAccess, _ id: RiskAssessment.ID, note: String?, expectedVersion: Int?, context: Context) async throws -> RiskAssessment {
        try access.require(.assessmentApprove)
        let now = services.now
        let person = access.user.id
        return try await transition(access, id, expectedVersion: expectedVersion, action: "approve", context: context) { assessment in
            guard assessment.status == .inReview else { throw DomainError.rule(code: "error.assessmentNotInReview") }
            try SegregationOfDuties.requireApprover(person, differentFrom: assessment.submittedBy)
            var v = Validator()
            assessment.approvalNote = v.optional(note, "note", maxLength: 2000)
            try v.check()
            assessment.status = .approved
            assessment.approvedBy = person
            assessment.approvedAt = now
        }
    }

    /// Sends an assessment in review back to draft (top management or the secretariat), with a note why.
    public func returnToDraft(_ access: WorkspaceAccess, _ id: RiskAssessment.ID, note: String?, expectedVersion: Int?, context: Context) async throws -> RiskAssessment {
        guard access.allows(.assessmentApprove) || access.allows(.riskMethodManage) else { throw DomainError.forbidden }
        return try await transition(access, id, expectedVersion: expectedVersion, action: "return_to_draft", context: context) { assessment in
            guard assessment.status == .inReview else { throw DomainError.rule(code: "error.assessmentNotInReview") }
            var v = Validator()
            assessment.approvalNote = v.required(note, "note", maxLength: 2000)
            try v.check()
            assessment.status = .draft
            assessment.submittedAt = nil
            assessment.submittedBy = nil
            assessment.unacceptedAtSubmission = nil
        }
    }

    private func transition(_ access: WorkspaceAccess, _ id: RiskAssessment.ID, expectedVersion: Int?, action: String, context: Context,
                            _ change: @escaping @Sendable (inout RiskAssessment) throws -> Void) async throws -> RiskAssessment {
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            guard let before = try await tx.assessments.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "risk_assessment") }
            if let expectedVersion, before.version != expectedVersion { throw DomainError.conflict(entity: "risk_assessment", currentVersion: before.version) }
            var after = before
            try change(&after)
            after.updatedAt = now
            let saved = try await tx.assessments.update(after)
            try await tx.record(.change("risk_assessment", id: id.description, action: action, workspace: workspace, before: before, after: saved), context, at: now)
            return saved
        }
    }

    /// How this assessment differs from the one its risks were carried from.
    public func difference(_ access: WorkspaceAccess, _ assessment: RiskAssessment) async throws -> RiskDifference.Summary? {
        try access.require(.risksRead)
        guard let previous = assessment.previousID else { return nil }
        let workspace = access.workspaceID
        return try await figure("difference|\(workspace)|\(assessment.id)|\(previous)", { if case .difference(let value) = $0 { value } else { nil } },
                                AssessmentFigure.difference) {
            try await services.store.read { db in
                RiskDifference.Summary(try await db.risks.differenceGroups(current: assessment.id, previous: previous, workspace: workspace))
            }
        }
    }

    /// The heat map of inherent or residual risk.
    public func heatMap(_ access: WorkspaceAccess, _ assessment: RiskAssessment, residual: Bool) async throws -> HeatMap {
        let method = try await method(access, of: assessment)
        let workspace = access.workspaceID
        let counts = try await figure("heat|\(workspace)|\(assessment.id)|\(residual)", { if case .heat(let value) = $0 { value } else { nil } }, AssessmentFigure.heat) {
            try await services.store.read { try await $0.risks.ratingCounts(in: assessment.id, workspace: workspace, residual: residual) }
        }
        return HeatMap(method: method, counts: counts.map { ($0.rating, $0.count) }, residual: residual)
    }
}

/// One of the counts `RiskAssessments` keeps in `Services.assessmentFigures`.
public enum AssessmentFigure: Sendable {
    case unaccepted(RiskRules.Unaccepted)
    case difference(RiskDifference.Summary)
    case heat([HeatCount])
}
