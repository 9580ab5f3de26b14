import Foundation

/// A threat or vulnerability of the workspace's catalog (seeded from ours, editable).
public struct CatalogEntry: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<CatalogEntry>
    public enum Kind: String, Sendable, Codable, CaseIterable { case threat, vulnerability }

    public var id: ID
    public var workspaceID: Workspace.ID
    public var kind: Kind
    public var code: String
    public var category: String
    public var nameJa: String
    public var nameEn: String
    public var descriptionJa: String
    public var descriptionEn: String
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, kind: Kind, code: String, category: String, nameJa: String, nameEn: String,
                descriptionJa: String, descriptionEn: String, version: Int = 1) {
        self.id = id
        self.workspaceID = workspaceID
        self.kind = kind
        self.code = code
        self.category = category
        self.nameJa = nameJa
        self.nameEn = nameEn
        self.descriptionJa = descriptionJa
        self.descriptionEn = descriptionEn
        self.version = version
    }

    public func name(_ language: Language) -> String { language == .ja ? nameJa : nameEn }
}

/// One yearly risk assessment (6.1.2, 8.2): its method version and its approval.
public struct RiskAssessment: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<RiskAssessment>
    public enum Status: String, Sendable, Codable, CaseIterable { case draft, inReview, approved }

    public var id: ID
    public var workspaceID: Workspace.ID
    /// e.g. "FY2026" / "2026年度".
    public var name: String
    public var methodID: RiskMethod.ID
    public var startsOn: CalendarDate?
    public var endsOn: CalendarDate?
    public var status: Status
    public var previousID: RiskAssessment.ID?
    public var submittedBy: User.ID?
    public var submittedAt: Date?
    public var approvedBy: User.ID?
    public var approvedAt: Date?
    public var approvalNote: String?
    /// The codes of the risks no owner had accepted when the secretariat submitted anyway (6.1.3 f);
    /// nil when every risk was accepted.
    public var unacceptedAtSubmission: [String]?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, name: String, methodID: RiskMethod.ID, startsOn: CalendarDate? = nil, endsOn: CalendarDate? = nil,
                status: Status = .draft, previousID: RiskAssessment.ID? = nil, submittedBy: User.ID? = nil, submittedAt: Date? = nil,
                approvedBy: User.ID? = nil, approvedAt: Date? = nil, approvalNote: String? = nil, unacceptedAtSubmission: [String]? = nil,
                createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.unacceptedAtSubmission = unacceptedAtSubmission
        self.id = id
        self.workspaceID = workspaceID
        self.name = name
        self.methodID = methodID
        self.startsOn = startsOn
        self.endsOn = endsOn
        self.status = status
        self.previousID = previousID
        self.submittedBy = submittedBy
        self.submittedAt = submittedAt
        self.approvedBy = approvedBy
        self.approvedAt = approvedAt
        self.approvalNote = approvalNote
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    /// Risks may change only while the assessment is a draft.
    public var isEditable: Bool { status == .draft }
}

/// The risk owner's options (ISO/IEC 27005); the Japanese words most registers use are kept too.
public enum RiskTreatment: String, Sendable, Codable, CaseIterable { case modify, retain, avoid, share }

/// A risk of one assessment: an asset (or group) with a threat and a vulnerability, or a scenario.
public struct Risk: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<Risk>

    /// Where a carried-forward risk stands in this year's review.
    public enum Review: String, Sendable, Codable, CaseIterable {
        /// Copied from last year; nobody has looked yet.
        case toReview
        /// Looked at; still as it was.
        case reviewed
        /// Looked at and changed.
        case changed
        /// No longer a risk; kept for the record.
        case closed
        /// Identified this year.
        case new
    }

    public var id: ID
    public var workspaceID: Workspace.ID
    public var assessmentID: RiskAssessment.ID
    /// `R-001`, unique in the assessment.
    public var code: String
    public var assetID: Asset.ID?
    public var threatID: CatalogEntry.ID?
    public var vulnerabilityID: CatalogEntry.ID?
    /// A free description (required when no asset is named).
    public var scenario: String?
    public var affectsConfidentiality: Bool
    public var affectsIntegrity: Bool
    public var affectsAvailability: Bool
    public var inherent: RiskRating
    public var inherentScore: Int?
    public var inherentLevel: String?
    public var ownerID: User.ID?
    public var treatment: RiskTreatment?
    public var treatmentReason: String?
    /// Annex A ids (`5.15`) and, later, the workspace's own control ids.
    public var controls: [String]
    public var residual: RiskRating
    public var residualScore: Int?
    public var residualLevel: String?
    public var review: Review
    public var previousID: Risk.ID?
    /// The owner approved the treatment and accepted the residual risk (6.1.3 f).
    public var acceptedBy: User.ID?
    public var acceptedAt: Date?
    public var acceptanceReason: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, assessmentID: RiskAssessment.ID, code: String, assetID: Asset.ID? = nil,
                threatID: CatalogEntry.ID? = nil, vulnerabilityID: CatalogEntry.ID? = nil, scenario: String? = nil,
                affectsConfidentiality: Bool = true, affectsIntegrity: Bool = true, affectsAvailability: Bool = true,
                inherent: RiskRating = RiskRating(), inherentScore: Int? = nil, inherentLevel: String? = nil, ownerID: User.ID? = nil,
                treatment: RiskTreatment? = nil, treatmentReason: String? = nil, controls: [String] = [], residual: RiskRating = RiskRating(),
                residualScore: Int? = nil, residualLevel: String? = nil, review: Review = .new, previousID: Risk.ID? = nil,
                acceptedBy: User.ID? = nil, acceptedAt: Date? = nil, acceptanceReason: String? = nil, createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id
        self.workspaceID = workspaceID
        self.assessmentID = assessmentID
        self.code = code
        self.assetID = assetID
        self.threatID = threatID
        self.vulnerabilityID = vulnerabilityID
        self.scenario = scenario
        self.affectsConfidentiality = affectsConfidentiality
        self.affectsIntegrity = affectsIntegrity
        self.affectsAvailability = affectsAvailability
        self.inherent = inherent
        self.inherentScore = inherentScore
        self.inherentLevel = inherentLevel
        self.ownerID = ownerID
        self.treatment = treatment
        self.treatmentReason = treatmentReason
        self.controls = controls
        self.residual = residual
        self.residualScore = residualScore
        self.residualLevel = residualLevel
        self.review = review
        self.previousID = previousID
        self.acceptedBy = acceptedBy
        self.acceptedAt = acceptedAt
        self.acceptanceReason = acceptanceReason
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    public var isAccepted: Bool { acceptedAt != nil }
}

