import Foundation

/// The ISO/IEC 27001:2022 reference catalog: Annex A controls, clauses 4–10 and the 2013→2022
/// correspondence. Facts only (ids, short titles, attribute tags); every explanation is ours.
public struct ReferenceCatalog: Sendable {
    public var id: String
    public var version: String
    public var controls: [AnnexAControl]
    public var clauses: [Clause]
    public var mapping2013: [Mapping2013]

    /// Our guidance per control id and per clause id (4.1 … 10.2).
    public var controlGuidance: [String: Guidance]
    public var clauseGuidance: [String: Guidance]

    public init(id: String, version: String, controls: [AnnexAControl], clauses: [Clause], mapping2013: [Mapping2013],
                controlGuidance: [String: Guidance] = [:], clauseGuidance: [String: Guidance] = [:]) {
        self.id = id
        self.version = version
        self.controls = controls
        self.clauses = clauses
        self.mapping2013 = mapping2013
        self.controlGuidance = controlGuidance
        self.clauseGuidance = clauseGuidance
    }

    public func control(_ id: String) -> AnnexAControl? { controls.first { $0.id == id } }
    public func clause(_ id: String) -> Clause? { clauses.first { $0.id == id } }

    /// The controls a query selects, in catalog order.
    public func controls(matching query: ControlQuery) -> [AnnexAControl] {
        controls.filter { query.matches($0, isNew: sources2013(of: $0.id).isEmpty) }
    }

    /// The 2013 Annex A ids a 2022 control came from (empty for the 11 new controls).
    public func sources2013(of controlID: String) -> [Mapping2013] { mapping2013.filter { $0.ids2022.contains(controlID) } }
}

public struct AnnexAControl: Sendable, Hashable, Codable {
    public enum Theme: String, Sendable, Codable, CaseIterable { case organizational, people, physical, technological }
    public enum ControlType: String, Sendable, Codable, CaseIterable { case preventive = "Preventive", detective = "Detective", corrective = "Corrective" }
    public enum SecurityProperty: String, Sendable, Codable, CaseIterable { case confidentiality = "Confidentiality", integrity = "Integrity", availability = "Availability" }
    public enum Concept: String, Sendable, Codable, CaseIterable { case identify = "Identify", protect = "Protect", detect = "Detect", respond = "Respond", recover = "Recover" }
    public enum Capability: String, Sendable, Codable, CaseIterable {
        case governance = "Governance", assetManagement = "Asset_management", informationProtection = "Information_protection"
        case humanResourceSecurity = "Human_resource_security", physicalSecurity = "Physical_security"
        case systemAndNetworkSecurity = "System_and_network_security", applicationSecurity = "Application_security"
        case secureConfiguration = "Secure_configuration", identityAndAccessManagement = "Identity_and_access_management"
        case threatAndVulnerabilityManagement = "Threat_and_vulnerability_management", continuity = "Continuity"
        case supplierRelationshipsSecurity = "Supplier_relationships_security", legalAndCompliance = "Legal_and_compliance"
        case informationSecurityEventManagement = "Information_security_event_management"
        case informationSecurityAssurance = "Information_security_assurance"
    }
    public enum SecurityDomain: String, Sendable, Codable, CaseIterable {
        case governanceAndEcosystem = "Governance_and_Ecosystem", protection = "Protection", defence = "Defence", resilience = "Resilience"
    }

    /// `5.1` … `8.34` (no `A.` prefix).
    public var id: String
    public var theme: Theme
    public var titleEn: String
    public var titleJa: String
    public var controlTypes: [ControlType]
    public var properties: [SecurityProperty]
    public var concepts: [Concept]
    public var capabilities: [Capability]
    public var domains: [SecurityDomain]

    public init(id: String, theme: Theme, titleEn: String, titleJa: String, controlTypes: [ControlType],
                properties: [SecurityProperty], concepts: [Concept], capabilities: [Capability], domains: [SecurityDomain]) {
        self.id = id
        self.theme = theme
        self.titleEn = titleEn
        self.titleJa = titleJa
        self.controlTypes = controlTypes
        self.properties = properties
        self.concepts = concepts
        self.capabilities = capabilities
        self.domains = domains
    }

    public func title(_ language: Language) -> String { language == .ja ? titleJa : titleEn }
}

public struct Clause: Sendable, Hashable, Codable {
    public var id: String
    public var titleEn: String
    public var titleJa: String

    public init(id: String, titleEn: String, titleJa: String) {
        self.id = id
        self.titleEn = titleEn
        self.titleJa = titleJa
    }

    public func title(_ language: Language) -> String { language == .ja ? titleJa : titleEn }
}

public struct Mapping2013: Sendable, Hashable, Codable {
    public var id2013: String
    public var title2013: String
    public var ids2022: [String]

    public init(id2013: String, title2013: String, ids2022: [String]) {
        self.id2013 = id2013
        self.title2013 = title2013
        self.ids2022 = ids2022
    }
}

