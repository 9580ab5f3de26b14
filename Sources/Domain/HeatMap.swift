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

    /// The factors multiplied along the bottom (x) and the one up the side (y).
    public var xFactors: [RiskFactor]
    public var yFactor: RiskFactor

    /// Likelihood against impact for those formulas and the matrix; otherwise the asset value (or
    /// the last factor) up the side against the product of the others (threat × vulnerability).
    public static func axes(_ method: RiskMethod) -> (x: [RiskFactor], y: RiskFactor) {
        switch method.formula {
        case .likelihoodImpact, .matrix: return ([.likelihood], .impact)
        case .assetThreatVulnerability, .product:
            let factors = method.usedFactors
            let y: RiskFactor = factors.contains(.assetValue) ? .assetValue : factors.last ?? .impact
            return (factors.filter { $0 != y }, y)
        }
    }

    public init(method: RiskMethod, counts: [(RiskRating, Int)], residual: Bool) {
        self.residual = residual
        formula = method.formula
        (xFactors, yFactor) = Self.axes(method)
        var grid: [Int: [Int: Int]] = [:]
        var unrated = 0
        switch method.formula {
        case .assetThreatVulnerability, .product:
            var xs: Set<Int> = [1]
            let (acrossFactors, upFactor) = Self.axes(method)
            for factor in acrossFactors { xs = Set(xs.flatMap { x in method.possibleValues(factor).map { x * $0 } }) }
            let ys = method.possibleValues(upFactor)
            let sortedXs = xs.sorted(), across = xFactors, up = yFactor
            xValues = sortedXs
            yValues = ys
            for (rating, count) in counts {
                let parts = across.map { rating[$0] }
                guard !parts.contains(nil), let y = rating[up] else { unrated += count; continue }
                grid[parts.compactMap { $0 }.reduce(1, *), default: [:]][y, default: 0] += count
            }
            cells = ys.flatMap { y in sortedXs.map { x in
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
