import Domain
import Features
import Foundation
import Storage
import Vapor

/// `/api/v1/workspaces/{slug}/assets`: the asset inventory, with import and export.
struct AssetAPI {
    let registry: APIRegistry

    func register(_ routes: any RoutesBuilder) {
        let base: [PathComponent] = ["api", "v1", "workspaces", ":slug", "assets"]
        routes.api(.GET, base, access: .workspace(.assetsRead), registry: registry,
                   operation: .init(id: "listAssets", summary: "Assets, filtered and sorted", tag: "Assets", parameters: AssetAPI.filters + [Query.limit, Query.cursor],
                                    responses: [(200, "A page of assets", "AssetList", false)]), use: list)
        routes.api(.POST, base, access: .workspace(.assetsManage), registry: registry,
                   operation: .init(id: "createAsset", summary: "Add an asset", tag: "Assets", body: ("AssetCreate", "application/json"),
                                    responses: [(201, "Created", "Asset", true)]), use: create)
        routes.api(.POST, base + ["import"], access: .workspace(.assetsManage), registry: registry,
                   operation: .init(id: "importAssets", summary: "Import assets from CSV or Excel (all or nothing; an existing code is updated)", tag: "Assets",
                                    parameters: [Parameters.query("dryRun", "true: check every row and report, write nothing", schema: ["type": "boolean"]), Parameters.importMap, Parameters.importHeaderRow],
                                    body: ("", "text/csv"), responses: [(200, "What was (or would be) done per row", "ImportReport", false)]),
                   body: .collect(maxSize: "25mb"), use: importFile)
        routes.api(.GET, base + ["export"], access: .workspace(.assetsRead), registry: registry,
                   operation: .init(id: "exportAssets", summary: "The inventory (filtered as listAssets) as CSV or Excel, in the import's columns", tag: "Assets",
                                    parameters: AssetAPI.filters + TableDownloads.parameters, responses: [(200, "The file", "Table", false)]), use: export)
        routes.api(.GET, base + [":assetId"], access: .workspace(.assetsRead), registry: registry,
                   operation: .init(id: "getAsset", summary: "An asset", tag: "Assets", responses: [(200, "The asset", "Asset", true)]), use: get)
        routes.api(.PATCH, base + [":assetId"], access: .workspace(.assetsManage), registry: registry,
                   operation: .init(id: "updateAsset", summary: "Change an asset", tag: "Assets", parameters: [Query.ifMatch], body: ("AssetPatch", "application/json"),
                                    responses: [(200, "Updated", "Asset", true), (409, "Changed since your GET", "Problem", false),
                                                (428, "If-Match is missing", "Problem", false)]), use: update)
        routes.api(.DELETE, base + [":assetId"], access: .workspace(.assetsManage), registry: registry,
                   operation: .init(id: "deleteAsset", summary: "Delete an asset no risk refers to", tag: "Assets", parameters: [Query.ifMatchOptional],
                                    responses: [(204, "Deleted", nil, false), (409, "Changed since your GET", "Problem", false),
                                                (422, "Still in use", "Problem", false)]), use: delete)
    }

    static let filters: [APIOperation.Parameter] = [
        Parameters.query("q", "Search in code, name and location"),
        Parameters.query("type", "Asset type", schema: .string(enumValues: Asset.Kind.allCases.map(\.rawValue))),
        Parameters.query("department", "A department's id", schema: .string(format: "uuid")),
        Parameters.query("owner", "The owner's user id or e-mail"),
        Parameters.query("classification", "A classification key"),
        Parameters.query("minValue", "Asset value at least", schema: .integer(minimum: 0)),
        Parameters.query("status", "active or retired", schema: .string(enumValues: Asset.Status.allCases.map(\.rawValue))),
        Parameters.query("stale", "true: not reviewed for a year", schema: ["type": "boolean"]),
        Parameters.query("sort", "Order", schema: .string(enumValues: AssetQuery.Sort.allCases.map(\.rawValue))),
    ]

    static func query(_ req: Request, _ access: WorkspaceAccess) async throws -> AssetQuery {
        let stale = try parseBool(req.queryValue("stale"), field: "stale")
        var filters = AssetPages.Filters(req)
        filters.stale = stale ? "1" : nil
        return try filters.query(today: access.today, people: try await AssetPages.people(req, access, owner: filters.owner))
    }

