import Domain
import Foundation

/// OpenAPI schemas of the Check and Act resources. Answers list every member they carry;
/// optional members are left out when empty.
enum CheckActSchemas {
    static let uuid: JSON = .string(format: "uuid")
    static let date: JSON = .string(format: "date")
    static let text: JSON = .string()
    static let uuids: JSON = .array(of: .string(format: "uuid"))
    static let stamps: [(String, JSON)] = [("createdAt", .string(format: "date-time")), ("updatedAt", .string(format: "date-time")), ("version", .integer(minimum: 1))]
    static func record(_ fields: [(String, JSON)], required: [String]) -> JSON {
        .object([("id", uuid), ("workspaceId", uuid)] + fields, required: ["id", "workspaceId"] + required)
    }
    static func write(_ fields: [(String, JSON)], required: [String] = []) -> JSON { .object(fields, required: required) }
    static func enumeration<T: RawRepresentable & CaseIterable>(_ type: T.Type) -> JSON where T.RawValue == String { .string(enumValues: T.allCases.map(\.rawValue)) }

    static let process: [(String, JSON)] = [("name", text), ("ownerId", uuid), ("departmentId", uuid), ("description", text)] + stamps
    static let programme: [(String, JSON)] = [("title", text), ("startsOn", date), ("endsOn", date), ("notes", text)] + stamps
    static let audit: [(String, JSON)] = [
        ("programmeId", uuid), ("title", text), ("departmentIds", uuids), ("processIds", uuids), ("criteria", .array(of: text)), ("startsOn", date), ("endsOn", date),
        ("leadAuditorId", uuid), ("teamIds", uuids), ("auditees", text), ("status", enumeration(InternalAudit.Status.self)), ("independenceOverride", text),
        ("conclusion", text), ("reportedOn", date),
    ] + stamps
    static let auditRequired = ["programmeId", "title", "departmentIds", "processIds", "criteria", "startsOn", "endsOn", "teamIds", "status", "createdAt", "updatedAt", "version"]
    static let item: [(String, JSON)] = [
        ("auditId", uuid), ("position", .integer(minimum: 0)), ("reference", text), ("question", text), ("result", enumeration(ChecklistItem.Result.self)),
        ("notes", text), ("evidence", text), ("updatedAt", .string(format: "date-time")),
    ]
    static let finding: [(String, JSON)] = [
        ("auditId", uuid), ("checklistItemId", uuid), ("kind", enumeration(AuditFinding.Kind.self)), ("reference", text), ("description", text),
        ("nonconformityId", uuid), ("createdBy", uuid), ("createdAt", .string(format: "date-time")),
    ]
    static let nc: [(String, JSON)] = [
        ("number", .integer(minimum: 1)), ("source", enumeration(Nonconformity.Source.self)), ("severity", enumeration(Nonconformity.Severity.self)),
        ("findingId", uuid), ("auditId", uuid), ("description", text), ("reference", text), ("raisedOn", date), ("raisedBy", uuid), ("correction", text),
        ("rootCause", text), ("whys", .array(of: text)), ("actionPlan", text), ("ownerId", uuid), ("dueOn", date), ("implementedOn", date),
        ("verification", .object([("by", uuid), ("on", date), ("effective", ["type": "boolean"]), ("note", text)], required: ["by", "on", "effective", "note"])),
        ("status", enumeration(Nonconformity.Status.self)), ("closedOn", date),
        ("history", .array(of: .object([("action", text), ("at", .string(format: "date-time")), ("by", uuid), ("note", text)], required: ["action", "at"]))),
    ] + stamps
    static let ncRequired = ["number", "source", "description", "raisedOn", "whys", "status", "history", "createdAt", "updatedAt", "version"]
    static let notes: JSON = .object([("externalIssues", text), ("interestedParties", text), ("feedback", text), ("improvement", text)], required: [])
    static let review: [(String, JSON)] = [
        ("title", text), ("heldOn", date), ("attendeeIds", uuids), ("agenda", text), ("status", enumeration(ManagementReview.Status.self)), ("notes", notes),
        ("decisions", text), ("ismsChanges", text), ("resourceNeeds", text),
    ] + stamps
    static let reviewRequired = ["title", "heldOn", "attendeeIds", "status", "notes", "createdAt", "updatedAt", "version"]
    static let action: [(String, JSON)] = [("reviewId", uuid), ("text", text), ("ownerId", uuid), ("dueOn", date), ("doneOn", date), ("createdAt", .string(format: "date-time"))]
    static let number: JSON = ["type": "number"]
    static let ncLine: JSON = .object([("code", text), ("description", text), ("source", enumeration(Nonconformity.Source.self)), ("reference", text),
                                       ("status", enumeration(Nonconformity.Status.self)), ("dueOn", date), ("overdue", ["type": "boolean"])],
                                      required: ["code", "description", "source", "status", "overdue"])
    static let objectiveLine: JSON = .object([("statement", text), ("control", text), ("comparator", enumeration(Objective.Comparator.self)), ("target", number),
                                              ("unit", text), ("latestValue", number), ("latestOn", date), ("status", enumeration(ObjectiveRules.Status.self)),
                                              ("overdue", ["type": "boolean"])], required: ["statement", "comparator", "target", "unit", "status", "overdue"])
    static let inputs: JSON = .object([
        ("periodStart", date), ("periodEnd", date),
        ("previousActions", .array(of: .object([("text", text), ("owner", text), ("dueOn", date), ("doneOn", date), ("overdue", ["type": "boolean"])],
                                               required: ["text", "overdue"]))),
        ("externalIssues", text), ("interestedParties", text),
        ("nonconformities", .object([("raised", .integer(minimum: 0)), ("closed", .integer(minimum: 0)), ("open", .integer(minimum: 0)), ("overdue", .integer(minimum: 0)),
                                     ("bySource", .array(of: .object([("source", enumeration(Nonconformity.Source.self)), ("count", .integer(minimum: 1))], required: ["source", "count"]))),
                                     ("items", .array(of: ncLine))], required: ["raised", "closed", "open", "overdue", "bySource", "items"])),
        ("monitoring", .array(of: objectiveLine)),
        ("audits", .array(of: .object([("title", text), ("startsOn", date), ("endsOn", date), ("status", enumeration(InternalAudit.Status.self)),
                                       ("major", .integer(minimum: 0)), ("minor", .integer(minimum: 0)), ("observations", .integer(minimum: 0)),
                                       ("improvements", .integer(minimum: 0))], required: ["title", "startsOn", "endsOn", "status", "major", "minor", "observations", "improvements"]))),
        ("externalFindings", .array(of: ncLine)), ("objectives", .array(of: objectiveLine)), ("feedback", text),
        ("risk", .object([("assessment", text), ("status", enumeration(RiskAssessment.Status.self)), ("risks", .integer(minimum: 0)), ("notAccepted", .integer(minimum: 0)),
                          ("actions", .integer(minimum: 0)), ("actionsDone", .integer(minimum: 0)), ("actionsOpen", .integer(minimum: 0)), ("actionsOverdue", .integer(minimum: 0))],
                         required: ["assessment", "status", "risks", "notAccepted", "actions", "actionsDone", "actionsOpen", "actionsOverdue"])),
        ("improvement", text),
    ], required: ["periodEnd", "previousActions", "nonconformities", "monitoring", "audits", "externalFindings", "objectives"])

