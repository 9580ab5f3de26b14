import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport

/// The document register through its use cases, on SQLite and (when configured) PostgreSQL: a
/// policy written, reviewed, approved by top management (never by its submitter), published to
/// everyone, read and acknowledged; a minor revision keeps the acknowledgements, a major one asks
/// again; drafts and documents not published to a person stay closed to them.
@Suite struct DocumentTests {
    struct World {
        let secretary: User, ceo: User, auditor: User, employee: User, clerk: User, external: User
        let sales: Department, admin: Department
        let context = Context(actor: .system)
        let app: TestApp
        func access(_ user: User) async throws -> WorkspaceAccess { try await app.access(user, "acme") }
    }

    static func world(_ app: TestApp) async throws -> World {
        let root = try await app.user("admin@example.co.jp", admin: true)
        _ = try await app.workspace("acme", by: root)
        _ = try await app.workspace("other", by: root)
        let sales = try await app.department("営業部", in: "acme")
        let admin = try await app.department("総務部", in: "acme")
        let secretary = try await app.user("isms@example.co.jp", name: "事務局 花子")
        try await app.member(secretary, in: "acme", roles: [RoleGrantInput(role: .secretariat)], home: admin.id)
        let ceo = try await app.user("ceo@example.co.jp", name: "山田 社長")
        try await app.member(ceo, in: "acme", roles: [RoleGrantInput(role: .topManagement)])
        let auditor = try await app.user("auditor@example.co.jp", name: "佐藤 監査")
        try await app.member(auditor, in: "acme", roles: [RoleGrantInput(role: .internalAuditor)], home: admin.id)
        let employee = try await app.user("sales1@example.co.jp", name: "鈴木 営業")
        try await app.member(employee, in: "acme", roles: [RoleGrantInput(role: .employee)], home: sales.id)
        let clerk = try await app.user("soumu1@example.co.jp", name: "田中 総務")
        try await app.member(clerk, in: "acme", roles: [RoleGrantInput(role: .employee)], home: admin.id)
        let external = try await app.user("shinsa@example.com", name: "審査員")
        try await app.member(external, in: "acme", roles: [RoleGrantInput(role: .externalAuditor, expiresOn: CalendarDate("2027-03-31"))])
        return World(secretary: secretary, ceo: ceo, auditor: auditor, employee: employee, clerk: clerk, external: external, sales: sales, admin: admin, app: app)
    }

    static let policy = """
    # 情報セキュリティ基本方針

    当社は、お客様の情報を守るため、次のとおり取り組みます。

    1. 暗号化と鍵の管理を徹底する。
    2. パスワードは8文字以上とする。
    """

