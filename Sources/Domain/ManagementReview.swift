import Foundation

/// A management review meeting (9.3): who attended, what was on the table (compiled from the
/// workspace's records and frozen when it is held), and what top management decided.
public struct ManagementReview: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<ManagementReview>
    public enum Status: String, Sendable, Codable, CaseIterable { case planned, held }

    public var id: ID
    public var workspaceID: Workspace.ID
    public var title: String
    public var heldOn: CalendarDate
    public var attendeeIDs: [User.ID]
    public var agenda: String?
    public var status: Status
    /// The inputs people write (9.3.2 b, c, e, g): they exist in no register yet.
    public var notes: ReviewNotes
    /// Set when the meeting is held; never recompiled after.
    public var inputs: ReviewInputs?
    public var decisions: String?
    public var ismsChanges: String?
    public var resourceNeeds: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, title: String, heldOn: CalendarDate, attendeeIDs: [User.ID] = [], agenda: String? = nil,
                status: Status = .planned, notes: ReviewNotes = ReviewNotes(), inputs: ReviewInputs? = nil, decisions: String? = nil, ismsChanges: String? = nil,
                resourceNeeds: String? = nil, createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id; self.workspaceID = workspaceID; self.title = title; self.heldOn = heldOn; self.attendeeIDs = attendeeIDs; self.agenda = agenda
        self.status = status; self.notes = notes; self.inputs = inputs; self.decisions = decisions; self.ismsChanges = ismsChanges
        self.resourceNeeds = resourceNeeds; self.createdAt = createdAt; self.updatedAt = updatedAt; self.version = version
    }
}

/// The written inputs of a review.
public struct ReviewNotes: Sendable, Codable, Hashable {
    public var externalIssues: String?
    public var interestedParties: String?
    public var feedback: String?
    public var improvement: String?
    public init(externalIssues: String? = nil, interestedParties: String? = nil, feedback: String? = nil, improvement: String? = nil) {
        self.externalIssues = externalIssues; self.interestedParties = interestedParties; self.feedback = feedback; self.improvement = improvement
    }
}

/// An action item decided by a review; the next review reports on it first.
public struct ReviewAction: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<ReviewAction>
    public var id: ID
    public var workspaceID: Workspace.ID
    public var reviewID: ManagementReview.ID
    public var text: String
    public var ownerID: User.ID?
    public var dueOn: CalendarDate?
    public var doneOn: CalendarDate?
    public var createdAt: Date

    public init(id: ID = ID(), workspaceID: Workspace.ID, reviewID: ManagementReview.ID, text: String, ownerID: User.ID? = nil, dueOn: CalendarDate? = nil,
                doneOn: CalendarDate? = nil, createdAt: Date) {
        self.id = id; self.workspaceID = workspaceID; self.reviewID = reviewID; self.text = text; self.ownerID = ownerID; self.dueOn = dueOn
        self.doneOn = doneOn; self.createdAt = createdAt
    }

    public func isOverdue(on today: CalendarDate) -> Bool { doneOn == nil && (dueOn.map { $0 < today } ?? false) }
}

