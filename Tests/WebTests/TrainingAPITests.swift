import Domain
import Features
import Foundation
import Testing
import TestSupport
import VaporTesting
@testable import Web

/// Training through the API and the pages: the answer key never reaches an employee before they
/// submit, the server scores, campaigns assign, completion and the drill import answer as documented.
@Suite struct TrainingAPI_ {
    @Test(arguments: TestEngine.available)
    func aCampaignThroughTheAPI(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let sales = try await app.department("営業部", in: "acme")
            let secretary = try await app.user("isms@example.co.jp", name: "事務局 花子")
            try await app.member(secretary, in: "acme", roles: [RoleGrantInput(role: .secretariat)])
            let employee = try await app.user("sales1@example.co.jp", name: "鈴木 営業")
            try await app.member(employee, in: "acme", roles: [RoleGrantInput(role: .employee)], home: sales.id)
            let other = try await app.user("sales2@example.co.jp", name: "高橋 営業")
            try await app.member(other, in: "acme", roles: [RoleGrantInput(role: .employee)], home: sales.id)
            let sec = try await app.token(for: secretary), emp = try await app.token(for: employee), emp2 = try await app.token(for: other)
            let w = "/api/v1/workspaces/acme"
            func fields(_ response: TestingHTTPResponse) throws -> [String] {
                (try response.json()["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
            }

            // The ready-made courses; the employee sees questions and choices, never which is right.
            let courses = try await app.api(.GET, w + "/courses", token: emp).json()["items"] as? [[String: Any]] ?? []
            #expect(courses.count == 3)
            let courseID = courses[0]["id"] as? String ?? ""
            let closed = try await app.api(.GET, w + "/courses/\(courseID)", token: emp)
            #expect(closed.status == .ok)
            let questions = try closed.json()["questions"] as? [[String: Any]] ?? []
            let closedBody = try closed.json()
            #expect(questions.count >= 10 && (closedBody["revealed"] as? Bool) == false)
            #expect(questions.allSatisfy { $0["explanation"] is NSNull })
            #expect(questions.allSatisfy { (($0["choices"] as? [[String: Any]]) ?? []).allSatisfy { $0["correct"] is NSNull } })
            #expect(!closed.text.contains("\"correct\":true") && !closed.text.contains("\"correct\":false"))
            #expect(try await app.api(.GET, w + "/courses/\(courseID)", token: sec).text.contains("\"correct\":true"))

            // The campaign; the employee's assignment.
            let refused = try await app.api(.POST, w + "/campaigns", token: sec, json: #"{"title":"","audience":{}}"#)
            let refusedFields = Set(try fields(refused))
            #expect(refused.status == .unprocessableEntity && refusedFields == ["title", "courseId", "audience", "dueOn"], "\(refused.text)")
            #expect(try await app.api(.POST, w + "/campaigns", token: emp, json: "{}").status == .forbidden)
            let created = try await app.api(.POST, w + "/campaigns", token: sec,
                                            json: #"{"title":"年次教育","courseId":"\#(courseID)","audience":{"everyone":true},"dueDays":30}"#)
            #expect(created.status == .created, "\(created.text)")
            let campaignID = try created.json()["id"] as? String ?? ""
            let mine = try await app.api(.GET, w + "/assignments?mine=true", token: emp).json()["items"] as? [[String: Any]] ?? []
            #expect(mine.compactMap { $0["campaignId"] as? String } == [campaignID] && mine.first?["state"] as? String == "todo")
            #expect(try await app.api(.GET, w + "/assignments?campaignId=\(campaignID)", token: emp).status == .forbidden)

            // Answers go to the server; the answer is the score and the explanations.
            let unanswered = try await app.api(.POST, w + "/attempts", token: emp, json: #"{"courseId":"\#(courseID)","answers":{"q1":["a"]}}"#)
            let unansweredFields = try fields(unanswered)
            #expect(unanswered.status == .unprocessableEntity && unansweredFields.contains("answers.q2"))
            var wrong: [String: [String]] = [:]
            for q in questions {
                let choices = (q["choices"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                wrong[q["id"] as? String ?? ""] = [choices.last ?? ""]
            }
            let body = String(decoding: try JSONSerialization.data(withJSONObject: ["courseId": courseID, "answers": wrong]), as: UTF8.self)
            let scored = try await app.api(.POST, w + "/attempts", token: emp, json: body)
            #expect(scored.status == .created, "\(scored.text)")
            let result = try scored.json()
            let attemptID = result["id"] as? String ?? ""
            let explained = result["questions"] as? [[String: Any]] ?? []
            #expect(explained.count == questions.count && explained.allSatisfy { $0["explanation"] is [String: Any] && ($0["correctChoices"] as? [String])?.isEmpty == false })
            // Now the course is open to them; another employee still sees no answer key, nor this attempt.
            #expect((try await app.api(.GET, w + "/courses/\(courseID)", token: emp).json()["revealed"] as? Bool) == true)
            #expect((try await app.api(.GET, w + "/courses/\(courseID)", token: emp2).json()["revealed"] as? Bool) == false)
            #expect(try await app.api(.GET, w + "/attempts/\(attemptID)", token: emp2).status == .forbidden)
            #expect(try await app.api(.GET, w + "/attempts?userId=\(employee.id)", token: emp2).status == .forbidden)
            var right: [String: [String]] = [:]
            for q in explained { right[q["id"] as? String ?? ""] = q["correctChoices"] as? [String] }
            let passBody = String(decoding: try JSONSerialization.data(withJSONObject: ["courseId": courseID, "answers": right]), as: UTF8.self)
            let beforePass = try await app.api(.GET, w + "/campaigns/\(campaignID)/completion", token: sec).json()
            #expect(beforePass["done"] as? Int == 0 && beforePass["total"] as? Int == 3)
            let passed = try await app.api(.POST, w + "/attempts", token: emp, json: passBody)
            let passedBody = try passed.json()
            #expect(passed.status == .created && (passedBody["passed"] as? Bool) == true && (passedBody["score"] as? Int) == 100)

            // Completion and its file agree with the attempts.
            let completion = try await app.api(.GET, w + "/campaigns/\(campaignID)/completion", token: sec).json()
            #expect(completion["done"] as? Int == 1 && completion["total"] as? Int == 3)
            let missed = completion["missedQuestions"] as? [[String: Any]] ?? []
            #expect(!missed.isEmpty && missed.allSatisfy { $0["missed"] as? Int == 1 && $0["answered"] as? Int == 2 })
            let csv = try await app.api(.GET, w + "/campaigns/\(campaignID)/export?format=csv&lang=en", token: sec)
            #expect(csv.status == .ok && csv.text.contains("sales1@example.co.jp") && csv.text.components(separatedBy: "Done").count - 1 == 1, "\(csv.text)")

            // The answer kept for the secretariat is not the one a department officer gets.
            let general = try await app.department("総務部", in: "acme")
            let lead = try await app.user("soumu-lead@example.co.jp", name: "佐藤 部長")
            try await app.member(lead, in: "acme", roles: [RoleGrantInput(role: .departmentOfficer, departmentID: general.id)], home: general.id)
            let leadToken = try await app.token(for: lead)
            let everyone = try await app.api(.GET, w + "/campaigns/\(campaignID)/completion", token: sec).json()["total"] as? Int
            let theirs = try await app.api(.GET, w + "/campaigns/\(campaignID)/completion", token: leadToken).json()["total"] as? Int
            #expect(everyone == 4 && theirs == 1, "\(String(describing: everyone)) \(String(describing: theirs))")

            // A drill from a CSV, then the follow-up for the one who clicked.
            let drillCSV = "email,opened,clicked,submitted,reported\nsales1@example.co.jp,1,0,0,1\nsales2@example.co.jp,1,1,0,0\n"
            let imported = try await app.send(.POST, w + "/phishing-drills?title=11%E6%9C%88&sentOn=2026-11-01", headers: .bearer(sec), 
                                              body: drillCSV, contentType: "text/csv")
            #expect(imported.status == .created, "\(imported.text)")
            let drillPath = imported.headers.first(name: .location) ?? ""
            let drill = try await app.api(.GET, drillPath, token: sec).json()
            #expect((drill["rates"] as? [String: Any])?["clickRate"] as? Int == 50 && (drill["clickers"] as? [String]) == [other.id.description])
            let follow = try await app.api(.POST, drillPath + "/follow-up", token: sec, json: #"{"courseId":"\#(courseID)"}"#)
            #expect(follow.status == .created, "\(follow.text)")
            #expect((try await app.api(.GET, w + "/assignments", token: emp2).json()["items"] as? [Any])?.count == 2)

            // The pages: the quiz for the employee, the campaign for the secretariat.
            let session = try await app.session(for: other)
            let page = try await app.get("/w/acme/training/courses/\(courseID)", session: session)
            let key = try await app.api(.GET, w + "/courses/\(courseID)", token: sec).json()["questions"] as? [[String: Any]] ?? []
            let explanations = key.compactMap { ($0["explanation"] as? [String: Any]).map { [$0["ja"] as? String ?? "", $0["en"] as? String ?? ""] } }.flatMap { $0 }
            #expect(page.status == .ok && page.text.contains("quiz-form") && explanations.count == 2 * questions.count)
            #expect(!explanations.contains { page.text.contains($0.prefix(30)) }, "the quiz page shows no explanation before the answers are sent")
            let campaignPage = try await app.get("/w/acme/training/campaigns/\(campaignID)", session: try await app.session(for: secretary))
            #expect(campaignPage.status == .ok && campaignPage.text.contains("高橋 営業") == false && campaignPage.text.contains("1 / 4"), "the officer added above is in the audience")
        }
    }
}

