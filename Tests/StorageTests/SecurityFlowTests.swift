import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport

@Suite struct SecurityFlows {
    @Test func setupLinkCreatesTheFirstAdministratorOnce() async throws {
        try await TestApp.with { app in
            let installation = Installation(app.services)
            #expect(try await installation.needsSetup())
            let secret = try #require(try await installation.issueSetupLink())
            let fresh = try #require(try await installation.issueSetupLink())
            // A new link withdraws the old one.
            #expect(!(try await installation.setupLinkIsValid(secret)))
            let admin = try await installation.completeSetup(secret: fresh, email: "Admin@Example.co.jp", displayName: "管理者", password: TestApp.password,
                                                             language: .ja, context: Context(actor: .system))
            #expect(admin.isAdministrator && admin.email == "admin@example.co.jp")
            await #expect(throws: DomainError.rule(code: "error.alreadySetUp")) {
                try await installation.completeSetup(secret: fresh, email: "x@example.co.jp", displayName: "x", password: TestApp.password,
                                                     language: nil, context: Context(actor: .system))
            }
            #expect(try await installation.issueSetupLink() == nil)
        }
    }

    @Test func unattendedAdministratorOnlyOnAnEmptyInstallation() async throws {
        try await TestApp.with { app in
            let installation = Installation(app.services)
            await #expect(throws: DomainError.invalid([FieldError(field: "MEGURI_ADMIN_PASSWORD", code: "error.passwordTooShort", params: ["min": "12"])])) {
                try await installation.bootstrapAdministrator(email: "ops@example.co.jp", password: "short")
            }
            let first = try await installation.bootstrapAdministrator(email: "ops@example.co.jp", password: TestApp.password)
            let second = try await installation.bootstrapAdministrator(email: "other@example.co.jp", password: TestApp.password)
            #expect(first?.isAdministrator == true)
            #expect(second == nil)
        }
    }

    @Test func failedSignInsAreLimitedPerAccountAndRecorded() async throws {
        try await TestApp.with { app in
            let user = try await app.user("taro@example.co.jp")
            let auth = Authentication(app.services)
            for _ in 0..<5 {
                await #expect(throws: DomainError.unauthenticated) {
                    try await auth.signIn(email: "taro@example.co.jp", password: "wrong password!!", address: "10.0.0.1", userAgent: nil, requestID: nil)
                }
            }
            // Even the right password is refused while the account backs off (30 s after the fifth failure)…
            await #expect(throws: DomainError.rateLimited(retryAfterSeconds: 30)) {
                try await auth.signIn(email: "taro@example.co.jp", password: TestApp.password, address: "10.0.0.2", userAgent: nil, requestID: nil)
            }
            // …and each further failure doubles the wait, from a new address too (it is the account that waits).
            app.clock.advance(31)
            await #expect(throws: DomainError.unauthenticated) {
                try await auth.signIn(email: "taro@example.co.jp", password: "wrong password!!", address: "10.0.0.3", userAgent: nil, requestID: nil)
            }
            await #expect(throws: DomainError.rateLimited(retryAfterSeconds: 60)) {
                try await auth.signIn(email: "taro@example.co.jp", password: TestApp.password, address: "10.0.0.4", userAgent: nil, requestID: nil)
            }
            app.clock.advance(61)
            _ = try await auth.signIn(email: "taro@example.co.jp", password: TestApp.password, address: "10.0.0.2", userAgent: nil, requestID: nil)
            let failures = try await app.services.store.read {
                try await $0.auditEvents.list(chain: .installation, filter: AuditFilter(entityID: user.id.description, action: "sign_in_failed"), page: PageRequest())
            }
            #expect(failures.items.count == 6)
        }
    }

    @Test func failedSignInsAreLimitedPerAddressAcrossAccounts() async throws {
        try await TestApp.with { app in
            let auth = Authentication(app.services)
            for index in 0..<app.services.security.maxFailuresPerAddress {
                await #expect(throws: DomainError.unauthenticated) {
                    try await auth.signIn(email: "nobody\(index)@example.co.jp", password: "whatever it is", address: "10.9.9.9", userAgent: nil, requestID: nil)
                }
            }
            await #expect(throws: DomainError.rateLimited(retryAfterSeconds: 900)) {
                try await auth.signIn(email: "new@example.co.jp", password: "whatever it is", address: "10.9.9.9", userAgent: nil, requestID: nil)
            }
        }
    }

    @Test func twoStepSignInWithTOTPAndRecoveryCodes() async throws {
        try await TestApp.with { app in
            let user = try await app.user("hanako@example.co.jp")
            let account = Account(app.services)
            let enrolment = try await account.beginTOTP(user)
            let totp = try #require(TOTP(base32Secret: enrolment.secret))
            await #expect(throws: DomainError.invalid([FieldError(field: "code", code: "error.codeWrong")])) {
                try await account.confirmTOTP(user, code: "000000" == totp.code(at: app.clock.now) ? "111111" : "000000", context: Context(actor: .user(user)))
            }
            let codes = try await account.confirmTOTP(user, code: totp.code(at: app.clock.now), context: Context(actor: .user(user)))
            #expect(codes.count == 10)

            let auth = Authentication(app.services)
            guard case .needsSecondFactor(let pending, _, _) = try await auth.signIn(email: user.email, password: TestApp.password, address: "10.0.0.1",
                                                                                     userAgent: nil, requestID: nil) else {
                Issue.record("expected the second factor to be asked")
                return
            }
            // The half-open session is not a session.
            #expect(try await auth.session(secret: pending)?.session.stage == .awaitingSecondFactor)
            // The code used at enrolment cannot be replayed.
            await #expect(throws: DomainError.invalid([FieldError(field: "code", code: "error.codeWrong")])) {
                try await auth.completeSecondFactor(sessionSecret: pending, code: totp.code(at: app.clock.now), address: "10.0.0.1", requestID: nil)
            }
            app.clock.advance(30)
            guard case .signedIn(let secret, let session, _) = try await auth.completeSecondFactor(sessionSecret: pending, code: totp.code(at: app.clock.now),
                                                                                                   address: "10.0.0.1", requestID: nil) else {
                Issue.record("expected a full session")
                return
            }
            #expect(secret != pending && session.stage == .signedIn)
            #expect(try await auth.session(secret: pending) == nil)

            // A recovery code works once.
            guard case .needsSecondFactor(let second, _, _) = try await auth.signIn(email: user.email, password: TestApp.password, address: "10.0.0.1",
                                                                                    userAgent: nil, requestID: nil) else { return }
            _ = try await auth.completeSecondFactor(sessionSecret: second, code: codes[3].uppercased(), address: "10.0.0.1", requestID: nil)
            #expect(try await account.remainingRecoveryCodes(user) == 9)
            guard case .needsSecondFactor(let third, _, _) = try await auth.signIn(email: user.email, password: TestApp.password, address: "10.0.0.1",
                                                                                   userAgent: nil, requestID: nil) else { return }
            await #expect(throws: DomainError.invalid([FieldError(field: "code", code: "error.codeWrong")])) {
                try await auth.completeSecondFactor(sessionSecret: third, code: codes[3], address: "10.0.0.1", requestID: nil)
            }
        }
    }

    @Test func anInvitationSetsNameAndPasswordOnce() async throws {
        try await TestApp.with { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let added = try await Members(app.services).add(try await app.access(admin, "acme"), email: "new@example.co.jp", displayName: "新人",
                                                            homeDepartmentID: nil, roles: [RawGrant(role: "従業員")], context: Context(actor: .user(admin)))
            let secret = try #require(added.invitationSecret)
            #expect(!added.member.isActivated)
            let users = Users(app.services)
            await #expect(throws: DomainError.invalid([FieldError(field: "password", code: "error.passwordTooShort", params: ["min": "12"])])) {
                try await users.redeem(secret: secret, purpose: .invitation, displayName: "新人 太郎", password: "short", requestID: nil)
            }
            let user = try await users.redeem(secret: secret, purpose: .invitation, displayName: "新人 太郎", password: TestApp.password, requestID: nil)
            #expect(user.displayName == "新人 太郎" && user.hasPassword)
            await #expect(throws: DomainError.rule(code: "error.linkInvalid")) {
                try await users.redeem(secret: secret, purpose: .invitation, displayName: "x", password: TestApp.password, requestID: nil)
            }
            // An expired link is refused too.
            let reset = try await users.issuePasswordReset(user.id, context: Context(actor: .user(admin)))
            app.clock.advance(25 * 3600)
            #expect(try await users.linkHolder(secret: reset, purpose: .passwordReset) == nil)
        }
    }

    @Test func changingThePasswordSignsOutOtherSessions() async throws {
        try await TestApp.with { app in
            let user = try await app.user("taro@example.co.jp")
            let auth = Authentication(app.services)
            guard case .signedIn(let keep, _, _) = try await auth.signIn(email: user.email, password: TestApp.password, address: "a", userAgent: nil, requestID: nil),
                  case .signedIn(let other, _, _) = try await auth.signIn(email: user.email, password: TestApp.password, address: "b", userAgent: nil, requestID: nil)
            else { return }
            try await Account(app.services).changePassword(user, current: TestApp.password, new: "a much better passphrase", keepSession: Secret.hash(keep),
                                                           context: Context(actor: .user(user)))
            #expect(try await auth.session(secret: keep) != nil)
            #expect(try await auth.session(secret: other) == nil)
        }
    }

    @Test func rolesAndExpiryDecideAccess() async throws {
        try await TestApp.with { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let auditor = try await app.user("auditor@cb.example")
            let expiry = CalendarDate(app.clock.now, in: TimeZone(identifier: "Asia/Tokyo")!).adding(days: 3)
            try await app.member(auditor, in: "acme", roles: [RoleGrantInput(role: .externalAuditor, expiresOn: expiry)])
            #expect(try await app.access(auditor, "acme").allows(.auditTrailRead))
            app.clock.advance(4 * 86_400)
            await #expect(throws: DomainError.forbiddenBecause("error.accessExpired")) { try await app.access(auditor, "acme") }
            let outsider = try await app.user("outsider@example.co.jp")
            await #expect(throws: DomainError.notFound(entity: "workspace")) { try await app.access(outsider, "acme") }
            await #expect(throws: DomainError.notFound(entity: "workspace")) { try await app.access(admin, "no-such") }
        }
    }

    @Test func nobodyChangesTheirOwnRoles() async throws {
        try await TestApp.with { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let chief = try await app.user("chief@example.co.jp")
            let member = try await app.member(chief, in: "acme", roles: [RoleGrantInput(role: .secretariat)])
            let access = try await app.access(chief, "acme")
            await #expect(throws: DomainError.invalid([FieldError(field: "roles", code: "error.changeOwnRoles")])) {
                try await Members(app.services).update(access, member.id, homeDepartmentID: nil, roles: [RawGrant(role: "employee")],
                                                       expectedVersion: member.version, context: Context(actor: .user(chief)))
            }
            // Giving themselves top management (to approve their own submissions) is refused the same way.
            await #expect(throws: DomainError.invalid([FieldError(field: "roles", code: "error.changeOwnRoles")])) {
                try await Members(app.services).update(access, member.id, homeDepartmentID: nil, roles: [RawGrant(role: "secretariat"), RawGrant(role: "topManagement")],
                                                       expectedVersion: member.version, context: Context(actor: .user(chief)))
            }
            await #expect(throws: DomainError.rule(code: "error.cannotRemoveSelf")) {
                try await Members(app.services).remove(access, member.id, expectedVersion: nil, context: Context(actor: .user(chief)))
            }
        }
    }
}
