import Domain
import Foundation
import SQLKit

// MARK: - Own controls

struct OwnControlRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey {
        case id, workspaceId = "workspace_id", code, codeKey = "code_key", titleJa = "title_ja", titleEn = "title_en", description,
             createdAt = "created_at", updatedAt = "updated_at", version
    }
    var id: UUID
    var workspaceId: UUID
    var code: String
    var codeKey: String
    var titleJa: String
    var titleEn: String
    var description: String?
    var createdAt: Date
    var updatedAt: Date
    var version: Int

    init(_ c: OwnControl) {
        id = c.id.uuid; workspaceId = c.workspaceID.uuid; code = c.code; codeKey = c.code.uppercased(); titleJa = c.titleJa; titleEn = c.titleEn
        description = c.description; createdAt = stored(c.createdAt); updatedAt = stored(c.updatedAt); version = c.version
    }

    init(_ r: RowReader) throws {
        id = try r.uuid("id"); workspaceId = try r.uuid("workspace_id"); code = try r.string("code"); codeKey = try r.string("code_key")
        titleJa = try r.string("title_ja"); titleEn = try r.string("title_en"); description = try r.optionalString("description")
        createdAt = try r.date("created_at"); updatedAt = try r.date("updated_at"); version = try r.int("version")
    }

    var control: OwnControl {
        OwnControl(id: OwnControl.ID(id), workspaceID: Workspace.ID(workspaceId), code: code, titleJa: titleJa, titleEn: titleEn, description: description,
                   createdAt: createdAt, updatedAt: updatedAt, version: version)
    }
}

public struct OwnControlStore: Sendable {
    let sql: any SQLDatabase

    public func insert(_ control: OwnControl) async throws {
        try await sql.insert(into: "own_controls").model(OwnControlRow(control), with: rowEncoder).run()
    }

    public func update(_ control: OwnControl) async throws -> OwnControl {
        var next = control
        next.version += 1
        try await sql.update("own_controls").set(model: OwnControlRow(next), with: rowEncoder)
            .where("id", .equal, control.id.uuid).where("workspace_id", .equal, control.workspaceID.uuid).run()
        return next
    }

    public func delete(_ id: OwnControl.ID, in workspace: Workspace.ID) async throws {
        try await sql.delete(from: "own_controls").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid).run()
    }

    public func load(_ id: OwnControl.ID, in workspace: Workspace.ID, forUpdate: Bool = false) async throws -> OwnControl? {
        let query = sql.select().column("*").from("own_controls").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid)
        if forUpdate { query.for(.update) }
        return try await query.first(OwnControlRow.self)?.control
    }

    public func load(code: String, in workspace: Workspace.ID) async throws -> OwnControl? {
        try await sql.select().column("*").from("own_controls").where("code_key", .equal, code.uppercased())
            .where("workspace_id", .equal, workspace.uuid).first(OwnControlRow.self)?.control
    }

    /// Every own control in code order (a workspace has tens to hundreds).
    public func all(in workspace: Workspace.ID) async throws -> [OwnControl] {
        try await sql.select().column("*").from("own_controls").where("workspace_id", .equal, workspace.uuid).orderBy("code_key").orderBy("id")
            .all(OwnControlRow.self).map(\.control)
    }
}

// MARK: - SoA

