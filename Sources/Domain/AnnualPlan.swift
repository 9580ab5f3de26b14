import Foundation

/// The PDCA phase an item of the annual plan belongs to.
public enum PlanPhase: String, Sendable, Codable, CaseIterable {
    case plan, `do`, check, act
}

/// Something the secretariat plans that no other register holds (the monthly committee, the BCP
/// drill, the surveillance audit…): a first date and, optionally, a recurrence; each occurrence is
/// marked done (with a note and evidence) or skipped (with a reason).
public struct PlannedActivity: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<PlannedActivity>

    /// What became of one occurrence.
    public struct Outcome: Sendable, Codable, Hashable {
        public enum State: String, Sendable, Codable, CaseIterable { case done, skipped }
        public var on: CalendarDate
        public var state: State
        /// The note of a done occurrence, the reason of a skipped one.
        public var note: String?
        public var evidenceID: Evidence.ID?
        public var by: User.ID
        public var at: Date

        public init(on: CalendarDate, state: State, note: String?, evidenceID: Evidence.ID? = nil, by: User.ID, at: Date) {
            self.on = on; self.state = state; self.note = note; self.evidenceID = evidenceID; self.by = by; self.at = at
        }
    }

    public var id: ID
    public var workspaceID: Workspace.ID
    public var title: String
    public var description: String?
    /// RRULE text (`FREQ=MONTHLY;BYDAY=2TU`); nil for a single date.
    public var rrule: String?
    public var startsOn: CalendarDate
    public var phase: PlanPhase
    public var ownerID: User.ID?
    public var departmentID: Department.ID?
    /// Clauses (`9.3`) and controls (`A.5.24`, own codes) the activity serves.
    public var references: [String]
    /// What the activity should leave behind (minutes, a drill report…).
    public var expectedEvidence: String?
    public var outcomes: [Outcome]
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, title: String, description: String? = nil, rrule: String? = nil, startsOn: CalendarDate,
                phase: PlanPhase = .do, ownerID: User.ID? = nil, departmentID: Department.ID? = nil, references: [String] = [],
                expectedEvidence: String? = nil, outcomes: [Outcome] = [], createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id; self.workspaceID = workspaceID; self.title = title; self.description = description; self.rrule = rrule
        self.startsOn = startsOn; self.phase = phase; self.ownerID = ownerID; self.departmentID = departmentID; self.references = references
        self.expectedEvidence = expectedEvidence; self.outcomes = outcomes; self.createdAt = createdAt; self.updatedAt = updatedAt; self.version = version
    }

    /// The dates of the activity inside `window` (its rule was checked when saved).
    public func occurrences(in window: ClosedRange<CalendarDate>, zone: TimeZone) -> [CalendarDate] {
        guard let rrule, let rule = try? RecurrenceRule.parse(rrule, zone: zone) else {
            return window.contains(startsOn) ? [startsOn] : []
        }
        return rule.dates(start: startsOn, in: window)
    }

    public func outcome(on day: CalendarDate) -> Outcome? { outcomes.first { $0.on == day } }
}

/// One dated obligation of the plan, derived from the record it comes from (nothing is copied).
public struct PlanItem: Sendable, Hashable, Codable {
    /// The register an item comes from; the plan filters on it.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case activity, riskAssessment, internalAudit, managementReview, measurement, treatmentAction, correctiveAction,
             reviewAction, evidence, assetReview, auditorAccess, soaApproval, documentReview, trainingCampaign
    }
    public enum Status: String, Sendable, Codable, CaseIterable { case planned, done, overdue, skipped }

    public var date: CalendarDate
    public var kind: Kind
    /// What a person reads: text typed by someone (an activity's title, an action's title).
    public var title: String
    public var status: Status
    public var phase: PlanPhase
    /// A path inside the web app (`/w/{slug}/…`).
    public var link: String
    public var ownerID: User.ID?
    public var departmentID: Department.ID?
    /// The record behind the item: `activity:{id}`, `audit:{id}`… (a stable part of calendar UIDs).
    public var source: String

    public init(date: CalendarDate, kind: Kind, title: String, status: Status, phase: PlanPhase, link: String, ownerID: User.ID? = nil,
                departmentID: Department.ID? = nil, source: String) {
        self.date = date; self.kind = kind; self.title = title; self.status = status; self.phase = phase; self.link = link
        self.ownerID = ownerID; self.departmentID = departmentID; self.source = source
    }

    /// Done when `done`; otherwise overdue once its day has passed.
    public static func status(done: Bool, date: CalendarDate, today: CalendarDate) -> Status {
        done ? .done : (date < today ? .overdue : .planned)
    }

    /// The plan's order: by date, then kind, then title.
    public static func ordered(_ items: [PlanItem]) -> [PlanItem] {
        items.sorted { ($0.date, $0.kind.rawValue, $0.title, $0.source) < ($1.date, $1.kind.rawValue, $1.title, $1.source) }
    }
}

