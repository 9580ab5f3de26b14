import Domain
import Foundation
import Storage

public struct RequirementInput: Sendable {
    public var role, name, description: String?
    public var courseID: Course.ID??
    public init(role: String? = nil, name: String? = nil, description: String? = nil, courseID: Course.ID?? = nil) {
        self.role = role; self.name = name; self.description = description; self.courseID = courseID
    }
}

public struct CompetenceRecordInput: Sendable {
    public var userID: User.ID?
    public var requirementID: CompetenceRequirement.ID??
    public var name, obtainedOn, expiresOn, note: String?
    public var evidenceID: Evidence.ID??
    public init(userID: User.ID? = nil, requirementID: CompetenceRequirement.ID?? = nil, name: String? = nil, obtainedOn: String? = nil, expiresOn: String? = nil,
                note: String? = nil, evidenceID: Evidence.ID?? = nil) {
        self.userID = userID; self.requirementID = requirementID; self.name = name; self.obtainedOn = obtainedOn; self.expiresOn = expiresOn; self.note = note
        self.evidenceID = evidenceID
    }
}

/// Who needs what, who has what, and who holds a role without what it needs (7.2).
public struct CompetenceOverview: Sendable {
    public struct Gap: Sendable {
        public var member: Member
        public var role: Role
        public var requirement: CompetenceRequirement
    }
    public var requirements: [CompetenceRequirement]
    public var records: [CompetenceRecord]
    public var gaps: [Gap]
    public var people: [User.ID: User]
    public var courses: [Course.ID: Course]
}

