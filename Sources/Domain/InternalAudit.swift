import Foundation

/// A process of the organization (e.g. "受注から請求まで"): a name, an owner and a department.
/// Audits name processes in their scope; an auditor may not audit a process they own.
public struct BusinessProcess: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<BusinessProcess>
    public var id: ID
    public var workspaceID: Workspace.ID
    public var name: String
    public var ownerID: User.ID?
    public var departmentID: Department.ID?
    public var description: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, name: String, ownerID: User.ID? = nil, departmentID: Department.ID? = nil, description: String? = nil,
                createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id; self.workspaceID = workspaceID; self.name = name; self.ownerID = ownerID; self.departmentID = departmentID
        self.description = description; self.createdAt = createdAt; self.updatedAt = updatedAt; self.version = version
    }
}

/// An audit programme (9.2.2): the audits planned for a fiscal year or several.
public struct AuditProgramme: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<AuditProgramme>
    public var id: ID
    public var workspaceID: Workspace.ID
    public var title: String
    public var startsOn: CalendarDate
    public var endsOn: CalendarDate
    /// Aims, frequency, methods and responsibilities of the programme.
    public var notes: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, title: String, startsOn: CalendarDate, endsOn: CalendarDate, notes: String? = nil,
                createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id; self.workspaceID = workspaceID; self.title = title; self.startsOn = startsOn; self.endsOn = endsOn; self.notes = notes
        self.createdAt = createdAt; self.updatedAt = updatedAt; self.version = version
    }
}

/// One internal audit of a programme: scope, criteria, dates, auditors and its outcome.
public struct InternalAudit: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<InternalAudit>
    public enum Status: String, Sendable, Codable, CaseIterable { case planned, inProgress, reported, closed }

    public var id: ID
    public var workspaceID: Workspace.ID
    public var programmeID: AuditProgramme.ID
    public var title: String
    public var departmentIDs: [Department.ID]
    public var processIDs: [BusinessProcess.ID]
    /// Clause numbers ("9.2") and control ids ("5.15", or own codes) audited against.
    public var criteria: [String]
    public var startsOn: CalendarDate
    public var endsOn: CalendarDate
    public var leadAuditorID: User.ID?
    public var teamIDs: [User.ID]
    /// The people interviewed, as typed.
    public var auditees: String?
    public var status: Status
    /// Why the secretariat let an auditor audit their own department or process.
    public var independenceOverride: String?
    public var conclusion: String?
    public var reportedOn: CalendarDate?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, programmeID: AuditProgramme.ID, title: String, departmentIDs: [Department.ID] = [],
                processIDs: [BusinessProcess.ID] = [], criteria: [String] = [], startsOn: CalendarDate, endsOn: CalendarDate, leadAuditorID: User.ID? = nil,
                teamIDs: [User.ID] = [], auditees: String? = nil, status: Status = .planned, independenceOverride: String? = nil, conclusion: String? = nil,
                reportedOn: CalendarDate? = nil, createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id; self.workspaceID = workspaceID; self.programmeID = programmeID; self.title = title; self.departmentIDs = departmentIDs
        self.processIDs = processIDs; self.criteria = criteria; self.startsOn = startsOn; self.endsOn = endsOn; self.leadAuditorID = leadAuditorID
        self.teamIDs = teamIDs; self.auditees = auditees; self.status = status; self.independenceOverride = independenceOverride
        self.conclusion = conclusion; self.reportedOn = reportedOn; self.createdAt = createdAt; self.updatedAt = updatedAt; self.version = version
    }

    /// The lead auditor and the team, each once.
    public var auditors: [User.ID] {
        var seen = Set<User.ID>()
        return ([leadAuditorID].compactMap { $0 } + teamIDs).filter { seen.insert($0).inserted }
    }
}

/// One question of an audit's checklist, generated from a clause or control of its criteria.
public struct ChecklistItem: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<ChecklistItem>
    public enum Result: String, Sendable, Codable, CaseIterable { case notAudited, conforming, nonconforming, observation }

    public var id: ID
    public var auditID: InternalAudit.ID
    public var workspaceID: Workspace.ID
    public var position: Int
    /// The clause number or control id the question comes from.
    public var reference: String
    public var question: String
    public var result: Result
    public var notes: String?
    /// What was seen: a document, a record, a link.
    public var evidence: String?
    public var updatedAt: Date

    public init(id: ID = ID(), auditID: InternalAudit.ID, workspaceID: Workspace.ID, position: Int, reference: String, question: String,
                result: Result = .notAudited, notes: String? = nil, evidence: String? = nil, updatedAt: Date) {
        self.id = id; self.auditID = auditID; self.workspaceID = workspaceID; self.position = position; self.reference = reference
        self.question = question; self.result = result; self.notes = notes; self.evidence = evidence; self.updatedAt = updatedAt
    }
}

