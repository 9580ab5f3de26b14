import Domain
import Foundation
import Testing

/// Scoring, validity and who a campaign is for: the rules of training, table by table.
@Suite struct TrainingRulesTests {
    static let workspace = Workspace.ID()
    static let now = Date(timeIntervalSince1970: 1_790_000_000)

    static func question(_ id: String, _ kind: Course.Question.Kind, right: Set<String>) -> Course.Question {
        Course.Question(id: id, kind: kind, text: Bilingual(ja: "問", en: "Q"),
                        choices: ["a", "b", "c", "d"].map { Course.Question.Choice(id: $0, text: Bilingual(ja: $0, en: $0), correct: right.contains($0)) },
                        explanation: Bilingual(ja: "解説", en: "Why"))
    }

    static let course = Course(workspaceID: workspace, number: 1, code: "CRS-001", title: Bilingual(ja: "年次教育", en: "Annual"),
                               questions: [question("q1", .single, right: ["a"]), question("q2", .multiple, right: ["b", "c"]), question("q3", .single, right: ["d"])],
                               passingScore: 66, createdAt: now, updatedAt: now)

    @Test(arguments: [
        (["q1": ["a"], "q2": ["b", "c"], "q3": ["d"]], 100, true, [String]()),
        (["q1": ["a"], "q2": ["c", "b"], "q3": ["a"]], 66, true, ["q3"]),
        (["q1": ["a"], "q2": ["b"], "q3": ["d"]], 66, true, ["q2"]),            // a multiple-choice question needs every right choice
        (["q1": ["a"], "q2": ["b", "c", "d"], "q3": ["d"]], 66, true, ["q2"]),  // and no wrong one
        (["q1": ["b"], "q2": ["b"], "q3": ["d"]], 33, false, ["q1", "q2"]),
        ([:], 0, false, ["q1", "q2", "q3"]),
    ] as [([String: [String]], Int, Bool, [String])])
    func scoring(answers: [String: [String]], score: Int, passed: Bool, missed: [String]) {
        #expect(TrainingRules.score(Self.course, answers: answers) == TrainingRules.Score(score: score, passed: passed, missed: missed))
    }

    @Test func aScoreIsRoundedDownSoAPassIsNeverRoundedIntoBeing() {
        var course = Self.course
        course.passingScore = 67
        #expect(TrainingRules.score(course, answers: ["q1": ["a"], "q2": ["b", "c"], "q3": ["a"]]) == .init(score: 66, passed: false, missed: ["q3"]))
    }

    @Test func answersAreCheckedAgainstTheCourse() {
        let errors = TrainingRules.check(Self.course, answers: ["q1": ["a", "b"], "q2": ["z"], "q9": ["a"]])
        #expect(errors.map(\.code) == ["error.unknownQuestion", "error.questionOneChoice", "error.unknownChoice", "error.questionUnanswered"])
        #expect(errors.map(\.field) == ["answers.q9", "answers.q1", "answers.q2", "answers.q3"])
        #expect(errors[3].params["number"] == "3")
        #expect(TrainingRules.check(Self.course, answers: ["q1": ["a"], "q2": ["b"], "q3": ["c"]]).isEmpty)
    }

    @Test func aCourseThatCannotBeTakenIsRefused() {
        var course = Self.course
        course.title = Bilingual(ja: "", en: "")
        course.passingScore = 0
        course.questions[0].choices = Array(course.questions[0].choices.prefix(1))
        course.questions[1].choices = course.questions[1].choices.map { var c = $0; c.correct = false; return c }
        course.questions[2].choices[0].correct = true
        let codes = TrainingRules.validate(course).map(\.code)
        #expect(codes == ["error.required", "error.range", "error.questionChoices", "error.questionSomeRight", "error.questionOneRight"])
        #expect(TrainingRules.validate(Self.course).isEmpty)
    }

    @Test(arguments: [
        ("2026-04-10", 12, "2027-04-09", "2027-04-09", true),
        ("2026-04-10", 12, "2027-04-09", "2027-04-10", false),
        ("2026-04-10", 0, nil, "2040-01-01", true),
        ("2026-01-31", 1, "2026-02-27", "2026-02-28", false),
    ] as [(String, Int, String?, String, Bool)])
    func validity(passed: String, months: Int, until: String?, today: String, valid: Bool) {
        let day = CalendarDate(passed)!
        #expect(TrainingRules.validUntil(passedOn: day, months: months) == until.flatMap(CalendarDate.init))
        #expect(TrainingRules.passIsValid(passedOn: day, months: months, on: CalendarDate(today)!) == valid)
    }

    static func member(joined: Date = now, roles: [Role] = [.employee]) -> Member {
        Member(workspaceID: workspace, userID: User.ID(), email: "m@example.co.jp", displayName: "m", homeDepartmentID: nil,
               grants: roles.map { RoleGrant(role: $0) }, createdAt: joined, updatedAt: joined)
    }

