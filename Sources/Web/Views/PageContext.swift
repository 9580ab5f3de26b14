import Domain
import Features
import Foundation
import Localization
import Vapor

/// What every page needs to render: the language, the person, the workspace, the CSRF token.
struct PageContext {
    let language: Language
    let localizer: Localizer
    let user: User?
    let access: WorkspaceAccess?
    let csrfToken: String
    let path: String
    /// The list page asked for (`?page=`) and its length (`?limit=`), for the pager.
    let pageNumber: Int
    let pageLimit: Int?
    var workspaces: [Workspace] = []
    var flash: String?
    /// The person's unread notices (the bell in the top bar).
    var unreadNotifications = 0
    /// Where people reach this installation, for links they copy and hand over.
    let baseURLValue: String
    let formatTimestamp: @Sendable (Date) -> String

    init(request: Request) {
        language = request.language
        localizer = request.meguri.localizer
        user = request.principal.user
        access = request.storage[AccessKey.self]
        path = request.url.path + (request.url.query.map { "?\($0)" } ?? "")
        pageNumber = request.pageNumber
        pageLimit = request.queryValue("limit").flatMap { Int($0) }
        switch request.principal {
        case .session(_, let record, _): csrfToken = record.csrfToken
        default: csrfToken = request.anonymousCSRFToken
        }
        flash = request.storage[FlashKey.self]
        formatTimestamp = DateFormatting.timestamp(in: access?.workspace.zone ?? TimeZone(identifier: Workspace.defaultTimeZone)!)
        if let configured = request.configuration.publicURL {
            baseURLValue = configured
        } else {
            let host = request.headers.first(name: .host) ?? "\(request.configuration.host):\(request.configuration.port)"
            baseURLValue = "\(request.isSecure ? "https" : "http")://\(host)"
        }
    }

    /// A page context with the person's workspaces loaded for the switcher.
    static func make(_ request: Request) async throws -> PageContext {
        var context = PageContext(request: request)
        if let user = context.user {
            context.workspaces = try await Access.workspaces(of: user, services: request.meguri)
            context.unreadNotifications = try await Notifications(services: request.meguri).unreadCount(user)
        }
        return context
    }

    func t(_ key: String, _ params: [String: String] = [:]) -> String { localizer.text(key, language, params) }

    /// The message for a field error, naming fields by the labels this page shows (see `FieldLabels`).
    func message(_ error: FieldError) -> String { localizer.message(for: error, language, label: FieldLabels.marker) }

    /// The message as an item of a form's list of problems: it names its field, by the label the
    /// page shows, and where it does not say which field it is about, the label goes before it.
    func namedMessage(_ error: FieldError) -> String {
        let text = message(error)
        guard error.row == nil, localizer.has("field.\(error.field)"), !text.contains(FieldLabels.marker(error.field)) else { return text }
        return t("form.problemOf", ["field": FieldLabels.marker(error.field), "message": text])
    }

    var workspace: Workspace? { access?.workspace }

    /// `/w/{slug}` + `suffix` for the current workspace.
    func w(_ suffix: String = "") -> String { "/w/\(access?.workspace.slug ?? "")\(suffix)" }

    /// Times are shown in the workspace's zone (or Tokyo outside one).
    var zone: TimeZone { access?.workspace.zone ?? TimeZone(identifier: Workspace.defaultTimeZone)! }

    func timestamp(_ date: Date) -> String { formatTimestamp(date) }
    func date(_ date: Date) -> String { CalendarDate(date, in: zone).description }
}

struct FlashKey: StorageKey { typealias Value = String }

extension Request {
    /// The page of a list asked for (`?page=`, half- or full-width; 1 when absent or unreadable, at most 1,000,000).
    var pageNumber: Int { min(max(1, Int(Text.halfWidth(Text.trimmed(queryValue("page") ?? ""))) ?? 1), 1_000_000) }

    /// The part of a list a page shows: page `page` (1-based, typed half- or full-width) of `limit`
    /// items with the whole list counted, or — from an older link — the page after `cursor`.
    func listPage(limit defaultLimit: Int = PageRequest.defaultLimit) throws -> PageRequest {
        var request = try PageRequest.parse(limit: queryValue("limit") ?? String(defaultLimit), cursor: queryValue("cursor"))
        guard request.cursor == nil else { return request }
        request.offset = (pageNumber - 1) * request.limit
        request.counting = true
        return request
    }
}

extension Request {
    /// The CSRF token of a visitor not yet signed in, kept in a cookie (double submit).
    var anonymousCSRFToken: String {
        if let existing = storage[AnonymousCSRFKey.self] { return existing }
        let token = cookies[Cookies.csrf]?.string ?? Secret.random(bytes: 24)
        storage[AnonymousCSRFKey.self] = token
        return token
    }
}

struct AnonymousCSRFKey: StorageKey { typealias Value = String }

/// Sets the anonymous CSRF cookie when a page used one, and passes flash messages across a redirect.
struct PageCookiesMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let flash = request.cookies[Cookies.flash]?.string, let decoded = flash.removingPercentEncoding {
            request.storage[FlashKey.self] = decoded
        }
        let response = try await next.respond(to: request)
        let secure = request.isSecure
        if let token = request.storage[AnonymousCSRFKey.self], request.cookies[Cookies.csrf]?.string != token {
            response.cookies[Cookies.csrf] = HTTPCookies.Value(string: token, path: "/", isSecure: secure, isHTTPOnly: true, sameSite: .lax)
        }
        if request.storage[FlashKey.self] != nil, request.cookies[Cookies.flash] != nil, response.cookies[Cookies.flash] == nil {
            response.cookies[Cookies.flash] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), path: "/", isSecure: secure, isHTTPOnly: true, sameSite: .lax)
        }
        return response
    }
}

extension Request {
    /// Served over HTTPS directly or behind a proxy that says so, or configured with an https public URL.
    var isSecure: Bool {
        configuration.cookiesSecure || headers.first(name: "X-Forwarded-Proto")?.lowercased() == "https" || url.scheme == "https"
    }

    /// A redirect that shows `message` (already localized) once on the next page.
    func redirect(to path: String, flash message: String) -> Response {
        let response = redirect(to: path, redirectType: .normal)
        response.cookies[Cookies.flash] = HTTPCookies.Value(string: message.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "",
                                                            path: "/", isSecure: isSecure, isHTTPOnly: true, sameSite: .lax)
        return response
    }
}
