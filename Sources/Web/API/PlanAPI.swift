import Domain
import Features
import Foundation
import Vapor

/// `/api/v1/workspaces/{slug}/plan`, `planned-activities` and the calendar addresses
/// (`/api/v1/me/calendar`, `…/plan/calendar`): the annual plan.
struct PlanAPI {
    let registry: APIRegistry

    static var w: [PathComponent] { ["api", "v1", "workspaces", ":slug"] }

    func register(_ routes: any RoutesBuilder) {
        func op(_ id: String, _ summary: String, parameters: [APIOperation.Parameter] = [], body: String? = nil,
                _ responses: [(Int, String, String?, Bool)]) -> APIOperation {
            .init(id: id, summary: summary, tag: "Annual plan", parameters: parameters, body: body.map { ($0, "application/json") }, responses: responses)
        }
        routes.api(.GET, Self.w + ["plan"], access: .workspace(.planRead), registry: registry,
                   operation: op("getPlan", "Every dated obligation between two days (at most 400 apart, inside the fiscal year before the current one to three after), in date order",
                                 parameters: Self.filters, [(200, "The items", "PlanItemList", false)]), use: plan)
        routes.api(.GET, Self.w + ["plan", "export"], access: .workspace(.planRead), registry: registry,
                   operation: op("exportPlan", "A fiscal year as CSV or Excel",
                                 parameters: [Parameters.query("year", "The calendar year the fiscal year starts in (default: the current one)", schema: .integer())]
                                     + TableDownloads.parameters, [(200, "The file", "Table", false)]), use: export)
        routes.api(.GET, Self.w + ["plan", "typical"], access: .workspace(.planManage), registry: registry,
                   operation: op("proposeTypicalPlan", "The year a certified organization runs, placed on a fiscal year: a proposal to edit and send back to planned-activities",
                                 parameters: [Parameters.query("year", "The calendar year the fiscal year starts in (default: the current one)", schema: .integer())],
                                 [(200, "The proposal", "PlannedActivityWriteList", false)]), use: typical)
        routes.api(.GET, Self.w + ["plan", "calendar"], access: .workspace(.planManage), registry: registry,
                   operation: op("getPlanCalendar", "The secret address of the workspace's whole plan as an iCalendar feed (made on first request)",
                                 [(200, "The address", "CalendarAddress", false)]), use: workspaceCalendar)
        routes.api(.DELETE, Self.w + ["plan", "calendar"], access: .workspace(.planManage), registry: registry,
                   operation: op("revokePlanCalendar", "Revoke the workspace plan address: it stops working; the next GET makes a new one",
                                 [(204, "Revoked", nil, false)]), use: revokeWorkspaceCalendar)
        routes.api(.GET, ["api", "v1", "me", "calendar"], access: .signedIn, registry: registry,
                   operation: op("getMyCalendar", "The secret address of your own dated items in every workspace as an iCalendar feed (made on first request)",
                                 [(200, "The address", "CalendarAddress", false)]), use: myCalendar)
        routes.api(.DELETE, ["api", "v1", "me", "calendar"], access: .signedIn, registry: registry,
                   operation: op("revokeMyCalendar", "Revoke your calendar address: it stops working; the next GET makes a new one",
                                 [(204, "Revoked", nil, false)]), use: revokeMyCalendar)
        activities.register(routes, registry: registry)
        for (name, state) in [("done", PlannedActivity.Outcome.State.done), ("skip", .skipped)] {
            routes.api(.POST, Self.w + ["planned-activities", ":activityId", "occurrences", ":date", PathComponent(stringLiteral: name)],
                       access: .workspace(.workspaceRead), registry: registry,
                       operation: op(name == "done" ? "markOccurrenceDone" : "skipOccurrence",
                                     name == "done" ? "Mark one occurrence done, with a note and optionally an evidence id (the activity's owner or the secretariat)"
                                         : "Skip one occurrence, with the reason (the activity's owner or the secretariat)",
                                     body: "OccurrenceWrite", [(200, "The activity", "PlannedActivity", true)])) { req in try await self.mark(req, state) }
        }
        routes.api(.DELETE, Self.w + ["planned-activities", ":activityId", "occurrences", ":date"], access: .workspace(.planManage), registry: registry,
                   operation: op("reopenOccurrence", "Take back what was recorded for an occurrence", [(200, "The activity", "PlannedActivity", true)]), use: reopen)
    }

