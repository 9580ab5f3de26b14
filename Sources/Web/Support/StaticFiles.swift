import Crypto
import Foundation
import Vapor

/// The bundled stylesheet, script and icon, read once at start and served from memory with an
/// ETag, so the binary runs from any working directory.
struct StaticFiles: Sendable {
    struct Asset: Sendable {
        var data: Data
        var contentType: HTTPMediaType
        var etag: String
    }

    let assets: [String: Asset]

    static func bundled() throws -> StaticFiles {
        let directory = Bundle.module.url(forResource: "Public", withExtension: nil)!
        var assets: [String: Asset] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            let type: HTTPMediaType = switch (name as NSString).pathExtension {
            case "css": .css
            case "js": HTTPMediaType(type: "text", subType: "javascript", parameters: ["charset": "utf-8"])
            case "svg": .svg
            case "png": .png
            case "ico": HTTPMediaType(type: "image", subType: "x-icon")
            default: .binary
            }
            assets[name] = Asset(data: data, contentType: type, etag: "\"\(SHA256.hash(data: data).prefix(8).map { String(format: "%02x", $0) }.joined())\"")
        }
        return StaticFiles(assets: assets)
    }

    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "static", ":file", access: .anyone) { req -> Response in
            guard let name = req.parameters.get("file"), let asset = assets[name] else { throw Abort(.notFound) }
            if req.headers.first(name: .ifNoneMatch) == asset.etag { return Response(status: .notModified) }
            let response = Response(status: .ok, body: .init(data: asset.data))
            response.headers.contentType = asset.contentType
            response.headers.replaceOrAdd(name: .eTag, value: asset.etag)
            response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=3600")
            return response
        }
        routes.endpoint(.GET, "favicon.ico", access: .anyone) { req -> Response in
            guard let asset = assets["favicon.svg"] else { throw Abort(.notFound) }
            let response = Response(status: .ok, body: .init(data: asset.data))
            response.headers.contentType = asset.contentType
            response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=86400")
            return response
        }
    }
}
