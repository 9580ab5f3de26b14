import Domain
import Foundation
import Testing

/// The SoA's rules on their own: warnings, what a decision needs, submission, comparison, and
/// what an evidence upload may be.
@Suite struct SoARulesTests {
    let workspace = Workspace.ID()
    let today = CalendarDate("2026-11-22")!

    func entry(_ decision: SoAEntry.Decision, justification: String? = "理由", implementation: SoAEntry.Implementation? = nil,
               description: String? = nil, review: String? = nil) -> SoAEntry {
        SoAEntry(workspaceID: workspace, controlID: "5.15", decision: decision, justification: justification, implementation: implementation,
                 description: description, reviewReason: review, updatedAt: Date(), version: 1)
    }

    @Test func warningsFollowTheDecisionAndTheFacts() {
        // Excluded while a risk relies on it.
        #expect(SoARules.warnings(entry(.excluded), facts: SoAFacts(linkedRisks: 2), today: today, freshnessMonths: 12) == [.excludedButRisk])
        #expect(SoARules.warnings(entry(.excluded), facts: SoAFacts(linkedRisks: 0), today: today, freshnessMonths: 12).isEmpty)
        // Applicable with nothing written and nothing attached.
        #expect(SoARules.warnings(entry(.applicable, implementation: .planned), facts: SoAFacts(), today: today, freshnessMonths: 12) == [.noDescription, .noEvidence])
        // Evidence collected 13 months ago is stale with a 12-month period, not with 18.
        let old = SoAFacts(evidenceCount: 1, newestEvidence: CalendarDate("2025-10-21")!)
        let described = entry(.applicable, implementation: .implemented, description: "入退室カードで管理")
        #expect(SoARules.warnings(described, facts: old, today: today, freshnessMonths: 12) == [.staleEvidence])
        #expect(SoARules.warnings(described, facts: old, today: today, freshnessMonths: 18).isEmpty)
        // Exactly on the boundary is still fresh.
        #expect(SoARules.warnings(described, facts: SoAFacts(evidenceCount: 1, newestEvidence: CalendarDate("2025-11-22")!), today: today, freshnessMonths: 12).isEmpty)
        // An undecided entry left by an import warns that it needs a decision, nothing else.
        #expect(SoARules.warnings(entry(.undecided, justification: nil, review: "soa.review.new2022"), facts: SoAFacts(linkedRisks: 3), today: today,
                                  freshnessMonths: 12) == [.reviewNeeded])
    }

    @Test func aDecisionNeedsItsJustificationAndAnApplicableControlItsStatus() {
        #expect(SoARules.validate(entry(.undecided, justification: nil)).isEmpty)
        #expect(SoARules.validate(entry(.excluded, justification: "  ")).map(\.field) == ["justification"])
        #expect(SoARules.validate(entry(.applicable, implementation: nil)).map(\.code) == ["error.implementationNeeded"])
        #expect(SoARules.validate(entry(.excluded, implementation: .implemented)).map(\.code) == ["error.implementationOnlyApplicable"])
        #expect(SoARules.validate(entry(.applicable, implementation: .partial)).isEmpty)
    }

    @Test func submissionWaitsForEveryControlAndTheReviewList() {
        let decided = entry(.applicable, implementation: .implemented)
        var pending = entry(.excluded)
        pending.controlID = "5.16"
        pending.reviewReason = "soa.review.merged|ids=A.9.2.1"
        let problems = SoARules.submissionProblems([decided, pending], controlIDs: ["5.15", "5.16", "5.17"])
        #expect(problems.map(\.code) == ["error.soaUndecided", "error.soaReviewPending"])
        #expect(problems[0].params["ids"] == "5.17" && problems[1].params["ids"] == "5.16")
        pending.reviewReason = nil
        #expect(SoARules.submissionProblems([decided, pending], controlIDs: ["5.15", "5.16"]).isEmpty)
    }

    @Test func choicesAreReadInBothLanguagesAndAsJapaneseSpreadsheetsWriteThem() {
        for (text, decision) in [("適用", SoAEntry.Decision.applicable), ("○", .applicable), ("Yes", .applicable), ("除外", .excluded), ("×", .excluded),
                                 ("excluded", .excluded), ("未決定", .undecided)] {
            #expect(SoARules.decisionNames.parse(text) == decision, "\(text)")
        }
        #expect(SoARules.implementationNames.parse("実施済み") == .implemented)
        #expect(SoARules.implementationNames.parse("Partially implemented") == .partial)
        #expect(SoARules.decisionNames.parse("たぶん") == nil)
    }

    @Test func comparisonNamesEachChangedFieldPerControl() {
        let a = SoASnapshot(controlID: "5.1", theme: "organizational", titleJa: "方針", titleEn: "Policies", decision: .applicable, justification: "A",
                            implementation: .planned, risks: ["R-001"])
        let b = SoASnapshot(controlID: "5.2", theme: "organizational", titleJa: "役割", titleEn: "Roles", decision: .applicable, justification: "B",
                            implementation: .implemented)
        var a2 = a
        a2.implementation = .implemented
        a2.risks = ["R-001", "R-002"]
        let c = SoASnapshot(controlID: "GRP-01", theme: "own", titleJa: "独自", titleEn: "Own", decision: .excluded, justification: "対象外")
        let changes = SoAChange.between([a, b], [a2, c])
        #expect(changes.map(\.controlID) == ["5.1", "GRP-01", "5.2"])
        #expect(changes.map(\.kind) == [.changed, .added, .removed])
        #expect(changes[0].fields == ["implementation", "risks"])
        #expect(SoAChange.between([a, b], [a, b]).isEmpty)
    }

    @Test func ownCodesCannotLookLikeAnnexA() {
        #expect(OwnControl.validCode("GRP-01") && OwnControl.validCode("X.1") && OwnControl.validCode("pci_3"))
        #expect(!OwnControl.validCode("5.1") && !OwnControl.validCode("A.5.1") && !OwnControl.validCode("a.8.34") && !OwnControl.validCode(""))
        #expect(!OwnControl.validCode("社内-1") && !OwnControl.validCode("TOO-LONG-CODE-1234567"))
        // Nothing a person could read as an Annex A id: A8.5, A.GRP.
        #expect(!OwnControl.validCode("A8.5") && !OwnControl.validCode("A.GRP") && OwnControl.validCode("ACME-1"))
    }

    @Test func monthsAreAddedOnTheCalendar() {
        #expect(CalendarDate("2026-03-31")!.adding(months: -1).description == "2026-02-28")
        #expect(CalendarDate("2026-11-22")!.adding(months: -12).description == "2025-11-22")
        #expect(CalendarDate("2026-01-15")!.adding(months: 13).description == "2027-02-15")
    }

    @Test func reviewReasonsSurviveBeingStored() {
        let review = SoAMigration.Review.split("A.12.1.4", into: ["8.31", "8.32"])
        let parsed = SoAMigration.Review.parse(review.stored)
        #expect(parsed.code == "soa.review.split")
        #expect(parsed.params == ["id": "A.12.1.4", "ids": "A.8.31, A.8.32"])
        #expect(SoAMigration.id2013("A.9.4.2") == "A.9.4.2" && SoAMigration.id2013("９.４.２") == "A.9.4.2")
        #expect(SoAMigration.id2013("A.8.5") == nil && SoAMigration.id2013("GRP-01") == nil)
    }
}

