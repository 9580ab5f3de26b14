import Catalog
import Domain
import Foundation
import Localization
import Storage

/// A role as it arrives from a form, a request or a CSV cell: the role's key or name, a department
/// id (department officer) and an expiry date (external auditor), all still unchecked.
public struct RawGrant: Sendable, Codable, Equatable {
    public var role: String
    public var departmentID: String?
    public var expiresOn: String?

    public init(role: String, departmentID: String? = nil, expiresOn: String? = nil) {
        self.role = role
        self.departmentID = departmentID
        self.expiresOn = expiresOn
    }
}

/// Members of a workspace and their roles, managed by the secretariat.
public struct Members: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public func list(_ access: WorkspaceAccess, filter: MemberFilter, page: PageRequest) async throws -> Page<Member> {
        try access.require(.membersRead)
        return try await services.store.read { try await $0.members.list(in: access.workspaceID, filter: filter, page: page) }
    }

    public func load(_ access: WorkspaceAccess, _ id: Member.ID) async throws -> Member {
        // Everyone may see their own membership; others need the member list permission.
        guard let member = try await services.store.read({ try await $0.members.load(id, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: "member")
        }
        if member.userID != access.user.id { try access.require(.membersRead) }
        return member
    }

    public struct Added: Sendable {
        public var member: Member
        /// Set when the person is new to the installation: the invitation link to hand over.
        public var invitationSecret: String?
    }

    /// Adds a person by e-mail. Someone new to the installation is created without a password and
    /// gets an invitation link; someone who already has an account simply joins.
    public func add(_ access: WorkspaceAccess, email: String?, displayName: String?, homeDepartmentID: String?, roles: [RawGrant],
                    context: Context) async throws -> Added {
        try access.require(.membersManage)
        let now = services.now
        let workspace = access.workspaceID
        let lifetime = services.security.invitationLifetime
        return try await services.store.write { tx in
            let departments = try await tx.departments.all(in: workspace)
            return try await add(email: email, displayName: displayName, homeDepartment: homeDepartmentID.map { .id($0) }, roles: roles,
                                 departments: departments, workspace: workspace, today: access.today, lifetime: lifetime, row: nil,
                                 tx: tx, context: context, now: now)
        }
    }

    enum DepartmentReference { case id(String), name(String) }

    private func add(email rawEmail: String?, displayName: String?, homeDepartment: DepartmentReference?, roles: [RawGrant],
                     departments: [Department], workspace: Workspace.ID, today: CalendarDate, lifetime: TimeInterval, row: Int?,
                     tx: Writer, context: Context, now: Date) async throws -> Added {
        var v = Validator(row: row)
        let email = Email.validate(rawEmail, into: &v)
        let home = resolveDepartment(homeDepartment, departments, into: &v)
        let grants = parseGrants(roles, home: home, departments: departments, today: today, into: &v)
        var user = try await tx.users.load(email: email)
        if user == nil { _ = DisplayName.validate(displayName, field: "displayName", into: &v) }
        if let existing = user, try await tx.members.load(user: existing.id, in: workspace) != nil {
            v.add("email", "error.alreadyMember", ["value": email])
        }
        try v.check()
        var secret: String? = nil
        if user == nil {
            let created = User(email: email, displayName: Text.trimmed(displayName ?? ""), createdAt: now, updatedAt: now)
            try await tx.users.insert(created, credentials: UserCredentials())
            try await tx.users.markCreated(created.id, in: workspace)
            try await tx.record(.change("user", id: created.id.description, action: "create", workspace: nil, before: nil as User?, after: created), context, at: now)
            secret = try await Users.issueLink(.invitation, for: created, workspace: workspace, lifetime: lifetime, tx: tx, context: context, now: now, services: services)
            user = created
        }
        let member = Member(workspaceID: workspace, userID: user!.id, email: user!.email, displayName: user!.displayName, homeDepartmentID: home,
                            grants: grants, isActivated: user!.hasPassword, createdAt: now, updatedAt: now)
        try await tx.members.insert(member)
        try await tx.record(.change("member", id: member.id.description, action: "create", workspace: workspace, before: nil as Member?, after: member), context, at: now)
        return Added(member: member, invitationSecret: secret)
    }

    private func resolveDepartment(_ reference: DepartmentReference?, _ departments: [Department], into v: inout Validator) -> Department.ID? {
        switch reference {
        case .none: return nil
        case .id(let raw):
            guard let text = Text.nonBlank(raw) else { return nil }
            guard let id = Department.ID(text), departments.contains(where: { $0.id == id }) else {
                v.add("homeDepartmentId", "error.unknownDepartment")
                return nil
            }
            return id
        case .name(let raw):
            guard let text = Text.nonBlank(raw) else { return nil }
            guard let found = departments.first(where: { $0.name.lowercased() == text.lowercased() || $0.code?.lowercased() == text.lowercased() }) else {
                v.add("department", "error.unknownDepartmentName", ["value": text])
                return nil
            }
            return found.id
        }
    }

    private func parseGrants(_ raw: [RawGrant], home: Department.ID?, departments: [Department], today: CalendarDate,
                             into v: inout Validator) -> [RoleGrant] {
        var inputs: [RoleGrantInput] = []
        for grant in raw {
            guard let role = services.localizer.parseRole(grant.role) else {
                v.add("roles", "error.unknownRole", ["value": grant.role])
                continue
            }
            var input = RoleGrantInput(role: role)
            if role.needsDepartment, let text = Text.nonBlank(grant.departmentID) {
                if let id = Department.ID(text) { input.departmentID = id } else if let byName = departments.first(where: { $0.name.lowercased() == text.lowercased() }) {
                    input.departmentID = byName.id
                } else {
                    v.add("roles", "error.unknownDepartmentName", ["value": text])
                    continue
                }
            }
            if role.needsExpiry, let text = Text.nonBlank(grant.expiresOn) {
                guard let date = CalendarDate(text) else {
                    v.add("expiresOn", "error.date")
                    continue
                }
                input.expiresOn = date
            }
            inputs.append(input)
        }
        // Roles that could not be read are already reported; "choose a role" would only repeat it.
        if inputs.isEmpty && !raw.isEmpty { return [] }
        return MemberRules.grants(inputs, homeDepartmentID: home, knownDepartments: Set(departments.map(\.id)), today: today, into: &v)
    }

    /// Changes a member's home department and roles. Nobody changes their own roles (segregation of
    /// duties: the secretariat could otherwise make itself top management and approve its own work).
    public func update(_ access: WorkspaceAccess, _ id: Member.ID, homeDepartmentID: String??, roles: [RawGrant]?, expectedVersion: Int?,
                       context: Context) async throws -> Member {
        try access.require(.membersManage)
        guard let expectedVersion else { throw DomainError.versionRequired }
        let now = services.now
        let workspace = access.workspaceID
        let actingUser = access.user
        return try await services.store.write { tx in
            guard let before = try await tx.members.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "member") }
            guard before.version == expectedVersion else { throw DomainError.conflict(entity: "member", currentVersion: before.version) }
            let departments = try await tx.departments.all(in: workspace)
            var v = Validator()
            var after = before
            if let homeDepartmentID { after.homeDepartmentID = resolveDepartment(homeDepartmentID.map { .id($0) }, departments, into: &v) }
            if let roles {
                after.grants = parseGrants(roles, home: after.homeDepartmentID, departments: departments, today: access.today, into: &v)
                // Segregation of duties: nobody gives themselves a role (or takes one away).
                if after.grants != before.grants, !SegregationOfDuties.mayChangeRoles(actor: actingUser.id, member: before.userID) {
                    v.add("roles", "error.changeOwnRoles")
                }
            }
            try v.check()
            guard after.homeDepartmentID != before.homeDepartmentID || after.grants != before.grants else { return before }
            after.updatedAt = now
            let saved = try await tx.members.update(after)
            try await tx.record(.change("member", id: id.description, action: "update", workspace: workspace, before: before, after: saved), context, at: now)
            return saved
        }
    }

    /// Removes a membership (the person's account stays; their records keep their name).
    public func remove(_ access: WorkspaceAccess, _ id: Member.ID, expectedVersion: Int?, context: Context) async throws {
        try access.require(.membersManage)
        let now = services.now
        let workspace = access.workspaceID
        let actingUser = access.user.id
        try await services.store.write { tx in
            guard let before = try await tx.members.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "member") }
            if let expectedVersion, before.version != expectedVersion { throw DomainError.conflict(entity: "member", currentVersion: before.version) }
            if before.userID == actingUser { throw DomainError.rule(code: "error.cannotRemoveSelf") }
            try await tx.members.delete(id, in: workspace)
            try await tx.record(.change("member", id: id.description, action: "delete", workspace: workspace, before: before, after: nil as Member?), context, at: now)
        }
    }

    /// A new invitation link for a member who has not yet set a password (the old one stops working).
    /// Only for an account this workspace created and that belongs to no other workspace: the link
    /// sets the password of the whole account (`InvitationRules`).
    public func reissueInvitation(_ access: WorkspaceAccess, _ id: Member.ID, context: Context) async throws -> String {
        try access.require(.membersManage)
        let now = services.now
        let workspace = access.workspaceID
        let lifetime = services.security.invitationLifetime
        return try await services.store.write { tx in
            guard let member = try await tx.members.load(id, in: workspace), let user = try await tx.users.load(member.userID) else {
                throw DomainError.notFound(entity: "member")
            }
            let creator = try await tx.users.creatingWorkspace(of: user.id)
            let workspaces = Set(try await tx.members.all(of: user.id).map(\.workspaceID))
            if let refusal = InvitationRules.refusal(user: user, creatingWorkspace: creator, workspaces: workspaces, acting: workspace) {
                throw DomainError.rule(code: refusal)
            }
            return try await Users.issueLink(.invitation, for: user, workspace: workspace, lifetime: lifetime, tx: tx, context: context, now: now, services: services)
        }
    }

    /// Without e-mail, the secretariat hands invitations over itself: a new link for every
    /// member of this workspace still waiting to set a password, where the workspace may re-issue
    /// it (`InvitationRules`: accounts it created that belong to no other workspace, never an
    /// administrator). The old links stop working. One transaction.
    public func reissuePendingInvitations(_ access: WorkspaceAccess, context: Context) async throws -> [(member: Member, secret: String)] {
        try access.require(.membersManage)
        let now = services.now
        let workspace = access.workspaceID
        let lifetime = services.security.invitationLifetime
        return try await services.store.write { tx in
            var issued: [(member: Member, secret: String)] = []
            let members = try await tx.members.all(in: workspace).filter { !$0.isActivated }
            let users = try await tx.users.loadAll(members.map(\.userID))
            for member in members.sorted(by: { $0.email < $1.email }) {
                guard let user = users[member.userID] else { continue }
                let creator = try await tx.users.creatingWorkspace(of: user.id)
                let workspaces = Set(try await tx.members.all(of: user.id).map(\.workspaceID))
                guard InvitationRules.refusal(user: user, creatingWorkspace: creator, workspaces: workspaces, acting: workspace) == nil else { continue }
                let secret = try await Users.issueLink(.invitation, for: user, workspace: workspace, lifetime: lifetime, tx: tx, context: context, now: now,
                                                       services: services)
                issued.append((member, secret))
            }
            return issued
        }
    }

    // MARK: Import

    public static let csvColumns = ImportVocabulary.bundled.columns("members", required: ["email", "roles"])

    public struct ImportReport: Sendable {
        public struct Row: Sendable {
            public enum Outcome: String, Sendable { case create, invite, update, unchanged }
            public var number: Int
            public var email: String
            public var outcome: Outcome
            /// The invitation link secret for a person new to the installation.
            public var invitationSecret: String?
        }
        public var rows: [Row]
        public var dryRun: Bool
        /// How the file's columns were read.
        public var mapping: ColumnMapping?
    }

    /// Splits a CSV roles cell: `secretariat; employee`, `事務局、従業員`, `a|b`.
    static func splitRoles(_ cell: String) -> [String] {
        cell.split(whereSeparator: { ";|、,，/".contains($0) }).map { Text.trimmed(String($0)) }.filter { !$0.isEmpty }
    }

    /// Imports members from CSV, all or nothing. An existing member gets the department and roles of
    /// the row; an existing account joins; a new address gets an account and an invitation link.
    public static let spec = ImportSpec(columns: csvColumns)

    public func importCSV(_ access: WorkspaceAccess, data: Data, options: ImportOptions = .proposed, dryRun: Bool,
                          context: Context) async throws -> ImportReport {
        try access.require(.membersManage)
        let table = try await ImportSteps(services).table(access, register: "members", data: data, spec: Self.spec, options: options)
        let now = services.now
        let workspace = access.workspaceID
        let today = access.today
        let lifetime = services.security.invitationLifetime
        do {
            return try await services.store.write { tx in
                let departments = try await tx.departments.all(in: workspace)
                var errors: [FieldError] = []
                var report = ImportReport(rows: [], dryRun: dryRun, mapping: table.mapping)
                var seen: [String: Int] = [:]
                for row in table.rows {
                    let email = Text.trimmed(row.cells["email"] ?? "").lowercased()
                    if let first = seen[email], !email.isEmpty {
                        errors.append(FieldError(field: "email", code: "error.csvDuplicateRow", params: ["row": String(first)], row: row.number))
                        continue
                    }
                    seen[email] = row.number
                    let roles = Self.splitRoles(row.cells["roles"] ?? "").map { RawGrant(role: $0, departmentID: nil, expiresOn: row.cells["expires"] ?? nil) }
                    do {
                        if let user = try await tx.users.load(email: email), let existing = try await tx.members.load(user: user.id, in: workspace) {
                            var v = Validator(row: row.number)
                            var after = existing
                            after.homeDepartmentID = resolveDepartment(.name(row.cells["department"] ?? ""), departments, into: &v)
                            after.grants = parseGrants(roles, home: after.homeDepartmentID, departments: departments, today: today, into: &v)
                            if after.grants != existing.grants, !SegregationOfDuties.mayChangeRoles(actor: access.user.id, member: existing.userID) {
                                v.add("roles", "error.changeOwnRoles")
                            }
                            try v.check()
                            if after.homeDepartmentID == existing.homeDepartmentID && after.grants == existing.grants {
                                report.rows.append(.init(number: row.number, email: email, outcome: .unchanged))
                            } else {
                                after.updatedAt = now
                                let saved = try await tx.members.update(after)
                                try await tx.record(.change("member", id: existing.id.description, action: "update", workspace: workspace,
                                                            before: existing, after: saved), context, at: now)
                                report.rows.append(.init(number: row.number, email: email, outcome: .update))
                            }
                        } else {
                            let added = try await add(email: email, displayName: row.cells["name"] ?? nil, homeDepartment: .name(row.cells["department"] ?? ""),
                                                      roles: roles, departments: departments, workspace: workspace, today: today, lifetime: lifetime,
                                                      row: row.number, tx: tx, context: context, now: now)
                            report.rows.append(.init(number: row.number, email: email, outcome: added.invitationSecret == nil ? .create : .invite,
                                                     invitationSecret: added.invitationSecret))
                        }
                    } catch DomainError.invalid(let rowErrors) {
                        // Name the CSV column, not the form field.
                        let columns = ["displayName": "name", "homeDepartmentId": "department", "expiresOn": "expires"]
                        errors += rowErrors.map { var e = $0; e.row = row.number; e.field = columns[e.field] ?? e.field; return e }
                    }
                }
                if !errors.isEmpty { throw DomainError.invalid(table.locate(FieldError.capped(errors))) }
                if dryRun { throw DryRunRollback(report: report) }
                try await ImportSteps.finish(table, register: "members", options: options, tx: tx, workspace: workspace, context: context, at: now)
                return report
            }
        } catch let rollback as DryRunRollback<ImportReport> {
            var report = rollback.report
            for index in report.rows.indices { report.rows[index].invitationSecret = nil }
            return report
        }
    }
}
