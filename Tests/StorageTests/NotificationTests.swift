import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport
import Web

/// Notifications through the use cases, on SQLite and (when configured) PostgreSQL: the scan turns
/// "my work" into notices once per key and queues e-mails in the person's language; the worker
/// delivers through a transport, retries failures on its schedule and records each message once;
/// leases keep two workers from taking the same message; choices and the one-click unsubscribe
/// stop what a person turned off; invitation links are mailed in the transaction that issues them.
/// The test clock's today is Wednesday 2026-11-18, 20:06 in Tokyo.
@Suite struct NotificationTests {
    static let smtp = SMTPSettings(host: "127.0.0.1", port: 2525, security: .plain, from: MailAddress(address: "isms@example.co.jp", name: "Meguri"))

    /// Collects messages instead of sending them; fails while `failing` is set.
    final class FakeMail: MailTransport, MailSession, @unchecked Sendable {
        let lock = NSLock()
        var messages: [(to: String, message: String)] = []
        var failing: String?
        var opened = 0

        func open() async throws -> any MailSession {
            lock.withLock { opened += 1 }
            return self
        }
        func send(from: String, to: String, message: String) async throws {
            try lock.withLock {
                if let failing { throw SMTPFailure(reason: failing) }
                messages.append((to, message))
            }
        }
        func close() async {}
        var sent: [(to: String, message: String)] { lock.withLock { messages } }
    }

    struct SMTPFailure: Error, CustomStringConvertible { var reason: String; var description: String { reason } }

    final class FakeHooks: WebhookTransport, @unchecked Sendable {
        let lock = NSLock()
        var posts: [(url: String, body: Data, headers: [(String, String)])] = []
        func post(url: String, body: Data, headers: [(String, String)]) async throws -> Int {
            lock.withLock { posts.append((url, body, headers)) }
            return 200
        }
        var all: [(url: String, body: Data, headers: [(String, String)])] { lock.withLock { posts } }
    }

    struct World {
        let app: TestApp
        let admin: User, secretary: User, employee: User
        let context = Context(actor: .system)
        func access(_ user: User) async throws -> WorkspaceAccess { try await app.access(user, "acme") }
    }

    static func world(_ app: TestApp) async throws -> World {
        let admin = try await app.user("admin@example.co.jp", admin: true)
        _ = try await app.workspace("acme", by: admin)
        let secretary = try await app.user("isms@example.co.jp", name: "事務局 花子")
        try await app.member(secretary, in: "acme", roles: [RoleGrantInput(role: .secretariat)])
        var employee = try await app.user("staff@example.co.jp", name: "John Smith")
        employee = try await Account(app.services).updateProfile(employee, displayName: nil, language: "en", context: Context(actor: .user(employee)))
        let sales = try await app.department("営業部", in: "acme")
        try await app.member(employee, in: "acme", roles: [RoleGrantInput(role: .departmentOfficer, departmentID: sales.id)], home: sales.id)
        return World(app: app, admin: admin, secretary: secretary, employee: employee)
    }

    static func workspace(_ app: TestApp) async throws -> Workspace {
        try #require(try await app.services.store.read { try await $0.workspaces.load(slug: "acme") })
    }

    static func decodedSubject(_ message: String) -> String {
        let line = message.components(separatedBy: "\r\n").drop { !$0.hasPrefix("Subject: ") }
        var words = [String(line.first!.dropFirst("Subject: ".count))]
        for next in line.dropFirst() where next.hasPrefix(" ") { words.append(String(next.dropFirst())) }
        return words.map { word -> String in
            guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?=") else { return word }
            let base64 = String(word.dropFirst(10).dropLast(2))
            return String(decoding: Data(base64Encoded: base64) ?? Data(), as: UTF8.self)
        }.joined()
    }

