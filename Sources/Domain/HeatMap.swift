import Foundation

/// A grid of risk counts for the heat map: likelihood × impact, or (for the asset-based formula)
/// threat × vulnerability against asset value. Each cell has its score's band colour.
public struct HeatMap: Sendable, Equatable {
    public struct Cell: Sendable, Equatable {
        public var x: Int
        public var y: Int
        public var score: Int
        public var count: Int
        public var band: RiskBand?
    }

    public var xValues: [Int]
    public var yValues: [Int]
    public var cells: [Cell]
    public var residual: Bool
    public var formula: RiskFormula
    /// Risks not yet rated (not on the grid).
    public var unrated: Int

    public init(method: RiskMethod, counts: [(RiskRating, Int)], residual: Bool) {
        self.residual = residual
        formula = method.formula
        var grid: [Int: [Int: Int]] = [:]
        var unrated = 0
        switch method.formula {
        case .assetThreatVulnerability:
            let threats = method.threatScale?.values ?? 1...1, vulnerabilities = method.vulnerabilityScale?.values ?? 1...1
            let xs = Array(Set(threats.flatMap { t in vulnerabilities.map { t * $0 } })).sorted(), ys = method.possibleAssetValues
            xValues = xs
            yValues = ys
            for (rating, count) in counts {
                guard let t = rating.threat, let v = rating.vulnerability, let value = rating.assetValue else { unrated += count; continue }
                grid[t * v, default: [:]][value, default: 0] += count
            }
            cells = ys.flatMap { y in xs.map { x in
                let score = x * y
                return Cell(x: x, y: y, score: score, count: grid[x]?[y] ?? 0, band: method.band(for: score))
            } }
        case .likelihoodImpact, .matrix:
            let xs = Array(method.likelihoodScale?.values ?? 1...1), ys = Array(method.impactScale?.values ?? 1...1)
            xValues = xs
            yValues = ys
            for (rating, count) in counts {
                guard let l = rating.likelihood, let i = rating.impact else { unrated += count; continue }
                grid[l, default: [:]][i, default: 0] += count
            }
            cells = ys.flatMap { y in xs.map { x in
                let score = method.score(RiskRating(likelihood: x, impact: y)) ?? 0
                return Cell(x: x, y: y, score: score, count: grid[x]?[y] ?? 0, band: method.band(for: score))
            } }
        }
        self.unrated = unrated
    }

    public var total: Int { cells.map(\.count).reduce(0, +) }
}
