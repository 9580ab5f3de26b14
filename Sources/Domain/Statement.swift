import Foundation

/// A control the workspace added beside Annex A (a sector rule, a group policy): decided, linked
/// and exported in the Statement of Applicability like the catalog's.
public struct OwnControl: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<OwnControl>

    public var id: ID
    public var workspaceID: Workspace.ID
    public var code: String
    public var titleJa: String
    public var titleEn: String
    public var description: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, code: String, titleJa: String, titleEn: String, description: String? = nil,
                createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id
        self.workspaceID = workspaceID
        self.code = code
        self.titleJa = titleJa
        self.titleEn = titleEn
        self.description = description
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    public func title(_ language: Language) -> String { language == .ja ? titleJa : titleEn }

    /// Own codes hold a letter (Annex A ids are digits and dots, so the two never collide): letters,
    /// digits, `-`, `_` and `.`, up to 20 characters, and not written like an Annex A id (`A.5.1`).
    public static func validCode(_ code: String) -> Bool {
        guard !code.isEmpty, code.count <= 20, code.contains(where: \.isLetter),
              code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else { return false }
        // Nothing that reads as an Annex A id: no `A.` prefix at all, and not `A8.5`.
        let upper = code.uppercased()
        if upper.hasPrefix("A.") { return false }
        if upper.hasPrefix("A"), upper.dropFirst().allSatisfy({ $0.isNumber || $0 == "." }) { return false }
        return true
    }
}

/// One row of the Statement of Applicability (6.1.3 d): the decision on one control, why, and how
/// far it is implemented. A control with no stored entry is undecided.
public struct SoAEntry: Sendable, Codable, Hashable {
    public typealias ID = Domain.ID<SoAEntry>
    public enum Decision: String, Sendable, Codable, CaseIterable { case undecided, applicable, excluded }
    public enum Implementation: String, Sendable, Codable, CaseIterable { case notStarted, planned, partial, implemented }

    public var id: ID
    public var workspaceID: Workspace.ID
    /// An Annex A id (`8.5`) or an own control's code.
    public var controlID: String
    public var decision: Decision
    public var justification: String?
    public var implementation: Implementation?
    public var ownerID: User.ID?
    public var description: String?
    /// The documents that describe how the control is met (names or addresses, one per line).
    public var documents: String?
    /// Set by an import when a person must decide the entry (a split or merged 2013 control, a
    /// control new in 2022); cleared when someone saves the entry.
    public var reviewReason: String?
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, controlID: String, decision: Decision = .undecided, justification: String? = nil,
                implementation: Implementation? = nil, ownerID: User.ID? = nil, description: String? = nil, documents: String? = nil,
                reviewReason: String? = nil, updatedAt: Date, version: Int = 0) {
        self.id = id
        self.workspaceID = workspaceID
        self.controlID = controlID
        self.decision = decision
        self.justification = justification
        self.implementation = implementation
        self.ownerID = ownerID
        self.description = description
        self.documents = documents
        self.reviewReason = reviewReason
        self.updatedAt = updatedAt
        self.version = version
    }

    /// Never saved: version 0.
    public var isStored: Bool { version > 0 }
    public var needsReview: Bool { reviewReason != nil }
}

/// What the SoA page warns about on one entry.
public enum SoAWarning: String, Sendable, Codable, CaseIterable {
    /// Excluded although a risk of the newest assessment relies on it.
    case excludedButRisk
    /// Applicable, but nobody wrote how it is implemented.
    case noDescription
    /// Applicable, with no evidence attached.
    case noEvidence
    /// The newest evidence is older than the freshness period.
    case staleEvidence
    /// An import left it for a person to decide.
    case reviewNeeded
}

/// The facts a warning is judged from, gathered per control.
public struct SoAFacts: Sendable, Hashable {
    public var linkedRisks: Int
    public var evidenceCount: Int
    public var newestEvidence: CalendarDate?