    static let filters: [APIOperation.Parameter] = [
        Parameters.query("from", "First day, YYYY-MM-DD (required)", schema: .string(format: "date")),
        Parameters.query("to", "Last day, YYYY-MM-DD (required)", schema: .string(format: "date")),
        Parameters.query("phase", "plan, do, check or act", schema: .string(enumValues: PlanPhase.allCases.map(\.rawValue))),
        Parameters.query("kind", "Only items of this kind", schema: .string(enumValues: PlanItem.Kind.allCases.map(\.rawValue))),
        Parameters.query("status", "Only items in this state", schema: .string(enumValues: PlanItem.Status.allCases.map(\.rawValue))),
        Parameters.query("ownerId", "Only this person's", schema: .string(format: "uuid")),
        Parameters.query("departmentId", "Only this department's", schema: .string(format: "uuid")),
    ]

    static func query(_ req: Request, access: WorkspaceAccess) throws -> PlanQuery {
        let (from, to) = try AnnualPlan(req.meguri).check(access, from: req.queryValue("from"), to: req.queryValue("to"))
        var query = PlanQuery(from: from, to: to)
        var v = Validator()
        func choice<E: RawRepresentable>(_ name: String, _ type: E.Type) -> E? where E.RawValue == String {
            guard let raw = req.queryValue(name), !raw.isEmpty else { return nil }
            guard let value = E(rawValue: raw) else { v.add(name, "error.choice"); return nil }
            return value
        }
        query.phase = choice("phase", PlanPhase.self)
        query.kind = choice("kind", PlanItem.Kind.self)
        query.status = choice("status", PlanItem.Status.self)
        try v.check()
        query.ownerID = try CheckActAPI.optionalID(req, "ownerId", User.ID.self)
        query.departmentID = try CheckActAPI.optionalID(req, "departmentId", Department.ID.self)
        return query
    }

    @Sendable func plan(_ req: Request) async throws -> JSONBody<ListResource<ShapedResource<PlanItem>>> {
        let access = try req.access()
        return JSONBody(value: PlanShapes.item.list(try await AnnualPlan(req.meguri).items(access, try Self.query(req, access: access))))
    }

    static func year(_ req: Request, _ access: WorkspaceAccess) throws -> Int {
        guard let raw = req.queryValue("year") else { return AnnualPlan.currentFiscalYear(access) }
        guard let year = Int(raw), (1900...9998).contains(year) else { throw DomainError.invalid(field: "year", code: "error.format") }
        return year
    }

    @Sendable func export(_ req: Request) async throws -> Response {
        let access = try req.access()
        let format = try Exporting.format(req)
        let year = try Self.year(req, access)
        let data = try await AnnualPlan(req.meguri).export(access, fiscalYear: year, format: format, language: try Exporting.language(req))
        return Exporting.file(data, name: "plan-\(access.workspace.slug)-\(year)", format: format)
    }

    @Sendable func typical(_ req: Request) async throws -> JSONBody<ListResource<ShapedResource<ProposedActivity>>> {
        let access = try req.access()
        let proposal = try AnnualPlan(req.meguri).proposal(access, fiscalYear: try Self.year(req, access))
        return JSONBody(value: PlanShapes.proposed(req.language).list(proposal))
    }

    func address(_ req: Request, _ token: String) -> CalendarAddress {
        CalendarAddress(url: PlanPages.feedURL(req, token))
    }

    @Sendable func workspaceCalendar(_ req: Request) async throws -> JSONBody<ShapedResource<CalendarAddress>> {
        JSONBody(value: PlanShapes.address.resource(address(req, try await CalendarFeeds(req.meguri).workspace(try req.access()))))
    }

    @Sendable func revokeWorkspaceCalendar(_ req: Request) async throws -> Response {
        let access = try req.access()
        try await CalendarFeeds(req.meguri).revoke(access.user, access: access, context: try req.context())
        return Response(status: .noContent)
    }