    @Sendable func list(_ req: Request) async throws -> JSONBody<ListResource<AssetResource>> {
        let access = try req.access()
        let page = try await Assets(req.meguri).list(access, query: try await Self.query(req, access), page: try req.pageRequest())
        return JSONBody(value: ListResource(items: page.items.map(AssetResource.init), nextCursor: page.nextCursor))
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let access = try req.access()
        let asset = try await Assets(req.meguri).create(access, try req.content.decode(AssetRequest.self).input(), context: try req.context())
        return try await json(AssetResource(asset), status: .created, etag: asset.version,
                              location: "/api/v1/workspaces/\(access.workspace.slug)/assets/\(asset.id)", for: req)
    }

    func assetID(_ req: Request) throws -> Asset.ID { try req.id("assetId", Asset.ID.self, entity: "asset") }

    @Sendable func get(_ req: Request) async throws -> Response {
        let asset = try await Assets(req.meguri).load(try req.access(), try assetID(req))
        return try await json(AssetResource(asset), etag: asset.version, for: req)
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let id = try assetID(req)
        let version = try req.ifMatchVersion()
        let input = try req.content.decode(AssetRequest.self).input()
        let asset = try await Assets(req.meguri).update(try req.access(), id, input, expectedVersion: version, context: try req.context())
        return try await json(AssetResource(asset), etag: asset.version, for: req)
    }

    @Sendable func delete(_ req: Request) async throws -> HTTPStatus {
        let id = try assetID(req)
        let version = req.headers.first(name: .ifMatch) == nil ? nil : try req.ifMatchVersion()
        try await Assets(req.meguri).delete(try req.access(), id, expectedVersion: version, context: try req.context())
        return .noContent
    }

    @Sendable func importFile(_ req: Request) async throws -> JSONBody<ImportReportResource> {
        guard let buffer = req.body.data, buffer.readableBytes > 0 else { throw DomainError.invalid(field: "file", code: "error.fileRequired") }
        let dryRun = try parseBool(req.queryValue("dryRun"), field: "dryRun")
        let result = try await AssetTransfer(req.meguri).importFile(try req.access(), data: Data(buffer: buffer), options: try req.importOptions(), dryRun: dryRun,
                                                                    context: try req.context())
        return JSONBody(value: TableDownloads.report(result))
    }

    @Sendable func export(_ req: Request) async throws -> Response {
        let access = try req.access()
        let format = try Exporting.format(req)
        let data = try await AssetTransfer(req.meguri).export(access, query: try await Self.query(req, access), format: format,
                                                              language: Exporting.language(req), encoding: try Exporting.encoding(req))
        return Exporting.file(data, name: "assets-\(access.workspace.slug)-\(access.today)", format: format)
    }
}

enum TableDownloads {
    static let parameters: [APIOperation.Parameter] = [
        Parameters.query("format", "csv (default) or xlsx", schema: .string(enumValues: Tabular.Format.allCases.map(\.rawValue))),
        Parameters.query("lang", "Language of the headers and choices (default: yours)", schema: .string(enumValues: Language.allCases.map(\.rawValue))),
        Parameters.query("encoding", "CSV only: utf8 (default, with BOM) or cp932 (Shift_JIS)", schema: .string(enumValues: CSV.Encoding.allCases.map(\.rawValue))),
    ]

    static func report(_ result: ImportResult) -> ImportReportResource {
        ImportReportResource(dryRun: result.dryRun, rows: result.rows.map {
            .init(row: $0.number, record: $0.label + ($0.notes.isEmpty ? "" : " (+\($0.notes.joined(separator: ", ")))"), outcome: $0.outcome.rawValue, invitationUrl: nil,
                  readings: $0.readings)
        }, mapping: result.mapping)
    }
}

/// Risk methods (read), assessments, risks and the treatment plan under `/api/v1/workspaces/{slug}`.
struct RiskAPI {
    let registry: APIRegistry

