import Catalog
import Domain
import Foundation
import Testing

@Suite struct BundledCatalog {
    let catalog: ReferenceCatalog

    init() throws { catalog = try CatalogLoader.loadBundled() }

    @Test func hasTheFourThemesOfAnnexA() {
        let counts = Dictionary(grouping: catalog.controls, by: \.theme).mapValues(\.count)
        #expect(counts == [.organizational: 37, .people: 8, .physical: 14, .technological: 34])
        #expect(catalog.controls.count == 93)
    }

    @Test func idsAreUniqueAndOrderedNumerically() {
        #expect(Set(catalog.controls.map(\.id)).count == 93)
        #expect(catalog.controls.first?.id == "5.1")
        #expect(catalog.controls.last?.id == "8.34")
        let technological = catalog.controls.filter { $0.theme == .technological }.map(\.id)
        #expect(technological.firstIndex(of: "8.2")! < technological.firstIndex(of: "8.10")!)
    }

    @Test func everyControlHasBothTitlesAndEveryAttribute() {
        for control in catalog.controls {
            #expect(!control.titleEn.isEmpty && !control.titleJa.isEmpty, "\(control.id)")
            #expect(!control.controlTypes.isEmpty && !control.properties.isEmpty && !control.concepts.isEmpty
                    && !control.capabilities.isEmpty && !control.domains.isEmpty, "\(control.id)")
        }
    }

    @Test func clausesCoverFourToTen() {
        for id in ["4", "4.1", "5.2", "6.1.2", "6.1.3", "7.5", "8.2", "9.2", "9.3", "10.2"] {
            #expect(catalog.clause(id) != nil, "clause \(id)")
        }
        #expect(Set(catalog.clauses.map(\.id)).count == catalog.clauses.count)
    }

    @Test func theElevenNewControlsHaveNo2013Source() {
        let new = catalog.controls.filter { catalog.sources2013(of: $0.id).isEmpty }.map(\.id)
        #expect(Set(new) == ["5.7", "5.23", "5.30", "7.4", "8.9", "8.10", "8.11", "8.12", "8.16", "8.23", "8.28"])
        #expect(catalog.mapping2013.count == 114)
        #expect(catalog.sources2013(of: "5.1").map(\.id2013) == ["A.5.1.1", "A.5.1.2"])
    }

    @Test func aDamagedCopyIsRefusedWithItsProblems() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: CatalogLoader.bundledDirectory, to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }
        let file = copy.appendingPathComponent("controls-2022.csv")
        var text = try String(contentsOf: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "5.2,organizational", with: "5.1,organizational")
        text = text.replacingOccurrences(of: ",Detective,", with: ",Detectiv,")
        try text.write(to: file, atomically: true, encoding: .utf8)
        do {
            _ = try CatalogLoader.load(from: copy)
            Issue.record("a damaged catalog was accepted")
        } catch let error as CatalogLoader.Invalid {
            #expect(error.problems.contains { $0.contains("duplicate control ids: 5.1") })
            #expect(error.problems.contains { $0.contains("unknown value 'Detectiv'") })
        }
    }
}

/// Our guidance beside every control and requirement clause, and the catalog filters.
@Suite struct BundledGuidance {
    let catalog: ReferenceCatalog

    init() throws { catalog = try CatalogLoader.loadBundled() }

