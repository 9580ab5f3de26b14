import Foundation

/// A nonconformity and its corrective action (10.2): what went wrong, the immediate correction,
/// why it happened, what will stop it happening again, and whether that worked.
public struct Nonconformity: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<Nonconformity>
    public enum Source: String, Sendable, Codable, CaseIterable {
        case internalAudit, certificationAudit, incident, managementReview, monitoring, complaint, other
    }
    /// open → planned → implemented → closed (by an effective verification); an ineffective one
    /// sends it back to planned; a closed one may be reopened.
    public enum Status: String, Sendable, Codable, CaseIterable { case open, planned, implemented, closed }
    public enum Severity: String, Sendable, Codable, CaseIterable { case major, minor }

    /// The check of effectiveness: who, when, what they found.
    public struct Verification: Sendable, Codable, Hashable {
        public var by: User.ID
        public var on: CalendarDate
        public var effective: Bool
        public var note: String
        public init(by: User.ID, on: CalendarDate, effective: Bool, note: String) { self.by = by; self.on = on; self.effective = effective; self.note = note }
    }

    /// One step of its history, kept across reopening.
    public struct Event: Sendable, Codable, Hashable {
        public var action: String
        public var at: Date
        public var by: User.ID?
        public var note: String?
        public init(action: String, at: Date, by: User.ID?, note: String? = nil) { self.action = action; self.at = at; self.by = by; self.note = note }
    }

    public var id: ID
    public var workspaceID: Workspace.ID
    /// NC-1, NC-2… in the order they were raised.
    public var number: Int
    public var source: Source
    public var severity: Severity?
    public var findingID: AuditFinding.ID?
    public var auditID: InternalAudit.ID?
    public var description: String
    /// The clause number or control id breached.
    public var reference: String?
    public var raisedOn: CalendarDate
    public var raisedBy: User.ID?
    public var correction: String?
    public var rootCause: String?
    /// The "why ×5" chain, first why first.
    public var whys: [String]
    public var actionPlan: String?
    public var ownerID: User.ID?
    public var dueOn: CalendarDate?
    public var implementedOn: CalendarDate?
    public var verification: Verification?
    public var status: Status
    public var closedOn: CalendarDate?
    public var history: [Event]
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, number: Int, source: Source, severity: Severity? = nil, findingID: AuditFinding.ID? = nil,
                auditID: InternalAudit.ID? = nil, description: String, reference: String? = nil, raisedOn: CalendarDate, raisedBy: User.ID? = nil,
                correction: String? = nil, rootCause: String? = nil, whys: [String] = [], actionPlan: String? = nil, ownerID: User.ID? = nil,
                dueOn: CalendarDate? = nil, implementedOn: CalendarDate? = nil, verification: Verification? = nil, status: Status = .open,
                closedOn: CalendarDate? = nil, history: [Event] = [], createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id; self.workspaceID = workspaceID; self.number = number; self.source = source; self.severity = severity; self.findingID = findingID
        self.auditID = auditID; self.description = description; self.reference = reference; self.raisedOn = raisedOn; self.raisedBy = raisedBy
        self.correction = correction; self.rootCause = rootCause; self.whys = whys; self.actionPlan = actionPlan; self.ownerID = ownerID; self.dueOn = dueOn
        self.implementedOn = implementedOn; self.verification = verification; self.status = status; self.closedOn = closedOn; self.history = history
        self.createdAt = createdAt; self.updatedAt = updatedAt; self.version = version
    }

    public var code: String { "NC-\(number)" }

    /// Raised and nothing more: no correction, cause or plan written, no step taken. Only such a
    /// record may be deleted (with the finding that raised it, or as raised by mistake).
    public var isUntouched: Bool {
        status == .open && history.allSatisfy { $0.action == "raise" } && correction == nil && rootCause == nil && whys.isEmpty && actionPlan == nil
    }

    /// Its corrective action is still owed (open or planned) and past its due date.
    public func isOverdue(on today: CalendarDate) -> Bool {
        guard status == .open || status == .planned, let dueOn else { return false }
        return dueOn < today
    }
}

