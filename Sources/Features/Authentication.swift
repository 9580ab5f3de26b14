import Domain
import Foundation
import Storage

/// Signing in with a password and an optional second factor, sessions, and API tokens.
public struct Authentication: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public enum SignInResult: Sendable {
        case signedIn(secret: String, session: SessionRecord, user: User)
        /// The password was right; the second factor is still needed on this half-open session.
        case needsSecondFactor(secret: String, session: SessionRecord, user: User)
    }

    /// A session in use and its person.
    public struct SessionContext: Sendable {
        public var session: SessionRecord
        public var user: User
    }

    static func accountKey(_ email: String) -> String { "account:" + email.lowercased() }
    static func addressKey(_ address: String) -> String { "address:" + address }

    /// Checks e-mail and password. Failures are counted per account and per address; past the limit
    /// the answer is `rateLimited` whatever was typed. Every failure is written to the audit trail.
    public func signIn(email rawEmail: String?, password: String?, address: String, userAgent: String?, requestID: String?) async throws -> SignInResult {
        let email = Text.trimmed(rawEmail ?? "").lowercased()
        let password = password ?? ""
        var v = Validator()
        if email.isEmpty { v.add("email", "error.required") }
        if password.isEmpty { v.add("password", "error.required") }
        try v.check()

        try await checkThrottle(email: email, address: address)
        let found = try await services.store.read { try await $0.users.loadWithCredentials(email: email) }
        var passwordOK = false
        if let (user, credentials) = found, let hash = credentials.passwordHash, !user.isDisabled {
            passwordOK = try await services.passwords.verify(password, against: hash)
        } else {
            // Spend the same time as a real check so response times do not tell which accounts exist.
            _ = try? await services.passwords.verify(password, against: dummyHash)
        }
        let now = services.now
        guard passwordOK, let (user, _) = found else {
            try await recordFailure(email: email, userID: found?.0.id, address: address, reason: "password", requestID: requestID, at: now)
            throw DomainError.unauthenticated
        }
        let secret = Secret.random()
        let session = SessionRecord(id: Secret.hash(secret), userID: user.id, stage: user.totpEnabled ? .awaitingSecondFactor : .signedIn,
                                    csrfToken: Secret.random(), createdAt: now, lastSeenAt: now,
                                    expiresAt: now.addingTimeInterval(user.totpEnabled ? 600 : services.security.sessionIdleLifetime),
                                    userAgent: userAgent.map { String($0.prefix(300)) })
        try await services.store.write { tx in
            try await tx.sessions.insert(session)
            try await tx.loginFailures.clear(key: Self.accountKey(email))
            if !user.totpEnabled {
                try await tx.record(AuditEntry(workspaceID: nil, entityType: "user", entityID: user.id.description, action: "sign_in", before: nil,
                                               after: AuditJSON.encode(["method": "password"])), Context(actor: .user(user), requestID: requestID), at: now)
            }
        }
        return user.totpEnabled ? .needsSecondFactor(secret: secret, session: session, user: user) : .signedIn(secret: secret, session: session, user: user)
    }

    /// Completes a sign-in with a TOTP code or a recovery code. The half-open session is replaced by
    /// a new one (a new secret), so a session id seen before sign-in is worth nothing after.
    public func completeSecondFactor(sessionSecret: String, code: String?, address: String, requestID: String?) async throws -> SignInResult {
        let now = services.now
        let pending = try await services.store.read { try await $0.sessions.load(id: Secret.hash(sessionSecret)) }
        guard let pending, pending.stage == .awaitingSecondFactor, pending.expiresAt > now else { throw DomainError.unauthenticated }
        guard let code = Text.nonBlank(code) else { throw DomainError.invalid(field: "code", code: "error.required") }
        guard let (user, _) = try await services.store.read({ try await $0.users.loadWithCredentials(pending.userID) }) else {
            throw DomainError.unauthenticated
        }
        try await checkThrottle(email: user.email, address: address)
        let secret = Secret.random()
        let security = services.security
        let outcome: SessionRecord? = try await services.store.write { tx in
            guard let (fresh, loadedCredentials) = try await tx.users.loadWithCredentials(user.id, forUpdate: true), fresh.totpEnabled,
                  let base32 = loadedCredentials.totpSecret, let totp = TOTP(base32Secret: base32) else { return nil }
            var credentials = loadedCredentials
            var method = "totp"
            if let step = totp.matchingStep(for: code, at: now, lastUsedStep: credentials.totpLastStep) {
                credentials.totpLastStep = step
            } else if let index = credentials.recoveryCodeHashes.firstIndex(of: RecoveryCodes.hash(code)) {
                credentials.recoveryCodeHashes.remove(at: index)
                method = "recoveryCode"
            } else {
                return nil
            }
            try await tx.users.save(fresh, credentials: credentials)
            try await tx.sessions.delete(id: pending.id)
            let session = SessionRecord(id: Secret.hash(secret), userID: user.id, stage: .signedIn, csrfToken: Secret.random(), createdAt: now,
                                        lastSeenAt: now, expiresAt: now.addingTimeInterval(security.sessionIdleLifetime), userAgent: pending.userAgent)
            try await tx.sessions.insert(session)
            try await tx.loginFailures.clear(key: Self.accountKey(user.email))
            try await tx.record(AuditEntry(workspaceID: nil, entityType: "user", entityID: user.id.description, action: "sign_in", before: nil,
                                           after: AuditJSON.encode(["method": "password+\(method)"])), Context(actor: .user(user), requestID: requestID), at: now)
            return session
        }
        guard let session = outcome else {
            try await recordFailure(email: user.email, userID: user.id, address: address, reason: "secondFactor", requestID: requestID, at: now)
            throw DomainError.invalid(field: "code", code: "error.codeWrong")
        }
        return .signedIn(secret: secret, session: session, user: user)
    }

    private func checkThrottle(email: String, address: String) async throws {
        let since = services.now.addingTimeInterval(-services.security.failureWindow)
        let security = services.security
        let window = security.failureWindow
        let now = services.now
        let retry: Int? = try await services.store.read { db in
            for (key, limit) in [(Self.accountKey(email), security.maxFailuresPerAccount), (Self.addressKey(address), security.maxFailuresPerAddress)] {
                if try await db.loginFailures.count(key: key, since: since) >= limit {
                    let oldest = try await db.loginFailures.oldest(key: key, since: since) ?? now
                    return max(1, Int(oldest.addingTimeInterval(window).timeIntervalSince(now).rounded(.up)))
                }
            }
            return nil
        }
        if let retry { throw DomainError.rateLimited(retryAfterSeconds: retry) }
    }

    private func recordFailure(email: String, userID: User.ID?, address: String, reason: String, requestID: String?, at now: Date) async throws {
        let window = services.security.failureWindow
        try await services.store.write { tx in
            try await tx.loginFailures.record(keys: [Self.accountKey(email), Self.addressKey(address)], at: now)
            try await tx.loginFailures.prune(before: now.addingTimeInterval(-2 * window))
            try await tx.record(AuditEntry(workspaceID: nil, entityType: "user", entityID: userID?.description ?? email, action: "sign_in_failed",
                                           before: nil, after: AuditJSON.encode(["email": email, "address": address, "reason": reason])),
                                Context(actor: Actor(kind: userID == nil ? .system : .user, userID: userID, label: email), requestID: requestID), at: now)
        }
    }

    /// The session behind a cookie, if it is still valid. Refreshes its idle timer now and then.
    public func session(secret: String) async throws -> SessionContext? {
        let now = services.now
        let id = Secret.hash(secret)
        guard let session = try await services.store.read({ try await $0.sessions.load(id: id) }), session.expiresAt > now else { return nil }
        guard let user = try await services.store.read({ try await $0.users.load(session.userID) }), !user.isDisabled else { return nil }
        if session.stage == .signedIn, now.timeIntervalSince(session.lastSeenAt) > 300 {
            let lifetime = services.security.sessionIdleLifetime
            try await services.store.write { try await $0.sessions.touch(id: id, at: now, expiresAt: now.addingTimeInterval(lifetime)) }
        }
        return SessionContext(session: session, user: user)
    }

    public func signOut(secret: String, requestID: String?) async throws {
        let now = services.now
        let id = Secret.hash(secret)
        try await services.store.write { tx in
            guard let session = try await tx.sessions.load(id: id) else { return }
            try await tx.sessions.delete(id: id)
            if session.stage == .signedIn, let user = try await tx.users.load(session.userID) {
                try await tx.record(AuditEntry(workspaceID: nil, entityType: "user", entityID: user.id.description, action: "sign_out",
                                               before: nil, after: nil), Context(actor: .user(user), requestID: requestID), at: now)
            }
        }
    }

    /// The person behind a bearer token, if the token is known, not revoked, and its owner active.
    public func token(bearer: String) async throws -> (ApiToken, User)? {
        guard bearer.hasPrefix(ApiToken.secretPrefix) else { return nil }
        let now = services.now
        let hash = Secret.hash(bearer)
        guard let token = try await services.store.read({ try await $0.tokens.load(secretHash: hash) }), token.revokedAt == nil,
              let user = try await services.store.read({ try await $0.users.load(token.userID) }), !user.isDisabled else { return nil }
        if token.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            try await services.store.write { try await $0.tokens.markUsed(token.id, at: now) }
        }
        return (token, user)
    }

    private var dummyHash: String { services.passwords.dummyHash }
}
