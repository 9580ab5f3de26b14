import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport
import VaporTesting
@testable import Web

/// The asset inventory and risk registers through the JSON API.
@Suite struct RiskAPI_ {
    struct Setup {
        var token: String
        var ownerToken: String
        var owner: User
    }

    func setUp(_ app: TestApp) async throws -> Setup {
        let admin = try await app.user("admin@example.co.jp", admin: true)
        _ = try await app.workspace("acme", by: admin)
        let chief = try await app.user("chief@example.co.jp", name: "事務局 花子")
        try await app.member(chief, in: "acme", roles: [RoleGrantInput(role: .secretariat)])
        let owner = try await app.user("owner@example.co.jp", name: "所有者 太郎")
        try await app.member(owner, in: "acme", roles: [RoleGrantInput(role: .committeeMember)])
        return Setup(token: try await app.token(for: chief), ownerToken: try await app.token(for: owner), owner: owner)
    }

    @Test(arguments: TestEngine.available)
    func assetsAreCreatedChangedWithIfMatchAndDeleted(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let s = try await setUp(app)
            let base = "/api/v1/workspaces/acme/assets"
            let created = try await app.api(.POST, base, token: s.token,
                                            json: #"{"code":"A-001","name":"顧客台帳","type":"情報","confidentiality":3,"integrity":2,"availability":1,"ownerId":"\#(s.owner.id)"}"#)
            #expect(created.status == .created, "\(created.text)")
            #expect(created.headers.first(name: .eTag) == "\"1\"")
            let location = try #require(created.location)
            let asset = try created.json()
            #expect(asset["value"] as? Int == 3 && asset["type"] as? String == "information" && asset["departmentId"] is NSNull)

            let invalid = try await app.api(.POST, base, token: s.token, json: #"{"code":"A 2","name":"","confidentiality":7,"ownerId":"someone"}"#)
            #expect(invalid.status == .unprocessableEntity)
            #expect(invalid.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            let fields = Set((try invalid.json()["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["ownerId"], "an id that is not a UUID is named before anything is looked at: \(fields)")

            #expect(try await app.api(.PATCH, location, token: s.token, json: #"{"notes":"x"}"#).status == .preconditionRequired)
            let patched = try await app.api(.PATCH, location, token: s.token, json: #"{"notes":"CRM内","ownerId":null}"#, headers: ["If-Match": "\"1\""])
            #expect(patched.status == .ok && patched.headers.first(name: .eTag) == "\"2\"")
            let changed = try patched.json()
            #expect(changed["ownerId"] is NSNull && changed["notes"] as? String == "CRM内" && changed["value"] as? Int == 3)
            let stale = try await app.api(.PATCH, location, token: s.token, json: #"{"notes":"古い"}"#, headers: ["If-Match": "\"1\""])
            let conflict = try stale.json()
            #expect(stale.status == .conflict && conflict["currentVersion"] as? Int == 2)

            let list = try await app.api(.GET, base + "?type=information&minValue=3&sort=valueDescending", token: s.token).json()
            #expect((list["items"] as? [[String: Any]])?.count == 1)
            let badFilter = try await app.api(.GET, base + "?type=treasure", token: s.token)
            #expect(badFilter.status == .unprocessableEntity)

            #expect(try await app.api(.DELETE, location, token: s.token).status == .noContent)
            #expect(try await app.api(.GET, location, token: s.token).status == .notFound)
        }
    }

    @Test(arguments: TestEngine.available)
    func assetsComeInAndGoOutAsCSVAndExcel(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let s = try await setUp(app)
            let base = "/api/v1/workspaces/acme/assets"
            let csv = "code,name,type,confidentiality,integrity,availability\nA-001,顧客台帳,information,3,2,2\nA-002,基幹システム,software,2,3,3\n"
            let dry = try await app.upload(base + "/import?dryRun=true", token: s.token, data: Data(csv.utf8), contentType: "text/csv")
            let report = try dry.json()
            #expect(dry.status == .ok && report["dryRun"] as? Bool == true)
            #expect((report["rows"] as? [[String: Any]] ?? []).map { $0["outcome"] as? String } == ["create", "create"])
            let empty = try await app.api(.GET, base, token: s.token).json()["items"] as? [Any]
            #expect(empty?.isEmpty == true, "a dry run writes nothing")
            #expect(try await app.upload(base + "/import", token: s.token, data: Data(csv.utf8), contentType: "text/csv").status == .ok)

            let workbook = try await app.api(.GET, base + "/export?format=xlsx&lang=en", token: s.token)
            #expect(workbook.status == .ok)
            #expect(workbook.headers.contentType?.description.contains("spreadsheetml") == true)
            #expect(workbook.headers.first(name: "Content-Disposition")?.contains(".xlsx") == true)
            let again = try await app.upload(base + "/import?dryRun=true", token: s.token, data: workbook.data,
                                             contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            let rows = try again.json()["rows"] as? [[String: Any]] ?? []
            #expect(rows.map { $0["outcome"] as? String } == ["unchanged", "unchanged"], "\(again.text)")

            let broken = try await app.upload(base + "/import", token: s.token, data: Data("code,name\nA-003,\n".utf8), contentType: "text/csv")
            #expect(broken.status == .unprocessableEntity)
            let error = (try broken.json()["errors"] as? [[String: Any]] ?? []).first
            #expect(error?["row"] as? Int == 2 && error?["field"] as? String == "name", "\(broken.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func aRiskIsRatedListedMappedAndAcceptedByItsOwner(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let s = try await setUp(app)
            let w = "/api/v1/workspaces/acme"
            let asset = try await app.api(.POST, w + "/assets", token: s.token, json: #"{"code":"A-001","name":"顧客台帳","confidentiality":3,"integrity":3,"availability":3}"#).json()
            let methods = try await app.api(.GET, w + "/risk-methods", token: s.token).json()["items"] as? [[String: Any]]
            #expect(methods?.first?["status"] as? String == "published" && (methods?.first?["bands"] as? [Any])?.count == 3)

            let assessment = try await app.api(.POST, w + "/risk-assessments", token: s.token, json: #"{"name":"2026年度","startsOn":"2026-04-01","endsOn":"2027-03-31"}"#)
            #expect(assessment.status == .created)
            let assessmentID = try #require(try assessment.json()["id"] as? String)
            let risk = try await app.api(.POST, w + "/risk-assessments/\(assessmentID)/risks", token: s.token, json: """
                {"assetId":"\(asset["id"] as! String)","inherent":{"threat":3,"vulnerability":2},"residual":{"threat":1,"vulnerability":1},
                 "ownerId":"\(s.owner.id)","treatment":"低減","controls":["5.15","A.8.5"]}
                """)
            #expect(risk.status == .created, "\(risk.text)")
            let created = try risk.json()
            #expect(created["code"] as? String == "R-001" && created["inherentScore"] as? Int == 18 && created["inherentLevel"] as? String == "high")
            #expect(created["residualScore"] as? Int == 3 && created["controls"] as? [String] == ["5.15", "8.5"])
            let riskURL = try #require(risk.location)

            let mine = try await app.api(.GET, w + "/risk-assessments/\(assessmentID)/risks?owner=me&accepted=false&level=high", token: s.ownerToken).json()
            #expect((mine["items"] as? [[String: Any]])?.count == 1)
            let heat = try await app.api(.GET, w + "/risk-assessments/\(assessmentID)/heat-map", token: s.token).json()
            #expect(heat["total"] as? Int == 1 && (heat["cells"] as? [[String: Any]])?.first { $0["count"] as? Int == 1 }?["score"] as? Int == 18)

            let notOwner = try await app.api(.POST, riskURL + "/accept", token: s.token, json: "{}")
            #expect(notOwner.status == .forbidden && notOwner.text.contains("forbidden-record"))
            let accepted = try await app.api(.POST, riskURL + "/accept", token: s.ownerToken, json: "{}")
            let acceptance = try accepted.json()
            #expect(accepted.status == .ok && !(acceptance["acceptedAt"] is NSNull))

            let export = try await app.api(.GET, w + "/risk-assessments/\(assessmentID)/risks/export?lang=en", token: s.token)
            #expect(export.status == .ok && export.text.contains("R-001") && export.text.contains("A-001"))

            let submitted = try await app.api(.POST, w + "/risk-assessments/\(assessmentID)/submit", token: s.token, json: "{}")
            let inReview = try submitted.json()
            #expect(submitted.status == .ok && inReview["status"] as? String == "inReview", "\(submitted.text)")
            let frozen = try await app.api(.PATCH, riskURL, token: s.token, json: #"{"scenario":"x"}"#, headers: ["If-Match": "\"2\""])
            #expect(frozen.status == .unprocessableEntity && frozen.text.contains("\"type\""), "\(frozen.text)")
        }
    }

    @Test(arguments: TestEngine.available)
    func anActionsOwnerReportsProgressOnly(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let s = try await setUp(app)
            let base = "/api/v1/workspaces/acme/treatment-actions"
            let action = try await app.api(.POST, base, token: s.token, json: #"{"title":"アクセス権の棚卸し","controls":["5.18"],"ownerId":"\#(s.owner.id)","dueOn":"2027-03-31"}"#)
            #expect(action.status == .created, "\(action.text)")
            let url = try #require(action.location)
            let retitled = try await app.api(.PATCH, url, token: s.ownerToken, json: #"{"title":"別の件名"}"#, headers: ["If-Match": "\"1\""])
            #expect(retitled.status == .forbidden)
            let done = try await app.api(.PATCH, url, token: s.ownerToken, json: #"{"status":"done","completionNote":"実施済み","evidenceLink":"https://wiki.example.co.jp/a"}"#,
                                         headers: ["If-Match": "\"1\""])
            let reported = try done.json()
            #expect(done.status == .ok && reported["status"] as? String == "done", "\(done.text)")
            let mine = try await app.api(.GET, base + "?owner=me&status=done", token: s.ownerToken).json()
            #expect((mine["items"] as? [[String: Any]])?.count == 1)
            let badFilter = try await app.api(.GET, base + "?overdue=maybe", token: s.ownerToken)
            #expect(badFilter.status == .unprocessableEntity)
        }
    }
}