    /// A token limited to one workspace may not reach a feed that spans every workspace.
    static func requireUnlimited(_ req: Request) throws -> User {
        if case .token(let token, _) = req.principal, token.workspaceID != nil { throw DomainError.forbiddenBecause("error.tokenLimited") }
        return try req.requireUser()
    }

    @Sendable func myCalendar(_ req: Request) async throws -> JSONBody<ShapedResource<CalendarAddress>> {
        let user = try Self.requireUnlimited(req)
        return JSONBody(value: PlanShapes.address.resource(address(req, try await CalendarFeeds(req.meguri).personal(user))))
    }

    @Sendable func revokeMyCalendar(_ req: Request) async throws -> Response {
        let user = try Self.requireUnlimited(req)
        try await CalendarFeeds(req.meguri).revoke(user, context: try req.context())
        return Response(status: .noContent)
    }

    // MARK: Planned activities

    static func activityID(_ req: Request) throws -> PlannedActivity.ID { try req.id("activityId", PlannedActivity.ID.self, entity: PlannedActivity.auditEntity) }

    var activities: CRUDRoutes<PlannedActivity, PlannedActivity, ActivityRequest> {
        CRUDRoutes(base: Self.w + ["planned-activities"], idParameter: "activityId", tag: "Annual plan", singular: "PlannedActivity", plural: "PlannedActivities",
                   item: PlanShapes.activity, shape: PlanShapes.activity, read: .planRead, manage: .planManage,
                   createSchema: "PlannedActivityWrite", patchSchema: "PlannedActivityWrite",
                   summaries: ["listPlannedActivities": "The activities the secretariat planned, by first date",
                               "createPlannedActivity": "Plan an activity: a first date and optionally an RRULE (FREQ YEARLY/MONTHLY/WEEKLY, INTERVAL, BYMONTH, BYMONTHDAY, BYDAY with ordinals, UNTIL or COUNT)"],
                   listParameters: [],
                   version: { $0.version }, identity: { $0.id.description },
                   list: { req, access in Page(items: try await AnnualPlan(req.meguri).activities(access), nextCursor: nil) },
                   create: { req, access, body in try await AnnualPlan(req.meguri).create(access, try body.input(), context: try req.context()) },
                   get: { req, access in try await AnnualPlan(req.meguri).activity(access, try Self.activityID(req)) },
                   update: { req, access, body, version in
                       try await AnnualPlan(req.meguri).update(access, try Self.activityID(req), try body.input(), expectedVersion: version, context: try req.context())
                   },
                   delete: { req, access, version in
                       try await AnnualPlan(req.meguri).delete(access, try Self.activityID(req), expectedVersion: version, context: try req.context())
                   })
    }

    struct ActivityRequest: Content {
        var title, startsOn, phase: String?
        var description, rrule, ownerId, departmentId, expectedEvidence: Patch<String>
        var references: [String]?
        enum CodingKeys: String, CodingKey { case title, startsOn, phase, description, rrule, ownerId, departmentId, expectedEvidence, references }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            title = try c.decodeIfPresent(String.self, forKey: .title); startsOn = try c.decodeIfPresent(String.self, forKey: .startsOn)
            phase = try c.decodeIfPresent(String.self, forKey: .phase); references = try c.decodeIfPresent([String].self, forKey: .references)
            description = try .decode(c, .description); rrule = try .decode(c, .rrule); ownerId = try .decode(c, .ownerId)
            departmentId = try .decode(c, .departmentId); expectedEvidence = try .decode(c, .expectedEvidence)
        }
        func encode(to encoder: any Encoder) throws {}
        func input() throws -> PlannedActivityInput {
            PlannedActivityInput(title: title, description: description.text, rrule: rrule.text, startsOn: startsOn, phase: phase, ownerID: ownerId.text,
                                 departmentID: departmentId.text, references: references, expectedEvidence: expectedEvidence.text)
        }
    }

    struct OccurrenceBody: Content {
        var note: String?
        var evidenceId: String?
    }

    func mark(_ req: Request, _ state: PlannedActivity.Outcome.State) async throws -> Response {
        let access = try req.access()
        let id = try Self.activityID(req)
        let body = req.body.data == nil ? OccurrenceBody() : try req.content.decode(OccurrenceBody.self)
        let activity = try await AnnualPlan(req.meguri).mark(access, id, on: req.parameters.get("date") ?? "", state: state, note: body.note,
                                                               evidenceID: body.evidenceId, context: try req.context())
        return try await json(PlanShapes.activity.resource(activity), etag: activity.version, for: req)
    }

    @Sendable func reopen(_ req: Request) async throws -> Response {
        let activity = try await AnnualPlan(req.meguri).reopen(try req.access(), try Self.activityID(req), on: req.parameters.get("date") ?? "", context: try req.context())
        return try await json(PlanShapes.activity.resource(activity), etag: activity.version, for: req)
    }
}