    func register(_ routes: any RoutesBuilder) {
        let w: [PathComponent] = ["api", "v1", "workspaces", ":slug"]
        routes.api(.GET, w + ["risk-methods"], access: .workspace(.risksRead), registry: registry,
                   operation: .init(id: "listRiskMethods", summary: "Versions of the risk method, newest first", tag: "Risk method",
                                    responses: [(200, "The versions", "RiskMethodList", false)]), use: listMethods)
        routes.api(.GET, w + ["risk-methods", ":methodId"], access: .workspace(.risksRead), registry: registry,
                   operation: .init(id: "getRiskMethod", summary: "A version of the risk method", tag: "Risk method",
                                    responses: [(200, "The method", "RiskMethod", true)]), use: getMethod)

        let assessments = w + ["risk-assessments"]
        routes.api(.GET, assessments, access: .workspace(.risksRead), registry: registry,
                   operation: .init(id: "listRiskAssessments", summary: "Risk assessments, newest first", tag: "Risk assessment",
                                    responses: [(200, "The assessments", "RiskAssessmentList", false)]), use: listAssessments)
        routes.api(.POST, assessments, access: .workspace(.riskMethodManage), registry: registry,
                   operation: .init(id: "createRiskAssessment", summary: "Start an assessment with the published method, optionally carrying forward an earlier one's risks",
                                    tag: "Risk assessment", body: ("RiskAssessmentCreate", "application/json"),
                                    responses: [(201, "Created", "RiskAssessment", true)]), use: createAssessment)
        routes.api(.GET, assessments + [":assessmentId"], access: .workspace(.risksRead), registry: registry,
                   operation: .init(id: "getRiskAssessment", summary: "An assessment", tag: "Risk assessment",
                                    responses: [(200, "The assessment", "RiskAssessment", true)]), use: getAssessment)
        for (step, summary, access) in [("submit", "Send a draft for approval", Permission.riskMethodManage),
                                        ("approve", "Approve (top management)", .assessmentApprove),
                                        ("return", "Withdraw a submission to draft, with a reason (the secretariat)", .riskMethodManage),
                                        ("send-back", "Send back to draft, with a reason (top management)", .assessmentApprove)] {
            routes.api(.POST, assessments + [":assessmentId", PathComponent(stringLiteral: step)], access: .workspace(access), registry: registry,
                       operation: .init(id: "\(step == "send-back" ? "sendBack" : step)RiskAssessment", summary: summary, tag: "Risk assessment", parameters: [Query.ifMatchOptional],
                                        body: ("Note", "application/json"),
                                        responses: [(200, "The assessment", "RiskAssessment", true), (409, "Changed since your GET", "Problem", false)]),
                       use: { req in try await self.step(req, step) })
        }
        routes.api(.GET, assessments + [":assessmentId", "heat-map"], access: .workspace(.risksRead), registry: registry,
                   operation: .init(id: "getHeatMap", summary: "Risks counted per cell of the method's grid", tag: "Risk assessment",
                                    parameters: [Parameters.query("residual", "true: residual ratings (default inherent)", schema: ["type": "boolean"])],
                                    responses: [(200, "The heat map", "HeatMap", false)]), use: heatMap)
        routes.api(.GET, assessments + [":assessmentId", "risks"], access: .workspace(.risksRead), registry: registry,
                   operation: .init(id: "listRisks", summary: "The assessment's risks, filtered and sorted", tag: "Risks",
                                    parameters: RiskAPI.filters + [Query.limit, Query.cursor], responses: [(200, "A page of risks", "RiskList", false)]), use: listRisks)
        routes.api(.POST, assessments + [":assessmentId", "risks"], access: .workspace(.risksManage), registry: registry,
                   operation: .init(id: "createRisk", summary: "Add a risk to a draft assessment", tag: "Risks", body: ("RiskCreate", "application/json"),
                                    responses: [(201, "Created", "Risk", true)]), use: createRisk)
        routes.api(.POST, assessments + [":assessmentId", "risks", "import"], access: .workspace(.risksManage), registry: registry,
                   operation: .init(id: "importRisks", summary: "Import risks from CSV or Excel into a draft (all or nothing; an existing code is updated)", tag: "Risks",
                                    parameters: [Parameters.query("dryRun", "true: check every row and report, write nothing", schema: ["type": "boolean"]), Parameters.importMap, Parameters.importHeaderRow],
                                    body: ("", "text/csv"), responses: [(200, "What was (or would be) done per row", "ImportReport", false)]),
                   body: .collect(maxSize: "25mb"), use: importRisks)
        routes.api(.GET, assessments + [":assessmentId", "risks", "export"], access: .workspace(.risksRead), registry: registry,
                   operation: .init(id: "exportRisks", summary: "The register as CSV or Excel, in the import's columns plus scores", tag: "Risks",
                                    parameters: TableDownloads.parameters, responses: [(200, "The file", "Table", false)]), use: exportRisks)

        let risks = w + ["risks", ":riskId"]
        routes.api(.GET, risks, access: .workspace(.risksRead), registry: registry,
                   operation: .init(id: "getRisk", summary: "A risk", tag: "Risks", responses: [(200, "The risk", "Risk", true)]), use: getRisk)
        routes.api(.PATCH, risks, access: .workspace(.risksManage), registry: registry,
                   operation: .init(id: "updateRisk", summary: "Change a risk of a draft assessment (an earlier acceptance then lapses)", tag: "Risks",
                                    parameters: [Query.ifMatch], body: ("RiskPatch", "application/json"),
                                    responses: [(200, "Updated", "Risk", true), (409, "Changed since your GET", "Problem", false),
                                                (428, "If-Match is missing", "Problem", false)]), use: updateRisk)
        routes.api(.DELETE, risks, access: .workspace(.risksManage), registry: registry,
                   operation: .init(id: "deleteRisk", summary: "Delete a risk of a draft assessment", tag: "Risks", parameters: [Query.ifMatchOptional],
                                    responses: [(204, "Deleted", nil, false), (409, "Changed since your GET", "Problem", false)]), use: deleteRisk)
        routes.api(.POST, risks + ["accept"], access: .workspace(.risksRead), registry: registry,
                   operation: .init(id: "acceptRisk", summary: "Accept the treatment and residual risk (the risk owner only)", tag: "Risks",
                                    parameters: [Query.ifMatchOptional], body: ("RiskAcceptance", "application/json"),
                                    responses: [(200, "Accepted", "Risk", true), (409, "Changed since your GET", "Problem", false)]), use: acceptRisk)
        routes.api(.POST, risks + ["review"], access: .workspace(.risksManage), registry: registry,
                   operation: .init(id: "reviewRisk", summary: "Mark a carried-forward risk as reviewed or closed", tag: "Risks",
                                    parameters: [Query.ifMatchOptional], body: ("RiskReview", "application/json"),
                                    responses: [(200, "Reviewed", "Risk", true), (409, "Changed since your GET", "Problem", false)]), use: reviewRisk)

        let actions = w + ["treatment-actions"]
        routes.api(.GET, actions, access: .workspace(.risksRead), registry: registry,
                   operation: .init(id: "listTreatmentActions", summary: "The risk treatment plan's actions, by due date", tag: "Treatment plan",
                                    parameters: [Parameters.query("status", "Status", schema: .string(enumValues: TreatmentAction.Status.allCases.map(\.rawValue))),
                                                 Parameters.query("owner", "me, or the owner's user id or e-mail"),
                                                 Parameters.query("overdue", "true: open and past due", schema: ["type": "boolean"]),
                                                 Parameters.query("assessment", "Only actions for risks of this assessment", schema: .string(format: "uuid")),
                                                 Parameters.query("sort", "due (default) or risk: the highest linked risk first", schema: .string(enumValues: ActionQuery.Sort.allCases.map(\.rawValue))),
                                                 Query.limit, Query.cursor],
                                    responses: [(200, "A page of actions", "TreatmentActionList", false)]), use: listActions)
        routes.api(.GET, actions + ["export"], access: .workspace(.risksRead), registry: registry,
                   operation: .init(id: "exportTreatmentPlan", summary: "The treatment plan (filtered as listTreatmentActions) as CSV or Excel", tag: "Treatment plan",
                                    parameters: [Parameters.query("status", "Status", schema: .string(enumValues: TreatmentAction.Status.allCases.map(\.rawValue))),
                                                 Parameters.query("owner", "me, or the owner's user id or e-mail"),
                                                 Parameters.query("overdue", "true: open and past due", schema: ["type": "boolean"]),
                                                 Parameters.query("sort", "due or risk", schema: .string(enumValues: ActionQuery.Sort.allCases.map(\.rawValue)))] + TableDownloads.parameters,
                                    responses: [(200, "The file", "Table", false)]), use: exportActions)
        routes.api(.POST, actions, access: .workspace(.risksManage), registry: registry,
                   operation: .init(id: "createTreatmentAction", summary: "Plan an action", tag: "Treatment plan", body: ("TreatmentActionCreate", "application/json"),
                                    responses: [(201, "Created", "TreatmentAction", true)]), use: createAction)
        routes.api(.GET, actions + [":actionId"], access: .workspace(.risksRead), registry: registry,
                   operation: .init(id: "getTreatmentAction", summary: "An action", tag: "Treatment plan",
                                    responses: [(200, "The action", "TreatmentAction", true)]), use: getAction)
        routes.api(.PATCH, actions + [":actionId"], access: .workspace(.risksRead), registry: registry,
                   operation: .init(id: "updateTreatmentAction", summary: "Change an action; its owner may report status, note and evidence", tag: "Treatment plan",
                                    parameters: [Query.ifMatch], body: ("TreatmentActionPatch", "application/json"),
                                    responses: [(200, "Updated", "TreatmentAction", true), (409, "Changed since your GET", "Problem", false),
                                                (428, "If-Match is missing", "Problem", false)]), use: updateAction)
        routes.api(.DELETE, actions + [":actionId"], access: .workspace(.risksManage), registry: registry,
                   operation: .init(id: "deleteTreatmentAction", summary: "Delete an action", tag: "Treatment plan", parameters: [Query.ifMatchOptional],
                                    responses: [(204, "Deleted", nil, false), (409, "Changed since your GET", "Problem", false)]), use: deleteAction)
    }

