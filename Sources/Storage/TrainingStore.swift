import Domain
import FluentKit
import Foundation
import SQLKit

// Training and awareness (7.2, 7.3, A.6.3): courses, campaigns, competence requirements and
// records, and phishing drills are declared records (ADR 0010); attempts are many (every member ×
// every course × every year), so they are a table of their own, indexed for "a person's courses"
// and "a campaign's completion".

extension Campaign.Status: ColumnRepresentable {}
extension Role: ColumnRepresentable {}

extension Course: StoredRecord {
    public static let schema = RecordSchema<Course>(
        table: "courses",
        columns: [.column(\.number, "number"), .column(\.isArchived, "archived"), .column(\.templateKey, "template_key")],
        orders: [RecordOrder("number") { String(format: "%08d", $0.number) }],
        links: { course in
            course.references.map { reference -> RecordLink in
                if reference.hasPrefix("A.") { return .control(String(reference.dropFirst(2))) }
                return reference.first?.isNumber == true ? RecordLink(.clause, reference) : .control(reference)
            }
        },
        search: { [$0.code, $0.title.ja, $0.title.en] })
}

extension Campaign: StoredRecord {
    public static let schema = RecordSchema<Campaign>(
        table: "training_campaigns",
        columns: [.column(\.number, "number"), .column(\.courseID, "course_id"), .column(\.status, "status")],
        orders: [RecordOrder("number") { String(format: "%08d", 99_999_999 - $0.number) }],
        links: { [RecordLink(.course, $0.courseID.description)] },
        search: { [$0.title] })
}

extension CompetenceRequirement: StoredRecord {
    public static let schema = RecordSchema<CompetenceRequirement>(
        table: "competence_requirements",
        columns: [.column(\.role, "role")],
        orders: [RecordOrder("role") { $0.role.rawValue + $0.name.lowercased() }])
}

extension CompetenceRecord: StoredRecord {
    public static let schema = RecordSchema<CompetenceRecord>(
        table: "competence_records",
        columns: [.column(\.userID, "user_id"), .column(\.requirementID, "requirement_id")],
        orders: [RecordOrder("obtained") { $0.obtainedOn.description + $0.name }],
        links: { [.person($0.userID)] })
}

extension PhishingDrill: StoredRecord {
    public static let schema = RecordSchema<PhishingDrill>(
        table: "phishing_drills",
        columns: [.column(\.number, "number"), .column(\.sentOn, "sent_on")],
        orders: [RecordOrder("sent") { $0.sentOn.description + String(format: "%08d", $0.number) }],
        search: { [$0.title] })
}

/// Submitted quiz attempts.
public struct AttemptStore: Sendable {
    let sql: any SQLDatabase

    struct Row: Codable {
        var id: UUID
        var workspaceId: UUID
        var courseId: UUID
        var campaignId: UUID?
        var userId: UUID
        var answers: String
        var missed: String
        var score: Int
        var passed: Bool
        var courseVersion: Int
        var submittedAt: Date
        enum CodingKeys: String, CodingKey {
            case id, workspaceId = "workspace_id", courseId = "course_id", campaignId = "campaign_id", userId = "user_id", answers, missed, score, passed,
                 courseVersion = "course_version", submittedAt = "submitted_at"
        }
        init(_ a: Attempt) throws {
            id = a.id.uuid; workspaceId = a.workspaceID.uuid; courseId = a.courseID.uuid; campaignId = a.campaignID?.uuid; userId = a.userID.uuid
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            answers = String(decoding: try encoder.encode(a.answers), as: UTF8.self)
            missed = a.missed.joined(separator: ","); score = a.score; passed = a.passed; courseVersion = a.courseVersion; submittedAt = stored(a.submittedAt)
        }
        init(_ r: RowReader) throws {
            id = try r.uuid("id"); workspaceId = try r.uuid("workspace_id"); courseId = try r.uuid("course_id"); campaignId = try r.optionalUUID("campaign_id")
            userId = try r.uuid("user_id"); answers = try r.string("answers"); missed = try r.string("missed"); score = try r.int("score")
            passed = try r.bool("passed"); courseVersion = try r.int("course_version"); submittedAt = try r.date("submitted_at")
        }
        var attempt: Attempt {
            Attempt(id: .init(id), workspaceID: .init(workspaceId), courseID: .init(courseId), campaignID: campaignId.map(Campaign.ID.init), userID: .init(userId),
                    answers: (try? JSONDecoder().decode([String: [String]].self, from: Data(answers.utf8))) ?? [:],
                    missed: missed.isEmpty ? [] : missed.split(separator: ",").map(String.init), score: score, passed: passed, courseVersion: courseVersion,
                    submittedAt: submittedAt)
        }
    }

