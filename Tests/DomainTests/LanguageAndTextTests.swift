import Domain
import Foundation
import Testing

@Suite struct LanguageNegotiation {
    @Test(arguments: [
        ("ja,en-US;q=0.9,en;q=0.8", Language.ja), ("en-US,en;q=0.9,ja;q=0.8", .en), ("ja-JP", .ja), ("fr-FR,fr;q=0.9", .en),
        ("fr;q=0.9,ja;q=0.8", .ja), ("en;q=0.1,ja;q=0.5", .ja), ("", .en), ("ja;q=0", .en),
    ])
    func picksTheFirstSupportedLanguageByQuality(header: String, expected: Language) {
        #expect(Language.negotiate(acceptLanguage: header) == expected)
    }

    @Test func noHeaderMeansEnglish() {
        #expect(Language.negotiate(acceptLanguage: nil) == .en)
    }
}

@Suite struct CalendarDates {
    @Test(arguments: ["2026-04-01", "2026/04/01", "２０２６-０４-０１", " 2026-4-1 "])
    func readsTheWaysJapaneseSpreadsheetsWriteDates(text: String) {
        #expect(CalendarDate(text) == CalendarDate(year: 2026, month: 4, day: 1))
    }

    @Test(arguments: ["2026-02-30", "2026-13-01", "26-04-01", "tomorrow", "", "2026-04"])
    func refusesWhatIsNotADay(text: String) {
        #expect(CalendarDate(text) == nil)
    }

    @Test func dayOfAnInstantDependsOnTheTimeZone() {
        let instant = Date(timeIntervalSince1970: 1_795_300_000) // 2026-11-21 22:26 UTC
        let late = instant.addingTimeInterval(17 * 3600)         // 2026-11-22 15:26 UTC, already the 23rd in Tokyo
        #expect(CalendarDate(late, in: TimeZone(identifier: "UTC")!).description == "2026-11-22")
        #expect(CalendarDate(late, in: TimeZone(identifier: "Asia/Tokyo")!).description == "2026-11-23")
    }

    @Test func addingDaysCrossesMonthsAndYears() {
        #expect(CalendarDate(year: 2026, month: 12, day: 25)!.adding(days: 14).description == "2027-01-08")
    }
}

@Suite struct TextRules {
    @Test func fullWidthDigitsBecomeASCII() {
        #expect(Text.halfWidth("第１２３号") == "第123号")
        // Signs, percent, letters and the ideographic space of numeric, date and code fields too.
        #expect(Text.halfWidth("ＲＩＳＫ－００１　Ａ．８．１") == "RISK-001 A.8.1")
        #expect(Text.halfWidth("２０２６／１２／０１") == "2026/12/01")
        #expect(Text.halfWidth("−５") == "-5")
        // Nothing else changes (a name keeps its full-width kana and circled digits).
        #expect(Text.halfWidth("ｶﾅ ①㈱") == "ｶﾅ ①㈱")
    }

    @Test func numbersAsPeopleTypeThem() {
        #expect(Text.decimal("９５％") == 95)
        #expect(Text.decimal(" 95 % ") == 95)
        #expect(Text.decimal("１，２３４．５") == 1234.5)
        #expect(Text.decimal("－３") == -3)
        #expect(Text.decimal("九十五") == nil && Text.decimal("95%%") == nil && Text.decimal("nan") == nil)
        #expect(CalendarDate("２０２６－１２－０１")?.description == "2026-12-01")
    }

    @Test func ideographicSpacesAreTrimmed() {
        #expect(Text.trimmed("\u{3000} 情報システム部 \u{3000}") == "情報システム部")
        #expect(Text.nonBlank("\u{3000}") == nil)
    }
}

@Suite struct Paging {
    @Test func cursorsRoundTrip() {
        let cursor = Cursor(key: "営業部", id: UUID().uuidString)
        #expect(Cursor.decode(cursor.encoded) == cursor)
    }

    @Test(arguments: ["", "not base64!", "YWJj"])
    func garbageIsNotACursor(text: String) {
        #expect(Cursor.decode(text) == nil)
    }

    @Test func limitsAreCheckedAndNamed() throws {
        #expect(try PageRequest.parse(limit: nil, cursor: nil).limit == 50)
        #expect(try PageRequest.parse(limit: "200", cursor: nil).limit == 200)
        #expect(throws: DomainError.invalid([FieldError(field: "limit", code: "error.limit", params: ["max": "200"])])) {
            try PageRequest.parse(limit: "201", cursor: nil)
        }
        #expect(throws: DomainError.invalid([FieldError(field: "cursor", code: "error.cursor")])) {
            try PageRequest.parse(limit: nil, cursor: "nonsense")
        }
    }
}

@Suite struct WorkItemOrder {
    @Test func overdueAndSoonFirstUndatedLast() {
        let a = WorkItem(kind: .finish, titleKey: "a", link: "/", due: nil)
        let b = WorkItem(kind: .finish, titleKey: "b", link: "/", due: CalendarDate("2026-12-01"))
        let c = WorkItem(kind: .approve, titleKey: "c", link: "/", due: CalendarDate("2026-11-01"))
        #expect(WorkItem.ordered([a, b, c]).map(\.titleKey) == ["c", "b", "a"])
    }
}

@Suite struct Identifiers {
    @Test func idsPrintAsLowercaseUUIDs() {
        for _ in 0..<100 {
            let uuid = UUID()
            #expect(ID<User>(uuid).description == uuid.uuidString.lowercased())
        }
        #expect(CalendarDate(year: 987 + 1000, month: 3, day: 9)!.description == "1987-03-09")
    }

    @Test func freshIdsAreRandomVersion4UUIDs() {
        let ids = (0..<10_000).map { _ in UUID.fresh() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(200) {
            let text = id.uuidString
            // xxxxxxxx-xxxx-4xxx-[89AB]xxx-xxxxxxxxxxxx
            #expect(Array(text)[14] == "4" && "89AB".contains(Array(text)[19]), "\(text)")
            #expect(UUID(uuidString: text) == id)
        }
        // Every bit outside the version and variant varies.
        let ored = ids.reduce(into: [UInt8](repeating: 0, count: 16)) { acc, id in withUnsafeBytes(of: id.uuid) { for i in 0..<16 { acc[i] |= $0[i] } } }
        let anded = ids.reduce(into: [UInt8](repeating: 0xFF, count: 16)) { acc, id in withUnsafeBytes(of: id.uuid) { for i in 0..<16 { acc[i] &= $0[i] } } }
        #expect(ored[6] == 0x4F && anded[6] == 0x40 && ored[8] == 0xBF && anded[8] == 0x80)
        #expect((0..<16).filter { $0 != 6 && $0 != 8 }.allSatisfy { ored[$0] == 0xFF && anded[$0] == 0 })
    }
}