struct SoAEntryRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey {
        case id, workspaceId = "workspace_id", controlId = "control_id", decision, justification, implementation, ownerId = "owner_id", description,
             documents, reviewReason = "review_reason", updatedAt = "updated_at", version
    }
    var id: UUID
    var workspaceId: UUID
    var controlId: String
    var decision: String
    var justification: String?
    var implementation: String?
    var ownerId: UUID?
    var description: String?
    var documents: String?
    var reviewReason: String?
    var updatedAt: Date
    var version: Int

    init(_ e: SoAEntry) {
        id = e.id.uuid; workspaceId = e.workspaceID.uuid; controlId = e.controlID; decision = e.decision.rawValue; justification = e.justification
        implementation = e.implementation?.rawValue; ownerId = e.ownerID?.uuid; description = e.description; documents = e.documents
        reviewReason = e.reviewReason; updatedAt = stored(e.updatedAt); version = e.version
    }

    init(_ r: RowReader) throws {
        id = try r.uuid("id"); workspaceId = try r.uuid("workspace_id"); controlId = try r.string("control_id"); decision = try r.string("decision")
        justification = try r.optionalString("justification"); implementation = try r.optionalString("implementation"); ownerId = try r.optionalUUID("owner_id")
        description = try r.optionalString("description"); documents = try r.optionalString("documents"); reviewReason = try r.optionalString("review_reason")
        updatedAt = try r.date("updated_at"); version = try r.int("version")
    }

    var entry: SoAEntry {
        SoAEntry(id: SoAEntry.ID(id), workspaceID: Workspace.ID(workspaceId), controlID: controlId, decision: SoAEntry.Decision(rawValue: decision) ?? .undecided,
                 justification: justification, implementation: implementation.flatMap(SoAEntry.Implementation.init(rawValue:)), ownerID: ownerId.map(User.ID.init),
                 description: description, documents: documents, reviewReason: reviewReason, updatedAt: updatedAt, version: version)
    }
}

struct SoAVersionRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey {
        case id, workspaceId = "workspace_id", number, status, submittedBy = "submitted_by", submittedAt = "submitted_at", decidedBy = "decided_by",
             decidedAt = "decided_at", note, decisionNote = "decision_note", entriesJson = "entries_json", version
    }
    var id: UUID
    var workspaceId: UUID
    var number: Int
    var status: String
    var submittedBy: UUID
    var submittedAt: Date
    var decidedBy: UUID?
    var decidedAt: Date?
    var note: String?
    var decisionNote: String?
    var entriesJson: String
    var version: Int

    static let encoder: JSONEncoder = { let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]; return e }()

    init(_ v: SoAVersion) throws {
        id = v.id.uuid; workspaceId = v.workspaceID.uuid; number = v.number; status = v.status.rawValue; submittedBy = v.submittedBy.uuid
        submittedAt = stored(v.submittedAt); decidedBy = v.decidedBy?.uuid; decidedAt = stored(v.decidedAt); note = v.note; decisionNote = v.decisionNote
        entriesJson = String(decoding: try Self.encoder.encode(v.entries), as: UTF8.self); version = v.version
    }

    init(_ r: RowReader) throws {
        id = try r.uuid("id"); workspaceId = try r.uuid("workspace_id"); number = try r.int("number"); status = try r.string("status")
        submittedBy = try r.uuid("submitted_by"); submittedAt = try r.date("submitted_at"); decidedBy = try r.optionalUUID("decided_by")
        decidedAt = try r.optionalDate("decided_at"); note = try r.optionalString("note"); decisionNote = try r.optionalString("decision_note"); entriesJson = (try? r.string("entries_json")) ?? "[]"
        version = try r.int("version")
    }

    func soaVersion(withEntries: Bool) throws -> SoAVersion {
        let entries = withEntries ? try JSONDecoder().decode([SoASnapshot].self, from: Data(entriesJson.utf8)) : []
        return SoAVersion(id: SoAVersion.ID(id), workspaceID: Workspace.ID(workspaceId), number: number, status: SoAVersion.Status(rawValue: status) ?? .inReview,
                          submittedBy: User.ID(submittedBy), submittedAt: submittedAt, decidedBy: decidedBy.map(User.ID.init), decidedAt: decidedAt,
                          note: note, decisionNote: decisionNote, entries: entries, version: version)
    }
}

/// How many risks name each control, per distinct `controls` value (few, even in a large register).
public struct ControlUse: Sendable, Hashable {
    public var controls: [String]
    public var count: Int
}

public struct SoAStore: Sendable {
    let sql: any SQLDatabase

    public func entries(in workspace: Workspace.ID) async throws -> [SoAEntry] {
        try await sql.select().column("*").from("soa_entries").where("workspace_id", .equal, workspace.uuid).all(SoAEntryRow.self).map(\.entry)
    }

