import Domain
import Foundation
import SQLKit

struct RiskRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey { case id, workspaceId = "workspace_id", assessmentId = "assessment_id", code, assetId = "asset_id", threatId = "threat_id", vulnerabilityId = "vulnerability_id", scenario, affectsConfidentiality = "affects_confidentiality", affectsIntegrity = "affects_integrity", affectsAvailability = "affects_availability", inherentAssetValue = "inherent_asset_value", inherentThreat = "inherent_threat", inherentVulnerability = "inherent_vulnerability", inherentLikelihood = "inherent_likelihood", inherentImpact = "inherent_impact", inherentScore = "inherent_score", inherentLevel = "inherent_level", ownerId = "owner_id", treatment, treatmentReason = "treatment_reason", controls, residualAssetValue = "residual_asset_value", residualThreat = "residual_threat", residualVulnerability = "residual_vulnerability", residualLikelihood = "residual_likelihood", residualImpact = "residual_impact", residualScore = "residual_score", residualLevel = "residual_level", review, previousId = "previous_id", acceptedBy = "accepted_by", acceptedAt = "accepted_at", acceptanceReason = "acceptance_reason", createdAt = "created_at", updatedAt = "updated_at", version }

    var id: UUID
    var workspaceId: UUID
    var assessmentId: UUID
    var code: String
    var assetId: UUID?
    var threatId: UUID?
    var vulnerabilityId: UUID?
    var scenario: String?
    var affectsConfidentiality: Bool
    var affectsIntegrity: Bool
    var affectsAvailability: Bool
    var inherentAssetValue: Int?
    var inherentThreat: Int?
    var inherentVulnerability: Int?
    var inherentLikelihood: Int?
    var inherentImpact: Int?
    var inherentScore: Int?
    var inherentLevel: String?
    var ownerId: UUID?
    var treatment: String?
    var treatmentReason: String?
    var controls: String
    var residualAssetValue: Int?
    var residualThreat: Int?
    var residualVulnerability: Int?
    var residualLikelihood: Int?
    var residualImpact: Int?
    var residualScore: Int?
    var residualLevel: String?
    var review: String
    var previousId: UUID?
    var acceptedBy: UUID?
    var acceptedAt: Date?
    var acceptanceReason: String?
    var createdAt: Date
    var updatedAt: Date
    var version: Int

    init(_ r: Risk) {
        id = r.id.uuid
        workspaceId = r.workspaceID.uuid
        assessmentId = r.assessmentID.uuid
        code = r.code
        assetId = r.assetID?.uuid
        threatId = r.threatID?.uuid
        vulnerabilityId = r.vulnerabilityID?.uuid
        scenario = r.scenario
        affectsConfidentiality = r.affectsConfidentiality
        affectsIntegrity = r.affectsIntegrity
        affectsAvailability = r.affectsAvailability
        inherentAssetValue = r.inherent.assetValue
        inherentThreat = r.inherent.threat
        inherentVulnerability = r.inherent.vulnerability
        inherentLikelihood = r.inherent.likelihood
        inherentImpact = r.inherent.impact
        inherentScore = r.inherentScore
        inherentLevel = r.inherentLevel
        ownerId = r.ownerID?.uuid
        treatment = r.treatment?.rawValue
        treatmentReason = r.treatmentReason
        controls = r.controls.joined(separator: ";")
        residualAssetValue = r.residual.assetValue
        residualThreat = r.residual.threat
        residualVulnerability = r.residual.vulnerability
        residualLikelihood = r.residual.likelihood
        residualImpact = r.residual.impact
        residualScore = r.residualScore
        residualLevel = r.residualLevel
        review = r.review.rawValue
        previousId = r.previousID?.uuid
        acceptedBy = r.acceptedBy?.uuid
        acceptedAt = stored(r.acceptedAt)
        acceptanceReason = r.acceptanceReason
        createdAt = stored(r.createdAt)
        updatedAt = stored(r.updatedAt)
        version = r.version
    }

    var risk: Risk {
        Risk(id: Risk.ID(id), workspaceID: Workspace.ID(workspaceId), assessmentID: RiskAssessment.ID(assessmentId), code: code,
             assetID: assetId.map(Asset.ID.init), threatID: threatId.map(CatalogEntry.ID.init), vulnerabilityID: vulnerabilityId.map(CatalogEntry.ID.init),
             scenario: scenario, affectsConfidentiality: affectsConfidentiality, affectsIntegrity: affectsIntegrity, affectsAvailability: affectsAvailability,
             inherent: RiskRating(assetValue: inherentAssetValue, threat: inherentThreat, vulnerability: inherentVulnerability, likelihood: inherentLikelihood,
                                  impact: inherentImpact),
             inherentScore: inherentScore, inherentLevel: inherentLevel, ownerID: ownerId.map(User.ID.init), treatment: treatment.flatMap(RiskTreatment.init(rawValue:)),
             treatmentReason: treatmentReason, controls: controls.split(separator: ";").map(String.init),
             residual: RiskRating(assetValue: residualAssetValue, threat: residualThreat, vulnerability: residualVulnerability, likelihood: residualLikelihood,
                                  impact: residualImpact),
             residualScore: residualScore, residualLevel: residualLevel, review: Risk.Review(rawValue: review) ?? .new, previousID: previousId.map(Risk.ID.init),
             acceptedBy: acceptedBy.map(User.ID.init), acceptedAt: acceptedAt, acceptanceReason: acceptanceReason, createdAt: createdAt,
             updatedAt: updatedAt, version: version)
    }
}

