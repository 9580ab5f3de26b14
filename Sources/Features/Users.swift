import Domain
import Foundation
import Storage

/// The installation administrator's work on people: create, change, disable, hand out reset links.
/// Also where a person redeems an invitation or a reset link.
public struct Users: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public func list(search: String?, page: PageRequest) async throws -> Page<User> {
        try await services.store.read { try await $0.users.list(search: search, page: page) }
    }

    public func load(_ id: User.ID) async throws -> User {
        guard let user = try await services.store.read({ try await $0.users.load(id) }) else { throw DomainError.notFound(entity: "user") }
        return user
    }

    public struct Created: Sendable {
        public var user: User
        /// The one-time link secret when no password was given: the person sets their own.
        public var invitationSecret: String?
    }

    /// Creates a person. With a password they can sign in at once (CLI); without, they get an
    /// invitation link to hand over.
    public func create(email: String?, displayName: String?, isAdministrator: Bool, password: String?, context: Context,
                       precomputedHash: String? = nil) async throws -> Created {
        var v = Validator()
        let email = Email.validate(email, into: &v)
        let name = DisplayName.validate(displayName, into: &v)
        if let password { PasswordPolicy.validate(password, email: email, into: &v) }
        try v.check()
        // The demo seeder hashes its shared password once; everyone else's is hashed here.
        var hash = precomputedHash
        if hash == nil, let password { hash = try await services.passwords.hash(password) }
        let now = services.now
        let lifetime = services.security.invitationLifetime
        let passwordHash = hash
        return try await services.store.write { tx in
            guard try await tx.users.load(email: email) == nil else { throw DomainError.invalid(field: "email", code: "error.emailTaken") }
            let user = User(email: email, displayName: name, isAdministrator: isAdministrator, hasPassword: passwordHash != nil, createdAt: now, updatedAt: now)
            try await tx.users.insert(user, credentials: UserCredentials(passwordHash: passwordHash))
            try await tx.record(.change("user", id: user.id.description, action: "create", workspace: nil, before: nil as User?, after: user), context, at: now)
            var secret: String? = nil
            if passwordHash == nil {
                secret = try await Self.issueLink(.invitation, for: user, workspace: nil, lifetime: lifetime, tx: tx, context: context, now: now, services: services)
            }
            return Created(user: user, invitationSecret: secret)
        }
    }

    /// Changes name, administrator flag and disabled state. An administrator cannot remove their own
    /// administrator rights or disable themselves (someone must be left to manage the installation).
    public func update(_ id: User.ID, displayName: String?, isAdministrator: Bool?, isDisabled: Bool?, expectedVersion: Int?,
                       by actor: User, context: Context) async throws -> User {
        guard let expectedVersion else { throw DomainError.versionRequired }
        var v = Validator()
        let name = displayName.map { _ in DisplayName.validate(displayName, into: &v) }
        if id == actor.id, isAdministrator == false { v.add("isAdministrator", "error.cannotDemoteSelf") }
        if id == actor.id, isDisabled == true { v.add("isDisabled", "error.cannotDisableSelf") }
        try v.check()
        let now = services.now
        return try await services.store.write { tx in
            guard let (before, credentials) = try await tx.users.loadWithCredentials(id, forUpdate: true) else { throw DomainError.notFound(entity: "user") }
            guard before.version == expectedVersion else { throw DomainError.conflict(entity: "user", currentVersion: before.version) }
            var after = before
            if let name { after.displayName = name }
            if let isAdministrator { after.isAdministrator = isAdministrator }
            if let isDisabled { after.isDisabled = isDisabled }
            guard after != before else { return before }
            after.updatedAt = now
            after.version += 1
            try await tx.users.save(after, credentials: credentials)
            if after.displayName != before.displayName { try await tx.members.renamed(user: after) }
            if after.isDisabled { try await tx.sessions.deleteAll(of: id) }
            try await tx.record(.change("user", id: id.description, action: "update", workspace: nil, before: before, after: after), context, at: now)
            return after
        }
    }

    /// A one-time link with which the person chooses a new password.
    public func issuePasswordReset(_ id: User.ID, context: Context) async throws -> String {
        let now = services.now
        let lifetime = services.security.passwordResetLifetime
        return try await services.store.write { tx in
            guard let user = try await tx.users.load(id) else { throw DomainError.notFound(entity: "user") }
            let purpose: OneTimeLink.Purpose = user.hasPassword ? .passwordReset : .invitation
            return try await Self.issueLink(purpose, for: user, workspace: nil, lifetime: purpose == .invitation ? lifetime * 7 : lifetime,
                                            tx: tx, context: context, now: now, services: services)
        }
    }

    static func issueLink(_ purpose: OneTimeLink.Purpose, for user: User, workspace: Workspace.ID?, lifetime: TimeInterval, tx: Writer,
                          context: Context, now: Date, services: AppServices) async throws -> String {
        try await tx.links.expireOpen(purpose: purpose, user: user.id, at: now)
        let secret = Secret.random()
        let link = OneTimeLink(purpose: purpose, userID: user.id, workspaceID: workspace, createdBy: context.actor.userID, createdAt: now,
                               expiresAt: now.addingTimeInterval(lifetime))
        try await tx.links.insert(link, secretHash: Secret.hash(secret))
        try await tx.record(AuditEntry(workspaceID: workspace, entityType: "user", entityID: user.id.description,
                                       action: purpose == .invitation ? "invitation_create" : "password_reset_create", before: nil,
                                       after: AuditJSON.encode(["expiresAt": AuditJSON.timestamp(link.expiresAt)])), context, at: now)
        // With e-mail configured the link goes to the person, queued in this transaction.
        if services.notifier.mail != nil {
            var place: Workspace? = nil
            if let workspace { place = try await tx.workspaces.load(workspace) }
            // Someone who has not chosen a language yet is written to in the one the inviter is using.
            var addressee = user
            if addressee.language == nil { addressee.language = context.language }
            if addressee.language == nil, let inviter = context.actor.userID { addressee.language = try await tx.users.load(inviter)?.language }
            _ = try await Notifications.queueLink(purpose, secret: secret, for: addressee, workspace: place, expiresAt: link.expiresAt, linkID: link.id.uuidString.lowercased(),
                                                  services: services, tx: tx, now: now)
        }
        return secret
    }

    /// The person a valid link is for (to greet them on the page), or nil when the link is unusable.
    public func linkHolder(secret: String, purpose: OneTimeLink.Purpose) async throws -> User? {
        let now = services.now
        return try await services.store.read { db in
            guard let link = try await db.links.load(secretHash: Secret.hash(secret), purpose: purpose), link.isUsable(at: now),
                  let userID = link.userID else { return nil }
            return try await db.users.load(userID)
        }
    }

    /// Redeems an invitation or a reset link: sets the password (and, for an invitation, the name).
    /// `language`: the one the person joined in, kept when they have not chosen one (their
    /// e-mails are written in it).
    public func redeem(secret: String, purpose: OneTimeLink.Purpose, displayName: String?, password: String?, passwordConfirmation: String?? = nil,
                       language: Language? = nil, requestID: String?) async throws -> User {
        guard let holder = try await linkHolder(secret: secret, purpose: purpose) else { throw DomainError.rule(code: "error.linkInvalid") }
        var v = Validator()
        let name = purpose == .invitation ? DisplayName.validate(displayName, into: &v) : holder.displayName
        PasswordPolicy.validate(password, confirmation: passwordConfirmation, email: holder.email, into: &v)
        try v.check()
        let hash = try await services.passwords.hash(password!)
        let now = services.now
        return try await services.store.write { tx in
            guard let link = try await tx.links.load(secretHash: Secret.hash(secret), purpose: purpose, forUpdate: true), link.isUsable(at: now),
                  let userID = link.userID, let (before, loadedCredentials) = try await tx.users.loadWithCredentials(userID, forUpdate: true) else {
                throw DomainError.rule(code: "error.linkInvalid")
            }
            var credentials = loadedCredentials
            credentials.passwordHash = hash
            var after = before
            after.displayName = name
            after.hasPassword = true
            if after.language == nil, purpose == .invitation { after.language = language }
            after.updatedAt = now
            after.version += 1
            try await tx.users.save(after, credentials: credentials)
            if after.displayName != before.displayName { try await tx.members.renamed(user: after) }
            try await tx.links.markUsed(link.id, at: now)
            try await tx.sessions.deleteAll(of: userID)
            // A reset means the old password may be known to someone else: tokens made with it stop working.
            if purpose == .passwordReset { try await tx.tokens.revokeAll(of: userID, at: now) }
            let context = Context(actor: .user(after), requestID: requestID)
            try await tx.record(.change("user", id: userID.description, action: purpose == .invitation ? "invitation_accept" : "password_reset",
                                        workspace: nil, before: before, after: after), context, at: now)
            return after
        }
    }
}