/// The corrective-action state machine. Every step is checked here; the use case only loads,
/// applies and saves.
public enum CorrectiveAction {
    public enum Step: Sendable, Hashable {
        /// Root cause, plan, owner and due date are in place.
        case plan
        /// The planned action was carried out on that day.
        case implement(on: CalendarDate)
        /// Someone checked whether it worked.
        case verify(effective: Bool, note: String)
        /// A closed nonconformity came back; the reason is kept.
        case reopen(reason: String)

        public var name: String {
            switch self {
            case .plan: return "plan"
            case .implement: return "implement"
            case .verify(let effective, _): return effective ? "verifyEffective" : "verifyIneffective"
            case .reopen: return "reopen"
            }
        }
    }

    public static let sourceNames = ChoiceNames<Nonconformity.Source>([
        .internalAudit: ["内部監査", "Internal audit"], .certificationAudit: ["認証審査", "Certification audit", "外部審査"],
        .incident: ["インシデント", "Incident"], .managementReview: ["マネジメントレビュー", "Management review"], .monitoring: ["監視・測定", "Monitoring"],
        .complaint: ["苦情", "Complaint"], .other: ["その他", "Other"],
    ])

    /// The nonconformity after `step`, or the reason it cannot be taken (a rule error naming the
    /// missing field where there is one).
    public static func apply(_ step: Step, to nc: Nonconformity, by actor: User.ID, today: CalendarDate, at now: Date) throws -> Nonconformity {
        var next = nc
        switch step {
        case .plan:
            guard nc.status == .open || nc.status == .planned else { throw DomainError.rule(code: "error.ncStep", params: ["status": nc.status.rawValue]) }
            var v = Validator()
            if Text.nonBlank(nc.rootCause) == nil && nc.whys.allSatisfy({ Text.nonBlank($0) == nil }) { v.add("rootCause", "error.rootCauseNeeded") }
            if Text.nonBlank(nc.actionPlan) == nil { v.add("actionPlan", "error.required") }
            if nc.ownerID == nil { v.add("owner", "error.required") }
            if nc.dueOn == nil { v.add("dueOn", "error.required") }
            try v.check()
            next.status = .planned
            next.history.append(.init(action: step.name, at: now, by: actor))
        case .implement(let day):
            guard nc.status == .planned else { throw DomainError.rule(code: "error.ncStep", params: ["status": nc.status.rawValue]) }
            if today < day { throw DomainError.invalid(field: "implementedOn", code: "error.dateInFuture") }
            next.implementedOn = day
            next.status = .implemented
            next.history.append(.init(action: step.name, at: now, by: actor, note: day.description))
        case .verify(let effective, let note):
            guard nc.status == .implemented else { throw DomainError.rule(code: "error.ncNotImplemented") }
            guard let text = Text.nonBlank(note) else { throw DomainError.invalid(field: "verificationNote", code: "error.required") }
            next.verification = .init(by: actor, on: today, effective: effective, note: text)
            if effective {
                next.status = .closed
                next.closedOn = today
            } else {
                next.status = .planned
                next.implementedOn = nil
            }
            next.history.append(.init(action: step.name, at: now, by: actor, note: text))
        case .reopen(let reason):
            guard nc.status == .closed else { throw DomainError.rule(code: "error.ncNotClosed") }
            guard let text = Text.nonBlank(reason) else { throw DomainError.invalid(field: "reason", code: "error.required") }
            next.status = .open
            next.closedOn = nil
            next.implementedOn = nil
            next.verification = nil
            next.history.append(.init(action: step.name, at: now, by: actor, note: text))
        }
        return next
    }

    /// Other nonconformities on the same clause or control: open ones first, then the newest.
    public static func similar(to nc: Nonconformity, among others: [Nonconformity]) -> [Nonconformity] {
        guard let reference = nc.reference else { return [] }
        return others.filter { $0.id != nc.id && $0.reference == reference }
            .sorted { ($0.status == .closed ? 1 : 0, -$0.number) < ($1.status == .closed ? 1 : 0, -$1.number) }
    }
}
