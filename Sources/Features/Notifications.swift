import Domain
import Foundation
import Localization
import Storage

/// Hands e-mails to a mail server. The live one is SMTP (`MEGURI_SMTP_URL`); tests use a fake.
public protocol MailTransport: Sendable {
    /// One connection for a batch of messages.
    func open() async throws -> any MailSession
}

public protocol MailSession: Sendable {
    /// Returns when the server accepted the message.
    func send(from: String, to: String, message: String) async throws
    func close() async
}

/// Posts a webhook's body; returns the HTTP status.
public protocol WebhookTransport: Sendable {
    func post(url: String, body: Data, headers: [(String, String)]) async throws -> Int
}

/// How this process tells people: the mail settings (nil: no e-mail), the address in links, and
/// the worker's name and rhythm.
public struct NotifierSettings: Sendable {
    public var mail: SMTPSettings?
    public var baseURL: String
    /// This process in leases (host and process id).
    public var worker: String
    /// How often each workspace's "my work" is compared with what people were told.
    public var scanInterval: TimeInterval = 5 * 60
    /// Digests go out from this local hour.
    public var digestHour = 8
    /// How long a claimed message or scan stays with this process before another may take it.
    public var lease: TimeInterval = 5 * 60
    /// Webhooks may point into the local network (`MEGURI_WEBHOOK_ALLOW_PRIVATE`).
    public var allowPrivateWebhooks = false

    public init(mail: SMTPSettings? = nil, baseURL: String = "http://127.0.0.1:8080",
                worker: String = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)") {
        self.mail = mail
        self.baseURL = baseURL
        self.worker = worker
    }
}

/// People's notices in the app, their choices, the workspace's settings, and the scan that turns
/// "my work" into notices (each once, by key) and queues the e-mails and webhook posts.
public struct Notifications: Sendable {
    let services: AppServices
    public init(services: AppServices) { self.services = services }

    var settings: NotifierSettings { services.notifier }

    // MARK: The list in the app

    public func list(_ user: User, workspace: Workspace.ID? = nil, unreadOnly: Bool = false, page: PageRequest) async throws -> Page<AppNotification> {
        try await services.store.read { try await $0.notifications.list(user: user.id, workspace: workspace, unreadOnly: unreadOnly, page: page) }
    }

    public func notice(_ user: User, _ id: AppNotification.ID) async throws -> AppNotification? {
        try await services.store.read { try await $0.notifications.load(id, user: user.id) }
    }

    public func unreadCount(_ user: User, workspace: Workspace.ID? = nil) async throws -> Int {
        try await services.store.read { try await $0.notifications.unreadCount(user: user.id, workspace: workspace) }
    }

    /// Marks notices read: those named, or every unread one. A person's own reading is not an
    /// ISMS record; it is not written to the audit trail.
    @discardableResult
    public func markRead(_ user: User, ids: [AppNotification.ID]?, workspace: Workspace.ID? = nil) async throws -> Int {
        let now = services.now
        return try await services.store.write { try await $0.notifications.markRead(user: user.id, ids: ids, workspace: workspace, at: now) }
    }

    // MARK: A person's choices

    public func preferences(_ user: User) async throws -> NotificationPreferences {
        try await services.store.read { try await $0.notifications.preferences(of: user.id).0 }
    }

    /// The account page's form: a digest frequency per channel and the kinds sent by e-mail.
    public func savePreferences(_ user: User, digestApp: String?, digestEmail: String?, emailKinds: [String], context: Context) async throws -> NotificationPreferences {
        var v = Validator()
        let app = DigestFrequency(rawValue: digestApp ?? "none")
        let email = DigestFrequency(rawValue: digestEmail ?? "weekly")
        if app == nil { v.add("digestApp", "error.digestFrequency") }
        if email == nil { v.add("digestEmail", "error.digestFrequency") }
        var chosen: Set<NoticeKind> = []
        for raw in emailKinds {
            guard let kind = NoticeKind(rawValue: raw), NoticeKind.optional.contains(kind), kind != .digest else { v.add("emailKinds", "error.noticeKind"); continue }
            chosen.insert(kind)
        }
        try v.check()
        let next = NotificationPreferences(digest: [.app: app!, .email: email!],
                                           mutedEmail: Set(NoticeKind.optional.filter { $0 != .digest && !chosen.contains($0) }))
        let now = services.now
        return try await services.store.write { tx in
            let (before, token) = try await tx.notifications.preferences(of: user.id)
            try await tx.notifications.save(next, of: user.id, unsubscribeToken: token ?? Secret.random(bytes: 24), at: now)
            if before != next {
                try await tx.record(.change("notification_preferences", id: user.id.description, action: "update", workspace: nil, before: before, after: next), context, at: now)
            }
            return next
        }
    }

