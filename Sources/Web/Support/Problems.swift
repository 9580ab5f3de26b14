import Domain
import Features
import Foundation
import Storage
import Localization
import Vapor

/// An RFC 9457 problem document, the body of every API error.
struct Problem: Content {
    struct FieldProblem: Content {
        var field: String
        var code: String
        var message: String
        var row: Int?
    }

    var type: String
    var title: String
    var status: Int
    var detail: String?
    var instance: String?
    var requestId: String?
    var errors: [FieldProblem]?
    var currentVersion: Int?
    var retryAfter: Int?
}

/// What went wrong, in the few categories the surfaces know: each maps to one status and one
/// message; internals are logged, never shown.
struct Failure {
    var status: HTTPResponseStatus
    var type: String
    var titleKey: String
    var detail: String?
    var fieldErrors: [FieldError] = []
    var currentVersion: Int?
    var retryAfter: Int?
    /// The page to go back to (the form of a refused upload), a path on this site.
    var backTo: String?

    static func from(_ error: any Error, request: Request) -> Failure {
        let l = request.meguri.localizer
        let language = request.language
        switch error {
        case let error as DomainError:
            switch error {
            case .invalid(let errors):
                return Failure(status: .unprocessableEntity, type: "validation", titleKey: "problem.validation", fieldErrors: errors)
            case .notFound:
                return Failure(status: .notFound, type: "not-found", titleKey: "problem.notFound")
            case .forbidden:
                return Failure(status: .forbidden, type: "forbidden", titleKey: "problem.forbidden")
            case .forbiddenBecause(let code):
                // The role allows the action, this record does not (another department's, someone else's risk…).
                return Failure(status: .forbidden, type: "forbidden-record", titleKey: "problem.forbidden", detail: l.text(code, language))
            case .conflict(_, let version):
                return Failure(status: .conflict, type: "conflict", titleKey: "problem.conflict", detail: l.text("problem.conflict.detail", language),
                               currentVersion: version)
            case .versionRequired:
                return Failure(status: .preconditionRequired, type: "precondition-required", titleKey: "problem.versionRequired",
                               detail: l.text("problem.versionRequired.detail", language))
            case .rule(let code, let params):
                return Failure(status: .unprocessableEntity, type: "rule", titleKey: "problem.rule", detail: l.text(code, language, params))
            case .rateLimited(let seconds):
                return Failure(status: .tooManyRequests, type: "rate-limited", titleKey: "problem.rateLimited",
                               detail: l.text(RateLimitText.key(seconds), language, RateLimitText.params(seconds)), retryAfter: seconds)
            case .unauthenticated:
                return Failure(status: .unauthorized, type: "unauthenticated", titleKey: "problem.unauthenticated")
            }
        case is Store.Unavailable:
            return Failure(status: .serviceUnavailable, type: "unavailable", titleKey: "problem.unavailable")
        case let error where String(reflecting: Swift.type(of: error)).contains("Multipart"):
            // A multipart body that cannot be parsed (no parts, a broken boundary) is unreadable, not a failure of ours.
            _ = error
            return Failure(status: .badRequest, type: "bad-request", titleKey: "problem.badRequest")
        case let error as DecodingError:
            return Failure(status: .unprocessableEntity, type: "validation", titleKey: "problem.validation",
                           fieldErrors: [FieldError(field: decodingField(error), code: "error.format")])
        case let abort as any AbortError:
            if abort.status == .forbidden, abort.reason == "csrf" {
                return Failure(status: .forbidden, type: "csrf", titleKey: "problem.csrf", detail: l.text("problem.csrf.detail", language))
            }
            let known: [UInt: (String, String)] = [400: ("bad-request", "problem.badRequest"), 404: ("not-found", "problem.notFound"),
                                                    405: ("method-not-allowed", "problem.methodNotAllowed"), 413: ("too-large", "problem.tooLarge"),
                                                    415: ("unsupported-media-type", "problem.unsupportedMediaType"),
                                                    401: ("unauthenticated", "problem.unauthenticated"), 403: ("forbidden", "problem.forbidden")]
            if abort.status == .payloadTooLarge {
                return Failure(status: abort.status, type: "too-large", titleKey: "problem.tooLarge", detail: l.text("problem.tooLarge.detail", language),
                               backTo: localPath(request.headers.first(name: .referer), request))
            }
            if let (type, key) = known[abort.status.code] {
                return Failure(status: abort.status, type: type, titleKey: key)
            }
            if abort.status.code < 500 {
                return Failure(status: abort.status, type: "bad-request", titleKey: "problem.badRequest")
            }
            request.logger.error("\(String(reflecting: error))")
            return Failure(status: .internalServerError, type: "internal", titleKey: "problem.internal",
                           detail: l.text("problem.internal.detail", language, ["id": request.requestID]))
        default:
            request.logger.error("\(String(reflecting: error))")
            return Failure(status: .internalServerError, type: "internal", titleKey: "problem.internal",
                           detail: l.text("problem.internal.detail", language, ["id": request.requestID]))
        }
    }

