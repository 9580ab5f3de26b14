import Domain
import Features
import Storage

/// OpenAPI schemas of the asset inventory and risk registers (`RiskResources.swift`).
enum RiskSchemas {
    static let nullableInt: JSON = ["type": ["integer", "null"]]
    static let uuid = JSON.string(format: "uuid")
    static let nullableUUID = JSON.string(format: "uuid", nullable: true)
    static let bool: JSON = ["type": "boolean"]
    static let timestamps = APISchemas.timestamps

    static func required(_ properties: [(String, JSON)]) -> [String] { properties.map(\.0) }

    static let asset: [(String, JSON)] = [
        ("id", uuid), ("code", .string()), ("name", .string()), ("type", .string(enumValues: Asset.Kind.allCases.map(\.rawValue))),
        ("form", .string(enumValues: Asset.Form.allCases.map(\.rawValue))), ("ownerId", nullableUUID), ("custodianId", nullableUUID),
        ("departmentId", nullableUUID), ("location", .string(nullable: true)), ("classification", .string(nullable: true)),
        ("confidentiality", nullableInt), ("integrity", nullableInt), ("availability", nullableInt),
        ("value", nullableInt), ("isGroup", bool), ("status", .string(enumValues: Asset.Status.allCases.map(\.rawValue))),
        ("lastReviewedOn", .string(format: "date", nullable: true)), ("notes", .string(nullable: true)),
    ] + timestamps

    static let assetInput: [(String, JSON)] = [
        ("code", .string(description: "Letters, digits, hyphens")), ("name", .string()),
        ("type", .string(description: "A type key (\(Asset.Kind.allCases.map(\.rawValue).joined(separator: ", "))) or its Japanese or English name")),
        ("form", .string(description: "electronic, paper or other (or the Japanese name)")),
        ("ownerId", .string(nullable: true, description: "A member's user id; null clears")), ("custodianId", .string(nullable: true)),
        ("departmentId", .string(nullable: true)), ("location", .string(nullable: true)),
        ("classification", .string(nullable: true, description: "A classification key or label")),
        ("confidentiality", nullableInt), ("integrity", nullableInt), ("availability", nullableInt), ("isGroup", bool),
        ("status", .string(description: "active or retired")), ("lastReviewedOn", .string(nullable: true, description: "YYYY-MM-DD")),
        ("notes", .string(nullable: true)),
    ]

    static let rating: JSON = .object([
        ("assetValue", nullableInt), ("threat", nullableInt), ("vulnerability", nullableInt), ("likelihood", nullableInt), ("impact", nullableInt),
    ], required: ["assetValue", "threat", "vulnerability", "likelihood", "impact"])

    static let ratingInput: JSON = .object([
        ("threat", nullableInt), ("vulnerability", nullableInt), ("likelihood", nullableInt), ("impact", nullableInt),
    ], required: [], description: "The levels the method's formula uses; the asset value comes from the asset")

    static let risk: [(String, JSON)] = [
        ("id", uuid), ("assessmentId", uuid), ("code", .string()), ("assetId", nullableUUID), ("threatId", nullableUUID),
        ("vulnerabilityId", nullableUUID), ("scenario", .string(nullable: true)), ("affectsConfidentiality", bool), ("affectsIntegrity", bool),
        ("affectsAvailability", bool), ("inherent", .ref("Rating")), ("inherentScore", nullableInt), ("inherentLevel", .string(nullable: true)),
        ("ownerId", nullableUUID), ("treatment", .string(nullable: true, enumValues: RiskTreatment.allCases.map(\.rawValue))),
        ("treatmentReason", .string(nullable: true)), ("controls", .array(of: .string())), ("residual", .ref("Rating")),
        ("residualScore", nullableInt), ("residualLevel", .string(nullable: true)), ("review", .string(enumValues: Risk.Review.allCases.map(\.rawValue))),
        ("previousId", nullableUUID), ("acceptedBy", nullableUUID), ("acceptedAt", .string(format: "date-time", nullable: true)),
        ("acceptanceReason", .string(nullable: true)),
    ] + timestamps

    static let riskInput: [(String, JSON)] = [
        ("code", .string(description: "Empty: numbered automatically")), ("assetId", .string(nullable: true)), ("threatId", .string(nullable: true)),
        ("vulnerabilityId", .string(nullable: true)), ("scenario", .string(nullable: true)), ("affectsConfidentiality", bool),
        ("affectsIntegrity", bool), ("affectsAvailability", bool), ("inherent", .ref("RatingInput")), ("residual", .ref("RatingInput")),
        ("ownerId", .string(nullable: true)), ("treatment", .string(nullable: true, description: "modify, retain, avoid, share or their Japanese names")),
        ("treatmentReason", .string(nullable: true)), ("controls", .array(of: .string(description: "Annex A control, e.g. 5.15"))),
    ]

    static let scale: JSON = .array(of: .object([
        ("value", .integer(minimum: 1)), ("labelJa", .string()), ("labelEn", .string()), ("descriptionJa", .string()), ("descriptionEn", .string()),
    ], required: ["value", "labelJa", "labelEn", "descriptionJa", "descriptionEn"]))
    static let nullableScale: JSON = ["oneOf": [scale, ["type": "null"]]]

