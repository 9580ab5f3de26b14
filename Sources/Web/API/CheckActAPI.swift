import Domain
import Features
import Foundation
import Storage
import Vapor

/// `/api/v1/workspaces/{slug}/…`: processes, audit programmes, audits with their checklist and
/// findings, nonconformities, management reviews with their action items.
struct CheckActAPI {
    let registry: APIRegistry

    func register(_ routes: any RoutesBuilder) {
        let w: [PathComponent] = ["api", "v1", "workspaces", ":slug"]
        func op(_ id: String, _ summary: String, _ tag: String, parameters: [APIOperation.Parameter] = [], body: String? = nil,
                _ responses: [(Int, String, String?, Bool)]) -> APIOperation {
            .init(id: id, summary: summary, tag: tag, parameters: parameters, body: body.map { ($0, "application/json") }, responses: responses)
        }
        let page = [Query.limit, Query.cursor]
        processes.register(routes, registry: registry)
        programmes.register(routes, registry: registry)
        // Audits
        routes.api(.GET, w + ["audits"], access: .workspace(.auditsRead), registry: registry,
                   operation: op("listAudits", "Audits, by start date", "Internal audit",
                                 parameters: [Parameters.query("programmeId", "Only this programme's", schema: .string(format: "uuid"))],
                                 [(200, "The audits", "AuditList", false)]), use: listAudits)
        routes.api(.POST, w + ["audits"], access: .workspace(.auditsManage), registry: registry,
                   operation: op("createAudit", "Plan an audit (its checklist is generated from the criteria)", "Internal audit", body: "AuditCreate",
                                 [(201, "Created", "AuditDetail", true)]), use: createAudit)
        routes.api(.GET, w + ["audits", ":auditId"], access: .workspace(.auditsRead), registry: registry,
                   operation: op("getAudit", "An audit with its checklist and findings", "Internal audit", [(200, "The audit", "AuditDetail", true)]), use: getAudit)
        routes.api(.PATCH, w + ["audits", ":auditId"], access: .workspace(.auditsRead), registry: registry,
                   operation: op("updateAudit", "Change an audit (planning: the secretariat; the conclusion: its auditors)", "Internal audit", parameters: [Query.ifMatch],
                                 body: "AuditWrite", [(200, "Updated", "AuditDetail", true), (409, "Changed since your GET", "Problem", false),
                                                      (428, "If-Match is missing", "Problem", false)]), use: updateAudit)
        routes.api(.DELETE, w + ["audits", ":auditId"], access: .workspace(.auditsManage), registry: registry,
                   operation: op("deleteAudit", "Delete an audit not started", "Internal audit", [(204, "Deleted", nil, false)]), use: deleteAudit)
        routes.api(.POST, w + ["audits", ":auditId", "status"], access: .workspace(.auditsRead), registry: registry,
                   operation: op("moveAudit", "Start, report, reopen or close an audit", "Internal audit", body: "AuditStatus",
                                 [(200, "Moved", "AuditDetail", true)]), use: moveAudit)
        routes.api(.PATCH, w + ["audits", ":auditId", "checklist", ":itemId"], access: .workspace(.auditsRead), registry: registry,
                   operation: op("updateChecklistItem", "Record the question, result, notes and evidence of a checklist item", "Internal audit",
                                 body: "ChecklistItemWrite", [(200, "Updated", "ChecklistItem", false)]), use: updateItem)
        routes.api(.GET, w + ["audits", ":auditId", "report"], access: .workspace(.auditsRead), registry: registry,
                   operation: op("auditReport", "The audit report, print-ready HTML", "Internal audit",
                                 parameters: [Parameters.query("lang", "ja or en (default: the request's language)", schema: .string(enumValues: ["ja", "en"]))],
                                 [(200, "The report", "HTML", false)]), use: auditReport)
        routes.api(.GET, w + ["findings"], access: .workspace(.auditsRead), registry: registry,
                   operation: op("listFindings", "Findings of one audit", "Internal audit",
                                 parameters: [Parameters.query("auditId", "The audit", schema: .string(format: "uuid"))],
                                 [(200, "The findings", "FindingList", false)]), use: listFindings)
        routes.api(.POST, w + ["audits", ":auditId", "findings"], access: .workspace(.auditsRead), registry: registry,
                   operation: op("createFinding", "Record a finding; a nonconformity opens its corrective action", "Internal audit", body: "FindingCreate",
                                 [(201, "Recorded", "Finding", false)]), use: createFinding)
        routes.api(.DELETE, w + ["findings", ":findingId"], access: .workspace(.auditsRead), registry: registry,
                   operation: op("deleteFinding", "Delete a finding recorded by mistake", "Internal audit", [(204, "Deleted", nil, false)]), use: deleteFinding)
        nonconformities.register(routes, registry: registry)
        routes.api(.POST, w + ["nonconformities", ":ncId", "steps"], access: .workspace(.auditsRead), registry: registry,
                   operation: op("stepNonconformity", "Plan, implement, verify (closes when effective) or reopen", "Nonconformities", body: "NonconformityStep",
                                 [(200, "Done", "Nonconformity", true)]), use: stepNC)
        reviews.register(routes, registry: registry)
        routes.api(.POST, w + ["management-reviews", ":reviewId", "hold"], access: .workspace(.reviewsManage), registry: registry,
                   operation: op("holdManagementReview", "Record the meeting as held and freeze its inputs", "Management review",
                                 [(200, "Held", "ManagementReviewDetail", true)]), use: holdReview)
        routes.api(.POST, w + ["management-reviews", ":reviewId", "actions"], access: .workspace(.reviewsManage), registry: registry,
                   operation: op("createReviewAction", "Add an action item decided by the review", "Management review", body: "ReviewActionCreate",
                                 [(201, "Added", "ReviewAction", false)]), use: addAction)
        routes.api(.PATCH, w + ["management-reviews", ":reviewId", "actions", ":reviewActionId"], access: .workspace(.workspaceRead), registry: registry,
                   operation: op("updateReviewAction", "Mark an action item done or open (its owner or the secretariat)", "Management review",
                                 body: "ReviewActionDone", [(200, "Updated", "ReviewAction", false)]), use: setActionDone)
        routes.api(.DELETE, w + ["management-reviews", ":reviewId", "actions", ":reviewActionId"], access: .workspace(.reviewsManage), registry: registry,
                   operation: op("deleteReviewAction", "Delete an action item", "Management review", [(204, "Deleted", nil, false)]), use: deleteAction)
        routes.api(.GET, w + ["management-reviews", ":reviewId", "minutes"], access: .workspace(.reviewsRead), registry: registry,
                   operation: op("reviewMinutes", "The minutes, print-ready HTML", "Management review",
                                 parameters: [Parameters.query("lang", "ja or en (default: the request's language)", schema: .string(enumValues: ["ja", "en"]))],
                                 [(200, "The minutes", "HTML", false)]), use: reviewMinutes)
    }

