import Domain
import Foundation
import SQLKit

struct RiskMethodRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey { case id, workspaceId = "workspace_id", number, name, status, formula, definition, publishedAt = "published_at", createdAt = "created_at", updatedAt = "updated_at", version }

    var id: UUID
    var workspaceId: UUID
    var number: Int
    var name: String
    var status: String
    var formula: String
    var definition: String
    var publishedAt: Date?
    var createdAt: Date
    var updatedAt: Date
    var version: Int

    /// The parts of a method stored as one JSON document.
    struct Definition: Codable {
        /// Only for `.product` (absent from every older method, so their stored text is unchanged).
        var factors: [RiskFactor]?
        var ciaScale: RatingScale
        var assetValueRule: AssetValueRule
        var threatScale: RatingScale?
        var vulnerabilityScale: RatingScale?
        var likelihoodScale: RatingScale?
        var impactScale: RatingScale?
        var matrix: [[Int]]?
        var bands: [RiskBand]
        var acceptableUpTo: Int
    }

    init(_ m: RiskMethod) {
        id = m.id.uuid
        workspaceId = m.workspaceID.uuid
        number = m.number
        name = m.name
        status = m.status.rawValue
        formula = m.formula.rawValue
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        definition = String(data: try! encoder.encode(Definition(factors: m.factors, ciaScale: m.ciaScale, assetValueRule: m.assetValueRule, threatScale: m.threatScale,
                                                                  vulnerabilityScale: m.vulnerabilityScale, likelihoodScale: m.likelihoodScale,
                                                                  impactScale: m.impactScale, matrix: m.matrix, bands: m.bands,
                                                                  acceptableUpTo: m.acceptableUpTo)), encoding: .utf8)!
        publishedAt = stored(m.publishedAt)
        createdAt = stored(m.createdAt)
        updatedAt = stored(m.updatedAt)
        version = m.version
    }

    var method: RiskMethod? {
        guard let d = try? JSONDecoder().decode(Definition.self, from: Data(definition.utf8)), let formula = RiskFormula(rawValue: formula) else { return nil }
        return RiskMethod(id: RiskMethod.ID(id), workspaceID: Workspace.ID(workspaceId), number: number, name: name,
                          status: RiskMethod.Status(rawValue: status) ?? .draft, formula: formula, factors: d.factors, ciaScale: d.ciaScale, assetValueRule: d.assetValueRule,
                          threatScale: d.threatScale, vulnerabilityScale: d.vulnerabilityScale, likelihoodScale: d.likelihoodScale,
                          impactScale: d.impactScale, matrix: d.matrix, bands: d.bands, acceptableUpTo: d.acceptableUpTo, publishedAt: publishedAt,
                          createdAt: createdAt, updatedAt: updatedAt, version: version)
    }
}

public struct RiskMethodStore: Sendable {
    let sql: any SQLDatabase

    public func insert(_ method: RiskMethod) async throws {
        try await sql.insert(into: "risk_methods").model(RiskMethodRow(method), with: rowEncoder).run()
    }

    public func update(_ method: RiskMethod) async throws -> RiskMethod {
        var next = method
        next.version += 1
        try await sql.update("risk_methods").set(model: RiskMethodRow(next), with: rowEncoder)
            .where("id", .equal, method.id.uuid).where("workspace_id", .equal, method.workspaceID.uuid).run()
        return next
    }

    public func delete(_ id: RiskMethod.ID, in workspace: Workspace.ID) async throws {
        try await sql.delete(from: "risk_methods").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid).run()
    }

    public func load(_ id: RiskMethod.ID, in workspace: Workspace.ID, forUpdate: Bool = false) async throws -> RiskMethod? {
        let query = sql.select().column("*").from("risk_methods").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid)
        if forUpdate { query.for(.update) }
        return try await query.first(RiskMethodRow.self)?.method
    }

    public func all(in workspace: Workspace.ID) async throws -> [RiskMethod] {
        try await sql.select().column("*").from("risk_methods").where("workspace_id", .equal, workspace.uuid).orderBy("number", .descending)
            .all(RiskMethodRow.self).compactMap(\.method)
    }

    /// The newest published version: the one assets are valued with and new assessments use.
    public func current(in workspace: Workspace.ID) async throws -> RiskMethod? {
        try await sql.select().column("*").from("risk_methods").where("workspace_id", .equal, workspace.uuid)
            .where("status", .equal, RiskMethod.Status.published.rawValue).orderBy("number", .descending).limit(1)
            .first(RiskMethodRow.self)?.method
    }

    public func nextNumber(in workspace: Workspace.ID) async throws -> Int {
        let row = try await sql.select().column(SQLFunction("max", args: SQLColumn("number")), as: "n").from("risk_methods")
            .where("workspace_id", .equal, workspace.uuid).first()
        return ((try? row?.decode(column: "n", as: Int?.self)) ?? nil).map { $0 + 1 } ?? 1
    }

    public func usage(_ id: RiskMethod.ID, in workspace: Workspace.ID) async throws -> Int {
        try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("risk_assessments").where("method_id", .equal, id.uuid)
            .where("workspace_id", .equal, workspace.uuid)
            .first()?.decode(column: "n", as: Int.self) ?? 0
    }
}

