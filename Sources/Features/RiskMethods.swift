import Domain
import Foundation
import Storage

/// The parts of a risk method a person edits (everything but identity and status).
public struct RiskMethodInput: Sendable, Codable, Equatable {
    public var name: String
    public var formula: RiskFormula
    /// For `.product`: the two or three factors multiplied.
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

    public init(name: String, formula: RiskFormula, factors: [RiskFactor]? = nil, ciaScale: RatingScale, assetValueRule: AssetValueRule, threatScale: RatingScale? = nil,
                vulnerabilityScale: RatingScale? = nil, likelihoodScale: RatingScale? = nil, impactScale: RatingScale? = nil, matrix: [[Int]]? = nil,
                bands: [RiskBand], acceptableUpTo: Int) {
        self.name = name
        self.formula = formula
        self.factors = factors
        self.ciaScale = ciaScale
        self.assetValueRule = assetValueRule
        self.threatScale = threatScale
        self.vulnerabilityScale = vulnerabilityScale
        self.likelihoodScale = likelihoodScale
        self.impactScale = impactScale
        self.matrix = matrix
        self.bands = bands
        self.acceptableUpTo = acceptableUpTo
    }

    public init(_ m: RiskMethod) {
        self.init(name: m.name, formula: m.formula, factors: m.factors, ciaScale: m.ciaScale, assetValueRule: m.assetValueRule, threatScale: m.threatScale,
                  vulnerabilityScale: m.vulnerabilityScale, likelihoodScale: m.likelihoodScale, impactScale: m.impactScale, matrix: m.matrix,
                  bands: m.bands, acceptableUpTo: m.acceptableUpTo)
    }

    func apply(to method: inout RiskMethod) {
        method.name = Text.trimmed(name)
        method.formula = formula
        method.factors = formula == .product ? factors ?? [] : nil
        method.ciaScale = ciaScale
        method.assetValueRule = assetValueRule
        // Only the scales the formula uses are kept.
        let used = Set(method.usedFactors)
        method.threatScale = used.contains(.threat) ? threatScale : nil
        method.vulnerabilityScale = used.contains(.vulnerability) ? vulnerabilityScale : nil
        method.likelihoodScale = used.contains(.likelihood) ? likelihoodScale : nil
        method.impactScale = used.contains(.impact) ? impactScale : nil
        method.matrix = formula == .matrix ? matrix : nil
        method.bands = bands.sorted { $0.minimum < $1.minimum }
        method.acceptableUpTo = acceptableUpTo
    }
}

