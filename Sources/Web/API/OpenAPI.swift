import Domain
import Foundation
import Synchronization
import Vapor

/// A JSON value, for building the OpenAPI document.
indirect enum JSON: Encodable, Sendable, ExpressibleByStringLiteral, ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral,
                    ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral {
    case string(String), int(Int), bool(Bool), array([JSON]), object([(String, JSON)]), null

    init(stringLiteral value: String) { self = .string(value) }
    init(dictionaryLiteral elements: (String, JSON)...) { self = .object(elements) }
    init(arrayLiteral elements: JSON...) { self = .array(elements) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(integerLiteral value: Int) { self = .int(value) }

    struct CodingName: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .string(let s): var c = encoder.singleValueContainer(); try c.encode(s)
        case .int(let i): var c = encoder.singleValueContainer(); try c.encode(i)
        case .bool(let b): var c = encoder.singleValueContainer(); try c.encode(b)
        case .null: var c = encoder.singleValueContainer(); try c.encodeNil()
        case .array(let items): var c = encoder.unkeyedContainer(); for item in items { try c.encode(item) }
        case .object(let pairs):
            var c = encoder.container(keyedBy: CodingName.self)
            for (key, value) in pairs { try c.encode(value, forKey: CodingName(key)) }
        }
    }

    static func ref(_ name: String) -> JSON { ["$ref": .string("#/components/schemas/\(name)")] }
    static func string(format: String? = nil, nullable: Bool = false, enumValues: [String]? = nil, description: String? = nil) -> JSON {
        var pairs: [(String, JSON)] = [("type", nullable ? ["string", "null"] : "string")]
        if let format { pairs.append(("format", .string(format))) }
        if let enumValues { pairs.append(("enum", .array(enumValues.map(JSON.string) + (nullable ? [.null] : [])))) }
        if let description { pairs.append(("description", .string(description))) }
        return .object(pairs)
    }
    static func integer(minimum: Int? = nil, maximum: Int? = nil) -> JSON {
        var pairs: [(String, JSON)] = [("type", "integer")]
        if let minimum { pairs.append(("minimum", .int(minimum))) }
        if let maximum { pairs.append(("maximum", .int(maximum))) }
        return .object(pairs)
    }
    static func object(_ properties: [(String, JSON)], required: [String], additional: Bool = false, description: String? = nil) -> JSON {
        var pairs: [(String, JSON)] = [("type", "object"), ("properties", .object(properties)), ("required", .array(required.map(JSON.string)))]
        if !additional { pairs.append(("additionalProperties", false)) }
        if let description { pairs.append(("description", .string(description))) }
        return .object(pairs)
    }
    static func array(of items: JSON) -> JSON { ["type": "array", "items": items] }
}

/// One API operation as the OpenAPI document describes it.
struct APIOperation: Sendable {
    enum Location: String, Sendable { case path, query, header }
    struct Parameter: Sendable {
        var name: String
        var location: Location
        var schema: JSON
        var required: Bool
        var description: String
    }

    var id: String
    var summary: String
    var tag: String
    var parameters: [Parameter] = []
    /// Schema name and media type of the body.
    var body: (schema: String, mediaType: String)? = nil
    /// Status → (description, schema name, whether an ETag header is sent).
    var responses: [(status: Int, description: String, schema: String?, etag: Bool)]
}

/// The operations registered so far, in order; the document is built from them, so a route
/// cannot exist without its description.
final class APIRegistry: Sendable {
    let entries = Mutex<[(method: String, path: String, access: RouteAccess, operation: APIOperation)]>([])
}

struct APIRegistryKey: StorageKey { typealias Value = APIRegistry }

extension RoutesBuilder {
    /// Registers an API route with its access rule and its OpenAPI description.
    @discardableResult
    func api<Response: AsyncResponseEncodable>(
        _ method: HTTPMethod, _ path: [PathComponent], access: RouteAccess, registry: APIRegistry, operation: APIOperation,
        body: HTTPBodyStreamStrategy = .collect, use handler: @escaping @Sendable (Request) async throws -> Response
    ) -> Route {
        var op = operation
        let template = "/" + path.map { component -> String in
            if case .parameter(let name) = component { return "{\(name)}" }
            return component.description
        }.joined(separator: "/")
        for case .parameter(let name) in path where !op.parameters.contains(where: { $0.name == name && $0.location == .path }) {
            op.parameters.insert(.init(name: name, location: .path, schema: APISchemas.pathParameter(name), required: true,
                                       description: APISchemas.pathParameterDescription(name)), at: 0)
        }
        var responses = op.responses
        func add(_ status: Int, _ description: String) {
            if !responses.contains(where: { $0.status == status }) { responses.append((status, description, "Problem", false)) }
        }
        if access != .anyone { add(401, "Missing, unknown or revoked token") }
        if case .workspace = access { add(403, "Your roles in this workspace do not allow this"); add(404, "No such workspace or record in your workspaces") }
        if access == .administrator { add(403, "Only an installation administrator may do this") }
        if op.body != nil { add(422, "Invalid input; `errors` names each field"); add(415, "The body is not of a supported media type") }
        if path.contains(where: { if case .parameter = $0 { return true }; return false }) { add(404, "Not found") }
        if op.parameters.contains(where: { $0.location == .query }) { add(422, "Invalid query parameter; `errors` names it") }
        // Any change may be refused by a domain rule (a record in the wrong state, a last
        // administrator), which is a 422 `rule` problem whether or not the request has a body.
        if method != .GET, method != .HEAD { add(422, "A rule refuses this change; `detail` says which") }
        add(400, "The request could not be read")
        add(500, "An unexpected failure; the problem names the request id")
        op.responses = responses
        registry.entries.withLock { $0.append((method.rawValue, template, access, op)) }
        return endpoint(method, path, access: access, body: body, use: handler)
    }

