import Domain
import Foundation
import SQLKit

struct ObjectiveRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey {
        case id, workspaceId = "workspace_id", kind, statement, reference, control, metric, unit, comparator, target, frequency, ownerId = "owner_id",
             dueOn = "due_on", plan, createdOn = "created_on", createdAt = "created_at", updatedAt = "updated_at", version
    }
    var id: UUID
    var workspaceId: UUID
    var kind: String
    var statement: String
    var reference: String?
    var control: String?
    var metric: String
    var unit: String
    var comparator: String
    var target: Double
    var frequency: String
    var ownerId: UUID?
    var dueOn: String?
    var plan: String?
    var createdOn: String
    var createdAt: Date
    var updatedAt: Date
    var version: Int

    init(_ o: Objective) {
        id = o.id.uuid; workspaceId = o.workspaceID.uuid; kind = o.kind.rawValue; statement = o.statement; reference = o.reference; control = o.control
        metric = o.metric; unit = o.unit; comparator = o.comparator.rawValue; target = o.target; frequency = o.frequency.rawValue; ownerId = o.ownerID?.uuid
        dueOn = o.dueOn?.description; plan = o.plan; createdOn = o.createdOn.description; createdAt = stored(o.createdAt); updatedAt = stored(o.updatedAt)
        version = o.version
    }

    init(_ r: RowReader) throws {
        id = try r.uuid("id"); workspaceId = try r.uuid("workspace_id"); kind = try r.string("kind"); statement = try r.string("statement")
        reference = try r.optionalString("reference"); control = try r.optionalString("control"); metric = try r.string("metric"); unit = try r.string("unit")
        comparator = try r.string("comparator"); target = try r.row.decode(column: "target", as: Double.self); frequency = try r.string("frequency")
        ownerId = try r.optionalUUID("owner_id"); dueOn = try r.optionalString("due_on"); plan = try r.optionalString("plan")
        createdOn = try r.string("created_on"); createdAt = try r.date("created_at"); updatedAt = try r.date("updated_at"); version = try r.int("version")
    }

    var objective: Objective {
        Objective(id: Objective.ID(id), workspaceID: Workspace.ID(workspaceId), kind: Objective.Kind(rawValue: kind) ?? .objective, statement: statement,
                  reference: reference, control: control, metric: metric, unit: unit, comparator: Objective.Comparator(rawValue: comparator) ?? .atLeast,
                  target: target, frequency: Objective.Frequency(rawValue: frequency) ?? .monthly, ownerID: ownerId.map(User.ID.init),
                  dueOn: CalendarDate(stored: dueOn), plan: plan, createdOn: CalendarDate(createdOn) ?? CalendarDate(year: 2000, month: 1, day: 1)!,
                  createdAt: createdAt, updatedAt: updatedAt, version: version)
    }
}

struct MeasurementRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey {
        case id, objectiveId = "objective_id", workspaceId = "workspace_id", measuredOn = "measured_on", value, note, evidenceLink = "evidence_link",
             recordedBy = "recorded_by", createdAt = "created_at"
    }
    var id: UUID
    var objectiveId: UUID
    var workspaceId: UUID
    var measuredOn: String
    var value: Double
    var note: String?
    var evidenceLink: String?
    var recordedBy: UUID?
    var createdAt: Date

    init(_ m: ObjectiveMeasurement) {
        id = m.id.uuid; objectiveId = m.objectiveID.uuid; workspaceId = m.workspaceID.uuid; measuredOn = m.measuredOn.description; value = m.value
        note = m.note; evidenceLink = m.evidenceLink; recordedBy = m.recordedBy?.uuid; createdAt = stored(m.createdAt)
    }

    init(_ r: RowReader) throws {
        id = try r.uuid("id"); objectiveId = try r.uuid("objective_id"); workspaceId = try r.uuid("workspace_id"); measuredOn = try r.string("measured_on")
        value = try r.row.decode(column: "value", as: Double.self); note = try r.optionalString("note"); evidenceLink = try r.optionalString("evidence_link")
        recordedBy = try r.optionalUUID("recorded_by"); createdAt = try r.date("created_at")
    }

    var measurement: ObjectiveMeasurement {
        ObjectiveMeasurement(id: ObjectiveMeasurement.ID(id), objectiveID: Objective.ID(objectiveId), workspaceID: Workspace.ID(workspaceId),
                    measuredOn: CalendarDate(measuredOn) ?? CalendarDate(year: 2000, month: 1, day: 1)!, value: value, note: note, evidenceLink: evidenceLink,
                    recordedBy: recordedBy.map(User.ID.init), createdAt: createdAt)
    }
}

