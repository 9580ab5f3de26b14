import Catalog
import Domain
import Foundation
import Localization
import Storage

/// A control as the SoA lists it: one of Annex A's or one of the workspace's own.
public enum SoAControl: Sendable, Hashable {
    case annex(AnnexAControl)
    case own(OwnControl)

    public var id: String {
        switch self { case .annex(let c): return c.id; case .own(let c): return c.code }
    }
    /// `A.8.5` for Annex A, the code for an own control.
    public var label: String {
        switch self { case .annex(let c): return "A.\(c.id)"; case .own(let c): return c.code }
    }
    public func title(_ language: Language) -> String {
        switch self { case .annex(let c): return c.title(language); case .own(let c): return c.title(language) }
    }
    /// The Annex A theme, or `own`.
    public var theme: String {
        switch self { case .annex(let c): return c.theme.rawValue; case .own: return "own" }
    }
    public var isOwn: Bool { if case .own = self { return true } else { return false } }
}

/// One line of the statement with what the page needs to judge it.
public struct SoALine: Sendable, Hashable {
    public var control: SoAControl
    public var entry: SoAEntry
    public var facts: SoAFacts
    public var actions: Int
    public var warnings: [SoAWarning]
    /// The documents that name the control (7.5): how it is met, in writing.
    public var documents: [ControlledDocument] = []
}

/// The SoA list's filters.
public struct SoAQuery: Sendable, Equatable {
    public var search: String?
    public var decision: SoAEntry.Decision?
    public var implementation: SoAEntry.Implementation?
    /// An Annex A theme or `own`.
    public var theme: String?
    /// Only lines with this warning; `warnedOnly` for any.
    public var warning: SoAWarning?
    public var warnedOnly: Bool

    public init(search: String? = nil, decision: SoAEntry.Decision? = nil, implementation: SoAEntry.Implementation? = nil, theme: String? = nil,
                warning: SoAWarning? = nil, warnedOnly: Bool = false) {
        self.search = search
        self.decision = decision
        self.implementation = implementation
        self.theme = theme
        self.warning = warning
        self.warnedOnly = warnedOnly
    }

    func matches(_ line: SoALine) -> Bool {
        if let decision, line.entry.decision != decision { return false }
        if let implementation, line.entry.decision != .applicable || line.entry.implementation != implementation { return false }
        if let theme, line.control.theme != theme { return false }
        if let warning, !line.warnings.contains(warning) { return false }
        if warnedOnly && line.warnings.isEmpty { return false }
        if let search = Text.nonBlank(search)?.lowercased() {
            let bare = search.hasPrefix("a.") ? String(search.dropFirst(2)) : search
            let texts = [line.control.id.lowercased(), line.control.title(.ja).lowercased(), line.control.title(.en).lowercased()]
            if !(line.control.id.lowercased() == bare || texts.contains { $0.contains(search) }) { return false }
        }
        return true
    }
}

/// How many lines are in each state, for the page's summary.
public struct SoASummary: Sendable, Hashable {
    public var total = 0
    public var applicable = 0
    public var excluded = 0
    public var undecided = 0
    public var review = 0
    public var warned = 0
    public var implemented = 0
}

/// What a person types on an SoA entry. `nil` leaves a field unchanged.
public struct SoAEntryInput: Sendable, Codable, Equatable {
    public var decision: String?
    public var justification: String?
    public var implementation: String?
    public var ownerID: User.ID??
    public var description: String?
    public var documents: String?

    public init(decision: String? = nil, justification: String? = nil, implementation: String? = nil, ownerID: User.ID?? = nil,
                description: String? = nil, documents: String? = nil) {
        self.decision = decision
        self.justification = justification
        self.implementation = implementation
        self.ownerID = ownerID
        self.description = description
        self.documents = documents
    }
}

