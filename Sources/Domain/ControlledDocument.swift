import Foundation

/// Who a publication (or a training campaign) is for: everyone, or holders of roles, members of
/// departments (home or officer) and named people. One audience type for the whole product.
public struct Audience: Sendable, Codable, Hashable {
    public var everyone: Bool
    public var roles: [Role]
    public var departmentIDs: [Department.ID]
    public var memberIDs: [User.ID]

    public init(everyone: Bool = false, roles: [Role] = [], departmentIDs: [Department.ID] = [], memberIDs: [User.ID] = []) {
        self.everyone = everyone
        self.roles = roles
        self.departmentIDs = departmentIDs
        self.memberIDs = memberIDs
    }

    public static let all = Audience(everyone: true)

    public var isEmpty: Bool { !everyone && roles.isEmpty && departmentIDs.isEmpty && memberIDs.isEmpty }

    /// Whether a member is in it on `today` (expired grants count for nothing).
    public func includes(_ member: Member, on today: CalendarDate) -> Bool {
        if everyone || memberIDs.contains(member.userID) { return true }
        let active = member.grants.filter { $0.isActive(on: today) }
        if active.contains(where: { roles.contains($0.role) }) { return true }
        if let home = member.homeDepartmentID, departmentIDs.contains(home) { return true }
        return active.contains { $0.departmentID.map(departmentIDs.contains) ?? false }
    }
}

/// A controlled document of the ISMS (7.5, A.5.1, A.5.37): the register entry. Its text lives in
/// its versions; the entry says which version is in force, who approves, when it is next reviewed.
public struct ControlledDocument: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<ControlledDocument>

    public enum Kind: String, Sendable, Codable, CaseIterable {
        case policy, topicPolicy, rule, procedure, plan, guideline, manual, recordForm
    }

    /// The register's summary: the version in force decides, else the newest version's state.
    public enum Status: String, Sendable, Codable, CaseIterable { case draft, inReview, approved, published, retired }

    /// Who approves a version: top management (always for the policy), holders of a role, or one member.
    public enum Approver: Sendable, Codable, Hashable {
        case topManagement
        case role(Role)
        case member(User.ID)
    }

    public var id: ID
    public var workspaceID: Workspace.ID
    /// Handed out from the workspace's sequence (DOC-001…), never reused; the code may be the organization's own.
    public var number: Int
    public var code: String
    public var title: String
    public var kind: Kind
    public var ownerID: User.ID?
    public var approver: Approver
    public var classification: String?
    public var reviewIntervalMonths: Int
    public var nextReviewOn: CalendarDate?
    public var retentionYears: Int?
    /// Clauses (`5.2`) and controls (`A.5.1`, or an own control's code) the document serves.
    public var references: [String]
    public var status: Status
    /// The newest version's number (0 before the first is written).
    public var latestVersion: Int
    /// The version in force and what its readers acknowledge.
    public var publishedVersion: Int?
    public var publishedMajor: Int?
    public var publishedLabel: String?
    public var effectiveOn: CalendarDate?
    public var audience: Audience?
    /// The state of the version being written, reviewed or awaiting publication (nil when none is).
    public var pending: DocumentVersion.Status?
    /// For a starter document: the data it was written from (nil for every other document).
    public var starter: StarterOrigin?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, number: Int, code: String, title: String, kind: Kind, ownerID: User.ID? = nil,
                approver: Approver = .topManagement, classification: String? = nil, reviewIntervalMonths: Int = 12, nextReviewOn: CalendarDate? = nil,
                retentionYears: Int? = nil, references: [String] = [], status: Status = .draft, latestVersion: Int = 0, publishedVersion: Int? = nil,
                publishedMajor: Int? = nil, publishedLabel: String? = nil, effectiveOn: CalendarDate? = nil, audience: Audience? = nil,
                createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id; self.workspaceID = workspaceID; self.number = number; self.code = code; self.title = title; self.kind = kind; self.ownerID = ownerID
        self.approver = approver; self.classification = classification; self.reviewIntervalMonths = reviewIntervalMonths; self.nextReviewOn = nextReviewOn
        self.retentionYears = retentionYears; self.references = references; self.status = status; self.latestVersion = latestVersion
        self.publishedVersion = publishedVersion; self.publishedMajor = publishedMajor; self.publishedLabel = publishedLabel; self.effectiveOn = effectiveOn
        self.audience = audience; self.pending = nil; self.createdAt = createdAt; self.updatedAt = updatedAt; self.version = version
    }

    public var isPublished: Bool { publishedVersion != nil && status != .retired }

    /// Codes are unique in a workspace regardless of case and width (ＤＯＣ-１ is DOC-1).
    public var codeKey: String { Self.codeKey(code) }
    public static func codeKey(_ code: String) -> String { Text.halfWidth(code).precomposedStringWithCompatibilityMapping.lowercased() }

    /// Its review is due (a published document past its review date).
    public func reviewIsDue(on today: CalendarDate) -> Bool { status == .published && (nextReviewOn.map { $0 <= today } ?? false) }
}

