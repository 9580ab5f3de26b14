import Domain
import FluentKit
import Foundation
import SQLKit

// The annual plan: planned activities are declared records (ADR 0010); everything else on the
// plan is derived from the records of other registers. Calendar feeds are secret addresses a
// calendar program subscribes to.

extension PlanPhase: ColumnRepresentable {}

extension PlannedActivity: StoredRecord {
    public static let schema = RecordSchema<PlannedActivity>(
        table: "planned_activities",
        columns: [.column(\.phase, "phase"), .column(\.ownerID, "owner_id"), .column(\.departmentID, "department_id"), .column(\.startsOn, "starts_on")],
        orders: [RecordOrder("start") { $0.startsOn.description + $0.title }],
        links: { activity in
            var links = activity.references.map { reference -> RecordLink in
                if reference.hasPrefix("A.") { return .control(String(reference.dropFirst(2))) }
                return reference.first?.isNumber == true ? RecordLink(.clause, reference) : .control(reference)
            }
            if let owner = activity.ownerID { links.append(.person(owner)) }
            if let department = activity.departmentID { links.append(.department(department)) }
            return links
        },
        search: { [$0.title, $0.description ?? ""] })
}

/// A secret calendar address: a person's own dated items across their workspaces (`workspaceID`
/// nil), or one workspace's whole plan. The token is kept as it is so the address can be shown
/// again; revoking deletes the row and the next request makes a new one.
public struct CalendarFeed: Sendable, Hashable {
    public var token: String
    public var userID: User.ID
    public var workspaceID: Workspace.ID?
    public var createdAt: Date

    public init(token: String, userID: User.ID, workspaceID: Workspace.ID?, createdAt: Date) {
        self.token = token; self.userID = userID; self.workspaceID = workspaceID; self.createdAt = createdAt
    }
}

public struct CalendarFeedStore: Sendable {
    let sql: any SQLDatabase

    struct Row: Codable {
        var token: String
        var userId: UUID
        var workspaceId: UUID?
        var scope: String
        var createdAt: Date
        enum CodingKeys: String, CodingKey { case token, userId = "user_id", workspaceId = "workspace_id", scope, createdAt = "created_at" }
    }

    /// One feed per person and scope (`me`, or the workspace's id) — a unique key on both.
    static func scope(_ workspace: Workspace.ID?) -> String { workspace?.description ?? "me" }

    func feed(_ r: RowReader) throws -> CalendarFeed {
        CalendarFeed(token: try r.string("token"), userID: User.ID(try r.uuid("user_id")), workspaceID: try r.optionalUUID("workspace_id").map(Workspace.ID.init),
                     createdAt: try r.date("created_at"))
    }

    public func load(token: String) async throws -> CalendarFeed? {
        try await sql.select().column("*").from("calendar_feeds").where("token", .equal, SQLBind(token)).first().map { try feed(RowReader(row: $0)) }
    }

    public func load(user: User.ID, workspace: Workspace.ID?) async throws -> CalendarFeed? {
        try await sql.select().column("*").from("calendar_feeds").where("user_id", .equal, SQLBind(user.uuid))
            .where("scope", .equal, SQLBind(Self.scope(workspace))).first().map { try feed(RowReader(row: $0)) }
    }

    public func insert(_ feed: CalendarFeed) async throws {
        try await sql.insert(into: "calendar_feeds").model(Row(token: feed.token, userId: feed.userID.uuid, workspaceId: feed.workspaceID?.uuid,
                                                             scope: Self.scope(feed.workspaceID), createdAt: stored(feed.createdAt)), with: rowEncoder).run()
    }

    public func delete(user: User.ID, workspace: Workspace.ID?) async throws {
        try await sql.delete(from: "calendar_feeds").where("user_id", .equal, SQLBind(user.uuid)).where("scope", .equal, SQLBind(Self.scope(workspace))).run()
    }
}

/// A dated line of another register, read with only the columns the plan shows (the plan of an
/// enterprise workspace has thousands of them; loading whole records with their links cost most of
/// its time).
public struct DatedLine: Sendable, Hashable {
    /// The record's id as links and the API write it (lowercase).
    public var id: String
    public var title: String
    public var date: CalendarDate
    public var status: String?
    public var ownerID: User.ID?
}

/// The plan's reads of relational registers, by indexed date columns.
public struct PlanReads: Sendable {
    let sql: any SQLDatabase

    func lines(_ table: String, date column: String, owner: String, status: String?, from: CalendarDate, to: CalendarDate, ownedBy: User.ID?,
               in workspace: Workspace.ID) async throws -> [DatedLine] {
        let query = sql.select().column("id").column("title").column(SQLColumn(column), as: "d").column(SQLColumn(owner), as: "o").from(table)
        if let status { query.column(SQLColumn(status), as: "s") }
        if let ownedBy { query.where(owner, .equal, SQLBind(ownedBy.uuid)) }
        return try await query.where("workspace_id", .equal, SQLBind(workspace.uuid))
            .where(column, .greaterThanOrEqual, SQLBind(from.description)).where(column, .lessThanOrEqual, SQLBind(to.description))
            .all().compactMap { row in
                let r = RowReader(row: row)
                guard let day = CalendarDate(try r.string("d")) else { return nil }
                return DatedLine(id: try r.uuid("id").uuidString.lowercased(), title: try r.string("title"), date: day, status: status == nil ? nil : try r.string("s"),
                                 ownerID: try r.optionalUUID("o").map(User.ID.init))
            }
    }

    /// Treatment actions due in the window (cancelled ones included; the source leaves them out).
    public func actionsDue(from: CalendarDate, to: CalendarDate, ownedBy: User.ID? = nil, in workspace: Workspace.ID) async throws -> [DatedLine] {
        try await lines("treatment_actions", date: "due_on", owner: "owner_id", status: "status", from: from, to: to, ownedBy: ownedBy, in: workspace)
    }

    /// Evidence whose last valid day falls in the window.
    public func evidenceExpiring(from: CalendarDate, to: CalendarDate, ownedBy: User.ID? = nil, in workspace: Workspace.ID) async throws -> [DatedLine] {
        try await lines("evidence", date: "valid_until", owner: "collected_by", status: nil, from: from, to: to, ownedBy: ownedBy, in: workspace)
    }
}

extension Reader {
    public var calendarFeeds: CalendarFeedStore { CalendarFeedStore(sql: sql) }
    public var planReads: PlanReads { PlanReads(sql: sql) }
}
extension Writer { public var calendarFeeds: CalendarFeedStore { CalendarFeedStore(sql: connection) } }

/// The annual plan's tables, and the certificate's issue and expiry dates on the workspace.
struct CreateAnnualPlan: AsyncMigration {
    var name: String { "0017_annual_plan" }

    func prepare(on database: any Database) async throws {
        try await RecordTable<PlannedActivity>().sync(on: database)
        try await database.schema("calendar_feeds")
            .field("token", .string, .identifier(auto: false))
            .field("user_id", .uuid, .required, .references("users", "id"))
            .field("workspace_id", .uuid, .references("workspaces", "id"))
            .field("scope", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "user_id", "scope")
            .create()
        try await database.schema("workspaces").field("certificate_issued_on", .string).update()
        try await database.schema("workspaces").field("certificate_expires_on", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("workspaces").deleteField("certificate_expires_on").update()
        try await database.schema("workspaces").deleteField("certificate_issued_on").update()
        try await database.schema("calendar_feeds").delete()
        try await RecordTable<PlannedActivity>().drop(on: database)
    }
}
