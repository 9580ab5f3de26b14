import Domain
import Foundation
import SQLKit
import Synchronization

struct AuditEventRow: Encodable, RowDecodable, BulkRow {
    enum CodingKeys: String, CodingKey, CaseIterable { case id, chainKey = "chain_key", workspaceId = "workspace_id", sequence, occurredAt = "occurred_at", actorKind = "actor_kind", actorUserId = "actor_user_id", actorTokenId = "actor_token_id", actorLabel = "actor_label", entityType = "entity_type", entityId = "entity_id", action, beforeJson = "before_json", afterJson = "after_json", requestId = "request_id", previousHash = "previous_hash", hash }

    var id: UUID
    var chainKey: String
    var workspaceId: UUID?
    var sequence: Int64
    var occurredAt: Date
    var actorKind: String
    var actorUserId: UUID?
    var actorTokenId: UUID?
    var actorLabel: String
    var entityType: String
    var entityId: String
    var action: String
    var beforeJson: String?
    var afterJson: String?
    var requestId: String?
    var previousHash: String
    var hash: String

    init(_ e: AuditEvent) {
        id = e.id.uuid
        chainKey = e.chain.key
        workspaceId = e.workspaceID?.uuid
        sequence = e.sequence
        occurredAt = e.occurredAt
        actorKind = e.actor.kind.rawValue
        actorUserId = e.actor.userID?.uuid
        actorTokenId = e.actor.tokenID?.uuid
        actorLabel = e.actor.label
        entityType = e.entityType
        entityId = e.entityID
        action = e.action
        beforeJson = e.before
        afterJson = e.after
        requestId = e.requestID
        previousHash = e.previousHash
        hash = e.hash
    }

    var binds: [any SQLExpression] {
        [bind(id), bind(chainKey), bind(workspaceId), bind(sequence), bind(occurredAt), bind(actorKind), bind(actorUserId), bind(actorTokenId),
         bind(actorLabel), bind(entityType), bind(entityId), bind(action), bind(beforeJson), bind(afterJson), bind(requestId), bind(previousHash), bind(hash)]
    }

    var event: AuditEvent {
        AuditEvent(id: AuditEvent.ID(id), workspaceID: workspaceId.map(Workspace.ID.init), sequence: sequence,
                   occurredAt: AuditEvent.truncated(occurredAt),
                   actor: Actor(kind: Actor.Kind(rawValue: actorKind) ?? .system, userID: actorUserId.map(User.ID.init),
                                tokenID: actorTokenId.map(ApiToken.ID.init), label: actorLabel),
                   entityType: entityType, entityID: entityId, action: action, before: beforeJson, after: afterJson,
                   requestID: requestId, previousHash: previousHash, hash: hash)
    }
}

/// A chain's last event: its sequence and hash.
struct AuditHead: Sendable {
    var sequence: Int64
    var hash: String
}

/// The chain heads a transaction has locked, so a use case that writes many events locks each chain once.
final class AuditHeads: Sendable {
    let heads = Mutex<[String: AuditHead]>([:])
}

/// Appends events to the trail inside the caller's transaction. The chain head row is locked
/// (`FOR UPDATE` on PostgreSQL; SQLite has one writer at a time), so concurrent writers never fork a chain.
public struct AuditWriter: Sendable {
    let sql: any SQLDatabase
    let heads: AuditHeads

    @discardableResult
    public func append(_ entry: AuditEntry, actor: Actor, requestID: String?, at date: Date) async throws -> AuditEvent {
        let chain = entry.workspaceID.map(AuditChain.workspace) ?? .installation
        let head = try await lockedHead(chain.key)
        var event = AuditEvent(id: AuditEvent.ID(), workspaceID: entry.workspaceID, sequence: head.sequence + 1,
                               occurredAt: AuditEvent.truncated(date), actor: actor, entityType: entry.entityType,
                               entityID: entry.entityID, action: entry.action, before: entry.before, after: entry.after,
                               requestID: requestID, previousHash: head.hash, hash: "")
        event.hash = event.computedHash
        try await sql.insert(into: "audit_events").model(AuditEventRow(event), with: rowEncoder).run()
        try await sql.update("audit_chains").set("last_sequence", to: event.sequence).set("last_hash", to: event.hash)
            .where("chain_key", .equal, chain.key).run()
        heads.heads.withLock { $0[chain.key] = AuditHead(sequence: event.sequence, hash: event.hash) }
        return event
    }

