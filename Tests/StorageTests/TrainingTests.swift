import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport

/// A year of training through the use cases, on SQLite and (when configured) PostgreSQL: the
/// ready-made courses in a new workspace, the yearly campaign, an employee who fails and passes,
/// completion by department, newcomers, the attempt limit, competences and a phishing drill.
@Suite struct TrainingTests {
    struct World {
        let app: TestApp
        let secretary: User, employee: User, clerk: User, officer: User, auditor: User
        let sales: Department, admin: Department
        let context = Context(actor: .system)
        func access(_ user: User) async throws -> WorkspaceAccess { try await app.access(user, "acme") }
    }

    static func world(_ app: TestApp) async throws -> World {
        let root = try await app.user("admin@example.co.jp", admin: true)
        _ = try await app.workspace("acme", by: root)
        _ = try await app.workspace("other", by: root)
        let sales = try await app.department("営業部", in: "acme")
        let admin = try await app.department("総務部", in: "acme")
        let secretary = try await app.user("isms@example.co.jp", name: "事務局 花子")
        try await app.member(secretary, in: "acme", roles: [RoleGrantInput(role: .secretariat)], home: admin.id)
        let employee = try await app.user("sales1@example.co.jp", name: "鈴木 営業")
        try await app.member(employee, in: "acme", roles: [RoleGrantInput(role: .employee)], home: sales.id)
        let clerk = try await app.user("soumu1@example.co.jp", name: "田中 総務")
        try await app.member(clerk, in: "acme", roles: [RoleGrantInput(role: .employee)], home: admin.id)
        let officer = try await app.user("sales-lead@example.co.jp", name: "佐藤 部長")
        try await app.member(officer, in: "acme", roles: [RoleGrantInput(role: .departmentOfficer, departmentID: sales.id)], home: sales.id)
        let auditor = try await app.user("auditor@example.co.jp", name: "高橋 監査")
        try await app.member(auditor, in: "acme", roles: [RoleGrantInput(role: .internalAuditor)], home: admin.id)
        return World(app: app, secretary: secretary, employee: employee, clerk: clerk, officer: officer, auditor: auditor, sales: sales, admin: admin)
    }

    static func answers(_ course: Course, right: Bool) -> [String: [String]] {
        Dictionary(uniqueKeysWithValues: course.questions.map { q in
            (q.id, right ? Array(q.correctChoices) : [q.choices.first { !$0.correct }!.id])
        })
    }

