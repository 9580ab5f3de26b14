import Domain
import Features
import Foundation

/// The document register's resources, each described once.
enum DocumentShapes {
    typealias F = ResourceField

    static func approver(_ a: ControlledDocument.Approver) -> String {
        switch a {
        case .topManagement: "topManagement"
        case .role(let role): "role:\(role.rawValue)"
        case .member(let id): "member:\(id)"
        }
    }

    static let audience = ResourceShape<Audience>("Audience", description: "Everyone, or holders of roles, members of departments and named people", [
        F.bool("everyone", \.everyone), F.custom("roles", schema: .array(of: .string(enumValues: Role.allCases.map(\.rawValue)))) { w, a in
            w.array(a.roles) { w, r in w.string(r.rawValue) }
        }, F.ids("departmentIds", \.departmentIDs), F.ids("memberIds", \.memberIDs),
    ])

    static let documentFields: [ResourceField<ControlledDocument>] = [
        F.id("id", \.id), F.int("number", \.number, minimum: 1), F.text("code", \.code), F.text("title", \.title), F.choice("kind", \.kind),
        F.id("ownerId", \.ownerID),
        F.custom("approver", schema: .string(description: "topManagement, role:<role> or member:<user id>")) { w, d in w.string(approver(d.approver)) },
        F.text("classification", \.classification), F.int("reviewIntervalMonths", \.reviewIntervalMonths, minimum: 1), F.date("nextReviewOn", \.nextReviewOn),
        F.int("retentionYears", \.retentionYears), F.texts("references", \.references), F.choice("status", \.status),
        F.int("latestVersion", \.latestVersion, minimum: 0), F.int("publishedVersion", \.publishedVersion), F.text("publishedLabel", \.publishedLabel),
        F.date("effectiveOn", \.effectiveOn), F.nested("audience", audience, \.audience),
        F.choice("pending", \.pending),
        F.timestamp("createdAt", \.createdAt), F.timestamp("updatedAt", \.updatedAt), F.int("version", \.version, minimum: 1),
    ]
    static let document = ResourceShape<ControlledDocument>("Document", documentFields)

    static let comment = ResourceShape<DocumentVersion.Comment>("DocumentComment", [F.id("by", \.by), F.timestamp("at", \.at), F.text("text", \.text)])
    static let file = ResourceShape<DocumentVersion.File>("DocumentFile", [
        F.id("evidenceId", \.evidenceID), F.text("name", \.name), F.int("size", \.size, minimum: 0), F.text("contentType", \.contentType),
    ])

    static let versionFields: [ResourceField<DocumentVersion>] = [
        F.id("id", \.id), F.id("documentId", \.documentID), F.int("number", \.number, minimum: 1), F.text("label", \.label), F.int("major", \.major, minimum: 1),
        F.int("minor", \.minor, minimum: 0), F.text("summary", \.summary), F.nested("file", file, \.file), F.text("sha256", \.sha256), F.choice("status", \.status),
        F.list("comments", comment, \.comments), F.id("createdBy", \.createdBy), F.id("submittedBy", \.submittedBy), F.timestamp("submittedAt", \.submittedAt),
        F.text("returnNote", \.returnNote), F.id("approvedBy", \.approvedBy), F.timestamp("approvedAt", \.approvedAt), F.text("approvalNote", \.approvalNote),
        F.id("publishedBy", \.publishedBy), F.timestamp("publishedAt", \.publishedAt), F.date("effectiveOn", \.effectiveOn), F.nested("audience", audience, \.audience),
        F.timestamp("createdAt", \.createdAt), F.timestamp("updatedAt", \.updatedAt), F.int("version", \.version, minimum: 1),
    ]
    static let version = ResourceShape<DocumentVersion>("DocumentVersion", versionFields)

    static let detail = ResourceShape<DocumentState>("DocumentDetail",
        documentFields.map { field in F.custom(field.name, schema: field.schema) { w, v in field.write(&w, v.document) } }
        + [F.list("versions", version, \.versions)])

