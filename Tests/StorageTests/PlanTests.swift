import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport

/// The annual plan through the use cases, on SQLite and (when configured) PostgreSQL: planned
/// activities pass the kit's checks; the plan gathers the dated records of other registers; an
/// occurrence is marked done with a file (added to the evidence store in the same transaction) or
/// skipped with a reason; the typical plan is adopted all or nothing; the calendar feeds.
/// The test clock's today is 2026-11-18 in Tokyo: fiscal year 2026 runs April 2026 to March 2027.
@Suite struct PlanTests {
    struct World {
        let app: TestApp
        let secretary: User, employee: User, officer: User
        let context = Context(actor: .system)
        func access(_ user: User) async throws -> WorkspaceAccess { try await app.access(user, "acme") }
    }

    static func world(_ app: TestApp) async throws -> World {
        let root = try await app.user("admin@example.co.jp", admin: true)
        _ = try await app.workspace("acme", by: root)
        _ = try await app.workspace("other", by: root)
        let admin = try await app.department("総務部", in: "acme")
        let secretary = try await app.user("isms@example.co.jp", name: "事務局 花子")
        try await app.member(secretary, in: "acme", roles: [RoleGrantInput(role: .secretariat)], home: admin.id)
        let employee = try await app.user("staff@example.co.jp", name: "鈴木 一郎")
        try await app.member(employee, in: "acme", roles: [RoleGrantInput(role: .employee)], home: admin.id)
        let officer = try await app.user("lead@example.co.jp", name: "佐藤 部長")
        try await app.member(officer, in: "acme", roles: [RoleGrantInput(role: .departmentOfficer, departmentID: admin.id)], home: admin.id)
        return World(app: app, secretary: secretary, employee: employee, officer: officer)
    }