    // MARK: Helpers

    func base(_ access: WorkspaceAccess) -> String { "/api/v1/workspaces/\(access.workspace.slug)" }

    static func ids<T>(_ raw: [String]?, _ type: Domain.ID<T>.Type, field: String, into v: inout Domain.Validator) -> [Domain.ID<T>]? {
        raw.map { list in list.compactMap { text in
            if let id = Domain.ID<T>(text) { return id }
            v.add(field, "error.format")
            return nil
        } }
    }

    func language(_ req: Request) throws -> Language {
        guard let raw = req.queryValue("lang") else { return req.language }
        guard let language = Language(rawValue: raw) else { throw DomainError.invalid(field: "lang", code: "error.choice") }
        return language
    }

    func optionalID<T>(_ req: Request, _ name: String, _ type: Domain.ID<T>.Type) throws -> Domain.ID<T>? { try Self.optionalID(req, name, type) }

    static func optionalID<T>(_ req: Request, _ name: String, _ type: Domain.ID<T>.Type) throws -> Domain.ID<T>? {
        guard let raw = req.queryValue(name) else { return nil }
        guard let id = Domain.ID<T>(raw) else { throw DomainError.invalid(field: name, code: "error.format") }
        return id
    }

    // MARK: Processes

    struct ProcessRequest: Content {
        var name, description: String?
        var ownerId, departmentId: Patch<String>
        enum CodingKeys: String, CodingKey { case name, description, ownerId, departmentId }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decodeIfPresent(String.self, forKey: .name); description = try c.decodeIfPresent(String.self, forKey: .description)
            ownerId = try .decode(c, .ownerId); departmentId = try .decode(c, .departmentId)
        }
        func encode(to encoder: any Encoder) throws {}
        func input() throws -> ProcessInput {
            var v = Validator()
            let input = ProcessInput(name: name, description: description, ownerID: ownerId.id(User.ID.self, field: "ownerId", into: &v),
                                     departmentID: departmentId.id(Department.ID.self, field: "departmentId", into: &v))
            try v.check()
            return input
        }
    }

    // MARK: Programmes

    struct ProgrammeRequest: Content {
        var title, startsOn, endsOn, notes: String?
        var input: ProgrammeInput { ProgrammeInput(title: title, startsOn: startsOn, endsOn: endsOn, notes: notes) }
    }

    func programmeID(_ req: Request) throws -> AuditProgramme.ID { try req.id("programmeId", AuditProgramme.ID.self, entity: "audit_programme") }

    // MARK: Audits

    struct AuditRequest: Content {
        var programmeId, title, startsOn, endsOn, auditees, independenceOverride, conclusion: String?
        var criteria, departmentIds, processIds, teamIds: [String]?
        var leadAuditorId: Patch<String>
        enum CodingKeys: String, CodingKey {
            case programmeId, title, startsOn, endsOn, auditees, independenceOverride, conclusion, criteria, departmentIds, processIds, teamIds, leadAuditorId
        }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            programmeId = try c.decodeIfPresent(String.self, forKey: .programmeId); title = try c.decodeIfPresent(String.self, forKey: .title)
            startsOn = try c.decodeIfPresent(String.self, forKey: .startsOn); endsOn = try c.decodeIfPresent(String.self, forKey: .endsOn)
            auditees = try c.decodeIfPresent(String.self, forKey: .auditees); independenceOverride = try c.decodeIfPresent(String.self, forKey: .independenceOverride)
            conclusion = try c.decodeIfPresent(String.self, forKey: .conclusion); criteria = try c.decodeIfPresent([String].self, forKey: .criteria)
            departmentIds = try c.decodeIfPresent([String].self, forKey: .departmentIds); processIds = try c.decodeIfPresent([String].self, forKey: .processIds)
            teamIds = try c.decodeIfPresent([String].self, forKey: .teamIds); leadAuditorId = try .decode(c, .leadAuditorId)
        }
        func encode(to encoder: any Encoder) throws {}
        func input() throws -> AuditInput {
            var v = Validator()
            let input = AuditInput(title: title, criteria: criteria?.joined(separator: ","), startsOn: startsOn, endsOn: endsOn, auditees: auditees,
                                   independenceOverride: independenceOverride, conclusion: conclusion,
                                   departmentIDs: CheckActAPI.ids(departmentIds, Department.ID.self, field: "departmentIds", into: &v),
                                   processIDs: CheckActAPI.ids(processIds, BusinessProcess.ID.self, field: "processIds", into: &v),
                                   leadAuditorID: leadAuditorId.id(User.ID.self, field: "leadAuditorId", into: &v),
                                   teamIDs: CheckActAPI.ids(teamIds, User.ID.self, field: "teamIds", into: &v))
            try v.check()
            return input
        }
    }

    func auditID(_ req: Request) throws -> InternalAudit.ID { try req.id("auditId", InternalAudit.ID.self, entity: "audit") }

    func detail(_ req: Request, _ access: WorkspaceAccess, _ id: InternalAudit.ID, status: HTTPResponseStatus = .ok, created: Bool = false) async throws -> Response {
        let d = try await InternalAudits(req.meguri).dossier(access, id)
        return try await json(CheckActShapes.auditDetail.resource(d), status: status, etag: d.audit.version, location: created ? "\(base(access))/audits/\(id)" : nil, for: req)
    }

    @Sendable func listAudits(_ req: Request) async throws -> JSONBody<ListResource<ShapedResource<InternalAudit>>> {
        let audits = try await InternalAudits(req.meguri).audits(try req.access(), programme: try optionalID(req, "programmeId", AuditProgramme.ID.self))
        return JSONBody(value: CheckActShapes.audit.list(audits))
    }

    @Sendable func createAudit(_ req: Request) async throws -> Response {
        let access = try req.access()
        let body = try req.content.decode(AuditRequest.self)
        guard let raw = body.programmeId else { throw DomainError.invalid(field: "programmeId", code: "error.required") }
        guard let programme = AuditProgramme.ID(raw) else { throw DomainError.invalid(field: "programmeId", code: "error.format") }
        let audit = try await InternalAudits(req.meguri).createAudit(access, programme: programme, try body.input(), language: req.language, context: try req.context())
        return try await detail(req, access, audit.id, status: .created, created: true)
    }

    @Sendable func getAudit(_ req: Request) async throws -> Response { try await detail(req, try req.access(), try auditID(req)) }

    @Sendable func updateAudit(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try auditID(req)
        let version = try req.ifMatchVersion()
        _ = try await InternalAudits(req.meguri).updateAudit(access, id, try req.content.decode(AuditRequest.self).input(), expectedVersion: version,
                                                             language: req.language, context: try req.context())
        return try await detail(req, access, id)
    }

    @Sendable func deleteAudit(_ req: Request) async throws -> HTTPStatus {
        try await InternalAudits(req.meguri).deleteAudit(try req.access(), try auditID(req), context: try req.context())
        return .noContent
    }

    struct StatusRequest: Content { var status: String? }

    @Sendable func moveAudit(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try auditID(req)
        guard let raw = try req.content.decode(StatusRequest.self).status else { throw DomainError.invalid(field: "status", code: "error.required") }
        guard let status = InternalAudit.Status(rawValue: raw) else { throw DomainError.invalid(field: "status", code: "error.choice") }
        _ = try await InternalAudits(req.meguri).move(access, id, to: status, context: try req.context())
        return try await detail(req, access, id)
    }

    struct ItemRequest: Content { var question, result, notes, evidence: String? }

    @Sendable func updateItem(_ req: Request) async throws -> Response {
        let access = try req.access()
        let auditID = try auditID(req)
        let id = try req.id("itemId", ChecklistItem.ID.self, entity: "checklist_item")
        let b = try req.content.decode(ItemRequest.self)
        let item = try await InternalAudits(req.meguri).updateItem(access, audit: auditID, item: id,
                                                                   ChecklistInput(question: b.question, result: b.result, notes: b.notes, evidence: b.evidence),
                                                                   context: try req.context())
        return try await json(CheckActShapes.item.resource(item), for: req)
    }

    @Sendable func auditReport(_ req: Request) async throws -> Response {
        CheckActViews.report(try await CheckActReports(req.meguri).auditReport(try req.access(), try auditID(req), language: try language(req)))
    }

    @Sendable func listFindings(_ req: Request) async throws -> JSONBody<ListResource<ShapedResource<AuditFinding>>> {
        let access = try req.access()
        guard let audit = try optionalID(req, "auditId", InternalAudit.ID.self) else { throw DomainError.invalid(field: "auditId", code: "error.required") }
        let d = try await InternalAudits(req.meguri).dossier(access, audit)
        return JSONBody(value: CheckActShapes.finding.list(d.findings))
    }

    struct FindingRequest: Content { var kind, reference, description, checklistItemId: String? }

    @Sendable func createFinding(_ req: Request) async throws -> Response {
        let access = try req.access()
        let b = try req.content.decode(FindingRequest.self)
        var input = FindingInput(kind: b.kind, reference: b.reference, description: b.description)
        if let raw = b.checklistItemId {
            guard let id = ChecklistItem.ID(raw) else { throw DomainError.invalid(field: "checklistItemId", code: "error.format") }
            input.checklistItemID = id
        }
        let finding = try await InternalAudits(req.meguri).addFinding(access, audit: try auditID(req), input, context: try req.context())
        return try await json(CheckActShapes.finding.resource(finding), status: .created, location: "\(base(access))/findings?auditId=\(finding.auditID)", for: req)
    }

    @Sendable func deleteFinding(_ req: Request) async throws -> HTTPStatus {
        try await InternalAudits(req.meguri).deleteFinding(try req.access(), try req.id("findingId", AuditFinding.ID.self, entity: "finding"), context: try req.context())
        return .noContent
    }

    // MARK: Nonconformities

    struct NCRequest: Content {
        var source, severity, description, reference, correction, rootCause, actionPlan, dueOn: String?
        // `null` clears these three, as "" does.
        var whys: [String]?
        var ownerId: Patch<String>
        enum CodingKeys: String, CodingKey { case source, severity, description, reference, correction, rootCause, actionPlan, dueOn, whys, ownerId }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            source = try c.decodeIfPresent(String.self, forKey: .source); severity = try Patch<String>.decode(c, .severity).text
            description = try c.decodeIfPresent(String.self, forKey: .description); reference = try Patch<String>.decode(c, .reference).text
            correction = try c.decodeIfPresent(String.self, forKey: .correction); rootCause = try c.decodeIfPresent(String.self, forKey: .rootCause)
            actionPlan = try c.decodeIfPresent(String.self, forKey: .actionPlan); dueOn = try Patch<String>.decode(c, .dueOn).text
            whys = try c.decodeIfPresent([String].self, forKey: .whys); ownerId = try .decode(c, .ownerId)
        }
        func encode(to encoder: any Encoder) throws {}
        func input() throws -> NonconformityInput {
            var v = Validator()
            let input = NonconformityInput(source: source, severity: severity, description: description, reference: reference, correction: correction,
                                           rootCause: rootCause, actionPlan: actionPlan, dueOn: dueOn, whys: whys,
                                           ownerID: ownerId.id(User.ID.self, field: "ownerId", into: &v))
            try v.check()
            return input
        }
    }

    func ncID(_ req: Request) throws -> Nonconformity.ID { try req.id("ncId", Nonconformity.ID.self, entity: "nonconformity") }

    struct StepRequest: Content { var step, implementedOn, note, reason: String?; var effective: Bool? }

    @Sendable func stepNC(_ req: Request) async throws -> Response {
        let access = try req.access()
        let b = try req.content.decode(StepRequest.self)
        let step: CorrectiveAction.Step
        switch b.step {
        case "plan": step = .plan
        case "implement":
            guard let raw = b.implementedOn else { throw DomainError.invalid(field: "implementedOn", code: "error.required") }
            guard let day = CalendarDate(raw) else { throw DomainError.invalid(field: "implementedOn", code: "error.date") }
            step = .implement(on: day)
        case "verify":
            guard let effective = b.effective else { throw DomainError.invalid(field: "effective", code: "error.required") }
            step = .verify(effective: effective, note: b.note ?? "")
        case "reopen": step = .reopen(reason: b.reason ?? "")
        case nil: throw DomainError.invalid(field: "step", code: "error.required")
        default: throw DomainError.invalid(field: "step", code: "error.choice")
        }
        do {
            let nc = try await Nonconformities(req.meguri).step(access, try ncID(req), step, context: try req.context())
            return try await json(CheckActShapes.nonconformity.resource(nc), etag: nc.version, for: req)
        } catch DomainError.invalid(let errors) {
            throw DomainError.invalid(errors.map { var e = $0; if e.field == "verificationNote" { e.field = "note" }; return e })
        }
    }

    // MARK: Management reviews

    struct ReviewRequest: Content {
        var title, heldOn, agenda, externalIssues, interestedParties, feedback, improvement, decisions, ismsChanges, resourceNeeds: String?
        var attendeeIds: [String]?
        func input() throws -> ReviewInput {
            var v = Validator()
            let input = ReviewInput(title: title, heldOn: heldOn, agenda: agenda, externalIssues: externalIssues, interestedParties: interestedParties,
                                    feedback: feedback, improvement: improvement, decisions: decisions, ismsChanges: ismsChanges, resourceNeeds: resourceNeeds,
                                    attendeeIDs: CheckActAPI.ids(attendeeIds, User.ID.self, field: "attendeeIds", into: &v))
            try v.check()
            return input
        }
    }

    func reviewID(_ req: Request) throws -> ManagementReview.ID { try req.id("reviewId", ManagementReview.ID.self, entity: "management_review") }

    func review(_ req: Request, _ access: WorkspaceAccess, _ id: ManagementReview.ID) async throws -> Response {
        let state = try await ManagementReviews(req.meguri).load(access, id)
        return try await json(CheckActShapes.reviewDetail.resource(state), etag: state.review.version, for: req)
    }

    @Sendable func holdReview(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try reviewID(req)
        _ = try await ManagementReviews(req.meguri).hold(access, id, context: try req.context())
        return try await review(req, access, id)
    }

    struct ActionRequest: Content {
        var text, dueOn: String?
        var ownerId: Patch<String>
        enum CodingKeys: String, CodingKey { case text, dueOn, ownerId }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            text = try c.decodeIfPresent(String.self, forKey: .text); dueOn = try c.decodeIfPresent(String.self, forKey: .dueOn); ownerId = try .decode(c, .ownerId)
        }
        func encode(to encoder: any Encoder) throws {}
    }

    @Sendable func addAction(_ req: Request) async throws -> Response {
        let access = try req.access()
        let b = try req.content.decode(ActionRequest.self)
        var v = Validator()
        let owner = b.ownerId.id(User.ID.self, field: "ownerId", into: &v)
        try v.check()
        let action = try await ManagementReviews(req.meguri).addAction(access, review: try reviewID(req), ReviewActionInput(text: b.text, dueOn: b.dueOn, ownerID: owner),
                                                                       context: try req.context())
        return try await json(CheckActShapes.action.resource(action), status: .created, location: "\(base(access))/management-reviews/\(action.reviewID)/actions/\(action.id)", for: req)
    }

    struct DoneRequest: Content { var done: Bool? }

    @Sendable func setActionDone(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try req.id("reviewActionId", ReviewAction.ID.self, entity: "review_action")
        guard let done = try req.content.decode(DoneRequest.self).done else { throw DomainError.invalid(field: "done", code: "error.required") }
        let action = try await ManagementReviews(req.meguri).setActionDone(access, id, review: try reviewID(req), done: done, context: try req.context())
        return try await json(CheckActShapes.action.resource(action), for: req)
    }

    @Sendable func deleteAction(_ req: Request) async throws -> HTTPStatus {
        let access = try req.access()
        try await ManagementReviews(req.meguri).deleteAction(access, try req.id("reviewActionId", ReviewAction.ID.self, entity: "review_action"),
                                                             review: try reviewID(req), context: try req.context())
        return .noContent
    }

    @Sendable func reviewMinutes(_ req: Request) async throws -> Response {
        CheckActViews.report(try await CheckActReports(req.meguri).reviewMinutes(try req.access(), try reviewID(req), language: try language(req)))
    }
}

