import Domain
import Foundation
import Storage

/// How big a demo workspace is.
public enum DemoScale: String, CaseIterable, Sendable {
    /// A 30-person company, for trying Meguri.
    case small
    /// 500 people, for a feel of a mid-size organization.
    case medium
    /// 5,000 people and a million audit events, for benchmarks.
    case enterprise

    var members: Int { switch self { case .small: 30; case .medium: 500; case .enterprise: 5_000 } }
    var departments: Int { switch self { case .small: 8; case .medium: 24; case .enterprise: 60 } }
    /// Events in the workspace's chain once the history is written (small keeps its natural few).
    var auditEvents: Int { switch self { case .small: 0; case .medium: 50_000; case .enterprise: 1_000_000 } }
}

/// Fills a workspace with realistic, deterministic Japanese-and-English data. Small workspaces go
/// through the use cases one by one; larger ones through a bulk path that writes exactly the rows
/// and audit events the use cases would (one password hash shared by all generated people, events
/// chained in batches), so a million events take minutes, not hours.
public struct Demo: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public static let password = "meguri-demo-password"

    public struct Report: Sendable {
        public var workspace: Workspace
        /// A few people to sign in as, with the role they show.
        public var accounts: [(email: String, role: Role)]
        public var members: Int
        public var departments: Int
        public var auditEvents: Int
    }

    public func seed(slug: String, scale: DemoScale, seed: UInt64 = 1, context: Context, progress: @Sendable (String) -> Void = { _ in }) async throws -> Report {
        if try await services.store.read({ try await $0.workspaces.slugExists(slug.lowercased()) }) {
            throw DomainError.invalid(field: "slug", code: "error.slugTaken")
        }
        // The first demo workspace's people are @demo.example; a later one's get addresses of their
        // own (@{slug}.demo.example). What could refuse the seed is checked before anything is
        // written, so a refused seed leaves nothing behind.
        let firstTaken = try await services.store.read { try await $0.users.anyEmail(endingWith: "@demo.example") }
        let domain = firstTaken ? "\(slug.lowercased()).demo.example" : "demo.example"
        if firstTaken, try await services.store.read({ try await $0.users.anyEmail(endingWith: "@\(domain)") }) {
            throw DomainError.invalid(field: "email", code: "error.emailTaken")
        }
        // Records get ids from the sequence: a later workspace mixes its slug in, so its ids differ
        // from the first one's (the first keeps the figures and ids of `--seed N`).
        var random = DemoRandom(seed: firstTaken ? slug.unicodeScalars.reduce(seed) { ($0 &* 31) &+ UInt64($1.value) } : seed)
        let workspace = try await Workspaces(services).createFromCLI(
            WorkspaceInput(name: "デモ株式会社 ISMS", slug: slug, organizationName: "デモ株式会社（Demo Corporation）"), context: context)
        let access = try await Access.operatorAccess(slug: slug, services: services)
        let profiled = try await Workspaces(services).update(access, WorkspaceInput(
            scopeStatement: "本社（東京都千代田区）における自社クラウドサービス「デモクラウド」の企画・開発・運用・保守、及びそれを支える管理部門の業務。\n除外：子会社、海外拠点。",
            sites: "本社（東京都千代田区）\nデータセンター（委託先：東京都江東区）", certificationBody: "一般財団法人 サンプル認証機構",
            certificateNumber: "IS 700123", initialCertificationDate: "2024-06-28",
            certificateIssuedOn: "2024-06-28", certificateExpiresOn: "2027-06-27"), expectedVersion: workspace.version, context: context)
        progress("workspace \(slug) created")

        let departments = try await makeDepartments(scale.departments, access: access, random: &random, context: context)
        progress("\(departments.count) departments")
        let hash = try await services.passwords.hash(Self.password)
        let people = makePeople(scale.members, departments: departments, today: access.today, random: &random, domain: domain)
        var accounts: [(String, Role)] = []
        for role in [Role.secretariat, .topManagement, .departmentOfficer, .internalAuditor, .employee, .externalAuditor] {
            if let person = people.first(where: { $0.grants.contains { $0.role == role } && (role == .employee ? $0.grants.count == 1 : true) }) {
                accounts.append((person.email, role))
            }
        }
        if scale == .small {
            try await seedThroughUseCases(people, access: access, hash: hash, context: context)
        } else {
            try await seedInBulk(people, workspace: profiled, departments: departments, scale: scale, hash: hash, random: &random, progress: progress)
        }
        try await DemoRisks(services: services, workspace: profiled, scale: scale).seed(random: &random, progress: progress)
        try await DemoStatement(services: services, workspace: profiled, scale: scale).seed(random: &random, progress: progress)
        _ = try await DemoObjectives(services: services, workspace: profiled).seed(random: &random)
        _ = try await DemoCheckAct(services: services, workspace: profiled, scale: scale).seed(random: &random)
        let acknowledgements = try await DemoDocuments(services: services, workspace: profiled, scale: scale).seed(random: &random)
        progress("documents with \(acknowledgements) acknowledgements")
        let attempts = try await DemoTraining(services: services, workspace: profiled, scale: scale).seed(random: &random)
        progress("training with \(attempts) quiz attempts and two phishing drills")
        let occurrences = try await DemoPlan(services: services, workspace: profiled, scale: scale).seed(random: &random)
        progress("annual plan with \(occurrences) occurrences recorded")
        let events = try await services.store.read { try await $0.auditEvents.count(chain: .workspace(profiled.id)) }
        progress("\(people.count) members, \(events) audit events")
        return Report(workspace: profiled, accounts: accounts, members: people.count, departments: departments.count, auditEvents: events)
    }

    struct Person {
        var email: String
        var name: String
        var home: Department.ID
        var grants: [RoleGrant]
    }

    private func makeDepartments(_ count: Int, access: WorkspaceAccess, random: inout DemoRandom, context: Context) async throws -> [Department] {
        let regions = ["東京", "大阪", "名古屋", "福岡", "札幌", "仙台", "広島", "横浜", "神戸", "京都"]
        var inputs: [DepartmentInput] = []
        for index in 0..<count {
            let base = DemoNames.departments[index % DemoNames.departments.count]
            let round = index / DemoNames.departments.count
            let name = round == 0 ? base.0 : "\(regions[(round - 1) % regions.count])\(base.0)"
            let code = round == 0 ? base.1 : "\(base.1)\(round)"
            inputs.append(DepartmentInput(name: name, code: code, description: base.2))
        }
        var created: [Department] = []
        for input in inputs { created.append(try await Departments(services).create(access, input, context: context)) }
        return created
    }

    private func makePeople(_ count: Int, departments: [Department], today: CalendarDate, random: inout DemoRandom, domain: String) -> [Person] {
        var people: [Person] = []
        var used = Set<String>()
        for index in 0..<count {
            let family = DemoNames.family[Int(random.next() % UInt64(DemoNames.family.count))]
            let given = DemoNames.given[Int(random.next() % UInt64(DemoNames.given.count))]
            var email = "\(given.1).\(family.1)@\(domain)"
            var suffix = 2
            while used.contains(email) {
                email = "\(given.1).\(family.1)\(suffix)@\(domain)"
                suffix += 1
            }
            used.insert(email)
            let home = departments[index % departments.count].id
            var grants = [RoleGrant(role: .employee)]
            switch index {
            case 0: grants.append(RoleGrant(role: .topManagement))
            case 1, 2: grants.append(RoleGrant(role: .committeeMember))
            case 3, 4: grants.append(RoleGrant(role: .secretariat))
            case 5: grants = [RoleGrant(role: .externalAuditor, expiresOn: today.adding(days: 30))]
            default:
                if index - 6 < departments.count { grants.append(RoleGrant(role: .departmentOfficer, departmentID: home)) }
                else if (index - 6 - departments.count) % 40 == 0 { grants.append(RoleGrant(role: .internalAuditor)) }
            }
            people.append(Person(email: email, name: "\(family.0) \(given.0)", home: index == 5 ? departments[0].id : home, grants: grants))
        }
        return people
    }

    private func seedThroughUseCases(_ people: [Person], access: WorkspaceAccess, hash: String, context: Context) async throws {
        let users = Users(services)
        let members = Members(services)
        var added: [Member] = []
        for person in people {
            _ = try await users.create(email: person.email, displayName: person.name, isAdministrator: false, password: nil, context: context, precomputedHash: hash)
            let raw = person.grants.map { RawGrant(role: $0.role.rawValue, departmentID: $0.departmentID?.description, expiresOn: $0.expiresOn?.description) }
            added.append(try await members.add(access, email: person.email, displayName: person.name, homeDepartmentID: person.grants.contains { $0.role == .externalAuditor } ? nil : person.home.description,
                                               roles: raw, context: context).member)
        }
        // A little history: two people changed department.
        for member in added.suffix(2) {
            let departments = try await Departments(services).all(access)
            let other = departments.first { $0.id != member.homeDepartmentID }!
            _ = try await members.update(access, member.id, homeDepartmentID: .some(other.id.description), roles: nil, expectedVersion: member.version, context: context)
        }
    }

    private func seedInBulk(_ people: [Person], workspace: Workspace, departments: [Department], scale: DemoScale, hash: String,
                            random: inout DemoRandom, progress: @Sendable (String) -> Void) async throws {
        let span: TimeInterval = 3 * 365 * 86_400
        let start = services.now.addingTimeInterval(-span)
        let system = Actor.cli(operator: "demo")
        var members: [Member] = []
        // People and memberships, a thousand per transaction.
        for chunk in stride(from: 0, to: people.count, by: 1_000) {
            let slice = Array(people[chunk..<min(chunk + 1_000, people.count)])
            var userRows: [(User, UserCredentials)] = []
            var memberRows: [Member] = []
            var userEvents: [(AuditEntry, Actor, Date)] = []
            var memberEvents: [(AuditEntry, Actor, Date)] = []
            for (offset, person) in slice.enumerated() {
                let at = start.addingTimeInterval(Double(chunk + offset) * 60)
                let user = User(id: User.ID(uuid(&random)), email: person.email, displayName: person.name, hasPassword: true, createdAt: at, updatedAt: at)
                userRows.append((user, UserCredentials(passwordHash: hash)))
                userEvents.append((.change("user", id: user.id.description, action: "create", workspace: nil, before: nil as User?, after: user), system, at))
                let member = Member(id: Member.ID(uuid(&random)), workspaceID: workspace.id, userID: user.id, email: user.email, displayName: user.displayName,
                                    homeDepartmentID: person.grants.contains { $0.role == .externalAuditor } ? nil : person.home, grants: person.grants,
                                    isActivated: true, createdAt: at, updatedAt: at)
                memberRows.append(member)
                memberEvents.append((.change("member", id: member.id.description, action: "create", workspace: workspace.id, before: nil as Member?, after: member), system, at))
            }
            let users = userRows, rows = memberRows, uEvents = userEvents, mEvents = memberEvents
            try await services.store.write { tx in
                try await tx.users.insert(users)
                try await tx.members.insert(rows)
                try await tx.audit.appendBatch(uEvents, chain: .installation)
                try await tx.audit.appendBatch(mEvents, chain: .workspace(workspace.id))
            }
            members += memberRows
            progress("\(members.count) members")
        }
        // History: people move between departments over three years, until the chain holds the
        // target number of events. Only each member's final state is written to its row.
        let base = members.count + departments.count + 2
        let updates = max(0, scale.auditEvents - base)
        guard updates > 0 else { return }
        let historyStart = start.addingTimeInterval(Double(people.count) * 60)
        let step = (services.now.timeIntervalSince(historyStart) - 3_600) / Double(updates)
        var written = 0
        while written < updates {
            let count = min(20_000, updates - written)
            var batch: [(AuditEntry, Actor, Date)] = []
            batch.reserveCapacity(count)
            while batch.count < count {
                let offset = batch.count
                let index = Int(random.next() % UInt64(members.count))
                guard members[index].homeDepartmentID != nil else { continue }
                let before = members[index]
                var after = before
                var target = departments[Int(random.next() % UInt64(departments.count))].id
                if target == before.homeDepartmentID { target = departments[(departments.firstIndex { $0.id == target }! + 1) % departments.count].id }
                after.homeDepartmentID = target
                after.version += 1
                after.updatedAt = historyStart.addingTimeInterval(Double(written + offset) * step)
                members[index] = after
                batch.append((.change("member", id: after.id.description, action: "update", workspace: workspace.id, before: before, after: after), system, after.updatedAt))
            }
            let events = batch
            try await services.store.write { tx in try await tx.audit.appendBatch(events, chain: .workspace(workspace.id)) }
            written += count
            progress("\(written) of \(updates) history events")
        }
        let finalRows = members
        for chunk in stride(from: 0, to: finalRows.count, by: 1_000) {
            let slice = Array(finalRows[chunk..<min(chunk + 1_000, finalRows.count)])
            try await services.store.write { tx in try await tx.members.updateHomeDepartments(slice) }
        }
    }

    private func uuid(_ random: inout DemoRandom) -> UUID {
        let a = random.next(), b = random.next()
        var bytes = withUnsafeBytes(of: a.bigEndian, Array.init) + withUnsafeBytes(of: b.bigEndian, Array.init)
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11],
                           bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
