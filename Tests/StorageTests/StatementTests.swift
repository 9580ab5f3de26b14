import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport

/// The Statement of Applicability, own controls and the evidence store through their use cases,
/// on SQLite and (when configured) PostgreSQL.
@Suite struct StatementTests {
    struct World {
        var app: TestApp
        var access: WorkspaceAccess
        var sales: Department
        var officer: User
        var boss: User
        var auditor: User
        var context: Context { Context(actor: .system) }
    }

    func world(_ app: TestApp) async throws -> World {
        let admin = try await app.user("admin@example.co.jp", admin: true)
        _ = try await app.workspace("acme", by: admin)
        _ = try await app.workspace("other", by: admin)
        let sales = try await app.department("営業部", in: "acme")
        let officer = try await app.user("officer@example.co.jp", name: "部門 担当")
        try await app.member(officer, in: "acme", roles: [RoleGrantInput(role: .departmentOfficer, departmentID: sales.id)], home: sales.id)
        let boss = try await app.user("ceo@example.co.jp", name: "社長 太郎")
        try await app.member(boss, in: "acme", roles: [RoleGrantInput(role: .topManagement)])
        let auditor = try await app.user("auditor@example.co.jp")
        try await app.member(auditor, in: "acme", roles: [RoleGrantInput(role: .internalAuditor)])
        return World(app: app, access: try await app.operatorAccess("acme"), sales: sales, officer: officer, boss: boss, auditor: auditor)
    }

    func auditCount(_ app: TestApp) async throws -> Int {
        try await AuditTrail(app.services).verify(workspaceSlug: "acme")[0].eventCount
    }

    /// Every Annex A control decided: the first 80 applicable and implemented, the rest excluded.
    func decideAll(_ w: World, except: Set<String> = []) async throws {
        var csv = "管理策番号,適用,理由,実施状況,実施内容\n"
        for (index, control) in w.app.services.catalog.controls.enumerated() where !except.contains(control.id) {
            csv += index < 80 ? "A.\(control.id),適用,リスク対応のため,実施済み,規程に基づき運用\n" : "A.\(control.id),除外,該当する業務がない,,\n"
        }
        _ = try await Statement(w.app.services).importFile(w.access, data: Data(csv.utf8), dryRun: false, context: w.context)
    }

