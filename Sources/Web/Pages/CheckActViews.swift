import Domain
import Features
import Foundation
import Vapor

/// Pieces the internal audit, nonconformity and management review pages share.
enum CheckActViews {
    /// Members named by e-mail (comma, space or line separated), in order, or the field's errors.
    static func people(_ raw: String?, field: String, _ req: Request, _ access: WorkspaceAccess) async throws -> [User.ID] {
        let emails = (raw ?? "").split(whereSeparator: { ",、，;\n\r\t ".contains($0) }).map { String($0).lowercased() }
        guard !emails.isEmpty else { return [] }
        let known = try await AssetPages.people(req, access)
        var v = Validator()
        let ids = emails.compactMap { email -> User.ID? in
            if let id = known[email] { return id }
            v.add(field, "error.unknownMemberEmail", ["value": email])
            return nil
        }
        try v.check()
        return ids
    }

    /// One member by e-mail; blank is `nil`.
    static func person(_ raw: String?, field: String, _ req: Request, _ access: WorkspaceAccess) async throws -> User.ID? {
        try await people(raw, field: field, req, access).first
    }

    static func emails(_ ids: [User.ID], _ req: Request) async throws -> String {
        let users = try await People(req.meguri).load(try req.access(), ids)
        return ids.compactMap { users[$0]?.email }.joined(separator: ", ")
    }

    /// A clause or control with its title, linked to its guidance page where there is one.
    static func requirement(_ reference: String?, _ c: PageContext, _ catalog: ReferenceCatalog) -> HTML {
        guard let reference else { return "—" }
        let title = Requirement.title(reference, catalog: catalog, language: c.language)
        if reference.hasPrefix("A.") { return "<a href=\"\(c.w("/controls/\(reference.dropFirst(2))"))\">\(reference) \(title)</a>" }
        if catalog.clause(reference) != nil { return "<a href=\"\(c.w("/clauses#clause-\(reference)"))\">\(reference) \(title)</a>" }
        return "\(reference)"
    }

    static func badge(_ style: String, _ text: String) -> HTML { "<span class=\"badge \(style)\">\(text)</span>" }

    static func ncStatus(_ status: Nonconformity.Status, _ c: PageContext) -> HTML {
        badge([.open: "pending", .planned: "pending", .implemented: "", .closed: "ok"][status] ?? "", c.t("nc.status.\(status.rawValue)"))
    }

    static func auditStatus(_ status: InternalAudit.Status, _ c: PageContext) -> HTML {
        badge([.planned: "pending", .inProgress: "", .reported: "", .closed: "ok"][status] ?? "", c.t("audit.status.\(status.rawValue)"))
    }

    /// A print-ready report served as it is (it carries its own styles and no script).
    static func report(_ html: String) -> Response {
        let response = Response(status: .ok, body: .init(string: html))
        response.headers.contentType = .html
        return response
    }
}
