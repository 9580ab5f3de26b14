import Domain
import Foundation
import Storage

/// What a person types about a course. `nil` leaves a field unchanged; `sections` and `questions`,
/// when given, replace the whole list (blank rows are left out).
public struct CourseInput: Sendable {
    public struct SectionInput: Sendable {
        public var titleJa, titleEn, bodyJa, bodyEn: String?
        public init(titleJa: String? = nil, titleEn: String? = nil, bodyJa: String? = nil, bodyEn: String? = nil) {
            self.titleJa = titleJa; self.titleEn = titleEn; self.bodyJa = bodyJa; self.bodyEn = bodyEn
        }
        var isBlank: Bool { [titleJa, titleEn, bodyJa, bodyEn].allSatisfy { Text.nonBlank($0) == nil } }
    }
    public struct ChoiceInput: Sendable {
        public var id: String?
        public var textJa, textEn: String?
        public var correct: Bool
        public init(id: String? = nil, textJa: String? = nil, textEn: String? = nil, correct: Bool = false) {
            self.id = id; self.textJa = textJa; self.textEn = textEn; self.correct = correct
        }
        var isBlank: Bool { Text.nonBlank(textJa) == nil && Text.nonBlank(textEn) == nil }
    }
    public struct QuestionInput: Sendable {
        public var id: String?
        public var kind: String?
        public var textJa, textEn, explanationJa, explanationEn: String?
        public var choices: [ChoiceInput]
        public init(id: String? = nil, kind: String? = nil, textJa: String? = nil, textEn: String? = nil, explanationJa: String? = nil, explanationEn: String? = nil,
                    choices: [ChoiceInput] = []) {
            self.id = id; self.kind = kind; self.textJa = textJa; self.textEn = textEn; self.explanationJa = explanationJa; self.explanationEn = explanationEn
            self.choices = choices
        }
        var isBlank: Bool { Text.nonBlank(textJa) == nil && Text.nonBlank(textEn) == nil && choices.allSatisfy(\.isBlank) }
    }

    public var titleJa, titleEn, summaryJa, summaryEn, passingScore, attemptsAllowed, estimatedMinutes, validityMonths, references, links: String?
    public var sections: [SectionInput]?
    public var questions: [QuestionInput]?
    public var isArchived: Bool?

    public init(titleJa: String? = nil, titleEn: String? = nil, summaryJa: String? = nil, summaryEn: String? = nil, passingScore: String? = nil,
                attemptsAllowed: String? = nil, estimatedMinutes: String? = nil, validityMonths: String? = nil, references: String? = nil, links: String? = nil,
                sections: [SectionInput]? = nil, questions: [QuestionInput]? = nil, isArchived: Bool? = nil) {
        self.titleJa = titleJa; self.titleEn = titleEn; self.summaryJa = summaryJa; self.summaryEn = summaryEn; self.passingScore = passingScore
        self.attemptsAllowed = attemptsAllowed; self.estimatedMinutes = estimatedMinutes; self.validityMonths = validityMonths; self.references = references
        self.links = links; self.sections = sections; self.questions = questions; self.isArchived = isArchived
    }
}

/// A course as a person sees it: whether they may see the answer key, and their own attempts.
public struct CourseView: Sendable {
    public var course: Course
    /// The answer key and the explanations: for those who keep courses, and for a person who has submitted an attempt.
    public var revealed: Bool
    public var attempts: [Attempt]
    public var files: [Evidence]
}

/// A submitted attempt with the course it was scored against.
public struct AttemptResult: Sendable {
    public var attempt: Attempt
    public var course: Course
    /// Attempts left in the campaign it counts for (nil: no limit).
    public var attemptsLeft: Int?
}

