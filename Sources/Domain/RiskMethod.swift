import Foundation

/// One level of a rating scale (1…n), named in both languages.
public struct ScaleLevel: Sendable, Codable, Hashable {
    public var value: Int
    public var labelJa: String
    public var labelEn: String
    public var descriptionJa: String
    public var descriptionEn: String

    public init(value: Int, labelJa: String, labelEn: String, descriptionJa: String = "", descriptionEn: String = "") {
        self.value = value
        self.labelJa = labelJa
        self.labelEn = labelEn
        self.descriptionJa = descriptionJa
        self.descriptionEn = descriptionEn
    }

    public func label(_ language: Language) -> String { language == .ja ? labelJa : labelEn }
    public func description(_ language: Language) -> String { language == .ja ? descriptionJa : descriptionEn }
}

/// A rating scale of 3 to 5 levels numbered 1…n.
public struct RatingScale: Sendable, Codable, Hashable {
    public var levels: [ScaleLevel]

    public init(levels: [ScaleLevel]) { self.levels = levels }

    public var count: Int { levels.count }
    public var values: ClosedRange<Int> { 1...max(1, levels.count) }
    public func contains(_ value: Int) -> Bool { values.contains(value) }
    public func level(_ value: Int) -> ScaleLevel? { levels.first { $0.value == value } }

    /// 3–5 levels numbered 1…n, each named in both languages.
    func validate(_ field: String, into v: inout Validator) {
        if !(3...5).contains(levels.count) { v.add(field, "error.scaleLevels") }
        if levels.map(\.value) != Array(1...max(1, levels.count)) { v.add(field, "error.scaleNumbering") }
        if levels.contains(where: { Text.nonBlank($0.labelJa) == nil || Text.nonBlank($0.labelEn) == nil }) { v.add(field, "error.scaleLabels") }
    }
}

/// A level band (e.g. low 1–8) with its colour; every possible score lies in exactly one band.
public struct RiskBand: Sendable, Codable, Hashable {
    public var key: String
    public var labelJa: String
    public var labelEn: String
    public var minimum: Int
    public var maximum: Int
    /// `#rrggbb`
    public var colour: String

    public init(key: String, labelJa: String, labelEn: String, minimum: Int, maximum: Int, colour: String) {
        self.key = key
        self.labelJa = labelJa
        self.labelEn = labelEn
        self.minimum = minimum
        self.maximum = maximum
        self.colour = colour
    }

    public func contains(_ score: Int) -> Bool { (minimum...max(minimum, maximum)).contains(score) }
    public func label(_ language: Language) -> String { language == .ja ? labelJa : labelEn }
}

/// How a risk's score is computed (6.1.2).
public enum RiskFormula: String, Sendable, Codable, CaseIterable {
    /// Asset value × threat × vulnerability: the method most Japanese ISMS registers use.
    case assetThreatVulnerability
    /// Likelihood × impact.
    case likelihoodImpact
    /// An explicit matrix: the score of each (likelihood, impact) cell is written down.
    case matrix
    /// The product of two or three factors the method chooses (`RiskMethod.factors`), e.g. asset
    /// value × impact × likelihood (資産価値×影響度×発生可能性). The first two formulas are this
    /// with fixed factors.
    case product
}

/// A rating a product formula can multiply.
public enum RiskFactor: String, Sendable, Codable, CaseIterable {
    /// Taken from the asset's C, I and A (or entered for a scenario without an asset).
    case assetValue
    case threat, vulnerability, likelihood, impact
}

/// How an asset's value is derived from its C, I and A ratings.
public enum AssetValueRule: String, Sendable, Codable, CaseIterable {
    case max, sum, product

    public func value(_ ratings: [Int]) -> Int? {
        guard !ratings.isEmpty else { return nil }
        switch self {
        case .max: return ratings.max()
        case .sum: return ratings.reduce(0, +)
        case .product: return ratings.reduce(1, *)
        }
    }
}

/// The ratings a risk carries; which of them count depends on the formula.
public struct RiskRating: Sendable, Codable, Hashable {
    /// Asset value, for the asset-based formula (taken from the asset, or entered for a scenario).
    public var assetValue: Int?
    public var threat: Int?
    public var vulnerability: Int?
    public var likelihood: Int?
    public var impact: Int?

    public init(assetValue: Int? = nil, threat: Int? = nil, vulnerability: Int? = nil, likelihood: Int? = nil, impact: Int? = nil) {
        self.assetValue = assetValue
        self.threat = threat
        self.vulnerability = vulnerability
        self.likelihood = likelihood
        self.impact = impact
    }

    public subscript(factor: RiskFactor) -> Int? {
        get {
            switch factor {
            case .assetValue: assetValue
            case .threat: threat
            case .vulnerability: vulnerability
            case .likelihood: likelihood
            case .impact: impact
            }
        }
        set {
            switch factor {
            case .assetValue: assetValue = newValue
            case .threat: threat = newValue
            case .vulnerability: vulnerability = newValue
            case .likelihood: likelihood = newValue
            case .impact: impact = newValue
            }
        }
    }
}