    static let acknowledgement = ResourceShape<Acknowledgement>("Acknowledgement", [
        F.id("id", \.id), F.id("documentId", \.documentID), F.int("versionNumber", \.versionNumber, minimum: 1), F.int("major", \.major, minimum: 1),
        F.id("userId", \.userID), F.text("sha256", \.sha256), F.timestamp("acknowledgedAt", \.acknowledgedAt),
    ])

    static let versionDetail = ResourceShape<VersionView>("DocumentVersionDetail",
        versionFields.map { field in F.custom(field.name, schema: field.schema) { w, v in field.write(&w, v.version) } }
        + [F.text("body", \.version.body, description: "The Markdown source (null for a file version)"),
           F.text("html", \.html, description: "The text rendered safely: no raw HTML, links only to http(s), mailto and this site"),
           F.nested("acknowledgement", acknowledgement, \.acknowledgement), F.bool("mayAcknowledge", \.mayAcknowledge)])

    static let reader = ResourceShape<Completion.Reader>("DocumentReader", [
        F.id("userId", \.member.userID), F.text("displayName", \.member.displayName), F.text("email", \.member.email),
        F.id("departmentId", \.member.homeDepartmentID), F.timestamp("acknowledgedAt", \.acknowledgement?.acknowledgedAt),
        F.int("versionNumber", \.acknowledgement?.versionNumber),
    ])
    static let departmentLine = ResourceShape<Completion.DepartmentLine>("DocumentDepartmentCompletion", [
        F.id("departmentId", \.department?.id), F.text("name", \.department?.name), F.int("done", \.done, minimum: 0), F.int("total", \.total, minimum: 0),
    ])
    static let completion = ResourceShape<Completion>("DocumentCompletion", [
        F.id("documentId", \.document.id), F.int("version", \.document.publishedVersion), F.int("done", \.done, minimum: 0), F.int("total", \.total, minimum: 0),
        F.list("departments", departmentLine, \.departments), F.list("readers", reader, \.readers),
    ])

    static let reading = ResourceShape<ReadingItem>("ReadingItem", [
        F.id("documentId", \.document.id), F.text("code", \.document.code), F.text("title", \.document.title), F.choice("kind", \.document.kind),
        F.int("version", \.document.publishedVersion), F.text("label", \.document.publishedLabel), F.date("effectiveOn", \.document.effectiveOn),
        F.timestamp("acknowledgedAt", \.acknowledgedAt),
    ])

    struct Comparison: Sendable {
        var from: String
        var to: String
        var lines: [TextDiff.Line]
    }

    static let segmentSchema: JSON = .object([("kind", .string(enumValues: ["same", "removed", "added"])), ("text", .string())], required: ["kind", "text"])
    static let comparison = ResourceShape<Comparison>("DocumentComparison", [
        F.text("from", \.from), F.text("to", \.to),
        F.custom("lines", schema: .array(of: .object([("kind", .string(enumValues: ["same", "removed", "added", "changed"])), ("text", .string(nullable: true)),
                                                       ("segments", .array(of: segmentSchema))], required: ["kind", "text", "segments"]))) { w, c in
            w.array(c.lines) { w, line in
                w.object { w in
                    func segments(_ list: [TextDiff.Segment]) {
                        w.key("segments")
                        w.array(list) { w, segment in
                            w.object { w in
                                switch segment {
                                case .same(let t): w.field("kind", "same"); w.field("text", t)
                                case .removed(let t): w.field("kind", "removed"); w.field("text", t)
                                case .added(let t): w.field("kind", "added"); w.field("text", t)
                                }
                            }
                        }
                    }
                    switch line {
                    case .same(let t): w.field("kind", "same"); w.field("text", t); segments([])
                    case .removed(let t): w.field("kind", "removed"); w.field("text", t); segments([])
                    case .added(let t): w.field("kind", "added"); w.field("text", t); segments([])
                    case .changed(let parts): w.field("kind", "changed"); w.field("text", nil as String?); segments(parts)
                    }
                }
            }
        },
    ])

