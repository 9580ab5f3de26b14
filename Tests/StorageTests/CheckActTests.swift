import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport

/// A year of Check and Act through the use cases, on SQLite and (when configured) PostgreSQL:
/// an audit with its independence rule, findings that open corrective actions closed by an
/// effectiveness check, and a management review whose frozen inputs show exactly those records.
@Suite struct CheckActTests {
    struct World {
        let access: WorkspaceAccess
        let sales: Department, admin: Department
        let ceo: User, auditor: User, salesOfficer: User, adminOfficer: User
    }

    static func world(_ app: TestApp) async throws -> World {
        let root = try await app.user("admin@example.co.jp", admin: true)
        _ = try await app.workspace("acme", by: root)
        let sales = try await app.department("営業部", in: "acme")
        let admin = try await app.department("総務部", in: "acme")
        let ceo = try await app.user("ceo@example.co.jp", name: "山田 社長")
        try await app.member(ceo, in: "acme", roles: [RoleGrantInput(role: .topManagement)])
        let auditor = try await app.user("auditor@example.co.jp", name: "佐藤 監査")
        try await app.member(auditor, in: "acme", roles: [RoleGrantInput(role: .internalAuditor)], home: sales.id)
        let salesOfficer = try await app.user("sales@example.co.jp", name: "鈴木 営業")
        try await app.member(salesOfficer, in: "acme", roles: [RoleGrantInput(role: .departmentOfficer, departmentID: sales.id)], home: sales.id)
        let adminOfficer = try await app.user("soumu@example.co.jp", name: "田中 総務")
        try await app.member(adminOfficer, in: "acme", roles: [RoleGrantInput(role: .departmentOfficer, departmentID: admin.id)], home: admin.id)
        return World(access: try await app.operatorAccess("acme"), sales: sales, admin: admin, ceo: ceo, auditor: auditor, salesOfficer: salesOfficer,
                     adminOfficer: adminOfficer)
    }

    @Test(arguments: TestEngine.available)
    func anAuditsFindingsBecomeCorrectiveActionsAndReachTheReview(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await Self.world(app)
            let access = w.access
            let context = Context(actor: .system)
            let audits = InternalAudits(app.services)
            let ncs = Nonconformities(app.services)
            let reviews = ManagementReviews(app.services)

            let billing = try await audits.createProcess(access, ProcessInput(name: "受注から請求まで", ownerID: .some(w.adminOfficer.id), departmentID: .some(w.admin.id)),
                                                         context: context)
            await #expect(throws: DomainError.invalid(field: "name", code: "error.duplicateName")) {
                _ = try await audits.createProcess(access, ProcessInput(name: "受注から請求まで"), context: context)
            }
            let programme = try await audits.createProgramme(access, ProgrammeInput(title: "2026年度", startsOn: "2026-04-01", endsOn: "2027-03-31"), context: context)

