import Domain
import Features
import Foundation
import Testing
import TestSupport
import VaporTesting
@testable import Web

/// Internal audit, nonconformities and management review through the API and the pages.
@Suite struct CheckActAPI_ {
    @Test(arguments: TestEngine.available)
    func aYearRunsThroughTheAPI(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let sales = try await app.department("営業部", in: "acme")
            let ceo = try await app.user("ceo@example.co.jp", name: "山田 社長")
            try await app.member(ceo, in: "acme", roles: [RoleGrantInput(role: .topManagement)])
            let auditor = try await app.user("auditor@example.co.jp", name: "佐藤 監査")
            try await app.member(auditor, in: "acme", roles: [RoleGrantInput(role: .internalAuditor)], home: sales.id)
            let owner = try await app.user("owner@example.co.jp", name: "田中 総務")
            try await app.member(owner, in: "acme", roles: [RoleGrantInput(role: .departmentOfficer, departmentID: sales.id)], home: sales.id)
            let secretariat = try await app.token(for: admin)
            let auditorToken = try await app.token(for: auditor)
            let ownerToken = try await app.token(for: owner)
            let w = "/api/v1/workspaces/acme"
            let today = CalendarDate(app.clock.now, in: TimeZone(identifier: "Asia/Tokyo")!).description
            func fields(_ response: TestingHTTPResponse) throws -> [String] {
                (try response.json()["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
            }

            let programme = try await app.api(.POST, w + "/audit-programmes", token: secretariat, json: #"{"title":"2026年度","startsOn":"2026-04-01","endsOn":"2027-03-31"}"#)
            #expect(programme.status == .created, "\(programme.text)")
            let programmeID = try programme.json()["id"] as? String ?? ""
            // Independence: the auditor's own department is refused with its reason as a problem naming the field.
            let body = #"{"programmeId":"\#(programmeID)","title":"営業部監査","criteria":["7.2","A.5.15"],"startsOn":"2026-06-01","endsOn":"2026-06-03","departmentIds":["\#(sales.id)"],"leadAuditorId":"\#(auditor.id)"}"#
            let refused = try await app.api(.POST, w + "/audits", token: secretariat, json: body)
            #expect(refused.status == .unprocessableEntity && refused.headers.contentType?.description.contains("problem+json") == true)
            #expect(try fields(refused) == ["independenceOverride"] && refused.text.contains("営業部"))
            let created = try await app.api(.POST, w + "/audits", token: secretariat,
                                            json: String(body.dropLast()) + #","independenceOverride":"小規模のため他部門の監査員がいない"}"#)
            #expect(created.status == .created, "\(created.text)")
            let audit = try created.json()
            let auditID = audit["id"] as? String ?? ""
            let checklist = audit["checklist"] as? [[String: Any]] ?? []
            #expect(checklist.compactMap { $0["reference"] as? String } == ["7.2", "A.5.15"] && audit["leadAuditorId"] as? String == auditor.id.description)

            // The auditor runs it; an owner of nothing here may not.
            #expect(try await app.api(.POST, w + "/audits/\(auditID)/status", token: ownerToken, json: #"{"status":"inProgress"}"#).status == .forbidden)
            #expect(try await app.api(.POST, w + "/audits/\(auditID)/status", token: auditorToken, json: #"{"status":"inProgress"}"#).status == .ok)
            let itemID = checklist.first?["id"] as? String ?? ""
            let item = try await app.api(.PATCH, w + "/audits/\(auditID)/checklist/\(itemID)", token: auditorToken, json: #"{"result":"nonconforming","notes":"記録なし"}"#)
            #expect(try item.status == .ok && (try item.json()["result"] as? String) == "nonconforming")
            let finding = try await app.api(.POST, w + "/audits/\(auditID)/findings", token: auditorToken,
                                            json: #"{"kind":"minor","description":"新任者の教育記録がない","checklistItemId":"\#(itemID)"}"#)
            #expect(finding.status == .created, "\(finding.text)")
            let ncID = try finding.json()["nonconformityId"] as? String ?? ""
            let findings = try await app.api(.GET, w + "/findings?auditId=\(auditID)", token: auditorToken).json()["items"] as? [[String: Any]] ?? []
            #expect(findings.count == 1)

            // The corrective action through its steps; an empty plan is refused naming every missing field.
            let nc = try await app.api(.GET, w + "/nonconformities/\(ncID)", token: secretariat)
            #expect(try nc.status == .ok && (try nc.json()["number"] as? Int) == 1)
            let plannedEarly = try await app.api(.POST, w + "/nonconformities/\(ncID)/steps", token: secretariat, json: #"{"step":"plan"}"#)
            #expect(try plannedEarly.status == .unprocessableEntity && Set(try fields(plannedEarly)) == ["rootCause", "actionPlan", "owner", "dueOn"])
            let etag = nc.headers.first(name: .eTag) ?? ""
            let updated = try await app.api(.PATCH, w + "/nonconformities/\(ncID)", token: secretariat,
                                            json: #"{"ownerId":"\#(owner.id)","whys":["記録がない","手順がない"],"actionPlan":"手順書を作る","dueOn":"2026-12-31"}"#,
                                            headers: ["If-Match": etag])
            #expect(updated.status == .ok, "\(updated.text)")
            #expect(try await app.api(.POST, w + "/nonconformities/\(ncID)/steps", token: ownerToken, json: #"{"step":"plan"}"#).status == .ok)
            let implemented = try await app.api(.POST, w + "/nonconformities/\(ncID)/steps", token: ownerToken, json: #"{"step":"implement","implementedOn":"2026-11-01"}"#)
            #expect(try implemented.status == .ok && (try implemented.json()["status"] as? String) == "implemented")
            let own = try await app.api(.POST, w + "/nonconformities/\(ncID)/steps", token: ownerToken, json: #"{"step":"verify","effective":true,"note":"ok"}"#)
            #expect(own.status == .forbidden)
            let noNote = try await app.api(.POST, w + "/nonconformities/\(ncID)/steps", token: auditorToken, json: #"{"step":"verify","effective":true}"#)
            #expect(try noNote.status == .unprocessableEntity && (try fields(noNote)) == ["note"])
            let closed = try await app.api(.POST, w + "/nonconformities/\(ncID)/steps", token: auditorToken, json: #"{"step":"verify","effective":true,"note":"翌月分を確認"}"#)
            #expect(try closed.status == .ok && (try closed.json()["status"] as? String) == "closed")
            let open = try await app.api(.GET, w + "/nonconformities?open=true", token: secretariat).json()["items"] as? [Any] ?? []
            #expect(open.isEmpty)

            // The review: frozen inputs, action items, printable minutes.
            let review = try await app.api(.POST, w + "/management-reviews", token: secretariat,
                                           json: #"{"title":"2026年度レビュー","heldOn":"\#(today)","attendeeIds":["\#(ceo.id)"],"feedback":"顧客から問合せなし"}"#)
            #expect(review.status == .created, "\(review.text)")
            let reviewID = try review.json()["id"] as? String ?? ""
            let inputs = try review.json()["inputs"] as? [String: Any] ?? [:]
            #expect((inputs["nonconformities"] as? [String: Any])?["closed"] as? Int == 1 && inputs["feedback"] as? String == "顧客から問合せなし")
            #expect(try await app.api(.POST, w + "/management-reviews/\(reviewID)/actions", token: secretariat, json: #"{"text":"x"}"#).status == .unprocessableEntity)
            let held = try await app.api(.POST, w + "/management-reviews/\(reviewID)/hold", token: secretariat)
            #expect(try held.status == .ok && (try held.json()["status"] as? String) == "held")
            let action = try await app.api(.POST, w + "/management-reviews/\(reviewID)/actions", token: secretariat,
                                           json: #"{"text":"教育手順を全社展開","ownerId":"\#(owner.id)","dueOn":"2027-03-31"}"#)
            #expect(action.status == .created)
            let actionID = try action.json()["id"] as? String ?? ""
            let done = try await app.api(.PATCH, w + "/management-reviews/\(reviewID)/actions/\(actionID)", token: ownerToken, json: #"{"done":true}"#)
            #expect(try done.status == .ok && (try done.json()["doneOn"] as? String) != nil)
            let minutes = try await app.api(.GET, w + "/management-reviews/\(reviewID)/minutes?lang=en", token: secretariat)
            #expect(minutes.status == .ok && minutes.headers.contentType == .html && minutes.text.contains("Minutes — 2026年度レビュー")
                    && minutes.text.contains("Nonconformities and corrective actions") && minutes.text.contains("NC-1") && !minutes.text.contains("<script"))
            let report = try await app.api(.GET, w + "/audits/\(auditID)/report?lang=ja", token: auditorToken)
            #expect(report.status == .ok && report.text.contains("内部監査報告書") && report.text.contains("新任者の教育記録がない"))

            // The pages: the audit with its guidance, the register, the review; a refused form names the field in Japanese.
            let session = try await app.session(for: admin)
            let page = try await app.get("/w/acme/audits/\(auditID)", session: session)
            #expect(page.status == .ok && page.text.contains("id=\"item-\(itemID)\"") && page.text.contains("NC-1"))
            // The whole checklist is saved at once; a refusal names the item's field and keeps what was typed.
            let secondID = checklist.last?["id"] as? String ?? ""
            let refusedChecklist = try await app.post("/w/acme/audits/\(auditID)/checklist", form: ["items[\(itemID)][question]": "",
                                                                                               "items[\(secondID)][notes]": "規程を確認"], session: session)
            #expect(refusedChecklist.status == .unprocessableEntity && refusedChecklist.text.contains("href=\"#f-question-\(itemID)\"")
                    && refusedChecklist.text.contains("規程を確認"))
            let savedChecklist = try await app.post("/w/acme/audits/\(auditID)/checklist", form: ["items[\(secondID)][result]": "conforming",
                                                                                             "items[\(secondID)][notes]": "規程を確認"], session: session)
            #expect(savedChecklist.status == .seeOther)
            let second = try await app.api(.GET, w + "/audits/\(auditID)", token: auditorToken).json()["checklist"] as? [[String: Any]] ?? []
            #expect(second.last?["result"] as? String == "conforming" && second.last?["notes"] as? String == "規程を確認")
            let register = try await app.get("/w/acme/nonconformities?source=internalAudit", session: session)
            #expect(register.status == .ok && register.text.contains("NC-1"))
            let raised = try await app.post("/w/acme/nonconformities", form: ["description": "", "source": "incident", "reference": "B.1"], session: session,
                                            extraHeaders: ["Accept-Language": "ja"])
            #expect(raised.status == .unprocessableEntity && raised.text.contains("B.1"))
            let reviewPage = try await app.get("/w/acme/management-reviews/\(reviewID)", session: session)
            #expect(reviewPage.status == .ok && reviewPage.text.contains("NC-1") && reviewPage.text.contains("教育手順を全社展開"))
        }
    }

    /// `meguri export audit-report` and `review-minutes` write the same print-ready documents.
    @Test func theOperatorExportsTheReportAndTheMinutes() async throws {
        try await TestApp.with(.sqlite) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let lead = try await app.user("lead@example.co.jp", name: "佐藤 監査")
            try await app.member(lead, in: "acme", roles: [RoleGrantInput(role: .internalAuditor)])
            let records = try await app.oneOfEach(in: "acme", department: nil, owner: lead.id)
            guard case .sqliteFile(let database) = app.meguri.configuration.database else { throw TestFailure("expected an SQLite file") }
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("meguri-reports-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let report = folder.appendingPathComponent("audit.html")
            let exported = try CommandLine_.run(["export", "audit-report", "--workspace", "acme", "--audit", records["auditId"]!, "-o", report.path], database: database)
            let html = try String(contentsOf: report, encoding: .utf8)
            #expect(exported.status == 0 && html.hasPrefix("<!doctype html>") && html.contains("内部監査報告書") && html.contains("アクセス権の見直し記録がない"),
                    "\(exported.error)")
            let minutes = try CommandLine_.run(["export", "review-minutes", "--workspace", "acme", "--review", records["reviewId"]!, "--lang", "en"], database: database)
            #expect(minutes.status == 0 && minutes.output.contains("Minutes — ") && minutes.output.contains("has not been held yet"), "\(minutes.error)")
            #expect(minutes.output.contains("Status of actions from previous management reviews"))
            let missing = try CommandLine_.run(["export", "audit-report", "--workspace", "acme"], database: database)
            #expect(missing.status != 0 && missing.error.contains("--audit"))
        }
    }
}
