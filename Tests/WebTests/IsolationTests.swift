import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport
import VaporTesting
@testable import Web

/// A secretariat member of another workspace can read or change nothing of this one: not by its
/// address, not through the API, not by putting this workspace's ids under their own workspace.
/// The walk covers every registered route with a record id in its path: a register whose id the
/// fixture does not provide fails here, so every new register joins the walk.
@Suite struct WorkspaceIsolation {
    /// Path parameters that name no workspace record (catalog ids exist in every workspace; the
    /// rest belong to the installation or to a sign-in).
    static let notRecords: Set<String> = ["slug", "file", "token", "tokenID", "userID", "controlID", "controlId", "soaControlId", "entityType"]

    @Test(arguments: TestEngine.available)
    func everyRecordOfAnotherWorkspaceIsNotFoundThroughEveryRoute(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            _ = try await app.workspace("other", by: admin)
            let department = try await app.department("営業部", in: "acme")
            let target = try await app.user("taro@example.co.jp")
            let member = try await app.member(target, in: "acme", roles: [RoleGrantInput(role: .committeeMember)], home: department.id)
            let intruder = try await app.user("intruder@example.co.jp")
            // Every role that grants a permission, so the answer is always about the record, never about the role.
            try await app.member(intruder, in: "other", roles: [RoleGrantInput(role: .secretariat), RoleGrantInput(role: .topManagement),
                                                               RoleGrantInput(role: .internalAuditor)])
            let session = try await app.session(for: intruder)
            let token = try await app.token(for: intruder)
            var ids = try await app.oneOfEach(in: "acme", department: department.id, owner: target.id)
            ids.merge(["departmentID": department.id.description, "departmentId": department.id.description, "memberID": member.id.description,
                       "memberId": member.id.description, "entityID": member.id.description]) { $1 }
            let before = try await app.snapshot(of: "acme")

            let routes = app.meguri.app.routes.all.filter { route in
                route.path.contains { if case .parameter("slug") = $0 { return true }; return false }
                    && route.path.contains { if case .parameter(let name) = $0 { return !Self.notRecords.contains(name) }; return false }
            }
            let missing = Set(routes.flatMap { $0.path.compactMap { component -> String? in
                if case .parameter(let name) = component, !Self.notRecords.contains(name), ids[name] == nil { return name }
                return nil
            } })
            #expect(missing.isEmpty, "the isolation fixture (TestApp.oneOfEach) has no record for: \(missing.sorted())")
            #expect(routes.count >= 80)
            for route in routes where route.path.allSatisfy({ if case .parameter(let name) = $0 { return Self.notRecords.contains(name) || ids[name] != nil }; return true }) {
                for slug in ["other", "acme"] {
                    let path = "/" + route.path.map { component -> String in
                        if case .parameter(let name) = component { return name == "slug" ? slug : (ids[name] ?? "x") }
                        return component.description
                    }.joined(separator: "/")
                    let isAPI = route.path.first?.description == "api"
                    let response: TestingHTTPResponse
                    if isAPI {
                        response = try await app.api(route.method, path, token: token,
                                                     json: route.method == .GET || route.method == .DELETE ? nil : #"{"name":"奪取","title":"奪取","done":true,"step":"plan","status":"inProgress"}"#,
                                                     headers: ["If-Match": "\"1\""])
                    } else if route.method == .GET {
                        response = try await app.get(path, session: session)
                    } else {
                        response = try await app.post(path, form: ["name": "奪取", "title": "奪取", "version": "1", "roles[]": "employee", "step": "plan", "done": "true"],
                                                      session: session)
                    }
                    let label = "\(route.method.rawValue) \(path)"
                    // The audit history route answers an empty list for an unknown id; everything else is 404.
                    if slug == "other", route.path.contains(where: { $0.description == "history" }) {
                        #expect(response.status == .ok && !response.text.contains("taro@example.co.jp"), "\(label)")
                    } else {
                        #expect(response.status == .notFound, "\(label): \(response.status)")
                    }
                }
            }
            // And nothing changed.
            #expect(try await app.snapshot(of: "acme") == before)
        }
    }
}
