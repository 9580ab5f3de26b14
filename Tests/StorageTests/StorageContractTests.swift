import Domain
import Features
import Foundation
import SQLKit
import Storage
import Testing
import TestSupport

/// The storage contract, run on SQLite and (when configured) PostgreSQL.
@Suite struct StorageContract {
    func setUp(_ app: TestApp) async throws -> (admin: User, workspace: Workspace, access: WorkspaceAccess) {
        let admin = try await app.user("admin@example.co.jp", admin: true)
        let workspace = try await app.workspace("acme", by: admin)
        return (admin, workspace, try await app.access(admin, "acme"))
    }

    @Test(arguments: TestEngine.available)
    func theAuditChainVerifiesAndNamesTheEventEditedBySQL(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let (admin, workspace, access) = try await setUp(app)
            for name in ["営業部", "総務部", "情報システム部"] {
                _ = try await Departments(app.services).create(access, DepartmentInput(name: name), context: Context(actor: .user(admin)))
            }
            let trail = AuditTrail(app.services)
            #expect(try await trail.verify().allSatisfy(\.isIntact))
            let key = workspace.id.description
            try await app.services.store.read { db in
                try await db.sql.raw("UPDATE audit_events SET after_json = '{\"name\":\"改ざん\"}' WHERE chain_key = \(bind: key) AND sequence = 3").run()
            }
            let result = try await trail.verify(workspaceSlug: "acme")
            #expect(result.count == 1)
            #expect(result[0].firstBroken?.sequence == 3)
            #expect(result[0].firstBroken?.problem == .hashMismatch)
            // The installation chain (users, sign-in) is untouched.
            #expect(try await trail.verify().filter(\.isIntact).map(\.chain) == ["installation"])
        }
    }

    @Test(arguments: TestEngine.available)
    func deletingTheNewestEventIsCaughtByTheChainHead(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let (_, workspace, access) = try await setUp(app)
            _ = try await Departments(app.services).create(access, DepartmentInput(name: "営業部"), context: Context(actor: .system))
            let key = workspace.id.description
            let newest = try await AuditTrail(app.services).list(access, filter: AuditFilter(), page: PageRequest(limit: 1)).items[0].sequence
            try await app.services.store.read { db in
                try await db.sql.raw("DELETE FROM audit_events WHERE chain_key = \(bind: key) AND sequence = \(bind: newest)").run()
            }
            #expect(try await AuditTrail(app.services).verify(workspaceSlug: "acme")[0].firstBroken?.problem == .headMismatch)
        }
    }

    @Test(arguments: TestEngine.available)
    func concurrentWritersNeverForkAChain(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let (admin, _, access) = try await setUp(app)
            let services = app.services
            let before = try await AuditTrail(services).verify(workspaceSlug: "acme")[0].eventCount
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<24 {
                    group.addTask {
                        _ = try await Departments(services).create(access, DepartmentInput(name: "部門\(index)"), context: Context(actor: .user(admin)))
                    }
                }
                try await group.waitForAll()
            }
            let results = try await AuditTrail(services).verify(workspaceSlug: "acme")
            #expect(results[0].isIntact)
            #expect(results[0].eventCount == before + 24)
        }
    }

    @Test(arguments: TestEngine.available)
    func aStaleUpdateIsAConflictAndChangesNothing(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let (admin, _, access) = try await setUp(app)
            let departments = Departments(app.services)
            let created = try await departments.create(access, DepartmentInput(name: "営業部"), context: Context(actor: .user(admin)))
            let first = try await departments.update(access, created.id, DepartmentInput(code: "S1"), expectedVersion: created.version, context: Context(actor: .user(admin)))
            #expect(first.version == created.version + 1)
            await #expect(throws: DomainError.conflict(entity: "department", currentVersion: first.version)) {
                try await departments.update(access, created.id, DepartmentInput(code: "S2"), expectedVersion: created.version, context: Context(actor: .user(admin)))
            }
            #expect(try await departments.load(access, created.id).code == "S1")
            let events = try await AuditTrail(app.services).history(access, entityType: "department", entityID: created.id.description, page: PageRequest())
            #expect(events.items.map(\.action) == ["update", "create"])
        }
    }

    @Test(arguments: TestEngine.available)
    func anImportWithOneBadRowWritesNothing(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let (admin, _, access) = try await setUp(app)
            let before = try await AuditTrail(app.services).list(access, filter: AuditFilter(), page: PageRequest()).items.count
            let csv = "部門名,部門コード\n営業部,S1\n,X\n総務部,\(String(repeating: "長", count: 30))\n"
            await #expect(throws: DomainError.invalid([
                FieldError(field: "name", code: "error.required", params: ["cell": "A3", "header": "部門名"], row: 3),
                FieldError(field: "code", code: "error.tooLong", params: ["max": "20", "cell": "B4", "header": "部門コード"], row: 4),
            ])) {
                try await Departments(app.services).importFile(access, data: Data(csv.utf8), dryRun: false, context: Context(actor: .user(admin)))
            }
            #expect(try await Departments(app.services).all(access).isEmpty)
            #expect(try await AuditTrail(app.services).list(access, filter: AuditFilter(), page: PageRequest()).items.count == before)
        }
    }

    @Test(arguments: TestEngine.available)
    func aDryRunPredictsAndWritesNothingThenTheRealRunWritesAll(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let (admin, _, access) = try await setUp(app)
            let csv = Data("name,code,description\n営業部,S1,\n総務部,G1,人事と総務\n".utf8)
            let dry = try await Departments(app.services).importFile(access, data: csv, dryRun: true, context: Context(actor: .user(admin)))
            #expect(dry.rows.map(\.outcome) == [.create, .create])
            #expect(try await Departments(app.services).all(access).isEmpty)
            let real = try await Departments(app.services).importFile(access, data: csv, dryRun: false, context: Context(actor: .user(admin)))
            #expect(real.created == 2)
            let again = try await Departments(app.services).importFile(access, data: csv, dryRun: false, context: Context(actor: .user(admin)))
            #expect(again.rows.map(\.outcome) == [.unchanged, .unchanged])
        }
    }

    @Test(arguments: TestEngine.available)
    func everyQueryIsScopedToItsWorkspace(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let (admin, workspace, access) = try await setUp(app)
            let other = try await app.workspace("other", by: admin)
            let department = try await Departments(app.services).create(access, DepartmentInput(name: "営業部"), context: Context(actor: .user(admin)))
            let member = try await app.member(try await app.user("taro@example.co.jp"), in: "acme", roles: [RoleGrantInput(role: .employee)])
            let found = try await app.services.store.read { db in
                [try await db.departments.load(department.id, in: workspace.id) != nil,
                 try await db.departments.load(department.id, in: other.id) != nil,
                 try await db.members.load(member.id, in: other.id) != nil,
                 try await !db.departments.list(in: other.id, search: nil, page: PageRequest()).items.isEmpty,
                 try await !db.members.list(in: other.id, filter: MemberFilter(), page: PageRequest()).items.isEmpty]
            }
            #expect(found == [true, false, false, false, false])
            let otherAccess = try await app.access(admin, "other")
            await #expect(throws: DomainError.notFound(entity: "department")) {
                try await Departments(app.services).update(otherAccess, department.id, DepartmentInput(name: "x"), expectedVersion: 1, context: Context(actor: .system))
            }
        }
    }

    /// Every store's reads of one record of each register, asked from another workspace, find
    /// nothing — the queries that once took no workspace id included.
    @Test(arguments: TestEngine.available)
    func everyStoreFindsNothingOfAnotherWorkspace(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let (admin, _, _) = try await setUp(app)
            let other = try await app.workspace("other", by: admin).id
            let owner = try await app.user("taro@example.co.jp")
            try await app.member(owner, in: "acme", roles: [RoleGrantInput(role: .committeeMember)])
            let ids = try await app.oneOfEach(in: "acme", department: nil, owner: owner.id)
            @Sendable func id<T>(_ key: String, _ type: Domain.ID<T>.Type) -> Domain.ID<T> { Domain.ID<T>(ids[key]!)! }
            let assessment = id("assessmentID", RiskAssessment.ID.self)
            let found: [String] = try await app.services.store.read { db in
                var leaks: [String] = []
                func check(_ name: String, _ found: Bool) { if found { leaks.append(name) } }
                check("asset", try await db.assets.load(id("assetID", Asset.ID.self), in: other) != nil)
                check("asset by code", try await db.assets.load(code: "A-1", in: other) != nil)
                check("asset risks", try await db.assets.riskCount(id("assetID", Asset.ID.self), in: other) > 0)
                check("risk", try await db.risks.load(id("riskID", Risk.ID.self), in: other) != nil)
                check("risk by code", try await db.risks.load(code: "R-001", in: assessment, workspace: other) != nil)
                check("risks", try await !db.risks.loadAll([id("riskID", Risk.ID.self)], in: other).isEmpty)
                check("risks of an assessment", try await !db.risks.all(in: assessment, workspace: other).isEmpty)
                check("control counts", try await !db.risks.controlCounts(in: assessment, workspace: other).isEmpty)
                check("risks naming a control", try await !db.risks.naming("5.15", in: assessment, workspace: other, limit: 10).isEmpty)
                check("codes by control", try await !db.risks.codesByControl(in: assessment, workspace: other, limit: 10).isEmpty)
                check("action", try await db.actions.load(id("actionID", TreatmentAction.ID.self), in: other) != nil)
                check("assessment", try await db.assessments.load(assessment, in: other) != nil)
                check("successor", try await db.assessments.successorExists(of: assessment, in: other))
                check("method", try await db.riskMethods.load(id("methodID", RiskMethod.ID.self), in: other) != nil)
                check("method usage", try await db.riskMethods.usage(id("methodID", RiskMethod.ID.self), in: other) > 0)
                check("catalog entry", try await db.catalogEntries.load(id("entryID", CatalogEntry.ID.self), in: other) != nil)
                check("catalog entry usage", try await db.catalogEntries.usage(id("entryID", CatalogEntry.ID.self), in: other) > 0)
                check("own control", try await db.ownControls.load(id("ownControlID", OwnControl.ID.self), in: other) != nil)
                check("SoA version", try await db.soa.version(1, in: other) != nil)
                check("evidence", try await db.evidence.load(id("evidenceID", Evidence.ID.self), in: other) != nil)
                check("objective", try await db.objectives.load(id("objectiveID", Objective.ID.self), in: other) != nil)
                check("process", try await db.checkAct.processes.load(id("processID", BusinessProcess.ID.self), in: other) != nil)
                check("programme", try await db.checkAct.programmes.load(id("programmeID", AuditProgramme.ID.self), in: other) != nil)
                check("audit", try await db.checkAct.audits.load(id("auditID", InternalAudit.ID.self), in: other) != nil)
                check("checklist item", try await db.checkAct.checklist.load(id("itemID", ChecklistItem.ID.self), in: other) != nil)
                check("finding", try await db.checkAct.findings.load(id("findingID", AuditFinding.ID.self), in: other) != nil)
                check("nonconformity", try await db.checkAct.nonconformities.load(id("ncID", Nonconformity.ID.self), in: other) != nil)
                check("review", try await db.checkAct.reviews.load(id("reviewID", ManagementReview.ID.self), in: other) != nil)
                check("review action", try await db.checkAct.reviewActions.load(id("reviewActionID", ReviewAction.ID.self), in: other) != nil)
                check("nonconformities listed", try await db.checkAct.nonconformities.count(in: other) > 0)
                return leaks
            }
            #expect(found.isEmpty, "found from another workspace: \(found)")
        }
    }

    @Test(arguments: TestEngine.available)
    func searchFindsJapaneseTextAndPagesDoNotOverlap(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let (_, _, access) = try await setUp(app)
            for index in 0..<12 {
                let user = try await app.user("user\(index)@example.co.jp", name: index % 2 == 0 ? "佐藤" : "鈴木")
                try await app.member(user, in: "acme", roles: [RoleGrantInput(role: .employee)])
            }
            let members = Members(app.services)
            var seen: [Member.ID] = []
            var cursor: String? = nil
            repeat {
                let page = try await members.list(access, filter: MemberFilter(), page: PageRequest(limit: 5, cursor: cursor))
                seen += page.items.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen.count == 12 && Set(seen).count == 12)
            #expect(try await members.list(access, filter: MemberFilter(search: "佐藤"), page: PageRequest()).items.count == 6)
            _ = try await Departments(app.services).create(access, DepartmentInput(name: "情報システム部"), context: Context(actor: .system))
            #expect(try await Departments(app.services).list(access, search: "システム", page: PageRequest()).items.map(\.name) == ["情報システム部"])
            #expect(try await Departments(app.services).list(access, search: "100%", page: PageRequest()).items.isEmpty)
        }
    }

    @Test(arguments: TestEngine.available)
    func recordsComeBackExactlyAsWritten(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let (admin, workspace, access) = try await setUp(app)
            let updated = try await Workspaces(app.services).update(access, WorkspaceInput(organizationName: "株式会社サンプル", initialCertificationDate: "2024-06-30"),
                                                                    expectedVersion: workspace.version, context: Context(actor: .user(admin)))
            let loaded = try await Workspaces(app.services).load(slug: "acme")
            #expect(loaded == updated)
            let event = try await AuditTrail(app.services).list(access, filter: AuditFilter(), page: PageRequest(limit: 1)).items[0]
            let again = try await app.services.store.read { try await $0.auditEvents.list(chain: .workspace(workspace.id), filter: AuditFilter(), page: PageRequest(limit: 1)) }.items[0]
            #expect(event == again)
            #expect(event.computedHash == event.hash)
        }
    }

    /// ADR 0016: every pooled SQLite connection, whichever event loop it serves, has the settings
    /// (they are per connection and would otherwise be SQLite's defaults: FULL, 2 MiB, a file temp store).
    @Test func everySQLiteConnectionHasTheSettings() async throws {
        try await TestApp.with(.sqlite) { app in
            for _ in 0..<16 {
                let settings = try await app.services.store.read { db in
                    // A read first: a connection opened before the file turned to WAL learns it at its next read.
                    _ = try await db.sql.raw("SELECT count(*) AS n FROM users").first()
                    var out: [String: Int] = [:]
                    for name in ["synchronous", "cache_size", "mmap_size", "temp_store"] {
                        out[name] = try await db.sql.raw("PRAGMA \(unsafeRaw: name)").first()?.decode(column: name, as: Int.self)
                    }
                    out["wal"] = try await db.sql.raw("PRAGMA journal_mode").first()?.decode(column: "journal_mode", as: String.self) == "wal" ? 1 : 0
                    return out
                }
                #expect(settings == ["synchronous": 1, "cache_size": -16384, "mmap_size": 0, "temp_store": 2, "wal": 1])
            }
            // Writes run on the same connections.
            let synchronous = try await app.services.store.write { db in
                try await db.sql.raw("PRAGMA synchronous").first()?.decode(column: "synchronous", as: Int.self)
            }
            #expect(synchronous == 1)
        }
    }
}
