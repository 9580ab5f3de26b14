import Domain
import Features
import Foundation

/// The Check and Act resources, each described once (`ResourceShape`): the same table writes the
/// JSON and gives the OpenAPI schema. Every member is present; empty optionals are `null`.
enum CheckActShapes {
    typealias F = ResourceField

    static let process = ResourceShape<BusinessProcess>("Process", [
        F.id("id", \.id), F.id("workspaceId", \.workspaceID), F.text("name", \.name), F.id("ownerId", \.ownerID), F.id("departmentId", \.departmentID), F.text("description", \.description),
        F.timestamp("createdAt", \.createdAt), F.timestamp("updatedAt", \.updatedAt), F.int("version", \.version, minimum: 1),
    ])

    static let programmeFields: [ResourceField<AuditProgramme>] = [
        F.id("id", \.id), F.id("workspaceId", \.workspaceID), F.text("title", \.title), F.date("startsOn", \.startsOn), F.date("endsOn", \.endsOn), F.text("notes", \.notes),
        F.timestamp("createdAt", \.createdAt), F.timestamp("updatedAt", \.updatedAt), F.int("version", \.version, minimum: 1),
    ]
    static let programme = ResourceShape<AuditProgramme>("AuditProgramme", programmeFields)

    static let auditFields: [ResourceField<InternalAudit>] = [
        F.id("id", \.id), F.id("workspaceId", \.workspaceID), F.id("programmeId", \.programmeID), F.text("title", \.title), F.ids("departmentIds", \.departmentIDs), F.ids("processIds", \.processIDs),
        F.texts("criteria", \.criteria), F.date("startsOn", \.startsOn), F.date("endsOn", \.endsOn), F.id("leadAuditorId", \.leadAuditorID),
        F.ids("teamIds", \.teamIDs), F.text("auditees", \.auditees), F.choice("status", \.status), F.text("independenceOverride", \.independenceOverride),
        F.text("conclusion", \.conclusion), F.date("reportedOn", \.reportedOn),
        F.timestamp("createdAt", \.createdAt), F.timestamp("updatedAt", \.updatedAt), F.int("version", \.version, minimum: 1),
    ]
    static let audit = ResourceShape<InternalAudit>("Audit", auditFields)

    static let programmeDetail = ResourceShape<ProgrammeView>("AuditProgrammeDetail",
        programmeFields.map { field in F.custom(field.name, schema: field.schema) { w, v in field.write(&w, v.programme) } }
        + [F.list("audits", audit, \.audits)])

    static let item = ResourceShape<ChecklistItem>("ChecklistItem", [
        F.id("id", \.id), F.id("workspaceId", \.workspaceID), F.id("auditId", \.auditID), F.int("position", \.position, minimum: 0), F.text("reference", \.reference), F.text("question", \.question),
        F.choice("result", \.result), F.text("notes", \.notes), F.text("evidence", \.evidence), F.timestamp("updatedAt", \.updatedAt),
    ])

    static let finding = ResourceShape<AuditFinding>("Finding", [
        F.id("id", \.id), F.id("workspaceId", \.workspaceID), F.id("auditId", \.auditID), F.id("checklistItemId", \.checklistItemID), F.choice("kind", \.kind), F.text("reference", \.reference),
        F.text("description", \.description), F.id("nonconformityId", \.nonconformityID), F.id("createdBy", \.createdBy), F.timestamp("createdAt", \.createdAt),
    ])

    static let findingLine = ResourceShape<AuditDossier.FindingLine>("AuditFindingLine",
        finding.fields.map { field in F.custom(field.name, schema: field.schema) { w, v in field.write(&w, v.finding) } }
        + [F.choice("nonconformityStatus", \.nonconformityStatus)])

    static let auditDetail = ResourceShape<AuditDossier>("AuditDetail",
        auditFields.map { field in F.custom(field.name, schema: field.schema) { w, v in field.write(&w, v.audit) } }
        + [F.list("checklist", item, \.items), F.list("findings", findingLine, \.findingLines)])