/// A finding of an internal audit. A nonconformity (major or minor) opens a corrective-action record.
public struct AuditFinding: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<AuditFinding>
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case major, minor, observation, improvement
        public var isNonconformity: Bool { self == .major || self == .minor }
    }

    public var id: ID
    public var auditID: InternalAudit.ID
    public var workspaceID: Workspace.ID
    public var checklistItemID: ChecklistItem.ID?
    public var kind: Kind
    public var reference: String?
    public var description: String
    public var nonconformityID: Nonconformity.ID?
    public var createdBy: User.ID?
    public var createdAt: Date

    public init(id: ID = ID(), auditID: InternalAudit.ID, workspaceID: Workspace.ID, checklistItemID: ChecklistItem.ID? = nil, kind: Kind, reference: String? = nil,
                description: String, nonconformityID: Nonconformity.ID? = nil, createdBy: User.ID? = nil, createdAt: Date) {
        self.id = id; self.auditID = auditID; self.workspaceID = workspaceID; self.checklistItemID = checklistItemID; self.kind = kind
        self.reference = reference; self.description = description; self.nonconformityID = nonconformityID; self.createdBy = createdBy; self.createdAt = createdAt
    }
}

/// Auditors do not audit their own work (9.2.2 c): not their own department, not a process they own.
public enum AuditIndependence {
    public struct Conflict: Sendable, Hashable {
        public enum Reason: Sendable, Hashable {
            case ownDepartment(Department.ID)
            case ownsProcess(BusinessProcess.ID)
        }
        public var auditor: User.ID
        public var reason: Reason
        public init(auditor: User.ID, reason: Reason) { self.auditor = auditor; self.reason = reason }
    }

    /// Every auditor–scope pair that breaks independence, in the auditors' order.
    /// `departmentsOf` gives each auditor's departments: home department and those they are an officer for.
    public static func conflicts(auditors: [User.ID], departments: [Department.ID], processes: [BusinessProcess],
                                 departmentsOf: [User.ID: Set<Department.ID>]) -> [Conflict] {
        var found: [Conflict] = []
        for auditor in auditors {
            let own = departmentsOf[auditor] ?? []
            var reported = Set<Department.ID>()
            for department in departments where own.contains(department) {
                found.append(Conflict(auditor: auditor, reason: .ownDepartment(department)))
                reported.insert(department)
            }
            for process in processes {
                if process.ownerID == auditor {
                    found.append(Conflict(auditor: auditor, reason: .ownsProcess(process.id)))
                } else if let department = process.departmentID, own.contains(department), reported.insert(department).inserted {
                    // A process of the auditor's own department is their own work too.
                    found.append(Conflict(auditor: auditor, reason: .ownDepartment(department)))
                }
            }
        }
        return found
    }
}

public enum AuditRules {
    /// Who records an audit's checklist, findings and conclusion: its lead auditor and team, or the
    /// secretariat (`manages`: may manage audits).
    public static func mayWork(on audit: InternalAudit, user: User.ID, manages: Bool) -> Bool {
        manages || audit.auditors.contains(user)
    }

    public static let resultNames = ChoiceNames<ChecklistItem.Result>([
        .notAudited: ["未監査", "Not audited"], .conforming: ["適合", "Conforming", "OK"], .nonconforming: ["不適合", "Nonconforming", "NG"],
        .observation: ["観察事項", "Observation"],
    ])
    public static let findingNames = ChoiceNames<AuditFinding.Kind>([
        .major: ["重大な不適合", "Major nonconformity", "major"], .minor: ["軽微な不適合", "Minor nonconformity", "minor"],
        .observation: ["観察事項", "Observation"], .improvement: ["改善の機会", "Opportunity for improvement", "OFI"],
    ])

    /// The statuses an audit moves through, one step at a time; `closed` only once every
    /// nonconformity it raised is closed.
    public static func mayMove(from: InternalAudit.Status, to: InternalAudit.Status) -> Bool {
        switch (from, to) {
        case (.planned, .inProgress), (.inProgress, .reported), (.reported, .closed), (.reported, .inProgress): return true
        default: return false
        }
    }
}