/// Filters and order of the risk register.
public struct RiskQuery: Sendable, Equatable {
    public enum Sort: String, Sendable, CaseIterable { case code, inherentDescending, residualDescending }
    /// A cell of the heat map: the two axes' values of inherent or residual ratings.
    public struct Cell: Sendable, Equatable {
        public var residual: Bool
        public var x: Int
        public var y: Int
        /// The heat map's axes (`HeatMap.axes`): x is the product of `xFactors`, y is `yFactor`.
        /// `Risks` sets the assessment's method's axes; without them, likelihood × impact.
        public var xFactors: [RiskFactor]?
        public var yFactor: RiskFactor?
        public init(residual: Bool, x: Int, y: Int, xFactors: [RiskFactor]? = nil, yFactor: RiskFactor? = nil) {
            self.residual = residual
            self.x = x
            self.y = y
            self.xFactors = xFactors
            self.yFactor = yFactor
        }
    }

    public var search: String?
    public var level: String?
    public var residualLevel: String?
    public var ownerID: User.ID?
    public var treatment: RiskTreatment?
    public var review: Risk.Review?
    public var assetID: Asset.ID?
    public var departmentID: Department.ID?
    public var control: String?
    public var accepted: Bool?
    public var cell: Cell?
    public var sort: Sort

    public init(search: String? = nil, level: String? = nil, residualLevel: String? = nil, ownerID: User.ID? = nil, treatment: RiskTreatment? = nil,
                review: Risk.Review? = nil, assetID: Asset.ID? = nil, departmentID: Department.ID? = nil, control: String? = nil, accepted: Bool? = nil,
                cell: Cell? = nil, sort: Sort = .code) {
        self.search = search
        self.level = level
        self.residualLevel = residualLevel
        self.ownerID = ownerID
        self.treatment = treatment
        self.review = review
        self.assetID = assetID
        self.departmentID = departmentID
        self.control = control
        self.accepted = accepted
        self.cell = cell
        self.sort = sort
    }
}

/// One cell count of a heat map.
public struct HeatCount: Sendable, Equatable {
    public var rating: RiskRating
    public var count: Int
}

public struct RiskRecordStore: Sendable {
    let sql: any SQLDatabase

    /// What the search box finds a risk by (the gram index, ADR 0010), besides its asset's code and name.
    static func searchText(_ risk: Risk) -> [String] { [risk.code, risk.scenario ?? ""] }
    static let searchColumns = ["code", "scenario"]
    static let searchType = "risks"

    public func insert(_ risk: Risk) async throws {
        try await sql.insert(into: "risks").model(RiskRow(risk), with: rowEncoder).run()
        try await insertLinks(RiskControlLink.of(risk))
        try await SearchIndex(sql: sql).insert(SearchIndex.grams(Self.searchText(risk)), record: risk.id.uuid, type: Self.searchType, in: risk.workspaceID)
    }

    /// Many risks of one workspace (an assessment's copy, imports, the demo).
    public func insert(_ risks: [Risk]) async throws {
        for chunk in stride(from: 0, to: risks.count, by: 200) {
            try await sql.insert(into: "risks").models(risks[chunk..<min(chunk + 200, risks.count)].map(RiskRow.init), with: rowEncoder).run()
        }
        try await insertLinks(risks.flatMap(RiskControlLink.of))
        guard let workspace = risks.first?.workspaceID else { return }
        precondition(risks.allSatisfy { $0.workspaceID == workspace }, "one workspace per bulk insert")
        try await SearchIndex(sql: sql).insert(risks.map { ($0.id.uuid, Self.searchText($0)) }, type: Self.searchType, in: workspace)
    }

    private func insertLinks(_ links: [RiskControlLink]) async throws {
        for chunk in stride(from: 0, to: links.count, by: 500) {
            try await sql.insert(into: "risk_controls").models(Array(links[chunk..<min(chunk + 500, links.count)]), with: rowEncoder).run()
        }
    }

    public func update(_ risk: Risk) async throws -> Risk {
        var next = risk
        next.version += 1
        try await sql.update("risks").set(model: RiskRow(next), with: rowEncoder)
            .where("id", .equal, risk.id.uuid).where("workspace_id", .equal, risk.workspaceID.uuid).run()
        try await sql.delete(from: "risk_controls").where("risk_id", .equal, risk.id.uuid).run()
        try await insertLinks(RiskControlLink.of(risk))
        try await SearchIndex(sql: sql).replace(record: risk.id.uuid, texts: Self.searchText(risk), type: Self.searchType, in: risk.workspaceID)
        return next
    }

    public func delete(_ id: Risk.ID, in workspace: Workspace.ID) async throws {
        try await sql.delete(from: "risk_controls").where("risk_id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid).run()
        try await sql.delete(from: "risks").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid).run()
        try await SearchIndex(sql: sql).delete(records: [id.uuid], type: Self.searchType, in: workspace)
    }