    static let all: [(String, JSON)] = [
        ("Process", record(process, required: ["name", "createdAt", "updatedAt", "version"])),
        ("ProcessList", APISchemas.list("Process")),
        ("ProcessWrite", write([("name", text), ("ownerId", .string(format: "uuid", nullable: true)), ("departmentId", .string(format: "uuid", nullable: true)),
                                ("description", text)])),
        ("AuditProgramme", record(programme, required: ["title", "startsOn", "endsOn", "createdAt", "updatedAt", "version"])),
        ("AuditProgrammeList", APISchemas.list("AuditProgramme")),
        ("AuditProgrammeWrite", write([("title", text), ("startsOn", date), ("endsOn", date), ("notes", text)])),
        ("AuditProgrammeDetail", record(programme + [("audits", .array(of: .ref("Audit")))], required: ["title", "startsOn", "endsOn", "audits", "version"])),
        ("Audit", record(audit, required: auditRequired)),
        ("AuditList", APISchemas.list("Audit")),
        ("AuditDetail", record(audit + [("checklist", .array(of: .ref("ChecklistItem"))),
                                        ("findings", .array(of: .object([("id", uuid), ("workspaceId", uuid)] + finding + [("nonconformityStatus", enumeration(Nonconformity.Status.self))],
                                                                        required: ["id", "kind", "description"])))],
                               required: auditRequired + ["checklist", "findings"])),
        ("AuditCreate", write([("programmeId", uuid), ("title", text), ("criteria", .array(of: .string(description: "A clause (9.2), an Annex A control (A.5.15) or an own control's code"))),
                               ("startsOn", date), ("endsOn", date), ("departmentIds", uuids), ("processIds", uuids), ("leadAuditorId", uuid), ("teamIds", uuids),
                               ("auditees", text), ("independenceOverride", .string(description: "Why an auditor may audit their own department or process"))],
                              required: ["programmeId", "title", "criteria", "startsOn", "endsOn", "leadAuditorId"])),
        ("AuditWrite", write([("title", text), ("criteria", .array(of: text)), ("startsOn", date), ("endsOn", date), ("departmentIds", uuids), ("processIds", uuids),
                              ("leadAuditorId", .string(format: "uuid", nullable: true)), ("teamIds", uuids), ("auditees", text), ("independenceOverride", text),
                              ("conclusion", text)])),
        ("AuditStatus", write([("status", enumeration(InternalAudit.Status.self))], required: ["status"])),
        ("ChecklistItem", record(item, required: ["auditId", "position", "reference", "question", "result", "updatedAt"])),
        ("ChecklistItemWrite", write([("question", text), ("result", enumeration(ChecklistItem.Result.self)), ("notes", text), ("evidence", text)])),
        ("Finding", record(finding, required: ["auditId", "kind", "description", "createdAt"])),
        ("FindingList", APISchemas.list("Finding")),
        ("FindingCreate", write([("kind", enumeration(AuditFinding.Kind.self)), ("reference", text), ("description", text), ("checklistItemId", uuid)],
                                required: ["kind", "description"])),
        ("Nonconformity", record(nc, required: ncRequired)),
        ("NonconformityList", APISchemas.list("Nonconformity")),
        ("NonconformityDetail", record(nc + [("similar", .array(of: .object([("id", uuid), ("code", text), ("status", enumeration(Nonconformity.Status.self)),
                                                                             ("description", text), ("raisedOn", date)],
                                                                            required: ["id", "code", "status", "description", "raisedOn"])))],
                                       required: ncRequired + ["similar"])),
        ("NonconformityWrite", write([("source", enumeration(Nonconformity.Source.self)),
                                      ("severity", .string(nullable: true, enumValues: Nonconformity.Severity.allCases.map(\.rawValue), description: "null clears it")),
                                      ("description", text), ("reference", .string(nullable: true, description: "A clause (7.2), a control (A.8.8) or an own control's code; null clears it")),
                                      ("correction", text), ("rootCause", text), ("whys", .array(of: text)), ("actionPlan", text),
                                      ("ownerId", .string(format: "uuid", nullable: true)), ("dueOn", .string(format: "date", nullable: true))])),
        ("NonconformityStep", write([("step", .string(enumValues: ["plan", "implement", "verify", "reopen"])), ("implementedOn", date),
                                     ("effective", ["type": "boolean"]), ("note", text), ("reason", text)], required: ["step"])),
        ("ManagementReview", record(review, required: reviewRequired)),
        ("ManagementReviewList", APISchemas.list("ManagementReview")),
        ("ManagementReviewDetail", record(review + [("inputs", inputs), ("actions", .array(of: .ref("ReviewAction")))],
                                          required: reviewRequired + ["inputs", "actions"])),
        ("ManagementReviewWrite", write([("title", text), ("heldOn", date), ("attendeeIds", uuids), ("agenda", text), ("externalIssues", text),
                                         ("interestedParties", text), ("feedback", text), ("improvement", text), ("decisions", text), ("ismsChanges", text),
                                         ("resourceNeeds", text)])),
        ("ReviewAction", record(action, required: ["reviewId", "text", "createdAt"])),
        ("ReviewActionCreate", write([("text", text), ("ownerId", .string(format: "uuid", nullable: true)), ("dueOn", date)], required: ["text"])),
        ("ReviewActionDone", write([("done", ["type": "boolean"])], required: ["done"])),
    ]
}