    static let filters: [APIOperation.Parameter] = [
        Parameters.query("q", "Search in code, scenario and the asset's code and name"),
        Parameters.query("level", "Inherent risk level key"), Parameters.query("residualLevel", "Residual risk level key"),
        Parameters.query("owner", "me, or the risk owner's user id or e-mail"),
        Parameters.query("treatment", "Treatment", schema: .string(enumValues: RiskTreatment.allCases.map(\.rawValue))),
        Parameters.query("review", "Review state", schema: .string(enumValues: Risk.Review.allCases.map(\.rawValue))),
        Parameters.query("department", "The asset's department id", schema: .string(format: "uuid")),
        Parameters.query("control", "An Annex A control such as 5.15"),
        Parameters.query("accepted", "true or false", schema: ["type": "boolean"]),
        Parameters.query("cell", "A heat-map cell: inherent:x:y or residual:x:y"),
        Parameters.query("sort", "Order", schema: .string(enumValues: RiskQuery.Sort.allCases.map(\.rawValue))),
    ]

    func version(_ req: Request) throws -> Int? { req.headers.first(name: .ifMatch) == nil ? nil : try req.ifMatchVersion() }
    func assessmentID(_ req: Request) throws -> RiskAssessment.ID { try req.id("assessmentId", RiskAssessment.ID.self, entity: "risk_assessment") }
    func riskID(_ req: Request) throws -> Risk.ID { try req.id("riskId", Risk.ID.self, entity: "risk") }
    func actionID(_ req: Request) throws -> TreatmentAction.ID { try req.id("actionId", TreatmentAction.ID.self, entity: "treatment_action") }

