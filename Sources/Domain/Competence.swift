import Foundation

/// A competence a role needs (7.2): "an internal auditor has taken the auditor course or holds an
/// external certificate". Met by a valid pass of its course, or by a record of the person's.
public struct CompetenceRequirement: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<CompetenceRequirement>
    public var id: ID
    public var workspaceID: Workspace.ID
    public var role: Role
    public var name: String
    public var description: String?
    /// A valid pass of this course meets the requirement.
    public var courseID: Course.ID?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, role: Role, name: String, description: String? = nil, courseID: Course.ID? = nil,
                createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id; self.workspaceID = workspaceID; self.role = role; self.name = name; self.description = description; self.courseID = courseID
        self.createdAt = createdAt; self.updatedAt = updatedAt; self.version = version
    }
}

/// What a person has shown: a certificate, a course elsewhere, experience — with evidence and an expiry.
public struct CompetenceRecord: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<CompetenceRecord>
    public var id: ID
    public var workspaceID: Workspace.ID
    public var userID: User.ID
    /// The requirement it meets, if it meets one.
    public var requirementID: CompetenceRequirement.ID?
    public var name: String
    public var obtainedOn: CalendarDate
    public var expiresOn: CalendarDate?
    public var evidenceID: Evidence.ID?
    public var note: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, userID: User.ID, requirementID: CompetenceRequirement.ID? = nil, name: String, obtainedOn: CalendarDate,
                expiresOn: CalendarDate? = nil, evidenceID: Evidence.ID? = nil, note: String? = nil, createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id; self.workspaceID = workspaceID; self.userID = userID; self.requirementID = requirementID; self.name = name; self.obtainedOn = obtainedOn
        self.expiresOn = expiresOn; self.evidenceID = evidenceID; self.note = note; self.createdAt = createdAt; self.updatedAt = updatedAt; self.version = version
    }

    public func isValid(on today: CalendarDate) -> Bool { obtainedOn <= today && (expiresOn.map { today <= $0 } ?? true) }
}

public enum CompetenceRules {
    /// One missing competence: a member holding a role without what the role needs.
    public struct Gap: Sendable, Hashable {
        public var userID: User.ID
        public var role: Role
        public var requirementID: CompetenceRequirement.ID
    }

    /// Whether a requirement is met on `today` by the person's records or their latest pass of its course.
    public static func isMet(_ requirement: CompetenceRequirement, records: [CompetenceRecord], lastPass: CalendarDate?, validityMonths: Int,
                             on today: CalendarDate) -> Bool {
        if records.contains(where: { $0.requirementID == requirement.id && $0.isValid(on: today) }) { return true }
        if requirement.courseID != nil, let lastPass { return TrainingRules.passIsValid(passedOn: lastPass, months: validityMonths, on: today) }
        return false
    }
}

/// The results of one phishing drill (A.6.3, A.8.7), matched to members.
public struct PhishingDrill: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<PhishingDrill>

    public struct Result: Sendable, Codable, Hashable {
        public var userID: User.ID
        /// The person's home department when the drill was imported (rates stay as they were).
        public var departmentID: Department.ID?
        public var opened: Bool
        public var clicked: Bool
        public var submitted: Bool
        public var reported: Bool
        public init(userID: User.ID, departmentID: Department.ID?, opened: Bool, clicked: Bool, submitted: Bool, reported: Bool) {
            self.userID = userID; self.departmentID = departmentID; self.opened = opened; self.clicked = clicked; self.submitted = submitted
            self.reported = reported
        }
    }

    public var id: ID
    public var workspaceID: Workspace.ID
    public var number: Int
    public var title: String
    public var sentOn: CalendarDate
    public var results: [Result]
    /// Addresses in the file that are no member of the workspace (kept as a count, not as people).
    public var unmatched: Int
    /// The campaign that gave the people who clicked a follow-up course.
    public var followUpCampaignID: Campaign.ID?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, number: Int, title: String, sentOn: CalendarDate, results: [Result], unmatched: Int = 0,
                followUpCampaignID: Campaign.ID? = nil, createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id; self.workspaceID = workspaceID; self.number = number; self.title = title; self.sentOn = sentOn; self.results = results
        self.unmatched = unmatched; self.followUpCampaignID = followUpCampaignID; self.createdAt = createdAt; self.updatedAt = updatedAt; self.version = version
    }

    /// Sent, clicked (or submitted) and reported counts of a group of results.
    public struct Rates: Sendable, Hashable {
        public var sent: Int
        public var opened: Int
        public var clicked: Int
        public var submitted: Int
        public var reported: Int
        public var clickRate: Int { sent == 0 ? 0 : clicked * 100 / sent }
        public var reportRate: Int { sent == 0 ? 0 : reported * 100 / sent }
        public init(_ results: [Result]) {
            sent = results.count
            opened = results.filter { $0.opened || $0.clicked || $0.submitted }.count
            clicked = results.filter { $0.clicked || $0.submitted }.count
            submitted = results.filter(\.submitted).count
            reported = results.filter(\.reported).count
        }
    }

    public var rates: Rates { Rates(results) }
    public var clickers: [User.ID] { results.filter { $0.clicked || $0.submitted }.map(\.userID) }
}

public enum PhishingRules {
    /// How a drill tool writes a flag: `1`, `true`, `yes`, `はい`, `○`, a date — or the status
    /// ladder some tools use in one column (`Email Sent` < `Email Opened` < `Clicked Link` < `Submitted Data`).
    public static func flag(_ raw: String?) -> Bool? {
        guard let text = raw.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }), !text.isEmpty else { return false }
        if ["1", "true", "yes", "y", "はい", "○", "◯", "✓", "✔", "x", "済", "あり"].contains(text) { return true }
        if ["0", "false", "no", "n", "いいえ", "×", "-", "なし", "未"].contains(text) { return false }
        // A timestamp means it happened.
        if text.first?.isNumber == true && (text.contains("-") || text.contains("/") || text.contains(":")) { return true }
        return nil
    }

    public enum Stage: Int, Sendable, Comparable {
        case sent = 0, opened, clicked, submitted
        public static func < (a: Stage, b: Stage) -> Bool { a.rawValue < b.rawValue }
    }

    /// The stage a one-column status names.
    public static func stage(_ raw: String) -> Stage? {
        let text = raw.lowercased()
        if text.contains("submit") || text.contains("入力") || text.contains("送信済みデータ") { return .submitted }
        if text.contains("click") || text.contains("クリック") { return .clicked }
        if text.contains("open") || text.contains("開封") { return .opened }
        if text.contains("sent") || text.contains("送信") || text.contains("配信") || text.contains("scheduled") { return .sent }
        return nil
    }
}
