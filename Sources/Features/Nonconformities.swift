import Domain
import Foundation
import Storage

/// What a person types about a nonconformity. `nil` leaves a field unchanged.
public struct NonconformityInput: Sendable, Equatable {
    public var source, severity, description, reference, correction, rootCause, actionPlan, dueOn: String?
    public var whys: [String]?
    public var ownerID: User.ID??
    public init(source: String? = nil, severity: String? = nil, description: String? = nil, reference: String? = nil, correction: String? = nil,
                rootCause: String? = nil, actionPlan: String? = nil, dueOn: String? = nil, whys: [String]? = nil, ownerID: User.ID?? = nil) {
        self.source = source; self.severity = severity; self.description = description; self.reference = reference; self.correction = correction
        self.rootCause = rootCause; self.actionPlan = actionPlan; self.dueOn = dueOn; self.whys = whys; self.ownerID = ownerID
    }
}

/// Filters of the nonconformity register.
public struct NonconformityQuery: Sendable, Equatable {
    public var status: Nonconformity.Status?
    public var source: Nonconformity.Source?
    public var ownerID: User.ID?
    public var openOnly: Bool
    public init(status: Nonconformity.Status? = nil, source: Nonconformity.Source? = nil, ownerID: User.ID? = nil, openOnly: Bool = false) {
        self.status = status; self.source = source; self.ownerID = ownerID; self.openOnly = openOnly
    }
}

/// A nonconformity with the others on the same requirement.
public struct NonconformityState: Sendable {
    public var nonconformity: Nonconformity
    public var similar: [Nonconformity]
    public var people: [User.ID: User]
}

