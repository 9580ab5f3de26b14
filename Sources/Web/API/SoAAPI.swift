import Domain
import Features
import Foundation
import Storage
import Vapor

/// `/api/v1/workspaces/{slug}/soa`: the statement's entries, versions (submit, approve, return),
/// comparison, export and import; `/own-controls` beside Annex A.
struct SoAAPI {
    let registry: APIRegistry

    func register(_ routes: any RoutesBuilder) {
        let soa: [PathComponent] = ["api", "v1", "workspaces", ":slug", "soa"]
        let own: [PathComponent] = ["api", "v1", "workspaces", ":slug", "own-controls"]
        routes.api(.GET, soa, access: .workspace(.soaRead), registry: registry,
                   operation: .init(id: "listSoaEntries", summary: "Every control of the statement (Annex A, then own controls) with its decision and warnings",
                                    tag: "SoA", parameters: Self.filters + [Query.limit, Query.cursor], responses: [(200, "A page of entries", "SoAEntryList", false)]), use: list)
        routes.api(.GET, soa + ["entries", ":soaControlId"], access: .workspace(.soaRead), registry: registry,
                   operation: .init(id: "getSoaEntry", summary: "One control's entry (ETag \"0\" until first saved)", tag: "SoA",
                                    responses: [(200, "The entry", "SoAEntry", true)]), use: get)
        routes.api(.PATCH, soa + ["entries", ":soaControlId"], access: .workspace(.soaManage), registry: registry,
                   operation: .init(id: "updateSoaEntry", summary: "Decide a control: applicable or excluded with a justification, status, owner, description",
                                    tag: "SoA", parameters: [Query.ifMatch], body: ("SoAEntryPatch", "application/json"),
                                    responses: [(200, "Updated", "SoAEntry", true), (409, "Changed since your GET", "Problem", false),
                                                (428, "If-Match is missing", "Problem", false)]), use: update)
        routes.api(.GET, soa + ["versions"], access: .workspace(.soaRead), registry: registry,
                   operation: .init(id: "listSoaVersions", summary: "Submitted versions, newest first (without their lines)", tag: "SoA",
                                    responses: [(200, "The versions", "SoAVersionList", false)]), use: versions)
        routes.api(.POST, soa + ["versions"], access: .workspace(.soaManage), registry: registry,
                   operation: .init(id: "submitSoaVersion", summary: "Submit the statement as it stands for approval (nothing undecided or on the review list)",
                                    tag: "SoA", body: ("SoANote", "application/json"), responses: [(201, "Submitted", "SoAVersion", true)]), use: submit)
        routes.api(.GET, soa + ["versions", ":versionNumber"], access: .workspace(.soaRead), registry: registry,
                   operation: .init(id: "getSoaVersion", summary: "A version with every line as frozen", tag: "SoA",
                                    responses: [(200, "The version", "SoAVersion", true)]), use: version)
        routes.api(.POST, soa + ["versions", ":versionNumber", "approve"], access: .workspace(.soaApprove), registry: registry,
                   operation: .init(id: "approveSoaVersion", summary: "Top management approves the version; it is frozen", tag: "SoA",
                                    parameters: [Query.ifMatchOptional], body: ("SoANote", "application/json"),
                                    responses: [(200, "Approved", "SoAVersion", true), (409, "Changed since your GET", "Problem", false)]), use: approve)
        routes.api(.POST, soa + ["versions", ":versionNumber", "return"], access: .workspace(.soaApprove), registry: registry,
                   operation: .init(id: "returnSoaVersion", summary: "Send the version back with a note (top management)", tag: "SoA",
                                    parameters: [Query.ifMatchOptional], body: ("SoANote", "application/json"),
                                    responses: [(200, "Returned", "SoAVersion", true), (409, "Changed since your GET", "Problem", false)]), use: sendBack)
        routes.api(.GET, soa + ["compare"], access: .workspace(.soaRead), registry: registry,
                   operation: .init(id: "compareSoa", summary: "What changed per control between two versions (or a version and the statement as it stands)",
                                    tag: "SoA", parameters: [APIOperation.Parameter(name: "from", location: .query, schema: .integer(minimum: 1), required: true,
                                                                                    description: "The older version's number"),
                                                             Parameters.query("to", "The newer version's number (default: the statement as it stands)", schema: .integer(minimum: 1))],
                                    responses: [(200, "The changes", "SoAComparison", false)]), use: compare)
        routes.api(.GET, soa + ["export"], access: .workspace(.soaRead), registry: registry,
                   operation: .init(id: "exportSoa", summary: "The statement (or version N) as CSV or Excel; every control, undecided ones marked", tag: "SoA",
                                    parameters: TableDownloads.parameters + [Parameters.query("version", "A version's number (default: as it stands)", schema: .integer(minimum: 1))],
                                    responses: [(200, "The file", "Table", false)]), use: export)
        routes.api(.POST, soa + ["import"], access: .workspace(.soaManage), registry: registry,
                   operation: .init(id: "importSoa", summary: "Import an SoA from CSV or Excel (2022 ids, own codes, or 2013 ids mapped; all or nothing)", tag: "SoA",
                                    parameters: [Parameters.query("dryRun", "true: check every row and report, write nothing", schema: ["type": "boolean"]), Parameters.importMap, Parameters.importHeaderRow],
                                    body: ("", "text/csv"), responses: [(200, "What was (or would be) done, and the review list", "SoAImportReport", false)]),
                   body: .collect(maxSize: "25mb"), use: importFile)
        routes.api(.GET, own, access: .workspace(.soaRead), registry: registry,
                   operation: .init(id: "listOwnControls", summary: "The workspace's own controls, by code", tag: "SoA",
                                    responses: [(200, "Every own control", "OwnControlList", false)]), use: ownList)
        routes.api(.POST, own, access: .workspace(.soaManage), registry: registry,
                   operation: .init(id: "createOwnControl", summary: "Add an own control", tag: "SoA", body: ("OwnControlCreate", "application/json"),
                                    responses: [(201, "Created", "OwnControl", true)]), use: ownCreate)
        routes.api(.GET, own + [":ownControlId"], access: .workspace(.soaRead), registry: registry,
                   operation: .init(id: "getOwnControl", summary: "An own control", tag: "SoA", responses: [(200, "The control", "OwnControl", true)]), use: ownGet)
        routes.api(.PATCH, own + [":ownControlId"], access: .workspace(.soaManage), registry: registry,
                   operation: .init(id: "updateOwnControl", summary: "Change an own control (a new code carries its entry and evidence)", tag: "SoA",
                                    parameters: [Query.ifMatch], body: ("OwnControlPatch", "application/json"),
                                    responses: [(200, "Updated", "OwnControl", true), (409, "Changed since your GET", "Problem", false),
                                                (428, "If-Match is missing", "Problem", false)]), use: ownUpdate)
        routes.api(.DELETE, own + [":ownControlId"], access: .workspace(.soaManage), registry: registry,
                   operation: .init(id: "deleteOwnControl", summary: "Delete an own control with its entry and evidence links", tag: "SoA",
                                    parameters: [Query.ifMatchOptional], responses: [(204, "Deleted", nil, false), (409, "Changed since your GET", "Problem", false)]),
                   use: ownDelete)
    }

