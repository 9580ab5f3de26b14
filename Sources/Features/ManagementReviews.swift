import Domain
import Foundation
import Storage

/// What a person types about a review. `nil` leaves a field unchanged.
public struct ReviewInput: Sendable, Equatable {
    public var title, heldOn, agenda, externalIssues, interestedParties, feedback, improvement, decisions, ismsChanges, resourceNeeds: String?
    public var attendeeIDs: [User.ID]?
    public init(title: String? = nil, heldOn: String? = nil, agenda: String? = nil, externalIssues: String? = nil, interestedParties: String? = nil,
                feedback: String? = nil, improvement: String? = nil, decisions: String? = nil, ismsChanges: String? = nil, resourceNeeds: String? = nil,
                attendeeIDs: [User.ID]? = nil) {
        self.title = title; self.heldOn = heldOn; self.agenda = agenda; self.externalIssues = externalIssues; self.interestedParties = interestedParties
        self.feedback = feedback; self.improvement = improvement; self.decisions = decisions; self.ismsChanges = ismsChanges; self.resourceNeeds = resourceNeeds
        self.attendeeIDs = attendeeIDs
    }

    /// Only the outputs: what may still change after the meeting.
    var touchesInputs: Bool {
        title != nil || heldOn != nil || agenda != nil || externalIssues != nil || interestedParties != nil || feedback != nil || improvement != nil
    }
}

public struct ReviewActionInput: Sendable, Equatable {
    public var text, dueOn: String?
    public var ownerID: User.ID??
    public init(text: String? = nil, dueOn: String? = nil, ownerID: User.ID?? = nil) { self.text = text; self.dueOn = dueOn; self.ownerID = ownerID }
}

/// A review with its inputs (frozen, or compiled now while it is planned) and its action items.
public struct ReviewState: Sendable {
    public var review: ManagementReview
    public var inputs: ReviewInputs
    public var actions: [ReviewAction]
    public var people: [User.ID: User]
}