    @Test(arguments: TestEngine.available) func theScanTellsEachThingOnceInThePersonsLanguage(engine: TestEngine) async throws {
        try await TestApp.with(engine, configure: { $0.smtp = Self.smtp }) { app in
            let w = try await Self.world(app)
            let notifications = Notifications(services: app.services)
            let acme = try await Self.workspace(app)

            // The first scan remembers what was already waiting (two-step sign-in, the setup guide)
            // without announcing it.
            let first = try #require(try await notifications.scan(acme, force: true))
            #expect(first.firstScan && first.notices == 0 && first.emails == 0)
            #expect(try await notifications.unreadCount(w.employee) == 0)

            // A corrective action given to the employee, due in three days: due soon, by mail, in English.
            let secretariat = try await w.access(w.secretary)
            let nc = try await Nonconformities(app.services).raise(secretariat, NonconformityInput(description: "退職者アカウントの削除漏れ", dueOn: "2026-11-21",
                                                                                                   ownerID: .some(w.employee.id)), context: w.context)
            let second = try #require(try await notifications.scan(acme, force: true))
            #expect(second.notices == 1 && second.emails == 1)
            let list = try await notifications.list(w.employee, page: PageRequest())
            #expect(list.items.count == 1)
            let notice = try #require(list.items.first)
            #expect(notice.kind == .dueSoon && notice.link == "/w/acme/nonconformities/\(nc.id)" && notice.due?.description == "2026-11-21" && notice.readAt == nil)

            // The same scan again tells nothing new.
            let third = try #require(try await notifications.scan(acme, force: true))
            #expect(third.notices == 0 && third.emails == 0)

            // Delivered once, in English, with the one-click unsubscribe of its kind.
            let mail = FakeMail()
            let worker = app.meguri.notificationWorker(mail: mail, webhooks: FakeHooks())
            let round = try await worker.deliverBatch()
            #expect(round.sent == 1 && round.failed == 0)
            #expect(try await worker.deliverBatch().claimed == 0)
            let sent = try #require(mail.sent.first)
            #expect(sent.to == "staff@example.co.jp")
            #expect(Self.decodedSubject(sent.message).hasPrefix("[ISMS acme] Due 2026-11-21:"))
            #expect(sent.message.contains("List-Unsubscribe: <http://127.0.0.1:8080/unsubscribe/") && sent.message.contains("/dueSoon>"))
            #expect(sent.message.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"))
            // The Message-ID is derived from the notice's key: a resend is recognisably the same message.
            let identity = NoticeRules.identity(of: WorkItem(kind: .finish, titleKey: "work.correctiveAction", link: "/w/acme/nonconformities/\(nc.id)"))
            let key = "mail|\(w.employee.id)|d|\(identity)|2026-11-21"
            #expect(sent.message.contains("\r\nMessage-ID: " + MailMessage.messageID(forKey: key, domain: "example.co.jp") + "\r\n"))

            // Eleven days later it is overdue (once), and a week after that, once more.
            app.clock.advance(4 * 86_400)
            #expect(try #require(try await notifications.scan(acme, force: true)).notices == 1)
            #expect(try #require(try await notifications.scan(acme, force: true)).notices == 0)
            app.clock.advance(7 * 86_400)
            #expect(try #require(try await notifications.scan(acme, force: true)).notices == 1)
            let kinds = try await notifications.list(w.employee, page: PageRequest()).items.map(\.kind)
            #expect(kinds == [.overdue, .overdue, .dueSoon])

            // Read: one by id, then all; another person's id changes nothing.
            let newest = try await notifications.list(w.employee, page: PageRequest()).items[0]
            #expect(try await notifications.markRead(w.secretary, ids: [newest.id]) == 0)
            #expect(try await notifications.markRead(w.employee, ids: [newest.id]) == 1)
            #expect(try await notifications.unreadCount(w.employee) == 2)
            #expect(try await notifications.markRead(w.employee, ids: nil) == 2)
            #expect(try await notifications.notice(w.secretary, newest.id) == nil)
        }
    }

    @Test(arguments: TestEngine.available) func failuresAreRetriedAndShownNeverDropped(engine: TestEngine) async throws {
        try await TestApp.with(engine, configure: { $0.smtp = Self.smtp }) { app in
            let notifications = Notifications(services: app.services)
            let keys = try await notifications.sendTest(to: "ops@example.co.jp", count: 2)
            let mail = FakeMail()
            mail.failing = "421 4.3.0 try again later"
            let worker = app.meguri.notificationWorker(mail: mail, webhooks: FakeHooks())
            #expect(try await worker.deliverBatch().failed == 2)
            // Not due again until the back-off has passed.
            #expect(try await worker.deliverBatch().claimed == 0)
            var status = try await notifications.status(since: app.clock.now.addingTimeInterval(-3600))
            #expect(status.pending == 2 && status.retrying == 2 && status.failed.isEmpty)
            // After the last attempt it is failed for good, with the reason, until requeued.
            for _ in 2...DeliveryRetry.maxAttempts {
                app.clock.advance(3601)
                #expect(try await worker.deliverBatch().failed == 2)
            }
            status = try await notifications.status(since: app.clock.now.addingTimeInterval(-86_400 * 30))
            #expect(status.pending == 0 && status.failed.count == 2 && status.failed.allSatisfy { $0.lastError == "421 4.3.0 try again later" && $0.attempts == DeliveryRetry.maxAttempts })
            mail.failing = nil
            #expect(try await notifications.retryFailed() == 2)
            #expect(try await worker.deliverBatch().sent == 2)
            let delivered = try #require(try await app.services.store.read { try await $0.notifications.delivery(key: keys[0]) })
            #expect(delivered.status == .sent && delivered.body == nil && delivered.sentAt != nil)
            #expect(mail.sent.count == 2)
        }
    }