/// Filters of the objectives list.
public struct ObjectiveQuery: Sendable, Equatable {
    public var kind: Objective.Kind?
    public var ownerID: User.ID?
    public init(kind: Objective.Kind? = nil, ownerID: User.ID? = nil) {
        self.kind = kind
        self.ownerID = ownerID
    }
}

public struct ObjectiveStore: Sendable {
    let sql: any SQLDatabase

    public func insert(_ objective: Objective) async throws {
        try await sql.insert(into: "objectives").model(ObjectiveRow(objective), with: rowEncoder).run()
    }

    public func update(_ objective: Objective) async throws -> Objective {
        var next = objective
        next.version += 1
        try await sql.update("objectives").set(model: ObjectiveRow(next), with: rowEncoder)
            .where("id", .equal, objective.id.uuid).where("workspace_id", .equal, objective.workspaceID.uuid).run()
        return next
    }

    public func delete(_ id: Objective.ID, in workspace: Workspace.ID) async throws {
        try await sql.delete(from: "measurements").where("objective_id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid).run()
        try await sql.delete(from: "objectives").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid).run()
    }

    public func load(_ id: Objective.ID, in workspace: Workspace.ID, forUpdate: Bool = false) async throws -> Objective? {
        let query = sql.select().column("*").from("objectives").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid)
        if forUpdate { query.for(.update) }
        return try await query.first(ObjectiveRow.self)?.objective
    }

    /// Oldest first (the order they were set up in).
    public func list(in workspace: Workspace.ID, query: ObjectiveQuery, page: PageRequest) async throws -> Page<Objective> {
        let builder = sql.select().column("*").from("objectives").where("workspace_id", .equal, workspace.uuid)
        if let kind = query.kind { builder.where("kind", .equal, kind.rawValue) }
        if let owner = query.ownerID { builder.where("owner_id", .equal, owner.uuid) }
        let listed = builder.select
        if let cursor = page.cursor.flatMap(Cursor.decode), let id = UUID(uuidString: cursor.id), let at = Double(cursor.key) {
            let date = Date(timeIntervalSince1970: at)
            builder.where { $0.where("created_at", .greaterThan, SQLBind(date)).orWhere { $0.where("created_at", .equal, SQLBind(date)).where("id", .greaterThan, SQLBind(id)) } }
        }
        let rows = try await builder.orderBy("created_at").orderBy("id").limit(page.limit + 1).offset(page.skip).all(ObjectiveRow.self)
        let items = rows.prefix(page.limit).map(\.objective)
        let next = rows.count > page.limit ? items.last.map { Cursor(key: String($0.createdAt.timeIntervalSince1970), id: $0.id.uuid.uuidString).encoded } : nil
        return Page(items: Array(items), nextCursor: next, total: page.counting ? try await sql.total(listed) : nil)
    }

    public func insert(_ measurement: ObjectiveMeasurement) async throws {
        try await sql.insert(into: "measurements").model(MeasurementRow(measurement), with: rowEncoder).run()
    }

    public func deleteMeasurement(_ id: ObjectiveMeasurement.ID, in workspace: Workspace.ID) async throws {
        try await sql.delete(from: "measurements").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid).run()
    }

    public func measurement(_ id: ObjectiveMeasurement.ID, in workspace: Workspace.ID) async throws -> ObjectiveMeasurement? {
        try await sql.select().column("*").from("measurements").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid)
            .first(MeasurementRow.self)?.measurement
    }

    /// Every measurement of these objectives, oldest first.
    public func measurements(of objectives: [Objective.ID], in workspace: Workspace.ID) async throws -> [Objective.ID: [ObjectiveMeasurement]] {
        guard !objectives.isEmpty else { return [:] }
        let rows = try await sql.select().column("*").from("measurements").where("workspace_id", .equal, workspace.uuid)
            .where("objective_id", .in, objectives.map(\.uuid)).orderBy("measured_on").orderBy("created_at").all(MeasurementRow.self)
        return Dictionary(grouping: rows.map(\.measurement), by: \.objectiveID)
    }
}
