import Crypto
import Foundation

/// What a notice tells a person. Each kind can be turned off for e-mail on its own (the one-click
/// unsubscribe of RFC 8058 names the kind).
public enum NoticeKind: String, Sendable, Codable, CaseIterable {
    /// Something now awaits you: an assignment, an approval, an answer.
    case assigned
    /// Due within the workspace's warning period.
    case dueSoon
    /// Past its due date: once, then once a week.
    case overdue
    /// The daily or weekly list of "my work".
    case digest
    case invitation
    case passwordReset
    /// `meguri notify send-test`.
    case test

    /// The kinds a person may turn off; invitations and resets are asked for, never unsolicited.
    public static let optional: [NoticeKind] = [.assigned, .dueSoon, .overdue, .digest]
}

/// Where a person is told.
public enum NoticeChannel: String, Sendable, Codable, CaseIterable {
    case app, email
}

public enum DigestFrequency: String, Sendable, Codable, CaseIterable {
    case daily, weekly, none
}

/// A person's choices: how often each channel carries the digest, and which kinds of notice
/// they do not want by e-mail.
public struct NotificationPreferences: Sendable, Codable, Hashable {
    public var digest: [NoticeChannel: DigestFrequency]
    public var mutedEmail: Set<NoticeKind>

    public init(digest: [NoticeChannel: DigestFrequency] = [.app: .none, .email: .weekly], mutedEmail: Set<NoticeKind> = []) {
        self.digest = digest
        self.mutedEmail = mutedEmail
    }

    public func digestFrequency(_ channel: NoticeChannel) -> DigestFrequency { digest[channel] ?? (channel == .email ? .weekly : .none) }

    /// Whether a notice of `kind` goes out by e-mail.
    public func emails(_ kind: NoticeKind) -> Bool {
        if kind == .digest { return digestFrequency(.email) != .none }
        return !mutedEmail.contains(kind)
    }

    /// Turns one kind off for e-mail (a digest off is frequency none).
    public mutating func unsubscribe(_ kind: NoticeKind) {
        if kind == .digest { digest[.email] = DigestFrequency.none } else { mutedEmail.insert(kind) }
    }

    enum CodingKeys: String, CodingKey { case digest, mutedEmail }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let raw = try c.decodeIfPresent([String: String].self, forKey: .digest) ?? [:]
        var digest: [NoticeChannel: DigestFrequency] = [.app: .none, .email: .weekly]
        for (key, value) in raw { if let channel = NoticeChannel(rawValue: key), let frequency = DigestFrequency(rawValue: value) { digest[channel] = frequency } }
        self.digest = digest
        self.mutedEmail = Set((try c.decodeIfPresent([String].self, forKey: .mutedEmail) ?? []).compactMap(NoticeKind.init(rawValue:)))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Dictionary(uniqueKeysWithValues: digest.map { ($0.key.rawValue, $0.value.rawValue) }), forKey: .digest)
        try c.encode(mutedEmail.map(\.rawValue).sorted(), forKey: .mutedEmail)
    }
}

/// How a workspace's webhook writes its message.
public enum WebhookFormat: String, Sendable, Codable, CaseIterable {
    /// Slack's incoming webhook (`text`).
    case slack
    /// A Microsoft Teams Workflows webhook: an Adaptive Card.
    case teams
    /// Only the structured item.
    case json
}

/// A workspace's notification settings.
public struct NotificationSettings: Sendable, Codable, Hashable {
    public static let dueSoonRange = 1...60
    /// "Due soon" this many days before the due date (default 7).
    public var dueSoonDays: Int
    public var webhookURL: String?
    public var webhookFormat: WebhookFormat
    /// The language of the webhook's text (a channel is read by many).
    public var webhookLanguage: Language
    /// The key of `X-Meguri-Signature` (HMAC-SHA256 of the body).
    public var webhookSecret: String
    public var version: Int

    public init(dueSoonDays: Int = 7, webhookURL: String? = nil, webhookFormat: WebhookFormat = .slack, webhookLanguage: Language = .ja,
                webhookSecret: String = Secret.random(), version: Int = 0) {
        self.webhookLanguage = webhookLanguage
        self.dueSoonDays = dueSoonDays
        self.webhookURL = webhookURL
        self.webhookFormat = webhookFormat
        self.webhookSecret = webhookSecret
        self.version = version
    }
}