    public func entry(_ control: String, in workspace: Workspace.ID, forUpdate: Bool = false) async throws -> SoAEntry? {
        let query = sql.select().column("*").from("soa_entries").where("workspace_id", .equal, workspace.uuid).where("control_id", .equal, control)
        if forUpdate { query.for(.update) }
        return try await query.first(SoAEntryRow.self)?.entry
    }

    /// Inserts a never-saved entry (version 0) or updates a stored one; returns it with its new version.
    public func save(_ entry: SoAEntry) async throws -> SoAEntry {
        var next = entry
        next.version += 1
        if entry.isStored {
            try await sql.update("soa_entries").set(model: SoAEntryRow(next), with: rowEncoder)
                .where("id", .equal, entry.id.uuid).where("workspace_id", .equal, entry.workspaceID.uuid).run()
        } else {
            try await sql.insert(into: "soa_entries").model(SoAEntryRow(next), with: rowEncoder).run()
        }
        return next
    }

    public func deleteEntry(_ control: String, in workspace: Workspace.ID) async throws {
        try await sql.delete(from: "soa_entries").where("workspace_id", .equal, workspace.uuid).where("control_id", .equal, control).run()
    }

    public func freshnessMonths(in workspace: Workspace.ID) async throws -> (months: Int, version: Int) {
        guard let row = try await sql.select().column("freshness_months").column("version").from("soa_settings").where("id", .equal, workspace.uuid).first() else {
            return (SoARules.defaultFreshnessMonths, 0)
        }
        return (try row.decode(column: "freshness_months", as: Int.self), try row.decode(column: "version", as: Int.self))
    }

    public func setFreshnessMonths(_ months: Int, version: Int, in workspace: Workspace.ID) async throws {
        if version == 0 {
            try await sql.insert(into: "soa_settings").columns("id", "freshness_months", "version")
                .values(SQLBind(workspace.uuid), SQLBind(months), SQLBind(1)).run()
        } else {
            try await sql.update("soa_settings").set("freshness_months", to: SQLBind(months)).set("version", to: SQLBind(version + 1))
                .where("id", .equal, workspace.uuid).run()
        }
    }

    /// The treatment actions naming each control: the distinct lists with their counts.
    public func actionUse(in workspace: Workspace.ID) async throws -> [ControlUse] {
        let rows = try await sql.select().column("controls").column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("treatment_actions")
            .where("workspace_id", .equal, workspace.uuid).where("controls", .notEqual, "").groupBy("controls").all()
        return try rows.map { ControlUse(controls: try $0.decode(column: "controls", as: String.self).split(separator: ";").map(String.init),
                                         count: try $0.decode(column: "n", as: Int.self)) }
    }

    /// Actions whose `;`-separated control list holds exactly `control` (`_`, `%` and `\` taken literally).
    private func naming(_ control: String, _ builder: SQLSelectBuilder, in workspace: Workspace.ID) -> SQLSelectBuilder {
        let literal = control.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        func like(_ pattern: String) -> SQLQueryString { SQLQueryString("controls LIKE \(bind: pattern) ESCAPE '\\'") }
        return builder.where("workspace_id", .equal, workspace.uuid)
            .where { $0.where("controls", .equal, control).orWhere(like("\(literal);%")).orWhere(like("%;\(literal)")).orWhere(like("%;\(literal);%")) }
    }

    /// The treatment actions that name a control, by due date (the first 200).
    public func actionIDs(naming control: String, in workspace: Workspace.ID) async throws -> [TreatmentAction.ID] {
        try await naming(control, sql.select().column("id").from("treatment_actions"), in: workspace)
            .orderBy("due_on").orderBy("id").limit(200).all().map { TreatmentAction.ID(try $0.decode(column: "id", as: UUID.self)) }
    }

    /// How many treatment actions name a control.
    public func countActions(naming control: String, in workspace: Workspace.ID) async throws -> Int {
        try await naming(control, sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("treatment_actions"), in: workspace)
            .first()?.decode(column: "n", as: Int.self) ?? 0
    }