/// A workspace's risk method: scales, formula, bands and acceptance criterion (6.1.2 a–b). A
/// version, once published, never changes; a change is a new version, so an assessment keeps the
/// method it was made with.
public struct RiskMethod: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<RiskMethod>

    public enum Status: String, Sendable, Codable, CaseIterable { case draft, published }

    public var id: ID
    public var workspaceID: Workspace.ID
    /// 1, 2, 3… per workspace.
    public var number: Int
    public var name: String
    public var status: Status
    public var formula: RiskFormula
    /// For `.product`: the factors multiplied, two or three, in the order they are shown.
    public var factors: [RiskFactor]?
    /// The C, I and A scale of assets, and how an asset's value follows from them.
    public var ciaScale: RatingScale
    public var assetValueRule: AssetValueRule
    public var threatScale: RatingScale?
    public var vulnerabilityScale: RatingScale?
    public var likelihoodScale: RatingScale?
    public var impactScale: RatingScale?
    /// For `.matrix`: `matrix[likelihood - 1][impact - 1]` is the score.
    public var matrix: [[Int]]?
    public var bands: [RiskBand]
    /// Scores up to and including this are accepted without further treatment.
    public var acceptableUpTo: Int
    public var publishedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, number: Int, name: String, status: Status = .draft, formula: RiskFormula,
                factors: [RiskFactor]? = nil, ciaScale: RatingScale, assetValueRule: AssetValueRule, threatScale: RatingScale? = nil, vulnerabilityScale: RatingScale? = nil,
                likelihoodScale: RatingScale? = nil, impactScale: RatingScale? = nil, matrix: [[Int]]? = nil, bands: [RiskBand],
                acceptableUpTo: Int, publishedAt: Date? = nil, createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id
        self.workspaceID = workspaceID
        self.number = number
        self.name = name
        self.status = status
        self.formula = formula
        self.factors = formula == .product ? factors : nil
        self.ciaScale = ciaScale
        self.assetValueRule = assetValueRule
        self.threatScale = threatScale
        self.vulnerabilityScale = vulnerabilityScale
        self.likelihoodScale = likelihoodScale
        self.impactScale = impactScale
        self.matrix = matrix
        self.bands = bands
        self.acceptableUpTo = acceptableUpTo
        self.publishedAt = publishedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    // MARK: Scoring

    /// Every value an asset can be worth under this method's C/I/A scale and rule.
    public var possibleAssetValues: [Int] {
        let levels = Array(ciaScale.values)
        var values = Set<Int>()
        for c in levels { for i in levels { for a in levels { if let v = assetValueRule.value([c, i, a]) { values.insert(v) } } } }
        // A risk that affects only some of C, I and A is valued on those alone.
        for x in levels { for y in levels { if let v = assetValueRule.value([x, y]) { values.insert(v) } } }
        for x in levels { if let v = assetValueRule.value([x]) { values.insert(v) } }
        return values.sorted()
    }

    /// The ratings the formula uses: the factors multiplied, or likelihood and impact for a matrix.
    public var usedFactors: [RiskFactor] {
        switch formula {
        case .assetThreatVulnerability: [.assetValue, .threat, .vulnerability]
        case .likelihoodImpact, .matrix: [.likelihood, .impact]
        case .product: factors ?? []
        }
    }

    /// Whether a risk's score starts from its asset's value.
    public var usesAssetValue: Bool { usedFactors.contains(.assetValue) }

    /// Whether a rating gives any factor besides the asset value (a residual rating has begun).
    public func ratesBeyondAsset(_ r: RiskRating) -> Bool { usedFactors.contains { $0 != .assetValue && r[$0] != nil } }

    /// The scale a factor is rated on (the asset value has none: it follows from C, I and A).
    public func scale(_ factor: RiskFactor) -> RatingScale? {
        switch factor {
        case .assetValue: nil
        case .threat: threatScale
        case .vulnerability: vulnerabilityScale
        case .likelihood: likelihoodScale
        case .impact: impactScale
        }
    }

    /// The values a factor can take.
    public func possibleValues(_ factor: RiskFactor) -> [Int] {
        factor == .assetValue ? possibleAssetValues : scale(factor).map { Array($0.values) } ?? []
    }

    /// Every score the formula can produce, ascending.
    public var possibleScores: [Int] {
        if formula == .matrix { return Set((matrix ?? []).flatMap { $0 }).sorted() }
        let factors = usedFactors
        guard !factors.isEmpty else { return [] }
        var scores: Set<Int> = [1]
        for factor in factors {
            let values = possibleValues(factor)
            guard !values.isEmpty else { return [] }
            scores = Set(scores.flatMap { s in values.map { s * $0 } })
        }
        return scores.sorted()
    }

    /// The value of an asset with these ratings (nil until all the counted ratings are given).
    public func assetValue(confidentiality: Int?, integrity: Int?, availability: Int?) -> Int? {
        let given = [confidentiality, integrity, availability].compactMap { $0 }
        guard given.count == 3 else { return nil }
        return assetValueRule.value(given)
    }

    /// The score of a rating, or nil while a rating the formula needs is missing or off the scale.
    public func score(_ r: RiskRating) -> Int? {
        if formula == .matrix {
            guard let l = r.likelihood, let i = r.impact, let matrix, l >= 1, i >= 1, l <= matrix.count, i <= matrix[l - 1].count else { return nil }
            return matrix[l - 1][i - 1]
        }
        let factors = usedFactors
        guard !factors.isEmpty else { return nil }
        var score = 1
        for factor in factors {
            guard let value = r[factor] else { return nil }
            if factor == .assetValue { guard value > 0 else { return nil } } else { guard scale(factor)?.contains(value) == true else { return nil } }
            score *= value
        }
        return score
    }

    public func band(for score: Int) -> RiskBand? { bands.first { $0.contains(score) } }
    public func isAcceptable(_ score: Int) -> Bool { score <= acceptableUpTo }

    // MARK: Validation

    /// Scores no band holds, and scores more than one band holds.
    public func bandCoverage() -> (gaps: [Int], overlaps: [Int]) {
        var gaps: [Int] = [], overlaps: [Int] = []
        for score in possibleScores {
            let holding = bands.filter { $0.contains(score) }.count
            if holding == 0 { gaps.append(score) } else if holding > 1 { overlaps.append(score) }
        }
        return (gaps, overlaps)
    }

    /// Everything that must hold before a method may be used: scales of 3–5 named levels, the
    /// scales the formula needs, a complete matrix, bands with names and colours that cover every
    /// possible score exactly once (the error names the scores), and an acceptance criterion.
    public func validate() throws {
        var v = Validator()
        if Text.nonBlank(name) == nil { v.add("name", "error.required") }
        ciaScale.validate("ciaScale", into: &v)
        switch formula {
        case .assetThreatVulnerability, .product:
            let factors = usedFactors
            if formula == .product && (!(2...3).contains(factors.count) || Set(factors).count != factors.count) { v.add("factors", "error.formulaFactors") }
            for factor in factors where factor != .assetValue {
                guard let scale = scale(factor) else { v.add("formula", "error.formulaScales"); continue }
                scale.validate("\(factor.rawValue)Scale", into: &v)
            }
        case .likelihoodImpact, .matrix:
            guard let likelihoodScale, let impactScale else { v.add("formula", "error.formulaScales"); break }
            likelihoodScale.validate("likelihoodScale", into: &v)
            impactScale.validate("impactScale", into: &v)
            if formula == .matrix {
                let complete = (matrix?.count == likelihoodScale.count) && (matrix ?? []).allSatisfy { $0.count == impactScale.count }
                if !complete { v.add("matrix", "error.matrixShape") }
                if (matrix ?? []).flatMap({ $0 }).contains(where: { $0 < 1 }) { v.add("matrix", "error.matrixValues") }
            }
        }
        if bands.isEmpty { v.add("bands", "error.bandsRequired") }
        for band in bands {
            if Text.nonBlank(band.labelJa) == nil || Text.nonBlank(band.labelEn) == nil || Text.nonBlank(band.key) == nil { v.add("bands", "error.bandLabels") }
            if band.minimum > band.maximum { v.add("bands", "error.bandRange", ["band": band.labelEn]) }
            if !RiskMethod.isColour(band.colour) { v.add("bands", "error.bandColour", ["band": band.labelEn]) }
        }
        if Set(bands.map(\.key)).count != bands.count { v.add("bands", "error.bandKeys") }
        if v.isValid {
            let (gaps, overlaps) = bandCoverage()
            if !gaps.isEmpty { v.add("bands", "error.bandGaps", ["scores": RiskMethod.describe(gaps)]) }
            if !overlaps.isEmpty { v.add("bands", "error.bandOverlaps", ["scores": RiskMethod.describe(overlaps)]) }
            if let low = possibleScores.first, acceptableUpTo < low { v.add("acceptableUpTo", "error.acceptanceBelowAll") }
        }
        try v.check()
    }

    static func isColour(_ text: String) -> Bool {
        text.count == 7 && text.hasPrefix("#") && text.dropFirst().allSatisfy { $0.isHexDigit }
    }

    /// `1–3, 5, 8` for a sorted list of numbers (scores; also the rows an import problem repeats on).
    public static func describe(_ scores: [Int]) -> String {
        var parts: [String] = []
        var start: Int? = nil, previous: Int? = nil
        for score in scores + [Int.min] {
            if let p = previous, score == p + 1 { previous = score; continue }
            if let s = start, let p = previous { parts.append(s == p ? "\(s)" : "\(s)–\(p)") }
            start = score
            previous = score
        }
        return parts.joined(separator: ", ")
    }
}