    @Test(arguments: TestEngine.available) func theRegisterPassesTheKitChecks(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let admin = try await app.user("admin@example.co.jp", admin: true)
            _ = try await app.workspace("acme", by: admin)
            _ = try await app.workspace("other", by: admin)
            let documents = Documents(app.services)
            let context = Context(actor: .system)
            try await RegisterChecks<ControlledDocument>(
                create: { try await documents.create($0, DocumentInput(title: "アクセス管理規程", kind: "規程"), context: context) },
                load: { try await documents.load($0, $1).document },
                update: { try await documents.update($0, $1, DocumentInput(classification: "社外秘"), expectedVersion: $2, context: context) },
                delete: { try await documents.delete($0, $1, expectedVersion: $2, context: context) }).run(app)
        }
    }

    @Test(arguments: TestEngine.available) func aPolicyFromDraftToAcknowledged(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await Self.world(app)
            let documents = Documents(app.services)
            let secretary = try await w.access(w.secretary), ceo = try await w.access(w.ceo), auditor = try await w.access(w.auditor)
            let employee = try await w.access(w.employee), external = try await w.access(w.external)

            // The policy is approved by top management (5.2); the register checks its fields.
            await #expect(throws: DomainError.invalid(field: "approver", code: "error.policyApprover")) {
                _ = try await documents.create(secretary, DocumentInput(title: "基本方針", kind: "policy", approver: "role:secretariat"), context: w.context)
            }
            await #expect {
                _ = try await documents.create(secretary, DocumentInput(title: " ", kind: "憲法", reviewIntervalMonths: "０", references: "5.2, A.99"), context: w.context)
            } throws: { error in
                guard case DomainError.invalid(let errors) = error else { return false }
                return Set(errors.map(\.field)) == ["title", "kind", "reviewIntervalMonths", "references"]
            }
            #expect(try await documents.list(secretary, query: DocumentQuery(), page: PageRequest()).items.isEmpty)
            let created = try await documents.create(secretary, DocumentInput(title: "情報セキュリティ基本方針", kind: "情報セキュリティ方針", classification: "公開",
                                                                              references: "5.2, A.5.1"), context: w.context)
            #expect(created.code == "DOC-001" && created.ownerID == w.secretary.id && created.approver == .topManagement && created.references == ["5.2", "A.5.1"])
            await #expect(throws: DomainError.invalid(field: "code", code: "error.codeTaken", params: ["value": "doc-001"])) {
                _ = try await documents.create(secretary, DocumentInput(code: "ｄｏｃ-００１", title: "重複", kind: "rule"), context: w.context)
            }
            let first = try await documents.addVersion(secretary, created.id, VersionInput(body: Self.policy, summary: "初版"), context: w.context)
            #expect(first.label == "1.0" && first.status == .draft && first.sha256.count == 64)
            await #expect(throws: DomainError.rule(code: "error.versionOpen", params: ["label": "1.0"])) {
                _ = try await documents.addVersion(secretary, created.id, VersionInput(body: "x", summary: "y"), context: w.context)
            }

            // A draft is closed to employees and external auditors; the register's readers see it.
            await #expect(throws: DomainError.notFound(entity: "document")) { _ = try await documents.load(employee, created.id) }
            await #expect(throws: DomainError.notFound(entity: "document_version")) { _ = try await documents.version(employee, created.id, number: 1) }
            await #expect(throws: DomainError.notFound(entity: "document")) { _ = try await documents.load(external, created.id) }
            #expect(try await documents.list(external, query: DocumentQuery(), page: PageRequest()).items.isEmpty)
            #expect(try await documents.load(auditor, created.id).versions.count == 1)
            await #expect(throws: DomainError.forbidden) { _ = try await documents.list(employee, query: DocumentQuery(), page: PageRequest()) }
            // Only the secretariat or the owner writes.
            await #expect(throws: DomainError.forbiddenBecause("error.notYourDocument")) {
                _ = try await documents.editVersion(auditor, created.id, number: 1, VersionInput(summary: "改ざん"), expectedVersion: first.version, context: w.context)
            }

            // Review: submitted, commented, approved by top management and never by the submitter.
            _ = try await documents.step(secretary, created.id, number: 1, .submit, context: w.context)
            _ = try await documents.step(auditor, created.id, number: 1, .comment("第2項の根拠を明記してください"), context: w.context)
            await #expect(throws: DomainError.forbiddenBecause("error.notYourApproval")) {
                _ = try await documents.step(auditor, created.id, number: 1, .approve(note: nil), context: w.context)
            }
            await #expect(throws: DomainError.rule(code: "error.versionFixed", params: ["label": "1.0"])) {
                _ = try await documents.editVersion(secretary, created.id, number: 1, VersionInput(summary: "x"),
                                                    expectedVersion: try await documents.load(secretary, created.id).versions[0].version, context: w.context)
            }
            #expect(try await MyWork.items(for: ceo, services: app.services).contains { $0.titleKey == "work.approveDocument" })
            let approved = try await documents.step(ceo, created.id, number: 1, .approve(note: "承認する"), context: w.context)
            #expect(approved.status == .approved && approved.approvedBy == w.ceo.id)
            await #expect(throws: DomainError.forbidden) {
                _ = try await documents.step(ceo, created.id, number: 1, .publish(audience: .all, effectiveOn: nil), context: w.context)
            }
            await #expect(throws: DomainError.invalid(field: "audience", code: "error.audienceNeeded")) {
                _ = try await documents.step(secretary, created.id, number: 1, .publish(audience: Audience(), effectiveOn: nil), context: w.context)
            }
            let published = try await documents.step(secretary, created.id, number: 1, .publish(audience: .all, effectiveOn: CalendarDate("2026-12-10")), context: w.context)
            #expect(published.status == .published && published.effectiveOn == CalendarDate("2026-12-10"))
            let entry = try await documents.load(secretary, created.id).document
            #expect(entry.status == .published && entry.publishedLabel == "1.0" && entry.pending == nil && entry.nextReviewOn == CalendarDate("2027-12-10"))
            await #expect(throws: DomainError.rule(code: "error.documentWasPublished")) {
                try await documents.delete(secretary, created.id, expectedVersion: entry.version, context: w.context)
            }

            // Everyone reads it: the employee on "my work", the version in force, the acknowledgement with the hash.
            #expect(try await documents.reading(employee, unreadOnly: true).map(\.document.id) == [created.id])
            #expect(try await MyWork.items(for: employee, services: app.services).contains { $0.titleKey == "work.readDocument" })
            let view = try await documents.version(employee, created.id, number: 1)
            #expect(view.mayAcknowledge && view.acknowledgement == nil && view.html?.contains("<h2>情報セキュリティ基本方針</h2>") == true)
            let ack = try await documents.acknowledge(employee, created.id, number: 1, context: w.context)
            #expect(ack.sha256 == first.sha256 && ack.userID == w.employee.id)
            #expect(try await documents.acknowledge(employee, created.id, number: 1, context: w.context).id == ack.id)
            #expect(try await documents.reading(employee, unreadOnly: true).isEmpty)
            var completion = try await documents.completion(secretary, created.id)
            #expect(completion.done == 1 && completion.total == 6)
            #expect(completion.departments.first { $0.department?.id == w.sales.id }.map { ($0.done, $0.total) } ?? (0, 0) == (1, 1))
            // External auditors read what is published.
            #expect(try await documents.list(external, query: DocumentQuery(), page: PageRequest()).items.map(\.id) == [created.id])

            // A minor revision keeps the acknowledgement; the superseded version cannot be acknowledged.
            _ = try await documents.addVersion(secretary, created.id, VersionInput(body: Self.policy.replacingOccurrences(of: "8文字", with: "12文字"),
                                                                                   summary: "パスワード長の変更", major: false), context: w.context)
            #expect(try await documents.load(secretary, created.id).document.pending == .draft)
            _ = try await documents.step(secretary, created.id, number: 2, .submit, context: w.context)
            #expect(try await documents.load(secretary, created.id).document.pending == .inReview)
            #expect(try await MyWork.items(for: ceo, services: app.services).contains { $0.titleKey == "work.approveDocument" }, "a revision of a published document awaits approval")
            _ = try await documents.step(ceo, created.id, number: 2, .approve(note: nil), context: w.context)
            let minor = try await documents.step(secretary, created.id, number: 2, .publish(audience: .all, effectiveOn: nil), context: w.context)
            #expect(minor.label == "1.1")
            #expect(try await documents.reading(employee, unreadOnly: true).isEmpty, "a minor revision keeps the acknowledgement")
            await #expect(throws: DomainError.rule(code: "error.acknowledgeSuperseded", params: ["label": "1.1"])) {
                _ = try await documents.acknowledge(w.app.access(w.clerk, "acme"), created.id, number: 1, context: w.context)
            }
            #expect(try await documents.version(external, created.id, number: 1).version.status == .superseded)

            // The comparison shows the changed characters.
            let diff = try await documents.compare(secretary, created.id, from: 1, to: 2)
            #expect(diff.lines.contains(.changed([.same("2. パスワードは"), .removed("8"), .added("12"), .same("文字以上とする。")])))
            #expect(try await documents.compare(secretary, created.id, from: nil, to: nil).lines == diff.lines, "by default the newest against the one before")
            let source = try await documents.file(employee, created.id, number: 2)
            #expect(source.name == "DOC-001-1.1.md" && String(decoding: source.data, as: UTF8.self).contains("12文字"))

            // A major revision asks again.
            _ = try await documents.addVersion(secretary, created.id, VersionInput(body: Self.policy + "\n3. 教育を毎年行う。", summary: "教育を追加", major: true), context: w.context)
            _ = try await documents.step(secretary, created.id, number: 3, .submit, context: w.context)
            _ = try await documents.step(ceo, created.id, number: 3, .approve(note: nil), context: w.context)
            let major = try await documents.step(secretary, created.id, number: 3, .publish(audience: .all, effectiveOn: nil), context: w.context)
            #expect(major.label == "2.0")
            #expect(try await documents.reading(employee, unreadOnly: true).map(\.document.id) == [created.id], "a major revision asks again")
            completion = try await documents.completion(secretary, created.id)
            #expect(completion.done == 0)

            // A two-character Japanese word finds it by its text; a title word too.
            #expect(try await documents.list(secretary, query: DocumentQuery(search: "暗号"), page: PageRequest()).items.map(\.id) == [created.id])
            #expect(try await documents.list(secretary, query: DocumentQuery(search: "基本方針"), page: PageRequest()).items.map(\.id) == [created.id])
            #expect(try await documents.list(secretary, query: DocumentQuery(search: "存在しない語"), page: PageRequest()).items.isEmpty)

            // Members who join later are asked too.
            let newcomer = try await app.user("new@example.co.jp", name: "新入 社員")
            try await app.member(newcomer, in: "acme", roles: [RoleGrantInput(role: .employee)], home: w.sales.id)
            #expect(try await documents.reading(w.access(newcomer), unreadOnly: true).map(\.document.id) == [created.id])

            // Retired: nobody is asked any more; its history stays.
            let retired = try await documents.retire(secretary, created.id, expectedVersion: nil, context: w.context)
            #expect(retired.status == .retired)
            #expect(try await documents.reading(employee).isEmpty)
            #expect(try await documents.load(secretary, created.id).versions.map(\.status) == [.superseded, .superseded, .retired])

            // Every change is in the audit trail.
            let events = try await AuditTrail(app.services).history(secretary, entityType: "document", entityID: created.id.description, page: PageRequest(limit: 100))
            #expect(events.items.map(\.action).reversed() == ["create", "version", "submit", "approve", "publish", "version", "submit", "approve", "publish", "version",
                                                                "submit", "approve", "publish", "retire"])
        }
    }

    @Test(arguments: TestEngine.available) func aDocumentPublishedToOneDepartmentIsClosedToOthers(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await Self.world(app)
            let documents = Documents(app.services)
            let secretary = try await w.access(w.secretary), ceo = try await w.access(w.ceo)
            let employee = try await w.access(w.employee), clerk = try await w.access(w.clerk)
            // A procedure approved by the secretariat: with a one-person secretariat, top management approves.
            let procedure = try await documents.create(secretary, DocumentInput(title: "営業部 顧客情報取扱手順", kind: "手順書", approver: "role:secretariat"), context: w.context)
            _ = try await documents.addVersion(secretary, procedure.id, VersionInput(body: "顧客名簿は施錠保管する。", summary: "初版"), context: w.context)
            _ = try await documents.step(secretary, procedure.id, number: 1, .submit, context: w.context)
            await #expect(throws: DomainError.forbiddenBecause("error.approveOwnSubmission")) {
                _ = try await documents.step(secretary, procedure.id, number: 1, .approve(note: nil), context: w.context)
            }
            #expect(try await MyWork.items(for: ceo, services: app.services).contains { $0.titleKey == "work.approveDocument" })
            _ = try await documents.step(ceo, procedure.id, number: 1, .approve(note: nil), context: w.context)
            _ = try await documents.step(secretary, procedure.id, number: 1, .publish(audience: Audience(departmentIDs: [w.sales.id]), effectiveOn: nil), context: w.context)

            #expect(try await documents.reading(employee).map(\.document.id) == [procedure.id])
            #expect(try await documents.reading(clerk).isEmpty)
            await #expect(throws: DomainError.notFound(entity: "document")) { _ = try await documents.load(clerk, procedure.id) }
            await #expect(throws: DomainError.notFound(entity: "document_version")) { _ = try await documents.version(clerk, procedure.id, number: 1) }
            await #expect(throws: DomainError.notFound(entity: "document_version")) {
                _ = try await documents.acknowledge(clerk, procedure.id, number: 1, context: w.context)
            }
            #expect(try await documents.load(employee, procedure.id).versions.count == 1)
            let completion = try await documents.completion(secretary, procedure.id)
            #expect(completion.total == 1 && completion.readers.map(\.member.userID) == [w.employee.id])

            // Another workspace sees nothing of it.
            let other = try await app.operatorAccess("other")
            await #expect(throws: DomainError.notFound(entity: "document")) { _ = try await documents.load(other, procedure.id) }
            #expect(try await documents.list(other, query: DocumentQuery(search: "顧客"), page: PageRequest()).items.isEmpty)

            // A returned version goes back to its writer with the reason.
            _ = try await documents.addVersion(secretary, procedure.id, VersionInput(body: "顧客名簿は施錠保管し、持ち出しを記録する。", summary: "持ち出し記録"), context: w.context)
            _ = try await documents.step(secretary, procedure.id, number: 2, .submit, context: w.context)
            await #expect(throws: DomainError.invalid(field: "note", code: "error.required")) {
                _ = try await documents.step(ceo, procedure.id, number: 2, .returnToDraft(note: " "), context: w.context)
            }
            let returned = try await documents.step(ceo, procedure.id, number: 2, .returnToDraft(note: "記録様式を添付してください"), context: w.context)
            #expect(returned.status == .draft && returned.returnNote == "記録様式を添付してください")
        }
    }

    @Test(arguments: TestEngine.available) func aFileVersionKeepsItsHash(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await Self.world(app)
            let documents = Documents(app.services)
            let secretary = try await w.access(w.secretary)
            let plan = try await documents.create(secretary, DocumentInput(title: "事業継続計画", kind: "plan"), context: w.context)
            let pdf = Data("%PDF-1.4\n事業継続計画\n%%EOF".utf8)
            let version = try await documents.addVersion(secretary, plan.id, VersionInput(file: UploadedFile(name: "BCP.pdf", data: pdf), summary: "初版"), context: w.context)
            #expect(version.file?.name == "BCP.pdf" && version.sha256 == EvidenceRules.sha256(pdf) && version.body == nil)
            let file = try await documents.file(secretary, plan.id, number: 1)
            #expect(file.data == pdf && file.contentType == "application/pdf")
            await #expect(throws: DomainError.rule(code: "error.compareFiles")) { _ = try await documents.compare(secretary, plan.id, from: 1, to: 1) }
            await #expect(throws: DomainError.invalid(field: "file", code: "error.file.executable")) {
                _ = try await documents.editVersion(secretary, plan.id, number: 1, VersionInput(file: UploadedFile(name: "x.exe", data: Data("MZ\u{90}\0".utf8))),
                                                    expectedVersion: version.version, context: w.context)
            }
        }
    }
    @Test(arguments: TestEngine.available) func theStatementListsTheDocumentsOfAControlAndItsImportLinksThem(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await Self.world(app)
            let documents = Documents(app.services)
            let statement = Statement(app.services)
            let secretary = try await w.access(w.secretary)
            let access = try await w.access(w.external)
            let rule = try await documents.create(secretary, DocumentInput(title: "アクセス制御規程", kind: "rule", references: "A.5.15, A.8.5"), context: w.context)
            let policy = try await documents.create(secretary, DocumentInput(title: "情報セキュリティ基本方針", kind: "policy"), context: w.context)
            var lines = try await statement.lines(secretary)
            #expect(lines.first { $0.control.id == "5.15" }?.documents.map(\.id) == [rule.id])
            #expect(lines.first { $0.control.id == "5.1" }?.documents.isEmpty == true)
            // An external auditor sees only published documents beside the statement.
            #expect(try await statement.lines(access).first { $0.control.id == "5.15" }?.documents.isEmpty == true)

            // The documents column: a code or a title links the document; anything else stays as the note.
            let csv = "管理策番号,適用,理由,実施状況,関連文書\nA.5.1,適用,方針で定める,実施済み,\"DOC-002\nISMSマニュアル 第3章\"\nA.5.15,適用,規程で定める,実施済み,アクセス制御規程、入退室記録\n"
            let dry = try await statement.importFile(secretary, data: Data(csv.utf8), dryRun: true, context: w.context)
            #expect(dry.result.rows.map(\.notes) == [["documents:DOC-002"], []])
            #expect(try await documents.load(secretary, policy.id).document.references.isEmpty, "a dry run writes nothing")
            _ = try await statement.importFile(secretary, data: Data(csv.utf8), dryRun: false, context: w.context)
            #expect(try await documents.load(secretary, policy.id).document.references == ["A.5.1"])
            lines = try await statement.lines(secretary)
            let line51 = lines.first { $0.control.id == "5.1" }, line515 = lines.first { $0.control.id == "5.15" }
            #expect(line51?.documents.map(\.id) == [policy.id] && line51?.entry.documents == "ISMSマニュアル 第3章")
            #expect(line515?.documents.map(\.id) == [rule.id] && line515?.entry.documents == "入退室記録")
            // The export writes the linked documents then the note, and reads back the same.
            let exported = try await statement.export(secretary, format: .csv, language: .ja, version: nil)
            #expect(String(decoding: exported, as: UTF8.self).contains("DOC-002 情報セキュリティ基本方針\nISMSマニュアル 第3章"))
            let again = try await statement.importFile(secretary, data: exported, dryRun: true, context: w.context)
            #expect(again.result.created == 0 && again.result.updated == 0)
        }
    }
}
