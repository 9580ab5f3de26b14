import Domain
import Foundation
import Localization
import Storage

/// Writes what a notice says: the e-mail in the recipient's language (plain text and HTML), the
/// webhook's body in the workspace's chosen format. Everything is fixed when the notice is queued,
/// so a message sent again after a crash is the same message.
struct NoticeComposer {
    let localizer: Localizer
    let baseURL: String
    let mail: SMTPSettings?

    func absolute(_ link: String) -> String { link.hasPrefix("http") ? link : baseURL + link }

    var messageDomain: String { mail?.messageIDDomain ?? "meguri.invalid" }

    /// The line a person reads for an item: its title, with the due date when it has one.
    func title(_ item: WorkItem, _ language: Language) -> String { localizer.text(item.titleKey, language, item.params) }

    func email(_ notice: Notice, items: [WorkItem], to user: User, language: Language, workspace: Workspace, unsubscribeToken: String?,
               from: MailAddress, now: Date) -> MailMessage {
        let t = { (key: String, params: [String: String]) in localizer.text(key, language, params) }
        let item = notice.item
        let due = item.due?.description ?? ""
        let title = title(item, language)
        let subject = t("mail.subject.\(notice.kind.rawValue)", ["workspace": workspace.name, "title": title, "due": due, "count": item.params["count"] ?? ""])
        var text: [String] = [t("mail.greeting", ["name": user.displayName]), ""]
        var html: [String] = ["<p>\(esc(t("mail.greeting", ["name": user.displayName])))</p>"]
        let lead = t("mail.lead.\(notice.kind.rawValue)", ["workspace": workspace.name, "count": item.params["count"] ?? "", "due": due])
        text += [lead, ""]
        html.append("<p>\(esc(lead))</p>")
        if notice.kind == .digest {
            html.append("<ul>")
            for line in items.prefix(30) {
                let dueText = line.due.map { " (" + t("mail.due", ["due": $0.description]) + ")" } ?? ""
                text += ["・" + self.title(line, language) + dueText, "  " + absolute(line.link)]
                html.append("<li><a href=\"\(esc(absolute(line.link)))\">\(esc(self.title(line, language)))</a>\(esc(dueText))</li>")
            }
            html.append("</ul>")
            if items.count > 30 {
                let more = t("mail.more", ["count": String(items.count - 30)])
                text.append(more)
                html.append("<p>\(esc(more))</p>")
            }
            text += ["", t("mail.openWork", [:]) + " " + absolute(item.link)]
            html.append("<p><a href=\"\(esc(absolute(item.link)))\">\(esc(t("mail.openWork", [:])))</a></p>")
        } else {
            text += ["  " + title]
            if let d = item.due { text.append("  " + t("mail.due", ["due": d.description])) }
            text += ["  " + absolute(item.link)]
            html.append("<p><strong>\(esc(title))</strong>\(item.due.map { "<br>" + esc(t("mail.due", ["due": $0.description])) } ?? "")</p>")
            html.append("<p><a href=\"\(esc(absolute(item.link)))\">\(esc(t("mail.open", [:])))</a></p>")
        }
        let unsubscribe = unsubscribeToken.map { absolute("/unsubscribe/\($0)/\(notice.kind.rawValue)") }
        let footer = t("mail.footer", ["workspace": workspace.name])
        let settingsLine = t("mail.preferences", ["url": absolute("/account#notifications")])
        text += ["", "--", footer, settingsLine]
        html.append("<hr><p style=\"color:#555;font-size:12px\">\(esc(footer))<br>\(esc(settingsLine))")
        if let unsubscribe {
            let line = t("mail.unsubscribe.\(notice.kind.rawValue)", [:])
            text.append(line + " " + unsubscribe)
            html.append("<br><a href=\"\(esc(unsubscribe))\">\(esc(line))</a>")
        }
        html.append("</p>")
        return MailMessage(from: from, to: user.email, subject: subject, text: text.joined(separator: "\n"), html: wrap(html, language),
                           messageID: MailMessage.messageID(forKey: "mail|" + notice.key, domain: messageDomain), date: now, unsubscribeURL: unsubscribe)
    }

