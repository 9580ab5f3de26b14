import Domain
import FluentKit
import Foundation
import SQLKit

/// Notices in the app, the outbox of e-mails and webhook posts, people's choices, workspaces'
/// settings and the scan schedule.
public struct NotificationStore: Sendable {
    let sql: any SQLDatabase
    let engine: Store.Engine

    static let chunk = 400

    // MARK: Notices in the app (and the keys of notices already given)

    /// Which of these keys were recorded already.
    public func existingKeys(_ keys: [String]) async throws -> Set<String> {
        var found: Set<String> = []
        for start in stride(from: 0, to: keys.count, by: Self.chunk) {
            let part = Array(keys[start..<min(keys.count, start + Self.chunk)])
            let rows = try await sql.select().column("key").from("notifications").where("key", .in, SQLBind.group(part)).all()
            for row in rows { found.insert(try row.decode(column: "key", as: String.self)) }
        }
        return found
    }

    /// Records notices; `shown: false` rows only remember a key. Keys already present are skipped.
    public func insert(_ notices: [(AppNotification, key: String, shown: Bool)]) async throws {
        for start in stride(from: 0, to: notices.count, by: 100) {
            let part = notices[start..<min(notices.count, start + 100)]
            let insert = sql.insert(into: "notifications")
                .columns("id", "key", "workspace_id", "user_id", "kind", "title_key", "params", "link", "due_on", "shown", "created_at", "read_at")
            for (n, key, shown) in part {
                insert.values(SQLBind(n.id.uuid), SQLBind(key), SQLBind(n.workspaceID.uuid), SQLBind(n.userID.uuid), SQLBind(n.kind.rawValue),
                              SQLBind(n.titleKey), SQLBind(Self.encode(n.params)), SQLBind(n.link), SQLBind(n.due?.description), SQLBind(shown),
                              SQLBind(stored(n.createdAt)), SQLBind(stored(n.readAt)))
            }
            try await insert.ignoringConflicts(with: ["key"]).run()
        }
    }

    func notification(_ r: RowReader) throws -> AppNotification {
        AppNotification(id: .init(try r.uuid("id")), workspaceID: .init(try r.uuid("workspace_id")), userID: .init(try r.uuid("user_id")),
                        kind: NoticeKind(rawValue: try r.string("kind")) ?? .assigned, titleKey: try r.string("title_key"),
                        params: Self.decode(try r.string("params")), link: try r.string("link"), due: CalendarDate(stored: try r.optionalString("due_on")),
                        createdAt: try r.date("created_at"), readAt: try r.optionalDate("read_at"))
    }

    /// A person's notices, newest first; `workspace` narrows to one (a workspace-limited API token).
    public func list(user: User.ID, workspace: Workspace.ID? = nil, unreadOnly: Bool = false, page: Domain.PageRequest) async throws -> Domain.Page<AppNotification> {
        let query = sql.select().column("*").from("notifications").where("user_id", .equal, SQLBind(user.uuid)).where("shown", .equal, SQLBind(true))
        if let workspace { query.where("workspace_id", .equal, SQLBind(workspace.uuid)) }
        if unreadOnly { query.where("read_at", .is, SQLLiteral.null) }
        if let cursor = page.cursor.flatMap(Cursor.decode), let millis = Double(cursor.key), let id = UUID(uuidString: cursor.id) {
            let at = Date(timeIntervalSince1970: millis / 1000)
            query.where { $0.where("created_at", .lessThan, SQLBind(at)).orWhere { $0.where("created_at", .equal, SQLBind(at)).where("id", .lessThan, SQLBind(id)) } }
        }
        let rows = try await query.orderBy("created_at", .descending).orderBy("id", .descending).limit(page.limit + 1).all()
        let items = try rows.prefix(page.limit).map { try notification(RowReader(row: $0)) }
        let next = rows.count > page.limit ? items.last.map { Cursor(key: String(Int64(($0.createdAt.timeIntervalSince1970 * 1000).rounded())), id: $0.id.uuid.uuidString).encoded } : nil
        return Domain.Page(items: items, nextCursor: next)
    }

