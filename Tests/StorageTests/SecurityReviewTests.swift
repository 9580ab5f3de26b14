import Domain
import Features
import Foundation
import Storage
import Synchronization
import Testing
import TestSupport

/// The holes of the security review (issue 11), each reproduced and refused, on both engines.
@Suite struct SecurityReview {
    /// 1. A secretariat adds the address of a fresh administrator (no password yet) and re-issues
    /// "the" invitation: refused, and the administrator's own link keeps working.
    @Test(arguments: TestEngine.available) func aReissuedInvitationNeverTakesOverAnAccount(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let root = try await app.user("root@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: root)
            _ = try await app.workspace("other", by: root)
            let users = Users(app.services)
            let system = Context(actor: .user(root))
            // A second administrator created without a password: their invitation link is theirs alone.
            let created = try await users.create(email: "new-admin@example.co.jp", displayName: "新任管理者", isAdministrator: true, password: nil, context: system)
            let adminLink = try #require(created.invitationSecret)
            let chief = try await app.user("chief@example.co.jp")
            try await app.member(chief, in: "acme", roles: [RoleGrantInput(role: .secretariat)])
            let access = try await app.access(chief, "acme")
            let members = Members(app.services)
            let added = try await members.add(access, email: "new-admin@example.co.jp", displayName: "x", homeDepartmentID: nil,
                                              roles: [RawGrant(role: "employee")], context: Context(actor: .user(chief)))
            // Joining an existing account issues no link and touches nothing of the account.
            #expect(added.invitationSecret == nil)
            await #expect(throws: DomainError.rule(code: "error.invitationNotYours")) {
                try await members.reissueInvitation(access, added.member.id, context: Context(actor: .user(chief)))
            }
            #expect(try await users.linkHolder(secret: adminLink, purpose: .invitation)?.id == created.user.id)

            // An account this workspace created may be re-issued, until it belongs to another workspace too.
            let newcomer = try await members.add(access, email: "newcomer@example.co.jp", displayName: "新人", homeDepartmentID: nil,
                                                 roles: [RawGrant(role: "employee")], context: Context(actor: .user(chief)))
            let first = try #require(newcomer.invitationSecret)
            let second = try await members.reissueInvitation(access, newcomer.member.id, context: Context(actor: .user(chief)))
            #expect(try await users.linkHolder(secret: first, purpose: .invitation) == nil)
            #expect(try await users.linkHolder(secret: second, purpose: .invitation) != nil)
            let otherAccess = try await app.operatorAccess("other")
            let joined = try await members.add(otherAccess, email: "newcomer@example.co.jp", displayName: nil, homeDepartmentID: nil,
                                               roles: [RawGrant(role: "employee")], context: system)
            #expect(joined.invitationSecret == nil)
            await #expect(throws: DomainError.rule(code: "error.invitationNotYours")) {
                try await members.reissueInvitation(access, newcomer.member.id, context: Context(actor: .user(chief)))
            }
            await #expect(throws: DomainError.rule(code: "error.invitationNotYours")) {
                try await members.reissueInvitation(otherAccess, joined.member.id, context: system)
            }
            // The installation administrator still hands out links for any account.
            _ = try await users.issuePasswordReset(newcomer.member.userID, context: system)
        }
    }

    /// 7. Thirty parallel wrong passwords: exactly the limit reach the password check.
    @Test(arguments: TestEngine.available) func parallelWrongPasswordsAreCountedOneByOne(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let user = try await app.user("taro@example.co.jp")
            let auth = Authentication(app.services)
            let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<30 {
                    group.addTask {
                        do {
                            _ = try await auth.signIn(email: user.email, password: "wrong password \(index)", address: "10.0.0.\(index)", userAgent: nil, requestID: nil)
                            return "signedIn"
                        } catch DomainError.unauthenticated { return "checked" } catch DomainError.rateLimited { return "limited" }
                    }
                }
                var all: [String] = []
                for try await outcome in group { all.append(outcome) }
                return all
            }
            #expect(outcomes.filter { $0 == "checked" }.count == app.services.security.maxFailuresPerAccount)
            #expect(outcomes.filter { $0 == "limited" }.count == 30 - app.services.security.maxFailuresPerAccount)
        }
    }

    /// 7. The right password does not clear failures while the second factor is pending, and a
    /// half-open sign-in ends after five wrong codes: TOTP cannot be guessed by re-entering the password.
    @Test(arguments: TestEngine.available) func theSecondFactorCannotBeGuessed(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let user = try await app.user("hanako@example.co.jp")
            let account = Account(app.services)
            let enrolment = try await account.beginTOTP(user)
            let totp = try #require(TOTP(base32Secret: enrolment.secret))
            _ = try await account.confirmTOTP(user, code: totp.code(at: app.clock.now), context: Context(actor: .user(user)))
            app.clock.advance(30)
            let auth = Authentication(app.services)
            let wrong = totp.code(at: app.clock.now) == "000000" ? "111111" : "000000"
            guard case .needsSecondFactor(let pending, _, _) = try await auth.signIn(email: user.email, password: TestApp.password, address: "10.0.0.1",
                                                                                     userAgent: nil, requestID: nil) else {
                Issue.record("expected the second factor to be asked")
                return
            }
            for _ in 0..<(Authentication.maxCodeAttempts - 1) {
                await #expect(throws: DomainError.invalid([FieldError(field: "code", code: "error.codeWrong")])) {
                    try await auth.completeSecondFactor(sessionSecret: pending, code: wrong, address: "10.0.0.1", requestID: nil)
                }
            }
            // The fifth wrong code ends the half-open sign-in; even the right code no longer opens it.
            await #expect(throws: DomainError.unauthenticated) {
                try await auth.completeSecondFactor(sessionSecret: pending, code: wrong, address: "10.0.0.1", requestID: nil)
            }
            await #expect(throws: DomainError.unauthenticated) {
                try await auth.completeSecondFactor(sessionSecret: pending, code: totp.code(at: app.clock.now), address: "10.0.0.1", requestID: nil)
            }
            // The five wrong codes count against the account: the password alone does not clear them.
            await #expect(throws: DomainError.rateLimited(retryAfterSeconds: 30)) {
                try await auth.signIn(email: user.email, password: TestApp.password, address: "10.0.0.1", userAgent: nil, requestID: nil)
            }
            app.clock.advance(31)
            guard case .needsSecondFactor(let again, _, _) = try await auth.signIn(email: user.email, password: TestApp.password, address: "10.0.0.1",
                                                                                   userAgent: nil, requestID: nil) else { return }
            guard case .signedIn = try await auth.completeSecondFactor(sessionSecret: again, code: totp.code(at: app.clock.now), address: "10.0.0.1",
                                                                       requestID: nil) else {
                Issue.record("expected a full sign-in")
                return
            }
            // A complete sign-in clears the account's failures.
            let since = app.clock.now.addingTimeInterval(-3600)
            #expect(try await app.services.store.read { try await $0.loginFailures.count(key: "account:hanako@example.co.jp", since: since) } == 0)
        }
    }

    /// 9. Nobody approves their own submission: risk assessments and SoA versions.
    @Test(arguments: TestEngine.available) func nobodyApprovesWhatTheySubmitted(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let root = try await app.user("root@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: root)
            let both = try await app.user("both@example.co.jp")
            try await app.member(both, in: "acme", roles: [RoleGrantInput(role: .secretariat), RoleGrantInput(role: .topManagement)])
            let boss = try await app.user("boss@example.co.jp")
            try await app.member(boss, in: "acme", roles: [RoleGrantInput(role: .topManagement)])
            let access = try await app.access(both, "acme")
            let context = Context(actor: .user(both))
            let records = try await app.oneOfEach(in: "acme", department: nil, owner: both.id)
            let assessments = RiskAssessments(app.services)
            let id = try #require(RiskAssessment.ID(records["assessmentID"]!))
            let draft = try await assessments.load(access, id)
            let submitted = try await assessments.submit(access, id, proceedWithUnaccepted: true, expectedVersion: draft.version, context: context)
            await #expect(throws: DomainError.forbiddenBecause("error.approveOwnSubmission")) {
                try await assessments.approve(access, id, note: nil, expectedVersion: submitted.version, context: context)
            }
            let approved = try await assessments.approve(try await app.access(boss, "acme"), id, note: nil, expectedVersion: submitted.version,
                                                         context: Context(actor: .user(boss)))
            #expect(approved.approvedBy == boss.id)

            // The fixture's version 1 was submitted by the operator; version 2 by the person who would approve it.
            let statement = Statement(app.services)
            _ = try await statement.decide(try await app.access(boss, "acme"), number: 1, approve: true, note: nil, expectedVersion: nil, context: Context(actor: .user(boss)))
            let lines = try await statement.current(access)
            let now = app.clock.now
            try await app.services.store.write { tx in
                try await tx.soa.insert(SoAVersion(workspaceID: access.workspaceID, number: 2, submittedBy: both.id, submittedAt: now, entries: lines))
            }
            await #expect(throws: DomainError.forbiddenBecause("error.approveOwnSubmission")) {
                try await statement.decide(access, number: 2, approve: true, note: nil, expectedVersion: nil, context: context)
            }
            let decided = try await statement.decide(try await app.access(boss, "acme"), number: 2, approve: true, note: nil, expectedVersion: nil,
                                                     context: Context(actor: .user(boss)))
            #expect(decided.status == .approved)
        }
    }

    /// 10. A password reset stops the person's API tokens; a password change may.
    @Test(arguments: TestEngine.available) func aResetRevokesTokens(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let root = try await app.user("root@example.co.jp", admin: true)
            let user = try await app.user("taro@example.co.jp")
            let token = try await app.token(for: user)
            let auth = Authentication(app.services)
            #expect(try await auth.token(bearer: token) != nil)
            let link = try await Users(app.services).issuePasswordReset(user.id, context: Context(actor: .user(root)))
            _ = try await Users(app.services).redeem(secret: link, purpose: .passwordReset, displayName: nil, password: "another long passphrase", requestID: nil)
            #expect(try await auth.token(bearer: token) == nil)

            let second = try await app.token(for: user)
            try await Account(app.services).changePassword(user, current: "another long passphrase", new: "a third long passphrase", keepSession: nil,
                                                           context: Context(actor: .user(user)))
            #expect(try await auth.token(bearer: second) != nil)
            try await Account(app.services).changePassword(user, current: "a third long passphrase", new: "a fourth long passphrase", keepSession: nil,
                                                           revokeTokens: true, context: Context(actor: .user(user)))
            #expect(try await auth.token(bearer: second) == nil)
        }
    }

    /// 11. The audit-trail export comes in pieces as it is read, never whole.
    @Test func theAuditTrailIsExportedInPieces() async throws {
        try await TestApp.with { app in
            let root = try await app.user("root@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: root)
            let access = try await app.operatorAccess("acme")
            for index in 0..<1200 {
                _ = try await Departments(app.services).create(access, DepartmentInput(name: "情報システム部 第\(index)課"), context: Context(actor: .system))
            }
            let pieces = Mutex<[Data]>([])
            try await AuditTrail(app.services).exportCSV(access, filter: AuditFilter(), language: .ja) { chunk in pieces.withLock { $0.append(chunk) } }
            let all = pieces.withLock { $0 }
            #expect(all.count > 1)
            #expect(all.dropLast().allSatisfy { $0.count >= 256 * 1024 && $0.count < 400 * 1024 })
            let text = String(decoding: all.reduce(Data(), +).dropFirst(3), as: UTF8.self)
            let rows = try CSV.parse(text)
            #expect(rows.count > 1200 && rows.filter { $0.count > 6 && $0[6] == "create" && $0[4] == "department" }.count == 1200)
        }
    }
}
