import Domain
import Localization
import Foundation
import Storage

/// What a person types about an objective. `nil` leaves a field unchanged.
public struct ObjectiveInput: Sendable, Codable, Equatable {
    public var kind, statement, reference, control, metric, unit, comparator, target, frequency, dueOn, plan: String?
    public var ownerID: User.ID??

    public init(kind: String? = nil, statement: String? = nil, reference: String? = nil, control: String? = nil, metric: String? = nil, unit: String? = nil,
                comparator: String? = nil, target: String? = nil, frequency: String? = nil, ownerID: User.ID?? = nil, dueOn: String? = nil, plan: String? = nil) {
        self.kind = kind; self.statement = statement; self.reference = reference; self.control = control; self.metric = metric; self.unit = unit
        self.comparator = comparator; self.target = target; self.frequency = frequency; self.ownerID = ownerID; self.dueOn = dueOn; self.plan = plan
    }
}

/// What a person types about one measurement.
public struct MeasurementInput: Sendable, Codable, Equatable {
    public var measuredOn, value, note, evidenceLink: String?
    public init(measuredOn: String? = nil, value: String? = nil, note: String? = nil, evidenceLink: String? = nil) {
        self.measuredOn = measuredOn; self.value = value; self.note = note; self.evidenceLink = evidenceLink
    }
}

/// An objective with its measurements and what they say.
public struct ObjectiveState: Sendable {
    public var objective: Objective
    public var measurements: [ObjectiveMeasurement]
    public var status: ObjectiveRules.Status
    public var nextDue: CalendarDate
    public var overdue: Bool
}

