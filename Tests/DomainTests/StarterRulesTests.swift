import Domain
import Foundation
import Testing

/// Starter documents: placeholders, what a template may hold, the facts that changed, and the
/// paragraph merge a new draft is made by.
@Suite struct StarterRulesTests {
    static let template = StarterTemplate(key: "risk", code: "ISMS-03", kind: .procedure, titleJa: "手順", titleEn: "Procedure", references: ["6.1.2"],
                                          bodyJa: "# 手順\n\n{{organization}}は次の手法を用いる。\n\n{{acceptance}}\n\n{{bands}}\n\n附則。",
                                          bodyEn: "# Procedure\n\n{{organization}} uses this method.\n\n{{acceptance}}\n\n{{bands}}\n\nAnnex.")

    @Test func placeholdersAreFilledAndCheckedWhenLoaded() {
        #expect(Self.template.facts(.ja) == ["organization", "acceptance", "bands"])
        let text = StarterRules.render(Self.template.bodyJa, ["organization": "デモ株式会社", "acceptance": "リスク値が4以下は受容する。", "bands": "| 低 | 1–4 |"])
        #expect(text == "# 手順\n\nデモ株式会社は次の手法を用いる。\n\nリスク値が4以下は受容する。\n\n| 低 | 1–4 |\n\n附則。")
        #expect(StarterRules.render("{{unknown}}です", [:]) == "{{unknown}}です", "an unknown placeholder stays for a test to find")
        #expect(StarterRules.problems(Self.template.bodyJa).isEmpty)
        #expect(StarterRules.problems("部門は{{departments}}である。") == ["{{departments}} must stand on a line of its own"])
        #expect(StarterRules.problems("{{nonsense}}") == ["unknown placeholder {{nonsense}}"])
        #expect(StarterRules.problems("a\n\n\nb") == ["two blank lines in a row"])
    }

    @Test func onlyTheFactsTheDocumentStatesCountAsChanged() {
        let origin = StarterOrigin(key: "risk", language: .ja, facts: ["organization": "デモ株式会社", "acceptance": "4以下", "bands": "表"], generatedAt: Date())
        #expect(StarterRules.changes(of: origin, template: Self.template, current: ["organization": "デモ株式会社", "acceptance": "4以下", "bands": "表", "scope": "新しい範囲"]).isEmpty)
        let changed = StarterRules.changes(of: origin, template: Self.template, current: ["organization": "デモ株式会社", "acceptance": "6以下", "bands": "表"])
        #expect(changed == [StarterFactChange(name: "acceptance", before: "4以下", after: "6以下")])
    }

    @Test func aNewDraftRewritesTheChangedParagraphsAndLeavesHandEditsAlone() {
        let base = "# 手順\n\n受容は4以下。\n\n| 低 | 1–4 |\n\n附則。"
        let regenerated = "# 手順\n\n受容は6以下。\n\n| 低 | 1–6 |\n\n附則。"
        // Untouched since written: both changed paragraphs are brought up to date.
        let clean = StarterRules.merge(current: base, base: base, regenerated: regenerated)
        #expect(clean.text == regenerated && clean.updated == 2 && clean.notApplied.isEmpty)
        // The table was rewritten by hand and a paragraph added: the table stays, the rest follows.
        let edited = "# 手順\n\n受容は4以下。\n\n| 低 | 1–4（当社基準） |\n\n当社の補足。\n\n附則。"
        let merged = StarterRules.merge(current: edited, base: base, regenerated: regenerated)
        #expect(merged.text == "# 手順\n\n受容は6以下。\n\n| 低 | 1–4（当社基準） |\n\n当社の補足。\n\n附則。")
        #expect(merged.updated == 1 && merged.notApplied == ["| 低 | 1–6 |"] && merged.notAppliedIndexes == [2])
        // Paragraphs that do not line up replace nothing: the text stays, the new paragraphs are named.
        let misaligned = StarterRules.merge(current: edited, base: base, regenerated: regenerated + "\n\n新しい段落。")
        #expect(misaligned.text == edited && misaligned.updated == 0 && misaligned.notApplied.contains("新しい段落。"))
    }
}