    public func versions(in workspace: Workspace.ID) async throws -> [SoAVersion] {
        try await sql.select().column("id").column("workspace_id").column("number").column("status").column("submitted_by").column("submitted_at")
            .column("decided_by").column("decided_at").column("note").column("decision_note").column("version").from("soa_versions")
            .where("workspace_id", .equal, workspace.uuid).orderBy("number", .descending).all(SoAVersionRow.self).map { try $0.soaVersion(withEntries: false) }
    }

    public func version(_ number: Int, in workspace: Workspace.ID, forUpdate: Bool = false) async throws -> SoAVersion? {
        let query = sql.select().column("*").from("soa_versions").where("workspace_id", .equal, workspace.uuid).where("number", .equal, number)
        if forUpdate { query.for(.update) }
        return try await query.first(SoAVersionRow.self)?.soaVersion(withEntries: true)
    }

    public func nextNumber(in workspace: Workspace.ID) async throws -> Int {
        let row = try await sql.select().column(SQLFunction("max", args: SQLColumn("number")), as: "n").from("soa_versions")
            .where("workspace_id", .equal, workspace.uuid).first()
        return ((try row?.decode(column: "n", as: Int?.self)) ?? 0) + 1
    }

    public func insert(_ version: SoAVersion) async throws {
        try await sql.insert(into: "soa_versions").model(try SoAVersionRow(version), with: rowEncoder).run()
    }

    public func update(_ version: SoAVersion) async throws -> SoAVersion {
        var next = version
        next.version += 1
        try await sql.update("soa_versions").set("status", to: SQLBind(next.status.rawValue)).set("decided_by", to: SQLBind(next.decidedBy?.uuid))
            .set("decided_at", to: SQLBind(stored(next.decidedAt))).set("decision_note", to: SQLBind(next.decisionNote)).set("version", to: SQLBind(next.version))
            .where("id", .equal, version.id.uuid).where("workspace_id", .equal, version.workspaceID.uuid).run()
        return next
    }
}

// MARK: - Evidence

struct EvidenceRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey {
        case id, workspaceId = "workspace_id", title, kind, url, fileName = "file_name", contentType = "content_type", size, sha256,
             collectedOn = "collected_on", collectedBy = "collected_by", validUntil = "valid_until", notes, createdBy = "created_by",
             createdAt = "created_at", updatedAt = "updated_at", version
    }
    var id: UUID
    var workspaceId: UUID
    var title: String
    var kind: String
    var url: String?
    var fileName: String?
    var contentType: String?
    var size: Int?
    var sha256: String?
    var collectedOn: String
    var collectedBy: UUID?
    var validUntil: String?
    var notes: String?
    var createdBy: UUID?
    var createdAt: Date
    var updatedAt: Date
    var version: Int

    init(_ e: Evidence) {
        id = e.id.uuid; workspaceId = e.workspaceID.uuid; title = e.title; kind = e.kind.rawValue; url = e.url; fileName = e.fileName
        contentType = e.contentType; size = e.size; sha256 = e.sha256; collectedOn = e.collectedOn.description; collectedBy = e.collectedBy?.uuid
        validUntil = e.validUntil?.description; notes = e.notes; createdBy = e.createdBy?.uuid; createdAt = stored(e.createdAt)
        updatedAt = stored(e.updatedAt); version = e.version
    }

    init(_ r: RowReader) throws {
        id = try r.uuid("id"); workspaceId = try r.uuid("workspace_id"); title = try r.string("title"); kind = try r.string("kind")
        url = try r.optionalString("url"); fileName = try r.optionalString("file_name"); contentType = try r.optionalString("content_type")
        size = try r.optionalInt("size"); sha256 = try r.optionalString("sha256"); collectedOn = try r.string("collected_on")
        collectedBy = try r.optionalUUID("collected_by"); validUntil = try r.optionalString("valid_until"); notes = try r.optionalString("notes")
        createdBy = try r.optionalUUID("created_by"); createdAt = try r.date("created_at"); updatedAt = try r.date("updated_at"); version = try r.int("version")
    }

    func evidence(links: [EvidenceLink]) -> Evidence {
        Evidence(id: Evidence.ID(id), workspaceID: Workspace.ID(workspaceId), title: title, kind: Evidence.Kind(rawValue: kind) ?? .link, url: url,
                 fileName: fileName, contentType: contentType, size: size, sha256: sha256,
                 collectedOn: CalendarDate(collectedOn) ?? CalendarDate(year: 2000, month: 1, day: 1)!, collectedBy: collectedBy.map(User.ID.init),
                 validUntil: CalendarDate(stored: validUntil), notes: notes, links: links, createdBy: createdBy.map(User.ID.init),
                 createdAt: createdAt, updatedAt: updatedAt, version: version)
    }
}

