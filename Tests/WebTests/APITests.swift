import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport
import VaporTesting
@testable import Web

@Suite struct API {
    struct Setup {
        var admin: User
        var adminToken: String
        var secretariat: User
        var secretariatToken: String
    }

    func setUp(_ app: TestApp) async throws -> Setup {
        let admin = try await app.user("admin@example.co.jp", name: "管理者", admin: true)
        _ = try await app.workspace("acme", by: admin)
        let chief = try await app.user("chief@example.co.jp", name: "事務局 花子")
        try await app.member(chief, in: "acme", roles: [RoleGrantInput(role: .secretariat)])
        return Setup(admin: admin, adminToken: try await app.token(for: admin), secretariat: chief, secretariatToken: try await app.token(for: chief))
    }

    @Test(arguments: TestEngine.available)
    func noOrABadTokenIsA401Problem(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            _ = try await setUp(app)
            for token in [nil, "mgr_not-a-token", "garbage"] as [String?] {
                let response = try await app.api(.GET, "/api/v1/me", token: token)
                #expect(response.status == .unauthorized)
                #expect(response.headers.contentType?.description.hasPrefix("application/problem+json") == true)
                #expect(try response.json()["status"] as? Int == 401)
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func meAndWorkspacesShowOnlyWhatIsYours(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let s = try await setUp(app)
            _ = try await app.workspace("other", by: s.admin)
            let me = try await app.api(.GET, "/api/v1/me", token: s.secretariatToken).json()
            #expect(me["email"] as? String == "chief@example.co.jp")
            let memberships = me["workspaces"] as? [[String: Any]]
            #expect(memberships?.map { $0["slug"] as? String } == ["acme"])
            let list = try await app.api(.GET, "/api/v1/workspaces", token: s.secretariatToken).json()
            #expect((list["items"] as? [[String: Any]])?.count == 1)
            #expect(list.keys.contains("nextCursor"))
            let all = try await app.api(.GET, "/api/v1/workspaces", token: s.adminToken).json()
            #expect((all["items"] as? [[String: Any]])?.count == 2)
        }
    }

    @Test(arguments: TestEngine.available)
    func anAdministratorCreatesAWorkspaceWithNameAndSlugOnly(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let s = try await setUp(app)
            let created = try await app.api(.POST, "/api/v1/workspaces", token: s.adminToken, json: #"{"name":"新しいISMS","slug":"fresh"}"#)
            #expect(created.status == .created)
            #expect(created.headers.first(name: .eTag) == "\"1\"")
            #expect(created.location == "/api/v1/workspaces/fresh")
            let body = try created.json()
            #expect(body["timeZone"] as? String == "Asia/Tokyo")
            #expect(body["fiscalYearStartMonth"] as? Int == 4)
            #expect(body.keys.contains("scopeStatement") && body["scopeStatement"] is NSNull)
            let taken = try await app.api(.POST, "/api/v1/workspaces", token: s.adminToken, json: #"{"name":"x","slug":"fresh"}"#)
            #expect(taken.status == .unprocessableEntity)
            let forbidden = try await app.api(.POST, "/api/v1/workspaces", token: s.secretariatToken, json: #"{"name":"x","slug":"mine"}"#)
            #expect(forbidden.status == .forbidden)
        }
    }

    @Test(arguments: TestEngine.available)
    func patchNeedsTheCurrentETag(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let s = try await setUp(app)
            let get = try await app.api(.GET, "/api/v1/workspaces/acme", token: s.secretariatToken)
            let etag = try #require(get.headers.first(name: .eTag))
            let missing = try await app.api(.PATCH, "/api/v1/workspaces/acme", token: s.secretariatToken, json: #"{"scopeStatement":"本社の全業務"}"#)
            #expect(missing.status == .preconditionRequired)
            let ok = try await app.api(.PATCH, "/api/v1/workspaces/acme", token: s.secretariatToken, json: #"{"scopeStatement":"本社の全業務"}"#,
                                       headers: ["If-Match": etag])
            #expect(ok.status == .ok)
            #expect(try ok.json()["scopeStatement"] as? String == "本社の全業務")
            let stale = try await app.api(.PATCH, "/api/v1/workspaces/acme", token: s.secretariatToken, json: #"{"scopeStatement":"上書き"}"#,
                                          headers: ["If-Match": etag])
            #expect(stale.status == .conflict)
            #expect(try stale.json()["currentVersion"] as? Int == 2)
            let current = try await app.api(.GET, "/api/v1/workspaces/acme", token: s.secretariatToken).json()
            #expect(current["scopeStatement"] as? String == "本社の全業務")
        }
    }

    @Test(arguments: TestEngine.available)
    func validationErrorsNameEachFieldInTheCallersLanguage(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let s = try await setUp(app)
            let etag = try await app.api(.GET, "/api/v1/workspaces/acme", token: s.secretariatToken).headers.first(name: .eTag)!
            let response = try await app.api(.PATCH, "/api/v1/workspaces/acme", token: s.secretariatToken,
                                             json: #"{"name":"","timeZone":"Mars/Base","fiscalYearStartMonth":13}"#,
                                             headers: ["If-Match": etag, "Accept-Language": "ja"])
            #expect(response.status == .unprocessableEntity)
            let problem = try response.json()
            let errors = try #require(problem["errors"] as? [[String: Any]])
            #expect(errors.map { $0["field"] as? String } == ["name", "timeZone", "fiscalYearStartMonth"])
            #expect(errors.first?["message"] as? String == "「ISMSの名称」を入力してください。" || errors.first?["message"] as? String == "「名称」を入力してください。")
            // Nothing was written.
            #expect(try await app.api(.GET, "/api/v1/workspaces/acme", token: s.secretariatToken).headers.first(name: .eTag) == etag)
        }
    }

    @Test(arguments: TestEngine.available)
    func departmentsAndMembersThroughTheAPI(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let s = try await setUp(app)
            let base = "/api/v1/workspaces/acme"
            let created = try await app.api(.POST, "\(base)/departments", token: s.secretariatToken, json: #"{"name":"情報システム部","code":"IS"}"#)
            #expect(created.status == .created)
            let departmentID = try #require(try created.json()["id"] as? String)
            let added = try await app.api(.POST, "\(base)/members", token: s.secretariatToken,
                                          json: #"{"email":"new@example.co.jp","displayName":"新人","homeDepartmentId":"\#(departmentID)","roles":[{"role":"departmentOfficer"},{"role":"従業員"}]}"#)
            #expect(added.status == .created)
            let member = try added.json()
            #expect((member["invitationUrl"] as? String)?.contains("/invitation/") == true)
            let roles = (member["roles"] as? [[String: Any]])?.map { $0["role"] as? String }
            #expect(roles == ["departmentOfficer", "employee"])
            #expect((member["roles"] as? [[String: Any]])?.first?["departmentId"] as? String == departmentID)
            let memberID = try #require(member["id"] as? String)

            let patched = try await app.api(.PATCH, "\(base)/members/\(memberID)", token: s.secretariatToken,
                                            json: #"{"roles":[{"role":"internalAuditor"}],"homeDepartmentId":null}"#, headers: ["If-Match": "\"1\""])
            #expect(patched.status == .ok)
            #expect(try patched.json()["homeDepartmentId"] is NSNull)

            let filtered = try await app.api(.GET, "\(base)/members?role=internalAuditor", token: s.secretariatToken).json()
            #expect((filtered["items"] as? [[String: Any]])?.count == 1)
            let badFilter = try await app.api(.GET, "\(base)/members?role=king&limit=0", token: s.secretariatToken)
            #expect(badFilter.status == .unprocessableEntity)

            let inUse = try await app.api(.DELETE, "\(base)/departments/\(departmentID)", token: s.secretariatToken)
            #expect(inUse.status == .noContent) // nobody refers to it any more
            let gone = try await app.api(.GET, "\(base)/departments/\(departmentID)", token: s.secretariatToken)
            #expect(gone.status == .notFound)

            let events = try await app.api(.GET, "\(base)/audit-events?entityType=member&limit=10", token: s.adminToken).json()
            let actions = (events["items"] as? [[String: Any]])?.map { $0["action"] as? String }
            #expect(actions == ["update", "create", "create"]) // the secretariat member of setUp, then ours
            let first = try #require((events["items"] as? [[String: Any]])?.first)
            #expect((first["actor"] as? [String: Any])?["kind"] as? String == "apiToken")
        }
    }

    @Test(arguments: TestEngine.available)
    func csvImportThroughTheAPIIsAllOrNothing(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let s = try await setUp(app)
            let csv = "\u{FEFF}部門名,部門コード\r\n営業部,S\r\n総務部,G\r\n"
            let dry = try await app.send(.POST, "/api/v1/workspaces/acme/departments/import?dryRun=true",
                                         headers: ["Authorization": "Bearer \(s.secretariatToken)"], body: csv, contentType: "text/csv")
            #expect(dry.status == .ok)
            #expect(try dry.json()["dryRun"] as? Bool == true)
            let list = try await app.api(.GET, "/api/v1/workspaces/acme/departments", token: s.secretariatToken).json()
            #expect((list["items"] as? [Any])?.isEmpty == true)
            let bad = try await app.send(.POST, "/api/v1/workspaces/acme/members/import", headers: ["Authorization": "Bearer \(s.secretariatToken)"],
                                         body: "email,name,roles\nok@example.co.jp,OK,employee\nbroken,壊れ,king\n", contentType: "text/csv")
            #expect(bad.status == .unprocessableEntity)
            let rows = (try bad.json()["errors"] as? [[String: Any]])?.map { "\($0["row"] ?? "-"):\($0["field"] ?? "-")" }
            #expect(rows == ["3:email", "3:roles"])
        }
    }

    @Test func aWorkspaceTokenOpensOnlyItsWorkspace() async throws {
        try await TestApp.with { app in
            let s = try await setUp(app)
            _ = try await app.workspace("other", by: s.admin)
            let narrow = try await app.token(for: s.admin, workspace: "acme")
            #expect(try await app.api(.GET, "/api/v1/workspaces/acme", token: narrow).status == .ok)
            #expect(try await app.api(.GET, "/api/v1/workspaces/other", token: narrow).status == .notFound)
            let list = try await app.api(.GET, "/api/v1/workspaces", token: narrow).json()
            #expect((list["items"] as? [[String: Any]])?.map { $0["slug"] as? String } == ["acme"])
        }
    }

    @Test func aRevokedTokenStopsWorking() async throws {
        try await TestApp.with { app in
            let s = try await setUp(app)
            let issued = try await Account(app.services).createToken(for: s.secretariat, name: "ci", workspaceSlug: nil, context: Context(actor: .user(s.secretariat)))
            #expect(try await app.api(.GET, "/api/v1/me", token: issued.secret).status == .ok)
            try await Account(app.services).revokeToken(issued.token.id, of: s.secretariat, context: Context(actor: .user(s.secretariat)))
            #expect(try await app.api(.GET, "/api/v1/me", token: issued.secret).status == .unauthorized)
        }
    }
}