    @Test(arguments: TestEngine.available) func aLeasedMessageIsNotTakenTwiceUntilTheLeaseRunsOut(engine: TestEngine) async throws {
        try await TestApp.with(engine, configure: { $0.smtp = Self.smtp }) { app in
            _ = try await Notifications(services: app.services).sendTest(to: "ops@example.co.jp", count: 3)
            let now = app.clock.now
            let first = try await app.services.store.write { try await $0.notifications.claim(limit: 2, worker: "a", now: now, leaseUntil: now.addingTimeInterval(300)) }
            let second = try await app.services.store.write { try await $0.notifications.claim(limit: 10, worker: "b", now: now, leaseUntil: now.addingTimeInterval(300)) }
            #expect(first.count == 2 && second.count == 1)
            #expect(Set(first.map(\.id)).isDisjoint(with: second.map(\.id)))
            #expect(try await app.services.store.write { try await $0.notifications.claim(limit: 10, worker: "c", now: now, leaseUntil: now.addingTimeInterval(300)) }.isEmpty)
            // Worker a died: after its lease another takes its messages, counting the attempt.
            let later = now.addingTimeInterval(301)
            let taken = try await app.services.store.write { try await $0.notifications.claim(limit: 10, worker: "c", now: later, leaseUntil: later.addingTimeInterval(300)) }
            #expect(taken.count == 3 && taken.allSatisfy { $0.attempts == 2 })
        }
    }

    @Test(arguments: TestEngine.available) func choicesUnsubscribeAndDigests(engine: TestEngine) async throws {
        try await TestApp.with(engine, configure: { $0.smtp = Self.smtp }) { app in
            let w = try await Self.world(app)
            let notifications = Notifications(services: app.services)
            let acme = try await Self.workspace(app)
            _ = try await notifications.scan(acme, force: true)
            let prefs = try await notifications.savePreferences(w.employee, digestApp: "daily", digestEmail: "none", emailKinds: ["assigned", "overdue"],
                                                                context: Context(actor: .user(w.employee)))
            #expect(!prefs.emails(.dueSoon) && prefs.emails(.overdue) && !prefs.emails(.digest))
            do {
                _ = try await notifications.savePreferences(w.employee, digestApp: "hourly", digestEmail: "none", emailKinds: ["invitation"], context: w.context)
                Issue.record("accepted a bad frequency")
            } catch DomainError.invalid(let errors) {
                #expect(Set(errors.map(\.field)) == ["digestApp", "emailKinds"])
            }
            let secretariat = try await w.access(w.secretary)
            _ = try await Nonconformities(app.services).raise(secretariat, NonconformityInput(description: "鍵の管理", dueOn: "2026-11-20", ownerID: .some(w.employee.id)),
                                                              context: w.context)
            let report = try #require(try await notifications.scan(acme, force: true))
            // Due soon is shown in the app but not mailed; the app digest is a notice too.
            #expect(report.notices == 1 && report.emails == 0 && report.digests == 1)
            #expect(try await notifications.list(w.employee, page: PageRequest()).items.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.digest, .dueSoon])

            // A daily e-mail digest carries the one-click unsubscribe of digests.
            let secretary = try await notifications.savePreferences(w.secretary, digestApp: "none", digestEmail: "daily", emailKinds: [], context: w.context)
            #expect(secretary.digestFrequency(.email) == .daily)
            _ = try await notifications.scan(acme, force: true)
            let mail = FakeMail()
            _ = try await app.meguri.notificationWorker(mail: mail, webhooks: FakeHooks()).deliverBatch()
            let digest = try #require(mail.sent.first { $0.to == "isms@example.co.jp" })
            #expect(digest.message.contains("/digest>\r\n") && digest.message.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "\(digest.message.prefix(600))")

            // The one-click unsubscribe turns a kind off by the person's token; an unknown token is nil.
            let token = try #require(try await app.services.store.read { try await $0.notifications.preferences(of: w.employee.id).unsubscribeToken })
            #expect(try await notifications.unsubscribe(token: "nobody", kind: .overdue) == nil)
            let after = try #require(try await notifications.unsubscribe(token: token, kind: .overdue))
            #expect(!after.emails(.overdue) && after.emails(.assigned))
            let trail = try await app.services.store.read { try await $0.auditEvents.list(chain: .installation, filter: AuditFilter(entityType: "notification_preferences"), page: PageRequest()) }
            #expect(Set(trail.items.map(\.action)) == ["update", "unsubscribe"])
        }
    }

