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
    static func pendingKey(_ sessionID: String) -> String { "pending:" + sessionID }

    /// Wrong second-factor codes a half-open sign-in survives; then the password must be entered again.
    public static let maxCodeAttempts = 5

    var backoff: SignInBackoff {
        SignInBackoff(limit: services.security.maxFailuresPerAccount, firstDelay: services.security.firstBackoff, window: services.security.failureWindow)
    }

    /// Checks e-mail and password. Each attempt is counted before the password is checked, in one
    /// transaction that holds the account's and the address's throttle rows, so parallel attempts
    /// cannot all slip under the limit; a right password takes its own attempt back, and the
    /// account's earlier failures are cleared only when the sign-in is complete (after the second
    /// factor). Past the limit an account backs off (`SignInBackoff`); an address is limited
    /// separately, more loosely. Every failure is written to the audit trail.
    public func signIn(email rawEmail: String?, password: String?, address: String, userAgent: String?, requestID: String?) async throws -> SignInResult {
        let email = Text.trimmed(rawEmail ?? "").lowercased()
        let password = password ?? ""
        var v = Validator()
        if email.isEmpty { v.add("email", "error.required") }
        if password.isEmpty { v.add("password", "error.required") }
        try v.check()

        let attempt = try await reserveAttempt(keys: [Self.accountKey(email), Self.addressKey(address)])
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
            try await tx.loginFailures.delete(attempt)
            if !user.totpEnabled {
                try await tx.loginFailures.clear(key: Self.accountKey(email))
                try await tx.record(AuditEntry(workspaceID: nil, entityType: "user", entityID: user.id.description, action: "sign_in", before: nil,
                                               after: AuditJSON.encode(["method": "password"])), Context(actor: .user(user), requestID: requestID), at: now)
            }
        }
        return user.totpEnabled ? .needsSecondFactor(secret: secret, session: session, user: user) : .signedIn(secret: secret, session: session, user: user)
    }

    /// Completes a sign-in with a TOTP code or a recovery code. The half-open session is replaced by
    /// a new one (a new secret), so a session id seen before sign-in is worth nothing after. The code
    /// is checked, and a wrong one counted, in the transaction that holds the account; after
    /// `maxCodeAttempts` wrong codes the half-open session ends and the password must be entered again.
    public func completeSecondFactor(sessionSecret: String, code: String?, address: String, requestID: String?) async throws -> SignInResult {
        let now = services.now
        let pending = try await services.store.read { try await $0.sessions.load(id: Secret.hash(sessionSecret)) }
        guard let pending, pending.stage == .awaitingSecondFactor, pending.expiresAt > now else { throw DomainError.unauthenticated }
        guard let code = Text.nonBlank(code) else { throw DomainError.invalid(field: "code", code: "error.required") }
        guard let (user, _) = try await services.store.read({ try await $0.users.loadWithCredentials(pending.userID) }) else {
            throw DomainError.unauthenticated
        }
        let secret = Secret.random()
        let security = services.security
        let window = security.failureWindow
        let backoff = self.backoff
        enum Outcome: Sendable { case signedIn(SessionRecord), wrong, ended, wait(Int) }
        let outcome: Outcome = try await services.store.write { tx in
            let keys = [Self.accountKey(user.email), Self.addressKey(address), Self.pendingKey(pending.id)]
            try await tx.loginFailures.lock(keys)
            guard let (fresh, loadedCredentials) = try await tx.users.loadWithCredentials(user.id, forUpdate: true), fresh.totpEnabled,
                  let base32 = loadedCredentials.totpSecret, let totp = TOTP(base32Secret: base32),
                  try await tx.sessions.load(id: pending.id) != nil else { return .ended }
            let since = now.addingTimeInterval(-window)
            if try await tx.loginFailures.count(key: Self.pendingKey(pending.id), since: since) >= Self.maxCodeAttempts {
                try await tx.sessions.delete(id: pending.id)
                return .ended
            }
            let accountFailures = try await tx.loginFailures.count(key: Self.accountKey(user.email), since: since)
            if let wait = backoff.wait(failures: accountFailures, newest: try await tx.loginFailures.newest(key: Self.accountKey(user.email), since: since), now: now) {
                return .wait(wait)
            }
            var credentials = loadedCredentials
            var method = "totp"
            if let step = totp.matchingStep(for: code, at: now, lastUsedStep: credentials.totpLastStep) {
                credentials.totpLastStep = step
            } else if let index = credentials.recoveryCodeHashes.firstIndex(of: RecoveryCodes.hash(code)) {
                credentials.recoveryCodeHashes.remove(at: index)
                method = "recoveryCode"
            } else {
                try await tx.loginFailures.record(keys: keys, at: now)
                try await Self.auditFailure(email: user.email, userID: user.id, address: address, reason: "secondFactor", requestID: requestID, at: now, tx: tx)
                if try await tx.loginFailures.count(key: Self.pendingKey(pending.id), since: since) >= Self.maxCodeAttempts {
                    try await tx.sessions.delete(id: pending.id)
                    return .ended
                }
                return .wrong
            }
            try await tx.users.save(fresh, credentials: credentials)
            try await tx.sessions.delete(id: pending.id)
            let session = SessionRecord(id: Secret.hash(secret), userID: user.id, stage: .signedIn, csrfToken: Secret.random(), createdAt: now,
                                        lastSeenAt: now, expiresAt: now.addingTimeInterval(security.sessionIdleLifetime), userAgent: pending.userAgent)
            try await tx.sessions.insert(session)
            try await tx.loginFailures.clear(key: Self.accountKey(user.email))
            try await tx.loginFailures.clear(key: Self.pendingKey(pending.id))
            try await tx.record(AuditEntry(workspaceID: nil, entityType: "user", entityID: user.id.description, action: "sign_in", before: nil,
                                           after: AuditJSON.encode(["method": "password+\(method)"])), Context(actor: .user(user), requestID: requestID), at: now)
            return .signedIn(session)
        }
        switch outcome {
        case .signedIn(let session): return .signedIn(secret: secret, session: session, user: user)
        case .wrong: throw DomainError.invalid(field: "code", code: "error.codeWrong")
        case .ended: throw DomainError.unauthenticated
        case .wait(let seconds): throw DomainError.rateLimited(retryAfterSeconds: seconds)
        }
    }

    /// Counts an attempt before it is checked: refuses it when the account must still wait or the
    /// address is over its limit, and otherwise records it (as a failure until it proves right).
    private func reserveAttempt(keys: [String]) async throws -> [UUID] {
        let security = services.security
        let now = services.now
        let since = now.addingTimeInterval(-security.failureWindow)
        let backoff = self.backoff
        enum Reservation: Sendable { case reserved([UUID]), wait(Int) }
        let reservation: Reservation = try await services.store.write { tx in
            try await tx.loginFailures.lock(keys)
            let account = keys[0], address = keys[1]
            let accountFailures = try await tx.loginFailures.count(key: account, since: since)
            if let wait = backoff.wait(failures: accountFailures, newest: try await tx.loginFailures.newest(key: account, since: since), now: now) {
                return .wait(wait)
            }
            if try await tx.loginFailures.count(key: address, since: since) >= security.maxFailuresPerAddress {
                let oldest = try await tx.loginFailures.oldest(key: address, since: since) ?? now
                return .wait(max(1, Int(oldest.addingTimeInterval(security.failureWindow).timeIntervalSince(now).rounded(.up))))
            }
            try await tx.loginFailures.prune(before: now.addingTimeInterval(-2 * security.failureWindow))
            return .reserved(try await tx.loginFailures.record(keys: keys, at: now))
        }
        switch reservation {
        case .reserved(let ids): return ids
        case .wait(let seconds): throw DomainError.rateLimited(retryAfterSeconds: seconds)
        }
    }

    /// The attempt's failure rows are already written (`reserveAttempt`); this adds the audit event.
    private func recordFailure(email: String, userID: User.ID?, address: String, reason: String, requestID: String?, at now: Date) async throws {
        try await services.store.write { tx in
            try await Self.auditFailure(email: email, userID: userID, address: address, reason: reason, requestID: requestID, at: now, tx: tx)
        }
    }

    private static func auditFailure(email: String, userID: User.ID?, address: String, reason: String, requestID: String?, at now: Date, tx: Writer) async throws {
        try await tx.record(AuditEntry(workspaceID: nil, entityType: "user", entityID: userID?.description ?? email, action: "sign_in_failed",
                                       before: nil, after: AuditJSON.encode(["email": email, "address": address, "reason": reason])),
                            Context(actor: Actor(kind: userID == nil ? .system : .user, userID: userID, label: email), requestID: requestID), at: now)
    }

    /// The session behind a cookie, if it is still valid. Refreshes its idle timer now and then.
    public func session(secret: String) async throws -> SessionContext? {
        let now = services.now
        let id = Secret.hash(secret)
        guard let session = try await services.store.read({ try await $0.sessions.load(id: id) }), session.expiresAt > now else { return nil }
        guard let user = try await services.store.read({ try await $0.users.load(session.userID) }), !user.isDisabled else { return nil }
        if session.stage == .signedIn, now.timeIntervalSince(session.lastSeenAt) > 300 {
            let lifetime = services.security.sessionIdleLifetime
            try await services.store.bookkeeping { try await $0.sessions.touch(id: id, at: now, expiresAt: now.addingTimeInterval(lifetime)) }
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
            try await services.store.bookkeeping { try await $0.tokens.markUsed(token.id, at: now) }
        }
        return (token, user)
    }

    private var dummyHash: String { services.passwords.dummyHash }
}