    /// Writes many prepared events of one chain at once (the bulk demo path); same rows, same hashes.
    public func appendBatch(_ entries: [(AuditEntry, Actor, Date)], chain: AuditChain) async throws {
        guard !entries.isEmpty else { return }
        let (rows, head) = Self.rows(entries, after: try await lockedHead(chain.key))
        try await sql.insert(rows, into: "audit_events", chunk: 500)
        try await advance(chain, to: head)
    }

    /// The events' rows chained after `head`, and the head after them: pure, so a bulk write makes
    /// them on another core (`Writer.bulkInsert`).
    static func rows(_ entries: [(AuditEntry, Actor, Date)], after head: AuditHead) -> (rows: [AuditEventRow], head: AuditHead) {
        var head = head
        var rows: [AuditEventRow] = []
        rows.reserveCapacity(entries.count)
        for (entry, actor, date) in entries {
            var event = AuditEvent(id: AuditEvent.ID(), workspaceID: entry.workspaceID, sequence: head.sequence + 1,
                                   occurredAt: AuditEvent.truncated(date), actor: actor, entityType: entry.entityType,
                                   entityID: entry.entityID, action: entry.action, before: entry.before, after: entry.after,
                                   requestID: nil, previousHash: head.hash, hash: "")
            event.hash = event.computedHash
            rows.append(AuditEventRow(event))
            head = AuditHead(sequence: event.sequence, hash: event.hash)
        }
        return (rows, head)
    }

    /// Moves the locked chain's head to the last event written.
    func advance(_ chain: AuditChain, to head: AuditHead) async throws {
        try await sql.update("audit_chains").set("last_sequence", to: head.sequence).set("last_hash", to: head.hash)
            .where("chain_key", .equal, chain.key).run()
        heads.heads.withLock { $0[chain.key] = head }
    }

    /// The chain's head, locked: read first (every chain but a new one has its head, so one
    /// statement); a missing head is created (a concurrent creator's row kept) and read again.
    func lockedHead(_ key: String) async throws -> AuditHead {
        if let cached = heads.heads.withLock({ $0[key] }) { return cached }
        func read() async throws -> AuditHead? {
            guard let row = try await sql.select().column("last_sequence").column("last_hash").from("audit_chains")
                .where("chain_key", .equal, key).for(.update).first() else { return nil }
            return AuditHead(sequence: try row.decode(column: "last_sequence", as: Int64.self), hash: try row.decode(column: "last_hash", as: String.self))
        }
        if let head = try await read() { return head }
        try await sql.insert(into: "audit_chains").columns("chain_key", "last_sequence", "last_hash")
            .values(SQLBind(key), SQLBind(Int64(0)), SQLBind(AuditEvent.genesisHash)).ignoringConflicts(with: ["chain_key"]).run()
        guard let head = try await read() else { throw StorageError.missingChainHead(key) }
        return head
    }
}

public enum StorageError: Error, CustomStringConvertible {
    case missingChainHead(String)
    public var description: String {
        switch self {
        case .missingChainHead(let key): "the audit chain head \(key) could not be read"
        }
    }
}

/// Filters of the workspace audit trail.
public struct AuditFilter: Sendable, Equatable {
    public var actorUserID: User.ID?
    public var entityType: String?
    public var entityID: String?
    public var action: String?
    public var from: Date?
    public var until: Date?