    @Test(arguments: TestEngine.available) func theRegistersPassTheKitChecks(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            _ = try await app.workspace("other", by: admin)
            let context = Context(actor: .system)
            let training = Training(app.services)
            let question = CourseInput.QuestionInput(textJa: "パスワードは?", textEn: "Passwords?", explanationJa: "長く", explanationEn: "Long",
                                                     choices: [.init(textJa: "長い", textEn: "Long", correct: true), .init(textJa: "短い", textEn: "Short")])
            try await RegisterChecks<Course>(
                create: { try await training.createCourse($0, CourseInput(titleJa: "テレワーク教育", titleEn: "Remote work", questions: [question]), context: context) },
                load: { try await training.course($0, $1).course },
                update: { try await training.updateCourse($0, $1, CourseInput(passingScore: "90"), expectedVersion: $2, context: context) },
                delete: { try await training.deleteCourse($0, $1, expectedVersion: $2, context: context) }).run(app)
            let campaigns = Campaigns(app.services)
            let course = try await training.courses(try await app.operatorAccess("acme"))[0]
            try await RegisterChecks<Campaign>(
                create: { try await campaigns.create($0, CampaignInput(title: "2026年度 年次教育", courseID: course.id, audience: .all, dueOn: "2026-12-31"), context: context) },
                load: { try await campaigns.load($0, $1) },
                update: { try await campaigns.update($0, $1, CampaignInput(dueOn: "2027-01-31"), expectedVersion: $2, context: context) },
                delete: { try await campaigns.delete($0, $1, expectedVersion: $2, context: context) }).run(app)
            let competences = Competences(app.services)
            try await RegisterChecks<CompetenceRequirement>(
                create: { try await competences.createRequirement($0, RequirementInput(role: "secretariat", name: "ISMS構築の研修"), context: context) },
                load: { access, id in
                    guard let found = try await competences.overview(access).requirements.first(where: { $0.id == id }) else { throw DomainError.notFound(entity: "competence_requirement") }
                    return found
                },
                update: { try await competences.updateRequirement($0, $1, RequirementInput(description: "外部研修の修了"), expectedVersion: $2, context: context) },
                delete: { try await competences.deleteRequirement($0, $1, expectedVersion: $2, context: context) }).run(app)
        }
    }

    @Test(arguments: TestEngine.available) func aYearlyCampaignFromAssignedToPassed(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await Self.world(app)
            let training = Training(app.services), campaigns = Campaigns(app.services)
            let secretary = try await w.access(w.secretary), employee = try await w.access(w.employee), clerk = try await w.access(w.clerk)
            let officer = try await w.access(w.officer)

            // Every workspace starts with our courses and the internal auditor's competence.
            let courses = try await training.courses(secretary)
            #expect(courses.map(\.templateKey) == ["awareness-annual", "new-hire", "internal-auditor"])
            #expect(courses.map(\.code) == ["CRS-001", "CRS-002", "CRS-003"])
            let annual = courses[0]
            #expect(annual.questions.count >= 10 && annual.references.contains("A.6.3"))
            #expect(try await Competences(app.services).overview(secretary).requirements.map(\.role) == [.internalAuditor])

            // The answer key is closed to an employee until they have submitted.
            #expect(try await training.course(employee, annual.id).revealed == false)
            #expect(try await training.course(secretary, annual.id).revealed == true)

            // The yearly campaign to everyone; refusals name their fields.
            await #expect {
                _ = try await campaigns.create(secretary, CampaignInput(title: " ", audience: Audience(), startsOn: "2026-12-01", dueOn: "2026-11-30"), context: w.context)
            } throws: { error in
                guard case DomainError.invalid(let errors) = error else { return false }
                return Set(errors.map(\.field)) == ["title", "courseId", "audience", "dueOn"]
            }
            let yearly = try await campaigns.create(secretary, CampaignInput(title: "2026年度 年次教育", courseID: annual.id, audience: .all,
                                                                             dueOn: secretary.today.adding(days: 30).description), context: w.context)
            #expect(try await campaigns.mine(employee).map(\.campaign.id) == [yearly.id])
            #expect(try await MyWork.items(for: employee, services: app.services).contains { $0.titleKey == "work.takeCourse" })

            // Answers are checked before they are scored: every question, only its own choices.
            await #expect {
                _ = try await training.submit(employee, annual.id, answers: ["q1": ["z"]], context: w.context)
            } throws: { error in
                guard case DomainError.invalid(let errors) = error else { return false }
                return errors.first?.code == "error.unknownChoice" && errors.count == annual.questions.count
            }
            // A fail, the explanations, a retake and a pass.
            let failed = try await training.submit(employee, annual.id, answers: Self.answers(annual, right: false), context: w.context)
            #expect(failed.attempt.score == 0 && !failed.attempt.passed && failed.attempt.campaignID == yearly.id && failed.attempt.missed.count == annual.questions.count)
            #expect(try await training.course(employee, annual.id).revealed == true)
            #expect(try await campaigns.mine(employee).first?.state == .todo)
            let passed = try await training.submit(employee, annual.id, answers: Self.answers(annual, right: true), context: w.context)
            #expect(passed.attempt.score == 100 && passed.attempt.passed)
            #expect(try await campaigns.mine(employee).first?.state == .done)
            #expect(try await MyWork.items(for: employee, services: app.services).contains { $0.titleKey == "work.takeCourse" } == false)

            // Someone else's answers stay theirs.
            await #expect(throws: DomainError.forbiddenBecause("error.notYourAttempt")) { _ = try await training.attempt(clerk, failed.attempt.id) }
            await #expect(throws: DomainError.forbidden) { _ = try await training.attempts(clerk, of: w.employee.id) }
            #expect(try await training.attempt(secretary, failed.attempt.id).attempt.score == 0)

            // Completion by department and role; what people got wrong; the officer sees their department.
            var report = try await campaigns.report(secretary, yearly.id)
            #expect(report.assignments.count == 5 && report.done == 1)
            #expect(report.byDepartment.first { $0.key == w.sales.id.description }.map { ($0.done, $0.total) } ?? (0, 0) == (1, 2))
            #expect(report.missed.count == annual.questions.count && report.missed.allSatisfy { $0.missed == 1 && $0.answered == 2 })
            #expect(report.averageScore == 50)
            let limited = try await campaigns.report(officer, yearly.id)
            #expect(Set(limited.assignments.map(\.member.userID)) == [w.employee.id, w.officer.id] && limited.limitedTo == [w.sales.id])
            await #expect(throws: DomainError.forbidden) { _ = try await campaigns.report(employee, yearly.id) }

            // Past the due date the rest are overdue; someone who joins later is assigned at once.
            app.clock.advance(40 * 86_400)
            let newcomer = try await app.user("new@example.co.jp", name: "新入 社員")
            try await app.member(newcomer, in: "acme", roles: [RoleGrantInput(role: .employee)], home: w.sales.id)
            report = try await campaigns.report(try await w.access(w.secretary), yearly.id)
            #expect(report.assignments.count == 6 && report.overdue == 5)
            #expect(try await campaigns.mine(try await w.access(newcomer)).first?.state == .overdue)

            // Exported: the file holds the same as the report.
            let file = try await TrainingFiles(app.services).campaign(try await w.access(w.secretary), yearly.id, format: .csv, language: .ja)
            let text = String(decoding: file.data, as: UTF8.self)
            #expect(text.contains("鈴木 営業") && text.contains("修了") && text.components(separatedBy: "期限超過").count - 1 == 5)
        }
    }

    @Test(arguments: TestEngine.available) func newcomersTheAttemptLimitAndExpiredPasses(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await Self.world(app)
            let training = Training(app.services), campaigns = Campaigns(app.services)
            let secretary = try await w.access(w.secretary)
            let courses = try await training.courses(secretary)
            let newHire = courses[1]
            // Two attempts at most.
            _ = try await training.updateCourse(secretary, newHire.id, CourseInput(attemptsAllowed: "2"), expectedVersion: newHire.version, context: w.context)
            let rule = try await campaigns.create(secretary, CampaignInput(title: "新入社員教育", courseID: newHire.id, audience: .all, joinedWithinDays: .some("7"),
                                                                           startsOn: secretary.today.description, dueDays: "14"), context: w.context)
            // Everyone here joined today, within the 7 days before the rule began.
            #expect(try await campaigns.report(secretary, rule.id).assignments.count == 5)
            app.clock.advance(30 * 86_400)
            let newcomer = try await app.user("new@example.co.jp", name: "新入 社員")
            try await app.member(newcomer, in: "acme", roles: [RoleGrantInput(role: .employee)], home: w.sales.id)
            let mine = try await campaigns.mine(try await w.access(newcomer))
            let access = try await w.access(newcomer)
            #expect(mine.first?.campaign.id == rule.id && mine.first?.dueOn == access.today.adding(days: 14) && mine.first?.state == .todo)
            let course = try await training.course(access, newHire.id).course
            let accessWrites = app.services.store.accessWrites.current
            _ = try await training.submit(access, newHire.id, answers: Self.answers(course, right: false), context: w.context)
            #expect(app.services.store.accessWrites.current == accessWrites, "a submission changes no one's access (caches of who is asking stay)")
            let second = try await training.submit(access, newHire.id, answers: Self.answers(course, right: false), context: w.context)
            #expect(second.attemptsLeft == 0)
            // Taken: it can be closed, not deleted.
            await #expect(throws: DomainError.rule(code: "error.campaignTaken")) {
                try await campaigns.delete(try await w.access(w.secretary), rule.id, expectedVersion: rule.version, context: w.context)
            }
            await #expect(throws: DomainError.rule(code: "error.noAttemptsLeft", params: ["count": "2"])) {
                _ = try await training.submit(access, newHire.id, answers: Self.answers(course, right: true), context: w.context)
            }

            // A re-take campaign for those whose pass (12 months) has expired.
            let annual = courses[0]
            let employee = try await w.access(w.employee)
            _ = try await training.submit(employee, annual.id, answers: Self.answers(annual, right: true), context: w.context)
            app.clock.advance(400 * 86_400)
            let secretaryNow = try await w.access(w.secretary)
            let retake = try await campaigns.create(secretaryNow, CampaignInput(title: "再受講", courseID: annual.id, audience: .all, expiredPassOnly: true,
                                                                                dueOn: secretaryNow.today.adding(days: 30).description), context: w.context)
            var report = try await campaigns.report(secretaryNow, retake.id)
            #expect(report.assignments.map(\.member.userID) == [w.employee.id])
            _ = try await training.submit(try await w.access(w.employee), annual.id, answers: Self.answers(annual, right: true), context: w.context)
            report = try await campaigns.report(secretaryNow, retake.id)
            #expect(report.assignments.map(\.state) == [.done], "passing again keeps the person in the campaign, done")
            // A person's standing at a course, counted by the database, is the one counted from their attempts.
            let zone = secretaryNow.workspace.zone
            let retakeStart = retake.startsOn.start(in: zone), ruleStart = rule.startsOn.start(in: zone)
            let standings = try await app.services.store.read { db in
                var out: [(AttemptStanding, AttemptStanding)] = []
                for (user, course, since) in [(w.employee.id, annual.id, retakeStart), (newcomer.id, newHire.id, ruleStart), (newcomer.id, annual.id, ruleStart),
                                              (w.employee.id, annual.id, ruleStart)] {
                    out.append((try await db.training.attempts.standing(of: user, course: course, since: since, in: secretaryNow.workspaceID),
                                AttemptStanding(try await db.training.attempts.all(of: user, course: course, in: secretaryNow.workspaceID), since: since)))
                }
                return out
            }
            for (counted, read) in standings { #expect(counted == read) }
            let employeeNow = standings[0].0
            #expect(employeeNow.attempts == 1 && employeeNow.bestScore == 100 && employeeNow.firstPassAt != nil && employeeNow.lastPassBefore != nil
                    && employeeNow.lastPassBefore! < retakeStart && employeeNow.firstPassAt! >= retakeStart, "\(employeeNow)")
            #expect(standings[1].0.attempts == 2 && standings[1].0.firstPassAt == nil && standings[1].0.bestScore != nil && standings[1].0.lastPassBefore == nil)
            #expect(standings[2].0 == AttemptStanding(), "no attempt at a course: nothing counted")
            // A person's page (their attempts read once) and the database's count agree for every campaign they are in.
            for person in [newcomer, w.employee] {
                let placed = try await campaigns.mine(try await w.access(person))
                #expect(!placed.isEmpty)
                for place in placed {
                    let counted = try await app.services.store.read { db in
                        try await db.training.attempts.standing(of: person.id, course: place.campaign.courseID, since: place.campaign.startsOn.start(in: zone),
                                                                in: secretaryNow.workspaceID)
                    }
                    #expect((place.attempts, place.bestScore, place.passedAt) == (counted.attempts, counted.bestScore, counted.firstPassAt), "\(place.campaign.title)")
                }
            }
            #expect(standings[3].0.attempts == 2 && standings[3].0.lastPassBefore == nil, "\(standings[3].0)")
            // The hub's totals (counted from each person's latest pass) agree with every campaign's roster.
            app.clock.advance(45 * 86_400)
            let later = try await w.access(w.secretary)
            let summaries = try await campaigns.list(later)
            #expect(summaries.contains { $0.done > 0 } && summaries.contains { $0.overdue > 0 }, "\(summaries.map { ($0.campaign.title, $0.done, $0.total, $0.overdue) })")
            for summary in summaries {
                let full = try await campaigns.report(later, summary.campaign.id)
                #expect((summary.done, summary.total, summary.overdue) == (full.done, full.assignments.count, full.overdue), "\(summary.campaign.title)")
            }
        }
    }

    @Test(arguments: TestEngine.available) func competenceGapsAndTheAuditorsCourse(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await Self.world(app)
            let competences = Competences(app.services)
            let secretary = try await w.access(w.secretary)
            var overview = try await competences.overview(secretary)
            #expect(overview.gaps.map(\.member.userID) == [w.auditor.id])
            #expect(try await competences.missing(secretary, user: w.auditor.id, role: .internalAuditor).count == 1)
            // An external certificate meets it until it expires.
            await #expect {
                _ = try await competences.addRecord(secretary, CompetenceRecordInput(userID: w.auditor.id, name: "", obtainedOn: "2026-13-01", expiresOn: "2020-01-01"),
                                                    context: w.context)
            } throws: { error in
                guard case DomainError.invalid(let errors) = error else { return false }
                return Set(errors.map(\.field)) == ["name", "obtainedOn", "expiresOn"]
            }
            let requirement = overview.requirements[0]
            _ = try await competences.addRecord(secretary, CompetenceRecordInput(userID: w.auditor.id, requirementID: .some(requirement.id), name: "外部の内部監査員研修",
                                                                                 obtainedOn: secretary.today.description,
                                                                                 expiresOn: secretary.today.adding(days: 100).description), context: w.context)
            overview = try await competences.overview(secretary)
            #expect(overview.gaps.isEmpty)
            app.clock.advance(101 * 86_400)
            #expect(try await competences.overview(try await w.access(w.secretary)).gaps.map(\.member.userID) == [w.auditor.id])
            // A pass of the auditor course meets it too.
            let auditorAccess = try await w.access(w.auditor)
            let course = try await Training(app.services).courses(auditorAccess).first { $0.templateKey == "internal-auditor" }!
            _ = try await Training(app.services).submit(auditorAccess, course.id, answers: Self.answers(course, right: true), context: w.context)
            #expect(try await competences.overview(try await w.access(w.secretary)).gaps.isEmpty)
            #expect(try await competences.history(auditorAccess, of: w.auditor.id).attempts.count == 1)
        }
    }

    @Test(arguments: TestEngine.available) func aPhishingDrillFromAToolsFileToAFollowUpCourse(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await Self.world(app)
            let drills = PhishingDrills(app.services)
            let secretary = try await w.access(w.secretary)
            // A GoPhish-style export: a status ladder and extra columns.
            let gophish = """
            id,status,ip,latitude,longitude,send_date,reported,modified_date,email,first_name,last_name,position
            1,Email Sent,,0,0,2026-11-01T09:00:00Z,false,2026-11-01T09:00:00Z,sales1@example.co.jp,,,
            2,Clicked Link,1.2.3.4,0,0,2026-11-01T09:00:00Z,false,2026-11-01T09:10:00Z,soumu1@example.co.jp,,,
            3,Submitted Data,1.2.3.5,0,0,2026-11-01T09:00:00Z,false,2026-11-01T09:12:00Z,sales-lead@example.co.jp,,,
            4,Email Opened,,0,0,2026-11-01T09:00:00Z,true,2026-11-01T09:20:00Z,auditor@example.co.jp,,,
            5,Email Sent,,0,0,2026-11-01T09:00:00Z,false,2026-11-01T09:00:00Z,someone@elsewhere.example,,,
            """
            let dry = try await drills.importFile(secretary, title: "2026年11月 訓練", sentOn: "2026-11-01", data: Data(gophish.utf8), dryRun: true, context: w.context)
            #expect(dry.result.rows.count == 5)
            #expect(try await drills.list(secretary).isEmpty)
            let imported = try await drills.importFile(secretary, title: "2026年11月 訓練", sentOn: "2026-11-01", data: Data(gophish.utf8), dryRun: false, context: w.context)
            let rates = imported.drill.rates
            #expect(rates.sent == 4 && rates.clicked == 2 && rates.submitted == 1 && rates.reported == 1 && imported.drill.unmatched == 1)
            let view = try await drills.view(secretary, imported.drill.id)
            #expect(view.byDepartment.first { $0.departmentID == w.sales.id }?.rates.clickRate == 50)

            // Our template in Japanese; a bad flag is refused naming the row.
            let ours = "メールアドレス,開封,クリック,情報入力,報告\nsales1@example.co.jp,はい,はい,いいえ,いいえ\nsoumu1@example.co.jp,1,0,0,たぶん\n"
            await #expect(throws: DomainError.invalid([FieldError(field: "reported", code: "error.flagValue", params: ["value": "たぶん"], row: 3)])) {
                _ = try await drills.importFile(secretary, title: "12月", sentOn: "2026-12-01", data: Data(ours.utf8), dryRun: false, context: w.context)
            }
            let second = try await drills.importFile(secretary, title: "12月", sentOn: "2026-12-01", data: Data(ours.replacingOccurrences(of: "たぶん", with: "1").utf8),
                                                     dryRun: false, context: w.context)
            #expect(try await drills.view(secretary, second.drill.id).trend.map(\.rates.clickRate) == [50, 50])

            // The people who clicked get the follow-up course in one action.
            let course = try await Training(app.services).courses(secretary)[0]
            let campaign = try await drills.followUp(secretary, imported.drill.id, course: course.id, dueOn: nil, context: w.context)
            #expect(Set(campaign.audience.memberIDs) == [w.clerk.id, w.officer.id])
            #expect(try await Campaigns(app.services).mine(try await w.access(w.clerk)).map(\.campaign.id) == [campaign.id])
            await #expect(throws: DomainError.rule(code: "error.followUpExists")) {
                _ = try await drills.followUp(secretary, imported.drill.id, course: course.id, dueOn: nil, context: w.context)
            }
            // Another workspace sees nothing of it.
            await #expect(throws: DomainError.notFound(entity: "phishing_drill")) { _ = try await drills.view(try await app.operatorAccess("other"), imported.drill.id) }
        }
    }
}
