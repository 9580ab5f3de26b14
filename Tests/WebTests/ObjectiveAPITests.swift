import Domain
import Features
import Foundation
import Testing
import TestSupport
import VaporTesting
@testable import Web

/// Objectives and measurements through the API and the pages.
@Suite struct ObjectiveAPI_ {
    @Test(arguments: TestEngine.available)
    func anObjectiveIsSetUpMeasuredAndShownWithItsTrend(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let owner = try await app.user("owner@example.co.jp")
            try await app.member(owner, in: "acme", roles: [RoleGrantInput(role: .committeeMember)])
            let secretariat = try await app.token(for: admin)
            let ownerToken = try await app.token(for: owner)
            let base = "/api/v1/workspaces/acme/objectives"
            #expect(try await app.api(.POST, base, token: ownerToken, json: #"{"statement":"x","metric":"m","unit":"%","target":1}"#).status == .forbidden)
            let created = try await app.api(.POST, base, token: secretariat, json: """
                {"statement":"年次教育の受講率を95%以上にする","metric":"教育システムの記録を月末に集計","unit":"%","target":95,"comparator":"atLeast","frequency":"monthly","ownerId":"\(owner.id)"}
                """)
            #expect(created.status == .created, "\(created.text)")
            let id = try created.json()["id"] as? String ?? ""
            let bad = try await app.api(.POST, base + "/\(id)/measurements", token: ownerToken, json: #"{"note":"no value"}"#)
            let badFields = (try bad.json()["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
            #expect(bad.status == .unprocessableEntity && badFields == ["value"])
            let recorded = try await app.api(.POST, base + "/\(id)/measurements", token: ownerToken, json: #"{"value":96.5,"note":"12月分"}"#)
            #expect(recorded.status == .created)
            let body = try recorded.json()
            #expect(body["status"] as? String == "met" && (body["measurements"] as? [[String: Any]])?.first?["value"] as? Double == 96.5)
            let list = try await app.api(.GET, base + "?kind=objective", token: ownerToken).json()["items"] as? [[String: Any]] ?? []
            #expect(list.count == 1 && list.first?["target"] as? Int == 95)
            // A reading recorded by mistake is deleted by the secretariat, not by the owner.
            let extra = try await app.api(.POST, base + "/\(id)/measurements", token: ownerToken, json: #"{"value":10}"#).json()
            let extraID = (extra["measurements"] as? [[String: Any]])?.first { $0["value"] as? Int == 10 }?["id"] as? String ?? ""
            #expect(try await app.api(.DELETE, base + "/\(id)/measurements/\(extraID)", token: ownerToken).status == .forbidden)
            #expect(try await app.api(.DELETE, base + "/\(id)/measurements/\(extraID)", token: secretariat).status == .noContent)
            #expect(try await app.api(.DELETE, base + "/\(id)/measurements/\(extraID)", token: secretariat).status == .notFound)
            let after = try await app.api(.GET, base + "/\(id)", token: ownerToken).json()
            #expect((after["measurements"] as? [Any])?.count == 1 && after["status"] as? String == "met")

            // The page draws the trend and the owner records from it.
            let session = try await app.session(for: owner)
            let page = try await app.get("/w/acme/objectives/\(id)", session: session)
            #expect(page.status == .ok && page.text.contains("<svg class=\"trend\"") && page.text.contains("id=\"new-measurement\""))
            let posted = try await app.post("/w/acme/objectives/\(id)/measurements", form: ["measurement": "abc"], session: session)
            #expect(posted.status == .unprocessableEntity && posted.text.contains("must be a number"))
        }
    }
}