    @Test func everyControlAndClauseHasEveryPartInBothLanguages() {
        let clauses = catalog.clauses.filter(\.isRequirement)
        #expect(clauses.count == 34 && clauses.first?.id == "4.1" && clauses.last?.id == "10.2")
        let entries = catalog.controls.map { catalog.controlGuidance[$0.id] } + clauses.map { catalog.clauseGuidance[$0.id] }
        #expect(entries.count == 93 + 34)
        var texts: [String] = []
        for (index, entry) in entries.enumerated() {
            guard let entry else { Issue.record("entry \(index) has no guidance"); continue }
            for language in Language.allCases {
                let text = entry.text(language)
                for part in [text.asks, text.options, text.evidence] {
                    #expect(part.count >= 20, "\(entry.id) \(language): \(part)")
                    texts.append(part)
                }
                if let exclusion = text.exclusion { texts.append(exclusion) }
                // Japanese guidance is written in Japanese, English guidance in English.
                let japanese = text.asks.unicodeScalars.contains { (0x3040...0x30FF).contains($0.value) }
                #expect(japanese == (language == .ja), "\(entry.id) \(language) is in the wrong language")
            }
            if entry.kind == .clause { #expect(entry.ja.exclusion == nil && entry.en.exclusion == nil, "clause \(entry.id)") }
        }
        #expect(Set(texts).count == texts.count, "two entries share a text")
    }

    @Test func commonlyExcludedControlsSayWhenAnExclusionHolds() {
        // Physical controls for organizations without premises, development controls for those that develop nothing.
        for id in ["7.4", "7.12", "8.25", "8.30", "8.31"] {
            #expect(catalog.controlGuidance[id]?.ja.exclusion != nil, "\(id)")
        }
        // Governance no organization can leave out.
        for id in ["5.1", "5.15", "5.24", "8.8"] { #expect(catalog.controlGuidance[id]?.en.exclusion == nil, "\(id)") }
    }

    @Test func controlsFilterByThemeAttributeOriginAndText() {
        #expect(catalog.controls(matching: ControlQuery(theme: .physical)).count == 14)
        #expect(catalog.controls(matching: ControlQuery(newIn2022: true)).map(\.id).count == 11)
        #expect(catalog.controls(matching: ControlQuery(theme: .technological, newIn2022: true)).map(\.id) == ["8.9", "8.10", "8.11", "8.12", "8.16", "8.23", "8.28"])
        let detective = catalog.controls(matching: ControlQuery(controlType: .detective))
        #expect(!detective.isEmpty && detective.allSatisfy { $0.controlTypes.contains(.detective) })
        let recover = catalog.controls(matching: ControlQuery(concept: .recover, domain: .resilience))
        #expect(!recover.isEmpty && recover.allSatisfy { $0.concepts.contains(.recover) && $0.domains.contains(.resilience) })
        #expect(catalog.controls(matching: ControlQuery(search: "A.8.2")).map(\.id).contains("8.2"))
        #expect(catalog.controls(matching: ControlQuery(search: "クラウド")).map(\.id) == ["5.23"])
        #expect(catalog.controls(matching: ControlQuery(search: "DATA MASKING")).map(\.id) == ["8.11"])
        #expect(catalog.controls(matching: ControlQuery(property: .availability, capability: .continuity)).allSatisfy { $0.properties.contains(.availability) })
    }

    @Test func damagedGuidanceIsRefusedWithItsProblems() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("guidance-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: CatalogLoader.bundledDirectory, to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }
        let file = copy.appendingPathComponent("guidance/clauses.json")
        var entries = try JSONDecoder().decode([Guidance].self, from: Data(contentsOf: file))
        entries.removeAll { $0.id == "9.2.2" }
        entries[0].ja.evidence = " "
        entries[1].en.options = entries[2].en.options
        entries[3].en.exclusion = "Never."
        try JSONEncoder().encode(entries).write(to: file)
        do {
            _ = try CatalogLoader.load(from: copy)
            Issue.record("damaged guidance was accepted")
        } catch let error as CatalogLoader.Invalid {
            #expect(error.problems.contains("no guidance for clause 9.2.2"))
            #expect(error.problems.contains("guidance clause 4.1 (ja): evidence is empty"))
            #expect(error.problems.contains { $0.hasPrefix("guidance clause 4.3 (en) options repeats the text of guidance clause 4.2 (en) options") })
            #expect(error.problems.contains("guidance clause 4.4 (en): a clause cannot be excluded"))
            #expect(error.problems.contains("guidance clause 4.4: exclusion in one language only"))
        }
    }
}

/// Our threat and vulnerability catalogs and the ready risk methods.
@Suite struct BundledRiskTemplates {
    let templates: RiskTemplates

    init() throws { templates = try RiskTemplatesLoader.loadBundled() }

    /// The glossary writes ぜい弱性 (as JIS Q 27001 does); our catalogs never mix in 脆弱性.
    @Test func theCatalogsWriteTheGlossarysTerm() throws {
        let texts = (templates.threats + templates.vulnerabilities).flatMap { [$0.nameJa, $0.descriptionJa] } + templates.methods.map(\.nameJa)
        #expect(!texts.isEmpty && texts.allSatisfy { !$0.contains("脆弱性") }, "\(texts.filter { $0.contains("脆弱性") })")
    }

    @Test func bothReadyMethodsAreValidAndTheDefaultIsThere() throws {
        #expect(templates.methods.count >= 2)
        #expect(templates.method(RiskTemplates.defaultMethodKey)?.formula == .assetThreatVulnerability)
        #expect(templates.methods.contains { $0.formula == .likelihoodImpact })
        for template in templates.methods {
            let method = template.method(workspace: Workspace.ID(), number: 1, now: Date())
            try method.validate()
            #expect(method.status == .draft, "a template becomes a draft until someone publishes it")
            #expect(method.bandCoverage().gaps.isEmpty && method.bandCoverage().overlaps.isEmpty, "\(template.key)")
            for scale in [method.ciaScale, method.threatScale, method.vulnerabilityScale, method.likelihoodScale, method.impactScale].compactMap({ $0 }) {
                #expect(scale.levels.allSatisfy { !$0.labelJa.isEmpty && !$0.labelEn.isEmpty && !$0.descriptionJa.isEmpty && !$0.descriptionEn.isEmpty },
                        "\(template.key): every level is named and described in both languages")
            }
        }
    }

    @Test func catalogsHaveUniqueCodesAndBothLanguages() {
        #expect(templates.threats.count >= 20 && templates.vulnerabilities.count >= 20)
        for entries in [templates.threats, templates.vulnerabilities] {
            #expect(Set(entries.map(\.code)).count == entries.count)
            #expect(entries.allSatisfy { !$0.nameJa.isEmpty && !$0.nameEn.isEmpty && $0.nameJa != $0.nameEn })
        }
        let workspace = Workspace.ID()
        let copies = templates.entries(for: workspace)
        #expect(copies.count == templates.threats.count + templates.vulnerabilities.count)
        #expect(copies.allSatisfy { $0.workspaceID == workspace })
    }

    @Test func aBrokenTemplateIsRefusedWithItsProblem() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("risk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["threats.json", "vulnerabilities.json"] {
            try FileManager.default.copyItem(at: RiskTemplatesLoader.bundledDirectory.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        var methods = try JSONSerialization.jsonObject(with: Data(contentsOf: RiskTemplatesLoader.bundledDirectory.appendingPathComponent("risk-methods.json"))) as! [String: Any]
        var list = methods["methods"] as! [[String: Any]]
        var bands = list[0]["bands"] as! [[String: Any]]
        bands[1]["minimum"] = 7
        list[0]["bands"] = bands
        methods["methods"] = list
        try JSONSerialization.data(withJSONObject: methods).write(to: folder.appendingPathComponent("risk-methods.json"))
        #expect(throws: CatalogLoader.Invalid.self) { try RiskTemplatesLoader.load(from: folder) }
        do { _ = try RiskTemplatesLoader.load(from: folder) } catch let error as CatalogLoader.Invalid {
            #expect(error.description.contains("error.bandGaps"), "\(error.description)")
        }
    }
}

@Suite struct BundledCourses {
    @Test func theReadyMadeCoursesLoadInBothLanguages() throws {
        let courses = try TrainingTemplatesLoader.loadBundled()
        #expect(courses.map(\.key) == ["awareness-annual", "new-hire", "internal-auditor"])
        for template in courses {
            let course = template.course(workspace: Workspace.ID(), number: 1, now: Date())
            #expect(course.questions.count >= 10, "\(template.key)")
            #expect(TrainingRules.validate(course).isEmpty, "\(template.key)")
            #expect(course.questions.allSatisfy { !$0.explanation.ja.isEmpty && !$0.explanation.en.isEmpty }, "\(template.key)")
            // A quiz whose every right answer is the first choice teaches guessing "a".
            #expect(Set(course.questions.compactMap { $0.choices.firstIndex(where: \.correct) }).count > 1, "\(template.key)")
        }
    }

    @Test func aCourseWithoutEnoughQuestionsIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: TrainingTemplatesLoader.bundledFile)) as! [String: Any]
        var courses = json["courses"] as! [[String: Any]]
        courses[0]["questions"] = Array((courses[0]["questions"] as! [Any]).prefix(3))
        json["courses"] = courses
        let file = folder.appendingPathComponent("courses.json")
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        #expect(throws: CatalogLoader.Invalid.self) { _ = try TrainingTemplatesLoader.load(from: file) }
    }
}
