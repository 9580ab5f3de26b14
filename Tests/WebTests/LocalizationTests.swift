import Domain
import Features
import Foundation
import Localization
import Testing
import TestSupport
@testable import Web

@Suite struct Localization {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func everyKeyIsInBothLanguagesWithTheSamePlaceholders() throws {
        let localizer = try Localizer.bundled()
        #expect(localizer.problems().isEmpty)
        #expect(localizer.tables[.ja]?.count == localizer.tables[.en]?.count)
    }

    @Test func aKeyMissingFromOneLanguageIsReported() {
        let localizer = Localizer(tables: [.ja: ["a": "あ", "b": "{n}件"], .en: ["a": "A", "b": "{count} items", "c": "C"]])
        #expect(localizer.problems().sorted() == ["b has different placeholders in ja and en", "c is missing in ja"])
    }

    /// Every message key written literally in the sources exists in the catalog.
    @Test func everyKeyTheCodeUsesExists() throws {
        let localizer = try Localizer.bundled()
        let pattern = try NSRegularExpression(pattern: #"(?:\bt|\.text|c\.t|req\.t|titleKey:|code:|Key:|\.rule\(code:|forbiddenBecause\()\s*\(?"([a-z][A-Za-z0-9]*\.[A-Za-z0-9.]+)""#)
        var missing: [String] = []
        var found = 0
        let sources = Self.packageRoot.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let key = String(text[Range(match.range(at: 1), in: text)!])
                found += 1
                if !localizer.has(key) { missing.append("\(file.lastPathComponent): \(key)") }
            }
        }
        #expect(found > 200)
        #expect(missing.isEmpty, "\(missing)")
    }

    @Test func keysBuiltFromDataExist() throws {
        let localizer = try Localizer.bundled()
        var keys: [String] = []
        for role in Role.allCases { keys += ["role.\(role.rawValue)", "role.\(role.rawValue).what", "role.\(role.rawValue).aliases"] }
        for phase in Navigation.phases {
            keys += ["phase.\(phase.key)", "phase.\(phase.key).summary"]
            for cap in phase.capabilities { keys += ["cap.\(cap.key)", "cap.\(cap.key).what"] }
        }
        keys += (1...12).map { "month.\($0)" } + WorkItem.Kind.allCases.map { "work.kind.\($0.rawValue)" }
        keys += ["create", "invite", "update", "unchanged"].map { "import.outcome.\($0)" }
        keys += AuditVocabulary.entityTypes.map { "entity.\($0)" } + AuditVocabulary.actions.map { "action.\($0)" }
        for key in keys { #expect(localizer.has(key), "\(key)") }
    }

    @Test func rolesAreReadFromKeysAndNamesInBothLanguages() throws {
        let localizer = try Localizer.bundled()
        #expect(localizer.parseRole("secretariat") == .secretariat)
        #expect(localizer.parseRole("department_officer") == .departmentOfficer)
        #expect(localizer.parseRole("ISMS事務局") == .secretariat)
        #expect(localizer.parseRole("事務局") == .secretariat)
        #expect(localizer.parseRole(" Top management ") == .topManagement)
        #expect(localizer.parseRole("経営層") == .topManagement)
        #expect(localizer.parseRole("king") == nil)
    }

    /// Every page a secretariat member can open renders in both languages without a raw key.
    @Test(arguments: Language.allCases)
    func noPageShowsARawKey(language: Language) async throws {
        try await TestApp.with { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let department = try await app.department("営業部", in: "acme")
            let member = try await app.member(try await app.user("taro@example.co.jp"), in: "acme", roles: [RoleGrantInput(role: .departmentOfficer)], home: department.id)
            // A secretariat member sees every page, and as risk owner the acceptance and progress forms.
            let hanako = try await app.user("hanako@example.co.jp")
            try await app.member(hanako, in: "acme", roles: [RoleGrantInput(role: .secretariat)], home: department.id)
            let session = try await app.session(for: hanako)
            var parameters = ["slug": "acme", "departmentID": department.id.description, "memberID": member.id.description, "userID": member.userID.description,
                              "entityType": "member", "entityID": member.id.description, "token": "x", "file": "meguri.css", "controlID": "7.4"]
            // The risk and its action belong to the viewer, so the acceptance and progress forms show too.
            parameters.merge(try await app.oneOfEach(in: "acme", department: department.id, owner: hanako.id)) { $1 }
            var pages = 0
            var paths = app.meguri.app.routes.all.filter { $0.method == .GET && $0.path.first?.description != "api" }.map { route in
                "/" + route.path.map { component -> String in
                    if case .parameter(let name) = component { return parameters[name] ?? "x" }
                    return component.description
                }.joined(separator: "/")
            }
            // The states a page shows only on request: edit forms, filtered and empty registers, a draft method.
            let draft = try await RiskMethods(app.services).createDraft(try await app.operatorAccess("acme"), copying: RiskMethod.ID(parameters["methodID"]!), template: nil, context: Context(actor: .system))
            paths += ["/w/acme/assets/\(parameters["assetID"]!)?edit=1", "/w/acme/risks/\(parameters["riskID"]!)?edit=1",
                      "/w/acme/risk-assessments/\(parameters["assessmentID"]!)?cell=inherent:4:3&level=nonsense&sort=bad",
                      "/w/acme/assets?type=bad&owner=nobody@example.com", "/w/acme/treatment-plan?overdue=1&owner=me",
                      "/w/acme/risk-method/\(draft.id)", "/w/acme/controls?theme=technological&type=Detective&new2022=1",
                      "/w/acme/controls?theme=bad&new2022=maybe", "/w/acme/controls?q=存在しない", "/w/acme/controls/5.1",
                      "/w/acme/soa?warning=any&theme=own", "/w/acme/soa?decision=bad&warning=nonsense", "/w/acme/soa/GRP-01", "/w/acme/soa/5.15",
                      "/w/acme/soa/compare?from=1", "/w/acme/soa/compare?from=1&to=1", "/w/acme/soa/print?version=1", "/w/acme/soa/print",
                      "/w/acme/evidence?validity=expired&control=5.15", "/w/acme/evidence?validity=bad", "/w/acme/evidence?target=action:\(parameters["actionID"]!)",
                      "/w/acme/objectives?kind=controlEffectiveness", "/w/acme/objectives?kind=bad",
                      "/w/acme/nonconformities?status=open&source=internalAudit&open=true", "/w/acme/nonconformities?status=bad",
                      "/w/acme/management-reviews/\(parameters["reviewID"]!)/minutes", "/w/acme/audits/\(parameters["auditID"]!)/report"]
            for path in paths {
                if path.hasSuffix(".csv") || path.hasPrefix("/static") || path.hasPrefix("/favicon") { continue }
                let response = try await app.get(path, session: session, headers: ["Accept-Language": language.rawValue])
                #expect(response.status.code < 500, "\(path)")
                let text = response.text
                if text.hasPrefix("<!doctype html>") {
                    pages += 1
                    #expect(!text.contains("⟦"), "\(path) shows a raw key: \(text.components(separatedBy: "⟦").dropFirst().map { $0.prefix(40) })")
                    #expect(text.contains("<html lang=\"\(language.rawValue)\">"), "\(path)")
                }
            }
            #expect(pages >= 15)
        }
    }
}
