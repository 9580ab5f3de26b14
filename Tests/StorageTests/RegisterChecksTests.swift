import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport

/// Every register built on the kit passes the same checks (`RegisterChecks`), on both engines.
@Suite struct RegisterContracts {
    func workspaces(_ app: TestApp) async throws {
        let admin = try await app.user("admin@example.co.jp", admin: true)
        _ = try await app.workspace("acme", by: admin)
        _ = try await app.workspace("other", by: admin)
    }

    @Test(arguments: TestEngine.available) func departments(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            try await workspaces(app)
            let departments = Departments(app.services)
            let context = Context(actor: .system)
            try await RegisterChecks<Department>(
                create: { try await departments.create($0, DepartmentInput(name: "品質保証部", code: "QA"), context: context) },
                load: { try await departments.load($0, $1) },
                update: { try await departments.update($0, $1, DepartmentInput(description: "製品の品質を保証する"), expectedVersion: $2, context: context) },
                delete: { try await departments.delete($0, $1, expectedVersion: $2, context: context) }).run(app)
        }
    }

    @Test(arguments: TestEngine.available) func processesAndProgrammes(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            try await workspaces(app)
            let audits = InternalAudits(app.services)
            let context = Context(actor: .system)
            try await RegisterChecks<BusinessProcess>(
                create: { try await audits.createProcess($0, ProcessInput(name: "受注から請求まで"), context: context) },
                load: { access, id in
                    guard let found = try await audits.allProcesses(access).first(where: { $0.id == id }) else { throw DomainError.notFound(entity: "process") }
                    return found
                },
                update: { try await audits.updateProcess($0, $1, ProcessInput(description: "受注、出荷、請求"), expectedVersion: $2, context: context) },
                delete: { try await audits.deleteProcess($0, $1, expectedVersion: $2, context: context) }).run(app)
            try await RegisterChecks<AuditProgramme>(
                create: { try await audits.createProgramme($0, ProgrammeInput(title: "2026年度 内部監査", startsOn: "2026-04-01", endsOn: "2027-03-31"), context: context) },
                load: { try await audits.programme($0, $1).0 },
                update: { try await audits.updateProgramme($0, $1, ProgrammeInput(notes: "全部門を年1回"), expectedVersion: $2, context: context) },
                delete: { try await audits.deleteProgramme($0, $1, expectedVersion: $2, context: context) }).run(app)
        }
    }

    @Test(arguments: TestEngine.available) func nonconformitiesAndReviews(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            try await workspaces(app)
            let context = Context(actor: .system)
            let ncs = Nonconformities(app.services)
            try await RegisterChecks<Nonconformity>(
                create: { try await ncs.raise($0, NonconformityInput(description: "退職者のアカウントが残っていた"), context: context) },
                load: { try await ncs.load($0, $1).nonconformity },
                update: { try await ncs.update($0, $1, NonconformityInput(severity: "minor"), expectedVersion: $2, context: context) },
                delete: { try await ncs.delete($0, $1, expectedVersion: $2, context: context) }).run(app)
            let reviews = ManagementReviews(app.services)
            try await RegisterChecks<ManagementReview>(
                create: { try await reviews.create($0, ReviewInput(title: "2026年度 マネジメントレビュー", heldOn: "2026-12-20"), context: context) },
                load: { try await reviews.load($0, $1).review },
                update: { try await reviews.update($0, $1, ReviewInput(agenda: "1. 前回の処置 2. 内部監査の結果"), expectedVersion: $2, context: context) },
                delete: { try await reviews.delete($0, $1, expectedVersion: $2, context: context) }).run(app)
        }
    }
}
