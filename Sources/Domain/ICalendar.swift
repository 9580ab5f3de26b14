import Foundation

/// An iCalendar (RFC 5545) document of all-day events, as a calendar program subscribes to it:
/// CRLF line ends, lines folded at 75 octets (never inside a UTF-8 character), text escaped.
public enum ICalendar {
    public struct Event: Sendable, Hashable {
        public var uid: String
        public var date: CalendarDate
        public var summary: String
        public var description: String?
        public var url: String?
        public var status: String?

        public init(uid: String, date: CalendarDate, summary: String, description: String? = nil, url: String? = nil, status: String? = nil) {
            self.uid = uid; self.date = date; self.summary = summary; self.description = description; self.url = url; self.status = status
        }
    }

    /// The whole document. `stamp` is DTSTAMP of every event (the moment the feed was made).
    public static func document(name: String, events: [Event], stamp: Date) -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Meguri//Annual plan//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
                     "X-WR-CALNAME:" + escape(name), "REFRESH-INTERVAL;VALUE=DURATION:PT6H", "X-PUBLISHED-TTL:PT6H"]
        let dtstamp = utcStamp(stamp)
        for event in events {
            lines.append("BEGIN:VEVENT")
            lines.append("UID:" + event.uid)
            lines.append("DTSTAMP:" + dtstamp)
            lines.append("DTSTART;VALUE=DATE:" + compact(event.date))
            lines.append("DTEND;VALUE=DATE:" + compact(event.date.adding(days: 1)))
            lines.append("SUMMARY:" + escape(event.summary))
            if let description = event.description { lines.append("DESCRIPTION:" + escape(description)) }
            if let url = event.url { lines.append("URL:" + url) }
            if let status = event.status { lines.append("STATUS:" + status) }
            lines.append("TRANSP:TRANSPARENT")
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    static func compact(_ date: CalendarDate) -> String { date.description.replacingOccurrences(of: "-", with: "") }

    static func utcStamp(_ date: Date) -> String {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// TEXT values: backslash, semicolon and comma escaped, line breaks as `\n`.
    public static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\r\n", "\n", "\r": out += "\\n"
            default:
                if let ascii = ch.asciiValue, ascii < 0x20 || ascii == 0x7F { continue }
                out.append(ch)
            }
        }
        return out
    }

    /// Folds a content line: at most 75 octets per line, continuation lines start with a space.
    public static func fold(_ line: String) -> String {
        guard line.utf8.count > 75 else { return line }
        var result = ""
        var current = 0
        var limit = 75
        for scalar in line.unicodeScalars {
            let size = String(scalar).utf8.count
            if current + size > limit {
                result += "\r\n "
                current = 0
                limit = 74
            }
            result.unicodeScalars.append(scalar)
            current += size
        }
        return result
    }
}