    public init(linkedRisks: Int = 0, evidenceCount: Int = 0, newestEvidence: CalendarDate? = nil) {
        self.linkedRisks = linkedRisks
        self.evidenceCount = evidenceCount
        self.newestEvidence = newestEvidence
    }
}

public enum SoARules {
    public static let defaultFreshnessMonths = 12

    public static let decisionNames = ChoiceNames<SoAEntry.Decision>([
        .undecided: ["未決定", "未定", "Undecided", "-", "?"],
        .applicable: ["適用", "適用する", "Applicable", "Yes", "Y", "○", "〇", "◯", "O", "✓", "✔", "はい", "有", "対象"],
        .excluded: ["除外", "適用除外", "適用しない", "Excluded", "No", "N", "×", "✕", "X", "いいえ", "無", "なし", "非適用", "対象外", "該当なし", "N/A", "NA"],
    ])
    public static let implementationNames = ChoiceNames<SoAEntry.Implementation>([
        .notStarted: ["未着手", "未実施", "Not started"], .planned: ["計画中", "予定", "Planned"],
        .partial: ["一部実施", "一部導入", "一部", "△", "Partially implemented", "Partial", "P"], .implemented: ["実施済", "実施済み", "導入済", "○", "Implemented"],
    ])

    /// The page's warnings for one entry.
    public static func warnings(_ entry: SoAEntry, facts: SoAFacts, today: CalendarDate, freshnessMonths: Int) -> [SoAWarning] {
        warnings(entry, facts: facts, staleBefore: today.adding(months: -freshnessMonths))
    }

    /// The same, with the freshness limit worked out once for a whole statement.
    public static func warnings(_ entry: SoAEntry, facts: SoAFacts, staleBefore: CalendarDate) -> [SoAWarning] {
        var warnings: [SoAWarning] = []
        if entry.needsReview { warnings.append(.reviewNeeded) }
        switch entry.decision {
        case .excluded:
            if facts.linkedRisks > 0 { warnings.append(.excludedButRisk) }
        case .applicable:
            if Text.nonBlank(entry.description) == nil { warnings.append(.noDescription) }
            if facts.evidenceCount == 0 { warnings.append(.noEvidence) }
            if let newest = facts.newestEvidence, newest < staleBefore { warnings.append(.staleEvidence) }
        case .undecided:
            break
        }
        return warnings
    }

    /// Checks a person's decision: a justification once decided, an implementation status only
    /// (and always) for an applicable control.
    public static func validate(_ entry: SoAEntry) -> [FieldError] {
        var errors: [FieldError] = []
        if entry.decision != .undecided && Text.nonBlank(entry.justification) == nil { errors.append(FieldError(field: "justification", code: "error.justificationNeeded")) }
        if entry.decision == .applicable && entry.implementation == nil { errors.append(FieldError(field: "implementation", code: "error.implementationNeeded")) }
        if entry.decision != .applicable && entry.implementation != nil && entry.implementation != .notStarted {
            errors.append(FieldError(field: "implementation", code: "error.implementationOnlyApplicable"))
        }
        return errors
    }

    /// Why the SoA cannot be submitted: every control decided, nothing left on the review list.
    public static func submissionProblems(_ entries: [SoAEntry], controlIDs: [String]) -> [FieldError] {
        let byControl = Dictionary(entries.map { ($0.controlID, $0) }, uniquingKeysWith: { a, _ in a })
        let undecided = controlIDs.filter { (byControl[$0]?.decision ?? .undecided) == .undecided }
        let review = controlIDs.filter { byControl[$0]?.needsReview ?? false }
        var errors: [FieldError] = []
        if !undecided.isEmpty {
            errors.append(FieldError(field: "entries", code: "error.soaUndecided", params: ["count": String(undecided.count), "ids": sample(undecided)]))
        }
        if !review.isEmpty {
            errors.append(FieldError(field: "entries", code: "error.soaReviewPending", params: ["count": String(review.count), "ids": sample(review)]))
        }
        return errors
    }

