import Foundation

/// An information asset (A.5.9): what it is, who owns and keeps it, where, how sensitive.
public struct Asset: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<Asset>

    public enum Kind: String, Sendable, Codable, CaseIterable { case information, software, physical, service, people, facility }
    public enum Form: String, Sendable, Codable, CaseIterable { case electronic, paper, other }
    public enum Status: String, Sendable, Codable, CaseIterable { case active, retired }

    public var id: ID
    public var workspaceID: Workspace.ID
    /// `I-001`, unique in the workspace.
    public var code: String
    public var name: String
    public var kind: Kind
    public var form: Form
    public var ownerID: User.ID?
    public var custodianID: User.ID?
    public var departmentID: Department.ID?
    public var location: String?
    /// The key of one of the workspace's classification labels.
    public var classification: String?
    public var confidentiality: Int?
    public var integrity: Int?
    public var availability: Int?
    /// Computed by the method's rule when C, I and A are all rated.
    public var value: Int?
    /// A group of like assets (e.g. employee laptops) assessed as one.
    public var isGroup: Bool
    public var status: Status
    public var lastReviewedOn: CalendarDate?
    public var notes: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, code: String, name: String, kind: Kind, form: Form, ownerID: User.ID? = nil,
                custodianID: User.ID? = nil, departmentID: Department.ID? = nil, location: String? = nil, classification: String? = nil,
                confidentiality: Int? = nil, integrity: Int? = nil, availability: Int? = nil, value: Int? = nil, isGroup: Bool = false,
                status: Status = .active, lastReviewedOn: CalendarDate? = nil, notes: String? = nil, createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id
        self.workspaceID = workspaceID
        self.code = code
        self.name = name
        self.kind = kind
        self.form = form
        self.ownerID = ownerID
        self.custodianID = custodianID
        self.departmentID = departmentID
        self.location = location
        self.classification = classification
        self.confidentiality = confidentiality
        self.integrity = integrity
        self.availability = availability
        self.value = value
        self.isGroup = isGroup
        self.status = status
        self.lastReviewedOn = lastReviewedOn
        self.notes = notes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    /// How long an asset may go without a review before it is stale.
    public static let reviewIntervalDays = 365

    /// The day before which a review makes an asset stale today (the filter "not reviewed for a year").
    public static func staleBefore(_ today: CalendarDate) -> CalendarDate { today.adding(days: -reviewIntervalDays) }

    /// Not reviewed for twelve months (or never): the staleness detector's first question.
    public func isStale(on today: CalendarDate) -> Bool {
        guard status == .active else { return false }
        guard let reviewed = lastReviewedOn else { return true }
        return reviewed < Self.staleBefore(today)
    }
}

/// A classification label of the workspace (default 極秘/社外秘/公開 ↔ confidential/internal/public).
public struct ClassificationLabel: Sendable, Codable, Hashable {
    public var key: String
    public var labelJa: String
    public var labelEn: String
    public var rank: Int

    public init(key: String, labelJa: String, labelEn: String, rank: Int) {
        self.key = key
        self.labelJa = labelJa
        self.labelEn = labelEn
        self.rank = rank
    }

    public func label(_ language: Language) -> String { language == .ja ? labelJa : labelEn }

    public static let defaults = [
        ClassificationLabel(key: "confidential", labelJa: "極秘", labelEn: "Confidential", rank: 3),
        ClassificationLabel(key: "internal", labelJa: "社外秘", labelEn: "Internal", rank: 2),
        ClassificationLabel(key: "public", labelJa: "公開", labelEn: "Public", rank: 1),
    ]
}

/// What a person typed about an asset, raw. People are resolved to users and departments to
/// departments by the use case; choices accept the key or either language's label.
public struct AssetInput: Sendable, Codable, Equatable {
    public var code: String?
    public var name: String?
    public var kind: String?
    public var form: String?
    public var ownerID: User.ID??
    public var custodianID: User.ID??
    public var departmentID: Department.ID??
    public var location: String?
    public var classification: String?
    public var confidentiality: String?
    public var integrity: String?
    public var availability: String?
    public var isGroup: Bool?
    public var status: String?
    public var lastReviewedOn: String?
    public var notes: String?

    public init(code: String? = nil, name: String? = nil, kind: String? = nil, form: String? = nil, ownerID: User.ID?? = nil,
                custodianID: User.ID?? = nil, departmentID: Department.ID?? = nil, location: String? = nil, classification: String? = nil,
                confidentiality: String? = nil, integrity: String? = nil, availability: String? = nil, isGroup: Bool? = nil,
                status: String? = nil, lastReviewedOn: String? = nil, notes: String? = nil) {
        self.code = code
        self.name = name
        self.kind = kind
        self.form = form
        self.ownerID = ownerID
        self.custodianID = custodianID
        self.departmentID = departmentID
        self.location = location
        self.classification = classification
        self.confidentiality = confidentiality
        self.integrity = integrity
        self.availability = availability
        self.isGroup = isGroup
        self.status = status
        self.lastReviewedOn = lastReviewedOn
        self.notes = notes
    }
}

/// Names a choice may be given by: the key, or its label in either language (what Excel users type).
public struct ChoiceNames<Value: RawRepresentable & CaseIterable & Hashable & Sendable>: Sendable where Value.RawValue == String {
    public let names: [Value: [String]]
    /// Every key and name, folded as `parse` folds what a person wrote; the first value in case
    /// order wins a name two share.
    private let lookup: [String: Value]