extension CheckActAPI {
    static var w: [PathComponent] { ["api", "v1", "workspaces", ":slug"] }

    var processes: CRUDRoutes<BusinessProcess, BusinessProcess, ProcessRequest> {
        CRUDRoutes(base: Self.w + ["processes"], idParameter: "processId", tag: "Internal audit", singular: "Process", plural: "Processes",
                   item: CheckActShapes.process, shape: CheckActShapes.process, read: .workspaceRead, manage: .auditsManage, createSchema: "ProcessWrite", patchSchema: "ProcessWrite",
                   summaries: ["listProcesses": "The process register", "deleteProcess": "Delete a process no audit names"],
                   version: { $0.version }, identity: { $0.id.description },
                   list: { req, access in try await InternalAudits(req.meguri).processes(access, page: try req.pageRequest()) },
                   create: { req, access, body in try await InternalAudits(req.meguri).createProcess(access, try body.input(), context: try req.context()) },
                   update: { req, access, body, version in
                       try await InternalAudits(req.meguri).updateProcess(access, try req.id("processId", BusinessProcess.ID.self, entity: "process"), try body.input(),
                                                                          expectedVersion: version, context: try req.context())
                   },
                   delete: { req, access, version in
                       try await InternalAudits(req.meguri).deleteProcess(access, try req.id("processId", BusinessProcess.ID.self, entity: "process"),
                                                                          expectedVersion: version, context: try req.context())
                   })
    }

