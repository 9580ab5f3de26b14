import Domain
import Foundation
import Storage

/// What a person types about a campaign. `nil` leaves a field unchanged.
public struct CampaignInput: Sendable {
    public var title: String?
    public var courseID: Course.ID?
    public var audience: Audience?
    public var joinedWithinDays: String??
    public var expiredPassOnly: Bool?
    public var startsOn, dueOn, dueDays: String?

    public init(title: String? = nil, courseID: Course.ID? = nil, audience: Audience? = nil, joinedWithinDays: String?? = nil, expiredPassOnly: Bool? = nil,
                startsOn: String? = nil, dueOn: String? = nil, dueDays: String? = nil) {
        self.title = title; self.courseID = courseID; self.audience = audience; self.joinedWithinDays = joinedWithinDays; self.expiredPassOnly = expiredPassOnly
        self.startsOn = startsOn; self.dueOn = dueOn; self.dueDays = dueDays
    }
}

/// One person's place in a campaign.
public struct Assignment: Sendable {
    public enum State: String, Sendable, CaseIterable { case done, todo, overdue }
    public var campaign: Campaign
    public var member: Member
    public var dueOn: CalendarDate
    /// The first pass since the campaign began.
    public var passedAt: Date?
    public var bestScore: Int?
    public var attempts: Int
    public var state: State
}

/// Who has and has not passed a campaign's course, by department and role, and what people got wrong.
public struct CampaignReport: Sendable {
    public struct Line: Sendable {
        /// A department's id (nil: no department) or a role's raw value.
        public var key: String?
        public var done: Int
        public var total: Int
        public var overdue: Int
        public var rate: Int { total == 0 ? 0 : done * 100 / total }
    }
    public struct Missed: Sendable {
        public var question: Course.Question
        public var missed: Int
        public var answered: Int
        public var rate: Int { answered == 0 ? 0 : missed * 100 / answered }
    }
    public var campaign: Campaign
    public var course: Course
    public var assignments: [Assignment]
    public var byDepartment: [Line]
    public var byRole: [Line]
    /// The questions most often answered wrongly, worst first.
    public var missed: [Missed]
    public var averageScore: Int?
    public var departments: [Department.ID: Department]
    /// The report is limited to these departments (a department officer's), nil for all.
    public var limitedTo: Set<Department.ID>?
    public var done: Int { assignments.filter { $0.state == .done }.count }
    public var overdue: Int { assignments.filter { $0.state == .overdue }.count }
}

/// A campaign with its totals, for lists.
public struct CampaignSummary: Sendable {
    public var campaign: Campaign
    public var course: Course?
    public var done: Int
    public var total: Int
    public var overdue: Int
}