/// Control and clause ids sort numerically per component: 5.2 before 5.10.
public enum ControlOrder {
    public static func less(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: ".").map { Int($0) ?? 0 }, y = b.split(separator: ".").map { Int($0) ?? 0 }
        return x.lexicographicallyPrecedes(y)
    }
}

/// What we say about one control or clause, in both languages: what it asks, how a small
/// organization can meet it, what evidence an auditor accepts and, for controls commonly
/// excluded, when an exclusion holds. Written by us; bundled with the catalog.
public struct Guidance: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable { case control, clause }
    public struct Text: Sendable, Hashable, Codable {
        public var asks: String
        public var options: String
        public var evidence: String
        public var exclusion: String?

        public init(asks: String, options: String, evidence: String, exclusion: String? = nil) {
            self.asks = asks
            self.options = options
            self.evidence = evidence
            self.exclusion = exclusion
        }

        /// The parts in display order, with the message key naming each.
        public var parts: [(key: String, text: String)] {
            [("guidance.asks", asks), ("guidance.options", options), ("guidance.evidence", evidence)] + (exclusion.map { [("guidance.exclusion", $0)] } ?? [])
        }
    }

    public var id: String
    public var kind: Kind
    public var en: Text
    public var ja: Text

    public init(id: String, kind: Kind, en: Text, ja: Text) {
        self.id = id
        self.kind = kind
        self.en = en
        self.ja = ja
    }

    public func text(_ language: Language) -> Text { language == .ja ? ja : en }
}

extension Clause {
    /// Clauses 4.1 … 10.2 carry requirements and guidance; the chapter headings 4 … 10 only group them.
    public var isRequirement: Bool { id.contains(".") }
}

/// A filter over the Annex A catalog by theme, attribute, whether the control is new in 2022 and
/// free text (id or title in either language).
public struct ControlQuery: Sendable, Equatable {
    public var theme: AnnexAControl.Theme?
    public var controlType: AnnexAControl.ControlType?
    public var property: AnnexAControl.SecurityProperty?
    public var concept: AnnexAControl.Concept?
    public var capability: AnnexAControl.Capability?
    public var domain: AnnexAControl.SecurityDomain?
    /// Only the controls with no 2013 predecessor.
    public var newIn2022: Bool
    public var search: String?

    public init(theme: AnnexAControl.Theme? = nil, controlType: AnnexAControl.ControlType? = nil, property: AnnexAControl.SecurityProperty? = nil,
                concept: AnnexAControl.Concept? = nil, capability: AnnexAControl.Capability? = nil, domain: AnnexAControl.SecurityDomain? = nil,
                newIn2022: Bool = false, search: String? = nil) {
        self.theme = theme
        self.controlType = controlType
        self.property = property
        self.concept = concept
        self.capability = capability
        self.domain = domain
        self.newIn2022 = newIn2022
        self.search = search
    }

    public func matches(_ control: AnnexAControl, isNew: Bool) -> Bool {
        if let theme, control.theme != theme { return false }
        if let controlType, !control.controlTypes.contains(controlType) { return false }
        if let property, !control.properties.contains(property) { return false }
        if let concept, !control.concepts.contains(concept) { return false }
        if let capability, !control.capabilities.contains(capability) { return false }
        if let domain, !control.domains.contains(domain) { return false }
        if newIn2022, !isNew { return false }
        if let search = search?.trimmingCharacters(in: .whitespaces), !search.isEmpty {
            let lowered = search.lowercased()
            let needle = lowered.hasPrefix("a.") ? String(lowered.dropFirst(2)) : lowered
            let haystacks = [control.id, control.titleEn.lowercased(), control.titleJa]
            if !haystacks.contains(where: { $0.contains(needle) }) { return false }
        }
        return true
    }
}

/// How clauses and controls are written as audit criteria and references: a clause by its number
/// ("9.2"), an Annex A control with its "A." ("A.5.15"), an own control by its code. Resolving a
/// written reference against the workspace's own controls is Features' (`Requirement`).
public enum RequirementText {
    /// Half-width digits and points, trimmed: "９．２" → "9.2".
    public static func normalized(_ raw: String) -> String {
        Text.halfWidth(Text.trimmed(raw)).replacingOccurrences(of: "．", with: ".")
    }

    /// The references of a comma-, space- or line-separated list, as written.
    public static func parts(_ raw: String) -> [String] {
        raw.split(whereSeparator: { ",、，;\n\r\t ".contains($0) }).map(String.init)
    }

    /// The title of a clause or control in `language` ("" for an own control).
    public static func title(_ reference: String, catalog: ReferenceCatalog, language: Language) -> String {
        if reference.hasPrefix("A."), let control = catalog.control(String(reference.dropFirst(2))) { return control.title(language) }
        return catalog.clause(reference)?.title(language) ?? ""
    }

    /// Our guidance for a clause or Annex A control.
    public static func guidance(_ reference: String, catalog: ReferenceCatalog) -> Guidance? {
        reference.hasPrefix("A.") ? catalog.controlGuidance[String(reference.dropFirst(2))] : catalog.clauseGuidance[reference]
    }
}