/// What a person may type about a planned activity, as raw text (nil leaves a field as it is).
public struct PlannedActivityInput: Sendable, Codable, Equatable {
    public var title: String?
    public var description: String?
    public var rrule: String?
    public var startsOn: String?
    public var phase: String?
    public var ownerID: String?
    public var departmentID: String?
    public var references: [String]?
    public var expectedEvidence: String?

    public init(title: String? = nil, description: String? = nil, rrule: String? = nil, startsOn: String? = nil, phase: String? = nil,
                ownerID: String? = nil, departmentID: String? = nil, references: [String]? = nil, expectedEvidence: String? = nil) {
        self.title = title; self.description = description; self.rrule = rrule; self.startsOn = startsOn; self.phase = phase
        self.ownerID = ownerID; self.departmentID = departmentID; self.references = references; self.expectedEvidence = expectedEvidence
    }
}

public enum PlanRules {
    public static let phaseNames = ChoiceNames<PlanPhase>([.plan: ["計画", "Plan", "P"], .do: ["実行", "運用", "Do", "D"], .check: ["評価", "点検", "Check", "C"],
                                                         .act: ["改善", "処置", "Act", "A"]])

    /// The fiscal year starting in `year` (its start month taken from the workspace).
    public static func fiscalYear(_ year: Int, startMonth: Int) -> ClosedRange<CalendarDate> {
        let start = CalendarDate(year: year, month: startMonth, day: 1)!
        let next = CalendarDate(year: year + 1, month: startMonth, day: 1)!
        return start...next.adding(days: -1)
    }

    /// The window the plan may be asked about: the fiscal year before the current one to three after.
    public static func window(today: CalendarDate, startMonth: Int) -> ClosedRange<CalendarDate> {
        let current = today.month >= startMonth ? today.year : today.year - 1
        return fiscalYear(current - 1, startMonth: startMonth).lowerBound...fiscalYear(current + 3, startMonth: startMonth).upperBound
    }

    /// The twelve months of a fiscal year as (year, month), in order.
    public static func months(of fiscalYear: Int, startMonth: Int) -> [(year: Int, month: Int)] {
        (0..<12).map { offset in
            let index = startMonth - 1 + offset
            return (fiscalYear + index / 12, index % 12 + 1)
        }
    }

    /// Reads an RRULE into its canonical text, or adds an error naming the part that cannot be read.
    public static func checkRule(_ raw: String?, field: String, zone: TimeZone, into v: inout Validator) -> String? {
        guard let text = raw.flatMap(Text.nonBlank) else { return nil }
        do {
            return try RecurrenceRule.parse(text, zone: zone).description
        } catch {
            v.add(field, error.code, ["part": error.part])
            return nil
        }
    }

    /// Applies the fields of an input; the caller checks owner and department exist.
    public static func apply(_ input: PlannedActivityInput, to activity: inout PlannedActivity, creating: Bool, zone: TimeZone, into v: inout Validator) {
        if creating || input.title != nil { activity.title = v.required(input.title, "title", maxLength: 200) }
        if let value = input.description { activity.description = v.optional(value, "description", maxLength: 5000) }
        if let value = input.expectedEvidence { activity.expectedEvidence = v.optional(value, "expectedEvidence", maxLength: 1000) }
        if creating || input.startsOn != nil {
            if let text = input.startsOn.flatMap(Text.nonBlank) {
                if let day = CalendarDate(text) { activity.startsOn = day } else { v.add("startsOn", "error.date") }
            } else {
                v.add("startsOn", "error.required")
            }
        }
        if let value = input.rrule {
            activity.rrule = Text.nonBlank(value) == nil ? nil : checkRule(value, field: "rrule", zone: zone, into: &v) ?? activity.rrule
        }
        if let value = input.phase {
            if let phase = phaseNames.parse(value) { activity.phase = phase } else { v.add("phase", "error.choice") }
        }
        if let refs = input.references {
            var cleaned: [String] = []
            for raw in refs {
                for piece in raw.split(whereSeparator: { $0 == "," || $0 == "、" || $0 == " " || $0 == "\n" }) {
                    let code = Text.halfWidth(Text.trimmed(String(piece))).uppercased()
                    guard !code.isEmpty else { continue }
                    if code.count > 30 { v.add("references", "error.tooLong", ["max": "30"]); continue }
                    if !cleaned.contains(code) { cleaned.append(code) }
                }
            }
            activity.references = cleaned
        }
    }

    /// A long text cut to its first line and 80 characters, for a plan's row.
    public static func short(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.count > 80 ? String(line.prefix(79)) + "…" : line
    }

    /// Whether an occurrence may be marked: it must be one of the activity's dates.
    public static func isOccurrence(_ day: CalendarDate, of activity: PlannedActivity, zone: TimeZone) -> Bool {
        activity.occurrences(in: day...day, zone: zone) == [day]
    }
}