    public func insert(_ attempts: [Attempt]) async throws {
        for chunk in stride(from: 0, to: attempts.count, by: 400) {
            try await sql.insert(into: "training_attempts").models(try attempts[chunk..<min(chunk + 400, attempts.count)].map(Row.init), with: rowEncoder).run()
        }
    }

    func select(_ workspace: Workspace.ID) -> SQLSelectBuilder {
        sql.select().column("*").from("training_attempts").where("workspace_id", .equal, SQLBind(workspace.uuid))
    }

    public func load(_ id: Attempt.ID, in workspace: Workspace.ID) async throws -> Attempt? {
        try await select(workspace).where("id", .equal, SQLBind(id.uuid)).first().map { try Row(RowReader(row: $0)).attempt }
    }

    /// A person's attempts, newest first (of one course, when given).
    public func all(of user: User.ID, course: Course.ID? = nil, in workspace: Workspace.ID) async throws -> [Attempt] {
        let query = select(workspace).where("user_id", .equal, SQLBind(user.uuid))
        if let course { query.where("course_id", .equal, SQLBind(course.uuid)) }
        return try await query.orderBy("submitted_at", .descending).all().map { try Row(RowReader(row: $0)).attempt }
    }

    /// Every attempt at a course (submitted on or after `since`), oldest first.
    public func all(course: Course.ID, since: Date? = nil, in workspace: Workspace.ID) async throws -> [Attempt] {
        let query = select(workspace).where("course_id", .equal, SQLBind(course.uuid))
        if let since { query.where("submitted_at", .greaterThanOrEqual, SQLBind(stored(since))) }
        return try await query.orderBy("submitted_at", .ascending).all().map { try Row(RowReader(row: $0)).attempt }
    }

    /// Every attempt at a course since a moment, without the answers (left empty): what a
    /// campaign's roster and report need, read for thousands of people at once. Decoding each
    /// attempt's answers was a fifth of a 5,000-person campaign report's time.
    public func outcomes(course: Course.ID, since: Date, in workspace: Workspace.ID) async throws -> [Attempt] {
        try await outcomes(outcomeColumns(workspace).where("course_id", .equal, SQLBind(course.uuid))
            .where("submitted_at", .greaterThanOrEqual, SQLBind(stored(since))).orderBy("submitted_at", .ascending), in: workspace)
    }

    /// A person's attempts at every course, without the answers: what their pages count their
    /// place in every open campaign from, in one read.
    public func outcomes(of user: User.ID, in workspace: Workspace.ID) async throws -> [Attempt] {
        try await outcomes(outcomeColumns(workspace).where("user_id", .equal, SQLBind(user.uuid)), in: workspace)
    }

    private func outcomeColumns(_ workspace: Workspace.ID) -> SQLSelectBuilder {
        sql.select().column("id").column("course_id").column("campaign_id").column("user_id").column("missed").column("score").column("passed")
            .column("course_version").column("submitted_at").from("training_attempts").where("workspace_id", .equal, SQLBind(workspace.uuid))
    }

