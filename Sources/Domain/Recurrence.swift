import Foundation

/// A weekday, Monday first (RFC 5545's default week start).
public enum Weekday: Int, Sendable, Codable, CaseIterable, Comparable {
    case monday, tuesday, wednesday, thursday, friday, saturday, sunday

    public static func < (a: Weekday, b: Weekday) -> Bool { a.rawValue < b.rawValue }

    /// The two letters RFC 5545 uses.
    public var code: String { ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][rawValue] }

    public init?(code: String) {
        guard let index = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"].firstIndex(of: code) else { return nil }
        self.init(rawValue: index)
    }
}

extension CalendarDate {
    /// 1970-01-01 was a Thursday.
    public var weekday: Weekday { Weekday(rawValue: ((dayNumber + 3) % 7 + 7) % 7)! }
}

/// Why an RRULE could not be read: the part (`FREQ`, `BYDAY`…) and the message key of the reason.
public struct RecurrenceError: Error, Sendable, Hashable {
    public var part: String
    public var code: String
    public init(part: String, code: String) { self.part = part; self.code = code }
}

/// A recurrence of all-day items: the subset of RFC 5545's RRULE that an annual plan needs —
/// FREQ YEARLY, MONTHLY or WEEKLY; INTERVAL; BYMONTH; BYMONTHDAY (negative counts from the month's
/// end); BYDAY with ordinals (`2TU`, `-1FR`) for YEARLY and MONTHLY; UNTIL or COUNT. Expanded
/// the way RFC 5545 (and python-dateutil) do, starting on the activity's first date.
public struct RecurrenceRule: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Frequency: String, Sendable, Codable { case yearly = "YEARLY", monthly = "MONTHLY", weekly = "WEEKLY" }

    /// A BYDAY entry: every such weekday of the frame (`ordinal` nil) or its n-th (from the end when negative).
    public struct DaySpec: Sendable, Hashable, Codable {
        public var ordinal: Int?
        public var weekday: Weekday
        public init(_ ordinal: Int? = nil, _ weekday: Weekday) { self.ordinal = ordinal; self.weekday = weekday }
        var text: String { (ordinal.map(String.init) ?? "") + weekday.code }
    }

    public enum End: Sendable, Hashable, Codable { case never, until(CalendarDate), count(Int) }

    public var frequency: Frequency
    public var interval: Int
    public var months: [Int]
    public var monthDays: [Int]
    public var days: [DaySpec]
    public var end: End

    public init(frequency: Frequency, interval: Int = 1, months: [Int] = [], monthDays: [Int] = [], days: [DaySpec] = [], end: End = .never) {
        self.frequency = frequency
        self.interval = interval
        self.months = months
        self.monthDays = monthDays
        self.days = days
        self.end = end
    }

    /// The rule as RRULE text, parts in a fixed order.
    public var description: String {
        var parts = ["FREQ=\(frequency.rawValue)"]
        if interval != 1 { parts.append("INTERVAL=\(interval)") }
        if !months.isEmpty { parts.append("BYMONTH=" + months.map(String.init).joined(separator: ",")) }
        if !monthDays.isEmpty { parts.append("BYMONTHDAY=" + monthDays.map(String.init).joined(separator: ",")) }
        if !days.isEmpty { parts.append("BYDAY=" + days.map(\.text).joined(separator: ",")) }
        switch end {
        case .never: break
        case .until(let date): parts.append("UNTIL=" + date.description.replacingOccurrences(of: "-", with: ""))
        case .count(let n): parts.append("COUNT=\(n)")
        }
        return parts.joined(separator: ";")
    }

    /// Reads RRULE text (`FREQ=MONTHLY;BYDAY=2TU`, an `RRULE:` prefix allowed). A part that cannot be
    /// read is named in the error. A date-time UNTIL in UTC (`…T150000Z`) is taken as the day it
    /// falls on in `zone`.
    public static func parse(_ raw: String, zone: TimeZone) throws(RecurrenceError) -> RecurrenceRule {
        var text = Text.trimmed(raw).uppercased()
        if text.hasPrefix("RRULE:") { text.removeFirst(6) }
        guard !text.isEmpty else { throw RecurrenceError(part: "FREQ", code: "error.rruleMissing") }
        var values: [String: String] = [:]
        for piece in text.split(separator: ";", omittingEmptySubsequences: true) {
            let pair = piece.split(separator: "=", maxSplits: 1).map { Text.trimmed(String($0)) }
            guard pair.count == 2, !pair[1].isEmpty else { throw RecurrenceError(part: pair.first ?? String(piece), code: "error.rruleValue") }
            guard ["FREQ", "INTERVAL", "BYMONTH", "BYMONTHDAY", "BYDAY", "UNTIL", "COUNT", "WKST"].contains(pair[0]) else {
                throw RecurrenceError(part: pair[0], code: "error.rruleUnsupported")
            }
            guard values[pair[0]] == nil else { throw RecurrenceError(part: pair[0], code: "error.rruleRepeated") }
            values[pair[0]] = pair[1]
        }
        guard let freqText = values["FREQ"] else { throw RecurrenceError(part: "FREQ", code: "error.rruleMissing") }
        guard let frequency = Frequency(rawValue: freqText) else { throw RecurrenceError(part: "FREQ", code: "error.rruleFrequency") }
        if let wkst = values["WKST"], wkst != "MO" { throw RecurrenceError(part: "WKST", code: "error.rruleUnsupported") }

        func integers(_ part: String, _ allowed: (Int) -> Bool) throws(RecurrenceError) -> [Int] {
            guard let text = values[part] else { return [] }
            var result: [Int] = []
            for item in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard let n = Int(item), allowed(n) else { throw RecurrenceError(part: part, code: "error.rruleValue") }
                if !result.contains(n) { result.append(n) }
            }
            return result
        }
        let interval = try integers("INTERVAL") { (1...99).contains($0) }.first ?? 1
        let months = try integers("BYMONTH") { (1...12).contains($0) }
        let monthDays = try integers("BYMONTHDAY") { (1...31).contains(abs($0)) }

        var days: [DaySpec] = []
        if let text = values["BYDAY"] {
            for item in text.split(separator: ",", omittingEmptySubsequences: false) {
                let code = String(item.suffix(2))
                let prefix = item.dropLast(2)
                guard let weekday = Weekday(code: code) else { throw RecurrenceError(part: "BYDAY", code: "error.rruleValue") }
                var ordinal: Int?
                if !prefix.isEmpty {
                    guard let n = Int(prefix.hasPrefix("+") ? prefix.dropFirst() : prefix), n != 0, abs(n) <= 53 else {
                        throw RecurrenceError(part: "BYDAY", code: "error.rruleValue")
                    }
                    if frequency == .weekly { throw RecurrenceError(part: "BYDAY", code: "error.rruleOrdinalWeekly") }
                    if frequency == .monthly || !months.isEmpty, abs(n) > 5 { throw RecurrenceError(part: "BYDAY", code: "error.rruleValue") }
                    ordinal = n
                }
                let spec = DaySpec(ordinal, weekday)
                if !days.contains(spec) { days.append(spec) }
            }
            if Set(days.map { $0.ordinal == nil }).count > 1 { throw RecurrenceError(part: "BYDAY", code: "error.rruleMixedDays") }
        }

        var end = End.never
        if values["UNTIL"] != nil && values["COUNT"] != nil { throw RecurrenceError(part: "COUNT", code: "error.rruleUntilAndCount") }
        if let text = values["UNTIL"] {
            guard let date = untilDate(text, zone: zone) else { throw RecurrenceError(part: "UNTIL", code: "error.rruleValue") }
            end = .until(date)
        }
        if values["COUNT"] != nil {
            guard let n = try integers("COUNT", { (1...999).contains($0) }).first else { throw RecurrenceError(part: "COUNT", code: "error.rruleValue") }
            end = .count(n)
        }
        return RecurrenceRule(frequency: frequency, interval: interval, months: months, monthDays: monthDays, days: days, end: end)
    }

    /// `YYYYMMDD`, or a date-time `YYYYMMDDTHHMMSS` (floating: its day) or `…Z` (UTC: the day in `zone`).
    static func untilDate(_ text: String, zone: TimeZone) -> CalendarDate? {
        let digits = text.filter(\.isNumber)
        guard text.count == 8 || text.count == 15 || text.count == 16, digits.count == (text.count == 8 ? 8 : 14) else { return nil }
        guard let y = Int(digits.prefix(4)), let m = Int(digits.dropFirst(4).prefix(2)), let d = Int(digits.dropFirst(6).prefix(2)),
              let day = CalendarDate(year: y, month: m, day: d) else { return nil }
        guard text.count == 16 else {
            if text.count == 15 && Array(text)[8] != "T" { return nil }
            return day
        }
        guard Array(text)[8] == "T", text.hasSuffix("Z"), let h = Int(digits.dropFirst(8).prefix(2)), let mi = Int(digits.dropFirst(10).prefix(2)),
              let s = Int(digits.dropFirst(12).prefix(2)), h < 24, mi < 60, s < 61 else { return nil }
        let instant = day.start(in: TimeZone(identifier: "UTC")!).addingTimeInterval(TimeInterval(h * 3600 + mi * 60 + s))
        return CalendarDate(instant, in: zone)
    }

    /// The dates of the rule on or after `start` (its first date, counted by COUNT when it matches)
    /// that fall in `window`. At most `limit` dates.
    public func dates(start: CalendarDate, in window: ClosedRange<CalendarDate>, limit: Int = 1000) -> [CalendarDate] {
        // Defaults taken from the start, as RFC 5545 does when the rule does not say.
        var monthDays = self.monthDays
        var days = self.days
        var months = self.months
        if monthDays.isEmpty && days.isEmpty {
            switch frequency {
            case .yearly:
                if months.isEmpty { months = [start.month] }
                monthDays = [start.day]
            case .monthly: monthDays = [start.day]
            case .weekly: days = [DaySpec(nil, start.weekday)]
            }
        }
        var until = window.upperBound
        var remaining = Int.max
        switch end {
        case .never: break
        case .until(let date): until = min(until, date)
        case .count(let n): remaining = n
        }
        let plain = Set(days.filter { $0.ordinal == nil }.map(\.weekday))
        let numbered = days.filter { $0.ordinal != nil }
        let monthFrame = frequency == .monthly || (frequency == .yearly && !months.isEmpty)

        func matches(_ d: CalendarDate) -> Bool {
            if !months.isEmpty && !months.contains(d.month) { return false }
            if !monthDays.isEmpty {
                let length = CalendarDate.days(inMonth: d.month, of: d.year)
                guard monthDays.contains(where: { $0 == d.day || ($0 < 0 && length + $0 + 1 == d.day) }) else { return false }
            }
            if !plain.isEmpty && !plain.contains(d.weekday) { return false }
            if !numbered.isEmpty {
                let frameStart = monthFrame ? CalendarDate(year: d.year, month: d.month, day: 1)! : CalendarDate(year: d.year, month: 1, day: 1)!
                let frameEnd = monthFrame ? CalendarDate(year: d.year, month: d.month, day: CalendarDate.days(inMonth: d.month, of: d.year))!
                    : CalendarDate(year: d.year, month: 12, day: 31)!
                let fromStart = (d.dayNumber - frameStart.dayNumber) / 7 + 1
                let fromEnd = -((frameEnd.dayNumber - d.dayNumber) / 7 + 1)
                guard numbered.contains(where: { $0.weekday == d.weekday && ($0.ordinal == fromStart || $0.ordinal == fromEnd) }) else { return false }
            }
            return true
        }

        var result: [CalendarDate] = []
        var period = 0
        while remaining > 0 && result.count < limit {
            let range: ClosedRange<CalendarDate>
            switch frequency {
            case .yearly:
                let year = start.year + period * interval
                guard year <= 9999 else { return result }
                range = CalendarDate(year: year, month: 1, day: 1)!...CalendarDate(year: year, month: 12, day: 31)!
            case .monthly:
                let index = start.year * 12 + start.month - 1 + period * interval
                let (year, month) = (index / 12, index % 12 + 1)
                guard year <= 9999 else { return result }
                range = CalendarDate(year: year, month: month, day: 1)!...CalendarDate(year: year, month: month, day: CalendarDate.days(inMonth: month, of: year))!
            case .weekly:
                let monday = start.dayNumber - start.weekday.rawValue + period * interval * 7
                range = CalendarDate(dayNumber: monday)...CalendarDate(dayNumber: monday + 6)
            }
            if range.lowerBound > until { break }
            var day = range.lowerBound
            while day <= range.upperBound && remaining > 0 {
                if day >= start && matches(day) {
                    if day > until { return result }
                    remaining -= 1
                    if day >= window.lowerBound { result.append(day); if result.count >= limit { return result } }
                }
                day = day.adding(days: 1)
            }
            period += 1
        }
        return result
    }
}
