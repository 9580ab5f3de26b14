import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport

/// Objectives and their measurements through the use cases, on SQLite and (when configured) PostgreSQL.
@Suite struct ObjectiveTests {
    @Test(arguments: TestEngine.available)
    func ownersRecordMeasurementsAndTheStatusFollows(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let owner = try await app.user("owner@example.co.jp")
            try await app.member(owner, in: "acme", roles: [RoleGrantInput(role: .committeeMember)])
            let other = try await app.user("other@example.co.jp")
            try await app.member(other, in: "acme", roles: [RoleGrantInput(role: .employee)])
            let access = try await app.operatorAccess("acme")
            let context = Context(actor: .system)
            let objectives = Objectives(app.services)

            // A metric of control effectiveness needs its control; numbers and choices are checked.
            await #expect {
                _ = try await objectives.create(access, ObjectiveInput(kind: "controlEffectiveness", statement: "パッチ適用率", metric: "m", unit: "%", target: "abc"),
                                                context: context)
            } throws: { error in
                guard case DomainError.invalid(let errors) = error else { return false }
                return Set(errors.map(\.field)) == ["target", "control"]
            }
            let patch = try await objectives.create(access, ObjectiveInput(kind: "有効性", statement: "重要パッチを30日以内に適用する", control: "A.8.8",
                                                                           metric: "月末に資産台帳と照合", unit: "%", comparator: "以上", target: "９５％",
                                                                           frequency: "毎月", ownerID: .some(owner.id)), context: context)
            #expect(patch.kind == .controlEffectiveness && patch.control == "8.8" && patch.target == 95 && patch.frequency == .monthly)
            #expect(try await objectives.load(access, patch.id).status == .noData)

            // The owner records; someone else may not; the latest measurement decides.
            let ownerAccess = try await app.access(owner, "acme")
            _ = try await objectives.record(ownerAccess, patch.id, MeasurementInput(measuredOn: access.today.adding(days: -40).description, value: "９７％"), context: context)
            _ = try await objectives.record(ownerAccess, patch.id, MeasurementInput(value: "92.5", note: "サーバ2台が遅延"), context: context)
            await #expect(throws: DomainError.forbiddenBecause("error.notYourObjective")) {
                _ = try await objectives.record(try await app.access(other, "acme"), patch.id, MeasurementInput(value: "100"), context: context)
            }
            await #expect(throws: DomainError.invalid(field: "measuredOn", code: "error.dateInFuture")) {
                _ = try await objectives.record(ownerAccess, patch.id, MeasurementInput(measuredOn: access.today.adding(days: 1).description, value: "1"), context: context)
            }
            let state = try await objectives.load(access, patch.id)
            #expect(state.status == .notMet && state.measurements.count == 2 && !state.overdue)
            #expect(state.nextDue == access.today.adding(months: 1))
            let page = try await objectives.list(access, query: ObjectiveQuery(kind: .controlEffectiveness), page: PageRequest(limit: 10, cursor: nil))
            #expect(page.items.map(\.objective.id) == [patch.id])
            #expect(try await objectives.list(access, query: ObjectiveQuery(kind: .objective), page: PageRequest(limit: 10, cursor: nil)).items.isEmpty)

            // Every change is in the trail; deleting the objective takes its measurements.
            let events = try await AuditTrail(app.services).verify(workspaceSlug: "acme")[0].eventCount
            try await objectives.delete(access, patch.id, expectedVersion: patch.version, context: context)
            #expect(try await AuditTrail(app.services).verify(workspaceSlug: "acme")[0].eventCount == events + 1)
            await #expect(throws: DomainError.notFound(entity: "objective")) { _ = try await objectives.load(access, patch.id) }
        }
    }
}