    static let verification = ResourceShape<Nonconformity.Verification>("Verification", [
        F.id("by", \.by), F.date("on", \.on), F.bool("effective", \.effective), F.text("note", \.note),
    ])
    static let event = ResourceShape<Nonconformity.Event>("NonconformityEvent", [
        F.text("action", \.action), F.timestamp("at", \.at), F.id("by", \.by), F.text("note", \.note),
    ])

    static let nonconformityFields: [ResourceField<Nonconformity>] = [
        F.id("id", \.id), F.id("workspaceId", \.workspaceID), F.int("number", \.number, minimum: 1), F.text("code", \.code), F.choice("source", \.source), F.choice("severity", \.severity),
        F.id("findingId", \.findingID), F.id("auditId", \.auditID), F.text("description", \.description), F.text("reference", \.reference),
        F.date("raisedOn", \.raisedOn), F.id("raisedBy", \.raisedBy), F.text("correction", \.correction), F.text("rootCause", \.rootCause),
        F.texts("whys", \.whys), F.text("actionPlan", \.actionPlan), F.id("ownerId", \.ownerID), F.date("dueOn", \.dueOn),
        F.date("implementedOn", \.implementedOn), F.nested("verification", verification, \.verification), F.choice("status", \.status),
        F.date("closedOn", \.closedOn), F.list("history", event, \.history),
        F.timestamp("createdAt", \.createdAt), F.timestamp("updatedAt", \.updatedAt), F.int("version", \.version, minimum: 1),
    ]
    static let nonconformity = ResourceShape<Nonconformity>("Nonconformity", nonconformityFields)

    static let similar = ResourceShape<Nonconformity>("SimilarNonconformity", [
        F.id("id", \.id), F.text("code", \.code), F.choice("status", \.status), F.text("description", \.description), F.date("raisedOn", \.raisedOn),
    ])
    static let nonconformityDetail = ResourceShape<NonconformityState>("NonconformityDetail",
        nonconformityFields.map { field in F.custom(field.name, schema: field.schema) { w, v in field.write(&w, v.nonconformity) } }
        + [F.list("similar", similar, \.similar)])

    static let notes = ResourceShape<ReviewNotes>("ReviewNotes", [
        F.text("externalIssues", \.externalIssues), F.text("interestedParties", \.interestedParties), F.text("feedback", \.feedback), F.text("improvement", \.improvement),
    ])

    static let reviewFields: [ResourceField<ManagementReview>] = [
        F.id("id", \.id), F.id("workspaceId", \.workspaceID), F.text("title", \.title), F.date("heldOn", \.heldOn), F.ids("attendeeIds", \.attendeeIDs), F.text("agenda", \.agenda),
        F.choice("status", \.status), F.nested("notes", notes, \.notes), F.text("decisions", \.decisions), F.text("ismsChanges", \.ismsChanges),
        F.text("resourceNeeds", \.resourceNeeds), F.timestamp("createdAt", \.createdAt), F.timestamp("updatedAt", \.updatedAt), F.int("version", \.version, minimum: 1),
    ]
    static let review = ResourceShape<ManagementReview>("ManagementReview", reviewFields)

    static let action = ResourceShape<ReviewAction>("ReviewAction", [
        F.id("id", \.id), F.id("workspaceId", \.workspaceID), F.id("reviewId", \.reviewID), F.text("text", \.text), F.id("ownerId", \.ownerID), F.date("dueOn", \.dueOn), F.date("doneOn", \.doneOn),
        F.timestamp("createdAt", \.createdAt),
    ])

