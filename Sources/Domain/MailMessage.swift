import Crypto
import Foundation

/// An e-mail as Meguri sends it: a plain-text and an HTML part in the recipient's language, UTF-8,
/// the subject as RFC 2047 encoded words, a `Message-ID` derived from the notice's key (a message
/// sent twice after a crash is recognisably the same message) and, for notices one can turn off,
/// the one-click unsubscribe of RFC 8058.
public struct MailMessage: Sendable, Hashable {
    public var from: MailAddress
    public var to: String
    public var subject: String
    public var text: String
    public var html: String
    public var messageID: String
    public var date: Date
    /// An https or http address that turns this kind of notice off with one POST.
    public var unsubscribeURL: String?

    public init(from: MailAddress, to: String, subject: String, text: String, html: String, messageID: String, date: Date, unsubscribeURL: String? = nil) {
        self.from = from; self.to = to; self.subject = subject; self.text = text; self.html = html
        self.messageID = messageID; self.date = date; self.unsubscribeURL = unsubscribeURL
    }

    /// `<hex@domain>` from the idempotency key: the same key, the same id.
    public static func messageID(forKey key: String, domain: String) -> String {
        let digest = SHA256.hash(data: Data(key.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
        return "<\(digest)@\(domain)>"
    }

    /// The message in RFC 5322 form with CRLF line ends (before SMTP's dot-stuffing).
    public func rendered() -> String {
        let boundary = "=_meguri_" + SHA256.hash(data: Data(messageID.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        var headers: [String] = [
            "From: " + from.header,
            "To: " + to,
            MailEncoding.header(name: "Subject", value: subject),
            "Date: " + MailEncoding.date(date),
            "Message-ID: " + messageID,
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
        ]
        if let unsubscribeURL {
            headers.append("List-Unsubscribe: <\(unsubscribeURL)>")
            headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        }
        headers.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        var lines = headers
        lines.append("")
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines.append("--" + boundary)
            lines.append("Content-Type: \(type); charset=UTF-8")
            lines.append("Content-Transfer-Encoding: base64")
            lines.append("")
            lines += MailEncoding.base64Lines(Data(body.utf8))
        }
        lines.append("--" + boundary + "--")
        lines.append("")
        return lines.joined(separator: "\r\n")
    }
}

/// An address with an optional display name.
public struct MailAddress: Sendable, Hashable {
    public var address: String
    public var name: String?

    public init(address: String, name: String? = nil) { self.address = address; self.name = name }

    /// `Name <address>` (the name as encoded words when it is not plain ASCII) or the bare address.
    public var header: String {
        guard let name, !name.isEmpty else { return address }
        let plain = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " ") }
        return (plain ? name : MailEncoding.encodedWords(name, budget: 60).joined(separator: " ")) + " <\(address)>"
    }

    /// A plausible address: one `@`, something either side, no spaces or angle brackets, ASCII.
    public static func isPlausible(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix(".") else { return false }
        return text.allSatisfy { $0.isASCII && !$0.isWhitespace && !"<>(),;:\"[]\\".contains($0) }
    }
}

public enum MailEncoding {
    /// A header whose value is ASCII is written as is; otherwise as RFC 2047 `B` encoded words of
    /// at most 75 characters each, split between characters (never inside one's UTF-8 bytes) and
    /// folded onto continuation lines.
    public static func header(name: String, value: String) -> String {
        let clean = value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if clean.allSatisfy({ $0.isASCII }) && clean.count + name.count + 2 <= 998 { return "\(name): \(clean)" }
        return "\(name): " + encodedWords(clean, budget: 75 - name.count - 2).joined(separator: "\r\n ")
    }

    /// `=?UTF-8?B?…?=` words, the first no longer than `budget` characters, the rest at most 75.
    public static func encodedWords(_ text: String, budget: Int) -> [String] {
        var words: [String] = []
        var current = ""
        func limit() -> Int { words.isEmpty ? max(budget, 20) : 75 }
        func encoded(_ s: String) -> String { "=?UTF-8?B?" + Data(s.utf8).base64EncodedString() + "?=" }
        for character in text {
            let candidate = current + String(character)
            if encoded(candidate).count > limit(), !current.isEmpty {
                words.append(encoded(current))
                current = String(character)
            } else {
                current = candidate
            }
        }
        if !current.isEmpty || words.isEmpty { words.append(encoded(current)) }
        return words
    }

