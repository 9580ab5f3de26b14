import Domain
import Features
import Foundation
import Vapor

/// `/api/v1/workspaces/{slug}/documents`: the document register, its versions from draft to
/// published, comparison, read-and-acknowledge; `/api/v1/workspaces/{slug}/my-reading`.
struct DocumentAPI {
    let registry: APIRegistry
    let maxBytes: Int

    static var w: [PathComponent] { ["api", "v1", "workspaces", ":slug"] }
    static var one: [PathComponent] { w + ["documents", ":documentId"] }
    static var version: [PathComponent] { one + ["versions", ":versionNumber"] }

    func register(_ routes: any RoutesBuilder) {
        func op(_ id: String, _ summary: String, parameters: [APIOperation.Parameter] = [], body: String? = nil, media: String = "application/json",
                _ responses: [(Int, String, String?, Bool)]) -> APIOperation {
            .init(id: id, summary: summary, tag: "Documents", parameters: parameters, body: body.map { ($0, media) }, responses: responses)
        }
        let lang = Parameters.query("lang", "ja or en (default: the request's language)", schema: .string(enumValues: ["ja", "en"]))
        routes.api(.GET, Self.w + ["documents", "export"], access: .workspace(.documentsRead), registry: registry,
                   operation: op("exportDocuments", "The register as CSV or Excel, in the import's columns", parameters: TableDownloads.parameters,
                                 [(200, "The file", "Table", false)]), use: exportRegister)
        routes.api(.POST, Self.w + ["documents", "import"], access: .workspace(.documentsManage), registry: registry,
                   operation: op("importDocuments", "Import the register from CSV or Excel (all or nothing; a known code is updated)",
                                 parameters: [Parameters.query("dryRun", "true: check every row and report, write nothing", schema: ["type": "boolean"]), Parameters.importMap, Parameters.importHeaderRow],
                                 body: "", media: "text/csv", [(200, "What was (or would be) done per row", "ImportReport", false)]),
                   body: .collect(maxSize: "25mb"), use: importRegister)
        routes.api(.GET, Self.w + ["documents", "starters"], access: .workspace(.documentsManage), registry: registry,
                   operation: op("listStarterDocuments", "The starter set: each document written or not, and the facts that changed under a written one",
                                 [(200, "The eight starter documents", "StarterDocumentList", false)]), use: starters)
        routes.api(.POST, Self.w + ["documents", "starters"], access: .workspace(.documentsManage), registry: registry,
                   operation: op("createStarterDocuments", "Write starter documents not yet in the register as drafts, from the workspace's data (never published by themselves)",
                                 body: "StarterDocumentsCreate", [(201, "The documents written (empty when all were already written)", "StarterDocumentsCreated", false)]),
                   use: createStarters)
        routes.api(.POST, Self.one + ["starter-draft"], access: .workspace(.documentsRead), registry: registry,
                   operation: op("redraftStarterDocument", "A new draft version of a starter document whose data changed: the changed paragraphs brought up to date",
                                 [(201, "Created as a draft", "DocumentVersionDetail", true), (422, "Nothing changed, or a version is in progress", "Problem", false)]),
                   use: redraftStarter)
        documents.register(routes, registry: registry)
        routes.api(.POST, Self.one + ["retire"], access: .workspace(.documentsManage), registry: registry,
                   operation: op("retireDocument", "Retire a document: nobody is asked to read it any more; its history stays",
                                 parameters: [Query.ifMatchOptional], [(200, "Retired", "DocumentDetail", true),
                                                                        (409, "Changed since your GET", "Problem", false)]), use: retire)
        routes.api(.POST, Self.one + ["versions"], access: .workspace(.documentsRead), registry: registry,
                   operation: op("createDocumentVersion", "Start the next version: Markdown (JSON) or a file (multipart: file, summary, major)",
                                 body: "DocumentVersionWrite", [(201, "Created as a draft", "DocumentVersionDetail", true)]),
                   body: .collect(maxSize: ByteCount(value: maxBytes + 1_048_576)), use: createVersion)
        routes.api(.GET, Self.version, access: .workspace(.workspaceRead), registry: registry,
                   operation: op("getDocumentVersion", "One version: its Markdown source, the text rendered, and the caller's acknowledgement",
                                 [(200, "The version", "DocumentVersionDetail", true)]), use: getVersion)
        routes.api(.PATCH, Self.version, access: .workspace(.documentsRead), registry: registry,
                   operation: op("updateDocumentVersion", "Change a draft (text, file, summary, major or minor)", parameters: [Query.ifMatch],
                                 body: "DocumentVersionWrite", [(200, "Updated", "DocumentVersionDetail", true), (409, "Changed since your GET", "Problem", false),
                                                                (428, "If-Match is missing", "Problem", false)]),
                   body: .collect(maxSize: ByteCount(value: maxBytes + 1_048_576)), use: updateVersion)
        for (name, summary, schema) in [("submit", "Submit a draft for review and approval", nil as String?),
                                        ("approve", "Approve a version in review (its approver, never its submitter)", "DocumentNote"),
                                        ("return", "Return a version in review to its writer, with a note", "DocumentNote"),
                                        ("comments", "Comment on a version in review", "DocumentCommentCreate"),
                                        ("publish", "Publish an approved version to an audience; the version in force before it is superseded", "DocumentPublish")] {
            routes.api(.POST, Self.version + [PathComponent(stringLiteral: name)], access: .workspace(name == "publish" ? .documentsManage : .documentsRead),
                       registry: registry, operation: op("\(name == "comments" ? "comment" : name)DocumentVersion", summary, body: schema,
                                                         [(200, "Done", "DocumentVersionDetail", true)])) { req in try await self.step(req, name) }
        }
        routes.api(.GET, Self.version + ["file"], access: .workspace(.workspaceRead), registry: registry,
                   operation: op("downloadDocumentFile", "The version as a file: the uploaded file (its SHA-256 checked again) or the Markdown source", [(200, "The file", "File", false)]), use: file)
        routes.api(.GET, Self.version + ["docx"], access: .workspace(.workspaceRead), registry: registry,
                   operation: op("documentVersionDocx", "A Markdown version as a Word document", parameters: [lang], [(200, "The .docx", "File", false)]), use: docx)
        routes.api(.GET, Self.one + ["compare"], access: .workspace(.documentsRead), registry: registry,
                   operation: op("compareDocumentVersions", "What changed from one Markdown version to another: by line, and by character inside a line",
                                 parameters: [Parameters.query("from", "The earlier version's number (default: the one before `to`)", schema: .integer(minimum: 1)),
                                              Parameters.query("to", "The later version's number (default: the newest)", schema: .integer(minimum: 1))],
                                 [(200, "The changes", "DocumentComparison", false)]), use: compare)
        routes.api(.GET, Self.one + ["acknowledgements"], access: .workspace(.documentsRead), registry: registry,
                   operation: op("listAcknowledgements", "Who in the audience has and has not acknowledged the version in force, and per department",
                                 [(200, "The completion", "DocumentCompletion", false)]), use: completion)
        routes.api(.GET, Self.one + ["acknowledgements", "export"], access: .workspace(.documentsRead), registry: registry,
                   operation: op("exportAcknowledgements", "The acknowledgement records as CSV or Excel", parameters: TableDownloads.parameters,
                                 [(200, "The file", "Table", false)]), use: exportAcknowledgements)
        routes.api(.POST, Self.one + ["acknowledgements"], access: .workspace(.workspaceRead), registry: registry,
                   operation: op("acknowledgeDocument", "Acknowledge having read the version in force (a superseded version is refused)",
                                 body: "AcknowledgementCreate", [(201, "Acknowledged", "Acknowledgement", false)]), use: acknowledge)
        routes.api(.GET, Self.w + ["my-reading"], access: .workspace(.workspaceRead), registry: registry,
                   operation: op("myReading", "The documents published to the caller, with whether they have read each",
                                 parameters: [Parameters.query("unread", "true: only those not yet acknowledged", schema: ["type": "boolean"])],
                                 [(200, "The reading list", "ReadingList", false)]), use: myReading)
    }

