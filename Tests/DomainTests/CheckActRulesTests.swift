import Domain
import Foundation
import Testing

@Suite struct AuditIndependenceRules {
    let sales = Department.ID(), admin = Department.ID()
    let alice = User.ID(), bob = User.ID()
    let workspace = Workspace.ID()

    @Test func anAuditorOfTheirOwnDepartmentOrProcessIsAConflict() {
        let billing = BusinessProcess(workspaceID: workspace, name: "請求", ownerID: bob, departmentID: admin, createdAt: Date(), updatedAt: Date())
        let conflicts = AuditIndependence.conflicts(auditors: [alice, bob], departments: [sales], processes: [billing],
                                                    departmentsOf: [alice: [sales], bob: [admin]])
        #expect(conflicts == [.init(auditor: alice, reason: .ownDepartment(sales)), .init(auditor: bob, reason: .ownsProcess(billing.id))])
    }

    @Test func auditingAnotherDepartmentIsIndependent() {
        let conflicts = AuditIndependence.conflicts(auditors: [alice], departments: [admin], processes: [], departmentsOf: [alice: [sales]])
        #expect(conflicts.isEmpty)
    }

    @Test func anAuditMovesOneStepAtATime() {
        #expect(AuditRules.mayMove(from: .planned, to: .inProgress))
        #expect(AuditRules.mayMove(from: .inProgress, to: .reported))
        #expect(AuditRules.mayMove(from: .reported, to: .closed))
        #expect(AuditRules.mayMove(from: .reported, to: .inProgress))
        #expect(!AuditRules.mayMove(from: .planned, to: .closed))
        #expect(!AuditRules.mayMove(from: .closed, to: .inProgress))
        #expect(!AuditRules.mayMove(from: .inProgress, to: .closed))
    }
}

@Suite struct CorrectiveActionFlow {
    let owner = User.ID(), verifier = User.ID()
    let today = CalendarDate(year: 2026, month: 11, day: 22)!
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func nc() -> Nonconformity {
        Nonconformity(workspaceID: Workspace.ID(), number: 1, source: .internalAudit, description: "教育記録がない", reference: "7.2", raisedOn: today,
                      createdAt: now, updatedAt: now)
    }

    @Test func aPlanNeedsCauseActionOwnerAndDueDate() throws {
        let error = #expect(throws: DomainError.self) { _ = try CorrectiveAction.apply(.plan, to: nc(), by: owner, today: today, at: now) }
        guard case .invalid(let errors)? = error else { Issue.record("expected field errors"); return }
        #expect(Set(errors.map(\.field)) == ["rootCause", "actionPlan", "owner", "dueOn"])
        var ready = nc()
        ready.whys = ["手順書がない"]; ready.actionPlan = "手順書を作る"; ready.ownerID = owner; ready.dueOn = today.adding(days: 30)
        #expect(try CorrectiveAction.apply(.plan, to: ready, by: owner, today: today, at: now).status == .planned)
    }