    static func sample(_ ids: [String]) -> String {
        ids.prefix(5).joined(separator: ", ") + (ids.count > 5 ? " …" : "")
    }
}

/// A submitted Statement of Applicability: the whole statement as it stood when submitted,
/// frozen once top management approves it.
public struct SoAVersion: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<SoAVersion>
    public enum Status: String, Sendable, Codable, CaseIterable { case inReview, approved, returned }

    public var id: ID
    public var workspaceID: Workspace.ID
    public var number: Int
    public var status: Status
    public var submittedBy: User.ID
    public var submittedAt: Date
    public var decidedBy: User.ID?
    public var decidedAt: Date?
    /// The secretariat's note when submitting.
    public var note: String?
    /// Top management's note when approving or returning.
    public var decisionNote: String?
    public var entries: [SoASnapshot]
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, number: Int, status: Status = .inReview, submittedBy: User.ID, submittedAt: Date,
                decidedBy: User.ID? = nil, decidedAt: Date? = nil, note: String? = nil, decisionNote: String? = nil, entries: [SoASnapshot], version: Int = 1) {
        self.decisionNote = decisionNote
        self.id = id
        self.workspaceID = workspaceID
        self.number = number
        self.status = status
        self.submittedBy = submittedBy
        self.submittedAt = submittedAt
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.note = note
        self.entries = entries
        self.version = version
    }
}

/// One control's line as it was frozen into a version: titles and names are copied so a later
/// rename does not rewrite an approved statement.
public struct SoASnapshot: Sendable, Codable, Hashable {
    public var controlID: String
    public var theme: String
    public var titleJa: String
    public var titleEn: String
    public var decision: SoAEntry.Decision
    public var justification: String?
    public var implementation: SoAEntry.Implementation?
    public var owner: String?
    public var description: String?
    public var documents: String?
    /// The documents that named the control when the statement was frozen (`DOC-001 情報セキュリティ基本方針`).
    public var linkedDocuments: [String]
    /// The codes of the risks that name the control (at most the first 50).
    public var risks: [String]
    /// How many risks name it in all.
    public var riskCount: Int
    public var evidenceCount: Int

    public init(controlID: String, theme: String, titleJa: String, titleEn: String, decision: SoAEntry.Decision, justification: String? = nil,
                implementation: SoAEntry.Implementation? = nil, owner: String? = nil, description: String? = nil, documents: String? = nil,
                linkedDocuments: [String] = [], risks: [String] = [], riskCount: Int? = nil, evidenceCount: Int = 0) {
        self.linkedDocuments = linkedDocuments
        self.riskCount = riskCount ?? risks.count
        self.controlID = controlID
        self.theme = theme
        self.titleJa = titleJa
        self.titleEn = titleEn
        self.decision = decision
        self.justification = justification
        self.implementation = implementation
        self.owner = owner
        self.description = description
        self.documents = documents
        self.risks = risks
        self.evidenceCount = evidenceCount
    }

    public func title(_ language: Language) -> String { language == .ja ? titleJa : titleEn }

    enum CodingKeys: String, CodingKey {
        case controlID, theme, titleJa, titleEn, decision, justification, implementation, owner, description, documents, linkedDocuments, risks, riskCount,
             evidenceCount
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        controlID = try c.decode(String.self, forKey: .controlID)
        theme = try c.decode(String.self, forKey: .theme)
        titleJa = try c.decode(String.self, forKey: .titleJa)
        titleEn = try c.decode(String.self, forKey: .titleEn)
        decision = try c.decode(SoAEntry.Decision.self, forKey: .decision)
        justification = try c.decodeIfPresent(String.self, forKey: .justification)
        implementation = try c.decodeIfPresent(SoAEntry.Implementation.self, forKey: .implementation)
        owner = try c.decodeIfPresent(String.self, forKey: .owner)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        documents = try c.decodeIfPresent(String.self, forKey: .documents)
        linkedDocuments = try c.decodeIfPresent([String].self, forKey: .linkedDocuments) ?? []
        risks = try c.decode([String].self, forKey: .risks)
        riskCount = try c.decodeIfPresent(Int.self, forKey: .riskCount) ?? risks.count
        evidenceCount = try c.decode(Int.self, forKey: .evidenceCount)
    }

