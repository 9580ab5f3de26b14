import Domain
import Features
import Foundation
import Vapor

// The JSON shapes of the asset inventory and the risk registers, with their writers. Every field
// is always present (null when absent) so the shapes match `RiskSchemas` exactly.

struct AssetResource: JSONWritable {
    let a: Asset
    init(_ a: Asset) { self.a = a }

    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("id", a.id.description); w.field("code", a.code); w.field("name", a.name); w.field("type", a.kind.rawValue)
            w.field("form", a.form.rawValue); w.field("ownerId", a.ownerID?.description); w.field("custodianId", a.custodianID?.description)
            w.field("departmentId", a.departmentID?.description); w.field("location", a.location); w.field("classification", a.classification)
            w.field("confidentiality", a.confidentiality); w.field("integrity", a.integrity); w.field("availability", a.availability)
            w.field("value", a.value); w.field("isGroup", a.isGroup); w.field("status", a.status.rawValue)
            w.field("lastReviewedOn", a.lastReviewedOn?.description); w.field("notes", a.notes)
            w.field("createdAt", a.createdAt); w.field("updatedAt", a.updatedAt); w.field("version", a.version)
        }
    }
}

struct RatingResource: JSONWritable {
    let r: RiskRating
    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("assetValue", r.assetValue); w.field("threat", r.threat); w.field("vulnerability", r.vulnerability)
            w.field("likelihood", r.likelihood); w.field("impact", r.impact)
        }
    }
}

struct RiskResource: JSONWritable {
    let r: Risk
    init(_ r: Risk) { self.r = r }

    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("id", r.id.description); w.field("assessmentId", r.assessmentID.description); w.field("code", r.code)
            w.field("assetId", r.assetID?.description); w.field("threatId", r.threatID?.description); w.field("vulnerabilityId", r.vulnerabilityID?.description)
            w.field("scenario", r.scenario); w.field("affectsConfidentiality", r.affectsConfidentiality); w.field("affectsIntegrity", r.affectsIntegrity)
            w.field("affectsAvailability", r.affectsAvailability); w.field("inherent", RatingResource(r: r.inherent)); w.field("inherentScore", r.inherentScore)
            w.field("inherentLevel", r.inherentLevel); w.field("ownerId", r.ownerID?.description); w.field("treatment", r.treatment?.rawValue)
            w.field("treatmentReason", r.treatmentReason); w.field("controls", strings: r.controls); w.field("residual", RatingResource(r: r.residual))
            w.field("residualScore", r.residualScore); w.field("residualLevel", r.residualLevel); w.field("review", r.review.rawValue)
            w.field("previousId", r.previousID?.description); w.field("acceptedBy", r.acceptedBy?.description); w.field("acceptedAt", r.acceptedAt)
            w.field("acceptanceReason", r.acceptanceReason)
            w.field("createdAt", r.createdAt); w.field("updatedAt", r.updatedAt); w.field("version", r.version)
        }
    }
}

struct AssessmentResource: JSONWritable {
    let a: RiskAssessment
    init(_ a: RiskAssessment) { self.a = a }

    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("id", a.id.description); w.field("name", a.name); w.field("methodId", a.methodID.description)
            w.field("startsOn", a.startsOn?.description); w.field("endsOn", a.endsOn?.description); w.field("status", a.status.rawValue)
            w.field("previousId", a.previousID?.description); w.field("submittedBy", a.submittedBy?.description); w.field("submittedAt", a.submittedAt)
            w.field("approvedBy", a.approvedBy?.description); w.field("approvedAt", a.approvedAt); w.field("approvalNote", a.approvalNote)
            w.key("unacceptedAtSubmission"); if let codes = a.unacceptedAtSubmission { w.array(codes) { w, code in w.string(code) } } else { w.string(nil) }
            w.field("createdAt", a.createdAt); w.field("updatedAt", a.updatedAt); w.field("version", a.version)
        }
    }
}

struct ScaleResource: JSONWritable {
    let s: RatingScale
    func write(_ w: inout JSONWriter) {
        w.array(s.levels) { w, l in
            w.object { w in
                w.field("value", l.value); w.field("labelJa", l.labelJa); w.field("labelEn", l.labelEn)
                w.field("descriptionJa", l.descriptionJa); w.field("descriptionEn", l.descriptionEn)
            }
        }
    }
}