    @discardableResult
    func endpoint<Response: AsyncResponseEncodable>(
        _ method: HTTPMethod, _ path: [PathComponent], access: RouteAccess, body: HTTPBodyStreamStrategy = .collect, csrfExempt: Bool = false,
        use handler: @escaping @Sendable (Request) async throws -> Response
    ) -> Route {
        // The body is read only once the caller is known and allowed: an anonymous upload, or one
        // to a workspace the caller cannot open, is refused before a byte of it is kept.
        let route = on(method, path, body: .stream) { request async throws -> Response in
            try await authorize(request, access)
            if case .collect(let max) = body, request.body.data == nil {
                _ = try await request.body.collect(max: max?.value ?? request.application.routes.defaultMaxBodySize.value).get()
            }
            if method != .GET, method != .HEAD, !request.isAPI, !csrfExempt { try verifyCSRF(request) }
            return try await handler(request)
        }
        route.userInfo["access"] = access
        return route
    }
}

enum OpenAPIDocument {
    static func build(_ registry: APIRegistry) -> JSON {
        let entries = registry.entries.withLock { $0 }
        var paths: [(String, [(String, JSON)])] = []
        for entry in entries {
            let op = entry.operation
            var operation: [(String, JSON)] = [("operationId", .string(op.id)), ("summary", .string(op.summary)), ("tags", [.string(op.tag)])]
            if !op.parameters.isEmpty {
                operation.append(("parameters", .array(op.parameters.map { p in
                    ["name": .string(p.name), "in": .string(p.location.rawValue), "required": .bool(p.required), "description": .string(p.description),
                     "schema": p.schema]
                })))
            }
            if let body = op.body {
                let schema: JSON = body.schema.isEmpty ? ["type": "string"] : .ref(body.schema)
                let content: JSON = .object([(body.mediaType, .object([("schema", schema)]))])
                operation.append(("requestBody", ["required": true, "content": content]))
            }
            var responses: [(String, JSON)] = []
            for response in op.responses.sorted(by: { $0.status < $1.status }) {
                var pairs: [(String, JSON)] = [("description", .string(response.description))]
                if response.schema == "Table" {
                    // A download: CSV or an Excel workbook, as `format` asks.
                    pairs.append(("content", .object([("text/csv", .object([("schema", ["type": "string"])])),
                                                      ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                                       .object([("schema", ["type": "string", "contentMediaType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"])]))])))
                } else if response.schema == "HTML" {
                    // A print-ready document (styles inline, no script).
                    pairs.append(("content", .object([("text/html", .object([("schema", ["type": "string"])]))])))
                } else if response.schema == "File" {
                    // A stored file, labelled with the type its bytes show (PDF, image, text, Office…).
                    pairs.append(("content", .object([("*/*", .object([("schema", ["type": "string", "format": "binary"])]))])))
                } else if let schema = response.schema {
                    let media = schema == "Problem" ? "application/problem+json" : (schema == "CSV" ? "text/csv" : "application/json")
                    let schemaJSON: JSON = schema == "CSV" ? ["type": "string"] : .ref(schema)
                    let content: JSON = .object([(media, .object([("schema", schemaJSON)]))])
                    pairs.append(("content", content))
                }
                var headers: [(String, JSON)] = []
                if response.etag {
                    headers.append(("ETag", ["description": "The version of the record, to send back in If-Match", "schema": ["type": "string"]]))
                }
                if response.status == 201 {
                    headers.append(("Location", ["description": "Where the new record lives", "schema": ["type": "string"]]))
                }
                if response.status == 401 {
                    headers.append(("WWW-Authenticate", ["description": "Bearer", "schema": ["type": "string"]]))
                }
                if !headers.isEmpty { pairs.append(("headers", .object(headers))) }
                responses.append((String(response.status), .object(pairs)))
            }
            operation.append(("responses", .object(responses)))
            if entry.access != .anyone { operation.append(("security", [["bearerAuth": []]])) } else { operation.append(("security", [])) }
            if let index = paths.firstIndex(where: { $0.0 == entry.path }) {
                paths[index].1.append((entry.method.lowercased(), .object(operation)))
            } else {
                paths.append((entry.path, [(entry.method.lowercased(), .object(operation))]))
            }
        }
        return [
            "openapi": "3.1.0",
            "info": ["title": "Meguri API", "version": "1.0.0",
                     "description": "The JSON API of Meguri, an ISMS operations platform. Authenticate with `Authorization: Bearer <token>` (create a token on your account page or with `meguri token create`). Lists return `{items, nextCursor}`; pass `cursor` for the next page. Updates are PATCH with `If-Match` carrying the ETag from GET. Errors are RFC 9457 problem documents."],
            "servers": [["url": "/"]],
            "paths": .object(paths.map { ($0.0, .object($0.1)) }),
            "components": ["securitySchemes": ["bearerAuth": ["type": "http", "scheme": "bearer"]], "schemas": APISchemas.all],
        ]
    }
}