            // The auditor belongs to sales: auditing sales is refused with the reason, unless the secretariat records why.
            let plan = AuditInput(title: "営業部・総務部", criteria: "7.2, A.5.15, 9.9, A.99", startsOn: "2026-06-01", endsOn: "2026-06-05",
                                  departmentIDs: [w.sales.id, w.admin.id], processIDs: [billing.id], leadAuditorID: .some(w.auditor.id), teamIDs: [w.adminOfficer.id])
            await #expect {
                _ = try await audits.createAudit(access, programme: programme.id, plan, language: .ja, context: context)
            } throws: { error in
                guard case DomainError.invalid(let errors) = error else { return false }
                return errors.map(\.params["value"]) == ["9.9", "A.99"] && errors.allSatisfy { $0.code == "error.unknownRequirement" }
            }
            var valid = plan
            valid.criteria = "7.2, A.5.15"
            await #expect {
                _ = try await audits.createAudit(access, programme: programme.id, valid, language: .ja, context: context)
            } throws: { error in
                guard case DomainError.invalid(let errors) = error else { return false }
                return errors.map(\.code) == ["error.auditorOwnDepartment", "error.auditorOwnDepartment", "error.auditorOwnsProcess"]
                    && errors[0].params["name"] == "佐藤 監査" && errors[0].params["department"] == "営業部" && errors[2].params["process"] == "受注から請求まで"
            }
            var overridden = valid
            overridden.independenceOverride = "社員10名のため、他部門の監査員を確保できない"
            let audit = try await audits.createAudit(access, programme: programme.id, overridden, language: .ja, context: context)
            var independent = valid
            independent.departmentIDs = [w.admin.id]; independent.processIDs = []; independent.teamIDs = []
            let second = try await audits.createAudit(access, programme: programme.id, independent, language: .en, context: context)
            #expect(second.auditors == [w.auditor.id])

            // The checklist comes from the criteria, with our question per item.
            let dossier = try await audits.dossier(access, audit.id)
            #expect(dossier.items.map(\.reference) == ["7.2", "A.5.15"])
            #expect(dossier.items[1].question.contains("アクセス制御"))

            // Only the audit's auditors (or the secretariat) record; results wait for the start.
            let auditorAccess = try await app.access(w.auditor, "acme")
            let outsider = try await app.access(w.salesOfficer, "acme")
            await #expect(throws: DomainError.forbiddenBecause("error.notYourAudit")) {
                _ = try await audits.move(outsider, audit.id, to: .inProgress, context: context)
            }
            await #expect(throws: DomainError.invalid(field: "result", code: "error.auditNotStarted")) {
                _ = try await audits.updateItem(auditorAccess, audit: dossier.audit.id, item: dossier.items[0].id, ChecklistInput(result: "適合"), context: context)
            }
            _ = try await audits.move(auditorAccess, audit.id, to: .inProgress, context: context)
            _ = try await audits.updateItem(auditorAccess, audit: dossier.audit.id, item: dossier.items[0].id, ChecklistInput(result: "不適合", notes: "新任者2名の教育記録なし"), context: context)
            // A finding recorded by mistake goes with its nonconformity while nobody has worked on it.
            let mistaken = try await audits.addFinding(auditorAccess, audit: audit.id, FindingInput(kind: "major", description: "誤記"), context: context)
            try await audits.deleteFinding(auditorAccess, mistaken.id, context: context)
            await #expect(throws: DomainError.notFound(entity: "nonconformity")) { _ = try await ncs.load(access, mistaken.nonconformityID!) }
            let minor = try await audits.addFinding(auditorAccess, audit: audit.id, FindingInput(kind: "軽微な不適合", description: "新任者の教育記録がない",
                                                                                                checklistItemID: dossier.items[0].id), context: context)
            let observation = try await audits.addFinding(auditorAccess, audit: audit.id, FindingInput(kind: "observation", reference: "A.5.15",
                                                                                                      description: "棚卸しの頻度が文書と異なる"), context: context)
            #expect(minor.reference == "7.2" && minor.nonconformityID != nil && observation.nonconformityID == nil)
            await #expect(throws: DomainError.invalid(field: "conclusion", code: "error.conclusionNeeded")) {
                _ = try await audits.move(auditorAccess, audit.id, to: .reported, context: context)
            }
            _ = try await audits.updateAudit(auditorAccess, audit.id, AuditInput(conclusion: "概ね適合。教育記録に不備。"), expectedVersion: 2, language: .ja, context: context)
            // A question still "not audited" stops the report, and the refusal names it.
            await #expect(throws: DomainError.rule(code: "error.checklistNotAudited", params: ["count": "1", "items": "A.5.15"])) {
                _ = try await audits.move(auditorAccess, audit.id, to: .reported, context: context)
            }
            _ = try await audits.updateItem(auditorAccess, audit: dossier.audit.id, item: dossier.items[1].id, ChecklistInput(result: "適合"), context: context)
            _ = try await audits.move(auditorAccess, audit.id, to: .reported, context: context)
            await #expect(throws: DomainError.rule(code: "error.auditFindingsOpen", params: ["count": "1"])) {
                _ = try await audits.move(access, audit.id, to: .closed, context: context)
            }

            // The finding's corrective action: the owner plans and implements, someone else verifies.
            let ncID = minor.nonconformityID!
            var nc = try await ncs.load(access, ncID).nonconformity
            #expect(nc.code == "NC-2" && nc.source == .internalAudit && nc.severity == .minor && nc.reference == "7.2" && nc.auditID == audit.id)
            nc = try await ncs.update(access, ncID, NonconformityInput(ownerID: .some(w.adminOfficer.id)), expectedVersion: nc.version, context: context)
            let ownerAccess = try await app.access(w.adminOfficer, "acme")
            await #expect(throws: DomainError.forbiddenBecause("error.ncOwnerFields")) {
                _ = try await ncs.update(ownerAccess, ncID, NonconformityInput(description: "書き換え"), expectedVersion: nc.version, context: context)
            }
            nc = try await ncs.update(ownerAccess, ncID, NonconformityInput(correction: "2名に教育を実施", actionPlan: "入社手続きに教育を組み込む",
                                                                            dueOn: access.today.adding(days: 30).description, whys: ["記録がない", "手順がない", ""]),
                                      expectedVersion: nc.version, context: context)
            #expect(nc.whys == ["記録がない", "手順がない"])
            nc = try await ncs.step(ownerAccess, ncID, .plan, context: context)
            // Once planned, the owner neither moves the due date nor empties the plan.
            await #expect(throws: DomainError.invalid(field: "dueOn", code: "error.ncDueBySecretariat")) {
                _ = try await ncs.update(ownerAccess, ncID, NonconformityInput(dueOn: access.today.adding(days: 90).description), expectedVersion: nc.version, context: context)
            }
            await #expect(throws: DomainError.invalid(field: "actionPlan", code: "error.required")) {
                _ = try await ncs.update(ownerAccess, ncID, NonconformityInput(actionPlan: ""), expectedVersion: nc.version, context: context)
            }
            nc = try await ncs.step(ownerAccess, ncID, .implement(on: access.today), context: context)
            await #expect(throws: DomainError.forbiddenBecause("error.ncVerifyOwn")) {
                _ = try await ncs.step(try await app.access(w.adminOfficer, "acme"), ncID, .verify(effective: true, note: "ok"), context: context)
            }
            await #expect(throws: DomainError.forbidden) {
                _ = try await ncs.step(outsider, ncID, .verify(effective: true, note: "ok"), context: context)
            }
            // The verifier's my-work shows it until it is checked.
            let before = try await MyWork.items(for: auditorAccess, services: app.services)
            #expect(before.contains { $0.titleKey == "work.checkEffectiveness" && $0.kind == .verify }, "an effectiveness check is a check (確認), not an answer")
            nc = try await ncs.step(auditorAccess, ncID, .verify(effective: true, note: "翌月の新任者2名の記録を確認"), context: context)
            #expect(nc.status == .closed && nc.verification?.by == w.auditor.id)
            _ = try await audits.move(access, audit.id, to: .closed, context: context)
            // Reopening its nonconformity sends the closed audit back to follow-up.
            _ = try await ncs.step(access, ncID, .reopen(reason: "同じ事象が再発"), context: context)
            #expect(try await audits.dossier(access, audit.id).audit.status == .reported)
            for step in [CorrectiveAction.Step.plan, .implement(on: access.today)] { _ = try await ncs.step(ownerAccess, ncID, step, context: context) }
            _ = try await ncs.step(auditorAccess, ncID, .verify(effective: true, note: "再発防止を確認"), context: context)
            _ = try await audits.move(access, audit.id, to: .closed, context: context)

            // A certification audit finding raised by hand, on the same requirement: it shows the first as similar.
            let external = try await ncs.raise(access, NonconformityInput(source: "認証審査", severity: "minor", description: "教育の有効性評価がない", reference: "7.2",
                                                                          ownerID: .some(w.adminOfficer.id)), context: context)
            #expect(external.code == "NC-3")
            #expect(try await ncs.load(access, external.id).similar.map(\.code) == ["NC-2"])
            #expect(try await MyWork.items(for: ownerAccess, services: app.services).contains { $0.titleKey == "work.correctiveAction" && $0.params["code"] == "NC-3" })

            // The review: top management must attend; the inputs show exactly these records and are frozen when held.
            let review = try await reviews.create(access, ReviewInput(title: "2026年度 マネジメントレビュー", heldOn: access.today.description,
                                                                      externalIssues: "個人情報保護法の改正", attendeeIDs: [w.auditor.id]), context: context)
            await #expect(throws: DomainError.invalid(field: "attendeeIds", code: "error.reviewNeedsTopManagement")) {
                _ = try await reviews.hold(access, review.id, context: context)
            }
            let planned = try await reviews.update(access, review.id, ReviewInput(attendeeIDs: [w.ceo.id, w.auditor.id]), expectedVersion: review.version, context: context)
            let held = try await reviews.hold(access, planned.id, context: context)
            let inputs = try #require(held.inputs)
            #expect(inputs.nonconformities.items.map(\.code) == ["NC-2", "NC-3"])
            #expect((inputs.nonconformities.raised, inputs.nonconformities.closed, inputs.nonconformities.open) == (2, 1, 1))
            #expect(inputs.externalFindings.map(\.code) == ["NC-3"])
            #expect(inputs.audits.map(\.title) == ["営業部・総務部", "営業部・総務部"])
            #expect(inputs.audits.first { $0.status == .closed }?.minor == 1 && inputs.audits.first { $0.status == .closed }?.observations == 1)
            #expect(inputs.externalIssues == "個人情報保護法の改正" && inputs.previousActions.isEmpty && inputs.periodStart == nil)
            await #expect(throws: DomainError.rule(code: "error.reviewHeld")) {
                _ = try await reviews.update(access, held.id, ReviewInput(agenda: "変更"), expectedVersion: held.version, context: context)
            }
            let action = try await reviews.addAction(access, review: held.id, ReviewActionInput(text: "教育手順を全社に展開", dueOn: access.today.adding(days: 60).description,
                                                                                                ownerID: .some(w.adminOfficer.id)), context: context)
            #expect(try await MyWork.items(for: ownerAccess, services: app.services).contains { $0.titleKey == "work.reviewAction" })

            // Later changes do not rewrite the held review; the next review reports the action first.
            _ = try await ncs.raise(access, NonconformityInput(source: "incident", description: "誤送信"), context: context)
            #expect(try await reviews.load(access, held.id).inputs == inputs)
            let next = try await reviews.create(access, ReviewInput(title: "次回", heldOn: access.today.adding(days: 1).description), context: context)
            let preview = try await reviews.load(access, next.id).inputs
            #expect(preview.previousActions.map(\.text) == ["教育手順を全社に展開"] && preview.periodStart == access.today.adding(days: 1))
            await #expect(throws: DomainError.invalid(field: "heldOn", code: "error.reviewNotYet")) {
                _ = try await reviews.hold(access, next.id, context: context)
            }
            _ = try await reviews.setActionDone(ownerAccess, action.id, done: true, context: context)
            #expect(try await !MyWork.items(for: ownerAccess, services: app.services).contains { $0.titleKey == "work.reviewAction" })

            // Every change is in the audit trail.
            let trail = try await app.services.store.read { try await $0.auditEvents.list(chain: .workspace(access.workspaceID), filter: AuditFilter(entityType: "nonconformity"),
                                                                                          page: PageRequest(limit: 100)) }
            #expect(trail.items.map(\.action).contains("verifyEffective"))
        }
    }

    @Test(arguments: TestEngine.available)
    func recordsStayInTheirWorkspace(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await Self.world(app)
            let root = try await app.user("root2@example.co.jp", admin: true)
            _ = try await app.workspace("other", by: root)
            let other = try await app.operatorAccess("other")
            let context = Context(actor: .system)
            let programme = try await InternalAudits(app.services).createProgramme(w.access, ProgrammeInput(title: "P", startsOn: "2026-04-01", endsOn: "2027-03-31"),
                                                                                   context: context)
            let nc = try await Nonconformities(app.services).raise(w.access, NonconformityInput(description: "x"), context: context)
            let review = try await ManagementReviews(app.services).create(w.access, ReviewInput(title: "R", heldOn: "2026-12-01"), context: context)
            await #expect(throws: DomainError.notFound(entity: "audit_programme")) { _ = try await InternalAudits(app.services).programme(other, programme.id) }
            await #expect(throws: DomainError.notFound(entity: "nonconformity")) { _ = try await Nonconformities(app.services).load(other, nc.id) }
            await #expect(throws: DomainError.notFound(entity: "management_review")) { _ = try await ManagementReviews(app.services).load(other, review.id) }
            #expect(try await Nonconformities(app.services).list(other, query: NonconformityQuery(), page: PageRequest()).items.isEmpty)
            // Numbers are per workspace.
            #expect(try await Nonconformities(app.services).raise(other, NonconformityInput(description: "y"), context: context).number == 1)
        }
    }
}