    /// One of the person's notices (another's is nil).
    public func load(_ id: AppNotification.ID, user: User.ID) async throws -> AppNotification? {
        try await sql.select().column("*").from("notifications").where("id", .equal, SQLBind(id.uuid)).where("user_id", .equal, SQLBind(user.uuid))
            .where("shown", .equal, SQLBind(true)).first().map { try notification(RowReader(row: $0)) }
    }

    public func unreadCount(user: User.ID, workspace: Workspace.ID? = nil) async throws -> Int {
        let query = sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("notifications")
            .where("user_id", .equal, SQLBind(user.uuid)).where("shown", .equal, SQLBind(true)).where("read_at", .is, SQLLiteral.null)
        if let workspace { query.where("workspace_id", .equal, SQLBind(workspace.uuid)) }
        return try await query.first().map { try $0.decode(column: "n", as: Int.self) } ?? 0
    }

    /// Marks the person's notices read (all unread ones when `ids` is nil); returns how many changed.
    @discardableResult
    public func markRead(user: User.ID, ids: [AppNotification.ID]?, workspace: Workspace.ID? = nil, at date: Date) async throws -> Int {
        let query = sql.update("notifications").set("read_at", to: SQLBind(stored(date)))
            .where("user_id", .equal, SQLBind(user.uuid)).where("read_at", .is, SQLLiteral.null)
        if let ids { query.where("id", .in, SQLBind.group(ids.map(\.uuid))) }
        if let workspace { query.where("workspace_id", .equal, SQLBind(workspace.uuid)) }
        let before = try await unreadCount(user: user, workspace: workspace)
        try await query.run()
        return before - (try await unreadCount(user: user, workspace: workspace))
    }

    /// Forgets notices older than the retention period.
    public func prune(before date: Date) async throws {
        try await sql.delete(from: "notifications").where("created_at", .lessThan, SQLBind(stored(date))).run()
        try await sql.delete(from: "deliveries").where("created_at", .lessThan, SQLBind(stored(date))).where("status", .notEqual, SQLBind("pending")).run()
    }

    // MARK: The outbox

    /// Adds messages; one whose key is already there is skipped (it was sent, or is waiting).
    public func enqueue(_ deliveries: [Delivery]) async throws {
        for start in stride(from: 0, to: deliveries.count, by: 100) {
            let part = deliveries[start..<min(deliveries.count, start + 100)]
            let insert = sql.insert(into: "deliveries")
                .columns("id", "key", "workspace_id", "user_id", "channel", "kind", "recipient", "subject", "body", "status", "attempts",
                         "next_attempt_at", "last_error", "created_at", "sent_at")
            for d in part {
                insert.values(SQLBind(d.id.uuid), SQLBind(d.key), SQLBind(d.workspaceID?.uuid), SQLBind(d.userID?.uuid), SQLBind(d.channel.rawValue),
                              SQLBind(d.kind.rawValue), SQLBind(d.recipient), SQLBind(d.subject), SQLBind(d.body), SQLBind(d.status.rawValue),
                              SQLBind(d.attempts), SQLBind(stored(d.nextAttemptAt)), SQLBind(d.lastError), SQLBind(stored(d.createdAt)), SQLBind(stored(d.sentAt)))
            }
            try await insert.ignoringConflicts(with: ["key"]).run()
        }
    }

    func delivery(_ r: RowReader) throws -> Delivery {
        Delivery(id: .init(try r.uuid("id")), key: try r.string("key"), workspaceID: try r.optionalUUID("workspace_id").map(Workspace.ID.init),
                 userID: try r.optionalUUID("user_id").map(User.ID.init), channel: Delivery.Channel(rawValue: try r.string("channel")) ?? .email,
                 kind: NoticeKind(rawValue: try r.string("kind")) ?? .test, recipient: try r.string("recipient"), subject: try r.string("subject"),
                 body: try r.optionalString("body"), status: Delivery.Status(rawValue: try r.string("status")) ?? .pending, attempts: try r.int("attempts"),
                 nextAttemptAt: try r.date("next_attempt_at"), lastError: try r.optionalString("last_error"), createdAt: try r.date("created_at"),
                 sentAt: try r.optionalDate("sent_at"))
    }

