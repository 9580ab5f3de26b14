import Domain
import Features
import Foundation
import Vapor

/// `/api/v1/workspaces/{slug}/courses`, `attempts`, `campaigns`, `assignments`, `competences`,
/// `phishing-drills`: training and awareness. Answers are scored on the server; a course's answer
/// key is never in an answer before the caller has submitted an attempt.
struct TrainingAPI {
    let registry: APIRegistry

    static var w: [PathComponent] { ["api", "v1", "workspaces", ":slug"] }

    func register(_ routes: any RoutesBuilder) {
        func op(_ id: String, _ summary: String, parameters: [APIOperation.Parameter] = [], body: String? = nil, media: String = "application/json",
                _ responses: [(Int, String, String?, Bool)]) -> APIOperation {
            .init(id: id, summary: summary, tag: "Training", parameters: parameters, body: body.map { ($0, media) }, responses: responses)
        }
        courses.register(routes, registry: registry)
        routes.api(.POST, Self.w + ["attempts"], access: .workspace(.workspaceRead), registry: registry,
                   operation: op("submitAttempt", "Submit answers to a course's quiz: scored on the server; the answer is the score, pass and the explanations",
                                 body: "AttemptCreate", [(201, "Scored", "AttemptResult", false)]), use: submit)
        routes.api(.GET, Self.w + ["attempts"], access: .workspace(.workspaceRead), registry: registry,
                   operation: op("listAttempts", "Attempts: the caller's own, or (for those who see training records) a person's",
                                 parameters: [Parameters.query("userId", "Whose (default: the caller)", schema: .string(format: "uuid")),
                                              Parameters.query("courseId", "Only this course's", schema: .string(format: "uuid"))],
                                 [(200, "The attempts, newest first", "AttemptList", false)]), use: attempts)
        routes.api(.GET, Self.w + ["attempts", ":attemptId"], access: .workspace(.workspaceRead), registry: registry,
                   operation: op("getAttempt", "One attempt with the explanations (one's own, or anyone's for those who see training records)",
                                 [(200, "The attempt", "AttemptResult", false)]), use: attempt)
        campaigns.register(routes, registry: registry)
        routes.api(.GET, Self.w + ["campaigns", ":campaignId", "completion"], access: .workspace(.trainingRead), registry: registry,
                   operation: op("campaignCompletion", "Who has and has not passed, by department and role, and the questions most often missed",
                                 [(200, "The completion", "CampaignCompletion", false)]), use: completion)
        routes.api(.GET, Self.w + ["campaigns", ":campaignId", "export"], access: .workspace(.trainingRead), registry: registry,
                   operation: op("exportCampaign", "The completion as CSV or Excel", parameters: TableDownloads.parameters, [(200, "The file", "Table", false)]),
                   use: exportCampaign)
        for (name, status) in [("close", Campaign.Status.closed), ("reopen", .open)] {
            routes.api(.POST, Self.w + ["campaigns", ":campaignId", PathComponent(stringLiteral: name)], access: .workspace(.trainingManage), registry: registry,
                       operation: op("\(name)Campaign", name == "close" ? "Close a campaign: it is asked of nobody any more" : "Reopen a closed campaign",
                                     [(200, "Done", "Campaign", true)])) { req in try await self.setStatus(req, status) }
        }
        routes.api(.GET, Self.w + ["assignments"], access: .workspace(.workspaceRead), registry: registry,
                   operation: op("listAssignments", "Courses assigned: the caller's (mine=true, the default for people who see no training records), or one campaign's",
                                 parameters: [Parameters.query("mine", "true: the caller's own", schema: ["type": "boolean"]),
                                              Parameters.query("campaignId", "One campaign's (for those who see training records)", schema: .string(format: "uuid"))],
                                 [(200, "The assignments", "AssignmentList", false)]), use: assignments)
        routes.api(.GET, Self.w + ["competences"], access: .workspace(.trainingRead), registry: registry,
                   operation: op("listCompetences", "Competences required per role, records per person, and who holds a role without what it needs",
                                 [(200, "The competences", "Competences", false)]), use: competences)
        routes.api(.POST, Self.w + ["competences", "requirements"], access: .workspace(.trainingManage), registry: registry,
                   operation: op("createRequirement", "Require a competence of a role", body: "RequirementWrite", [(201, "Created", "CompetenceRequirement", true)]),
                   use: createRequirement)
        routes.api(.PATCH, Self.w + ["competences", "requirements", ":requirementId"], access: .workspace(.trainingManage), registry: registry,
                   operation: op("updateRequirement", "Change a competence requirement", parameters: [Query.ifMatch], body: "RequirementWrite",
                                 [(200, "Updated", "CompetenceRequirement", true), (409, "Changed since your GET", "Problem", false),
                                                                (428, "If-Match is missing", "Problem", false)]), use: updateRequirement)
        routes.api(.DELETE, Self.w + ["competences", "requirements", ":requirementId"], access: .workspace(.trainingManage), registry: registry,
                   operation: op("deleteRequirement", "Delete a competence requirement (records that met it stay)", parameters: [Query.ifMatchOptional],
                                 [(204, "Deleted", nil, false), (409, "Changed since your GET", "Problem", false)]), use: deleteRequirement)
        routes.api(.POST, Self.w + ["competences", "records"], access: .workspace(.trainingManage), registry: registry,
                   operation: op("createCompetenceRecord", "Record a person's competence (certificate, course elsewhere) with its evidence and expiry",
                                 body: "CompetenceRecordWrite", [(201, "Created", "CompetenceRecord", true)]), use: createRecord)
        routes.api(.PATCH, Self.w + ["competences", "records", ":recordId"], access: .workspace(.trainingManage), registry: registry,
                   operation: op("updateCompetenceRecord", "Change a competence record", parameters: [Query.ifMatch], body: "CompetenceRecordWrite",
                                 [(200, "Updated", "CompetenceRecord", true), (409, "Changed since your GET", "Problem", false),
                                                                (428, "If-Match is missing", "Problem", false)]), use: updateRecord)
        routes.api(.DELETE, Self.w + ["competences", "records", ":recordId"], access: .workspace(.trainingManage), registry: registry,
                   operation: op("deleteCompetenceRecord", "Delete a competence record", parameters: [Query.ifMatchOptional],
                                 [(204, "Deleted", nil, false), (409, "Changed since your GET", "Problem", false)]),
                   use: deleteRecord)
        routes.api(.GET, Self.w + ["phishing-drills"], access: .workspace(.trainingRead), registry: registry,
                   operation: op("listPhishingDrills", "The phishing drills with their rates", [(200, "The drills", "PhishingDrillList", false)]), use: drills)
        routes.api(.POST, Self.w + ["phishing-drills"], access: .workspace(.trainingManage), registry: registry,
                   operation: op("importPhishingDrill", "Import a drill's results (CSV or Excel: e-mail, sent, opened, clicked, submitted, reported; or a tool's status column)",
                                 parameters: [Parameters.query("title", "The drill's name", schema: .string()),
                                              Parameters.query("sentOn", "The day the mails went out", schema: .string(format: "date")),
                                              Parameters.query("dryRun", "true: check every row and report, write nothing", schema: ["type": "boolean"])],
                                 body: "", media: "text/csv", [(201, "Imported", "ImportReport", false), (200, "What would be imported", "ImportReport", false)]),
                   body: .collect(maxSize: "25mb"), use: importDrill)
        routes.api(.GET, Self.w + ["phishing-drills", ":drillId"], access: .workspace(.trainingRead), registry: registry,
                   operation: op("getPhishingDrill", "One drill: rates per department and who clicked", [(200, "The drill", "PhishingDrillDetail", false)]), use: drill)
        routes.api(.DELETE, Self.w + ["phishing-drills", ":drillId"], access: .workspace(.trainingManage), registry: registry,
                   operation: op("deletePhishingDrill", "Delete a drill's results", parameters: [Query.ifMatchOptional], [(204, "Deleted", nil, false), (409, "Changed since your GET", "Problem", false)]),
                   use: deleteDrill)
        routes.api(.POST, Self.w + ["phishing-drills", ":drillId", "follow-up"], access: .workspace(.trainingManage), registry: registry,
                   operation: op("followUpPhishingDrill", "Assign a course to everyone who clicked: one campaign", body: "FollowUpCreate",
                                 [(201, "The campaign", "Campaign", true)]), use: followUp)
    }

