import Domain
import Features
import Foundation
import Vapor

/// The JSON shapes of the API (camelCase, ISO 8601 dates, UUID ids). Each is described in the
/// OpenAPI document by `APISchemas`.
struct WorkspaceResource: Content {
    var id: String
    var slug: String
    var name: String
    var organizationName: String?
    var scopeStatement: String?
    var sites: String?
    var certificationBody: String?
    var certificateNumber: String?
    var initialCertificationDate: String?
    var timeZone: String
    var fiscalYearStartMonth: Int
    var createdAt: Date
    var updatedAt: Date
    var version: Int

    init(_ w: Workspace) {
        id = w.id.description
        slug = w.slug
        name = w.name
        organizationName = w.organizationName
        scopeStatement = w.scopeStatement
        sites = w.sites
        certificationBody = w.certificationBody
        certificateNumber = w.certificateNumber
        initialCertificationDate = w.initialCertificationDate?.description
        timeZone = w.timeZone
        fiscalYearStartMonth = w.fiscalYearStartMonth
        createdAt = w.createdAt
        updatedAt = w.updatedAt
        version = w.version
    }

    // Optional values are written as null rather than left out, so every field is always present.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(slug, forKey: .slug)
        try c.encode(name, forKey: .name)
        try c.encode(organizationName, forKey: .organizationName)
        try c.encode(scopeStatement, forKey: .scopeStatement)
        try c.encode(sites, forKey: .sites)
        try c.encode(certificationBody, forKey: .certificationBody)
        try c.encode(certificateNumber, forKey: .certificateNumber)
        try c.encode(initialCertificationDate, forKey: .initialCertificationDate)
        try c.encode(timeZone, forKey: .timeZone)
        try c.encode(fiscalYearStartMonth, forKey: .fiscalYearStartMonth)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(version, forKey: .version)
    }
}

/// Create and PATCH body of a workspace: a missing field stays as it is; an empty string clears
/// an optional text.
struct WorkspaceRequest: Content {
    var name: String?
    var slug: String?
    var organizationName: String?
    var scopeStatement: String?
    var sites: String?
    var certificationBody: String?
    var certificateNumber: String?
    var initialCertificationDate: String?
    var timeZone: String?
    var fiscalYearStartMonth: Int?

    var input: WorkspaceInput {
        WorkspaceInput(name: name, slug: slug, organizationName: organizationName, scopeStatement: scopeStatement, sites: sites,
                       certificationBody: certificationBody, certificateNumber: certificateNumber,
                       initialCertificationDate: initialCertificationDate, timeZone: timeZone, fiscalYearStartMonth: fiscalYearStartMonth.map(String.init))
    }
}

struct DepartmentResource: Content {
    var id: String
    var name: String
    var code: String?
    var description: String?
    var createdAt: Date
    var updatedAt: Date
    var version: Int

    init(_ d: Department) {
        id = d.id.description
        name = d.name
        code = d.code
        description = d.description
        createdAt = d.createdAt
        updatedAt = d.updatedAt
        version = d.version
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(code, forKey: .code)
        try c.encode(description, forKey: .description)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(version, forKey: .version)
    }
}

struct DepartmentRequest: Content {
    var name: String?
    var code: String?
    var description: String?
    var input: DepartmentInput { DepartmentInput(name: name, code: code, description: description) }
}

struct RoleGrantResource: Content {
    var role: String
    var departmentId: String?
    var expiresOn: String?

    init(_ g: RoleGrant) {
        role = g.role.rawValue
        departmentId = g.departmentID?.description
        expiresOn = g.expiresOn?.description
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(role, forKey: .role)
        try c.encode(departmentId, forKey: .departmentId)
        try c.encode(expiresOn, forKey: .expiresOn)
    }
}

struct MemberResource: Content {
    var id: String
    var userId: String
    var email: String
    var displayName: String
    var homeDepartmentId: String?
    var roles: [RoleGrantResource]
    var activated: Bool
    var createdAt: Date
    var updatedAt: Date
    var version: Int
    /// Only in the answer to adding someone new: the one-time link to hand over.
    var invitationUrl: String?