    /// `R-001, R-002` — with `… (+N)` when there are more than are listed.
    public var riskList: String {
        risks.joined(separator: ", ") + (riskCount > risks.count ? (risks.isEmpty ? "" : ", ") + "… (+\(riskCount - risks.count))" : "")
    }
}

/// What changed per control between two statements.
public struct SoAChange: Sendable, Hashable {
    public enum Kind: String, Sendable { case added, removed, changed }
    public var controlID: String
    public var kind: Kind
    /// The fields that differ (`decision`, `justification`, `implementation`, `owner`, `description`, `documents`, `risks`).
    public var fields: [String]
    public var before: SoASnapshot?
    public var after: SoASnapshot?

    public static let comparedFields = ["decision", "justification", "implementation", "owner", "description", "documents", "risks"]

    /// Every control whose line differs, in the order of the newer statement (removed ones last).
    public static func between(_ old: [SoASnapshot], _ new: [SoASnapshot]) -> [SoAChange] {
        let before = Dictionary(old.map { ($0.controlID, $0) }, uniquingKeysWith: { a, _ in a })
        let newIDs = Set(new.map(\.controlID))
        var changes: [SoAChange] = []
        for line in new {
            guard let previous = before[line.controlID] else {
                changes.append(SoAChange(controlID: line.controlID, kind: .added, fields: [], before: nil, after: line))
                continue
            }
            var fields: [String] = []
            if previous.decision != line.decision { fields.append("decision") }
            if Text.nonBlank(previous.justification) != Text.nonBlank(line.justification) { fields.append("justification") }
            if previous.implementation != line.implementation { fields.append("implementation") }
            if previous.owner != line.owner { fields.append("owner") }
            if Text.nonBlank(previous.description) != Text.nonBlank(line.description) { fields.append("description") }
            if Text.nonBlank(previous.documents) != Text.nonBlank(line.documents) || previous.linkedDocuments != line.linkedDocuments { fields.append("documents") }
            if previous.risks != line.risks || previous.riskCount != line.riskCount { fields.append("risks") }
            if !fields.isEmpty { changes.append(SoAChange(controlID: line.controlID, kind: .changed, fields: fields, before: previous, after: line)) }
        }
        for line in old where !newIDs.contains(line.controlID) {
            changes.append(SoAChange(controlID: line.controlID, kind: .removed, fields: [], before: line, after: nil))
        }
        return changes
    }
}

/// How rows of an imported SoA become entries of the 2022 statement. Rows may name 2022 ids
/// (`8.5`, `A.8.5`) or 2013 ids (`A.9.4.2`, three numbers); 2013 rows go through the
/// correspondence table, and every control it does not carry over one-to-one lands on the review list.
public enum SoAMigration {
    /// One row as read from the file.
    public struct Row: Sendable, Hashable {
        public var number: Int
        public var id: String
        public var decision: SoAEntry.Decision
        public var justification: String?
        public var implementation: SoAEntry.Implementation?
        public var description: String?
        public var ownerEmail: String?
        public var documents: String?

        public init(number: Int, id: String, decision: SoAEntry.Decision, justification: String? = nil, implementation: SoAEntry.Implementation? = nil,
                    description: String? = nil, ownerEmail: String? = nil, documents: String? = nil) {
            self.documents = documents
            self.number = number
            self.id = id
            self.decision = decision
            self.justification = justification
            self.implementation = implementation
            self.description = description
            self.ownerEmail = ownerEmail
        }
    }