    @Test func onlyAnEffectiveCheckCloses() throws {
        var record = nc()
        record.rootCause = "手順がない"; record.actionPlan = "手順書"; record.ownerID = owner; record.dueOn = today
        // No step closes an open or planned record: verification needs an implemented one.
        #expect(throws: DomainError.rule(code: "error.ncNotImplemented")) {
            _ = try CorrectiveAction.apply(.verify(effective: true, note: "ok"), to: record, by: verifier, today: today, at: now)
        }
        record = try CorrectiveAction.apply(.plan, to: record, by: owner, today: today, at: now)
        #expect(throws: DomainError.invalid(field: "implementedOn", code: "error.dateInFuture")) {
            _ = try CorrectiveAction.apply(.implement(on: today.adding(days: 1)), to: record, by: owner, today: today, at: now)
        }
        record = try CorrectiveAction.apply(.implement(on: today), to: record, by: owner, today: today, at: now)
        #expect(record.status == .implemented)
        #expect(throws: DomainError.invalid(field: "verificationNote", code: "error.required")) {
            _ = try CorrectiveAction.apply(.verify(effective: true, note: " "), to: record, by: verifier, today: today, at: now)
        }
        let ineffective = try CorrectiveAction.apply(.verify(effective: false, note: "再発した"), to: record, by: verifier, today: today, at: now)
        #expect(ineffective.status == .planned && ineffective.implementedOn == nil && ineffective.verification?.effective == false)
        let closed = try CorrectiveAction.apply(.verify(effective: true, note: "3か月再発なし"), to: record, by: verifier, today: today, at: now)
        #expect(closed.status == .closed && closed.closedOn == today && closed.verification?.by == verifier)
        #expect(closed.history.map(\.action) == ["plan", "implement", "verifyEffective"])
    }

    @Test func reopeningKeepsTheHistory() throws {
        var record = nc()
        record.rootCause = "x"; record.actionPlan = "y"; record.ownerID = owner; record.dueOn = today
        for step in [CorrectiveAction.Step.plan, .implement(on: today), .verify(effective: true, note: "ok")] {
            record = try CorrectiveAction.apply(step, to: record, by: owner, today: today, at: now)
        }
        #expect(throws: DomainError.invalid(field: "reason", code: "error.required")) {
            _ = try CorrectiveAction.apply(.reopen(reason: ""), to: record, by: owner, today: today, at: now)
        }
        let reopened = try CorrectiveAction.apply(.reopen(reason: "同じ事象が再発"), to: record, by: owner, today: today, at: now)
        #expect(reopened.status == .open && reopened.verification == nil && reopened.closedOn == nil)
        #expect(reopened.history.map(\.action) == ["plan", "implement", "verifyEffective", "reopen"])
        #expect(reopened.history.last?.note == "同じ事象が再発")
        #expect(throws: DomainError.rule(code: "error.ncNotClosed")) {
            _ = try CorrectiveAction.apply(.reopen(reason: "again"), to: reopened, by: owner, today: today, at: now)
        }
    }

    @Test func similarOnesAreOnTheSameRequirementOpenFirst() {
        let base = nc()
        var older = nc(); older.number = 2; older.status = .closed
        var newer = nc(); newer.number = 3; newer.status = .closed
        var open = nc(); open.number = 4; open.status = .open
        var elsewhere = nc(); elsewhere.number = 5; elsewhere.reference = "A.8.8"
        #expect(CorrectiveAction.similar(to: base, among: [older, newer, open, elsewhere, base]).map(\.number) == [4, 3, 2])
    }
}

@Suite struct ReviewCompilation {
    let workspace = Workspace.ID()
    let ceo = User.ID()
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    func day(_ text: String) -> CalendarDate { CalendarDate(text)! }