    /// The one-click unsubscribe (RFC 8058) of a kind of e-mail notice. Answers the person's
    /// choices, or nil for an unknown token.
    public func unsubscribe(token: String, kind: NoticeKind) async throws -> NotificationPreferences? {
        guard NoticeKind.optional.contains(kind) else { throw DomainError.invalid([FieldError(field: "kind", code: "error.noticeKind")]) }
        let now = services.now
        return try await services.store.write { tx in
            guard let user = try await tx.notifications.user(unsubscribeToken: token) else { return nil }
            var (prefs, _) = try await tx.notifications.preferences(of: user)
            let before = prefs
            prefs.unsubscribe(kind)
            guard prefs != before else { return prefs }
            try await tx.notifications.save(prefs, of: user, unsubscribeToken: token, at: now)
            let label = try await tx.users.load(user)?.email ?? user.description
            try await tx.record(.change("notification_preferences", id: user.description, action: "unsubscribe", workspace: nil, before: before, after: prefs),
                                Context(actor: Actor(kind: .user, userID: user, label: label)), at: now)
            return prefs
        }
    }

    // MARK: The workspace's settings

    public func workspaceSettings(_ access: WorkspaceAccess) async throws -> NotificationSettings {
        try access.require(.workspaceManage)
        return try await services.store.read { try await $0.notifications.settings(of: access.workspaceID) } ?? NotificationSettings()
    }

    public func saveWorkspaceSettings(_ access: WorkspaceAccess, _ input: NotificationSettingsInput, rotateSecret: Bool = false, context: Context) async throws -> NotificationSettings {
        try access.require(.workspaceManage)
        let now = services.now
        return try await services.store.write { tx in
            let stored = try await tx.notifications.settings(of: access.workspaceID)
            let before = stored ?? NotificationSettings()
            var after = try input.validated(onto: before, allowPrivateHosts: settings.allowPrivateWebhooks)
            if rotateSecret { after.webhookSecret = Secret.random() }
            guard after != before || stored == nil else { return before }
            after.version = before.version + 1
            try await tx.notifications.save(after, of: access.workspaceID, at: now)
            // The secret itself never goes to the trail; that it changed does.
            var shownBefore = before, shownAfter = after
            shownBefore.webhookSecret = ""; shownAfter.webhookSecret = after.webhookSecret == before.webhookSecret ? "" : "rotated"
            try await tx.record(.change("notification_settings", id: access.workspaceID.description, action: "update", workspace: access.workspaceID,
                                        before: shownBefore, after: shownAfter), context, at: now)
            return after
        }
    }

    // MARK: The scan

    public struct ScanReport: Sendable, Hashable {
        public var people = 0
        public var notices = 0
        public var emails = 0
        public var webhooks = 0
        public var digests = 0
        public var firstScan = false
        /// The longest of the scan's write transactions, in milliseconds (it holds SQLite's write lock).
        public var longestWriteMilliseconds = 0.0
    }

    /// Compares every member's "my work" with what they were told and records what is new, unless
    /// another process is scanning this workspace or its time has not come (`force` ignores the
    /// time, not another process's lease). The first scan of a workspace tells nobody about what
    /// was already waiting (a new installation would otherwise send everything at once); due and
    /// overdue notices still go out. Each group of people is written in its own short transaction.
    public func scan(_ workspace: Workspace, force: Bool = false) async throws -> ScanReport? {
        let now = services.now
        let worker = settings.worker
        let lease = settings.lease
        let claim = try await services.store.bookkeeping { try await $0.notifications.claimScan(of: workspace.id, worker: worker, now: now, leaseUntil: now.addingTimeInterval(lease), force: force) }
        guard claim.claimed else { return nil }
        do {
            var report = try await scanClaimed(workspace, firstScan: claim.lastScan == nil, now: now)
            report.firstScan = claim.lastScan == nil
            let next = now.addingTimeInterval(settings.scanInterval)
            try await services.store.bookkeeping { try await $0.notifications.finishScan(of: workspace.id, worker: worker, at: now, next: next) }
            return report
        } catch {
            try? await services.store.bookkeeping { try await $0.notifications.releaseScan(of: workspace.id, worker: worker) }
            throw error
        }
    }

    struct Person {
        var member: Member
        var user: User
        var language: Language
        var items: [WorkItem]
    }

