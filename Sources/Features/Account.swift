import Domain
import Foundation
import Storage

/// What a signed-in person changes about themselves: password, language, name, second factor, API tokens.
public struct Account: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    /// Changes the password. Other browsers are signed out; with `revokeTokens` the person's API
    /// tokens stop working too (offered on the page: a changed password often means a leaked one).
    public func changePassword(_ user: User, current: String?, new: String?, keepSession: String?, revokeTokens: Bool = false, context: Context) async throws {
        var v = Validator()
        if (current ?? "").isEmpty { v.add("currentPassword", "error.required") }
        PasswordPolicy.validate(new, field: "newPassword", email: user.email, into: &v)
        try v.check()
        guard let (_, credentials) = try await services.store.read({ try await $0.users.loadWithCredentials(user.id) }),
              let hash = credentials.passwordHash, try await services.passwords.verify(current!, against: hash) else {
            throw DomainError.invalid(field: "currentPassword", code: "error.passwordWrong")
        }
        let newHash = try await services.passwords.hash(new!)
        let now = services.now
        try await services.store.write { tx in
            guard let (freshLoaded, loadedCredentials) = try await tx.users.loadWithCredentials(user.id, forUpdate: true) else { throw DomainError.notFound(entity: "user") }
            var fresh = freshLoaded
            var credentials = loadedCredentials
            credentials.passwordHash = newHash
            fresh.updatedAt = now
            fresh.version += 1
            try await tx.users.save(fresh, credentials: credentials)
            // Other browsers signed in as this person are signed out.
            try await tx.sessions.deleteAll(of: user.id, except: keepSession)
            let revoked = revokeTokens ? try await tx.tokens.revokeAll(of: user.id, at: now) : 0
            try await tx.record(AuditEntry(workspaceID: nil, entityType: "user", entityID: user.id.description, action: "password_change",
                                           before: nil, after: revokeTokens ? AuditJSON.encode(["tokensRevoked": String(revoked)]) : nil), context, at: now)
        }
    }

    public func updateProfile(_ user: User, displayName: String?, language: String?, context: Context) async throws -> User {
        var v = Validator()
        let name = displayName == nil ? user.displayName : DisplayName.validate(displayName, into: &v)
        var chosen = user.language
        if let language {
            if language.isEmpty || language == "auto" { chosen = nil } else if let parsed = Language(rawValue: language) { chosen = parsed } else {
                v.add("language", "error.choice")
            }
        }
        try v.check()
        let now = services.now
        let language = chosen
        return try await services.store.write { tx in
            guard let (before, credentials) = try await tx.users.loadWithCredentials(user.id, forUpdate: true) else { throw DomainError.notFound(entity: "user") }
            var after = before
            after.displayName = name
            after.language = language
            guard after != before else { return before }
            after.updatedAt = now
            after.version += 1
            try await tx.users.save(after, credentials: credentials)
            if after.displayName != before.displayName { try await tx.members.renamed(user: after) }
            try await tx.record(.change("user", id: user.id.description, action: "update", workspace: nil, before: before, after: after), context, at: now)
            return after
        }
    }

    public struct Enrolment: Sendable {
        public var secret: String
        public var uri: String
    }

    /// Starts TOTP enrolment: a new secret waits, unconfirmed, until a code from it is entered.
    public func beginTOTP(_ user: User) async throws -> Enrolment {
        let secret = TOTP(secret: TOTP.generateSecret())
        try await services.store.write { tx in
            guard let (fresh, loadedCredentials) = try await tx.users.loadWithCredentials(user.id, forUpdate: true) else { throw DomainError.notFound(entity: "user") }
            var credentials = loadedCredentials
            credentials.totpPendingSecret = secret.base32Secret
            try await tx.users.save(fresh, credentials: credentials)
        }
        return Enrolment(secret: secret.base32Secret, uri: secret.provisioningURI(account: user.email, issuer: "Meguri"))
    }

    /// The enrolment in progress, if any (to show the secret again after a wrong code).
    public func pendingTOTP(_ user: User) async throws -> Enrolment? {
        guard let (_, credentials) = try await services.store.read({ try await $0.users.loadWithCredentials(user.id) }),
              let pending = credentials.totpPendingSecret, let totp = TOTP(base32Secret: pending) else { return nil }
        return Enrolment(secret: pending, uri: totp.provisioningURI(account: user.email, issuer: "Meguri"))
    }

    /// Confirms enrolment with a code from the authenticator; returns the recovery codes, shown once.
    public func confirmTOTP(_ user: User, code: String?, context: Context) async throws -> [String] {
        let now = services.now
        let codes = RecoveryCodes.generate()
        return try await services.store.write { tx in
            guard let (before, loadedCredentials) = try await tx.users.loadWithCredentials(user.id, forUpdate: true) else { throw DomainError.notFound(entity: "user") }
            var credentials = loadedCredentials
            guard let pending = credentials.totpPendingSecret, let totp = TOTP(base32Secret: pending) else {
                throw DomainError.rule(code: "error.totpNotStarted")
            }
            guard let code = Text.nonBlank(code) else { throw DomainError.invalid(field: "code", code: "error.required") }
            guard let step = totp.matchingStep(for: code, at: now, lastUsedStep: nil) else { throw DomainError.invalid(field: "code", code: "error.codeWrong") }
            credentials.totpSecret = pending
            credentials.totpPendingSecret = nil
            credentials.totpLastStep = step
            credentials.recoveryCodeHashes = codes.map(RecoveryCodes.hash)
            var after = before
            after.totpEnabled = true
            after.updatedAt = now
            after.version += 1
            try await tx.users.save(after, credentials: credentials)
            try await tx.record(.change("user", id: user.id.description, action: "totp_enable", workspace: nil, before: before, after: after), context, at: now)
            return codes
        }
    }

    /// Turns the second factor off; the password is asked again.
    public func disableTOTP(_ user: User, password: String?, context: Context) async throws {
        try await checkPassword(user, password)
        let now = services.now
        try await services.store.write { tx in
            guard let (before, loadedCredentials) = try await tx.users.loadWithCredentials(user.id, forUpdate: true) else { throw DomainError.notFound(entity: "user") }
            var credentials = loadedCredentials
            credentials.totpSecret = nil
            credentials.totpPendingSecret = nil
            credentials.totpLastStep = nil
            credentials.recoveryCodeHashes = []
            var after = before
            after.totpEnabled = false
            after.updatedAt = now
            after.version += 1
            try await tx.users.save(after, credentials: credentials)
            try await tx.record(.change("user", id: user.id.description, action: "totp_disable", workspace: nil, before: before, after: after), context, at: now)
        }
    }

    /// New recovery codes replace the old ones; the password is asked again.
    public func regenerateRecoveryCodes(_ user: User, password: String?, context: Context) async throws -> [String] {
        try await checkPassword(user, password)
        let now = services.now
        let codes = RecoveryCodes.generate()
        try await services.store.write { tx in
            guard let (fresh, loadedCredentials) = try await tx.users.loadWithCredentials(user.id, forUpdate: true), fresh.totpEnabled else {
                throw DomainError.rule(code: "error.totpNotEnabled")
            }
            var credentials = loadedCredentials
            credentials.recoveryCodeHashes = codes.map(RecoveryCodes.hash)
            try await tx.users.save(fresh, credentials: credentials)
            try await tx.record(AuditEntry(workspaceID: nil, entityType: "user", entityID: user.id.description, action: "recovery_codes_regenerate",
                                           before: nil, after: nil), context, at: now)
        }
        return codes
    }

    public func remainingRecoveryCodes(_ user: User) async throws -> Int {
        try await services.store.read { try await $0.users.loadWithCredentials(user.id)?.1.recoveryCodeHashes.count ?? 0 }
    }

    private func checkPassword(_ user: User, _ password: String?) async throws {
        guard let password, !password.isEmpty else { throw DomainError.invalid(field: "password", code: "error.required") }
        guard let (_, credentials) = try await services.store.read({ try await $0.users.loadWithCredentials(user.id) }),
              let hash = credentials.passwordHash, try await services.passwords.verify(password, against: hash) else {
            throw DomainError.invalid(field: "password", code: "error.passwordWrong")
        }
    }

    // MARK: API tokens

    public struct IssuedToken: Sendable {
        public var token: ApiToken
        /// Shown once; only its hash is kept.
        public var secret: String
    }

    /// Creates an API token for `user`, optionally limited to one workspace they can open.
    public func createToken(for user: User, name: String?, workspaceSlug: String?, context: Context) async throws -> IssuedToken {
        var v = Validator()
        let name = v.required(name, "name", maxLength: 100)
        try v.check()
        var workspaceID: Workspace.ID? = nil
        if let slug = Text.nonBlank(workspaceSlug) {
            do {
                workspaceID = try await Access.resolve(user, slug: slug, services: services).workspace.id
            } catch DomainError.notFound {
                throw DomainError.invalid(field: "workspace", code: "error.unknownWorkspace", params: ["value": slug])
            }
        }
        let secret = ApiToken.secretPrefix + Secret.random()
        let now = services.now
        let token = ApiToken(userID: user.id, name: name, workspaceID: workspaceID, prefix: String(secret.prefix(ApiToken.secretPrefix.count + 6)), createdAt: now)
        try await services.store.write { tx in
            try await tx.tokens.insert(token, secretHash: Secret.hash(secret))
            try await tx.record(.change("api_token", id: token.id.description, action: "create", workspace: nil, before: nil as ApiToken?, after: token), context, at: now)
        }
        return IssuedToken(token: token, secret: secret)
    }

    public func tokens(of user: User) async throws -> [ApiToken] {
        try await services.store.read { try await $0.tokens.all(of: user.id) }
    }

    public func revokeToken(_ id: ApiToken.ID, of user: User, context: Context) async throws {
        let now = services.now
        try await services.store.write { tx in
            guard let before = try await tx.tokens.load(id, of: user.id) else { throw DomainError.notFound(entity: "api_token") }
            guard before.revokedAt == nil else { return }
            try await tx.tokens.revoke(id, at: now)
            var after = before
            after.revokedAt = now
            try await tx.record(.change("api_token", id: id.description, action: "revoke", workspace: nil, before: before, after: after), context, at: now)
        }
    }
}
