import Domain
import Foundation
import Testing

/// The risk method, asset values, scoring, acceptance and the year-on-year difference.
@Suite struct RiskRulesTests {
    static let workspace = Workspace.ID()
    static let now = Date(timeIntervalSince1970: 1_790_000_000)

    static func scale(_ count: Int) -> RatingScale {
        RatingScale(levels: (1...count).map { ScaleLevel(value: $0, labelJa: "段階\($0)", labelEn: "Level \($0)") })
    }

    /// Asset value (max of C/I/A, 1–3) × threat (1–3) × vulnerability (1–3): scores 1–27.
    static func atv(rule: AssetValueRule = .max, bands: [RiskBand]? = nil, acceptable: Int = 4) -> RiskMethod {
        RiskMethod(workspaceID: workspace, number: 1, name: "ATV", formula: .assetThreatVulnerability, ciaScale: scale(3), assetValueRule: rule,
                   threatScale: scale(3), vulnerabilityScale: scale(3),
                   bands: bands ?? [RiskBand(key: "low", labelJa: "低", labelEn: "Low", minimum: 1, maximum: 4, colour: "#4caf50"),
                                    RiskBand(key: "medium", labelJa: "中", labelEn: "Medium", minimum: 5, maximum: 12, colour: "#f2c14e"),
                                    RiskBand(key: "high", labelJa: "高", labelEn: "High", minimum: 13, maximum: 27, colour: "#d9534f")],
                   acceptableUpTo: acceptable, createdAt: now, updatedAt: now)
    }

    static func likelihoodImpact(matrix: [[Int]]? = nil) -> RiskMethod {
        RiskMethod(workspaceID: workspace, number: 1, name: "LI", formula: matrix == nil ? .likelihoodImpact : .matrix, ciaScale: scale(3), assetValueRule: .max,
                   likelihoodScale: scale(3), impactScale: scale(3), matrix: matrix,
                   bands: [RiskBand(key: "low", labelJa: "低", labelEn: "Low", minimum: 1, maximum: 3, colour: "#4caf50"),
                           RiskBand(key: "high", labelJa: "高", labelEn: "High", minimum: 4, maximum: 9, colour: "#d9534f")],
                   acceptableUpTo: 3, createdAt: now, updatedAt: now)
    }

    static func errors(_ method: RiskMethod) -> [FieldError] {
        do { try method.validate(); return [] } catch DomainError.invalid(let errors) { return errors } catch { return [FieldError(field: "?", code: "\(error)")] }
    }

    @Test func aCompleteMethodValidates() {
        #expect(Self.errors(Self.atv()).isEmpty)
        #expect(Self.errors(Self.likelihoodImpact()).isEmpty)
        #expect(Self.errors(Self.likelihoodImpact(matrix: [[1, 2, 3], [2, 4, 6], [3, 6, 9]])).isEmpty)
    }

    /// The ISMS Guide's register: 資産価値 × 影響度 × 発生可能性, each 1–3, bands 1–7 低, 8–17 中, 18–27 高.
    static func product(_ factors: [RiskFactor] = [.assetValue, .impact, .likelihood]) -> RiskMethod {
        RiskMethod(workspaceID: workspace, number: 1, name: "資産価値×影響度×発生可能性", formula: .product, factors: factors, ciaScale: scale(3), assetValueRule: .max,
                   threatScale: scale(3), likelihoodScale: scale(3), impactScale: scale(3),
                   bands: [RiskBand(key: "low", labelJa: "低", labelEn: "Low", minimum: 1, maximum: 7, colour: "#4caf50"),
                           RiskBand(key: "medium", labelJa: "中", labelEn: "Medium", minimum: 8, maximum: 17, colour: "#f2c14e"),
                           RiskBand(key: "high", labelJa: "高", labelEn: "High", minimum: 18, maximum: 27, colour: "#d9534f")],
                   acceptableUpTo: 7, createdAt: now, updatedAt: now)
    }