    static let filters: [APIOperation.Parameter] = [
        Parameters.query("q", "An id (8.5, A.8.5, an own code) or words of the title"),
        Parameters.query("decision", "Decision", schema: .string(enumValues: SoAEntry.Decision.allCases.map(\.rawValue))),
        Parameters.query("implementation", "Implementation status", schema: .string(enumValues: SoAEntry.Implementation.allCases.map(\.rawValue))),
        Parameters.query("theme", "Annex A theme, or own", schema: .string(enumValues: AnnexAControl.Theme.allCases.map(\.rawValue) + ["own"])),
        Parameters.query("warning", "Only entries with this warning (any: with any warning)", schema: .string(enumValues: ["any"] + SoAWarning.allCases.map(\.rawValue))),
    ]

    @Sendable func list(_ req: Request) async throws -> JSONBody<ListResource<SoAEntryResource>> {
        let access = try req.access()
        let query = try SoAPages.Filters(req).query()
        let lines = try await Statement(req.meguri).lines(access)
        let (page, _) = Statement.page(lines, query: query, page: try req.pageRequest())
        return JSONBody(value: ListResource(items: page.items.map(SoAEntryResource.init), nextCursor: page.nextCursor))
    }

    func controlID(_ req: Request) -> String { req.parameters.get("soaControlId") ?? "" }

    @Sendable func get(_ req: Request) async throws -> Response {
        let detail = try await Statement(req.meguri).detail(try req.access(), controlID(req))
        return try await json(SoAEntryResource(detail.line), etag: detail.line.entry.version, for: req)
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let access = try req.access()
        let version = try req.ifMatchVersion()
        let input = try req.content.decode(SoAEntryRequest.self).input()
        let statement = Statement(req.meguri)
        _ = try await statement.update(access, control: controlID(req), input, expectedVersion: version, context: try req.context())
        let detail = try await statement.detail(access, controlID(req))
        return try await json(SoAEntryResource(detail.line), etag: detail.line.entry.version, for: req)
    }

