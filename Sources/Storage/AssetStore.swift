import Domain
import Foundation
import SQLKit

struct AssetRow: Encodable, RowDecodable, BulkRow {
    enum CodingKeys: String, CodingKey, CaseIterable { case id, workspaceId = "workspace_id", code, codeKey = "code_key", name, nameKey = "name_key", kind, form, ownerId = "owner_id", custodianId = "custodian_id", departmentId = "department_id", location, classification, confidentiality, integrity, availability, value, isGroup = "is_group", status, lastReviewedOn = "last_reviewed_on", notes, createdAt = "created_at", updatedAt = "updated_at", version }

    var id: UUID
    var workspaceId: UUID
    var code: String
    var codeKey: String
    var name: String
    var nameKey: String
    var kind: String
    var form: String
    var ownerId: UUID?
    var custodianId: UUID?
    var departmentId: UUID?
    var location: String?
    var classification: String?
    var confidentiality: Int?
    var integrity: Int?
    var availability: Int?
    var value: Int?
    var isGroup: Bool
    var status: String
    var lastReviewedOn: String?
    var notes: String?
    var createdAt: Date
    var updatedAt: Date
    var version: Int

    init(_ a: Asset) {
        id = a.id.uuid
        workspaceId = a.workspaceID.uuid
        code = a.code
        codeKey = AssetStore.key(a.code)
        name = a.name
        nameKey = a.name.lowercased()
        kind = a.kind.rawValue
        form = a.form.rawValue
        ownerId = a.ownerID?.uuid
        custodianId = a.custodianID?.uuid
        departmentId = a.departmentID?.uuid
        location = a.location
        classification = a.classification
        confidentiality = a.confidentiality
        integrity = a.integrity
        availability = a.availability
        value = a.value
        isGroup = a.isGroup
        status = a.status.rawValue
        lastReviewedOn = a.lastReviewedOn?.description
        notes = a.notes
        createdAt = stored(a.createdAt)
        updatedAt = stored(a.updatedAt)
        version = a.version
    }

    var binds: [any SQLExpression] {
        [bind(id), bind(workspaceId), bind(code), bind(codeKey), bind(name), bind(nameKey), bind(kind), bind(form), bind(ownerId), bind(custodianId),
         bind(departmentId), bind(location), bind(classification), bind(confidentiality), bind(integrity), bind(availability), bind(value),
         bind(isGroup), bind(status), bind(lastReviewedOn), bind(notes), bind(createdAt), bind(updatedAt), bind(version)]
    }

    var asset: Asset {
        Asset(id: Asset.ID(id), workspaceID: Workspace.ID(workspaceId), code: code, name: name, kind: Asset.Kind(rawValue: kind) ?? .information,
              form: Asset.Form(rawValue: form) ?? .other, ownerID: ownerId.map(User.ID.init), custodianID: custodianId.map(User.ID.init),
              departmentID: departmentId.map(Department.ID.init), location: location, classification: classification,
              confidentiality: confidentiality, integrity: integrity, availability: availability, value: value, isGroup: isGroup,
              status: Asset.Status(rawValue: status) ?? .active, lastReviewedOn: CalendarDate(stored: lastReviewedOn), notes: notes,
              createdAt: createdAt, updatedAt: updatedAt, version: version)
    }
}

/// Filters and order of the asset list.
public struct AssetQuery: Sendable, Equatable {
    public enum Sort: String, Sendable, CaseIterable { case code, name, valueDescending, reviewedAscending }

    public var search: String?
    public var kind: Asset.Kind?
    public var departmentID: Department.ID?
    public var ownerID: User.ID?
    public var classification: String?
    public var minimumValue: Int?
    public var status: Asset.Status?
    /// Active assets not reviewed since this day (or never).
    public var reviewedBefore: CalendarDate?
    /// With `reviewedBefore`: only assets last reviewed on or after this day (never-reviewed ones left out).
    public var reviewedFrom: CalendarDate?
    public var sort: Sort

