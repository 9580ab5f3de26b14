import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport
import VaporTesting
@testable import Web

/// Every form of the demo workspace, submitted with values no field accepts: each problem listed at
/// the top names its field by the label the form shows beside it (管理番号 on the asset form, not
/// the catalog's コード), in Japanese and in English (issue 13).
@Suite struct FormLabelWalk {
    @Test(arguments: ["ja", "en"]) func everyErrorNamesItsFieldByTheLabelOnThePage(language: String) async throws {
        try await TestApp.with { app in
            let seeded = try await Demo(app.services).seed(slug: "demo", scale: .small, context: Context(actor: .cli(operator: "test")))
            let email = try #require(seeded.accounts.first { $0.role == .secretariat }?.email)
            let secretary = try #require(try await app.services.store.read { try await $0.users.load(email: email) })
            let session = try await app.session(for: secretary, password: Demo.password)
            let headers: HTTPHeaders = ["Accept-Language": language]
            _ = try await app.post("/language", form: ["language": language, "next": "/w/demo"], session: session, extraHeaders: headers)

            var queue = ["/w/demo"], seen = Set<String>(), forms = Set<String>()
            var problems: [(String, String, String, String)] = [], shown: [String: Set<String>] = [:]
            var submitted = 0
            while let path = queue.first, seen.count < 400 {
                queue.removeFirst()
                let page = try await app.get(path, session: session, headers: headers)
                guard page.status == .ok, page.headers.contentType?.subType == "html" else { continue }
                #expect(!page.text.contains(FieldLabels.open), "\(path) shows an unresolved field marker")
                for link in Self.links(page.text) where !seen.contains(Self.shape(link)) {
                    seen.insert(Self.shape(link))
                    queue.append(link)
                }
                for form in Self.forms(page.text) where forms.insert(Self.shape(form.action)).inserted {
                    for value in ["", "八x"] {
                        var fields = form.hidden
                        for name in form.visible { fields[name] = value }
                        fields["_csrf"] = session.csrf
                        let answer = try await app.post(form.action, form: fields, session: session, extraHeaders: headers)
                        submitted += 1
                        #expect(!answer.text.contains(FieldLabels.open), "\(form.action) shows an unresolved field marker")
                        let labels = FieldLabels.shown(in: answer.text)
                        for (field, message) in Self.problems(answer.text) {
                            guard let label = labels[field] else { continue }
                            problems.append((form.action, field, label, message))
                            shown[field, default: []].insert(label)
                        }
                    }
                }
            }
            // Each problem names its field by the label beside it, and by no other label the same
            // field has elsewhere (コード, 管理番号 and 文書番号 are all `code`).
            var mismatches: [String] = []
            for (action, field, label, message) in problems {
                let others = shown[field, default: []].union([app.services.localizer.fieldLabel(field, Language(rawValue: language)!)])
                    .filter { !label.contains($0) && message.contains($0) }
                if !message.contains(label) || !others.isEmpty {
                    mismatches.append("\(action) [\(field)] 「\(label)」: \(message)\(others.isEmpty ? "" : " (names it \(others.sorted()))")")
                }
            }
            print("walk: \(seen.count) pages, \(forms.count) forms, \(submitted) submissions, \(problems.count) problems checked")
            #expect(submitted > 60 && problems.count > 80, "the walk reached \(submitted) submissions on \(seen.count) pages, \(problems.count) problems")
            #expect(mismatches.isEmpty, "\(mismatches.count) problems name a field differently from its label:\n\(mismatches.joined(separator: "\n"))")
        }
    }

    /// Pages of the workspace worth visiting: no downloads, prints or per-record histories.
    static func links(_ html: String) -> [String] {
        html.components(separatedBy: "href=\"").dropFirst().compactMap { $0.split(separator: "\"", maxSplits: 1).first.map(String.init) }
            .map { $0.replacingOccurrences(of: "&amp;", with: "&") }
            .filter { link in
                link.hasPrefix("/w/demo") && !link.contains("#")
                    && !["export", ".csv", ".xlsx", ".docx", ".ics", "/print", "/download", "/files/", "/history/", "cursor=", "/calendar"].contains { link.contains($0) }
            }
    }

    /// A path with its ids and query left out, so one record's form stands for every record's.
    static func shape(_ path: String) -> String {
        let bare = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        return bare.split(separator: "/").map { $0.count >= 32 || $0.allSatisfy(\.isNumber) ? ":id" : String($0) }.joined(separator: "/")
    }

    struct PostForm { var action: String; var hidden: [String: String]; var visible: [String] }

    /// The forms posting urlencoded fields with at least one labelled field (a form of buttons alone
    /// — delete, approve — has nothing to name).
    static func forms(_ html: String) -> [PostForm] {
        html.components(separatedBy: "<form ").dropFirst().compactMap { chunk -> PostForm? in
            let body = chunk.components(separatedBy: "</form>")[0]
            let tag = body.prefix { $0 != ">" }
            guard tag.contains("method=\"post\""), !tag.contains("multipart"), body.contains("<label for=\"f-"),
                  let action = attribute("action", in: String(tag))?.replacingOccurrences(of: "&amp;", with: "&") else { return nil }
            var hidden: [String: String] = [:], visible: [String] = []
            for input in body.components(separatedBy: "<input ").dropFirst() {
                let tag = " " + String(input.prefix { $0 != ">" })
                guard let name = attribute("name", in: tag) else { continue }
                let type = attribute("type", in: tag) ?? "text"
                if type == "hidden" { hidden[name] = attribute("value", in: tag) ?? "" }
                else if ["text", "date", "number", "email", "url", "search", "month"].contains(type) { visible.append(name) }
            }
            for element in ["<textarea ", "<select "] {
                for chunk in body.components(separatedBy: element).dropFirst() {
                    if let name = attribute("name", in: " " + String(chunk.prefix { $0 != ">" })) { visible.append(name) }
                }
            }
            return visible.isEmpty ? nil : PostForm(action: action, hidden: hidden, visible: visible)
        }
    }

    /// Each problem in the summary at the top of a refused form: the field it links to and its text.
    static func problems(_ html: String) -> [(String, String)] {
        guard let summary = html.range(of: "<div class=\"error-summary\"") else { return [] }
        let list = html[summary.upperBound...].components(separatedBy: "</ul>")[0]
        return list.components(separatedBy: "<li><a href=\"#f-").dropFirst().compactMap { item in
            guard let quote = item.firstIndex(of: "\""), let start = item.firstIndex(of: ">"), let end = item.range(of: "</a>") else { return nil }
            return (String(item[..<quote]), String(item[item.index(after: start)..<end.lowerBound]))
        }
    }

    static func attribute(_ name: String, in tag: String) -> String? {
        guard let range = tag.range(of: " \(name)=\"") else { return nil }
        return String(tag[range.upperBound...].prefix { $0 != "\"" })
    }
}