/// The inputs of 9.3.2 as they stood when the meeting was held: every figure and name copied,
/// so renaming a person or closing a nonconformity later does not rewrite the minutes.
public struct ReviewInputs: Sendable, Codable, Hashable {
    public struct ActionLine: Sendable, Codable, Hashable {
        public var text: String
        public var owner: String?
        public var dueOn: CalendarDate?
        public var doneOn: CalendarDate?
        public var overdue: Bool
    }
    public struct NonconformityLine: Sendable, Codable, Hashable {
        public var code: String
        public var description: String
        public var source: Nonconformity.Source
        public var reference: String?
        public var status: Nonconformity.Status
        public var dueOn: CalendarDate?
        public var overdue: Bool
    }
    public struct SourceCount: Sendable, Codable, Hashable {
        public var source: Nonconformity.Source
        public var count: Int
    }
    public struct NonconformitySummary: Sendable, Codable, Hashable {
        /// Raised in the period.
        public var raised: Int
        /// Closed in the period.
        public var closed: Int
        /// Not closed on the day.
        public var open: Int
        public var overdue: Int
        /// Raised in the period, by source, in the sources' order.
        public var bySource: [SourceCount]
        /// Raised in the period or still open.
        public var items: [NonconformityLine]
    }
    public struct ObjectiveLine: Sendable, Codable, Hashable {
        public var statement: String
        public var control: String?
        public var comparator: Objective.Comparator
        public var target: Double
        public var unit: String
        public var latestValue: Double?
        public var latestOn: CalendarDate?
        public var status: ObjectiveRules.Status
        public var overdue: Bool
    }
    public struct AuditLine: Sendable, Codable, Hashable {
        public var title: String
        public var startsOn: CalendarDate
        public var endsOn: CalendarDate
        public var status: InternalAudit.Status
        public var major: Int
        public var minor: Int
        public var observations: Int
        public var improvements: Int
    }
    public struct RiskLine: Sendable, Codable, Hashable {
        public var assessment: String
        public var status: RiskAssessment.Status
        public var risks: Int
        public var notAccepted: Int
        public var actions: Int
        public var actionsDone: Int
        public var actionsOpen: Int
        public var actionsOverdue: Int
        public init(assessment: String, status: RiskAssessment.Status, risks: Int, notAccepted: Int, actions: Int, actionsDone: Int, actionsOpen: Int,
                    actionsOverdue: Int) {
            self.assessment = assessment; self.status = status; self.risks = risks; self.notAccepted = notAccepted; self.actions = actions
            self.actionsDone = actionsDone; self.actionsOpen = actionsOpen; self.actionsOverdue = actionsOverdue
        }
    }

    public var periodStart: CalendarDate?
    public var periodEnd: CalendarDate
    /// a) actions from previous reviews.
    public var previousActions: [ActionLine]
    /// b) and c) as written.
    public var externalIssues: String?
    public var interestedParties: String?
    /// d) 1. nonconformities and corrective actions.
    public var nonconformities: NonconformitySummary
    /// d) 2. monitoring and measurement (control-effectiveness metrics).
    public var monitoring: [ObjectiveLine]
    /// d) 3. internal audits in the period, and findings of certification audits.
    public var audits: [AuditLine]
    public var externalFindings: [NonconformityLine]
    /// d) 4. fulfilment of the objectives.
    public var objectives: [ObjectiveLine]
    /// e) as written.
    public var feedback: String?
    /// f) the newest risk assessment and its treatment plan.
    public var risk: RiskLine?
    /// g) as written.
    public var improvement: String?
}

/// Everything the compiler reads, already loaded.
public struct ReviewSources: Sendable {
    public var periodStart: CalendarDate?
    public var today: CalendarDate
    public var notes: ReviewNotes
    /// Action items of earlier reviews.
    public var previousActions: [ReviewAction]
    public var names: [User.ID: String]
    public var nonconformities: [Nonconformity]
    public var audits: [InternalAudit]
    public var findings: [AuditFinding]
    public var objectives: [(Objective, [ObjectiveMeasurement])]
    public var risk: ReviewInputs.RiskLine?

    public init(periodStart: CalendarDate?, today: CalendarDate, notes: ReviewNotes, previousActions: [ReviewAction], names: [User.ID: String],
                nonconformities: [Nonconformity], audits: [InternalAudit], findings: [AuditFinding], objectives: [(Objective, [ObjectiveMeasurement])],
                risk: ReviewInputs.RiskLine?) {
        self.periodStart = periodStart; self.today = today; self.notes = notes; self.previousActions = previousActions; self.names = names
        self.nonconformities = nonconformities; self.audits = audits; self.findings = findings; self.objectives = objectives; self.risk = risk
    }
}