    public init(search: String? = nil, kind: Asset.Kind? = nil, departmentID: Department.ID? = nil, ownerID: User.ID? = nil, classification: String? = nil,
                minimumValue: Int? = nil, status: Asset.Status? = nil, reviewedBefore: CalendarDate? = nil, reviewedFrom: CalendarDate? = nil, sort: Sort = .code) {
        self.search = search
        self.kind = kind
        self.departmentID = departmentID
        self.ownerID = ownerID
        self.classification = classification
        self.minimumValue = minimumValue
        self.status = status
        self.reviewedBefore = reviewedBefore
        self.reviewedFrom = reviewedFrom
        self.sort = sort
    }

    /// The same query without its search text (the window a search walks).
    var unsearched: AssetQuery {
        var query = self
        query.search = nil
        return query
    }
}

/// The asset inventory of one workspace.
public struct AssetStore: Sendable {
    let sql: any SQLDatabase

    static func key(_ code: String) -> String { Text.halfWidth(Text.trimmed(code)).lowercased() }

    /// What the search box finds an asset by (the search index, ADR 0017): the record's fields and,
    /// in the same order, their columns (counts and the migration read the texts from the table).
    static func searchText(_ asset: Asset) -> [String] { [asset.code, asset.name, asset.location ?? ""] }
    static let searchColumns = ["code", "name", "location"]
    static let searchType = "assets"

    public func insert(_ asset: Asset) async throws {
        try await sql.insert(into: "assets").model(AssetRow(asset), with: rowEncoder).run()
        try await SearchIndex(sql: sql).insert(SearchIndex.grams(Self.searchText(asset)), record: asset.id.uuid, type: Self.searchType, in: asset.workspaceID)
    }

    /// Many assets of one workspace (the demo).
    public func insert(_ assets: [Asset]) async throws {
        try await sql.pipelined(Self.insertion(assets).statements)
    }

    /// The statements writing many new assets of one workspace and their search documents, for a
    /// bulk write (`Writer.bulkInsert`, the import): made without the database.
    public static func insertion(_ assets: [Asset]) -> BulkInsertion {
        guard let workspace = assets.first?.workspaceID else { return BulkInsertion([]) }
        precondition(assets.allSatisfy { $0.workspaceID == workspace }, "one workspace per bulk insert")
        let rows = assets.map(AssetRow.init)
        let inserts = stride(from: 0, to: rows.count, by: 400).map { SQLInsert.rows(rows[$0..<min($0 + 400, rows.count)], into: "assets") as any SQLExpression }
        let documents = SearchIndex.documents(assets.map { ($0.id.uuid, Self.searchText($0)) })
        return BulkInsertion(inserts + SearchIndex.inserts(documents: documents, type: Self.searchType, in: workspace))
    }

    public func update(_ asset: Asset) async throws -> Asset {
        var next = asset
        next.version += 1
        try await sql.update("assets").set(model: AssetRow(next), with: rowEncoder)
            .where("id", .equal, asset.id.uuid).where("workspace_id", .equal, asset.workspaceID.uuid).run()
        try await SearchIndex(sql: sql).replace(record: asset.id.uuid, texts: Self.searchText(asset), type: Self.searchType, in: asset.workspaceID)
        return next
    }

