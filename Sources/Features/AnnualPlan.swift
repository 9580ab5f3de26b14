import Domain
import Foundation
import Localization
import Storage

/// A register's dated obligations on the annual plan. Each register that holds dates adds one
/// (as "my work" sources do); the plan asks them all for a window and nothing is copied.
public protocol PlanSource: Sendable {
    func items(in window: ClosedRange<CalendarDate>, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem]
}

/// What the plan is asked for: a window and filters.
public struct PlanQuery: Sendable, Equatable {
    public var from: CalendarDate
    public var to: CalendarDate
    public var phase: PlanPhase?
    public var kind: PlanItem.Kind?
    public var ownerID: User.ID?
    public var departmentID: Department.ID?
    public var status: PlanItem.Status?

    public init(from: CalendarDate, to: CalendarDate, phase: PlanPhase? = nil, kind: PlanItem.Kind? = nil, ownerID: User.ID? = nil,
                departmentID: Department.ID? = nil, status: PlanItem.Status? = nil) {
        self.from = from; self.to = to; self.phase = phase; self.kind = kind; self.ownerID = ownerID; self.departmentID = departmentID; self.status = status
    }

    func keeps(_ item: PlanItem) -> Bool {
        (phase == nil || item.phase == phase) && (kind == nil || item.kind == kind) && (ownerID == nil || item.ownerID == ownerID)
            && (departmentID == nil || item.departmentID == departmentID) && (status == nil || item.status == status)
    }
}

/// The year as the Excel 年間計画表 draws it: one row per activity (or per kind, for registers
/// with many small items), a cell per month.
public struct PlanYear: Sendable {
    public struct Row: Sendable {
        public var kind: PlanItem.Kind
        public var title: String
        public var phase: PlanPhase
        public var link: String
        public var ownerID: User.ID?
        /// Twelve cells, the fiscal year's months in order; each the items of that month.
        public var months: [[PlanItem]]
    }
    public var fiscalYear: Int
    public var months: [(year: Int, month: Int)]
    public var rows: [Row]
    public var items: [PlanItem]
    public var names: [User.ID: String]
}

