import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport
import VaporTesting
@testable import Web

@Suite struct Pages {
    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: #"name="_csrf" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func cookie(_ response: TestingHTTPResponse, _ name: String) -> String? {
        response.headers[.setCookie].first { $0.hasPrefix("\(name)=") }
    }

    @Test func firstRunSetupThroughThePages() async throws {
        try await TestApp.with { app in
            let secret = try #require(try await Installation(app.services).issueSetupLink())
            let form = try await app.get("/setup?token=\(secret)", headers: ["Accept-Language": "ja"])
            #expect(form.status == .ok)
            #expect(form.text.contains("Meguri の初期設定"))
            let csrf = try #require(Self.csrf(in: form.text))
            let csrfCookie = try #require(Self.cookie(form, "meguri_csrf")).split(separator: ";")[0]
            let headers: HTTPHeaders = ["Cookie": String(csrfCookie), "Accept-Language": "ja"]
            let mismatch = try await app.post("/setup", form: ["_csrf": csrf, "token": secret, "email": "admin@example.co.jp", "displayName": "管理者",
                                                               "password": TestApp.password, "passwordConfirmation": "different passphrase"],
                                              session: nil, extraHeaders: headers)
            #expect(mismatch.status == .unprocessableEntity)
            #expect(mismatch.text.contains("確認用のパスワードが一致しません"))
            let done = try await app.post("/setup", form: ["_csrf": csrf, "token": secret, "email": "admin@example.co.jp", "displayName": "管理者",
                                                           "password": TestApp.password, "passwordConfirmation": TestApp.password],
                                          session: nil, extraHeaders: headers)
            #expect(done.status == .seeOther && done.location == "/login")
            let again = try await app.get("/setup?token=\(secret)")
            #expect(again.status == .notFound)
        }
    }

    @Test func formsWithoutTheirCSRFTokenAreRefused() async throws {
        try await TestApp.with { app in
            _ = try await app.user("taro@example.co.jp")
            let anonymous = try await app.send(.POST, "/login", body: "email=taro%40example.co.jp&password=x", contentType: "application/x-www-form-urlencoded")
            #expect(anonymous.status == .forbidden)
            let user = try await app.user("hanako@example.co.jp")
            let session = try await app.session(for: user)
            let forged = try await app.post("/account/profile", form: ["_csrf": "forged", "displayName": "乗っ取り"], session: session)
            #expect(forged.status == .forbidden)
            #expect(try await Users(app.services).load(user.id).displayName == "hanako@example.co.jp")
        }
    }

    @Test func signInWithPasswordAndTOTPSetsASafeCookie() async throws {
        try await TestApp.with { app in
            let user = try await app.user("taro@example.co.jp")
            let enrolment = try await Account(app.services).beginTOTP(user)
            let totp = try #require(TOTP(base32Secret: enrolment.secret))
            _ = try await Account(app.services).confirmTOTP(user, code: totp.code(at: app.clock.now), context: Context(actor: .system))
            app.clock.advance(30)

            let page = try await app.get("/login")
            let csrf = try #require(Self.csrf(in: page.text))
            let csrfCookie = String(try #require(Self.cookie(page, "meguri_csrf")).split(separator: ";")[0])
            let signIn = try await app.post("/login", form: ["_csrf": csrf, "email": "taro@example.co.jp", "password": TestApp.password, "next": "/account"],
                                            session: nil, extraHeaders: ["Cookie": csrfCookie, "X-Forwarded-Proto": "https"])
            #expect(signIn.status == .seeOther)
            #expect(signIn.location?.hasPrefix("/login/second-factor") == true)
            let cookie = try #require(Self.cookie(signIn, "meguri_session"))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Secure"))
            let half = String(cookie.split(separator: ";")[0])

            // Half signed in is not signed in.
            #expect(try await app.get("/account", headers: ["Cookie": half]).location?.hasPrefix("/login") == true)
            let second = try await app.get("/login/second-factor", headers: ["Cookie": half])
            let csrf2 = try #require(Self.csrf(in: second.text))
            let done = try await app.post("/login/second-factor", form: ["_csrf": csrf2, "code": totp.code(at: app.clock.now), "next": "/account"],
                                          session: nil, extraHeaders: ["Cookie": half])
            #expect(done.status == .seeOther && done.location == "/account")
            let full = String(try #require(Self.cookie(done, "meguri_session")).split(separator: ";")[0])
            #expect(full != half)
            #expect(try await app.get("/account", headers: ["Cookie": full]).status == .ok)
        }
    }

    @Test func tooManyFailuresAnswer429InTheVisitorsLanguage() async throws {
        try await TestApp.with { app in
            _ = try await app.user("taro@example.co.jp")
            let headers: HTTPHeaders = ["Cookie": "meguri_csrf=t", "Accept-Language": "ja"]
            for _ in 0..<5 {
                let failed = try await app.post("/login", form: ["_csrf": "t", "email": "taro@example.co.jp", "password": "wrong wrong wrong"], session: nil, extraHeaders: headers)
                #expect(failed.status == .unauthorized)
                #expect(failed.text.contains("メールアドレスまたはパスワードが正しくありません"))
            }
            let limited = try await app.post("/login", form: ["_csrf": "t", "email": "taro@example.co.jp", "password": TestApp.password], session: nil, extraHeaders: headers)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers.first(name: .retryAfter) == "30")
            #expect(limited.text.contains("約30秒後にもう一度お試しください"))
        }
    }

    @Test func everyResponseCarriesTheSecurityHeaders() async throws {
        try await TestApp.with { app in
            for path in ["/login", "/healthz", "/static/meguri.css", "/api/v1/me", "/nope"] {
                let response = try await app.get(path)
                let csp = response.headers.first(name: "Content-Security-Policy") ?? ""
                #expect(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "\(path)")
                #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff", "\(path)")
                #expect(response.headers.first(name: "Referrer-Policy") != nil, "\(path)")
            }
            let page = try await app.get("/login")
            #expect(!page.text.contains("style=") && !page.text.contains("<script>"))
            #expect(try await app.get("/favicon.ico").status == .ok)
        }
    }

    @Test func theLanguageFollowsTheBrowserThenTheChoiceWhichIsRemembered() async throws {
        try await TestApp.with { app in
            let user = try await app.user("taro@example.co.jp")
            let session = try await app.session(for: user)
            let ja = try await app.get("/account", session: session, headers: ["Accept-Language": "ja,en;q=0.5"])
            #expect(ja.text.contains("<html lang=\"ja\">") && ja.text.contains("アカウント設定"))
            let switched = try await app.post("/language", form: ["language": "en", "next": "/account"], session: session,
                                              extraHeaders: ["Accept-Language": "ja"])
            #expect(switched.status == .seeOther && switched.location == "/account")
            let en = try await app.get("/account", session: session, headers: ["Accept-Language": "ja"])
            #expect(en.text.contains("<html lang=\"en\">") && en.text.contains("Your account"))
            #expect(try await Users(app.services).load(user.id).language == .en)
            // An outside address is never followed.
            let outside = try await app.post("/language", form: ["language": "ja", "next": "//evil.example/"], session: session)
            #expect(outside.location == "/")
        }
    }

    @Test func aStaleFormShowsTheNewerValuesAndKeepsThem() async throws {
        try await TestApp.with { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            let workspace = try await app.workspace("acme", by: admin)
            let session = try await app.session(for: admin)
            _ = try await Workspaces(app.services).update(try await app.access(admin, "acme"), WorkspaceInput(scopeStatement: "先に保存した範囲"),
                                                          expectedVersion: workspace.version, context: Context(actor: .user(admin)))
            let stale = try await app.post("/w/acme/settings", form: ["version": String(workspace.version), "name": workspace.name, "scopeStatement": "後から上書き",
                                                                      "timeZone": "Asia/Tokyo", "fiscalYearStartMonth": "4"], session: session,
                                           extraHeaders: ["Accept-Language": "ja"])
            #expect(stale.status == .conflict)
            #expect(stale.text.contains("先に保存した範囲") && stale.text.contains("ほかの人がこの記録を更新しました"))
            #expect(try await Workspaces(app.services).load(slug: "acme")?.scopeStatement == "先に保存した範囲")
        }
    }

    @Test func unknownPagesAndRecordsAreLocalized404s() async throws {
        try await TestApp.with { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let session = try await app.session(for: admin)
            let page = try await app.get("/w/acme/departments/\(UUID())", session: session, headers: ["Accept-Language": "ja"])
            #expect(page.status == .notFound && page.text.contains("見つかりません"))
            let api = try await app.api(.GET, "/api/v1/workspaces/nope", token: try await app.token(for: admin))
            #expect(api.status == .notFound && api.headers.contentType?.description.contains("problem+json") == true)
        }
    }

    @Test func membersImportFromAShiftJISFileShowsEveryRejectedRow() async throws {
        try await TestApp.with { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            _ = try await app.department("営業部", in: "acme")
            let access = try await app.access(admin, "acme")
            let csv = "メールアドレス,氏名,部門,役割\r\nsato@example.co.jp,佐藤,営業部,部門ISMS担当者;従業員\r\nbad-address,鈴木,経理部,従業員\r\n"
            await #expect(throws: DomainError.invalid([
                FieldError(field: "email", code: "error.email", params: ["cell": "A3", "header": "メールアドレス"], row: 3),
                FieldError(field: "department", code: "error.unknownDepartmentName", params: ["value": "経理部", "cell": "C3", "header": "部門"], row: 3),
            ])) {
                try await Members(app.services).importCSV(access, data: csv.data(using: .shiftJIS)!, dryRun: true, context: Context(actor: .user(admin)))
            }
            let fixed = csv.replacingOccurrences(of: "bad-address,鈴木,経理部", with: "suzuki@example.co.jp,鈴木,営業部")
            let report = try await Members(app.services).importCSV(access, data: fixed.data(using: .shiftJIS)!, dryRun: false, context: Context(actor: .user(admin)))
            #expect(report.rows.map(\.outcome) == [.invite, .invite])
            #expect(report.rows.allSatisfy { $0.invitationSecret != nil })
            let sato = try await Members(app.services).list(access, filter: MemberFilter(search: "sato"), page: PageRequest()).items[0]
            #expect(sato.grants.map(\.role) == [.departmentOfficer, .employee])
        }
    }
}