    @Test func aProductOfChosenFactorsScoresAndValidatesOverEveryPossibleScore() {
        let method = Self.product()
        #expect(Self.errors(method).isEmpty)
        #expect(method.usedFactors == [.assetValue, .impact, .likelihood] && method.usesAssetValue)
        #expect(method.possibleScores == [1, 2, 3, 4, 6, 8, 9, 12, 18, 27])
        #expect(method.score(RiskRating(assetValue: 3, likelihood: 2, impact: 3)) == 18)
        #expect(method.band(for: 18)?.key == "high" && method.band(for: 8)?.key == "medium" && method.band(for: 6)?.key == "low")
        // A threat rating is not one of its factors; a missing factor leaves the risk unscored.
        #expect(method.score(RiskRating(assetValue: 3, threat: 3, likelihood: 2)) == nil)
        #expect(method.score(RiskRating(assetValue: 3, likelihood: 4, impact: 3)) == nil, "off the scale")
        // Two factors without the asset: likelihood × impact as a product.
        var two = Self.product([.likelihood, .impact])
        two.bands = [RiskBand(key: "low", labelJa: "低", labelEn: "Low", minimum: 1, maximum: 3, colour: "#4caf50"),
                     RiskBand(key: "high", labelJa: "高", labelEn: "High", minimum: 4, maximum: 9, colour: "#d9534f")]
        two.acceptableUpTo = 3
        #expect(Self.errors(two).isEmpty && two.possibleScores == [1, 2, 3, 4, 6, 9] && !two.usesAssetValue)
        // One factor, four, or the same twice: refused, named.
        for bad: [RiskFactor] in [[.impact], [.assetValue, .impact, .likelihood, .threat], [.impact, .impact]] {
            #expect(Self.errors(Self.product(bad)).contains { $0.field == "factors" && $0.code == "error.formulaFactors" }, "\(bad)")
        }
        // A factor whose scale is missing is named; bands are still checked over every score.
        var noScale = Self.product()
        noScale.impactScale = nil
        #expect(Self.errors(noScale).map(\.code) == ["error.formulaScales"])
        var gappy = Self.product()
        gappy.bands[1].maximum = 11
        #expect(Self.errors(gappy) == [FieldError(field: "bands", code: "error.bandGaps", params: ["scores": "12"])])
        // The presets are products with fixed factors, unchanged.
        #expect(Self.atv().usedFactors == [.assetValue, .threat, .vulnerability] && Self.atv().factors == nil)
        #expect(Self.likelihoodImpact().usedFactors == [.likelihood, .impact])
        // The heat map: asset value up the side, impact × likelihood along the bottom.
        let map = HeatMap(method: method, counts: [(RiskRating(assetValue: 3, likelihood: 2, impact: 3), 2), (RiskRating(assetValue: 1), 1)], residual: false)
        #expect(map.yFactor == .assetValue && map.xFactors == [.impact, .likelihood] && map.xValues == [1, 2, 3, 4, 6, 9] && map.yValues == [1, 2, 3])
        #expect(map.cells.first { $0.x == 6 && $0.y == 3 }?.count == 2 && map.unrated == 1 && map.cells.first { $0.x == 6 && $0.y == 3 }?.band?.key == "high")
    }

    @Test func possibleScoresFollowTheFormula() {
        #expect(Self.atv().possibleScores == [1, 2, 3, 4, 6, 8, 9, 12, 18, 27])
        #expect(Self.atv(rule: .sum).possibleAssetValues == Array(1...9))
        #expect(Self.likelihoodImpact().possibleScores == [1, 2, 3, 4, 6, 9])
        #expect(RiskMethod.describe([1, 2, 3, 5, 8, 9]) == "1–3, 5, 8–9")
    }

    @Test func bandGapsAndOverlapsNameTheScores() {
        let gappy = Self.atv(bands: [RiskBand(key: "low", labelJa: "低", labelEn: "Low", minimum: 1, maximum: 4, colour: "#4caf50"),
                                     RiskBand(key: "high", labelJa: "高", labelEn: "High", minimum: 10, maximum: 27, colour: "#d9534f")])
        #expect(Self.errors(gappy) == [FieldError(field: "bands", code: "error.bandGaps", params: ["scores": "6, 8–9"])])
        let overlapping = Self.atv(bands: [RiskBand(key: "low", labelJa: "低", labelEn: "Low", minimum: 1, maximum: 6, colour: "#4caf50"),
                                           RiskBand(key: "high", labelJa: "高", labelEn: "High", minimum: 6, maximum: 27, colour: "#d9534f")])
        #expect(Self.errors(overlapping) == [FieldError(field: "bands", code: "error.bandOverlaps", params: ["scores": "6"])])
    }

    @Test func badPiecesAreEachNamed() {
        var method = Self.atv(acceptable: 0)
        #expect(Self.errors(method).map(\.code) == ["error.acceptanceBelowAll"])
        method = Self.atv()
        method.threatScale = nil
        #expect(Self.errors(method).map(\.code).contains("error.formulaScales"))
        method = Self.atv()
        method.bands[0].colour = "red"
        method.bands[1].key = "low"
        #expect(Set(Self.errors(method).map(\.code)) == ["error.bandColour", "error.bandKeys"])
        #expect(Self.errors(Self.likelihoodImpact(matrix: [[1, 2, 3], [2, 4, 6]])).map(\.code) == ["error.matrixShape"])
    }