public enum ReviewCompiler {
    /// The inputs of 9.3.2 for the period from `periodStart` (the previous review; everything
    /// before when there is none) to `today`.
    public static func compile(_ s: ReviewSources) -> ReviewInputs {
        func inPeriod(_ day: CalendarDate) -> Bool { (s.periodStart.map { $0 <= day } ?? true) && day <= s.today }
        func auditInPeriod(_ a: InternalAudit) -> Bool { (s.periodStart.map { $0 <= a.endsOn } ?? true) && a.startsOn <= s.today }

        let last = CalendarDate(year: 9999, month: 12, day: 31)!
        // a) An earlier review's action counts while open, or when it was finished in this period.
        let actions = s.previousActions
            .filter { $0.doneOn == nil || inPeriod($0.doneOn!) }
            .sorted { ($0.dueOn ?? last, $0.createdAt) < ($1.dueOn ?? last, $1.createdAt) }
            .map { ReviewInputs.ActionLine(text: $0.text, owner: $0.ownerID.flatMap { s.names[$0] }, dueOn: $0.dueOn, doneOn: $0.doneOn, overdue: $0.isOverdue(on: s.today)) }

        func line(_ nc: Nonconformity) -> ReviewInputs.NonconformityLine {
            .init(code: nc.code, description: nc.description, source: nc.source, reference: nc.reference, status: nc.status, dueOn: nc.dueOn,
                  overdue: nc.isOverdue(on: s.today))
        }
        let raised = s.nonconformities.filter { inPeriod($0.raisedOn) }
        let relevant = s.nonconformities.filter { inPeriod($0.raisedOn) || $0.status != .closed }.sorted { $0.number < $1.number }
        let bySource = Nonconformity.Source.allCases.compactMap { source -> ReviewInputs.SourceCount? in
            let count = raised.filter { $0.source == source }.count
            return count == 0 ? nil : .init(source: source, count: count)
        }
        let summary = ReviewInputs.NonconformitySummary(
            raised: raised.count, closed: s.nonconformities.filter { $0.closedOn.map(inPeriod) ?? false }.count,
            open: s.nonconformities.filter { $0.status != .closed }.count, overdue: s.nonconformities.filter { $0.isOverdue(on: s.today) }.count,
            bySource: bySource, items: relevant.map(line))

        func objectiveLine(_ pair: (Objective, [ObjectiveMeasurement])) -> ReviewInputs.ObjectiveLine {
            let (o, readings) = pair
            let latest = ObjectiveRules.latest(readings.filter { $0.measuredOn <= s.today })
            return .init(statement: o.statement, control: o.control, comparator: o.comparator, target: o.target, unit: o.unit, latestValue: latest?.value,
                         latestOn: latest?.measuredOn, status: latest.map { ObjectiveRules.meets($0.value, o) ? .met : .notMet } ?? .noData,
                         overdue: ObjectiveRules.isOverdue(o, latest: latest?.measuredOn, today: s.today))
        }

        let audits = s.audits.filter(auditInPeriod).sorted { ($0.startsOn, $0.title) < ($1.startsOn, $1.title) }.map { a -> ReviewInputs.AuditLine in
            let findings = s.findings.filter { $0.auditID == a.id }
            return .init(title: a.title, startsOn: a.startsOn, endsOn: a.endsOn, status: a.status, major: findings.filter { $0.kind == .major }.count,
                         minor: findings.filter { $0.kind == .minor }.count, observations: findings.filter { $0.kind == .observation }.count,
                         improvements: findings.filter { $0.kind == .improvement }.count)
        }
        let external = relevant.filter { $0.source == .certificationAudit }.map(line)

        return ReviewInputs(periodStart: s.periodStart, periodEnd: s.today, previousActions: actions, externalIssues: s.notes.externalIssues,
                            interestedParties: s.notes.interestedParties, nonconformities: summary,
                            monitoring: s.objectives.filter { $0.0.kind == .controlEffectiveness }.map(objectiveLine),
                            audits: audits, externalFindings: external,
                            objectives: s.objectives.filter { $0.0.kind == .objective }.map(objectiveLine),
                            feedback: s.notes.feedback, risk: s.risk, improvement: s.notes.improvement)
    }
}
