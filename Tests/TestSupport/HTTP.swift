import Foundation
import NIOCore
import VaporTesting

extension TestApp {
    /// Sends one request through the whole middleware stack (in memory, no socket).
    public func send(_ method: HTTPMethod, _ path: String, headers: HTTPHeaders = [:], body: String? = nil,
                     contentType: String? = nil) async throws -> TestingHTTPResponse {
        var headers = headers
        if let contentType { headers.replaceOrAdd(name: .contentType, value: contentType) }
        let buffer = body.map { ByteBuffer(string: $0) }
        return try await meguri.app.testing().sendRequest(method, path, headers: headers, body: buffer)
    }

    /// Posts a form as a browser does, with the session cookie and CSRF token.
    public func post(_ path: String, form: [String: String], session: (cookie: String, csrf: String)?, extraHeaders: HTTPHeaders = [:]) async throws -> TestingHTTPResponse {
        var fields = form
        if let session, fields["_csrf"] == nil { fields["_csrf"] = session.csrf }
        var headers = extraHeaders
        if let session { headers.replaceOrAdd(name: .cookie, value: session.cookie) }
        return try await send(.POST, path, headers: headers, body: Self.formEncode(fields), contentType: "application/x-www-form-urlencoded")
    }

    public func get(_ path: String, session: (cookie: String, csrf: String)? = nil, headers: HTTPHeaders = [:]) async throws -> TestingHTTPResponse {
        var headers = headers
        if let session { headers.replaceOrAdd(name: .cookie, value: session.cookie) }
        return try await send(.GET, path, headers: headers)
    }

    /// A JSON API call with a bearer token.
    public func api(_ method: HTTPMethod, _ path: String, token: String?, json: String? = nil, headers: HTTPHeaders = [:]) async throws -> TestingHTTPResponse {
        var all = headers
        all.replaceOrAdd(name: .accept, value: "application/json")
        if let token { all.replaceOrAdd(name: .authorization, value: "Bearer \(token)") }
        return try await send(method, path, headers: all, body: json, contentType: json == nil ? nil : "application/json")
    }

    /// Uploads a file's bytes to the API (an import).
    public func upload(_ path: String, token: String, data: Data, contentType: String) async throws -> TestingHTTPResponse {
        var headers: HTTPHeaders = ["Accept": "application/json", "Authorization": "Bearer \(token)", "Content-Type": contentType]
        headers.replaceOrAdd(name: .contentLength, value: String(data.count))
        return try await meguri.app.testing().sendRequest(.POST, path, headers: headers, body: ByteBuffer(bytes: data))
    }

    /// A multipart/form-data body as a browser sends it: fields, then one file.
    public static func multipart(_ fields: [String: String], file: (field: String, name: String, data: Data)?) -> (body: Data, contentType: String) {
        let boundary = "----MeguriTest\(UUID().uuidString)"
        var body = Data()
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        if let file {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; filename=\"\(file.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
            body.append(file.data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    /// Posts a multipart form as a browser does (session cookie and CSRF token), or to the API with a token.
    public func postMultipart(_ path: String, fields: [String: String], file: (field: String, name: String, data: Data)?,
                              session: (cookie: String, csrf: String)? = nil, token: String? = nil, extraHeaders: HTTPHeaders = [:]) async throws -> TestingHTTPResponse {
        var all = fields
        if let session, all["_csrf"] == nil { all["_csrf"] = session.csrf }
        let (body, contentType) = Self.multipart(all, file: file)
        var headers: HTTPHeaders = ["Content-Type": contentType, "Content-Length": String(body.count)]
        if let session { headers.replaceOrAdd(name: .cookie, value: session.cookie) }
        if let token { headers.replaceOrAdd(name: .authorization, value: "Bearer \(token)"); headers.replaceOrAdd(name: .accept, value: "application/json") }
        for (name, value) in extraHeaders { headers.replaceOrAdd(name: name, value: value) }
        return try await meguri.app.testing().sendRequest(.POST, path, headers: headers, body: ByteBuffer(bytes: body))
    }

    public static func formEncode(_ fields: [String: String]) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return fields.sorted { $0.key < $1.key }.map {
            "\($0.key.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        }.joined(separator: "&")
    }
}

extension TestingHTTPResponse {
    public var text: String { body.getString(at: body.readerIndex, length: body.readableBytes) ?? "" }

    public func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { throw TestFailure("not a JSON object: \(text)") }
        return object
    }

    public var location: String? { headers.first(name: .location) }

    public var data: Data { Data(body.readableBytesView) }
}
