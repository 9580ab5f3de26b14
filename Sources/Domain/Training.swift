import Foundation

/// A text written in both languages of the product.
public struct Bilingual: Sendable, Codable, Hashable {
    public var ja: String
    public var en: String
    public init(ja: String, en: String) { self.ja = ja; self.en = en }
    public func text(_ language: Language) -> String {
        let chosen = language == .ja ? ja : en
        return chosen.isEmpty ? (language == .ja ? en : ja) : chosen
    }
    public var isEmpty: Bool { ja.isEmpty && en.isEmpty }
}

/// A course of training and awareness (7.2, 7.3, A.6.3): material to read and a quiz scored on
/// the server. Ready-made courses are copied into every workspace and can be edited there.
public struct Course: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<Course>

    public struct Section: Sendable, Codable, Hashable {
        public var title: Bilingual
        /// Markdown (rendered safely).
        public var body: Bilingual
        public init(title: Bilingual, body: Bilingual) { self.title = title; self.body = body }
    }

    /// A video, slides or any page the material points to.
    public struct Link: Sendable, Codable, Hashable {
        public var title: String
        public var url: String
        public init(title: String, url: String) { self.title = title; self.url = url }
    }

    public struct Question: Sendable, Codable, Hashable {
        public enum Kind: String, Sendable, Codable, CaseIterable { case single, multiple }
        public struct Choice: Sendable, Codable, Hashable {
            /// Stable within the question (`a`, `b`…): answers name it.
            public var id: String
            public var text: Bilingual
            public var correct: Bool
            public init(id: String, text: Bilingual, correct: Bool) { self.id = id; self.text = text; self.correct = correct }
        }
        /// Stable within the course (`q1`, `q2`…): attempts name it.
        public var id: String
        public var kind: Kind
        public var text: Bilingual
        public var choices: [Choice]
        /// Shown after the person has answered.
        public var explanation: Bilingual
        public init(id: String, kind: Kind, text: Bilingual, choices: [Choice], explanation: Bilingual) {
            self.id = id; self.kind = kind; self.text = text; self.choices = choices; self.explanation = explanation
        }
        public var correctChoices: Set<String> { Set(choices.filter(\.correct).map(\.id)) }
    }

    public var id: ID
    public var workspaceID: Workspace.ID
    public var number: Int
    public var code: String
    public var title: Bilingual
    public var summary: Bilingual
    public var sections: [Section]
    public var links: [Link]
    /// Files of the evidence store handed out with the material (slides, a PDF).
    public var fileIDs: [Evidence.ID]
    public var questions: [Question]
    /// Percent of questions answered right that passes (1–100).
    public var passingScore: Int
    /// Attempts a person has in one campaign; 0 for no limit.
    public var attemptsAllowed: Int
    public var estimatedMinutes: Int
    /// A pass counts for this many months; 0 for ever.
    public var validityMonths: Int
    /// Clauses (`7.2`) and controls (`A.6.3`, or an own control's code) the course serves.
    public var references: [String]
    /// The ready-made course it was copied from (`awareness-annual`), if any.
    public var templateKey: String?
    /// Archived courses are kept with their attempts but offered to nobody.
    public var isArchived: Bool
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, number: Int, code: String, title: Bilingual, summary: Bilingual = Bilingual(ja: "", en: ""),
                sections: [Section] = [], links: [Link] = [], fileIDs: [Evidence.ID] = [], questions: [Question] = [], passingScore: Int = 80,
                attemptsAllowed: Int = 0, estimatedMinutes: Int = 20, validityMonths: Int = 12, references: [String] = [], templateKey: String? = nil,
                isArchived: Bool = false, createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id; self.workspaceID = workspaceID; self.number = number; self.code = code; self.title = title; self.summary = summary
        self.sections = sections; self.links = links; self.fileIDs = fileIDs; self.questions = questions; self.passingScore = passingScore
        self.attemptsAllowed = attemptsAllowed; self.estimatedMinutes = estimatedMinutes; self.validityMonths = validityMonths; self.references = references
        self.templateKey = templateKey; self.isArchived = isArchived; self.createdAt = createdAt; self.updatedAt = updatedAt; self.version = version
    }

    public var titleKey: String { (title.ja + " " + title.en).lowercased() }
}

