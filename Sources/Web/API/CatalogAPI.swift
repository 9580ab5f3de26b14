import Domain
import Features
import Foundation
import Vapor

/// `/api/v1/workspaces/{slug}/controls` and `/clauses`: the reference catalog with our guidance in
/// both languages, readable by every member.
struct CatalogAPI {
    let registry: APIRegistry

    func register(_ routes: any RoutesBuilder) {
        let base: [PathComponent] = ["api", "v1", "workspaces", ":slug"]
        routes.api(.GET, base + ["controls"], access: .workspace(.workspaceRead), registry: registry,
                   operation: .init(id: "listControls", summary: "Annex A controls in catalog order, then the workspace's own controls (left out by any attribute filter)", tag: "Catalog",
                                    parameters: CatalogAPI.filters + [Query.limit, Query.cursor],
                                    responses: [(200, "A page of controls", "ControlList", false)]), use: list)
        routes.api(.GET, base + ["controls", ":controlId"], access: .workspace(.workspaceRead), registry: registry,
                   operation: .init(id: "getControl", summary: "A control with its guidance and 2013 origin", tag: "Catalog",
                                    responses: [(200, "The control", "Control", false)]), use: get)
        routes.api(.GET, base + ["clauses"], access: .workspace(.workspaceRead), registry: registry,
                   operation: .init(id: "listClauses", summary: "Clauses 4–10; the requirement clauses (4.1–10.2) with guidance", tag: "Catalog",
                                    responses: [(200, "Every clause, in order", "ClauseList", false)]), use: clauses)
    }

    static func values<T: RawRepresentable & CaseIterable>(_ type: T.Type) -> [String] where T.RawValue == String { T.allCases.map(\.rawValue) }

    static let filters: [APIOperation.Parameter] = [
        Parameters.query("q", "An id (8.5 or A.8.5) or words of the title in either language"),
        Parameters.query("theme", "Theme", schema: .string(enumValues: values(AnnexAControl.Theme.self))),
        Parameters.query("type", "Control type", schema: .string(enumValues: values(AnnexAControl.ControlType.self))),
        Parameters.query("property", "Information security property", schema: .string(enumValues: values(AnnexAControl.SecurityProperty.self))),
        Parameters.query("concept", "Cybersecurity concept", schema: .string(enumValues: values(AnnexAControl.Concept.self))),
        Parameters.query("capability", "Operational capability", schema: .string(enumValues: values(AnnexAControl.Capability.self))),
        Parameters.query("domain", "Security domain", schema: .string(enumValues: values(AnnexAControl.SecurityDomain.self))),
        Parameters.query("new2022", "true: only the controls with no 2013 predecessor", schema: ["type": "boolean"]),
    ]

    @Sendable func list(_ req: Request) async throws -> JSONBody<ListResource<ControlItemResource>> {
        let access = try req.access()
        var filters = ControlPages.Filters(req)
        filters.new2022 = try parseBool(req.queryValue("new2022"), field: "new2022") ? "1" : nil
        let catalog = ControlCatalog(req.meguri)
        let page = try await catalog.listWithOwn(access, query: try filters.query(), page: try req.pageRequest())
        return JSONBody(value: ListResource(items: page.items.map { ControlItemResource(item: $0, catalog: catalog) }, nextCursor: page.nextCursor))
    }

    @Sendable func get(_ req: Request) async throws -> JSONBody<ControlResource> {
        let catalog = ControlCatalog(req.meguri)
        let control = try catalog.control(try req.access(), req.parameters.get("controlId") ?? "")
        return JSONBody(value: ControlResource(control: control, catalog: catalog))
    }

    @Sendable func clauses(_ req: Request) async throws -> JSONBody<ClauseListResource> {
        let catalog = ControlCatalog(req.meguri)
        return JSONBody(value: ClauseListResource(clauses: try catalog.clauses(try req.access()), catalog: catalog))
    }
}