    @Test func theSectionsShowExactlyTheRecordsOfThePeriod() {
        let previous = ManagementReview.ID()
        let actions = [
            ReviewAction(workspaceID: workspace, reviewID: previous, text: "教育計画の見直し", ownerID: ceo, dueOn: day("2026-09-30"), createdAt: now),
            ReviewAction(workspaceID: workspace, reviewID: previous, text: "予算の確保", dueOn: day("2026-06-30"), doneOn: day("2026-06-01"), createdAt: now),
            ReviewAction(workspaceID: workspace, reviewID: previous, text: "去年済んだ処置", doneOn: day("2025-10-01"), createdAt: now),
        ]
        func nc(_ number: Int, _ source: Nonconformity.Source, raised: String, status: Nonconformity.Status, due: String? = nil, closed: String? = nil) -> Nonconformity {
            Nonconformity(workspaceID: workspace, number: number, source: source, description: "NC \(number)", raisedOn: day(raised), dueOn: due.map(day),
                          status: status, closedOn: closed.map(day), createdAt: now, updatedAt: now)
        }
        let ncs = [
            nc(1, .internalAudit, raised: "2026-06-10", status: .closed, closed: "2026-08-01"),
            nc(2, .internalAudit, raised: "2026-06-10", status: .planned, due: "2026-10-31"),
            nc(3, .certificationAudit, raised: "2026-07-01", status: .open, due: "2026-12-31"),
            nc(4, .incident, raised: "2025-12-01", status: .closed, closed: "2026-01-15"),   // before the period, closed before it
            nc(5, .monitoring, raised: "2025-11-01", status: .planned, due: "2026-03-31"),  // before the period, still open
        ]
        let programme = AuditProgramme.ID()
        let audit = InternalAudit(workspaceID: workspace, programmeID: programme, title: "第1回", startsOn: day("2026-06-01"), endsOn: day("2026-06-12"),
                                  status: .reported, createdAt: now, updatedAt: now)
        let oldAudit = InternalAudit(workspaceID: workspace, programmeID: programme, title: "昨年度", startsOn: day("2025-06-01"), endsOn: day("2025-06-12"),
                                     status: .closed, createdAt: now, updatedAt: now)
        let findings = [AuditFinding(auditID: audit.id, workspaceID: workspace, kind: .minor, description: "a", createdAt: now),
                        AuditFinding(auditID: audit.id, workspaceID: workspace, kind: .minor, description: "b", createdAt: now),
                        AuditFinding(auditID: audit.id, workspaceID: workspace, kind: .improvement, description: "c", createdAt: now),
                        AuditFinding(auditID: oldAudit.id, workspaceID: workspace, kind: .major, description: "old", createdAt: now)]
        let training = Objective(workspaceID: workspace, statement: "受講率95%", metric: "m", unit: "%", target: 95, createdOn: day("2026-01-01"),
                                 createdAt: now, updatedAt: now)
        let patch = Objective(workspaceID: workspace, kind: .controlEffectiveness, statement: "パッチ適用率", control: "8.8", metric: "m", unit: "%", target: 90,
                              frequency: .quarterly, createdOn: day("2026-01-01"), createdAt: now, updatedAt: now)
        let readings = [ObjectiveMeasurement(objectiveID: training.id, workspaceID: workspace, measuredOn: day("2026-10-31"), value: 96, createdAt: now)]
        let risk = ReviewInputs.RiskLine(assessment: "2026年度", status: .approved, risks: 120, notAccepted: 3, actions: 40, actionsDone: 30, actionsOpen: 10,
                                         actionsOverdue: 2)
        let inputs = ReviewCompiler.compile(ReviewSources(
            periodStart: day("2026-04-01"), today: day("2026-11-22"), notes: ReviewNotes(externalIssues: "法改正", feedback: "顧客監査で指摘なし"),
            previousActions: actions, names: [ceo: "山田社長"], nonconformities: ncs, audits: [audit, oldAudit], findings: findings,
            objectives: [(training, readings), (patch, [])], risk: risk))

        #expect(inputs.previousActions.map(\.text) == ["予算の確保", "教育計画の見直し"])
        #expect(inputs.previousActions[1].owner == "山田社長" && inputs.previousActions[1].overdue)
        #expect(inputs.externalIssues == "法改正" && inputs.interestedParties == nil && inputs.feedback == "顧客監査で指摘なし")
        let n = inputs.nonconformities
        #expect((n.raised, n.closed, n.open, n.overdue) == (3, 1, 3, 2))
        #expect(n.bySource.map { "\($0.source.rawValue)=\($0.count)" } == ["internalAudit=2", "certificationAudit=1"])
        #expect(n.items.map(\.code) == ["NC-1", "NC-2", "NC-3", "NC-5"])
        #expect(inputs.audits.count == 1 && inputs.audits[0].minor == 2 && inputs.audits[0].improvements == 1 && inputs.audits[0].major == 0)
        #expect(inputs.externalFindings.map(\.code) == ["NC-3"])
        #expect(inputs.objectives.map(\.statement) == ["受講率95%"] && inputs.objectives[0].status == .met && inputs.objectives[0].latestValue == 96)
        #expect(inputs.monitoring.map(\.statement) == ["パッチ適用率"] && inputs.monitoring[0].status == .noData && inputs.monitoring[0].overdue)
        #expect(inputs.risk == risk)
        #expect(inputs.periodStart == day("2026-04-01") && inputs.periodEnd == day("2026-11-22"))
    }
}