/// Courses and their quizzes (7.2, 7.3, A.6.3). Answers are scored here, never in the page.
public struct Training: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    // MARK: Ready-made courses

    /// Copies our ready-made courses (and the internal auditor's competence) into a new workspace.
    static func seed(_ workspace: Workspace.ID, tx: Writer, services: AppServices, context: Context, now: Date) async throws {
        guard try await tx.training.courses.count(in: workspace) == 0 else { return }
        var auditorCourse: Course.ID?
        for template in services.courseTemplates {
            let number = try await tx.sequences.next(Numbering.course, in: workspace)
            let course = try await tx.create(tx.training.courses, template.course(workspace: workspace, number: number, now: now), context: context, at: now)
            if template.audience == .internalAuditors { auditorCourse = course.id }
        }
        if let auditorCourse, try await tx.training.requirements.count(in: workspace) == 0 {
            let requirement = CompetenceRequirement(workspaceID: workspace, role: .internalAuditor, name: "内部監査員の力量 / Internal auditor competence",
                                                    description: "内部監査員研修の合格、または外部の監査員研修の修了 / A pass of the internal auditor course, or an external auditor training",
                                                    courseID: auditorCourse, createdAt: now, updatedAt: now)
            try await tx.create(tx.training.requirements, requirement, context: context, at: now)
        }
    }

    /// Adds the ready-made courses to a workspace made before training existed (on its first visit).
    public static func ensure(_ access: WorkspaceAccess, services: AppServices, context: Context) async throws {
        let workspace = access.workspaceID
        guard try await services.store.read({ try await $0.training.courses.count(in: workspace) }) == 0 else { return }
        let now = services.now
        try await services.store.write { tx in try await seed(workspace, tx: tx, services: services, context: context, now: now) }
    }

    // MARK: Courses

    /// The courses: all of them for those who keep them, the ones in use for everyone else.
    public func courses(_ access: WorkspaceAccess) async throws -> [Course] {
        let all = try await services.store.read { try await $0.training.courses.all(in: access.workspaceID) }
        return access.allows(.trainingManage) ? all : all.filter { !$0.isArchived }
    }

    public func course(_ access: WorkspaceAccess, _ id: Course.ID) async throws -> CourseView {
        try await services.store.read { db in
            guard let course = try await db.training.courses.load(id, in: access.workspaceID),
                  !course.isArchived || access.allows(.trainingRead) else { throw DomainError.notFound(entity: "course") }
            let attempts = try await db.training.attempts.all(of: access.user.id, course: id, in: access.workspaceID)
            let files = try await course.fileIDs.asyncCompactMap { try await db.evidence.load($0, in: access.workspaceID) }
            return CourseView(course: course, revealed: access.allows(.trainingManage) || !attempts.isEmpty, attempts: attempts, files: files)
        }
    }

    func apply(_ input: CourseInput, to course: inout Course, access: WorkspaceAccess, tx: Writer) async throws {
        var v = Validator()
        func text(_ raw: String?, _ field: String, max: Int) -> String? { v.optional(raw, field, maxLength: max) }
        if input.titleJa != nil || input.titleEn != nil {
            course.title = Bilingual(ja: text(input.titleJa, "titleJa", max: 200) ?? "", en: text(input.titleEn, "titleEn", max: 200) ?? "")
        }
        if input.summaryJa != nil || input.summaryEn != nil {
            course.summary = Bilingual(ja: text(input.summaryJa, "summaryJa", max: 2000) ?? "", en: text(input.summaryEn, "summaryEn", max: 2000) ?? "")
        }
        func number(_ raw: String?, _ field: String, _ range: ClosedRange<Int>, into value: inout Int) {
            guard let raw, let text = Text.nonBlank(raw) else { return }
            if let n = Int(Text.halfWidth(text)), range.contains(n) { value = n } else {
                v.add(field, "error.range", ["min": String(range.lowerBound), "max": String(range.upperBound)])
            }
        }
        number(input.passingScore, "passingScore", 1...100, into: &course.passingScore)
        number(input.attemptsAllowed, "attemptsAllowed", 0...20, into: &course.attemptsAllowed)
        number(input.estimatedMinutes, "estimatedMinutes", 1...600, into: &course.estimatedMinutes)
        number(input.validityMonths, "validityMonths", 0...120, into: &course.validityMonths)
        if let raw = input.references {
            course.references = try await Requirement.resolveList(raw, field: "references", catalog: services.catalog, workspace: access.workspaceID, tx: tx, into: &v)
        }
        if let raw = input.links {
            var links: [Course.Link] = []
            for line in raw.split(whereSeparator: \.isNewline).map(String.init) where Text.nonBlank(line) != nil {
                // "Title | https://…", or just the address.
                let parts = line.split(separator: "|", maxSplits: 1).map { Text.trimmed(String($0)) }
                let url = parts.last ?? ""
                guard let safe = Markdown.safeURL(url), safe.lowercased().hasPrefix("http") else { v.add("links", "error.url", ["value": url]); continue }
                links.append(Course.Link(title: parts.count == 2 && !parts[0].isEmpty ? parts[0] : safe, url: safe))
            }
            course.links = links
        }
        if let sections = input.sections {
            course.sections = sections.filter { !$0.isBlank }.map { s in
                Course.Section(title: Bilingual(ja: text(s.titleJa, "sections", max: 200) ?? "", en: text(s.titleEn, "sections", max: 200) ?? ""),
                               body: Bilingual(ja: text(s.bodyJa, "sections", max: 50_000) ?? "", en: text(s.bodyEn, "sections", max: 50_000) ?? ""))
            }
        }
        if let questions = input.questions {
            // Ids are kept for questions and choices that had one, so earlier attempts still name them.
            var used = Set(questions.compactMap(\.id))
            var next = 1
            func newID() -> String {
                while used.contains("q\(next)") { next += 1 }
                used.insert("q\(next)")
                return "q\(next)"
            }
            course.questions = questions.filter { !$0.isBlank }.map { q in
                let letters = "abcdefghijklmnopqrstuvwxyz".map(String.init)
                var takenChoices = Set(q.choices.compactMap(\.id))
                let choices = q.choices.filter { !$0.isBlank }.map { c -> Course.Question.Choice in
                    let id = c.id ?? letters.first { takenChoices.insert($0).inserted } ?? UUID().uuidString.prefix(6).lowercased()
                    return Course.Question.Choice(id: id, text: Bilingual(ja: Text.trimmed(c.textJa ?? ""), en: Text.trimmed(c.textEn ?? "")), correct: c.correct)
                }
                let kind = q.kind.flatMap(Course.Question.Kind.init(rawValue:)) ?? (choices.filter(\.correct).count > 1 ? .multiple : .single)
                return Course.Question(id: q.id ?? newID(), kind: kind, text: Bilingual(ja: Text.trimmed(q.textJa ?? ""), en: Text.trimmed(q.textEn ?? "")),
                                       choices: choices,
                                       explanation: Bilingual(ja: Text.trimmed(q.explanationJa ?? ""), en: Text.trimmed(q.explanationEn ?? "")))
            }
        }
        if let archived = input.isArchived { course.isArchived = archived }
        v.merge(TrainingRules.validate(course))
        try v.check()
    }

    public func createCourse(_ access: WorkspaceAccess, _ input: CourseInput, context: Context) async throws -> Course {
        try access.require(.trainingManage)
        let now = services.now
        return try await services.store.write { tx in
            let number = try await tx.sequences.next(Numbering.course, in: access.workspaceID)
            var course = Course(workspaceID: access.workspaceID, number: number, code: String(format: "CRS-%03d", number), title: Bilingual(ja: "", en: ""),
                                createdAt: now, updatedAt: now)
            try await apply(input, to: &course, access: access, tx: tx)
            return try await tx.create(tx.training.courses, course, context: context, at: now)
        }
    }

    public func updateCourse(_ access: WorkspaceAccess, _ id: Course.ID, _ input: CourseInput, expectedVersion: Int?, context: Context) async throws -> Course {
        try access.require(.trainingManage)
        let now = services.now
        return try await services.store.write { tx in
            try await tx.change(tx.training.courses, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { course in
                try await apply(input, to: &course, access: access, tx: tx)
            }
        }
    }

    /// Deletes a course nobody has taken and no campaign uses (otherwise archive it).
    public func deleteCourse(_ access: WorkspaceAccess, _ id: Course.ID, expectedVersion: Int?, context: Context) async throws {
        try access.require(.trainingManage)
        let now = services.now
        try await services.store.write { tx in
            try await tx.remove(tx.training.courses, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { _ in
                let taken = try await tx.training.attempts.count(course: id, in: access.workspaceID)
                let campaigns = try await tx.training.campaigns.all(in: access.workspaceID, [.equal(\.courseID, id)])
                if taken > 0 || !campaigns.isEmpty { throw DomainError.rule(code: "error.courseInUse") }
            }
        }
    }

    // MARK: Taking a course

    /// Scores the caller's answers on the server and records the attempt. It counts for the
    /// caller's open campaign of the course that is due first; the course's attempt limit applies
    /// within that campaign.
    public func submit(_ access: WorkspaceAccess, _ id: Course.ID, answers: [String: [String]], context: Context) async throws -> AttemptResult {
        let now = services.now
        return try await services.store.write { tx in
            guard let course = try await tx.training.courses.load(id, in: access.workspaceID), !course.isArchived else {
                throw DomainError.notFound(entity: "course")
            }
            guard let member = try await tx.lookups.member(user: access.user.id, in: access.workspaceID) else { throw DomainError.forbiddenBecause("error.notAMember") }
            let problems = TrainingRules.check(course, answers: answers)
            if !problems.isEmpty { throw DomainError.invalid(problems) }
            let current = try await Campaigns.current(for: member, course: course, access: access, training: tx.training)
            let campaign = current?.campaign
            var left: Int? = nil
            if let made = current?.attempts, course.attemptsAllowed > 0 {
                guard made < course.attemptsAllowed else { throw DomainError.rule(code: "error.noAttemptsLeft", params: ["count": String(course.attemptsAllowed)]) }
                left = course.attemptsAllowed - made - 1
            }
            let score = TrainingRules.score(course, answers: answers)
            let attempt = Attempt(workspaceID: access.workspaceID, courseID: id, campaignID: campaign?.id, userID: access.user.id,
                                  answers: answers.mapValues { Array(Set($0)).sorted() }, missed: score.missed, score: score.score, passed: score.passed,
                                  courseVersion: course.version, submittedAt: now)
            try await tx.training.attempts.insert([attempt])
            try await tx.record(.change("attempt", id: attempt.id.description, action: "create", workspace: access.workspaceID, before: nil as Attempt?,
                                        after: attempt), context, at: now)
            return AttemptResult(attempt: attempt, course: course, attemptsLeft: left)
        }
    }

    /// One attempt with its course: the person's own, or anyone's for those who see training records.
    public func attempt(_ access: WorkspaceAccess, _ id: Attempt.ID) async throws -> AttemptResult {
        try await services.store.read { db in
            guard let attempt = try await db.training.attempts.load(id, in: access.workspaceID),
                  let course = try await db.training.courses.load(attempt.courseID, in: access.workspaceID) else {
                throw DomainError.notFound(entity: "attempt")
            }
            // Someone else's answers are for those who see training records only.
            guard attempt.userID == access.user.id || access.allows(.trainingRead) else { throw DomainError.forbiddenBecause("error.notYourAttempt") }
            return AttemptResult(attempt: attempt, course: course, attemptsLeft: nil)
        }
    }

    /// A person's attempts (newest first): the caller's own, or anyone's for those who see training records.
    public func attempts(_ access: WorkspaceAccess, of user: User.ID, course: Course.ID? = nil) async throws -> [Attempt] {
        guard user == access.user.id || access.allows(.trainingRead) else { throw DomainError.forbidden }
        return try await services.store.read { try await $0.training.attempts.all(of: user, course: course, in: access.workspaceID) }
    }
}

extension Training {
    /// Hands out a file with the material: kept in the evidence store with its SHA-256.
    public func attachFile(_ access: WorkspaceAccess, _ id: Course.ID, _ file: UploadedFile, context: Context) async throws -> Course {
        try access.require(.trainingManage)
        if let refusal = EvidenceRules.check(file.data, maxBytes: services.security.evidenceMaxBytes) {
            throw DomainError.invalid(field: "file", code: "error.file.\(refusal.rawValue)",
                                      params: refusal == .tooLarge ? ["max": String(services.security.evidenceMaxBytes / (1024 * 1024))] : [:])
        }
        let now = services.now
        return try await services.store.write { tx in
            guard let course = try await tx.training.courses.load(id, in: access.workspaceID, forUpdate: true) else { throw DomainError.notFound(entity: "course") }
            let name = EvidenceRules.cleanFileName(file.name)
            let evidence = Evidence(workspaceID: access.workspaceID, title: "\(course.code) \(course.title.text(.ja))", kind: .file, fileName: name,
                                    contentType: EvidenceRules.contentType(of: file.data, fileName: name), size: file.data.count,
                                    sha256: EvidenceRules.sha256(file.data), collectedOn: access.today, collectedBy: access.user.id, createdBy: access.user.id,
                                    createdAt: now, updatedAt: now)
            try await tx.evidence.insert(evidence, content: file.data)
            try await tx.record(.change("evidence", id: evidence.id.description, action: "create", workspace: access.workspaceID, before: nil as Evidence?,
                                        after: evidence), context, at: now)
            return try await tx.change(tx.training.courses, id, in: access.workspaceID, expectedVersion: nil, versionRequired: false, action: "attach",
                                       context: context, at: now) { $0.fileIDs.append(evidence.id) }
        }
    }

    /// Takes a file off the material (it stays in the evidence store).
    public func detachFile(_ access: WorkspaceAccess, _ id: Course.ID, file: Evidence.ID, context: Context) async throws -> Course {
        try access.require(.trainingManage)
        let now = services.now
        return try await services.store.write { tx in
            try await tx.change(tx.training.courses, id, in: access.workspaceID, expectedVersion: nil, versionRequired: false, action: "detach",
                                context: context, at: now) { $0.fileIDs.removeAll { $0 == file } }
        }
    }

    /// A file of a course's material, for anyone who may open the course; the SHA-256 is checked again.
    public func file(_ access: WorkspaceAccess, _ id: Course.ID, file: Evidence.ID) async throws -> (name: String, contentType: String, data: Data) {
        let view = try await course(access, id)
        guard let evidence = view.files.first(where: { $0.id == file }),
              let data = try await services.store.read({ try await $0.evidence.content(file, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: "evidence")
        }
        guard EvidenceRules.sha256(data) == evidence.sha256 else { throw DomainError.rule(code: "error.evidenceHashMismatch") }
        return (evidence.fileName ?? "file", evidence.contentType ?? "application/octet-stream", data)
    }
}
