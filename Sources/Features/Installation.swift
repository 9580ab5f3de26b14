import Domain
import Foundation
import Storage

/// First run: with no user in the database, a one-time setup link creates the first installation
/// administrator (or `MEGURI_ADMIN_EMAIL` + `MEGURI_ADMIN_PASSWORD` do it unattended).
public struct Installation: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public func needsSetup() async throws -> Bool {
        try await services.store.read { try await $0.users.count() == 0 }
    }

    /// Issues a fresh setup link (withdrawing earlier ones) and returns its secret, or nil when a user exists.
    public func issueSetupLink() async throws -> String? {
        let now = services.now
        let lifetime = services.security.setupLinkLifetime
        return try await services.store.write { tx in
            guard try await tx.users.count() == 0 else { return nil }
            try await tx.links.expireOpen(purpose: .setup, user: nil, at: now)
            let secret = Secret.random()
            try await tx.links.insert(OneTimeLink(purpose: .setup, userID: nil, workspaceID: nil, createdBy: nil, createdAt: now,
                                                  expiresAt: now.addingTimeInterval(lifetime)), secretHash: Secret.hash(secret))
            return secret
        }
    }

    public func setupLinkIsValid(_ secret: String) async throws -> Bool {
        let now = services.now
        return try await services.store.read { db in
            guard try await db.users.count() == 0 else { return false }
            return try await db.links.load(secretHash: Secret.hash(secret), purpose: .setup)?.isUsable(at: now) ?? false
        }
    }

    /// Creates the first administrator through the setup link; the link then stops working.
    public func completeSetup(secret: String, email: String?, displayName: String?, password: String?, passwordConfirmation: String?? = nil,
                              language: Language?, context: Context) async throws -> User {
        var v = Validator()
        let email = Email.validate(email, into: &v)
        let name = DisplayName.validate(displayName, into: &v)
        PasswordPolicy.validate(password, confirmation: passwordConfirmation, email: email, into: &v)
        try v.check()
        let hash = try await services.passwords.hash(password!)
        let now = services.now
        return try await services.store.write { tx in
            guard try await tx.users.count() == 0 else { throw DomainError.rule(code: "error.alreadySetUp") }
            guard let link = try await tx.links.load(secretHash: Secret.hash(secret), purpose: .setup, forUpdate: true), link.isUsable(at: now) else {
                throw DomainError.rule(code: "error.linkInvalid")
            }
            let user = User(email: email, displayName: name, isAdministrator: true, language: language, hasPassword: true, createdAt: now, updatedAt: now)
            try await tx.users.insert(user, credentials: UserCredentials(passwordHash: hash))
            try await tx.links.markUsed(link.id, at: now)
            var actor = context
            actor.actor = Actor(kind: .system, userID: user.id, label: "setup")
            try await tx.record(.change("user", id: user.id.description, action: "create", workspace: nil, before: nil as User?, after: user), actor, at: now)
            return user
        }
    }

    /// Creates the first administrator from configuration when the database has no user yet.
    /// Returns the user when one was created.
    public func bootstrapAdministrator(email: String, password: String) async throws -> User? {
        var v = Validator()
        let email = Email.validate(email, field: "MEGURI_ADMIN_EMAIL", into: &v)
        PasswordPolicy.validate(password, field: "MEGURI_ADMIN_PASSWORD", email: email, into: &v)
        try v.check()
        guard try await needsSetup() else { return nil }
        let hash = try await services.passwords.hash(password)
        let now = services.now
        return try await services.store.write { tx in
            guard try await tx.users.count() == 0 else { return nil }
            let name = String(email.split(separator: "@").first ?? "admin")
            let user = User(email: email, displayName: name, isAdministrator: true, hasPassword: true, createdAt: now, updatedAt: now)
            try await tx.users.insert(user, credentials: UserCredentials(passwordHash: hash))
            try await tx.links.expireOpen(purpose: .setup, user: nil, at: now)
            try await tx.record(.change("user", id: user.id.description, action: "create", workspace: nil, before: nil as User?, after: user),
                                Context(actor: Actor(kind: .system, label: "MEGURI_ADMIN_EMAIL")), at: now)
            return user
        }
    }
}
