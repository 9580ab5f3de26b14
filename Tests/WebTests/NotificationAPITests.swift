import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport
import VaporTesting
@testable import Web

/// Notifications through the API and the pages, on both engines: the list and reading, a token
/// limited to one workspace seeing that workspace's notices only, choices refused by field, the
/// workspace's settings with their problems named, the bell and the list page, the one-click
/// unsubscribe a mail client posts without cookies, and the invitation links as CSV without e-mail.
@Suite struct NotificationAPI_ {
    @Test(arguments: TestEngine.available)
    func notificationsThroughTheAPIAndThePages(engine: TestEngine) async throws {
        try await TestApp.with(engine, configure: { $0.smtp = SMTPSettings(host: "127.0.0.1", port: 2525, security: .plain, from: MailAddress(address: "isms@example.co.jp")) }) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            _ = try await app.workspace("other", by: admin)
            let secretary = try await app.user("isms@example.co.jp", name: "事務局 花子")
            try await app.member(secretary, in: "acme", roles: [RoleGrantInput(role: .secretariat)])
            try await app.member(secretary, in: "other", roles: [RoleGrantInput(role: .secretariat)])
            let context = Context(actor: .system)
            let notifications = Notifications(services: app.services)
            for slug in ["acme", "other"] {
                let place = try #require(try await app.services.store.read { try await $0.workspaces.load(slug: slug) })
                _ = try await notifications.scan(place, force: true)
                // An overdue corrective action of the secretary's in each workspace.
                let access = try await app.access(secretary, slug)
                _ = try await Nonconformities(app.services).raise(access, NonconformityInput(description: "アクセス権の棚卸し漏れ", dueOn: "2026-11-01", ownerID: .some(secretary.id)),
                                                                  context: context)
                _ = try await notifications.scan(place, force: true)
            }
            let all = try await app.token(for: secretary), limited = try await app.token(for: secretary, workspace: "acme")

            let list = try await app.api(.GET, "/api/v1/me/notifications", token: all, headers: ["Accept-Language": "ja"])
            #expect(list.status == .ok, "\(list.text)")
            let items = try list.json()["items"] as? [[String: Any]] ?? []
            #expect(items.count == 2 && items.allSatisfy { $0["kind"] as? String == "overdue" && $0["readAt"] is NSNull && $0["due"] as? String == "2026-11-01" })
            #expect((items.first?["title"] as? String ?? "").contains("アクセス権の棚卸し漏れ"))
            let acmeOnly = try await app.api(.GET, "/api/v1/me/notifications?unread=true", token: limited)
            let acmeItems = try acmeOnly.json()["items"] as? [[String: Any]] ?? []
            #expect(acmeItems.count == 1 && (acmeItems.first?["link"] as? String ?? "").hasPrefix("/w/acme/"))
            // A limited token reads and marks only its workspace's.
            let badIDs = try await app.api(.POST, "/api/v1/me/notifications/read", token: all, json: #"{"ids":["nope"]}"#)
            #expect(badIDs.status == .unprocessableEntity && badIDs.headers.contentType?.description.contains("problem+json") == true)
            #expect(((try badIDs.json()["errors"] as? [[String: Any]])?.first?["field"] as? String) == "ids")
            let marked = try await app.api(.POST, "/api/v1/me/notifications/read", token: limited, json: "{}")
            #expect(try marked.json()["changed"] as? Int == 1)
            #expect(try await notifications.unreadCount(secretary) == 1)
            // Preferences are the account's: a limited token may not change them.
            #expect(try await app.api(.GET, "/api/v1/me/notification-preferences", token: limited).status == .forbidden)
            let badPrefs = try await app.api(.PUT, "/api/v1/me/notification-preferences", token: all, json: #"{"digest":{"app":"hourly","email":"sometimes"},"email":["test"]}"#)
            let badFields = Set((try badPrefs.json()["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
            #expect(badPrefs.status == .unprocessableEntity && badFields == ["digestApp", "digestEmail", "emailKinds"], "\(badPrefs.text)")
            let prefs = try await app.api(.PUT, "/api/v1/me/notification-preferences", token: all, json: #"{"digest":{"email":"daily"},"email":["overdue"]}"#)
            let prefsBody = try prefs.json()
            #expect(prefs.status == .ok && (prefsBody["digest"] as? [String: String]) == ["app": "none", "email": "daily"] && (prefsBody["email"] as? [String]) == ["overdue"])

            // The workspace's settings: every problem named at once; the secretariat only.
            let w = "/api/v1/workspaces/acme/notification-settings"
            let badSettings = try await app.api(.PUT, w, token: all, json: #"{"dueSoonDays":0,"webhookUrl":"file:///etc/passwd","webhookFormat":"fax","webhookLanguage":"fr"}"#,
                                                headers: ["Accept-Language": "ja"])
            let settingFields = Set((try badSettings.json()["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
            #expect(badSettings.status == .unprocessableEntity && settingFields == ["dueSoonDays", "webhookUrl", "webhookFormat", "webhookLanguage"], "\(badSettings.text)")
            #expect(badSettings.text.contains("Webhook の URL"))
            let saved = try await app.api(.PUT, w, token: all, json: #"{"dueSoonDays":14,"webhookUrl":"https://hooks.slack.com/services/T/B/C","webhookFormat":"slack"}"#)
            let savedBody = try saved.json()
            #expect(saved.status == .ok && savedBody["dueSoonDays"] as? Int == 14 && savedBody["webhookUrl"] as? String == "https://hooks.slack.com/services/T/B/C")
            let secret = savedBody["webhookSecret"] as? String ?? ""
            let rotated = try await app.api(.PUT, w, token: all, json: #"{"rotateSecret":true}"#)
            #expect((try rotated.json()["webhookSecret"] as? String).map { $0 != secret && $0.count >= 32 } == true)
            let cleared = try await app.api(.PUT, w, token: all, json: #"{"webhookUrl":null}"#)
            #expect(try cleared.json()["webhookUrl"] is NSNull)

            // The pages: the bell counts the unread one; the list links to it; opening marks it read.
            let session = try await app.session(for: secretary)
            let home = try await app.get("/w/acme", session: session)
            #expect(home.text.contains("class=\"bell\"") && home.text.contains("<span class=\"count\">1</span>"))
            let page = try await app.get("/notifications", session: session, headers: ["Accept-Language": "ja"])
            #expect(page.status == .ok && page.text.contains("期限超過") && page.text.contains("notice-item unread"))
            let unread = try await notifications.list(secretary, unreadOnly: true, page: PageRequest()).items
            let opened = try await app.get("/notifications/\(try #require(unread.first).id)", session: session)
            #expect(opened.status == .seeOther && opened.location?.hasPrefix("/w/other/nonconformities/") == true)
            #expect(try await notifications.unreadCount(secretary) == 0)

            // The one-click unsubscribe: a mail client posts without cookies or a CSRF token.
            let token = try #require(try await app.services.store.read { try await $0.notifications.preferences(of: secretary.id).unsubscribeToken })
            let confirm = try await app.get("/unsubscribe/\(token)/overdue", headers: ["Accept-Language": "ja"])
            #expect(confirm.status == .ok && confirm.text.contains("期限超過"))
            let oneClick = try await app.testing.sendRequest(.POST, "/unsubscribe/\(token)/overdue", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                                              body: ByteBuffer(string: "List-Unsubscribe=One-Click"))
            #expect(oneClick.status == .ok)
            #expect(try await notifications.preferences(secretary).emails(.overdue) == false)
            #expect(try await app.testing.sendRequest(.POST, "/unsubscribe/wrong/overdue", body: ByteBuffer(string: "List-Unsubscribe=One-Click")).status == .notFound)

            // With e-mail configured, the links go by mail: no CSV of them.
            let csv = try await app.post("/w/acme/members/invitation-links", form: [:], session: session)
            #expect(csv.status == .unprocessableEntity)
        }
    }

    @Test(arguments: TestEngine.available)
    func withoutEmailThePendingInvitationsComeAsCSV(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            _ = try await app.workspace("other", by: admin)
            let secretary = try await app.user("isms@example.co.jp", name: "事務局 花子")
            try await app.member(secretary, in: "acme", roles: [RoleGrantInput(role: .secretariat)])
            let access = try await app.access(secretary, "acme")
            let context = Context(actor: .user(secretary))
            for (email, name) in [("b@example.co.jp", "佐藤 次郎"), ("a@example.co.jp", "鈴木 一郎")] {
                _ = try await Members(app.services).add(access, email: email, displayName: name, homeDepartmentID: nil, roles: [RawGrant(role: "employee")], context: context)
            }
            // Someone created by another workspace is not this workspace's to re-invite.
            let elsewhere = try await app.access(admin, "other")
            _ = try await Members(app.services).add(elsewhere, email: "c@example.co.jp", displayName: "他社 三郎", homeDepartmentID: nil, roles: [RawGrant(role: "employee")],
                                                    context: Context(actor: .user(admin)))
            _ = try await Members(app.services).add(access, email: "c@example.co.jp", displayName: nil, homeDepartmentID: nil, roles: [RawGrant(role: "employee")], context: context)

            let session = try await app.session(for: secretary)
            let page = try await app.get("/w/acme/members", session: session)
            #expect(page.text.contains("/w/acme/members/invitation-links"))
            let response = try await app.post("/w/acme/members/invitation-links", form: [:], session: session)
            #expect(response.status == .ok && response.headers.contentType?.description.hasPrefix("text/csv") == true, "\(response.text.prefix(300))")
            let lines = response.text.split(separator: "\r\n").map(String.init).filter { !$0.isEmpty }
            #expect(lines.count == 3, "\(lines)")
            #expect(lines[1].hasPrefix("a@example.co.jp,鈴木 一郎,http") && lines[2].hasPrefix("b@example.co.jp,") && !response.text.contains("c@example.co.jp"))
            // The new link works and the earlier one does not.
            let link = try #require(lines[1].split(separator: ",").last.map(String.init))
            let secret = String(link.split(separator: "/").last!)
            #expect(try await Users(app.services).linkHolder(secret: secret, purpose: .invitation)?.email == "a@example.co.jp")
            // An employee may not.
            let employee = try await app.user("staff@example.co.jp")
            try await app.member(employee, in: "acme", roles: [RoleGrantInput(role: .employee)])
            #expect(try await app.post("/w/acme/members/invitation-links", form: [:], session: try await app.session(for: employee)).status == .forbidden)
        }
    }
}

/// An upload over a form's limit: the form states the limit for the page's script, and the server's
/// 413 page says what happened and leads back to the form (issue 13).
@Suite struct UploadLimits {
    @Test func anUploadOverTheLimitIsAnsweredWithTheWayBack() async throws {
        try await TestApp.with(.sqlite, configure: { $0.evidenceMaxMegabytes = 1 }) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let session = try await app.session(for: admin)
            let form = try await app.get("/w/acme/evidence", session: session, headers: ["Accept-Language": "ja"])
            #expect(form.text.contains("data-max-bytes=\"1048576\"") && form.text.contains("1 MB までです"))
            let importForm = try await app.get("/w/acme/members/import", session: session, headers: ["Accept-Language": "ja"])
            #expect(importForm.text.contains("data-max-bytes=\"5242880\""))
            // Within the body's slack the use case answers on the form, naming the limit.
            let over = try await app.postMultipart("/w/acme/evidence", fields: ["title": "記録"], file: (field: "file", name: "big.pdf", data: Data(repeating: 0x41, count: 1_300_000)),
                                                   session: session, extraHeaders: ["Accept-Language": "ja"])
            #expect(over.status == .unprocessableEntity && over.text.contains("id=\"new-evidence\"") && over.text.contains("value=\"記録\""))
            // Past it the server stops reading: the 413 page leads back to the form (over HTTP, where the body limit applies).
            let (body, contentType) = TestApp.multipart(["_csrf": session.csrf], file: (field: "file", name: "big.pdf", data: Data(repeating: 0x41, count: 3 * 1_048_576)))
            let live = try app.meguri.app.testing(method: .running(hostname: "127.0.0.1", port: Int.random(in: 20_000...40_000)))
            func send(_ referer: String) async throws -> TestingHTTPResponse {
                try await live.sendRequest(.POST, "/w/acme/evidence", headers: ["Content-Type": contentType, "Cookie": session.cookie, "Accept-Language": "ja",
                                                                              "Referer": referer], body: ByteBuffer(bytes: body))
            }
            let response = try await send("http://127.0.0.1:8080/w/acme/evidence?control=8.13")
            #expect(response.status == .payloadTooLarge)
            #expect(response.text.contains("フォームに戻る") && response.text.contains("href=\"/w/acme/evidence?control=8.13\""), "\(response.text.prefix(600))")
            // Another site's address is never offered.
            #expect(!(try await send("https://evil.example/phish")).text.contains("evil.example"))
        }
    }
}

/// The notification settings read from the environment: each refusal names its setting.
@Suite struct NotificationConfiguration {
    func problem(_ env: [String: String]) -> String? {
        do { _ = try AppConfiguration.fromEnvironment(env); return nil } catch let error as ConfigurationError { return error.setting } catch { return "\(error)" }
    }

    @Test func settingsAreReadOrRefusedByName() throws {
        let config = try AppConfiguration.fromEnvironment(["MEGURI_SMTP_URL": "smtp://isms:pw@mail.example.co.jp:587", "MEGURI_MAIL_FROM": "isms@example.co.jp",
                                                          "MEGURI_NOTIFY_SCAN_SECONDS": " 60 ", "MEGURI_NOTIFY_LEASE_SECONDS": "30", "MEGURI_WEBHOOK_ALLOW_PRIVATE": "TRUE",
                                                          "MEGURI_IDLE_TIMEOUT": "90"])
        #expect(config.smtp?.security == .startTLS && config.notifyScanSeconds == 60 && config.notifyLeaseSeconds == 30 && config.webhookAllowPrivate
                && config.idleTimeoutSeconds == 90)
        let defaults = try AppConfiguration.fromEnvironment([:])
        #expect(defaults.smtp == nil && defaults.notifyScanSeconds == 300 && defaults.notifyLeaseSeconds == 300 && !defaults.webhookAllowPrivate)
        #expect(problem(["MEGURI_MAIL_FROM": "isms@example.co.jp"]) == "MEGURI_MAIL_FROM")
        #expect(problem(["MEGURI_SMTP_URL": "smtp://mail.example.co.jp"]) == "MEGURI_MAIL_FROM")
        #expect(problem(["MEGURI_SMTP_URL": "imap://mail.example.co.jp", "MEGURI_MAIL_FROM": "a@example.co.jp"]) == "MEGURI_SMTP_URL")
        #expect(problem(["MEGURI_SMTP_CA_FILE": "/nonexistent/ca.pem"]) == "MEGURI_SMTP_CA_FILE")
        #expect(problem(["MEGURI_NOTIFY_SCAN_SECONDS": "1"]) == "MEGURI_NOTIFY_SCAN_SECONDS")
        #expect(problem(["MEGURI_NOTIFY_LEASE_SECONDS": "ten"]) == "MEGURI_NOTIFY_LEASE_SECONDS")
        #expect(problem(["MEGURI_WEBHOOK_ALLOW_PRIVATE": "yes"]) == "MEGURI_WEBHOOK_ALLOW_PRIVATE")
        #expect(problem(["MEGURI_MAX_REQUESTS": "7"]) == "MEGURI_MAX_REQUESTS")
    }
}