    @Test(arguments: [
        (RiskRating(assetValue: 3, threat: 2, vulnerability: 3), 18 as Int?),
        (RiskRating(assetValue: 1, threat: 1, vulnerability: 1), 1),
        (RiskRating(assetValue: 3, threat: 4, vulnerability: 1), nil),   // off the threat scale
        (RiskRating(assetValue: nil, threat: 2, vulnerability: 2), nil), // not rated yet
    ])
    func assetThreatVulnerabilityScores(rating: RiskRating, score: Int?) {
        #expect(Self.atv().score(rating) == score)
    }

    @Test func likelihoodImpactAndMatrixScores() {
        #expect(Self.likelihoodImpact().score(RiskRating(likelihood: 3, impact: 2)) == 6)
        let matrix = Self.likelihoodImpact(matrix: [[1, 1, 2], [1, 2, 3], [2, 3, 3]])
        #expect(matrix.score(RiskRating(likelihood: 3, impact: 2)) == 3)
        #expect(matrix.score(RiskRating(likelihood: 4, impact: 1)) == nil)
    }

    @Test func assetValueRules() {
        #expect(AssetValueRule.max.value([3, 1, 2]) == 3)
        #expect(AssetValueRule.sum.value([3, 1, 2]) == 6)
        #expect(AssetValueRule.product.value([3, 1, 2]) == 6)
        #expect(AssetValueRule.max.value([]) == nil)
        #expect(Self.atv().assetValue(confidentiality: 3, integrity: nil, availability: 1) == nil, "the value waits for all three ratings")
    }

    static func asset(c: Int?, i: Int?, a: Int?) -> Asset {
        var asset = Asset(workspaceID: workspace, code: "A-1", name: "顧客台帳", kind: .information, form: .electronic, createdAt: now, updatedAt: now)
        asset.confidentiality = c; asset.integrity = i; asset.availability = a
        return asset
    }

    @Test func aRiskCountsOnlyThePropertiesItAffects() {
        let asset = Self.asset(c: 3, i: 1, a: 2)
        var risk = Risk(workspaceID: Self.workspace, assessmentID: RiskAssessment.ID(), code: "R-001", createdAt: Self.now, updatedAt: Self.now)
        #expect(RiskRules.assetValue(of: asset, affecting: risk, method: Self.atv()) == 3)
        risk.affectsConfidentiality = false
        #expect(RiskRules.assetValue(of: asset, affecting: risk, method: Self.atv()) == 2)
        risk.affectsAvailability = false
        #expect(RiskRules.assetValue(of: asset, affecting: risk, method: Self.atv()) == 1)
    }

    @Test func scoringSetsScoresAndLevels() {
        var risk = Risk(workspaceID: Self.workspace, assessmentID: RiskAssessment.ID(), code: "R-001",
                        inherent: RiskRating(assetValue: 3, threat: 2, vulnerability: 3), residual: RiskRating(assetValue: 3, threat: 1, vulnerability: 1),
                        createdAt: Self.now, updatedAt: Self.now)
        RiskRules.score(&risk, method: Self.atv())
        #expect(risk.inherentScore == 18 && risk.inherentLevel == "high")
        #expect(risk.residualScore == 3 && risk.residualLevel == "low")
    }