    /// Takes up to `limit` pending messages whose time has come and that no live process holds,
    /// and leases them to `worker` until `leaseUntil` (a process that dies lets its lease run out
    /// and another takes the messages over). One statement: on PostgreSQL the rows are locked with
    /// `FOR UPDATE SKIP LOCKED`, so instances sharing the queue never take the same message; on
    /// SQLite one process owns the file and its writes are serialised. Each claim counts an attempt.
    public func claim(limit: Int, worker: String, now: Date, leaseUntil: Date) async throws -> [Delivery] {
        let lock = engine == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let query: SQLQueryString = """
            UPDATE deliveries SET leased_until = \(bind: stored(leaseUntil)), leased_by = \(bind: worker), attempts = attempts + 1
            WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= \(bind: stored(now))
                AND (leased_until IS NULL OR leased_until < \(bind: stored(now))) ORDER BY next_attempt_at, id LIMIT \(literal: limit)\(unsafeRaw: lock))
            RETURNING *
            """
        return try await sql.raw(query).all().map { try delivery(RowReader(row: $0)) }.sorted { $0.nextAttemptAt == $1.nextAttemptAt ? $0.id < $1.id : $0.nextAttemptAt < $1.nextAttemptAt }
    }

    /// The server accepted the message: sent, the body forgotten. Only the lease holder records it.
    public func markSent(_ id: Delivery.ID, worker: String, at date: Date) async throws {
        try await sql.update("deliveries").set("status", to: SQLBind("sent")).set("sent_at", to: SQLBind(stored(date)))
            .set("body", to: SQLLiteral.null).set("leased_until", to: SQLLiteral.null).set("last_error", to: SQLLiteral.null)
            .where("id", .equal, SQLBind(id.uuid)).where("status", .equal, SQLBind("pending")).run()
    }

    /// Not delivered: tried again after a pause, or failed for good after the last attempt.
    public func markFailed(_ id: Delivery.ID, attempts: Int, error: String, now: Date) async throws {
        let final = attempts >= DeliveryRetry.maxAttempts
        try await sql.update("deliveries").set("status", to: SQLBind(final ? "failed" : "pending"))
            .set("next_attempt_at", to: SQLBind(stored(now.addingTimeInterval(DeliveryRetry.delay(afterAttempt: attempts)))))
            .set("leased_until", to: SQLLiteral.null).set("last_error", to: SQLBind(String(error.prefix(1000))))
            .where("id", .equal, SQLBind(id.uuid)).where("status", .equal, SQLBind("pending")).run()
    }

    /// Puts failed messages back in the queue (after the settings were fixed).
    @discardableResult
    public func retryFailed(now: Date) async throws -> Int {
        let count = try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("deliveries").where("status", .equal, SQLBind("failed"))
            .first().map { try $0.decode(column: "n", as: Int.self) } ?? 0
        try await sql.update("deliveries").set("status", to: SQLBind("pending")).set("attempts", to: SQLBind(0)).set("next_attempt_at", to: SQLBind(stored(now)))
            .where("status", .equal, SQLBind("failed")).run()
        return count
    }

    public struct QueueStatus: Sendable, Hashable {
        public var pending: Int
        public var retrying: Int
        public var failed: [Delivery]
        public var sentSince: Int
    }