    func linkEmail(_ purpose: OneTimeLink.Purpose, secret: String, to user: User, language: Language, workspace: Workspace?, expiresAt: Date,
                   from: MailAddress, now: Date) -> MailMessage {
        let t = { (key: String, params: [String: String]) in localizer.text(key, language, params) }
        let kind = purpose == .invitation ? "invitation" : "passwordReset"
        let url = absolute("/\(purpose == .invitation ? "invitation" : "reset")/\(secret)")
        let zone = workspace?.zone ?? TimeZone(identifier: Workspace.defaultTimeZone)!
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: language == .ja ? "ja_JP" : "en_GB")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm zzz"
        let params = ["workspace": workspace?.name ?? "Meguri", "name": user.displayName, "expires": formatter.string(from: expiresAt)]
        let subject = t("mail.subject.\(kind)", params)
        let lead = t("mail.lead.\(kind)", params)
        let expiry = t("mail.linkExpires", params)
        let ignore = t("mail.linkIgnore.\(kind)", params)
        let text = [t("mail.greeting", ["name": user.displayName]), "", lead, "", url, "", expiry, ignore].joined(separator: "\n")
        let html = wrap(["<p>\(esc(t("mail.greeting", ["name": user.displayName])))</p>", "<p>\(esc(lead))</p>",
                         "<p><a href=\"\(esc(url))\">\(esc(t("mail.action.\(kind)", params)))</a></p>", "<p>\(esc(url))</p>",
                         "<p style=\"color:#555;font-size:12px\">\(esc(expiry))<br>\(esc(ignore))</p>"], language)
        return MailMessage(from: from, to: user.email, subject: subject, text: text, html: html,
                           messageID: MailMessage.messageID(forKey: "link|" + Secret.hash(secret), domain: messageDomain), date: now)
    }

    func testEmail(to email: String, number: Int, key: String, language: Language, from: MailAddress, now: Date) -> MailMessage {
        let t = { (k: String) in localizer.text(k, language, ["number": String(number)]) }
        return MailMessage(from: from, to: email, subject: t("mail.subject.test"), text: t("mail.lead.test") + "\n\n" + key,
                           html: wrap(["<p>\(esc(t("mail.lead.test")))</p>", "<p><code>\(esc(key))</code></p>"], language),
                           messageID: MailMessage.messageID(forKey: key, domain: messageDomain), date: now)
    }

    /// The webhook's body: the format's message plus the structured item under `meguri`.
    func webhook(_ notice: Notice, person: String, workspace: Workspace, format: WebhookFormat, localizer: Localizer, language: Language) -> (json: String, summary: String) {
        let item = notice.item
        let title = self.title(item, language)
        let line = localizer.text("hook.\(notice.kind.rawValue)", language, ["person": person, "title": title, "due": item.due?.description ?? "", "workspace": workspace.name])
        let link = absolute(item.link)
        var structured: [String: Any] = ["workspace": workspace.slug, "kind": notice.kind.rawValue, "person": person, "title": title,
                                         "titleKey": item.titleKey, "params": item.params, "link": link, "key": notice.key]
        if let due = item.due { structured["due"] = due.description }
        var body: [String: Any]
        switch format {
        case .slack:
            // Slack's text format reserves &, < and >: the text is escaped, the link written as <url|label>.
            func slack(_ text: String) -> String {
                text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            }
            body = ["text": "\(slack(line))\n<\(link)|\(slack(localizer.text("mail.open", language)))>"]
        case .teams:
            let card: [String: Any] = [
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4",
                "body": [["type": "TextBlock", "text": line, "wrap": true]],
                "actions": [["type": "Action.OpenUrl", "title": localizer.text("mail.open", language), "url": link]],
            ]
            body = ["type": "message", "attachments": [["contentType": "application/vnd.microsoft.card.adaptive", "content": card]]]
        case .json:
            body = [:]
        }
        body["meguri"] = structured
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return (String(decoding: data, as: UTF8.self), line)
    }

    func wrap(_ parts: [String], _ language: Language) -> String {
        "<!DOCTYPE html><html lang=\"\(language.rawValue)\"><head><meta charset=\"utf-8\"></head><body style=\"font-family:sans-serif;line-height:1.6\">"
            + parts.joined(separator: "\n") + "</body></html>"
    }

    func esc(_ text: String) -> String { Markdown.escape(text) }
}