    // The compiled 9.3.2 inputs.
    static let actionLine = ResourceShape<ReviewInputs.ActionLine>("ReviewInputActionLine", [
        F.text("text", \.text), F.text("owner", \.owner), F.date("dueOn", \.dueOn), F.date("doneOn", \.doneOn), F.bool("overdue", \.overdue),
    ])
    static let ncLine = ResourceShape<ReviewInputs.NonconformityLine>("ReviewInputNonconformityLine", [
        F.text("code", \.code), F.text("description", \.description), F.choice("source", \.source), F.text("reference", \.reference), F.choice("status", \.status),
        F.date("dueOn", \.dueOn), F.bool("overdue", \.overdue),
    ])
    static let sourceCount = ResourceShape<ReviewInputs.SourceCount>("ReviewInputSourceCount", [F.choice("source", \.source), F.int("count", \.count, minimum: 1)])
    static let ncSummary = ResourceShape<ReviewInputs.NonconformitySummary>("ReviewInputNonconformities", [
        F.int("raised", \.raised, minimum: 0), F.int("closed", \.closed, minimum: 0), F.int("open", \.open, minimum: 0), F.int("overdue", \.overdue, minimum: 0),
        F.list("bySource", sourceCount, \.bySource), F.list("items", ncLine, \.items),
    ])
    static let objectiveLine = ResourceShape<ReviewInputs.ObjectiveLine>("ReviewInputObjectiveLine", [
        F.text("statement", \.statement), F.text("control", \.control), F.choice("comparator", \.comparator), F.number("target", \.target), F.text("unit", \.unit),
        F.number("latestValue", \.latestValue), F.date("latestOn", \.latestOn), F.choice("status", \.status), F.bool("overdue", \.overdue),
    ])
    static let auditLine = ResourceShape<ReviewInputs.AuditLine>("ReviewInputAuditLine", [
        F.text("title", \.title), F.date("startsOn", \.startsOn), F.date("endsOn", \.endsOn), F.choice("status", \.status), F.int("major", \.major, minimum: 0),
        F.int("minor", \.minor, minimum: 0), F.int("observations", \.observations, minimum: 0), F.int("improvements", \.improvements, minimum: 0),
    ])
    static let riskLine = ResourceShape<ReviewInputs.RiskLine>("ReviewInputRiskLine", [
        F.text("assessment", \.assessment), F.choice("status", \.status), F.int("risks", \.risks, minimum: 0), F.int("notAccepted", \.notAccepted, minimum: 0),
        F.int("actions", \.actions, minimum: 0), F.int("actionsDone", \.actionsDone, minimum: 0), F.int("actionsOpen", \.actionsOpen, minimum: 0),
        F.int("actionsOverdue", \.actionsOverdue, minimum: 0),
    ])
    static let inputs = ResourceShape<ReviewInputs>("ReviewInputs", [
        F.date("periodStart", \.periodStart), F.date("periodEnd", \.periodEnd), F.list("previousActions", actionLine, \.previousActions),
        F.text("externalIssues", \.externalIssues), F.text("interestedParties", \.interestedParties), F.nested("nonconformities", ncSummary, \.nonconformities),
        F.list("monitoring", objectiveLine, \.monitoring), F.list("audits", auditLine, \.audits), F.list("externalFindings", ncLine, \.externalFindings),
        F.list("objectives", objectiveLine, \.objectives), F.text("feedback", \.feedback), F.nested("risk", riskLine, \.risk), F.text("improvement", \.improvement),
    ])

    static let reviewDetail = ResourceShape<ReviewState>("ManagementReviewDetail",
        reviewFields.map { field in F.custom(field.name, schema: field.schema) { w, v in field.write(&w, v.review) } }
        + [F.nested("inputs", inputs, \.inputs), F.list("actions", action, \.actions)])

    static let shapes: [(String, JSON)] = [
        (process.name, process.schema), process.listSchema, (programme.name, programme.schema), programme.listSchema,
        (programmeDetail.name, programmeDetail.schema), (audit.name, audit.schema), audit.listSchema, (auditDetail.name, auditDetail.schema),
        (item.name, item.schema), (finding.name, finding.schema), finding.listSchema, (findingLine.name, findingLine.schema),
        (verification.name, verification.schema), (event.name, event.schema), (nonconformity.name, nonconformity.schema), nonconformity.listSchema,
        (similar.name, similar.schema), (nonconformityDetail.name, nonconformityDetail.schema), (notes.name, notes.schema), (review.name, review.schema),
        review.listSchema, (action.name, action.schema), (actionLine.name, actionLine.schema), (ncLine.name, ncLine.schema),
        (sourceCount.name, sourceCount.schema), (ncSummary.name, ncSummary.schema), (objectiveLine.name, objectiveLine.schema),
        (auditLine.name, auditLine.schema), (riskLine.name, riskLine.schema), (inputs.name, inputs.schema), (reviewDetail.name, reviewDetail.schema),
    ]
}