/// Information security objectives (6.2) and control-effectiveness metrics (9.1): the secretariat
/// sets them up, their owners record measurements, the status follows the latest one.
public struct Objectives: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    func state(_ objective: Objective, _ measurements: [ObjectiveMeasurement], today: CalendarDate) -> ObjectiveState {
        let latest = ObjectiveRules.latest(measurements)?.measuredOn
        return ObjectiveState(objective: objective, measurements: measurements, status: ObjectiveRules.status(objective, measurements: measurements),
                              nextDue: ObjectiveRules.nextDue(objective, latest: latest), overdue: ObjectiveRules.isOverdue(objective, latest: latest, today: today))
    }

    public func list(_ access: WorkspaceAccess, query: ObjectiveQuery, page: PageRequest) async throws -> Page<ObjectiveState> {
        try access.require(.workspaceRead)
        let workspace = access.workspaceID
        return try await services.store.read { db in
            let page = try await db.objectives.list(in: workspace, query: query, page: page)
            let measurements = try await db.objectives.measurements(of: page.items.map(\.id), in: workspace)
            return Page(items: page.items.map { state($0, measurements[$0.id] ?? [], today: access.today) }, nextCursor: page.nextCursor, total: page.total)
        }
    }

    public func load(_ access: WorkspaceAccess, _ id: Objective.ID) async throws -> ObjectiveState {
        try access.require(.workspaceRead)
        let workspace = access.workspaceID
        return try await services.store.read { db in
            guard let objective = try await db.objectives.load(id, in: workspace) else { throw DomainError.notFound(entity: "objective") }
            return state(objective, try await db.objectives.measurements(of: [id], in: workspace)[id] ?? [], today: access.today)
        }
    }

    func apply(_ input: ObjectiveInput, to o: inout Objective, creating: Bool, workspace: Workspace.ID, tx: Writer) async throws {
        var v = Validator()
        if let raw = input.kind, let text = Text.nonBlank(raw) {
            if let kind = ObjectiveRules.kindNames.parse(text) { o.kind = kind } else { v.add("kind", "error.choiceValue", ["value": text]) }
        }
        if creating || input.statement != nil { o.statement = v.required(input.statement, "statement", maxLength: 300) }
        if let text = input.reference { o.reference = v.optional(text, "reference", maxLength: 200) }
        if let raw = input.control {
            if Text.nonBlank(raw) == nil { o.control = nil } else if let id = try await Risks.resolveControl(raw, catalog: services.catalog, workspace: workspace, tx: tx) {
                o.control = id
            } else {
                v.add("control", "error.unknownControl", ["value": raw])
            }
        }
        if creating || input.metric != nil { o.metric = v.required(input.metric, "metric", maxLength: 1000) }
        if creating || input.unit != nil { o.unit = v.required(input.unit, "unit", maxLength: 30) }
        if let raw = input.comparator, let text = Text.nonBlank(raw) {
            if let comparator = ObjectiveRules.comparatorNames.parse(text) { o.comparator = comparator } else { v.add("comparator", "error.choiceValue", ["value": text]) }
        }
        if creating || input.target != nil {
            let text = v.required(input.target, "target", maxLength: 30)
            if !text.isEmpty { if let value = Text.decimal(text) { o.target = value } else { v.add("target", "error.number") } }
        }
        if let raw = input.frequency, let text = Text.nonBlank(raw) {
            if let frequency = ObjectiveRules.frequencyNames.parse(text) { o.frequency = frequency } else { v.add("frequency", "error.choiceValue", ["value": text]) }
        }
        if let raw = input.dueOn {
            if let text = Text.nonBlank(raw) { if let date = CalendarDate(text) { o.dueOn = date } else { v.add("dueOn", "error.date") } } else { o.dueOn = nil }
        }
        if let text = input.plan { o.plan = v.optional(text, "plan", maxLength: 4000) }
        if let owner = input.ownerID {
            if let user = owner, try await tx.lookups.member(user: user, in: workspace) == nil { v.add("ownerId", "error.notAMember") }
            o.ownerID = owner
        }
        if o.kind == .controlEffectiveness && o.control == nil { v.add("control", "error.controlNeeded") }
        try v.check()
    }

    public func create(_ access: WorkspaceAccess, _ input: ObjectiveInput, context: Context) async throws -> Objective {
        try access.require(.objectivesManage)
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            var objective = Objective(workspaceID: workspace, statement: "", metric: "", unit: "", target: 0, createdOn: access.today, createdAt: now, updatedAt: now)
            try await apply(input, to: &objective, creating: true, workspace: workspace, tx: tx)
            try await tx.objectives.insert(objective)
            try await tx.record(.change("objective", id: objective.id.description, action: "create", workspace: workspace, before: nil as Objective?, after: objective),
                                context, at: now)
            return objective
        }
    }

    public func update(_ access: WorkspaceAccess, _ id: Objective.ID, _ input: ObjectiveInput, expectedVersion: Int?, context: Context) async throws -> Objective {
        try access.require(.objectivesManage)
        guard let expectedVersion else { throw DomainError.versionRequired }
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            guard let before = try await tx.objectives.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "objective") }
            guard before.version == expectedVersion else { throw DomainError.conflict(entity: "objective", currentVersion: before.version) }
            var after = before
            try await apply(input, to: &after, creating: false, workspace: workspace, tx: tx)
            var comparable = after
            comparable.updatedAt = before.updatedAt
            guard comparable != before else { return before }
            after.updatedAt = now
            let saved = try await tx.objectives.update(after)
            try await tx.record(.change("objective", id: id.description, action: "update", workspace: workspace, before: before, after: saved), context, at: now)
            return saved
        }
    }

    public func delete(_ access: WorkspaceAccess, _ id: Objective.ID, expectedVersion: Int?, context: Context) async throws {
        try access.require(.objectivesManage)
        let now = services.now
        let workspace = access.workspaceID
        try await services.store.write { tx in
            guard let before = try await tx.objectives.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "objective") }
            if let expectedVersion, before.version != expectedVersion { throw DomainError.conflict(entity: "objective", currentVersion: before.version) }
            try await tx.objectives.delete(id, in: workspace)
            try await tx.record(.change("objective", id: id.description, action: "delete", workspace: workspace, before: before, after: nil as Objective?), context, at: now)
        }
    }

    /// The objective's owner or the secretariat records a reading.
    public func record(_ access: WorkspaceAccess, _ id: Objective.ID, _ input: MeasurementInput, context: Context) async throws -> ObjectiveMeasurement {
        try access.require(.workspaceRead)
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            guard let objective = try await tx.objectives.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "objective") }
            guard access.allows(.objectivesManage) || objective.ownerID == access.user.id else { throw DomainError.forbiddenBecause("error.notYourObjective") }
            var v = Validator()
            var measurement = ObjectiveMeasurement(objectiveID: id, workspaceID: workspace, measuredOn: access.today, value: 0, recordedBy: access.user.id, createdAt: now)
            if let text = Text.nonBlank(input.measuredOn) {
                if let date = CalendarDate(text) {
                    if access.today < date { v.add("measuredOn", "error.dateInFuture") } else { measurement.measuredOn = date }
                } else { v.add("measuredOn", "error.date") }
            }
            let valueText = v.required(input.value, "measurement", maxLength: 30)
            if !valueText.isEmpty { if let value = Text.decimal(valueText) { measurement.value = value } else { v.add("measurement", "error.number") } }
            measurement.note = v.optional(input.note, "note", maxLength: 2000)
            if let link = v.optional(input.evidenceLink, "evidenceLink", maxLength: 1000) {
                if !WebAddress.isValid(link) { v.add("evidenceLink", "error.url", ["value": link]) }
                measurement.evidenceLink = link
            }
            try v.check()
            try await tx.objectives.insert(measurement)
            try await tx.record(.change("measurement", id: measurement.id.description, action: "create", workspace: workspace, before: nil as ObjectiveMeasurement?,
                                        after: measurement), context, at: now)
            return measurement
        }
    }

    public func deleteMeasurement(_ access: WorkspaceAccess, _ id: ObjectiveMeasurement.ID, context: Context) async throws {
        try access.require(.objectivesManage)
        let now = services.now
        let workspace = access.workspaceID
        try await services.store.write { tx in
            guard let before = try await tx.objectives.measurement(id, in: workspace) else { throw DomainError.notFound(entity: "measurement") }
            try await tx.objectives.deleteMeasurement(id, in: workspace)
            try await tx.record(.change("measurement", id: id.description, action: "delete", workspace: workspace, before: before, after: nil as ObjectiveMeasurement?), context, at: now)
        }
    }
}

