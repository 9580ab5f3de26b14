import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport
import VaporTesting
@testable import Web

/// What a new user tripped over in the first hour (issue 13), each checked where it happens:
/// "my work" guides the secretariat through the setup and groups pending invitations; an
/// employee's navigation lists only what they may open; the setup page names every problem at once.
@Suite struct FirstHour {
    @Test(arguments: TestEngine.available)
    func myWorkGuidesTheSetupAndGroupsInvitations(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let secretary = try await app.user("isms@example.co.jp", name: "事務局 花子")
            try await app.member(secretary, in: "acme", roles: [RoleGrantInput(role: .secretariat)])
            let access = try await app.access(secretary, "acme")
            func setup() async throws -> [WorkItem] {
                try await MyWork.items(for: access, services: app.services).filter { $0.titleKey.hasPrefix("work.setup.") }
            }
            // One line: the first step not done, with how far along the setup is.
            let first = try await setup()
            #expect(first.map(\.titleKey) == ["work.setup.departments"] && first[0].params == ["step": "1", "total": "9"])
            let department = try await app.department("総務部", in: "acme")
            #expect(try await setup().map(\.titleKey) == ["work.setup.members"])

            // Fourteen invitations are one line, not fourteen.
            for n in 1...14 {
                _ = try await Members(app.services).add(access, email: "new\(n)@example.co.jp", displayName: "新人 \(n)", homeDepartmentID: department.id.description,
                                                        roles: [RawGrant(role: "employee")], context: Context(actor: .user(secretary)))
            }
            let items = try await MyWork.items(for: access, services: app.services)
            let invitations = items.filter { $0.titleKey.hasPrefix("work.invitation") }
            #expect(invitations.map(\.titleKey) == ["work.invitationsPending"] && invitations[0].params["count"] == "14")
            #expect(invitations[0].kind == .finish, "a pending invitation is not an answer awaited")
            #expect(try await setup().map(\.titleKey) == ["work.setup.assets"])
            let html = try await app.get("/w/acme", session: try await app.session(for: secretary)).text
            #expect(html.contains("14") && !html.contains("new1@example.co.jp"))
        }
    }

    @Test func anEmployeeSeesOnlyWhatTheyMayOpen() async throws {
        try await TestApp.with { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let employee = try await app.user("staff@example.co.jp", name: "鈴木 一郎")
            try await app.member(employee, in: "acme", roles: [RoleGrantInput(role: .employee)])
            let session = try await app.session(for: employee)
            let home = try await app.get("/w/acme", session: session)
            #expect(home.status == .ok)
            // Every workspace link in the navigation opens for them.
            let nav = String(home.text[home.text.range(of: "<nav class=\"sidebar\"")!.lowerBound...])
            let links = nav.components(separatedBy: "href=\"").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) }
                .filter { $0.hasPrefix("/w/acme/") && !$0.contains("#") }
            #expect(!links.isEmpty)
            for link in links {
                let page = try await app.get(link, session: session)
                #expect(page.status == .ok, "\(link) answers \(page.status.code) to an employee")
            }
            #expect(!links.contains("/w/acme/risk-assessments") && !links.contains("/w/acme/soa") && !links.contains("/w/acme/audit-programmes"))
            #expect(links.contains("/w/acme/reading") && links.contains("/w/acme/training"))
        }
    }

    @Test func theSetupPageNamesEveryProblemAtOnce() async throws {
        try await TestApp.with { app in
            let secret = try #require(try await Installation(app.services).issueSetupLink())
            let form = try await app.get("/setup?token=\(secret)", headers: ["Accept-Language": "ja"])
            let csrf = try #require(Pages.csrf(in: form.text))
            let cookie = try #require(Pages.cookie(form, "meguri_csrf")).split(separator: ";")[0]
            let refused = try await app.post("/setup", form: ["_csrf": csrf, "token": secret, "email": "admin@example.co.jp", "displayName": "管理者",
                                                              "password": "short", "passwordConfirmation": "shorter"],
                                             session: nil, extraHeaders: ["Cookie": String(cookie), "Accept-Language": "ja"])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("id=\"e-password\"") && refused.text.contains("id=\"e-passwordConfirmation\""), "both problems, not one")
        }
    }

    @Test(arguments: TestEngine.available)
    func departmentsAreInTheOrderOfTheirCodes(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let access = try await app.operatorAccess("acme")
            let departments = Departments(app.services)
            for (name, code) in [("品質保証室", nil), ("営業部", "20"), ("総務部", "3"), ("開発部", "3")] as [(String, String?)] {
                _ = try await departments.create(access, DepartmentInput(name: name, code: code), context: Context(actor: .system))
            }
            // Code first (3 before 20, not "20" before "3"), then the name; without a code last — not by code point (品 first).
            #expect(try await departments.all(access).map(\.name) == ["総務部", "開発部", "営業部", "品質保証室"].sorted { a, b in
                let order = ["総務部": 0, "開発部": 0, "営業部": 1, "品質保証室": 2]
                return (order[a]!, a) < (order[b]!, b)
            })
            let first = try await departments.list(access, search: nil, page: PageRequest(limit: 2))
            let second = try await departments.list(access, search: nil, page: PageRequest(limit: 2, cursor: first.nextCursor))
            #expect((first.items + second.items).map(\.name) == (try await departments.all(access)).map(\.name) && second.nextCursor == nil)
        }
    }

    /// Japanese as an auditor reads it: a target is "95%以上", a method made for a person reading
    /// English is named in English only (an effectiveness check being a check, 確認, is checked in
    /// CheckActTests; the SoA version's 提出 heading by the browser suite).
    @Test func wordsAsTheyAreRead() async throws {
        try await TestApp.with { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            // A workspace created by someone working in English gets its ready method named in English.
            _ = try await Workspaces(app.services).create(WorkspaceInput(name: "Intl ISMS", slug: "intl"), by: admin, context: Context(actor: .user(admin), language: .en))
            let access = try await app.access(admin, "acme")
            let objective = try await Objectives(app.services).create(access, ObjectiveInput(kind: "有効性", statement: "重要パッチを30日以内に適用する", control: "A.8.8",
                                                                                         metric: "月末に照合", unit: "%", comparator: "以上", target: "９５％", frequency: "毎月"),
                                                                      context: Context(actor: .user(admin)))
            let session = try await app.session(for: admin)
            let ja = try await app.get("/w/acme/objectives/\(objective.id)", session: session, headers: ["Accept-Language": "ja"])
            #expect(ja.text.contains("95%以上") && !ja.text.contains("以上 95"))
            let en = try await app.get("/w/acme/objectives/\(objective.id)", session: session, headers: ["Accept-Language": "en"])
            #expect(en.text.contains("at least 95%"))

            let method = try #require(try await app.services.store.read { db in try await db.riskMethods.current(in: try await app.access(admin, "intl").workspaceID) })
            #expect(method.name == "Asset value × threat × vulnerability (3 levels)")

            #expect(app.services.localizer.text("work.kind.verify", .ja) == "確認")
        }
    }

    /// The risk method's editor names every problem at once: a letter in the acceptance criterion is
    /// "not a number" (not also "required"), shown as typed, and the emptied name is reported with it.
    @Test(arguments: TestEngine.available)
    func theMethodEditorNamesEveryProblemAtOnce(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let access = try await app.access(admin, "acme")
            let draft = try await RiskMethods(app.services).createDraft(access, copying: nil, template: RiskTemplates.defaultMethodKey, context: Context(actor: .user(admin)))
            let session = try await app.session(for: admin)
            let page = try await app.get("/w/acme/risk-method/\(draft.id)", session: session)
            // Every field of the editor as the browser would send it.
            var fields: [String: String] = [:]
            let text = page.text
            let inputs = try Regex(#"<input[^>]*name="([^"]+)"[^>]*value="([^"]*)""#)
            for match in text.matches(of: inputs) { fields[String(match.output[1].substring ?? "")] = String(match.output[2].substring ?? "") }
            let selects = try Regex(#"<select[^>]*name="([^"]+)"[\s\S]*?<option value="([^"]*)" selected"#)
            for match in text.matches(of: selects) { fields[String(match.output[1].substring ?? "")] = String(match.output[2].substring ?? "") }
            #expect(fields["acceptableUpTo"] != nil && fields["version"] != nil)
            fields["name"] = ""
            fields["acceptableUpTo"] = "八"
            fields["_csrf"] = session.csrf
            let response = try await app.post("/w/acme/risk-method/\(draft.id)", form: fields, session: session, extraHeaders: ["Accept-Language": "ja"])
            #expect(response.status == .unprocessableEntity)
            let links = response.text.matches(of: try Regex(##"<li><a href="#f-([A-Za-z]+)">"##)).map { String($0.output[1].substring ?? "") }
            #expect(links.filter { $0 == "name" }.count == 1 && links.filter { $0 == "acceptableUpTo" }.count == 1, "\(links)")
            #expect(response.text.contains("value=\"八\""))
            let method = try await RiskMethods(app.services).load(access, draft.id)
            #expect(method.name == draft.name && method.version == draft.version)
        }
    }

    /// The asset form names every problem at once: an unknown owner's e-mail together with the
    /// missing name and a rating off the scale (it used to report the e-mail alone, then the rest).
    @Test(arguments: TestEngine.available)
    func theAssetFormNamesEveryProblemAtOnce(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let session = try await app.session(for: admin)
            let response = try await app.post("/w/acme/assets/new", form: ["code": "A-001", "name": "", "kind": "information", "form": "electronic",
                                                                           "owner": "nobody@example.co.jp", "confidentiality": "9", "_csrf": session.csrf],
                                               session: session, extraHeaders: ["Accept-Language": "ja"])
            #expect(response.status == .unprocessableEntity)
            let links = Set(response.text.matches(of: try Regex(##"<li><a href="#f-([A-Za-z]+)">"##)).map { String($0.output[1].substring ?? "") })
            #expect(links.isSuperset(of: ["name", "owner", "confidentiality"]), "\(links)")
            #expect(try await app.services.store.read { try await $0.assets.count(in: try await app.access(admin, "acme").workspaceID, query: AssetQuery()) } == 0)
        }
    }

    /// The audit trail reads as words: people by name (lists of them too), states by their labels,
    /// nothing shown for an empty value — the stored event keeps its ids and codes.
    @Test func theTrailShowsNamesAndLabels() async throws {
        try await TestApp.with { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let boss = try await app.user("ceo@example.co.jp", name: "社長 一郎")
            try await app.member(boss, in: "acme", roles: [RoleGrantInput(role: .topManagement)])
            let access = try await app.access(admin, "acme")
            let review = try await ManagementReviews(app.services).create(access, ReviewInput(title: "2026年度 マネジメントレビュー", heldOn: "2027-03-10",
                                                                                             attendeeIDs: [boss.id]), context: Context(actor: .user(admin)))
            let session = try await app.session(for: admin)
            let page = try await app.get("/w/acme/history/management_review/\(review.id)", session: session, headers: ["Accept-Language": "ja"])
            #expect(page.status == .ok)
            let changes = page.text.components(separatedBy: "class=\"changes\"").dropFirst().joined()
            #expect(changes.contains("社長 一郎") && !changes.contains(boss.id.description), "\(changes.prefix(1500))")
            #expect(changes.contains("計画中") && !changes.contains(">planned<") && !changes.contains("{}"))
        }
    }

    /// An update's row lists only the fields that changed (confidentiality, the owner and the value
    /// it moves), old → new, numbers as stored and a person by name (the trail compares the stored
    /// members as written, issue 20).
    @Test(arguments: TestEngine.available) func anUpdateShowsOnlyWhatChanged(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let boss = try await app.user("ceo@example.co.jp", name: "社長 一郎")
            try await app.member(boss, in: "acme", roles: [RoleGrantInput(role: .topManagement)])
            let access = try await app.access(admin, "acme")
            let assets = Assets(app.services)
            let asset = try await assets.create(access, AssetInput(code: "A-001", name: "顧客台帳", kind: "information", confidentiality: "2", integrity: "2",
                                                                   availability: "1"), context: Context(actor: .user(admin)))
            _ = try await assets.update(access, asset.id, AssetInput(ownerID: .some(boss.id), confidentiality: "3"), expectedVersion: asset.version,
                                        context: Context(actor: .user(admin)))
            let page = try await app.get("/w/acme/history/asset/\(asset.id)", session: try await app.session(for: admin), headers: ["Accept-Language": "ja"])
            #expect(page.status == .ok)
            let update = try #require(page.text.components(separatedBy: "class=\"changes\"").dropFirst().first?.components(separatedBy: "</ul>").first)
            #expect(update.contains("<del>2</del> → <ins>3</ins>") && update.contains("<del>—</del> → <ins>社長 一郎</ins>"), "\(update)")
            #expect(!update.contains("顧客台帳") && !update.contains(boss.id.description) && update.components(separatedBy: "<li>").count - 1 == 3, "\(update)")
        }
    }

    /// A 190-character asset name is clamped in the register (whole on hover) and the short columns
    /// beside it do not wrap, so names like 高橋 美咲 never break mid-word.
    @Test func longNamesDoNotSqueezeTheRegister() async throws {
        try await TestApp.with { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let access = try await app.access(admin, "acme")
            let long = String(repeating: "顧客管理システムの運用記録", count: 15)
            _ = try await Assets(app.services).create(access, AssetInput(code: "A-001", name: long, kind: "information"), context: Context(actor: .user(admin)))
            let page = try await app.get("/w/acme/assets", session: try await app.session(for: admin), headers: ["Accept-Language": "ja"])
            #expect(page.text.contains("<span class=\"long-text\" title=\"\(long)\">"))
            let kind = app.services.localizer.text("asset.kind.information", .ja)
            #expect(page.text.contains("<td class=\"nowrap\">\(kind)</td>"), "the short columns keep together")
        }
    }

    /// Every field of every change on the demo's audit trail has a label in Japanese (no
    /// `attendeeIDs`, `inherentLevel`), values of states are words, and yes/no is はい/いいえ.
    @Test func theDemoTrailHasALabelForEveryField() async throws {
        try await TestApp.with { app in
            let seeded = try await Demo(app.services).seed(slug: "demo", scale: .small, context: Context(actor: .cli(operator: "test")))
            let email = try #require(seeded.accounts.first { $0.role == .secretariat }?.email)
            let secretary = try #require(try await app.services.store.read { try await $0.users.load(email: email) })
            let session = try await app.session(for: secretary, password: Demo.password)
            var path: String? = "/w/demo/audit-trail", keys = Set<String>(), pages = 0
            while let next = path, pages < 10 {
                let page = try await app.get(next, session: session, headers: ["Accept-Language": "ja"])
                #expect(page.status == .ok)
                for chunk in page.text.components(separatedBy: "<span class=\"key\">").dropFirst() { keys.insert(String(chunk.prefix { $0 != "<" })) }
                #expect(!page.text.contains(">true<") && !page.text.contains(": <del>false"))
                path = page.text.range(of: "rel=\"next\"").flatMap { _ in
                    page.text.components(separatedBy: "<a href=\"").last { $0.contains("rel=\"next\"") }?.split(separator: "\"").first.map { String($0).replacingOccurrences(of: "&amp;", with: "&") }
                }
                pages += 1
            }
            let raw = keys.filter { $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } && $0 != "URL" && $0 != "SHA-256" }
            #expect(keys.count > 10 && raw.isEmpty, "fields shown by their keys: \(raw.sorted())")
        }
    }

    /// A long list says how long it is and which page this is, and jumps to any page (typed
    /// full-width too), keeping its filters; the API keeps its cursors.
    @Test(arguments: TestEngine.available) func listsArePagesNOfMWithAJump(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let access = try await app.access(admin, "acme")
            for n in 1...120 {
                _ = try await Assets(app.services).create(access, AssetInput(code: String(format: "A-%03d", n), name: "資産 \(n)", kind: n % 2 == 0 ? "information" : "software"),
                                                          context: Context(actor: .user(admin)))
            }
            let session = try await app.session(for: admin)
            let ja: HTTPHeaders = ["Accept-Language": "ja"]
            let first = try await app.get("/w/acme/assets", session: session, headers: ja).text
            #expect(first.contains("全120件 · 1 / 3ページ") && first.contains("href=\"/w/acme/assets?page=2\" rel=\"next\"") && first.contains("name=\"page\" type=\"number\" min=\"1\" max=\"3\""))
            let last = try await app.get("/w/acme/assets?page=%EF%BC%93", session: session, headers: ja).text
            #expect(last.contains("全120件 · 3 / 3ページ") && last.contains("A-120") && !last.contains("A-100<") && !last.contains("rel=\"next\""))
            #expect(last.contains("href=\"/w/acme/assets?page=2\" rel=\"prev\""))
            // Filters stay in every link and in the jump.
            let filtered = try await app.get("/w/acme/assets?type=software&page=2", session: session, headers: ja).text
            #expect(filtered.contains("全60件 · 2 / 2ページ") && filtered.contains("href=\"/w/acme/assets?type=software\" rel=\"prev\"")
                    && filtered.contains("<input type=\"hidden\" name=\"type\" value=\"software\">"))
            // Past the end, or absurdly far: the last pages are offered, nothing breaks.
            for far in ["999", "9223372036854775807", "-3", "x"] {
                let page = try await app.get("/w/acme/assets?page=\(far)", session: session, headers: ja)
                #expect(page.status == .ok && page.text.contains("全120件"), "page=\(far)")
            }
            // The SoA reads 100 lines a page: 93 controls are one page.
            let soa = try await app.get("/w/acme/soa", session: session, headers: ja).text
            #expect(soa.contains("全93件") && !soa.contains("rel=\"next\""))
            let token = try await app.token(for: admin)
            let api = try await app.api(.GET, "/api/v1/workspaces/acme/assets?page=3", token: token)
            let body = try api.json()
            #expect((body["items"] as? [Any])?.count == 50 && body["nextCursor"] is String)
        }
    }

    /// The ISMS Guide's 資産価値 × 影響度 × 発生可能性 on the pages: chosen in the editor (every
    /// input kept), named by its factors, and the risk form asks for exactly those ratings.
    @Test func aProductMethodOnThePages() async throws {
        try await TestApp.with { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let access = try await app.access(admin, "acme")
            let context = Context(actor: .user(admin))
            try await RiskSetup.ensure(access, services: app.services, context: context)
            let methods = RiskMethods(app.services)
            let draft = try await methods.createDraft(access, copying: nil, template: "jp-asset-impact-likelihood", context: context)
            let session = try await app.session(for: admin)
            let ja: HTTPHeaders = ["Accept-Language": "ja"]
            let editor = try await app.get("/w/acme/risk-method/\(draft.id)", session: session, headers: ja).text
            #expect(editor.contains("<option value=\"product\" selected>") && editor.contains("<option value=\"impact\" selected>")
                    && editor.contains("資産価値 × 影響度 × 発生可能性"))
            // The same factor twice is refused on the form, named by its label, the other fields kept.
            var fields = Self.inputs(editor)
            fields["factor3"] = "impact"
            let refused = try await app.post("/w/acme/risk-method/\(draft.id)", form: fields, session: session, extraHeaders: ja)
            #expect(refused.status == .unprocessableEntity && refused.text.contains("「掛け合わせる要素」は、異なるものを2つか3つ"))
            fields["factor3"] = "likelihood"
            let saved = try await app.post("/w/acme/risk-method/\(draft.id)", form: fields, session: session, extraHeaders: ja)
            #expect(saved.status == .seeOther)
            let published = try await methods.publish(access, draft.id, expectedVersion: try await methods.load(access, draft.id).version, context: context)
            let overview = try await app.get("/w/acme/risk-method", session: session, headers: ja).text
            #expect(overview.contains("資産価値 × 影響度 × 発生可能性"))
            let assessment = try await RiskAssessments(app.services).create(access, AssessmentInput(name: "2026年度"), carryForwardFrom: nil, context: context)
            #expect(assessment.methodID == published.id)
            let form = try await app.get("/w/acme/risk-assessments/\(assessment.id)/risks/new", session: session, headers: ja).text
            #expect(form.contains("name=\"inherentImpact\"") && form.contains("name=\"inherentLikelihood\"") && !form.contains("name=\"inherentThreat\""))
        }
    }

    /// Every named input, select and textarea of a page with the value it shows.
    static func inputs(_ html: String) -> [String: String] {
        var fields: [String: String] = [:]
        for chunk in html.components(separatedBy: "<input ").dropFirst() {
            let tag = " " + String(chunk.prefix { $0 != ">" })
            guard let name = FormLabelWalk.attribute("name", in: tag) else { continue }
            if FormLabelWalk.attribute("type", in: tag) == "checkbox" && !tag.contains(" checked") { continue }
            fields[name] = (FormLabelWalk.attribute("value", in: tag) ?? "").replacingOccurrences(of: "&amp;", with: "&")
        }
        for chunk in html.components(separatedBy: "<select ").dropFirst() {
            let body = chunk.components(separatedBy: "</select>")[0]
            guard let name = FormLabelWalk.attribute("name", in: " " + String(body.prefix { $0 != ">" })) else { continue }
            let selected = body.components(separatedBy: "<option ").dropFirst().first { $0.contains(" selected>") }
            fields[name] = selected.flatMap { FormLabelWalk.attribute("value", in: " " + $0) } ?? ""
        }
        return fields
    }

    /// The trend chart's last date ends at its point instead of running off the chart; long text in
    /// the other registers' lists is clamped, with the whole on hover.
    @Test func theTrendKeepsItsLastDateAndListsClampLongText() async throws {
        let workspace = Workspace.ID(), now = Date()
        let objective = Objective(workspaceID: workspace, statement: "訓練の受講率", metric: "受講率", unit: "%", target: 95, createdOn: CalendarDate("2026-04-01")!,
                                  createdAt: now, updatedAt: now)
        let measurements = ["2026-04-30", "2026-12-31"].map { ObjectiveMeasurement(objectiveID: objective.id, workspaceID: workspace, measuredOn: CalendarDate($0)!, value: 90, createdAt: now) }
        try await TestApp.with { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let session = try await app.session(for: admin)
            let req = Request(application: app.meguri.app, on: app.meguri.app.eventLoopGroup.next())
            let svg = TrendChart.svg(objective, measurements, PageContext(request: req)).rendered
            #expect(svg.contains("text-anchor=\"end\">2026-12-31</text>") && svg.contains("text-anchor=\"start\">2026-04-30</text>"))
            let access = try await app.access(admin, "acme")
            let long = String(repeating: "委託先の契約に秘密保持条項がなく、", count: 12)
            _ = try await Nonconformities(app.services).raise(access, NonconformityInput(source: "other", description: long), context: Context(actor: .user(admin)))
            let list = try await app.get("/w/acme/nonconformities", session: session).text
            #expect(list.contains("<span class=\"long-text\" title=\"\(long)\">\(long)</span>"))
        }
    }

    /// Issue 14: an import page names each problem's column as the file does, fills every
    /// placeholder, and lists a problem repeated on many rows once, with the rows.
    @Test func theImportPageGroupsRepeatedProblemsAndNamesTheColumn() async throws {
        try await TestApp.with { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let session = try await app.session(for: admin)
            var csv = "管理番号,資産名,種別\n"
            for n in 1...90 { csv += "A-\(n),資産\(n),宝物\n" }
            csv += "A-91,,情報\n"
            let page = try await app.postMultipart("/w/acme/assets/import", fields: [:], file: (field: "file", name: "assets.csv", data: Data(csv.utf8)),
                                                   session: session, extraHeaders: ["Accept-Language": "ja"])
            let text = page.text
            #expect(text.contains("2–91") && text.contains("「宝物」") && text.contains("<td>種別</td>"), "\(text.components(separatedBy: "error-summary").dropFirst().first?.prefix(1200) ?? "")")
            #expect(text.contains("92") && text.contains("「資産名」を入力してください") && !text.contains("{field}") && !text.contains("<td>name</td>"))
        }
    }
}