@Suite struct AuditTrailNames {
    @Test func theUUIDsOfARecordedChangeAreFoundInLowerCase() {
        let a = "0F8FAD5B-D9CB-469F-A165-70867728950E", b = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
        #expect(AuditPages.uuids(in: "{\"ownerID\":\"\(a)\",\"members\":[\"\(b)\"],\"code\":\"A-1\"}") == [a.lowercased(), b])
        #expect(AuditPages.uuids(in: "\(a)\(b)") == [a.lowercased(), b])
        #expect(AuditPages.uuids(in: "0F8FAD5B-D9CB-469F-A165-70867728950") == [])
        #expect(AuditPages.uuids(in: "0F8FAD5B_D9CB-469F-A165-70867728950E x") == [])
        #expect(AuditPages.uuids(in: "資産 \(b)") == [b])
    }
}

@Suite struct QueryStrings {
    @Test func parametersAreReadAsVaporReadsThem() throws {
        let text = "q=%E9%A1%A7%E5%AE%A2&x=a+b&x=c%2Bd&empty=&flag&=orphan&sort=valueDescending"
        let values = QueryValues.parse(text)
        #expect(values == ["q": "顧客", "x": "c+d", "empty": "", "flag": "", "sort": "valueDescending"])
        #expect(QueryValues.parse(nil).isEmpty && QueryValues.parse("").isEmpty)
        #expect(QueryValues.parse("q=100%") == ["q": "100%"])
    }
}