/// Owners: an objective whose next measurement is overdue.
struct MeasurementsDueSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        let page = try await reader.objectives.list(in: access.workspaceID, query: ObjectiveQuery(ownerID: access.user.id), page: PageRequest(limit: 50))
        guard !page.items.isEmpty else { return [] }
        let measurements = try await reader.objectives.measurements(of: page.items.map(\.id), in: access.workspaceID)
        return page.items.compactMap { o in
            let latest = ObjectiveRules.latest(measurements[o.id] ?? [])?.measuredOn
            let due = ObjectiveRules.nextDue(o, latest: latest)
            guard due <= access.today.adding(days: 7) else { return nil }
            return WorkItem(kind: .finish, titleKey: "work.measure", params: ["statement": o.statement], link: "/w/\(access.workspace.slug)/objectives/\(o.id)", due: due)
        }
    }
}

/// How an objective's target reads: "95%以上" in Japanese, "at least 95%" in English (a symbol
/// unit is written without a space).
public enum ObjectiveText {
    public static func target(_ o: Objective, _ language: Language, _ localizer: Localizer) -> String {
        target(o.comparator, o.target, unit: o.unit, language, localizer)
    }

    public static func target(_ comparator: Objective.Comparator, _ value: Double, unit: String, _ language: Language, _ localizer: Localizer) -> String {
        let symbol = ["%", "％", "‰"].contains(unit) || language == .ja
        let amount = ObjectiveRules.display(value) + (unit.isEmpty ? "" : (symbol ? "" : " ") + unit)
        return localizer.text("objective.targetPhrase.\(comparator.rawValue)", language, ["amount": amount])
    }
}
