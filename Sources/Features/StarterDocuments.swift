import Domain
import Foundation
import Localization
import Storage

/// A starter document and where the workspace stands with it: not written yet, or written (the
/// register entry) with the facts that changed since.
public struct StarterStatus: Sendable {
    public var template: StarterTemplate
    public var document: ControlledDocument?
    public var changes: [StarterFactChange]
}

/// The starter set (issue 18): first drafts of eight ISMS documents written from the workspace's
/// own data — scope, departments, roles, the risk method, objectives, processes — as draft versions
/// in the document register, never published by themselves. Each remembers the facts it stated;
/// when they change, the document says so and a new draft merges the changed paragraphs.
public struct StarterDocuments: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    var templates: [StarterTemplate] { services.starterTemplates }

    // MARK: Facts

    /// Every fact a starter text can state, as text in `language`.
    public func facts(_ access: WorkspaceAccess, language: Language) async throws -> [String: String] {
        try access.require(.documentsRead)
        return try await services.store.read { db in try await Self.facts(db, access: access, language: language, localizer: services.localizer) }
    }

    static func facts(_ db: Reader, access: WorkspaceAccess, language: Language, localizer l: Localizer) async throws -> [String: String] {
        let workspace = access.workspace, id = access.workspaceID, ja = language == .ja
        func t(_ key: String, _ params: [String: String] = [:]) -> String { l.text("starter.fact.\(key)", language, params) }
        func names(_ list: [String]) -> String { list.joined(separator: ja ? "、" : ", ") }
        /// A fact is one paragraph: blank lines inside it would split it.
        func paragraph(_ text: String) -> String {
            text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: true)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "\n")
        }
        func list(_ items: [String], none: String) -> String { items.isEmpty ? t(none) : items.map { "- \($0)" }.joined(separator: "\n") }
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "｜").replacingOccurrences(of: "\n", with: " ") }

        var facts: [String: String] = [:]
        facts["organization"] = Text.nonBlank(workspace.organizationName) ?? workspace.name
        facts["ismsName"] = workspace.name
        facts["scope"] = Text.nonBlank(workspace.scopeStatement).map(paragraph) ?? t("scopeMissing")
        let start = workspace.fiscalYearStartMonth, end = start == 1 ? 12 : start - 1
        facts["fiscalYear"] = ja ? (start == 1 ? "1月1日から12月31日まで" : "\(start)月1日から翌年\(end)月末日まで")
            : "\(Self.englishMonth(start, first: true)) to \(Self.englishMonth(end, first: false))"

        let departments = try await db.departments.all(in: id)
        let departmentNames = Dictionary(uniqueKeysWithValues: departments.map { ($0.id, $0.name) })
        facts["departments"] = list(departments.map(\.name), none: "departmentsMissing")

        func holders(_ role: Role) async throws -> [Member] {
            try await db.members.list(in: id, filter: MemberFilter(role: role), page: PageRequest(limit: PageRequest.maximumLimit)).items
                .filter { $0.grants.contains { $0.role == role && $0.isActive(on: access.today) } }
        }
        func display(_ m: Member) -> String { Text.nonBlank(m.displayName) ?? m.email }
        let top = try await holders(.topManagement), secretariat = try await holders(.secretariat)
        let officers = try await holders(.departmentOfficer), auditors = try await holders(.internalAuditor)
        facts["topManagement"] = top.isEmpty ? t("topManagementMissing") : names(top.map(display))
        facts["secretariat"] = secretariat.isEmpty ? t("secretariatMissing") : names(secretariat.map(display))
        facts["internalAuditors"] = auditors.isEmpty ? t("auditorsMissing") : names(auditors.map(display))
        facts["secretariatContacts"] = list(secretariat.map { ja ? "\(display($0))（\($0.email)）" : "\(display($0)) (\($0.email))" }, none: "contactsMissing")
        let officerLines = officers.flatMap { member in
            member.grants.filter { $0.role == .departmentOfficer && $0.isActive(on: access.today) }
                .map { grant in (grant.departmentID.flatMap { departmentNames[$0] } ?? member.homeDepartmentID.flatMap { departmentNames[$0] } ?? "—", display(member)) }
        }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        facts["officers"] = list(officerLines.map { ja ? "\($0.0)：\($0.1)" : "\($0.0): \($0.1)" }, none: "officersMissing")

        if let method = try await db.riskMethods.current(in: id) {
            // The name only: a new version that changes nothing a document states flags nothing.
            facts["methodName"] = method.name
            let factors = method.usedFactors.map { l.text("field.\($0.rawValue)", language) }
            facts["formula"] = method.formula == .matrix ? t("formulaMatrix") : t("formula", ["factors": factors.joined(separator: " × ")])
            facts["assetValueRule"] = method.usesAssetValue ? t("assetValueRule.\(method.assetValueRule.rawValue)") : t("assetValueUnused")
            var rows = ["| \(t("scaleColumn")) | \(t("valueColumn")) | \(t("nameColumn")) | \(t("descriptionColumn")) |", "|---|---|---|---|"]
            var scales: [(String, RatingScale)] = method.usesAssetValue ? [(l.text("field.ciaScale", language), method.ciaScale)] : []
            for factor in method.usedFactors where factor != .assetValue {
                if let scale = method.scale(factor) { scales.append((l.text("field.\(factor.rawValue)", language), scale)) }
            }
            for (name, scale) in scales {
                for level in scale.levels { rows.append("| \(cell(name)) | \(level.value) | \(cell(level.label(language))) | \(cell(level.description(language))) |") }
            }
            facts["scales"] = rows.joined(separator: "\n")
            facts["bands"] = (["| \(t("levelColumn")) | \(t("rangeColumn")) |", "|---|---|"]
                + method.bands.map { "| \(cell($0.label(language))) | \($0.minimum)–\($0.maximum) |" }).joined(separator: "\n")
            facts["acceptance"] = t("acceptance", ["score": String(method.acceptableUpTo)])
        } else {
            for key in ["methodName", "formula", "assetValueRule", "scales", "bands", "acceptance"] { facts[key] = t("methodMissing.\(key)") }
        }

        // Information security objectives only (6.2), not the measures of control effectiveness.
        let objectives = try await db.objectives.list(in: id, query: ObjectiveQuery(kind: .objective), page: PageRequest(limit: PageRequest.maximumLimit)).items
        facts["objectives"] = list(objectives.map { o in
            ja ? "\(o.statement)（目標：\(ObjectiveText.target(o, language, l))）" : "\(o.statement) (target: \(ObjectiveText.target(o, language, l)))"
        }, none: "objectivesMissing")
        let processes = try await db.checkAct.processes.all(in: id)
        facts["processes"] = list(processes.map(\.name), none: "processesMissing")
        return facts.mapValues(paragraph)
    }

    static func englishMonth(_ month: Int, first: Bool) -> String {
        let names = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        let days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return "\(first ? 1 : days[month - 1]) \(names[month - 1])"
    }

    // MARK: Where the set stands

    /// Each starter document: its register entry if written, and the facts that changed since
    /// (measured in the language it was written in).
    public func statuses(_ access: WorkspaceAccess) async throws -> [StarterStatus] {
        try access.require(.documentsRead)
        // Read on every view of the register: kept until this process writes anything (ADR 0012's cache).
        let key = "\(access.workspaceID)|\(access.today)", generation = services.store.writes.current
        if let cached = services.starterCache.value(key, generation: generation, now: services.now) { return cached }
        let result = try await services.store.read { db in
            let written = try await Self.written(db, in: access.workspaceID)
            var facts: [Language: [String: String]] = [:]
            var result: [StarterStatus] = []
            for template in templates {
                guard let document = written[template.key], let origin = document.starter else {
                    result.append(StarterStatus(template: template, document: nil, changes: []))
                    continue
                }
                if facts[origin.language] == nil {
                    facts[origin.language] = try await Self.facts(db, access: access, language: origin.language, localizer: services.localizer)
                }
                result.append(StarterStatus(template: template, document: document,
                                            changes: StarterRules.changes(of: origin, template: template, current: facts[origin.language] ?? [:])))
            }
            return result
        }
        services.starterCache.store(result, for: key, generation: generation, now: services.now)
        return result
    }

    /// What changed under one document (nothing for a document that is not a starter).
    public func changes(_ access: WorkspaceAccess, _ document: ControlledDocument) async throws -> [StarterFactChange] {
        guard document.starter != nil, document.status != .retired else { return [] }
        return try await statuses(access).first { $0.document?.id == document.id }?.changes ?? []
    }

    /// The workspace's starter documents that are not retired, by key.
    static func written(_ db: Reader, in workspace: Workspace.ID) async throws -> [String: ControlledDocument] {
        var written: [String: ControlledDocument] = [:]
        for document in try await db.documents.entries.all(in: workspace, [.notEqual(\.status, .retired)]) {
            if let key = document.starter?.key, written[key] == nil { written[key] = document }
        }
        return written
    }

    // MARK: Writing

    /// Writes the starter documents not yet in the register (all, or those named) as drafts in
    /// `language`, in one transaction; answers with the documents written.
    public func generate(_ access: WorkspaceAccess, keys: [String]?, language: Language, context: Context) async throws -> [ControlledDocument] {
        try access.require(.documentsManage)
        var v = Validator()
        let known = Set(templates.map(\.key))
        for key in keys ?? [] where !known.contains(key) { v.add("keys", "error.starterUnknown", ["value": key]) }
        try v.check()
        let wanted = templates.filter { keys.map(Set.init)?.contains($0.key) ?? true }
        let now = services.now
        return try await services.store.write { tx in
            try await tx.sequences.lockWorkspace(access.workspaceID)
            let written = try await Self.written(tx.read, in: access.workspaceID)
            let facts = try await Self.facts(tx.read, access: access, language: language, localizer: services.localizer)
            let ownerIsMember = try await tx.lookups.member(user: access.user.id, in: access.workspaceID) != nil
            var created: [ControlledDocument] = []
            for template in wanted where written[template.key] == nil {
                let number = try await tx.sequences.next(Numbering.document, in: access.workspaceID)
                var document = ControlledDocument(workspaceID: access.workspaceID, number: number, code: template.code, title: template.title(language),
                                                  kind: template.kind, ownerID: ownerIsMember ? access.user.id : nil, references: template.references,
                                                  createdAt: now, updatedAt: now)
                // The organization's own code wins: ours steps aside to the register's numbering.
                func taken(_ code: String) async throws -> Bool {
                    try await tx.documents.entries.all(in: access.workspaceID, [.equal(\.codeKey, ControlledDocument.codeKey(code))]).first != nil
                }
                if try await taken(document.code) {
                    var candidate = number
                    while try await taken(Numbering.code("DOC-", candidate)) { candidate = try await tx.sequences.next(Numbering.document, in: access.workspaceID) }
                    document.number = candidate
                    document.code = Numbering.code("DOC-", candidate)
                }
                let used = template.facts(language)
                document.starter = StarterOrigin(key: template.key, language: language, facts: facts.filter { used.contains($0.key) }, generatedAt: now)
                let body = StarterRules.render(template.body(language), facts)
                let version = DocumentVersion(workspaceID: access.workspaceID, documentID: document.id, number: 1, major: 1, minor: 0,
                                              summary: services.localizer.text("starter.summaryFirst", language),
                                              body: body, sha256: EvidenceRules.sha256(Data(body.utf8)), createdBy: access.user.id, createdAt: now, updatedAt: now)
                document.latestVersion = 1
                document.pending = .draft
                document.status = .draft
                created.append(try await tx.create(tx.documents.entries, document, context: context, at: now))
                try await tx.create(tx.documents.versions, version, context: context, at: now)
            }
            return created
        }
    }

    /// Brings a starter document whose data changed up to date as a draft: each changed paragraph
    /// is rewritten where its text is still as it was written; a paragraph rewritten by hand is
    /// left alone and named in the version's summary. The draft being written is updated in
    /// place; otherwise a new draft version starts from the newest text. A version in review or
    /// approved must be finished first. The document then remembers today's facts.
    public func redraft(_ access: WorkspaceAccess, _ id: ControlledDocument.ID, context: Context) async throws -> DocumentVersion {
        let now = services.now
        return try await services.store.write { tx in
            guard let document = try await tx.documents.entries.load(id, in: access.workspaceID, forUpdate: true) else { throw DomainError.notFound(entity: "document") }
            try Documents.requireWriter(access, document)
            guard document.status != .retired else { throw DomainError.rule(code: "error.documentRetired") }
            guard let origin = document.starter, let template = templates.first(where: { $0.key == origin.key }) else {
                throw DomainError.rule(code: "error.notAStarter")
            }
            let versions = try await tx.documents.versions.all(in: access.workspaceID, [.equal(\.documentID, id)])
            let open = versions.first(where: \.isOpen)
            if let open, open.status != .draft { throw DomainError.rule(code: "error.versionOpen", params: ["label": open.label]) }
            // A version kept as a file (PDF, Word) has no text to bring up to date.
            if let newest = open ?? versions.max(by: { $0.number < $1.number }), newest.body == nil {
                throw DomainError.rule(code: "error.starterFileVersion", params: ["label": newest.label])
            }
            let facts = try await Self.facts(tx.read, access: access, language: origin.language, localizer: services.localizer)
            let changes = StarterRules.changes(of: origin, template: template, current: facts)
            guard !changes.isEmpty else { throw DomainError.rule(code: "error.starterUnchanged") }
            let latest = open ?? versions.max { $0.number < $1.number }
            let base = StarterRules.render(template.body(origin.language), origin.facts)
            let regenerated = StarterRules.render(template.body(origin.language), facts)
            let merge = StarterRules.merge(current: latest?.body ?? base, base: base, regenerated: regenerated)
            let l = services.localizer, language = origin.language
            let changed = changes.map { l.text("starter.fact.label.\($0.name)", language) }.joined(separator: language == .ja ? "、" : ", ")
            var note = l.text("starter.summaryRedraft", language, ["facts": changed, "count": String(merge.updated)])
            if !merge.notApplied.isEmpty { note += " " + l.text("starter.summaryNotApplied", language, ["count": String(merge.notApplied.count)]) }
            let sha = EvidenceRules.sha256(Data(merge.text.utf8))
            let version: DocumentVersion
            if let open {
                version = try await tx.change(tx.documents.versions, open.id, in: access.workspaceID, expectedVersion: nil, versionRequired: false,
                                              action: "update", context: context, at: now) {
                    $0.body = merge.text
                    $0.file = nil
                    $0.sha256 = sha
                    $0.summary = String(($0.summary.isEmpty ? note : "\($0.summary) / \(note)").prefix(1000))
                }
            } else {
                let published = versions.first { $0.number == document.publishedVersion }
                let (major, minor) = DocumentRules.nextLabel(publishedMajor: published?.major, publishedMinor: published?.minor, major: true)
                version = DocumentVersion(workspaceID: access.workspaceID, documentID: id, number: document.latestVersion + 1, major: major, minor: minor,
                                          summary: note, body: merge.text, sha256: sha, createdBy: access.user.id, createdAt: now, updatedAt: now)
                try await tx.create(tx.documents.versions, version, context: context, at: now)
            }
            // Facts whose paragraphs were rewritten by hand stay as they were, so the document keeps
            // saying they changed until a person brings them in.
            let templateParagraphs = StarterRules.paragraphs(template.body(language))
            let pending = Set(merge.notAppliedIndexes.filter(templateParagraphs.indices.contains).flatMap { StarterRules.placeholders(templateParagraphs[$0]) })
            var remembered = facts.filter { template.facts(language).contains($0.key) }
            for name in pending { remembered[name] = origin.facts[name] }
            try await tx.change(tx.documents.entries, id, in: access.workspaceID, expectedVersion: nil, versionRequired: false, action: "version", context: context, at: now) {
                $0.latestVersion = max($0.latestVersion, version.number)
                $0.pending = .draft
                $0.status = DocumentRules.status(retired: false, published: $0.publishedVersion != nil, latest: .draft)
                $0.starter = StarterOrigin(key: origin.key, language: language, facts: remembered, generatedAt: now)
            }
            return version
        }
    }
}
