import Domain
import Features
import Foundation
import Testing
import TestSupport
import VaporTesting
@testable import Web

/// The document register through the API and the pages: a policy written, approved by top
/// management, published to everyone, acknowledged by an employee; drafts closed to employees.
@Suite struct DocumentAPI_ {
    @Test(arguments: TestEngine.available)
    func aPolicyThroughTheAPI(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let sales = try await app.department("営業部", in: "acme")
            let secretary = try await app.user("isms@example.co.jp", name: "事務局 花子")
            try await app.member(secretary, in: "acme", roles: [RoleGrantInput(role: .secretariat)])
            let ceo = try await app.user("ceo@example.co.jp", name: "山田 社長")
            try await app.member(ceo, in: "acme", roles: [RoleGrantInput(role: .topManagement)])
            let employee = try await app.user("sales1@example.co.jp", name: "鈴木 営業")
            try await app.member(employee, in: "acme", roles: [RoleGrantInput(role: .employee)], home: sales.id)
            let sec = try await app.token(for: secretary), boss = try await app.token(for: ceo), emp = try await app.token(for: employee)
            let w = "/api/v1/workspaces/acme"
            func fields(_ response: TestingHTTPResponse) throws -> [String] {
                (try response.json()["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
            }

            // The register entry: bad input names its fields in a problem.
            let refused = try await app.api(.POST, w + "/documents", token: sec, json: #"{"title":"","kind":"憲法","approver":"role:nobody"}"#)
            #expect(refused.status == .unprocessableEntity && refused.headers.contentType?.description.contains("problem+json") == true)
            #expect(Set(try fields(refused)) == ["title", "kind", "approver"], "\(refused.text)")
            let created = try await app.api(.POST, w + "/documents", token: sec,
                                            json: #"{"title":"情報セキュリティ基本方針","kind":"policy","classification":"公開","references":["5.2","A.5.1"]}"#)
            #expect(created.status == .created, "\(created.text)")
            let doc = try created.json()
            let id = doc["id"] as? String ?? ""
            #expect(doc["code"] as? String == "DOC-001" && doc["approver"] as? String == "topManagement" && doc["publishedVersion"] is NSNull)
            #expect(doc["audience"] is NSNull && doc["pending"] is NSNull, "every member is present, null when empty")

            // A version in Markdown; the employee cannot open the draft.
            let version = try await app.api(.POST, w + "/documents/\(id)/versions", token: sec,
                                            json: ##"{"body":"# 基本方針\n\n暗号化を徹底する。\n\n<script>alert(1)</script>","summary":"初版"}"##)
            #expect(version.status == .created, "\(version.text)")
            #expect(try version.json()["label"] as? String == "1.0")
            let html = try version.json()["html"] as? String ?? ""
            #expect(html.contains("<h2>基本方針</h2>") && !html.contains("<script") && html.contains("&lt;script&gt;"))
            #expect(try await app.api(.GET, w + "/documents/\(id)", token: emp).status == .notFound)
            #expect(try await app.api(.GET, w + "/documents/\(id)/versions/1", token: emp).status == .notFound)
            #expect(try await app.api(.GET, w + "/documents", token: emp).status == .forbidden)

            // Submitted by the secretariat, approved by top management, published to everyone.
            #expect(try await app.api(.POST, w + "/documents/\(id)/versions/1/submit", token: sec).status == .ok)
            let own = try await app.api(.POST, w + "/documents/\(id)/versions/1/approve", token: sec, json: "{}")
            #expect(own.status == .forbidden)
            let approved = try await app.api(.POST, w + "/documents/\(id)/versions/1/approve", token: boss, json: #"{"note":"承認"}"#)
            #expect(try approved.status == .ok && (try approved.json()["status"] as? String) == "approved")
            let noAudience = try await app.api(.POST, w + "/documents/\(id)/versions/1/publish", token: sec, json: #"{"effectiveOn":"2026-12-10"}"#)
            #expect(try noAudience.status == .unprocessableEntity && (try fields(noAudience)) == ["audience"])
            let published = try await app.api(.POST, w + "/documents/\(id)/versions/1/publish", token: sec, json: #"{"audience":{"everyone":true},"effectiveOn":"2026-12-10"}"#)
            #expect(try published.status == .ok && (try published.json()["status"] as? String) == "published", "\(published.text)")

            // The employee's reading list, the document and the version in force, the acknowledgement.
            #expect(try await app.api(.GET, w + "/documents/\(id)", token: emp).status == .ok)
            let reading = try await app.api(.GET, w + "/my-reading?unread=true", token: emp).json()["items"] as? [[String: Any]] ?? []
            #expect(reading.compactMap { $0["documentId"] as? String } == [id])
            let read = try await app.api(.GET, w + "/documents/\(id)/versions/1", token: emp)
            #expect(try read.status == .ok && (try read.json()["mayAcknowledge"] as? Bool) == true)
            let missing = try await app.api(.POST, w + "/documents/\(id)/acknowledgements", token: emp, json: "{}")
            #expect(try missing.status == .unprocessableEntity && (try fields(missing)) == ["version"])
            let before = try await app.api(.GET, w + "/documents/\(id)/acknowledgements", token: sec).json()
            #expect(before["done"] as? Int == 0 && before["total"] as? Int == 3)
            let ack = try await app.api(.POST, w + "/documents/\(id)/acknowledgements", token: emp, json: #"{"version":1}"#)
            #expect(ack.status == .created, "\(ack.text)")
            let completion = try await app.api(.GET, w + "/documents/\(id)/acknowledgements", token: sec).json()
            #expect(completion["done"] as? Int == 1 && completion["total"] as? Int == 3, "the answer written before the acknowledgement is not kept past it")
            #expect(try await app.api(.GET, w + "/documents/\(id)/acknowledgements", token: emp).status == .forbidden)

            // A minor revision; the comparison by character; the superseded version refused.
            let revised = try await app.api(.POST, w + "/documents/\(id)/versions", token: sec,
                                            json: ##"{"body":"# 基本方針\n\n暗号化と鍵管理を徹底する。","summary":"鍵管理を追加","major":false}"##)
            #expect(revised.status == .created, "\(revised.text)")
            _ = try await app.api(.POST, w + "/documents/\(id)/versions/2/submit", token: sec)
            _ = try await app.api(.POST, w + "/documents/\(id)/versions/2/approve", token: boss, json: "{}")
            _ = try await app.api(.POST, w + "/documents/\(id)/versions/2/publish", token: sec, json: #"{"audience":{"everyone":true}}"#)
            let stale = try await app.api(.POST, w + "/documents/\(id)/acknowledgements", token: boss, json: #"{"version":1}"#)
            #expect(stale.status == .unprocessableEntity || stale.status == .conflict, "\(stale.text)")
            #expect(stale.text.contains("1.1"))
            let compare = try await app.api(.GET, w + "/documents/\(id)/compare?from=1&to=2", token: sec)
            #expect(compare.status == .ok && compare.text.contains("と鍵管理"), "\(compare.text)")
            let unread = try await app.api(.GET, w + "/my-reading?unread=true", token: emp).json()["items"] as? [Any]
            #expect(unread?.isEmpty == true, "a minor revision keeps the acknowledgement")

            // Search with two Japanese characters; exports; DOCX.
            let found = try await app.api(.GET, w + "/documents?q=" + "暗号".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!, token: sec).json()["items"] as? [[String: Any]]
            #expect(found?.compactMap { $0["id"] as? String } == [id])
            let csv = try await app.api(.GET, w + "/documents/\(id)/acknowledgements/export?format=csv&lang=ja", token: sec)
            #expect(csv.status == .ok && csv.text.contains("鈴木 営業"), "\(csv.text)")
            let docx = try await app.api(.GET, w + "/documents/\(id)/versions/2/docx", token: emp)
            #expect(docx.status == .ok && docx.body.readableBytes > 1000 && docx.headers.contentType?.description.contains("wordprocessingml") == true)
            #expect(try await app.api(.DELETE, w + "/documents/\(id)", token: sec, headers: ["If-Match": "\"1\""]).status != .noContent)

            // The pages: the employee's reading list, the secretariat's register.
            let session = try await app.session(for: employee)
            let page = try await app.get("/w/acme/reading", session: session)
            #expect(page.status == .ok && page.text.contains("情報セキュリティ基本方針"))
            let secretarySession = try await app.session(for: secretary)
            let register = try await app.get("/w/acme/documents", session: secretarySession)
            #expect(register.status == .ok && register.text.contains("DOC-001"))
            let completionPage = try await app.get("/w/acme/documents/\(id)/completion", session: secretarySession)
            #expect(completionPage.status == .ok && completionPage.text.contains("山田 社長") && !completionPage.text.contains("鈴木 営業"))
        }
    }

    @Test(arguments: TestEngine.available)
    func aFormThatFailsKeepsWhatWasTyped(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let secretary = try await app.user("isms@example.co.jp", name: "事務局 花子")
            try await app.member(secretary, in: "acme", roles: [RoleGrantInput(role: .secretariat)])
            let session = try await app.session(for: secretary)
            let refused = try await app.post("/w/acme/documents", form: ["title": "アクセス管理規程", "kind": "rule", "reviewIntervalMonths": "99"], session: session)
            #expect(refused.status == .unprocessableEntity, "\(refused.status)")
            #expect(refused.text.contains("アクセス管理規程") && refused.text.contains("60"))
            let created = try await app.post("/w/acme/documents", form: ["title": "アクセス管理規程", "kind": "rule"], session: session)
            #expect(created.status == .seeOther)
            let location = created.headers.first(name: .location) ?? ""
            let added = try await app.post(location + "/versions", form: ["body": "## 目的\n\nアクセス権を管理する。", "summary": "初版"], session: session)
            #expect(added.status == .seeOther, "\(added.text)")
            let shown = try await app.get(location, session: session)
            #expect(shown.text.contains("1.0") && shown.text.contains("初版"))
            let printed = try await app.get(location + "/versions/1/print", session: session)
            #expect(printed.status == .ok && printed.text.contains("<h3>目的</h3>"))
        }
    }

    /// The starter set through the API: written in English as asked, listed with its state, a
    /// second request writes nothing, unknown keys are a problem naming the field, an employee may
    /// not write them; the SoA's control lines list them.
    @Test(arguments: TestEngine.available)
    func theStarterSetThroughTheAPI(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let secretary = try await app.user("isms@example.co.jp", name: "事務局 花子")
            try await app.member(secretary, in: "acme", roles: [RoleGrantInput(role: .secretariat)])
            let employee = try await app.user("staff@example.co.jp", name: "鈴木 一郎")
            try await app.member(employee, in: "acme", roles: [RoleGrantInput(role: .employee)])
            let sec = try await app.token(for: secretary), emp = try await app.token(for: employee)
            let w = "/api/v1/workspaces/acme"
            let unknown = try await app.api(.POST, w + "/documents/starters", token: sec, json: #"{"keys":["handbook"]}"#)
            #expect(unknown.status == .unprocessableEntity && unknown.text.contains("\"keys\""), "\(unknown.text)")
            let forbidden = try await app.api(.POST, w + "/documents/starters", token: emp, json: "{}")
            #expect(forbidden.status == .forbidden)
            let some = try await app.api(.POST, w + "/documents/starters", token: sec, json: #"{"keys":["policy","risk"],"language":"en"}"#)
            #expect(some.status == .created, "\(some.text)")
            let items = try some.json()["items"] as? [[String: Any]] ?? []
            #expect(items.compactMap { $0["code"] as? String } == ["ISMS-02", "ISMS-03"] && items.first?["title"] as? String == "Information security policy")
            let rest = try await app.api(.POST, w + "/documents/starters", token: sec, json: nil)
            let restItems = try rest.json()["items"] as? [Any]
            #expect(rest.status == .created && restItems?.count == 6, "\(rest.text)")
            let again = try await app.api(.POST, w + "/documents/starters", token: sec, json: "{}")
            let againItems = try again.json()["items"] as? [Any]
            #expect(againItems?.isEmpty == true)
            let list = try await app.api(.GET, w + "/documents/starters", token: sec)
            let statuses = try list.json()["items"] as? [[String: Any]] ?? []
            #expect(statuses.count == 8 && statuses.allSatisfy { $0["documentId"] is String && ($0["changes"] as? [Any])?.isEmpty == true })
            #expect(statuses.first { $0["key"] as? String == "policy" }?["language"] as? String == "en")
            // The SoA line of A.5.24 lists the incident procedure.
            let soa = try await app.api(.GET, w + "/soa/entries/A.5.24", token: sec)
            #expect(soa.text.contains("ISMS-07"), "\(soa.text.prefix(800))")
        }
    }
}