    /// How many risks of an assessment name each control.
    public func controlCounts(in assessment: RiskAssessment.ID, workspace: Workspace.ID) async throws -> [String: Int] {
        let rows = try await sql.select().column("control").column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("risk_controls")
            .where("assessment_id", .equal, assessment.uuid).where("workspace_id", .equal, workspace.uuid).groupBy("control").all()
        var counts: [String: Int] = [:]
        for row in rows { counts[try row.decode(column: "control", as: String.self)] = try row.decode(column: "n", as: Int.self) }
        return counts
    }

    /// How many risks of any assessment of the workspace name a control.
    public func countNaming(_ control: String, in workspace: Workspace.ID) async throws -> Int {
        try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("risk_controls")
            .where("workspace_id", .equal, workspace.uuid).where("control", .equal, control).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// The first `limit` risks (id and code, by code) of an assessment that name a control.
    public func naming(_ control: String, in assessment: RiskAssessment.ID, workspace: Workspace.ID, limit: Int) async throws -> [(id: Risk.ID, code: String)] {
        try await sql.select().column("risk_id").column("risk_code").from("risk_controls").where("assessment_id", .equal, assessment.uuid)
            .where("workspace_id", .equal, workspace.uuid)
            .where("control", .equal, control).orderBy("risk_code").limit(limit).all()
            .map { (id: Risk.ID(try $0.decode(column: "risk_id", as: UUID.self)), code: try $0.decode(column: "risk_code", as: String.self)) }
    }

    /// Per control, the codes of the first `limit` risks (by code) of an assessment that name it.
    public func codesByControl(in assessment: RiskAssessment.ID, workspace: Workspace.ID, limit: Int) async throws -> [String: [String]] {
        let rows = try await sql.raw("""
            SELECT control, risk_code FROM (SELECT control, risk_code, row_number() OVER (PARTITION BY control ORDER BY risk_code) AS n \
            FROM risk_controls WHERE assessment_id = \(bind: assessment.uuid) AND workspace_id = \(bind: workspace.uuid)) ranked WHERE n <= \(bind: limit)
            """).all()
        var codes: [String: [String]] = [:]
        for row in rows { codes[try row.decode(column: "control", as: String.self), default: []].append(try row.decode(column: "risk_code", as: String.self)) }
        return codes.mapValues { $0.sorted() }
    }

    public func load(_ id: Risk.ID, in workspace: Workspace.ID, forUpdate: Bool = false) async throws -> Risk? {
        let query = sql.select().column("*").from("risks").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid)
        if forUpdate { query.for(.update) }
        return try await query.first(RiskRow.self)?.risk
    }

    public func load(code: String, in assessment: RiskAssessment.ID, workspace: Workspace.ID) async throws -> Risk? {
        try await sql.select().column("*").from("risks").where("assessment_id", .equal, assessment.uuid).where("workspace_id", .equal, workspace.uuid)
            .where("code", .equal, code).first(RiskRow.self)?.risk
    }

