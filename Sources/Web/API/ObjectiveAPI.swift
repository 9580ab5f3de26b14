import Domain
import Features
import Foundation
import Storage
import Vapor

/// `/api/v1/workspaces/{slug}/objectives`: objectives and control-effectiveness metrics with their measurements.
struct ObjectiveAPI {
    let registry: APIRegistry

    func register(_ routes: any RoutesBuilder) {
        let base: [PathComponent] = ["api", "v1", "workspaces", ":slug", "objectives"]
        routes.api(.GET, base, access: .workspace(.workspaceRead), registry: registry,
                   operation: .init(id: "listObjectives", summary: "Objectives with their status and next measurement", tag: "Objectives",
                                    parameters: [Parameters.query("kind", "objective or controlEffectiveness", schema: .string(enumValues: Objective.Kind.allCases.map(\.rawValue))),
                                                 Query.limit, Query.cursor],
                                    responses: [(200, "A page of objectives", "ObjectiveList", false)]), use: list)
        routes.api(.POST, base, access: .workspace(.objectivesManage), registry: registry,
                   operation: .init(id: "createObjective", summary: "Set up an objective or a control-effectiveness metric", tag: "Objectives",
                                    body: ("ObjectiveCreate", "application/json"), responses: [(201, "Created", "Objective", true)]), use: create)
        routes.api(.GET, base + [":objectiveId"], access: .workspace(.workspaceRead), registry: registry,
                   operation: .init(id: "getObjective", summary: "An objective with its measurements", tag: "Objectives",
                                    responses: [(200, "The objective", "Objective", true)]), use: get)
        routes.api(.PATCH, base + [":objectiveId"], access: .workspace(.objectivesManage), registry: registry,
                   operation: .init(id: "updateObjective", summary: "Change an objective", tag: "Objectives", parameters: [Query.ifMatch],
                                    body: ("ObjectivePatch", "application/json"),
                                    responses: [(200, "Updated", "Objective", true), (409, "Changed since your GET", "Problem", false),
                                                (428, "If-Match is missing", "Problem", false)]), use: update)
        routes.api(.DELETE, base + [":objectiveId"], access: .workspace(.objectivesManage), registry: registry,
                   operation: .init(id: "deleteObjective", summary: "Delete an objective and its measurements", tag: "Objectives", parameters: [Query.ifMatchOptional],
                                    responses: [(204, "Deleted", nil, false), (409, "Changed since your GET", "Problem", false)]), use: delete)
        routes.api(.POST, base + [":objectiveId", "measurements"], access: .workspace(.workspaceRead), registry: registry,
                   operation: .init(id: "recordMeasurement", summary: "Record a measurement (the objective's owner or the secretariat)", tag: "Objectives",
                                    body: ("MeasurementCreate", "application/json"), responses: [(201, "Recorded; the objective as it now stands", "Objective", false)]),
                   use: record)
        routes.api(.DELETE, base + [":objectiveId", "measurements", ":measurementId"], access: .workspace(.objectivesManage), registry: registry,
                   operation: .init(id: "deleteMeasurement", summary: "Delete a measurement recorded by mistake", tag: "Objectives",
                                    responses: [(204, "Deleted", nil, false)]), use: deleteMeasurement)
    }

    func objectiveID(_ req: Request) throws -> Objective.ID { try req.id("objectiveId", Objective.ID.self, entity: "objective") }

    @Sendable func list(_ req: Request) async throws -> JSONBody<ListResource<ObjectiveResource>> {
        let access = try req.access()
        var query = ObjectiveQuery()
        if let raw = req.queryValue("kind") {
            guard let kind = Objective.Kind(rawValue: raw) else { throw DomainError.invalid(field: "kind", code: "error.choice") }
            query.kind = kind
        }
        let page = try await Objectives(req.meguri).list(access, query: query, page: try req.pageRequest())
        return JSONBody(value: ListResource(items: page.items.map(ObjectiveResource.init), nextCursor: page.nextCursor))
    }