/// Filters of the evidence list.
public struct EvidenceQuery: Sendable, Equatable {
    public var search: String?
    public var link: EvidenceLink?
    /// Only evidence whose validity ends before this day (expired when it is today).
    public var validBefore: CalendarDate?
    /// With `validBefore`: only evidence still valid on this day (expiring, not yet expired).
    public var validFrom: CalendarDate?

    public init(search: String? = nil, link: EvidenceLink? = nil, validBefore: CalendarDate? = nil, validFrom: CalendarDate? = nil) {
        self.search = search
        self.link = link
        self.validBefore = validBefore
        self.validFrom = validFrom
    }
}

/// Per control: how much evidence, and the newest collection day.
public struct EvidenceTally: Sendable, Hashable {
    public var count: Int
    public var newest: CalendarDate?
}

public struct EvidenceStore: Sendable {
    let sql: any SQLDatabase

    struct LinkRow: Codable {
        var evidenceId: UUID
        var workspaceId: UUID
        var target: String
        var targetId: String
        /// The evidence's collection day, copied so per-control tallies need no join.
        var collectedOn: String
        enum CodingKeys: String, CodingKey { case evidenceId = "evidence_id", workspaceId = "workspace_id", target, targetId = "target_id", collectedOn = "collected_on" }
    }

    /// What the evidence search finds a piece by (the gram index, ADR 0010).
    static func searchText(_ evidence: Evidence) -> [String] { [evidence.title, evidence.fileName ?? ""] }
    static let searchColumns = ["title", "file_name"]
    static let searchType = "evidence"

    public func insert(_ evidence: Evidence, content: Data?) async throws {
        try await sql.insert(into: "evidence").model(EvidenceRow(evidence), with: rowEncoder).run()
        try await SearchIndex(sql: sql).insert(SearchIndex.grams(Self.searchText(evidence)), record: evidence.id.uuid, type: Self.searchType, in: evidence.workspaceID)
        if let content {
            try await sql.insert(into: "evidence_files").columns("id", "workspace_id", "content")
                .values(SQLBind(evidence.id.uuid), SQLBind(evidence.workspaceID.uuid), SQLBind(content)).run()
        }
        try await writeLinks(evidence)
    }

    /// Many at once (demo data); the files as given.
    public func insert(_ items: [(Evidence, Data?)]) async throws {
        for chunk in stride(from: 0, to: items.count, by: 200).map({ Array(items[$0..<min($0 + 200, items.count)]) }) {
            try await sql.insert(into: "evidence").models(chunk.map { EvidenceRow($0.0) }, with: rowEncoder).run()
            for (evidence, content) in chunk {
                if let content {
                    try await sql.insert(into: "evidence_files").columns("id", "workspace_id", "content")
                        .values(SQLBind(evidence.id.uuid), SQLBind(evidence.workspaceID.uuid), SQLBind(content)).run()
                }
            }
            let links = chunk.flatMap { item in item.0.links.map {
                LinkRow(evidenceId: item.0.id.uuid, workspaceId: item.0.workspaceID.uuid, target: $0.target.rawValue, targetId: $0.id,
                        collectedOn: item.0.collectedOn.description)
            } }
            if !links.isEmpty { try await sql.insert(into: "evidence_links").models(links, with: rowEncoder).run() }
        }
        for (workspace, group) in Dictionary(grouping: items.map(\.0), by: \.workspaceID) {
            try await SearchIndex(sql: sql).insert(group.map { ($0.id.uuid, Self.searchText($0)) }, type: Self.searchType, in: workspace)
        }
    }