    // MARK: Courses

    var courses: CRUDRoutes<Course, CourseView, CourseRequest> {
        CRUDRoutes(base: Self.w + ["courses"], idParameter: "courseId", tag: "Training", singular: "Course", plural: "Courses",
                   item: TrainingShapes.course, shape: TrainingShapes.detail, read: .workspaceRead, manage: .trainingManage,
                   createSchema: "CourseWrite", patchSchema: "CourseWrite",
                   summaries: ["listCourses": "The courses (archived ones only for those who keep them)",
                               "getCourse": "A course with its material and quiz; which choice is right only after the caller has submitted an attempt",
                               "deleteCourse": "Delete a course nobody has taken and no campaign uses"],
                   listParameters: [],
                   version: { $0.course.version }, identity: { $0.course.id.description },
                   list: { req, access in Page(items: try await Training(req.meguri).courses(access), nextCursor: nil) },
                   create: { req, access, body in
                       let course = try await Training(req.meguri).createCourse(access, try body.input(), context: try req.context())
                       return try await Training(req.meguri).course(access, course.id)
                   },
                   get: { req, access in try await Training(req.meguri).course(access, try Self.courseID(req)) },
                   update: { req, access, body, version in
                       let id = try Self.courseID(req)
                       // The course is found (or not) before the body is judged.
                       _ = try await Training(req.meguri).course(access, id)
                       _ = try await Training(req.meguri).updateCourse(access, id, try body.input(), expectedVersion: version, context: try req.context())
                       return try await Training(req.meguri).course(access, id)
                   },
                   delete: { req, access, version in
                       try await Training(req.meguri).deleteCourse(access, try Self.courseID(req), expectedVersion: version, context: try req.context())
                   })
    }

