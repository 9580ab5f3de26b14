import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport
import VaporTesting
@testable import Web

/// The statement and the evidence store through the API and the pages, on both databases.
@Suite struct SoAAPI_ {
    struct People {
        var secretariat: String
        var boss: String
        var officer: String
        var committee: String
    }

    func setUp(_ app: TestApp) async throws -> People {
        let admin = try await app.user("admin@example.co.jp", admin: true)
        _ = try await app.workspace("acme", by: admin)
        let sales = try await app.department("営業部", in: "acme")
        func person(_ email: String, _ role: Role) async throws -> String {
            let user = try await app.user(email)
            try await app.member(user, in: "acme", roles: [RoleGrantInput(role: role, departmentID: role == .departmentOfficer ? sales.id : nil)])
            return try await app.token(for: user)
        }
        return People(secretariat: try await person("sec@example.co.jp", .secretariat), boss: try await person("ceo@example.co.jp", .topManagement),
                      officer: try await person("officer@example.co.jp", .departmentOfficer), committee: try await person("committee@example.co.jp", .committeeMember))
    }

    @Test(arguments: TestEngine.available)
    func theStatementIsDecidedSubmittedApprovedAndExportedThroughTheAPI(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let p = try await setUp(app)
            let base = "/api/v1/workspaces/acme/soa"
            // Paged, every control once.
            var ids: [String] = [], cursor: String? = nil
            repeat {
                let page = try await app.api(.GET, base + "?limit=50" + (cursor.map { "&cursor=\($0)" } ?? ""), token: p.committee).json()
                ids += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["controlId"] as? String }
                cursor = page["nextCursor"] as? String
            } while cursor != nil
            #expect(ids.count == 93 && ids.first == "5.1" && ids.last == "8.34")