    var documents: CRUDRoutes<ControlledDocument, DocumentState, DocumentRequest> {
        CRUDRoutes(base: Self.w + ["documents"], idParameter: "documentId", tag: "Documents", singular: "Document", plural: "Documents",
                   item: DocumentShapes.document, shape: DocumentShapes.detail, read: .documentsRead, manage: .documentsManage, getAccess: .workspaceRead,
                   createSchema: "DocumentWrite", patchSchema: "DocumentWrite",
                   summaries: ["listDocuments": "The document register; `q` searches codes, titles and the text in force (two Japanese characters are enough)",
                               "deleteDocument": "Delete a document that was never published"],
                   listParameters: [Parameters.query("q", "Search codes, titles and text"),
                                    Parameters.query("kind", "Only this kind", schema: .string(enumValues: ControlledDocument.Kind.allCases.map(\.rawValue))),
                                    Parameters.query("status", "Only this state", schema: .string(enumValues: ControlledDocument.Status.allCases.map(\.rawValue))),
                                    Parameters.query("ownerId", "Only this owner's", schema: .string(format: "uuid")),
                                    Parameters.query("reviewDue", "true: only those whose review is due", schema: ["type": "boolean"]), Query.limit, Query.cursor],
                   version: { $0.document.version }, identity: { $0.document.id.description },
                   list: { req, access in
                       var query = DocumentQuery(search: req.queryValue("q"))
                       if let raw = req.queryValue("kind") {
                           guard let kind = ControlledDocument.Kind(rawValue: raw) else { throw DomainError.invalid(field: "kind", code: "error.choice") }
                           query.kind = kind
                       }
                       if let raw = req.queryValue("status") {
                           guard let status = ControlledDocument.Status(rawValue: raw) else { throw DomainError.invalid(field: "status", code: "error.choice") }
                           query.status = status
                       }
                       query.ownerID = try CheckActAPI.optionalID(req, "ownerId", User.ID.self)
                       query.reviewDue = try parseBool(req.queryValue("reviewDue"), field: "reviewDue")
                       return try await Documents(req.meguri).list(access, query: query, page: try req.pageRequest())
                   },
                   create: { req, access, body in
                       let d = try await Documents(req.meguri).create(access, try body.input(), context: try req.context())
                       return try await Documents(req.meguri).load(access, d.id)
                   },
                   get: { req, access in try await Documents(req.meguri).load(access, try Self.documentID(req)) },
                   update: { req, access, body, version in
                       let id = try Self.documentID(req)
                       _ = try await Documents(req.meguri).update(access, id, try body.input(), expectedVersion: version, context: try req.context())
                       return try await Documents(req.meguri).load(access, id)
                   },
                   delete: { req, access, version in
                       try await Documents(req.meguri).delete(access, try Self.documentID(req), expectedVersion: version, context: try req.context())
                   })
    }