    /// Base64 in lines of 76 characters (RFC 2045).
    public static func base64Lines(_ data: Data) -> [String] {
        let text = data.base64EncodedString()
        var lines: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            let end = text.index(index, offsetBy: 76, limitedBy: text.endIndex) ?? text.endIndex
            lines.append(String(text[index..<end]))
            index = end
        }
        return lines
    }

    /// RFC 5322 date in UTC.
    public static func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    /// SMTP's transparency (RFC 5321 4.5.2): a line starting with a dot gets another; the message
    /// ends with CRLF . CRLF.
    public static func dotStuffed(_ message: String) -> String {
        var text = message.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        if !text.hasSuffix("\r\n") { text += "\r\n" }
        let lines = text.components(separatedBy: "\r\n").map { $0.hasPrefix(".") ? "." + $0 : $0 }
        return lines.joined(separator: "\r\n") + ".\r\n"
    }
}

/// `MEGURI_SMTP_URL` read: `smtp://user:pass@host:587` (STARTTLS, required whenever credentials
/// are given), `smtps://…:465` (TLS from the first byte), `smtp://host:25` without credentials
/// (plain, for a local relay).
public struct SMTPSettings: Sendable, Hashable {
    public enum Security: String, Sendable { case startTLS, implicitTLS, plain }
    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    public var from: MailAddress

    public init(host: String, port: Int, security: Security, username: String? = nil, password: String? = nil, from: MailAddress) {
        self.host = host; self.port = port; self.security = security; self.username = username; self.password = password; self.from = from
    }

    /// Parses the URL; the reason names what is wrong (the caller names the setting).
    public static func parse(_ text: String, from: String?) throws(SettingProblem) -> SMTPSettings {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), ["smtp", "smtps"].contains(scheme) else {
            throw SettingProblem(setting: "MEGURI_SMTP_URL", reason: "must be smtp://[user:password@]host[:port] or smtps://…, not '\(redacted(text))'")
        }
        guard let host = components.host, !host.isEmpty else {
            throw SettingProblem(setting: "MEGURI_SMTP_URL", reason: "names no host: '\(redacted(text))'")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw SettingProblem(setting: "MEGURI_SMTP_URL", reason: "has port \(port), outside 1–65535")
        }
        let user = components.user?.removingPercentEncoding
        let password = components.password?.removingPercentEncoding
        if (user == nil) != (password == nil) {
            throw SettingProblem(setting: "MEGURI_SMTP_URL", reason: "gives a user without a password or a password without a user")
        }
        guard let fromText = from?.trimmingCharacters(in: .whitespaces), !fromText.isEmpty else {
            throw SettingProblem(setting: "MEGURI_MAIL_FROM", reason: "is required with MEGURI_SMTP_URL (the sender's address, such as isms@example.co.jp)")
        }
        guard let sender = parseAddress(fromText) else {
            throw SettingProblem(setting: "MEGURI_MAIL_FROM", reason: "must be an address such as isms@example.co.jp or 'Meguri <isms@example.co.jp>', not '\(fromText)'")
        }
        let security: Security = scheme == "smtps" ? .implicitTLS : (user != nil ? .startTLS : .plain)
        return SMTPSettings(host: host, port: components.port ?? (scheme == "smtps" ? 465 : (user != nil ? 587 : 25)), security: security,
                            username: user, password: password, from: sender)
    }

    static func parseAddress(_ text: String) -> MailAddress? {
        if let open = text.lastIndex(of: "<"), text.hasSuffix(">") {
            let address = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
            let name = text[..<open].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return MailAddress.isPlausible(address) ? MailAddress(address: address, name: name.isEmpty ? nil : name) : nil
        }
        return MailAddress.isPlausible(text) ? MailAddress(address: text, name: "Meguri") : nil
    }

    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "***"
    }

    /// The domain of `Message-ID`s: the sender's.
    public var messageIDDomain: String { String(from.address.split(separator: "@").last ?? "meguri.invalid") }
}

/// A setting that cannot be used, with its name (the web layer turns it into a start-up error).
public struct SettingProblem: Error, Sendable, CustomStringConvertible {
    public var setting: String
    public var reason: String
    public init(setting: String, reason: String) { self.setting = setting; self.reason = reason }
    public var description: String { "\(setting) \(reason)" }
}
