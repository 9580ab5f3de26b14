import Domain
import Features
import Foundation
import Testing
import TestSupport
import VaporTesting
@testable import Web

/// The annual plan through the API and the pages, on both engines: planned activities with RRULEs
/// refused by part, the plan window, done and skip, the typical plan, the calendar addresses and
/// the feed itself, the year's export, and the pages a secretariat uses.
@Suite struct PlanAPI_ {
    @Test(arguments: TestEngine.available)
    func theAnnualPlanThroughTheAPI(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let secretary = try await app.user("isms@example.co.jp", name: "事務局 花子")
            try await app.member(secretary, in: "acme", roles: [RoleGrantInput(role: .secretariat)])
            let employee = try await app.user("staff@example.co.jp", name: "鈴木 一郎")
            try await app.member(employee, in: "acme", roles: [RoleGrantInput(role: .employee)])
            let sec = try await app.token(for: secretary), emp = try await app.token(for: employee)
            let w = "/api/v1/workspaces/acme"
            func errors(_ response: TestingHTTPResponse) throws -> [[String: Any]] { (try response.json()["errors"] as? [[String: Any]]) ?? [] }

            // An RRULE that cannot be read is refused naming its part, in the caller's language.
            let bad = try await app.api(.POST, w + "/planned-activities", token: sec, json: #"{"title":"委員会","startsOn":"2026-04-14","rrule":"FREQ=MONTHLY;BYDAY=2XX"}"#,
                                        headers: ["Accept-Language": "ja"])
            #expect(bad.status == .unprocessableEntity)
            let badError = try #require(try errors(bad).first)
            #expect(badError["field"] as? String == "rrule" && (badError["message"] as? String ?? "").contains("BYDAY"), "\(bad.text)")
            #expect(try await app.api(.POST, w + "/planned-activities", token: emp, json: "{}").status == .forbidden)

            let created = try await app.api(.POST, w + "/planned-activities", token: sec,
                                            json: #"{"title":"情報セキュリティ委員会","startsOn":"2026-04-14","rrule":"freq=monthly;byday=2tu","phase":"check","ownerId":"\#(employee.id)","references":["9.1","A.5.1"]}"#)
            #expect(created.status == .created, "\(created.text)")
            let body = try created.json()
            let id = body["id"] as? String ?? ""
            #expect(body["rrule"] as? String == "FREQ=MONTHLY;BYDAY=2TU" && body["outcomes"] as? [Any] != nil && body["description"] is NSNull)

            // The plan of a fiscal year: twelve meetings; a window outside what the plan covers names the range.
            let plan = try await app.api(.GET, w + "/plan?from=2026-04-01&to=2027-03-31&kind=activity", token: sec)
            let items = try plan.json()["items"] as? [[String: Any]] ?? []
            #expect(items.count == 12 && items.first?["date"] as? String == "2026-04-14" && items.last?["date"] as? String == "2027-03-09")
            let outside = try await app.api(.GET, w + "/plan?from=2019-01-01&to=2019-02-01", token: sec)
            #expect(outside.status == .unprocessableEntity && outside.text.contains("2025-04-01") && outside.text.contains("2030-03-31"), "\(outside.text)")
            #expect(try await app.api(.GET, w + "/plan?from=2026-04-01&to=2027-03-31&phase=later", token: sec).status == .unprocessableEntity)
            #expect(try await app.api(.GET, w + "/plan?from=2026-04-01&to=2027-03-31", token: emp).status == .forbidden)

            // The owner (an employee) marks a past meeting done and skips another; a skip needs its reason.
            let done = try await app.api(.POST, w + "/planned-activities/\(id)/occurrences/2026-10-13/done", token: emp, json: #"{"note":"議事録を共有"}"#)
            #expect(done.status == .ok, "\(done.text)")
            let noReason = try await app.api(.POST, w + "/planned-activities/\(id)/occurrences/2026-11-10/skip", token: emp, json: "{}")
            let noReasonField = try errors(noReason).first?["field"] as? String
            #expect(noReason.status == .unprocessableEntity && noReasonField == "note")
            let skipped = try await app.api(.POST, w + "/planned-activities/\(id)/occurrences/2026-11-10/skip", token: emp, json: #"{"note":"祝日のため翌週に"}"#)
            let outcomes = try skipped.json()["outcomes"] as? [[String: Any]] ?? []
            #expect(outcomes.compactMap { $0["state"] as? String } == ["done", "skipped"])
            #expect(try await app.api(.POST, w + "/planned-activities/\(id)/occurrences/2026-11-11/done", token: emp, json: "{}").status == .unprocessableEntity)
            #expect(try await app.api(.DELETE, w + "/planned-activities/\(id)/occurrences/2026-11-10", token: sec).status == .ok)

            // PATCH with If-Match, then delete.
            let version = try await app.api(.GET, w + "/planned-activities/\(id)", token: sec).json()["version"] as? Int ?? 0
            let stale = try await app.api(.PATCH, w + "/planned-activities/\(id)", token: sec, json: #"{"title":"委員会"}"#, headers: ["If-Match": "\"\(version - 1)\""])
            #expect(stale.status == .conflict)
            let patched = try await app.api(.PATCH, w + "/planned-activities/\(id)", token: sec, json: #"{"description":"各部門の代表が出席","expectedEvidence":null}"#,
                                            headers: ["If-Match": "\"\(version)\""])
            let patchedBody = try patched.json()
            #expect(patched.status == .ok && patchedBody["expectedEvidence"] is NSNull && patchedBody["description"] as? String == "各部門の代表が出席", "\(patched.text)")

            // The typical plan as bodies ready to send back.
            let typical = try await app.api(.GET, w + "/plan/typical?year=2026", token: sec, headers: ["Accept-Language": "en"])
            let proposal = try typical.json()["items"] as? [[String: Any]] ?? []
            #expect(proposal.count == 12 && proposal.contains { $0["title"] as? String == "Management review" })

            // Calendar addresses: a person's own, the workspace's; a token limited to one workspace may not have the personal one.
            let mine = try await app.api(.GET, "/api/v1/me/calendar", token: emp)
            let url = try mine.json()["url"] as? String ?? ""
            #expect(mine.status == .ok && url.contains("/calendar/") && url.hasSuffix(".ics"))
            let limited = try await app.token(for: employee, workspace: "acme")
            #expect(try await app.api(.GET, "/api/v1/me/calendar", token: limited).status == .forbidden)
            #expect(try await app.api(.GET, w + "/plan/calendar", token: emp).status == .forbidden)
            let feedPath = String(url[url.range(of: "/calendar/")!.lowerBound...])
            let feed = try await app.get(feedPath)
            #expect(feed.status == .ok && feed.headers.contentType?.description.hasPrefix("text/calendar") == true)
            #expect(feed.text.contains("BEGIN:VEVENT") && feed.text.contains("DTSTART;VALUE=DATE:20261208"), "\(feed.text.prefix(600))")
            #expect(try await app.api(.DELETE, "/api/v1/me/calendar", token: emp).status == .noContent)
            #expect(try await app.get(feedPath).status == .notFound)

            // The year as CSV and Excel.
            let csv = try await app.api(.GET, w + "/plan/export?year=2026&format=csv&lang=ja", token: sec)
            #expect(csv.status == .ok && csv.text.contains("日付") && csv.text.contains("情報セキュリティ委員会"))
            let xlsx = try await app.api(.GET, w + "/plan/export?year=2026&format=xlsx", token: sec)
            #expect(xlsx.status == .ok && xlsx.body.readableBytes > 1000)
            #expect(try await app.api(.DELETE, w + "/planned-activities/\(id)", token: sec).status == .noContent)
        }
    }

    @Test(arguments: TestEngine.available)
    func theSecretariatPlansTheYearOnThePages(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let secretary = try await app.user("isms@example.co.jp", name: "事務局 花子")
            try await app.member(secretary, in: "acme", roles: [RoleGrantInput(role: .secretariat)])
            let session = try await app.session(for: secretary)

            #expect(try await app.get("/w/acme/annual-plan", session: session).text.contains("/w/acme/annual-plan/typical?year=2026"))
            let typical = try await app.get("/w/acme/annual-plan/typical?year=2026", session: session)
            #expect(typical.status == .ok)
            // Keep two rows of the proposal, one with a rule that cannot be read: the page comes back naming it, nothing is saved.
            var form: [String: String] = ["year": "2026", "keep[]": "0"]
            form["title[]"] = "月次の脆弱性確認"
            form["startsOn[]"] = "2026-04-06"
            form["rrule[]"] = "FREQ=MONTHLY;BYDAY=1XX"
            form["phase[]"] = "do"
            let refused = try await app.post("/w/acme/annual-plan/typical", form: form, session: session)
            #expect(refused.status == .unprocessableEntity && refused.text.contains("BYDAY"), "\(refused.text.prefix(400))")
            #expect(try await AnnualPlan(app.services).activities(try await app.access(secretary, "acme")).isEmpty)
            form["rrule[]"] = "FREQ=MONTHLY;BYDAY=1MO"
            let adopted = try await app.post("/w/acme/annual-plan/typical", form: form, session: session)
            #expect(adopted.status == .seeOther, "\(adopted.text.prefix(400))")

            // A new activity from its page, then the year view, the month, the list and the print.
            let made = try await app.post("/w/acme/annual-plan/activities", form: ["title": "情報セキュリティ委員会", "startsOn": "2026-04-14",
                                                                             "rrule": "FREQ=MONTHLY;BYDAY=2TU", "phase": "check", "owner": "isms@example.co.jp"],
                                          session: session)
            #expect(made.status == .seeOther, "\(made.text.prefix(400))")
            let year = try await app.get("/w/acme/annual-plan?year=2026", session: session)
            #expect(year.status == .ok && year.text.contains("情報セキュリティ委員会") && year.text.contains("月次の脆弱性確認"))
            for path in ["/w/acme/annual-plan?view=month&month=2026-12", "/w/acme/annual-plan?view=list&year=2026", "/w/acme/annual-plan/print?year=2026",
                         made.location ?? "", "/account"] {
                let page = try await app.get(path, session: session)
                #expect(page.status == .ok && !page.text.contains("⟦"), "\(path)")
            }
            // Recording an occurrence from the activity's page (a past meeting, with a note).
            let activityPath = try #require(made.location)
            let marked = try await app.post(activityPath + "/occurrences", form: ["date": "2026-05-12", "state": "done", "note": "予定どおり"], session: session)
            #expect(marked.status == .seeOther, "\(marked.text.prefix(400))")
            let skippedWithout = try await app.post(activityPath + "/occurrences", form: ["date": "2026-06-09", "state": "skipped", "note": ""], session: session)
            #expect(skippedWithout.status == .unprocessableEntity)
        }
    }
}
