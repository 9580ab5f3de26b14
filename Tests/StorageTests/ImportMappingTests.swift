import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport

/// Issue 14: spreadsheets as people keep them import without editing — the fixture files made by
/// `scripts/fixtures/import-fixtures.py` (Shift_JIS CSV, UTF-8 with BOM, openpyxl and LibreOffice
/// workbooks with title rows, merged and hidden cells, formulas, date cells, marks and 令和 dates);
/// their broken copies are refused naming each cell; a mapping given once is remembered; a file
/// waits between the page's steps as a pending import of one person.
@Suite struct ImportMappingTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/imports")

    static func fixture(_ name: String) throws -> Data { try Data(contentsOf: fixtures.appendingPathComponent(name)) }

    struct World {
        var app: TestApp
        var access: WorkspaceAccess
        var secretary: User
        var context: Context { Context(actor: .system) }
    }

    func world(_ app: TestApp) async throws -> World {
        let admin = try await app.user("admin@example.co.jp", admin: true)
        _ = try await app.workspace("acme", by: admin)
        _ = try await app.workspace("other", by: admin)
        let officer = try await app.user("officer@example.co.jp", name: "部門 担当")
        try await app.member(officer, in: "acme", roles: [RoleGrantInput(role: .secretariat)])
        let secretary = try await app.user("isms@example.co.jp", name: "事務局 花子")
        try await app.member(secretary, in: "acme", roles: [RoleGrantInput(role: .secretariat)])
        return World(app: app, access: try await app.access(secretary, "acme"), secretary: secretary)
    }

    func problems(_ body: () async throws -> Void) async -> [FieldError] {
        do { try await body() } catch DomainError.invalid(let errors) { return errors } catch { Issue.record("\(error)") }
        return []
    }

    @Test(arguments: TestEngine.available)
    func peoplesSpreadsheetsImportAsTheyAre(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let statement = Statement(app.services)

            // A consultant's SoA in Shift_JIS: title rows, No./管理策/適用, O and X, － where excluded,
            // a 備考 column Meguri has no field for (shown as not imported).
            let soa = try await statement.importFile(w.access, data: try Self.fixture("soa-template-sjis.csv"), dryRun: false, context: w.context)
            #expect(soa.result.rows.count == 93)
            let mapping = try #require(soa.result.mapping)
            #expect(mapping.headerRow == 3)
            #expect(mapping.column(for: "id")?.header == "No." && mapping.column(for: "title")?.header == "管理策")
            #expect(mapping.ignored.map(\.header) == ["備考"] && mapping.ignored.first?.letter == "G")
            let lines = try await statement.lines(w.access)
            #expect(lines.filter { $0.entry.decision == .applicable }.count == 83 && lines.filter { $0.entry.decision == .excluded }.count == 10)
            // The dry run and the report say how each mark was read.
            let first = try #require(soa.result.rows.first { $0.label == "A.5.1" })
            #expect(first.readings.contains(ImportReading(column: "applicable", written: "O", value: "applicable", label: "soa.decision.applicable")), "\(first.readings)")
            #expect(first.readings.contains { $0.column == "status" && $0.written == "一部" && $0.value == "partial" })

            // Another template: a running number in No. beside 管理策番号 (the values settle which is
            // the control), ○ × △, UTF-8 with a byte-order mark.
            let serial = try await statement.importFile(w.access, data: try Self.fixture("soa-serial-bom.csv"), dryRun: true, context: w.context)
            let serialMap = try #require(serial.result.mapping)
            #expect(serialMap.column(for: "id")?.header == "管理策番号", "\(serialMap.summary)")
            #expect(serialMap.columns.first { $0.header == "No." }?.reason == .duplicate)
            #expect(serial.result.rows.count == 93 && serial.result.updated > 0)

            // Asset registers as openpyxl and LibreOffice write them: a merged title row, a blank row,
            // 分類 holding types, 物理的資産, a computed 資産価値 (a formula; cached by LibreOffice)
            // and a hidden 作業メモ column. Imported assets carry no review date.
            for (file, prefix) in [("assets-openpyxl.xlsx", ""), ("assets-libreoffice.xlsx", "LO-")] {
                var data = try Self.fixture(file)
                if !prefix.isEmpty {
                    // The same rows again would be "unchanged": the LibreOffice copy is checked by a dry run.
                    let dry = try await AssetTransfer(app.services).importFile(w.access, data: data, dryRun: true, context: w.context)
                    #expect(dry.rows.count == 5 && dry.rows.allSatisfy { $0.outcome == .unchanged }, "\(file): \(dry.rows)")
                    data = Data()
                    continue
                }
                let done = try await AssetTransfer(app.services).importFile(w.access, data: data, dryRun: false, context: w.context)
                #expect(done.created == 5, "\(file): \(done.rows)")
                let map = try #require(done.mapping)
                #expect(map.headerRow == 3 && map.column(for: "type")?.header == "分類")
                #expect(map.ignored.map(\.header) == ["作業メモ"] && map.column(for: "value")?.header == "資産価値", "資産価値 is compared, not imported")
                let laptop = try #require(try await Assets(app.services).find(w.access, code: "IA-003"))
                #expect(laptop.kind == .physical && laptop.lastReviewedOn == nil && laptop.location == "本社")
                let rules = try #require(try await Assets(app.services).find(w.access, code: "IA-005"))
                #expect(rules.location == nil, "－ is nothing")
            }

            // A document register with a real date cell, 令和9年4月1日 and R9.6.30.
            for file in ["documents-openpyxl.xlsx", "documents-libreoffice.xlsx"] {
                let result = try await DocumentFiles(app.services).importRegister(w.access, data: try Self.fixture(file), dryRun: file.contains("libre"), context: w.context)
                #expect(result.rows.count == 3, "\(file): \(result.rows)")
                let readings = result.rows.flatMap(\.readings)
                #expect(readings.contains(ImportReading(column: "nextReviewOn", written: "令和9年4月1日", value: "2027-04-01")), "\(file): \(readings)")
                #expect(!readings.contains { $0.value == "2027-03-31" }, "a date cell is a date, nothing to explain")
            }
            let register = try await Documents(app.services).list(w.access, query: DocumentQuery(), page: PageRequest(limit: 50)).items
            let dates = Dictionary(uniqueKeysWithValues: register.map { ($0.code, $0.nextReviewOn?.description ?? "") })
            #expect(dates["ISMS-01"] == "2027-03-31" && dates["ISMS-02"] == "2027-04-01" && dates["ISMS-03"] == "2027-06-30", "\(dates)")
        }
    }

    @Test(arguments: TestEngine.available)
    func brokenCopiesAreRefusedNamingEachCell(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let assets = await problems {
                _ = try await AssetTransfer(app.services).importFile(w.access, data: try Self.fixture("assets-broken-openpyxl.xlsx"), dryRun: false, context: w.context)
            }
            #expect(Set(assets.compactMap { $0.params["cell"] }) == ["G5", "B6"], "\(assets)")
            #expect(assets.first { $0.params["cell"] == "G5" }?.params["header"] == "機密性")
            #expect(try await Assets(app.services).count(w.access, query: AssetQuery()) == 0, "nothing was written")

            // The same mark wrong on five rows is one problem naming the rows and the column.
            let soa = await problems {
                _ = try await Statement(app.services).importFile(w.access, data: try Self.fixture("soa-template-broken-sjis.csv"), dryRun: false, context: w.context)
            }
            try #require(soa.count == 1, "\(soa)")
            #expect(soa.first?.params["rows"] == "14–18" && soa.first?.params["cell"] == "C" && soa.first?.params["header"] == "適用", "\(soa)")
            let l = app.services.localizer
            #expect(l.importPlace(of: soa[0], .ja) == "14–18行（C列）")
            #expect(l.importMessage(for: soa[0], register: "soa", .ja).contains("「適用」"), "\(l.importMessage(for: soa[0], register: "soa", .ja))")
            // A message that names its cell keeps it; a list of fields is written out by their headers.
            let ambiguous = FieldError(field: "区分", code: "error.csvAmbiguousColumn", params: ["cell": "D", "options": "type,classification"], row: 1)
            #expect(l.importMessage(for: ambiguous, register: "assets", .ja) == "列「区分」（D列）が「種別」、「機密区分」のどれか決められません。対応を指定してください。")
        }
    }

    @Test(arguments: TestEngine.available)
    func aGivenMappingIsUsedRememberedAndAudited(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let csv = "番号,名称,CIA-C,CIA-I,CIA-A,メモ\nX-1,受注台帳,3,2,2,棚卸\n"
            // Headers nothing knows: the required columns are missing, the others ignored.
            let missing = await problems {
                _ = try await AssetTransfer(app.services).importFile(w.access, data: Data(csv.utf8), dryRun: true, context: w.context)
            }
            #expect(Set(missing.map(\.code)) == ["error.csvMissingColumn"], "\(missing)")
            // Mapped by header and by letter, with a field named by its Japanese header.
            let given = try GivenMapping.parse("番号=code, 名称=資産名, C=confidentiality, D=integrity；E=availability, メモ=-")
            let done = try await AssetTransfer(app.services).importFile(w.access, data: Data(csv.utf8), options: ImportOptions(map: given), dryRun: false,
                                                                        context: w.context)
            #expect(done.created == 1, "\(done.mapping?.columns.map { "\($0.header)=\($0.key ?? "-"):\($0.reason)" } ?? [])")
            let asset = try #require(try await Assets(app.services).find(w.access, code: "X-1"))
            #expect(asset.name == "受注台帳" && asset.confidentiality == 3 && asset.integrity == 2)
            let events = try await AuditTrail(app.services).list(w.access, filter: AuditFilter(entityType: "import_mapping"), page: PageRequest(limit: 10))
            #expect(events.items.count == 1 && events.items[0].entityID == "assets")
            // Next year's file with the same headers imports in one step, read as last time.
            let next = try await AssetTransfer(app.services).importFile(w.access, data: Data((csv + "X-2,発注台帳,2,2,2,\n").utf8), dryRun: true, context: w.context)
            #expect(next.rows.count == 2 && next.mapping?.columns.filter { $0.reason == .remembered }.count == 6, "\(next.mapping?.summary ?? "")")
            // Another workspace remembers nothing of it.
            let other = try #require(try await app.services.store.read { try await $0.workspaces.load(slug: "other") })
            #expect(try await app.services.store.read { try await $0.imports.mapping(register: "assets", in: other.id) }.isEmpty)
            // A value Meguri computes is compared, never imported: a difference is said.
            let valued = try await AssetTransfer(app.services).importFile(w.access, data: Data("管理番号,資産名,機密性,完全性,可用性,資産価値\nV-1,鍵,3,2,2,1\nV-2,棚,1,1,1,1\nV-3,扉,高,中,低,3\n".utf8),
                                                                          dryRun: true, context: w.context)
            #expect(valued.rows[0].readings == [ImportReading(column: "value", written: "1", value: "3", kind: .computed)] && valued.rows[1].readings.isEmpty,
                    "\(valued.rows)")
            #expect(valued.rows[2].readings.map { "\($0.written)→\($0.value)" } == ["高→3", "中→2", "低→1"], "\(valued.rows[2].readings)")
            // A mapping naming what is not there is refused by its text.
            let wrong = await problems {
                _ = try await AssetTransfer(app.services).importFile(w.access, data: Data(csv.utf8), options: ImportOptions(map: try GivenMapping.parse("番号=code, 名前=name, 名称=price")),
                                                                     dryRun: true, context: w.context)
            }
            #expect(Set(wrong.map(\.code)) == ["error.mapUnknownColumn", "error.mapUnknownField"], "\(wrong)")
            #expect(throws: DomainError.self) { try GivenMapping.parse("番号 code") }
        }
    }

    @Test(arguments: TestEngine.available)
    func aPendingFileIsItsUploadersForADay(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let steps = ImportSteps(app.services)
            let id = try await steps.stash(w.access, register: "assets", fileName: "台帳.xlsx", data: try Self.fixture("assets-openpyxl.xlsx"))
            let pending = try await steps.pending(w.access, id, register: "assets")
            let original = try Self.fixture("assets-openpyxl.xlsx")
            #expect(pending.fileName == "台帳.xlsx" && pending.content == original)
            // Another person, another register or another workspace finds nothing.
            let officer = try await app.access(try #require(try await app.services.store.read { try await $0.users.load(email: "officer@example.co.jp") }), "acme")
            await #expect(throws: DomainError.rule(code: "error.pendingImportGone")) { _ = try await steps.pending(officer, id, register: "assets") }
            await #expect(throws: DomainError.rule(code: "error.pendingImportGone")) { _ = try await steps.pending(w.access, id, register: "soa") }
            // After a day it is gone: asking for it sweeps it out of the table.
            app.clock.advance(ImportSteps.pendingLifetime + 1)
            await #expect(throws: DomainError.notFound(entity: "pending_import")) { _ = try await steps.pending(w.access, id, register: "assets") }
            _ = try await steps.stash(w.access, register: "assets", fileName: "b.csv", data: Data("a\n1\n".utf8))
            let left = try await app.services.store.read { db in try await db.imports.load(id, in: w.access.workspaceID) }
            #expect(left == nil)
            await #expect(throws: DomainError.notFound(entity: "pending_import")) { _ = try await steps.pending(w.access, id, register: "assets") }

            // A commit takes its file in the import's own transaction: the same file committed twice
            // (two tabs) is imported once, the second undone whole.
            let file = Data("管理番号,資産名\nP-1,鍵\n".utf8)
            let kept = try await steps.stash(w.access, register: "assets", fileName: "p.csv", data: file)
            let me = Context(actor: .user(w.secretary))
            _ = try await AssetTransfer(app.services).importFile(w.access, data: file, options: ImportOptions(pending: kept), dryRun: false, context: me)
            await #expect(throws: DomainError.rule(code: "error.pendingImportGone")) {
                _ = try await AssetTransfer(app.services).importFile(w.access, data: Data("管理番号,資産名\nP-2,扉\n".utf8), options: ImportOptions(pending: kept),
                                                                     dryRun: false, context: me)
            }
            #expect(try await Assets(app.services).find(w.access, code: "P-2") == nil)
            // A second upload replaces the person's waiting file for the register.
            let one = try await steps.stash(w.access, register: "assets", fileName: "1.csv", data: file)
            _ = try await steps.stash(w.access, register: "assets", fileName: "2.csv", data: file)
            await #expect(throws: DomainError.notFound(entity: "pending_import")) { _ = try await steps.pending(w.access, one, register: "assets") }
        }
    }

    /// An import longer than one step of its transaction (2,000 assets): every asset written, its
    /// audit event in the file's order on one intact chain, its search document in place; a row
    /// that ends before the last columns leaves those fields empty.
    @Test(arguments: TestEngine.available)
    func anImportLongerThanOneStepWritesEveryAssetItsEventAndItsSearchDocument(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let count = 4_101
            var csv = "管理番号,資産名,機密性,完全性,可用性,備考\n"
            for n in 1..<count { csv += "L-\(n),台帳\(n)\(n == 4_050 ? " 鍵管理簿" : ""),2,2,1,行\(n)\n" }
            csv += "L-\(count),短い行\n"
            let events = try await AuditTrail(app.services).verify(workspaceSlug: "acme")[0].eventCount
            let done = try await AssetTransfer(app.services).importFile(w.access, data: Data(csv.utf8), dryRun: false, context: w.context)
            #expect(done.created == count)
            let chain = try await AuditTrail(app.services).verify(workspaceSlug: "acme")[0]
            #expect(chain.isIntact && chain.eventCount == events + count, "\(chain)")
            let assets = Assets(app.services)
            #expect(try await assets.count(w.access, query: AssetQuery()) == count)
            var sequences: [Int64] = []
            for code in ["L-1", "L-2000", "L-2001", "L-4000", "L-4001", "L-\(count)"] {
                let asset = try #require(try await assets.find(w.access, code: code))
                let history = try await AuditTrail(app.services).history(w.access, entityType: "asset", entityID: asset.id.description, page: PageRequest(limit: 5))
                #expect(history.items.map(\.action) == ["create"], "\(code)")
                sequences += history.items.map(\.sequence)
            }
            #expect(sequences == sequences.sorted() && Set(sequences).count == 6, "the events follow the file's rows: \(sequences)")
            let short = try #require(try await assets.find(w.access, code: "L-\(count)"))
            #expect(short.name == "短い行" && short.confidentiality == nil && short.notes == nil)
            let found = try await assets.list(w.access, query: AssetQuery(search: "鍵管理"), page: PageRequest(limit: 5)).items
            #expect(found.map(\.code) == ["L-4050"], "the third step's search documents are written")
        }
    }
}

