import Crypto
import Foundation

/// One entry of the audit trail: who did what to which record, with the record before and after.
/// Events form one SHA-256 chain per workspace (and one for the installation): each event's hash
/// covers all of its columns and the previous event's hash, so editing or removing any row breaks
/// every later link.
public struct AuditEvent: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<AuditEvent>

    public var id: ID
    /// `nil` for installation-wide events (users, sign-in, setup).
    public var workspaceID: Workspace.ID?
    public var sequence: Int64
    public var occurredAt: Date
    public var actor: Actor
    public var entityType: String
    public var entityID: String
    public var action: String
    /// JSON of the record before the change (`nil` on create).
    public var before: String?
    /// JSON of the record after the change (`nil` on delete).
    public var after: String?
    public var requestID: String?
    public var previousHash: String
    public var hash: String

    public var chain: AuditChain { workspaceID.map(AuditChain.workspace) ?? .installation }

    public init(id: ID, workspaceID: Workspace.ID?, sequence: Int64, occurredAt: Date, actor: Actor, entityType: String,
                entityID: String, action: String, before: String?, after: String?, requestID: String?,
                previousHash: String, hash: String) {
        self.id = id
        self.workspaceID = workspaceID
        self.sequence = sequence
        self.occurredAt = occurredAt
        self.actor = actor
        self.entityType = entityType
        self.entityID = entityID
        self.action = action
        self.before = before
        self.after = after
        self.requestID = requestID
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The hash this event should carry, computed from its own columns.
    public var computedHash: String {
        let fields: [String?] = [
            "meguri-audit-v1", id.description, workspaceID?.description, String(sequence),
            String(AuditEvent.milliseconds(occurredAt)), actor.kind.rawValue, actor.userID?.description,
            actor.tokenID?.description, actor.label, entityType, entityID, action, before, after, requestID, previousHash,
        ]
        // Length-prefixed, with a distinct marker for nil, so no two different events encode alike.
        var data = Data()
        for field in fields {
            if let field {
                let bytes = Data(field.utf8)
                data.append(contentsOf: Array("\(bytes.count):".utf8))
                data.append(bytes)
            } else {
                data.append(contentsOf: Array("-:".utf8))
            }
            data.append(0x0a)
        }
        return SHA256.hash(data: data).hex
    }

    /// Audit timestamps are kept to the millisecond so they survive both databases unchanged.
    public static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    public static func truncated(_ date: Date) -> Date { Date(timeIntervalSince1970: Double(milliseconds(date)) / 1000) }

    /// The hash that precedes the first event of every chain.
    public static let genesisHash = String(repeating: "0", count: 64)
}

public enum AuditChain: Sendable, Hashable, CustomStringConvertible {
    case installation
    case workspace(Workspace.ID)

    /// The key of the chain-head row.
    public var key: String {
        switch self {
        case .installation: "installation"
        case .workspace(let id): id.description
        }
    }

    public var description: String { key }
}

/// A change to be written to the trail; the store assigns sequence, time, and hashes.
public struct AuditEntry: Sendable {
    public var workspaceID: Workspace.ID?
    public var entityType: String
    public var entityID: String
    public var action: String
    public var before: String?
    public var after: String?

    public init(workspaceID: Workspace.ID?, entityType: String, entityID: String, action: String, before: String?, after: String?) {
        self.workspaceID = workspaceID
        self.entityType = entityType
        self.entityID = entityID
        self.action = action
        self.before = before
        self.after = after
    }

    /// An entry whose before/after are the JSON of two values. A create keeps the whole record in
    /// `after` and a delete in `before`; an update keeps, on both sides, only the fields that
    /// changed (and the id), so a long history stays small and says exactly what moved.
    public static func change<T: Encodable>(_ entityType: String, id: String, action: String, workspace: Workspace.ID?,
                                            before: T?, after: T?) -> AuditEntry {
        guard let before, let after else {
            return AuditEntry(workspaceID: workspace, entityType: entityType, entityID: id, action: action,
                              before: before.map(AuditJSON.encode), after: after.map(AuditJSON.encode))
        }
        let (old, new) = AuditJSON.difference(AuditJSON.encode(before), AuditJSON.encode(after))
        return AuditEntry(workspaceID: workspace, entityType: entityType, entityID: id, action: action, before: old, after: new)
    }
}