    public func delete(_ id: Asset.ID, in workspace: Workspace.ID) async throws {
        try await sql.delete(from: "assets").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid).run()
        try await SearchIndex(sql: sql).delete(records: [id.uuid], type: Self.searchType, in: workspace)
    }

    public func load(_ id: Asset.ID, in workspace: Workspace.ID, forUpdate: Bool = false) async throws -> Asset? {
        let query = sql.select().column("*").from("assets").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid)
        if forUpdate { query.for(.update) }
        return try await query.first(AssetRow.self)?.asset
    }

    public func load(code: String, in workspace: Workspace.ID) async throws -> Asset? {
        try await sql.select().column("*").from("assets").where("workspace_id", .equal, workspace.uuid).where("code_key", .equal, Self.key(code))
            .first(AssetRow.self)?.asset
    }

    /// Assets by code, for an import (one query per thousand codes).
    public func load(codes: [String], in workspace: Workspace.ID) async throws -> [String: Asset] {
        var found: [String: Asset] = [:]
        let keys = Array(Set(codes.map(Self.key)))
        for chunk in stride(from: 0, to: keys.count, by: 500) {
            let rows = try await sql.select().column("*").from("assets").where("workspace_id", .equal, workspace.uuid)
                .where("code_key", .in, Array(keys[chunk..<min(chunk + 500, keys.count)])).all(AssetRow.self)
            for row in rows { found[row.codeKey] = row.asset }
        }
        return found
    }

    public func loadAll(_ ids: [Asset.ID], in workspace: Workspace.ID) async throws -> [Asset.ID: Asset] {
        guard !ids.isEmpty else { return [:] }
        var found: [Asset.ID: Asset] = [:]
        let unique = Array(Set(ids))
        for chunk in stride(from: 0, to: unique.count, by: 500) {
            let rows = try await sql.select().column("*").from("assets")
                .whereIDs(unique[chunk..<min(chunk + 500, unique.count)].map(\.uuid), in: workspace).all(AssetRow.self)
            for row in rows { found[Asset.ID(row.id)] = row.asset }
        }
        return found
    }

    /// Which side of "not reviewed since" a query takes: both (lists), or one (counts, so that each
    /// side is one range of the workspace/status/reviewed index instead of a scan of every asset).
    private enum ReviewSide { case either, never, before }

    private func filtered(_ query: AssetQuery, in workspace: Workspace.ID, _ builder: SQLSelectBuilder, review side: ReviewSide = .either,
                          matching: SearchIndex.Use = .lookUp) -> SQLSelectBuilder {
        builder.where("workspace_id", .equal, workspace.uuid)
        _ = SearchIndex.narrow(builder, to: query.search, type: Self.searchType, in: workspace, use: matching)
        if let kind = query.kind { builder.where("kind", .equal, kind.rawValue) }
        if let department = query.departmentID { builder.where("department_id", .equal, department.uuid) }
        if let owner = query.ownerID { builder.where("owner_id", .equal, owner.uuid) }
        if let classification = query.classification { builder.where("classification", .equal, classification) }
        if let minimum = query.minimumValue {
            // Above zero the same test on the sort key, so the value-order index gives the range too.
            if minimum > 0 { builder.where(SQLFunction("coalesce", args: SQLColumn("value"), SQLLiteral.numeric("0")), .greaterThanOrEqual, SQLBind(minimum)) }
            else { builder.where("value", .greaterThanOrEqual, minimum) }
        }
        if let status = query.status { builder.where("status", .equal, status.rawValue) }
        if let before = query.reviewedBefore {
            builder.where("status", .equal, Asset.Status.active.rawValue)
            switch side {
            case .either: builder.where { $0.where("last_reviewed_on", .is, SQLLiteral.null).orWhere("last_reviewed_on", .lessThan, before.description) }
            case .never: builder.where("last_reviewed_on", .is, SQLLiteral.null)
            case .before: builder.where("last_reviewed_on", .lessThan, before.description)
            }
            if let from = query.reviewedFrom { builder.where("last_reviewed_on", .greaterThanOrEqual, from.description) }
        }
        return builder
    }

    /// A page of assets. Keyset pagination on the sort key and the id, so deep pages stay fast.
    public func list(in workspace: Workspace.ID, query: AssetQuery, page: PageRequest) async throws -> Page<Asset> {
        let (column, descending, numeric): (any SQLExpression, Bool, Bool) = switch query.sort {
        case .code: (SQLColumn("code_key"), false, false)
        case .name: (SQLColumn("name_key"), false, false)
        case .valueDescending: (SQLFunction("coalesce", args: SQLColumn("value"), SQLLiteral.numeric("0")), true, true)
        case .reviewedAscending: (SQLFunction("coalesce", args: SQLColumn("last_reviewed_on"), SQLLiteral.string("0000-00-00")), false, false)
        }
        let direction = descending ? SQLDirection.descending : SQLDirection.ascending
        // The list in its order, from the cursor; `select` is what each row gives.
        func ordered(_ select: SQLSelectBuilder, matching: SearchIndex.Use = .lookUp, searched: Bool = true) -> SQLSelectBuilder {
            let builder = filtered(searched ? query : query.unsearched, in: workspace, select, matching: matching)
            if let cursor = page.cursor.flatMap(Cursor.decode), let id = UUID(uuidString: cursor.id) {
                let key: any SQLExpression = numeric ? SQLBind(Int(cursor.key) ?? 0) : SQLBind(cursor.key)
                // Ties go the same way as the key, so one index (key, id) serves the whole order.
                let after: SQLBinaryOperator = descending ? .lessThan : .greaterThan
                builder.where { group in
                    group.where(column, after, key).orWhere { $0.where(column, .equal, key).where("id", after, SQLBind(id)) }
                }
            }
            builder.orderBy(column, direction as any SQLExpression)
            // A code is unique in its workspace, so the unique index gives the whole order (the id
            // after it made PostgreSQL sort what it read: half of a deep page's time).
            if query.sort != .code { builder.orderBy(SQLColumn("id"), direction as any SQLExpression) }
            return builder
        }
        var rows: [AssetRow]? = nil
        if SearchIndex.query(query.search ?? "") != nil, page.skip == nil, sql.dialect.name == "sqlite" {
            // SQLite cannot tell how many assets a search matches, so it always looks every match up
            // by id and sorts them all: 14 ms for a word in 2,500 of 50,000 assets (issue 20). Walking
            // the list in its order and keeping the matches finds a common word's page in a few
            // hundred rows; a window of the order bounds the walk, and a rarer word, not filling a
            // page inside it, is looked up as before.
            let window = SearchIndex.walkWindow(page.limit)
            let bound = try await ordered(sql.select().column(column, as: "bound").from("assets"), searched: false).limit(1).offset(window - 1).first()
            let builder = ordered(sql.select().column("*").from("assets"), matching: .walk)
            if let bound {
                let key: any SQLExpression = numeric ? SQLBind(try bound.decode(column: "bound", as: Int.self)) : SQLBind(try bound.decode(column: "bound", as: String.self))
                builder.where(column, descending ? .greaterThanOrEqual : .lessThanOrEqual, key)
            }
            let walked = try await builder.limit(page.limit + 1).all(AssetRow.self)
            if bound == nil || walked.count > page.limit { rows = walked }
        }
        if rows == nil {
            let builder = ordered(sql.select().column("*").from("assets"))
            var skip = page.skip
            if query.sort == .code, let offset = skip {
                // A numbered page starts at the code found at its offset by a scan of the code index
                // alone, instead of reading every skipped asset's row.
                let first = filtered(query, in: workspace, sql.select().column("code_key").from("assets")).orderBy("code_key").limit(1).offset(offset)
                builder.where(SQLColumn("code_key"), .greaterThanOrEqual, SQLGroupExpression(first.select))
                skip = nil
            }
            rows = try await builder.limit(page.limit + 1).offset(skip).all(AssetRow.self)
        }
        let all = rows ?? []
        let items = Array(all.prefix(page.limit))
        var next: String? = nil
        if all.count > page.limit, let last = items.last {
            let key: String = switch query.sort {
            case .code: last.codeKey
            case .name: last.nameKey
            case .valueDescending: String(last.value ?? 0)
            case .reviewedAscending: last.lastReviewedOn ?? "0000-00-00"
            }
            next = Cursor(key: key, id: last.id.uuidString).encoded
        }
        // The grams say "these pairs occur"; the text itself says whether they occur together.
        let found = SearchIndex.query(query.search ?? "").map { search in items.filter { SearchIndex.contains(Self.searchText($0.asset), search.normalized) } } ?? items
        return Page(items: found.map(\.asset), nextCursor: next, total: page.counting ? try await count(in: workspace, query: query) : nil)
    }

    public func count(in workspace: Workspace.ID, query: AssetQuery) async throws -> Int {
        if let search = SearchIndex.query(query.search ?? ""), AssetQuery(search: query.search, sort: query.sort) == query,
           let exact = try await SearchIndex.exactCount(search, type: Self.searchType, in: workspace, on: sql) {
            return exact
        }
        func count(_ side: ReviewSide) async throws -> Int {
            try await sql.total(filtered(query, in: workspace, sql.select().from("assets"), review: side).select, search: SearchIndex.query(query.search ?? ""),
                                texts: Self.searchColumns.map { SQLColumn($0) })
        }
        guard query.reviewedBefore != nil else { return try await count(.either) }
        if query.reviewedFrom != nil { return try await count(.before) }
        return try await count(.never) + count(.before)
    }

    /// Every asset in code order, streamed a page at a time (exports).
    public func all(in workspace: Workspace.ID, query: AssetQuery = AssetQuery()) async throws -> [Asset] {
        var result: [Asset] = []
        var cursor: String? = nil
        repeat {
            let page = try await list(in: workspace, query: query, page: PageRequest(limit: 1000, cursor: cursor))
            result += page.items
            cursor = page.nextCursor
        } while cursor != nil
        return result
    }

    /// Writes new values for many assets after the method changed (values only).
    public func updateValues(_ values: [(Asset.ID, Int?)], in workspace: Workspace.ID) async throws {
        for (id, value) in values {
            try await sql.update("assets").set("value", to: SQLBind(value)).where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid).run()
        }
    }

    public func riskCount(_ id: Asset.ID, in workspace: Workspace.ID) async throws -> Int {
        try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("risks").where("asset_id", .equal, id.uuid)
            .where("workspace_id", .equal, workspace.uuid)
            .first()?.decode(column: "n", as: Int.self) ?? 0
    }
}