    private func outcomes(_ query: SQLSelectBuilder, in workspace: Workspace.ID) async throws -> [Attempt] {
        try await query.all().map { row in
            let r = RowReader(row: row)
            let missed = try r.string("missed")
            return Attempt(id: .init(try r.uuid("id")), workspaceID: workspace, courseID: .init(try r.uuid("course_id")),
                           campaignID: try r.optionalUUID("campaign_id").map(Campaign.ID.init), userID: .init(try r.uuid("user_id")), answers: [:],
                           missed: missed.isEmpty ? [] : missed.split(separator: ",").map(String.init),
                           score: try r.int("score"), passed: try r.bool("passed"), courseVersion: try r.int("course_version"), submittedAt: try r.date("submitted_at"))
        }
    }

    /// Each person's latest pass of a course (before a moment, when given).
    public func latestPasses(course: Course.ID, before: Date? = nil, in workspace: Workspace.ID) async throws -> [User.ID: Date] {
        let query = sql.select().column("user_id").column(SQLAlias(SQLFunction("max", args: SQLColumn("submitted_at")), as: SQLIdentifier("passed_at")))
            .from("training_attempts")
            .where("workspace_id", .equal, SQLBind(workspace.uuid)).where("course_id", .equal, SQLBind(course.uuid)).where("passed", .equal, SQLBind(true))
        if let before { query.where("submitted_at", .lessThan, SQLBind(stored(before))) }
        let rows = try await query.groupBy("user_id").all()
        var out: [User.ID: Date] = [:]
        for row in rows {
            let r = RowReader(row: row)
            out[User.ID(try r.uuid("user_id"))] = try r.date("passed_at")
        }
        return out
    }

    /// Whether anyone's attempt counted for a campaign (of its course, since it began: found by the course's index).
    public func any(campaign: Campaign.ID, course: Course.ID, since: Date, in workspace: Workspace.ID) async throws -> Bool {
        try await sql.select().column(SQLLiteral.numeric("1"), as: "one").from("training_attempts")
            .where("workspace_id", .equal, SQLBind(workspace.uuid)).where("course_id", .equal, SQLBind(course.uuid))
            .where("submitted_at", .greaterThanOrEqual, SQLBind(stored(since))).where("campaign_id", .equal, SQLBind(campaign.uuid)).limit(1).first() != nil
    }

    /// Each person's latest passing attempt at each course: user → course → when.
    public func lastPasses(in workspace: Workspace.ID, users: [User.ID]? = nil) async throws -> [User.ID: [Course.ID: Date]] {
        let query = sql.select().column("user_id").column("course_id").column(SQLFunction("MAX", args: SQLColumn("submitted_at")), as: "last")
            .from("training_attempts").where("workspace_id", .equal, SQLBind(workspace.uuid)).where("passed", .equal, SQLBind(true))
        if let users, users.count <= 500 { query.where("user_id", .in, SQLGroupExpression(users.map { SQLBind($0.uuid) as any SQLExpression })) }
        var out: [User.ID: [Course.ID: Date]] = [:]
        for row in try await query.groupBy("user_id").groupBy("course_id").all() {
            let r = RowReader(row: row)
            out[User.ID(try r.uuid("user_id")), default: [:]][Course.ID(try r.uuid("course_id"))] = try r.date("last")
        }
        return out
    }