    var programmes: CRUDRoutes<AuditProgramme, ProgrammeView, ProgrammeRequest> {
        CRUDRoutes(base: Self.w + ["audit-programmes"], idParameter: "programmeId", tag: "Internal audit", singular: "AuditProgramme", plural: "AuditProgrammes",
                   item: CheckActShapes.programme, shape: CheckActShapes.programmeDetail, read: .auditsRead, manage: .auditsManage,
                   createSchema: "AuditProgrammeWrite", patchSchema: "AuditProgrammeWrite",
                   summaries: ["listAuditProgrammes": "Audit programmes, newest first", "getAuditProgramme": "A programme with its audits",
                               "deleteAuditProgramme": "Delete a programme with no audits"],
                   version: { $0.programme.version }, identity: { $0.programme.id.description },
                   list: { req, access in try await InternalAudits(req.meguri).programmes(access, page: try req.pageRequest()) },
                   create: { req, access, b in
                       let p = try await InternalAudits(req.meguri).createProgramme(access, b.input, context: try req.context())
                       return ProgrammeView(programme: p, audits: [])
                   },
                   get: { req, access in
                       let (p, audits) = try await InternalAudits(req.meguri).programme(access, try req.id("programmeId", AuditProgramme.ID.self, entity: "audit_programme"))
                       return ProgrammeView(programme: p, audits: audits)
                   },
                   update: { req, access, b, version in
                       let id = try req.id("programmeId", AuditProgramme.ID.self, entity: "audit_programme")
                       _ = try await InternalAudits(req.meguri).updateProgramme(access, id, b.input, expectedVersion: version, context: try req.context())
                       let (p, audits) = try await InternalAudits(req.meguri).programme(access, id)
                       return ProgrammeView(programme: p, audits: audits)
                   },
                   delete: { req, access, version in
                       try await InternalAudits(req.meguri).deleteProgramme(access, try req.id("programmeId", AuditProgramme.ID.self, entity: "audit_programme"),
                                                                            expectedVersion: version, context: try req.context())
                   })
    }