/// Management review (9.3): inputs compiled from the workspace's records for the period since the
/// previous review, frozen when the meeting is held; outputs and action items after.
public struct ManagementReviews: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public func list(_ access: WorkspaceAccess, page: PageRequest) async throws -> Page<ManagementReview> {
        try access.require(.reviewsRead)
        return try await services.store.read { try await $0.checkAct.reviews.page(in: access.workspaceID, page: page) }
    }

    public func load(_ access: WorkspaceAccess, _ id: ManagementReview.ID) async throws -> ReviewState {
        try access.require(.reviewsRead)
        return try await services.store.read { db in
            guard let review = try await db.checkAct.reviews.load(id, in: access.workspaceID) else { throw DomainError.notFound(entity: "management_review") }
            var inputs = review.inputs
            if inputs == nil {
                // Compiled live while the review is planned, kept until this process's next write (ADR 0018).
                let key = "\(review.workspaceID)|\(review.id)|\(review.version)|\(access.today)", generation = services.store.writes.current
                inputs = services.reviewInputs.value(key, generation: generation, now: services.now)
                if inputs == nil {
                    let compiled = try await compile(review, today: access.today, db: db)
                    services.reviewInputs.store(compiled, for: key, generation: generation, now: services.now)
                    inputs = compiled
                }
            }
            let actions = try await db.checkAct.reviewActions.all(in: access.workspaceID, [.equal(\.reviewID, id)])
            let people = try await db.users.loadAll(review.attendeeIDs + actions.compactMap(\.ownerID))
            return ReviewState(review: review, inputs: inputs!, actions: actions, people: people)
        }
    }

    /// The held reviews before this one (by date), newest first.
    func earlier(_ review: ManagementReview, db: Reader) async throws -> [ManagementReview] {
        try await db.checkAct.reviews.all(in: review.workspaceID, [.equal(\.status, .held)])
            .filter { $0.id != review.id && $0.heldOn <= review.heldOn }
    }

    /// The 9.3.2 inputs as the records stand now.
    func compile(_ review: ManagementReview, today: CalendarDate, db: Reader) async throws -> ReviewInputs {
        let workspace = review.workspaceID
        let earlier = try await earlier(review, db: db)
        var previousActions: [ReviewAction] = []
        for e in earlier { previousActions += try await db.checkAct.reviewActions.all(in: workspace, [.equal(\.reviewID, e.id)]) }
        let periodStart = earlier.first.map { $0.heldOn.adding(days: 1) }
        // The nonconformities the period looks at: not closed, or raised or closed in it (all when there is no earlier review).
        let ncs = try await db.checkAct.nonconformities.all(in: workspace, periodStart.map { day in
            [.any([.notEqual(\.status, .closed), .atLeast(\.raisedOn, day), .atLeast(\.closedOn, day)])]
        } ?? [])
        let audits = try await db.checkAct.audits.all(in: workspace).filter { a in periodStart.map { $0 <= a.endsOn } ?? true }
        let findings = try await db.checkAct.findings.all(in: workspace, [.oneOf(\.auditID, audits.map(\.id))])
        let objectives = try await db.objectives.list(in: workspace, query: ObjectiveQuery(), page: PageRequest(limit: 1000)).items
        let readings = try await db.objectives.measurements(of: objectives.map(\.id), in: workspace)
        var risk: ReviewInputs.RiskLine? = nil
        if let assessment = try await db.assessments.latest(in: workspace) {
            let actions = try await db.actions.statuses(of: assessment.id, in: workspace)
            let open = actions.filter { $0.status == .planned || $0.status == .inProgress }
            risk = ReviewInputs.RiskLine(
                assessment: assessment.name, status: assessment.status,
                risks: try await db.risks.count(in: assessment.id, workspace: workspace, query: RiskQuery()),
                notAccepted: try await db.risks.count(in: assessment.id, workspace: workspace, query: RiskQuery(accepted: false)),
                actions: actions.count, actionsDone: actions.filter { $0.status == .done }.count, actionsOpen: open.count,
                actionsOverdue: open.filter { $0.dueOn.map { $0 < today } ?? false }.count)
        }
        let names = try await db.users.loadAll(previousActions.compactMap(\.ownerID)).mapValues(\.displayName)
        // A planned review shows the period up to today; holding it compiles once more on its day.
        return ReviewCompiler.compile(ReviewSources(periodStart: periodStart, today: today, notes: review.notes,
                                                    previousActions: previousActions, names: names, nonconformities: ncs, audits: audits, findings: findings,
                                                    objectives: objectives.map { ($0, readings[$0.id] ?? []) }, risk: risk))
    }

    func apply(_ input: ReviewInput, to r: inout ManagementReview, creating: Bool, workspace: Workspace.ID, tx: Writer) async throws {
        var v = Validator()
        if r.status == .held && input.touchesInputs { throw DomainError.rule(code: "error.reviewHeld") }
        if creating || input.title != nil { r.title = v.required(input.title, "title", maxLength: 200) }
        if creating || input.heldOn != nil { if let d = InternalAudits.date(input.heldOn, "heldOn", &v) { r.heldOn = d } }
        if let text = input.agenda { r.agenda = v.optional(text, "agenda", maxLength: 4000) }
        if let text = input.externalIssues { r.notes.externalIssues = v.optional(text, "externalIssues", maxLength: 8000) }
        if let text = input.interestedParties { r.notes.interestedParties = v.optional(text, "interestedParties", maxLength: 8000) }
        if let text = input.feedback { r.notes.feedback = v.optional(text, "feedback", maxLength: 8000) }
        if let text = input.improvement { r.notes.improvement = v.optional(text, "improvement", maxLength: 8000) }
        if let text = input.decisions { r.decisions = v.optional(text, "decisions", maxLength: 8000) }
        if let text = input.ismsChanges { r.ismsChanges = v.optional(text, "ismsChanges", maxLength: 8000) }
        if let text = input.resourceNeeds { r.resourceNeeds = v.optional(text, "resourceNeeds", maxLength: 8000) }
        if input.heldOn != nil, v.isValid {
            let held = try await tx.checkAct.reviews.all(in: workspace, [.equal(\.status, .held)]).filter { $0.id != r.id }
            if let latest = held.map(\.heldOn).max(), r.heldOn <= latest { v.add("heldOn", "error.reviewBeforeLatest", ["date": latest.description]) }
        }
        if let ids = input.attendeeIDs {
            for id in ids where try await tx.lookups.member(user: id, in: workspace) == nil { v.add("attendeeIds", "error.notAMember") }
            r.attendeeIDs = ids.uniqued()
        }
        try v.check()
    }

    public func create(_ access: WorkspaceAccess, _ input: ReviewInput, context: Context) async throws -> ManagementReview {
        try access.require(.reviewsManage)
        let now = services.now
        return try await services.store.write { tx in
            var review = ManagementReview(workspaceID: access.workspaceID, title: "", heldOn: access.today, createdAt: now, updatedAt: now)
            try await apply(input, to: &review, creating: true, workspace: access.workspaceID, tx: tx)
            return try await tx.create(tx.checkAct.reviews, review, context: context, at: now)
        }
    }

    public func update(_ access: WorkspaceAccess, _ id: ManagementReview.ID, _ input: ReviewInput, expectedVersion: Int?, context: Context) async throws -> ManagementReview {
        try access.require(.reviewsManage)
        let now = services.now
        return try await services.store.write { tx in
            try await tx.change(tx.checkAct.reviews, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { review in
                try await apply(input, to: &review, creating: false, workspace: access.workspaceID, tx: tx)
            }
        }
    }

    public func delete(_ access: WorkspaceAccess, _ id: ManagementReview.ID, expectedVersion: Int? = nil, context: Context) async throws {
        try access.require(.reviewsManage)
        let now = services.now
        try await services.store.write { tx in
            try await tx.remove(tx.checkAct.reviews, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { review in
                guard review.status == .planned else { throw DomainError.rule(code: "error.reviewHeld") }
            }
        }
    }

    /// Holds the meeting: top management must be among the attendees, the day must have come;
    /// the inputs are compiled once more and frozen into the record.
    public func hold(_ access: WorkspaceAccess, _ id: ManagementReview.ID, context: Context) async throws -> ManagementReview {
        try access.require(.reviewsManage)
        let now = services.now
        return try await services.store.write { tx in
            try await tx.change(tx.checkAct.reviews, id, in: access.workspaceID, expectedVersion: nil, versionRequired: false, action: "hold",
                                context: context, at: now) { review in
                guard review.status == .planned else { throw DomainError.rule(code: "error.reviewHeld") }
                if access.today < review.heldOn { throw DomainError.invalid(field: "heldOn", code: "error.reviewNotYet") }
                var top = false
                for attendee in review.attendeeIDs {
                    if let member = try await tx.lookups.member(user: attendee, in: access.workspaceID), member.holds(.topManagement, on: access.today) { top = true }
                }
                guard top else { throw DomainError.invalid(field: "attendeeIds", code: "error.reviewNeedsTopManagement") }
                // The period ends on the meeting's day, even when it is recorded as held later.
                review.inputs = try await compile(review, today: review.heldOn, db: tx.read)
                review.status = .held
            }
        }
    }

    // MARK: Action items

    public func addAction(_ access: WorkspaceAccess, review id: ManagementReview.ID, _ input: ReviewActionInput, context: Context) async throws -> ReviewAction {
        try access.require(.reviewsManage)
        let now = services.now
        return try await services.store.write { tx in
            guard let review = try await tx.checkAct.reviews.load(id, in: access.workspaceID) else { throw DomainError.notFound(entity: "management_review") }
            guard review.status == .held else { throw DomainError.rule(code: "error.reviewNotHeld") }
            var v = Validator()
            var action = ReviewAction(workspaceID: access.workspaceID, reviewID: id, text: v.required(input.text, "text", maxLength: 2000), createdAt: now)
            if let raw = Text.nonBlank(input.dueOn) { if let date = CalendarDate(raw) { action.dueOn = date } else { v.add("dueOn", "error.date") } }
            if let owner = input.ownerID ?? nil {
                try await InternalAudits.requireHolder(.reviewsRead, owner, field: "ownerId", access: access, tx: tx, into: &v)
                action.ownerID = owner
            }
            try v.check()
            try await tx.checkAct.reviewActions.insert(action)
            try await tx.record(.change("review_action", id: action.id.description, action: "create", workspace: access.workspaceID, before: nil as ReviewAction?,
                                        after: action), context, at: now)
            return action
        }
    }

    /// The owner or the secretariat marks an action item done (or not done after all).
    /// `review`, when given, is the review the item must belong to (the API's path names both).
    public func setActionDone(_ access: WorkspaceAccess, _ id: ReviewAction.ID, review: ManagementReview.ID? = nil, done: Bool, context: Context) async throws -> ReviewAction {
        try access.require(.workspaceRead)
        let now = services.now
        return try await services.store.write { tx in
            guard let before = try await tx.checkAct.reviewActions.load(id, in: access.workspaceID, forUpdate: true), review.map({ $0 == before.reviewID }) ?? true else {
                throw DomainError.notFound(entity: "review_action")
            }
            guard access.allows(.reviewsManage) || before.ownerID == access.user.id else { throw DomainError.forbiddenBecause("error.notYourAction") }
            var after = before
            after.doneOn = done ? (before.doneOn ?? access.today) : nil
            guard after != before else { return before }
            try await tx.checkAct.reviewActions.update(after)
            try await tx.record(.change("review_action", id: id.description, action: done ? "done" : "reopen", workspace: access.workspaceID, before: before,
                                        after: after), context, at: now)
            return after
        }
    }

    /// Deletes an action item (of `review`, when given); returns what was deleted.
    @discardableResult
    public func deleteAction(_ access: WorkspaceAccess, _ id: ReviewAction.ID, review: ManagementReview.ID? = nil, context: Context) async throws -> ReviewAction {
        try access.require(.reviewsManage)
        let now = services.now
        return try await services.store.write { tx in
            guard let before = try await tx.checkAct.reviewActions.load(id, in: access.workspaceID, forUpdate: true), review.map({ $0 == before.reviewID }) ?? true else {
                throw DomainError.notFound(entity: "review_action")
            }
            try await tx.checkAct.reviewActions.delete(id, in: access.workspaceID)
            try await tx.record(.change("review_action", id: id.description, action: "delete", workspace: access.workspaceID, before: before,
                                        after: nil as ReviewAction?), context, at: now)
            return before
        }
    }
}

/// What the Check and Act registers ask of people on their "my work" page.
enum CheckActWork {
    static let sources: [any WorkItemSource] = [AuditsToConductSource(), CorrectiveActionsSource(), EffectivenessChecksSource(), ReviewActionsSource()]
}

/// Auditors: audits they lead or are on the team of, until reported.
struct AuditsToConductSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        guard access.allows(.auditsRead) else { return [] }
        let running: Filter<InternalAudit> = .oneOf(\.status, [.planned, .inProgress])
        return try await reader.checkAct.audits.all(in: access.workspaceID, [running]).filter { $0.auditors.contains(access.user.id) }
            .map { WorkItem(kind: .finish, titleKey: "work.conductAudit", params: ["title": $0.title], link: "/w/\(access.workspace.slug)/audits/\($0.id)", due: $0.endsOn) }
    }
}