    @Sendable func listMethods(_ req: Request) async throws -> JSONBody<ListResource<RiskMethodResource>> {
        let methods = try await RiskMethods(req.meguri).list(try req.access())
        return JSONBody(value: ListResource(items: methods.map(RiskMethodResource.init), nextCursor: nil))
    }

    @Sendable func getMethod(_ req: Request) async throws -> Response {
        let method = try await RiskMethods(req.meguri).load(try req.access(), try req.id("methodId", RiskMethod.ID.self, entity: "risk_method"))
        return try await json(RiskMethodResource(method), etag: method.version, for: req)
    }

    @Sendable func listAssessments(_ req: Request) async throws -> JSONBody<ListResource<AssessmentResource>> {
        let list = try await RiskAssessments(req.meguri).list(try req.access())
        return JSONBody(value: ListResource(items: list.map(AssessmentResource.init), nextCursor: nil))
    }

    @Sendable func createAssessment(_ req: Request) async throws -> Response {
        let access = try req.access()
        let body = try req.content.decode(AssessmentRequest.self)
        var previous: RiskAssessment.ID? = nil
        if let raw = Text.nonBlank(body.carryForwardFrom) {
            guard let id = RiskAssessment.ID(raw) else { throw DomainError.invalid(field: "carryForwardFrom", code: "error.unknownAssessment") }
            previous = id
        }
        let assessment = try await RiskAssessments(req.meguri).create(access, AssessmentInput(name: body.name, startsOn: body.startsOn, endsOn: body.endsOn),
                                                                      carryForwardFrom: previous, context: try req.context())
        return try await json(AssessmentResource(assessment), status: .created, etag: assessment.version,
                              location: "/api/v1/workspaces/\(access.workspace.slug)/risk-assessments/\(assessment.id)", for: req)
    }