    static func courseID(_ req: Request) throws -> Course.ID { try req.id("courseId", Course.ID.self, entity: "course") }

    struct CourseRequest: Content {
        struct Choice: Codable { var id: String?; var text: Bilingual?; var correct: Bool? }
        struct Question: Codable { var id, kind: String?; var text, explanation: Bilingual?; var choices: [Choice]? }
        var title, summary: Bilingual?
        var passingScore, attemptsAllowed, estimatedMinutes, validityMonths: Int?
        var references: [String]?
        var links: [Course.Link]?
        var sections: [Course.Section]?
        var questions: [Question]?
        var isArchived: Bool?
        /// Members of the wrong shape, reported by `input()` (after the course is found) naming each.
        var malformed: [String] = []

        enum CodingKeys: String, CodingKey {
            case title, summary, passingScore, attemptsAllowed, estimatedMinutes, validityMonths, references, links, sections, questions, isArchived
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            func lenient<T: Decodable>(_ key: CodingKeys) -> T? {
                do { return try c.decodeIfPresent(T.self, forKey: key) } catch { malformed.append(key.stringValue); return nil }
            }
            title = lenient(.title); summary = lenient(.summary); passingScore = lenient(.passingScore); attemptsAllowed = lenient(.attemptsAllowed)
            estimatedMinutes = lenient(.estimatedMinutes); validityMonths = lenient(.validityMonths); references = lenient(.references); links = lenient(.links)
            sections = lenient(.sections); questions = lenient(.questions); isArchived = lenient(.isArchived)
        }

        func encode(to encoder: any Encoder) throws {}