            // A never-saved entry has ETag "0"; the decision needs If-Match and a justification.
            let entry = try await app.api(.GET, base + "/entries/A.5.23", token: p.secretariat)
            let entryDecision = try entry.json()["decision"] as? String
            #expect(entry.status == .ok && entry.headers.first(name: .eTag) == "\"0\"" && entryDecision == "undecided")
            #expect(try await app.api(.PATCH, base + "/entries/5.23", token: p.secretariat, json: #"{"decision":"applicable"}"#).status == .preconditionRequired)
            let invalid = try await app.api(.PATCH, base + "/entries/5.23", token: p.secretariat, json: #"{"decision":"applicable"}"#, headers: ["If-Match": "\"0\""])
            #expect(invalid.status == .unprocessableEntity && invalid.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            let invalidFields = (try invalid.json()["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
            #expect(invalidFields == ["justification", "implementation"])
            let saved = try await app.api(.PATCH, base + "/entries/5.23", token: p.secretariat,
                                          json: #"{"decision":"適用","justification":"クラウドサービスを利用","implementation":"partial","description":"利用申請で管理"}"#,
                                          headers: ["If-Match": "\"0\""])
            #expect(saved.status == .ok && saved.headers.first(name: .eTag) == "\"1\"")
            let warnings = try saved.json()["warnings"] as? [String]
            #expect(warnings == ["noEvidence"])
            #expect(try await app.api(.PATCH, base + "/entries/5.23", token: p.officer, json: #"{"justification":"x"}"#, headers: ["If-Match": "\"1\""]).status == .forbidden)

            // Import the rest from a CSV (dry run first), then submit and approve.
            var csv = "id,applicable,justification,status\n"
            for control in app.services.catalog.controls where control.id != "5.23" { csv += "\(control.id),excluded,not relevant here,\n" }
            let dry = try await app.upload(base + "/import?dryRun=true", token: p.secretariat, data: Data(csv.utf8), contentType: "text/csv")
            let dryFlag = (try dry.json()["report"] as? [String: Any])?["dryRun"] as? Bool
            #expect(dry.status == .ok && dryFlag == true)
            let early = try await app.api(.POST, base + "/versions", token: p.secretariat, json: "{}")
            #expect(early.status == .unprocessableEntity)
            #expect(try await app.upload(base + "/import", token: p.secretariat, data: Data(csv.utf8), contentType: "text/csv").status == .ok)
            let submitted = try await app.api(.POST, base + "/versions", token: p.secretariat, json: #"{"note":"初版"}"#)
            let submittedNumber = try submitted.json()["number"] as? Int
            #expect(submitted.status == .created && submittedNumber == 1)
            #expect(try await app.api(.POST, base + "/versions/1/approve", token: p.secretariat, json: "{}").status == .forbidden)
            let approved = try await app.api(.POST, base + "/versions/1/approve", token: p.boss, json: #"{"note":"承認"}"#, headers: ["If-Match": "\"1\""])
            let approvedBody = try approved.json()
            #expect(approved.status == .ok && approvedBody["status"] as? String == "approved")
            #expect((approvedBody["entries"] as? [[String: Any]])?.count == 93)

            // Change one line and compare with the approved version.
            _ = try await app.api(.PATCH, base + "/entries/5.1", token: p.secretariat, json: #"{"decision":"applicable","justification":"方針は必須","implementation":"implemented"}"#,
                                  headers: ["If-Match": "\"1\""])
            let comparison = try await app.api(.GET, base + "/compare?from=1", token: p.committee).json()
            let changes = comparison["changes"] as? [[String: Any]] ?? []
            #expect(changes.compactMap { $0["controlId"] as? String } == ["5.1"] && (changes.first?["fields"] as? [String])?.contains("decision") == true)

            // Version 1 as Excel, in English, read back.
            let xlsx = try await app.api(.GET, base + "/export?format=xlsx&lang=en&version=1", token: p.committee)
            #expect(xlsx.status == .ok && xlsx.headers.first(name: "Content-Disposition")?.contains("soa-acme-v1.xlsx") == true)
            let table = try Tabular.read(xlsx.data, columns: Statement.columns)
            #expect(table.rows.count == 93 && table.rows.first { $0.cells["id"] == "A.5.1" }?.cells["applicable"] == "Excluded")
            #expect(try await app.api(.GET, base + "/export?version=0", token: p.committee).status == .unprocessableEntity)
        }
    }

    @Test(arguments: TestEngine.available)
    func evidenceGoesUpAsMultipartAndComesBackIntactWithoutSniffing(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let p = try await setUp(app)
            let base = "/api/v1/workspaces/acme/evidence"
            let pdf = Data("%PDF-1.7 教育記録".utf8)
            let uploaded = try await app.postMultipart(base + "/files", fields: ["collectedOn": "2026-10-01", "validUntil": "2027-09-30", "link": "control:6.3"],
                                                       file: ("file", "2026年度 教育受講記録.pdf", pdf), token: p.officer)
            #expect(uploaded.status == .created, "\(uploaded.text)")
            let body = try uploaded.json()
            let id = body["id"] as? String ?? ""
            #expect(body["fileName"] as? String == "2026年度 教育受講記録.pdf" && body["sha256"] as? String == EvidenceRules.sha256(pdf))
            #expect(body["links"] as? [String] == ["control:6.3"])

            let download = try await app.api(.GET, base + "/\(id)/content", token: p.committee)
            #expect(download.status == .ok && download.data == pdf)
            #expect(download.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(download.headers.first(name: "Content-Security-Policy")?.contains("sandbox") == true)
            #expect(download.headers.first(name: .contentType) == "application/pdf")
            let disposition = download.headers.first(name: "Content-Disposition") ?? ""
            #expect(disposition.hasPrefix("attachment;") && disposition.contains("filename*=UTF-8''2026%E5%B9%B4%E5%BA%A6"))

            // A multipart body with no part at all is unreadable (400), not a failure of ours; one without the file names it.
            #expect(try await app.postMultipart(base + "/files", fields: [:], file: nil, token: p.officer).status == .badRequest)
            #expect(try await app.postMultipart(base + "/files", fields: ["title": "x"], file: nil, token: p.officer).status == .unprocessableEntity)
            // An SVG named .png is refused by content, naming the file; nothing is stored.
            let svg = try await app.postMultipart(base + "/files", fields: [:], file: ("file", "chart.png", Data("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".utf8)),
                                                  token: p.officer)
            let svgErrors = try svg.json()["errors"] as? [[String: Any]]
            #expect(svg.status == .unprocessableEntity && svgErrors?.first?["field"] as? String == "file")
            let stored = try await app.api(.GET, base, token: p.committee).json()["items"] as? [Any]
            #expect(stored?.count == 1)
            // Links are JSON; the committee reads but does not add.
            #expect(try await app.api(.POST, base, token: p.committee, json: #"{"title":"x","url":"https://example.com","collectedOn":"2026-10-01"}"#).status == .forbidden)
            let link = try await app.api(.POST, base, token: p.secretariat,
                                         json: #"{"title":"情報セキュリティ規程","url":"https://intra.example.com/rules","collectedOn":"2026-04-01","links":["control:5.1"]}"#)
            #expect(link.status == .created)
            let filtered = try await app.api(.GET, base + "?control=A.5.1", token: p.committee).json()
            #expect((filtered["items"] as? [[String: Any]])?.compactMap { $0["title"] as? String } == ["情報セキュリティ規程"])
            // The officer may not change the secretariat's evidence.
            let linkID = try link.json()["id"] as? String ?? ""
            let refused = try await app.api(.PATCH, base + "/\(linkID)", token: p.officer, json: #"{"title":"変更"}"#, headers: ["If-Match": "\"1\""])
            #expect(refused.status == .forbidden)
        }
    }

    @Test func ownControlsAreAddedAndListedAfterAnnexA() async throws {
        try await TestApp.with(.sqlite) { app in
            let p = try await setUp(app)
            let bad = try await app.api(.POST, "/api/v1/workspaces/acme/own-controls", token: p.secretariat, json: #"{"code":"8.5","titleJa":"x","titleEn":"x"}"#)
            #expect(bad.status == .unprocessableEntity)
            let created = try await app.api(.POST, "/api/v1/workspaces/acme/own-controls", token: p.secretariat,
                                            json: #"{"code":"GRP-01","titleJa":"グループ方針","titleEn":"Group policy","description":"親会社の規程"}"#)
            #expect(created.status == .created)
            #expect(try await app.api(.POST, "/api/v1/workspaces/acme/own-controls", token: p.officer, json: #"{"code":"X-1","titleJa":"x","titleEn":"x"}"#).status == .forbidden)
            let all = try await app.api(.GET, "/api/v1/workspaces/acme/controls?limit=200", token: p.committee).json()["items"] as? [[String: Any]] ?? []
            #expect(all.count == 94 && all.last?["id"] as? String == "GRP-01" && all.last?["kind"] as? String == "own")
            let people = try await app.api(.GET, "/api/v1/workspaces/acme/controls?theme=people", token: p.committee).json()["items"] as? [[String: Any]] ?? []
            #expect(people.count == 8)
            let entry = try await app.api(.GET, "/api/v1/workspaces/acme/soa/entries/GRP-01", token: p.committee).json()
            #expect(entry["kind"] as? String == "own" && entry["titleJa"] as? String == "グループ方針")
        }
    }

    @Test func thePagesUploadEvidenceDecideAnEntryAndImportA2013Statement() async throws {
        try await TestApp.with(.sqlite) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let session = try await app.session(for: admin)

            // A file uploaded from the evidence page for control 8.13, Japanese name intact.
            let upload = try await app.postMultipart("/w/acme/evidence", fields: ["target": "control:8.13", "collectedOn": "2026-11-01", "title": ""],
                                                     file: ("file", "バックアップ復元テスト.pdf", Data("%PDF-1.4 ok".utf8)), session: session)
            #expect(upload.status == .seeOther && upload.location == "/w/acme/soa/8.13")
            let entryPage = try await app.get("/w/acme/soa/8.13", session: session)
            #expect(entryPage.text.contains("バックアップ復元テスト.pdf") && entryPage.text.contains("dl class=\"guidance\""))
            // An executable is refused on the page with the reason, and the form kept.
            let refused = try await app.postMultipart("/w/acme/evidence", fields: ["title": "手順書", "collectedOn": "2026-11-01"],
                                                      file: ("file", "手順書.pdf", Data([0x4D, 0x5A, 0x90, 0x00])), session: session)
            #expect(refused.status == .unprocessableEntity && refused.text.contains("Executables and scripts cannot be stored") && refused.text.contains("value=\"手順書\""))

            // Deciding 8.13 on its page.
            let saved = try await app.post("/w/acme/soa/8.13", form: ["decision": "applicable", "justification": "全サーバーを日次で取得", "implementation": "implemented",
                                                                     "description": "NASへ日次、月1回復元テスト", "version": "0"], session: session)
            #expect(saved.status == .seeOther)
            let missing = try await app.post("/w/acme/soa/8.14", form: ["decision": "excluded", "justification": "", "version": "0"], session: session)
            #expect(missing.status == .unprocessableEntity && missing.text.contains("Once a control is decided, write the justification."))

            // A 2013 SoA: the page shows the review reasons, and the list filters them.
            let csv = "管理策番号,適用,理由\nA.12.3.1,適用,日次バックアップ\nA.18.2.3,除外,外部委託\n"
            let dry = try await app.postMultipart("/w/acme/soa/import", fields: [:], file: ("file", "soa2013.csv", Data(csv.utf8)), session: session)
            #expect(dry.status == .ok && dry.text.contains("A.5.36 ← A.18.2.3") && dry.text.contains("2013 control A.18.2.3 was split into A.5.36, A.8.8."))
            let done = try await app.postMultipart("/w/acme/soa/import", fields: ["commit": "true"], file: ("file", "soa2013.csv", Data(csv.utf8)), session: session)
            #expect(done.status == .ok)
            let review = try await app.get("/w/acme/soa?warning=reviewNeeded&limit=200", session: session)
            #expect(review.text.contains("A.5.7") && review.text.contains("A.8.8") && !review.text.contains(">A.8.13<"))
            let print = try await app.get("/w/acme/soa/print", session: session)
            #expect(print.status == .ok && print.text.contains("NASへ日次、月1回復元テスト"))
        }
    }
}
