/// One problem with one input field (or one cell of an imported row). `code` is a message key the
/// surfaces translate; `params` fill its placeholders.
public struct FieldError: Error, Sendable, Hashable, Codable {
    public var field: String
    public var code: String
    public var params: [String: String]
    /// The row of an imported file, counting the header as row 1.
    public var row: Int?

    public init(field: String, code: String, params: [String: String] = [:], row: Int? = nil) {
        self.field = field
        self.code = code
        self.params = params
        self.row = row
    }
}

/// The few categories of refusal a use case can return; the surfaces map each to one status.
public enum DomainError: Error, Sendable, Equatable {
    /// Input failed validation; nothing was written.
    case invalid([FieldError])
    /// No such record in this scope (also what a record in another workspace looks like).
    case notFound(entity: String)
    /// The actor is known but may not do this.
    case forbidden
    /// The actor may not do this, for a reason worth telling them (a message key).
    case forbiddenBecause(String)
    /// The record changed since the caller read it.
    case conflict(entity: String, currentVersion: Int)
    /// An update arrived without the version it was based on.
    case versionRequired
    /// A rule of the domain refuses the change (e.g. removing the last secretariat).
    case rule(code: String, params: [String: String] = [:])
    /// Too many failures; try again later.
    case rateLimited(retryAfterSeconds: Int)
    /// No valid credentials.
    case unauthenticated

    public static func invalid(field: String, code: String, params: [String: String] = [:]) -> DomainError {
        .invalid([FieldError(field: field, code: code, params: params)])
    }
}

/// Collects field errors so a form reports every problem at once, then throws them together.
public struct Validator: Sendable {
    public private(set) var errors: [FieldError] = []
    public var row: Int?

    public init(row: Int? = nil) { self.row = row }

    public var isValid: Bool { errors.isEmpty }

    public mutating func add(_ field: String, _ code: String, _ params: [String: String] = [:]) {
        errors.append(FieldError(field: field, code: code, params: params, row: row))
    }

    public mutating func merge(_ other: [FieldError]) { errors += other }

    /// A required text: trimmed, not empty, at most `maxLength` characters.
    public mutating func required(_ value: String?, _ field: String, maxLength: Int = 200) -> String {
        guard let text = Text.nonBlank(value) else {
            add(field, "error.required")
            return ""
        }
        if text.count > maxLength { add(field, "error.tooLong", ["max": String(maxLength)]) }
        return text
    }

    /// An optional text: `nil` when blank, checked against `maxLength` otherwise.
    public mutating func optional(_ value: String?, _ field: String, maxLength: Int = 2000) -> String? {
        guard let text = Text.nonBlank(value) else { return nil }
        if text.count > maxLength { add(field, "error.tooLong", ["max": String(maxLength)]) }
        return text
    }

    public func check() throws {
        if !errors.isEmpty { throw DomainError.invalid(errors) }
    }
}