    @Test func acceptanceNeedsOwnerTreatmentRatingAndAboveTheCriterionAReason() {
        let method = Self.atv()
        var risk = Risk(workspaceID: Self.workspace, assessmentID: RiskAssessment.ID(), code: "R-001", createdAt: Self.now, updatedAt: Self.now)
        #expect(Set(RiskRules.acceptanceProblems(risk, method: method, reason: nil).map(\.code))
                == ["error.riskNeedsOwner", "error.riskNeedsTreatment", "error.riskNeedsRating"])
        risk.ownerID = User.ID()
        risk.treatment = .modify
        risk.inherent = RiskRating(assetValue: 3, threat: 2, vulnerability: 3)
        RiskRules.score(&risk, method: method)
        #expect(RiskRules.acceptanceProblems(risk, method: method, reason: nil)
                == [FieldError(field: "acceptanceReason", code: "error.acceptanceReasonNeeded", params: ["score": "18", "limit": "4"])])
        #expect(RiskRules.acceptanceProblems(risk, method: method, reason: "  ").count == 1, "a blank reason is no reason")
        #expect(RiskRules.acceptanceProblems(risk, method: method, reason: "月次で監視する").isEmpty)
        risk.residual = RiskRating(assetValue: 3, threat: 1, vulnerability: 1)
        RiskRules.score(&risk, method: method)
        #expect(RiskRules.acceptanceProblems(risk, method: method, reason: nil).isEmpty, "within the criterion no reason is needed")
    }

    @Test func submissionNeedsEveryCarriedRiskReviewedAndEveryOpenRiskComplete() {
        func risk(_ code: String, review: Risk.Review, complete: Bool) -> Risk {
            Risk(workspaceID: Self.workspace, assessmentID: RiskAssessment.ID(), code: code, inherentScore: complete ? 6 : nil,
                 ownerID: complete ? User.ID() : nil, treatment: complete ? .retain : nil, review: review, createdAt: Self.now, updatedAt: Self.now)
        }
        #expect(RiskRules.submissionProblems([]).map(\.code) == ["error.noRisks"])
        let problems = RiskRules.submissionProblems([risk("R-001", review: .toReview, complete: true), risk("R-002", review: .new, complete: false),
                                                     risk("R-003", review: .closed, complete: false)])
        #expect(problems.map(\.code) == ["error.risksToReview", "error.risksIncomplete"])
        #expect(problems[1].params["codes"] == "R-002", "a closed risk need not be complete")
        #expect(RiskRules.submissionProblems([risk("R-001", review: .reviewed, complete: true)]).isEmpty)
    }

    @Test func theDifferenceFromLastYearCountsChangesAndDirections() {
        let last = RiskAssessment.ID(), this = RiskAssessment.ID()
        func risk(_ code: String, _ assessment: RiskAssessment.ID, score: Int?, review: Risk.Review = .new, previous: Risk.ID? = nil) -> Risk {
            Risk(workspaceID: Self.workspace, assessmentID: assessment, code: code, inherentScore: score, review: review, previousID: previous,
                 createdAt: Self.now, updatedAt: Self.now)
        }
        let a = risk("R-001", last, score: 12), b = risk("R-002", last, score: 6), c = risk("R-003", last, score: 3)
        let current = [risk("R-001", this, score: 18, review: .changed, previous: a.id), risk("R-002", this, score: 6, review: .reviewed, previous: b.id),
                       risk("R-003", this, score: 3, review: .toReview, previous: c.id), risk("R-004", this, score: 2)]
        let difference = RiskDifference.between(current: current, previous: [a, b, c])
        #expect(difference.count(.changed) == 1 && difference.count(.unchanged) == 1 && difference.count(.toReview) == 1 && difference.count(.new) == 1)
        #expect(difference.wentUp == 1 && difference.wentDown == 0)
        #expect(difference.entries.first { $0.code == "R-001" }?.previousScore == 12)
    }

    @Test func theHeatMapPlacesEveryRatingInItsCell() {
        let map = HeatMap(method: Self.atv(), counts: [(RiskRating(assetValue: 3, threat: 2, vulnerability: 3), 2),
                                                       (RiskRating(assetValue: 3, threat: 3, vulnerability: 2), 1),
                                                       (RiskRating(assetValue: nil, threat: 2, vulnerability: 2), 4)], residual: false)
        #expect(map.xValues == [1, 2, 3, 4, 6, 9] && map.yValues == [1, 2, 3])
        #expect(map.cells.count == 18)
        let cell = map.cells.first { $0.x == 6 && $0.y == 3 }
        #expect(cell?.count == 3 && cell?.score == 18 && cell?.band?.key == "high", "T×V 6 at value 3 holds both 2×3 and 3×2")
        #expect(map.total == 3 && map.unrated == 4)
        let li = HeatMap(method: Self.likelihoodImpact(), counts: [(RiskRating(likelihood: 1, impact: 3), 5)], residual: true)
        #expect(li.cells.first { $0.x == 1 && $0.y == 3 }?.count == 5 && li.residual)
    }

    @Test func assetRulesReadJapaneseNamesAndCheckRatingsAgainstTheScale() {
        let labels = [ClassificationLabel(key: "confidential", labelJa: "社外秘", labelEn: "Confidential", rank: 2)]
        var asset = Self.asset(c: nil, i: nil, a: nil)
        var v = Validator()
        AssetRules.apply(AssetInput(code: "Ａ－００１", name: "契約書", kind: "ソフトウェア", form: "紙", classification: "社外秘", confidentiality: "３",
                                    integrity: "特大", availability: "1"), to: &asset, creating: true, method: Self.atv(), labels: labels, into: &v)
        // A code typed in full width is the same code (issue 13: NFKC in code fields); 特大 is no level (高/中/低 would be, issue 14).
        #expect(v.errors.map(\.field) == ["integrity"], "\(v.errors)")
        #expect(asset.code == "A-001")
        #expect(asset.kind == .software && asset.form == .paper && asset.classification == "confidential")
        #expect(asset.confidentiality == 3 && asset.availability == 1 && asset.value == nil, "the value waits for the integrity rating")
        v = Validator()
        AssetRules.apply(AssetInput(code: "A-001", kind: "宝物", confidentiality: "4", integrity: "段階2"), to: &asset, creating: false, method: Self.atv(),
                         labels: labels, into: &v)
        #expect(v.errors.map(\.field) == ["kind", "confidentiality"])
        #expect(v.errors.first { $0.field == "confidentiality" }?.params["max"] == "3")
        #expect(asset.integrity == 2 && asset.value == 3, "a level may be given by its name, and the value follows")
    }
}
