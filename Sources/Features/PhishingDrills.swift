import Catalog
import Domain
import Foundation
import Storage

/// A drill with its rates per department and the trend across drills.
public struct DrillView: Sendable {
    public struct Line: Sendable {
        public var departmentID: Department.ID?
        public var rates: PhishingDrill.Rates
    }
    public var drill: PhishingDrill
    public var byDepartment: [Line]
    /// Every drill in order with its overall rates (the trend).
    public var trend: [(drill: PhishingDrill, rates: PhishingDrill.Rates)]
    public var departments: [Department.ID: Department]
    public var people: [User.ID: User]
    public var limitedTo: Set<Department.ID>?
}

/// Phishing drills (A.6.3, A.8.7): results imported from the drill tool's file, matched to members,
/// click and report rates per department, and a follow-up course for those who clicked.
public struct PhishingDrills: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    /// The columns of our template and the names common drill tools give them.
    static let columns = ImportVocabulary.bundled.columns("drill", required: ["email"])
    /// Columns drill tools add that say nothing about the result.
    static let ignored = ImportVocabulary.bundled.computed("drill")

    public func list(_ access: WorkspaceAccess) async throws -> [PhishingDrill] {
        try access.require(.trainingRead)
        return try await services.store.read { try await $0.training.drills.all(in: access.workspaceID) }
    }

    public func view(_ access: WorkspaceAccess, _ id: PhishingDrill.ID) async throws -> DrillView {
        try access.require(.trainingRead)
        let limit = Campaigns.visibleDepartments(access)
        return try await services.store.read { db in
            guard var drill = try await db.training.drills.load(id, in: access.workspaceID) else { throw DomainError.notFound(entity: "phishing_drill") }
            func visible(_ results: [PhishingDrill.Result]) -> [PhishingDrill.Result] {
                guard let limit else { return results }
                return results.filter { $0.departmentID.map(limit.contains) ?? false }
            }
            drill.results = visible(drill.results)
            let all = try await db.training.drills.all(in: access.workspaceID)
            let trend = all.map { d in (drill: d, rates: PhishingDrill.Rates(visible(d.results))) }
            let departments = Dictionary(uniqueKeysWithValues: try await db.departments.all(in: access.workspaceID).map { ($0.id, $0) })
            let lines = Dictionary(grouping: drill.results, by: \.departmentID).map { DrillView.Line(departmentID: $0.key, rates: PhishingDrill.Rates($0.value)) }
                .sorted { ($0.departmentID.flatMap { departments[$0]?.name } ?? "\u{10FFFF}") < ($1.departmentID.flatMap { departments[$0]?.name } ?? "\u{10FFFF}") }
            let people = try await db.users.loadAll(drill.clickers)
            return DrillView(drill: drill, byDepartment: lines, trend: trend, departments: departments, people: people, limitedTo: limit)
        }
    }

    /// Reads a drill tool's results (CSV or Excel), matches them to members by e-mail and records
    /// the drill. All or nothing; addresses of no member are counted and reported, not kept.
    public func importFile(_ access: WorkspaceAccess, title: String?, sentOn: String?, data: Data, dryRun: Bool,
                           context: Context) async throws -> (drill: PhishingDrill, result: ImportResult) {
        try access.require(.trainingManage)
        var v = Validator()
        let name = v.required(title, "title", maxLength: 200)
        let day = sentOn.flatMap { CalendarDate(Text.halfWidth(Text.trimmed($0))) }
        if day == nil { v.add("sentOn", "error.date") }
        try v.check()
        let table = try Tabular.read(data, columns: Self.columns, ignoring: Self.ignored)
        if table.rows.isEmpty { throw DomainError.invalid(field: "file", code: "error.csvNoRows") }
        let members = try await services.store.read { try await $0.members.all(in: access.workspaceID) }
        let byEmail = Dictionary(members.map { ($0.email.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        var errors: [FieldError] = []
        var results: [User.ID: PhishingDrill.Result] = [:]
        var report: [ImportRow] = []
        var unmatched = 0
        for row in table.rows {
            guard let email = row.value("email")?.lowercased() else { errors.append(FieldError(field: "email", code: "error.required", row: row.number)); continue }
            var flags: [String: Bool] = [:]
            for key in ["opened", "clicked", "submitted", "reported"] {
                guard let raw = row.value(key) else { continue }
                if let flag = PhishingRules.flag(raw) { flags[key] = flag } else {
                    errors.append(FieldError(field: key, code: "error.flagValue", params: ["value": raw], row: row.number))
                }
            }
            // A one-column status ladder (Email Sent → Email Opened → Clicked Link → Submitted Data).
            if let status = row.value("status") {
                if let stage = PhishingRules.stage(status) {
                    if stage >= .opened { flags["opened"] = true }
                    if stage >= .clicked { flags["clicked"] = true }
                    if stage >= .submitted { flags["submitted"] = true }
                } else if !status.lowercased().contains("report") {
                    errors.append(FieldError(field: "status", code: "error.flagValue", params: ["value": status], row: row.number))
                }
                if status.lowercased().contains("report") || status.contains("報告") { flags["reported"] = true }
            }
            guard let member = byEmail[email] else {
                unmatched += 1
                report.append(ImportRow(number: row.number, label: email, outcome: .unchanged, notes: ["notAMember"]))
                continue
            }
            // A person listed twice keeps the furthest they went.
            var result = results[member.userID] ?? PhishingDrill.Result(userID: member.userID, departmentID: member.homeDepartmentID, opened: false, clicked: false,
                                                                         submitted: false, reported: false)
            result.opened = result.opened || (flags["opened"] ?? false)
            result.clicked = result.clicked || (flags["clicked"] ?? false)
            result.submitted = result.submitted || (flags["submitted"] ?? false)
            result.reported = result.reported || (flags["reported"] ?? false)
            results[member.userID] = result
            report.append(ImportRow(number: row.number, label: email, outcome: .create))
        }
        if !errors.isEmpty { throw DomainError.invalid(FieldError.capped(errors)) }
        if results.isEmpty { throw DomainError.invalid(field: "file", code: "error.drillNoMembers") }
        let now = services.now
        var drill = PhishingDrill(workspaceID: access.workspaceID, number: 0, title: name, sentOn: day!, results: results.values.sorted { $0.userID < $1.userID },
                                  unmatched: unmatched, createdAt: now, updatedAt: now)
        let result = ImportResult(rows: report, dryRun: dryRun)
        if dryRun { return (drill, result) }
        let prepared = drill
        drill = try await services.store.write { tx in
            var record = prepared
            record.number = try await tx.sequences.next(Numbering.drill, in: access.workspaceID)
            return try await tx.create(tx.training.drills, record, action: "import", context: context, at: now)
        }
        return (drill, result)
    }

    /// Assigns a course to everyone who clicked (or entered data) in the drill: one campaign.
    public func followUp(_ access: WorkspaceAccess, _ id: PhishingDrill.ID, course: Course.ID, dueOn: String?, title: String? = nil, context: Context) async throws -> Campaign {
        try access.require(.trainingManage)
        let now = services.now
        return try await services.store.write { tx in
            guard let drill = try await tx.training.drills.load(id, in: access.workspaceID, forUpdate: true) else { throw DomainError.notFound(entity: "phishing_drill") }
            guard drill.followUpCampaignID == nil else { throw DomainError.rule(code: "error.followUpExists") }
            guard !drill.clickers.isEmpty else { throw DomainError.rule(code: "error.noClickers") }
            let number = try await tx.sequences.next(Numbering.campaign, in: access.workspaceID)
            var campaign = Campaign(workspaceID: access.workspaceID, number: number, title: "", courseID: course, audience: Audience(), startsOn: access.today,
                                    createdBy: access.user.id, createdAt: now, updatedAt: now)
            try await Campaigns(services).apply(CampaignInput(title: title ?? "\(drill.title) フォローアップ / follow-up", courseID: course, audience: Audience(memberIDs: drill.clickers),
                                                              dueOn: dueOn ?? access.today.adding(days: 30).description),
                                                to: &campaign, creating: true, access: access, tx: tx)
            let created = try await tx.create(tx.training.campaigns, campaign, context: context, at: now)
            try await tx.change(tx.training.drills, id, in: access.workspaceID, expectedVersion: nil, versionRequired: false, action: "followUp", context: context,
                                at: now) { $0.followUpCampaignID = created.id }
            return created
        }
    }

    public func delete(_ access: WorkspaceAccess, _ id: PhishingDrill.ID, expectedVersion: Int?, context: Context) async throws {
        try access.require(.trainingManage)
        let now = services.now
        try await services.store.write { tx in
            try await tx.remove(tx.training.drills, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { _ in }
        }
    }
}
