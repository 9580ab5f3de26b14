import Domain
import Features
import Foundation
import Vapor

/// Who may use a route. Every route declares one when it is registered; a test walks every route
/// and every role against this declaration.
public enum RouteAccess: Sendable, Equatable, CustomStringConvertible {
    /// Anyone, signed in or not (sign-in page, setup, health checks, static files).
    case anyone
    /// A browser halfway through sign-in (password accepted, second factor awaited).
    case awaitingSecondFactor
    /// Any signed-in person.
    case signedIn
    /// An installation administrator.
    case administrator
    /// A member of the workspace named by `:slug` holding this permission.
    case workspace(Permission)

    public var description: String {
        switch self {
        case .anyone: "anyone"
        case .awaitingSecondFactor: "awaitingSecondFactor"
        case .signedIn: "signedIn"
        case .administrator: "administrator"
        case .workspace(let permission): "workspace(\(permission.rawValue))"
        }
    }
}

extension Route {
    /// The access this route declared.
    public var access: RouteAccess? { userInfo["access"] as? RouteAccess }
}

extension RoutesBuilder {
    /// Registers a route with its access rule. The rule runs before the handler: sign-in, the
    /// workspace membership and permission, and the CSRF token of a form post.
    @discardableResult
    func endpoint<Response: AsyncResponseEncodable>(
        _ method: HTTPMethod, _ path: PathComponent..., access: RouteAccess, body: HTTPBodyStreamStrategy = .collect, csrfExempt: Bool = false,
        use handler: @escaping @Sendable (Request) async throws -> Response
    ) -> Route {
        endpoint(method, path, access: access, body: body, csrfExempt: csrfExempt, use: handler)
    }
}

func authorize(_ request: Request, _ access: RouteAccess) async throws {
    switch access {
    case .anyone:
        return
    case .awaitingSecondFactor:
        guard case .session(_, let record, _) = request.principal, record.stage == .awaitingSecondFactor else { throw DomainError.unauthenticated }
    case .signedIn:
        _ = try request.requireUser()
    case .administrator:
        guard try request.requireUser().isAdministrator else { throw DomainError.forbidden }
        // A token limited to one workspace never acts for the installation, whoever made it.
        if case .token(let token, _) = request.principal, token.workspaceID != nil { throw DomainError.forbiddenBecause("error.tokenLimited") }
    case .workspace(let permission):
        let user = try request.requireUser()
        guard let slug = request.parameters.get("slug") else { throw Abort(.internalServerError, reason: "workspace route without :slug") }
        var tokenWorkspace: Workspace.ID? = nil
        if case .token(let token, _) = request.principal { tokenWorkspace = token.workspaceID }
        let key = "access:\(user.id):\(user.version):\(slug):\(tokenWorkspace?.description ?? "-")"
        let found = try await request.application.readCache.cached(key, now: request.meguri.now) {
            .access(try await Access.resolve(user, slug: slug, tokenWorkspace: tokenWorkspace, services: request.meguri))
        }
        guard case .access(let resolved) = found else { throw DomainError.notFound(entity: "workspace") }
        try resolved.require(permission)
        request.storage[AccessKey.self] = resolved
    }
}

/// State-changing form posts must carry the CSRF token: the session's once signed in, the
/// `meguri_csrf` cookie's before (double submit).
func verifyCSRF(_ request: Request) throws {
    let sent = (try? request.content.get(String.self, at: "_csrf")) ?? request.headers.first(name: "X-CSRF-Token")
    let expected: String?
    switch request.principal {
    case .session(_, let record, _): expected = record.csrfToken
    case .token: return
    case .anonymous: expected = request.cookies[Cookies.csrf]?.string
    }
    guard let sent, let expected, Secret.constantTimeEquals(sent, expected) else {
        throw Abort(.forbidden, reason: "csrf")
    }
}