    public func loadAll(_ ids: [Risk.ID], in workspace: Workspace.ID) async throws -> [Risk.ID: Risk] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.select().column("*").from("risks").whereIDs(Array(Set(ids)).map(\.uuid), in: workspace).all(RiskRow.self)
        return Dictionary(uniqueKeysWithValues: rows.map { (Risk.ID($0.id), $0.risk) })
    }

    /// Every risk of an assessment (assessments hold thousands, not millions).
    public func all(in assessment: RiskAssessment.ID, workspace: Workspace.ID) async throws -> [Risk] {
        try await sql.select().column("*").from("risks").where("assessment_id", .equal, assessment.uuid).where("workspace_id", .equal, workspace.uuid)
            .orderBy("code").all(RiskRow.self).map(\.risk)
    }

    /// The risks of an asset in draft assessments (the ones whose ratings still follow the asset).
    public func inDrafts(asset: Asset.ID, workspace: Workspace.ID) async throws -> [Risk] {
        try await sql.select().column("*").from("risks").where("workspace_id", .equal, workspace.uuid).where("asset_id", .equal, asset.uuid)
            .where(SQLColumn("assessment_id"), .in, SQLGroupExpression(
                sql.select().column("id").from("risk_assessments").where("workspace_id", .equal, workspace.uuid)
                    .where("status", .equal, RiskAssessment.Status.draft.rawValue).select))
            .orderBy("code").all(RiskRow.self).map(\.risk)
    }

    private func filtered(_ query: RiskQuery, assessment: RiskAssessment.ID, workspace: Workspace.ID, _ builder: SQLSelectBuilder) -> SQLSelectBuilder {
        builder.where("workspace_id", .equal, workspace.uuid).where("assessment_id", .equal, assessment.uuid)
        if let search = Text.nonBlank(query.search).flatMap(SearchIndex.query) {
            // Its own code or scenario, or its asset's code, name or location.
            builder.where { group in
                group.where(SQLColumn("id"), .in, SearchIndex.matching(search, type: Self.searchType, in: workspace, on: sql))
                    .orWhere(SQLColumn("asset_id"), .in, SearchIndex.matching(search, type: AssetStore.searchType, in: workspace, on: sql))
            }
        }
        if let level = query.level { builder.where("inherent_level", .equal, level) }
        // A risk without residual ratings (retained as it is) stands at its inherent level.
        if let level = query.residualLevel { builder.where(SQLFunction("coalesce", args: SQLColumn("residual_level"), SQLColumn("inherent_level")), .equal, SQLBind(level)) }
        if let owner = query.ownerID { builder.where("owner_id", .equal, owner.uuid) }
        if let treatment = query.treatment { builder.where("treatment", .equal, treatment.rawValue) }
        if let review = query.review { builder.where("review", .equal, review.rawValue) }
        if let asset = query.assetID { builder.where("asset_id", .equal, asset.uuid) }
        if let department = query.departmentID {
            builder.where(SQLColumn("asset_id"), .in, SQLGroupExpression(
                sql.select().column("id").from("assets").where("workspace_id", .equal, workspace.uuid).where("department_id", .equal, department.uuid).select))
        }
        if let control = Text.nonBlank(query.control) {
            builder.where(SQLColumn("id"), .in, SQLGroupExpression(sql.select().column("risk_id").from("risk_controls")
                .where("assessment_id", .equal, assessment.uuid).where("control", .equal, control).select))
        }
        if let accepted = query.accepted { builder.where("accepted_at", accepted ? .isNot : .is, SQLLiteral.null) }
        if let cell = query.cell {
            let c = { (factor: RiskFactor) in Self.rating(factor == .assetValue ? "asset_value" : factor.rawValue, residual: cell.residual) }
            // x = the product of the x factors (likelihood; threat × vulnerability…), y = the y factor: see HeatMap.
            let across = cell.xFactors.flatMap { $0.isEmpty ? nil : $0 } ?? [.likelihood]
            let x = across.dropFirst().reduce(c(across[0])) { SQLBinaryExpression($0, .multiply, c($1)) }
            builder.where(x, .equal, SQLBind(cell.x)).where(c(cell.yFactor ?? .impact), .equal, SQLBind(cell.y))
        }
        return builder
    }

    public func list(in assessment: RiskAssessment.ID, workspace: Workspace.ID, query: RiskQuery, page: PageRequest) async throws -> Page<Risk> {
        let builder = filtered(query, assessment: assessment, workspace: workspace, sql.select().column("*").from("risks"))
        let listed = builder.select
        let (column, numeric): (any SQLExpression, Bool) = switch query.sort {
        case .code: (SQLColumn("code"), false)
        case .inherentDescending: (SQLFunction("coalesce", args: SQLColumn("inherent_score"), SQLLiteral.numeric("0")), true)
        case .residualDescending: (SQLFunction("coalesce", args: SQLColumn("residual_score"), SQLColumn("inherent_score"), SQLLiteral.numeric("0")), true)
        }
        if let cursor = page.cursor.flatMap(Cursor.decode), let id = UUID(uuidString: cursor.id) {
            let key: any SQLExpression = numeric ? SQLBind(Int(cursor.key) ?? 0) : SQLBind(cursor.key)
            // Ties go the same way as the key, so one index (key, id) serves the whole order.
            let after: SQLBinaryOperator = numeric ? .lessThan : .greaterThan
            builder.where { group in
                group.where(column, after, key).orWhere { $0.where(column, .equal, key).where("id", after, SQLBind(id)) }
            }
        }
        let direction = numeric ? SQLDirection.descending : SQLDirection.ascending
        let rows = try await builder.orderBy(column, direction as any SQLExpression).orderBy(SQLColumn("id"), direction as any SQLExpression).limit(page.limit + 1).offset(page.skip).all(RiskRow.self)
        let items = Array(rows.prefix(page.limit))
        var next: String? = nil
        if rows.count > page.limit, let last = items.last {
            let key: String = switch query.sort {
            case .code: last.code
            case .inherentDescending: String(last.inherentScore ?? 0)
            case .residualDescending: String(last.residualScore ?? last.inherentScore ?? 0)
            }
            next = Cursor(key: key, id: last.id.uuidString).encoded
        }
        var found = items.map(\.risk)
        if let search = SearchIndex.query(query.search ?? ""), search.normalized.count > 2 {
            // Three characters or more: the grams say "these pairs occur"; the texts say whether together.
            let assets = try await AssetStore(sql: sql).loadAll(found.compactMap(\.assetID), in: workspace)
            found = found.filter { risk in
                SearchIndex.contains(Self.searchText(risk), search.normalized)
                    || risk.assetID.flatMap { assets[$0] }.map { SearchIndex.contains(AssetStore.searchText($0), search.normalized) } == true
            }
        }
        return Page(items: found, nextCursor: next, total: page.counting ? try await total(listed, query) : nil)
    }

    /// The open risks no owner has accepted: their number and the first `limit` in code order.
    /// Only ids and codes are read for all of them (18,000 of 20,000 in the enterprise workspace's
    /// draft); whole rows only for the ones named.
    public func unaccepted(in assessment: RiskAssessment.ID, workspace: Workspace.ID, limit: Int) async throws -> RiskRules.Unaccepted {
        let rows = try await sql.select().column("id").column("code").from("risks").where("workspace_id", .equal, workspace.uuid)
            .where("assessment_id", .equal, assessment.uuid).where("review", .notEqual, Risk.Review.closed.rawValue)
            .where("accepted_at", .is, SQLLiteral.null).all()
        var codes: [(id: UUID, key: String)] = []
        codes.reserveCapacity(rows.count)
        for row in rows {
            let reader = RowReader(row: row)
            codes.append((try reader.uuid("id"), Text.naturalKey(try reader.string("code"))))
        }
        let first = codes.sorted { $0.key < $1.key }.prefix(limit).map { Risk.ID($0.id) }
        let loaded = try await loadAll(Array(first), in: workspace)
        return RiskRules.Unaccepted(count: codes.count, first: first.compactMap { loaded[$0] })
    }

    public func count(in assessment: RiskAssessment.ID, workspace: Workspace.ID, query: RiskQuery) async throws -> Int {
        try await total(filtered(query, assessment: assessment, workspace: workspace, sql.select().from("risks")).select, query)
    }

    /// The count of a filtered query, a search checked against the risk's texts and its asset's.
    private func total(_ select: SQLSelect, _ query: RiskQuery) async throws -> Int {
        func asset(_ column: String) -> any SQLExpression {
            SQLSubquery.select { $0.column(column).from("assets").where(SQLColumn("id", table: "assets"), .equal, SQLColumn("asset_id", table: "risks")) }
        }
        return try await sql.total(select, search: SearchIndex.query(query.search ?? ""),
                                   texts: Self.searchColumns.map { SQLColumn($0, table: "risks") } + AssetStore.searchColumns.map(asset))
    }

    /// A rating column; residual ones fall back to the inherent rating when the risk has no
    /// residual score (retained as it is, so it stands where it stood).
    static func rating(_ name: String, residual: Bool) -> any SQLExpression {
        guard residual else { return SQLColumn("inherent_\(name)") }
        return SQLRaw("(CASE WHEN residual_score IS NULL THEN inherent_\(name) ELSE residual_\(name) END)")
    }

    /// Counts of risks per combination of ratings (inherent or residual), for the heat map.
    public func ratingCounts(in assessment: RiskAssessment.ID, workspace: Workspace.ID, residual: Bool, departmentID: Department.ID? = nil) async throws -> [HeatCount] {
        let names = ["asset_value", "threat", "vulnerability", "likelihood", "impact"]
        let columns = names.map { "r_\($0)" }
        let builder = filtered(RiskQuery(departmentID: departmentID), assessment: assessment, workspace: workspace, sql.select().from("risks"))
        for (name, column) in zip(names, columns) { builder.column(Self.rating(name, residual: residual), as: column) }
        builder.column(SQLFunction("count", args: SQLLiteral.all), as: "n").where("review", .notEqual, Risk.Review.closed.rawValue)
        for column in columns { builder.groupBy(SQLColumn(column)) }
        return try await builder.all().map { row in
            HeatCount(rating: RiskRating(assetValue: try row.decode(column: columns[0], as: Int?.self), threat: try row.decode(column: columns[1], as: Int?.self),
                                         vulnerability: try row.decode(column: columns[2], as: Int?.self), likelihood: try row.decode(column: columns[3], as: Int?.self),
                                         impact: try row.decode(column: columns[4], as: Int?.self)),
                      count: try row.decode(column: "n", as: Int.self))
        }
    }

    /// The risks of an assessment grouped by review outcome, whether they were carried from the
    /// previous assessment, and which way their score moved: counted here, not read row by row.
    public func differenceGroups(current: RiskAssessment.ID, previous: RiskAssessment.ID, workspace: Workspace.ID) async throws -> [RiskDifference.Group] {
        let now = "coalesce(cur.residual_score, cur.inherent_score)", then = "coalesce(prev.residual_score, prev.inherent_score)"
        let query: SQLQueryString = """
            SELECT cur.review AS review, CASE WHEN prev.id IS NULL THEN 0 ELSE 1 END AS carried,
            CASE WHEN prev.id IS NULL OR \(unsafeRaw: now) IS NULL OR \(unsafeRaw: then) IS NULL THEN NULL
                 WHEN \(unsafeRaw: now) > \(unsafeRaw: then) THEN 'up' WHEN \(unsafeRaw: now) < \(unsafeRaw: then) THEN 'down' ELSE 'same' END AS direction,
            count(*) AS n
            FROM risks cur LEFT JOIN risks prev ON prev.id = cur.previous_id AND prev.assessment_id = \(bind: previous.uuid)
            WHERE cur.assessment_id = \(bind: current.uuid) AND cur.workspace_id = \(bind: workspace.uuid)
            GROUP BY 1, 2, 3
            """
        return try await sql.raw(query).all().map { row in
            RiskDifference.Group(review: Risk.Review(rawValue: try row.decode(column: "review", as: String.self)) ?? .new,
                                 carried: try row.decode(column: "carried", as: Int.self) == 1,
                                 direction: try row.decode(column: "direction", as: String?.self).flatMap(RiskDifference.Direction.init(rawValue:)),
                                 count: try row.decode(column: "n", as: Int.self))
        }
    }

    /// The next free `R-nnn` code of an assessment.
    /// The next free `R-nnn` of an assessment. Numbers come from the assessment's sequence, so a
    /// code is never handed out again after its risk was deleted; the sequence starts above the
    /// highest code already there (assessments made before it existed, codes typed by hand, imports).
    /// Records that codes up to `R-nnn` are in use (an import that numbered its rows itself).
    public func noteCodes(upTo code: String, in assessment: RiskAssessment.ID, workspace: Workspace.ID) async throws {
        guard code.hasPrefix("R-"), let number = Int(code.dropFirst(2)) else { return }
        try await SequenceStore(sql: sql).raise("risk:\(assessment.uuid.uuidString)", to: number, in: workspace)
    }

    public func nextCode(in assessment: RiskAssessment.ID, workspace: Workspace.ID) async throws -> String {
        let codes = try await sql.select().column("code").from("risks").where("assessment_id", .equal, assessment.uuid)
            .where("workspace_id", .equal, workspace.uuid).all().map { try $0.decode(column: "code", as: String.self) }
        let highest = codes.compactMap { code -> Int? in code.hasPrefix("R-") ? Int(code.dropFirst(2)) : nil }.max() ?? 0
        let number = try await SequenceStore(sql: sql).next("risk:\(assessment.uuid.uuidString)", in: workspace, floor: highest)
        return String(format: "R-%03d", number)
    }
}

