import Foundation

/// A date without a time of day (a due date, a certification date), stored as `YYYY-MM-DD`.
public struct CalendarDate: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1900...9999).contains(year), (1...12).contains(month), (1...Self.days(inMonth: month, of: year)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The number of days of a month in the Gregorian calendar (checked arithmetically: building
    /// a `Calendar` per date was the largest cost of reading a few hundred dates).
    public static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Parses `YYYY-MM-DD`, also `YYYY/MM/DD` as Japanese spreadsheets write it, with full-width digits accepted.
    public init?(_ text: String) {
        // The stored form, YYYY-MM-DD in ASCII, read straight from its bytes (every date of every record read goes through here).
        if text.utf8.count == 10 {
            let bytes = Array(text.utf8)
            func digits(_ range: Range<Int>) -> Int? {
                var value = 0
                for index in range {
                    let byte = bytes[index]
                    guard byte >= 48 && byte <= 57 else { return nil }
                    value = value * 10 + Int(byte - 48)
                }
                return value
            }
            if bytes[4] == 45 && bytes[7] == 45, let y = digits(0..<4), let m = digits(5..<7), let d = digits(8..<10) {
                self.init(year: y, month: m, day: d)
                return
            }
        }
        let normalized = Text.halfWidth(text.trimmingCharacters(in: .whitespaces))
        let parts = normalized.split(whereSeparator: { $0 == "-" || $0 == "/" })
        if parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) {
            self.init(year: y, month: m, day: d)
            return
        }
        guard let (y, m, d) = Self.japanese(normalized) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The eras a Japanese spreadsheet dates by, with the Gregorian year before their first.
    static let eras: [(names: [String], before: Int)] = [(["令和", "R"], 2018), (["平成", "H"], 1988), (["昭和", "S"], 1925)]

    /// `2026年4月1日`, `令和8年4月1日`, `令和元年5月1日`, `R8.4.1`, `R8/4/1`, `H31.4.30`.
    static func japanese(_ text: String) -> (Int, Int, Int)? {
        var rest = Substring(text.uppercased())
        var offset: Int? = nil
        for era in eras {
            if let name = era.names.first(where: { rest.hasPrefix($0) }) {
                offset = era.before
                rest = rest.dropFirst(name.count)
                break
            }
        }
        if offset != nil, rest.hasPrefix("元") { rest = "1" + rest.dropFirst() }
        let numbers = rest.split(whereSeparator: { "年月日./-".contains($0) }).map(String.init)
        guard numbers.count == 3, let a = Int(numbers[0]), let m = Int(numbers[1]), let d = Int(numbers[2]) else { return nil }
        if let offset { return a >= 1 && a <= 99 ? (offset + a, m, d) : nil }
        // Without an era only the kanji form with a four-digit year (2026年4月1日).
        return numbers[0].count == 4 && text.contains("年") ? (a, m, d) : nil
    }

    /// The calendar day of `date` as seen in `timeZone` (the zone's offset at that instant, then day
    /// arithmetic: building a `Calendar` per call was the cost of computing thousands of rosters).
    public init(_ date: Date, in timeZone: TimeZone) {
        let local = date.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: date))
        self.init(dayNumber: Int((local / 86_400).rounded(.down)))
    }

    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// The first instant of this day in `timeZone`.
    public func start(in timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.date(from: DateComponents(year: year, month: month, day: day))!
    }

    public func adding(days: Int) -> CalendarDate { CalendarDate(dayNumber: dayNumber + days) }

    /// Days since 1970-01-01 (proleptic Gregorian; H. Hinnant's days-from-civil).
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The day `dayNumber` days after 1970-01-01.
    public init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = doy - (153 * mp + 2) / 5 + 1
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        // JSON (stored records, the API) carries dates as YYYY-MM-DD: the spreadsheet forms
        // (令和8年4月1日, R8.4.1) are for what people type and import.
        guard text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "/") }), let value = CalendarDate(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "Expected a date as YYYY-MM-DD"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