    public func update(_ evidence: Evidence) async throws -> Evidence {
        var next = evidence
        next.version += 1
        try await sql.update("evidence").set(model: EvidenceRow(next), with: rowEncoder)
            .where("id", .equal, evidence.id.uuid).where("workspace_id", .equal, evidence.workspaceID.uuid).run()
        try await sql.delete(from: "evidence_links").where("evidence_id", .equal, evidence.id.uuid).run()
        try await writeLinks(evidence)
        try await SearchIndex(sql: sql).replace(record: evidence.id.uuid, texts: Self.searchText(evidence), type: Self.searchType, in: evidence.workspaceID)
        return next
    }

    private func writeLinks(_ evidence: Evidence) async throws {
        let links = Array(Set(evidence.links)).sorted()
        guard !links.isEmpty else { return }
        try await sql.insert(into: "evidence_links").models(links.map {
            LinkRow(evidenceId: evidence.id.uuid, workspaceId: evidence.workspaceID.uuid, target: $0.target.rawValue, targetId: $0.id,
                    collectedOn: evidence.collectedOn.description)
        }, with: rowEncoder).run()
    }

    public func delete(_ id: Evidence.ID, in workspace: Workspace.ID) async throws {
        try await sql.delete(from: "evidence_links").where("evidence_id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid).run()
        try await sql.delete(from: "evidence_files").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid).run()
        try await sql.delete(from: "evidence").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid).run()
        try await SearchIndex(sql: sql).delete(records: [id.uuid], type: Self.searchType, in: workspace)
    }

    /// Points every link to one record at another (an own control's new code); returns how many.
    public func retarget(_ from: EvidenceLink, to: EvidenceLink, in workspace: Workspace.ID) async throws -> Int {
        let count = try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("evidence_links").where("workspace_id", .equal, workspace.uuid)
            .where("target", .equal, from.target.rawValue).where("target_id", .equal, from.id).first()?.decode(column: "n", as: Int.self) ?? 0
        try await sql.update("evidence_links").set("target", to: SQLBind(to.target.rawValue)).set("target_id", to: SQLBind(to.id))
            .where("workspace_id", .equal, workspace.uuid).where("target", .equal, from.target.rawValue).where("target_id", .equal, from.id).run()
        return count
    }

    /// Removes every link to one record (when the record goes).
    public func unlink(_ link: EvidenceLink, in workspace: Workspace.ID) async throws {
        try await sql.delete(from: "evidence_links").where("workspace_id", .equal, workspace.uuid).where("target", .equal, link.target.rawValue)
            .where("target_id", .equal, link.id).run()
    }

    public func load(_ id: Evidence.ID, in workspace: Workspace.ID, forUpdate: Bool = false) async throws -> Evidence? {
        let query = sql.select().column("*").from("evidence").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid)
        if forUpdate { query.for(.update) }
        guard let row = try await query.first(EvidenceRow.self) else { return nil }
        return try await withLinks([row]).first
    }

    public func content(_ id: Evidence.ID, in workspace: Workspace.ID) async throws -> Data? {
        guard let row = try await sql.select().column("content").from("evidence_files").where("id", .equal, id.uuid)
            .where("workspace_id", .equal, workspace.uuid).first() else { return nil }
        return try row.decode(column: "content", as: Data.self)
    }

    private func filtered(_ query: EvidenceQuery, in workspace: Workspace.ID, _ builder: SQLSelectBuilder) -> SQLSelectBuilder {
        builder.where("workspace_id", .equal, workspace.uuid)
        _ = SearchIndex.narrow(builder, to: query.search, type: Self.searchType, in: workspace)
        if let link = query.link {
            builder.where(SQLColumn("id"), .in, SQLGroupExpression(sql.select().column("evidence_id").from("evidence_links")
                .where("workspace_id", .equal, workspace.uuid).where("target", .equal, link.target.rawValue).where("target_id", .equal, link.id).select))
        }
        if let before = query.validBefore { builder.where("valid_until", .lessThan, before.description) }
        if let from = query.validFrom { builder.where("valid_until", .greaterThanOrEqual, from.description) }
        return builder
    }

    /// Newest collected first.
    public func list(in workspace: Workspace.ID, query: EvidenceQuery, page: PageRequest) async throws -> Page<Evidence> {
        let builder = filtered(query, in: workspace, sql.select().column("*").from("evidence"))
        let listed = builder.select
        if let cursor = page.cursor.flatMap(Cursor.decode), let id = UUID(uuidString: cursor.id) {
            builder.where { group in
                group.where("collected_on", .lessThan, SQLBind(cursor.key))
                    .orWhere { $0.where("collected_on", .equal, SQLBind(cursor.key)).where("id", .lessThan, SQLBind(id)) }
            }
        }
        let rows = try await builder.orderBy("collected_on", .descending).orderBy("id", .descending).limit(page.limit + 1).offset(page.skip).all(EvidenceRow.self)
        let items = try await withLinks(Array(rows.prefix(page.limit)))
        let next = rows.count > page.limit ? items.last.map { Cursor(key: $0.collectedOn.description, id: $0.id.uuid.uuidString).encoded } : nil
        // The grams say "these pairs occur"; the texts say whether together.
        let found = SearchIndex.query(query.search ?? "").map { search in items.filter { SearchIndex.contains(Self.searchText($0), search.normalized) } } ?? items
        return Page(items: found, nextCursor: next, total: page.counting
                    ? try await sql.total(listed, search: SearchIndex.query(query.search ?? ""), texts: Self.searchColumns.map { SQLColumn($0) }) : nil)
    }

    public func count(in workspace: Workspace.ID, query: EvidenceQuery) async throws -> Int {
        try await sql.total(filtered(query, in: workspace, sql.select().from("evidence")).select, search: SearchIndex.query(query.search ?? ""),
                            texts: Self.searchColumns.map { SQLColumn($0) })
    }

    /// Every piece of evidence linked to one record, newest first.
    public func linked(to link: EvidenceLink, in workspace: Workspace.ID) async throws -> [Evidence] {
        try await list(in: workspace, query: EvidenceQuery(link: link), page: PageRequest(limit: 200, cursor: nil)).items
    }

    /// Count and newest collection day per control, from the links alone.
    public func tallies(in workspace: Workspace.ID) async throws -> [String: EvidenceTally] {
        let rows = try await sql.select().column("target_id").column(SQLFunction("count", args: SQLLiteral.all), as: "n")
            .column(SQLFunction("max", args: SQLColumn("collected_on")), as: "newest").from("evidence_links")
            .where("workspace_id", .equal, workspace.uuid).where("target", .equal, "control").groupBy("target_id").all()
        var tallies: [String: EvidenceTally] = [:]
        for row in rows {
            tallies[try row.decode(column: "target_id", as: String.self)] = EvidenceTally(
                count: try row.decode(column: "n", as: Int.self), newest: CalendarDate(stored: try row.decode(column: "newest", as: String?.self)))
        }
        return tallies
    }

    private func withLinks(_ rows: [EvidenceRow]) async throws -> [Evidence] {
        guard !rows.isEmpty else { return [] }
        let links = try await sql.select().column("*").from("evidence_links").where("evidence_id", .in, rows.map(\.id)).all(LinkRow.self)
        let grouped = Dictionary(grouping: links, by: \.evidenceId)
        return rows.map { row in
            row.evidence(links: (grouped[row.id] ?? []).compactMap { l in EvidenceLink.Target(rawValue: l.target).map { EvidenceLink($0, l.targetId) } }.sorted())
        }
    }
}