    /// What the import proposes for one 2022 (or own) control.
    public struct Proposal: Sendable, Hashable {
        public var controlID: String
        public var decision: SoAEntry.Decision
        public var justification: String?
        public var implementation: SoAEntry.Implementation?
        public var description: String?
        public var ownerEmail: String?
        public var documents: String?
        /// The file's rows this came from.
        public var rows: [Int]
        /// The 2013 ids it came from (empty for a 2022 row).
        public var from2013: [String]
        /// Why a person must decide: nil when it maps one-to-one.
        public var review: Review?
    }

    public enum Review: Sendable, Hashable {
        /// Several 2013 controls became this one.
        case merged([String])
        /// This 2013 control was split across several 2022 controls.
        case split(String, into: [String])
        /// No 2013 control corresponds: new in 2022.
        case new2022
        /// The merged rows disagree on the decision.
        case conflicting([String])

        public var code: String {
            switch self {
            case .merged: return "soa.review.merged"
            case .split: return "soa.review.split"
            case .new2022: return "soa.review.new2022"
            case .conflicting: return "soa.review.conflicting"
            }
        }

        public var params: [String: String] {
            switch self {
            case .merged(let ids), .conflicting(let ids): return ["ids": ids.joined(separator: ", ")]
            case .split(let id, let into): return ["id": id, "ids": into.map { "A.\($0)" }.joined(separator: ", ")]
            case .new2022: return [:]
            }
        }

        /// Stored on the entry: the message key and its parameters, `key|name=value|…`.
        public var stored: String {
            ([code] + params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: "|")
        }

        public static func parse(_ stored: String) -> (code: String, params: [String: String]) {
            let parts = stored.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            var params: [String: String] = [:]
            for part in parts.dropFirst() {
                let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
                if pair.count == 2 { params[pair[0]] = pair[1] }
            }
            return (parts.first ?? stored, params)
        }
    }

