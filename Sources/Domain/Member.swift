import Foundation

/// A person's membership of one workspace: their home department and the roles they hold there.
public struct Member: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<Member>

    public var id: ID
    public var workspaceID: Workspace.ID
    public var userID: User.ID
    public var email: String
    public var displayName: String
    public var homeDepartmentID: Department.ID?
    public var grants: [RoleGrant]
    /// False until an invited person has set a password.
    public var isActivated: Bool
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, userID: User.ID, email: String, displayName: String,
                homeDepartmentID: Department.ID?, grants: [RoleGrant], isActivated: Bool = true,
                createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id
        self.workspaceID = workspaceID
        self.userID = userID
        self.email = email
        self.displayName = displayName
        self.homeDepartmentID = homeDepartmentID
        self.grants = grants
        self.isActivated = isActivated
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    public func holds(_ role: Role, on today: CalendarDate) -> Bool {
        grants.contains { $0.role == role && $0.isActive(on: today) }
    }
}

/// A role as typed in a form, a request or a CSV cell, before it is checked.
public struct RoleGrantInput: Sendable, Codable, Equatable {
    public var role: Role
    public var departmentID: Department.ID?
    public var expiresOn: CalendarDate?

    public init(role: Role, departmentID: Department.ID? = nil, expiresOn: CalendarDate? = nil) {
        self.role = role
        self.departmentID = departmentID
        self.expiresOn = expiresOn
    }
}

public enum MemberRules {
    /// Checks a member's roles: at least one; a department officer acts for a department of this
    /// workspace (their home department when none is given); an external auditor has an expiry date
    /// that has not passed; no role twice for the same department.
    public static func grants(_ inputs: [RoleGrantInput], homeDepartmentID: Department.ID?,
                              knownDepartments: Set<Department.ID>, today: CalendarDate,
                              into v: inout Validator) -> [RoleGrant] {
        if inputs.isEmpty { v.add("roles", "error.rolesRequired") }
        var grants: [RoleGrant] = []
        for input in inputs {
            var grant = RoleGrant(role: input.role)
            if input.role.needsDepartment {
                guard let department = input.departmentID ?? homeDepartmentID else {
                    v.add("roles", "error.officerNeedsDepartment")
                    continue
                }
                if !knownDepartments.contains(department) { v.add("roles", "error.unknownDepartment") }
                grant.departmentID = department
            }
            if input.role.needsExpiry {
                guard let expiry = input.expiresOn else {
                    v.add("roles", "error.externalAuditorNeedsExpiry")
                    continue
                }
                if expiry < today { v.add("roles", "error.expiryInPast") }
                grant.expiresOn = expiry
            }
            if grants.contains(where: { $0.role == grant.role && $0.departmentID == grant.departmentID }) { continue }
            grants.append(grant)
        }
        return grants.sorted { (Role.allCases.firstIndex(of: $0.role)!, $0.departmentID?.description ?? "") < (Role.allCases.firstIndex(of: $1.role)!, $1.departmentID?.description ?? "") }
    }
}