/// The settings form as typed.
public struct NotificationSettingsInput: Sendable, Codable {
    public var dueSoonDays: String?
    public var webhookURL: String?
    public var webhookFormat: String?
    public var webhookLanguage: String?
    public init(dueSoonDays: String? = nil, webhookURL: String? = nil, webhookFormat: String? = nil, webhookLanguage: String? = nil) {
        self.dueSoonDays = dueSoonDays; self.webhookURL = webhookURL; self.webhookFormat = webhookFormat; self.webhookLanguage = webhookLanguage
    }

    /// Every problem at once, named by field. A webhook to a loopback, private or link-local
    /// address is refused unless the installation allows it (`allowPrivateHosts`): the server
    /// would otherwise post on a secretariat's behalf into its own network.
    public func validated(onto current: NotificationSettings, allowPrivateHosts: Bool = false) throws -> NotificationSettings {
        var v = Validator()
        var next = current
        if let raw = dueSoonDays {
            let text = Text.halfWidth(raw).trimmingCharacters(in: .whitespaces)
            if let days = Int(text), NotificationSettings.dueSoonRange.contains(days) { next.dueSoonDays = days } else {
                v.add("dueSoonDays", "error.dueSoonDays")
            }
        }
        if let raw = webhookURL {
            let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty {
                next.webhookURL = nil
            } else if !WebhookRules.isAcceptable(text) {
                v.add("webhookUrl", "error.webhookURL")
            } else if !allowPrivateHosts, let host = URL(string: text)?.host, WebhookRules.isPrivate(host: host) {
                v.add("webhookUrl", "error.webhookPrivate")
            } else {
                next.webhookURL = text
            }
        }
        if let raw = webhookFormat {
            if let format = WebhookFormat(rawValue: raw.trimmingCharacters(in: .whitespaces)) { next.webhookFormat = format } else { v.add("webhookFormat", "error.webhookFormat") }
        }
        if let raw = webhookLanguage {
            if let language = Language(rawValue: raw.trimmingCharacters(in: .whitespaces)) { next.webhookLanguage = language } else { v.add("webhookLanguage", "error.language") }
        }
        try v.check()
        return next
    }
}

public enum WebhookRules {
    /// An absolute http(s) address with a host, no credentials, at most 2,000 characters.
    public static func isAcceptable(_ text: String) -> Bool {
        guard text.count <= 2000, let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty, url.user == nil, url.password == nil else { return false }
        return true
    }

    static let privateNetworks = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
                                  "::/128", "::1/128", "fc00::/7", "fe80::/10"].compactMap(IPNetwork.init)

    /// A host name that stays inside the machine or the local network: `localhost`, `.local`,
    /// `.internal`, or a literal loopback, private or link-local address.
    public static func isPrivate(host raw: String) -> Bool {
        let host = raw.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host.hasSuffix(".localhost") || host.hasSuffix(".local") || host.hasSuffix(".internal") || !host.contains(".") && !host.contains(":") {
            return true
        }
        return privateNetworks.contains { $0.contains(host) }
    }

    /// `X-Meguri-Signature`: `sha256=` and the hex HMAC-SHA256 of the body.
    public static func signature(body: Data, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }
}

/// One line of "my work" turned into what a person is told. The key makes a notice happen once:
/// the same item, state and period never produce a second notice.
public struct Notice: Sendable, Hashable, Codable {
    public var kind: NoticeKind
    public var key: String
    public var item: WorkItem

    public init(kind: NoticeKind, key: String, item: WorkItem) {
        self.kind = kind; self.key = key; self.item = item
    }
}

public enum NoticeRules {
    /// What identifies a line of my work across scans: what it asks and where.
    public static func identity(of item: WorkItem) -> String {
        let digest = SHA256.hash(data: Data((item.titleKey + "\u{1F}" + item.link).utf8))
        return digest.prefix(12).map { String(format: "%02x", $0) }.joined()
    }