/// A programme with its audits, as its page and the API show it.
struct ProgrammeView: Sendable {
    var programme: AuditProgramme
    var audits: [InternalAudit]
}

/// Request bodies of the Check and Act API (what may be sent; every member optional on PATCH).
enum CheckActSchemas {
    static let uuid: JSON = .string(format: "uuid")
    static let date: JSON = .string(format: "date")
    static let text: JSON = .string()
    static let uuids: JSON = .array(of: .string(format: "uuid"))
    static func write(_ fields: [(String, JSON)], required: [String] = []) -> JSON { .object(fields, required: required) }
    static func enumeration<T: RawRepresentable & CaseIterable>(_ type: T.Type) -> JSON where T.RawValue == String { .string(enumValues: T.allCases.map(\.rawValue)) }

    static let all: [(String, JSON)] = CheckActShapes.shapes + [
        ("ProcessWrite", write([("name", text), ("ownerId", .string(format: "uuid", nullable: true)), ("departmentId", .string(format: "uuid", nullable: true)),
                                ("description", text)])),
        ("AuditProgrammeWrite", write([("title", text), ("startsOn", date), ("endsOn", date), ("notes", text)])),
        ("AuditCreate", write([("programmeId", uuid), ("title", text), ("criteria", .array(of: .string(description: "A clause (9.2), an Annex A control (A.5.15) or an own control's code"))),
                               ("startsOn", date), ("endsOn", date), ("departmentIds", uuids), ("processIds", uuids), ("leadAuditorId", uuid), ("teamIds", uuids),
                               ("auditees", text), ("independenceOverride", .string(description: "Why an auditor may audit their own department or process"))],
                              required: ["programmeId", "title", "criteria", "startsOn", "endsOn", "leadAuditorId"])),
        ("AuditWrite", write([("title", text), ("criteria", .array(of: text)), ("startsOn", date), ("endsOn", date), ("departmentIds", uuids), ("processIds", uuids),
                              ("leadAuditorId", .string(format: "uuid", nullable: true)), ("teamIds", uuids), ("auditees", text), ("independenceOverride", text),
                              ("conclusion", text)])),
        ("AuditStatus", write([("status", enumeration(InternalAudit.Status.self))], required: ["status"])),
        ("ChecklistItemWrite", write([("question", text), ("result", enumeration(ChecklistItem.Result.self)), ("notes", text), ("evidence", text)])),
        ("FindingCreate", write([("kind", enumeration(AuditFinding.Kind.self)), ("reference", text), ("description", text), ("checklistItemId", uuid)],
                                required: ["kind", "description"])),
        ("NonconformityWrite", write([("source", enumeration(Nonconformity.Source.self)),
                                      ("severity", .string(nullable: true, enumValues: Nonconformity.Severity.allCases.map(\.rawValue), description: "null clears it")),
                                      ("description", text), ("reference", .string(nullable: true, description: "A clause (7.2), a control (A.8.8) or an own control's code; null clears it")),
                                      ("correction", text), ("rootCause", text), ("whys", .array(of: text)), ("actionPlan", text),
                                      ("ownerId", .string(format: "uuid", nullable: true)), ("dueOn", .string(format: "date", nullable: true))])),
        ("NonconformityStep", write([("step", .string(enumValues: ["plan", "implement", "verify", "reopen"])), ("implementedOn", date),
                                     ("effective", ["type": "boolean"]), ("note", text), ("reason", text)], required: ["step"])),
        ("ManagementReviewWrite", write([("title", text), ("heldOn", date), ("attendeeIds", uuids), ("agenda", text), ("externalIssues", text),
                                         ("interestedParties", text), ("feedback", text), ("improvement", text), ("decisions", text), ("ismsChanges", text),
                                         ("resourceNeeds", text)])),
        ("ReviewActionCreate", write([("text", text), ("ownerId", .string(format: "uuid", nullable: true)), ("dueOn", date)], required: ["text"])),
        ("ReviewActionDone", write([("done", ["type": "boolean"])], required: ["done"])),
    ]
}