/// One version of a document: Markdown written in Meguri or a file kept in the evidence store.
/// Approved versions never change; a published one is superseded by the next.
public struct DocumentVersion: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<DocumentVersion>

    public enum Status: String, Sendable, Codable, CaseIterable { case draft, inReview, approved, published, superseded, retired }

    public struct File: Sendable, Codable, Hashable {
        public var evidenceID: Evidence.ID
        public var name: String
        public var size: Int
        public var contentType: String
        public init(evidenceID: Evidence.ID, name: String, size: Int, contentType: String) {
            self.evidenceID = evidenceID; self.name = name; self.size = size; self.contentType = contentType
        }
    }

    public struct Comment: Sendable, Codable, Hashable {
        public var by: User.ID
        public var at: Date
        public var text: String
        public init(by: User.ID, at: Date, text: String) { self.by = by; self.at = at; self.text = text }
    }

    public var id: ID
    public var workspaceID: Workspace.ID
    public var documentID: ControlledDocument.ID
    /// 1, 2, 3… in the order written.
    public var number: Int
    public var major: Int
    public var minor: Int
    public var summary: String
    /// Markdown, when the text is written in Meguri.
    public var body: String?
    /// An uploaded file (PDF, DOCX, XLSX), when it is not.
    public var file: File?
    /// SHA-256 of the body or the file: what an acknowledgement says was read.
    public var sha256: String
    public var status: Status
    public var comments: [Comment]
    public var createdBy: User.ID?
    public var submittedBy: User.ID?
    public var submittedAt: Date?
    public var returnNote: String?
    public var approvedBy: User.ID?
    public var approvedAt: Date?
    public var approvalNote: String?
    public var publishedBy: User.ID?
    public var publishedAt: Date?
    public var effectiveOn: CalendarDate?
    public var audience: Audience?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, documentID: ControlledDocument.ID, number: Int, major: Int, minor: Int, summary: String,
                body: String? = nil, file: File? = nil, sha256: String, status: Status = .draft, comments: [Comment] = [], createdBy: User.ID? = nil,
                createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id; self.workspaceID = workspaceID; self.documentID = documentID; self.number = number; self.major = major; self.minor = minor
        self.summary = summary; self.body = body; self.file = file; self.sha256 = sha256; self.status = status; self.comments = comments
        self.createdBy = createdBy; self.createdAt = createdAt; self.updatedAt = updatedAt; self.version = version
    }

    /// `1.0`, `1.1`, `2.0`.
    public var label: String { "\(major).\(minor)" }
    public var isMajor: Bool { minor == 0 }
    /// Approved or later: the text is fixed for good.
    public var isFixed: Bool { ![.draft, .inReview].contains(status) }
    public var isOpen: Bool { [.draft, .inReview, .approved].contains(status) }
}

/// One person's read-and-acknowledge of a published version.
public struct Acknowledgement: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<Acknowledgement>
    public var id: ID
    public var workspaceID: Workspace.ID
    public var documentID: ControlledDocument.ID
    public var versionNumber: Int
    public var major: Int
    public var userID: User.ID
    public var sha256: String
    public var acknowledgedAt: Date

    public init(id: ID = ID(), workspaceID: Workspace.ID, documentID: ControlledDocument.ID, versionNumber: Int, major: Int, userID: User.ID,
                sha256: String, acknowledgedAt: Date) {
        self.id = id; self.workspaceID = workspaceID; self.documentID = documentID; self.versionNumber = versionNumber; self.major = major
        self.userID = userID; self.sha256 = sha256; self.acknowledgedAt = acknowledgedAt
    }
}

/// The rules of the document register.
public enum DocumentRules {
    public static let kindNames = ChoiceNames<ControlledDocument.Kind>([
        .policy: ["情報セキュリティ方針", "方針", "基本方針", "Policy", "Information security policy"],
        .topicPolicy: ["個別方針", "トピック固有の方針", "Topic-specific policy"],
        .rule: ["規程", "規則", "規定", "Rule", "Regulation"],
        .procedure: ["手順書", "手順", "Procedure"],
        .plan: ["計画", "計画書", "Plan"],
        .guideline: ["ガイドライン", "指針", "Guideline"],
        .manual: ["マニュアル", "ISMSマニュアル", "Manual"],
        .recordForm: ["様式", "記録様式", "Record form", "Form"],
    ])