struct TreatmentActionRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey { case id, workspaceId = "workspace_id", title, controls, ownerId = "owner_id", dueOn = "due_on", status, completionNote = "completion_note", evidenceLink = "evidence_link", createdAt = "created_at", updatedAt = "updated_at", version }

    var id: UUID
    var workspaceId: UUID
    var title: String
    var controls: String
    var ownerId: UUID?
    var dueOn: String?
    var status: String
    var completionNote: String?
    var evidenceLink: String?
    var createdAt: Date
    var updatedAt: Date
    var version: Int

    init(_ a: TreatmentAction) {
        id = a.id.uuid
        workspaceId = a.workspaceID.uuid
        title = a.title
        controls = a.controls.joined(separator: ";")
        ownerId = a.ownerID?.uuid
        dueOn = a.dueOn?.description
        status = a.status.rawValue
        completionNote = a.completionNote
        evidenceLink = a.evidenceLink
        createdAt = stored(a.createdAt)
        updatedAt = stored(a.updatedAt)
        version = a.version
    }

    func action(risks: [Risk.ID]) -> TreatmentAction {
        TreatmentAction(id: TreatmentAction.ID(id), workspaceID: Workspace.ID(workspaceId), title: title, riskIDs: risks,
                        controls: controls.split(separator: ";").map(String.init), ownerID: ownerId.map(User.ID.init), dueOn: CalendarDate(stored: dueOn),
                        status: TreatmentAction.Status(rawValue: status) ?? .planned, completionNote: completionNote, evidenceLink: evidenceLink,
                        createdAt: createdAt, updatedAt: updatedAt, version: version)
    }
}

