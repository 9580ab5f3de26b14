import Domain
import Features
import Foundation
import Vapor

/// The JSON shapes of the API (camelCase, ISO 8601 dates, UUID ids). Each is described in the
/// OpenAPI document by `APISchemas`.
struct WorkspaceResource: JSONWritable {
    var id: String
    var slug: String
    var name: String
    var organizationName: String?
    var scopeStatement: String?
    var sites: String?
    var certificationBody: String?
    var certificateNumber: String?
    var initialCertificationDate: String?
    var certificateIssuedOn: String?
    var certificateExpiresOn: String?
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
        certificateIssuedOn = w.certificateIssuedOn?.description
        certificateExpiresOn = w.certificateExpiresOn?.description
        timeZone = w.timeZone
        fiscalYearStartMonth = w.fiscalYearStartMonth
        createdAt = w.createdAt
        updatedAt = w.updatedAt
        version = w.version
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
    var certificateIssuedOn: String?
    var certificateExpiresOn: String?
    var timeZone: String?
    var fiscalYearStartMonth: Int?

    var input: WorkspaceInput {
        WorkspaceInput(name: name, slug: slug, organizationName: organizationName, scopeStatement: scopeStatement, sites: sites,
                       certificationBody: certificationBody, certificateNumber: certificateNumber,
                       initialCertificationDate: initialCertificationDate, certificateIssuedOn: certificateIssuedOn,
                       certificateExpiresOn: certificateExpiresOn, timeZone: timeZone, fiscalYearStartMonth: fiscalYearStartMonth.map(String.init))
    }
}

struct DepartmentResource: JSONWritable {
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

}

struct DepartmentRequest: Content {
    var name: String?
    var code: String?
    var description: String?
    var input: DepartmentInput { DepartmentInput(name: name, code: code, description: description) }
}

struct RoleGrantResource: JSONWritable {
    var role: String
    var departmentId: String?
    var expiresOn: String?

    init(_ g: RoleGrant) {
        role = g.role.rawValue
        departmentId = g.departmentID?.description
        expiresOn = g.expiresOn?.description
    }

}

struct MemberResource: JSONWritable {
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

struct AuditEventResource: JSONWritable {
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

    struct ActorResource: JSONWritable {
        var kind: String
        var userId: String?
        var tokenId: String?
        var label: String

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

}

struct ListResource<Item: JSONWritable>: JSONWritable {
    var items: [Item]
    var nextCursor: String?

}

struct MeResource: JSONWritable {
    struct Membership: JSONWritable {
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

}

struct ImportReportResource: JSONWritable {
    struct Row: JSONWritable {
        var row: Int
        var record: String
        var outcome: String
        var invitationUrl: String?
        /// How cells written otherwise than Meguri writes them were read (`O` as `applicable`).
        var readings: [ImportReading] = []

    }
    var dryRun: Bool
    var rows: [Row]
    /// How the file's columns were read (every column of the header row, the ignored ones with a null field).
    var mapping: ColumnMapping?
}

/// `{items}`: a whole, short list (no cursor).
struct ItemsResource<Item: JSONWritable>: JSONWritable {
    var items: [Item]

    func write(_ w: inout JSONWriter) { w.object { w in w.field("items", items) } }
}