    @Sendable func versions(_ req: Request) async throws -> JSONBody<ListResource<SoAVersionResource>> {
        let all = try await Statement(req.meguri).versions(try req.access())
        return JSONBody(value: ListResource(items: all.map { SoAVersionResource(version: $0, withEntries: false) }, nextCursor: nil))
    }

    struct NoteRequest: Content { var note: String? }

    func note(_ req: Request) throws -> String? {
        guard let buffer = req.body.data, buffer.readableBytes > 0 else { return nil }
        return try req.content.decode(NoteRequest.self).note
    }

    @Sendable func submit(_ req: Request) async throws -> Response {
        let access = try req.access()
        let version = try await Statement(req.meguri).submit(access, note: try note(req), context: try req.context())
        return try await json(SoAVersionResource(version: version, withEntries: true), status: .created, etag: version.version,
                              location: "/api/v1/workspaces/\(access.workspace.slug)/soa/versions/\(version.number)", for: req)
    }

    func number(_ req: Request) throws -> Int {
        guard let raw = req.parameters.get("versionNumber"), let number = Int(raw), number > 0 else { throw DomainError.notFound(entity: "soa_version") }
        return number
    }

    @Sendable func version(_ req: Request) async throws -> Response {
        let version = try await Statement(req.meguri).version(try req.access(), number: try number(req))
        return try await json(SoAVersionResource(version: version, withEntries: true), etag: version.version, for: req)
    }

    @Sendable func approve(_ req: Request) async throws -> Response { try await decide(req, approve: true) }
    @Sendable func sendBack(_ req: Request) async throws -> Response { try await decide(req, approve: false) }

    func decide(_ req: Request, approve: Bool) async throws -> Response {
        let expected = req.headers.first(name: .ifMatch) == nil ? nil : try req.ifMatchVersion()
        let version = try await Statement(req.meguri).decide(try req.access(), number: try number(req), approve: approve, note: try note(req),
                                                             expectedVersion: expected, context: try req.context())
        return try await json(SoAVersionResource(version: version, withEntries: true), etag: version.version, for: req)
    }

    @Sendable func compare(_ req: Request) async throws -> JSONBody<SoAComparisonResource> {
        guard let from = try req.versionNumber("from") else { throw DomainError.invalid(field: "from", code: "error.required") }
        let result = try await Statement(req.meguri).compare(try req.access(), from: from, to: try req.versionNumber("to"))
        return JSONBody(value: SoAComparisonResource(from: result.from.number, to: result.to?.number, changes: result.changes))
    }

    @Sendable func export(_ req: Request) async throws -> Response {
        let access = try req.access()
        let format = try Exporting.format(req)
        let number = try req.versionNumber("version")
        let data = try await Statement(req.meguri).export(access, format: format, language: Exporting.language(req), version: number, encoding: try Exporting.encoding(req))
        return Exporting.file(data, name: "soa-\(access.workspace.slug)-\(number.map { "v\($0)" } ?? access.today.description)", format: format)
    }

    @Sendable func importFile(_ req: Request) async throws -> JSONBody<SoAImportResource> {
        guard let buffer = req.body.data, buffer.readableBytes > 0 else { throw DomainError.invalid(field: "file", code: "error.fileRequired") }
        let dryRun = try parseBool(req.queryValue("dryRun"), field: "dryRun")
        let outcome = try await Statement(req.meguri).importFile(try req.access(), data: Data(buffer: buffer), options: try req.importOptions(), dryRun: dryRun,
                                                                   context: try req.context())
        return JSONBody(value: SoAImportResource(report: TableDownloads.report(outcome.result), review: outcome.review))
    }

    // MARK: Own controls

    func ownID(_ req: Request) throws -> OwnControl.ID { try req.id("ownControlId", OwnControl.ID.self, entity: "own_control") }

    @Sendable func ownList(_ req: Request) async throws -> JSONBody<ListResource<OwnControlResource>> {
        let all = try await OwnControls(req.meguri).list(try req.access())
        return JSONBody(value: ListResource(items: all.map(OwnControlResource.init), nextCursor: nil))
    }

    struct OwnRequest: Content { var code, titleJa, titleEn, description: String? }

    @Sendable func ownCreate(_ req: Request) async throws -> Response {
        let access = try req.access()
        let body = try req.content.decode(OwnRequest.self)
        let control = try await OwnControls(req.meguri).create(access, OwnControlInput(code: body.code, titleJa: body.titleJa, titleEn: body.titleEn,
                                                                                       description: body.description), context: try req.context())
        return try await json(OwnControlResource(control), status: .created, etag: control.version,
                              location: "/api/v1/workspaces/\(access.workspace.slug)/own-controls/\(control.id)", for: req)
    }