    @Sendable func getAssessment(_ req: Request) async throws -> Response {
        let assessment = try await RiskAssessments(req.meguri).load(try req.access(), try assessmentID(req))
        return try await json(AssessmentResource(assessment), etag: assessment.version, for: req)
    }

    func step(_ req: Request, _ step: String) async throws -> Response {
        let access = try req.access()
        let id = try assessmentID(req)
        let body = try? req.content.decode(NoteRequest.self)
        let note = body?.note
        let assessments = RiskAssessments(req.meguri)
        let context = try req.context()
        let result: RiskAssessment
        switch step {
        case "submit": result = try await assessments.submit(access, id, proceedWithUnaccepted: body?.proceedWithUnaccepted ?? false, expectedVersion: try version(req),
                                                              context: context)
        case "approve": result = try await assessments.approve(access, id, note: note, expectedVersion: try version(req), context: context)
        default: result = try await assessments.returnToDraft(access, id, note: note, expectedVersion: try version(req), context: context)
        }
        return try await json(AssessmentResource(result), etag: result.version, for: req)
    }

    @Sendable func heatMap(_ req: Request) async throws -> JSONBody<HeatMapResource> {
        let access = try req.access()
        let assessments = RiskAssessments(req.meguri)
        let assessment = try await assessments.load(access, try assessmentID(req))
        let residual = try parseBool(req.queryValue("residual"), field: "residual")
        return JSONBody(value: HeatMapResource(map: try await assessments.heatMap(access, assessment, residual: residual)))
    }

    @Sendable func listRisks(_ req: Request) async throws -> JSONBody<ListResource<RiskResource>> {
        let access = try req.access()
        let assessment = try await RiskAssessments(req.meguri).load(access, try assessmentID(req))
        var filters = AssessmentPages.Filters(req)
        if let accepted = req.queryValue("accepted") { filters.accepted = String(try parseBool(accepted, field: "accepted")) }
        let query = try filters.query(me: access.user.id, people: try await AssetPages.people(req, access, owner: filters.owner))
        let page = try await Risks(req.meguri).list(access, assessment: assessment.id, query: query, page: try req.pageRequest())
        return JSONBody(value: ListResource(items: page.items.map(RiskResource.init), nextCursor: page.nextCursor))
    }

    @Sendable func createRisk(_ req: Request) async throws -> Response {
        let access = try req.access()
        let input = try req.content.decode(RiskRequest.self).input()
        let risk = try await Risks(req.meguri).create(access, assessment: try assessmentID(req), input, context: try req.context())
        return try await json(RiskResource(risk), status: .created, etag: risk.version,
                              location: "/api/v1/workspaces/\(access.workspace.slug)/risks/\(risk.id)", for: req)
    }

    @Sendable func importRisks(_ req: Request) async throws -> JSONBody<ImportReportResource> {
        guard let buffer = req.body.data, buffer.readableBytes > 0 else { throw DomainError.invalid(field: "file", code: "error.fileRequired") }
        let dryRun = try parseBool(req.queryValue("dryRun"), field: "dryRun")
        let result = try await RiskTransfer(req.meguri).importFile(try req.access(), assessment: try assessmentID(req), data: Data(buffer: buffer),
                                                                   options: try req.importOptions(), dryRun: dryRun, context: try req.context())
        return JSONBody(value: TableDownloads.report(result))
    }

    @Sendable func exportRisks(_ req: Request) async throws -> Response {
        let access = try req.access()
        let format = try Exporting.format(req)
        let assessment = try await RiskAssessments(req.meguri).load(access, try assessmentID(req))
        let data = try await RiskTransfer(req.meguri).export(access, assessment: assessment.id, format: format, language: Exporting.language(req),
                                                             encoding: try Exporting.encoding(req))
        return Exporting.file(data, name: "risks-\(access.workspace.slug)-\(assessment.id)", format: format)
    }