struct RiskMethodResource: JSONWritable {
    let m: RiskMethod
    init(_ m: RiskMethod) { self.m = m }

    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("id", m.id.description); w.field("number", m.number); w.field("name", m.name); w.field("status", m.status.rawValue)
            w.field("formula", m.formula.rawValue)
            w.key("factors")
            if let factors = m.factors { w.array(factors) { w, f in w.string(f.rawValue) } } else { w.string(nil) }
            w.field("ciaScale", ScaleResource(s: m.ciaScale)); w.field("assetValueRule", m.assetValueRule.rawValue)
            for (name, scale) in [("threatScale", m.threatScale), ("vulnerabilityScale", m.vulnerabilityScale), ("likelihoodScale", m.likelihoodScale),
                                  ("impactScale", m.impactScale)] {
                w.key(name)
                if let scale { ScaleResource(s: scale).write(&w) } else { w.string(nil) }
            }
            w.key("matrix")
            if let matrix = m.matrix { w.array(matrix) { w, row in w.array(row) { w, cell in w.int(cell) } } } else { w.string(nil) }
            w.key("bands")
            w.array(m.bands) { w, b in
                w.object { w in
                    w.field("key", b.key); w.field("labelJa", b.labelJa); w.field("labelEn", b.labelEn); w.field("minimum", b.minimum)
                    w.field("maximum", b.maximum); w.field("colour", b.colour)
                }
            }
            w.field("acceptableUpTo", m.acceptableUpTo); w.field("publishedAt", m.publishedAt)
            w.field("createdAt", m.createdAt); w.field("updatedAt", m.updatedAt); w.field("version", m.version)
        }
    }
}

struct TreatmentActionResource: JSONWritable {
    let a: TreatmentAction
    init(_ a: TreatmentAction) { self.a = a }

    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("id", a.id.description); w.field("title", a.title); w.field("riskIds", strings: a.riskIDs.map(\.description))
            w.field("controls", strings: a.controls); w.field("ownerId", a.ownerID?.description); w.field("dueOn", a.dueOn?.description)
            w.field("status", a.status.rawValue); w.field("completionNote", a.completionNote); w.field("evidenceLink", a.evidenceLink)
            w.field("createdAt", a.createdAt); w.field("updatedAt", a.updatedAt); w.field("version", a.version)
        }
    }
}

struct HeatMapResource: JSONWritable {
    let map: HeatMap
    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("residual", map.residual); w.field("formula", map.formula.rawValue); w.field("total", map.total); w.field("unrated", map.unrated)
            w.key("cells")
            w.array(map.cells) { w, c in
                w.object { w in w.field("x", c.x); w.field("y", c.y); w.field("score", c.score); w.field("level", c.band?.key); w.field("count", c.count) }
            }
        }
    }
}

/// A JSON member that may be absent (keep), null (clear) or a value.
enum Patch<Value: Decodable & Sendable>: Sendable {
    case absent, null, value(Value)

    static func decode<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> Patch {
        guard c.contains(key) else { return .absent }
        if try c.decodeNil(forKey: key) { return .null }
        return .value(try c.decode(Value.self, forKey: key))
    }

}

extension Patch where Value == String {
    /// An id member: absent → nil, null → .some(nil), a UUID → .some(id); anything else is a field error.
    func id<T>(_ type: Domain.ID<T>.Type, field: String, into v: inout Domain.Validator) -> Domain.ID<T>?? {
        switch self {
        case .absent: return nil
        case .null: return .some(nil)
        case .value(let raw):
            if Text.nonBlank(raw) == nil { return .some(nil) }
            guard let id = Domain.ID<T>(raw) else { v.add(field, "error.format"); return nil }
            return .some(id)
        }
    }

    var text: String? {
        switch self {
        case .absent: return nil
        case .null: return ""
        case .value(let s): return s
        }
    }
}

extension Patch where Value == Int {
    var number: String? {
        switch self {
        case .absent: return nil
        case .null: return ""
        case .value(let n): return String(n)
        }
    }
}

/// Create and PATCH body of an asset; ids for people and department.
struct AssetRequest: Content {
    var code, name, type, form, location, classification, status, lastReviewedOn, notes: Patch<String>
    var ownerId, custodianId, departmentId: Patch<String>
    var confidentiality, integrity, availability: Patch<Int>
    var isGroup: Bool?

    enum CodingKeys: String, CodingKey {
        case code, name, type, form, location, classification, status, lastReviewedOn, notes, ownerId, custodianId, departmentId
        case confidentiality, integrity, availability, isGroup
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try .decode(c, .code); name = try .decode(c, .name); type = try .decode(c, .type); form = try .decode(c, .form)
        location = try .decode(c, .location); classification = try .decode(c, .classification); status = try .decode(c, .status)
        lastReviewedOn = try .decode(c, .lastReviewedOn); notes = try .decode(c, .notes); ownerId = try .decode(c, .ownerId)
        custodianId = try .decode(c, .custodianId); departmentId = try .decode(c, .departmentId)
        confidentiality = try .decode(c, .confidentiality); integrity = try .decode(c, .integrity); availability = try .decode(c, .availability)
        isGroup = try c.decodeIfPresent(Bool.self, forKey: .isGroup)
    }

    func encode(to encoder: any Encoder) throws {}