    public init(_ names: [Value: [String]]) {
        self.names = names
        var lookup: [String: Value] = [:]
        for value in Value.allCases {
            for name in [value.rawValue] + (names[value] ?? []) where lookup[Self.fold(name)] == nil { lookup[Self.fold(name)] = value }
        }
        self.lookup = lookup
    }

    static func fold(_ text: String) -> String { Text.trimmed(text).precomposedStringWithCompatibilityMapping.lowercased() }

    /// The value a person wrote, by its key or one of its names, full- or half-width, any case.
    public func parse(_ raw: String) -> Value? { lookup[Self.fold(raw)] }
}

public enum AssetRules {
    public static let kindNames = ChoiceNames<Asset.Kind>([
        .information: ["情報", "Information", "情報資産"], .software: ["ソフトウェア", "Software", "ソフトウェア資産"],
        .physical: ["物理", "物理的資産", "Physical", "ハードウェア", "物理的"],
        .service: ["サービス", "Service"], .people: ["人", "People", "人的資産"], .facility: ["施設", "Facility"],
    ])
    /// How spreadsheets write a three-level rating when not as a number: 高/中/低, 大/中/小, H/M/L.
    public static func threeLevelWord(_ text: String) -> Int? {
        let words: [Int: [String]] = [1: ["低", "小", "l", "low"], 2: ["中", "m", "mid", "medium"], 3: ["高", "大", "h", "high"]]
        let key = Text.trimmed(text).lowercased()
        return words.first { $0.value.contains(key) }?.key
    }
    public static let formNames = ChoiceNames<Asset.Form>([.electronic: ["電子", "Electronic", "電子データ"], .paper: ["紙", "Paper"], .other: ["その他", "Other"]])
    public static let statusNames = ChoiceNames<Asset.Status>([.active: ["使用中", "In use", "Active", "有効"], .retired: ["廃棄", "廃棄済み", "Retired", "廃止"]])

    /// Codes like `I-001`: letters, digits, `-`, `_` and `.`, up to 30 characters.
    public static func validCode(_ code: String) -> Bool {
        !code.isEmpty && code.count <= 30 && code.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    /// Applies an input over an asset (nil fields keep their value; on create, kind and form default to
    /// information/electronic). C/I/A are checked against the method's scale; the value follows.
    public static func apply(_ input: AssetInput, to asset: inout Asset, creating: Bool, method: RiskMethod?, labels: [ClassificationLabel],
                             into v: inout Validator) {
        if creating || input.code != nil {
            let code = v.required(input.code.map(Text.halfWidth), "code", maxLength: 30)
            if !code.isEmpty && !validCode(code) { v.add("code", "error.assetCode") }
            asset.code = code
        }
        if creating || input.name != nil { asset.name = v.required(input.name, "name", maxLength: 200) }
        if let raw = input.kind {
            if let text = Text.nonBlank(raw) {
                if let kind = kindNames.parse(text) { asset.kind = kind } else { v.add("kind", "error.choiceValue", ["value": text]) }
            } else if creating { asset.kind = .information }
        }
        if let raw = input.form {
            if let text = Text.nonBlank(raw) {
                if let form = formNames.parse(text) { asset.form = form } else { v.add("form", "error.choiceValue", ["value": text]) }
            } else if creating { asset.form = .electronic }
        }
        if let raw = input.status {
            if let text = Text.nonBlank(raw) {
                if let status = statusNames.parse(text) { asset.status = status } else { v.add("status", "error.choiceValue", ["value": text]) }
            }
        }
        if let owner = input.ownerID { asset.ownerID = owner }
        if let custodian = input.custodianID { asset.custodianID = custodian }
        if let department = input.departmentID { asset.departmentID = department }
        if let location = input.location { asset.location = v.optional(location, "location", maxLength: 200) }
        if let notes = input.notes { asset.notes = v.optional(notes, "notes", maxLength: 2000) }
        if let isGroup = input.isGroup { asset.isGroup = isGroup }
        if let raw = input.classification {
            if let text = Text.nonBlank(raw) {
                let cleaned = text.lowercased()
                if let label = labels.first(where: { $0.key.lowercased() == cleaned || $0.labelJa.lowercased() == cleaned || $0.labelEn.lowercased() == cleaned }) {
                    asset.classification = label.key
                } else {
                    v.add("classification", "error.choiceValue", ["value": text])
                }
            } else {
                asset.classification = nil
            }
        }
        let scale = method?.ciaScale
        func rating(_ raw: String?, _ field: String, _ current: Int?) -> Int? {
            guard let raw else { return current }
            guard let text = Text.nonBlank(raw) else { return nil }
            let normalized = Text.halfWidth(text)
            if let value = Int(normalized), scale?.contains(value) ?? (1...5).contains(value) { return value }
            if let level = scale?.levels.first(where: { $0.labelJa == text || $0.labelEn.lowercased() == text.lowercased() }) { return level.value }
            if let scale, scale.count == 3, let value = AssetRules.threeLevelWord(normalized), scale.contains(value) { return value }
            v.add(field, "error.rating", ["max": String(scale?.count ?? 5)])
            return current
        }
        asset.confidentiality = rating(input.confidentiality, "confidentiality", asset.confidentiality)
        asset.integrity = rating(input.integrity, "integrity", asset.integrity)
        asset.availability = rating(input.availability, "availability", asset.availability)
        if let raw = input.lastReviewedOn {
            if let text = Text.nonBlank(raw) {
                if let date = CalendarDate(text) { asset.lastReviewedOn = date } else { v.add("lastReviewedOn", "error.date") }
            } else {
                asset.lastReviewedOn = nil
            }
        }
        asset.value = method?.assetValue(confidentiality: asset.confidentiality, integrity: asset.integrity, availability: asset.availability)
    }
}
