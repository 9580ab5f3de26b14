import Domain
import Features
import Foundation
import Vapor

extension Request {
    /// The version an update is based on, from `If-Match` (`"3"` or `W/"3"`). Missing → 428.
    func ifMatchVersion() throws -> Int {
        guard let raw = headers.first(name: .ifMatch) else { throw DomainError.versionRequired }
        let cleaned = raw.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "W/", with: "").trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        // An ETag we never issued cannot match the current version.
        return Int(cleaned) ?? -1
    }

    /// A SoA version's number from the query (`version`, `from`, `to`); absent → nil, not a positive whole number → a field error.
    func versionNumber(_ field: String) throws -> Int? {
        guard let raw = queryValue(field).flatMap(Text.nonBlank) else { return nil }
        guard let number = Int(raw), number > 0 else { throw DomainError.invalid(field: field, code: "error.format") }
        return number
    }

    func pageRequest() throws -> PageRequest {
        try PageRequest.parse(limit: queryValue("limit"), cursor: queryValue("cursor"))
    }

    /// A typed id from the path; an id that is not a UUID names no record.
    func id<T>(_ name: String, _ type: Domain.ID<T>.Type, entity: String) throws -> Domain.ID<T> {
        guard let raw = parameters.get(name), let id = Domain.ID<T>(raw) else { throw DomainError.notFound(entity: entity) }
        return id
    }
}

func etag(_ version: Int) -> String { "\"\(version)\"" }

/// A JSON answer with a status and optional ETag and Location.
func json<T: JSONWritable>(_ value: T, status: HTTPResponseStatus = .ok, etag version: Int? = nil, location: String? = nil,
                           for req: Request) async throws -> Response {
    try await JSONBody(value: value, status: status, etag: version, location: location).encodeResponse(for: req)
}

extension Parameters {
    static func query(_ name: String, _ description: String, schema: JSON = .string()) -> APIOperation.Parameter {
        APIOperation.Parameter(name: name, location: .query, schema: schema, required: false, description: description)
    }

    /// An import's column mapping, as `--map` takes it.
    /// The row holding the headers, when it is not the one found.
    static let importHeaderRow = query("headerRow", "The row (1–1000) holding the headers, when title rows hide it and the headers are not ones Meguri knows", schema: .integer(minimum: 1, maximum: 1000))

    static let importMap = query("map", "Which column feeds which field: `No.=id, 適用=applicable, 備考=-` (columns by header or letter, fields by key or header, - leaves a column out). Without it the mapping is proposed from the headers and the workspace's remembered mapping; an ambiguous header is refused, naming it. The report's `map` shows the mapping used.")
}

extension Request {
    /// The import's mapping from `?map=` and `?headerRow=`.
    func importOptions() throws -> ImportOptions {
        let raw = queryValue("map").flatMap(Text.nonBlank)
        let row = queryValue("headerRow").flatMap(Text.nonBlank)
        guard raw != nil || row != nil else { return .proposed }
        var map = try raw.map(GivenMapping.parse) ?? GivenMapping()
        if let row {
            guard let number = Int(Text.halfWidth(row)) else { throw DomainError.invalid(field: "headerRow", code: "error.headerRow", params: ["max": "1000"]) }
            map.headerRow = number
        }
        return ImportOptions(map: map)
    }
}

enum Query {
    static let limit = Parameters.query("limit", "Items per page, 1–200 (default 50)", schema: .integer(minimum: 1, maximum: 200))
    static let cursor = Parameters.query("cursor", "The nextCursor of the previous page")
    static let ifMatch = APIOperation.Parameter(name: "If-Match", location: .header, schema: .string(), required: true,
                                                description: "The ETag from GET; a newer version answers 409, a missing header 428")
    static let ifMatchOptional = APIOperation.Parameter(name: "If-Match", location: .header, schema: .string(), required: false,
                                                        description: "The ETag from GET; when given, a newer version answers 409")
}
