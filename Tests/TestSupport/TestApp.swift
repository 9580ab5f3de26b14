import Domain
import Features
import Foundation
import SQLKit
import Storage
import Synchronization
import Testing
import VaporTesting
import Web

/// The databases a storage or API test runs on: SQLite always, PostgreSQL when
/// `MEGURI_TEST_POSTGRES_URL` is set (CI sets it).
public enum TestEngine: String, Sendable, CustomTestStringConvertible, CaseIterable {
    case sqlite, postgres

    public static var available: [TestEngine] {
        ProcessInfo.processInfo.environment["MEGURI_TEST_POSTGRES_URL"].map { $0.isEmpty ? [.sqlite] : [.sqlite, .postgres] } ?? [.sqlite]
    }

    public var testDescription: String { rawValue }
}

/// A clock tests move by hand.
public final class TestClock: Sendable {
    private let current: Mutex<Date>
    public init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000)) { current = Mutex(start) }
    public var now: Date { current.withLock { $0 } }
    public func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    public var clock: Features.Clock { Features.Clock(now: { self.now }) }
}

/// Only one test at a time may use the shared PostgreSQL database (each resets it first).
actor PostgresGate {
    static let shared = PostgresGate()
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    func acquire() async {
        if !busy { busy = true; return }
        await withCheckedContinuation { waiters.append($0) }
    }
    func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }
}

/// A running Meguri on a fresh database, with a fixed clock and the cheapest bcrypt cost.
public struct TestApp: Sendable {
    public let meguri: Meguri
    public let clock: TestClock
    public let engine: TestEngine
    public var services: AppServices { meguri.services }

