import Domain
import Foundation
import Localization
import Storage

/// What a person types about a document. `nil` leaves a field unchanged.
public struct DocumentInput: Sendable, Equatable {
    public var code, title, kind, approver, classification, reviewIntervalMonths, nextReviewOn, retentionYears, references: String?
    public var ownerID: User.ID??

    /// `approver`: `topManagement`, `role:<role>` or `member:<user id>`.
    public init(code: String? = nil, title: String? = nil, kind: String? = nil, ownerID: User.ID?? = nil, approver: String? = nil, classification: String? = nil,
                reviewIntervalMonths: String? = nil, nextReviewOn: String? = nil, retentionYears: String? = nil, references: String? = nil) {
        self.code = code; self.title = title; self.kind = kind; self.ownerID = ownerID; self.approver = approver; self.classification = classification
        self.reviewIntervalMonths = reviewIntervalMonths; self.nextReviewOn = nextReviewOn; self.retentionYears = retentionYears; self.references = references
    }
}

/// A new version or a change to a draft: Markdown, or a file.
public struct VersionInput: Sendable {
    public var body: String?
    public var file: UploadedFile?
    public var summary: String?
    public var major: Bool?
    public init(body: String? = nil, file: UploadedFile? = nil, summary: String? = nil, major: Bool? = nil) {
        self.body = body; self.file = file; self.summary = summary; self.major = major
    }
}

/// Filters of the register.
public struct DocumentQuery: Sendable, Equatable {
    public var search: String?
    public var kind: ControlledDocument.Kind?
    public var status: ControlledDocument.Status?
    public var ownerID: User.ID?
    public var reviewDue: Bool
    public init(search: String? = nil, kind: ControlledDocument.Kind? = nil, status: ControlledDocument.Status? = nil, ownerID: User.ID? = nil, reviewDue: Bool = false) {
        self.search = search; self.kind = kind; self.status = status; self.ownerID = ownerID; self.reviewDue = reviewDue
    }
}

/// A document with the versions the caller may see and the people they name.
public struct DocumentState: Sendable {
    public var document: ControlledDocument
    public var versions: [DocumentVersion]
    public var people: [User.ID: User]
    /// The version being written, reviewed or awaiting publication.
    public var open: DocumentVersion? { versions.last { $0.isOpen } }
    public var published: DocumentVersion? { versions.first { $0.number == document.publishedVersion } }
    public func name(_ id: User.ID?) -> String? { id.flatMap { people[$0]?.displayName } }
}

/// One version as a reader sees it: its text rendered, whether they may (or did) acknowledge it.
public struct VersionView: Sendable {
    public var document: ControlledDocument
    public var version: DocumentVersion
    /// The Markdown rendered safely (nil for a file version).
    public var html: String?
    public var acknowledgement: Acknowledgement?
    /// This is the version in force and the reader is in its audience.
    public var mayAcknowledge: Bool
    public var people: [User.ID: User]
}

/// A line of "to read".
public struct ReadingItem: Sendable {
    public var document: ControlledDocument
    public var acknowledgedAt: Date?
}

/// Who has and has not acknowledged the version in force.
public struct Completion: Sendable {
    public struct Reader: Sendable {
        public var member: Member
        public var acknowledgement: Acknowledgement?
    }
    public struct DepartmentLine: Sendable {
        public var department: Department?
        public var done: Int
        public var total: Int
    }
    public var document: ControlledDocument
    public var readers: [Reader]
    public var departments: [DepartmentLine]
    public var done: Int { readers.filter { $0.acknowledgement != nil }.count }
    public var total: Int { readers.count }
}