@Suite struct EvidenceRulesTests {
    let limit = 1024

    @Test func filesAreJudgedByTheirBytesNotTheirNames() {
        #expect(EvidenceRules.check(Data("%PDF-1.7\n…".utf8), maxBytes: limit) == nil)
        #expect(EvidenceRules.check(Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A]), maxBytes: limit) == nil)
        #expect(EvidenceRules.check(Data("議事録\n出席者：".utf8), maxBytes: limit) == nil)
        #expect(EvidenceRules.check(Data("<?xml version=\"1.0\"?><records/>".utf8), maxBytes: limit) == nil)
        // A Windows executable renamed to report.pdf, an ELF binary, a shell script.
        #expect(EvidenceRules.check(Data([0x4D, 0x5A, 0x90, 0x00]), maxBytes: limit) == .executable)
        #expect(EvidenceRules.check(Data([0x7F, 0x45, 0x4C, 0x46, 0x02]), maxBytes: limit) == .executable)
        #expect(EvidenceRules.check(Data("#!/bin/sh\nrm -rf /".utf8), maxBytes: limit) == .executable)
        #expect(EvidenceRules.check(Data([0xCF, 0xFA, 0xED, 0xFE, 0x07]), maxBytes: limit) == .executable)
        // Markup that would run script in a browser, however it starts.
        #expect(EvidenceRules.check(Data("\u{FEFF}  <!DOCTYPE html><html>".utf8), maxBytes: limit) == .html)
        #expect(EvidenceRules.check(Data("<script>alert(1)</script>".utf8), maxBytes: limit) == .html)
        #expect(EvidenceRules.check(Data("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\">".utf8), maxBytes: limit) == .svg)
        // Empty and oversized files.
        #expect(EvidenceRules.check(Data(), maxBytes: limit) == .empty)
        #expect(EvidenceRules.check(Data(repeating: 0x41, count: limit + 1), maxBytes: limit) == .tooLarge)
        #expect(EvidenceRules.check(Data(repeating: 0x41, count: limit), maxBytes: limit) == nil)
    }

    @Test func downloadsAreLabelledFromTheBytes() {
        #expect(EvidenceRules.contentType(of: Data("%PDF-1.4".utf8), fileName: "x.exe") == "application/pdf")
        #expect(EvidenceRules.contentType(of: Data([0xFF, 0xD8, 0xFF, 0xE0]), fileName: "photo") == "image/jpeg")
        #expect(EvidenceRules.contentType(of: Data([0x50, 0x4B, 0x03, 0x04]), fileName: "台帳.xlsx") == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        #expect(EvidenceRules.contentType(of: Data([0x00, 0x01, 0x02]), fileName: "a.txt") == "application/octet-stream")
    }