    /// `A.9.4.2` / `9.4.2` → `A.9.4.2` when it has three numbers (a 2013 id); nil otherwise.
    public static func id2013(_ raw: String) -> String? {
        var text = Text.halfWidth(Text.trimmed(raw)).uppercased()
        if text.hasPrefix("A.") { text.removeFirst(2) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else { return nil }
        return "A." + parts.map { String(Int($0) ?? 0) }.joined(separator: ".")
    }

    /// Proposals for every control the rows touch; with a 2013 file, also one for each control new
    /// in 2022. Unknown ids are field errors naming the row. The result is in catalog order.
    public static func plan(_ rows: [Row], catalog: ReferenceCatalog, ownCodes: Set<String>) throws -> [Proposal] {
        var errors: [FieldError] = []
        var direct: [String: Proposal] = [:]
        var via2013: [String: [(row: Row, id2013: String)]] = [:]
        var seen2013: Set<String> = []
        var uses2013 = false
        let sources = Dictionary(grouping: catalog.mapping2013.flatMap { m in m.ids2022.map { ($0, m.id2013) } }, by: \.0).mapValues { $0.map(\.1) }
        let mapping = Dictionary(catalog.mapping2013.map { ($0.id2013, $0.ids2022) }, uniquingKeysWith: { a, _ in a })
        for row in rows {
            if let old = id2013(row.id) {
                uses2013 = true
                guard let targets = mapping[old] else { errors.append(FieldError(field: "id", code: "error.unknown2013Control", params: ["value": row.id], row: row.number)); continue }
                if !seen2013.insert(old).inserted { errors.append(FieldError(field: "id", code: "error.duplicateControl", params: ["value": row.id], row: row.number)); continue }
                for target in targets { via2013[target, default: []].append((row, old)) }
                continue
            }
            let raw = Text.halfWidth(Text.trimmed(row.id))
            let own = ownCodes.first { $0.caseInsensitiveCompare(raw) == .orderedSame }
            let id = raw.uppercased().hasPrefix("A.") ? String(raw.dropFirst(2)) : raw
            guard catalog.control(id) != nil || own != nil else {
                errors.append(FieldError(field: "id", code: "error.unknownControl", params: ["value": row.id], row: row.number)); continue
            }
            let controlID = own ?? id
            if direct[controlID] != nil { errors.append(FieldError(field: "id", code: "error.duplicateControl", params: ["value": row.id], row: row.number)); continue }
            direct[controlID] = Proposal(controlID: controlID, decision: row.decision, justification: row.justification, implementation: row.implementation,
                                         description: row.description, ownerEmail: row.ownerEmail, documents: row.documents, rows: [row.number], from2013: [], review: nil)
        }
        if !errors.isEmpty { throw DomainError.invalid(errors) }
        for (target, feeding) in via2013 where direct[target] == nil {
            let ids = feeding.map(\.id2013)
            let decisions = Set(feeding.map(\.row.decision))
            var review: Review? = nil
            if feeding.count == 1, let split = mapping[feeding[0].id2013], split.count > 1 {
                review = .split(feeding[0].id2013, into: split)
            } else if (sources[target] ?? []).count > 1 {
                review = decisions.count > 1 ? .conflicting(ids) : .merged(sources[target] ?? ids)
            }
            // Several rows: applicable wins over excluded (the safer reading); a person confirms.
            let decision: SoAEntry.Decision = decisions.contains(.applicable) ? .applicable : (decisions.first ?? .undecided)
            func joined(_ values: [String?]) -> String? {
                let texts = zip(feeding, values).compactMap { pair -> String? in
                    guard let text = Text.nonBlank(pair.1) else { return nil }
                    return feeding.count > 1 ? "[\(pair.0.id2013)] \(text)" : text
                }
                return texts.isEmpty ? nil : texts.joined(separator: "\n")
            }
            let implementations = feeding.compactMap(\.row.implementation)
            direct[target] = Proposal(controlID: target, decision: decision, justification: joined(feeding.map(\.row.justification)),
                                      implementation: decision == .applicable ? implementations.min { $0.rank < $1.rank } : nil,
                                      description: joined(feeding.map(\.row.description)), ownerEmail: feeding.compactMap(\.row.ownerEmail).first,
                                      documents: joined(feeding.map(\.row.documents)),
                                      rows: feeding.map(\.row.number).sorted(), from2013: ids.sorted(by: ControlOrder.less2013), review: review)
        }
        if uses2013 {
            for control in catalog.controls where (sources[control.id] ?? []).isEmpty && direct[control.id] == nil {
                direct[control.id] = Proposal(controlID: control.id, decision: .undecided, rows: [], from2013: [], review: .new2022)
            }
        }
        let annex = catalog.controls.map(\.id).filter { direct[$0] != nil }
        let own = direct.keys.filter { catalog.control($0) == nil }.sorted()
        return (annex + own).compactMap { direct[$0] }
    }
}

extension SoAEntry.Implementation {
    /// How far along: the least advanced wins when rows are merged.
    public var rank: Int {
        switch self { case .notStarted: return 0; case .planned: return 1; case .partial: return 2; case .implemented: return 3 }
    }
}

extension ControlOrder {
    /// `A.9.4.2` order.
    public static func less2013(_ a: String, _ b: String) -> Bool {
        less(a.hasPrefix("A.") ? String(a.dropFirst(2)) : a, b.hasPrefix("A.") ? String(b.dropFirst(2)) : b)
    }
}

extension CalendarDate {
    /// The same day `months` later (or earlier), clamped to the month's last day.
    public func adding(months: Int) -> CalendarDate {
        let total = year * 12 + (month - 1) + months
        let y = total / 12, m = total % 12 + 1
        var d = day
        while d > 28, CalendarDate(year: y, month: m, day: d) == nil { d -= 1 }
        return CalendarDate(year: y, month: m, day: d) ?? self
    }
}
