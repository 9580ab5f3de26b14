import Domain
import Foundation
import Localization
import Storage

/// Registers as CSV in the same columns the import reads, so an export is a valid import template.
public enum Exports {
    public static func departments(_ access: WorkspaceAccess, services: AppServices, language: Language) async throws -> Data {
        try await Departments(services).export(access, language: language)
    }

    public static func members(_ access: WorkspaceAccess, services: AppServices, language: Language) async throws -> Data {
        try access.require(.membersRead)
        let l = services.localizer
        let departments = try await Departments(services).all(access)
        let names = Dictionary(uniqueKeysWithValues: departments.map { ($0.id, $0.name) })
        var rows = [["email", "name", "department", "roles", "expires"].map { l.text("csv.members.\($0)", language) }]
        var cursor: String? = nil
        repeat {
            let page = try await Members(services).list(access, filter: MemberFilter(), page: PageRequest(limit: PageRequest.maximumLimit, cursor: cursor))
            for m in page.items {
                let roles = m.grants.map { language == .ja ? l.role($0.role, .ja) : $0.role.rawValue }.joined(separator: ";")
                let expiry = m.grants.first { $0.role == .externalAuditor }?.expiresOn?.description ?? ""
                rows.append([m.email, m.displayName, m.homeDepartmentID.flatMap { names[$0] } ?? "", roles, expiry])
            }
            cursor = page.nextCursor
        } while cursor != nil
        return CSV.encode(rows)!
    }
}