    @Sendable func ownGet(_ req: Request) async throws -> Response {
        let control = try await OwnControls(req.meguri).load(try req.access(), try ownID(req))
        return try await json(OwnControlResource(control), etag: control.version, for: req)
    }

    @Sendable func ownUpdate(_ req: Request) async throws -> Response {
        let id = try ownID(req)
        let version = try req.ifMatchVersion()
        let body = try req.content.decode(OwnRequest.self)
        let control = try await OwnControls(req.meguri).update(try req.access(), id, OwnControlInput(code: body.code, titleJa: body.titleJa, titleEn: body.titleEn,
                                                                                                    description: body.description),
                                                               expectedVersion: version, context: try req.context())
        return try await json(OwnControlResource(control), etag: control.version, for: req)
    }

    @Sendable func ownDelete(_ req: Request) async throws -> HTTPStatus {
        let id = try ownID(req)
        let version = req.headers.first(name: .ifMatch) == nil ? nil : try req.ifMatchVersion()
        try await OwnControls(req.meguri).delete(try req.access(), id, expectedVersion: version, context: try req.context())
        return .noContent
    }
}

/// `/api/v1/workspaces/{slug}/evidence`: the evidence store. Files go up as multipart form data
/// (`/evidence/files`), links as JSON; downloads re-check the SHA-256.
struct EvidenceAPI {
    let registry: APIRegistry
    let maxBytes: Int

    func register(_ routes: any RoutesBuilder) {
        let base: [PathComponent] = ["api", "v1", "workspaces", ":slug", "evidence"]
        routes.api(.GET, base, access: .workspace(.evidenceRead), registry: registry,
                   operation: .init(id: "listEvidence", summary: "Evidence, newest collected first", tag: "Evidence",
                                    parameters: Self.filters + [Query.limit, Query.cursor], responses: [(200, "A page of evidence", "EvidenceList", false)]), use: list)
        routes.api(.POST, base, access: .workspace(.evidenceManage), registry: registry,
                   operation: .init(id: "createEvidenceLink", summary: "Add evidence that is a link", tag: "Evidence", body: ("EvidenceLinkCreate", "application/json"),
                                    responses: [(201, "Created", "Evidence", true)]), use: createLink)
        routes.api(.POST, base + ["files"], access: .workspace(.evidenceManage), registry: registry,
                   operation: .init(id: "uploadEvidence", summary: "Upload a file as evidence (judged by content: executables, HTML and SVG refused)", tag: "Evidence",
                                    body: ("EvidenceUpload", "multipart/form-data"),
                                    responses: [(201, "Stored, with its SHA-256", "Evidence", true), (413, "Larger than the configured limit", "Problem", false)]),
                   body: .collect(maxSize: ByteCount(value: maxBytes + 1024 * 1024)), use: upload)
        routes.api(.GET, base + [":evidenceId"], access: .workspace(.evidenceRead), registry: registry,
                   operation: .init(id: "getEvidence", summary: "A piece of evidence", tag: "Evidence", responses: [(200, "The evidence", "Evidence", true)]), use: get)
        routes.api(.PATCH, base + [":evidenceId"], access: .workspace(.evidenceManage), registry: registry,
                   operation: .init(id: "updateEvidence", summary: "Change the title, dates, notes or links", tag: "Evidence", parameters: [Query.ifMatch],
                                    body: ("EvidencePatch", "application/json"),
                                    responses: [(200, "Updated", "Evidence", true), (409, "Changed since your GET", "Problem", false),
                                                (428, "If-Match is missing", "Problem", false)]), use: update)
        routes.api(.DELETE, base + [":evidenceId"], access: .workspace(.evidenceManage), registry: registry,
                   operation: .init(id: "deleteEvidence", summary: "Delete evidence and its file", tag: "Evidence", parameters: [Query.ifMatchOptional],
                                    responses: [(204, "Deleted", nil, false), (409, "Changed since your GET", "Problem", false)]), use: delete)
        routes.api(.GET, base + [":evidenceId", "content"], access: .workspace(.evidenceRead), registry: registry,
                   operation: .init(id: "downloadEvidence", summary: "The file, as an attachment (its SHA-256 checked first)", tag: "Evidence",
                                    responses: [(200, "The file", "File", false)]), use: download)
    }