struct CatalogEntryRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey { case id, workspaceId = "workspace_id", kind, code, category, nameJa = "name_ja", nameEn = "name_en", descriptionJa = "description_ja", descriptionEn = "description_en", version }

    var id: UUID
    var workspaceId: UUID
    var kind: String
    var code: String
    var category: String
    var nameJa: String
    var nameEn: String
    var descriptionJa: String
    var descriptionEn: String
    var version: Int

    init(_ e: CatalogEntry) {
        id = e.id.uuid
        workspaceId = e.workspaceID.uuid
        kind = e.kind.rawValue
        code = e.code
        category = e.category
        nameJa = e.nameJa
        nameEn = e.nameEn
        descriptionJa = e.descriptionJa
        descriptionEn = e.descriptionEn
        version = e.version
    }

    var entry: CatalogEntry {
        CatalogEntry(id: CatalogEntry.ID(id), workspaceID: Workspace.ID(workspaceId), kind: CatalogEntry.Kind(rawValue: kind) ?? .threat, code: code,
                     category: category, nameJa: nameJa, nameEn: nameEn, descriptionJa: descriptionJa, descriptionEn: descriptionEn, version: version)
    }
}

/// The workspace's threats and vulnerabilities.
public struct CatalogEntryStore: Sendable {
    let sql: any SQLDatabase

    public func insert(_ entries: [CatalogEntry]) async throws {
        guard !entries.isEmpty else { return }
        try await sql.insert(into: "catalog_entries").models(entries.map(CatalogEntryRow.init), with: rowEncoder).run()
    }

    public func update(_ entry: CatalogEntry) async throws -> CatalogEntry {
        var next = entry
        next.version += 1
        try await sql.update("catalog_entries").set(model: CatalogEntryRow(next), with: rowEncoder)
            .where("id", .equal, entry.id.uuid).where("workspace_id", .equal, entry.workspaceID.uuid).run()
        return next
    }

    public func delete(_ id: CatalogEntry.ID, in workspace: Workspace.ID) async throws {
        try await sql.delete(from: "catalog_entries").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid).run()
    }

    public func all(_ kind: CatalogEntry.Kind, in workspace: Workspace.ID) async throws -> [CatalogEntry] {
        try await sql.select().column("*").from("catalog_entries").where("workspace_id", .equal, workspace.uuid).where("kind", .equal, kind.rawValue)
            .orderBy("code").all(CatalogEntryRow.self).map(\.entry)
    }

    public func load(_ id: CatalogEntry.ID, in workspace: Workspace.ID) async throws -> CatalogEntry? {
        try await sql.select().column("*").from("catalog_entries").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid)
            .first(CatalogEntryRow.self)?.entry
    }

    public func usage(_ id: CatalogEntry.ID, in workspace: Workspace.ID) async throws -> Int {
        try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("risks").where("workspace_id", .equal, workspace.uuid)
            .where { $0.where("threat_id", .equal, id.uuid).orWhere("vulnerability_id", .equal, id.uuid) }
            .first()?.decode(column: "n", as: Int.self) ?? 0
    }
}

struct RiskAssessmentRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey { case id, workspaceId = "workspace_id", name, methodId = "method_id", startsOn = "starts_on", endsOn = "ends_on", status, previousId = "previous_id", submittedBy = "submitted_by", submittedAt = "submitted_at", approvedBy = "approved_by", approvedAt = "approved_at", approvalNote = "approval_note", unacceptedAtSubmission = "unaccepted_at_submission", createdAt = "created_at", updatedAt = "updated_at", version }

    var id: UUID
    var workspaceId: UUID
    var name: String
    var methodId: UUID
    var startsOn: String?
    var endsOn: String?
    var status: String
    var previousId: UUID?
    var submittedBy: UUID?
    var submittedAt: Date?
    var approvedBy: UUID?
    var approvedAt: Date?
    var approvalNote: String?
    var unacceptedAtSubmission: String?
    var createdAt: Date
    var updatedAt: Date
    var version: Int

    init(_ a: RiskAssessment) {
        unacceptedAtSubmission = a.unacceptedAtSubmission?.joined(separator: ",")
        id = a.id.uuid
        workspaceId = a.workspaceID.uuid
        name = a.name
        methodId = a.methodID.uuid
        startsOn = a.startsOn?.description
        endsOn = a.endsOn?.description
        status = a.status.rawValue
        previousId = a.previousID?.uuid
        submittedBy = a.submittedBy?.uuid
        submittedAt = stored(a.submittedAt)
        approvedBy = a.approvedBy?.uuid
        approvedAt = stored(a.approvedAt)
        approvalNote = a.approvalNote
        createdAt = stored(a.createdAt)
        updatedAt = stored(a.updatedAt)
        version = a.version
    }

    var assessment: RiskAssessment {
        RiskAssessment(id: RiskAssessment.ID(id), workspaceID: Workspace.ID(workspaceId), name: name, methodID: RiskMethod.ID(methodId),
                       startsOn: CalendarDate(stored: startsOn), endsOn: CalendarDate(stored: endsOn), status: RiskAssessment.Status(rawValue: status) ?? .draft,
                       previousID: previousId.map(RiskAssessment.ID.init), submittedBy: submittedBy.map(User.ID.init), submittedAt: submittedAt,
                       approvedBy: approvedBy.map(User.ID.init), approvedAt: approvedAt, approvalNote: approvalNote,
                       unacceptedAtSubmission: unacceptedAtSubmission.map { $0.isEmpty ? [] : $0.split(separator: ",").map(String.init) }, createdAt: createdAt,
                       updatedAt: updatedAt, version: version)
    }
}

