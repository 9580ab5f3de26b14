import Foundation

/// A person who can sign in. Membership in workspaces and roles live in `Member`.
public struct User: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<User>

    public var id: ID
    public var email: String
    public var displayName: String
    /// An installation administrator manages users and workspaces and acts as secretariat everywhere.
    public var isAdministrator: Bool
    /// The language the person chose; `nil` follows the browser.
    public var language: Language?
    /// A person invited but who has not yet set a password cannot sign in.
    public var hasPassword: Bool
    public var totpEnabled: Bool
    public var isDisabled: Bool
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), email: String, displayName: String, isAdministrator: Bool = false, language: Language? = nil,
                hasPassword: Bool = false, totpEnabled: Bool = false, isDisabled: Bool = false,
                createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id
        self.email = email
        self.displayName = displayName
        self.isAdministrator = isAdministrator
        self.language = language
        self.hasPassword = hasPassword
        self.totpEnabled = totpEnabled
        self.isDisabled = isDisabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }
}

public enum Email {
    /// Lower-cases and checks the shape of an e-mail address (one `@`, a dotted domain, no spaces).
    public static func validate(_ raw: String?, field: String = "email", into v: inout Validator) -> String {
        let email = v.required(raw, field, maxLength: 254).lowercased()
        guard !email.isEmpty else { return email }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let ok = parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && !email.contains(where: { $0.isWhitespace || $0 == "," || $0 == ";" || $0 == "<" || $0 == ">" })
        if !ok { v.add(field, "error.email") }
        return email
    }
}

public enum PasswordPolicy {
    public static let minimumLength = 12
    /// bcrypt only reads the first 72 bytes; longer passwords are refused rather than silently cut.
    public static let maximumBytes = 72

    /// The password and, when the form asks for it twice, its confirmation: every problem at once.
    public static func validate(_ password: String?, confirmation: String??, field: String = "password", email: String? = nil, into v: inout Validator) {
        validate(password, field: field, email: email, into: &v)
        if let confirmation, confirmation != password { v.add("passwordConfirmation", "error.passwordMismatch") }
    }

    public static func validate(_ password: String?, field: String = "password", email: String? = nil, into v: inout Validator) {
        guard let password, !password.isEmpty else {
            v.add(field, "error.required")
            return
        }
        if password.count < minimumLength {
            v.add(field, "error.passwordTooShort", ["min": String(minimumLength)])
        } else if password.utf8.count > maximumBytes {
            v.add(field, "error.passwordTooLong", ["max": String(maximumBytes)])
        } else if let email, password.lowercased() == email.lowercased() {
            v.add(field, "error.passwordIsEmail")
        }
    }
}

/// Display names are what colleagues see in lists and the audit trail.
public enum DisplayName {
    public static func validate(_ raw: String?, field: String = "displayName", into v: inout Validator) -> String {
        v.required(raw, field, maxLength: 100)
    }
}

/// What proves a person is who they say: kept apart from `User` so it never reaches a page or an export.
public struct UserCredentials: Sendable, Equatable {
    public var passwordHash: String?
    public var totpSecret: String?
    /// A secret shown during enrolment, not yet confirmed by a code.
    public var totpPendingSecret: String?
    /// The last accepted TOTP step, so a code cannot be used twice.
    public var totpLastStep: Int64?
    public var recoveryCodeHashes: [String]

    public init(passwordHash: String? = nil, totpSecret: String? = nil, totpPendingSecret: String? = nil,
                totpLastStep: Int64? = nil, recoveryCodeHashes: [String] = []) {
        self.passwordHash = passwordHash
        self.totpSecret = totpSecret
        self.totpPendingSecret = totpPendingSecret
        self.totpLastStep = totpLastStep
        self.recoveryCodeHashes = recoveryCodeHashes
    }
}