    /// How many attempts a person has made at a course since a moment (the limit per campaign).
    /// A person's standing at a course since a moment, counted by the database over the person's
    /// attempts at the course (by its index) in one statement: a submission and a person's page
    /// read a few figures, not every attempt they ever made.
    public func standing(of user: User.ID, course: Course.ID, since: Date, in workspace: Workspace.ID) async throws -> AttemptStanding {
        let lastPassBefore = SQLSubquery.select { query in
            query.column(SQLFunction("MAX", args: SQLColumn("submitted_at"))).from("training_attempts")
                .where("workspace_id", .equal, SQLBind(workspace.uuid)).where("user_id", .equal, SQLBind(user.uuid))
                .where("course_id", .equal, SQLBind(course.uuid))
                .where("passed", .equal, SQLBind(true)).where("submitted_at", .lessThan, SQLBind(stored(since)))
        }
        let query = sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").column(SQLFunction("MAX", args: SQLColumn("score")), as: "best")
            .column(SQLFunction("MIN", args: SQLRaw("CASE WHEN passed THEN submitted_at END")), as: "first_pass")
            .column(SQLAlias(lastPassBefore, as: SQLIdentifier("last_pass")))
            .from("training_attempts")
            .where("workspace_id", .equal, SQLBind(workspace.uuid)).where("user_id", .equal, SQLBind(user.uuid))
            .where("course_id", .equal, SQLBind(course.uuid)).where("submitted_at", .greaterThanOrEqual, SQLBind(stored(since)))
        guard let row = try await query.first() else { return AttemptStanding() }
        let r = RowReader(row: row)
        return AttemptStanding(attempts: try row.decode(column: "n", as: Int.self), bestScore: try row.decode(column: "best", as: Int?.self),
                               firstPassAt: try r.optionalDate("first_pass"), lastPassBefore: try r.optionalDate("last_pass"))
    }

    public func delete(course: Course.ID, in workspace: Workspace.ID) async throws {
        try await sql.delete(from: "training_attempts").where("workspace_id", .equal, SQLBind(workspace.uuid)).where("course_id", .equal, SQLBind(course.uuid)).run()
    }

    public func count(course: Course.ID, in workspace: Workspace.ID) async throws -> Int {
        let row = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("training_attempts")
            .where("workspace_id", .equal, SQLBind(workspace.uuid)).where("course_id", .equal, SQLBind(course.uuid)).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }
}

/// The training tables.
struct CreateTraining: AsyncMigration {
    var name: String { "0016_training" }

    func prepare(on database: any Database) async throws {
        try await RecordTable<Course>().sync(on: database)
        try await RecordTable<Campaign>().sync(on: database)
        try await RecordTable<CompetenceRequirement>().sync(on: database)
        try await RecordTable<CompetenceRecord>().sync(on: database)
        try await RecordTable<PhishingDrill>().sync(on: database)
        try await database.schema("training_attempts")
            .field("id", .uuid, .identifier(auto: false))
            .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
            .field("course_id", .uuid, .required)
            .field("campaign_id", .uuid)
            .field("user_id", .uuid, .required)
            .field("answers", .string, .required)
            .field("missed", .string, .required)
            .field("score", .int, .required)
            .field("passed", .bool, .required)
            .field("course_version", .int, .required)
            .field("submitted_at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "training_attempts_user").on("training_attempts").column("workspace_id").column("user_id").column("course_id").column("submitted_at").run()
        try await sql.create(index: "training_attempts_course").on("training_attempts").column("workspace_id").column("course_id").column("submitted_at").run()
        try await sql.create(index: "training_attempts_passed").on("training_attempts").column("workspace_id").column("passed").column("user_id").column("course_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("training_attempts").delete()
        try await RecordTable<PhishingDrill>().drop(on: database)
        try await RecordTable<CompetenceRecord>().drop(on: database)
        try await RecordTable<CompetenceRequirement>().drop(on: database)
        try await RecordTable<Campaign>().drop(on: database)
        try await RecordTable<Course>().drop(on: database)
    }
}

/// The training stores.
public struct TrainingStore: Sendable {
    let sql: any SQLDatabase
    public var courses: RecordStore<Course> { RecordStore(sql: sql) }
    public var campaigns: RecordStore<Campaign> { RecordStore(sql: sql) }
    public var requirements: RecordStore<CompetenceRequirement> { RecordStore(sql: sql) }
    public var records: RecordStore<CompetenceRecord> { RecordStore(sql: sql) }
    public var drills: RecordStore<PhishingDrill> { RecordStore(sql: sql) }
    public var attempts: AttemptStore { AttemptStore(sql: sql) }
}