/// Filters of the treatment plan.
public struct ActionQuery: Sendable, Equatable {
    /// `due`: by due date (undated last); `risk`: the highest residual risk first (the inherent one
    /// where a risk has no residual rating yet), `inherentRisk`: the highest inherent risk first;
    /// then by due date.
    public enum Sort: String, Sendable, CaseIterable { case due, risk, inherentRisk }

    public var status: TreatmentAction.Status?
    public var ownerID: User.ID?
    public var riskID: Risk.ID?
    public var assessmentID: RiskAssessment.ID?
    public var dueBefore: CalendarDate?
    /// Due on or after this day.
    public var dueFrom: CalendarDate?
    public var openOnly: Bool
    public var sort: Sort

    public init(status: TreatmentAction.Status? = nil, ownerID: User.ID? = nil, riskID: Risk.ID? = nil, assessmentID: RiskAssessment.ID? = nil,
                dueBefore: CalendarDate? = nil, dueFrom: CalendarDate? = nil, openOnly: Bool = false, sort: Sort = .due) {
        self.dueFrom = dueFrom
        self.sort = sort
        self.status = status
        self.ownerID = ownerID
        self.riskID = riskID
        self.assessmentID = assessmentID
        self.dueBefore = dueBefore
        self.openOnly = openOnly
    }
}

public struct TreatmentActionStore: Sendable {
    let sql: any SQLDatabase

    struct Link: Codable {
        var actionId: UUID
        var riskId: UUID
        var workspaceId: UUID
        enum CodingKeys: String, CodingKey { case actionId = "action_id", riskId = "risk_id", workspaceId = "workspace_id" }
    }

    public func insert(_ action: TreatmentAction) async throws {
        try await sql.insert(into: "treatment_actions").model(TreatmentActionRow(action), with: rowEncoder).run()
        try await writeLinks(action)
    }

    public func update(_ action: TreatmentAction) async throws -> TreatmentAction {
        var next = action
        next.version += 1
        try await sql.update("treatment_actions").set(model: TreatmentActionRow(next), with: rowEncoder)
            .where("id", .equal, action.id.uuid).where("workspace_id", .equal, action.workspaceID.uuid).run()
        try await sql.delete(from: "treatment_action_risks").where("action_id", .equal, action.id.uuid).run()
        try await writeLinks(action)
        return next
    }