public enum RiskRules {
    /// The asset value a risk counts: the rule over the properties the risk affects.
    public static func assetValue(of asset: Asset, affecting risk: Risk, method: RiskMethod) -> Int? {
        var ratings: [Int] = []
        if risk.affectsConfidentiality, let c = asset.confidentiality { ratings.append(c) }
        if risk.affectsIntegrity, let i = asset.integrity { ratings.append(i) }
        if risk.affectsAvailability, let a = asset.availability { ratings.append(a) }
        return method.assetValueRule.value(ratings)
    }

    /// Fills in scores and levels from the ratings and the method.
    public static func score(_ risk: inout Risk, method: RiskMethod) {
        risk.inherentScore = method.score(risk.inherent)
        risk.inherentLevel = risk.inherentScore.flatMap { method.band(for: $0)?.key }
        risk.residualScore = method.score(risk.residual)
        risk.residualLevel = risk.residualScore.flatMap { method.band(for: $0)?.key }
    }

    /// What acceptance needs (6.1.3 f): an owner, a treatment, residual ratings; and, when the
    /// residual score is above the acceptance criterion, a reason written down.
    public static func acceptanceProblems(_ risk: Risk, method: RiskMethod, reason: String?) -> [FieldError] {
        var v = Validator()
        if risk.ownerID == nil { v.add("ownerId", "error.riskNeedsOwner") }
        if risk.treatment == nil { v.add("treatment", "error.riskNeedsTreatment") }
        guard let residual = risk.residualScore ?? risk.inherentScore else {
            v.add("residual", "error.riskNeedsRating")
            return v.errors
        }
        if !method.isAcceptable(residual), Text.nonBlank(reason) == nil {
            v.add("acceptanceReason", "error.acceptanceReasonNeeded", ["score": String(residual), "limit": String(method.acceptableUpTo)])
        }
        return v.errors
    }

    /// An assessment can go to top management only when no carried-forward risk is left unreviewed
    /// and every open risk has an owner, a treatment and a score.
    /// The open risks whose owner has not accepted the residual risk (6.1.3 f), in code order.
    /// How many risks no owner has accepted, and the first of them in code order (what a page names).
    public struct Unaccepted: Sendable, Equatable {
        public var count: Int
        public var first: [Risk]
        public init(count: Int, first: [Risk]) {
            self.count = count
            self.first = first
        }
        public static let none = Unaccepted(count: 0, first: [])
    }

    public static func unaccepted(_ risks: [Risk]) -> [Risk] {
        // Codes in the order people number them (R-2 before R-10), each key computed once.
        risks.filter { $0.review != .closed && !$0.isAccepted }.map { (Text.naturalKey($0.code), $0) }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    public static func submissionProblems(_ risks: [Risk]) -> [FieldError] {
        var v = Validator()
        let unreviewed = risks.filter { $0.review == .toReview }
        if !unreviewed.isEmpty { v.add("risks", "error.risksToReview", ["count": String(unreviewed.count)]) }
        let open = risks.filter { $0.review != .closed }
        let incomplete = open.filter { $0.ownerID == nil || $0.treatment == nil || $0.inherentScore == nil }
        if !incomplete.isEmpty { v.add("risks", "error.risksIncomplete", ["count": String(incomplete.count), "codes": incomplete.prefix(5).map(\.code).joined(separator: ", ")]) }
        if open.isEmpty { v.add("risks", "error.noRisks") }
        return v.errors
    }
}

/// How this year's register differs from last year's: what the cycle page shows.
public struct RiskDifference: Sendable, Equatable {
    public enum Change: String, Sendable, Codable { case new, changed, closed, unchanged, toReview }
    public enum Direction: String, Sendable, Codable { case up, down, same }

