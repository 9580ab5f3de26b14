import Domain
import Features
import Foundation
import Storage
import Synchronization
import Vapor

/// Who is making a request, found by `AuthenticationMiddleware`.
enum Principal: Sendable {
    case anonymous
    /// A browser session; `stage` says whether the second factor is still awaited.
    case session(secret: String, record: SessionRecord, user: User)
    case token(ApiToken, User)

    var user: User? {
        switch self {
        case .anonymous: nil
        case .session(_, let record, let user): record.stage == .signedIn ? user : nil
        case .token(_, let user): user
        }
    }
}

struct PrincipalKey: StorageKey { typealias Value = Principal }
struct ServicesKey: StorageKey { typealias Value = AppServices }
struct ConfigurationKey: StorageKey { typealias Value = AppConfiguration }
struct AccessKey: StorageKey { typealias Value = WorkspaceAccess }
struct RequestIDKey: StorageKey { typealias Value = String }
struct ReadCacheKey: StorageKey { typealias Value = ReadCache }

extension Application {
    var meguri: AppServices { storage[ServicesKey.self]! }
    var readCache: ReadCache { storage[ReadCacheKey.self]! }
    var configuration: AppConfiguration { storage[ConfigurationKey.self]! }
}

extension Request {
    var meguri: AppServices { application.meguri }
    var configuration: AppConfiguration { application.configuration }
    var principal: Principal { storage[PrincipalKey.self] ?? .anonymous }
    var requestID: String { storage[RequestIDKey.self] ?? "-" }

    /// The signed-in person; throws (→ sign-in page or 401) when there is none.
    func requireUser() throws -> User {
        guard let user = principal.user else { throw DomainError.unauthenticated }
        return user
    }

    /// The workspace access resolved for this route by its declared permission.
    func access() throws -> WorkspaceAccess {
        guard let access = storage[AccessKey.self] else { throw Abort(.internalServerError, reason: "route declared no workspace access") }
        return access
    }

    /// The audit actor of this request.
    func context() throws -> Context {
        switch principal {
        case .token(let token, let user): return Context(actor: .token(token.id, of: user), requestID: requestID, language: statedLanguage)
        default: return Context(actor: .user(try requireUser()), requestID: requestID, language: statedLanguage)
        }
    }

    var isAPI: Bool { url.path.hasPrefix("/api/") }

    /// The client's address, failures are counted against: the peer, or behind a trusted proxy
    /// (`MEGURI_TRUSTED_PROXIES`) the address the proxy says it forwarded for.
    var clientAddress: String {
        let peer = remoteAddress?.ipAddress ?? "unknown"
        return IPNetwork.clientAddress(peer: peer, forwardedFor: headers[Self.forwardedFor].joined(separator: ","), trusted: configuration.trustedProxies)
    }
    private static let forwardedFor = "X-Forwarded-For"

    /// The language to answer in: the person's choice, else the language cookie, else the browser's.
    var language: Language {
        if let chosen = principal.user?.language { return chosen }
        if case .session(_, _, let user) = principal, let chosen = user.language { return chosen }
        if let cookie = cookies[Cookies.language]?.string, let language = Language(rawValue: cookie) { return language }
        return Language.negotiate(acceptLanguage: headers.first(name: .acceptLanguage))
    }

    /// The language only when the request says one (a choice, the cookie or an Accept-Language
    /// header): a script calling the API without one expresses none.
    var statedLanguage: Language? {
        if principal.user?.language != nil || cookies[Cookies.language] != nil || headers.first(name: .acceptLanguage) != nil { return language }
        return nil
    }

    func t(_ key: String, _ params: [String: String] = [:]) -> String { meguri.localizer.text(key, language, params) }
}

enum Cookies {
    static let session = "meguri_session"
    static let language = "meguri_lang"
    /// For forms shown before sign-in (double-submit CSRF protection).
    static let csrf = "meguri_csrf"
    static let flash = "meguri_flash"
}

/// Reads the session cookie (pages) or the bearer token (`/api/` only) and records who is asking.
/// A token sent to a page is ignored: pages are for browsers, whose forms carry a CSRF token,
/// and a token limited to one workspace must never reach the account or administrator pages.
struct AuthenticationMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let auth = Authentication(request.meguri)
        let cache = request.application.readCache
        let now = request.meguri.now
        if request.isAPI, let header = request.headers.bearerAuthorization {
            let found = try await cache.cached("token:" + Secret.hash(header.token), now: now) {
                try await auth.token(bearer: header.token).map { ReadCache.Value.token($0.0, $0.1) }
            }
            guard case .token(let token, let user) = found else { throw DomainError.unauthenticated }
            request.storage[PrincipalKey.self] = .token(token, user)
        } else if request.headers[.authorization].first != nil, request.isAPI {
            throw DomainError.unauthenticated
        } else if let secret = request.cookies[Cookies.session]?.string, !request.isAPI {
            let found = try await cache.cached("session:" + Secret.hash(secret), now: now) {
                try await auth.session(secret: secret).map(ReadCache.Value.session)
            }
            if case .session(let context) = found, context.session.expiresAt > now {
                request.storage[PrincipalKey.self] = .session(secret: secret, record: context.session, user: context.user)
            }
        }
        return try await next.respond(to: request)
    }
}

/// Gives every request an id, echoed in `X-Request-ID`, logged with errors and written to the audit trail.
struct RequestIDMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let incoming = request.headers.first(name: "X-Request-ID").flatMap { id in
            id.count <= 64 && id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } ? id : nil
        }
        let id = incoming ?? UUID.fresh().uuidString.lowercased()
        request.storage[RequestIDKey.self] = id
        request.logger[metadataKey: "request-id"] = .string(id)
        let response = try await next.respond(to: request)
        response.headers.replaceOrAdd(name: "X-Request-ID", value: id)
        return response
    }
}

/// Security headers on every response. Scripts and styles are served files only (no inline code).
struct SecurityHeadersMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        let headers: [(String, String)] = [
            ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
            ("X-Frame-Options", "DENY"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
        ]
        // A response that set a stricter policy of its own (an evidence download's sandbox) keeps it.
        for (name, value) in headers where !(name == "Content-Security-Policy" && response.headers.first(name: name)?.contains("sandbox") == true) {
            response.headers.replaceOrAdd(name: name, value: value)
        }
        if response.headers.first(name: .cacheControl) == nil, !request.url.path.hasPrefix("/static/") {
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        return response
    }
}

/// Answers 503 at once when more requests than the configured limit are already being handled,
/// before any body is read, so a flood of slow uploads cannot exhaust memory or file handles.
final class ConcurrencyLimitMiddleware: AsyncMiddleware, Sendable {
    private let inFlight = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let current = inFlight.add(1, ordering: .relaxed).newValue
        defer { inFlight.subtract(1, ordering: .relaxed) }
        guard current <= limit else {
            let response = Response(status: .serviceUnavailable)
            response.headers.replaceOrAdd(name: .retryAfter, value: "1")
            response.headers.replaceOrAdd(name: .connection, value: "close")
            return response
        }
        return try await next.respond(to: request)
    }
}
