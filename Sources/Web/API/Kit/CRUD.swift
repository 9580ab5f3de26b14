import Domain
import Features
import Foundation
import Vapor

/// The usual five operations of a register's API — list, create, read, PATCH with If-Match,
/// delete — registered with their access, their OpenAPI description and the shape they answer
/// with. A register fills in the closures it offers (each calls one use case) and leaves out the rest.
struct CRUDRoutes<Item: Sendable, Resource: Sendable, Body: Decodable & Sendable>: Sendable {
    /// `["api", "v1", "workspaces", ":slug", "processes"]`
    var base: [PathComponent]
    /// The path parameter of one record: `processId`.
    var idParameter: String
    var tag: String
    /// For operation ids: `Process` / `Processes` → listProcesses, createProcess, getProcess…
    var singular: String
    var plural: String
    /// A list's entries.
    var item: ResourceShape<Item>
    /// What GET, create and update answer with (the same as `item`, or richer).
    var shape: ResourceShape<Resource>
    var read: Permission
    var manage: Permission
    /// PATCH may be open to more people than create and delete (an owner works on their record); the use case decides.
    var updateAccess: Permission? = nil
    /// GET of one record may be open to more people than the list (a reader opens what was published to them); the use case decides.
    var getAccess: Permission? = nil
    var createSchema: String
    var patchSchema: String
    var summaries: [String: String] = [:]
    var listParameters: [APIOperation.Parameter] = [Query.limit, Query.cursor]
    var version: @Sendable (Resource) -> Int
    var identity: @Sendable (Resource) -> String

    var list: (@Sendable (Request, WorkspaceAccess) async throws -> Page<Item>)? = nil
    var create: (@Sendable (Request, WorkspaceAccess, Body) async throws -> Resource)? = nil
    var get: (@Sendable (Request, WorkspaceAccess) async throws -> Resource)? = nil
    var update: (@Sendable (Request, WorkspaceAccess, Body, Int) async throws -> Resource)? = nil
    var delete: (@Sendable (Request, WorkspaceAccess, Int?) async throws -> Void)? = nil

    func register(_ routes: any RoutesBuilder, registry: APIRegistry) {
        let one = base + [PathComponent(stringLiteral: ":\(idParameter)")]
        let answer = shape
        let lower = singular.prefix(1).lowercased() + singular.dropFirst()
        func op(_ id: String, _ summary: String, parameters: [APIOperation.Parameter] = [], body: String? = nil,
                _ responses: [(Int, String, String?, Bool)]) -> APIOperation {
            APIOperation(id: id, summary: summaries[id] ?? summary, tag: tag, parameters: parameters, body: body.map { ($0, "application/json") }, responses: responses)
        }
        if let list {
            routes.api(.GET, base, access: .workspace(read), registry: registry,
                       operation: op("list\(plural)", "The \(plural.lowercased())", parameters: listParameters, [(200, "A page", item.listSchema.0, false)])) { req in
                JSONBody(value: item.list(try await list(req, try req.access())))
            }
        }
        if let create {
            routes.api(.POST, base, access: .workspace(manage), registry: registry,
                       operation: op("create\(singular)", "Add a \(lower)", body: createSchema, [(201, "Created", answer.name, true)])) { req -> Response in
                let access = try req.access()
                let created = try await create(req, access, try req.content.decode(Body.self))
                return try await json(answer.resource(created), status: .created, etag: version(created),
                                      location: req.url.path + "/" + identity(created), for: req)
            }
        }
        if let get {
            routes.api(.GET, one, access: .workspace(getAccess ?? read), registry: registry,
                       operation: op("get\(singular)", "One \(lower)", [(200, "The record", answer.name, true)])) { req -> Response in
                let value = try await get(req, try req.access())
                return try await json(answer.resource(value), etag: version(value), for: req)
            }
        }
        if let update {
            routes.api(.PATCH, one, access: .workspace(updateAccess ?? manage), registry: registry,
                       operation: op("update\(singular)", "Change a \(lower)", parameters: [Query.ifMatch], body: patchSchema,
                                     [(200, "Updated", answer.name, true), (409, "Changed since your GET", "Problem", false),
                                      (428, "If-Match is missing", "Problem", false)])) { req -> Response in
                let expected = try req.ifMatchVersion()
                let value = try await update(req, try req.access(), try req.content.decode(Body.self), expected)
                return try await json(answer.resource(value), etag: version(value), for: req)
            }
        }
        if let delete {
            routes.api(.DELETE, one, access: .workspace(manage), registry: registry,
                       operation: op("delete\(singular)", "Delete a \(lower)", parameters: [Query.ifMatchOptional],
                                     [(204, "Deleted", nil, false), (409, "Changed since your GET", "Problem", false)])) { req -> HTTPStatus in
                let expected = req.headers.first(name: .ifMatch) == nil ? nil : try req.ifMatchVersion()
                try await delete(req, try req.access(), expected)
                return .noContent
            }
        }
    }

    /// The schemas this register's answers use (its shapes and the list of them).
    var schemas: [(String, JSON)] {
        var out = [(item.name, item.schema), item.listSchema]
        if shape.name != item.name { out.append((shape.name, shape.schema)) }
        return out
    }
}