    static let filters: [APIOperation.Parameter] = [
        Parameters.query("q", "Words of the title or file name"),
        Parameters.query("validity", "expiring (within 30 days) or expired", schema: .string(enumValues: ["expiring", "expired"])),
        Parameters.query("control", "Linked to this control (8.5, A.8.5 or an own code)"),
        Parameters.query("link", "Linked to this record: control:8.5, action:ID, asset:ID or risk:ID"),
    ]

    func evidenceID(_ req: Request) throws -> Evidence.ID { try req.id("evidenceId", Evidence.ID.self, entity: "evidence") }

    @Sendable func list(_ req: Request) async throws -> JSONBody<ListResource<EvidenceResource>> {
        let access = try req.access()
        let store = EvidenceFiles(req.meguri)
        let query = try store.query(access, search: req.queryValue("q"), validity: req.queryValue("validity"),
                                    control: req.queryValue("control"), link: req.queryValue("link"))
        let page = try await store.list(access, query: query, page: try req.pageRequest())
        return JSONBody(value: ListResource(items: page.items.map { EvidenceResource(evidence: $0, today: access.today) }, nextCursor: page.nextCursor))
    }

    struct LinkRequest: Content {
        var title, url, collectedOn, validUntil, notes, collectedById: String?
        var links: [String]?

        func input(creating: Bool) throws -> EvidenceInput {
            var input = EvidenceInput(title: title, url: url, collectedOn: collectedOn ?? (creating ? nil : nil), validUntil: validUntil, notes: notes, links: links)
            if let raw = collectedById {
                if Text.nonBlank(raw) == nil { input.collectedByID = .some(nil) } else if let id = User.ID(raw) { input.collectedByID = .some(id) } else {
                    throw DomainError.invalid(field: "collectedById", code: "error.format")
                }
            }
            return input
        }
    }

    @Sendable func createLink(_ req: Request) async throws -> Response {
        let access = try req.access()
        let evidence = try await EvidenceFiles(req.meguri).create(access, try req.content.decode(LinkRequest.self).input(creating: true), file: nil, context: try req.context())
        return try await json(EvidenceResource(evidence: evidence, today: access.today), status: .created, etag: evidence.version,
                              location: "/api/v1/workspaces/\(access.workspace.slug)/evidence/\(evidence.id)", for: req)
    }

    struct UploadRequest: Content {
        var file: File?
        var title, collectedOn, validUntil, notes, collectedById: String?
        var links: [String]?
        var link: String?
    }

    @Sendable func upload(_ req: Request) async throws -> Response {
        let access = try req.access()
        guard req.headers.contentType?.type == "multipart" else { throw Abort(.unsupportedMediaType) }
        let body = try req.content.decode(UploadRequest.self)
        guard let file = body.file, file.data.readableBytes > 0 else { throw DomainError.invalid(field: "file", code: "error.fileRequired") }
        let request = LinkRequest(title: body.title, url: nil, collectedOn: body.collectedOn, validUntil: body.validUntil, notes: body.notes,
                                  collectedById: body.collectedById, links: (body.links ?? []) + [body.link].compactMap { $0 })
        let evidence = try await EvidenceFiles(req.meguri).create(access, try request.input(creating: true),
                                                                  file: UploadedFile(name: file.filename, data: Data(buffer: file.data)), context: try req.context())
        return try await json(EvidenceResource(evidence: evidence, today: access.today), status: .created, etag: evidence.version,
                              location: "/api/v1/workspaces/\(access.workspace.slug)/evidence/\(evidence.id)", for: req)
    }

    @Sendable func get(_ req: Request) async throws -> Response {
        let access = try req.access()
        let evidence = try await EvidenceFiles(req.meguri).load(access, try evidenceID(req))
        return try await json(EvidenceResource(evidence: evidence, today: access.today), etag: evidence.version, for: req)
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try evidenceID(req)
        let version = try req.ifMatchVersion()
        let input = try req.content.decode(LinkRequest.self).input(creating: false)
        let evidence = try await EvidenceFiles(req.meguri).update(access, id, input, expectedVersion: version, context: try req.context())
        return try await json(EvidenceResource(evidence: evidence, today: access.today), etag: evidence.version, for: req)
    }

    @Sendable func delete(_ req: Request) async throws -> HTTPStatus {
        let id = try evidenceID(req)
        let version = req.headers.first(name: .ifMatch) == nil ? nil : try req.ifMatchVersion()
        try await EvidenceFiles(req.meguri).delete(try req.access(), id, expectedVersion: version, context: try req.context())
        return .noContent
    }

    @Sendable func download(_ req: Request) async throws -> Response {
        let (evidence, data) = try await EvidenceFiles(req.meguri).download(try req.access(), try evidenceID(req))
        return EvidenceViews.attachment(data, evidence)
    }
}

// MARK: - Resources