    public init(actorUserID: User.ID? = nil, entityType: String? = nil, entityID: String? = nil, action: String? = nil,
                from: Date? = nil, until: Date? = nil) {
        self.actorUserID = actorUserID
        self.entityType = entityType
        self.entityID = entityID
        self.action = action
        self.from = from
        self.until = until
    }
}

/// Reading the trail: newest first, by chain sequence.
public struct AuditEventStore: Sendable {
    let sql: any SQLDatabase
    let engine: Store.Engine

    public func list(chain: AuditChain, filter: AuditFilter, page: PageRequest) async throws -> Page<AuditEvent> {
        let query = sql.select().column("*").from("audit_events").where("chain_key", .equal, chain.key)
        if let actor = filter.actorUserID { query.where("actor_user_id", .equal, actor.uuid) }
        if let type = filter.entityType { query.where("entity_type", .equal, type) }
        if let id = filter.entityID { query.where("entity_id", .equal, id) }
        if let action = filter.action { query.where("action", .equal, action) }
        if let from = filter.from { query.where("occurred_at", .greaterThanOrEqual, stored(from)) }
        if let until = filter.until { query.where("occurred_at", .lessThan, stored(until)) }
        if let cursor = page.cursor.flatMap(Cursor.decode), let sequence = Int64(cursor.key) {
            query.where("sequence", .lessThan, sequence)
        }
        let rows = try await query.orderBy("sequence", .descending).limit(page.limit + 1).all(AuditEventRow.self)
        let items = rows.prefix(page.limit).map(\.event)
        let next = rows.count > page.limit ? items.last.map { Cursor(key: String($0.sequence), id: $0.id.uuid.uuidString).encoded } : nil
        return Page(items: Array(items), nextCursor: next)
    }

    public func count(chain: AuditChain) async throws -> Int {
        try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("audit_events")
            .where("chain_key", .equal, chain.key).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    public func chainKeys() async throws -> [String] {
        try await sql.select().column("chain_key").from("audit_chains").orderBy("chain_key").all()
            .map { try $0.decode(column: "chain_key", as: String.self) }
    }

    /// Recomputes one chain from its first event, a page at a time, and checks it against the head.
    public func verify(chainKey: String, batchSize: Int = 2000) async throws -> ChainVerification {
        var verifier = ChainVerifier(chain: chainKey)
        var after: Int64 = 0
        while true {
            let rows = try await sql.select().column("*").from("audit_events").where("chain_key", .equal, chainKey)
                .where("sequence", .greaterThan, after).orderBy("sequence").limit(batchSize).all(AuditEventRow.self)
            for row in rows { verifier.feed(row.event) }
            guard let last = rows.last, rows.count == batchSize else { break }
            after = last.sequence
        }
        let head = try await sql.select().column("last_sequence").column("last_hash").from("audit_chains").where("chain_key", .equal, chainKey).first()
        return verifier.finish(headSequence: try head?.decode(column: "last_sequence", as: Int64.self),
                               headHash: try head?.decode(column: "last_hash", as: String.self))
    }
}

extension AuditEventRow {
    init(_ r: RowReader) throws {
        id = try r.uuid("id")
        chainKey = try r.string("chain_key")
        workspaceId = try r.optionalUUID("workspace_id")
        sequence = try r.int64("sequence")
        occurredAt = try r.date("occurred_at")
        actorKind = try r.string("actor_kind")
        actorUserId = try r.optionalUUID("actor_user_id")
        actorTokenId = try r.optionalUUID("actor_token_id")
        actorLabel = try r.string("actor_label")
        entityType = try r.string("entity_type")
        entityId = try r.string("entity_id")
        action = try r.string("action")
        beforeJson = try r.optionalString("before_json")
        afterJson = try r.optionalString("after_json")
        requestId = try r.optionalString("request_id")
        previousHash = try r.string("previous_hash")
        hash = try r.string("hash")
    }
}