    @Test func whoACampaignIsFor() {
        let today = CalendarDate("2026-12-06")!
        let yearly = Campaign(workspaceID: Self.workspace, number: 1, title: "年次", courseID: Self.course.id, audience: .all,
                              startsOn: CalendarDate("2026-06-01")!, dueOn: CalendarDate("2026-06-30")!, createdAt: Self.now, updatedAt: Self.now)
        #expect(TrainingRules.includes(yearly, member: Self.member(), joinedOn: CalendarDate("2020-01-01")!, lastPassBeforeStart: nil, validityMonths: 12, on: today))
        var auditors = yearly
        auditors.audience = Audience(roles: [.internalAuditor])
        #expect(!TrainingRules.includes(auditors, member: Self.member(), joinedOn: today, lastPassBeforeStart: nil, validityMonths: 12, on: today))

        // A newcomers' rule: everyone who joined from 30 days before it began, however long ago that is now.
        var newcomers = yearly
        newcomers.joinedWithinDays = 30
        newcomers.dueOn = nil
        newcomers.dueDays = 14
        #expect(!TrainingRules.includes(newcomers, member: Self.member(), joinedOn: CalendarDate("2026-04-30")!, lastPassBeforeStart: nil, validityMonths: 12, on: today))
        #expect(TrainingRules.includes(newcomers, member: Self.member(), joinedOn: CalendarDate("2026-05-02")!, lastPassBeforeStart: nil, validityMonths: 12, on: today))
        #expect(TrainingRules.dueOn(newcomers, joinedOn: CalendarDate("2026-05-02")!) == CalendarDate("2026-06-15"))
        #expect(TrainingRules.dueOn(newcomers, joinedOn: CalendarDate("2026-09-01")!) == CalendarDate("2026-09-15"))

        // Whose pass has expired, judged at the start: passing again keeps them in the campaign.
        var expired = yearly
        expired.expiredPassOnly = true
        let old = CalendarDate("2025-03-01")!, recent = CalendarDate("2025-09-01")!
        #expect(TrainingRules.includes(expired, member: Self.member(), joinedOn: old, lastPassBeforeStart: old, validityMonths: 12, on: today))
        #expect(!TrainingRules.includes(expired, member: Self.member(), joinedOn: old, lastPassBeforeStart: recent, validityMonths: 12, on: today))
        #expect(!TrainingRules.includes(expired, member: Self.member(), joinedOn: old, lastPassBeforeStart: nil, validityMonths: 12, on: today))
    }

    @Test func competenceIsMetByARecordOrAValidPass() {
        let today = CalendarDate("2026-12-06")!
        let requirement = CompetenceRequirement(workspaceID: Self.workspace, role: .internalAuditor, name: "監査員", courseID: Self.course.id, createdAt: Self.now,
                                                updatedAt: Self.now)
        let user = User.ID()
        let record = CompetenceRecord(workspaceID: Self.workspace, userID: user, requirementID: requirement.id, name: "外部研修", obtainedOn: CalendarDate("2024-01-10")!,
                                      expiresOn: CalendarDate("2026-12-31")!, createdAt: Self.now, updatedAt: Self.now)
        #expect(CompetenceRules.isMet(requirement, records: [record], lastPass: nil, validityMonths: 12, on: today))
        #expect(!CompetenceRules.isMet(requirement, records: [record], lastPass: nil, validityMonths: 12, on: CalendarDate("2027-01-01")!))
        #expect(CompetenceRules.isMet(requirement, records: [], lastPass: CalendarDate("2026-01-10"), validityMonths: 12, on: today))
        #expect(!CompetenceRules.isMet(requirement, records: [], lastPass: CalendarDate("2025-11-10"), validityMonths: 12, on: today))
    }

    @Test(arguments: [
        ("1", true), ("TRUE", true), ("はい", true), ("○", true), ("2026-06-01 10:12", true), ("2026/06/01", true),
        ("0", false), ("false", false), ("いいえ", false), ("", false), ("-", false), ("maybe", nil),
    ] as [(String, Bool?)])
    func drillFlags(raw: String, flag: Bool?) {
        #expect(PhishingRules.flag(raw) == flag)
    }

    @Test func aDrillToolsStatusLadder() {
        #expect(PhishingRules.stage("Email Sent") == .sent)
        #expect(PhishingRules.stage("Email Opened") == .opened)
        #expect(PhishingRules.stage("Clicked Link") == .clicked)
        #expect(PhishingRules.stage("Submitted Data") == .submitted)
        #expect(PhishingRules.stage("クリック済み") == .clicked)
        let results = [PhishingDrill.Result(userID: User.ID(), departmentID: nil, opened: true, clicked: false, submitted: false, reported: true),
                       PhishingDrill.Result(userID: User.ID(), departmentID: nil, opened: false, clicked: false, submitted: true, reported: false),
                       PhishingDrill.Result(userID: User.ID(), departmentID: nil, opened: false, clicked: false, submitted: false, reported: false)]
        let rates = PhishingDrill.Rates(results)
        let counts: [Int] = [rates.sent, rates.opened, rates.clicked, rates.submitted, rates.reported, rates.clickRate, rates.reportRate]
        #expect(counts == [3, 2, 1, 1, 1, 33, 33])
    }
}
