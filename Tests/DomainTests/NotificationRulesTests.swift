import Foundation
import Testing
@testable import Domain

/// The rules of notices and mail: which notice an item calls for and its key, the digest's days,
/// the message's encoding (RFC 2047 subjects, base64 parts, SMTP dot-stuffing), the SMTP setting,
/// webhook addresses and signatures, and people's choices.
@Suite struct NotificationRulesTests {
    let today = CalendarDate("2026-11-18")!

    func item(_ title: String, due: String? = nil) -> WorkItem {
        WorkItem(kind: .finish, titleKey: "work.correctiveAction", params: ["code": title], link: "/w/acme/nonconformities/\(title)", due: due.flatMap(CalendarDate.init))
    }

    @Test func anItemCallsForOneNoticeByItsState() {
        let (tell, covered) = NoticeRules.notices(for: [item("a"), item("b", due: "2026-11-25"), item("c", due: "2026-11-26"), item("d", due: "2026-11-10")],
                                                  person: "p", today: today, dueSoonDays: 7)
        #expect(tell.map(\.kind) == [.assigned, .dueSoon, .assigned, .overdue])
        // Seven days ahead is due soon; eight is not yet.
        #expect(tell[1].key.hasSuffix("|2026-11-25") && tell[1].key.hasPrefix("p|d|"))
        // An overdue item covers its assigned and due-soon keys so neither is announced later.
        let d = NoticeRules.identity(of: item("d", due: "2026-11-10"))
        #expect(Set(covered).isSuperset(of: ["p|a|\(d)", "p|d|\(d)|2026-11-10"]))
        #expect(tell[3].key == "p|o|\(d)|2026-11-10|1")
    }