    static func documentID(_ req: Request) throws -> ControlledDocument.ID { try req.id("documentId", ControlledDocument.ID.self, entity: "document") }

    static func number(_ req: Request) throws -> Int {
        guard let raw = req.parameters.get("versionNumber"), let number = Int(raw), number > 0 else { throw DomainError.notFound(entity: "document_version") }
        return number
    }

    struct DocumentRequest: Content {
        var code, title, kind, approver, classification, nextReviewOn: String?
        var reviewIntervalMonths, retentionYears: Int?
        var references: [String]?
        var ownerId: Patch<String>
        var retention: Patch<Int>
        var review: Patch<String>
        enum CodingKeys: String, CodingKey { case code, title, kind, approver, classification, nextReviewOn, reviewIntervalMonths, retentionYears, references, ownerId }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            code = try c.decodeIfPresent(String.self, forKey: .code); title = try c.decodeIfPresent(String.self, forKey: .title)
            kind = try c.decodeIfPresent(String.self, forKey: .kind); approver = try c.decodeIfPresent(String.self, forKey: .approver)
            classification = try Patch<String>.decode(c, .classification).text
            review = try .decode(c, .nextReviewOn); nextReviewOn = review.text
            reviewIntervalMonths = try c.decodeIfPresent(Int.self, forKey: .reviewIntervalMonths)
            retention = try .decode(c, .retentionYears)
            if case .value(let years) = retention { retentionYears = years }
            references = try c.decodeIfPresent([String].self, forKey: .references); ownerId = try .decode(c, .ownerId)
        }
        func encode(to encoder: any Encoder) throws {}
        func input() throws -> DocumentInput {
            var v = Validator()
            var retentionText: String? = nil
            switch retention { case .absent: retentionText = nil; case .null: retentionText = ""; case .value(let years): retentionText = String(years) }
            let input = DocumentInput(code: code, title: title, kind: kind, ownerID: ownerId.id(User.ID.self, field: "ownerId", into: &v), approver: approver,
                                      classification: classification, reviewIntervalMonths: reviewIntervalMonths.map(String.init), nextReviewOn: nextReviewOn,
                                      retentionYears: retentionText, references: references?.joined(separator: ","))
            try v.check()
            return input
        }
    }

    @Sendable func starters(_ req: Request) async throws -> Response {
        let statuses = try await StarterDocuments(req.meguri).statuses(try req.access())
        return try await json(ItemsResource(items: statuses.map(DocumentShapes.starter.resource)), for: req)
    }

    @Sendable func createStarters(_ req: Request) async throws -> Response {
        let access = try req.access()
        struct Body: Decodable { var keys: [String]?; var language: String? }
        let body = req.body.data == nil ? Body() : try req.content.decode(Body.self)
        var language = req.language
        if let raw = body.language {
            guard let chosen = Language(rawValue: raw) else { throw DomainError.invalid(field: "language", code: "error.choice") }
            language = chosen
        }
        let created = try await StarterDocuments(req.meguri).generate(access, keys: body.keys, language: language, context: try req.context())
        return try await json(ItemsResource(items: created.map(DocumentShapes.document.resource)), status: .created, for: req)
    }

    @Sendable func redraftStarter(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try Self.documentID(req)
        let version = try await StarterDocuments(req.meguri).redraft(access, id, context: try req.context())
        let view = try await Documents(req.meguri).version(access, id, number: version.number)
        return try await json(DocumentShapes.versionDetail.resource(view), status: .created, etag: view.version.version,
                              location: "/api/v1/workspaces/\(access.workspace.slug)/documents/\(id)/versions/\(version.number)", for: req)
    }

    @Sendable func retire(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try Self.documentID(req)
        let expected = req.headers.first(name: .ifMatch) == nil ? nil : try req.ifMatchVersion()
        _ = try await Documents(req.meguri).retire(access, id, expectedVersion: expected, context: try req.context())
        let state = try await Documents(req.meguri).load(access, id)
        return try await json(DocumentShapes.detail.resource(state), etag: state.document.version, for: req)
    }

    /// A version's body: JSON `{body, summary, major}` or multipart with `file`, `summary`, `major`.
    func versionInput(_ req: Request) throws -> VersionInput {
        if req.headers.contentType?.type == "multipart" {
            struct Form: Content { var file: File?; var body, summary, major: String? }
            let form = try req.content.decode(Form.self)
            let file = form.file.flatMap { $0.data.readableBytes > 0 ? UploadedFile(name: $0.filename, data: Data(buffer: $0.data)) : nil }
            return VersionInput(body: form.body, file: file, summary: form.summary, major: form.major.map { $0 == "true" })
        }
        struct Body: Content { var body, summary: String?; var major: Bool? }
        let body = try req.content.decode(Body.self)
        return VersionInput(body: body.body, summary: body.summary, major: body.major)
    }

    func versionAnswer(_ req: Request, _ access: WorkspaceAccess, _ id: ControlledDocument.ID, _ number: Int, status: HTTPResponseStatus = .ok) async throws -> Response {
        let view = try await Documents(req.meguri).version(access, id, number: number)
        return try await json(DocumentShapes.versionDetail.resource(view), status: status, etag: view.version.version,
                              location: status == .created ? "\(req.url.path)/\(number)" : nil, for: req)
    }

    @Sendable func createVersion(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try Self.documentID(req)
        let version = try await Documents(req.meguri).addVersion(access, id, try versionInput(req), context: try req.context())
        return try await versionAnswer(req, access, id, version.number, status: .created)
    }

    @Sendable func getVersion(_ req: Request) async throws -> Response { try await versionAnswer(req, try req.access(), try Self.documentID(req), try Self.number(req)) }

    @Sendable func updateVersion(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try Self.documentID(req)
        let number = try Self.number(req)
        let expected = try req.ifMatchVersion()
        _ = try await Documents(req.meguri).editVersion(access, id, number: number, try versionInput(req), expectedVersion: expected, context: try req.context())
        return try await versionAnswer(req, access, id, number)
    }

    struct StepBody: Content {
        var note, text, effectiveOn: String?
        var audience: AudienceBody?
    }

    struct AudienceBody: Content {
        var everyone: Bool?
        var roles: [String]?
        var departmentIds, memberIds: [String]?

        func audience() throws -> Audience {
            var v = Validator()
            var audience = Audience(everyone: everyone ?? false)
            for raw in roles ?? [] { if let role = Role(rawValue: raw) { audience.roles.append(role) } else { v.add("audience", "error.unknownRole", ["value": raw]) } }
            audience.departmentIDs = CheckActAPI.ids(departmentIds, Department.ID.self, field: "audience", into: &v) ?? []
            audience.memberIDs = CheckActAPI.ids(memberIds, User.ID.self, field: "audience", into: &v) ?? []
            try v.check()
            return audience
        }
    }

    func step(_ req: Request, _ name: String) async throws -> Response {
        let access = try req.access()
        let id = try Self.documentID(req)
        let number = try Self.number(req)
        let body = req.body.data == nil ? StepBody() : try req.content.decode(StepBody.self)
        let step: Documents.Step
        switch name {
        case "submit": step = .submit
        case "approve": step = .approve(note: body.note)
        case "return": step = .returnToDraft(note: body.note ?? "")
        case "comments": step = .comment(body.text ?? "")
        default:
            var effective: CalendarDate? = nil
            if let raw = Text.nonBlank(body.effectiveOn) {
                guard let day = CalendarDate(raw) else { throw DomainError.invalid(field: "effectiveOn", code: "error.date") }
                effective = day
            }
            // A missing audience is refused by the use case, once the version is found.
            step = .publish(audience: try body.audience?.audience() ?? Audience(), effectiveOn: effective)
        }
        _ = try await Documents(req.meguri).step(access, id, number: number, step, context: try req.context())
        return try await versionAnswer(req, access, id, number)
    }

    @Sendable func file(_ req: Request) async throws -> Response {
        let file = try await Documents(req.meguri).file(try req.access(), try Self.documentID(req), number: try Self.number(req))
        return EvidenceDownload.response(file.data, name: file.name, contentType: file.contentType)
    }

    @Sendable func docx(_ req: Request) async throws -> Response {
        let language = Exporting.language(req)
        let file = try await DocumentFiles(req.meguri).docx(try req.access(), try Self.documentID(req), number: try Self.number(req), language: language)
        return EvidenceDownload.response(file.data, name: file.name, contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    }

    @Sendable func compare(_ req: Request) async throws -> JSONBody<ShapedResource<DocumentShapes.Comparison>> {
        let result = try await Documents(req.meguri).compare(try req.access(), try Self.documentID(req), from: try req.versionNumber("from"), to: try req.versionNumber("to"))
        return JSONBody(value: DocumentShapes.comparison.resource(.init(from: result.from.label, to: result.to.label, lines: result.lines)))
    }

    @Sendable func completion(_ req: Request) async throws -> CachedJSONBody {
        let (documents, access, id) = (Documents(req.meguri), try req.access(), try Self.documentID(req))
        return try await CachedJSONBody(req, key: "document-completion|" + documents.completionKey(access, id)) {
            DocumentShapes.completion.resource(try await documents.completion(access, id))
        }
    }

    @Sendable func exportAcknowledgements(_ req: Request) async throws -> Response {
        let format = try Exporting.format(req)
        let file = try await DocumentFiles(req.meguri).exportAcknowledgements(try req.access(), try Self.documentID(req), format: format,
                                                                              language: Exporting.language(req), encoding: try Exporting.encoding(req))
        return Exporting.file(file.data, name: String(file.name.prefix { $0 != "." }), format: format)
    }

    struct AcknowledgeBody: Content { var version: Int? }

    @Sendable func acknowledge(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try Self.documentID(req)
        let ack = try await Documents(req.meguri).acknowledge(access, id, number: try req.content.decode(AcknowledgeBody.self).version, context: try req.context())
        return try await json(DocumentShapes.acknowledgement.resource(ack), status: .created, for: req)
    }

    @Sendable func myReading(_ req: Request) async throws -> JSONBody<ListResource<ShapedResource<ReadingItem>>> {
        let unread = try parseBool(req.queryValue("unread"), field: "unread")
        return JSONBody(value: DocumentShapes.reading.list(try await Documents(req.meguri).reading(try req.access(), unreadOnly: unread)))
    }

    @Sendable func exportRegister(_ req: Request) async throws -> Response {
        let access = try req.access()
        let format = try Exporting.format(req)
        let data = try await DocumentFiles(req.meguri).exportRegister(access, format: format, language: Exporting.language(req), encoding: try Exporting.encoding(req))
        return Exporting.file(data, name: "documents-\(access.workspace.slug)", format: format)
    }

    @Sendable func importRegister(_ req: Request) async throws -> JSONBody<ImportReportResource> {
        guard let buffer = req.body.data, buffer.readableBytes > 0 else { throw DomainError.invalid(field: "file", code: "error.fileRequired") }
        let dryRun = try parseBool(req.queryValue("dryRun"), field: "dryRun")
        let result = try await DocumentFiles(req.meguri).importRegister(try req.access(), data: Data(buffer: buffer), options: try req.importOptions(), dryRun: dryRun,
                                                                         context: try req.context())
        return JSONBody(value: TableDownloads.report(result))
    }
}