/// The workspace's classification labels.
public struct ClassificationStore: Sendable {
    let sql: any SQLDatabase

    struct Row: Codable {
        var id: UUID
        var workspaceId: UUID
        var key: String
        var labelJa: String
        var labelEn: String
        var rank: Int
        enum CodingKeys: String, CodingKey { case id, workspaceId = "workspace_id", key, labelJa = "label_ja", labelEn = "label_en", rank }
    }

    public func all(in workspace: Workspace.ID) async throws -> [ClassificationLabel] {
        try await sql.select().column("*").from("classification_labels").where("workspace_id", .equal, workspace.uuid).orderBy("rank", .descending)
            .all(Row.self).map { ClassificationLabel(key: $0.key, labelJa: $0.labelJa, labelEn: $0.labelEn, rank: $0.rank) }
    }

    public func replace(_ labels: [ClassificationLabel], in workspace: Workspace.ID) async throws {
        try await sql.delete(from: "classification_labels").where("workspace_id", .equal, workspace.uuid).run()
        guard !labels.isEmpty else { return }
        try await sql.insert(into: "classification_labels").models(labels.map {
            Row(id: UUID.fresh(), workspaceId: workspace.uuid, key: $0.key, labelJa: $0.labelJa, labelEn: $0.labelEn, rank: $0.rank)
        }, with: rowEncoder).run()
    }
}

extension AssetRow {
    init(_ r: RowReader) throws {
        id = try r.uuid("id")
        workspaceId = try r.uuid("workspace_id")
        code = try r.string("code")
        codeKey = try r.string("code_key")
        name = try r.string("name")
        nameKey = try r.string("name_key")
        kind = try r.string("kind")
        form = try r.string("form")
        ownerId = try r.optionalUUID("owner_id")
        custodianId = try r.optionalUUID("custodian_id")
        departmentId = try r.optionalUUID("department_id")
        location = try r.optionalString("location")
        classification = try r.optionalString("classification")
        confidentiality = try r.optionalInt("confidentiality")
        integrity = try r.optionalInt("integrity")
        availability = try r.optionalInt("availability")
        value = try r.optionalInt("value")
        isGroup = try r.bool("is_group")
        status = try r.string("status")
        lastReviewedOn = try r.optionalString("last_reviewed_on")
        notes = try r.optionalString("notes")
        createdAt = try r.date("created_at")
        updatedAt = try r.date("updated_at")
        version = try r.int("version")
    }
}
