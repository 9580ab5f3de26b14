import Domain
import Foundation
import Storage

/// The demo's training: last year's and this year's campaigns of the annual course (some people
/// fail before they pass; some questions are missed more than others), the internal auditors'
/// course, and two phishing drills whose click rate falls. The enterprise workspace adds seven
/// more courses and three years of campaigns, for the benchmarks (5,000 people × 10 courses).
struct DemoTraining: Sendable {
    let services: AppServices
    let workspace: Workspace
    let scale: DemoScale

    static let extraTopics = ["クラウドサービスの安全な利用", "個人情報の取扱い", "開発者のためのセキュアコーディング", "委託先管理の実務", "物理セキュリティと入退室",
                              "インシデント初動対応", "モバイル端末の管理"]

    var years: Int { scale == .enterprise ? 3 : 2 }

    /// Adds them when the workspace has no campaign; returns how many attempts it wrote.
    func seed(random: inout DemoRandom) async throws -> Int {
        let workspaceID = workspace.id
        let access = try await Access.operatorAccess(slug: workspace.slug, services: services)
        try await Training.ensure(access, services: services, context: Context(actor: .system))
        let (existing, courses, members) = try await services.store.read { db in
            (try await db.training.campaigns.count(in: workspaceID), try await db.training.courses.all(in: workspaceID), try await db.members.all(in: workspaceID))
        }
        guard existing == 0, let annual = courses.first(where: { $0.templateKey == "awareness-annual" }), !members.isEmpty else { return 0 }
        let auditorCourse = courses.first { $0.templateKey == "internal-auditor" }
        let now = services.now
        let today = CalendarDate(now, in: workspace.zone)
        func id<T>(_ type: T.Type, _ random: inout DemoRandom) -> Domain.ID<T> { Domain.ID<T>(DemoStatement.uuid(&random)) }
        func at(_ day: CalendarDate, _ random: inout DemoRandom) -> Date {
            min(now, day.start(in: workspace.zone).addingTimeInterval(Double(Int.random(in: 9 * 3_600...19 * 3_600, using: &random))))
        }

        var newCourses: [Course] = []
        var allCourses = [annual] + (auditorCourse.map { [$0] } ?? [])
        if scale == .enterprise {
            for (index, topic) in Self.extraTopics.enumerated() {
                var course = annual
                course.id = id(Course.self, &random)
                course.number = courses.count + index + 1
                course.code = String(format: "CRS-%03d", course.number)
                course.title = Bilingual(ja: topic, en: "Topic course \(index + 1)")
                course.templateKey = nil
                newCourses.append(course)
            }
            allCourses += newCourses
        }
        // How hard each question is: the chance a person gets it wrong.
        var difficulty: [String: Int] = [:]
        for course in allCourses { for q in course.questions { difficulty[course.id.description + q.id] = Int.random(in: 3...30, using: &random) } }
        func attempt(_ course: Course, _ campaign: Campaign?, _ member: Member, on day: CalendarDate, random: inout DemoRandom) -> Attempt {
            var answers: [String: [String]] = [:]
            var missed: [String] = []
            for q in course.questions {
                if Int.random(in: 0..<100, using: &random) < difficulty[course.id.description + q.id, default: 10] {
                    missed.append(q.id)
                    answers[q.id] = [q.choices.first { !$0.correct }?.id ?? q.choices[0].id]
                } else {
                    answers[q.id] = q.correctChoices.sorted()
                }
            }
            let score = (course.questions.count - missed.count) * 100 / max(1, course.questions.count)
            return Attempt(id: id(Attempt.self, &random), workspaceID: workspaceID, courseID: course.id, campaignID: campaign?.id, userID: member.userID,
                           answers: answers, missed: missed, score: score, passed: score >= course.passingScore, courseVersion: course.version,
                           submittedAt: at(day, &random))
        }

        var campaigns: [Campaign] = []
        var attempts: [Attempt] = []
        var number = 0
        let auditors = members.filter { $0.grants.contains { $0.role == .internalAuditor } }
        for course in allCourses {
            for yearsBack in stride(from: years - 1, through: 0, by: -1) {
                let isAuditor = course.id == auditorCourse?.id
                let starts = today.adding(days: -365 * yearsBack - (isAuditor ? 200 : 30) - (course.number % 5) * 3)
                let due = starts.adding(days: 60)
                number += 1
                let title = yearsBack == 0 ? "\(course.title.ja) \(today.year)" : "\(course.title.ja) \(today.year - yearsBack)"
                let campaign = Campaign(id: id(Campaign.self, &random), workspaceID: workspaceID, number: number, title: title, courseID: course.id,
                                        audience: isAuditor ? Audience(roles: [.internalAuditor]) : .all, startsOn: starts, dueOn: due,
                                        status: yearsBack == 0 ? .open : .closed, createdAt: now, updatedAt: now)
                campaigns.append(campaign)
                // Of those asked, most finish; this year's is still running.
                let share = yearsBack == 0 ? (isAuditor ? 100 : 65) : 96
                for member in isAuditor ? auditors : members where Int.random(in: 0..<100, using: &random) < share {
                    let elapsed = max(0, min(today.dayNumber - starts.dayNumber, 55))
                    var day = starts.adding(days: Int.random(in: 0...max(0, elapsed), using: &random))
                    for _ in 0..<4 {
                        let taken = attempt(course, campaign, member, on: day, random: &random)
                        attempts.append(taken)
                        if taken.passed { break }
                        day = min(today, day.adding(days: Int.random(in: 0...3, using: &random)))
                    }
                }
            }
        }
        // Two drills, six months and one month ago; people learn.
        var drills: [PhishingDrill] = []
        for (index, monthsBack) in [6, 1].enumerated() {
            let clickShare = index == 0 ? 22 : 11, reportShare = index == 0 ? 18 : 41
            let results = members.map { member -> PhishingDrill.Result in
                let clicked = Int.random(in: 0..<100, using: &random) < clickShare
                return PhishingDrill.Result(userID: member.userID, departmentID: member.homeDepartmentID, opened: clicked || Int.random(in: 0..<100, using: &random) < 55,
                                            clicked: clicked, submitted: clicked && Int.random(in: 0..<100, using: &random) < 40,
                                            reported: !clicked && Int.random(in: 0..<100, using: &random) < reportShare)
            }
            drills.append(PhishingDrill(id: id(PhishingDrill.self, &random), workspaceID: workspaceID, number: index + 1,
                                        title: index == 0 ? "標的型攻撃メール訓練（上期）" : "標的型攻撃メール訓練（下期）", sentOn: today.adding(months: -monthsBack),
                                        results: results, unmatched: index, createdAt: now, updatedAt: now))
        }
        // The first drill's clickers got the annual course again as a follow-up.
        number += 1
        let followUp = Campaign(id: id(Campaign.self, &random), workspaceID: workspaceID, number: number, title: "\(drills[0].title) フォローアップ教育", courseID: annual.id,
                                audience: Audience(memberIDs: drills[0].clickers), startsOn: drills[0].sentOn.adding(days: 7), dueOn: drills[0].sentOn.adding(days: 37),
                                status: .closed, createdAt: now, updatedAt: now)
        campaigns.append(followUp)
        drills[0].followUpCampaignID = followUp.id
        let records = (newCourses, campaigns, attempts, drills, number)
        try await services.store.write { tx in
            try await tx.training.courses.insert(records.0)
            try await tx.training.campaigns.insert(records.1)
            try await tx.training.attempts.insert(records.2)
            try await tx.training.drills.insert(records.3)
            try await tx.sequences.set(Numbering.campaign, to: records.4, in: workspaceID)
            try await tx.sequences.set(Numbering.drill, to: 2, in: workspaceID)
            if !records.0.isEmpty { try await tx.sequences.set(Numbering.course, to: courses.count + records.0.count, in: workspaceID) }
        }
        return attempts.count
    }
}