struct SoAEntryRequest: Content {
    var decision, justification, implementation, description, documents: Patch<String>
    var ownerId: Patch<String>

    enum CodingKeys: String, CodingKey { case decision, justification, implementation, description, documents, ownerId }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        decision = try .decode(c, .decision); justification = try .decode(c, .justification); implementation = try .decode(c, .implementation)
        description = try .decode(c, .description); documents = try .decode(c, .documents); ownerId = try .decode(c, .ownerId)
    }

    func encode(to encoder: any Encoder) throws {}

    func input() throws -> SoAEntryInput {
        var v = Validator()
        let input = SoAEntryInput(decision: decision.text, justification: justification.text, implementation: implementation.text,
                                  ownerID: ownerId.id(User.ID.self, field: "ownerId", into: &v), description: description.text, documents: documents.text)
        try v.check()
        return input
    }
}

struct SoAEntryResource: JSONWritable {
    let line: SoALine
    init(_ line: SoALine) { self.line = line }

    func write(_ w: inout JSONWriter) {
        let e = line.entry
        w.object { w in
            w.field("controlId", line.control.id); w.field("kind", line.control.isOwn ? "own" : "annex"); w.field("theme", line.control.theme)
            w.field("titleJa", line.control.title(.ja)); w.field("titleEn", line.control.title(.en)); w.field("decision", e.decision.rawValue)
            w.field("justification", e.justification); w.field("implementation", e.decision == .applicable ? e.implementation?.rawValue : nil)
            w.field("ownerId", e.ownerID?.description); w.field("description", e.description); w.field("documents", e.documents)
            w.key("linkedDocuments")
            w.array(line.documents) { w, d in
                w.object { w in
                    w.field("id", d.id.description); w.field("code", d.code); w.field("title", d.title); w.field("status", d.status.rawValue)
                    w.field("publishedLabel", d.publishedLabel)
                }
            }
            w.field("review", e.reviewReason.map { SoAMigration.Review.parse($0).code })
            w.field("linkedRisks", line.facts.linkedRisks); w.field("actions", line.actions); w.field("evidenceCount", line.facts.evidenceCount)
            w.field("newestEvidence", line.facts.newestEvidence?.description)
            w.field("warnings", strings: line.warnings.map(\.rawValue))
            w.field("updatedAt", e.isStored ? e.updatedAt : nil); w.field("version", e.version)
        }
    }
}

struct SoASnapshotResource: JSONWritable {
    let s: SoASnapshot
    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("controlId", s.controlID); w.field("theme", s.theme); w.field("titleJa", s.titleJa); w.field("titleEn", s.titleEn)
            w.field("decision", s.decision.rawValue); w.field("justification", s.justification); w.field("implementation", s.implementation?.rawValue)
            w.field("owner", s.owner); w.field("description", s.description); w.field("documents", s.documents)
            w.field("linkedDocuments", strings: s.linkedDocuments)
            w.field("risks", strings: s.risks); w.field("riskCount", s.riskCount); w.field("evidenceCount", s.evidenceCount)
        }
    }
}

struct SoAVersionResource: JSONWritable {
    let version: SoAVersion
    let withEntries: Bool

    func write(_ w: inout JSONWriter) {
        let v = version
        w.object { w in
            w.field("number", v.number); w.field("status", v.status.rawValue); w.field("submittedBy", v.submittedBy.description)
            w.field("submittedAt", v.submittedAt); w.field("decidedBy", v.decidedBy?.description); w.field("decidedAt", v.decidedAt)
            w.field("note", v.note); w.field("decisionNote", v.decisionNote); w.field("version", v.version)
            if withEntries { w.field("entries", v.entries.map(SoASnapshotResource.init)) }
        }
    }
}

struct SoAComparisonResource: JSONWritable {
    let from: Int
    let to: Int?
    let changes: [SoAChange]

    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("from", from); w.field("to", to)
            w.key("changes")
            w.array(changes) { w, change in
                w.object { w in
                    w.field("controlId", change.controlID); w.field("kind", change.kind.rawValue); w.field("fields", strings: change.fields)
                    w.key("before"); if let before = change.before { SoASnapshotResource(s: before).write(&w) } else { w.string(nil) }
                    w.key("after"); if let after = change.after { SoASnapshotResource(s: after).write(&w) } else { w.string(nil) }
                }
            }
        }
    }
}

struct SoAImportResource: JSONWritable {
    let report: ImportReportResource
    let review: [SoAMigration.Proposal]

    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("report", report)
            w.key("review")
            w.array(review) { w, p in
                w.object { w in
                    w.field("controlId", p.controlID); w.field("reason", p.review?.code); w.field("from2013", strings: p.from2013)
                    w.field("decision", p.decision.rawValue); w.key("rows"); w.array(p.rows) { w, n in w.int(n) }
                }
            }
        }
    }
}