    /// The first version is 1.0; a major revision starts the next whole number, a minor one adds to the version in force.
    public static func nextLabel(publishedMajor: Int?, publishedMinor: Int?, major: Bool) -> (major: Int, minor: Int) {
        guard let current = publishedMajor else { return (1, 0) }
        return major ? (current + 1, 0) : (current, (publishedMinor ?? 0) + 1)
    }

    /// The register's status from its versions: retired, or published while a version is in force, else the newest version's state.
    public static func status(retired: Bool, published: Bool, latest: DocumentVersion.Status?) -> ControlledDocument.Status {
        if retired { return .retired }
        if published { return .published }
        switch latest {
        case .inReview?: return .inReview
        case .approved?: return .approved
        default: return .draft
        }
    }

    /// Whether `person` may approve: they answer to the document's approver and did not submit the
    /// version (A.5.3). When nobody but the submitter answers to the approver (a one-person
    /// secretariat), top management approves instead.
    public static func mayApprove(_ approver: ControlledDocument.Approver, person: Member, submitter: User.ID?, othersWhoAnswer: Int, on today: CalendarDate) -> Bool {
        person.userID != submitter && approves(approver, person: person, othersWhoAnswer: othersWhoAnswer, on: today)
    }

    /// Whether `person` stands for the approver: answers to it, or is top management when nobody
    /// else does (`othersWhoAnswer` counts those who answer, the submitter left out).
    public static func approves(_ approver: ControlledDocument.Approver, person: Member, othersWhoAnswer: Int, on today: CalendarDate) -> Bool {
        answers(approver, person, on: today) || (othersWhoAnswer == 0 && person.holds(.topManagement, on: today))
    }

    public static func answers(_ approver: ControlledDocument.Approver, _ person: Member, on today: CalendarDate) -> Bool {
        switch approver {
        case .topManagement: return person.holds(.topManagement, on: today)
        case .role(let role): return person.holds(role, on: today)
        case .member(let id): return person.userID == id
        }
    }

    /// Reads the documents column of an imported statement: each line, or each piece of a line
    /// between commas, that names a document by its code (`DOC-001`, `DOC-001 タイトル`) or its
    /// exact title links that document; whatever names none stays as the line's note.
    public static func named(in text: String, documents: [ControlledDocument]) -> (named: [ControlledDocument.ID], note: String?) {
        func key(_ s: String) -> String { Text.halfWidth(s).precomposedStringWithCompatibilityMapping.lowercased() }
        let byCode = Dictionary(documents.map { ($0.codeKey, $0.id) }, uniquingKeysWith: { a, _ in a })
        let byTitle = Dictionary(documents.map { (key(Text.trimmed($0.title)), $0.id) }, uniquingKeysWith: { a, _ in a })
        func match(_ piece: String) -> ControlledDocument.ID? {
            let k = key(Text.trimmed(piece))
            guard !k.isEmpty else { return nil }
            if let id = byCode[k] ?? byTitle[k] { return id }
            let first = String(k.prefix { !$0.isWhitespace })
            return first.count < k.count ? byCode[first] : nil
        }
        var named: [ControlledDocument.ID] = []
        var note: [String] = []
        for line in text.split(whereSeparator: \.isNewline).map(String.init) where Text.nonBlank(line) != nil {
            if let id = match(line) { named.append(id); continue }
            let pieces = line.split(whereSeparator: { ",、，;；".contains($0) }).map(String.init)
            let matched = pieces.map(match)
            guard matched.contains(where: { $0 != nil }) else { note.append(Text.trimmed(line)); continue }
            named += matched.compactMap { $0 }
            let rest = zip(pieces, matched).filter { $0.1 == nil }.map { Text.trimmed($0.0) }.filter { !$0.isEmpty }
            if !rest.isEmpty { note.append(rest.joined(separator: "、")) }
        }
        var seen = Set<ControlledDocument.ID>()
        return (named.filter { seen.insert($0).inserted }, note.isEmpty ? nil : note.joined(separator: "\n"))
    }

    /// Readers have this many days from the effective date to read and acknowledge a publication.
    public static let daysToRead = 30

    /// The day by which a reader should have acknowledged the version in force.
    public static func readBy(_ document: ControlledDocument) -> CalendarDate? { document.effectiveOn?.adding(days: daysToRead) }

    /// An acknowledgement counts for the version in force while it is of the same major version:
    /// a minor revision keeps earlier acknowledgements, a major one asks again.
    public static func counts(_ acknowledgement: Acknowledgement, for document: ControlledDocument) -> Bool {
        guard let major = document.publishedMajor, document.isPublished else { return false }
        return acknowledgement.major == major
    }
}