    public struct Entry: Sendable, Equatable {
        public var riskID: Risk.ID
        public var code: String
        public var change: Change
        /// How the residual (or, without one, inherent) score moved against last year.
        public var direction: Direction?
        public var previousScore: Int?
        public var currentScore: Int?
    }

    public var entries: [Entry]

    public func count(_ change: Change) -> Int { entries.filter { $0.change == change }.count }
    public var wentUp: Int { entries.filter { $0.direction == .up }.count }
    public var wentDown: Int { entries.filter { $0.direction == .down }.count }

    /// The change a risk shows: its review outcome, and whether it came from last year at all.
    public static func change(review: Risk.Review, carried: Bool) -> Change {
        switch review {
        case .new: carried ? .changed : .new
        case .toReview: .toReview
        case .reviewed: .unchanged
        case .changed: .changed
        case .closed: .closed
        }
    }

    /// The score a risk stands at: residual, or inherent without a residual rating.
    public static func direction(now: Int?, then: Int?) -> Direction? {
        guard let now, let then else { return nil }
        return now > then ? .up : now < then ? .down : .same
    }

    /// Risks of one kind of change, counted by the database: the cycle page's summary.
    public struct Group: Sendable, Equatable {
        public var review: Risk.Review
        public var carried: Bool
        public var direction: Direction?
        public var count: Int
        public init(review: Risk.Review, carried: Bool, direction: Direction?, count: Int) {
            self.review = review
            self.carried = carried
            self.direction = direction
            self.count = count
        }
    }

    /// The counts the cycle page shows, without reading every risk of both years.
    public struct Summary: Sendable, Equatable {
        public var changes: [Change: Int]
        public var wentUp: Int
        public var wentDown: Int

        public init(_ groups: [Group]) {
            changes = [:]
            wentUp = 0
            wentDown = 0
            for group in groups {
                changes[RiskDifference.change(review: group.review, carried: group.carried), default: 0] += group.count
                if group.direction == .up { wentUp += group.count }
                if group.direction == .down { wentDown += group.count }
            }
        }

        public func count(_ change: Change) -> Int { changes[change] ?? 0 }
    }

    public var summary: Summary {
        var summary = Summary([])
        for entry in entries {
            summary.changes[entry.change, default: 0] += 1
            if entry.direction == .up { summary.wentUp += 1 }
            if entry.direction == .down { summary.wentDown += 1 }
        }
        return summary
    }

    /// Compares the risks of an assessment with those of the previous one they were carried from.
    public static func between(current: [Risk], previous: [Risk]) -> RiskDifference {
        let earlier = Dictionary(uniqueKeysWithValues: previous.map { ($0.id, $0) })
        var entries: [Entry] = []
        for risk in current.sorted(by: { $0.code < $1.code }) {
            let before = risk.previousID.flatMap { earlier[$0] }
            let now = risk.residualScore ?? risk.inherentScore
            let then = before.flatMap { $0.residualScore ?? $0.inherentScore }
            let direction = direction(now: now, then: then)
            let change = change(review: risk.review, carried: before != nil)
            entries.append(Entry(riskID: risk.id, code: risk.code, change: change, direction: direction, previousScore: then, currentScore: now))
        }
        return RiskDifference(entries: entries)
    }
}

/// An action of the risk treatment plan (6.1.3 e, 8.3).
public struct TreatmentAction: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<TreatmentAction>
    public enum Status: String, Sendable, Codable, CaseIterable { case planned, inProgress, done, cancelled }

    public var id: ID
    public var workspaceID: Workspace.ID
    public var title: String
    public var riskIDs: [Risk.ID]
    public var controls: [String]
    public var ownerID: User.ID?
    public var dueOn: CalendarDate?
    public var status: Status
    public var completionNote: String?
    public var evidenceLink: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, title: String, riskIDs: [Risk.ID] = [], controls: [String] = [], ownerID: User.ID? = nil,
                dueOn: CalendarDate? = nil, status: Status = .planned, completionNote: String? = nil, evidenceLink: String? = nil,
                createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id
        self.workspaceID = workspaceID
        self.title = title
        self.riskIDs = riskIDs
        self.controls = controls
        self.ownerID = ownerID
        self.dueOn = dueOn
        self.status = status
        self.completionNote = completionNote
        self.evidenceLink = evidenceLink
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    public var isOpen: Bool { status == .planned || status == .inProgress }
    public func isOverdue(on today: CalendarDate) -> Bool { isOpen && (dueOn.map { $0 < today } ?? false) }
}