struct OwnControlResource: JSONWritable {
    let c: OwnControl
    init(_ c: OwnControl) { self.c = c }
    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("id", c.id.description); w.field("code", c.code); w.field("titleJa", c.titleJa); w.field("titleEn", c.titleEn)
            w.field("description", c.description); w.field("createdAt", c.createdAt); w.field("updatedAt", c.updatedAt); w.field("version", c.version)
        }
    }
}

struct EvidenceResource: JSONWritable {
    let evidence: Evidence
    let today: CalendarDate

    func write(_ w: inout JSONWriter) {
        let e = evidence
        w.object { w in
            w.field("id", e.id.description); w.field("title", e.title); w.field("kind", e.kind.rawValue); w.field("url", e.url)
            w.field("fileName", e.fileName); w.field("contentType", e.contentType); w.field("size", e.size); w.field("sha256", e.sha256)
            w.field("collectedOn", e.collectedOn.description); w.field("collectedById", e.collectedBy?.description)
            w.field("validUntil", e.validUntil?.description); w.field("validity", e.validity(on: today).rawValue); w.field("notes", e.notes)
            w.field("links", strings: e.links.map(\.text))
            w.field("createdAt", e.createdAt); w.field("updatedAt", e.updatedAt); w.field("version", e.version)
        }
    }
}

/// OpenAPI schemas of the SoA and the evidence store.
enum SoASchemas {
    static let nullableString: JSON = .string(nullable: true)
    static let decision: JSON = .string(enumValues: SoAEntry.Decision.allCases.map(\.rawValue))
    static let implementation: JSON = ["type": ["string", "null"], "enum": .array(SoAEntry.Implementation.allCases.map { JSON.string($0.rawValue) } + [.null])]
    static let entry: [(String, JSON)] = [
        ("controlId", .string()), ("kind", .string(enumValues: ["annex", "own"])), ("theme", .string()), ("titleJa", .string()), ("titleEn", .string()),
        ("decision", decision), ("justification", nullableString), ("implementation", implementation), ("ownerId", .string(format: "uuid", nullable: true)),
        ("description", nullableString), ("documents", .string(nullable: true, description: "A note on the documents (free text)")),
        ("linkedDocuments", .array(of: .object([("id", .string(format: "uuid")), ("code", .string()), ("title", .string()),
                                                 ("status", .string(enumValues: ControlledDocument.Status.allCases.map(\.rawValue))),
                                                 ("publishedLabel", nullableString)], required: ["id", "code", "title", "status", "publishedLabel"]))),
        ("review", nullableString), ("linkedRisks", .integer(minimum: 0)),
        ("actions", .integer(minimum: 0)), ("evidenceCount", .integer(minimum: 0)), ("newestEvidence", .string(format: "date", nullable: true)),
        ("warnings", .array(of: .string(enumValues: SoAWarning.allCases.map(\.rawValue)))), ("updatedAt", .string(format: "date-time", nullable: true)),
        ("version", .integer(minimum: 0)),
    ]
    static let snapshot: [(String, JSON)] = [
        ("controlId", .string()), ("theme", .string()), ("titleJa", .string()), ("titleEn", .string()), ("decision", decision),
        ("justification", nullableString), ("implementation", implementation), ("owner", nullableString), ("description", nullableString),
        ("documents", nullableString), ("linkedDocuments", .array(of: .string(description: "Code and title of each document that named the control"))),
        ("risks", .array(of: .string(description: "At most the first 50 codes"))), ("riskCount", .integer(minimum: 0)),
        ("evidenceCount", .integer(minimum: 0)),
    ]
    static let version: [(String, JSON)] = [
        ("number", .integer(minimum: 1)), ("status", .string(enumValues: SoAVersion.Status.allCases.map(\.rawValue))), ("submittedBy", .string(format: "uuid")),
        ("submittedAt", .string(format: "date-time")), ("decidedBy", .string(format: "uuid", nullable: true)), ("decidedAt", .string(format: "date-time", nullable: true)),
        ("note", nullableString), ("decisionNote", nullableString), ("version", .integer(minimum: 1)), ("entries", .array(of: .ref("SoASnapshot"))),
    ]
    static let evidence: [(String, JSON)] = [
        ("id", .string(format: "uuid")), ("title", .string()), ("kind", .string(enumValues: Evidence.Kind.allCases.map(\.rawValue))), ("url", nullableString),
        ("fileName", nullableString), ("contentType", nullableString), ("size", ["type": ["integer", "null"]]), ("sha256", nullableString),
        ("collectedOn", .string(format: "date")), ("collectedById", .string(format: "uuid", nullable: true)), ("validUntil", .string(format: "date", nullable: true)),
        ("validity", .string(enumValues: ["valid", "expiring", "expired"])), ("notes", nullableString),
        ("links", .array(of: .string(description: "control:8.5, action:ID, asset:ID or risk:ID"))),
        ("createdAt", .string(format: "date-time")), ("updatedAt", .string(format: "date-time")), ("version", .integer(minimum: 1)),
    ]
    static let evidenceFields: [(String, JSON)] = [
        ("title", .string(description: "Defaults to the file name for uploads")), ("collectedOn", .string(format: "date")),
        ("validUntil", .string(format: "date", nullable: true)), ("notes", nullableString), ("collectedById", .string(format: "uuid", nullable: true)),
        ("links", .array(of: .string(description: "control:8.5, action:ID, asset:ID or risk:ID"))),
    ]
    static let own: [(String, JSON)] = [
        ("id", .string(format: "uuid")), ("code", .string()), ("titleJa", .string()), ("titleEn", .string()), ("description", nullableString),
        ("createdAt", .string(format: "date-time")), ("updatedAt", .string(format: "date-time")), ("version", .integer(minimum: 1)),
    ]
    static let ownFields: [(String, JSON)] = [
        ("code", .string(description: "Letters, digits, - _ . (up to 20), with at least one letter")), ("titleJa", .string()), ("titleEn", .string()),
        ("description", nullableString),
    ]