    /// Runs `body` against a fresh, migrated database of `engine`, and always shuts down.
    public static func with<T: Sendable>(_ engine: TestEngine = .sqlite, configure: (inout AppConfiguration) -> Void = { _ in },
                                         _ body: (TestApp) async throws -> T) async throws -> T {
        let clock = TestClock()
        var config = AppConfiguration(bcryptCost: 4)
        configure(&config)
        var sqlitePath: String? = nil
        switch engine {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("meguri-test-\(UUID().uuidString).sqlite").path
            sqlitePath = path
            config.database = .sqliteFile(path)
        case .postgres:
            config.database = .postgres(ProcessInfo.processInfo.environment["MEGURI_TEST_POSTGRES_URL"]!)
            config.postgresPoolSize = 2
            await PostgresGate.shared.acquire()
        }
        defer {
            if let sqlitePath {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: sqlitePath + suffix) }
            }
        }
        let meguri: Meguri
        do {
            meguri = try await Meguri.build(config, environment: .testing, clock: clock.clock, logLevel: .error)
        } catch {
            if engine == .postgres { await PostgresGate.shared.release() }
            throw error
        }
        do {
            // A clean schema, whatever an earlier test left (tables a test made itself included).
            if engine == .postgres, let sql = try meguri.services.store.fluent() as? any SQLDatabase {
                try await sql.raw("DROP SCHEMA IF EXISTS public CASCADE").run()
                try await sql.raw("CREATE SCHEMA public").run()
            }
            try await meguri.migrate()
            let app = TestApp(meguri: meguri, clock: clock, engine: engine)
            let result = try await body(app)
            await meguri.shutdown()
            if engine == .postgres { await PostgresGate.shared.release() }
            return result
        } catch {
            await meguri.shutdown()
            if engine == .postgres { await PostgresGate.shared.release() }
            throw error
        }
    }

    // MARK: Fixtures

    public static let password = "correct horse battery staple"

    /// A person who can sign in.
    @discardableResult
    public func user(_ email: String, name: String? = nil, admin: Bool = false) async throws -> User {
        try await Users(services).create(email: email, displayName: name ?? email, isAdministrator: admin, password: Self.password,
                                         context: Context(actor: .system)).user
    }

    public func workspace(_ slug: String, by admin: User) async throws -> Workspace {
        try await Workspaces(services).create(WorkspaceInput(name: "ISMS \(slug)", slug: slug), by: admin, context: Context(actor: .user(admin)))
    }

    public func operatorAccess(_ slug: String) async throws -> WorkspaceAccess {
        try await Access.operatorAccess(slug: slug, services: services)
    }

    public func department(_ name: String, in slug: String) async throws -> Department {
        try await Departments(services).create(try await operatorAccess(slug), DepartmentInput(name: name), context: Context(actor: .system))
    }

    /// Adds `user` to the workspace with the given roles.
    @discardableResult
    public func member(_ user: User, in slug: String, roles: [RoleGrantInput], home: Department.ID? = nil) async throws -> Member {
        let grants = roles.map { RawGrant(role: $0.role.rawValue, departmentID: $0.departmentID?.description, expiresOn: $0.expiresOn?.description) }
        return try await Members(services).add(try await operatorAccess(slug), email: user.email, displayName: user.displayName,
                                               homeDepartmentID: home?.description, roles: grants, context: Context(actor: .system)).member
    }

    /// One record of every register in the workspace, as route parameters (by every name the
    /// routes use for it): the route matrix requests each route with them, and the isolation walk
    /// requests each from another workspace. A new register adds its record here — the isolation
    /// test fails until it does. The risk, action and nonconformity belong to `owner`.
    public func oneOfEach(in slug: String, department: Department.ID?, owner: User.ID) async throws -> [String: String] {
        let access = try await operatorAccess(slug)
        let context = Context(actor: .system)
        let method = try await RiskMethods(services).list(access).first!
        let entry = try await RiskMethods(services).catalog(access, .threat).first!
        let asset = try await Assets(services).create(access, AssetInput(code: "A-1", name: "顧客台帳", kind: "information", form: "electronic",
                                                                         departmentID: .some(department), confidentiality: "3", integrity: "2", availability: "2"),
                                                      context: context)
        let assessment = try await RiskAssessments(services).create(access, AssessmentInput(name: "2026年度"), carryForwardFrom: nil, context: context)
        let risk = try await Risks(services).create(access, assessment: assessment.id,
                                                    RiskInput(assetID: .some(asset.id), threatID: .some(entry.id),
                                                              inherent: RatingInput(threat: 2, vulnerability: 2, likelihood: 2, impact: 2),
                                                              ownerID: .some(owner), treatment: "modify", controls: ["5.15"]), context: context)
        let action = try await TreatmentActions(services).create(access, ActionInput(title: "アクセス権の見直し", riskIDs: [risk.id], ownerID: .some(owner)),
                                                                 context: context)
        // The statement's records: an own control, a file of evidence, one submitted version waiting for approval.
        let own = try await OwnControls(services).create(access, OwnControlInput(code: "GRP-01", titleJa: "グループ情報セキュリティ方針", titleEn: "Group security policy"),
                                                         context: context)
        let evidence = try await EvidenceFiles(services).create(access, EvidenceInput(title: "アクセス権棚卸し記録", links: ["control:5.15", "action:\(action.id)"]),
                                                                file: UploadedFile(name: "棚卸し.pdf", data: Data("%PDF-1.4 test".utf8)), context: context)
        let objective = try await Objectives(services).create(access, ObjectiveInput(statement: "年次教育の受講率を95%以上にする", metric: "教育システムの受講記録",
                                                                                     unit: "%", target: "95", ownerID: .some(owner)), context: context)
        let measurement = try await Objectives(services).record(access, objective.id, MeasurementInput(value: "91.5"), context: context)
        // Check and Act: a process, a programme with a running audit and a nonconformity from its finding, a planned review with an action item.
        let audits = InternalAudits(services)
        let process = try await audits.createProcess(access, ProcessInput(name: "受注から請求まで"), context: context)
        let programme = try await audits.createProgramme(access, ProgrammeInput(title: "2026年度 内部監査プログラム", startsOn: "2026-04-01", endsOn: "2027-03-31"),
                                                         context: context)
        let audit = try await audits.createAudit(access, programme: programme.id, AuditInput(title: "第1回 内部監査", criteria: "9.2, A.5.15", startsOn: "2026-06-01",
                                                                                             endsOn: "2026-06-30", processIDs: [process.id], leadAuditorID: .some(owner)),
                                                 language: .ja, context: context)
        _ = try await audits.move(access, audit.id, to: .inProgress, context: context)
        let item = try await audits.dossier(access, audit.id).items[0]
        let finding = try await audits.addFinding(access, audit: audit.id, FindingInput(kind: "minor", description: "アクセス権の見直し記録がない", checklistItemID: item.id),
                                                  context: context)
        let review = try await ManagementReviews(services).create(access, ReviewInput(title: "2026年度 マネジメントレビュー", heldOn: "2026-12-01"), context: context)
        let reviewAction = ReviewAction(workspaceID: access.workspaceID, reviewID: review.id, text: "教育計画を見直す", ownerID: owner, createdAt: services.now)
        try await services.store.write { tx in try await tx.checkAct.reviewActions.insert(reviewAction) }
        // Do: a published document with a second version in review.
        let documents = Documents(services)
        let document = try await documents.create(access, DocumentInput(title: "情報セキュリティ基本方針", kind: "policy", references: "5.2, A.5.1"), context: context)
        _ = try await documents.addVersion(access, document.id, VersionInput(body: "# 基本方針\n\n情報を守る。", summary: "初版"), context: context)
        _ = try await documents.step(access, document.id, number: 1, .submit, context: context)
        try await services.store.write { tx in
            try await tx.change(tx.documents.versions, try await tx.documents.versions.all(in: access.workspaceID, [.equal(\.documentID, document.id)])[0].id,
                                in: access.workspaceID, expectedVersion: nil, versionRequired: false, action: "approve", context: context, at: services.now) {
                $0.status = .approved; $0.approvedBy = owner; $0.approvedAt = services.now
            }
        }
        _ = try await documents.step(access, document.id, number: 1, .publish(audience: .all, effectiveOn: nil), context: context)
        _ = try await documents.addVersion(access, document.id, VersionInput(body: "# 基本方針\n\n情報を確実に守る。", summary: "表現の見直し", major: false), context: context)
        // Training: a ready-made course with a file of material, a campaign, the owner's attempt and
        // competence record, the seeded requirement, a drill the owner clicked in.
        let course = try await Training(services).courses(access)[0]
        let now0 = services.now
        let campaign = try await Campaigns(services).create(access, CampaignInput(title: "年次教育", courseID: course.id, audience: .all,
                                                                                  dueOn: access.today.adding(days: 30).description), context: context)
        let attempt = Attempt(workspaceID: access.workspaceID, courseID: course.id, campaignID: campaign.id, userID: owner, answers: [:],
                              missed: course.questions.map(\.id), score: 0, passed: false, courseVersion: course.version, submittedAt: now0)
        let requirement = try await Competences(services).overview(access).requirements[0]
        let record = try await Competences(services).addRecord(access, CompetenceRecordInput(userID: owner, requirementID: .some(requirement.id), name: "外部研修",
                                                                                               obtainedOn: access.today.description), context: context)
        let drill = PhishingDrill(workspaceID: access.workspaceID, number: 1, title: "訓練", sentOn: access.today,
                                  results: [PhishingDrill.Result(userID: owner, departmentID: department, opened: true, clicked: true, submitted: false, reported: false)],
                                  createdAt: now0, updatedAt: now0)
        try await services.store.write { tx in
            try await tx.training.attempts.insert([attempt])
            try await tx.training.drills.insert(drill)
            try await tx.change(tx.training.courses, course.id, in: access.workspaceID, expectedVersion: nil, versionRequired: false, action: "attach",
                                context: context, at: now0) { $0.fileIDs = [evidence.id] }
        }
        // The annual plan: a monthly activity the owner runs, started a month ago.
        let activity = try await AnnualPlan(services).create(access, PlannedActivityInput(title: "情報セキュリティ委員会", rrule: "FREQ=MONTHLY",
                                                                                          startsOn: access.today.adding(days: -31).description, phase: "check",
                                                                                          ownerID: owner.description), context: context)
        let lines = try await Statement(services).current(access)
        let now = services.now
        try await services.store.write { tx in
            try await tx.soa.insert(SoAVersion(workspaceID: access.workspaceID, number: 1, submittedBy: access.user.id, submittedAt: now, entries: lines))
        }
        // A file waiting on an import page (the owner's, for the asset register).
        let pending = PendingImport(workspaceID: access.workspaceID, userID: owner, register: "assets", fileName: "台帳.csv", content: Data("管理番号,資産名\nA-9,鍵\n".utf8),
                                    createdAt: services.now, expiresAt: services.now.addingTimeInterval(ImportSteps.pendingLifetime))
        try await services.store.write { tx in try await tx.imports.insert(pending) }
        return ["pendingID": pending.id.uuidString.lowercased(), "assetID": asset.id.description, "assetId": asset.id.description, "methodID": method.id.description, "methodId": method.id.description,
                "ownControlID": own.id.description, "ownControlId": own.id.description, "evidenceID": evidence.id.description, "evidenceId": evidence.id.description,
                "number": "1", "versionNumber": "1", "soaControlId": "5.15", "objectiveID": objective.id.description, "objectiveId": objective.id.description,
                "measurementID": measurement.id.description, "measurementId": measurement.id.description,
                "processID": process.id.description, "processId": process.id.description, "programmeID": programme.id.description,
                "programmeId": programme.id.description, "auditID": audit.id.description, "auditId": audit.id.description, "itemID": item.id.description,
                "itemId": item.id.description, "findingID": finding.id.description, "findingId": finding.id.description,
                "ncID": finding.nonconformityID!.description, "ncId": finding.nonconformityID!.description, "reviewID": review.id.description,
                "reviewId": review.id.description, "reviewActionID": reviewAction.id.description, "reviewActionId": reviewAction.id.description,
                "entryID": entry.id.description, "assessmentID": assessment.id.description, "assessmentId": assessment.id.description,
                "documentID": document.id.description, "documentId": document.id.description,
                "courseID": course.id.description, "courseId": course.id.description, "campaignID": campaign.id.description, "campaignId": campaign.id.description,
                "attemptID": attempt.id.description, "attemptId": attempt.id.description, "requirementID": requirement.id.description,
                "requirementId": requirement.id.description, "recordID": record.id.description, "recordId": record.id.description,
                "drillID": drill.id.description, "drillId": drill.id.description,
                "activityID": activity.id.description, "activityId": activity.id.description, "date": activity.startsOn.description,
                "riskID": risk.id.description, "riskId": risk.id.description, "actionID": action.id.description, "actionId": action.id.description]
    }

    public func access(_ user: User, _ slug: String) async throws -> WorkspaceAccess {
        try await Access.resolve(user, slug: slug, services: services)
    }

    /// An API token secret for `user`.
    public func token(for user: User, workspace: String? = nil) async throws -> String {
        try await Account(services).createToken(for: user, name: "test", workspaceSlug: workspace, context: Context(actor: .user(user))).secret
    }

    /// A signed-in browser session: the cookie header value and the CSRF token of its forms.
    public func session(for user: User, password: String = TestApp.password) async throws -> (cookie: String, csrf: String) {
        let result = try await Authentication(services).signIn(email: user.email, password: password, address: "127.0.0.1", userAgent: "test",
                                                               requestID: nil)
        guard case .signedIn(let secret, let session, _) = result else { throw TestFailure("expected a full sign-in") }
        return ("meguri_session=\(secret)", session.csrfToken)
    }

    public var testing: any TestingApplicationTester { get throws { try meguri.app.testing() } }

    /// Where a workspace's audit chain stands: any change anywhere in it moves this.
    public func snapshot(of slug: String) async throws -> String {
        let access = try await operatorAccess(slug)
        let newest = try await AuditTrail(services).list(access, filter: AuditFilter(), page: PageRequest(limit: 1)).items.first
        return "\(newest?.sequence ?? 0):\(newest?.hash ?? "")"
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension HTTPHeaders {
    public static func bearer(_ token: String) -> HTTPHeaders { ["Authorization": "Bearer \(token)", "Accept": "application/json"] }
    public static func cookie(_ cookie: String) -> HTTPHeaders { ["Cookie": cookie] }
}
