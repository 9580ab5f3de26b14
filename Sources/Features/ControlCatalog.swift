import Domain
import Foundation
import Storage

/// The Annex A controls and the management-system clauses with our guidance, as every member of a
/// workspace reads them: filtered, paged by control id, and with the risks of the newest
/// assessment that rely on a control.
public struct ControlCatalog: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    var catalog: ReferenceCatalog { services.catalog }

    /// A cursor's key is the last control id shown; catalog entries have no row id, so the id part is fixed.
    static let cursorID = "00000000-0000-0000-0000-000000000000"

    public func list(_ access: WorkspaceAccess, query: ControlQuery, page: PageRequest) throws -> Page<AnnexAControl> {
        try access.require(.workspaceRead)
        var controls = catalog.controls(matching: query)
        let total = controls.count
        if let cursor = page.cursor.flatMap(Cursor.decode) { controls = controls.filter { ControlOrder.less(cursor.key, $0.id) } }
        if let skip = page.skip { controls = Array(controls.dropFirst(skip)) }
        let items = Array(controls.prefix(page.limit))
        let next = controls.count > page.limit ? items.last.map { Cursor(key: $0.id, id: Self.cursorID).encoded } : nil
        return Page(items: items, nextCursor: next, total: page.counting ? total : nil)
    }

    /// Annex A then the workspace's own controls (which have no attributes, so any attribute
    /// filter leaves them out), paged by id.
    public func listWithOwn(_ access: WorkspaceAccess, query: ControlQuery, page: PageRequest) async throws -> Page<SoAControl> {
        try access.require(.workspaceRead)
        var all = catalog.controls(matching: query).map(SoAControl.annex)
        let attributeFree = query.theme == nil && query.controlType == nil && query.property == nil && query.concept == nil && query.capability == nil
            && query.domain == nil && !query.newIn2022
        if attributeFree {
            let needle = Text.nonBlank(query.search)?.lowercased()
            let own = try await services.store.read { try await $0.ownControls.all(in: access.workspaceID) }
            all += own.filter { o in needle.map { n in [o.code.lowercased(), o.titleJa.lowercased(), o.titleEn.lowercased()].contains { $0.contains(n) } } ?? true }
                .map(SoAControl.own)
        }
        let total = all.count
        if let cursor = page.cursor.flatMap(Cursor.decode), let index = all.firstIndex(where: { $0.id == cursor.key }) { all = Array(all[(index + 1)...]) }
        if let skip = page.skip { all = Array(all.dropFirst(skip)) }
        let items = Array(all.prefix(page.limit))
        let next = all.count > page.limit ? items.last.map { Cursor(key: $0.id, id: Self.cursorID).encoded } : nil
        return Page(items: items, nextCursor: next, total: page.counting ? total : nil)
    }

    public func count(_ access: WorkspaceAccess, query: ControlQuery) throws -> Int {
        try access.require(.workspaceRead)
        return catalog.controls(matching: query).count
    }

    /// A control by its id, with or without the `A.` prefix.
    public func control(_ access: WorkspaceAccess, _ id: String) throws -> AnnexAControl {
        try access.require(.workspaceRead)
        let bare = id.uppercased().hasPrefix("A.") ? String(id.dropFirst(2)) : id
        guard let control = catalog.control(bare) else { throw DomainError.notFound(entity: "control") }
        return control
    }

    public func guidance(control id: String) -> Guidance? { catalog.controlGuidance[id] }
    public func guidance(clause id: String) -> Guidance? { catalog.clauseGuidance[id] }
    public func sources2013(of id: String) -> [Mapping2013] { catalog.sources2013(of: id) }

    /// The clauses 4 … 10 in order; the requirement clauses carry guidance.
    public func clauses(_ access: WorkspaceAccess) throws -> [Clause] {
        try access.require(.workspaceRead)
        return catalog.clauses
    }

    /// How many risks of the newest assessment name the control, for those who may see risks.
    public func linkedRisks(_ access: WorkspaceAccess, control id: String) async throws -> (assessment: RiskAssessment, count: Int)? {
        guard access.allows(.risksRead) else { return nil }
        return try await services.store.read { db in
            guard let assessment = try await db.assessments.latest(in: access.workspaceID) else { return nil }
            let count = try await db.risks.count(in: assessment.id, workspace: access.workspaceID, query: RiskQuery(control: id))
            return (assessment, count)
        }
    }
}