/// Competence requirements per role and records per person (7.2).
public struct Competences: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public func overview(_ access: WorkspaceAccess) async throws -> CompetenceOverview {
        try access.require(.trainingRead)
        let limit = Campaigns.visibleDepartments(access)
        return try await services.store.read { db in
            let requirements = try await db.training.requirements.all(in: access.workspaceID)
            var members = try await db.members.all(in: access.workspaceID)
            if let limit { members = members.filter { m in m.homeDepartmentID.map(limit.contains) ?? false } }
            let visible = Set(members.map(\.userID))
            let records = try await db.training.records.all(in: access.workspaceID).filter { visible.contains($0.userID) }
            let courses = Dictionary(uniqueKeysWithValues: try await db.training.courses.all(in: access.workspaceID).map { ($0.id, $0) })
            let passes = try await db.training.attempts.lastPasses(in: access.workspaceID)
            let gaps = Self.gaps(members: members, requirements: requirements, records: records, passes: passes, courses: courses, access: access)
            let people = try await db.users.loadAll(Array(visible))
            return CompetenceOverview(requirements: requirements, records: records, gaps: gaps, people: people, courses: courses)
        }
    }

    static func gaps(members: [Member], requirements: [CompetenceRequirement], records: [CompetenceRecord], passes: [User.ID: [Course.ID: Date]],
                     courses: [Course.ID: Course], access: WorkspaceAccess) -> [CompetenceOverview.Gap] {
        let recordsOf = Dictionary(grouping: records, by: \.userID)
        var out: [CompetenceOverview.Gap] = []
        for member in members {
            let roles = Set(member.grants.filter { $0.isActive(on: access.today) }.map(\.role))
            for requirement in requirements where roles.contains(requirement.role) {
                let lastPass = requirement.courseID.flatMap { passes[member.userID]?[$0] }.map { CalendarDate($0, in: access.workspace.zone) }
                let months = requirement.courseID.flatMap { courses[$0]?.validityMonths } ?? 0
                if !CompetenceRules.isMet(requirement, records: recordsOf[member.userID] ?? [], lastPass: lastPass, validityMonths: months, on: access.today) {
                    out.append(.init(member: member, role: requirement.role, requirement: requirement))
                }
            }
        }
        return out
    }

    /// Whether a person lacks a competence one of their roles needs (the audit planner's warning): the names of what is missing.
    public func missing(_ access: WorkspaceAccess, user: User.ID, role: Role) async throws -> [String] {
        try await services.store.read { db in
            guard let member = try await db.members.load(user: user, in: access.workspaceID) else { return [] }
            let requirements = try await db.training.requirements.all(in: access.workspaceID, [.equal(\.role, role)])
            guard !requirements.isEmpty else { return [] }
            let records = try await db.training.records.all(in: access.workspaceID, [.equal(\.userID, user)])
            let courses = Dictionary(uniqueKeysWithValues: try await db.training.courses.all(in: access.workspaceID).map { ($0.id, $0) })
            let passes = try await db.training.attempts.lastPasses(in: access.workspaceID, users: [user])
            var holder = member
            holder.grants = [RoleGrant(role: role)]
            return Self.gaps(members: [holder], requirements: requirements, records: records, passes: passes, courses: courses, access: access).map(\.requirement.name)
        }
    }

    // MARK: Requirements

    public func createRequirement(_ access: WorkspaceAccess, _ input: RequirementInput, context: Context) async throws -> CompetenceRequirement {
        try access.require(.trainingManage)
        let now = services.now
        return try await services.store.write { tx in
            var requirement = CompetenceRequirement(workspaceID: access.workspaceID, role: .internalAuditor, name: "", createdAt: now, updatedAt: now)
            try await apply(input, to: &requirement, creating: true, access: access, tx: tx)
            return try await tx.create(tx.training.requirements, requirement, context: context, at: now)
        }
    }

    func apply(_ input: RequirementInput, to r: inout CompetenceRequirement, creating: Bool, access: WorkspaceAccess, tx: Writer) async throws {
        var v = Validator()
        if creating || input.role != nil {
            if let role = input.role.flatMap({ Role(rawValue: Text.trimmed($0)) }) { r.role = role } else { v.add("role", "error.choice") }
        }
        if creating || input.name != nil { r.name = v.required(input.name, "name", maxLength: 200) }
        if let text = input.description { r.description = v.optional(text, "description", maxLength: 2000) }
        if let course = input.courseID {
            if let id = course, try await tx.training.courses.load(id, in: access.workspaceID) == nil { v.add("courseId", "error.unknownCourse") }
            r.courseID = course
        }
        try v.check()
    }

    public func updateRequirement(_ access: WorkspaceAccess, _ id: CompetenceRequirement.ID, _ input: RequirementInput, expectedVersion: Int?,
                                  context: Context) async throws -> CompetenceRequirement {
        try access.require(.trainingManage)
        let now = services.now
        return try await services.store.write { tx in
            try await tx.change(tx.training.requirements, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) {
                try await apply(input, to: &$0, creating: false, access: access, tx: tx)
            }
        }
    }

    public func deleteRequirement(_ access: WorkspaceAccess, _ id: CompetenceRequirement.ID, expectedVersion: Int?, context: Context) async throws {
        try access.require(.trainingManage)
        let now = services.now
        try await services.store.write { tx in
            try await tx.remove(tx.training.requirements, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { _ in
                // Records that met it stay, as records of the person.
                for var record in try await tx.training.records.all(in: access.workspaceID, [.equal(\.requirementID, id)]) {
                    record.requirementID = nil
                    try await tx.training.records.update(record)
                }
            }
        }
    }

    // MARK: Records

    func apply(_ input: CompetenceRecordInput, to r: inout CompetenceRecord, creating: Bool, access: WorkspaceAccess, tx: Writer) async throws {
        var v = Validator()
        if let user = input.userID {
            if try await tx.lookups.member(user: user, in: access.workspaceID) == nil { v.add("userId", "error.notAMember") } else { r.userID = user }
        } else if creating { v.add("userId", "error.required") }
        if let requirement = input.requirementID {
            if let id = requirement, try await tx.training.requirements.load(id, in: access.workspaceID) == nil { v.add("requirementId", "error.unknownRequirement") }
            r.requirementID = requirement
        }
        if creating || input.name != nil { r.name = v.required(input.name, "name", maxLength: 200) }
        if creating || input.obtainedOn != nil {
            if let day = input.obtainedOn.flatMap({ CalendarDate(Text.halfWidth(Text.trimmed($0))) }) { r.obtainedOn = day } else { v.add("obtainedOn", "error.date") }
        }
        if let raw = input.expiresOn {
            if let text = Text.nonBlank(raw) {
                if let day = CalendarDate(Text.halfWidth(text)) { r.expiresOn = day } else { v.add("expiresOn", "error.date") }
            } else { r.expiresOn = nil }
        }
        if let expires = r.expiresOn, expires < r.obtainedOn { v.add("expiresOn", "error.expiresBeforeObtained") }
        if let text = input.note { r.note = v.optional(text, "note", maxLength: 2000) }
        if let evidence = input.evidenceID {
            if let id = evidence, try await tx.evidence.load(id, in: access.workspaceID) == nil { v.add("evidenceId", "error.unknownEvidence") }
            r.evidenceID = evidence
        }
        try v.check()
    }

    public func addRecord(_ access: WorkspaceAccess, _ input: CompetenceRecordInput, context: Context) async throws -> CompetenceRecord {
        try access.require(.trainingManage)
        let now = services.now
        return try await services.store.write { tx in
            var record = CompetenceRecord(workspaceID: access.workspaceID, userID: User.ID(), name: "", obtainedOn: access.today, createdAt: now, updatedAt: now)
            try await apply(input, to: &record, creating: true, access: access, tx: tx)
            return try await tx.create(tx.training.records, record, context: context, at: now)
        }
    }

    public func updateRecord(_ access: WorkspaceAccess, _ id: CompetenceRecord.ID, _ input: CompetenceRecordInput, expectedVersion: Int?,
                             context: Context) async throws -> CompetenceRecord {
        try access.require(.trainingManage)
        let now = services.now
        return try await services.store.write { tx in
            try await tx.change(tx.training.records, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) {
                try await apply(input, to: &$0, creating: false, access: access, tx: tx)
            }
        }
    }

    public func deleteRecord(_ access: WorkspaceAccess, _ id: CompetenceRecord.ID, expectedVersion: Int?, context: Context) async throws {
        try access.require(.trainingManage)
        let now = services.now
        try await services.store.write { tx in
            try await tx.remove(tx.training.records, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { _ in }
        }
    }

    /// A person's training: their attempts and competence records (their member page).
    public func history(_ access: WorkspaceAccess, of user: User.ID) async throws -> (attempts: [Attempt], records: [CompetenceRecord], courses: [Course.ID: Course]) {
        guard user == access.user.id || access.allows(.trainingRead) else { throw DomainError.forbidden }
        return try await services.store.read { db in
            (try await db.training.attempts.all(of: user, in: access.workspaceID),
             try await db.training.records.all(in: access.workspaceID, [.equal(\.userID, user)]),
             Dictionary(uniqueKeysWithValues: try await db.training.courses.all(in: access.workspaceID).map { ($0.id, $0) }))
        }
    }
}