    private func writeLinks(_ action: TreatmentAction) async throws {
        guard !action.riskIDs.isEmpty else { return }
        try await sql.insert(into: "treatment_action_risks").models(Array(Set(action.riskIDs)).map {
            Link(actionId: action.id.uuid, riskId: $0.uuid, workspaceId: action.workspaceID.uuid)
        }, with: rowEncoder).run()
    }

    public func delete(_ id: TreatmentAction.ID, in workspace: Workspace.ID) async throws {
        try await sql.delete(from: "treatment_action_risks").where("action_id", .equal, id.uuid).run()
        try await sql.delete(from: "treatment_actions").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid).run()
    }

    public func load(_ id: TreatmentAction.ID, in workspace: Workspace.ID, forUpdate: Bool = false) async throws -> TreatmentAction? {
        let query = sql.select().column("*").from("treatment_actions").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid)
        if forUpdate { query.for(.update) }
        guard let row = try await query.first(TreatmentActionRow.self) else { return nil }
        return try await withRisks([row]).first
    }

    private func filtered(_ query: ActionQuery, in workspace: Workspace.ID, _ builder: SQLSelectBuilder) -> SQLSelectBuilder {
        builder.where("workspace_id", .equal, workspace.uuid)
        if let status = query.status { builder.where("status", .equal, status.rawValue) }
        if query.openOnly { builder.where("status", .in, [TreatmentAction.Status.planned.rawValue, TreatmentAction.Status.inProgress.rawValue]) }
        if let owner = query.ownerID { builder.where("owner_id", .equal, owner.uuid) }
        if let due = query.dueBefore { builder.where("due_on", .lessThan, due.description) }
        if let due = query.dueFrom { builder.where("due_on", .greaterThanOrEqual, due.description) }
        if let risk = query.riskID {
            builder.where(SQLColumn("id"), .in, SQLGroupExpression(sql.select().column("action_id").from("treatment_action_risks").where("risk_id", .equal, risk.uuid).select))
        }
        if let assessment = query.assessmentID {
            builder.where(SQLColumn("id"), .in, SQLGroupExpression(sql.select().column("action_id").from("treatment_action_risks")
                .where(SQLColumn("risk_id"), .in, SQLGroupExpression(sql.select().column("id").from("risks").where("assessment_id", .equal, assessment.uuid).select)).select))
        }
        return builder
    }

    /// The highest score (residual, else inherent; or inherent) among an action's risks; 0 without risks.
    static func riskScore(_ sort: ActionQuery.Sort) -> SQLRaw {
        let score = sort == .inherentRisk ? "coalesce(r.inherent_score, 0)" : "coalesce(r.residual_score, r.inherent_score, 0)"
        return SQLRaw("""
            coalesce((SELECT max(\(score)) FROM risks r \
            WHERE r.id IN (SELECT l.risk_id FROM treatment_action_risks l WHERE l.action_id = treatment_actions.id)), 0)
            """)
    }

    /// Actions by due date (undated last), or by their highest risk and then due date.
    public func list(in workspace: Workspace.ID, query: ActionQuery, page: PageRequest) async throws -> Page<TreatmentAction> {
        let builder = filtered(query, in: workspace, sql.select().column("*").from("treatment_actions"))
        let listed = builder.select
        let due = SQLFunction("coalesce", args: SQLColumn("due_on"), SQLLiteral.string("9999-12-31"))
        let riskScore = Self.riskScore(query.sort)
        if query.sort != .due { builder.column(riskScore, as: "risk_score") }
        if let cursor = page.cursor.flatMap(Cursor.decode), let id = UUID(uuidString: cursor.id) {
            switch query.sort {
            case .due:
                builder.where { group in
                    group.where(due, .greaterThan, SQLBind(cursor.key)).orWhere { $0.where(due, .equal, SQLBind(cursor.key)).where("id", .greaterThan, SQLBind(id)) }
                }
            case .risk, .inherentRisk:
                // The key is "score|due".
                let parts = cursor.key.split(separator: "|", maxSplits: 1).map(String.init)
                let score = Int(parts.first ?? "") ?? 0, day = parts.count > 1 ? parts[1] : "9999-12-31"
                builder.where { group in
                    group.where(riskScore, .lessThan, SQLBind(score))
                        .orWhere { $0.where(riskScore, .equal, SQLBind(score)).where(due, .greaterThan, SQLBind(day)) }
                        .orWhere { $0.where(riskScore, .equal, SQLBind(score)).where(due, .equal, SQLBind(day)).where("id", .greaterThan, SQLBind(id)) }
                }
            }
        }
        if query.sort != .due { builder.orderBy(riskScore, SQLDirection.descending as any SQLExpression) }
        let rows = try await builder.orderBy(due).orderBy("id").limit(page.limit + 1).offset(page.skip).all()
        let decoded = try rows.map { try TreatmentActionRow(RowReader(row: $0)) }
        let items = try await withRisks(Array(decoded.prefix(page.limit)))
        var next: String? = nil
        if rows.count > page.limit, let last = items.last {
            let day = last.dueOn?.description ?? "9999-12-31"
            switch query.sort {
            case .due: next = Cursor(key: day, id: last.id.uuid.uuidString).encoded
            case .risk, .inherentRisk:
                let score = try rows[page.limit - 1].decode(column: "risk_score", as: Int.self)
                next = Cursor(key: "\(score)|\(day)", id: last.id.uuid.uuidString).encoded
            }
        }
        return Page(items: items, nextCursor: next, total: page.counting ? try await sql.total(listed) : nil)
    }

    /// The status and due date of every action treating a risk of the assessment, in one query.
    public func statuses(of assessment: RiskAssessment.ID, in workspace: Workspace.ID) async throws -> [(status: TreatmentAction.Status, dueOn: CalendarDate?)] {
        let rows = try await sql.select().distinct().column(SQLColumn("id", table: "a")).column(SQLColumn("status", table: "a")).column(SQLColumn("due_on", table: "a"))
            .from(SQLAlias(SQLIdentifier("treatment_actions"), as: SQLIdentifier("a")))
            .join(SQLAlias(SQLIdentifier("treatment_action_risks"), as: SQLIdentifier("l")), on: SQLColumn("action_id", table: "l"), .equal, SQLColumn("id", table: "a"))
            .join(SQLAlias(SQLIdentifier("risks"), as: SQLIdentifier("r")), on: SQLColumn("id", table: "r"), .equal, SQLColumn("risk_id", table: "l"))
            .where(SQLColumn("workspace_id", table: "a"), .equal, SQLBind(workspace.uuid)).where(SQLColumn("assessment_id", table: "r"), .equal, SQLBind(assessment.uuid))
            .all()
        return try rows.map { row in
            (TreatmentAction.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .planned,
             CalendarDate(stored: try row.decode(column: "due_on", as: String?.self)))
        }
    }

    public func count(in workspace: Workspace.ID, query: ActionQuery) async throws -> Int {
        try await filtered(query, in: workspace, sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("treatment_actions"))
            .first()?.decode(column: "n", as: Int.self) ?? 0
    }

    private func withRisks(_ rows: [TreatmentActionRow]) async throws -> [TreatmentAction] {
        guard !rows.isEmpty else { return [] }
        let links = try await sql.select().column("*").from("treatment_action_risks").where("action_id", .in, rows.map(\.id)).all(Link.self)
        let grouped = Dictionary(grouping: links, by: \.actionId)
        return rows.map { row in row.action(risks: (grouped[row.id] ?? []).map { Risk.ID($0.riskId) }.sorted()) }
    }
}