/// A course assigned to an audience with a due date: the yearly campaign, or a standing rule for
/// people who joined recently (due a number of days after they joined).
public struct Campaign: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<Campaign>
    public enum Status: String, Sendable, Codable, CaseIterable { case open, closed }

    public var id: ID
    public var workspaceID: Workspace.ID
    public var number: Int
    public var title: String
    public var courseID: Course.ID
    public var audience: Audience
    /// Only people who joined the workspace in the last N days (a new-hire rule).
    public var joinedWithinDays: Int?
    /// Only people whose earlier pass of the course has expired.
    public var expiredPassOnly: Bool
    public var startsOn: CalendarDate
    /// A fixed due date, or…
    public var dueOn: CalendarDate?
    /// …this many days after the person joined (or after the start, for those who were already here).
    public var dueDays: Int?
    public var status: Status
    public var createdBy: User.ID?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, number: Int, title: String, courseID: Course.ID, audience: Audience, joinedWithinDays: Int? = nil,
                expiredPassOnly: Bool = false, startsOn: CalendarDate, dueOn: CalendarDate? = nil, dueDays: Int? = nil, status: Status = .open,
                createdBy: User.ID? = nil, createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id; self.workspaceID = workspaceID; self.number = number; self.title = title; self.courseID = courseID; self.audience = audience
        self.joinedWithinDays = joinedWithinDays; self.expiredPassOnly = expiredPassOnly; self.startsOn = startsOn; self.dueOn = dueOn; self.dueDays = dueDays
        self.status = status; self.createdBy = createdBy; self.createdAt = createdAt; self.updatedAt = updatedAt; self.version = version
    }

    public var isOpen: Bool { status == .open }
}

/// One person's submitted answers to a course's quiz, scored on the server.
public struct Attempt: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<Attempt>
    public var id: ID
    public var workspaceID: Workspace.ID
    public var courseID: Course.ID
    /// The campaign it counts for (nil when taken of one's own accord).
    public var campaignID: Campaign.ID?
    public var userID: User.ID
    /// Question id → the chosen choice ids.
    public var answers: [String: [String]]
    /// The questions answered wrongly (what to teach better).
    public var missed: [String]
    public var score: Int
    public var passed: Bool
    /// The course's version when it was taken.
    public var courseVersion: Int
    public var submittedAt: Date

    public init(id: ID = ID(), workspaceID: Workspace.ID, courseID: Course.ID, campaignID: Campaign.ID?, userID: User.ID, answers: [String: [String]],
                missed: [String], score: Int, passed: Bool, courseVersion: Int, submittedAt: Date) {
        self.id = id; self.workspaceID = workspaceID; self.courseID = courseID; self.campaignID = campaignID; self.userID = userID
        self.answers = answers; self.missed = missed; self.score = score; self.passed = passed; self.courseVersion = courseVersion; self.submittedAt = submittedAt
    }
}

/// A person's attempts at a course since a moment (a campaign's start), as counted: what their
/// place in the campaign needs, without the attempts themselves.
public struct AttemptStanding: Sendable, Equatable {
    public var attempts: Int
    public var bestScore: Int?
    /// The first pass since the moment.
    public var firstPassAt: Date?
    /// The latest pass before the moment (for "whose pass has expired").
    public var lastPassBefore: Date?

    public init(attempts: Int = 0, bestScore: Int? = nil, firstPassAt: Date? = nil, lastPassBefore: Date? = nil) {
        self.attempts = attempts; self.bestScore = bestScore; self.firstPassAt = firstPassAt; self.lastPassBefore = lastPassBefore
    }

    /// The same standing counted from the attempts themselves (one person's, at one course).
    public init(_ attempts: some Sequence<Attempt>, since start: Date) {
        self.init()
        for attempt in attempts {
            if attempt.submittedAt >= start {
                self.attempts += 1
                bestScore = max(bestScore ?? attempt.score, attempt.score)
                if attempt.passed { firstPassAt = min(firstPassAt ?? attempt.submittedAt, attempt.submittedAt) }
            } else if attempt.passed {
                lastPassBefore = max(lastPassBefore ?? attempt.submittedAt, attempt.submittedAt)
            }
        }
    }
}

