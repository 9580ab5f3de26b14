import Domain
import Foundation
import Localization
import Storage
import Synchronization

/// A register's dated obligations on the annual plan. Each register that holds dates adds one
/// (as "my work" sources do); the plan asks them all for a window and nothing is copied.
public protocol PlanSource: Sendable {
    /// The kind of item this source gives (a plan filtered on another kind does not ask it).
    var kind: PlanItem.Kind { get }
    /// The items in `window`; a source that can ask its store for `owner`'s items alone does (the
    /// plan filters every item again, so a source may ignore it).
    func items(in window: ClosedRange<CalendarDate>, owner: User.ID?, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem]
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
        if let start, let end, end < start { v.add("to", "error.endBeforeStart", ["startField": "from"]) }
        if let start, let end, end.dayNumber - start.dayNumber > 400 { v.add("to", "error.planTooLong") }
        try v.check()
        return (start!, end!)
    }

    /// Every dated obligation in the window that the filters keep, in date order.
    public func items(_ access: WorkspaceAccess, _ query: PlanQuery) async throws -> [PlanItem] {
        try access.require(.planRead)
        return try await services.store.read { reader in try await collect(access, query, reader: reader) }
    }

    /// The items of the query's window. The whole window (every kind, everyone's) is kept for a
    /// while by `PlanCache` and filtered for each query; a query for one kind reads that kind alone.
    func collect(_ access: WorkspaceAccess, _ query: PlanQuery, reader: Reader) async throws -> [PlanItem] {
        let window = query.from...query.to
        func gather(kind: PlanItem.Kind?, owner: User.ID?) async throws -> [PlanItem] {
            var all: [PlanItem] = []
            for source in Self.sources where kind == nil || kind == source.kind {
                all += try await source.items(in: window, owner: owner, access: access, reader: reader)
            }
            return PlanItem.ordered(all.filter { window.contains($0.date) })
        }
        // What the sources show depends on the window, the day and two permissions; nothing else of the person.
        let key = "\(access.workspaceID)|\(query.from)|\(query.to)|\(access.today)|\(access.allows(.assetsRead))|\(access.allows(.membersRead))"
        let generation = services.store.writes.current
        if let whole = services.planCache.value(key, generation: generation, now: services.now) { return whole.filter(query.keeps) }
        if query.kind != nil { return try await gather(kind: query.kind, owner: query.ownerID).filter(query.keeps) }
        let whole = try await gather(kind: nil, owner: nil)
        services.planCache.store(whole, for: key, generation: generation, now: services.now)
        return whole.filter(query.keeps)
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
                if let id = User.ID(text), try await tx.lookups.member(user: id, in: access.workspaceID) != nil { owner = .some(id) } else { v.add(prefix + "ownerId", "error.notAMember") }
            } else { owner = .some(nil) }
        }
        if let raw = input.departmentID {
            if let text = Text.nonBlank(raw) {
                if let id = Department.ID(text), try await tx.lookups.department(id, in: access.workspaceID) != nil { department = .some(id) } else {
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

/// Reads kept for half a minute because they are read far more often than the records under them
/// change: the plan's items of a window, the starter set's state. An entry is forgotten at once
/// when this process commits a write (the store's write counter, as `ReadCache` does, ADR 0004);
/// another instance's write is seen within `lifetime` (ADR 0012).
public final class GenerationCache<Value: Sendable>: Sendable {
    static var lifetime: TimeInterval { 30 }
    /// Entries kept before the cache starts over.
    let capacity: Int

    struct Entry: Sendable {
        var value: Value
        var generation: Int
        var expires: Date
    }

    private let entries = Mutex<[String: Entry]>([:])

    public init(capacity: Int = 200) { self.capacity = capacity }

    func value(_ key: String, generation: Int, now: Date) -> Value? {
        entries.withLock { entries in
            guard let entry = entries[key], entry.generation == generation, entry.expires > now else { return nil }
            return entry.value
        }
    }

    func store(_ value: Value, for key: String, generation: Int, now: Date) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll() }
            entries[key] = Entry(value: value, generation: generation, expires: now.addingTimeInterval(Self.lifetime))
        }
    }

    /// A computation under way, shared by every request that misses the same key at the same write count.
    struct Flight: Sendable {
        var generation: Int
        var task: Task<Value, any Error>
    }

    private let flights = Mutex<[String: Flight]>([:])

    /// The value kept for `key`, or the one `compute` gives, kept under the write count read
    /// before computing (a write during the computation leaves it unused). Requests that miss
    /// together wait for one computation (a single flight per key): eight simultaneous misses
    /// of a second's compilation on two cores otherwise take eight seconds each.
    /// `compute` opens its own read: it may run for another request than the one that started it.
    public func value(_ key: String, services: AppServices, compute: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let generation = services.store.writes.current
        if let cached = value(key, generation: generation, now: services.now) { return cached }
        let task = flights.withLock { flights -> Task<Value, any Error> in
            if let flight = flights[key], flight.generation == generation { return flight.task }
            let task = Task { try await compute() }
            flights[key] = Flight(generation: generation, task: task)
            return task
        }
        defer { flights.withLock { flights in if flights[key]?.task == task { flights[key] = nil } } }
        let value = try await task.value
        store(value, for: key, generation: generation, now: services.now)
        return value
    }
}

public typealias PlanCache = GenerationCache<[PlanItem]>