    @Test func fileNamesKeepJapaneseAndLoseTheirPaths() {
        #expect(EvidenceRules.cleanFileName("C:\\共有\\2026年度 入退室記録.pdf") == "2026年度 入退室記録.pdf")
        #expect(EvidenceRules.cleanFileName("../../etc/passwd") == "passwd")
        #expect(EvidenceRules.cleanFileName("a\"b\u{0007}.txt") == "ab.txt")
        #expect(EvidenceRules.cleanFileName("   ") == "evidence")
    }

    @Test func theHashIsTheKnownSHA256() {
        #expect(EvidenceRules.sha256(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func validityCountsDownToTheDay() {
        let today = CalendarDate("2026-11-22")!
        func item(_ until: String?) -> Evidence {
            Evidence(workspaceID: Workspace.ID(), title: "t", kind: .link, collectedOn: today, validUntil: until.flatMap { CalendarDate($0) },
                     createdAt: Date(), updatedAt: Date())
        }
        #expect(item(nil).validity(on: today) == .valid)
        #expect(item("2026-11-21").validity(on: today) == .expired)
        #expect(item("2026-11-22").validity(on: today) == .expiring)
        #expect(item("2026-12-22").validity(on: today) == .expiring)
        #expect(item("2026-12-23").validity(on: today) == .valid)
    }
}

@Suite struct CalendarArithmetic {
    @Test func dayNumbersAgreeWithFoundationOverFiftyYears() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = calendar.date(from: DateComponents(year: 1999, month: 12, day: 25))!
        let first = CalendarDate("1999-12-25")!
        for offset in stride(from: 0, to: 365 * 50, by: 7) {
            let expected = CalendarDate(start.addingTimeInterval(Double(offset) * 86_400), in: calendar.timeZone)
            #expect(first.adding(days: offset) == expected, "\(offset)")
        }
        #expect(CalendarDate("2028-02-28")!.adding(days: 1).description == "2028-02-29")
        #expect(CalendarDate("2100-02-28")!.adding(days: 1).description == "2100-03-01")
        #expect(CalendarDate("2026-01-01")!.adding(days: -1).description == "2025-12-31")
        #expect(CalendarDate("1970-01-01")!.dayNumber == 0)
        #expect(CalendarDate(year: 2026, month: 2, day: 29) == nil && CalendarDate(year: 2028, month: 2, day: 29) != nil && CalendarDate(year: 2026, month: 4, day: 31) == nil)
    }
}

@Suite struct ObjectiveRulesTests {
    func objective(_ comparator: Objective.Comparator, _ target: Double, frequency: Objective.Frequency = .monthly) -> Objective {
        Objective(workspaceID: Workspace.ID(), statement: "s", metric: "m", unit: "%", comparator: comparator, target: target, frequency: frequency,
                  createdOn: CalendarDate("2026-01-15")!, createdAt: Date(), updatedAt: Date())
    }

    func reading(_ day: String, _ value: Double, _ o: Objective) -> ObjectiveMeasurement {
        ObjectiveMeasurement(objectiveID: o.id, workspaceID: o.workspaceID, measuredOn: CalendarDate(day)!, value: value, createdAt: Date())
    }

    @Test func theLatestMeasurementDecidesAgainstTheTarget() {
        let atLeast = objective(.atLeast, 95)
        #expect(ObjectiveRules.status(atLeast, measurements: []) == .noData)
        // The latest by date counts, whatever order they were recorded in.
        #expect(ObjectiveRules.status(atLeast, measurements: [reading("2026-03-31", 96, atLeast), reading("2026-02-28", 90, atLeast)]) == .met)
        #expect(ObjectiveRules.status(atLeast, measurements: [reading("2026-03-31", 94.9, atLeast), reading("2026-04-30", 95, atLeast)]) == .met)
        let atMost = objective(.atMost, 3)
        #expect(ObjectiveRules.status(atMost, measurements: [reading("2026-03-31", 4, atMost)]) == .notMet)
        #expect(ObjectiveRules.meets(3, atMost) && ObjectiveRules.meets(0, objective(.equal, 0)) && !ObjectiveRules.meets(1, objective(.equal, 0)))
    }

    @Test func aMeasurementIsOverdueOnePeriodAfterTheLast() {
        let monthly = objective(.atLeast, 95)
        #expect(ObjectiveRules.nextDue(monthly, latest: nil).description == "2026-02-15")
        #expect(ObjectiveRules.nextDue(monthly, latest: CalendarDate("2026-01-31")).description == "2026-02-28")
        #expect(!ObjectiveRules.isOverdue(monthly, latest: CalendarDate("2026-01-31"), today: CalendarDate("2026-02-28")!))
        #expect(ObjectiveRules.isOverdue(monthly, latest: CalendarDate("2026-01-31"), today: CalendarDate("2026-03-01")!))
        let quarterly = objective(.atLeast, 1, frequency: .quarterly)
        #expect(ObjectiveRules.nextDue(quarterly, latest: CalendarDate("2026-03-31")).description == "2026-06-30")
        let yearly = objective(.atLeast, 1, frequency: .yearly)
        #expect(ObjectiveRules.nextDue(yearly, latest: nil).description == "2027-01-15")
    }
}