    @Test(arguments: TestEngine.available) func invitationsAreMailedAndWebhooksSigned(engine: TestEngine) async throws {
        try await TestApp.with(engine, configure: { $0.smtp = Self.smtp; $0.publicURL = "https://isms.example.co.jp" }) { app in
            let w = try await Self.world(app)
            let notifications = Notifications(services: app.services)
            let secretariat = try await w.access(w.secretary)
            let added = try await Members(app.services).add(secretariat, email: "new@example.co.jp", displayName: "新人 太郎", homeDepartmentID: nil,
                                                            roles: [RawGrant(role: "employee")], context: w.context)
            let secret = try #require(added.invitationSecret)
            let settings = try await notifications.saveWorkspaceSettings(secretariat, NotificationSettingsInput(webhookURL: "https://hooks.example.com/T1", webhookFormat: "teams"),
                                                                         context: w.context)
            do {
                _ = try await notifications.saveWorkspaceSettings(secretariat, NotificationSettingsInput(dueSoonDays: "0", webhookURL: "ftp://x", webhookFormat: "fax"), context: w.context)
                Issue.record("accepted bad settings")
            } catch DomainError.invalid(let errors) {
                #expect(Set(errors.map(\.field)) == ["dueSoonDays", "webhookUrl", "webhookFormat"])
            }
            await #expect(throws: DomainError.self) { try await notifications.workspaceSettings(try await w.access(w.employee)) }
            let acme = try await Self.workspace(app)
            _ = try await notifications.scan(acme, force: true)
            _ = try await Nonconformities(app.services).raise(secretariat, NonconformityInput(description: "入館カードの紛失", dueOn: "2026-11-10", ownerID: .some(w.employee.id)),
                                                              context: w.context)
            _ = try await notifications.scan(acme, force: true)

            let mail = FakeMail(), hooks = FakeHooks()
            let worker = app.meguri.notificationWorker(mail: mail, webhooks: hooks)
            let delivered = try await worker.deliverBatch()
            // The invitation; the employee's overdue action and the secretariat's invitation that
            // expires within the week, each by mail and to the webhook.
            #expect(delivered.sent == 5 && mail.sent.count == 3 && hooks.all.count == 2)
            let invitation = try #require(mail.sent.first { $0.to == "new@example.co.jp" })
            #expect(Self.decodedSubject(invitation.message) == "ISMS acme の ISMS への招待（Meguri）")
            let body = invitation.message.components(separatedBy: "\r\n\r\n")[2].components(separatedBy: "\r\n--")[0]
            let text = String(decoding: Data(base64Encoded: body.replacingOccurrences(of: "\r\n", with: "")) ?? Data(), as: UTF8.self)
            #expect(text.contains("https://isms.example.co.jp/invitation/\(secret)"))
            #expect(!invitation.message.contains("List-Unsubscribe"))

            let post = try #require(hooks.all.first { String(decoding: $0.body, as: UTF8.self).contains("\"overdue\"") })
            #expect(post.url == "https://hooks.example.com/T1")
            let signature = try #require(post.headers.first { $0.0 == "X-Meguri-Signature" }?.1)
            #expect(signature == WebhookRules.signature(body: post.body, secret: settings.webhookSecret))
            let json = try #require(try JSONSerialization.jsonObject(with: post.body) as? [String: Any])
            #expect(json["type"] as? String == "message")
            let meguri = try #require(json["meguri"] as? [String: Any])
            #expect(meguri["kind"] as? String == "overdue" && meguri["person"] as? String == "John Smith" && meguri["due"] as? String == "2026-11-10")
        }
    }
}