    @Test(arguments: TestEngine.available) func plannedActivitiesPassTheKitChecks(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            _ = try await app.workspace("other", by: admin)
            let plan = AnnualPlan(app.services)
            let context = Context(actor: .system)
            try await RegisterChecks<PlannedActivity>(
                create: { try await plan.create($0, PlannedActivityInput(title: "BCP訓練", startsOn: "2026-10-01", phase: "do"), context: context) },
                load: { try await plan.activity($0, $1) },
                update: { try await plan.update($0, $1, PlannedActivityInput(rrule: "FREQ=YEARLY"), expectedVersion: $2, context: context) },
                delete: { try await plan.delete($0, $1, expectedVersion: $2, context: context) }).run(app)
        }
    }

    @Test(arguments: TestEngine.available) func thePlanGathersTheRecordsAndTheActivities(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await Self.world(app)
            let secretariat = try await w.access(w.secretary)
            let plan = AnnualPlan(app.services)
            let committee = try await plan.create(secretariat, PlannedActivityInput(title: "情報セキュリティ委員会", rrule: "FREQ=MONTHLY;BYDAY=2TU",
                                                                                     startsOn: "2026-04-14", phase: "check", ownerID: w.officer.id.description),
                                                  context: w.context)
            let programme = try await InternalAudits(app.services).createProgramme(secretariat, ProgrammeInput(title: "2026年度", startsOn: "2026-04-01", endsOn: "2027-03-31"),
                                                                                   context: w.context)
            let audit = try await InternalAudits(app.services).createAudit(secretariat, programme: programme.id, AuditInput(title: "総務部の内部監査", criteria: "9.2", startsOn: "2026-12-01",
                                                                                                                           endsOn: "2026-12-02", leadAuditorID: .some(w.secretary.id)),
                                                                           language: .ja, context: w.context)
            let nc = try await Nonconformities(app.services).raise(secretariat, NonconformityInput(description: "退職者アカウントの削除漏れ"), context: w.context)
            _ = try await Nonconformities(app.services).update(secretariat, nc.id, NonconformityInput(dueOn: "2026-11-30"), expectedVersion: nc.version, context: w.context)

            let year = PlanRules.fiscalYear(2026, startMonth: 4)
            let items = try await plan.items(secretariat, PlanQuery(from: year.lowerBound, to: year.upperBound))
            let meetings = items.filter { $0.source == "activity:\(committee.id)" }
            #expect(meetings.count == 12)
            #expect(meetings.filter { $0.status == .overdue }.map(\.date.description) == ["2026-04-14", "2026-05-12", "2026-06-09", "2026-07-14", "2026-08-11",
                                                                                        "2026-09-08", "2026-10-13", "2026-11-10"])
            #expect(items.contains { $0.kind == .internalAudit && $0.date.description == "2026-12-01" && $0.link == "/w/acme/audits/\(audit.id)" && $0.status == .planned })
            #expect(items.contains { $0.kind == .correctiveAction && $0.date.description == "2026-11-30" && $0.title.hasPrefix(nc.code) })
            #expect(items == PlanItem.ordered(items))

            // Filters: the officer's own, one phase, one kind.
            let mine = try await plan.items(secretariat, PlanQuery(from: year.lowerBound, to: year.upperBound, ownerID: w.officer.id))
            #expect(mine.count == 12 && mine.allSatisfy { $0.ownerID == w.officer.id })
            let audits = try await plan.items(secretariat, PlanQuery(from: year.lowerBound, to: year.upperBound, kind: .internalAudit))
            #expect(audits.count == 1)

            // The year view: one row for the committee with a mark in each month.
            let grid = try await plan.year(secretariat, fiscalYear: 2026)
            let row = try #require(grid.rows.first { $0.title == "情報セキュリティ委員会" })
            #expect(row.months.map(\.count) == Array(repeating: 1, count: 12))
            #expect(grid.months.first! == (2026, 4) && grid.months.last! == (2027, 3))

            // The window: inside the fiscal year before this one to three after, at most 400 days, in order.
            #expect(throws: DomainError.invalid([FieldError(field: "from", code: "error.planOutsideWindow", params: ["from": "2025-04-01", "to": "2030-03-31"])])) {
                try plan.check(secretariat, from: "2020-01-01", to: "2026-12-31")
            }
            #expect(throws: DomainError.invalid([FieldError(field: "to", code: "error.endBeforeStart", params: ["startField": "from"])])) { try plan.check(secretariat, from: "2026-12-31", to: "2026-12-01") }
            #expect(throws: DomainError.invalid([FieldError(field: "to", code: "error.planTooLong")])) { try plan.check(secretariat, from: "2026-01-01", to: "2027-12-31") }

            // "My work" tells the owner of the overdue meetings; an employee sees no plan.
            let work = try await MyWork.items(for: try await w.access(w.officer), services: app.services)
            #expect(work.filter { $0.titleKey == "work.plannedActivity" }.count >= 3)
            await #expect(throws: DomainError.forbidden) { try await plan.items(try await w.access(w.employee), PlanQuery(from: year.lowerBound, to: year.upperBound)) }
        }
    }

    @Test(arguments: TestEngine.available) func anOccurrenceIsDoneWithEvidenceOrSkippedWithAReason(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await Self.world(app)
            let secretariat = try await w.access(w.secretary)
            let officer = try await w.access(w.officer)
            let plan = AnnualPlan(app.services)
            let drill = try await plan.create(secretariat, PlannedActivityInput(title: "BCP訓練", rrule: "FREQ=MONTHLY;INTERVAL=6", startsOn: "2026-05-20",
                                                                                 phase: "do", ownerID: w.officer.id.description, references: ["A.5.29"]),
                                              context: w.context)
            let pdf = UploadedFile(name: "訓練報告.pdf", data: Data("%PDF-1.4 drill report".utf8))
            // The owner marks it done with a file: the evidence is stored and linked to the control.
            let done = try await plan.mark(officer, drill.id, on: "2026-05-20", state: .done, note: "全拠点で実施", file: pdf, context: w.context)
            let outcome = try #require(done.outcome(on: CalendarDate("2026-05-20")!))
            #expect(outcome.state == .done && outcome.by == w.officer.id && outcome.note == "全拠点で実施")
            let evidence = try await EvidenceFiles(app.services).load(secretariat, try #require(outcome.evidenceID))
            #expect(evidence.fileName == "訓練報告.pdf" && evidence.links == [EvidenceLink(.control, "5.29")])

            // Skipping needs a reason; a day that is not an occurrence, or one still to come, is refused; nothing is written.
            await #expect(throws: DomainError.invalid([FieldError(field: "note", code: "error.skipReason")])) {
                try await plan.mark(officer, drill.id, on: "2026-11-20", state: .skipped, note: " ", context: w.context)
            }
            await #expect(throws: DomainError.invalid([FieldError(field: "date", code: "error.notAnOccurrence")])) {
                try await plan.mark(officer, drill.id, on: "2026-11-21", state: .done, note: nil, context: w.context)
            }
            await #expect(throws: DomainError.invalid([FieldError(field: "date", code: "error.notYetDue")])) {
                try await plan.mark(officer, drill.id, on: "2027-05-20", state: .done, note: nil, context: w.context)
            }
            let skipped = try await plan.mark(officer, drill.id, on: "2026-11-20", state: .skipped, note: "システム更改と重なるため翌月に延期", context: w.context)
            #expect(skipped.outcomes.map(\.state) == [.done, .skipped])
            let items = try await plan.items(secretariat, PlanQuery(from: CalendarDate("2026-04-01")!, to: CalendarDate("2027-03-31")!, kind: .activity))
            #expect(items.map(\.status) == [.done, .skipped])

            // Someone who neither owns it nor keeps the plan may not mark it; the secretariat takes an outcome back.
            await #expect(throws: DomainError.forbiddenBecause("error.notYourActivity")) {
                try await plan.mark(try await w.access(w.employee), drill.id, on: "2026-05-20", state: .done, note: nil, context: w.context)
            }
            let reopened = try await plan.reopen(secretariat, drill.id, on: "2026-11-20", context: w.context)
            #expect(reopened.outcomes.count == 1)
            // Every change is in the audit trail, and no refusal is: created, done, skipped, reopened; the evidence file added.
            let events = try await app.services.store.read { db in
                try await db.auditEvents.list(chain: .workspace(secretariat.workspaceID), filter: AuditFilter(entityID: drill.id.description), page: PageRequest(limit: 50)).items
            }
            #expect(events.filter { $0.entityType == "planned_activity" }.count == 4, "\(events.map(\.action))")
            let evidenceEvents = try await app.services.store.read { db in
                try await db.auditEvents.list(chain: .workspace(secretariat.workspaceID), filter: AuditFilter(entityType: "evidence"), page: PageRequest(limit: 50)).items
            }
            #expect(evidenceEvents.map(\.entityID) == [evidence.id.description])
        }
    }

    @Test(arguments: TestEngine.available) func theTypicalPlanIsAdoptedAllOrNothing(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await Self.world(app)
            let secretariat = try await w.access(w.secretary)
            let plan = AnnualPlan(app.services)
            let proposal = try plan.proposal(secretariat, fiscalYear: 2026)
            #expect(proposal.count == 12)
            var inputs = proposal.map { p in
                PlannedActivityInput(title: p.title.ja, rrule: p.rrule ?? "", startsOn: p.startsOn.description, phase: p.phase.rawValue, references: p.references,
                                     expectedEvidence: p.expectedEvidence.ja)
            }
            inputs[3].rrule = "FREQ=MONTHLY;BYDAY=2XX"
            await #expect(throws: DomainError.invalid([FieldError(field: "rrule", code: "error.rruleValue", params: ["part": "BYDAY"], row: 4)])) {
                try await plan.adopt(secretariat, inputs, context: w.context)
            }
            #expect(try await plan.activities(secretariat).isEmpty)
            inputs[3].rrule = ""
            let year = PlanRules.fiscalYear(2026, startMonth: 4)
            #expect(try await plan.items(secretariat, PlanQuery(from: year.lowerBound, to: year.upperBound)).isEmpty)
            let saved = try await plan.adopt(secretariat, inputs, context: w.context)
            #expect(saved.count == 12)
            // The plan read a moment ago is not served again after a write (PlanCache).
            #expect(try await plan.items(secretariat, PlanQuery(from: year.lowerBound, to: year.upperBound)).count > 12)
            #expect(try await plan.activities(secretariat).count == 12)
            await #expect(throws: DomainError.forbidden) { try plan.proposal(try await w.access(w.officer), fiscalYear: 2026) }
        }
    }

    @Test(arguments: TestEngine.available) func calendarFeedsShowWhatTheirHolderMaySee(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await Self.world(app)
            let secretariat = try await w.access(w.secretary)
            let plan = AnnualPlan(app.services)
            _ = try await plan.create(secretariat, PlannedActivityInput(title: "情報セキュリティ委員会", rrule: "FREQ=MONTHLY;BYDAY=2TU", startsOn: "2026-04-14",
                                                                          phase: "check", ownerID: w.officer.id.description), context: w.context)
            _ = try await plan.create(secretariat, PlannedActivityInput(title: "内部監査の計画", startsOn: "2026-12-15", phase: "check"), context: w.context)
            let feeds = CalendarFeeds(app.services)
            let personal = try await feeds.personal(w.officer)
            #expect(try await feeds.personal(w.officer) == personal)
            let text = try #require(try await feeds.render(token: personal, baseURL: "https://isms.example.jp"))
            #expect(text.contains("SUMMARY:計画された活動: 情報セキュリティ委員会"))
            #expect(!text.contains("内部監査の計画"))
            #expect(text.contains("URL:https://isms.example.jp/w/acme/annual-plan/activities/"))
            let workspaceFeed = try await feeds.workspace(secretariat)
            let whole = try #require(try await feeds.render(token: workspaceFeed, baseURL: ""))
            #expect(whole.contains("内部監査の計画") && whole.contains("情報セキュリティ委員会"))
            await #expect(throws: DomainError.forbidden) { try await feeds.workspace(try await w.access(w.officer)) }
            // Revoking makes the old address unknown; a new one is issued on request.
            try await feeds.revoke(w.officer, context: w.context)
            #expect(try await feeds.render(token: personal, baseURL: "") == nil)
            #expect(try await feeds.personal(w.officer) != personal)
            #expect(try await feeds.render(token: "not-a-token-at-all-xxxxxxxx", baseURL: "") == nil)
        }
    }
}