public struct AnnualPlan: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public static let sources: [any PlanSource] = [
        ActivityPlanSource(), AssessmentPlanSource(), AuditPlanSource(), ReviewPlanSource(), MeasurementPlanSource(), TreatmentPlanSource(),
        CorrectiveActionPlanSource(), ReviewActionPlanSource(), EvidencePlanSource(), AssetReviewPlanSource(), AuditorAccessPlanSource(),
        SoAApprovalPlanSource(), DocumentReviewPlanSource(), CampaignPlanSource(),
    ]

    /// Kinds that draw one row per kind in the year view (many small items each).
    static let groupedKinds: Set<PlanItem.Kind> = [.measurement, .treatmentAction, .correctiveAction, .reviewAction, .evidence, .assetReview, .documentReview]

    /// Checks the window: both ends inside the plan's window, in order, at most 400 days apart.
    public func check(_ access: WorkspaceAccess, from: String?, to: String?) throws -> (CalendarDate, CalendarDate) {
        let allowed = PlanRules.window(today: access.today, startMonth: access.workspace.fiscalYearStartMonth)
        var v = Validator()
        let params = ["from": allowed.lowerBound.description, "to": allowed.upperBound.description]
        func day(_ raw: String?, _ field: String) -> CalendarDate? {
            guard let text = raw.flatMap(Text.nonBlank) else { v.add(field, "error.required"); return nil }
            guard let day = CalendarDate(text) else { v.add(field, "error.date"); return nil }
            guard allowed.contains(day) else { v.add(field, "error.planOutsideWindow", params); return nil }
            return day
        }
        let start = day(from, "from"), end = day(to, "to")
        if let start, let end, end < start { v.add("to", "error.endBeforeStart") }
        if let start, let end, end.dayNumber - start.dayNumber > 400 { v.add("to", "error.planTooLong") }
        try v.check()
        return (start!, end!)
    }

    /// Every dated obligation in the window that the filters keep, in date order.
    public func items(_ access: WorkspaceAccess, _ query: PlanQuery) async throws -> [PlanItem] {
        try access.require(.planRead)
        return try await services.store.read { reader in try await collect(access, query, reader: reader) }
    }

    func collect(_ access: WorkspaceAccess, _ query: PlanQuery, reader: Reader) async throws -> [PlanItem] {
        let window = query.from...query.to
        var all: [PlanItem] = []
        for source in Self.sources { all += try await source.items(in: window, access: access, reader: reader) }
        return PlanItem.ordered(all.filter { window.contains($0.date) && query.keeps($0) })
    }

    /// The fiscal year starting in `fiscalYear` as the twelve-column view.
    public func year(_ access: WorkspaceAccess, fiscalYear: Int, filters: PlanQuery? = nil) async throws -> PlanYear {
        try access.require(.planRead)
        let range = PlanRules.fiscalYear(fiscalYear, startMonth: access.workspace.fiscalYearStartMonth)
        let allowed = PlanRules.window(today: access.today, startMonth: access.workspace.fiscalYearStartMonth)
        guard allowed.contains(range.lowerBound) else {
            throw DomainError.invalid(field: "year", code: "error.planOutsideWindow", params: ["from": allowed.lowerBound.description, "to": allowed.upperBound.description])
        }
        var query = filters ?? PlanQuery(from: range.lowerBound, to: range.upperBound)
        query.from = range.lowerBound
        query.to = range.upperBound
        let fixed = query
        let language = access.user.language ?? .ja
        let months = PlanRules.months(of: fiscalYear, startMonth: access.workspace.fiscalYearStartMonth)
        return try await services.store.read { reader in
            let items = try await collect(access, fixed, reader: reader)
            var rows: [String: PlanYear.Row] = [:]
            var order: [String] = []
            for item in items {
                let grouped = Self.groupedKinds.contains(item.kind)
                let key = grouped ? "kind:\(item.kind.rawValue)" : item.source
                if rows[key] == nil {
                    order.append(key)
                    let title = grouped ? services.localizer.text("annual.kind.\(item.kind.rawValue)", language)
                        : item.kind == .soaApproval || item.kind == .auditorAccess ? Self.label(item, language: language, localizer: services.localizer) : item.title
                    rows[key] = PlanYear.Row(kind: item.kind, title: title,
                                             phase: item.phase, link: grouped ? Self.listLink(access, item.kind) : item.link,
                                             ownerID: grouped ? nil : item.ownerID, months: Array(repeating: [], count: 12))
                }
                if let index = months.firstIndex(where: { $0.year == item.date.year && $0.month == item.date.month }) { rows[key]!.months[index].append(item) }
            }
            let phaseOrder = PlanPhase.allCases
            let sorted = order.compactMap { rows[$0] }.sorted {
                (phaseOrder.firstIndex(of: $0.phase)!, Self.groupedKinds.contains($0.kind) ? 1 : 0, $0.title) <
                    (phaseOrder.firstIndex(of: $1.phase)!, Self.groupedKinds.contains($1.kind) ? 1 : 0, $1.title)
            }
            let people = try await reader.users.loadAll(Array(Set(items.compactMap(\.ownerID))))
            return PlanYear(fiscalYear: fiscalYear, months: months, rows: sorted, items: items, names: people.mapValues(\.displayName))
        }
    }

    /// The fiscal year that contains `today` (named by the calendar year it starts in).
    public static func currentFiscalYear(_ access: WorkspaceAccess) -> Int {
        access.workspace.fiscalYearStart(containing: access.today).year
    }

    static func listLink(_ access: WorkspaceAccess, _ kind: PlanItem.Kind) -> String {
        "/w/\(access.workspace.slug)/annual-plan?view=list&kind=\(kind.rawValue)"
    }

    // MARK: Planned activities

    public func activities(_ access: WorkspaceAccess) async throws -> [PlannedActivity] {
        try access.require(.planRead)
        return try await services.store.read { try await $0.records(PlannedActivity.self).all(in: access.workspaceID) }
    }

    public func activity(_ access: WorkspaceAccess, _ id: PlannedActivity.ID) async throws -> PlannedActivity {
        try access.require(.planRead)
        guard let activity = try await services.store.read({ try await $0.records(PlannedActivity.self).load(id, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: PlannedActivity.auditEntity)
        }
        return activity
    }

    /// One activity for its page: those who see the plan, and the activity's owner (who marks its occurrences).
    public func activityForOwner(_ access: WorkspaceAccess, _ id: PlannedActivity.ID) async throws -> PlannedActivity {
        guard let activity = try await services.store.read({ try await $0.records(PlannedActivity.self).load(id, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: PlannedActivity.auditEntity)
        }
        guard access.allows(.planRead) || activity.ownerID == access.user.id else { throw DomainError.forbiddenBecause("error.notYourActivity") }
        return activity
    }

    func apply(_ input: PlannedActivityInput, to activity: inout PlannedActivity, creating: Bool, access: WorkspaceAccess, tx: Writer, prefix: String = "") async throws {
        var v = Validator()
        var typed = input
        var owner: User.ID?? = nil
        var department: Department.ID?? = nil
        if let raw = input.ownerID {
            if let text = Text.nonBlank(raw) {
                if let id = User.ID(text), try await tx.members.load(user: id, in: access.workspaceID) != nil { owner = .some(id) } else { v.add(prefix + "ownerId", "error.notAMember") }
            } else { owner = .some(nil) }
        }
        if let raw = input.departmentID {
            if let text = Text.nonBlank(raw) {
                if let id = Department.ID(text), try await tx.departments.load(id, in: access.workspaceID) != nil { department = .some(id) } else {
                    v.add(prefix + "departmentId", "error.unknownDepartment")
                }
            } else { department = .some(nil) }
        }
        typed.ownerID = nil
        typed.departmentID = nil
        var inner = Validator()
        PlanRules.apply(typed, to: &activity, creating: creating, zone: access.workspace.zone, into: &inner)
        for error in inner.errors { v.add(prefix + error.field, error.code, error.params) }
        if let owner { activity.ownerID = owner }
        if let department { activity.departmentID = department }
        try v.check()
    }

    public func create(_ access: WorkspaceAccess, _ input: PlannedActivityInput, context: Context) async throws -> PlannedActivity {
        try access.require(.planManage)
        let now = services.now
        return try await services.store.write { tx in
            var activity = PlannedActivity(workspaceID: access.workspaceID, title: "", startsOn: access.today, createdAt: now, updatedAt: now)
            try await apply(input, to: &activity, creating: true, access: access, tx: tx)
            return try await tx.create(tx.records(PlannedActivity.self), activity, context: context, at: now)
        }
    }

    public func update(_ access: WorkspaceAccess, _ id: PlannedActivity.ID, _ input: PlannedActivityInput, expectedVersion: Int?, context: Context) async throws -> PlannedActivity {
        try access.require(.planManage)
        let now = services.now
        return try await services.store.write { tx in
            try await tx.change(tx.records(PlannedActivity.self), id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { activity in
                try await apply(input, to: &activity, creating: false, access: access, tx: tx)
            }
        }
    }

    public func delete(_ access: WorkspaceAccess, _ id: PlannedActivity.ID, expectedVersion: Int?, context: Context) async throws {
        try access.require(.planManage)
        let now = services.now
        try await services.store.write { tx in
            try await tx.remove(tx.records(PlannedActivity.self), id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { _ in }
        }
    }

    /// Marks one occurrence done (a note, and optionally evidence: an existing item or a file
    /// added to the evidence store in the same transaction) or skipped (a reason is required).
    /// The owner of the activity may mark it too.
    public func mark(_ access: WorkspaceAccess, _ id: PlannedActivity.ID, on rawDate: String, state: PlannedActivity.Outcome.State, note: String?,
                     evidenceID: String? = nil, file: UploadedFile? = nil, context: Context) async throws -> PlannedActivity {
        let now = services.now
        let maxBytes = services.security.evidenceMaxBytes
        return try await services.store.write { tx in
            try await tx.change(tx.records(PlannedActivity.self), id, in: access.workspaceID, expectedVersion: nil, versionRequired: false, context: context, at: now) { activity in
                guard access.allows(.planManage) || activity.ownerID == access.user.id else { throw DomainError.forbiddenBecause("error.notYourActivity") }
                var v = Validator()
                guard let day = CalendarDate(rawDate) else { throw DomainError.invalid(field: "date", code: "error.date") }
                guard PlanRules.isOccurrence(day, of: activity, zone: access.workspace.zone) else { throw DomainError.invalid(field: "date", code: "error.notAnOccurrence") }
                let text = v.optional(note, "note", maxLength: 2000)
                if state == .skipped && text == nil { v.add("note", "error.skipReason") }
                if state == .done && day > access.today { v.add("date", "error.notYetDue") }
                var evidence: Evidence.ID?
                if let raw = evidenceID.flatMap(Text.nonBlank) {
                    if let eid = Evidence.ID(raw), try await tx.evidence.load(eid, in: access.workspaceID) != nil { evidence = eid } else { v.add("evidenceId", "error.unknownEvidence") }
                }
                if let file, state == .done {
                    if let refusal = EvidenceRules.check(file.data, maxBytes: maxBytes) {
                        v.add("file", "error.file.\(refusal.rawValue)", ["max": String(maxBytes / (1024 * 1024))])
                    } else {
                        try v.check()
                        let name = EvidenceRules.cleanFileName(file.name)
                        let record = Evidence(workspaceID: access.workspaceID, title: "\(activity.title) \(day)", kind: .file, fileName: name,
                                              contentType: EvidenceRules.contentType(of: file.data, fileName: name), size: file.data.count,
                                              sha256: EvidenceFiles.sha256(file.data), collectedOn: access.today, collectedBy: access.user.id, notes: text,
                                              links: activity.references.filter { $0.hasPrefix("A.") }.map { EvidenceLink(.control, String($0.dropFirst(2))) },
                                              createdBy: access.user.id, createdAt: now, updatedAt: now)
                        try await tx.evidence.insert(record, content: file.data)
                        try await tx.record(.change("evidence", id: record.id.description, action: "create", workspace: access.workspaceID, before: nil as Evidence?, after: record),
                                            context, at: now)
                        evidence = record.id
                    }
                }
                try v.check()
                activity.outcomes.removeAll { $0.on == day }
                activity.outcomes.append(PlannedActivity.Outcome(on: day, state: state, note: text, evidenceID: evidence, by: access.user.id, at: now))
                activity.outcomes.sort { $0.on < $1.on }
            }
        }
    }

    /// Takes back what was recorded for an occurrence (it is planned, or overdue, again).
    public func reopen(_ access: WorkspaceAccess, _ id: PlannedActivity.ID, on rawDate: String, context: Context) async throws -> PlannedActivity {
        try access.require(.planManage)
        let now = services.now
        guard let day = CalendarDate(rawDate) else { throw DomainError.invalid(field: "date", code: "error.date") }
        return try await services.store.write { tx in
            try await tx.change(tx.records(PlannedActivity.self), id, in: access.workspaceID, expectedVersion: nil, versionRequired: false, context: context, at: now) { activity in
                activity.outcomes.removeAll { $0.on == day }
            }
        }
    }

    // MARK: The typical plan

    public func proposal(_ access: WorkspaceAccess, fiscalYear: Int) throws -> [ProposedActivity] {
        try access.require(.planManage)
        return proposalFor(access.workspace, fiscalYear: fiscalYear)
    }

    func proposalFor(_ w: Workspace, fiscalYear: Int) -> [ProposedActivity] {
        TypicalPlan.propose(fiscalYear: fiscalYear, startMonth: w.fiscalYearStartMonth, certificateIssuedOn: w.certificateIssuedOn ?? w.initialCertificationDate)
    }

    /// Saves the activities the secretariat kept from the proposal, all or none; errors name the row.
    public func adopt(_ access: WorkspaceAccess, _ inputs: [PlannedActivityInput], context: Context) async throws -> [PlannedActivity] {
        try access.require(.planManage)
        guard !inputs.isEmpty else { throw DomainError.invalid(field: "keep", code: "error.nothingChosen") }
        let now = services.now
        return try await services.store.write { tx in
            var made: [PlannedActivity] = []
            var errors: [FieldError] = []
            for (index, input) in inputs.enumerated() {
                var activity = PlannedActivity(workspaceID: access.workspaceID, title: "", startsOn: access.today, createdAt: now, updatedAt: now)
                do {
                    try await apply(input, to: &activity, creating: true, access: access, tx: tx)
                    made.append(activity)
                } catch let DomainError.invalid(found) {
                    errors += found.map { var e = $0; e.row = index + 1; return e }
                }
            }
            if !errors.isEmpty { throw DomainError.invalid(errors) }
            var saved: [PlannedActivity] = []
            for activity in made { saved.append(try await tx.create(tx.records(PlannedActivity.self), activity, context: context, at: now)) }
            return saved
        }
    }

    // MARK: Export

    static let columns = ["date", "kind", "title", "status", "phase", "owner", "department", "link"]

    /// The fiscal year as a list (CSV or XLSX), in the person's language.
    public func export(_ access: WorkspaceAccess, fiscalYear: Int, format: Tabular.Format, language: Language, encoding: CSV.Encoding = .utf8,
                       baseURL: String? = nil) async throws -> Data {
        let year = try await year(access, fiscalYear: fiscalYear)
        let departments = try await services.store.read { try await $0.departments.all(in: access.workspaceID) }
        let names = Dictionary(uniqueKeysWithValues: departments.map { ($0.id, $0.name) })
        let l = services.localizer
        let header = Self.columns.map { l.text("csv.plan.\($0)", language) }
        let rows = year.items.map { item -> [String] in
            [item.date.description, l.text("annual.kind.\(item.kind.rawValue)", language), item.title, l.text("annual.status.\(item.status.rawValue)", language),
             l.text("phase.\(item.phase.rawValue)", language), item.ownerID.flatMap { year.names[$0] } ?? "", item.departmentID.flatMap { names[$0] } ?? "",
             (baseURL ?? "") + item.link]
        }
        return try Tabular.write(sheet: l.text("annual.title", language), header: header, rows: rows, widths: [12, 18, 48, 10, 8, 16, 16, 40], format: format,
                                 encoding: encoding)
    }
}

// MARK: - The sources

struct ActivityPlanSource: PlanSource {
    func items(in window: ClosedRange<CalendarDate>, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        let zone = access.workspace.zone
        return try await reader.records(PlannedActivity.self).all(in: access.workspaceID).flatMap { activity in
            activity.occurrences(in: window, zone: zone).map { day -> PlanItem in
                let outcome = activity.outcome(on: day)
                let status: PlanItem.Status = outcome?.state == .skipped ? .skipped : PlanItem.status(done: outcome?.state == .done, date: day, today: access.today)
                return PlanItem(date: day, kind: .activity, title: activity.title, status: status, phase: activity.phase,
                                link: "/w/\(access.workspace.slug)/annual-plan/activities/\(activity.id)?date=\(day)", ownerID: activity.ownerID,
                                departmentID: activity.departmentID, source: "activity:\(activity.id)")
            }
        }
    }
}

struct AssessmentPlanSource: PlanSource {
    func items(in window: ClosedRange<CalendarDate>, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        try await reader.assessments.all(in: access.workspaceID).compactMap { a in
            guard let day = a.endsOn ?? a.startsOn, window.contains(day) else { return nil }
            return PlanItem(date: day, kind: .riskAssessment, title: a.name, status: PlanItem.status(done: a.status == .approved, date: day, today: access.today),
                            phase: .plan, link: "/w/\(access.workspace.slug)/risk-assessments/\(a.id)", source: "assessment:\(a.id)")
        }
    }
}

struct AuditPlanSource: PlanSource {
    func items(in window: ClosedRange<CalendarDate>, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        try await reader.checkAct.audits.all(in: access.workspaceID).compactMap { a in
            guard window.contains(a.startsOn) else { return nil }
            return PlanItem(date: a.startsOn, kind: .internalAudit, title: a.title,
                            status: PlanItem.status(done: a.status == .reported || a.status == .closed, date: a.endsOn, today: access.today),
                            phase: .check, link: "/w/\(access.workspace.slug)/audits/\(a.id)", ownerID: a.leadAuditorID, source: "audit:\(a.id)")
        }
    }
}

struct ReviewPlanSource: PlanSource {
    func items(in window: ClosedRange<CalendarDate>, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        try await reader.checkAct.reviews.all(in: access.workspaceID).compactMap { r in
            guard window.contains(r.heldOn) else { return nil }
            return PlanItem(date: r.heldOn, kind: .managementReview, title: r.title, status: PlanItem.status(done: r.status == .held, date: r.heldOn, today: access.today),
                            phase: .act, link: "/w/\(access.workspace.slug)/management-reviews/\(r.id)", source: "review:\(r.id)")
        }
    }
}

struct MeasurementPlanSource: PlanSource {
    /// Each objective's readings due by its frequency: the next one after the latest, then every period.
    func items(in window: ClosedRange<CalendarDate>, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        let objectives = try await reader.objectives.list(in: access.workspaceID, query: ObjectiveQuery(), page: PageRequest(limit: 500)).items
        guard !objectives.isEmpty else { return [] }
        let measurements = try await reader.objectives.measurements(of: objectives.map(\.id), in: access.workspaceID)
        var items: [PlanItem] = []
        for o in objectives {
            let readings = measurements[o.id] ?? []
            // Readings taken in the window mark the period they fall in done.
            for m in readings where window.contains(m.measuredOn) {
                items.append(PlanItem(date: m.measuredOn, kind: .measurement, title: o.statement, status: .done, phase: .check,
                                      link: "/w/\(access.workspace.slug)/objectives/\(o.id)", ownerID: o.ownerID, source: "measurement:\(m.id)"))
            }
            var due = ObjectiveRules.nextDue(o, latest: ObjectiveRules.latest(readings)?.measuredOn)
            var guardCount = 0
            while due <= window.upperBound && guardCount < 60 {
                if due >= window.lowerBound {
                    items.append(PlanItem(date: due, kind: .measurement, title: o.statement, status: PlanItem.status(done: false, date: due, today: access.today),
                                          phase: .check, link: "/w/\(access.workspace.slug)/objectives/\(o.id)", ownerID: o.ownerID, source: "objective:\(o.id):\(due)"))
                }
                due = due.adding(months: ObjectiveRules.months(o.frequency))
                guardCount += 1
            }
        }
        return items
    }
}

struct TreatmentPlanSource: PlanSource {
    func items(in window: ClosedRange<CalendarDate>, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        let page = try await reader.actions.list(in: access.workspaceID, query: ActionQuery(dueBefore: window.upperBound.adding(days: 1), dueFrom: window.lowerBound),
                                                 page: PageRequest(limit: 2000))
        return page.items.compactMap { a in
            guard let due = a.dueOn, a.status != .cancelled else { return nil }
            return PlanItem(date: due, kind: .treatmentAction, title: a.title, status: PlanItem.status(done: a.status == .done, date: due, today: access.today),
                            phase: .do, link: "/w/\(access.workspace.slug)/treatment-actions/\(a.id)", ownerID: a.ownerID, source: "action:\(a.id)")
        }
    }
}

struct CorrectiveActionPlanSource: PlanSource {
    func items(in window: ClosedRange<CalendarDate>, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        try await reader.checkAct.nonconformities.all(in: access.workspaceID).compactMap { nc in
            guard let due = nc.dueOn, window.contains(due) else { return nil }
            return PlanItem(date: due, kind: .correctiveAction, title: "\(nc.code) \(PlanRules.short(nc.description))",
                            status: PlanItem.status(done: nc.status == .implemented || nc.status == .closed, date: due, today: access.today),
                            phase: .act, link: "/w/\(access.workspace.slug)/nonconformities/\(nc.id)", ownerID: nc.ownerID, source: "nonconformity:\(nc.id)")
        }
    }
}

struct ReviewActionPlanSource: PlanSource {
    func items(in window: ClosedRange<CalendarDate>, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        try await reader.checkAct.reviewActions.all(in: access.workspaceID).compactMap { a in
            guard let due = a.dueOn, window.contains(due) else { return nil }
            return PlanItem(date: due, kind: .reviewAction, title: PlanRules.short(a.text), status: PlanItem.status(done: a.isDone, date: due, today: access.today),
                            phase: .act, link: "/w/\(access.workspace.slug)/management-reviews/\(a.reviewID)", ownerID: a.ownerID, source: "review-action:\(a.id)")
        }
    }
}

struct EvidencePlanSource: PlanSource {
    /// Evidence that stops holding inside the window: its last valid day.
    func items(in window: ClosedRange<CalendarDate>, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        let page = try await reader.evidence.list(in: access.workspaceID, query: EvidenceQuery(validBefore: window.upperBound.adding(days: 1), validFrom: window.lowerBound),
                                                  page: PageRequest(limit: 2000))
        return page.items.compactMap { e in
            guard let until = e.validUntil, window.contains(until) else { return nil }
            return PlanItem(date: until, kind: .evidence, title: e.title, status: until < access.today ? .overdue : .planned, phase: .check,
                            link: "/w/\(access.workspace.slug)/evidence/\(e.id)", ownerID: e.collectedBy, source: "evidence:\(e.id)")
        }
    }
}

struct AssetReviewPlanSource: PlanSource {
    /// Assets fall due for review a year after their last review: one item per month with the count.
    func items(in window: ClosedRange<CalendarDate>, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        guard access.allows(.assetsRead) else { return [] }
        var items: [PlanItem] = []
        var month = CalendarDate(year: window.lowerBound.year, month: window.lowerBound.month, day: 1)!
        while month <= window.upperBound {
            let next = month.adding(months: 1)
            var count = try await reader.assets.count(in: access.workspaceID, query: AssetQuery(status: .active, reviewedBefore: next.adding(months: -12),
                                                                                                  reviewedFrom: month.adding(months: -12)))
            let day = max(month, window.lowerBound)
            if (month...next.adding(days: -1)).contains(access.today) {
                count += try await reader.assets.count(in: access.workspaceID, query: AssetQuery(status: .active, reviewedBefore: CalendarDate(year: 1900, month: 1, day: 2)!))
            }
            if count > 0 && window.contains(day) {
                items.append(PlanItem(date: day, kind: .assetReview, title: "\(count)", status: next <= access.today ? .overdue : .planned, phase: .plan,
                                      link: "/w/\(access.workspace.slug)/assets?stale=1", source: "assets:\(month)"))
            }
            month = next
        }
        return items
    }
}

struct AuditorAccessPlanSource: PlanSource {
    func items(in window: ClosedRange<CalendarDate>, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        guard access.allows(.membersRead) else { return [] }
        return try await reader.members.all(holding: .externalAuditor, in: access.workspaceID).compactMap { member in
            guard let expiry = member.grants.first(where: { $0.role == .externalAuditor })?.expiresOn, window.contains(expiry) else { return nil }
            return PlanItem(date: expiry, kind: .auditorAccess, title: member.displayName, status: expiry < access.today ? .done : .planned, phase: .check,
                            link: "/w/\(access.workspace.slug)/members/\(member.id)", source: "auditor:\(member.id)")
        }
    }
}

struct SoAApprovalPlanSource: PlanSource {
    func items(in window: ClosedRange<CalendarDate>, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        try await reader.soa.versions(in: access.workspaceID).compactMap { version in
            let day = CalendarDate(version.decidedAt ?? version.submittedAt, in: access.workspace.zone)
            guard window.contains(day), version.status != .returned else { return nil }
            return PlanItem(date: day, kind: .soaApproval, title: "v\(version.number)", status: version.status == .approved ? .done : .planned, phase: .plan,
                            link: "/w/\(access.workspace.slug)/soa/versions/\(version.number)", source: "soa:\(version.number)")
        }
    }
}

struct DocumentReviewPlanSource: PlanSource {
    func items(in window: ClosedRange<CalendarDate>, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        try await reader.documents.entries.all(in: access.workspaceID).compactMap { d in
            guard let due = d.nextReviewOn, d.status != .retired, window.contains(due) else { return nil }
            return PlanItem(date: due, kind: .documentReview, title: "\(d.code) \(d.title)", status: PlanItem.status(done: false, date: due, today: access.today),
                            phase: .plan, link: "/w/\(access.workspace.slug)/documents/\(d.id)", ownerID: d.ownerID, source: "document:\(d.id)")
        }
    }
}

struct CampaignPlanSource: PlanSource {
    func items(in window: ClosedRange<CalendarDate>, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        try await reader.training.campaigns.all(in: access.workspaceID).compactMap { c in
            let day = c.dueOn ?? c.startsOn
            guard window.contains(day) else { return nil }
            return PlanItem(date: day, kind: .trainingCampaign, title: c.title, status: c.status == .closed ? .done : PlanItem.status(done: false, date: day, today: access.today),
                            phase: .do, link: "/w/\(access.workspace.slug)/training/campaigns/\(c.id)", ownerID: c.createdBy, source: "campaign:\(c.id)")
        }
    }
}

/// Overdue occurrences of planned activities, for their owner (the secretariat, when nobody owns one).
struct PlannedActivitiesDueSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        let manages = access.allows(.planManage)
        let window = access.today.adding(days: -90)...access.today.adding(days: 7)
        let zone = access.workspace.zone
        return try await reader.records(PlannedActivity.self).all(in: access.workspaceID).flatMap { activity -> [WorkItem] in
            guard activity.ownerID == access.user.id || (activity.ownerID == nil && manages) else { return [] }
            return activity.occurrences(in: window, zone: zone).filter { activity.outcome(on: $0) == nil }.map { day in
                WorkItem(kind: .finish, titleKey: "work.plannedActivity", params: ["title": activity.title, "date": day.description],
                         link: "/w/\(access.workspace.slug)/annual-plan/activities/\(activity.id)?date=\(day)", due: day)
            }
        }
    }
}
