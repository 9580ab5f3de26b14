import Foundation

/// The roles of PRODUCT.md. A person holds one or more of them in each workspace they belong to.
public enum Role: String, Sendable, Codable, CaseIterable, Hashable {
    case topManagement
    case committeeMember
    case secretariat
    case departmentOfficer
    case internalAuditor
    case employee
    case externalAuditor

    /// Roles that act for one department carry that department with them.
    public var needsDepartment: Bool { self == .departmentOfficer }
    /// External auditors get time-limited access.
    public var needsExpiry: Bool { self == .externalAuditor }
}

/// One role held by one member, with its department (department officer) or expiry (external auditor).
public struct RoleGrant: Sendable, Codable, Hashable {
    public var role: Role
    public var departmentID: Department.ID?
    public var expiresOn: CalendarDate?

    public init(role: Role, departmentID: Department.ID? = nil, expiresOn: CalendarDate? = nil) {
        self.role = role
        self.departmentID = departmentID
        self.expiresOn = expiresOn
    }

    /// An external auditor's access ends at the end of `expiresOn`.
    public func isActive(on today: CalendarDate) -> Bool {
        guard let expiresOn else { return !role.needsExpiry }
        return today <= expiresOn
    }
}

/// What a route or use case needs. Each is granted to roles by `AccessPolicy`, never checked by
/// comparing role names in controllers.
public enum Permission: String, Sendable, CaseIterable, Hashable {
    /// See the workspace at all: its home, navigation, profile.
    case workspaceRead
    /// Change the workspace profile (scope, certificate, time zone…).
    case workspaceManage
    /// See the member list and departments beyond one's own.
    case membersRead
    /// Add, change and remove members, departments and invitations.
    case membersManage
    /// Read the audit trail and record histories.
    case auditTrailRead
    /// See the asset inventory.
    case assetsRead
    /// Add and change assets (department officers: only their department's).
    case assetsManage
    /// See risk assessments, risks and the treatment plan.
    case risksRead
    /// Add and change risks and treatment actions (department officers: only their department's).
    case risksManage
    /// Configure the risk method and the threat and vulnerability catalogs.
    case riskMethodManage
    /// Approve a risk assessment as a whole (top management).
    case assessmentApprove
    /// Read the Statement of Applicability and its versions.
    case soaRead
    /// Decide SoA entries, add own controls, submit a version, import the SoA.
    case soaManage
    /// Approve or return a submitted SoA version (top management).
    case soaApprove
    /// Read the evidence store and download its files.
    case evidenceRead
    /// Add evidence and change the evidence one added (the secretariat: any).
    case evidenceManage
    /// Set up and change objectives and control-effectiveness metrics (their owners record measurements).
    case objectivesManage
    /// Read audit programmes, audits, their checklists and findings, and nonconformities.
    case auditsRead
    /// Plan audit programmes and audits, assign auditors (and override independence with a reason), keep the process register.
    case auditsManage
    /// Raise nonconformities and change any of them (owners work on their own).
    case nonconformitiesManage
    /// Check whether a corrective action worked.
    case nonconformitiesVerify
    /// Read management reviews and their minutes.
    case reviewsRead
    /// Plan management reviews, hold them and write their outputs.
    case reviewsManage
    /// Read the document register and its versions (drafts included; external auditors: what was published).
    case documentsRead
    /// Keep the document register: add documents, write and publish versions, retire them.
    case documentsManage
    /// See training completion, scores, competences and drill results (a department officer: their departments').
    case trainingRead
    /// Keep courses, campaigns, competence requirements and records, and phishing drills.
    case trainingManage
    /// See the annual plan of the workspace (a person's own dated items are on "my work" and their calendar feed).
    case planRead
    /// Keep the annual plan: planned activities, the typical plan, the workspace's plan feed.
    case planManage
}

/// The table that says which role may do what. Pure data, tested row by row.
public enum AccessPolicy {
    public static func permissions(of role: Role) -> Set<Permission> {
        switch role {
        case .secretariat:
            return Set(Permission.allCases).subtracting([.assessmentApprove, .soaApprove])
        case .topManagement:
            return [.workspaceRead, .membersRead, .assetsRead, .risksRead, .assessmentApprove, .soaRead, .soaApprove, .evidenceRead, .auditsRead, .reviewsRead,
                    .documentsRead, .trainingRead, .planRead]
        case .committeeMember:
            return [.workspaceRead, .membersRead, .assetsRead, .risksRead, .soaRead, .evidenceRead, .auditsRead, .reviewsRead, .documentsRead, .trainingRead, .planRead]
        case .internalAuditor:
            return [.workspaceRead, .membersRead, .assetsRead, .risksRead, .soaRead, .evidenceRead, .auditsRead, .nonconformitiesVerify, .reviewsRead, .documentsRead, .trainingRead, .planRead]
        case .departmentOfficer:
            return [.workspaceRead, .membersRead, .assetsRead, .assetsManage, .risksRead, .risksManage, .soaRead, .evidenceRead, .evidenceManage, .auditsRead,
                    .reviewsRead, .documentsRead, .trainingRead, .planRead]
        case .externalAuditor:
            return [.workspaceRead, .membersRead, .auditTrailRead, .assetsRead, .risksRead, .soaRead, .evidenceRead, .auditsRead, .reviewsRead, .documentsRead, .trainingRead,
                    .planRead]
        case .employee:
            return [.workspaceRead, .assetsRead]
        }
    }

    /// The permissions of a set of grants on a given day (expired grants count for nothing).
    /// An installation administrator acts with the secretariat's rights in every workspace.
    public static func permissions(grants: [RoleGrant], isAdministrator: Bool, on today: CalendarDate) -> Set<Permission> {
        if isAdministrator { return permissions(of: .secretariat).union(grants.filter { $0.isActive(on: today) }.reduce(into: Set<Permission>()) { $0.formUnion(permissions(of: $1.role)) }) }
        return grants.filter { $0.isActive(on: today) }.reduce(into: Set<Permission>()) { $0.formUnion(permissions(of: $1.role)) }
    }
}