    var nonconformities: CRUDRoutes<Nonconformity, NonconformityState, NCRequest> {
        CRUDRoutes(base: Self.w + ["nonconformities"], idParameter: "ncId", tag: "Nonconformities", singular: "Nonconformity", plural: "Nonconformities",
                   item: CheckActShapes.nonconformity, shape: CheckActShapes.nonconformityDetail,
                   read: .auditsRead, manage: .nonconformitiesManage, updateAccess: .auditsRead,
                   createSchema: "NonconformityWrite", patchSchema: "NonconformityWrite",
                   summaries: ["listNonconformities": "Nonconformities, newest first", "createNonconformity": "Raise a nonconformity",
                               "getNonconformity": "A nonconformity with similar ones on the same requirement",
                               "updateNonconformity": "Change a nonconformity (its owner: correction, cause, plan, due date)",
                               "deleteNonconformity": "Delete a nonconformity raised by mistake (open, not from an audit)"],
                   listParameters: [Parameters.query("status", "open, planned, implemented or closed", schema: .string(enumValues: Nonconformity.Status.allCases.map(\.rawValue))),
                                    Parameters.query("source", "Where it came from", schema: .string(enumValues: Nonconformity.Source.allCases.map(\.rawValue))),
                                    Parameters.query("open", "true: only those not closed", schema: .string(enumValues: ["true", "false"])),
                                    Parameters.query("ownerId", "Only this owner's", schema: .string(format: "uuid")), Query.limit, Query.cursor],
                   version: { $0.nonconformity.version }, identity: { $0.nonconformity.id.description },
                   list: { req, access in
                       var query = NonconformityQuery()
                       if let raw = req.queryValue("status") {
                           guard let s = Nonconformity.Status(rawValue: raw) else { throw DomainError.invalid(field: "status", code: "error.choice") }
                           query.status = s
                       }
                       if let raw = req.queryValue("source") {
                           guard let s = Nonconformity.Source(rawValue: raw) else { throw DomainError.invalid(field: "source", code: "error.choice") }
                           query.source = s
                       }
                       if let raw = req.queryValue("open") {
                           guard raw == "true" || raw == "false" else { throw DomainError.invalid(field: "open", code: "error.choice") }
                           query.openOnly = raw == "true"
                       }
                       query.ownerID = try CheckActAPI.optionalID(req, "ownerId", User.ID.self)
                       return try await Nonconformities(req.meguri).list(access, query: query, page: try req.pageRequest())
                   },
                   create: { req, access, body in
                       let nc = try await Nonconformities(req.meguri).raise(access, try body.input(), context: try req.context())
                       return try await Nonconformities(req.meguri).load(access, nc.id)
                   },
                   get: { req, access in
                       try await Nonconformities(req.meguri).load(access, try req.id("ncId", Nonconformity.ID.self, entity: "nonconformity"))
                   },
                   update: { req, access, body, version in
                       let id = try req.id("ncId", Nonconformity.ID.self, entity: "nonconformity")
                       _ = try await Nonconformities(req.meguri).update(access, id, try body.input(), expectedVersion: version, context: try req.context())
                       return try await Nonconformities(req.meguri).load(access, id)
                   },
                   delete: { req, access, version in
                       try await Nonconformities(req.meguri).delete(access, try req.id("ncId", Nonconformity.ID.self, entity: "nonconformity"), expectedVersion: version,
                                                                    context: try req.context())
                   })
    }