public struct RiskAssessmentStore: Sendable {
    let sql: any SQLDatabase

    public func insert(_ assessment: RiskAssessment) async throws {
        try await sql.insert(into: "risk_assessments").model(RiskAssessmentRow(assessment), with: rowEncoder).run()
    }

    public func update(_ assessment: RiskAssessment) async throws -> RiskAssessment {
        var next = assessment
        next.version += 1
        try await sql.update("risk_assessments").set(model: RiskAssessmentRow(next), with: rowEncoder)
            .where("id", .equal, assessment.id.uuid).where("workspace_id", .equal, assessment.workspaceID.uuid).run()
        return next
    }

    public func load(_ id: RiskAssessment.ID, in workspace: Workspace.ID, forUpdate: Bool = false) async throws -> RiskAssessment? {
        let query = sql.select().column("*").from("risk_assessments").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid)
        if forUpdate { query.for(.update) }
        return try await query.first(RiskAssessmentRow.self)?.assessment
    }

    public func all(in workspace: Workspace.ID) async throws -> [RiskAssessment] {
        try await sql.select().column("*").from("risk_assessments").where("workspace_id", .equal, workspace.uuid).orderBy("created_at", .descending)
            .all(RiskAssessmentRow.self).map(\.assessment)
    }

    /// The assessment a person most likely means: the newest one.
    public func latest(in workspace: Workspace.ID) async throws -> RiskAssessment? {
        try await sql.select().column("*").from("risk_assessments").where("workspace_id", .equal, workspace.uuid).orderBy("created_at", .descending)
            .limit(1).first(RiskAssessmentRow.self)?.assessment
    }

    public func successorExists(of id: RiskAssessment.ID, in workspace: Workspace.ID) async throws -> Bool {
        try await sql.select().column("id").from("risk_assessments").where("previous_id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid).first() != nil
    }
}

extension RiskMethodRow {
    init(_ r: RowReader) throws {
        id = try r.uuid("id")
        workspaceId = try r.uuid("workspace_id")
        number = try r.int("number")
        name = try r.string("name")
        status = try r.string("status")
        formula = try r.string("formula")
        definition = try r.string("definition")
        publishedAt = try r.optionalDate("published_at")
        createdAt = try r.date("created_at")
        updatedAt = try r.date("updated_at")
        version = try r.int("version")
    }
}

extension CatalogEntryRow {
    init(_ r: RowReader) throws {
        id = try r.uuid("id")
        workspaceId = try r.uuid("workspace_id")
        kind = try r.string("kind")
        code = try r.string("code")
        category = try r.string("category")
        nameJa = try r.string("name_ja")
        nameEn = try r.string("name_en")
        descriptionJa = try r.string("description_ja")
        descriptionEn = try r.string("description_en")
        version = try r.int("version")
    }
}

extension RiskAssessmentRow {
    init(_ r: RowReader) throws {
        id = try r.uuid("id")
        workspaceId = try r.uuid("workspace_id")
        name = try r.string("name")
        methodId = try r.uuid("method_id")
        startsOn = try r.optionalString("starts_on")
        endsOn = try r.optionalString("ends_on")
        status = try r.string("status")
        previousId = try r.optionalUUID("previous_id")
        submittedBy = try r.optionalUUID("submitted_by")
        submittedAt = try r.optionalDate("submitted_at")
        approvedBy = try r.optionalUUID("approved_by")
        approvedAt = try r.optionalDate("approved_at")
        approvalNote = try r.optionalString("approval_note")
        unacceptedAtSubmission = try r.optionalString("unaccepted_at_submission")
        createdAt = try r.date("created_at")
        updatedAt = try r.date("updated_at")
        version = try r.int("version")
    }
}