    struct ObjectiveRequest: Content {
        var kind, statement, reference, control, metric, unit, comparator, frequency, dueOn, plan: String?
        var target: Double?
        var ownerId: Patch<String>

        enum CodingKeys: String, CodingKey { case kind, statement, reference, control, metric, unit, comparator, frequency, dueOn, plan, target, ownerId }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            kind = try c.decodeIfPresent(String.self, forKey: .kind); statement = try c.decodeIfPresent(String.self, forKey: .statement)
            reference = try c.decodeIfPresent(String.self, forKey: .reference); control = try c.decodeIfPresent(String.self, forKey: .control)
            metric = try c.decodeIfPresent(String.self, forKey: .metric); unit = try c.decodeIfPresent(String.self, forKey: .unit)
            comparator = try c.decodeIfPresent(String.self, forKey: .comparator); frequency = try c.decodeIfPresent(String.self, forKey: .frequency)
            dueOn = try c.decodeIfPresent(String.self, forKey: .dueOn); plan = try c.decodeIfPresent(String.self, forKey: .plan)
            target = try c.decodeIfPresent(Double.self, forKey: .target); ownerId = try .decode(c, .ownerId)
        }

        func encode(to encoder: any Encoder) throws {}

        func input() throws -> ObjectiveInput {
            var v = Validator()
            let input = ObjectiveInput(kind: kind, statement: statement, reference: reference, control: control, metric: metric, unit: unit, comparator: comparator,
                                       target: target.map { String($0) }, frequency: frequency, ownerID: ownerId.id(User.ID.self, field: "ownerId", into: &v),
                                       dueOn: dueOn, plan: plan)
            try v.check()
            return input
        }
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let access = try req.access()
        let objective = try await Objectives(req.meguri).create(access, try req.content.decode(ObjectiveRequest.self).input(), context: try req.context())
        let state = try await Objectives(req.meguri).load(access, objective.id)
        return try await json(ObjectiveResource(state), status: .created, etag: objective.version,
                              location: "/api/v1/workspaces/\(access.workspace.slug)/objectives/\(objective.id)", for: req)
    }

    @Sendable func get(_ req: Request) async throws -> Response {
        let state = try await Objectives(req.meguri).load(try req.access(), try objectiveID(req))
        return try await json(ObjectiveResource(state), etag: state.objective.version, for: req)
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try objectiveID(req)
        let version = try req.ifMatchVersion()
        _ = try await Objectives(req.meguri).update(access, id, try req.content.decode(ObjectiveRequest.self).input(), expectedVersion: version, context: try req.context())
        let state = try await Objectives(req.meguri).load(access, id)
        return try await json(ObjectiveResource(state), etag: state.objective.version, for: req)
    }

    @Sendable func delete(_ req: Request) async throws -> HTTPStatus {
        let id = try objectiveID(req)
        let version = req.headers.first(name: .ifMatch) == nil ? nil : try req.ifMatchVersion()
        try await Objectives(req.meguri).delete(try req.access(), id, expectedVersion: version, context: try req.context())
        return .noContent
    }

    struct MeasurementRequest: Content {
        var measuredOn, note, evidenceLink: String?
        var value: Double?
    }

    @Sendable func record(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try objectiveID(req)
        let body = try req.content.decode(MeasurementRequest.self)
        do {
            _ = try await Objectives(req.meguri).record(access, id, MeasurementInput(measuredOn: body.measuredOn, value: body.value.map { String($0) }, note: body.note,
                                                                                     evidenceLink: body.evidenceLink), context: try req.context())
        } catch DomainError.invalid(let errors) {
            // The use case names the reading `measurement` (the page's field); the API body calls it `value`.
            throw DomainError.invalid(errors.map { var e = $0; if e.field == "measurement" { e.field = "value" }; return e })
        }
        return try await json(ObjectiveResource(try await Objectives(req.meguri).load(access, id)), status: .created, for: req)
    }
}