    /// The path of `referer` when it is this site's page, else nil.
    static func localPath(_ referer: String?, _ request: Request) -> String? {
        guard let referer, let url = URL(string: referer), let host = request.headers.first(name: .host),
              url.host.map({ $0 + (url.port.map { ":\($0)" } ?? "") }) == host || url.host == host.split(separator: ":").first.map(String.init),
              url.path.hasPrefix("/"), !url.path.hasPrefix("//") else { return nil }
        return url.path + (url.query.map { "?" + $0 } ?? "")
    }

    static func decodingField(_ error: DecodingError) -> String {
        let path: [any CodingKey]
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): path = c.codingPath
        case .keyNotFound(let key, let c): path = c.codingPath + [key]
        @unknown default: path = []
        }
        let names = path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        return names.isEmpty ? "body" : names.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    func problem(for request: Request) -> Problem {
        let l = request.meguri.localizer
        let language = request.language
        return Problem(type: "urn:meguri:problem:\(type)", title: l.text(titleKey, language), status: Int(status.code), detail: detail,
                       instance: request.url.path, requestId: request.requestID,
                       errors: fieldErrors.isEmpty ? nil : fieldErrors.map {
                           Problem.FieldProblem(field: $0.field, code: $0.code, message: l.message(for: $0, language), row: $0.row)
                       }, currentVersion: currentVersion, retryAfter: retryAfter)
    }
}

/// Turns every error into a problem+json document (API) or an error page (web). Signing in is the
/// answer to "unauthenticated" on a page.
struct ErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            return Self.response(for: error, request: request)
        }
    }

    static func response(for error: any Error, request: Request) -> Response {
        let failure = Failure.from(error, request: request)
        if !request.isAPI, failure.status == .unauthorized, request.method == .GET {
            let next = request.url.path + (request.url.query.map { "?\($0)" } ?? "")
            return request.redirect(to: "/login?next=\(next.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=?"))) ?? "/")")
        }
        let response: Response
        if request.isAPI || request.headers.accept.mediaTypes.contains(where: { $0 == .json }) && !request.headers.accept.mediaTypes.contains(.html) {
            response = Response(status: failure.status)
            let problem = failure.problem(for: request)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            response.body = .init(data: (try? encoder.encode(problem)) ?? Data())
            response.headers.contentType = HTTPMediaType(type: "application", subType: "problem+json", parameters: ["charset": "utf-8"])
        } else {
            response = Response(status: failure.status)
            let page = PageContext(request: request)
            response.body = .init(string: ErrorPage.render(failure, page).rendered)
            response.headers.contentType = .html
        }
        if let retry = failure.retryAfter { response.headers.replaceOrAdd(name: .retryAfter, value: String(retry)) }
        if failure.status == .unauthorized, request.isAPI { response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer realm=\"meguri\"") }
        return response
    }
}

/// "Try again in about N seconds/minutes": a back-off is often seconds, a window minutes.
enum RateLimitText {
    static func key(_ seconds: Int) -> String { seconds < 90 ? "problem.rateLimited.seconds" : "problem.rateLimited.detail" }
    static func params(_ seconds: Int) -> [String: String] {
        seconds < 90 ? ["seconds": String(max(1, seconds))] : ["minutes": String(max(1, (seconds + 59) / 60))]
    }
}
