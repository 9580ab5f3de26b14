import Domain
import Features
import Foundation
import Spreadsheet
import Storage
import Testing
import TestSupport
import VaporTesting
@testable import Web

/// The holes of the security review (issue 11) that show at the HTTP surface.
@Suite struct SecurityWeb {
    /// 4. A token limited to one workspace, sent to pages, mints nothing and opens nothing; on the
    /// API it never acts for the installation and lists only its workspace.
    @Test(arguments: TestEngine.available) func aLimitedTokenStaysInItsWorkspace(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            _ = try await app.workspace("other", by: admin)
            let limited = try await app.token(for: admin, workspace: "acme")
            let before = try await Account(app.services).tokens(of: admin).count
            let bearer: HTTPHeaders = ["Authorization": "Bearer \(limited)"]

            // Pages ignore bearer tokens: the caller is nobody, sent to sign in.
            let minted = try await app.send(.POST, "/account/tokens", headers: bearer, body: "name=stolen", contentType: "application/x-www-form-urlencoded")
            #expect(minted.status == .unauthorized)
            #expect(try await Account(app.services).tokens(of: admin).count == before)
            let adminPage = try await app.send(.GET, "/admin/users", headers: bearer)
            #expect(adminPage.status == .seeOther && adminPage.headers.first(name: .location)?.hasPrefix("/login") == true)
            let created = try await app.send(.POST, "/workspaces/new", headers: bearer, body: "name=x&slug=taken", contentType: "application/x-www-form-urlencoded")
            #expect(created.status == .unauthorized)
            #expect(try await app.services.store.read { try await $0.workspaces.load(slug: "taken") } == nil)

            // The API: no installation-wide operation, only its own workspace listed.
            let refused = try await app.api(.POST, "/api/v1/workspaces", token: limited, json: #"{"name":"x","slug":"taken"}"#)
            #expect(refused.status == .forbidden)
            let listed = try await app.api(.GET, "/api/v1/workspaces", token: limited).json()
            #expect((listed["items"] as? [[String: Any]])?.compactMap { $0["slug"] as? String } == ["acme"])
            let elsewhere = try await app.api(.GET, "/api/v1/workspaces/other", token: limited)
            #expect(elsewhere.status == .notFound)
            // An unlimited token of the same administrator still may.
            let full = try await app.token(for: admin)
            #expect(try await app.api(.POST, "/api/v1/workspaces", token: full, json: #"{"name":"x","slug":"taken"}"#).status == .created)
        }
    }

    /// 8. `next` with a tab, a backslash or a second slash never leaves the site.
    @Test func signInNeverRedirectsAway() async throws {
        try await TestApp.with { app in
            let user = try await app.user("taro@example.co.jp")
            let session = try await app.session(for: user)
            for next in ["/\t/evil.example", "/%09/evil.example".removingPercentEncoding!, "//evil.example", "/\\evil.example", "https://evil.example", "/ /evil.example"] {
                let response = try await app.get("/login?next=\(next.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", session: session)
                #expect(response.headers.first(name: .location) == "/", "\(next.debugDescription)")
            }
            let fine = try await app.get("/login?next=%2Fw%2Facme%2Fassets%3Fpage%3D2", session: session)
            #expect(fine.headers.first(name: .location) == "/w/acme/assets?page=2")
        }
    }

    /// 2. The 768-byte workbook that killed the process is a 422 naming the cell; the server lives on.
    @Test(arguments: TestEngine.available) func aHostileWorkbookIsRefusedNamingTheCell(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let token = try await app.token(for: admin)
            let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("SpreadsheetTests/Corpus")
            for (file, cell) in [("crash-column-overflow.xlsx", "ZZZZZZZZZZZZZZ1"), ("crash-row-zero.xlsx", "0")] {
                let data = try Data(contentsOf: corpus.appendingPathComponent(file))
                let response = try await app.upload("/api/v1/workspaces/acme/assets/import", token: token, data: data,
                                                    contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                #expect(response.status == .unprocessableEntity)
                let errors = try response.json()["errors"] as? [[String: Any]]
                #expect(errors?.first?["field"] as? String == "file")
                #expect((errors?.first?["message"] as? String)?.contains(cell) == true, "\(errors ?? [])")
            }
            #expect(try await app.api(.GET, "/api/v1/me", token: token).status == .ok)
        }
    }

    /// 5. A body is read only once the caller is known: an anonymous upload larger than any limit is
    /// answered as unauthenticated (it used to be read up to the limit first and answered 413).
    @Test func anAnonymousUploadIsRefusedBeforeItsBodyIsRead() async throws {
        try await TestApp.with { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let port = Int.random(in: 20_000...40_000)
            let live = try app.meguri.app.testing(method: .running(hostname: "127.0.0.1", port: port))
            let big = ByteBuffer(repeating: UInt8(ascii: "x"), count: 30 * 1024 * 1024)
            var headers: HTTPHeaders = ["Content-Type": "text/csv", "Accept": "application/json"]
            headers.replaceOrAdd(name: .contentLength, value: String(big.readableBytes))
            let api = try await live.sendRequest(.POST, "/api/v1/workspaces/acme/assets/import", headers: headers, body: big)
            #expect(api.status == .unauthorized)
            let page = try await live.sendRequest(.POST, "/w/acme/evidence", headers: ["Content-Type": "multipart/form-data; boundary=x"], body: big)
            #expect(page.status == .unauthorized)
        }
    }
}