/// Versions of the workspace's risk method (6.1.2 a–b). Drafts are edited; a published version
/// never changes, so an assessment keeps the method it was made with.
public struct RiskMethods: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public func list(_ access: WorkspaceAccess) async throws -> [RiskMethod] {
        try access.require(.risksRead)
        return try await services.store.read { try await $0.riskMethods.all(in: access.workspaceID) }
    }

    public func load(_ access: WorkspaceAccess, _ id: RiskMethod.ID) async throws -> RiskMethod {
        try access.require(.assetsRead)
        guard let method = try await services.store.read({ try await $0.riskMethods.load(id, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: "risk_method")
        }
        return method
    }

    /// The published version assets are valued with and new assessments use.
    public func current(_ access: WorkspaceAccess) async throws -> RiskMethod? {
        try await services.store.read { try await $0.riskMethods.current(in: access.workspaceID) }
    }

    /// A new draft: a copy of an existing version, or of one of our ready methods.
    public func createDraft(_ access: WorkspaceAccess, copying source: RiskMethod.ID?, template: String?, context: Context) async throws -> RiskMethod {
        try access.require(.riskMethodManage)
        let now = services.now
        let workspace = access.workspaceID
        let templates = services.riskTemplates
        return try await services.store.write { tx in
            let number = try await tx.riskMethods.nextNumber(in: workspace)
            var draft: RiskMethod
            if let source {
                guard let original = try await tx.riskMethods.load(source, in: workspace) else { throw DomainError.notFound(entity: "risk_method") }
                draft = original
                draft.id = RiskMethod.ID()
                draft.name = original.name
            } else if let key = template, let ready = templates.method(key) {
                draft = ready.method(workspace: workspace, number: number, now: now, language: context.language ?? .ja)
            } else {
                throw DomainError.invalid(field: "template", code: "error.choice")
            }
            draft.number = number
            draft.status = .draft
            draft.publishedAt = nil
            draft.createdAt = now
            draft.updatedAt = now
            draft.version = 1
            try await tx.riskMethods.insert(draft)
            try await tx.record(.change("risk_method", id: draft.id.description, action: "create", workspace: workspace, before: nil as RiskMethod?, after: draft),
                                context, at: now)
            return draft
        }
    }

    /// Saves a draft. A method whose bands leave a possible score uncovered (or cover one twice)
    /// cannot be saved; the error names the scores.
    /// `unreadable`: fields of the form that could not be read (a letter where a number goes); they
    /// are reported together with what the method's rules find, and nothing is saved.
    public func update(_ access: WorkspaceAccess, _ id: RiskMethod.ID, _ input: RiskMethodInput, expectedVersion: Int?, unreadable: [FieldError] = [],
                       context: Context) async throws -> RiskMethod {
        try access.require(.riskMethodManage)
        guard let expectedVersion else { throw DomainError.versionRequired }
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            guard let before = try await tx.riskMethods.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "risk_method") }
            guard before.version == expectedVersion else { throw DomainError.conflict(entity: "risk_method", currentVersion: before.version) }
            guard before.status == .draft else { throw DomainError.rule(code: "error.methodPublished") }
            var after = before
            input.apply(to: &after)
            do {
                try after.validate()
            } catch DomainError.invalid(let found) {
                // A field already reported as unreadable is not judged again (its stand-in value would contradict it).
                throw DomainError.invalid(unreadable + found.filter { f in !unreadable.contains { $0.field == f.field } })
            }
            if !unreadable.isEmpty { throw DomainError.invalid(unreadable) }
            after.updatedAt = now
            let saved = try await tx.riskMethods.update(after)
            try await tx.record(.change("risk_method", id: id.description, action: "update", workspace: workspace, before: before, after: saved), context, at: now)
            return saved
        }
    }

    /// Publishes a draft: it becomes the current method, and every asset is valued by it.
    public func publish(_ access: WorkspaceAccess, _ id: RiskMethod.ID, expectedVersion: Int?, context: Context) async throws -> RiskMethod {
        try access.require(.riskMethodManage)
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            guard let before = try await tx.riskMethods.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "risk_method") }
            if let expectedVersion, before.version != expectedVersion { throw DomainError.conflict(entity: "risk_method", currentVersion: before.version) }
            guard before.status == .draft else { throw DomainError.rule(code: "error.methodPublished") }
            try before.validate()
            var after = before
            after.status = .published
            after.publishedAt = now
            after.updatedAt = now
            let saved = try await tx.riskMethods.update(after)
            try await tx.record(.change("risk_method", id: id.description, action: "publish", workspace: workspace, before: before, after: saved), context, at: now)
            // Asset values follow from ratings and the method; both are on the trail, so the derived
            // values are rewritten with one event that says how many changed.
            let assets = try await tx.assets.all(in: workspace)
            var changed: [(Asset.ID, Int?)] = []
            for asset in assets {
                var ratings = [asset.confidentiality, asset.integrity, asset.availability]
                ratings = ratings.map { rating in rating.flatMap { saved.ciaScale.contains($0) ? $0 : nil } }
                let value = saved.assetValue(confidentiality: ratings[0], integrity: ratings[1], availability: ratings[2])
                if value != asset.value { changed.append((asset.id, value)) }
            }
            if !changed.isEmpty {
                try await tx.assets.updateValues(changed, in: workspace)
                try await tx.record(AuditEntry(workspaceID: workspace, entityType: "risk_method", entityID: id.description, action: "revalue_assets",
                                               before: nil, after: AuditJSON.encode(["assets": changed.count])), context, at: now)
            }
            return saved
        }
    }

    public func deleteDraft(_ access: WorkspaceAccess, _ id: RiskMethod.ID, context: Context) async throws {
        try access.require(.riskMethodManage)
        let now = services.now
        let workspace = access.workspaceID
        try await services.store.write { tx in
            guard let before = try await tx.riskMethods.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "risk_method") }
            guard before.status == .draft, try await tx.riskMethods.usage(id, in: access.workspaceID) == 0 else { throw DomainError.rule(code: "error.methodPublished") }
            try await tx.riskMethods.delete(id, in: workspace)
            try await tx.record(.change("risk_method", id: id.description, action: "delete", workspace: workspace, before: before, after: nil as RiskMethod?),
                                context, at: now)
        }
    }

    /// The workspace's threats or vulnerabilities.
    public func catalog(_ access: WorkspaceAccess, _ kind: CatalogEntry.Kind) async throws -> [CatalogEntry] {
        try access.require(.risksRead)
        return try await services.store.read { try await $0.catalogEntries.all(kind, in: access.workspaceID) }
    }

    public struct EntryInput: Sendable, Codable, Equatable {
        public var code: String?
        public var category: String?
        public var nameJa: String?
        public var nameEn: String?
        public var descriptionJa: String?
        public var descriptionEn: String?

        public init(code: String? = nil, category: String? = nil, nameJa: String? = nil, nameEn: String? = nil, descriptionJa: String? = nil,
                    descriptionEn: String? = nil) {
            self.code = code
            self.category = category
            self.nameJa = nameJa
            self.nameEn = nameEn
            self.descriptionJa = descriptionJa
            self.descriptionEn = descriptionEn
        }
    }

    /// Adds a threat or vulnerability of the workspace's own, or changes one (nil id: add).
    public func saveEntry(_ access: WorkspaceAccess, kind: CatalogEntry.Kind, id: CatalogEntry.ID?, _ input: EntryInput, expectedVersion: Int?,
                          context: Context) async throws -> CatalogEntry {
        try access.require(.riskMethodManage)
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            var v = Validator()
            let existing = try await tx.catalogEntries.all(kind, in: workspace)
            var entry: CatalogEntry
            var before: CatalogEntry? = nil
            if let id {
                guard let found = existing.first(where: { $0.id == id }) else { throw DomainError.notFound(entity: "catalog_entry") }
                if let expectedVersion, found.version != expectedVersion { throw DomainError.conflict(entity: "catalog_entry", currentVersion: found.version) }
                entry = found
                before = found
            } else {
                entry = CatalogEntry(workspaceID: workspace, kind: kind, code: "", category: "", nameJa: "", nameEn: "", descriptionJa: "", descriptionEn: "")
            }
            if id == nil || input.code != nil { entry.code = v.required(input.code, "code", maxLength: 20) }
            if id == nil || input.nameJa != nil { entry.nameJa = v.required(input.nameJa, "nameJa", maxLength: 200) }
            if id == nil || input.nameEn != nil { entry.nameEn = v.required(input.nameEn, "nameEn", maxLength: 200) }
            if let category = input.category { entry.category = v.optional(category, "category", maxLength: 50) ?? "" }
            if let text = input.descriptionJa { entry.descriptionJa = v.optional(text, "descriptionJa", maxLength: 1000) ?? "" }
            if let text = input.descriptionEn { entry.descriptionEn = v.optional(text, "descriptionEn", maxLength: 1000) ?? "" }
            if existing.contains(where: { $0.id != entry.id && $0.code.lowercased() == entry.code.lowercased() }) {
                v.add("code", "error.nameTaken", ["value": entry.code])
            }
            try v.check()
            if let before {
                let saved = try await tx.catalogEntries.update(entry)
                try await tx.record(.change("catalog_entry", id: entry.id.description, action: "update", workspace: workspace, before: before, after: saved), context, at: now)
                return saved
            }
            try await tx.catalogEntries.insert([entry])
            try await tx.record(.change("catalog_entry", id: entry.id.description, action: "create", workspace: workspace, before: nil as CatalogEntry?, after: entry),
                                context, at: now)
            return entry
        }
    }

    public func deleteEntry(_ access: WorkspaceAccess, _ id: CatalogEntry.ID, context: Context) async throws {
        try access.require(.riskMethodManage)
        let now = services.now
        let workspace = access.workspaceID
        try await services.store.write { tx in
            guard let before = try await tx.catalogEntries.load(id, in: workspace) else { throw DomainError.notFound(entity: "catalog_entry") }
            let usage = try await tx.catalogEntries.usage(id, in: access.workspaceID)
            if usage > 0 { throw DomainError.rule(code: "error.entryInUse", params: ["count": String(usage)]) }
            try await tx.catalogEntries.delete(id, in: workspace)
            try await tx.record(.change("catalog_entry", id: id.description, action: "delete", workspace: workspace, before: before, after: nil as CatalogEntry?),
                                context, at: now)
        }
    }

    public func classifications(_ access: WorkspaceAccess) async throws -> [ClassificationLabel] {
        try await services.store.read { try await $0.classifications.all(in: access.workspaceID) }
    }
}