/// The rules of training: scoring, validity, who a campaign is for and what is due.
public enum TrainingRules {
    public struct Score: Sendable, Equatable {
        public var score: Int
        public var passed: Bool
        public var missed: [String]
        public init(score: Int, passed: Bool, missed: [String]) { self.score = score; self.passed = passed; self.missed = missed }
    }

    /// A question is right when exactly its correct choices are chosen; the score is the percent of
    /// questions right, rounded down (a pass is never rounded into being).
    public static func score(_ course: Course, answers: [String: [String]]) -> Score {
        guard !course.questions.isEmpty else { return Score(score: 0, passed: false, missed: []) }
        var missed: [String] = []
        for question in course.questions where Set(answers[question.id] ?? []) != question.correctChoices { missed.append(question.id) }
        let right = course.questions.count - missed.count
        let score = right * 100 / course.questions.count
        return Score(score: score, passed: score >= course.passingScore, missed: missed)
    }

    /// The answers as submitted, checked against the course: every question answered, only its own
    /// choices, one choice for a single-choice question. Problems name the question (`q3`).
    public static func check(_ course: Course, answers: [String: [String]]) -> [FieldError] {
        var errors: [FieldError] = []
        let known = Set(course.questions.map(\.id))
        for key in answers.keys.sorted() where !known.contains(key) { errors.append(FieldError(field: "answers.\(key)", code: "error.unknownQuestion", params: ["value": key])) }
        for (index, question) in course.questions.enumerated() {
            let chosen = answers[question.id] ?? []
            let field = "answers.\(question.id)"
            let params = ["number": String(index + 1)]
            if chosen.isEmpty { errors.append(FieldError(field: field, code: "error.questionUnanswered", params: params)); continue }
            if question.kind == .single && chosen.count > 1 { errors.append(FieldError(field: field, code: "error.questionOneChoice", params: params)) }
            let choices = Set(question.choices.map(\.id))
            if let bad = chosen.first(where: { !choices.contains($0) }) {
                errors.append(FieldError(field: field, code: "error.unknownChoice", params: params.merging(["value": bad]) { a, _ in a }))
            }
        }
        return errors
    }

    /// The course as written is one people can take: titled, every question with at least two
    /// choices, a right one (exactly one for single choice), texts and explanation in some language.
    public static func validate(_ course: Course) -> [FieldError] {
        var errors: [FieldError] = []
        if course.title.ja.isEmpty && course.title.en.isEmpty { errors.append(FieldError(field: "title", code: "error.required")) }
        if !(1...100).contains(course.passingScore) { errors.append(FieldError(field: "passingScore", code: "error.range", params: ["min": "1", "max": "100"])) }
        if !(0...20).contains(course.attemptsAllowed) { errors.append(FieldError(field: "attemptsAllowed", code: "error.range", params: ["min": "0", "max": "20"])) }
        if !(0...120).contains(course.validityMonths) { errors.append(FieldError(field: "validityMonths", code: "error.range", params: ["min": "0", "max": "120"])) }
        if !(1...600).contains(course.estimatedMinutes) { errors.append(FieldError(field: "estimatedMinutes", code: "error.range", params: ["min": "1", "max": "600"])) }
        for (index, question) in course.questions.enumerated() {
            let row = index + 1
            if question.text.isEmpty { errors.append(FieldError(field: "questions", code: "error.questionText", params: ["number": String(row)])) }
            if question.choices.count < 2 { errors.append(FieldError(field: "questions", code: "error.questionChoices", params: ["number": String(row)])) }
            let right = question.choices.filter(\.correct).count
            if right == 0 || (question.kind == .single && right > 1) {
                errors.append(FieldError(field: "questions", code: question.kind == .single ? "error.questionOneRight" : "error.questionSomeRight",
                                         params: ["number": String(row)]))
            }
        }
        if Set(course.questions.map(\.id)).count != course.questions.count { errors.append(FieldError(field: "questions", code: "error.duplicateQuestion")) }
        return errors
    }