    static let uuids: JSON = .array(of: .string(format: "uuid"))
    static let audienceWrite: JSON = .object([("everyone", ["type": "boolean"]), ("roles", .array(of: .string(enumValues: Role.allCases.map(\.rawValue)))),
                                              ("departmentIds", uuids), ("memberIds", uuids)], required: [],
                                             description: "{\"everyone\": true} or {\"roles\": [...], \"departmentIds\": [...], \"memberIds\": [...]}")

    static let factChange = ResourceShape<StarterFactChange>("StarterFactChange", description: "A fact the document states whose data changed since it was written", [
        F.text("fact", \.name), F.text("before", \.before), F.text("after", \.after),
    ])
    static let starter = ResourceShape<StarterStatus>("StarterDocument", description: "One of the starter set: written (its register entry) or not, and what changed under it", [
        F.text("key", \.template.key), F.text("code", \.template.code), F.choice("kind", \.template.kind), F.text("titleJa", \.template.titleJa),
        F.text("titleEn", \.template.titleEn), F.texts("references", \.template.references), F.id("documentId", \.document?.id),
        F.custom("language", schema: .string(nullable: true, enumValues: ["ja", "en"])) { w, s in w.string(s.document?.starter?.language.rawValue) },
        F.list("changes", factChange, \.changes),
    ])

    static let all: [(String, JSON)] = [
        (audience.name, audience.schema), (document.name, document.schema), document.listSchema, (comment.name, comment.schema), (file.name, file.schema),
        (version.name, version.schema), (detail.name, detail.schema), (acknowledgement.name, acknowledgement.schema), (versionDetail.name, versionDetail.schema),
        (reader.name, reader.schema), (departmentLine.name, departmentLine.schema), (completion.name, completion.schema), (reading.name, reading.schema),
        ("ReadingList", APISchemas.list(reading.name)), (comparison.name, comparison.schema),
        (factChange.name, factChange.schema), (starter.name, starter.schema),
        ("StarterDocumentList", .object([("items", .array(of: ["$ref": "#/components/schemas/StarterDocument"]))], required: ["items"])),
        ("StarterDocumentsCreate", .object([("keys", .array(of: .string(description: "manual, policy, risk, documents, audit, corrective, incident, acceptableUse"))),
                                            ("language", .string(enumValues: ["ja", "en"]))], required: [],
                                           description: "keys: the starter documents to write (all not yet written when absent); language: of the drafts (the request's by default)")),
        ("StarterDocumentsCreated", .object([("items", .array(of: ["$ref": "#/components/schemas/Document"]))], required: ["items"])),
        ("DocumentWrite", .object([("code", .string()), ("title", .string()), ("kind", .string(enumValues: ControlledDocument.Kind.allCases.map(\.rawValue))),
                                   ("ownerId", .string(format: "uuid", nullable: true)),
                                   ("approver", .string(description: "topManagement, role:<role> or member:<user id> (the policy: topManagement)")),
                                   ("classification", .string(nullable: true)), ("reviewIntervalMonths", .integer(minimum: 1, maximum: 60)),
                                   ("nextReviewOn", .string(format: "date", nullable: true)), ("retentionYears", ["type": ["integer", "null"], "minimum": 1]),
                                   ("references", .array(of: .string(description: "A clause (5.2), a control (A.5.1) or an own control's code")))],
                                  required: [])),
        ("DocumentVersionWrite", .object([("body", .string(description: "Markdown")), ("summary", .string(description: "What changed and why")),
                                          ("major", ["type": "boolean", "description": "true: a major version (readers acknowledge again); false: a minor one"])],
                                         required: [], description: "As JSON; or multipart/form-data with file, summary and major")),
        ("DocumentNote", .object([("note", .string())], required: [])),
        ("DocumentCommentCreate", .object([("text", .string())], required: ["text"])),
        ("DocumentPublish", .object([("audience", audienceWrite), ("effectiveOn", .string(format: "date"))], required: ["audience"])),
        ("AcknowledgementCreate", .object([("version", .integer(minimum: 1))], required: ["version"])),
    ]
}