    static let all: [(String, JSON)] = [
        ("SoAEntry", .object(entry, required: entry.map(\.0))),
        ("SoAEntryList", APISchemas.list("SoAEntry")),
        ("SoAEntryPatch", .object([("decision", .string(description: "undecided, applicable or excluded (also 適用/除外)")), ("justification", nullableString),
                                   ("implementation", .string(nullable: true, description: "notStarted, planned, partial, implemented")),
                                   ("ownerId", .string(format: "uuid", nullable: true)), ("description", nullableString), ("documents", nullableString)], required: [])),
        ("SoASnapshot", .object(snapshot, required: snapshot.map(\.0))),
        ("SoAVersion", .object(version, required: version.map(\.0).filter { $0 != "entries" })),
        ("SoAVersionList", APISchemas.list("SoAVersion")),
        ("SoANote", .object([("note", nullableString)], required: [])),
        ("SoAComparison", .object([("from", .integer(minimum: 1)), ("to", ["type": ["integer", "null"]]),
                                   ("changes", .array(of: .object([("controlId", .string()), ("kind", .string(enumValues: ["added", "removed", "changed"])),
                                                                   ("fields", .array(of: .string())),
                                                                   ("before", ["oneOf": [.ref("SoASnapshot"), ["type": "null"]]]),
                                                                   ("after", ["oneOf": [.ref("SoASnapshot"), ["type": "null"]]])],
                                                                  required: ["controlId", "kind", "fields", "before", "after"])))],
                                  required: ["from", "to", "changes"])),
        ("SoAImportReport", .object([("report", .ref("ImportReport")),
                                     ("review", .array(of: .object([("controlId", .string()), ("reason", .string()), ("from2013", .array(of: .string())),
                                                                    ("decision", decision), ("rows", .array(of: .integer(minimum: 0)))],
                                                                   required: ["controlId", "reason", "from2013", "decision", "rows"])))],
                                    required: ["report", "review"])),
        ("OwnControl", .object(own, required: own.map(\.0))),
        ("OwnControlList", APISchemas.list("OwnControl")),
        ("OwnControlCreate", .object(ownFields, required: ["code", "titleJa", "titleEn"])),
        ("OwnControlPatch", .object(ownFields, required: [])),
        ("Evidence", .object(evidence, required: evidence.map(\.0))),
        ("EvidenceList", APISchemas.list("Evidence")),
        ("EvidenceLinkCreate", .object([("url", .string(format: "uri"))] + evidenceFields, required: ["title", "url", "collectedOn"])),
        ("EvidencePatch", .object([("url", .string(format: "uri"))] + evidenceFields, required: [])),
        ("EvidenceUpload", .object([("file", ["type": "string", "format": "binary", "description": "The file's bytes"])] + evidenceFields.filter { $0.0 != "links" }
                                   + [("link", .string(description: "One link: control:8.5, action:ID, asset:ID or risk:ID"))], required: ["file"])),
        ("File", ["type": "string", "contentMediaType": "application/octet-stream"]),
    ]
}
