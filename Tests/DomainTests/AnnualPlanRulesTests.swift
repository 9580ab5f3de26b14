import Domain
import Foundation
import Testing

/// The recurrence rules of the annual plan, the typical plan and the calendar feed's text. The
/// expected dates were taken from python-dateutil's expansion of the same rules (the script
/// `scripts/reliability/plan.py` checks the live server against it too).
@Suite struct AnnualPlanRulesTests {
    static let tokyo = TimeZone(identifier: "Asia/Tokyo")!

    static func day(_ text: String) -> CalendarDate { CalendarDate(text)! }

    @Test(arguments: [
        ("FREQ=MONTHLY;BYDAY=2TU", "2026-04-14", "2026-04-01", "2027-03-31",
         ["2026-04-14", "2026-05-12", "2026-06-09", "2026-07-14", "2026-08-11", "2026-09-08", "2026-10-13", "2026-11-10", "2026-12-08", "2027-01-12",
          "2027-02-09", "2027-03-09"]),
        // Months without a 31st are skipped, as RFC 5545 says.
        ("FREQ=MONTHLY;BYMONTHDAY=31", "2026-01-31", "2026-01-01", "2026-12-31",
         ["2026-01-31", "2026-03-31", "2026-05-31", "2026-07-31", "2026-08-31", "2026-10-31", "2026-12-31"]),
        // The last day of each month, a leap February included.
        ("FREQ=MONTHLY;BYMONTHDAY=-1", "2024-01-31", "2024-01-01", "2024-04-30", ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]),
        ("FREQ=YEARLY", "2024-02-29", "2024-01-01", "2032-12-31", ["2024-02-29", "2028-02-29", "2032-02-29"]),
        // The second Tuesday across a year end, counted from the first date.
        ("FREQ=MONTHLY;BYDAY=2TU;COUNT=3", "2026-11-10", "2026-01-01", "2027-12-31", ["2026-11-10", "2026-12-08", "2027-01-12"]),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;UNTIL=20260131", "2026-01-01", "2025-12-01", "2026-12-31",
         ["2026-01-01", "2026-01-12", "2026-01-15", "2026-01-26", "2026-01-29"]),
        ("FREQ=YEARLY;BYMONTH=6;BYDAY=-1FR", "2026-01-01", "2026-01-01", "2028-12-31", ["2026-06-26", "2027-06-25", "2028-06-30"]),
        ("FREQ=MONTHLY;INTERVAL=3", "2026-06-20", "2026-04-01", "2027-03-31", ["2026-06-20", "2026-09-20", "2026-12-20", "2027-03-20"]),
        ("FREQ=YEARLY;BYDAY=20MO", "2026-01-01", "2026-01-01", "2027-12-31", ["2026-05-18", "2027-05-17"]),
        // Friday the 13th and Monday the 13th: BYDAY limits BYMONTHDAY.
        ("FREQ=MONTHLY;BYDAY=MO,FR;BYMONTHDAY=13", "2026-01-01", "2026-01-01", "2026-12-31", ["2026-02-13", "2026-03-13", "2026-04-13", "2026-07-13", "2026-11-13"]),
        ("FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1", "2025-03-01", "2025-01-01", "2027-12-31", ["2025-07-01", "2026-01-01", "2026-07-01", "2027-01-01", "2027-07-01"]),
        // COUNT counts from the first date even when the window starts later.
        ("FREQ=MONTHLY;COUNT=4", "2026-12-15", "2027-01-01", "2027-12-31", ["2027-01-15", "2027-02-15", "2027-03-15"]),
    ] as [(String, String, String, String, [String])])
    func expansion(rule: String, start: String, from: String, to: String, expected: [String]) throws {
        let parsed = try RecurrenceRule.parse(rule, zone: Self.tokyo)
        #expect(parsed.dates(start: Self.day(start), in: Self.day(from)...Self.day(to)).map(\.description) == expected)
        // The canonical text reads back to the same rule.
        #expect(try RecurrenceRule.parse(parsed.description, zone: Self.tokyo) == parsed)
    }

    @Test func aUTCUntilIsTheDayItFallsOnInTheWorkspacesZone() throws {
        // 15:00 UTC on 9 March is already 10 March in Tokyo, but still 9 March in UTC.
        let rule = "FREQ=MONTHLY;UNTIL=20270309T150000Z"
        let window = Self.day("2026-12-01")...Self.day("2027-12-31")
        let tokyo = try RecurrenceRule.parse(rule, zone: Self.tokyo).dates(start: Self.day("2026-12-10"), in: window)
        let utc = try RecurrenceRule.parse(rule, zone: TimeZone(identifier: "UTC")!).dates(start: Self.day("2026-12-10"), in: window)
        #expect(tokyo.map(\.description) == ["2026-12-10", "2027-01-10", "2027-02-10", "2027-03-10"])
        #expect(utc.map(\.description) == ["2026-12-10", "2027-01-10", "2027-02-10"])
    }

    @Test(arguments: [
        ("", "FREQ", "error.rruleMissing"),
        ("BYDAY=2TU", "FREQ", "error.rruleMissing"),
        ("FREQ=DAILY", "FREQ", "error.rruleFrequency"),
        ("FREQ=MONTHLY;BYDAY=2XX", "BYDAY", "error.rruleValue"),
        ("FREQ=MONTHLY;BYDAY=6TU", "BYDAY", "error.rruleValue"),
        ("FREQ=WEEKLY;BYDAY=2TU", "BYDAY", "error.rruleOrdinalWeekly"),
        ("FREQ=MONTHLY;BYDAY=2TU,WE", "BYDAY", "error.rruleMixedDays"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY", "error.rruleValue"),
        ("FREQ=YEARLY;BYMONTH=13", "BYMONTH", "error.rruleValue"),
        ("FREQ=MONTHLY;INTERVAL=0", "INTERVAL", "error.rruleValue"),
        ("FREQ=MONTHLY;COUNT=3;UNTIL=20270101", "COUNT", "error.rruleUntilAndCount"),
        ("FREQ=MONTHLY;UNTIL=2027-01-01", "UNTIL", "error.rruleValue"),
        ("FREQ=MONTHLY;BYSETPOS=1", "BYSETPOS", "error.rruleUnsupported"),
        ("FREQ=MONTHLY;FREQ=YEARLY", "FREQ", "error.rruleRepeated"),
        ("FREQ=MONTHLY;BYDAY", "BYDAY", "error.rruleValue"),
    ])
    func aRuleThatCannotBeReadNamesThePart(rule: String, part: String, code: String) {
        #expect(throws: RecurrenceError(part: part, code: code)) { try RecurrenceRule.parse(rule, zone: Self.tokyo) }
    }

    @Test func rulesAreReadLoosely() throws {
        let rule = try RecurrenceRule.parse("  rrule:freq=monthly;byday=+2tu ", zone: Self.tokyo)
        #expect(rule.description == "FREQ=MONTHLY;BYDAY=2TU")
    }

    @Test func aFiscalYearFromAprilHasTwelveSecondTuesdays() {
        let year = PlanRules.fiscalYear(2026, startMonth: 4)
        #expect(year == Self.day("2026-04-01")...Self.day("2027-03-31"))
        let activity = PlannedActivity(workspaceID: Workspace.ID(), title: "情報セキュリティ委員会", rrule: "FREQ=MONTHLY;BYDAY=2TU", startsOn: Self.day("2026-04-14"),
                                       createdAt: Date(), updatedAt: Date())
        let dates = activity.occurrences(in: year, zone: Self.tokyo)
        #expect(dates.count == 12)
        #expect(dates.allSatisfy { $0.weekday == .tuesday && (8...14).contains($0.day) })
        #expect(PlanRules.isOccurrence(Self.day("2026-05-12"), of: activity, zone: Self.tokyo))
        #expect(!PlanRules.isOccurrence(Self.day("2026-05-13"), of: activity, zone: Self.tokyo))
    }

    @Test func theTypicalPlanPlacesTheSeedsActivitiesAndTheSurveillanceAuditOnTheAnniversary() throws {
        let plan = TypicalPlan.propose(fiscalYear: 2026, startMonth: 4, certificateIssuedOn: Self.day("2024-06-28"))
        #expect(plan.count == 12)
        let year = PlanRules.fiscalYear(2026, startMonth: 4)
        #expect(plan.allSatisfy { year.contains($0.startsOn) && !$0.title.ja.isEmpty && !$0.title.en.isEmpty && !$0.references.isEmpty })
        #expect(plan.first { $0.key == "certificationAudit" }?.startsOn == Self.day("2026-06-28"))
        // Every rule reads, and stops at the fiscal year's end.
        for p in plan {
            guard let text = p.rrule else { continue }
            let rule = try RecurrenceRule.parse(text, zone: Self.tokyo)
            #expect(rule.end == .until(Self.day("2027-03-31")), "\(p.key)")
        }
        // Without a certificate date the audit falls in the eleventh month (February for April).
        let unknown = TypicalPlan.propose(fiscalYear: 2026, startMonth: 4, certificateIssuedOn: nil)
        #expect(unknown.first { $0.key == "certificationAudit" }?.startsOn == Self.day("2027-02-01"))
        // A fiscal year from January keeps everything inside the calendar year.
        let january = TypicalPlan.propose(fiscalYear: 2027, startMonth: 1, certificateIssuedOn: Self.day("2024-06-28"))
        #expect(january.allSatisfy { $0.startsOn.year == 2027 })
    }

    @Test func anActivitysFieldsAreCheckedTogether() {
        var activity = PlannedActivity(workspaceID: Workspace.ID(), title: "", startsOn: Self.day("2026-04-01"), createdAt: Date(), updatedAt: Date())
        var v = Validator()
        PlanRules.apply(PlannedActivityInput(title: " ", rrule: "FREQ=MONTHLY;BYDAY=9TU", startsOn: "2026-02-30", phase: "later"), to: &activity,
                        creating: true, zone: Self.tokyo, into: &v)
        #expect(v.errors.map(\.field) == ["title", "startsOn", "rrule", "phase"])
        #expect(v.errors.first { $0.field == "rrule" }?.params["part"] == "BYDAY")
        var ok = Validator()
        PlanRules.apply(PlannedActivityInput(title: "委員会", rrule: "freq=monthly;byday=2tu", startsOn: "２０２６/０４/１４", phase: "評価",
                                             references: ["9.3、a.5.24"]), to: &activity, creating: true, zone: Self.tokyo, into: &ok)
        #expect(ok.errors.isEmpty)
        #expect(activity.rrule == "FREQ=MONTHLY;BYDAY=2TU" && activity.phase == .check && activity.references == ["9.3", "A.5.24"])
    }

    @Test func itemsAreOverdueOnlyOnceTheirDayHasPassed() {
        let today = Self.day("2026-12-06")
        #expect(PlanItem.status(done: false, date: Self.day("2026-12-05"), today: today) == .overdue)
        #expect(PlanItem.status(done: false, date: today, today: today) == .planned)
        #expect(PlanItem.status(done: true, date: Self.day("2026-01-01"), today: today) == .done)
    }

    @Test func theCalendarTextIsEscapedFoldedAndEndsLinesWithCRLF() {
        let long = String(repeating: "情報セキュリティ委員会", count: 6)
        let text = ICalendar.document(name: "計画", events: [
            ICalendar.Event(uid: "activity-1-2026-04-14@acme.meguri", date: Self.day("2026-04-14"), summary: "委員会; 議題, 確認\\n", url: "http://x/w/acme"),
            ICalendar.Event(uid: "activity-2", date: Self.day("2026-12-31"), summary: long),
        ], stamp: Date(timeIntervalSince1970: 1_790_000_000))
        #expect(text.hasPrefix("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"))
        #expect(text.hasSuffix("END:VCALENDAR\r\n"))
        #expect(text.contains("SUMMARY:委員会\\; 議題\\, 確認\\\\n\r\n"))
        #expect(text.contains("DTSTART;VALUE=DATE:20261231\r\nDTEND;VALUE=DATE:20270101\r\n"))
        #expect(text.contains("DTSTAMP:20260921T141320Z\r\n"))
        for line in text.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 75, "\(line)") }
        // Unfolded, the long summary is whole again.
        #expect(text.replacingOccurrences(of: "\r\n ", with: "").contains("SUMMARY:" + long + "\r\n"))
    }
}