struct GuidanceResource: JSONWritable {
    let g: Guidance?
    func write(_ w: inout JSONWriter) {
        guard let g else { w.string(nil); return }
        w.object { w in
            for (language, text) in [("ja", g.ja), ("en", g.en)] {
                w.key(language)
                w.object { w in
                    w.field("asks", text.asks); w.field("options", text.options); w.field("evidence", text.evidence); w.field("exclusion", text.exclusion)
                }
            }
        }
    }
}

/// An Annex A control or an own one, in the shape of `Control`.
struct ControlItemResource: JSONWritable {
    let item: SoAControl
    let catalog: ControlCatalog

    func write(_ w: inout JSONWriter) {
        switch item {
        case .annex(let control): ControlResource(control: control, catalog: catalog).write(&w)
        case .own(let own):
            w.object { w in
                w.field("id", own.code); w.field("kind", "own"); w.field("theme", "own"); w.field("titleJa", own.titleJa); w.field("titleEn", own.titleEn)
                w.field("description", own.description)
                for key in ["controlTypes", "properties", "concepts", "capabilities", "domains", "from2013"] { w.field(key, strings: []) }
                w.field("guidance", GuidanceResource(g: nil))
            }
        }
    }
}

struct ControlResource: JSONWritable {
    let control: AnnexAControl
    let catalog: ControlCatalog

    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.field("id", control.id); w.field("kind", "annex"); w.field("theme", control.theme.rawValue); w.field("titleJa", control.titleJa); w.field("titleEn", control.titleEn)
            w.field("description", nil as String?)
            w.field("controlTypes", strings: control.controlTypes.map(\.rawValue)); w.field("properties", strings: control.properties.map(\.rawValue))
            w.field("concepts", strings: control.concepts.map(\.rawValue)); w.field("capabilities", strings: control.capabilities.map(\.rawValue))
            w.field("domains", strings: control.domains.map(\.rawValue))
            w.field("from2013", strings: catalog.sources2013(of: control.id).map(\.id2013))
            w.field("guidance", GuidanceResource(g: catalog.guidance(control: control.id)))
        }
    }
}

struct ClauseListResource: JSONWritable {
    let clauses: [Clause]
    let catalog: ControlCatalog

    func write(_ w: inout JSONWriter) {
        w.object { w in
            w.key("items")
            w.array(clauses) { w, clause in
                w.object { w in
                    w.field("id", clause.id); w.field("titleJa", clause.titleJa); w.field("titleEn", clause.titleEn)
                    w.field("guidance", GuidanceResource(g: catalog.guidance(clause: clause.id)))
                }
            }
        }
    }
}

/// OpenAPI schemas of the catalog.
enum CatalogSchemas {
    static let strings = JSON.array(of: .string())
    static let text: JSON = .object([("asks", .string()), ("options", .string()), ("evidence", .string()),
                                     ("exclusion", .string(nullable: true, description: "When a commonly excluded control may be excluded, and why"))],
                                    required: ["asks", "options", "evidence", "exclusion"])
    static let guidance: JSON = ["oneOf": [.object([("ja", text), ("en", text)], required: ["ja", "en"], description: "Written by the Meguri project"), ["type": "null"]]]
    static let control: [(String, JSON)] = [
        ("id", .string(description: "5.1 … 8.34, or an own control's code")), ("kind", .string(enumValues: ["annex", "own"])),
        ("theme", .string(enumValues: CatalogAPI.values(AnnexAControl.Theme.self) + ["own"])),
        ("titleJa", .string()), ("titleEn", .string()), ("description", .string(nullable: true, description: "An own control's description")), ("controlTypes", strings), ("properties", strings), ("concepts", strings),
        ("capabilities", strings), ("domains", strings), ("from2013", .array(of: .string(description: "A 2013 Annex A id such as A.9.2.3"))),
        ("guidance", guidance),
    ]
    static let clause: [(String, JSON)] = [("id", .string()), ("titleJa", .string()), ("titleEn", .string()), ("guidance", guidance)]

    static let all: [(String, JSON)] = [
        ("Control", .object(control, required: control.map(\.0))),
        ("ControlList", APISchemas.list("Control")),
        ("Clause", .object(clause, required: clause.map(\.0))),
        ("ClauseList", .object([("items", .array(of: .ref("Clause")))], required: ["items"])),
    ]
}
