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
@Suite struct WorkspaceIsolation {
    @Test(arguments: TestEngine.available)
    func guessedIdsUnderYourOwnWorkspaceFindNothing(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            _ = try await app.workspace("other", by: admin)
            let department = try await app.department("営業部", in: "acme")
            let member = try await app.member(try await app.user("taro@example.co.jp"), in: "acme", roles: [RoleGrantInput(role: .employee)], home: department.id)
            let intruder = try await app.user("intruder@example.co.jp")
            try await app.member(intruder, in: "other", roles: [RoleGrantInput(role: .secretariat)])
            let session = try await app.session(for: intruder)
            let token = try await app.token(for: intruder)
            let acme = try await app.operatorAccess("acme")
            let evidence = try await EvidenceFiles(app.services).create(acme, EvidenceInput(title: "入退室記録", collectedOn: "2026-11-01", links: ["control:7.2"]),
                                                                        file: UploadedFile(name: "記録.pdf", data: Data("%PDF-1.4".utf8)), context: Context(actor: .system))
            let own = try await OwnControls(app.services).create(acme, OwnControlInput(code: "GRP-01", titleJa: "グループ方針", titleEn: "Group policy"),
                                                                 context: Context(actor: .system))
            let ids = ["departmentID": department.id.description, "departmentId": department.id.description,
                       "memberID": member.id.description, "memberId": member.id.description,
                       "entityType": "member", "entityID": member.id.description,
                       "evidenceID": evidence.id.description, "evidenceId": evidence.id.description,
                       "ownControlID": own.id.description, "ownControlId": own.id.description]

            let routes = app.meguri.app.routes.all.filter { route in
                route.path.contains { if case .parameter(let name) = $0 { return ids[name] != nil }; return false }
                    && route.path.contains { if case .parameter("slug") = $0 { return true }; return false }
            }
            #expect(routes.count >= 12)
            for route in routes {
                for slug in ["other", "acme"] {
                    let path = "/" + route.path.map { component -> String in
                        if case .parameter(let name) = component { return name == "slug" ? slug : ids[name]! }
                        return component.description
                    }.joined(separator: "/")
                    let isAPI = route.path.first?.description == "api"
                    let response: TestingHTTPResponse
                    if isAPI {
                        response = try await app.api(route.method, path, token: token, json: route.method == .GET || route.method == .DELETE ? nil : #"{"name":"奪取","roles":[{"role":"employee"}]}"#,
                                                     headers: ["If-Match": "\"1\""])
                    } else if route.method == .GET {
                        response = try await app.get(path, session: session)
                    } else {
                        response = try await app.post(path, form: ["name": "奪取", "version": "1", "roles[]": "employee"], session: session)
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
            let access = try await app.operatorAccess("acme")
            #expect(try await Departments(app.services).load(access, department.id) == department)
            #expect(try await Members(app.services).load(access, member.id).version == member.version)
            #expect(try await EvidenceFiles(app.services).load(access, evidence.id) == evidence)
            #expect(try await OwnControls(app.services).load(access, own.id) == own)
        }
    }
}