extension ObjectiveAPI {
    @Sendable func deleteMeasurement(_ req: Request) async throws -> HTTPStatus {
        let access = try req.access()
        let objective = try objectiveID(req)
        let id = try req.id("measurementId", ObjectiveMeasurement.ID.self, entity: "measurement")
        guard try await Objectives(req.meguri).measurement(access, id).objectiveID == objective else { throw DomainError.notFound(entity: "measurement") }
        try await Objectives(req.meguri).deleteMeasurement(access, id, context: try req.context())
        return .noContent
    }
}

struct ObjectiveResource: JSONWritable {
    let state: ObjectiveState
    init(_ state: ObjectiveState) { self.state = state }

    func write(_ w: inout JSONWriter) {
        let o = state.objective
        w.object { w in
            w.field("id", o.id.description); w.field("kind", o.kind.rawValue); w.field("statement", o.statement); w.field("reference", o.reference)
            w.field("control", o.control); w.field("metric", o.metric); w.field("unit", o.unit); w.field("comparator", o.comparator.rawValue)
            w.key("target"); w.number(o.target)
            w.field("frequency", o.frequency.rawValue); w.field("ownerId", o.ownerID?.description); w.field("dueOn", o.dueOn?.description); w.field("plan", o.plan)
            w.field("status", state.status.rawValue); w.field("nextDue", state.nextDue.description); w.field("overdue", state.overdue)
            w.key("measurements")
            w.array(state.measurements) { w, m in
                w.object { w in
                    w.field("id", m.id.description); w.field("measuredOn", m.measuredOn.description); w.key("value"); w.number(m.value)
                    w.field("note", m.note); w.field("evidenceLink", m.evidenceLink); w.field("recordedBy", m.recordedBy?.description)
                }
            }
            w.field("createdAt", o.createdAt); w.field("updatedAt", o.updatedAt); w.field("version", o.version)
        }
    }
}

enum ObjectiveSchemas {
    static let nullable: JSON = .string(nullable: true)
    static let fields: [(String, JSON)] = [
        ("kind", .string(enumValues: Objective.Kind.allCases.map(\.rawValue))), ("statement", .string()), ("reference", nullable),
        ("control", .string(nullable: true, description: "An Annex A id or own code (required for controlEffectiveness)")), ("metric", .string()),
        ("unit", .string()), ("comparator", .string(enumValues: Objective.Comparator.allCases.map(\.rawValue))), ("target", ["type": "number"]),
        ("frequency", .string(enumValues: Objective.Frequency.allCases.map(\.rawValue))), ("ownerId", .string(format: "uuid", nullable: true)),
        ("dueOn", .string(format: "date", nullable: true)), ("plan", nullable),
    ]
    static let measurement: [(String, JSON)] = [
        ("id", .string(format: "uuid")), ("measuredOn", .string(format: "date")), ("value", ["type": "number"]), ("note", nullable),
        ("evidenceLink", nullable), ("recordedBy", .string(format: "uuid", nullable: true)),
    ]
    static let objective: [(String, JSON)] = [("id", .string(format: "uuid"))] + fields + [
        ("status", .string(enumValues: ObjectiveRules.Status.allCases.map(\.rawValue))), ("nextDue", .string(format: "date")), ("overdue", ["type": "boolean"]),
        ("measurements", .array(of: .object(measurement, required: measurement.map(\.0)))),
        ("createdAt", .string(format: "date-time")), ("updatedAt", .string(format: "date-time")), ("version", .integer(minimum: 1)),
    ]
    static let all: [(String, JSON)] = [
        ("Objective", .object(objective, required: objective.map(\.0))),
        ("ObjectiveList", APISchemas.list("Objective")),
        ("ObjectiveCreate", .object(fields, required: ["statement", "metric", "unit", "target"])),
        ("ObjectivePatch", .object(fields, required: [])),
        ("MeasurementCreate", .object([("measuredOn", .string(format: "date")), ("value", ["type": "number"]), ("note", nullable), ("evidenceLink", nullable)],
                                      required: ["value"])),
    ]
}