    init(_ m: Member, invitationURL: String? = nil) {
        id = m.id.description
        userId = m.userID.description
        email = m.email
        displayName = m.displayName
        homeDepartmentId = m.homeDepartmentID?.description
        roles = m.grants.map(RoleGrantResource.init)
        activated = m.isActivated
        createdAt = m.createdAt
        updatedAt = m.updatedAt
        version = m.version
        invitationUrl = invitationURL
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(userId, forKey: .userId)
        try c.encode(email, forKey: .email)
        try c.encode(displayName, forKey: .displayName)
        try c.encode(homeDepartmentId, forKey: .homeDepartmentId)
        try c.encode(roles, forKey: .roles)
        try c.encode(activated, forKey: .activated)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(version, forKey: .version)
        if let invitationUrl { try c.encode(invitationUrl, forKey: .invitationUrl) }
    }
}

struct RoleGrantRequest: Content {
    var role: String
    var departmentId: String?
    var expiresOn: String?
}

struct MemberCreateRequest: Content {
    var email: String?
    var displayName: String?
    var homeDepartmentId: String?
    var roles: [RoleGrantRequest]?
}

struct MemberPatchRequest: Content {
    var homeDepartmentId: String??
    var roles: [RoleGrantRequest]?

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // Present-and-null clears the home department; absent leaves it.
        if c.contains(.homeDepartmentId) {
            homeDepartmentId = .some(try c.decodeIfPresent(String.self, forKey: .homeDepartmentId))
        } else {
            homeDepartmentId = nil
        }
        roles = try c.decodeIfPresent([RoleGrantRequest].self, forKey: .roles)
    }
}

struct AuditEventResource: Content {
    var id: String
    var sequence: Int64
    var occurredAt: Date
    var actor: ActorResource
    var entityType: String
    var entityId: String
    var action: String
    var before: String?
    var after: String?
    var requestId: String?
    var previousHash: String
    var hash: String

    struct ActorResource: Content {
        var kind: String
        var userId: String?
        var tokenId: String?
        var label: String

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(kind, forKey: .kind)
            try c.encode(userId, forKey: .userId)
            try c.encode(tokenId, forKey: .tokenId)
            try c.encode(label, forKey: .label)
        }
    }

    init(_ e: AuditEvent) {
        id = e.id.description
        sequence = e.sequence
        occurredAt = e.occurredAt
        actor = ActorResource(kind: e.actor.kind.rawValue, userId: e.actor.userID?.description, tokenId: e.actor.tokenID?.description, label: e.actor.label)
        entityType = e.entityType
        entityId = e.entityID
        action = e.action
        before = e.before
        after = e.after
        requestId = e.requestID
        previousHash = e.previousHash
        hash = e.hash
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(sequence, forKey: .sequence)
        try c.encode(occurredAt, forKey: .occurredAt)
        try c.encode(actor, forKey: .actor)
        try c.encode(entityType, forKey: .entityType)
        try c.encode(entityId, forKey: .entityId)
        try c.encode(action, forKey: .action)
        try c.encode(before, forKey: .before)
        try c.encode(after, forKey: .after)
        try c.encode(requestId, forKey: .requestId)
        try c.encode(previousHash, forKey: .previousHash)
        try c.encode(hash, forKey: .hash)
    }
}

struct ListResource<Item: Content>: Content {
    var items: [Item]
    var nextCursor: String?

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}

struct MeResource: Content {
    struct Membership: Content {
        var slug: String
        var name: String
        var roles: [RoleGrantResource]
    }
    var id: String
    var email: String
    var displayName: String
    var isAdministrator: Bool
    var language: String?
    var totpEnabled: Bool
    var workspaces: [Membership]

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(email, forKey: .email)
        try c.encode(displayName, forKey: .displayName)
        try c.encode(isAdministrator, forKey: .isAdministrator)
        try c.encode(language, forKey: .language)
        try c.encode(totpEnabled, forKey: .totpEnabled)
        try c.encode(workspaces, forKey: .workspaces)
    }
}

struct ImportReportResource: Content {
    struct Row: Content {
        var row: Int
        var record: String
        var outcome: String
        var invitationUrl: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(row, forKey: .row)
            try c.encode(record, forKey: .record)
            try c.encode(outcome, forKey: .outcome)
            try c.encode(invitationUrl, forKey: .invitationUrl)
        }
    }
    var dryRun: Bool
    var rows: [Row]
}