/// Owners: nonconformities whose corrective action they still owe.
struct CorrectiveActionsSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        try await reader.checkAct.nonconformities.all(in: access.workspaceID, [.equal(\.ownerID, access.user.id)])
            .filter { $0.status == .open || $0.status == .planned }
            .map { WorkItem(kind: .finish, titleKey: "work.correctiveAction", params: ["code": $0.code, "description": String($0.description.prefix(60))],
                            link: "/w/\(access.workspace.slug)/nonconformities/\($0.id)", due: $0.dueOn) }
    }
}

/// Verifiers: corrective actions carried out and waiting for an effectiveness check, as one item
/// leading to the register (counted, not read: the home page is the most visited).
struct EffectivenessChecksSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        guard access.allows(.nonconformitiesVerify) else { return [] }
        let waiting = try await reader.checkAct.nonconformities.count(in: access.workspaceID, [.equal(\.status, .implemented)])
        guard waiting > 0 else { return [] }
        return [WorkItem(kind: .verify, titleKey: "work.checkEffectiveness", params: ["count": String(waiting)],
                         link: "/w/\(access.workspace.slug)/nonconformities?status=implemented")]
    }
}

/// Owners: action items decided by a management review, not done yet.
struct ReviewActionsSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        try await reader.checkAct.reviewActions.all(in: access.workspaceID, [.equal(\.ownerID, access.user.id), .equal(\.isDone, false)])
            .map { WorkItem(kind: .finish, titleKey: "work.reviewAction", params: ["text": String($0.text.prefix(60))],
                            link: "/w/\(access.workspace.slug)/management-reviews/\($0.reviewID)", due: $0.dueOn) }
    }
}
