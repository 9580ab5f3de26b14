import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport

/// The starter set (issue 18) through its use cases, on SQLite and PostgreSQL: written from a bare
/// workspace and from the demo in both languages with no placeholder left, the demo's texts kept
/// as snapshots, a change of the acceptance criterion flagging exactly the documents that state
/// it, and a new draft that merges the change and leaves hand edits alone.
@Suite struct StarterDocumentTests {
    static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots/starters")

    func texts(_ app: TestApp, _ access: WorkspaceAccess, _ documents: [ControlledDocument]) async throws -> [String: String] {
        var texts: [String: String] = [:]
        for document in documents {
            let state = try await Documents(app.services).load(access, document.id)
            texts[document.starter?.key ?? "?"] = state.versions.last?.body ?? ""
        }
        return texts
    }

    static func checkComplete(_ text: String, _ key: String, _ language: Language) {
        #expect(!text.contains("{{") && !text.contains("}}"), "\(key).\(language): a placeholder is left")
        #expect(!text.contains("⟦"), "\(key).\(language): a message key is left")
        #expect(text.hasPrefix("# ") && text.count > 800, "\(key).\(language): \(text.count) characters")
        if language == .ja { #expect(text.contains("。")) }
    }

    @Test(arguments: TestEngine.available)
    func aBareWorkspaceGetsEightCompleteDraftsInEitherLanguage(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            for (slug, language) in [("bare-ja", Language.ja), ("bare-en", .en)] {
                _ = try await app.workspace(slug, by: admin)
                let access = try await app.operatorAccess(slug)
                let starters = StarterDocuments(app.services)
                let before = try await AuditTrail(app.services).verify(workspaceSlug: slug)[0].eventCount
                let created = try await starters.generate(access, keys: nil, language: language, context: Context(actor: .system))
                #expect(created.map(\.code) == (1...8).map { String(format: "ISMS-%02d", $0) })
                #expect(created.allSatisfy { $0.status == .draft && $0.latestVersion == 1 && $0.publishedVersion == nil && !$0.references.isEmpty })
                #expect(created.first { $0.kind == .policy }?.approver == .topManagement)
                #expect(try await AuditTrail(app.services).verify(workspaceSlug: slug)[0].eventCount == before + 16, "a document and its draft, each audited")
                for (key, text) in try await texts(app, access, created) { Self.checkComplete(text, key, language) }
                // Written once: asking again writes nothing; an unknown key is named.
                #expect(try await starters.generate(access, keys: nil, language: language, context: Context(actor: .system)).isEmpty)
                await #expect(throws: DomainError.invalid([FieldError(field: "keys", code: "error.starterUnknown", params: ["value": "handbook"])])) {
                    _ = try await starters.generate(access, keys: ["handbook"], language: language, context: Context(actor: .system))
                }
                #expect(try await starters.statuses(access).allSatisfy { $0.document != nil && $0.changes.isEmpty })
            }
        }
    }

    /// Each document written for the demo, in both languages, against its snapshot
    /// (`MEGURI_UPDATE_SNAPSHOTS=1` rewrites them after a deliberate change of the texts).
    @Test func theDemosStarterSetMatchesItsSnapshots() async throws {
        try await TestApp.with { app in
            let context = Context(actor: .cli(operator: "test"))
            let update = ProcessInfo.processInfo.environment["MEGURI_UPDATE_SNAPSHOTS"] == "1"
            for (slug, language) in [("demo", Language.ja), ("demo-en", .en)] {
                _ = try await Demo(app.services).seed(slug: slug, scale: .small, context: context)
                let access = try await app.operatorAccess(slug)
                let created = try await StarterDocuments(app.services).generate(access, keys: nil, language: language, context: context)
                #expect(created.count == 8)
                for (key, text) in try await texts(app, access, created) {
                    Self.checkComplete(text, key, language)
                    // The demo's own data is in it.
                    if key == "risk" { #expect(text.contains(language == .ja ? "資産価値" : "Asset value") || text.contains("asset value")) }
                    if key == "manual" { #expect(text.contains(access.workspace.organizationName ?? access.workspace.name)) }
                    let file = Self.snapshots.appendingPathComponent("\(key).\(language.rawValue).md")
                    let normalized = text.replacingOccurrences(of: "@demo-en.demo.example", with: "@demo.example")
                    if update {
                        try FileManager.default.createDirectory(at: Self.snapshots, withIntermediateDirectories: true)
                        try normalized.write(to: file, atomically: true, encoding: .utf8)
                    } else {
                        let expected = try String(contentsOf: file, encoding: .utf8)
                        #expect(normalized == expected, "\(key).\(language): differs from its snapshot (MEGURI_UPDATE_SNAPSHOTS=1 to accept)")
                    }
                }
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func changingTheAcceptanceCriterionFlagsExactlyTheDocumentsThatStateIt(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            let access = try await app.operatorAccess("acme")
            let context = Context(actor: .system)
            try await RiskSetup.ensure(access, services: app.services, context: context)
            let starters = StarterDocuments(app.services)
            let created = try await starters.generate(access, keys: nil, language: .ja, context: context)
            let risk = try #require(created.first { $0.starter?.key == "risk" })
            // Someone rewrites the bands table by hand before the method changes.
            let methods = RiskMethods(app.services)
            let current = try #require(try await methods.current(access))
            let draft = try await methods.createDraft(access, copying: current.id, template: nil, context: context)
            var input = RiskMethodInput(draft)
            input.acceptableUpTo = 6
            _ = try await methods.update(access, draft.id, input, expectedVersion: draft.version, context: context)
            _ = try await methods.publish(access, draft.id, expectedVersion: draft.version + 1, context: context)

            let statuses = try await starters.statuses(access)
            let stating = Set(app.services.starterTemplates.filter { $0.facts(.ja).contains("acceptance") }.map(\.key))
            #expect(stating.contains("risk") && stating.count < 8)
            #expect(Set(statuses.filter { !$0.changes.isEmpty }.map(\.template.key)) == stating)
            #expect(statuses.flatMap(\.changes).allSatisfy { $0.name == "acceptance" && $0.before.contains("4") && $0.after.contains("6") })

            // The draft still being written is brought up to date in place, and the document
            // stops saying it changed.
            let version = try await starters.redraft(access, risk.id, context: context)
            #expect(version.number == 1 && version.status == .draft && version.summary.contains("リスク受容基準"))
            let text = try #require(try await Documents(app.services).version(access, risk.id, number: 1).version.body)
            #expect(text.contains("リスク値が6以下のリスクは受容可能") && !text.contains("リスク値が4以下"))
            #expect(try await starters.statuses(access).first { $0.template.key == "risk" }?.changes.isEmpty == true)
            await #expect(throws: DomainError.rule(code: "error.starterUnchanged")) { _ = try await starters.redraft(access, risk.id, context: context) }
            // A version in review is finished first.
            _ = try await Documents(app.services).step(access, risk.id, number: 1, .submit, context: context)
            let again = try await methods.createDraft(access, copying: try #require(try await methods.current(access)).id, template: nil, context: context)
            var stricter = RiskMethodInput(again)
            stricter.acceptableUpTo = 2
            _ = try await methods.update(access, again.id, stricter, expectedVersion: again.version, context: context)
            _ = try await methods.publish(access, again.id, expectedVersion: again.version + 1, context: context)
            await #expect(throws: DomainError.rule(code: "error.versionOpen", params: ["label": "1.0"])) {
                _ = try await starters.redraft(access, risk.id, context: context)
            }
        }
    }
}
