import Foundation

/// What a new workspace starts its risk work with: our threat and vulnerability catalogs and two
/// ready risk methods, all written by us in both languages.
public struct RiskTemplates: Sendable {
    public struct Entry: Sendable, Codable, Hashable {
        public var code: String
        public var category: String
        public var nameJa: String
        public var nameEn: String
        public var descriptionJa: String
        public var descriptionEn: String
    }

    public struct Method: Sendable, Codable, Hashable {
        public var key: String
        public var nameJa: String
        public var nameEn: String
        public var formula: RiskFormula
        public var factors: [RiskFactor]?
        public var ciaScale: RatingScale
        public var assetValueRule: AssetValueRule
        public var threatScale: RatingScale?
        public var vulnerabilityScale: RatingScale?
        public var likelihoodScale: RatingScale?
        public var impactScale: RatingScale?
        public var matrix: [[Int]]?
        public var bands: [RiskBand]
        public var acceptableUpTo: Int

        public func name(_ language: Language) -> String { language == .ja ? nameJa : nameEn }

        /// A draft method of a workspace made from this template, named in `language` (the method
        /// is the workspace's record, with one name its people may change).
        public func method(workspace: Workspace.ID, number: Int, now: Date, language: Language = .ja) -> RiskMethod {
            RiskMethod(workspaceID: workspace, number: number, name: name(language), formula: formula, factors: factors, ciaScale: ciaScale, assetValueRule: assetValueRule,
                       threatScale: threatScale, vulnerabilityScale: vulnerabilityScale, likelihoodScale: likelihoodScale, impactScale: impactScale,
                       matrix: matrix, bands: bands, acceptableUpTo: acceptableUpTo, createdAt: now, updatedAt: now)
        }
    }

    public var threats: [Entry]
    public var vulnerabilities: [Entry]
    public var methods: [Method]

    public init(threats: [Entry], vulnerabilities: [Entry], methods: [Method]) {
        self.threats = threats
        self.vulnerabilities = vulnerabilities
        self.methods = methods
    }

    public func method(_ key: String) -> Method? { methods.first { $0.key == key } }

    /// The method a new workspace starts with (asset value × threat × vulnerability, as most Japanese registers do).
    public static let defaultMethodKey = "jp-asset-threat-vulnerability"

    /// The workspace's own copies of the catalog entries.
    public func entries(for workspace: Workspace.ID) -> [CatalogEntry] {
        threats.map { CatalogEntry(workspaceID: workspace, kind: .threat, code: $0.code, category: $0.category, nameJa: $0.nameJa, nameEn: $0.nameEn,
                                   descriptionJa: $0.descriptionJa, descriptionEn: $0.descriptionEn) }
            + vulnerabilities.map { CatalogEntry(workspaceID: workspace, kind: .vulnerability, code: $0.code, category: $0.category, nameJa: $0.nameJa,
                                                 nameEn: $0.nameEn, descriptionJa: $0.descriptionJa, descriptionEn: $0.descriptionEn) }
    }
}
