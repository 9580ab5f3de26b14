import Foundation

/// An information security objective (6.2) or a control-effectiveness metric (9.1): what is
/// measured, against which target, how often, by whom.
public struct Objective: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<Objective>
    public enum Kind: String, Sendable, Codable, CaseIterable { case objective, controlEffectiveness }
    public enum Comparator: String, Sendable, Codable, CaseIterable { case atLeast, atMost, equal }
    public enum Frequency: String, Sendable, Codable, CaseIterable { case monthly, quarterly, yearly }

    public var id: ID
    public var workspaceID: Workspace.ID
    public var kind: Kind
    public var statement: String
    /// The policy or clause it serves (objectives), e.g. "情報セキュリティ方針 3." or "6.2".
    public var reference: String?
    /// The control it measures (control-effectiveness metrics): an Annex A id or own code.
    public var control: String?
    /// What is measured, how and by whom.
    public var metric: String
    public var unit: String
    public var comparator: Comparator
    public var target: Double
    public var frequency: Frequency
    public var ownerID: User.ID?
    public var dueOn: CalendarDate?
    /// What will be done and with which resources.
    public var plan: String?
    public var createdOn: CalendarDate
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, kind: Kind = .objective, statement: String, reference: String? = nil, control: String? = nil,
                metric: String, unit: String, comparator: Comparator = .atLeast, target: Double, frequency: Frequency = .monthly, ownerID: User.ID? = nil,
                dueOn: CalendarDate? = nil, plan: String? = nil, createdOn: CalendarDate, createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id
        self.workspaceID = workspaceID
        self.kind = kind
        self.statement = statement
        self.reference = reference
        self.control = control
        self.metric = metric
        self.unit = unit
        self.comparator = comparator
        self.target = target
        self.frequency = frequency
        self.ownerID = ownerID
        self.dueOn = dueOn
        self.plan = plan
        self.createdOn = createdOn
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }
}

/// One reading of an objective's metric.
public struct ObjectiveMeasurement: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<ObjectiveMeasurement>

    public var id: ID
    public var objectiveID: Objective.ID
    public var workspaceID: Workspace.ID
    public var measuredOn: CalendarDate
    public var value: Double
    public var note: String?
    public var evidenceLink: String?
    public var recordedBy: User.ID?
    public var createdAt: Date

    public init(id: ID = ID(), objectiveID: Objective.ID, workspaceID: Workspace.ID, measuredOn: CalendarDate, value: Double, note: String? = nil,
                evidenceLink: String? = nil, recordedBy: User.ID? = nil, createdAt: Date) {
        self.id = id
        self.objectiveID = objectiveID
        self.workspaceID = workspaceID
        self.measuredOn = measuredOn
        self.value = value
        self.note = note
        self.evidenceLink = evidenceLink
        self.recordedBy = recordedBy
        self.createdAt = createdAt
    }
}

public enum ObjectiveRules {
    public enum Status: String, Sendable, Codable, CaseIterable { case noData, met, notMet }

    public static let kindNames = ChoiceNames<Objective.Kind>([.objective: ["目的", "情報セキュリティ目的", "Objective"],
                                                               .controlEffectiveness: ["有効性", "管理策の有効性", "Control effectiveness"]])
    public static let comparatorNames = ChoiceNames<Objective.Comparator>([.atLeast: ["以上", "≥", ">=", "at least"], .atMost: ["以下", "≤", "<=", "at most"],
                                                                           .equal: ["等しい", "=", "equal"]])
    public static let frequencyNames = ChoiceNames<Objective.Frequency>([.monthly: ["毎月", "月次", "Monthly"], .quarterly: ["四半期", "四半期ごと", "Quarterly"],
                                                                         .yearly: ["毎年", "年次", "Yearly"]])

    /// Whether a value meets the target.
    public static func meets(_ value: Double, _ objective: Objective) -> Bool {
        switch objective.comparator {
        case .atLeast: return value >= objective.target
        case .atMost: return value <= objective.target
        case .equal: return abs(value - objective.target) < 1e-9
        }
    }

    /// The status from the latest measurement (by date) against the target.
    public static func status(_ objective: Objective, measurements: [ObjectiveMeasurement]) -> Status {
        guard let latest = latest(measurements) else { return .noData }
        return meets(latest.value, objective) ? .met : .notMet
    }

    public static func latest(_ measurements: [ObjectiveMeasurement]) -> ObjectiveMeasurement? {
        measurements.max { ($0.measuredOn, $0.createdAt) < ($1.measuredOn, $1.createdAt) }
    }

    /// A value as people write it: whole numbers without a fraction, others with at most two decimals.
    public static func display(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e12 { return String(Int(value)) }
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    public static func months(_ frequency: Objective.Frequency) -> Int {
        switch frequency { case .monthly: return 1; case .quarterly: return 3; case .yearly: return 12 }
    }

    /// When the next measurement is due: one period after the latest (or after the objective
    /// was set up when there is none).
    public static func nextDue(_ objective: Objective, latest: CalendarDate?) -> CalendarDate {
        (latest ?? objective.createdOn).adding(months: months(objective.frequency))
    }

    /// A measurement is overdue once the day after it was due has come.
    public static func isOverdue(_ objective: Objective, latest: CalendarDate?, today: CalendarDate) -> Bool {
        nextDue(objective, latest: latest) < today
    }
}