    /// The notices the items of one person call for today, strongest first per item: overdue (once,
    /// then every seven days), due soon (once per due date), assigned (once). The weaker states an
    /// item has passed are returned as `covered` keys, recorded without telling anyone, so that an
    /// item first seen overdue is not also announced as new.
    public static func notices(for items: [WorkItem], person: String, today: CalendarDate, dueSoonDays: Int) -> (tell: [Notice], covered: [String]) {
        var tell: [Notice] = []
        var covered: [String] = []
        var seen: Set<String> = []
        for item in items {
            let id = identity(of: item)
            guard seen.insert(id).inserted else { continue }
            let assigned = "\(person)|a|\(id)"
            guard let due = item.due else {
                tell.append(Notice(kind: .assigned, key: assigned, item: item))
                continue
            }
            if due < today {
                let weeks = (today.dayNumber - due.dayNumber) / 7
                tell.append(Notice(kind: .overdue, key: "\(person)|o|\(id)|\(due)|\(weeks)", item: item))
                covered += [assigned, "\(person)|d|\(id)|\(due)"]
            } else if due.dayNumber - today.dayNumber <= dueSoonDays {
                tell.append(Notice(kind: .dueSoon, key: "\(person)|d|\(id)|\(due)", item: item))
                covered.append(assigned)
            } else {
                tell.append(Notice(kind: .assigned, key: assigned, item: item))
            }
        }
        return (tell, covered)
    }

    /// The digest's key for today, or nil when the frequency does not call for one today (weekly
    /// digests go out on Mondays).
    public static func digestKey(person: String, channel: NoticeChannel, frequency: DigestFrequency, today: CalendarDate) -> String? {
        switch frequency {
        case .none: return nil
        case .daily: return "\(person)|g|\(channel.rawValue)|\(today)"
        case .weekly: return today.weekday == .monday ? "\(person)|g|\(channel.rawValue)|w\(today)" : nil
        }
    }
}

/// A delivery's retry schedule: 30 s, 1, 2, 4… minutes, at most an hour apart; failed for good
/// after ten attempts (shown by `meguri notify status`).
public enum DeliveryRetry {
    public static let maxAttempts = 10
    public static func delay(afterAttempt attempt: Int) -> TimeInterval {
        min(3600, 30 * pow(2, Double(max(0, attempt - 1))))
    }
}

/// A notice in a person's list in the app.
public struct AppNotification: Sendable, Hashable, Identifiable {
    public typealias ID = Domain.ID<AppNotification>
    public var id: ID
    public var workspaceID: Workspace.ID
    public var userID: User.ID
    public var kind: NoticeKind
    public var titleKey: String
    public var params: [String: String]
    public var link: String
    public var due: CalendarDate?
    public var createdAt: Date
    public var readAt: Date?

    public init(id: ID = ID(), workspaceID: Workspace.ID, userID: User.ID, kind: NoticeKind, titleKey: String, params: [String: String], link: String,
                due: CalendarDate?, createdAt: Date, readAt: Date? = nil) {
        self.id = id; self.workspaceID = workspaceID; self.userID = userID; self.kind = kind; self.titleKey = titleKey
        self.params = params; self.link = link; self.due = due; self.createdAt = createdAt; self.readAt = readAt
    }

    /// Notices are kept this long, read or not.
    public static let retention: TimeInterval = 180 * 86_400
}

/// A message waiting to go out (or gone): one per recipient × notice × period, the key making it so.
public struct Delivery: Sendable, Hashable, Identifiable {
    public typealias ID = Domain.ID<Delivery>
    public enum Channel: String, Sendable, Codable { case email, webhook }
    public enum Status: String, Sendable, Codable { case pending, sent, failed }

    public var id: ID
    public var key: String
    public var workspaceID: Workspace.ID?
    public var userID: User.ID?
    public var channel: Channel
    public var kind: NoticeKind
    /// The e-mail address, or the webhook's URL.
    public var recipient: String
    /// The subject (e-mail) or a one-line summary (webhook), for `notify status`.
    public var subject: String
    /// The whole RFC 5322 message or the JSON body, fixed when enqueued; emptied once sent (it may
    /// hold an invitation link).
    public var body: String?
    public var status: Status
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var createdAt: Date
    public var sentAt: Date?

    public init(id: ID = ID(), key: String, workspaceID: Workspace.ID?, userID: User.ID?, channel: Channel, kind: NoticeKind, recipient: String, subject: String,
                body: String?, status: Status = .pending, attempts: Int = 0, nextAttemptAt: Date, lastError: String? = nil, createdAt: Date, sentAt: Date? = nil) {
        self.id = id; self.key = key; self.workspaceID = workspaceID; self.userID = userID; self.channel = channel; self.kind = kind
        self.recipient = recipient; self.subject = subject; self.body = body; self.status = status; self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt; self.lastError = lastError; self.createdAt = createdAt; self.sentAt = sentAt
    }
}