        func input() throws -> CourseInput {
            if !malformed.isEmpty { throw DomainError.invalid(malformed.map { FieldError(field: $0, code: "error.format") }) }
            return CourseInput(titleJa: title?.ja, titleEn: title?.en, summaryJa: summary?.ja, summaryEn: summary?.en, passingScore: passingScore.map(String.init),
                        attemptsAllowed: attemptsAllowed.map(String.init), estimatedMinutes: estimatedMinutes.map(String.init),
                        validityMonths: validityMonths.map(String.init), references: references?.joined(separator: ","),
                        links: links?.map { "\($0.title) | \($0.url)" }.joined(separator: "\n"),
                        sections: sections?.map { .init(titleJa: $0.title.ja, titleEn: $0.title.en, bodyJa: $0.body.ja, bodyEn: $0.body.en) },
                        questions: questions?.map { q in
                            .init(id: q.id, kind: q.kind, textJa: q.text?.ja, textEn: q.text?.en, explanationJa: q.explanation?.ja, explanationEn: q.explanation?.en,
                                  choices: (q.choices ?? []).map { .init(id: $0.id, textJa: $0.text?.ja, textEn: $0.text?.en, correct: $0.correct ?? false) })
                        },
                        isArchived: isArchived)
        }
    }

    // MARK: Attempts

    struct AttemptBody: Content {
        var courseId: String?
        var answers: [String: [String]]?
    }

    @Sendable func submit(_ req: Request) async throws -> Response {
        let access = try req.access()
        let body = try req.content.decode(AttemptBody.self)
        guard let raw = body.courseId else { throw DomainError.invalid(field: "courseId", code: "error.required") }
        guard let id = Course.ID(raw) else { throw DomainError.invalid(field: "courseId", code: "error.format") }
        let result = try await Training(req.meguri).submit(access, id, answers: body.answers ?? [:], context: try req.context())
        return try await json(TrainingShapes.result.resource(result), status: .created, location: req.url.path + "/\(result.attempt.id)", for: req)
    }

    @Sendable func attempts(_ req: Request) async throws -> JSONBody<ListResource<ShapedResource<Attempt>>> {
        let access = try req.access()
        let user = try CheckActAPI.optionalID(req, "userId", User.ID.self) ?? access.user.id
        let course = try CheckActAPI.optionalID(req, "courseId", Course.ID.self)
        return JSONBody(value: TrainingShapes.attempt.list(try await Training(req.meguri).attempts(access, of: user, course: course)))
    }

    @Sendable func attempt(_ req: Request) async throws -> JSONBody<ShapedResource<AttemptResult>> {
        let id = try req.id("attemptId", Attempt.ID.self, entity: "attempt")
        return JSONBody(value: TrainingShapes.result.resource(try await Training(req.meguri).attempt(try req.access(), id)))
    }

    // MARK: Campaigns

    var campaigns: CRUDRoutes<CampaignSummary, Campaign, CampaignRequest> {
        CRUDRoutes(base: Self.w + ["campaigns"], idParameter: "campaignId", tag: "Training", singular: "Campaign", plural: "Campaigns",
                   item: TrainingShapes.summary, shape: TrainingShapes.campaign, read: .trainingRead, manage: .trainingManage,
                   createSchema: "CampaignWrite", patchSchema: "CampaignWrite",
                   summaries: ["listCampaigns": "The campaigns, newest first, with done, total and overdue",
                               "createCampaign": "Assign a course to an audience with a due date (people who join later get it too)",
                               "deleteCampaign": "Delete a campaign nobody has taken the course for yet"],
                   listParameters: [],
                   version: { $0.version }, identity: { $0.id.description },
                   list: { req, access in Page(items: try await Campaigns(req.meguri).list(access), nextCursor: nil) },
                   create: { req, access, body in try await Campaigns(req.meguri).create(access, try body.input(), context: try req.context()) },
                   get: { req, access in try await Campaigns(req.meguri).load(access, try Self.campaignID(req)) },
                   update: { req, access, body, version in
                       try await Campaigns(req.meguri).update(access, try Self.campaignID(req), try body.input(), expectedVersion: version, context: try req.context())
                   },
                   delete: { req, access, version in
                       try await Campaigns(req.meguri).delete(access, try Self.campaignID(req), expectedVersion: version, context: try req.context())
                   })
    }

