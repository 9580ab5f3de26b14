import Domain
import Foundation
import Storage

/// Clause numbers and control ids as audit criteria and nonconformity references: a clause is
/// written as its number ("9.2"), an Annex A control with its "A." ("A.5.15"), an own control
/// by its code.
public enum Requirement {
    /// The written form of `raw`, or `nil` when it names no clause or control of this workspace.
    static func resolve(_ raw: String, catalog: ReferenceCatalog, workspace: Workspace.ID, tx: Writer) async throws -> String? {
        let text = RequirementText.normalized(raw)
        guard !text.isEmpty else { return nil }
        if let clause = catalog.clause(text), clause.isRequirement { return clause.id }
        if text.first?.isNumber == true { return nil }
        guard let control = try await Risks.resolveControl(text, catalog: catalog, workspace: workspace, tx: tx) else { return nil }
        return catalog.control(control) != nil ? "A.\(control)" : control
    }

    /// Each reference of a comma-, space- or line-separated list, once, or the field errors.
    static func resolveList(_ raw: String, field: String, catalog: ReferenceCatalog, workspace: Workspace.ID, tx: Writer, into v: inout Validator) async throws -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for part in RequirementText.parts(raw) {
            if let id = try await resolve(part, catalog: catalog, workspace: workspace, tx: tx) {
                if seen.insert(id).inserted { out.append(id) }
            } else {
                v.add(field, "error.unknownRequirement", ["value": part])
            }
        }
        return out
    }

    public static func title(_ reference: String, catalog: ReferenceCatalog, language: Language) -> String {
        RequirementText.title(reference, catalog: catalog, language: language)
    }

    public static func guidance(_ reference: String, catalog: ReferenceCatalog) -> Guidance? { RequirementText.guidance(reference, catalog: catalog) }
}

/// What a person types about a process.
public struct ProcessInput: Sendable, Equatable {
    public var name, description: String?
    public var ownerID: User.ID??
    public var departmentID: Department.ID??
    public init(name: String? = nil, description: String? = nil, ownerID: User.ID?? = nil, departmentID: Department.ID?? = nil) {
        self.name = name; self.description = description; self.ownerID = ownerID; self.departmentID = departmentID
    }
}

/// What a person types about an audit programme.
public struct ProgrammeInput: Sendable, Equatable {
    public var title, startsOn, endsOn, notes: String?
    public init(title: String? = nil, startsOn: String? = nil, endsOn: String? = nil, notes: String? = nil) {
        self.title = title; self.startsOn = startsOn; self.endsOn = endsOn; self.notes = notes
    }
}

/// What a person types about an audit. `nil` leaves a field unchanged.
public struct AuditInput: Sendable, Equatable {
    public var title, criteria, startsOn, endsOn, auditees, independenceOverride, conclusion: String?
    public var departmentIDs: [Department.ID]?
    public var processIDs: [BusinessProcess.ID]?
    public var leadAuditorID: User.ID??
    public var teamIDs: [User.ID]?
    public init(title: String? = nil, criteria: String? = nil, startsOn: String? = nil, endsOn: String? = nil, auditees: String? = nil,
                independenceOverride: String? = nil, conclusion: String? = nil, departmentIDs: [Department.ID]? = nil, processIDs: [BusinessProcess.ID]? = nil,
                leadAuditorID: User.ID?? = nil, teamIDs: [User.ID]? = nil) {
        self.title = title; self.criteria = criteria; self.startsOn = startsOn; self.endsOn = endsOn; self.auditees = auditees
        self.independenceOverride = independenceOverride; self.conclusion = conclusion; self.departmentIDs = departmentIDs; self.processIDs = processIDs
        self.leadAuditorID = leadAuditorID; self.teamIDs = teamIDs
    }
}

/// A result recorded against one checklist question.
public struct ChecklistInput: Sendable, Equatable {
    public var question, result, notes, evidence: String?
    public init(question: String? = nil, result: String? = nil, notes: String? = nil, evidence: String? = nil) {
        self.question = question; self.result = result; self.notes = notes; self.evidence = evidence
    }
}