    func input() throws -> AssetInput {
        var v = Validator()
        let input = AssetInput(code: code.text, name: name.text, kind: type.text, form: form.text,
                               ownerID: ownerId.id(User.ID.self, field: "ownerId", into: &v), custodianID: custodianId.id(User.ID.self, field: "custodianId", into: &v),
                               departmentID: departmentId.id(Department.ID.self, field: "departmentId", into: &v), location: location.text,
                               classification: classification.text, confidentiality: confidentiality.number, integrity: integrity.number,
                               availability: availability.number, isGroup: isGroup, status: status.text, lastReviewedOn: lastReviewedOn.text, notes: notes.text)
        try v.check()
        return input
    }
}

struct RatingRequest: Codable, Sendable {
    var threat, vulnerability, likelihood, impact: Int?
    var input: RatingInput { RatingInput(threat: threat, vulnerability: vulnerability, likelihood: likelihood, impact: impact) }
}

struct RiskRequest: Content {
    var code, scenario, treatment, treatmentReason: Patch<String>
    var assetId, threatId, vulnerabilityId, ownerId: Patch<String>
    var affectsConfidentiality, affectsIntegrity, affectsAvailability: Bool?
    var inherent, residual: RatingRequest?
    var controls: [String]?

    enum CodingKeys: String, CodingKey {
        case code, scenario, treatment, treatmentReason, assetId, threatId, vulnerabilityId, ownerId
        case affectsConfidentiality, affectsIntegrity, affectsAvailability, inherent, residual, controls
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try .decode(c, .code); scenario = try .decode(c, .scenario); treatment = try .decode(c, .treatment)
        treatmentReason = try .decode(c, .treatmentReason); assetId = try .decode(c, .assetId); threatId = try .decode(c, .threatId)
        vulnerabilityId = try .decode(c, .vulnerabilityId); ownerId = try .decode(c, .ownerId)
        affectsConfidentiality = try c.decodeIfPresent(Bool.self, forKey: .affectsConfidentiality)
        affectsIntegrity = try c.decodeIfPresent(Bool.self, forKey: .affectsIntegrity)
        affectsAvailability = try c.decodeIfPresent(Bool.self, forKey: .affectsAvailability)
        inherent = try c.decodeIfPresent(RatingRequest.self, forKey: .inherent)
        residual = try c.decodeIfPresent(RatingRequest.self, forKey: .residual)
        controls = try c.decodeIfPresent([String].self, forKey: .controls)
    }

    func encode(to encoder: any Encoder) throws {}

    func input() throws -> RiskInput {
        var v = Validator()
        let input = RiskInput(code: code.text, assetID: assetId.id(Asset.ID.self, field: "assetId", into: &v),
                              threatID: threatId.id(CatalogEntry.ID.self, field: "threatId", into: &v),
                              vulnerabilityID: vulnerabilityId.id(CatalogEntry.ID.self, field: "vulnerabilityId", into: &v),
                              scenario: scenario.text, affectsConfidentiality: affectsConfidentiality, affectsIntegrity: affectsIntegrity,
                              affectsAvailability: affectsAvailability, inherent: inherent?.input, residual: residual?.input,
                              ownerID: ownerId.id(User.ID.self, field: "ownerId", into: &v), treatment: treatment.text,
                              treatmentReason: treatmentReason.text, controls: controls)
        try v.check()
        return input
    }
}

struct ActionRequest: Content {
    var title, dueOn, status, completionNote, evidenceLink: Patch<String>
    var ownerId: Patch<String>
    var riskIds: [String]?
    var controls: [String]?

    enum CodingKeys: String, CodingKey { case title, dueOn, status, completionNote, evidenceLink, ownerId, riskIds, controls }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        title = try .decode(c, .title); dueOn = try .decode(c, .dueOn); status = try .decode(c, .status)
        completionNote = try .decode(c, .completionNote); evidenceLink = try .decode(c, .evidenceLink); ownerId = try .decode(c, .ownerId)
        riskIds = try c.decodeIfPresent([String].self, forKey: .riskIds); controls = try c.decodeIfPresent([String].self, forKey: .controls)
    }

    func encode(to encoder: any Encoder) throws {}

    func input() throws -> ActionInput {
        var v = Validator()
        var ids: [Risk.ID]? = nil
        if let riskIds {
            ids = riskIds.compactMap { raw in
                guard let id = Risk.ID(raw) else { v.add("riskIds", "error.unknownRisk"); return nil }
                return id
            }
        }
        let input = ActionInput(title: title.text, riskIDs: ids, controls: controls, ownerID: ownerId.id(User.ID.self, field: "ownerId", into: &v),
                                dueOn: dueOn.text, status: status.text, completionNote: completionNote.text, evidenceLink: evidenceLink.text)
        try v.check()
        return input
    }
}

struct AssessmentRequest: Content {
    var name, startsOn, endsOn, carryForwardFrom: String?
}

struct NoteRequest: Content {
    var note: String?
    /// submit: go on although some risks are not accepted by their owners (6.1.3 f).
    var proceedWithUnaccepted: Bool?
}