/// The stable JSON of a record as the trail stores it: sorted keys, ISO 8601 dates.
public enum AuditJSON {
    public static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(AuditJSON.timestamp(date))
        }
        guard let data = try? encoder.encode(value), let text = String(data: data, encoding: .utf8) else { return "null" }
        return text
    }

    /// The two objects reduced to the keys whose values differ, plus `id` when present.
    public static func difference(_ before: String, _ after: String) -> (String, String) {
        guard let old = try? JSONSerialization.jsonObject(with: Data(before.utf8)) as? [String: Any],
              let new = try? JSONSerialization.jsonObject(with: Data(after.utf8)) as? [String: Any] else { return (before, after) }
        func canonical(_ value: Any) -> Data? { try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys]) }
        var keep = Set(old.keys).union(new.keys).filter { key in
            switch (old[key], new[key]) {
            case let (a?, b?): return canonical(a) != canonical(b)
            default: return true
            }
        }
        if old["id"] != nil { keep.insert("id") }
        func subset(_ object: [String: Any]) -> String {
            let filtered = object.filter { keep.contains($0.key) }
            guard let data = try? JSONSerialization.data(withJSONObject: filtered, options: [.sortedKeys, .withoutEscapingSlashes]),
                  let text = String(data: data, encoding: .utf8) else { return "{}" }
            return text
        }
        return (subset(old), subset(new))
    }

    /// `2026-12-07T03:12:08.475Z`: the date's millisecond (rounded, as the trail stores it) in UTC.
    /// Written by hand: `ISO8601FormatStyle` was a quarter of the CPU of a 5,000-row list, and it
    /// formats the `Double` it is given, so `.475` often came out `.474`.
    public static func timestamp(_ date: Date) -> String {
        let milliseconds = AuditEvent.milliseconds(date)
        let (days, rest) = milliseconds.quotientAndRemainder(dividingBy: 86_400_000)
        let (day, millisecond) = rest < 0 ? (days - 1, rest + 86_400_000) : (days, rest)
        let date = CalendarDate(dayNumber: Int(day))
        let (year, month, dayOfMonth) = (Int64(date.year), Int64(date.month), Int64(date.day))
        // Before the Gregorian calendar Foundation counts in the Julian one; whole seconds from it.
        guard (1583...9999).contains(year) else {
            let second = Date(timeIntervalSince1970: Double((milliseconds - millisecond % 1000) / 1000))
            return String(second.formatted(secondStyle).dropLast()) + "." + String(String(millisecond % 1000 + 1000).dropFirst()) + "Z"
        }
        let seconds = millisecond / 1000
        var bytes = [UInt8](repeating: 0, count: 24)
        func digits(_ value: Int64, at start: Int, _ width: Int) {
            var value = value
            for index in stride(from: start + width - 1, through: start, by: -1) {
                bytes[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        digits(year, at: 0, 4); bytes[4] = UInt8(ascii: "-"); digits(month, at: 5, 2); bytes[7] = UInt8(ascii: "-"); digits(dayOfMonth, at: 8, 2)
        bytes[10] = UInt8(ascii: "T"); digits(seconds / 3600, at: 11, 2); bytes[13] = UInt8(ascii: ":"); digits(seconds / 60 % 60, at: 14, 2)
        bytes[16] = UInt8(ascii: ":"); digits(seconds % 60, at: 17, 2); bytes[19] = UInt8(ascii: "."); digits(millisecond % 1000, at: 20, 3)
        bytes[23] = UInt8(ascii: "Z")
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let secondStyle = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)
}

/// What `audit verify` found in one chain.
public struct ChainVerification: Sendable, Equatable {
    public enum Problem: Sendable, Equatable {
        case hashMismatch
        case brokenLink
        case sequenceGap(expected: Int64)
        case headMismatch
    }

    public var chain: String
    public var eventCount: Int
    /// The first event that does not check out, and why.
    public var firstBroken: (id: String, sequence: Int64, problem: Problem)?

    public var isIntact: Bool { firstBroken == nil }

    public init(chain: String, eventCount: Int, firstBroken: (id: String, sequence: Int64, problem: Problem)?) {
        self.chain = chain
        self.eventCount = eventCount
        self.firstBroken = firstBroken
    }

    public static func == (lhs: ChainVerification, rhs: ChainVerification) -> Bool {
        lhs.chain == rhs.chain && lhs.eventCount == rhs.eventCount
            && lhs.firstBroken?.id == rhs.firstBroken?.id && lhs.firstBroken?.problem == rhs.firstBroken?.problem
    }
}

/// Checks a chain incrementally, event by event in sequence order, so a million events need no
/// more memory than one page of them.
public struct ChainVerifier: Sendable {
    public let chain: String
    private var expectedSequence: Int64 = 1
    private var previousHash = AuditEvent.genesisHash
    public private(set) var count = 0
    public private(set) var firstBroken: (id: String, sequence: Int64, problem: ChainVerification.Problem)?

    public init(chain: String) { self.chain = chain }

    public mutating func feed(_ event: AuditEvent) {
        count += 1
        guard firstBroken == nil else { return }
        if event.sequence != expectedSequence {
            firstBroken = (event.id.description, event.sequence, .sequenceGap(expected: expectedSequence))
        } else if event.previousHash != previousHash {
            firstBroken = (event.id.description, event.sequence, .brokenLink)
        } else if event.computedHash != event.hash {
            firstBroken = (event.id.description, event.sequence, .hashMismatch)
        }
        expectedSequence = event.sequence + 1
        previousHash = event.hash
    }

    /// Closes the check against the stored chain head (last sequence and hash).
    public func finish(headSequence: Int64?, headHash: String?) -> ChainVerification {
        var broken = firstBroken
        if broken == nil, let headSequence, headSequence != expectedSequence - 1 || (headHash ?? previousHash) != previousHash {
            broken = ("head", headSequence, .headMismatch)
        }
        return ChainVerification(chain: chain, eventCount: count, firstBroken: broken)
    }
}

/// The record types and actions the trail knows, for filter menus and their labels. Each capability
/// adds its own here (reading them from a million events with DISTINCT would be too slow).
public enum AuditVocabulary {
    public static let entityTypes = ["workspace", "department", "member", "user", "api_token", "classification_labels", "catalog_entry",
                                     "risk_method", "asset", "risk_assessment", "risk", "treatment_action", "process", "audit_programme", "audit",
                                     "checklist_item", "finding", "nonconformity", "management_review", "review_action"]
    public static let actions = ["create", "update", "delete", "sign_in", "sign_in_failed", "sign_out", "password_change", "totp_enable",
                                 "totp_disable", "recovery_codes_regenerate", "revoke", "invitation_create", "invitation_accept",
                                 "password_reset_create", "password_reset", "publish", "revalue_assets", "review", "submit", "approve",
                                 "return_to_draft", "accept", "carry_forward", "inProgress", "reported", "closed", "plan", "implement",
                                 "verifyEffective", "verifyIneffective", "reopen", "hold", "done"]
}