/// Campaigns: a course assigned to an audience with a due date, and its completion (7.2, 7.3).
/// Assignments are not stored: who is in a campaign is its audience judged against the members of
/// the day, so a person who joins later is assigned at once, and who has passed is read from the attempts.
public struct Campaigns: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    // MARK: Reading

    /// Every campaign, newest first, with its totals: the members and each course's attempts are read once.
    public func list(_ access: WorkspaceAccess) async throws -> [CampaignSummary] {
        try access.require(.trainingRead)
        let limit = Self.visibleDepartments(access)
        // Every roster is judged against every member at each load (a second and more on 5,000
        // people): kept until this process's next write or 30 s (ADR 0018).
        return try await services.campaignSummaries.value(Self.cacheKey(access, limit), services: services) {
            try await compileList(access, limit: limit)
        }
    }

    /// What a cached figure depends on besides the records: the workspace, the day (due dates,
    /// expired passes) and which departments the reader sees.
    static func cacheKey(_ access: WorkspaceAccess, _ limit: Set<Department.ID>?, _ rest: String = "") -> String {
        let departments = limit.map { $0.map(\.description).sorted().joined(separator: ",") } ?? "all"
        return "\(access.workspaceID)|\(access.today)|\(departments)|\(rest)"
    }

    private func compileList(_ access: WorkspaceAccess, limit: Set<Department.ID>?) async throws -> [CampaignSummary] {
        let zone = access.workspace.zone
        return try await services.store.read { db in
            let campaigns = try await db.training.campaigns.all(in: access.workspaceID).sorted { ($0.startsOn, $0.number) > ($1.startsOn, $1.number) }
            guard !campaigns.isEmpty else { return [] }
            var members = try await db.members.all(in: access.workspaceID)
            if let limit { members = members.filter { m in m.homeDepartmentID.map(limit.contains) ?? false } }
            let courses = Dictionary(uniqueKeysWithValues: try await db.training.courses.all(in: access.workspaceID, ids: Array(Set(campaigns.map(\.courseID)))).map { ($0.id, $0) })
            let joined = members.map { ($0, CalendarDate($0.createdAt, in: zone)) }
            var summaries: [Campaign.ID: CampaignSummary] = [:]
            for (courseID, group) in Dictionary(grouping: campaigns, by: \.courseID) {
                guard let course = courses[courseID] else { continue }
                let latest = try await db.training.attempts.latestPasses(course: courseID, in: access.workspaceID)
                for campaign in group {
                    let before = campaign.expiredPassOnly ? try await Self.passesBefore(campaign, course: courseID, zone: zone, db: db, workspace: access.workspaceID) : [:]
                    let tally = Self.tally(campaign, course: course, members: joined, latestPass: latest, passesBefore: before, zone: zone, today: access.today)
                    summaries[campaign.id] = CampaignSummary(campaign: campaign, course: course, done: tally.done, total: tally.total, overdue: tally.overdue)
                }
            }
            return campaigns.compactMap { summaries[$0.id] }
        }
    }

    public func load(_ access: WorkspaceAccess, _ id: Campaign.ID) async throws -> Campaign {
        try access.require(.trainingRead)
        guard let campaign = try await services.store.read({ try await $0.training.campaigns.load(id, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: "campaign")
        }
        return campaign
    }

    /// The departments whose people the caller may see in training records: nil for all (the
    /// secretariat, top management, the committee, auditors), a department officer's own otherwise.
    static func visibleDepartments(_ access: WorkspaceAccess) -> Set<Department.ID>? {
        if access.allows(.trainingManage) || access.user.isAdministrator { return nil }
        let active = access.member?.grants.filter { $0.isActive(on: access.today) } ?? []
        if active.contains(where: { [.topManagement, .committeeMember, .internalAuditor, .externalAuditor].contains($0.role) }) { return nil }
        return Set(active.filter { $0.role == .departmentOfficer }.compactMap(\.departmentID))
    }

    /// Each member's place in the campaign, computed from the members and the attempts.
    static func roster(_ campaign: Campaign, course: Course, members: [Member], attempts: [Attempt], passesBefore: [User.ID: Date], zone: TimeZone,
                       today: CalendarDate) -> [Assignment] {
        let start = campaign.startsOn.start(in: zone)
        let byUser = Dictionary(grouping: attempts.filter { $0.submittedAt >= start }, by: \.userID)
        return members.compactMap { member in
            var standing = AttemptStanding(byUser[member.userID] ?? [], since: start)
            standing.lastPassBefore = passesBefore[member.userID]
            return assignment(campaign, course: course, member: member, standing: standing, zone: zone, today: today)
        }
    }

    /// One person's place in a campaign from their standing at its course since it began (nil when
    /// the campaign is not for them).
    static func assignment(_ campaign: Campaign, course: Course, member: Member, standing: AttemptStanding, zone: TimeZone, today: CalendarDate) -> Assignment? {
        let joined = CalendarDate(member.createdAt, in: zone)
        let lastPass = standing.lastPassBefore.map { CalendarDate($0, in: zone) }
        guard TrainingRules.includes(campaign, member: member, joinedOn: joined, lastPassBeforeStart: lastPass, validityMonths: course.validityMonths,
                                     on: today) else { return nil }
        let due = TrainingRules.dueOn(campaign, joinedOn: joined)
        let state: Assignment.State = standing.firstPassAt != nil ? .done : (today > due ? .overdue : .todo)
        return Assignment(campaign: campaign, member: member, dueOn: due, passedAt: standing.firstPassAt, bestScore: standing.bestScore,
                          attempts: standing.attempts, state: state)
    }

    /// The totals `roster` would give, without building it: a person has passed since the campaign
    /// began exactly when their latest pass is on or after its start. The hub's list read every
    /// attempt since the oldest campaign (of 135,000 on the enterprise workspace) and built 28 rosters
    /// of 5,000 people: 1.4 s.
    static func tally(_ campaign: Campaign, course: Course, members: [(Member, CalendarDate)], latestPass: [User.ID: Date], passesBefore: [User.ID: Date],
                      zone: TimeZone, today: CalendarDate) -> (done: Int, total: Int, overdue: Int) {
        let start = campaign.startsOn.start(in: zone)
        var done = 0, total = 0, overdue = 0
        for (member, joined) in members {
            let lastPass = passesBefore[member.userID].map { CalendarDate($0, in: zone) }
            guard TrainingRules.includes(campaign, member: member, joinedOn: joined, lastPassBeforeStart: lastPass, validityMonths: course.validityMonths,
                                         on: today) else { continue }
            total += 1
            if let latest = latestPass[member.userID], latest >= start { done += 1 } else if today > TrainingRules.dueOn(campaign, joinedOn: joined) { overdue += 1 }
        }
        return (done, total, overdue)
    }

    public func report(_ access: WorkspaceAccess, _ id: Campaign.ID) async throws -> CampaignReport {
        let limit = Self.visibleDepartments(access)
        return try await services.campaignReports.value(try reportKey(access, id), services: services) {
            try await compileReport(access, id, limit: limit)
        }
    }

    /// What the report is kept under for this reader (who sees which departments), for a cache of
    /// what is made from it.
    public func reportKey(_ access: WorkspaceAccess, _ id: Campaign.ID) throws -> String {
        try access.require(.trainingRead)
        return Self.cacheKey(access, Self.visibleDepartments(access), id.description)
    }

    private func compileReport(_ access: WorkspaceAccess, _ id: Campaign.ID, limit: Set<Department.ID>?) async throws -> CampaignReport {
        let zone = access.workspace.zone
        return try await services.store.read { db in
            guard let campaign = try await db.training.campaigns.load(id, in: access.workspaceID) else { throw DomainError.notFound(entity: "campaign") }
            guard let course = try await db.training.courses.load(campaign.courseID, in: access.workspaceID) else { throw DomainError.notFound(entity: "course") }
            let members = try await db.members.all(in: access.workspaceID)
            let attempts = try await db.training.attempts.outcomes(course: course.id, since: campaign.startsOn.start(in: zone), in: access.workspaceID)
            let before = campaign.expiredPassOnly ? try await Self.passesBefore(campaign, course: course.id, zone: zone, db: db, workspace: access.workspaceID) : [:]
            var assignments = Self.roster(campaign, course: course, members: members, attempts: attempts, passesBefore: before, zone: zone, today: access.today)
            if let limit { assignments = assignments.filter { a in a.member.homeDepartmentID.map(limit.contains) ?? false } }
            let departments = Dictionary(uniqueKeysWithValues: try await db.departments.all(in: access.workspaceID).map { ($0.id, $0) })
            func line(_ key: String?, _ group: [Assignment]) -> CampaignReport.Line {
                CampaignReport.Line(key: key, done: group.filter { $0.state == .done }.count, total: group.count, overdue: group.filter { $0.state == .overdue }.count)
            }
            let byDepartment = Dictionary(grouping: assignments) { $0.member.homeDepartmentID }
                .map { line($0.key?.description, $0.value) }
                .sorted { ($0.key.flatMap { Department.ID($0) }.flatMap { departments[$0]?.name } ?? "\u{10FFFF}") < ($1.key.flatMap { Department.ID($0) }.flatMap { departments[$0]?.name } ?? "\u{10FFFF}") }
            let byRole = Role.allCases.compactMap { role -> CampaignReport.Line? in
                let group = assignments.filter { $0.member.grants.contains { $0.role == role && $0.isActive(on: access.today) } }
                return group.isEmpty ? nil : line(role.rawValue, group)
            }
            // What people got wrong: every attempt in the campaign counts.
            let visible = Set(assignments.map(\.member.userID))
            let counted = attempts.filter { visible.contains($0.userID) }
            var missedCount: [String: Int] = [:]
            for attempt in counted { for q in attempt.missed { missedCount[q, default: 0] += 1 } }
            let missed = course.questions.map { CampaignReport.Missed(question: $0, missed: missedCount[$0.id] ?? 0, answered: counted.count) }
                .filter { $0.missed > 0 }.sorted { $0.missed > $1.missed }
            let average = counted.isEmpty ? nil : counted.map(\.score).reduce(0, +) / counted.count
            return CampaignReport(campaign: campaign, course: course, assignments: assignments, byDepartment: byDepartment, byRole: byRole, missed: missed,
                                  averageScore: average, departments: departments, limitedTo: limit)
        }
    }

    /// Each person's latest pass of the course before the campaign began (for "whose pass has expired").
    static func passesBefore(_ campaign: Campaign, course: Course.ID, zone: TimeZone, db: Reader, workspace: Workspace.ID) async throws -> [User.ID: Date] {
        try await db.training.attempts.latestPasses(course: course, before: campaign.startsOn.start(in: zone), in: workspace)
    }

    /// The caller's courses: every open campaign they are in, with how far they are.
    public func mine(_ access: WorkspaceAccess) async throws -> [Assignment] {
        guard let member = access.member else { return [] }
        return try await Self.assignments(of: member, access: access, training: nil, services: services)
    }

    /// A person's place in every open campaign, or in those of one course (a submission).
    static func assignments(of member: Member, course only: Course? = nil, access: WorkspaceAccess, training: TrainingStore?,
                            services: AppServices?) async throws -> [Assignment] {
        let zone = access.workspace.zone
        @Sendable func run(_ training: TrainingStore) async throws -> [Assignment] {
            let open = try await WorkReadMemo.shared("campaigns.open:\(access.workspaceID)") {
                try await training.campaigns.all(in: access.workspaceID, [.equal(\.status, .open)])
            }
            let campaigns = only.map { course in open.filter { $0.courseID == course.id } } ?? open
            guard !campaigns.isEmpty else { return [] }
            // One course's campaigns need the course in hand, not every open campaign's course (a
            // course's record carries its material and questions).
            let courses: [Course.ID: Course]
            if let only { courses = [only.id: only] } else {
                courses = try await WorkReadMemo.shared("campaigns.courses:\(access.workspaceID)") {
                    Dictionary(uniqueKeysWithValues: try await training.courses.all(in: access.workspaceID, ids: Array(Set(open.map(\.courseID)))).map { ($0.id, $0) })
                }
            }
            // A person's pages (every open campaign): their attempts read once, counted here. A
            // submission (one course): counted by the database, one statement however many
            // attempts the person has made there.
            let attempts = only == nil ? try await training.attempts.outcomes(of: member.userID, in: access.workspaceID) : nil
            var out: [Assignment] = []
            for campaign in campaigns {
                guard let course = courses[campaign.courseID], !course.isArchived else { continue }
                let start = campaign.startsOn.start(in: zone)
                let standing: AttemptStanding
                if let attempts {
                    standing = AttemptStanding(attempts.lazy.filter { $0.courseID == course.id }, since: start)
                } else {
                    standing = try await training.attempts.standing(of: member.userID, course: course.id, since: start, in: access.workspaceID)
                }
                if let a = assignment(campaign, course: course, member: member, standing: standing, zone: zone, today: access.today) { out.append(a) }
            }
            return out.sorted { $0.dueOn < $1.dueOn }
        }
        if let training { return try await run(training) }
        guard let services else { return [] }
        return try await services.store.read { try await run($0.training) }
    }

    /// The person's place in the open campaign of this course a new attempt counts for: the one due
    /// first that they have not passed yet (with their attempts at it so far).
    static func current(for member: Member, course: Course, access: WorkspaceAccess, training: TrainingStore) async throws -> Assignment? {
        let all = try await assignments(of: member, course: course, access: access, training: training, services: nil)
        return all.sorted { ($0.state == .done ? 1 : 0, $0.dueOn) < ($1.state == .done ? 1 : 0, $1.dueOn) }.first
    }

    // MARK: Changing

    func apply(_ input: CampaignInput, to campaign: inout Campaign, creating: Bool, access: WorkspaceAccess, tx: Writer) async throws {
        var v = Validator()
        if creating || input.title != nil { campaign.title = v.required(input.title, "title", maxLength: 200) }
        if let id = input.courseID {
            if let course = try await tx.training.courses.load(id, in: access.workspaceID), !course.isArchived { campaign.courseID = id } else { v.add("courseId", "error.unknownCourse") }
        } else if creating { v.add("courseId", "error.required") }
        if let audience = input.audience { campaign.audience = audience }
        if let raw = input.joinedWithinDays {
            if let text = Text.nonBlank(raw ?? nil) {
                if let n = Int(Text.halfWidth(text)), (1...365).contains(n) { campaign.joinedWithinDays = n } else { v.add("joinedWithinDays", "error.range", ["min": "1", "max": "365"]) }
            } else { campaign.joinedWithinDays = nil }
        }
        if let expired = input.expiredPassOnly { campaign.expiredPassOnly = expired }
        if let raw = input.startsOn, let text = Text.nonBlank(raw) {
            if let day = CalendarDate(Text.halfWidth(text)) { campaign.startsOn = day } else { v.add("startsOn", "error.date") }
        }
        if let raw = input.dueOn {
            if let text = Text.nonBlank(raw) {
                if let day = CalendarDate(Text.halfWidth(text)) { campaign.dueOn = day } else { v.add("dueOn", "error.date") }
            } else { campaign.dueOn = nil }
        }
        if let raw = input.dueDays {
            if let text = Text.nonBlank(raw) {
                if let n = Int(Text.halfWidth(text)), (1...365).contains(n) { campaign.dueDays = n } else { v.add("dueDays", "error.range", ["min": "1", "max": "365"]) }
            } else { campaign.dueDays = nil }
        }
        if campaign.audience.isEmpty { v.add("audience", "error.audienceNeeded") }
        if campaign.dueOn == nil && campaign.dueDays == nil { v.add("dueOn", "error.dueNeeded") }
        if let due = campaign.dueOn, due < campaign.startsOn { v.add("dueOn", "error.endBeforeStart", ["startField": "startsOn"]) }
        try v.check()
    }

    public func create(_ access: WorkspaceAccess, _ input: CampaignInput, context: Context) async throws -> Campaign {
        try access.require(.trainingManage)
        let now = services.now
        return try await services.store.write { tx in
            let number = try await tx.sequences.next(Numbering.campaign, in: access.workspaceID)
            var campaign = Campaign(workspaceID: access.workspaceID, number: number, title: "", courseID: Course.ID(), audience: Audience(), startsOn: access.today,
                                    createdBy: access.user.id, createdAt: now, updatedAt: now)
            try await apply(input, to: &campaign, creating: true, access: access, tx: tx)
            return try await tx.create(tx.training.campaigns, campaign, context: context, at: now)
        }
    }

    public func update(_ access: WorkspaceAccess, _ id: Campaign.ID, _ input: CampaignInput, expectedVersion: Int?, context: Context) async throws -> Campaign {
        try access.require(.trainingManage)
        let now = services.now
        return try await services.store.write { tx in
            try await tx.change(tx.training.campaigns, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { campaign in
                try await apply(input, to: &campaign, creating: false, access: access, tx: tx)
            }
        }
    }

    /// Closes (or reopens) a campaign: a closed one is asked of nobody; its record stays.
    public func setStatus(_ access: WorkspaceAccess, _ id: Campaign.ID, _ status: Campaign.Status, expectedVersion: Int?, context: Context) async throws -> Campaign {
        try access.require(.trainingManage)
        let now = services.now
        return try await services.store.write { tx in
            try await tx.change(tx.training.campaigns, id, in: access.workspaceID, expectedVersion: expectedVersion, versionRequired: false,
                                action: status == .closed ? "close" : "reopen", context: context, at: now) { $0.status = status }
        }
    }

    /// Deletes a campaign nobody has taken the course for yet (otherwise close it).
    public func delete(_ access: WorkspaceAccess, _ id: Campaign.ID, expectedVersion: Int?, context: Context) async throws {
        try access.require(.trainingManage)
        let now = services.now
        try await services.store.write { tx in
            try await tx.remove(tx.training.campaigns, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { campaign in
                if try await tx.training.attempts.any(campaign: id, course: campaign.courseID, since: campaign.startsOn.start(in: access.workspace.zone),
                                                       in: access.workspaceID) { throw DomainError.rule(code: "error.campaignTaken") }
            }
        }
    }
}

/// "My work": the courses a person has to take, the overdue ones first.
struct TrainingWorkSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        guard let member = access.member else { return [] }
        let slug = access.workspace.slug
        return try await Campaigns.assignments(of: member, access: access, training: reader.training, services: nil).filter { $0.state != .done }.map { a in
            WorkItem(kind: .finish, titleKey: "work.takeCourse", params: ["title": a.campaign.title],
                     link: "/w/\(slug)/training/courses/\(a.campaign.courseID)", due: a.dueOn)
        }
    }
}