    /// What `meguri notify status` shows: waiting, waiting after a failure, failed for good (with
    /// the reason), sent since `since`.
    public func status(since: Date, failedLimit: Int = 20) async throws -> QueueStatus {
        func count(_ build: (SQLSelectBuilder) -> SQLSelectBuilder) async throws -> Int {
            try await build(sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("deliveries")).first()
                .map { try $0.decode(column: "n", as: Int.self) } ?? 0
        }
        let pending = try await count { $0.where("status", .equal, SQLBind("pending")) }
        let retrying = try await count { $0.where("status", .equal, SQLBind("pending")).where("last_error", .isNot, SQLLiteral.null) }
        let sent = try await count { $0.where("status", .equal, SQLBind("sent")).where("sent_at", .greaterThanOrEqual, SQLBind(stored(since))) }
        let failed = try await sql.select().column("*").from("deliveries").where("status", .equal, SQLBind("failed"))
            .orderBy("created_at", .descending).limit(failedLimit).all().map { try delivery(RowReader(row: $0)) }
        return QueueStatus(pending: pending, retrying: retrying, failed: failed, sentSince: sent)
    }

    /// One message by key (tests and the reliability check).
    public func delivery(key: String) async throws -> Delivery? {
        try await sql.select().column("*").from("deliveries").where("key", .equal, SQLBind(key)).first().map { try delivery(RowReader(row: $0)) }
    }

    // MARK: People's choices

    public func preferences(of user: User.ID) async throws -> (NotificationPreferences, unsubscribeToken: String?) {
        guard let row = try await sql.select().column("preferences").column("unsubscribe_token").from("notification_preferences")
            .where("user_id", .equal, SQLBind(user.uuid)).first() else { return (NotificationPreferences(), nil) }
        let r = RowReader(row: row)
        let prefs = (try? JSONDecoder().decode(NotificationPreferences.self, from: Data(try r.string("preferences").utf8))) ?? NotificationPreferences()
        return (prefs, try r.string("unsubscribe_token"))
    }

    /// Everyone's choices in one read (the scan of a workspace).
    public func preferences(of users: [User.ID]) async throws -> [User.ID: NotificationPreferences] {
        var result: [User.ID: NotificationPreferences] = [:]
        for start in stride(from: 0, to: users.count, by: Self.chunk) {
            let part = users[start..<min(users.count, start + Self.chunk)].map(\.uuid)
            for row in try await sql.select().column("user_id").column("preferences").from("notification_preferences").where("user_id", .in, SQLBind.group(part)).all() {
                let r = RowReader(row: row)
                if let prefs = try? JSONDecoder().decode(NotificationPreferences.self, from: Data(try r.string("preferences").utf8)) {
                    result[User.ID(try r.uuid("user_id"))] = prefs
                }
            }
        }
        return result
    }

    /// The person holding an unsubscribe token.
    public func user(unsubscribeToken token: String) async throws -> User.ID? {
        try await sql.select().column("user_id").from("notification_preferences").where("unsubscribe_token", .equal, SQLBind(token)).first()
            .map { User.ID(try RowReader(row: $0).uuid("user_id")) }
    }

    public func save(_ preferences: NotificationPreferences, of user: User.ID, unsubscribeToken: String, at date: Date) async throws {
        let json = String(decoding: try JSONEncoder().encode(preferences), as: UTF8.self)
        try await sql.delete(from: "notification_preferences").where("user_id", .equal, SQLBind(user.uuid)).run()
        try await sql.insert(into: "notification_preferences").columns("user_id", "preferences", "unsubscribe_token", "updated_at")
            .values(SQLBind(user.uuid), SQLBind(json), SQLBind(unsubscribeToken), SQLBind(stored(date))).run()
    }

