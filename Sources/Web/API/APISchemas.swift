import Domain

/// The schemas of the OpenAPI document, one per resource shape in `Resources.swift`.
enum APISchemas {
    static func pathParameter(_ name: String) -> JSON {
        switch name {
        case "slug": ["type": "string", "pattern": "^[a-z][a-z0-9-]{0,38}[a-z0-9]$"]
        case "controlId": ["type": "string", "pattern": "^(A\\.)?[5-8]\\.[0-9]{1,2}$"]
        case "soaControlId": ["type": "string", "pattern": "^[A-Za-z0-9._-]{1,22}$"]
        case "versionNumber": .integer(minimum: 1)
        default: .string(format: "uuid")
        }
    }

    static func pathParameterDescription(_ name: String) -> String {
        switch name {
        case "slug": "The workspace's slug"
        case "departmentId": "A department's id"
        case "memberId": "A membership's id"
        case "assetId": "An asset's id"
        case "methodId": "A risk method version's id"
        case "assessmentId": "A risk assessment's id"
        case "riskId": "A risk's id"
        case "actionId": "A treatment action's id"
        case "controlId": "An Annex A control's id (8.5 or A.8.5)"
        case "soaControlId": "An Annex A control's id (8.5 or A.8.5) or an own control's code"
        case "versionNumber": "A submitted SoA version's number"
        case "evidenceId": "A piece of evidence's id"
        case "ownControlId": "An own control's id"
        case "objectiveId": "An objective's id"
        case "measurementId": "A measurement's id"
        case "processId": "A process's id"
        case "programmeId": "An audit programme's id"
        case "auditId": "An internal audit's id"
        case "itemId": "A checklist item's id"
        case "findingId": "An audit finding's id"
        case "ncId": "A nonconformity's id"
        case "reviewId": "A management review's id"
        case "reviewActionId": "A review action item's id"
        case "activityId": "A planned activity's id"
        case "date": "An occurrence's day, YYYY-MM-DD"
        default: name
        }
    }

    static let roles = Role.allCases.map(\.rawValue)

    static let timestamps: [(String, JSON)] = [
        ("createdAt", .string(format: "date-time")), ("updatedAt", .string(format: "date-time")), ("version", .integer(minimum: 1)),
    ]