public struct FindingInput: Sendable, Equatable {
    public var kind, reference, description: String?
    public var checklistItemID: ChecklistItem.ID?
    public init(kind: String? = nil, reference: String? = nil, description: String? = nil, checklistItemID: ChecklistItem.ID? = nil) {
        self.kind = kind; self.reference = reference; self.description = description; self.checklistItemID = checklistItemID
    }
}

/// An audit with everything its page and report show.
public struct AuditDossier: Sendable {
    public var audit: InternalAudit
    public var programme: AuditProgramme
    public var items: [ChecklistItem]
    public var findings: [AuditFinding]
    public var nonconformities: [Nonconformity.ID: Nonconformity]
    public var departments: [Department.ID: Department]
    public var processes: [BusinessProcess.ID: BusinessProcess]
    public var people: [User.ID: User]

    /// Nonconformities it raised that are not closed yet.
    public var openNonconformities: Int { nonconformities.values.filter { $0.status != .closed }.count }

    /// A finding with where its nonconformity stands.
    public struct FindingLine: Sendable {
        public var finding: AuditFinding
        public var nonconformityStatus: Nonconformity.Status?
    }

    public var findingLines: [FindingLine] {
        findings.map { FindingLine(finding: $0, nonconformityStatus: $0.nonconformityID.flatMap { nonconformities[$0]?.status }) }
    }
    public func name(_ id: User.ID?) -> String? { id.flatMap { people[$0]?.displayName } }
}