struct CalendarAddress: Sendable { var url: String }

enum PlanShapes {
    typealias F = ResourceField

    static let outcome = ResourceShape<PlannedActivity.Outcome>("OccurrenceOutcome", [
        F.date("on", \.on), F.choice("state", \.state), F.text("note", \.note), F.id("evidenceId", \.evidenceID), F.id("by", \.by), F.timestamp("at", \.at),
    ])

    static let activity = ResourceShape<PlannedActivity>("PlannedActivity", [
        F.id("id", \.id), F.id("workspaceId", \.workspaceID), F.text("title", \.title), F.text("description", \.description), F.text("rrule", \.rrule),
        F.date("startsOn", \.startsOn), F.choice("phase", \.phase), F.id("ownerId", \.ownerID), F.id("departmentId", \.departmentID),
        F.texts("references", \.references), F.text("expectedEvidence", \.expectedEvidence), F.list("outcomes", outcome, \.outcomes),
        F.timestamp("createdAt", \.createdAt), F.timestamp("updatedAt", \.updatedAt), F.int("version", \.version, minimum: 1),
    ])

    static let item = ResourceShape<PlanItem>("PlanItem", [
        F.date("date", \.date), F.choice("kind", \.kind), F.text("title", \.title), F.choice("status", \.status), F.choice("phase", \.phase),
        F.text("link", \.link), F.id("ownerId", \.ownerID), F.id("departmentId", \.departmentID), F.text("source", \.source),
    ])

    /// A proposal entry in the shape of a `PlannedActivityWrite` body, its texts in the caller's language.
    static func proposed(_ language: Language) -> ResourceShape<ProposedActivity> {
        ResourceShape<ProposedActivity>("PlannedActivityWrite", [
            F.custom("title", schema: .string()) { w, p in w.string(p.title.text(language)) },
            F.custom("description", schema: .string(nullable: true)) { w, _ in w.string(nil) },
            F.text("rrule", \.rrule), F.date("startsOn", \.startsOn), F.choice("phase", \.phase),
            F.custom("ownerId", schema: .string(format: "uuid", nullable: true)) { w, _ in w.string(nil) },
            F.custom("departmentId", schema: .string(format: "uuid", nullable: true)) { w, _ in w.string(nil) },
            F.texts("references", \.references),
            F.custom("expectedEvidence", schema: .string(nullable: true)) { w, p in w.string(p.expectedEvidence.text(language)) },
        ])
    }

    static let address = ResourceShape<CalendarAddress>("CalendarAddress", [F.text("url", \.url)])

    static let all: [(String, JSON)] = [
        (outcome.name, outcome.schema), (activity.name, activity.schema), activity.listSchema, (item.name, item.schema), item.listSchema,
        (address.name, address.schema), ("PlannedActivityWriteList", APISchemas.list("PlannedActivityWrite")),
        ("PlannedActivityWrite", .object([
            ("title", .string()), ("description", .string(nullable: true)), ("rrule", .string(nullable: true, description: "RRULE text such as FREQ=MONTHLY;BYDAY=2TU; null for one date")),
            ("startsOn", .string(format: "date")), ("phase", .string(enumValues: PlanPhase.allCases.map(\.rawValue))),
            ("ownerId", .string(format: "uuid", nullable: true)), ("departmentId", .string(format: "uuid", nullable: true)),
            ("references", .array(of: .string())), ("expectedEvidence", .string(nullable: true)),
        ], required: [])),
        ("OccurrenceWrite", .object([("note", .string(description: "The note (done) or the reason (skip, required)")),
                                     ("evidenceId", .string(format: "uuid", description: "Evidence already in the store"))], required: [])),
    ]
}