/// Issue 14: whatever Meguri exports imports back unchanged, in both languages and both formats,
/// register by register, from the demo workspace.
@Suite struct ExportRoundTrips {
    @Test(arguments: TestEngine.available)
    func everyExportImportsBackUnchanged(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let context = Context(actor: .system)
            _ = try await Demo(app.services).seed(slug: "demo", scale: .small, context: context)
            let access = try await app.operatorAccess("demo")
            for format in Tabular.Format.allCases {
                for language in Language.allCases {
                    let label = "\(format) \(language)"
                    func unchanged(_ rows: [ImportRow], _ register: String) {
                        #expect(!rows.isEmpty && rows.allSatisfy { $0.outcome == .unchanged }, "\(register) \(label): \(rows.filter { $0.outcome != .unchanged }.prefix(3))")
                    }
                    if format == .csv {
                        let members = try await Exports.members(access, services: app.services, language: language)
                        let report = try await Members(app.services).importCSV(access, data: members, dryRun: true, context: context)
                        #expect(report.rows.count >= 30 && report.rows.allSatisfy { $0.outcome == .unchanged },
                                "members \(label): \(report.rows.filter { $0.outcome != .unchanged }.prefix(3).map { "\($0.number) \($0.email) \($0.outcome)" })")
                    }
                    let departments = try await Departments(app.services).export(access, format: format, language: language)
                    unchanged(try await Departments(app.services).importFile(access, data: departments, dryRun: true, context: context).rows, "departments")
                    let assets = try await AssetTransfer(app.services).export(access, query: AssetQuery(), format: format, language: language)
                    unchanged(try await AssetTransfer(app.services).importFile(access, data: assets, dryRun: true, context: context).rows, "assets")
                    let soa = try await Statement(app.services).export(access, format: format, language: language, version: nil)
                    unchanged(try await Statement(app.services).importFile(access, data: soa, dryRun: true, context: context).result.rows, "soa")
                    let documents = try await DocumentFiles(app.services).exportRegister(access, format: format, language: language)
                    unchanged(try await DocumentFiles(app.services).importRegister(access, data: documents, dryRun: true, context: context).rows, "documents")
                    // Risks import into a draft: last year's register carried into this year's draft adds nothing twice.
                    if let draft = try await RiskAssessments(app.services).list(access).first(where: \.isEditable) {
                        let risks = try await RiskTransfer(app.services).export(access, assessment: draft.id, format: format, language: language)
                        let rows = try await RiskTransfer(app.services).importFile(access, assessment: draft.id, data: risks, dryRun: true, context: context).rows
                        #expect(rows.allSatisfy { $0.outcome == .unchanged }, "risks \(label): \(rows.filter { $0.outcome != .unchanged }.prefix(3))")
                    }
                }
            }
        }
    }
}