/// The process register, audit programmes and internal audits (9.2): scope and criteria,
/// independent auditors, a checklist from the criteria, findings that open corrective actions.
public struct InternalAudits: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    // MARK: Processes

    public func processes(_ access: WorkspaceAccess, page: PageRequest) async throws -> Page<BusinessProcess> {
        try access.require(.workspaceRead)
        return try await services.store.read { try await $0.checkAct.processes.page(in: access.workspaceID, page: page) }
    }

    public func allProcesses(_ access: WorkspaceAccess) async throws -> [BusinessProcess] {
        try access.require(.workspaceRead)
        return try await services.store.read { try await $0.checkAct.processes.all(in: access.workspaceID) }
    }

    func apply(_ input: ProcessInput, to p: inout BusinessProcess, creating: Bool, workspace: Workspace.ID, tx: Writer) async throws {
        var v = Validator()
        if creating || input.name != nil { p.name = v.required(input.name, "name", maxLength: 200) }
        if let text = input.description { p.description = v.optional(text, "description", maxLength: 2000) }
        if let owner = input.ownerID {
            if let user = owner, try await tx.lookups.member(user: user, in: workspace) == nil { v.add("ownerId", "error.notAMember") }
            p.ownerID = owner
        }
        if let department = input.departmentID {
            if let id = department, try await tx.lookups.department(id, in: workspace) == nil { v.add("departmentId", "error.unknownDepartment") }
            p.departmentID = department
        }
        try v.check()
        let lower = p.name.lowercased()
        let others = try await tx.checkAct.processes.all(in: workspace)
        if others.contains(where: { $0.id != p.id && $0.name.lowercased() == lower }) { throw DomainError.invalid(field: "name", code: "error.duplicateName") }
    }

    public func createProcess(_ access: WorkspaceAccess, _ input: ProcessInput, context: Context) async throws -> BusinessProcess {
        try access.require(.auditsManage)
        let now = services.now
        return try await services.store.write { tx in
            var process = BusinessProcess(workspaceID: access.workspaceID, name: "", createdAt: now, updatedAt: now)
            try await apply(input, to: &process, creating: true, workspace: access.workspaceID, tx: tx)
            return try await tx.create(tx.checkAct.processes, process, context: context, at: now)
        }
    }

    public func updateProcess(_ access: WorkspaceAccess, _ id: BusinessProcess.ID, _ input: ProcessInput, expectedVersion: Int?, context: Context) async throws -> BusinessProcess {
        try access.require(.auditsManage)
        let now = services.now
        return try await services.store.write { tx in
            try await tx.change(tx.checkAct.processes, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { process in
                try await apply(input, to: &process, creating: false, workspace: access.workspaceID, tx: tx)
            }
        }
    }

    public func deleteProcess(_ access: WorkspaceAccess, _ id: BusinessProcess.ID, expectedVersion: Int? = nil, context: Context) async throws {
        try access.require(.auditsManage)
        let now = services.now
        try await services.store.write { tx in
            try await tx.remove(tx.checkAct.processes, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { _ in
                let audits = try await tx.checkAct.audits.all(in: access.workspaceID).filter { $0.processIDs.contains(id) }
                if !audits.isEmpty { throw DomainError.rule(code: "error.processAudited", params: ["count": String(audits.count)]) }
            }
        }
    }

    // MARK: Programmes

    public func programmes(_ access: WorkspaceAccess, page: PageRequest) async throws -> Page<AuditProgramme> {
        try access.require(.auditsRead)
        return try await services.store.read { try await $0.checkAct.programmes.page(in: access.workspaceID, page: page) }
    }

    public func programme(_ access: WorkspaceAccess, _ id: AuditProgramme.ID) async throws -> (AuditProgramme, [InternalAudit]) {
        try access.require(.auditsRead)
        return try await services.store.read { db in
            guard let programme = try await db.checkAct.programmes.load(id, in: access.workspaceID) else { throw DomainError.notFound(entity: "audit_programme") }
            return (programme, try await db.checkAct.audits.all(in: access.workspaceID, [.equal(\.programmeID, id)]))
        }
    }

    func apply(_ input: ProgrammeInput, to p: inout AuditProgramme, creating: Bool) throws {
        var v = Validator()
        if creating || input.title != nil { p.title = v.required(input.title, "title", maxLength: 200) }
        if creating || input.startsOn != nil { if let d = Self.date(input.startsOn, "startsOn", &v) { p.startsOn = d } }
        if creating || input.endsOn != nil { if let d = Self.date(input.endsOn, "endsOn", &v) { p.endsOn = d } }
        if let text = input.notes { p.notes = v.optional(text, "notes", maxLength: 4000) }
        if v.isValid && p.endsOn < p.startsOn { v.add("endsOn", "error.endBeforeStart", ["startField": "startsOn"]) }
        try v.check()
    }

    static func date(_ raw: String?, _ field: String, _ v: inout Validator) -> CalendarDate? {
        guard let text = Text.nonBlank(raw) else { v.add(field, "error.required"); return nil }
        guard let date = CalendarDate(text) else { v.add(field, "error.date"); return nil }
        return date
    }

    public func createProgramme(_ access: WorkspaceAccess, _ input: ProgrammeInput, context: Context) async throws -> AuditProgramme {
        try access.require(.auditsManage)
        let now = services.now
        var programme = AuditProgramme(workspaceID: access.workspaceID, title: "", startsOn: access.today, endsOn: access.today, createdAt: now, updatedAt: now)
        try apply(input, to: &programme, creating: true)
        let created = programme
        try await services.store.write { tx in try await tx.create(tx.checkAct.programmes, created, context: context, at: now) }
        return created
    }

    public func updateProgramme(_ access: WorkspaceAccess, _ id: AuditProgramme.ID, _ input: ProgrammeInput, expectedVersion: Int?, context: Context) async throws -> AuditProgramme {
        try access.require(.auditsManage)
        let now = services.now
        return try await services.store.write { tx in
            try await tx.change(tx.checkAct.programmes, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { programme in
                try apply(input, to: &programme, creating: false)
            }
        }
    }

    public func deleteProgramme(_ access: WorkspaceAccess, _ id: AuditProgramme.ID, expectedVersion: Int? = nil, context: Context) async throws {
        try access.require(.auditsManage)
        let now = services.now
        try await services.store.write { tx in
            try await tx.remove(tx.checkAct.programmes, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { _ in
                let audits = try await tx.checkAct.audits.count(in: access.workspaceID, [.equal(\.programmeID, id)])
                if audits > 0 { throw DomainError.rule(code: "error.programmeHasAudits", params: ["count": String(audits)]) }
            }
        }
    }

    // MARK: Audits

    public func dossier(_ access: WorkspaceAccess, _ id: InternalAudit.ID) async throws -> AuditDossier {
        try access.require(.auditsRead)
        return try await services.store.read { db in try await Self.dossier(id, workspace: access.workspaceID, db: db) }
    }

    static func dossier(_ id: InternalAudit.ID, workspace: Workspace.ID, db: Reader) async throws -> AuditDossier {
        guard let audit = try await db.checkAct.audits.load(id, in: workspace) else { throw DomainError.notFound(entity: "audit") }
        guard let programme = try await db.checkAct.programmes.load(audit.programmeID, in: workspace) else { throw DomainError.notFound(entity: "audit_programme") }
        let items = try await db.checkAct.checklist.all(in: workspace, [.equal(\.auditID, id)])
        let findings = try await db.checkAct.findings.all(in: workspace, [.equal(\.auditID, id)])
        let ncs = try await db.checkAct.nonconformities.all(in: workspace, [.equal(\.auditID, id)])
        let departments = try await db.departments.all(in: workspace)
        let processes = try await db.checkAct.processes.all(in: workspace)
        let people = try await db.users.loadAll(audit.auditors + ncs.compactMap(\.ownerID))
        return AuditDossier(audit: audit, programme: programme, items: items, findings: findings,
                            nonconformities: Dictionary(uniqueKeysWithValues: ncs.map { ($0.id, $0) }),
                            departments: Dictionary(uniqueKeysWithValues: departments.map { ($0.id, $0) }),
                            processes: Dictionary(uniqueKeysWithValues: processes.map { ($0.id, $0) }), people: people)
    }

    /// Every audit of the workspace, or of one programme, by start date.
    public func audits(_ access: WorkspaceAccess, programme: AuditProgramme.ID?) async throws -> [InternalAudit] {
        try access.require(.auditsRead)
        return try await services.store.read { db in
            try await db.checkAct.audits.all(in: access.workspaceID, programme.map { [.equal(\.programmeID, $0)] } ?? [])
        }
    }

    func apply(_ input: AuditInput, to a: inout InternalAudit, creating: Bool, access: WorkspaceAccess, tx: Writer, checkIndependence check: Bool = true) async throws {
        var v = Validator()
        let workspace = access.workspaceID
        if creating || input.title != nil { a.title = v.required(input.title, "title", maxLength: 200) }
        if creating || input.startsOn != nil { if let d = Self.date(input.startsOn, "startsOn", &v) { a.startsOn = d } }
        if creating || input.endsOn != nil { if let d = Self.date(input.endsOn, "endsOn", &v) { a.endsOn = d } }
        if creating || input.criteria != nil {
            a.criteria = try await Requirement.resolveList(input.criteria ?? "", field: "criteria", catalog: services.catalog, workspace: workspace, tx: tx, into: &v)
            if a.criteria.isEmpty && !v.errors.contains(where: { $0.field == "criteria" }) { v.add("criteria", "error.required") }
            if a.criteria.count > 200 { v.add("criteria", "error.tooMany", ["max": "200"]) }
        }
        if let ids = input.departmentIDs {
            for id in ids where try await tx.lookups.department(id, in: workspace) == nil { v.add("departmentIds", "error.unknownDepartment") }
            a.departmentIDs = ids.uniqued()
        }
        if let ids = input.processIDs {
            for id in ids where try await tx.checkAct.processes.load(id, in: workspace) == nil { v.add("processIds", "error.unknownProcess") }
            a.processIDs = ids.uniqued()
        }
        if let lead = input.leadAuditorID {
            if let user = lead { try await Self.requireHolder(.auditsRead, user, field: "leadAuditorId", access: access, tx: tx, into: &v) }
            a.leadAuditorID = lead
        }
        if let team = input.teamIDs {
            for user in team { try await Self.requireHolder(.auditsRead, user, field: "teamIds", access: access, tx: tx, into: &v) }
            a.teamIDs = team.uniqued().filter { $0 != a.leadAuditorID }
        }
        if let text = input.auditees { a.auditees = v.optional(text, "auditees", maxLength: 2000) }
        if let text = input.conclusion { a.conclusion = v.optional(text, "conclusion", maxLength: 8000) }
        if let text = input.independenceOverride { a.independenceOverride = v.optional(text, "independenceOverride", maxLength: 2000) }
        if v.isValid && a.endsOn < a.startsOn { v.add("endsOn", "error.endBeforeStart", ["startField": "startsOn"]) }
        if a.leadAuditorID == nil && !v.errors.contains(where: { $0.field == "leadAuditorId" }) { v.add("leadAuditorId", "error.required") }
        try v.check()
        if check { try await checkIndependence(a, workspace: workspace, tx: tx) }
    }

    /// A person given work here must be a member who can reach it (an auditor must read audits, an
    /// owner of a nonconformity too): otherwise "my work" would point them at a page they may not open.
    static func requireHolder(_ permission: Permission, _ user: User.ID, field: String, access: WorkspaceAccess, tx: Writer, into v: inout Validator) async throws {
        guard let member = try await tx.lookups.member(user: user, in: access.workspaceID) else { v.add(field, "error.notAMember"); return }
        let permissions = AccessPolicy.permissions(grants: member.grants, isAdministrator: false, on: access.today)
        if !permissions.contains(permission) { v.add(field, "error.memberCannotSee", ["name": member.displayName]) }
    }

    /// Refuses an auditor of their own department or process unless the secretariat recorded why.
    func checkIndependence(_ a: InternalAudit, workspace: Workspace.ID, tx: Writer) async throws {
        let processes = try await tx.checkAct.processes.all(in: workspace).filter { a.processIDs.contains($0.id) }
        var departmentsOf: [User.ID: Set<Department.ID>] = [:]
        for auditor in a.auditors {
            guard let member = try await tx.lookups.member(user: auditor, in: workspace) else { continue }
            departmentsOf[auditor] = Set([member.homeDepartmentID].compactMap { $0 } + member.grants.compactMap(\.departmentID))
        }
        let conflicts = AuditIndependence.conflicts(auditors: a.auditors, departments: a.departmentIDs, processes: processes, departmentsOf: departmentsOf)
        guard !conflicts.isEmpty, a.independenceOverride == nil else { return }
        let people = try await tx.users.loadAll(a.auditors)
        let departments = try await tx.departments.all(in: workspace)
        let field = "independenceOverride"
        throw DomainError.invalid(conflicts.map { conflict in
            let name = people[conflict.auditor]?.displayName ?? ""
            switch conflict.reason {
            case .ownDepartment(let id):
                return FieldError(field: field, code: "error.auditorOwnDepartment", params: ["name": name, "department": departments.first { $0.id == id }?.name ?? ""])
            case .ownsProcess(let id):
                return FieldError(field: field, code: "error.auditorOwnsProcess", params: ["name": name, "process": processes.first { $0.id == id }?.name ?? ""])
            }
        })
    }

    /// The question a checklist item starts with, in the language of whoever planned the audit.
    func question(_ reference: String, language: Language) -> String {
        let title = Requirement.title(reference, catalog: services.catalog, language: language)
        return services.localizer.text(reference.first?.isNumber == true || reference.hasPrefix("A.") ? "audit.question" : "audit.questionOwn", language,
                                       ["reference": reference, "title": title])
    }

    /// Adds a question for each new criterion; drops the unanswered questions of criteria removed.
    func syncChecklist(_ audit: InternalAudit, language: Language, now: Date, tx: Writer) async throws {
        let items = try await tx.checkAct.checklist.all(in: audit.workspaceID, [.equal(\.auditID, audit.id)])
        let present = Set(items.map(\.reference))
        for item in items where !audit.criteria.contains(item.reference) && item.result == .notAudited && item.notes == nil && item.evidence == nil {
            try await tx.checkAct.checklist.delete(item.id, in: audit.workspaceID)
        }
        var position = (items.map(\.position).max() ?? 0)
        for reference in audit.criteria where !present.contains(reference) {
            position += 1
            try await tx.checkAct.checklist.insert(ChecklistItem(auditID: audit.id, workspaceID: audit.workspaceID, position: position, reference: reference,
                                                                 question: question(reference, language: language), updatedAt: now))
        }
    }

    public func createAudit(_ access: WorkspaceAccess, programme: AuditProgramme.ID, _ input: AuditInput, language: Language, context: Context) async throws -> InternalAudit {
        try access.require(.auditsManage)
        let now = services.now
        return try await services.store.write { tx in
            guard try await tx.checkAct.programmes.load(programme, in: access.workspaceID) != nil else { throw DomainError.notFound(entity: "audit_programme") }
            var audit = InternalAudit(workspaceID: access.workspaceID, programmeID: programme, title: "", startsOn: access.today, endsOn: access.today,
                                      createdAt: now, updatedAt: now)
            try await apply(input, to: &audit, creating: true, access: access, tx: tx)
            try await tx.create(tx.checkAct.audits, audit, context: context, at: now)
            try await syncChecklist(audit, language: language, now: now, tx: tx)
            return audit
        }
    }

    public func updateAudit(_ access: WorkspaceAccess, _ id: InternalAudit.ID, _ input: AuditInput, expectedVersion: Int?, language: Language,
                            context: Context) async throws -> InternalAudit {
        let now = services.now
        return try await services.store.write { tx in
            var criteriaChanged = false
            let after = try await tx.change(tx.checkAct.audits, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { audit in
                let before = audit
                // The secretariat plans; the audit team writes the conclusion while the audit runs.
                let planning = input.title != nil || input.criteria != nil || input.startsOn != nil || input.endsOn != nil || input.departmentIDs != nil
                    || input.processIDs != nil || input.leadAuditorID != nil || input.teamIDs != nil || input.independenceOverride != nil || input.auditees != nil
                if planning { try access.require(.auditsManage) } else { try Self.requireAuditor(access, before) }
                // A reported audit is reopened before anything in it changes; its criteria are fixed once it starts.
                guard before.status == .planned || before.status == .inProgress else {
                    throw DomainError.rule(code: before.status == .closed ? "error.auditClosed" : "error.auditNotOpen")
                }
                try await apply(input, to: &audit, creating: false, access: access, tx: tx, checkIndependence: planning)
                if audit.criteria != before.criteria && before.status != .planned { throw DomainError.invalid(field: "criteria", code: "error.auditCriteriaFixed") }
                criteriaChanged = audit.criteria != before.criteria
            }
            if criteriaChanged { try await syncChecklist(after, language: language, now: now, tx: tx) }
            return after
        }
    }

    public func deleteAudit(_ access: WorkspaceAccess, _ id: InternalAudit.ID, context: Context) async throws {
        try access.require(.auditsManage)
        let now = services.now
        try await services.store.write { tx in
            try await tx.remove(tx.checkAct.audits, id, in: access.workspaceID, expectedVersion: nil, context: context, at: now) { audit in
                guard audit.status == .planned else { throw DomainError.rule(code: "error.auditStarted") }
                try await tx.checkAct.checklist.delete([.equal(\.auditID, id)], in: access.workspaceID)
            }
        }
    }

    /// The lead auditor, the team, or the secretariat.
    static func requireAuditor(_ access: WorkspaceAccess, _ audit: InternalAudit) throws {
        try access.require(.auditsRead)
        guard AuditRules.mayWork(on: audit, user: access.user.id, manages: access.allows(.auditsManage)) else { throw DomainError.forbiddenBecause("error.notYourAudit") }
    }

    /// Moves an audit one step: start, report (a conclusion is needed), reopen, close (every
    /// nonconformity it raised must be closed).
    public func move(_ access: WorkspaceAccess, _ id: InternalAudit.ID, to status: InternalAudit.Status, context: Context) async throws -> InternalAudit {
        let now = services.now
        return try await services.store.write { tx in
            try await tx.change(tx.checkAct.audits, id, in: access.workspaceID, expectedVersion: nil, versionRequired: false, action: status.rawValue,
                                context: context, at: now) { audit in
                try Self.requireAuditor(access, audit)
                guard AuditRules.mayMove(from: audit.status, to: status) else {
                    throw DomainError.rule(code: "error.auditStep", params: ["from": audit.status.rawValue, "to": status.rawValue])
                }
                switch status {
                case .reported:
                    guard audit.conclusion != nil else { throw DomainError.invalid(field: "conclusion", code: "error.conclusionNeeded") }
                    let unaudited = try await tx.checkAct.checklist.all(in: access.workspaceID, [.equal(\.auditID, id)])
                        .filter { $0.result == .notAudited }.sorted { $0.position < $1.position }
                    if !unaudited.isEmpty {
                        throw DomainError.rule(code: "error.checklistNotAudited", params: ["count": String(unaudited.count),
                                                                                           "items": unaudited.prefix(10).map(\.reference).joined(separator: ", ")
                                                                                               + (unaudited.count > 10 ? "…" : "")])
                    }
                    audit.reportedOn = access.today
                case .closed:
                    try access.require(.auditsManage)
                    let open = try await tx.checkAct.nonconformities.count(in: access.workspaceID, [.equal(\.auditID, id), Nonconformities.openStatuses])
                    if open > 0 { throw DomainError.rule(code: "error.auditFindingsOpen", params: ["count": String(open)]) }
                case .inProgress, .planned: break
                }
                audit.status = status
            }
        }
    }

    /// An auditor records what they asked and found for one checklist question of the audit.
    public func updateItem(_ access: WorkspaceAccess, audit: InternalAudit.ID, item id: ChecklistItem.ID, _ input: ChecklistInput, context: Context) async throws -> ChecklistItem {
        let item = try await services.store.read { try await $0.checkAct.checklist.load(id, in: access.workspaceID) }
        guard let item, item.auditID == audit else { throw DomainError.notFound(entity: "checklist_item") }
        return try await updateItems(access, audit: item.auditID, [id: input], context: context)[0]
    }

    /// One finding (to find its audit).
    public func finding(_ access: WorkspaceAccess, _ id: AuditFinding.ID) async throws -> AuditFinding {
        try access.require(.auditsRead)
        guard let finding = try await services.store.read({ try await $0.checkAct.findings.load(id, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: "finding")
        }
        return finding
    }

    /// Saves several questions of one audit's checklist at once, all or nothing; a refusal names the
    /// item (its requirement) and the field. Returns the items changed.
    @discardableResult
    public func updateItems(_ access: WorkspaceAccess, audit id: InternalAudit.ID, _ inputs: [ChecklistItem.ID: ChecklistInput],
                            context: Context) async throws -> [ChecklistItem] {
        let now = services.now
        return try await services.store.write { tx in
            guard let audit = try await tx.checkAct.audits.load(id, in: access.workspaceID) else { throw DomainError.notFound(entity: "audit") }
            try Self.requireAuditor(access, audit)
            guard audit.status == .planned || audit.status == .inProgress else { throw DomainError.rule(code: "error.auditNotOpen") }
            var v = Validator()
            var changed: [(ChecklistItem, ChecklistItem)] = []
            let items = try await tx.checkAct.checklist.all(in: access.workspaceID, [.equal(\.auditID, id)])
            for item in items {
                guard let input = inputs[item.id] else { continue }
                var after = item
                var mine = Validator()
                if input.question != nil { after.question = mine.required(input.question, "question", maxLength: 2000) }
                if let raw = input.result, let text = Text.nonBlank(raw) {
                    if let result = AuditRules.resultNames.parse(text) { after.result = result } else { mine.add("result", "error.choiceValue", ["value": text]) }
                    if after.result != .notAudited && audit.status != .inProgress { mine.add("result", "error.auditNotStarted") }
                }
                if let text = input.notes { after.notes = mine.optional(text, "notes", maxLength: 4000) }
                if let text = input.evidence { after.evidence = mine.optional(text, "evidence", maxLength: 2000) }
                // Named by the item when several are saved together.
                v.merge(mine.errors.map { inputs.count == 1 ? $0 : FieldError(field: "\($0.field)-\(item.id)", code: $0.code, params: $0.params) })
                if after != item { changed.append((item, after)) }
            }
            if inputs.keys.contains(where: { key in !items.contains { $0.id == key } }) { v.add("items", "error.unknownChecklistItem") }
            try v.check()
            var saved: [ChecklistItem] = []
            for (before, var after) in changed {
                after.updatedAt = now
                try await tx.checkAct.checklist.update(after)
                try await tx.record(.change("checklist_item", id: after.id.description, action: "update", workspace: access.workspaceID, before: before, after: after),
                                    context, at: now)
                saved.append(after)
            }
            if inputs.count == 1, saved.isEmpty, let only = items.first(where: { inputs[$0.id] != nil }) { return [only] }
            return saved
        }
    }

    /// Records a finding; a major or minor nonconformity opens its corrective-action record in the
    /// same transaction.
    public func addFinding(_ access: WorkspaceAccess, audit id: InternalAudit.ID, _ input: FindingInput, context: Context) async throws -> AuditFinding {
        let now = services.now
        return try await services.store.write { tx in
            guard let audit = try await tx.checkAct.audits.load(id, in: access.workspaceID, forUpdate: true) else { throw DomainError.notFound(entity: "audit") }
            try Self.requireAuditor(access, audit)
            guard audit.status == .inProgress else { throw DomainError.rule(code: "error.auditNotStarted") }
            var v = Validator()
            var kind = AuditFinding.Kind.observation
            if let text = Text.nonBlank(input.kind) {
                if let parsed = AuditRules.findingNames.parse(text) { kind = parsed } else { v.add("kind", "error.choiceValue", ["value": text]) }
            } else { v.add("kind", "error.required") }
            let description = v.required(input.description, "description", maxLength: 4000)
            var reference: String? = nil
            if let raw = Text.nonBlank(input.reference) {
                reference = try await Requirement.resolve(raw, catalog: services.catalog, workspace: access.workspaceID, tx: tx)
                if reference == nil { v.add("reference", "error.unknownRequirement", ["value": raw]) }
            }
            if let item = input.checklistItemID {
                let loaded = try await tx.checkAct.checklist.load(item, in: access.workspaceID)
                if loaded?.auditID != id { v.add("checklistItemId", "error.unknownChecklistItem") } else if reference == nil { reference = loaded?.reference }
            }
            try v.check()
            var finding = AuditFinding(auditID: id, workspaceID: access.workspaceID, checklistItemID: input.checklistItemID, kind: kind, reference: reference,
                                       description: description, createdBy: access.user.id, createdAt: now)
            if kind.isNonconformity {
                let nc = try await Nonconformities.insertNew(Nonconformity(workspaceID: access.workspaceID, number: 0, source: .internalAudit,
                                                                           severity: kind == .major ? .major : .minor, findingID: finding.id, auditID: id,
                                                                           description: description, reference: reference, raisedOn: access.today,
                                                                           raisedBy: access.user.id, createdAt: now, updatedAt: now), context: context, tx: tx)
                finding.nonconformityID = nc.id
            }
            try await tx.checkAct.findings.insert(finding)
            try await tx.record(.change("finding", id: finding.id.description, action: "create", workspace: access.workspaceID, before: nil as AuditFinding?,
                                        after: finding), context, at: now)
            return finding
        }
    }

    /// Removes a finding recorded by mistake, with its nonconformity while nobody has worked on it.
    public func deleteFinding(_ access: WorkspaceAccess, _ id: AuditFinding.ID, context: Context) async throws {
        let now = services.now
        try await services.store.write { tx in
            guard let finding = try await tx.checkAct.findings.load(id, in: access.workspaceID, forUpdate: true),
                  let audit = try await tx.checkAct.audits.load(finding.auditID, in: access.workspaceID) else { throw DomainError.notFound(entity: "finding") }
            try Self.requireAuditor(access, audit)
            guard audit.status == .inProgress else { throw DomainError.rule(code: "error.auditNotStarted") }
            if let ncID = finding.nonconformityID, let nc = try await tx.checkAct.nonconformities.load(ncID, in: access.workspaceID, forUpdate: true) {
                guard nc.isUntouched else { throw DomainError.rule(code: "error.findingWorkedOn", params: ["code": nc.code]) }
                try await tx.checkAct.nonconformities.delete(ncID, in: access.workspaceID)
                try await tx.record(.change("nonconformity", id: nc.id.description, action: "delete", workspace: access.workspaceID, before: nc,
                                            after: nil as Nonconformity?), context, at: now)
            }
            try await tx.checkAct.findings.delete(id, in: access.workspaceID)
            try await tx.record(.change("finding", id: id.description, action: "delete", workspace: access.workspaceID, before: finding, after: nil as AuditFinding?),
                                context, at: now)
        }
    }
}

extension Array where Element: Hashable {
    /// Each element once, first occurrence kept.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