    /// Unsubscribe tokens for many people, created for those who have none yet.
    public func unsubscribeTokens(for users: [User.ID], at date: Date) async throws -> [User.ID: String] {
        var tokens: [User.ID: String] = [:]
        for start in stride(from: 0, to: users.count, by: Self.chunk) {
            let part = users[start..<min(users.count, start + Self.chunk)].map(\.uuid)
            for row in try await sql.select().column("user_id").column("unsubscribe_token").from("notification_preferences").where("user_id", .in, SQLBind.group(part)).all() {
                let r = RowReader(row: row)
                tokens[User.ID(try r.uuid("user_id"))] = try r.string("unsubscribe_token")
            }
        }
        let missing = users.filter { tokens[$0] == nil }
        let json = String(decoding: try JSONEncoder().encode(NotificationPreferences()), as: UTF8.self)
        for start in stride(from: 0, to: missing.count, by: 100) {
            let insert = sql.insert(into: "notification_preferences").columns("user_id", "preferences", "unsubscribe_token", "updated_at")
            for user in missing[start..<min(missing.count, start + 100)] {
                let token = Secret.random(bytes: 24)
                tokens[user] = token
                insert.values(SQLBind(user.uuid), SQLBind(json), SQLBind(token), SQLBind(stored(date)))
            }
            try await insert.ignoringConflicts(with: ["user_id"]).run()
        }
        // A concurrent scan may have won the race for some: read back what is stored.
        if !missing.isEmpty {
            for row in try await sql.select().column("user_id").column("unsubscribe_token").from("notification_preferences")
                .where("user_id", .in, SQLBind.group(missing.prefix(Self.chunk).map(\.uuid))).all() {
                let r = RowReader(row: row)
                tokens[User.ID(try r.uuid("user_id"))] = try r.string("unsubscribe_token")
            }
        }
        return tokens
    }

    // MARK: Workspace settings

    public func settings(of workspace: Workspace.ID) async throws -> NotificationSettings? {
        guard let row = try await sql.select().column("*").from("notification_settings").where("workspace_id", .equal, SQLBind(workspace.uuid)).first() else { return nil }
        let r = RowReader(row: row)
        return NotificationSettings(dueSoonDays: try r.int("due_soon_days"), webhookURL: try r.optionalString("webhook_url"),
                                    webhookFormat: WebhookFormat(rawValue: try r.string("webhook_format")) ?? .slack,
                                    webhookLanguage: Language(rawValue: try r.string("webhook_language")) ?? .ja, webhookSecret: try r.string("webhook_secret"),
                                    version: try r.int("version"))
    }

    public func save(_ settings: NotificationSettings, of workspace: Workspace.ID, at date: Date) async throws {
        try await sql.delete(from: "notification_settings").where("workspace_id", .equal, SQLBind(workspace.uuid)).run()
        try await sql.insert(into: "notification_settings")
            .columns("workspace_id", "due_soon_days", "webhook_url", "webhook_format", "webhook_language", "webhook_secret", "version", "updated_at")
            .values(SQLBind(workspace.uuid), SQLBind(settings.dueSoonDays), SQLBind(settings.webhookURL), SQLBind(settings.webhookFormat.rawValue),
                    SQLBind(settings.webhookLanguage.rawValue),
                    SQLBind(settings.webhookSecret), SQLBind(settings.version), SQLBind(stored(date))).run()
    }

    // MARK: The scan schedule

    /// Takes the scan of a workspace whose time has come, unless another process holds it. Returns
    /// whether this process got it, and when the workspace was last scanned (nil: never).
    public func claimScan(of workspace: Workspace.ID, worker: String, now: Date, leaseUntil: Date, force: Bool = false) async throws -> (claimed: Bool, lastScan: Date?) {
        try await sql.insert(into: "notification_scans").columns("workspace_id", "next_at")
            .values(SQLBind(workspace.uuid), SQLBind(stored(now))).ignoringConflicts(with: ["workspace_id"]).run()
        let query = sql.update("notification_scans").set("leased_until", to: SQLBind(stored(leaseUntil))).set("leased_by", to: SQLBind(worker))
            .where("workspace_id", .equal, SQLBind(workspace.uuid))
            .where { $0.where("leased_until", .is, SQLLiteral.null).orWhere("leased_until", .lessThan, SQLBind(stored(now))) }
        if !force { query.where("next_at", .lessThanOrEqual, SQLBind(stored(now))) }
        try await query.run()
        guard let row = try await sql.select().column("leased_by").column("last_scan_at").from("notification_scans")
            .where("workspace_id", .equal, SQLBind(workspace.uuid)).first() else { return (false, nil) }
        let r = RowReader(row: row)
        return (try r.optionalString("leased_by") == worker, try r.optionalDate("last_scan_at"))
    }

