import Domain
import Features
import Foundation
import Vapor

/// The one audience form of the product (documents' publications, training campaigns): everyone,
/// roles, departments and named people by e-mail, as `Audience` (Domain).
enum AudienceForm {
    /// The fieldset. `extra` adds choices a register has beyond the audience (a campaign's "joined recently").
    static func fields(_ c: PageContext, departments: [Department], selected: Audience?, errors: [FieldError], memberEmails: String? = nil,
                       extra: HTML = .empty, legend: String = "document.audience") -> HTML {
        let chosen = selected ?? .all
        let roleBoxes: [HTML] = Role.allCases.map { role in
            "<label><input type=\"checkbox\" name=\"roles[]\" value=\"\(role.rawValue)\"\(chosen.roles.contains(role) ? HTML(" checked") : .empty)> \(c.localizer.role(role, c.language))</label>"
        }
        let departmentBoxes: [HTML] = departments.map { d in
            "<label><input type=\"checkbox\" name=\"departments[]\" value=\"\(d.id)\"\(chosen.departmentIDs.contains(d.id) ? HTML(" checked") : .empty)> \(d.name)</label>"
        }
        return """
        <fieldset class="field\(errors.contains { $0.field == "audience" } ? " has-error" : "")" id="f-audience"><legend>\(c.t(legend))</legend>
        \(Form.fieldErrors("audience", errors, c).1)
        <label><input type="checkbox" name="everyone" value="true"\(chosen.everyone ? HTML(" checked") : .empty)> \(c.t("document.audience.everyone"))</label>
        <p class="hint">\(c.t("document.audienceHint"))</p>
        <div class="checks">\(roleBoxes)</div><div class="checks">\(departmentBoxes)</div>
        \(Form.text("members", c.t("document.audience.named"), value: memberEmails, errors: errors, c, hint: c.t("hint.memberEmails")))
        \(extra)
        </fieldset>
        """
    }

    /// The audience a form names; unknown e-mail addresses are refused naming the field.
    static func audience(everyone: String?, roles: [String]?, departments: [String]?, members: String?, _ req: Request, _ access: WorkspaceAccess) async throws -> Audience {
        var audience = Audience(everyone: everyone == "true")
        audience.roles = (roles ?? []).compactMap(Role.init(rawValue:))
        audience.departmentIDs = (departments ?? []).compactMap(Department.ID.init)
        audience.memberIDs = try await CheckActViews.people(members, field: "audience", req, access)
        return audience
    }

    /// A short description: 全員, or roles, departments and how many people.
    static func text(_ a: Audience, _ c: PageContext, departments: [Department.ID: Department] = [:]) -> HTML {
        if a.everyone { return HTML("\(c.t("document.audience.everyone"))") }
        var parts = a.roles.map { c.localizer.role($0, c.language) }
        let names = a.departmentIDs.compactMap { departments[$0]?.name }
        if !names.isEmpty && names.count == a.departmentIDs.count { parts += names } else if !a.departmentIDs.isEmpty {
            parts.append(c.t("document.audience.departments", ["n": String(a.departmentIDs.count)]))
        }
        if !a.memberIDs.isEmpty { parts.append(c.t("document.audience.members", ["n": String(a.memberIDs.count)])) }
        return HTML("\(parts.joined(separator: "、"))")
    }
}