    func scanClaimed(_ workspace: Workspace, firstScan: Bool, now: Date) async throws -> ScanReport {
        let today = CalendarDate(now, in: workspace.zone)
        let hour = Calendar.gregorian(in: workspace.zone).component(.hour, from: now)
        let (config, members) = try await services.store.read { db in
            (try await db.notifications.settings(of: workspace.id) ?? NotificationSettings(), try await db.members.all(in: workspace.id))
        }
        let users = try await services.store.read { try await $0.users.loadAll(members.map(\.userID)) }
        let prefs = try await services.store.read { try await $0.notifications.preferences(of: members.map(\.userID)) }
        let sources = services.workItemSources
        var report = ScanReport()
        let memo = WorkReadMemo()
        for start in stride(from: 0, to: members.count, by: 100) {
            var people: [Person] = []
            for member in members[start..<min(members.count, start + 100)] {
                guard let user = users[member.userID], !user.isDisabled, user.hasPassword else { continue }
                let permissions = AccessPolicy.permissions(grants: member.grants, isAdministrator: user.isAdministrator, on: today)
                guard !permissions.isEmpty else { continue }
                let access = WorkspaceAccess(workspace: workspace, user: user, member: member, permissions: permissions, today: today)
                let items = try await WorkReadMemo.$current.withValue(memo) { try await services.store.read { reader in
                    var all: [WorkItem] = []
                    for source in sources { all += try await source.items(for: access, reader: reader, now: now) }
                    return WorkItem.ordered(all)
                } }
                people.append(Person(member: member, user: user, language: user.language ?? .ja, items: items))
            }
            report.people += people.count
            let started = ContinuousClock.now
            let part = try await record(people, workspace: workspace, config: config, prefs: prefs, today: today, digestTime: hour >= settings.digestHour,
                                        firstScan: firstScan, now: now)
            report.notices += part.notices
            report.emails += part.emails
            report.webhooks += part.webhooks
            report.digests += part.digests
            let elapsed = ContinuousClock.now - started
            report.longestWriteMilliseconds = max(report.longestWriteMilliseconds,
                                                  Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        return report
    }

    /// One transaction for a group of people: the notices not given yet, their e-mails and posts.
    func record(_ people: [Person], workspace: Workspace, config: NotificationSettings, prefs: [User.ID: NotificationPreferences], today: CalendarDate,
                digestTime: Bool, firstScan: Bool, now: Date) async throws -> ScanReport {
        struct Candidate { var person: Person; var notice: Notice; var shown: Bool; var channel: NoticeChannel? }
        var candidates: [Candidate] = []
        var covered: [(Person, String)] = []
        for person in people {
            let id = person.user.id.description
            let (tell, cover) = NoticeRules.notices(for: person.items, person: id, today: today, dueSoonDays: config.dueSoonDays)
            for notice in tell {
                // The first scan remembers what was already waiting without announcing it.
                candidates.append(Candidate(person: person, notice: notice, shown: !(firstScan && notice.kind == .assigned), channel: nil))
            }
            covered += cover.map { (person, $0) }
            guard digestTime, !person.items.isEmpty else { continue }
            let choice = prefs[person.user.id] ?? NotificationPreferences()
            for channel in NoticeChannel.allCases {
                guard let key = NoticeRules.digestKey(person: id, channel: channel, frequency: choice.digestFrequency(channel), today: today) else { continue }
                let item = WorkItem(kind: .finish, titleKey: "notice.digest", params: ["count": String(person.items.count)], link: "/w/\(workspace.slug)")
                candidates.append(Candidate(person: person, notice: Notice(kind: .digest, key: key, item: item), shown: channel == .app, channel: channel))
            }
        }
        let keys = candidates.map(\.notice.key) + covered.map(\.1)
        let allCandidates = candidates, allCovered = covered
        guard !keys.isEmpty else { return ScanReport() }
        let mail = settings.mail
        let composer = NoticeComposer(localizer: services.localizer, baseURL: settings.baseURL, mail: mail)
        let localizer = services.localizer
        return try await services.store.write { tx in
            let existing = try await tx.notifications.existingKeys(keys)
            var report = ScanReport()
            var rows: [(AppNotification, key: String, shown: Bool)] = []
            var deliveries: [Delivery] = []
            let fresh = allCandidates.filter { !existing.contains($0.notice.key) }
            // Everyone who gets an e-mail gets the one-click unsubscribe (digests included).
            let mailed = fresh.filter { $0.shown || $0.channel == .email }.map(\.person.user.id)
            let tokens = mail == nil ? [:] : try await tx.notifications.unsubscribeTokens(for: Array(Set(mailed)), at: now)
            for c in fresh {
                let n = AppNotification(workspaceID: workspace.id, userID: c.person.user.id, kind: c.notice.kind, titleKey: c.notice.item.titleKey,
                                        params: c.notice.item.params, link: c.notice.item.link, due: c.notice.item.due, createdAt: now)
                rows.append((n, c.notice.key, c.shown))
                if c.shown, c.notice.kind != .digest { report.notices += 1 }
                let choice = prefs[c.person.user.id] ?? NotificationPreferences()
                let tell = c.shown || c.channel == .email
                if let mail, tell, c.channel != .app, choice.emails(c.notice.kind) {
                    let message = composer.email(c.notice, items: c.notice.kind == .digest ? c.person.items : [], to: c.person.user, language: c.person.language,
                                                 workspace: workspace, unsubscribeToken: tokens[c.person.user.id], from: mail.from, now: now)
                    deliveries.append(Delivery(key: "mail|" + c.notice.key, workspaceID: workspace.id, userID: c.person.user.id, channel: .email, kind: c.notice.kind,
                                               recipient: c.person.user.email, subject: message.subject, body: message.rendered(), nextAttemptAt: now, createdAt: now))
                    report.emails += 1
                }
                if c.notice.kind == .digest { report.digests += 1 }
                if let url = config.webhookURL, c.shown, c.notice.kind != .digest {
                    let body = composer.webhook(c.notice, person: c.person.member.displayName, workspace: workspace, format: config.webhookFormat, localizer: localizer, language: config.webhookLanguage)
                    deliveries.append(Delivery(key: "hook|" + c.notice.key, workspaceID: workspace.id, userID: c.person.user.id, channel: .webhook, kind: c.notice.kind,
                                               recipient: url, subject: body.summary, body: body.json, nextAttemptAt: now, createdAt: now))
                    report.webhooks += 1
                }
            }
            for (person, key) in allCovered where !existing.contains(key) {
                rows.append((AppNotification(workspaceID: workspace.id, userID: person.user.id, kind: .assigned, titleKey: "", params: [:], link: "", due: nil, createdAt: now),
                             key, false))
            }
            try await tx.notifications.insert(rows)
            try await tx.notifications.enqueue(deliveries)
            return report
        }
    }

    // MARK: Links by e-mail

    /// Queues the e-mail carrying an invitation or reset link, in the same transaction that issued
    /// it (nothing when e-mail is not configured). The body holds the link until it is sent.
    static func queueLink(_ purpose: OneTimeLink.Purpose, secret: String, for user: User, workspace: Workspace?, expiresAt: Date, linkID: String,
                          services: AppServices, tx: Writer, now: Date) async throws -> Bool {
        guard let mail = services.notifier.mail else { return false }
        let composer = NoticeComposer(localizer: services.localizer, baseURL: services.notifier.baseURL, mail: mail)
        let message = composer.linkEmail(purpose, secret: secret, to: user, language: user.language ?? .ja, workspace: workspace, expiresAt: expiresAt, from: mail.from, now: now)
        try await tx.notifications.enqueue([Delivery(key: "link|\(linkID)", workspaceID: workspace?.id, userID: user.id, channel: .email,
                                                     kind: purpose == .invitation ? .invitation : .passwordReset, recipient: user.email, subject: message.subject,
                                                     body: message.rendered(), nextAttemptAt: now, createdAt: now)])
        return true
    }

    // MARK: Operator

    /// `meguri notify send-test`: queues `count` test messages to `email` (each its own key).
    public func sendTest(to email: String, count: Int = 1, language: Language = .ja) async throws -> [String] {
        guard let mail = settings.mail else { throw DomainError.rule(code: "error.mailNotConfigured") }
        guard MailAddress.isPlausible(email) else { throw DomainError.invalid([FieldError(field: "email", code: "error.email")]) }
        let now = services.now
        let composer = NoticeComposer(localizer: services.localizer, baseURL: settings.baseURL, mail: mail)
        let run = Secret.random(bytes: 6)
        var keys: [String] = []
        var deliveries: [Delivery] = []
        for index in 1...max(1, count) {
            let key = "test|\(run)|\(index)"
            let message = composer.testEmail(to: email, number: index, key: key, language: language, from: mail.from, now: now)
            deliveries.append(Delivery(key: key, workspaceID: nil, userID: nil, channel: .email, kind: .test, recipient: email, subject: message.subject,
                                       body: message.rendered(), nextAttemptAt: now, createdAt: now))
            keys.append(key)
        }
        let queued = deliveries
        try await services.store.write { try await $0.notifications.enqueue(queued) }
        return keys
    }

    public func status(since: Date) async throws -> NotificationStore.QueueStatus {
        try await services.store.read { try await $0.notifications.status(since: since) }
    }

    public func retryFailed() async throws -> Int {
        let now = services.now
        return try await services.store.write { try await $0.notifications.retryFailed(now: now) }
    }
}

extension Calendar {
    static func gregorian(in zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }
}