    @Test func overdueRepeatsWeeklyAndANewDueDateIsANewNotice() {
        func key(_ day: String, due: String) -> String {
            NoticeRules.notices(for: [item("x", due: due)], person: "p", today: CalendarDate(day)!, dueSoonDays: 7).tell[0].key
        }
        #expect(key("2026-11-11", due: "2026-11-10") == key("2026-11-16", due: "2026-11-10"))
        #expect(key("2026-11-16", due: "2026-11-10") != key("2026-11-17", due: "2026-11-10"))
        #expect(key("2026-11-18", due: "2026-11-20") != key("2026-11-18", due: "2026-11-21"))
        // The identity ignores the parameters that change (counts), not the link.
        #expect(NoticeRules.identity(of: WorkItem(kind: .finish, titleKey: "k", params: ["count": "1"], link: "/a"))
                == NoticeRules.identity(of: WorkItem(kind: .finish, titleKey: "k", params: ["count": "2"], link: "/a")))
        #expect(NoticeRules.identity(of: WorkItem(kind: .finish, titleKey: "k", link: "/a")) != NoticeRules.identity(of: WorkItem(kind: .finish, titleKey: "k", link: "/b")))
    }

    @Test func digestsDailyOrOnMondays() {
        #expect(NoticeRules.digestKey(person: "p", channel: .email, frequency: .daily, today: today) == "p|g|email|2026-11-18")
        #expect(NoticeRules.digestKey(person: "p", channel: .email, frequency: .weekly, today: today) == nil)
        #expect(NoticeRules.digestKey(person: "p", channel: .app, frequency: .weekly, today: CalendarDate("2026-11-23")!) == "p|g|app|w2026-11-23")
        #expect(NoticeRules.digestKey(person: "p", channel: .app, frequency: .none, today: today) == nil)
    }

    @Test func japaneseSubjectsAreEncodedWordsThatDecodeBack() {
        let subject = "【デモ株式会社 ISMS】期限を過ぎています（2026-07-04）：「インシデント対応手順書」（DOC-007）を読んで確認する"
        let header = MailEncoding.header(name: "Subject", value: subject)
        let lines = header.components(separatedBy: "\r\n")
        #expect(lines.count > 1 && lines.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        let decoded = lines.map { $0.hasPrefix("Subject: ") ? String($0.dropFirst(9)) : String($0.dropFirst()) }.map { word -> String in
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            return String(decoding: Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))!, as: UTF8.self)
        }.joined()
        #expect(decoded == subject)
        // Plain ASCII stays as is; a line break cannot inject a header.
        #expect(MailEncoding.header(name: "Subject", value: "Hello") == "Subject: Hello")
        #expect(!MailEncoding.header(name: "Subject", value: "a\r\nBcc: x@example.com").contains("\r\nBcc"))
    }

    @Test func theMessageHasBothPartsAndTheOneClickUnsubscribe() {
        let message = MailMessage(from: MailAddress(address: "isms@example.co.jp", name: "情報セキュリティ事務局"), to: "taro@example.co.jp", subject: "テスト",
                                  text: "本文\n.先頭のドット", html: "<p>本文</p>", messageID: MailMessage.messageID(forKey: "k", domain: "example.co.jp"),
                                  date: Date(timeIntervalSince1970: 1_795_000_000), unsubscribeURL: "https://isms.example.co.jp/unsubscribe/t/overdue").rendered()
        #expect(message.contains("\r\nList-Unsubscribe: <https://isms.example.co.jp/unsubscribe/t/overdue>\r\n"))
        #expect(message.contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
        #expect(message.contains("\r\nDate: Wed, 18 Nov 2026 11:06:40 +0000\r\n"))
        #expect(message.contains("Content-Type: text/plain; charset=UTF-8") && message.contains("Content-Type: text/html; charset=UTF-8"))
        #expect(message.hasPrefix("From: =?UTF-8?B?"))
        #expect(MailMessage.messageID(forKey: "k", domain: "a") == MailMessage.messageID(forKey: "k", domain: "a"))
        #expect(MailMessage.messageID(forKey: "k", domain: "a") != MailMessage.messageID(forKey: "l", domain: "a"))
        #expect(message.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 })
        // Dot-stuffing: a line starting with a dot gets another, and the data ends with CRLF.CRLF.
        #expect(MailEncoding.dotStuffed("a\r\n.b\n..c") == "a\r\n..b\r\n...c\r\n.\r\n")
    }

    @Test func theSMTPSettingSaysWhatIsWrong() throws {
        let starttls = try SMTPSettings.parse("smtp://user%40corp:p%40ss@mail.example.co.jp:587", from: "isms@example.co.jp")
        #expect(starttls.security == .startTLS && starttls.username == "user@corp" && starttls.password == "p@ss" && starttls.port == 587)
        #expect(try SMTPSettings.parse("smtps://u:p@mail.example.co.jp", from: "a@example.co.jp").security == .implicitTLS)
        let relay = try SMTPSettings.parse("smtp://127.0.0.1:2525", from: "Meguri <a@example.co.jp>")
        #expect(relay.security == .plain && relay.from.name == "Meguri" && relay.port == 2525)
        #expect(try SMTPSettings.parse("smtp://relay.local", from: "a@example.co.jp").port == 25)
        func problem(_ url: String, _ from: String?) -> SettingProblem? {
            do { _ = try SMTPSettings.parse(url, from: from); return nil } catch { return error }
        }
        #expect(problem("http://mail.example.co.jp", "a@example.co.jp")?.setting == "MEGURI_SMTP_URL")
        #expect(problem("smtp://user@mail.example.co.jp", "a@example.co.jp")?.reason.contains("without a password") == true)
        #expect(problem("smtp://mail.example.co.jp", nil)?.setting == "MEGURI_MAIL_FROM")
        #expect(problem("smtp://mail.example.co.jp", "not an address")?.setting == "MEGURI_MAIL_FROM")
        // The password never appears in a message.
        #expect(problem("ftp://u:secret@x", "a@example.co.jp")?.reason.contains("secret") == false)
    }

    @Test func webhookAddressesAndSignatures() throws {
        #expect(WebhookRules.isAcceptable("https://hooks.slack.com/services/T/B/x"))
        #expect(WebhookRules.isAcceptable("http://127.0.0.1:9000/hook"))
        #expect(!WebhookRules.isAcceptable("ftp://example.com/x"))
        #expect(!WebhookRules.isAcceptable("https://user:pw@example.com/x"))
        #expect(!WebhookRules.isAcceptable("javascript:alert(1)"))
        #expect(!WebhookRules.isAcceptable("/relative"))
        // Addresses inside the machine or the local network are refused unless the installation allows them.
        for host in ["localhost", "127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.10", "169.254.169.254", "[::1]", "[fd00::1]", "intranet", "nas.local"] {
            #expect(WebhookRules.isPrivate(host: host), "\(host)")
        }
        for host in ["hooks.slack.com", "8.8.8.8", "172.32.0.1", "example.co.jp"] { #expect(!WebhookRules.isPrivate(host: host), "\(host)") }
        do {
            _ = try NotificationSettingsInput(webhookURL: "http://169.254.169.254/latest/meta-data").validated(onto: NotificationSettings())
            Issue.record("a link-local webhook was accepted")
        } catch DomainError.invalid(let errors) {
            #expect(errors.map(\.code) == ["error.webhookPrivate"])
        }
        #expect(try NotificationSettingsInput(webhookURL: "http://127.0.0.1:9000/hook").validated(onto: NotificationSettings(), allowPrivateHosts: true).webhookURL != nil)
        // RFC 4231 test case 2.
        #expect(WebhookRules.signature(body: Data("what do ya want for nothing?".utf8), secret: "Jefe")
                == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        var v = NotificationSettings()
        v = try NotificationSettingsInput(dueSoonDays: "１４", webhookURL: " ", webhookFormat: "json", webhookLanguage: "en").validated(onto: v)
        #expect(v.dueSoonDays == 14 && v.webhookURL == nil && v.webhookFormat == .json && v.webhookLanguage == .en)
    }

    @Test func choicesRoundTripAndUnsubscribe() throws {
        var prefs = NotificationPreferences()
        #expect(prefs.digestFrequency(.email) == .weekly && prefs.digestFrequency(.app) == .none && prefs.emails(.overdue))
        prefs.unsubscribe(.overdue)
        prefs.unsubscribe(.digest)
        #expect(!prefs.emails(.overdue) && !prefs.emails(.digest) && prefs.emails(.assigned))
        let decoded = try JSONDecoder().decode(NotificationPreferences.self, from: JSONEncoder().encode(prefs))
        #expect(decoded == prefs)
        // Unknown values in a stored row are ignored, not fatal.
        let lenient = try JSONDecoder().decode(NotificationPreferences.self, from: Data(#"{"digest":{"email":"hourly","app":"daily"},"mutedEmail":["x","dueSoon"]}"#.utf8))
        #expect(lenient.digestFrequency(.email) == .weekly && lenient.digestFrequency(.app) == .daily && lenient.mutedEmail == [.dueSoon])
        #expect(DeliveryRetry.delay(afterAttempt: 1) == 30 && DeliveryRetry.delay(afterAttempt: 3) == 120 && DeliveryRetry.delay(afterAttempt: 20) == 3600)
    }
}