/// The Statement of Applicability (6.1.3 d): one decided line per control, versions submitted by
/// the secretariat and approved (then frozen) by top management, comparison, export and import.
public struct Statement: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    var catalog: ReferenceCatalog { services.catalog }

    /// Every control of the statement in order: Annex A, then own controls by code.
    func controls(_ own: [OwnControl]) -> [SoAControl] {
        catalog.controls.map(SoAControl.annex) + own.map(SoAControl.own)
    }

    /// Each line with its facts and warnings, in statement order.
    public func lines(_ access: WorkspaceAccess) async throws -> [SoALine] {
        try access.require(.soaRead)
        // Counted over every risk, action, evidence file and document of the workspace at each
        // load: kept until this process's next write or 30 s (ADR 0018). What a person sees depends
        // on whether they read documents and whether they are only an external auditor.
        return try await services.soaLines.value(linesKey(access), services: services) { try await compileLines(access) }
    }

    private func linesKey(_ access: WorkspaceAccess) -> String {
        "\(access.workspaceID)|\(access.today)|\(access.allows(.documentsRead))|\(access.holdsOnly(.externalAuditor))"
    }

    private func compileLines(_ access: WorkspaceAccess) async throws -> [SoALine] {
        let workspace = access.workspaceID
        let (own, entries, risks, actions, tallies, months, documents) = try await services.store.read { db in
            var risks: [String: Int] = [:]
            if let assessment = try await db.assessments.latest(in: workspace) { risks = try await db.risks.controlCounts(in: assessment.id, workspace: workspace) }
            var documents = access.allows(.documentsRead) ? try await db.documents.byControl(in: workspace) : [:]
            // An external auditor sees the documents that were published.
            if access.holdsOnly(.externalAuditor) { documents = documents.mapValues { $0.filter(\.isPublished) } }
            return (try await db.ownControls.all(in: workspace), try await db.soa.entries(in: workspace),
                    risks, try await db.soa.actionUse(in: workspace),
                    try await db.evidence.tallies(in: workspace), try await db.soa.freshnessMonths(in: workspace).months, documents)
        }
        let riskCounts = risks
        var actionCounts: [String: Int] = [:]
        for use in actions { for control in use.controls { actionCounts[control, default: 0] += use.count } }
        let byControl = Dictionary(entries.map { ($0.controlID, $0) }, uniquingKeysWith: { a, _ in a })
        let staleBefore = access.today.adding(months: -months)
        return controls(own).map { control in
            let entry = byControl[control.id] ?? SoAEntry(workspaceID: workspace, controlID: control.id, updatedAt: Date(timeIntervalSince1970: 0))
            let tally = tallies[control.id]
            let facts = SoAFacts(linkedRisks: riskCounts[control.id] ?? 0, evidenceCount: tally?.count ?? 0, newestEvidence: tally?.newest)
            return SoALine(control: control, entry: entry, facts: facts, actions: actionCounts[control.id] ?? 0,
                           warnings: SoARules.warnings(entry, facts: facts, staleBefore: staleBefore), documents: documents[control.id] ?? [])
        }
    }

    public static func summary(_ lines: [SoALine]) -> SoASummary {
        var s = SoASummary()
        for line in lines {
            s.total += 1
            switch line.entry.decision { case .applicable: s.applicable += 1; case .excluded: s.excluded += 1; case .undecided: s.undecided += 1 }
            if line.entry.needsReview { s.review += 1 }
            if !line.warnings.isEmpty { s.warned += 1 }
            if line.entry.decision == .applicable && line.entry.implementation == .implemented { s.implemented += 1 }
        }
        return s
    }

    /// A page of the lines matching `query`; the cursor is the last control shown.
    public static func page(_ lines: [SoALine], query: SoAQuery, page: PageRequest) -> (page: Page<SoALine>, total: Int) {
        let total = lines.filter(query.matches).count
        // The cursor is a place in the whole statement, so a line that stopped matching between
        // two pages does not send the reader back to the start.
        var rest = lines[...]
        if let cursor = page.cursor.flatMap(Cursor.decode), let index = lines.firstIndex(where: { $0.control.id == cursor.key }) {
            rest = lines[(index + 1)...]
        }
        var matching = rest.filter(query.matches)
        if let skip = page.skip { matching = Array(matching.dropFirst(skip)) }
        let items = Array(matching.prefix(page.limit))
        let next = matching.count > page.limit ? items.last.map { Cursor(key: $0.control.id, id: ControlCatalog.cursorID).encoded } : nil
        return (Page(items: items, nextCursor: next, total: total), total)
    }

    /// A control of this workspace's statement by id (`8.5`, `A.8.5`) or own code.
    public func control(_ access: WorkspaceAccess, _ raw: String) async throws -> SoAControl {
        try access.require(.soaRead)
        let text = Text.trimmed(raw)
        let bare = text.uppercased().hasPrefix("A.") ? String(text.dropFirst(2)) : text
        if let annex = catalog.control(bare) { return .annex(annex) }
        guard OwnControl.validCode(text), let own = try await services.store.read({ try await $0.ownControls.load(code: text, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: "control")
        }
        return .own(own)
    }

    /// An entry's page links at most this many risks (the count says how many there are).
    public static let risksShownPerEntry = 200

    /// One line with everything its page shows.
    public struct Detail: Sendable {
        public var line: SoALine
        public var riskCodes: [(id: Risk.ID, code: String)]
        public var assessment: RiskAssessment?
        public var actions: [TreatmentAction]
        public var evidence: [Evidence]
        public var owner: User?
        public var freshnessMonths: Int
    }

    public func detail(_ access: WorkspaceAccess, _ raw: String) async throws -> Detail {
        let control = try await control(access, raw)
        let all = try await lines(access)
        guard let line = all.first(where: { $0.control.id == control.id }) else { throw DomainError.notFound(entity: "control") }
        let workspace = access.workspaceID
        return try await services.store.read { db in
            let assessment = try await db.assessments.latest(in: workspace)
            var risks: [(id: Risk.ID, code: String)] = []
            if access.allows(.risksRead), let assessment {
                risks = try await db.risks.naming(control.id, in: assessment.id, workspace: access.workspaceID, limit: Self.risksShownPerEntry)
            }
            var actions: [TreatmentAction] = []
            if access.allows(.risksRead) {
                actions = try await db.soa.actionIDs(naming: control.id, in: workspace).asyncCompactMap { try await db.actions.load($0, in: workspace) }
            }
            let evidence = access.allows(.evidenceRead) ? try await db.evidence.linked(to: EvidenceLink(.control, control.id), in: workspace) : []
            var owner: User? = nil
            if let id = line.entry.ownerID { owner = try await db.users.loadAll([id])[id] }
            return Detail(line: line, riskCodes: risks, assessment: assessment, actions: actions, evidence: evidence,
                          owner: owner, freshnessMonths: try await db.soa.freshnessMonths(in: workspace).months)
        }
    }

    /// Saves a person's decision on one control. `expectedVersion` 0 is a never-saved entry. The
    /// entry leaves the review list.
    public func update(_ access: WorkspaceAccess, control raw: String, _ input: SoAEntryInput, expectedVersion: Int?, context: Context) async throws -> SoAEntry {
        try access.require(.soaManage)
        guard let expectedVersion else { throw DomainError.versionRequired }
        let control = try await control(access, raw)
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            let before = try await tx.soa.entry(control.id, in: workspace, forUpdate: true)
                ?? SoAEntry(workspaceID: workspace, controlID: control.id, updatedAt: now)
            guard before.version == expectedVersion else { throw DomainError.conflict(entity: "soa_entry", currentVersion: before.version) }
            var after = before
            var v = Validator()
            if let raw = input.decision {
                if let decision = SoARules.decisionNames.parse(raw) { after.decision = decision } else { v.add("decision", "error.choiceValue", ["value": raw]) }
            }
            if let text = input.justification { after.justification = v.optional(text, "justification", maxLength: 4000) }
            if let raw = input.implementation {
                if let text = Text.nonBlank(raw) {
                    if let value = SoARules.implementationNames.parse(text) { after.implementation = value } else { v.add("implementation", "error.choiceValue", ["value": text]) }
                } else {
                    after.implementation = nil
                }
            }
            if after.decision != .applicable && input.decision != nil && input.implementation == nil { after.implementation = nil }
            if after.decision == .excluded, after.implementation == .notStarted { after.implementation = nil }
            if let text = input.description { after.description = v.optional(text, "description", maxLength: 8000) }
            if let text = input.documents { after.documents = v.optional(text, "documents", maxLength: 4000) }
            if let owner = input.ownerID {
                if let user = owner { try await Self.checkOwner(user, workspace: workspace, tx: tx, into: &v) }
                after.ownerID = owner
            }
            try v.check()
            let problems = SoARules.validate(after)
            if !problems.isEmpty { throw DomainError.invalid(FieldError.capped(problems)) }
            after.reviewReason = nil
            var comparable = after
            comparable.updatedAt = before.updatedAt
            guard comparable != before || !before.isStored else { return before }
            after.updatedAt = now
            let saved = try await tx.soa.save(after)
            try await tx.record(.change("soa_entry", id: control.id, action: before.isStored ? "update" : "create", workspace: workspace,
                                        before: before.isStored ? before : nil, after: saved), context, at: now)
            return saved
        }
    }

    static func checkOwner(_ user: User.ID, workspace: Workspace.ID, tx: Writer, into v: inout Validator) async throws {
        if try await tx.lookups.member(user: user, in: workspace) == nil { v.add("ownerId", "error.notAMember") }
    }

    // MARK: Settings

    public func freshnessMonths(_ access: WorkspaceAccess) async throws -> (months: Int, version: Int) {
        try access.require(.soaRead)
        return try await services.store.read { try await $0.soa.freshnessMonths(in: access.workspaceID) }
    }

    /// How old evidence may be before the page warns (1–60 months).
    public func setFreshnessMonths(_ access: WorkspaceAccess, _ raw: String?, expectedVersion: Int?, context: Context) async throws -> Int {
        try access.require(.soaManage)
        guard let expectedVersion else { throw DomainError.versionRequired }
        guard let text = Text.nonBlank(raw) else { throw DomainError.invalid(field: "freshnessMonths", code: "error.required") }
        guard let months = Int(Text.halfWidth(text)), (1...60).contains(months) else {
            throw DomainError.invalid(field: "freshnessMonths", code: "error.range", params: ["min": "1", "max": "60"])
        }
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            let current = try await tx.soa.freshnessMonths(in: workspace)
            guard current.version == expectedVersion else { throw DomainError.conflict(entity: "soa_settings", currentVersion: current.version) }
            try await tx.soa.setFreshnessMonths(months, version: current.version, in: workspace)
            try await tx.record(.change("soa_settings", id: workspace.description, action: "update", workspace: workspace,
                                        before: ["freshnessMonths": current.months], after: ["freshnessMonths": months]), context, at: now)
            return months
        }
    }

    // MARK: Versions

    /// A line lists at most this many risk codes (and says how many more): a control named by
    /// thousands of risks would otherwise overflow a spreadsheet cell.
    public static let riskCodesPerLine = 50

    /// The statement as it stands, frozen into lines (titles, owner names and risk codes copied).
    func snapshot(_ access: WorkspaceAccess, lines: [SoALine]) async throws -> [SoASnapshot] {
        let workspace = access.workspaceID
        let (people, codes) = try await services.store.read { db in
            var codes: [String: [String]] = [:]
            if let assessment = try await db.assessments.latest(in: workspace) { codes = try await db.risks.codesByControl(in: assessment.id, workspace: workspace, limit: Self.riskCodesPerLine) }
            return (try await db.users.loadAll(lines.compactMap(\.entry.ownerID)), codes)
        }
        return lines.map { line in
            let e = line.entry
            return SoASnapshot(controlID: line.control.id, theme: line.control.theme, titleJa: line.control.title(.ja), titleEn: line.control.title(.en),
                               decision: e.decision, justification: e.justification, implementation: e.decision == .applicable ? e.implementation : nil,
                               owner: e.ownerID.flatMap { people[$0]?.displayName }, description: e.description, documents: e.documents,
                               linkedDocuments: line.documents.map { "\($0.code) \($0.title)" },
                               risks: codes[line.control.id] ?? [], riskCount: line.facts.linkedRisks, evidenceCount: line.facts.evidenceCount)
        }
    }

    /// The statement as it stands, as the lines a version would freeze. Kept like its lines until
    /// the next write (ADR 0018): naming each control's risks read every link of the assessment
    /// (19,000 on the enterprise workspace) at every print.
    public func current(_ access: WorkspaceAccess) async throws -> [SoASnapshot] {
        try access.require(.soaRead)
        return try await services.soaSnapshots.value(linesKey(access), services: services) { try await snapshot(access, lines: try await lines(access)) }
    }

    public func versions(_ access: WorkspaceAccess) async throws -> [SoAVersion] {
        try access.require(.soaRead)
        return try await services.store.read { try await $0.soa.versions(in: access.workspaceID) }
    }

    public func version(_ access: WorkspaceAccess, number: Int) async throws -> SoAVersion {
        try access.require(.soaRead)
        guard let version = try await services.store.read({ try await $0.soa.version(number, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: "soa_version")
        }
        return version
    }

    /// The secretariat submits the statement as it stands: nothing undecided, nothing left on the
    /// review list, and no other version waiting for approval.
    public func submit(_ access: WorkspaceAccess, note: String?, context: Context) async throws -> SoAVersion {
        try access.require(.soaManage)
        let all = try await lines(access)
        let problems = SoARules.submissionProblems(all.map(\.entry), controlIDs: all.map(\.control.id))
        if !problems.isEmpty { throw DomainError.invalid(FieldError.capped(problems)) }
        var v = Validator()
        let note = v.optional(note, "note", maxLength: 2000)
        try v.check()
        let lines = try await snapshot(access, lines: all)
        let now = services.now
        let workspace = access.workspaceID
        let person = access.user.id
        return try await services.store.write { tx in
            if try await tx.soa.versions(in: workspace).contains(where: { $0.status == .inReview }) { throw DomainError.rule(code: "error.soaVersionPending") }
            let version = SoAVersion(workspaceID: workspace, number: try await tx.soa.nextNumber(in: workspace), submittedBy: person, submittedAt: now,
                                     note: note, entries: lines)
            try await tx.soa.insert(version)
            try await tx.record(.change("soa_version", id: String(version.number), action: "submit", workspace: workspace, before: nil as SoAVersion?,
                                        after: version), context, at: now)
            return version
        }
    }

    /// Top management approves the submitted version (frozen from then on) or returns it with a note.
    public func decide(_ access: WorkspaceAccess, number: Int, approve: Bool, note: String?, expectedVersion: Int?, context: Context) async throws -> SoAVersion {
        if approve { try access.require(.soaApprove) } else {
            guard access.allows(.soaApprove) || access.allows(.soaManage) else { throw DomainError.forbidden }
        }
        let now = services.now
        let workspace = access.workspaceID
        let person = access.user.id
        return try await services.store.write { tx in
            guard let before = try await tx.soa.version(number, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "soa_version") }
            if let expectedVersion, before.version != expectedVersion { throw DomainError.conflict(entity: "soa_version", currentVersion: before.version) }
            guard before.status == .inReview else { throw DomainError.rule(code: "error.soaVersionNotInReview") }
            if approve { try SegregationOfDuties.requireApprover(person, differentFrom: before.submittedBy) }
            var v = Validator()
            let text = approve ? v.optional(note, "note", maxLength: 2000) : v.required(note, "note", maxLength: 2000)
            try v.check()
            var after = before
            after.status = approve ? .approved : .returned
            after.decidedBy = person
            after.decidedAt = now
            after.decisionNote = text
            let saved = try await tx.soa.update(after)
            var summaryBefore = before, summaryAfter = saved
            summaryBefore.entries = []; summaryAfter.entries = []
            try await tx.record(.change("soa_version", id: String(number), action: approve ? "approve" : "return", workspace: workspace,
                                        before: summaryBefore, after: summaryAfter), context, at: now)
            return saved
        }
    }

    /// What changed per control from version `from` to version `to` (or to the statement as it stands).
    public func compare(_ access: WorkspaceAccess, from: Int, to: Int?) async throws -> (from: SoAVersion, to: SoAVersion?, changes: [SoAChange]) {
        let old = try await version(access, number: from)
        if let to {
            let new = try await version(access, number: to)
            return (old, new, SoAChange.between(old.entries, new.entries))
        }
        return (old, nil, SoAChange.between(old.entries, try await current(access)))
    }

    /// The newest approved version, if any.
    public func approved(_ access: WorkspaceAccess) async throws -> SoAVersion? {
        guard let summary = try await versions(access).first(where: { $0.status == .approved }) else { return nil }
        return try await version(access, number: summary.number)
    }

    // MARK: Export

    public static let exportKeys = ["id", "theme", "title", "applicable", "justification", "status", "owner", "description", "documents", "risks", "evidence"]

    /// The statement (as it stands, or version `number`) as CSV or Excel in one language. Every
    /// control appears; undecided ones say so. Kept like the lines it is written from, until the
    /// next write (ADR 0018): writing the workbook was most of the export's time.
    public func export(_ access: WorkspaceAccess, format: Tabular.Format, language: Language, version number: Int?, encoding: CSV.Encoding = .utf8) async throws -> Data {
        try access.require(.soaRead)
        let key = "soa|\(linesKey(access))|\(number.map(String.init) ?? "now")|\(format)|\(language)|\(encoding)"
        return try await services.renderedFiles.value(key, services: services) {
            let rows: [SoASnapshot]
            if let number { rows = try await version(access, number: number).entries } else { rows = try await current(access) }
            return try Self.table(rows, format: format, language: language, localizer: services.localizer, encoding: encoding)
        }
    }

    static func table(_ lines: [SoASnapshot], format: Tabular.Format, language: Language, localizer l: Localizer, encoding: CSV.Encoding) throws -> Data {
        let header = exportKeys.map { l.text("csv.soa.\($0)", language) }
        let rows: [[String]] = lines.map { s in
            [s.theme == "own" ? s.controlID : "A.\(s.controlID)", l.text("control.theme.\(s.theme)", language), s.title(language),
             l.text("soa.decision.\(s.decision.rawValue)", language), s.justification ?? "",
             s.implementation.map { l.text("soa.implementation.\($0.rawValue)", language) } ?? "", s.owner ?? "", s.description ?? "",
             // The linked documents, one per line, then the note: an import links them again and keeps the note.
             (s.linkedDocuments + [s.documents].compactMap { $0 }).joined(separator: "\n"),
             s.riskList, String(s.evidenceCount)]
        }
        return try Tabular.write(sheet: l.text("cap.soa", language), header: header, rows: rows, widths: [9, 14, 36, 10, 44, 14, 16, 48, 28, 18, 8],
                                 format: format, encoding: encoding)
    }
}

extension Sequence {
    func asyncCompactMap<T>(_ transform: (Element) async throws -> T?) async rethrows -> [T] {
        var result: [T] = []
        for element in self { if let value = try await transform(element) { result.append(value) } }
        return result
    }
}