    @Test(arguments: TestEngine.available)
    func entriesAreDecidedWithReasonsWarnedAndAudited(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let statement = Statement(app.services)
            let lines = try await statement.lines(w.access)
            #expect(lines.count == 93 && lines.allSatisfy { $0.entry.decision == .undecided && !$0.entry.isStored })

            // A decision without a justification is refused, naming the field; nothing is stored.
            await #expect {
                _ = try await statement.update(w.access, control: "A.5.15", SoAEntryInput(decision: "excluded", justification: ""), expectedVersion: 0, context: w.context)
            } throws: { error in
                guard case DomainError.invalid(let errors) = error else { return false }
                return errors.map(\.field) == ["justification"]
            }
            let before = try await auditCount(app)
            let saved = try await statement.update(w.access, control: "A.5.15", SoAEntryInput(decision: "除外", justification: "クラウドのみで社内網がない"),
                                                   expectedVersion: 0, context: w.context)
            #expect(saved.version == 1 && saved.decision == .excluded && saved.implementation == nil)
            #expect(try await auditCount(app) == before + 1)
            // A stale version is a conflict; an unknown control is not found.
            await #expect(throws: DomainError.conflict(entity: "soa_entry", currentVersion: 1)) {
                _ = try await statement.update(w.access, control: "5.15", SoAEntryInput(justification: "別の理由"), expectedVersion: 0, context: w.context)
            }
            await #expect(throws: DomainError.notFound(entity: "control")) {
                _ = try await statement.update(w.access, control: "9.99", SoAEntryInput(decision: "applicable"), expectedVersion: 0, context: w.context)
            }
            // Officers and auditors read the statement but do not decide it.
            let officer = try await app.access(w.officer, "acme")
            await #expect(throws: DomainError.forbidden) {
                _ = try await statement.update(officer, control: "5.1", SoAEntryInput(decision: "applicable"), expectedVersion: 0, context: w.context)
            }
            #expect(try await statement.lines(try await app.access(w.auditor, "acme")).count == 93)

            // A risk that relies on 5.15 makes the exclusion a warning; an applicable control with nothing attached warns too.
            _ = try await app.oneOfEach(in: "acme", department: w.sales.id, owner: w.officer.id)
            let applicable = try await statement.update(w.access, control: "8.5", SoAEntryInput(decision: "applicable", justification: "R-001の対応", implementation: "planned"),
                                                        expectedVersion: 0, context: w.context)
            #expect(applicable.implementation == .planned)
            let warned = try await statement.lines(w.access)
            #expect(warned.first { $0.control.id == "5.15" }?.warnings == [.excludedButRisk])
            #expect(warned.first { $0.control.id == "8.5" }?.warnings == [.noDescription, .noEvidence])
            let (page, total) = Statement.page(warned, query: SoAQuery(warnedOnly: true), page: PageRequest(limit: 1, cursor: nil))
            #expect(total == 2 && page.items.map(\.control.id) == ["5.15"] && page.nextCursor != nil)
            let next = Statement.page(warned, query: SoAQuery(warnedOnly: true), page: PageRequest(limit: 1, cursor: page.nextCursor)).page
            #expect(next.items.map(\.control.id) == ["8.5"] && next.nextCursor == nil)

            // The freshness period is a setting between 1 and 60 months.
            await #expect(throws: DomainError.invalid(field: "freshnessMonths", code: "error.range", params: ["min": "1", "max": "60"])) {
                _ = try await statement.setFreshnessMonths(w.access, "0", expectedVersion: 0, context: w.context)
            }
            #expect(try await statement.setFreshnessMonths(w.access, "６", expectedVersion: 0, context: w.context) == 6)
            #expect(try await statement.freshnessMonths(w.access) == (6, 1))
        }
    }

    @Test(arguments: TestEngine.available)
    func versionsAreSubmittedApprovedFrozenAndCompared(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let statement = Statement(app.services)
            try await decideAll(w, except: ["8.34"])
            // One control undecided: nothing is submitted.
            await #expect {
                _ = try await statement.submit(w.access, note: nil, context: w.context)
            } throws: { error in
                guard case DomainError.invalid(let errors) = error else { return false }
                return errors.map(\.code) == ["error.soaUndecided"] && errors[0].params["ids"] == "8.34"
            }
            _ = try await statement.update(w.access, control: "8.34", SoAEntryInput(decision: "excluded", justification: "監査ツールを使わない"),
                                           expectedVersion: 0, context: w.context)
            let v1 = try await statement.submit(w.access, note: "初版", context: w.context)
            #expect(v1.number == 1 && v1.status == .inReview && v1.entries.count == 93)
            // One version waits at a time; only top management approves.
            await #expect(throws: DomainError.rule(code: "error.soaVersionPending")) { _ = try await statement.submit(w.access, note: nil, context: w.context) }
            await #expect(throws: DomainError.forbidden) {
                _ = try await statement.decide(w.access, number: 1, approve: true, note: nil, expectedVersion: nil, context: w.context)
            }
            let boss = try await app.access(w.boss, "acme")
            let approved = try await statement.decide(boss, number: 1, approve: true, note: "承認します", expectedVersion: v1.version, context: w.context)
            #expect(approved.status == .approved && approved.decidedBy == w.boss.id && approved.decisionNote == "承認します" && approved.note == "初版")
            await #expect(throws: DomainError.rule(code: "error.soaVersionNotInReview")) {
                _ = try await statement.decide(boss, number: 1, approve: false, note: "やはり", expectedVersion: nil, context: w.context)
            }

            // Later changes leave version 1 as it was, and the comparison names them.
            let entry = try await statement.detail(w.access, "5.1").line.entry
            _ = try await statement.update(w.access, control: "5.1", SoAEntryInput(implementation: "partial", description: "改訂中"), expectedVersion: entry.version,
                                           context: w.context)
            let frozen = try await statement.version(w.access, number: 1)
            #expect(frozen.entries.first { $0.controlID == "5.1" }?.implementation == .implemented)
            let comparison = try await statement.compare(w.access, from: 1, to: nil)
            #expect(comparison.changes.map(\.controlID) == ["5.1"] && comparison.changes[0].fields == ["implementation", "description"])

            // Version 2 is returned with a note (required), and a new submission is possible again.
            let v2 = try await statement.submit(w.access, note: nil, context: w.context)
            await #expect(throws: DomainError.invalid(field: "note", code: "error.required")) {
                _ = try await statement.decide(boss, number: 2, approve: false, note: " ", expectedVersion: nil, context: w.context)
            }
            let returned = try await statement.decide(boss, number: 2, approve: false, note: "5.1の記述を補ってください", expectedVersion: v2.version, context: w.context)
            #expect(returned.status == .returned)
            #expect(try await statement.versions(w.access).map(\.number) == [2, 1])
            let v3 = try await statement.submit(w.access, note: nil, context: w.context)
            #expect(v3.number == 3)
            let between = try await statement.compare(w.access, from: 1, to: 3)
            #expect(between.changes.map(\.controlID) == ["5.1"])
        }
    }

    @Test(arguments: TestEngine.available)
    func a2013StatementIsMigratedWithAReviewList(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let statement = Statement(app.services)
            let csv = """
            管理策番号,適用可否,適用・除外の理由,実施状況,責任者
            A.5.1.1,○,情報セキュリティ方針を定めている,実施済み,ceo@example.co.jp
            A.5.1.2,○,毎年見直す,一部実施,
            A.9.4.2,○,全システムでSSO,実施済み,
            A.18.2.3,×,外部に委託,,

            """
            // 5.7 (new in 2022) was decided already: the 2013 file leaves it as it is.
            _ = try await statement.update(w.access, control: "5.7", SoAEntryInput(decision: "applicable", justification: "脅威情報を購読", implementation: "planned"),
                                           expectedVersion: 0, context: w.context)
            let dry = try await statement.importFile(w.access, data: Data(csv.utf8), dryRun: true, context: w.context)
            #expect(dry.result.dryRun && dry.review.count == 1 + 2 + 10)
            #expect(try await statement.lines(w.access).filter(\.entry.isStored).map(\.control.id) == ["5.7"])
            let done = try await statement.importFile(w.access, data: Data(csv.utf8), dryRun: false, context: w.context)
            #expect(done.result.rows.count == 3 + 1 + 11 && done.result.created == done.result.rows.count - 1)
            #expect(try await statement.detail(w.access, "5.7").line.entry.justification == "脅威情報を購読")
            let lines = try await statement.lines(w.access)
            let e85 = lines.first { $0.control.id == "8.5" }!.entry
            #expect(e85.decision == .applicable && e85.implementation == .implemented && !e85.needsReview)
            let e51 = lines.first { $0.control.id == "5.1" }!.entry
            #expect(e51.needsReview && e51.ownerID == w.boss.id && e51.implementation == .partial)
            #expect(lines.filter { $0.warnings.contains(.reviewNeeded) }.count == 13)
            // Saving an entry takes it off the review list.
            _ = try await statement.update(w.access, control: "5.1", SoAEntryInput(justification: "方針を定め、毎年見直す"), expectedVersion: e51.version, context: w.context)
            #expect(try await statement.detail(w.access, "5.1").line.entry.needsReview == false)

            // A bad row is refused with its number, and nothing is written.
            let bad = "id,applicable,justification\nA.5.1.1,maybe,x\nA.99.9.9,yes,y\n"
            await #expect {
                _ = try await statement.importFile(w.access, data: Data(bad.utf8), dryRun: false, context: w.context)
            } throws: { error in
                guard case DomainError.invalid(let errors) = error else { return false }
                return errors.map { "\($0.row ?? 0):\($0.field)" } == ["2:applicable"]
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func theExportListsEveryControlAndReadsBackAsAnImport(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let statement = Statement(app.services)
            _ = try await OwnControls(app.services).create(w.access, OwnControlInput(code: "GRP-01", titleJa: "グループ方針の遵守", titleEn: "Group policy"), context: w.context)
            _ = try await statement.update(w.access, control: "5.1", SoAEntryInput(decision: "applicable", justification: "基本方針", implementation: "implemented",
                                                                                  description: "規程 第1条"), expectedVersion: 0, context: w.context)
            let xlsx = try await statement.export(w.access, format: .xlsx, language: .ja, version: nil)
            let table = try Tabular.read(xlsx, columns: Statement.columns)
            #expect(table.rows.count == 94)
            #expect(table.rows[0].cells["id"] == "A.5.1" && table.rows[0].cells["applicable"] == "適用" && table.rows[0].cells["status"] == "実施済み")
            #expect(table.rows[1].cells["applicable"] == "未決定")
            #expect(table.rows[93].cells["id"] == "GRP-01" && table.rows[93].cells["title"] == "グループ方針の遵守")
            let english = try await statement.export(w.access, format: .csv, language: .en, version: nil)
            let text = String(decoding: english, as: UTF8.self)
            #expect(text.contains("id,theme,title,applicable,justification,status") && text.contains("A.5.1,Organizational,Policies for information security,Applicable"))
            // The file goes back in unchanged.
            let again = try await statement.importFile(w.access, data: xlsx, dryRun: true, context: w.context)
            #expect(again.result.rows.filter { $0.outcome != .unchanged }.isEmpty)
            // The file is kept until the next write, then written again.
            #expect(try await statement.export(w.access, format: .xlsx, language: .ja, version: nil) == xlsx)
            _ = try await statement.update(w.access, control: "5.2", SoAEntryInput(decision: "applicable", justification: "体制", implementation: "planned"), expectedVersion: 0, context: w.context)
            let after = try Tabular.read(try await statement.export(w.access, format: .xlsx, language: .ja, version: nil), columns: Statement.columns)
            #expect(after.rows[1].cells["id"] == "A.5.2" && after.rows[1].cells["applicable"] == "適用")
        }
    }

    @Test(arguments: TestEngine.available)
    func evidenceIsStoredWithItsHashCheckedOnDownloadAndRefusedByContent(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let store = EvidenceFiles(app.services)
            let pdf = Data("%PDF-1.7\n入退室記録".utf8)
            let item = try await store.create(w.access, EvidenceInput(collectedOn: "2026-04-01", validUntil: "2027-03-31", links: ["control:A.7.2"]),
                                              file: UploadedFile(name: "C:\\記録\\2026年度 入退室記録.pdf", data: pdf), context: w.context)
            #expect(item.title == "2026年度 入退室記録.pdf" && item.fileName == "2026年度 入退室記録.pdf" && item.size == pdf.count)
            #expect(item.sha256 == EvidenceRules.sha256(pdf) && item.contentType == "application/pdf" && item.links == [EvidenceLink(.control, "7.2")])
            let downloaded = try await store.download(w.access, item.id)
            #expect(downloaded.data == pdf)

            // HTML disguised as a PDF, an executable, an oversized file: refused, nothing stored.
            let count = try await store.count(w.access, query: EvidenceQuery())
            for (bytes, code) in [(Data("<html><script>x</script>".utf8), "error.file.html"), (Data([0x4D, 0x5A, 0, 0]), "error.file.executable"),
                                  (Data(repeating: 0x20, count: app.services.security.evidenceMaxBytes + 1), "error.file.tooLarge")] {
                await #expect {
                    _ = try await store.create(w.access, EvidenceInput(title: "x", collectedOn: "2026-04-01"), file: UploadedFile(name: "report.pdf", data: bytes),
                                               context: w.context)
                } throws: { error in
                    guard case DomainError.invalid(let errors) = error else { return false }
                    return errors.map(\.code) == [code] && errors[0].field == "file"
                }
            }
            #expect(try await store.count(w.access, query: EvidenceQuery()) == count)
            // A link needs an address; an unknown control is named.
            await #expect {
                _ = try await store.create(w.access, EvidenceInput(title: "規程", url: "ftp://x", collectedOn: "2026-04-01", links: ["control:9.9"]), file: nil, context: w.context)
            } throws: { error in
                guard case DomainError.invalid(let errors) = error else { return false }
                return errors.map(\.code) == ["error.url", "error.evidenceLink"]
            }

            // A file changed behind Meguri's back is not served.
            try await app.services.store.write { tx in
                _ = try await tx.sql.raw("UPDATE evidence_files SET content = \(bind: Data("%PDF-1.7 tampered".utf8)) WHERE id = \(bind: item.id.uuid)").all()
            }
            await #expect(throws: DomainError.rule(code: "error.evidenceHashMismatch")) { _ = try await store.download(w.access, item.id) }

            // The filters: expired, expiring, by control; officers add evidence and change only their own.
            let officer = try await app.access(w.officer, "acme")
            let old = try await store.create(officer, EvidenceInput(title: "委託先の認証書", url: "https://example.com/cert", collectedOn: "2025-01-10",
                                                                    validUntil: "2026-01-09", links: ["control:5.22"]), file: nil, context: w.context)
            #expect(old.createdBy == w.officer.id && old.collectedBy == w.officer.id)
            let soon = try await store.create(w.access, EvidenceInput(title: "保守契約", url: "https://example.com/contract", collectedOn: "2026-01-10",
                                                                      validUntil: w.access.today.adding(days: 10).description), file: nil, context: w.context)
            let expired = try await store.query(w.access, search: nil, validity: "expired", control: nil, link: nil)
            #expect(try await store.list(w.access, query: expired, page: PageRequest(limit: 50, cursor: nil)).items.map(\.id) == [old.id])
            let expiring = try await store.query(w.access, search: nil, validity: "expiring", control: nil, link: nil)
            #expect(try await store.list(w.access, query: expiring, page: PageRequest(limit: 50, cursor: nil)).items.map(\.id) == [soon.id])
            let byControl = try await store.query(w.access, search: nil, validity: nil, control: "A.7.2", link: nil)
            #expect(try await store.list(w.access, query: byControl, page: PageRequest(limit: 50, cursor: nil)).items.map(\.id) == [item.id])
            await #expect(throws: DomainError.forbiddenBecause("error.notYourEvidence")) {
                _ = try await store.update(officer, soon.id, EvidenceInput(title: "変更"), expectedVersion: soon.version, context: w.context)
            }
            let renamed = try await store.update(officer, old.id, EvidenceInput(title: "委託先のISMS認証書"), expectedVersion: old.version, context: w.context)
            #expect(renamed.title == "委託先のISMS認証書" && renamed.version == 2)
            // The statement counts evidence per control.
            let lines = try await Statement(app.services).lines(w.access)
            #expect(lines.first { $0.control.id == "7.2" }?.facts.evidenceCount == 1 && lines.first { $0.control.id == "7.2" }?.facts.newestEvidence?.description == "2026-04-01")

            // Another workspace sees none of it.
            try await app.member(w.officer, in: "other", roles: [RoleGrantInput(role: .secretariat)])
            let outsider = try await app.access(w.officer, "other")
            await #expect(throws: DomainError.notFound(entity: "evidence")) { _ = try await store.load(outsider, item.id) }
            #expect(try await store.count(outsider, query: EvidenceQuery()) == 0)
            try await store.delete(w.access, item.id, expectedVersion: item.version, context: w.context)
            await #expect(throws: DomainError.notFound(entity: "evidence")) { _ = try await store.load(w.access, item.id) }
        }
    }

    @Test(arguments: TestEngine.available)
    func ownControlsJoinTheStatementAndCarryTheirEntryWhenRenamed(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let own = OwnControls(app.services)
            let statement = Statement(app.services)
            await #expect(throws: DomainError.invalid(field: "code", code: "error.ownControlCode")) {
                _ = try await own.create(w.access, OwnControlInput(code: "A.5.1", titleJa: "x", titleEn: "x"), context: w.context)
            }
            let control = try await own.create(w.access, OwnControlInput(code: "PCI-3", titleJa: "カード情報の保護", titleEn: "Card data protection"), context: w.context)
            await #expect(throws: DomainError.invalid(field: "code", code: "error.codeTaken", params: ["value": "pci-3"])) {
                _ = try await own.create(w.access, OwnControlInput(code: "pci-3", titleJa: "重複", titleEn: "Duplicate"), context: w.context)
            }
            #expect(try await statement.lines(w.access).last?.control.id == "PCI-3")
            // Own controls are named by treatment actions (and risks) like Annex A ones; a code starting with A is not taken for A.x.
            _ = try await own.create(w.access, OwnControlInput(code: "ACME-1", titleJa: "親会社規程", titleEn: "Parent company rule"), context: w.context)
            let action = try await TreatmentActions(app.services).create(w.access, ActionInput(title: "カード情報の棚卸し", controls: ["pci-3", "A.8.5", "ACME-1"]),
                                                                         context: w.context)
            #expect(action.controls == ["8.5", "ACME-1", "PCI-3"])
            await #expect(throws: DomainError.invalid(field: "controls", code: "error.unknownControl", params: ["value": "NOPE-1"])) {
                _ = try await TreatmentActions(app.services).create(w.access, ActionInput(title: "x", controls: ["NOPE-1"]), context: w.context)
            }
            #expect(try await statement.lines(w.access).first { $0.control.id == "PCI-3" }?.actions == 1)
            // A named control keeps its code until nothing names it.
            await #expect(throws: DomainError.rule(code: "error.ownControlNamed", params: ["risks": "0", "actions": "1"])) {
                _ = try await own.update(w.access, control.id, OwnControlInput(code: "PCI-03"), expectedVersion: control.version, context: w.context)
            }
            _ = try await TreatmentActions(app.services).update(w.access, action.id, ActionInput(controls: ["8.5"]), expectedVersion: action.version, context: w.context)
            _ = try await statement.update(w.access, control: "PCI-3", SoAEntryInput(decision: "applicable", justification: "カード加盟店契約", implementation: "partial"),
                                           expectedVersion: 0, context: w.context)
            let evidence = try await EvidenceFiles(app.services).create(w.access, EvidenceInput(title: "PCI DSS 自己問診", url: "https://example.com/saq",
                                                                                                 collectedOn: "2026-06-01", links: ["control:PCI-3"]), file: nil, context: w.context)
            let renamed = try await own.update(w.access, control.id, OwnControlInput(code: "PCI-03"), expectedVersion: control.version, context: w.context)
            #expect(renamed.code == "PCI-03")
            let line = try await statement.detail(w.access, "PCI-03").line
            #expect(line.entry.decision == .applicable && line.entry.justification == "カード加盟店契約" && line.facts.evidenceCount == 1)
            #expect(try await EvidenceFiles(app.services).load(w.access, evidence.id).links == [EvidenceLink(.control, "PCI-03")])
            try await own.delete(w.access, control.id, expectedVersion: renamed.version, context: w.context)
            #expect(try await statement.lines(w.access).count == 94)
            #expect(try await EvidenceFiles(app.services).load(w.access, evidence.id).links.isEmpty)
        }
    }

    /// Issue 14: a SoA kept in a common Japanese template — title rows, `No.`/`管理策`/`適用`/
    /// `適用/除外の理由`/`実施状況`/`実装文書`, O and X for applicability, － where a control is
    /// excluded — saved from Excel as Shift_JIS CSV, imports as it is.
    @Test func aCommonJapaneseTemplateImportsWithoutEditing() async throws {
        try await TestApp.with { app in
            let w = try await world(app)
            let statement = Statement(app.services)
            var csv = "適用宣言書,,,,,\r\n株式会社アクメ　2026年度版,,,,,\r\nNo.,管理策,適用,適用/除外の理由,実施状況,実装文書\r\n"
            for (index, control) in app.services.catalog.controls.prefix(10).enumerated() {
                csv += index < 7 ? "\(control.id),\(control.titleJa),O,リスク対応のため,実施済み,情報セキュリティ規程\r\n" : "\(control.id),\(control.titleJa),X,該当する業務がない,－,－\r\n"
            }
            let data = try #require(csv.data(using: .shiftJIS))
            let done = try await statement.importFile(w.access, data: data, dryRun: false, context: w.context)
            #expect(done.result.rows.count == 10, "\(done.result.rows)")
            let lines = try await statement.lines(w.access)
            let first = try #require(lines.first { $0.control.id == app.services.catalog.controls[0].id }).entry
            #expect(first.decision == .applicable && first.implementation == .implemented && first.documents == "情報セキュリティ規程")
            let excluded = try #require(lines.first { $0.control.id == app.services.catalog.controls[8].id }).entry
            #expect(excluded.decision == .excluded && excluded.justification == "該当する業務がない" && excluded.documents == nil)
        }
    }
}
