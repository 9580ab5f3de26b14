import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport
import Vapor

/// Issue 14: the import page's mapping step, the pending file between steps, the mapping
/// remembered for next year; the API's `map` and the report of how each column was read.
@Suite struct ImportPageTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("StorageTests/Fixtures/imports")

    static func fixture(_ name: String) throws -> Data { try Data(contentsOf: fixtures.appendingPathComponent(name)) }

    /// The hidden and selected values a form would send.
    static func choices(_ html: String) -> [String: String] {
        var fields: [String: String] = [:]
        for select in html.components(separatedBy: "<select id=\"f-map-").dropFirst() {
            guard let nameRange = select.range(of: "name=\""), let end = select[nameRange.upperBound...].firstIndex(of: "\"") else { continue }
            let name = String(select[nameRange.upperBound..<end])
            guard let selected = select.components(separatedBy: "</select>").first?.components(separatedBy: "<option value=\"")
                .first(where: { $0.contains("\" selected>") }) else { continue }
            fields[name] = String(selected.prefix { $0 != "\"" })
        }
        return fields
    }

    @Test(arguments: TestEngine.available)
    func aForeignSoAIsMappedOnThePageAndNextYearsFileImportsInOneStep(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let secretary = try await app.user("isms@example.co.jp", name: "事務局 花子")
            try await app.member(secretary, in: "acme", roles: [RoleGrantInput(role: .secretariat)])
            let session = try await app.session(for: secretary)
            let ja: HTTPHeaders = ["Accept-Language": "ja"]
            let file = try Self.fixture("soa-template-sjis.csv")

            // Headers that are not Meguri's own: the mapping step comes first.
            let upload = try await app.postMultipart("/w/acme/soa/import", fields: [:], file: (field: "file", name: "適用宣言書.csv", data: file),
                                                     session: session, extraHeaders: ja)
            #expect(upload.status == .seeOther)
            let step = try #require(upload.headers.first(name: .location))
            #expect(step.hasPrefix("/w/acme/soa/import/"))
            let mapping = try await app.get(step, session: session, headers: ja)
            #expect(mapping.status == .ok)
            let html = mapping.text
            #expect(html.contains("列の対応を確認") && html.contains("「適用宣言書.csv」の3行目を見出しとして読みました"))
            #expect(html.contains("<td>G</td><td>備考</td>") && html.contains("先頭5行の読み取り") && html.contains("情報セキュリティのための方針群"))
            var choices = Self.choices(html)
            #expect(choices["map.0"] == "id" && choices["map.2"] == "applicable" && choices["map.6"] == "-", "\(choices)")

            // A required field left out: refused on the same step, naming it; nothing written.
            var wrong = choices
            wrong["map.2"] = "-"
            let refused = try await app.post(step, form: wrong.merging(["step": "check"]) { $1 }, session: session, extraHeaders: ja)
            #expect(refused.status == .unprocessableEntity && refused.text.contains("必須の列「適用」がありません") && refused.text.contains("列の対応を確認"))

            // The dry run, then the commit from the kept file.
            choices["map.5"] = "-"  // 実装文書 left out this year
            let dry = try await app.post(step, form: choices.merging(["step": "check"]) { $1 }, session: session, extraHeaders: ja)
            #expect(dry.status == .ok && dry.text.contains("確認結果：93行を取り込めます") && dry.text.contains("取り込まない列"), "\(dry.text.prefix(300))")
            #expect(dry.text.contains("name=\"map.5\" value=\"-\"") && dry.text.contains("name=\"step\" value=\"commit\""))
            // "Change the columns" goes back to the step with this year's choices.
            #expect(dry.text.contains("?map.0=id&amp;map.1=title&amp;map.2=applicable"))
            let back = try await app.get(step + "?" + choices.map { "\($0.key)=\($0.value)" }.joined(separator: "&"), session: session, headers: ja)
            #expect(back.status == .ok && Self.choices(back.text)["map.5"] == "-" && back.text.contains("見出しから"))
            let done = try await app.post(step, form: choices.merging(["step": "commit"]) { $1 }, session: session, extraHeaders: ja)
            #expect(done.status == .ok && done.text.contains("93行を取り込みました"))
            #expect(try await app.get(step, session: session, headers: ja).status == .notFound, "the file is gone once committed")
            let twice = try await app.post(step, form: choices.merging(["step": "commit"]) { $1 }, session: session, extraHeaders: ja)
            #expect(twice.status == .notFound, "a second commit imports nothing")
            let access = try await app.access(secretary, "acme")
            let lines = try await Statement(app.services).lines(access)
            #expect(lines.filter { $0.entry.decision == .applicable }.count == 83 && lines.allSatisfy { $0.entry.documents == nil })

            // Next year's file: read as last time, straight to the dry run.
            let again = try await app.postMultipart("/w/acme/soa/import", fields: [:], file: (field: "file", name: "2027.csv", data: file), session: session, extraHeaders: ja)
            #expect(again.status == .ok && again.text.contains("確認結果：93行を取り込めます"), "\(again.status)")
            #expect(again.text.contains("適用 ← 適用 (C)"))

            // The step speaks English too, and is nobody else's.
            let english = try await app.postMultipart("/w/acme/assets/import", fields: [:],
                                                      file: (field: "file", name: "assets.xlsx", data: try Self.fixture("assets-libreoffice.xlsx")), session: session)
            let englishStep = try #require(english.headers.first(name: .location))
            let page = try await app.get(englishStep, session: session, headers: ["Accept-Language": "en"])
            #expect(page.text.contains("Match the columns") && page.text.contains("Computed by Meguri: the file") && page.text.contains("No matching field"))
            // The header row found (3, under a title and a blank row) can be set by hand.
            #expect(page.text.contains("<option value=\"3\" selected>Row 3:") && page.text.contains("name=\"headerRow\" value=\"3\""))
            let byHand = try await app.get(englishStep + "?headerRow=1", session: session, headers: ["Accept-Language": "en"])
            #expect(byHand.status == .ok && byHand.text.contains("Row 1 of") && byHand.text.contains("<option value=\"1\" selected>"))
            let other = try await app.user("other@example.co.jp")
            try await app.member(other, in: "acme", roles: [RoleGrantInput(role: .secretariat)])
            let elsewhere = try await app.get(englishStep, session: try await app.session(for: other))
            #expect(elsewhere.status == .seeOther && elsewhere.headers.first(name: .location) == "/w/acme/assets/import", "another person's file is not theirs")
            #expect(try await app.get("/w/acme/assets/import/\(UUID())", session: session).status == .notFound)
        }
    }

    @Test(arguments: TestEngine.available)
    func theAPITakesAMapAndSaysHowEachColumnWasRead(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let token = try await app.token(for: admin, workspace: "acme")
            let base = "/api/v1/workspaces/acme/assets/import"
            let csv = Data("番号,名称,CIA-C,メモ\nX-1,受注台帳,3,棚卸\n".utf8)
            let missing = try await app.upload(base + "?dryRun=true", token: token, data: csv, contentType: "text/csv")
            #expect(missing.status == .unprocessableEntity && missing.text.contains("error.csvMissingColumn"))
            let map = "番号=code, 名称=name, C=confidentiality, メモ=-".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let dry = try await app.upload(base + "?dryRun=true&map=\(map)", token: token, data: csv, contentType: "text/csv")
            #expect(dry.status == .ok, "\(dry.text)")
            let report = try dry.json()
            let columns = try #require(report["columns"] as? [[String: Any]])
            #expect(columns.map { $0["column"] as? String } == ["A", "B", "C", "D"])
            #expect(columns.map { $0["field"] as? String } == ["code", "name", "confidentiality", nil])
            #expect(columns.map { $0["reason"] as? String } == ["given", "given", "given", "given"])
            #expect(report["map"] as? String == "番号=code, 名称=name, CIA-C=confidentiality, メモ=-")
            // A header row under a title, named by number.
            let titled = Data("受注台帳一覧,,\n番号,品名,等級\nY-1,帳票,3\n".utf8)
            let rowMap = "番号=code,品名=name,等級=confidentiality".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let byRow = try await app.upload(base + "?dryRun=true&headerRow=2&map=\(rowMap)", token: token, data: titled, contentType: "text/csv")
            let rowReport = try byRow.json()
            #expect(byRow.status == .ok && rowReport["headerRow"] as? Int == 2, "\(byRow.text)")
            let pastEnd = try await app.upload(base + "?dryRun=true&headerRow=9", token: token, data: titled, contentType: "text/csv")
            #expect(pastEnd.status == .unprocessableEntity && pastEnd.text.contains("error.headerRow"))
            let bad = try await app.upload(base + "?dryRun=true&map=nonsense", token: token, data: csv, contentType: "text/csv")
            #expect(bad.status == .unprocessableEntity && bad.text.contains("error.mapPair"))
        }
    }
}