    @Sendable func getRisk(_ req: Request) async throws -> Response {
        let risk = try await Risks(req.meguri).load(try req.access(), try riskID(req))
        return try await json(RiskResource(risk), etag: risk.version, for: req)
    }

    @Sendable func updateRisk(_ req: Request) async throws -> Response {
        let id = try riskID(req)
        let version = try req.ifMatchVersion()
        let input = try req.content.decode(RiskRequest.self).input()
        let risk = try await Risks(req.meguri).update(try req.access(), id, input, expectedVersion: version, context: try req.context())
        return try await json(RiskResource(risk), etag: risk.version, for: req)
    }

    @Sendable func deleteRisk(_ req: Request) async throws -> HTTPStatus {
        try await Risks(req.meguri).delete(try req.access(), try riskID(req), expectedVersion: try version(req), context: try req.context())
        return .noContent
    }

    struct AcceptRequest: Content { var reason: String? }
    struct ReviewRequest: Content { var outcome: String? }

    @Sendable func acceptRisk(_ req: Request) async throws -> Response {
        let reason = try? req.content.decode(AcceptRequest.self).reason
        let risk = try await Risks(req.meguri).accept(try req.access(), try riskID(req), reason: reason, expectedVersion: try version(req), context: try req.context())
        return try await json(RiskResource(risk), etag: risk.version, for: req)
    }

    @Sendable func reviewRisk(_ req: Request) async throws -> Response {
        let body = try req.content.decode(ReviewRequest.self)
        let risk = try await Risks(req.meguri).review(try req.access(), try riskID(req), outcome: body.outcome, expectedVersion: try version(req), context: try req.context())
        return try await json(RiskResource(risk), etag: risk.version, for: req)
    }

    @Sendable func listActions(_ req: Request) async throws -> JSONBody<ListResource<TreatmentActionResource>> {
        let access = try req.access()
        var filters = TreatmentPages.Filters(req)
        filters.overdue = try parseBool(req.queryValue("overdue"), field: "overdue") ? "1" : nil
        let query = try filters.query(me: access.user.id, today: access.today, people: try await AssetPages.people(req, access, owner: filters.owner))
        let page = try await TreatmentActions(req.meguri).list(access, query: query, page: try req.pageRequest())
        return JSONBody(value: ListResource(items: page.items.map(TreatmentActionResource.init), nextCursor: page.nextCursor))
    }

    @Sendable func exportActions(_ req: Request) async throws -> Response {
        let access = try req.access()
        var filters = TreatmentPages.Filters(req)
        filters.overdue = try parseBool(req.queryValue("overdue"), field: "overdue") ? "1" : nil
        let query = try filters.query(me: access.user.id, today: access.today, people: try await AssetPages.people(req, access, owner: filters.owner))
        let format = try Exporting.format(req)
        let data = try await TreatmentActions(req.meguri).export(access, query: query, format: format, language: Exporting.language(req),
                                                                 encoding: try Exporting.encoding(req))
        return Exporting.file(data, name: "treatment-plan-\(access.workspace.slug)-\(access.today)", format: format)
    }

    @Sendable func createAction(_ req: Request) async throws -> Response {
        let access = try req.access()
        let action = try await TreatmentActions(req.meguri).create(access, try req.content.decode(ActionRequest.self).input(), context: try req.context())
        return try await json(TreatmentActionResource(action), status: .created, etag: action.version,
                              location: "/api/v1/workspaces/\(access.workspace.slug)/treatment-actions/\(action.id)", for: req)
    }

    @Sendable func getAction(_ req: Request) async throws -> Response {
        let action = try await TreatmentActions(req.meguri).load(try req.access(), try actionID(req))
        return try await json(TreatmentActionResource(action), etag: action.version, for: req)
    }

    @Sendable func updateAction(_ req: Request) async throws -> Response {
        let id = try actionID(req)
        let version = try req.ifMatchVersion()
        let input = try req.content.decode(ActionRequest.self).input()
        let action = try await TreatmentActions(req.meguri).update(try req.access(), id, input, expectedVersion: version, context: try req.context())
        return try await json(TreatmentActionResource(action), etag: action.version, for: req)
    }

    @Sendable func deleteAction(_ req: Request) async throws -> HTTPStatus {
        try await TreatmentActions(req.meguri).delete(try req.access(), try actionID(req), expectedVersion: try version(req), context: try req.context())
        return .noContent
    }
}
