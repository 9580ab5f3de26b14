import Foundation

/// One ISMS: one certificate scope. Every other record belongs to exactly one workspace.
public struct Workspace: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<Workspace>

    public var id: ID
    public var slug: String
    public var name: String
    public var organizationName: String?
    public var scopeStatement: String?
    public var sites: String?
    public var certificationBody: String?
    public var certificateNumber: String?
    public var initialCertificationDate: CalendarDate?
    /// The current certificate's issue and expiry dates: the surveillance audit falls in the month of its anniversary.
    public var certificateIssuedOn: CalendarDate?
    public var certificateExpiresOn: CalendarDate?
    public var timeZone: String
    public var fiscalYearStartMonth: Int
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID, slug: String, name: String, organizationName: String? = nil, scopeStatement: String? = nil,
                sites: String? = nil, certificationBody: String? = nil, certificateNumber: String? = nil,
                initialCertificationDate: CalendarDate? = nil, certificateIssuedOn: CalendarDate? = nil, certificateExpiresOn: CalendarDate? = nil,
                timeZone: String = Workspace.defaultTimeZone,
                fiscalYearStartMonth: Int = Workspace.defaultFiscalYearStartMonth, createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id
        self.slug = slug
        self.name = name
        self.organizationName = organizationName
        self.scopeStatement = scopeStatement
        self.sites = sites
        self.certificationBody = certificationBody
        self.certificateNumber = certificateNumber
        self.initialCertificationDate = initialCertificationDate
        self.certificateIssuedOn = certificateIssuedOn
        self.certificateExpiresOn = certificateExpiresOn
        self.timeZone = timeZone
        self.fiscalYearStartMonth = fiscalYearStartMonth
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    public static let defaultTimeZone = "Asia/Tokyo"
    public static let defaultFiscalYearStartMonth = 4

    /// Slugs that would collide with fixed paths.
    public static let reservedSlugs: Set<String> = ["new", "api", "admin", "setup", "login", "logout", "account", "static"]

    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(identifier: Workspace.defaultTimeZone)! }

    /// The first calendar day of the fiscal year that contains `day`.
    public func fiscalYearStart(containing day: CalendarDate) -> CalendarDate {
        let year = day.month >= fiscalYearStartMonth ? day.year : day.year - 1
        return CalendarDate(year: year, month: fiscalYearStartMonth, day: 1)!
    }
}

/// What a person may type about a workspace, as raw text. `nil` leaves a field as it is (on update)
/// or takes its default (on create); an empty string clears an optional field.
public struct WorkspaceInput: Sendable, Codable, Equatable {
    public var name: String?
    public var slug: String?
    public var organizationName: String?
    public var scopeStatement: String?
    public var sites: String?
    public var certificationBody: String?
    public var certificateNumber: String?
    public var initialCertificationDate: String?
    public var certificateIssuedOn: String?
    public var certificateExpiresOn: String?
    public var timeZone: String?
    public var fiscalYearStartMonth: String?

    public init(name: String? = nil, slug: String? = nil, organizationName: String? = nil, scopeStatement: String? = nil,
                sites: String? = nil, certificationBody: String? = nil, certificateNumber: String? = nil,
                initialCertificationDate: String? = nil, certificateIssuedOn: String? = nil, certificateExpiresOn: String? = nil,
                timeZone: String? = nil, fiscalYearStartMonth: String? = nil) {
        self.name = name
        self.slug = slug
        self.organizationName = organizationName
        self.scopeStatement = scopeStatement
        self.sites = sites
        self.certificationBody = certificationBody
        self.certificateNumber = certificateNumber
        self.initialCertificationDate = initialCertificationDate
        self.certificateIssuedOn = certificateIssuedOn
        self.certificateExpiresOn = certificateExpiresOn
        self.timeZone = timeZone
        self.fiscalYearStartMonth = fiscalYearStartMonth
    }
}

extension Workspace {
    /// Validates a slug: 2–40 characters of a–z, 0–9 and hyphens, starting with a letter, not reserved.
    public static func validateSlug(_ raw: String?, into v: inout Validator) -> String {
        let slug = v.required(raw?.lowercased(), "slug", maxLength: 40)
        guard !slug.isEmpty else { return slug }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        if slug.count < 2 || !slug.allSatisfy({ allowed.contains($0) }) || !(slug.first!.isLetter) || slug.hasSuffix("-") {
            v.add("slug", "error.slug")
        } else if reservedSlugs.contains(slug) {
            v.add("slug", "error.slugReserved")
        }
        return slug
    }

    /// A new workspace from input; only `name` and `slug` are required.
    public static func create(_ input: WorkspaceInput, id: ID = ID(), now: Date) throws -> Workspace {
        var workspace = Workspace(id: id, slug: "", name: "", createdAt: now, updatedAt: now)
        var v = Validator()
        workspace.slug = validateSlug(input.slug, into: &v)
        workspace.apply(input, validator: &v, creating: true)
        try v.check()
        return workspace
    }

    /// This workspace with the given fields changed. The slug is fixed once created (links and tokens use it).
    public func updated(with input: WorkspaceInput, now: Date) throws -> Workspace {
        var workspace = self
        var v = Validator()
        if let slug = input.slug, slug.lowercased() != self.slug { v.add("slug", "error.slugFixed") }
        workspace.apply(input, validator: &v, creating: false)
        try v.check()
        workspace.updatedAt = now
        return workspace
    }

    private mutating func apply(_ input: WorkspaceInput, validator v: inout Validator, creating: Bool) {
        if creating || input.name != nil { name = v.required(input.name, "name", maxLength: 100) }
        if let value = input.organizationName { organizationName = v.optional(value, "organizationName", maxLength: 200) }
        if let value = input.scopeStatement { scopeStatement = v.optional(value, "scopeStatement", maxLength: 5000) }
        if let value = input.sites { sites = v.optional(value, "sites", maxLength: 2000) }
        if let value = input.certificationBody { certificationBody = v.optional(value, "certificationBody", maxLength: 200) }
        if let value = input.certificateNumber { certificateNumber = v.optional(value, "certificateNumber", maxLength: 100) }
        func date(_ raw: String?, _ field: String, _ target: inout CalendarDate?) {
            guard let value = raw else { return }
            if let text = Text.nonBlank(value) {
                if let date = CalendarDate(text) { target = date } else { v.add(field, "error.date") }
            } else {
                target = nil
            }
        }
        date(input.initialCertificationDate, "initialCertificationDate", &initialCertificationDate)
        date(input.certificateIssuedOn, "certificateIssuedOn", &certificateIssuedOn)
        date(input.certificateExpiresOn, "certificateExpiresOn", &certificateExpiresOn)
        if let issued = certificateIssuedOn, let expires = certificateExpiresOn, expires <= issued { v.add("certificateExpiresOn", "error.expiryBeforeIssue") }
        if let value = input.timeZone {
            let zone = Text.trimmed(value)
            if zone.isEmpty {
                v.add("timeZone", "error.required")
            } else if TimeZone(identifier: zone) == nil || !zone.contains("/") && zone != "UTC" {
                v.add("timeZone", "error.timeZone")
            } else {
                timeZone = zone
            }
        }
        if let value = input.fiscalYearStartMonth {
            if let month = Int(Text.halfWidth(Text.trimmed(value))), (1...12).contains(month) {
                fiscalYearStartMonth = month
            } else {
                v.add("fiscalYearStartMonth", "error.month")
            }
        }
    }
}
