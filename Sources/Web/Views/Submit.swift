import Domain
import Features
import Foundation
import Vapor

// The register kit, page half (ADR 0010, docs/REGISTERS.md): every form post of a page goes
// through `submit` — decode, call one use case, redirect with a flash; or, when the use case
// refuses, render the same page again with every error and what was typed.

/// Where a successful form post goes, and what it says there.
struct Submitted {
    var path: String
    var flash: String
}

enum FormErrors {
    /// The API names some fields by their id (`ownerId`); the pages' fields are named for people (`owner`).
    static let pageNames: [String: String] = [
        "ownerId": "owner", "departmentId": "department", "leadAuditorId": "lead", "teamIds": "team", "departmentIds": "departments",
        "processIds": "processes", "attendeeIds": "attendees", "approverId": "approver", "courseId": "course",
    ]

    /// A refusal as errors to show on the page it came from, or nil when it is not a refusal of the input.
    static func from(_ error: any Error) -> [FieldError]? {
        switch error as? DomainError {
        case .invalid(let errors)?: return errors.map { var e = $0; e.field = pageNames[e.field] ?? e.field; return e }
        case .rule(let code, let params)?: return [FieldError(field: "form", code: code, params: params)]
        case .forbiddenBecause(let code)?: return [FieldError(field: "form", code: code)]
        case .conflict?: return [FieldError(field: "form", code: "form.conflict")]
        default: return nil
        }
    }

    static func status(_ error: any Error) -> HTTPResponseStatus {
        if case .conflict? = error as? DomainError { return .conflict }
        return .unprocessableEntity
    }
}

extension Request {
    /// A form post: decodes `Form`, runs `action` (one use case) and redirects with its flash; when
    /// the use case refuses, `render` draws the page again with the errors and the form as typed
    /// (422, or 409 when someone else changed the record first). Other failures go to the error page.
    func submit<Form: Decodable>(_ type: Form.Type, _ action: (Form) async throws -> Submitted,
                                 render: (Form, [FieldError]) async throws -> HTML) async throws -> Response {
        let form = try content.decode(Form.self)
        do {
            let done = try await action(form)
            return redirect(to: done.path, flash: done.flash)
        } catch {
            guard let errors = FormErrors.from(error) else { throw error }
            return try await PageResponse(status: FormErrors.status(error), html: render(form, errors)).encodeResponse(for: self)
        }
    }
}

/// A form that carries nothing but the version the person saw (delete, retire, close).
struct VersionOnly: Content { var version: Int? }