    public func finishScan(of workspace: Workspace.ID, worker: String, at date: Date, next: Date) async throws {
        try await sql.update("notification_scans").set("leased_until", to: SQLLiteral.null).set("leased_by", to: SQLLiteral.null)
            .set("last_scan_at", to: SQLBind(stored(date))).set("next_at", to: SQLBind(stored(next)))
            .where("workspace_id", .equal, SQLBind(workspace.uuid)).where("leased_by", .equal, SQLBind(worker)).run()
    }

    public func releaseScan(of workspace: Workspace.ID, worker: String) async throws {
        try await sql.update("notification_scans").set("leased_until", to: SQLLiteral.null).set("leased_by", to: SQLLiteral.null)
            .where("workspace_id", .equal, SQLBind(workspace.uuid)).where("leased_by", .equal, SQLBind(worker)).run()
    }

    static func encode(_ params: [String: String]) -> String {
        String(decoding: (try? JSONEncoder().encode(params)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode(_ text: String) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }
}

extension Reader { public var notifications: NotificationStore { NotificationStore(sql: sql, engine: engine) } }
extension Writer { public var notifications: NotificationStore { NotificationStore(sql: connection, engine: engine) } }

/// Notifications: the app's list, the outbox, choices, settings and the scan schedule.
struct CreateNotifications: AsyncMigration {
    var name: String { "0019_notifications" }

    func prepare(on database: any Database) async throws {
        try await database.schema("notifications")
            .field("id", .uuid, .identifier(auto: false))
            .field("key", .string, .required)
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("title_key", .string, .required)
            .field("params", .string, .required)
            .field("link", .string, .required)
            .field("due_on", .string)
            .field("shown", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("read_at", .datetime)
            .unique(on: "key")
            .create()
        try await database.schema("deliveries")
            .field("id", .uuid, .identifier(auto: false))
            .field("key", .string, .required)
            .field("workspace_id", .uuid, .references("workspaces", "id", onDelete: .cascade))
            .field("user_id", .uuid, .references("users", "id", onDelete: .cascade))
            .field("channel", .string, .required)
            .field("kind", .string, .required)
            .field("recipient", .string, .required)
            .field("subject", .string, .required)
            .field("body", .string)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("leased_until", .datetime)
            .field("leased_by", .string)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .unique(on: "key")
            .create()
        try await database.schema("notification_preferences")
            .field("user_id", .uuid, .identifier(auto: false), .references("users", "id", onDelete: .cascade))
            .field("preferences", .string, .required)
            .field("unsubscribe_token", .string, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "unsubscribe_token")
            .create()
        try await database.schema("notification_settings")
            .field("workspace_id", .uuid, .identifier(auto: false), .references("workspaces", "id", onDelete: .cascade))
            .field("due_soon_days", .int, .required)
            .field("webhook_url", .string)
            .field("webhook_format", .string, .required)
            .field("webhook_language", .string, .required)
            .field("webhook_secret", .string, .required)
            .field("version", .int, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("notification_scans")
            .field("workspace_id", .uuid, .identifier(auto: false), .references("workspaces", "id", onDelete: .cascade))
            .field("next_at", .datetime, .required)
            .field("leased_until", .datetime)
            .field("leased_by", .string)
            .field("last_scan_at", .datetime)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "notifications_by_user").on("notifications").column("user_id").column("shown").column("created_at").run()
        try await sql.create(index: "notifications_by_age").on("notifications").column("created_at").run()
        try await sql.create(index: "deliveries_queue").on("deliveries").column("status").column("next_attempt_at").run()
        try await sql.create(index: "deliveries_by_age").on("deliveries").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["notification_scans", "notification_settings", "notification_preferences", "deliveries", "notifications"] {
            try await database.schema(table).delete()
        }
    }
}