    /// The last day a pass taken on `day` counts (nil: for ever).
    public static func validUntil(passedOn day: CalendarDate, months: Int) -> CalendarDate? {
        months == 0 ? nil : day.adding(months: months).adding(days: -1)
    }

    /// Whether a pass of the course is in force on `today`.
    public static func passIsValid(passedOn day: CalendarDate, months: Int, on today: CalendarDate) -> Bool {
        validUntil(passedOn: day, months: months).map { today <= $0 } ?? true
    }

    /// Whether a member is in a campaign's audience on `today`. `joinedOn` is the day they joined
    /// the workspace; `lastPassBeforeStart` the day of their latest pass of the course before the
    /// campaign started, if any. Both narrowings are judged against the campaign's start, so a person
    /// stays in the campaign (and in its completion) after passing.
    public static func includes(_ campaign: Campaign, member: Member, joinedOn: CalendarDate, lastPassBeforeStart: CalendarDate?, validityMonths: Int,
                                on today: CalendarDate) -> Bool {
        guard campaign.audience.includes(member, on: today) else { return false }
        // A new-hire rule: everyone who joined from N days before the rule began.
        if let days = campaign.joinedWithinDays, joinedOn < campaign.startsOn.adding(days: -days) { return false }
        if campaign.expiredPassOnly {
            guard let last = lastPassBeforeStart, !passIsValid(passedOn: last, months: validityMonths, on: campaign.startsOn) else { return false }
        }
        return true
    }

    /// When the campaign's course is due for this member.
    public static func dueOn(_ campaign: Campaign, joinedOn: CalendarDate) -> CalendarDate {
        if let due = campaign.dueOn { return due }
        let from = max(joinedOn, campaign.startsOn)
        return from.adding(days: campaign.dueDays ?? 30)
    }
}

/// A ready-made course as we write it (`Sources/Catalog/training/courses.json`), copied into
/// every workspace when it is created.
public struct CourseTemplate: Sendable, Decodable, Hashable {
    public struct Section: Sendable, Decodable, Hashable { public var title: Bilingual; public var body: Bilingual }
    public struct Choice: Sendable, Decodable, Hashable { public var text: Bilingual; public var correct: Bool }
    public struct Question: Sendable, Decodable, Hashable {
        public var kind: Course.Question.Kind
        public var text: Bilingual
        public var choices: [Choice]
        public var explanation: Bilingual
    }
    /// Who the course is meant for: `everyone`, `newHires`, `internalAuditors`.
    public enum Audience: String, Sendable, Decodable { case everyone, newHires, internalAuditors }

    public var key: String
    public var title: Bilingual
    public var summary: Bilingual
    public var estimatedMinutes: Int
    public var passingScore: Int
    public var attemptsAllowed: Int
    public var validityMonths: Int
    public var audience: Audience
    public var clauses: [String]
    public var controls: [String]
    public var sections: [Section]
    public var questions: [Question]

    /// The course as a workspace keeps it: questions `q1`…, choices `a`, `b`….
    public func course(workspace: Workspace.ID, number: Int, now: Date) -> Course {
        let letters = "abcdefghij".map(String.init)
        let questions = questions.enumerated().map { index, q in
            Course.Question(id: "q\(index + 1)", kind: q.kind, text: q.text,
                            choices: q.choices.enumerated().map { Course.Question.Choice(id: letters[min($0.offset, letters.count - 1)], text: $0.element.text, correct: $0.element.correct) },
                            explanation: q.explanation)
        }
        return Course(workspaceID: workspace, number: number, code: String(format: "CRS-%03d", number), title: title, summary: summary,
                      sections: sections.map { Course.Section(title: $0.title, body: $0.body) }, questions: questions, passingScore: passingScore,
                      attemptsAllowed: attemptsAllowed, estimatedMinutes: estimatedMinutes, validityMonths: validityMonths,
                      references: clauses + controls.map { "A." + $0 }, templateKey: key, createdAt: now, updatedAt: now)
    }
}