    static let all: JSON = .object([
        ("Problem", .object([
            ("type", .string(format: "uri-reference")), ("title", .string()), ("status", .integer(minimum: 100, maximum: 599)),
            ("detail", .string()), ("instance", .string()), ("requestId", .string()),
            ("errors", .array(of: .ref("FieldProblem"))), ("currentVersion", .integer()), ("retryAfter", .integer()),
        ], required: ["type", "title", "status"], description: "An RFC 9457 problem document")),
        ("FieldProblem", .object([
            ("field", .string()), ("code", .string()), ("message", .string(description: "In the language of the request")), ("row", .integer(minimum: 1)),
        ], required: ["field", "code", "message"])),
        ("Workspace", .object([
            ("id", .string(format: "uuid")), ("slug", .string()), ("name", .string()),
            ("organizationName", .string(nullable: true)), ("scopeStatement", .string(nullable: true)), ("sites", .string(nullable: true)),
            ("certificationBody", .string(nullable: true)), ("certificateNumber", .string(nullable: true)),
            ("initialCertificationDate", .string(format: "date", nullable: true)),
            ("certificateIssuedOn", .string(format: "date", nullable: true)), ("certificateExpiresOn", .string(format: "date", nullable: true)), ("timeZone", .string()),
            ("fiscalYearStartMonth", .integer(minimum: 1, maximum: 12)),
        ] + timestamps, required: ["id", "slug", "name", "organizationName", "scopeStatement", "sites", "certificationBody", "certificateNumber",
                                   "initialCertificationDate", "certificateIssuedOn", "certificateExpiresOn", "timeZone", "fiscalYearStartMonth", "createdAt", "updatedAt", "version"])),
        ("WorkspaceCreate", .object([
            ("name", .string()), ("slug", .string(description: "2–40 characters: a–z, 0–9 and hyphens, starting with a letter")),
            ("organizationName", .string()), ("scopeStatement", .string()), ("sites", .string()), ("certificationBody", .string()),
            ("certificateNumber", .string()), ("initialCertificationDate", .string(description: "YYYY-MM-DD; empty clears")),
            ("certificateIssuedOn", .string(description: "YYYY-MM-DD; empty clears")), ("certificateExpiresOn", .string(description: "YYYY-MM-DD; empty clears")),
            ("timeZone", .string(description: "An IANA time zone such as Asia/Tokyo")), ("fiscalYearStartMonth", .integer()),
        ], required: ["name", "slug"])),
        ("WorkspacePatch", .object([
            ("name", .string()), ("organizationName", .string()), ("scopeStatement", .string()), ("sites", .string()),
            ("certificationBody", .string()), ("certificateNumber", .string()), ("initialCertificationDate", .string()), ("certificateIssuedOn", .string()), ("certificateExpiresOn", .string()),
            ("timeZone", .string()), ("fiscalYearStartMonth", .integer()), ("slug", .string(description: "Fixed once created; sending a different one is refused")),
        ], required: [], description: "Fields to change; an absent field is kept, an empty string clears an optional text")),
        ("WorkspaceList", list("Workspace")),
        ("Department", .object([
            ("id", .string(format: "uuid")), ("name", .string()), ("code", .string(nullable: true)), ("description", .string(nullable: true)),
        ] + timestamps, required: ["id", "name", "code", "description", "createdAt", "updatedAt", "version"])),
        ("DepartmentCreate", .object([("name", .string()), ("code", .string()), ("description", .string())], required: ["name"])),
        ("DepartmentPatch", .object([("name", .string()), ("code", .string()), ("description", .string())], required: [])),
        ("DepartmentList", list("Department")),
        ("RoleGrant", .object([
            ("role", .string(enumValues: roles)), ("departmentId", .string(format: "uuid", nullable: true)),
            ("expiresOn", .string(format: "date", nullable: true)),
        ], required: ["role", "departmentId", "expiresOn"])),
        ("RoleGrantInput", .object([
            ("role", .string(description: "A role key (\(roles.joined(separator: ", "))) or its name in Japanese or English")),
            ("departmentId", .string(description: "departmentOfficer: the department (default: the home department)")),
            ("expiresOn", .string(description: "externalAuditor: the last day of access, YYYY-MM-DD")),
        ], required: ["role"])),
        ("Member", .object([
            ("id", .string(format: "uuid")), ("userId", .string(format: "uuid")), ("email", .string(format: "email")), ("displayName", .string()),
            ("homeDepartmentId", .string(format: "uuid", nullable: true)), ("roles", .array(of: .ref("RoleGrant"))), ("activated", ["type": "boolean"]),
            ("invitationUrl", .string(description: "Only when the person is new: the one-time link to hand over")),
        ] + timestamps, required: ["id", "userId", "email", "displayName", "homeDepartmentId", "roles", "activated", "createdAt", "updatedAt", "version"])),
        ("MemberCreate", .object([
            ("email", .string()), ("displayName", .string(description: "Required when the person has no account yet")),
            ("homeDepartmentId", .string()), ("roles", .array(of: .ref("RoleGrantInput"))),
        ], required: ["email", "roles"])),
        ("MemberPatch", .object([
            ("homeDepartmentId", .string(nullable: true)), ("roles", .array(of: .ref("RoleGrantInput"))),
        ], required: [])),
        ("MemberList", list("Member")),
        ("AuditEvent", .object([
            ("id", .string(format: "uuid")), ("sequence", .integer(minimum: 1)), ("occurredAt", .string(format: "date-time")),
            ("actor", .object([
                ("kind", .string(enumValues: Actor.Kind.allCases.map(\.rawValue))), ("userId", .string(format: "uuid", nullable: true)),
                ("tokenId", .string(format: "uuid", nullable: true)), ("label", .string()),
            ], required: ["kind", "userId", "tokenId", "label"])),
            ("entityType", .string()), ("entityId", .string()), ("action", .string()),
            ("before", .string(nullable: true, description: "JSON of the record before the change")),
            ("after", .string(nullable: true, description: "JSON of the record after the change")),
            ("requestId", .string(nullable: true)), ("previousHash", .string()), ("hash", .string()),
        ], required: ["id", "sequence", "occurredAt", "actor", "entityType", "entityId", "action", "before", "after", "requestId", "previousHash", "hash"])),
        ("AuditEventList", list("AuditEvent")),
        ("Me", .object([
            ("id", .string(format: "uuid")), ("email", .string(format: "email")), ("displayName", .string()), ("isAdministrator", ["type": "boolean"]),
            ("language", .string(nullable: true, enumValues: Language.allCases.map(\.rawValue))), ("totpEnabled", ["type": "boolean"]),
            ("workspaces", .array(of: .object([("slug", .string()), ("name", .string()), ("roles", .array(of: .ref("RoleGrant")))],
                                              required: ["slug", "name", "roles"]))),
        ], required: ["id", "email", "displayName", "isAdministrator", "language", "totpEnabled", "workspaces"])),
        ("ImportReport", .object([
            ("dryRun", ["type": "boolean"]),
            ("rows", .array(of: .object([
                ("row", .integer(minimum: 2)), ("record", .string()), ("outcome", .string(enumValues: ["create", "invite", "update", "unchanged"])),
                ("invitationUrl", .string(nullable: true)),
                ("readings", .array(of: .object([("column", .string()), ("written", .string()), ("value", .string()), ("kind", .string(enumValues: ["read", "computed"]))],
                                                required: ["column", "written", "value", "kind"]))),
            ], required: ["row", "record", "outcome", "invitationUrl", "readings"]))),
            ("headerRow", .integer(minimum: 1)),
            ("columns", .array(of: .object([
                ("column", .string()), ("header", .string()), ("field", .string(nullable: true)),
                ("reason", .string(enumValues: ["named", "decided", "remembered", "given", "computed", "unknown", "ambiguous", "duplicate"])),
            ], required: ["column", "header", "field", "reason"]))),
            ("map", .string()),
        ], required: ["dryRun", "rows", "headerRow", "columns", "map"])),
        ("Health", .object([("status", .string())], required: ["status"])),
    ] + RiskSchemas.all + CatalogSchemas.all + SoASchemas.all + ObjectiveSchemas.all + CheckActSchemas.all + DocumentShapes.all + TrainingShapes.all + PlanShapes.all + NotificationShapes.all)

    static func list(_ item: String) -> JSON {
        .object([("items", .array(of: .ref(item))), ("nextCursor", .string(nullable: true))], required: ["items", "nextCursor"])
    }
}
