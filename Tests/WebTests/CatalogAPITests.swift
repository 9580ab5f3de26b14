import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport
import VaporTesting
@testable import Web

/// The control catalog and its guidance through the API and the pages, for any member.
@Suite struct CatalogAPI_ {
    @Test func controlsPageByPageFilteredWithGuidanceInBothLanguages() async throws {
        try await TestApp.with(.sqlite) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let staff = try await app.user("staff@example.co.jp", name: "社員 一郎")
            try await app.member(staff, in: "acme", roles: [RoleGrantInput(role: .employee)])
            let token = try await app.token(for: staff)
            let base = "/api/v1/workspaces/acme/controls"

            // Every control, once, across pages of 40.
            var ids: [String] = [], cursor: String? = nil
            repeat {
                let page = try await app.api(.GET, base + "?limit=40" + (cursor.map { "&cursor=\($0)" } ?? ""), token: token).json()
                ids += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                cursor = page["nextCursor"] as? String
            } while cursor != nil
            #expect(ids.count == 93 && Set(ids).count == 93 && ids.first == "5.1" && ids.last == "8.34")

            let physical = try await app.api(.GET, base + "?theme=physical&new2022=true", token: token).json()
            let items = physical["items"] as? [[String: Any]] ?? []
            #expect(items.map { $0["id"] as? String } == ["7.4"])
            let guidance = items.first?["guidance"] as? [String: [String: Any]]
            #expect((guidance?["ja"]?["asks"] as? String)?.isEmpty == false && guidance?["en"]?["exclusion"] is String)
            #expect((items.first?["from2013"] as? [String]) == [])

            // Each bad filter is named.
            for (query, field) in [("theme=spiritual", "theme"), ("new2022=maybe", "new2022"), ("capability=Magic", "capability")] {
                let bad = try await app.api(.GET, base + "?" + query, token: token)
                let fields = (try bad.json()["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                #expect(bad.status == .unprocessableEntity && fields == [field], "\(query): \(fields)")
            }

            // A 2022 control shows the 2013 controls it came from; A.-prefixed ids work.
            let control = try await app.api(.GET, base + "/A.5.15", token: token)
            #expect(control.status == .ok)
            #expect((try control.json()["from2013"] as? [String])?.contains("A.9.1.1") == true)
            #expect(try await app.api(.GET, base + "/9.99", token: token).status == .notFound)

            let clauses = try await app.api(.GET, "/api/v1/workspaces/acme/clauses", token: token).json()["items"] as? [[String: Any]] ?? []
            #expect(clauses.count == 41)
            #expect(clauses.filter { !($0["guidance"] is NSNull) }.count == 34)
            #expect(clauses.first { $0["id"] as? String == "4" }?["guidance"] is NSNull)

            // The pages, in Japanese: the filter, the guidance and the clause list.
            let session = try await app.session(for: staff)
            let list = try await app.get("/w/acme/controls?theme=technological&new2022=1", session: session, headers: ["Accept-Language": "ja"])
            #expect(list.status == .ok && list.text.contains("A.8.11") && list.text.contains("データマスキング") && !list.text.contains("A.5.1<"))
            let page = try await app.get("/w/acme/controls/7.4", session: session, headers: ["Accept-Language": "ja"])
            #expect(page.status == .ok && page.text.contains("求められていること") && page.text.contains("除外できる場合") && page.text.contains("2022年版で新設"))
            // An employee sees no risks, so no linked-risk section.
            #expect(!page.text.contains("関連するリスク"))
            let invalid = try await app.get("/w/acme/controls?theme=spiritual", session: session, headers: ["Accept-Language": "ja"])
            #expect(invalid.status == .unprocessableEntity)
            let clausePage = try await app.get("/w/acme/clauses", session: session, headers: ["Accept-Language": "en"])
            #expect(clausePage.status == .ok && clausePage.text.contains("Internal audit programme") && clausePage.text.contains("Evidence auditors accept"))
        }
    }

    @Test func aControlPageCountsTheRisksThatRelyOnIt() async throws {
        try await TestApp.with(.sqlite) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let department = try await app.department("情報システム部", in: "acme")
            let owner = try await app.user("owner@example.co.jp")
            try await app.member(owner, in: "acme", roles: [RoleGrantInput(role: .committeeMember)])
            let records = try await app.oneOfEach(in: "acme", department: department.id, owner: owner.id)
            let risk = try await Risks(app.services).load(try await app.operatorAccess("acme"), Risk.ID(records["riskID"]!)!)
            let control = try #require(risk.controls.first)
            let page = try await app.get("/w/acme/controls/\(control)", session: try await app.session(for: owner), headers: ["Accept-Language": "en"])
            #expect(page.status == .ok && page.text.contains("Linked risks") && page.text.contains("?control=\(control)"))
            #expect(page.text.contains("that rely on this control: 1<"))
        }
    }
}