    static let method: [(String, JSON)] = [
        ("id", uuid), ("number", .integer(minimum: 1)), ("name", .string()), ("status", .string(enumValues: RiskMethod.Status.allCases.map(\.rawValue))),
        ("formula", .string(enumValues: RiskFormula.allCases.map(\.rawValue))),
        ("factors", ["oneOf": [.array(of: .string(enumValues: RiskFactor.allCases.map(\.rawValue))), ["type": "null"]],
                     "description": "For formula \"product\": the two or three factors multiplied, e.g. [\"assetValue\", \"impact\", \"likelihood\"]"]),
        ("ciaScale", scale),
        ("assetValueRule", .string(enumValues: AssetValueRule.allCases.map(\.rawValue))), ("threatScale", nullableScale),
        ("vulnerabilityScale", nullableScale), ("likelihoodScale", nullableScale), ("impactScale", nullableScale),
        ("matrix", ["oneOf": [.array(of: .array(of: .integer())), ["type": "null"]]]),
        ("bands", .array(of: .object([("key", .string()), ("labelJa", .string()), ("labelEn", .string()), ("minimum", .integer()),
                                      ("maximum", .integer()), ("colour", .string())],
                                     required: ["key", "labelJa", "labelEn", "minimum", "maximum", "colour"]))),
        ("acceptableUpTo", .integer()), ("publishedAt", .string(format: "date-time", nullable: true)),
    ] + timestamps

    static let assessment: [(String, JSON)] = [
        ("id", uuid), ("name", .string()), ("methodId", uuid), ("startsOn", .string(format: "date", nullable: true)),
        ("endsOn", .string(format: "date", nullable: true)), ("status", .string(enumValues: RiskAssessment.Status.allCases.map(\.rawValue))),
        ("previousId", nullableUUID), ("submittedBy", nullableUUID), ("submittedAt", .string(format: "date-time", nullable: true)),
        ("approvedBy", nullableUUID), ("approvedAt", .string(format: "date-time", nullable: true)), ("approvalNote", .string(nullable: true)),
        ("unacceptedAtSubmission", ["type": ["array", "null"], "items": .string(), "description": "Risks no owner had accepted when the assessment was submitted anyway"]),
    ] + timestamps

    static let action: [(String, JSON)] = [
        ("id", uuid), ("title", .string()), ("riskIds", .array(of: uuid)), ("controls", .array(of: .string())), ("ownerId", nullableUUID),
        ("dueOn", .string(format: "date", nullable: true)), ("status", .string(enumValues: TreatmentAction.Status.allCases.map(\.rawValue))),
        ("completionNote", .string(nullable: true)), ("evidenceLink", .string(nullable: true)),
    ] + timestamps

    static let actionInput: [(String, JSON)] = [
        ("title", .string()), ("riskIds", .array(of: .string())), ("controls", .array(of: .string())), ("ownerId", .string(nullable: true)),
        ("dueOn", .string(nullable: true, description: "YYYY-MM-DD")), ("status", .string(description: "planned, inProgress, done or cancelled")),
        ("completionNote", .string(nullable: true, description: "Required to mark it done")), ("evidenceLink", .string(nullable: true, description: "An http(s) URL")),
    ]

    static let all: [(String, JSON)] = [
        ("Asset", .object(asset, required: required(asset))),
        ("AssetCreate", .object(assetInput, required: ["code", "name"])),
        ("AssetPatch", .object(assetInput, required: [], description: "Fields to change; an absent field is kept, null clears")),
        ("AssetList", APISchemas.list("Asset")),
        ("Rating", rating),
        ("RatingInput", ratingInput),
        ("Risk", .object(risk, required: required(risk))),
        ("RiskCreate", .object(riskInput, required: [], description: "Needs an asset or a scenario")),
        ("RiskPatch", .object(riskInput, required: [], description: "Fields to change; an absent field is kept, null clears")),
        ("RiskList", APISchemas.list("Risk")),
        ("RiskAcceptance", .object([("reason", .string(description: "Required when the residual score is above the acceptance criterion"))], required: [])),
        ("RiskReview", .object([("outcome", .string(enumValues: ["reviewed", "closed"]))], required: ["outcome"])),
        ("RiskMethod", .object(method, required: required(method))),
        ("RiskMethodList", APISchemas.list("RiskMethod")),
        ("RiskAssessment", .object(assessment, required: required(assessment))),
        ("RiskAssessmentCreate", .object([("name", .string()), ("startsOn", .string(description: "YYYY-MM-DD")), ("endsOn", .string(description: "YYYY-MM-DD")),
                                          ("carryForwardFrom", .string(description: "An earlier assessment's id: copy its open risks as to review"))],
                                         required: ["name"])),
        ("RiskAssessmentList", APISchemas.list("RiskAssessment")),
        ("Note", .object([("note", .string()), ("proceedWithUnaccepted", ["type": "boolean", "description": "submit: go on although owners have not accepted every risk"])],
                         required: [])),
        ("HeatMap", .object([
            ("residual", bool), ("formula", .string(enumValues: RiskFormula.allCases.map(\.rawValue))), ("total", .integer(minimum: 0)),
            ("unrated", .integer(minimum: 0)),
            ("cells", .array(of: .object([("x", .integer()), ("y", .integer()), ("score", .integer()), ("level", .string(nullable: true)),
                                          ("count", .integer(minimum: 0))], required: ["x", "y", "score", "level", "count"]))),
        ], required: ["residual", "formula", "total", "unrated", "cells"])),
        ("TreatmentAction", .object(action, required: required(action))),
        ("TreatmentActionCreate", .object(actionInput, required: ["title"])),
        ("TreatmentActionPatch", .object(actionInput, required: [], description: "Fields to change; the action's owner may change only status, completionNote and evidenceLink")),
        ("TreatmentActionList", APISchemas.list("TreatmentAction")),
    ]
}