/// The document register (7.5, 5.2, A.5.1, A.5.37): documents, their versions from draft to
/// published, and read-and-acknowledge by the audience each publication names.
public struct Documents: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    // MARK: Reading the register

    public func list(_ access: WorkspaceAccess, query: DocumentQuery, page: PageRequest) async throws -> Page<ControlledDocument> {
        try access.require(.documentsRead)
        var filters: [Filter<ControlledDocument>] = []
        if let kind = query.kind { filters.append(.equal(\.kind, kind)) }
        if let status = query.status { filters.append(.equal(\.status, status)) }
        if let owner = query.ownerID { filters.append(.equal(\.ownerID, owner)) }
        if query.reviewDue { filters += [.equal(\.status, .published), .below(\.nextReviewOn, access.today.adding(days: 1)), .notEqual(\.nextReviewOn, nil)] }
        let conditions = filters
        // External auditors see what was published, not drafts.
        let published = access.holdsOnly(.externalAuditor) ? [Filter<ControlledDocument>.equal(\.isPublished, true)] : []
        return try await services.store.read { db in
            guard let text = Text.nonBlank(query.search) else {
                return try await db.documents.entries.page(in: access.workspaceID, conditions + published, page: page)
            }
            // Titles and codes, and the text of the versions in force or being written.
            let byTitle = try await db.documents.entries.search(text, in: access.workspaceID, conditions + published, page: PageRequest(limit: 200))
            let byBody = try await db.documents.versions.search(text, in: access.workspaceID, page: PageRequest(limit: 200))
            let more = try await db.documents.entries.all(in: access.workspaceID, ids: Array(Set(byBody.items.map(\.documentID))))
            var seen = Set<ControlledDocument.ID>()
            let merged = (byTitle.items + more).filter { seen.insert($0.id).inserted }
                .filter { doc in query.kind.map { doc.kind == $0 } ?? true }.filter { doc in query.status.map { doc.status == $0 } ?? true }
                .filter { doc in query.ownerID.map { doc.ownerID == $0 } ?? true }.filter { published.isEmpty || $0.isPublished }
                .sorted { $0.codeKey < $1.codeKey }
            return Page(items: Array(merged.prefix(page.limit)), nextCursor: nil)
        }
    }

    /// A document by its code (any case or width), for the CLI and imports.
    public func find(_ access: WorkspaceAccess, code: String) async throws -> ControlledDocument {
        try access.require(.documentsRead)
        let probe = ControlledDocument(workspaceID: access.workspaceID, number: 0, code: Text.trimmed(code), title: "", kind: .policy, createdAt: .distantPast,
                                       updatedAt: .distantPast)
        guard let found = try await services.store.read({ try await $0.documents.entries.all(in: access.workspaceID, [.equal(\.codeKey, probe.codeKey)]).first }) else {
            throw DomainError.notFound(entity: "document")
        }
        return found
    }

    static func mayRead(_ access: WorkspaceAccess, _ version: DocumentVersion, member: Member?) -> Bool {
        if access.allows(.documentsManage) { return true }
        if access.allows(.documentsRead) {
            // Drafts are for the people who write and approve them; external auditors read what was published.
            if access.holdsOnly(.externalAuditor) { return [.published, .superseded, .retired].contains(version.status) }
            return true
        }
        guard version.status == .published, let member, let audience = version.audience else { return false }
        return audience.includes(member, on: access.today)
    }

    public func load(_ access: WorkspaceAccess, _ id: ControlledDocument.ID) async throws -> DocumentState {
        try await services.store.read { db in
            guard let document = try await db.documents.entries.load(id, in: access.workspaceID) else { throw DomainError.notFound(entity: "document") }
            let member = try await db.members.load(user: access.user.id, in: access.workspaceID)
            let versions = try await db.documents.versions.all(in: access.workspaceID, [.equal(\.documentID, id)])
                .filter { Self.mayRead(access, $0, member: member) }
            // Someone outside the register reads only a document published to them.
            // (an external auditor reads only what was published).
            guard (access.allows(.documentsRead) && !access.holdsOnly(.externalAuditor)) || !versions.isEmpty else {
                throw DomainError.notFound(entity: "document")
            }
            let ids = [document.ownerID].compactMap { $0 } + versions.flatMap { [$0.createdBy, $0.submittedBy, $0.approvedBy, $0.publishedBy].compactMap { $0 } + $0.comments.map(\.by) }
            if case .member(let approver) = document.approver { return DocumentState(document: document, versions: versions, people: try await db.users.loadAll(ids + [approver])) }
            return DocumentState(document: document, versions: versions, people: try await db.users.loadAll(ids))
        }
    }

    /// One version as the caller may read it.
    public func version(_ access: WorkspaceAccess, _ id: ControlledDocument.ID, number: Int) async throws -> VersionView {
        try await services.store.read { db in
            guard let document = try await db.documents.entries.load(id, in: access.workspaceID),
                  let version = try await db.documents.versions.all(in: access.workspaceID, [.equal(\.documentID, id), .equal(\.number, number)]).first else {
                throw DomainError.notFound(entity: "document_version")
            }
            let member = try await db.members.load(user: access.user.id, in: access.workspaceID)
            guard Self.mayRead(access, version, member: member) else { throw DomainError.notFound(entity: "document_version") }
            let inForce = version.status == .published && document.publishedVersion == number
            let audience = member.map { m in version.audience?.includes(m, on: access.today) ?? false } ?? false
            let acknowledged = try await db.documents.acknowledgements.find(document: id, major: version.major, user: access.user.id, in: access.workspaceID)
            let people = try await db.users.loadAll([version.createdBy, version.submittedBy, version.approvedBy, version.publishedBy].compactMap { $0 }
                                                    + version.comments.map(\.by))
            return VersionView(document: document, version: version, html: version.body.map { Markdown.html($0, headingOffset: 1) },
                               acknowledgement: acknowledged, mayAcknowledge: inForce && audience, people: people)
        }
    }

    /// A version as a file: the uploaded file (its SHA-256 checked again), or the Markdown source.
    public func file(_ access: WorkspaceAccess, _ id: ControlledDocument.ID, number: Int) async throws -> (name: String, contentType: String, data: Data) {
        let view = try await version(access, id, number: number)
        if let body = view.version.body {
            return ("\(view.document.code)-\(view.version.label).md", "text/markdown; charset=utf-8", Data(body.utf8))
        }
        guard let file = view.version.file, let data = try await services.store.read({ try await $0.evidence.content(file.evidenceID, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: "document_file")
        }
        guard EvidenceRules.sha256(data) == view.version.sha256 else { throw DomainError.rule(code: "error.evidenceHashMismatch") }
        return (file.name, file.contentType, data)
    }

    /// What changed from one version's text to another's.
    /// Without numbers: the newest version the caller may read against the one before it.
    public func compare(_ access: WorkspaceAccess, _ id: ControlledDocument.ID, from: Int?, to: Int?) async throws -> (from: DocumentVersion, to: DocumentVersion, lines: [TextDiff.Line]) {
        try access.require(.documentsRead)
        let readable = try await load(access, id).versions.map(\.number)
        guard let later = to ?? readable.last, let earlier = from ?? readable.last(where: { $0 < later }) else {
            throw DomainError.invalid(field: "from", code: "error.compareNeedsTwo")
        }
        let old = try await version(access, id, number: earlier).version
        let new = try await version(access, id, number: later).version
        guard let a = old.body, let b = new.body else { throw DomainError.rule(code: "error.compareFiles") }
        return (old, new, TextDiff.lines(a, b))
    }

    // MARK: The register entry

    func apply(_ input: DocumentInput, to d: inout ControlledDocument, creating: Bool, access: WorkspaceAccess, tx: Writer) async throws {
        var v = Validator()
        if let raw = input.code, let text = Text.nonBlank(raw) {
            // Full-width letters and digits are kept as their ASCII forms (ＤＯＣ－１ is DOC-1).
            let code = Text.halfWidth(text).precomposedStringWithCompatibilityMapping
            if code.count > 30 { v.add("code", "error.tooLong", ["max": "30"]) } else { d.code = code }
        }
        if creating || input.title != nil { d.title = v.required(input.title, "title", maxLength: 200) }
        if let raw = input.kind, let text = Text.nonBlank(raw) {
            if let kind = DocumentRules.kindNames.parse(text) ?? ControlledDocument.Kind(rawValue: text) { d.kind = kind } else { v.add("kind", "error.choiceValue", ["value": text]) }
        }
        if let owner = input.ownerID {
            if let user = owner { try await InternalAudits.requireHolder(.documentsRead, user, field: "ownerId", access: access, tx: tx, into: &v) }
            d.ownerID = owner
        }
        if let raw = input.approver, let text = Text.nonBlank(raw) {
            if text == "topManagement" { d.approver = .topManagement } else if text.hasPrefix("role:"), let role = Role(rawValue: String(text.dropFirst(5))) {
                d.approver = .role(role)
            } else if text.hasPrefix("member:"), let user = User.ID(String(text.dropFirst(7))) {
                try await InternalAudits.requireHolder(.documentsRead, user, field: "approver", access: access, tx: tx, into: &v)
                d.approver = .member(user)
            } else { v.add("approver", "error.choiceValue", ["value": text]) }
        }
        // The information security policy is approved by top management (5.2).
        if d.kind == .policy && d.approver != .topManagement { v.add("approver", "error.policyApprover") }
        if let text = input.classification { d.classification = v.optional(text, "classification", maxLength: 50) }
        if let raw = input.reviewIntervalMonths, let text = Text.nonBlank(raw) {
            if let months = Int(Text.halfWidth(text)), (1...60).contains(months) { d.reviewIntervalMonths = months } else {
                v.add("reviewIntervalMonths", "error.range", ["min": "1", "max": "60"])
            }
        }
        if let raw = input.nextReviewOn {
            if let text = Text.nonBlank(raw) { if let date = CalendarDate(Text.halfWidth(text)) { d.nextReviewOn = date } else { v.add("nextReviewOn", "error.date") } } else { d.nextReviewOn = nil }
        }
        if let raw = input.retentionYears {
            if let text = Text.nonBlank(raw) {
                if let years = Int(Text.halfWidth(text)), (1...100).contains(years) { d.retentionYears = years } else { v.add("retentionYears", "error.range", ["min": "1", "max": "100"]) }
            } else { d.retentionYears = nil }
        }
        if let raw = input.references {
            d.references = try await Requirement.resolveList(raw, field: "references", catalog: services.catalog, workspace: access.workspaceID, tx: tx, into: &v)
        }
        try v.check()
        if let other = try await tx.documents.entries.all(in: access.workspaceID, [.equal(\.codeKey, d.codeKey)]).first, other.id != d.id {
            throw DomainError.invalid(field: "code", code: "error.codeTaken", params: ["value": d.code])
        }
    }

    public func create(_ access: WorkspaceAccess, _ input: DocumentInput, context: Context) async throws -> ControlledDocument {
        try access.require(.documentsManage)
        let now = services.now
        return try await services.store.write { tx in
            let number = try await tx.sequences.next(Numbering.document, in: access.workspaceID)
            var document = ControlledDocument(workspaceID: access.workspaceID, number: number, code: Numbering.code("DOC-", number), title: "", kind: .procedure,
                                              createdAt: now, updatedAt: now)
            // The person who writes it owns it, when they are a member.
            if try await tx.lookups.member(user: access.user.id, in: access.workspaceID) != nil { document.ownerID = access.user.id }
            try await apply(input, to: &document, creating: true, access: access, tx: tx)
            return try await tx.create(tx.documents.entries, document, context: context, at: now)
        }
    }

    /// The register fields: the secretariat.
    public func update(_ access: WorkspaceAccess, _ id: ControlledDocument.ID, _ input: DocumentInput, expectedVersion: Int?, context: Context) async throws -> ControlledDocument {
        try access.require(.documentsManage)
        let now = services.now
        return try await services.store.write { tx in
            try await tx.change(tx.documents.entries, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { document in
                guard document.status != .retired else { throw DomainError.rule(code: "error.documentRetired") }
                try await apply(input, to: &document, creating: false, access: access, tx: tx)
            }
        }
    }

    /// Deletes a document that was never published (a register entry made by mistake), with its versions.
    public func delete(_ access: WorkspaceAccess, _ id: ControlledDocument.ID, expectedVersion: Int?, context: Context) async throws {
        try access.require(.documentsManage)
        let now = services.now
        try await services.store.write { tx in
            try await tx.remove(tx.documents.entries, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { document in
                let versions = try await tx.documents.versions.all(in: access.workspaceID, [.equal(\.documentID, id)])
                guard !versions.contains(where: { [.published, .superseded, .retired].contains($0.status) }) else {
                    throw DomainError.rule(code: "error.documentWasPublished")
                }
                for version in versions { try await tx.documents.versions.delete(version.id, in: access.workspaceID) }
            }
        }
    }

    // MARK: Versions

    /// The secretariat, or the document's owner, writes.
    static func requireWriter(_ access: WorkspaceAccess, _ document: ControlledDocument) throws {
        guard access.allows(.documentsManage) || (access.allows(.documentsRead) && document.ownerID == access.user.id) else {
            throw DomainError.forbiddenBecause("error.notYourDocument")
        }
    }

    func content(_ input: VersionInput, access: WorkspaceAccess, document: ControlledDocument, number: Int, tx: Writer, context: Context, now: Date,
                 into v: inout Validator) async throws -> (body: String?, file: DocumentVersion.File?, sha256: String)? {
        if let file = input.file {
            if let refusal = EvidenceRules.check(file.data, maxBytes: services.security.evidenceMaxBytes) {
                v.add("file", "error.file.\(refusal.rawValue)", refusal == .tooLarge ? ["max": String(services.security.evidenceMaxBytes / (1024 * 1024))] : [:])
                return nil
            }
            let name = EvidenceRules.cleanFileName(file.name)
            let sha = EvidenceRules.sha256(file.data)
            // The file is kept in the evidence store, with its hash.
            let evidence = Evidence(workspaceID: access.workspaceID, title: "\(document.code) \(document.title) v\(number)", kind: .file, fileName: name,
                                    contentType: EvidenceRules.contentType(of: file.data, fileName: name), size: file.data.count, sha256: sha, collectedOn: access.today,
                                    collectedBy: access.user.id, createdBy: access.user.id, createdAt: now, updatedAt: now)
            try await tx.evidence.insert(evidence, content: file.data)
            try await tx.record(.change("evidence", id: evidence.id.description, action: "create", workspace: access.workspaceID, before: nil as Evidence?, after: evidence),
                                context, at: now)
            return (nil, DocumentVersion.File(evidenceID: evidence.id, name: name, size: file.data.count, contentType: evidence.contentType ?? "application/octet-stream"), sha)
        }
        guard let body = input.body, Text.nonBlank(body) != nil else { v.add("body", "error.required"); return nil }
        if body.count > 200_000 { v.add("body", "error.tooLong", ["max": "200000"]); return nil }
        let text = body.replacingOccurrences(of: "\r\n", with: "\n")
        return (text, nil, EvidenceRules.sha256(Data(text.utf8)))
    }

    /// Starts the next version as a draft: Markdown or a file, a summary of the change, major or minor.
    public func addVersion(_ access: WorkspaceAccess, _ id: ControlledDocument.ID, _ input: VersionInput, context: Context) async throws -> DocumentVersion {
        let now = services.now
        return try await services.store.write { tx in
            guard let document = try await tx.documents.entries.load(id, in: access.workspaceID, forUpdate: true) else { throw DomainError.notFound(entity: "document") }
            try Self.requireWriter(access, document)
            guard document.status != .retired else { throw DomainError.rule(code: "error.documentRetired") }
            let versions = try await tx.documents.versions.all(in: access.workspaceID, [.equal(\.documentID, id)])
            if let open = versions.first(where: \.isOpen) { throw DomainError.rule(code: "error.versionOpen", params: ["label": open.label]) }
            var v = Validator()
            let number = document.latestVersion + 1
            let summary = v.required(input.summary ?? (number == 1 ? nil : input.summary), "summary", maxLength: 1000)
            let published = versions.first { $0.number == document.publishedVersion }
            let (major, minor) = DocumentRules.nextLabel(publishedMajor: published?.major, publishedMinor: published?.minor, major: input.major ?? true)
            let content = try await content(input, access: access, document: document, number: number, tx: tx, context: context, now: now, into: &v)
            try v.check()
            let version = DocumentVersion(workspaceID: access.workspaceID, documentID: id, number: number, major: major, minor: minor, summary: summary,
                                          body: content?.body, file: content?.file, sha256: content?.sha256 ?? "", createdBy: access.user.id, createdAt: now, updatedAt: now)
            try await tx.create(tx.documents.versions, version, context: context, at: now)
            try await tx.change(tx.documents.entries, id, in: access.workspaceID, expectedVersion: nil, versionRequired: false, action: "version", context: context, at: now) {
                $0.latestVersion = number
                $0.pending = .draft
                $0.status = DocumentRules.status(retired: false, published: $0.publishedVersion != nil, latest: .draft)
            }
            return version
        }
    }

    func openVersion(_ id: ControlledDocument.ID, number: Int, access: WorkspaceAccess, tx: Writer) async throws -> (ControlledDocument, DocumentVersion) {
        guard let document = try await tx.documents.entries.load(id, in: access.workspaceID, forUpdate: true),
              let version = try await tx.documents.versions.all(in: access.workspaceID, [.equal(\.documentID, id), .equal(\.number, number)]).first else {
            throw DomainError.notFound(entity: "document_version")
        }
        return (document, version)
    }

    /// Changes a draft's text, file or summary (approved versions never change).
    public func editVersion(_ access: WorkspaceAccess, _ id: ControlledDocument.ID, number: Int, _ input: VersionInput, expectedVersion: Int?,
                            context: Context) async throws -> DocumentVersion {
        let now = services.now
        return try await services.store.write { tx in
            let (document, found) = try await openVersion(id, number: number, access: access, tx: tx)
            try Self.requireWriter(access, document)
            return try await tx.change(tx.documents.versions, found.id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { version in
                guard version.status == .draft else { throw DomainError.rule(code: "error.versionFixed", params: ["label": version.label]) }
                var v = Validator()
                if let summary = input.summary { version.summary = v.required(summary, "summary", maxLength: 1000) }
                if input.body != nil || input.file != nil,
                   let content = try await content(input, access: access, document: document, number: number, tx: tx, context: context, now: now, into: &v) {
                    version.body = content.body
                    version.file = content.file
                    version.sha256 = content.sha256
                }
                if let major = input.major, document.publishedVersion != nil {
                    let published = try await tx.documents.versions.all(in: access.workspaceID, [.equal(\.documentID, id), .equal(\.number, document.publishedVersion ?? 0)]).first
                    (version.major, version.minor) = DocumentRules.nextLabel(publishedMajor: published?.major, publishedMinor: published?.minor, major: major)
                }
                try v.check()
            }
        }
    }

    /// One step of a version: submit for review, return to the writer, approve, comment.
    public enum Step: Sendable {
        case submit
        case comment(String)
        case returnToDraft(note: String)
        case approve(note: String?)
        case publish(audience: Audience, effectiveOn: CalendarDate?)
    }

    public func step(_ access: WorkspaceAccess, _ id: ControlledDocument.ID, number: Int, _ step: Step, context: Context) async throws -> DocumentVersion {
        let now = services.now
        let today = access.today
        return try await services.store.write { tx in
            let (document, found) = try await openVersion(id, number: number, access: access, tx: tx)
            let member = try await tx.lookups.member(user: access.user.id, in: access.workspaceID)
            var action = "update"
            let after = try await tx.change(tx.documents.versions, found.id, in: access.workspaceID, expectedVersion: nil, versionRequired: false,
                                            action: Self.actionName(step), context: context, at: now) { version in
                switch step {
                case .submit:
                    try Self.requireWriter(access, document)
                    guard version.status == .draft else { throw DomainError.rule(code: "error.versionNotDraft") }
                    version.status = .inReview
                    version.submittedBy = access.user.id
                    version.submittedAt = now
                    version.returnNote = nil
                case .comment(let text):
                    try access.require(.documentsRead)
                    guard version.status == .inReview else { throw DomainError.rule(code: "error.versionNotInReview") }
                    var v = Validator()
                    let comment = v.required(text, "comment", maxLength: 4000)
                    try v.check()
                    version.comments.append(.init(by: access.user.id, at: now, text: comment))
                case .returnToDraft(let note):
                    guard version.status == .inReview else { throw DomainError.rule(code: "error.versionNotInReview") }
                    let others = try await Self.approvers(document.approver, except: version.submittedBy, access: access, tx: tx)
                    guard access.allows(.documentsManage)
                            || (member.map { DocumentRules.approves(document.approver, person: $0, othersWhoAnswer: others, on: today) } ?? false) else {
                        throw DomainError.forbiddenBecause("error.notYourApproval")
                    }
                    var v = Validator()
                    version.returnNote = v.required(note, "note", maxLength: 2000)
                    try v.check()
                    version.status = .draft
                case .approve(let note):
                    guard version.status == .inReview else { throw DomainError.rule(code: "error.versionNotInReview") }
                    guard let member else { throw DomainError.forbiddenBecause("error.notYourApproval") }
                    if member.userID == version.submittedBy { throw DomainError.forbiddenBecause("error.approveOwnSubmission") }
                    let others = try await Self.approvers(document.approver, except: version.submittedBy, access: access, tx: tx)
                    guard DocumentRules.mayApprove(document.approver, person: member, submitter: version.submittedBy, othersWhoAnswer: others, on: today) else {
                        throw DomainError.forbiddenBecause("error.notYourApproval")
                    }
                    var v = Validator()
                    version.approvalNote = v.optional(note, "note", maxLength: 2000)
                    try v.check()
                    version.status = .approved
                    version.approvedBy = access.user.id
                    version.approvedAt = now
                case .publish(let audience, let effectiveOn):
                    try access.require(.documentsManage)
                    guard version.status == .approved else { throw DomainError.rule(code: "error.versionNotApproved") }
                    guard !audience.isEmpty else { throw DomainError.invalid(field: "audience", code: "error.audienceNeeded") }
                    version.status = .published
                    version.audience = audience
                    version.effectiveOn = effectiveOn ?? today
                    version.publishedBy = access.user.id
                    version.publishedAt = now
                    action = "publish"
                }
            }
            // The register entry follows its versions.
            if action == "publish" {
                if let previous = document.publishedVersion,
                   let old = try await tx.documents.versions.all(in: access.workspaceID, [.equal(\.documentID, id), .equal(\.number, previous)]).first {
                    try await tx.change(tx.documents.versions, old.id, in: access.workspaceID, expectedVersion: nil, versionRequired: false, action: "supersede",
                                        context: context, at: now) { $0.status = .superseded }
                }
            }
            try await tx.change(tx.documents.entries, id, in: access.workspaceID, expectedVersion: nil, versionRequired: false, action: Self.actionName(step),
                                context: context, at: now) { entry in
                if action == "publish" {
                    entry.publishedVersion = after.number
                    entry.publishedMajor = after.major
                    entry.publishedLabel = after.label
                    entry.effectiveOn = after.effectiveOn
                    entry.audience = after.audience
                    entry.nextReviewOn = (after.effectiveOn ?? today).adding(months: entry.reviewIntervalMonths)
                }
                entry.pending = after.isOpen ? after.status : nil
                entry.status = DocumentRules.status(retired: false, published: entry.publishedVersion != nil, latest: entry.pending)
            }
            return after
        }
    }

    public static func actionName(_ step: Step) -> String {
        switch step {
        case .submit: "submit"
        case .comment: "comment"
        case .returnToDraft: "return"
        case .approve: "approve"
        case .publish: "publish"
        }
    }

    /// How many members other than `except` answer to the approver.
    static func approvers(_ approver: ControlledDocument.Approver, except: User.ID?, access: WorkspaceAccess, tx: Writer) async throws -> Int {
        let members: [Member]
        switch approver {
        case .topManagement: members = try await tx.members.all(holding: .topManagement, in: access.workspaceID)
        case .role(let role): members = try await tx.members.all(holding: role, in: access.workspaceID)
        case .member(let user): members = try await tx.lookups.member(user: user, in: access.workspaceID).map { [$0] } ?? []
        }
        return members.filter { $0.userID != except && DocumentRules.answers(approver, $0, on: access.today) }.count
    }

    /// Retires a document: it is no longer in force, nobody is asked to read it; its history stays.
    public func retire(_ access: WorkspaceAccess, _ id: ControlledDocument.ID, expectedVersion: Int?, context: Context) async throws -> ControlledDocument {
        try access.require(.documentsManage)
        let now = services.now
        return try await services.store.write { tx in
            let versions = try await tx.documents.versions.all(in: access.workspaceID, [.equal(\.documentID, id)])
            let document = try await tx.change(tx.documents.entries, id, in: access.workspaceID, expectedVersion: expectedVersion, versionRequired: false,
                                               action: "retire", context: context, at: now) { entry in
                guard entry.status != .retired else { throw DomainError.rule(code: "error.documentRetired") }
                entry.status = .retired
                entry.audience = nil
                entry.pending = nil
            }
            for version in versions where version.status == .published || version.isOpen {
                try await tx.change(tx.documents.versions, version.id, in: access.workspaceID, expectedVersion: nil, versionRequired: false, action: "retire",
                                    context: context, at: now) { $0.status = .retired }
            }
            return document
        }
    }

    // MARK: Reading and acknowledging

    /// The reader acknowledges the version in force (only it: a superseded version is refused).
    public func acknowledge(_ access: WorkspaceAccess, _ id: ControlledDocument.ID, number: Int?, context: Context) async throws -> Acknowledgement {
        let now = services.now
        return try await services.store.write { tx in
            guard let document = try await tx.documents.entries.load(id, in: access.workspaceID) else { throw DomainError.notFound(entity: "document") }
            // Which version was read is part of the record: it is asked for, never assumed.
            guard let number else { throw DomainError.invalid(field: "version", code: "error.required") }
            guard let version = try await tx.documents.versions.all(in: access.workspaceID, [.equal(\.documentID, id), .equal(\.number, number)]).first,
                  let member = try await tx.lookups.member(user: access.user.id, in: access.workspaceID),
                  // A reader of the document in force is told why an earlier version cannot be acknowledged.
                  Self.mayRead(access, version, member: member) || (version.status == .superseded && document.audience?.includes(member, on: access.today) == true)
            else { throw DomainError.notFound(entity: "document_version") }
            guard version.status == .published, document.publishedVersion == number else {
                throw DomainError.rule(code: "error.acknowledgeSuperseded", params: ["label": document.publishedLabel ?? ""])
            }
            guard version.audience?.includes(member, on: access.today) == true else { throw DomainError.forbiddenBecause("error.notInAudience") }
            if let existing = try await tx.documents.acknowledgements.find(document: id, major: version.major, user: access.user.id, in: access.workspaceID),
               existing.versionNumber == number {
                return existing
            }
            let acknowledgement = Acknowledgement(workspaceID: access.workspaceID, documentID: id, versionNumber: number, major: version.major,
                                                  userID: access.user.id, sha256: version.sha256, acknowledgedAt: now)
            try await tx.documents.acknowledgements.insert([acknowledgement])
            try await tx.record(.change("acknowledgement", id: acknowledgement.id.description, action: "create", workspace: access.workspaceID,
                                        before: nil as Acknowledgement?, after: acknowledgement), context, at: now)
            return acknowledgement
        }
    }
}

extension WorkspaceAccess {
    /// The caller's only active role is this one (an external auditor who is nothing else here).
    func holdsOnly(_ role: Role) -> Bool {
        guard let member else { return false }
        let active = member.grants.filter { $0.isActive(on: today) }.map(\.role)
        return !active.isEmpty && active.allSatisfy { $0 == role } && !user.isAdministrator
    }
}

/// "My work": documents to read, versions awaiting one's approval, reviews due.
struct DocumentWorkSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        var items: [WorkItem] = []
        let slug = access.workspace.slug
        if let member = access.member {
            let published = try await WorkReadMemo.shared("documents.published:\(access.workspaceID)") {
                try await reader.documents.entries.all(in: access.workspaceID, [.equal(\.isPublished, true)])
            }.filter { $0.audience?.includes(member, on: access.today) == true }
            if !published.isEmpty {
                let mine = try await reader.documents.acknowledgements.all(of: access.user.id, in: access.workspaceID)
                for document in published where !mine.contains(where: { $0.documentID == document.id && DocumentRules.counts($0, for: document) }) {
                    items.append(WorkItem(kind: .finish, titleKey: "work.readDocument", params: ["code": document.code, "title": document.title],
                                          link: "/w/\(slug)/documents/\(document.id)/versions/\(document.publishedVersion ?? 1)", due: DocumentRules.readBy(document)))
                }
            }
            // Versions awaiting this person's approval.
            let inReview = try await WorkReadMemo.shared("documents.inReview:\(access.workspaceID)") {
                try await reader.documents.entries.all(in: access.workspaceID, [.equal(\.pending, .inReview)])
            }
            for document in inReview where try await Self.approves(document, member, access: access, reader: reader) {
                items.append(WorkItem(kind: .approve, titleKey: "work.approveDocument", params: ["code": document.code, "title": document.title],
                                      link: "/w/\(slug)/documents/\(document.id)", due: nil))
            }
        }
        if access.allows(.documentsManage) || access.allows(.documentsRead) {
            let due = try await WorkReadMemo.shared("documents.reviewDue:\(access.workspaceID):\(access.today)") {
                try await reader.documents.entries.all(in: access.workspaceID, [.equal(\.status, .published), .below(\.nextReviewOn, access.today.adding(days: 31))])
            }.filter { access.allows(.documentsManage) || $0.ownerID == access.user.id }
            for document in due.prefix(20) {
                items.append(WorkItem(kind: .finish, titleKey: "work.reviewDocument", params: ["code": document.code, "title": document.title],
                                      link: "/w/\(slug)/documents/\(document.id)", due: document.nextReviewOn))
            }
        }
        return items
    }

    /// Whether this member approves the version in review (the document's approver, or top
    /// management when nobody but the submitter answers to it).
    static func approves(_ document: ControlledDocument, _ member: Member, access: WorkspaceAccess, reader: Reader) async throws -> Bool {
        if DocumentRules.answers(document.approver, member, on: access.today) { return true }
        guard member.holds(.topManagement, on: access.today) else { return false }
        let submitter = try await reader.documents.versions.all(in: access.workspaceID, [.equal(\.documentID, document.id), .equal(\.number, document.latestVersion)])
            .first?.submittedBy
        guard submitter != member.userID else { return false }
        let answering: [Member]
        switch document.approver {
        case .topManagement: return false
        case .role(let role): answering = try await reader.members.all(holding: role, in: access.workspaceID)
        case .member(let user): answering = try await reader.members.load(user: user, in: access.workspaceID).map { [$0] } ?? []
        }
        return !answering.contains { $0.userID != submitter && DocumentRules.answers(document.approver, $0, on: access.today) }
    }
}