/// Nonconformities and corrective action (10.2): raised by hand or by an audit finding, planned
/// and carried out by their owner, closed only by an effective verification.
public struct Nonconformities: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public func list(_ access: WorkspaceAccess, query: NonconformityQuery, page: PageRequest) async throws -> Page<Nonconformity> {
        try access.require(.auditsRead)
        var conditions: [Filter<Nonconformity>] = []
        if let status = query.status { conditions.append(.equal(\.status, status)) }
        if let source = query.source { conditions.append(.equal(\.source, source)) }
        if let owner = query.ownerID { conditions.append(.equal(\.ownerID, owner)) }
        if query.openOnly && query.status == nil { conditions.append(Self.openStatuses) }
        let filters = conditions
        return try await services.store.read { try await $0.checkAct.nonconformities.page(in: access.workspaceID, filters, page: page) }
    }

    /// Not closed: open, planned or awaiting the effectiveness review.
    public static let openStatuses: Filter<Nonconformity> = .oneOf(\.status, Nonconformity.Status.allCases.filter { $0 != .closed })

    /// Nonconformities not closed yet, per audit that raised them.
    public func openPerAudit(_ access: WorkspaceAccess) async throws -> [InternalAudit.ID: Int] {
        try access.require(.auditsRead)
        let counts = try await services.store.read { try await $0.checkAct.nonconformities.counts(by: \.auditID, in: access.workspaceID, [Self.openStatuses]) }
        return Dictionary(uniqueKeysWithValues: counts.compactMap { key, value in key.map { ($0, value) } })
    }

    public func load(_ access: WorkspaceAccess, _ id: Nonconformity.ID) async throws -> NonconformityState {
        try access.require(.auditsRead)
        return try await services.store.read { db in
            guard let nc = try await db.checkAct.nonconformities.load(id, in: access.workspaceID) else { throw DomainError.notFound(entity: "nonconformity") }
            let others = nc.reference == nil ? [] : try await db.checkAct.nonconformities.all(in: access.workspaceID, [.equal(\.reference, nc.reference)])
            let similar = CorrectiveAction.similar(to: nc, among: others)
            let ids = [nc.ownerID, nc.raisedBy, nc.verification?.by].compactMap { $0 } + nc.history.compactMap(\.by)
            return NonconformityState(nonconformity: nc, similar: similar, people: try await db.users.loadAll(ids))
        }
    }

    /// Gives a new nonconformity the next number and writes it with its audit event.
    static func insertNew(_ nc: Nonconformity, context: Context, tx: Writer) async throws -> Nonconformity {
        var created = nc
        created.number = try await tx.sequences.next(Numbering.nonconformity, in: nc.workspaceID)
        created.history = [Nonconformity.Event(action: "raise", at: nc.createdAt, by: nc.raisedBy)]
        return try await tx.create(tx.checkAct.nonconformities, created, context: context, at: nc.createdAt)
    }

    func apply(_ input: NonconformityInput, to nc: inout Nonconformity, creating: Bool, access: WorkspaceAccess, tx: Writer) async throws {
        var v = Validator()
        let manages = access.allows(.nonconformitiesManage)
        // What happened and where it came from is the secretariat's to say; the owner works on the rest.
        if !manages && (input.source != nil || input.severity != nil || input.description != nil || input.reference != nil || input.ownerID != nil) {
            throw DomainError.forbiddenBecause("error.ncOwnerFields")
        }
        if let raw = input.source, let text = Text.nonBlank(raw) {
            if let source = CorrectiveAction.sourceNames.parse(text) { nc.source = source } else { v.add("source", "error.choiceValue", ["value": text]) }
        }
        if let raw = input.severity {
            if let text = Text.nonBlank(raw) {
                if let severity = Nonconformity.Severity(rawValue: text) ?? AuditRules.findingNames.parse(text).flatMap({ Nonconformity.Severity(rawValue: $0.rawValue) }) {
                    nc.severity = severity
                } else { v.add("severity", "error.choiceValue", ["value": text]) }
            } else { nc.severity = nil }
        }
        if creating || input.description != nil { nc.description = v.required(input.description, "description", maxLength: 4000) }
        if let raw = input.reference {
            if let text = Text.nonBlank(raw) {
                if let id = try await Requirement.resolve(text, catalog: services.catalog, workspace: access.workspaceID, tx: tx) { nc.reference = id } else {
                    v.add("reference", "error.unknownRequirement", ["value": text])
                }
            } else { nc.reference = nil }
        }
        if let text = input.correction { nc.correction = v.optional(text, "correction", maxLength: 4000) }
        if let text = input.rootCause { nc.rootCause = v.optional(text, "rootCause", maxLength: 4000) }
        if let whys = input.whys {
            if whys.count > 5 { v.add("whys", "error.tooMany", ["max": "5"]) }
            nc.whys = whys.prefix(5).enumerated().map { index, text in v.optional(text, "why\(index + 1)", maxLength: 1000) ?? "" }
            while nc.whys.last == "" { nc.whys.removeLast() }
        }
        if let text = input.actionPlan { nc.actionPlan = v.optional(text, "actionPlan", maxLength: 4000) }
        if let raw = input.dueOn {
            if let text = Text.nonBlank(raw) { if let date = CalendarDate(text) { nc.dueOn = date } else { v.add("dueOn", "error.date") } } else { nc.dueOn = nil }
        }
        if let owner = input.ownerID {
            if let user = owner { try await InternalAudits.requireHolder(.auditsRead, user, field: "ownerId", access: access, tx: tx, into: &v) }
            nc.ownerID = owner
        }
        try v.check()
        // Once planned, what the plan rests on stays in place: owner, due date, cause and action.
        if nc.status != .open {
            var check = Validator()
            if Text.nonBlank(nc.rootCause) == nil && nc.whys.isEmpty { check.add("rootCause", "error.rootCauseNeeded") }
            if nc.actionPlan == nil { check.add("actionPlan", "error.required") }
            if nc.ownerID == nil { check.add("owner", "error.required") }
            if nc.dueOn == nil { check.add("dueOn", "error.required") }
            try check.check()
        }
    }

    public func raise(_ access: WorkspaceAccess, _ input: NonconformityInput, context: Context) async throws -> Nonconformity {
        try access.require(.nonconformitiesManage)
        let now = services.now
        return try await services.store.write { tx in
            var nc = Nonconformity(workspaceID: access.workspaceID, number: 0, source: .other, description: "", raisedOn: access.today, raisedBy: access.user.id,
                                   createdAt: now, updatedAt: now)
            try await apply(input, to: &nc, creating: true, access: access, tx: tx)
            return try await Self.insertNew(nc, context: context, tx: tx)
        }
    }

    static func requireOwnerOrManager(_ access: WorkspaceAccess, _ nc: Nonconformity) throws {
        try access.require(.auditsRead)
        guard access.allows(.nonconformitiesManage) || nc.ownerID == access.user.id else { throw DomainError.forbiddenBecause("error.notYourNonconformity") }
    }

    public func update(_ access: WorkspaceAccess, _ id: Nonconformity.ID, _ input: NonconformityInput, expectedVersion: Int?, context: Context) async throws -> Nonconformity {
        let now = services.now
        return try await services.store.write { tx in
            try await tx.change(tx.checkAct.nonconformities, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { nc in
                let before = nc
                try Self.requireOwnerOrManager(access, before)
                guard before.status != .closed else { throw DomainError.rule(code: "error.ncClosed") }
                let manages = access.allows(.nonconformitiesManage)
                // The owner does not move their own deadline once planned, nor change an action waiting for its check.
                if !manages && before.status == .implemented { throw DomainError.rule(code: "error.ncAwaitingCheck") }
                if !manages && before.status != .open && input.dueOn != nil && input.dueOn.flatMap(CalendarDate.init) != before.dueOn {
                    throw DomainError.invalid(field: "dueOn", code: "error.ncDueBySecretariat")
                }
                try await apply(input, to: &nc, creating: false, access: access, tx: tx)
            }
        }
    }

    /// One step of the corrective action: plan and implement (owner or secretariat), verify
    /// (someone other than the owner who may verify), reopen (secretariat).
    public func step(_ access: WorkspaceAccess, _ id: Nonconformity.ID, _ step: CorrectiveAction.Step, context: Context) async throws -> Nonconformity {
        let now = services.now
        return try await services.store.write { tx in
            let after = try await tx.change(tx.checkAct.nonconformities, id, in: access.workspaceID, expectedVersion: nil, versionRequired: false, action: step.name,
                                            context: context, at: now) { nc in
                switch step {
                case .plan, .implement: try Self.requireOwnerOrManager(access, nc)
                case .verify:
                    let implementer = nc.history.last { $0.action == "implement" }?.by
                    if nc.ownerID == access.user.id || implementer == access.user.id { throw DomainError.forbiddenBecause("error.ncVerifyOwn") }
                    try access.require(.nonconformitiesVerify)
                case .reopen: try access.require(.nonconformitiesManage)
                }
                nc = try CorrectiveAction.apply(step, to: nc, by: access.user.id, today: access.today, at: now)
            }
            // Reopening a nonconformity of a closed audit reopens the audit's follow-up: it goes back to reported.
            if case .reopen = step, let auditID = after.auditID,
               let audit = try await tx.checkAct.audits.load(auditID, in: access.workspaceID), audit.status == .closed {
                try await tx.change(tx.checkAct.audits, auditID, in: access.workspaceID, expectedVersion: nil, versionRequired: false, action: "reported",
                                    context: context, at: now) { $0.status = .reported }
            }
            return after
        }
    }

    public func delete(_ access: WorkspaceAccess, _ id: Nonconformity.ID, expectedVersion: Int? = nil, context: Context) async throws {
        try access.require(.nonconformitiesManage)
        let now = services.now
        try await services.store.write { tx in
            try await tx.remove(tx.checkAct.nonconformities, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { nc in
                // An audit finding's record goes with the finding; a worked-on one stays as history.
                guard nc.findingID == nil else { throw DomainError.rule(code: "error.ncFromFinding") }
                guard nc.isUntouched else { throw DomainError.rule(code: "error.ncWorkedOn") }
            }
        }
    }
}