    static func campaignID(_ req: Request) throws -> Campaign.ID { try req.id("campaignId", Campaign.ID.self, entity: "campaign") }

    struct CampaignRequest: Content {
        var title, courseId, startsOn: String?
        var audience: DocumentAPI.AudienceBody?
        var expiredPassOnly: Bool?
        var joined: Patch<Int>
        var due: Patch<String>
        var days: Patch<Int>
        enum CodingKeys: String, CodingKey { case title, courseId, startsOn, audience, expiredPassOnly, joinedWithinDays, dueOn, dueDays }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            title = try c.decodeIfPresent(String.self, forKey: .title); courseId = try c.decodeIfPresent(String.self, forKey: .courseId)
            startsOn = try c.decodeIfPresent(String.self, forKey: .startsOn); audience = try c.decodeIfPresent(DocumentAPI.AudienceBody.self, forKey: .audience)
            expiredPassOnly = try c.decodeIfPresent(Bool.self, forKey: .expiredPassOnly)
            joined = try .decode(c, .joinedWithinDays); due = try .decode(c, .dueOn); days = try .decode(c, .dueDays)
        }
        func encode(to encoder: any Encoder) throws {}
        func input() throws -> CampaignInput {
            var v = Validator()
            var course: Course.ID? = nil
            if let raw = courseId { if let id = Course.ID(raw) { course = id } else { v.add("courseId", "error.format") } }
            let joinedText: String?? = { switch joined { case .absent: return nil; case .null: return .some(nil); case .value(let n): return .some(String(n)) } }()
            let daysText: String? = { switch days { case .absent: return nil; case .null: return ""; case .value(let n): return String(n) } }()
            try v.check()
            return CampaignInput(title: title, courseID: course, audience: try audience?.audience(), joinedWithinDays: joinedText, expiredPassOnly: expiredPassOnly,
                                 startsOn: startsOn, dueOn: due.text, dueDays: daysText)
        }
    }

    func setStatus(_ req: Request, _ status: Campaign.Status) async throws -> Response {
        let campaign = try await Campaigns(req.meguri).setStatus(try req.access(), try Self.campaignID(req), status, expectedVersion: nil, context: try req.context())
        return try await json(TrainingShapes.campaign.resource(campaign), etag: campaign.version, for: req)
    }

    @Sendable func completion(_ req: Request) async throws -> CachedJSONBody {
        let (campaigns, access, id) = (Campaigns(req.meguri), try req.access(), try Self.campaignID(req))
        return try await CachedJSONBody(req, key: "campaign-completion|" + campaigns.reportKey(access, id)) {
            TrainingShapes.report.resource(try await campaigns.report(access, id))
        }
    }

    @Sendable func exportCampaign(_ req: Request) async throws -> Response {
        let format = try Exporting.format(req)
        let file = try await TrainingFiles(req.meguri).campaign(try req.access(), try Self.campaignID(req), format: format, language: Exporting.language(req),
                                                               encoding: try Exporting.encoding(req))
        return Exporting.file(file.data, name: file.name, format: format)
    }

    @Sendable func assignments(_ req: Request) async throws -> JSONBody<ListResource<ShapedResource<Assignment>>> {
        let access = try req.access()
        let mine = try req.queryValue("mine").map { try parseBool($0, field: "mine") }
        if let campaign = try CheckActAPI.optionalID(req, "campaignId", Campaign.ID.self), mine != true {
            return JSONBody(value: TrainingShapes.assignment.list(try await Campaigns(req.meguri).report(access, campaign).assignments))
        }
        if mine == false { throw DomainError.invalid(field: "campaignId", code: "error.required") }
        return JSONBody(value: TrainingShapes.assignment.list(try await Campaigns(req.meguri).mine(access)))
    }

    // MARK: Competences

    @Sendable func competences(_ req: Request) async throws -> JSONBody<ShapedResource<CompetenceOverview>> {
        JSONBody(value: TrainingShapes.overview.resource(try await Competences(req.meguri).overview(try req.access())))
    }

    struct RequirementRequest: Content {
        var role, name: String?
        var description: Patch<String>
        var courseId: Patch<String>
        enum CodingKeys: String, CodingKey { case role, name, description, courseId }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            role = try c.decodeIfPresent(String.self, forKey: .role); name = try c.decodeIfPresent(String.self, forKey: .name)
            description = try .decode(c, .description); courseId = try .decode(c, .courseId)
        }
        func encode(to encoder: any Encoder) throws {}
        func input() throws -> RequirementInput {
            var v = Validator()
            let course = courseId.id(Course.ID.self, field: "courseId", into: &v)
            try v.check()
            return RequirementInput(role: role, name: name, description: description.text, courseID: course)
        }
    }

    static func requirementID(_ req: Request) throws -> CompetenceRequirement.ID {
        try req.id("requirementId", CompetenceRequirement.ID.self, entity: "competence_requirement")
    }

    @Sendable func createRequirement(_ req: Request) async throws -> Response {
        let created = try await Competences(req.meguri).createRequirement(try req.access(), try req.content.decode(RequirementRequest.self).input(), context: try req.context())
        return try await json(TrainingShapes.requirement.resource(created), status: .created, etag: created.version, location: req.url.path + "/\(created.id)", for: req)
    }

    @Sendable func updateRequirement(_ req: Request) async throws -> Response {
        let updated = try await Competences(req.meguri).updateRequirement(try req.access(), try Self.requirementID(req), try req.content.decode(RequirementRequest.self).input(),
                                                                          expectedVersion: try req.ifMatchVersion(), context: try req.context())
        return try await json(TrainingShapes.requirement.resource(updated), etag: updated.version, for: req)
    }

    @Sendable func deleteRequirement(_ req: Request) async throws -> HTTPStatus {
        let expected = req.headers.first(name: .ifMatch) == nil ? nil : try req.ifMatchVersion()
        try await Competences(req.meguri).deleteRequirement(try req.access(), try Self.requirementID(req), expectedVersion: expected, context: try req.context())
        return .noContent
    }

    struct RecordRequest: Content {
        var userId, name, obtainedOn: String?
        var requirementId, expiresOn, note, evidenceId: Patch<String>
        enum CodingKeys: String, CodingKey { case userId, name, obtainedOn, requirementId, expiresOn, note, evidenceId }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            userId = try c.decodeIfPresent(String.self, forKey: .userId); name = try c.decodeIfPresent(String.self, forKey: .name)
            obtainedOn = try c.decodeIfPresent(String.self, forKey: .obtainedOn); requirementId = try .decode(c, .requirementId)
            expiresOn = try .decode(c, .expiresOn); note = try .decode(c, .note); evidenceId = try .decode(c, .evidenceId)
        }
        func encode(to encoder: any Encoder) throws {}
        func input() throws -> CompetenceRecordInput {
            var v = Validator()
            var user: User.ID? = nil
            if let raw = userId { if let id = User.ID(raw) { user = id } else { v.add("userId", "error.format") } }
            let requirement = requirementId.id(CompetenceRequirement.ID.self, field: "requirementId", into: &v)
            let evidence = evidenceId.id(Evidence.ID.self, field: "evidenceId", into: &v)
            try v.check()
            return CompetenceRecordInput(userID: user, requirementID: requirement, name: name, obtainedOn: obtainedOn, expiresOn: expiresOn.text, note: note.text,
                                         evidenceID: evidence)
        }
    }

    static func recordID(_ req: Request) throws -> CompetenceRecord.ID { try req.id("recordId", CompetenceRecord.ID.self, entity: "competence_record") }

    @Sendable func createRecord(_ req: Request) async throws -> Response {
        let created = try await Competences(req.meguri).addRecord(try req.access(), try req.content.decode(RecordRequest.self).input(), context: try req.context())
        return try await json(TrainingShapes.record.resource(created), status: .created, etag: created.version, location: req.url.path + "/\(created.id)", for: req)
    }

    @Sendable func updateRecord(_ req: Request) async throws -> Response {
        let updated = try await Competences(req.meguri).updateRecord(try req.access(), try Self.recordID(req), try req.content.decode(RecordRequest.self).input(),
                                                                     expectedVersion: try req.ifMatchVersion(), context: try req.context())
        return try await json(TrainingShapes.record.resource(updated), etag: updated.version, for: req)
    }

    @Sendable func deleteRecord(_ req: Request) async throws -> HTTPStatus {
        let expected = req.headers.first(name: .ifMatch) == nil ? nil : try req.ifMatchVersion()
        try await Competences(req.meguri).deleteRecord(try req.access(), try Self.recordID(req), expectedVersion: expected, context: try req.context())
        return .noContent
    }

    // MARK: Phishing drills

    static func drillID(_ req: Request) throws -> PhishingDrill.ID { try req.id("drillId", PhishingDrill.ID.self, entity: "phishing_drill") }

    @Sendable func drills(_ req: Request) async throws -> JSONBody<ListResource<ShapedResource<PhishingDrill>>> {
        JSONBody(value: TrainingShapes.drill.list(try await PhishingDrills(req.meguri).list(try req.access())))
    }

    @Sendable func drill(_ req: Request) async throws -> JSONBody<ShapedResource<DrillView>> {
        JSONBody(value: TrainingShapes.drillDetail.resource(try await PhishingDrills(req.meguri).view(try req.access(), try Self.drillID(req))))
    }

    @Sendable func importDrill(_ req: Request) async throws -> Response {
        let access = try req.access()
        let dryRun = try parseBool(req.queryValue("dryRun"), field: "dryRun")
        let data = req.body.data.map { Data(buffer: $0) } ?? Data()
        let outcome = try await PhishingDrills(req.meguri).importFile(access, title: req.queryValue("title"), sentOn: req.queryValue("sentOn"),
                                                                      data: data, dryRun: dryRun, context: try req.context())
        let report = ImportReportResource(dryRun: outcome.result.dryRun, rows: outcome.result.rows.map {
            .init(row: $0.number, record: $0.label + ($0.notes.isEmpty ? "" : " (\($0.notes.joined(separator: ", ")))"), outcome: $0.outcome.rawValue)
        })
        return try await json(report, status: dryRun ? .ok : .created,
                              location: dryRun ? nil : req.url.path + "/\(outcome.drill.id)", for: req)
    }

    @Sendable func deleteDrill(_ req: Request) async throws -> HTTPStatus {
        let expected = req.headers.first(name: .ifMatch) == nil ? nil : try req.ifMatchVersion()
        try await PhishingDrills(req.meguri).delete(try req.access(), try Self.drillID(req), expectedVersion: expected, context: try req.context())
        return .noContent
    }

    struct FollowUpBody: Content { var courseId, dueOn, title: String? }

    @Sendable func followUp(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try Self.drillID(req)
        let body = try req.content.decode(FollowUpBody.self)
        // The drill is found (or not) before the body is judged.
        _ = try await PhishingDrills(req.meguri).view(access, id)
        guard let raw = body.courseId else { throw DomainError.invalid(field: "courseId", code: "error.required") }
        guard let course = Course.ID(raw) else { throw DomainError.invalid(field: "courseId", code: "error.format") }
        let campaign = try await PhishingDrills(req.meguri).followUp(access, id, course: course, dueOn: body.dueOn, title: body.title, context: try req.context())
        return try await json(TrainingShapes.campaign.resource(campaign), status: .created, etag: campaign.version,
                              location: "/api/v1/workspaces/\(access.workspace.slug)/campaigns/\(campaign.id)", for: req)
    }
}