    var reviews: CRUDRoutes<ManagementReview, ReviewState, ReviewRequest> {
        CRUDRoutes(base: Self.w + ["management-reviews"], idParameter: "reviewId", tag: "Management review", singular: "ManagementReview",
                   plural: "ManagementReviews", item: CheckActShapes.review, shape: CheckActShapes.reviewDetail,
                   read: .reviewsRead, manage: .reviewsManage, createSchema: "ManagementReviewWrite", patchSchema: "ManagementReviewWrite",
                   summaries: ["listManagementReviews": "Management reviews, newest first", "createManagementReview": "Plan a management review",
                               "getManagementReview": "A review with its inputs (compiled now, or frozen when held) and action items",
                               "updateManagementReview": "Change a review (once held, only its outputs)", "deleteManagementReview": "Delete a review not held"],
                   version: { $0.review.version }, identity: { $0.review.id.description },
                   list: { req, access in try await ManagementReviews(req.meguri).list(access, page: try req.pageRequest()) },
                   create: { req, access, body in
                       let r = try await ManagementReviews(req.meguri).create(access, try body.input(), context: try req.context())
                       return try await ManagementReviews(req.meguri).load(access, r.id)
                   },
                   get: { req, access in
                       try await ManagementReviews(req.meguri).load(access, try req.id("reviewId", ManagementReview.ID.self, entity: "management_review"))
                   },
                   update: { req, access, body, version in
                       let id = try req.id("reviewId", ManagementReview.ID.self, entity: "management_review")
                       _ = try await ManagementReviews(req.meguri).update(access, id, try body.input(), expectedVersion: version, context: try req.context())
                       return try await ManagementReviews(req.meguri).load(access, id)
                   },
                   delete: { req, access, version in
                       try await ManagementReviews(req.meguri).delete(access, try req.id("reviewId", ManagementReview.ID.self, entity: "management_review"),
                                                                      expectedVersion: version, context: try req.context())
                   })
    }
}