extension RiskRow {
    init(_ r: RowReader) throws {
        id = try r.uuid("id")
        workspaceId = try r.uuid("workspace_id")
        assessmentId = try r.uuid("assessment_id")
        code = try r.string("code")
        assetId = try r.optionalUUID("asset_id")
        threatId = try r.optionalUUID("threat_id")
        vulnerabilityId = try r.optionalUUID("vulnerability_id")
        scenario = try r.optionalString("scenario")
        affectsConfidentiality = try r.bool("affects_confidentiality")
        affectsIntegrity = try r.bool("affects_integrity")
        affectsAvailability = try r.bool("affects_availability")
        inherentAssetValue = try r.optionalInt("inherent_asset_value")
        inherentThreat = try r.optionalInt("inherent_threat")
        inherentVulnerability = try r.optionalInt("inherent_vulnerability")
        inherentLikelihood = try r.optionalInt("inherent_likelihood")
        inherentImpact = try r.optionalInt("inherent_impact")
        inherentScore = try r.optionalInt("inherent_score")
        inherentLevel = try r.optionalString("inherent_level")
        ownerId = try r.optionalUUID("owner_id")
        treatment = try r.optionalString("treatment")
        treatmentReason = try r.optionalString("treatment_reason")
        controls = try r.string("controls")
        residualAssetValue = try r.optionalInt("residual_asset_value")
        residualThreat = try r.optionalInt("residual_threat")
        residualVulnerability = try r.optionalInt("residual_vulnerability")
        residualLikelihood = try r.optionalInt("residual_likelihood")
        residualImpact = try r.optionalInt("residual_impact")
        residualScore = try r.optionalInt("residual_score")
        residualLevel = try r.optionalString("residual_level")
        review = try r.string("review")
        previousId = try r.optionalUUID("previous_id")
        acceptedBy = try r.optionalUUID("accepted_by")
        acceptedAt = try r.optionalDate("accepted_at")
        acceptanceReason = try r.optionalString("acceptance_reason")
        createdAt = try r.date("created_at")
        updatedAt = try r.date("updated_at")
        version = try r.int("version")
    }
}

extension TreatmentActionRow {
    init(_ r: RowReader) throws {
        id = try r.uuid("id")
        workspaceId = try r.uuid("workspace_id")
        title = try r.string("title")
        controls = try r.string("controls")
        ownerId = try r.optionalUUID("owner_id")
        dueOn = try r.optionalString("due_on")
        status = try r.string("status")
        completionNote = try r.optionalString("completion_note")
        evidenceLink = try r.optionalString("evidence_link")
        createdAt = try r.date("created_at")
        updatedAt = try r.date("updated_at")
        version = try r.int("version")
    }
}

