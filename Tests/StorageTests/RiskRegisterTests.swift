import Domain
import Features
import Foundation
import Storage
import Testing
import TestSupport

/// The asset inventory, assessments, risks and the treatment plan through their use cases, on
/// SQLite and (when configured) PostgreSQL.
@Suite struct RiskRegisterTests {
    struct World {
        var app: TestApp
        var access: WorkspaceAccess
        var sales: Department
        var it: Department
        var officer: User
        var owner: User
        var boss: User
        var context: Context { Context(actor: .system) }
    }

    func world(_ app: TestApp) async throws -> World {
        let admin = try await app.user("admin@example.co.jp", admin: true)
        _ = try await app.workspace("acme", by: admin)
        let sales = try await app.department("営業部", in: "acme")
        let it = try await app.department("情報システム部", in: "acme")
        let officer = try await app.user("officer@example.co.jp")
        try await app.member(officer, in: "acme", roles: [RoleGrantInput(role: .departmentOfficer, departmentID: sales.id)], home: sales.id)
        let owner = try await app.user("owner@example.co.jp")
        // A committee member reads the risks and manages none: what they do here, they do as owner.
        try await app.member(owner, in: "acme", roles: [RoleGrantInput(role: .committeeMember)], home: it.id)
        try await app.member(try await app.user("staff@example.co.jp", name: "社員 一郎"), in: "acme", roles: [RoleGrantInput(role: .employee)], home: it.id)
        let boss = try await app.user("ceo@example.co.jp")
        try await app.member(boss, in: "acme", roles: [RoleGrantInput(role: .topManagement)])
        return World(app: app, access: try await app.operatorAccess("acme"), sales: sales, it: it, officer: officer, owner: owner, boss: boss)
    }

    func asset(_ w: World, _ code: String, department: Department.ID? = nil, c: Int = 3, i: Int = 2, a: Int = 2, kind: String = "information") async throws -> Asset {
        try await Assets(w.app.services).create(w.access, AssetInput(code: code, name: "資産\(code)", kind: kind, departmentID: .some(department),
                                                                     confidentiality: String(c), integrity: String(i), availability: String(a)), context: w.context)
    }

    func auditCount(_ w: World) async throws -> Int {
        try await AuditTrail(w.app.services).verify(workspaceSlug: "acme")[0].eventCount
    }

    @Test(arguments: TestEngine.available)
    func assetsAreValuedScopedToTheirDepartmentAndAudited(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let assets = Assets(app.services)
            let before = try await auditCount(w)
            let ledger = try await asset(w, "A-001", department: w.sales.id, c: 3, i: 1, a: 2)
            #expect(ledger.value == 3 && ledger.lastReviewedOn == w.access.today)
            #expect(try await auditCount(w) == before + 1)

            // A department officer changes their own department's assets only.
            let officer = try await app.access(w.officer, "acme")
            let changed = try await assets.update(officer, ledger.id, AssetInput(availability: "3", notes: "棚卸し済み"), expectedVersion: 1, context: w.context)
            #expect(changed.version == 2 && changed.value == 3 && changed.notes == "棚卸し済み")
            await #expect(throws: DomainError.conflict(entity: "asset", currentVersion: 2)) {
                _ = try await assets.update(officer, ledger.id, AssetInput(notes: "古い版"), expectedVersion: 1, context: w.context)
            }
            let server = try await asset(w, "A-002", department: w.it.id)
            await #expect(throws: DomainError.forbiddenBecause("error.notYourDepartment")) {
                _ = try await assets.update(officer, server.id, AssetInput(notes: "x"), expectedVersion: 1, context: w.context)
            }
            do {
                _ = try await assets.create(officer, AssetInput(code: "A-003", name: "他部門", departmentID: .some(w.it.id)), context: w.context)
                Issue.record("an officer created an asset for another department")
            } catch DomainError.invalid(let errors) { #expect(errors.map(\.code) == ["error.notYourDepartment"]) }

            do {
                _ = try await assets.create(w.access, AssetInput(code: "a-001", name: "", kind: "宝物", confidentiality: "9"), context: w.context)
                Issue.record("a bad asset was saved")
            } catch DomainError.invalid(let errors) {
                #expect(Set(errors.map(\.field)) == ["code", "name", "kind", "confidentiality"], "\(errors)")
            }
            // Codes are unique regardless of case.
            do { _ = try await assets.create(w.access, AssetInput(code: "a-001", name: "重複"), context: w.context); Issue.record("duplicate code") }
            catch DomainError.invalid(let errors) { #expect(errors.map(\.code) == ["error.codeTaken"]) }

            // A department that still holds assets is not deleted (nor left dangling).
            let empty = try await app.department("空の部", in: "acme")
            _ = try await asset(w, "A-004", department: empty.id)
            await #expect(throws: DomainError.rule(code: "error.departmentInUse", params: ["count": "1"])) {
                try await Departments(app.services).delete(w.access, empty.id, expectedVersion: nil, context: w.context)
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func theInventoryFiltersSortsAndPagesWithoutLosingAnAsset(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            for n in 1...23 {
                _ = try await asset(w, String(format: "A-%03d", n), department: n % 2 == 0 ? w.sales.id : w.it.id, c: n % 3 + 1, i: 1, a: 1,
                                    kind: n % 5 == 0 ? "software" : "information")
            }
            let assets = Assets(app.services)
            #expect(try await assets.count(w.access, query: AssetQuery(kind: .software)) == 4)
            #expect(try await assets.count(w.access, query: AssetQuery(departmentID: w.sales.id)) == 11)
            #expect(try await assets.count(w.access, query: AssetQuery(minimumValue: 3)) == 8)
            #expect(try await assets.count(w.access, query: AssetQuery(search: "a-01")) == 10, "search ignores case")
            for sort in AssetQuery.Sort.allCases {
                var seen: [String] = [], cursor: String? = nil
                repeat {
                    let page = try await assets.list(w.access, query: AssetQuery(sort: sort), page: PageRequest(limit: 5, cursor: cursor))
                    seen += page.items.map(\.code)
                    cursor = page.nextCursor
                } while cursor != nil
                #expect(seen.count == 23 && Set(seen).count == 23, "\(sort): \(seen)")
                // Numbered pages (in code order started from the code at the offset): the same list.
                for filter in [AssetQuery(sort: sort), AssetQuery(kind: .information, sort: sort), AssetQuery(search: "a-01", sort: sort)] {
                    let whole = try await assets.list(w.access, query: filter, page: PageRequest(limit: 50)).items.map(\.code)
                    var numbered: [String] = []
                    for number in 1...6 { numbered += try await assets.list(w.access, query: filter, page: .numbered(number, limit: 4)).items.map(\.code) }
                    #expect(numbered == whole && !whole.isEmpty, "\(sort), \(filter): \(numbered) vs \(whole)")
                    #expect(try await assets.list(w.access, query: filter, page: .numbered(7, limit: 4)).items.isEmpty)
                }
                if sort == .valueDescending {
                    let values = try await assets.list(w.access, query: AssetQuery(sort: sort), page: PageRequest(limit: 50)).items.map { $0.value ?? 0 }
                    #expect(values == values.sorted(by: >))
                }
            }
        }
    }

    /// A search's page walks the list in its order when the word is common and looks its matches up
    /// when it is rare (SQLite, issue 20); either way the pages give exactly the matching assets.
    @Test(arguments: TestEngine.available)
    func aSearchPagesTheSameAssetsWhetherItWalksTheListOrLooksThemUp(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let assets = Assets(app.services)
            // A page of three walks a window of 200: 顧客 fills it (one asset in four), 暗号 (two
            // assets) does not, and the software assets (one in five) are fewer than the window.
            for n in 1...330 {
                let name = n % 4 == 0 ? "顧客台帳\(n)" : n == 17 || n == 250 ? "暗号鍵\(n)" : "資産\(n)"
                _ = try await assets.create(w.access, AssetInput(code: String(format: "S-%03d", n), name: name, kind: n % 5 == 0 ? "software" : "information",
                                                                 confidentiality: String(n % 3 + 1), integrity: "1", availability: "1"), context: w.context)
            }
            for sort in AssetQuery.Sort.allCases {
                for kind in [nil, Asset.Kind.software] {
                    let everything = try await assets.list(w.access, query: AssetQuery(kind: kind, sort: sort), page: PageRequest(limit: 1000)).items
                    for word in ["顧客", "暗号", "存在しない", "s-1"] {
                        let expected = everything.filter { ($0.code + " " + $0.name).lowercased().contains(word.lowercased()) }.map(\.code)
                        var seen: [String] = [], cursor: String? = nil
                        repeat {
                            let page = try await assets.list(w.access, query: AssetQuery(search: word, kind: kind, sort: sort), page: PageRequest(limit: 3, cursor: cursor))
                            seen += page.items.map(\.code)
                            cursor = page.nextCursor
                        } while cursor != nil
                        #expect(seen == expected, "\(sort), \(String(describing: kind)), \(word): \(seen.count) of \(expected.count)")
                    }
                }
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func anImportIsAllOrNothingAndTheSameFileTwiceChangesNothing(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let transfer = AssetTransfer(app.services)
            let before = try await auditCount(w)
            let bad = "管理番号,資産名,種別,所有者,部門,機密性,完全性,可用性\nA-001,顧客台帳,情報,owner@example.co.jp,営業部,3,2,2\nA-002,,ソフトウェア,nobody@example.co.jp,経理部,2,3,3\n"
            do {
                _ = try await transfer.importFile(w.access, data: Data(bad.utf8), dryRun: false, context: w.context)
                Issue.record("a file with a bad row was imported")
            } catch DomainError.invalid(let errors) {
                #expect(errors.allSatisfy { $0.row == 3 }, "\(errors)")
                #expect(Set(errors.map(\.field)) == ["name", "owner", "department"], "errors name the file's columns: \(errors)")
            }
            #expect(try await Assets(app.services).count(w.access, query: AssetQuery()) == 0)
            #expect(try await auditCount(w) == before, "nothing was written, not even to the audit trail")

            let good = "管理番号,資産名,種別,所有者,部門,機密性,完全性,可用性\nA-001,顧客台帳,情報,owner@example.co.jp,営業部,3,2,2\nA-002,基幹システム,ソフトウェア,,IT部門ではない部署名,2,3,3\n"
                .replacingOccurrences(of: "IT部門ではない部署名", with: "情報システム部")
            let dry = try await transfer.importFile(w.access, data: Data(good.utf8), dryRun: true, context: w.context)
            #expect(dry.created == 2 && dry.dryRun)
            #expect(try await Assets(app.services).count(w.access, query: AssetQuery()) == 0, "a dry run writes nothing")
            let done = try await transfer.importFile(w.access, data: Data(good.utf8), dryRun: false, context: w.context)
            #expect(done.created == 2)
            let again = try await transfer.importFile(w.access, data: Data(good.utf8), dryRun: false, context: w.context)
            #expect(again.created == 0 && again.updated == 0)

            // The export reads back as the same inventory, in CSV and in Excel, in either language.
            for format in Tabular.Format.allCases {
                for language in Language.allCases {
                    let file = try await transfer.export(w.access, query: AssetQuery(), format: format, language: language)
                    let roundTrip = try await transfer.importFile(w.access, data: file, dryRun: true, context: w.context)
                    #expect(roundTrip.created == 0 && roundTrip.updated == 0, "\(format) \(language): \(roundTrip.rows)")
                }
            }
            let sjis = try await transfer.export(w.access, query: AssetQuery(), format: .csv, language: .ja, encoding: .cp932)
            #expect(String(data: sjis, encoding: .shiftJIS)?.contains("顧客台帳") == true)
        }
    }

    /// The ISMS Guide's method (資産価値 × 影響度 × 発生可能性) from our template: published, used by an
    /// assessment, the asset's value in the product, the heat map's cell lists its risk; the
    /// workspace's earlier method keeps its stored shape.
    @Test(arguments: TestEngine.available)
    func aProductMethodOfChosenFactorsScoresRisks(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let methods = RiskMethods(app.services)
            try await RiskSetup.ensure(w.access, services: app.services, context: w.context)
            let earlier = try #require(try await methods.current(w.access))
            #expect(earlier.formula == .assetThreatVulnerability && earlier.factors == nil)
            let draft = try await methods.createDraft(w.access, copying: nil, template: "jp-asset-impact-likelihood", context: w.context)
            #expect(draft.formula == .product && draft.factors == [.assetValue, .impact, .likelihood] && draft.threatScale == nil)
            // Changing the factors keeps only the scales they use.
            var input = RiskMethodInput(draft)
            input.factors = [.impact, .impact]
            do { _ = try await methods.update(w.access, draft.id, input, expectedVersion: draft.version, context: w.context); Issue.record("the same factor twice") }
            catch DomainError.invalid(let errors) { #expect(errors.map(\.field) == ["factors"]) }
            let published = try await methods.publish(w.access, draft.id, expectedVersion: draft.version, context: w.context)
            #expect(try await methods.load(w.access, earlier.id).factors == nil)

            let ledger = try await asset(w, "A-001", department: w.sales.id, c: 3, i: 1, a: 2)
            let assessments = RiskAssessments(app.services)
            let assessment = try await assessments.create(w.access, AssessmentInput(name: "2026年度"), carryForwardFrom: nil, context: w.context)
            #expect(assessment.methodID == published.id)
            let risks = Risks(app.services)
            let risk = try await risks.create(w.access, assessment: assessment.id,
                                              RiskInput(assetID: .some(ledger.id), scenario: "顧客台帳の持ち出し", inherent: RatingInput(likelihood: 2, impact: 3)),
                                              context: w.context)
            #expect(risk.inherent.assetValue == 3 && risk.inherentScore == 18 && risk.inherentLevel == "high")
            do {
                _ = try await risks.create(w.access, assessment: assessment.id, RiskInput(scenario: "x", inherent: RatingInput(likelihood: 4)), context: w.context)
                Issue.record("a rating off the scale was saved")
            } catch DomainError.invalid(let errors) { #expect(errors.map(\.field) == ["inherent.likelihood"], "\(errors)") }
            let map = try await assessments.heatMap(w.access, assessment, residual: false)
            #expect(map.cells.first { $0.x == 6 && $0.y == 3 }?.count == 1)
            let (x, y) = HeatMap.axes(published)
            let inCell = try await risks.list(w.access, assessment: assessment.id,
                                              query: RiskQuery(cell: .init(residual: false, x: 6, y: 3, xFactors: x, yFactor: y)), page: PageRequest())
            #expect(inCell.items.map(\.code) == [risk.code])
            // Without axes (the API's ?cell=) the method's own are used.
            let viaAPI = try await risks.list(w.access, assessment: assessment.id, query: RiskQuery(cell: .init(residual: false, x: 6, y: 3)), page: PageRequest())
            #expect(viaAPI.items.map(\.code) == [risk.code])
        }
    }

    @Test(arguments: TestEngine.available)
    func aRiskIsScoredFromItsAssetAndFollowsItWhileTheAssessmentIsADraft(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let ledger = try await asset(w, "A-001", department: w.sales.id, c: 3, i: 1, a: 1)
            let assessment = try await RiskAssessments(app.services).create(w.access, AssessmentInput(name: "2026年度"), carryForwardFrom: nil, context: w.context)
            let threat = try await RiskMethods(app.services).catalog(w.access, .threat)[0]
            let risks = Risks(app.services)
            let risk = try await risks.create(w.access, assessment: assessment.id,
                                              RiskInput(assetID: .some(ledger.id), threatID: .some(threat.id), inherent: RatingInput(threat: 2, vulnerability: 2),
                                                        ownerID: .some(w.owner.id), treatment: "低減", controls: ["A.5.15", "８．５"]), context: w.context)
            #expect(risk.code == "R-001" && risk.inherent.assetValue == 3 && risk.inherentScore == 12 && risk.inherentLevel == "medium")
            #expect(risk.treatment == .modify && risk.controls == ["5.15", "8.5"])

            // Confidentiality is not affected: the value is counted on integrity and availability.
            let narrowed = try await risks.update(w.access, risk.id, RiskInput(affectsConfidentiality: false), expectedVersion: 1, context: w.context)
            #expect(narrowed.inherent.assetValue == 1 && narrowed.inherentScore == 4)

            // The asset's new rating reaches the draft's risks.
            _ = try await Assets(app.services).update(w.access, ledger.id, AssetInput(integrity: "3"), expectedVersion: 1, context: w.context)
            #expect(try await risks.load(w.access, risk.id).inherentScore == 12)

            do {
                _ = try await risks.create(w.access, assessment: assessment.id, RiskInput(affectsConfidentiality: false, affectsIntegrity: false,
                                                                                         affectsAvailability: false, inherent: RatingInput(threat: 7), controls: ["99.1"]),
                                           context: w.context)
                Issue.record("a bad risk was saved")
            } catch DomainError.invalid(let errors) {
                #expect(Set(errors.map(\.field)) == ["scenario", "affects", "controls", "inherent.threat"], "\(errors)")
            }
            // An officer manages the risks of their department's assets only.
            let officer = try await app.access(w.officer, "acme")
            let other = try await asset(w, "A-002", department: w.it.id)
            await #expect(throws: DomainError.forbiddenBecause("error.notYourDepartment")) {
                _ = try await risks.create(officer, assessment: assessment.id, RiskInput(assetID: .some(other.id), scenario: "x"), context: w.context)
            }
            _ = try await risks.update(officer, risk.id, RiskInput(scenario: "退職者のアカウントが残る"), expectedVersion: 3, context: w.context)
        }
    }

    @Test(arguments: TestEngine.available)
    func onlyTheOwnerAcceptsAndAChangeAfterwardsAsksAgain(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let ledger = try await asset(w, "A-001", c: 3, i: 3, a: 3)
            let assessment = try await RiskAssessments(app.services).create(w.access, AssessmentInput(name: "2026年度"), carryForwardFrom: nil, context: w.context)
            let risks = Risks(app.services)
            let risk = try await risks.create(w.access, assessment: assessment.id,
                                              RiskInput(assetID: .some(ledger.id), inherent: RatingInput(threat: 3, vulnerability: 3),
                                                        ownerID: .some(w.owner.id), treatment: "retain"), context: w.context)
            let owner = try await app.access(w.owner, "acme")
            // Someone who cannot see the risk registers cannot own a risk.
            let staff = try await app.services.store.read { try await $0.users.load(email: "staff@example.co.jp") }!
            do {
                _ = try await risks.update(w.access, risk.id, RiskInput(ownerID: .some(staff.id)), expectedVersion: risk.version, context: w.context)
                Issue.record("an employee became a risk owner")
            } catch DomainError.invalid(let errors) {
                #expect(errors == [FieldError(field: "ownerId", code: "error.ownerCannotSeeRisks", params: ["name": "社員 一郎"])])
            }
            await #expect(throws: DomainError.forbiddenBecause("error.onlyRiskOwner")) {
                _ = try await risks.accept(w.access, risk.id, reason: "x", expectedVersion: nil, context: w.context)
            }
            do {
                _ = try await risks.accept(owner, risk.id, reason: nil, expectedVersion: nil, context: w.context)
                Issue.record("a score of 27 was accepted without a reason")
            } catch DomainError.invalid(let errors) { #expect(errors.map(\.code) == ["error.acceptanceReasonNeeded"]) }
            let accepted = try await risks.accept(owner, risk.id, reason: "事業継続上、現状を受け入れる", expectedVersion: nil, context: w.context)
            #expect(accepted.isAccepted && accepted.acceptedBy == w.owner.id)
            #expect(try await risks.count(w.access, assessment: assessment.id, query: RiskQuery(accepted: true)) == 1)
            let changed = try await risks.update(w.access, risk.id, RiskInput(residual: RatingInput(threat: 1, vulnerability: 1)), expectedVersion: accepted.version,
                                                 context: w.context)
            #expect(!changed.isAccepted && changed.acceptanceReason == nil, "the owner accepted something else")
            let unchanged = try await risks.update(w.access, risk.id, RiskInput(code: "R-001"), expectedVersion: changed.version, context: w.context)
            #expect(unchanged.version == changed.version, "saving without a change writes nothing")
        }
    }

    @Test(arguments: TestEngine.available)
    func aYearGoesFromDraftToApprovalAndTheNextCarriesTheOpenRisksForward(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let assessments = RiskAssessments(app.services), risks = Risks(app.services)
            let ledger = try await asset(w, "A-001")
            let first = try await assessments.create(w.access, AssessmentInput(name: "2025年度", startsOn: "2025-04-01", endsOn: "2026-03-31"),
                                                     carryForwardFrom: nil, context: w.context)
            await #expect(throws: DomainError.invalid([FieldError(field: "risks", code: "error.noRisks")])) {
                _ = try await assessments.submit(w.access, first.id, expectedVersion: nil, context: w.context)
            }
            var kept: [Risk] = []
            for (threat, vulnerability) in [(1, 1), (2, 3), (3, 3)] {
                kept.append(try await risks.create(w.access, assessment: first.id, RiskInput(assetID: .some(ledger.id),
                                                                                           inherent: RatingInput(threat: threat, vulnerability: vulnerability)),
                                                   context: w.context))
            }
            do { _ = try await assessments.submit(w.access, first.id, expectedVersion: nil, context: w.context); Issue.record("incomplete risks went for approval") }
            catch DomainError.invalid(let errors) { #expect(errors.map(\.code) == ["error.risksIncomplete"] && errors[0].params["count"] == "3") }
            for risk in kept {
                _ = try await risks.update(w.access, risk.id, RiskInput(ownerID: .some(w.owner.id), treatment: "modify"), expectedVersion: risk.version, context: w.context)
            }
            // No owner has accepted the residual risks (6.1.3 f): submitting names them, and goes on only when told to.
            await #expect(throws: DomainError.rule(code: "error.risksUnaccepted", params: ["count": "3", "codes": "R-001, R-002, R-003"])) {
                _ = try await assessments.submit(w.access, first.id, expectedVersion: nil, context: w.context)
            }
            let owner = try await app.access(w.owner, "acme")
            _ = try await risks.accept(owner, kept[0].id, reason: "現状の管理策で十分", expectedVersion: nil, context: w.context)
            let waiting = try await assessments.unaccepted(w.access, first.id)
            #expect(waiting.count == 2 && waiting.first.map(\.code) == ["R-002", "R-003"])
            let named = try await assessments.unaccepted(w.access, first.id, limit: 1)
            #expect(named.count == 2 && named.first.map(\.code) == ["R-002"], "counted whole, named up to the limit")
            let submitted = try await assessments.submit(w.access, first.id, proceedWithUnaccepted: true, expectedVersion: nil, context: w.context)
            #expect(submitted.status == .inReview && submitted.unacceptedAtSubmission == ["R-002", "R-003"])
            #expect(try await assessments.load(w.access, first.id).unacceptedAtSubmission == ["R-002", "R-003"], "what went unaccepted is stored")
            await #expect(throws: DomainError.rule(code: "error.assessmentNotDraft")) {
                _ = try await risks.update(w.access, kept[0].id, RiskInput(scenario: "x"), expectedVersion: 3, context: w.context)
            }
            // Only top management approves; the secretariat (and the installation administrator with it) cannot.
            await #expect(throws: DomainError.forbidden) {
                _ = try await assessments.approve(w.access, first.id, note: nil, expectedVersion: nil, context: w.context)
            }
            let boss = try await app.access(w.boss, "acme")
            let approved = try await assessments.approve(boss, first.id, note: "承認", expectedVersion: nil, context: w.context)
            #expect(approved.status == .approved && approved.approvedBy == w.boss.id)
            // After approval the owner can still accept: the acceptance is recorded, the approved ratings stay.
            let late = try await risks.accept(owner, kept[1].id, reason: "予算の都合で来期に対応", expectedVersion: nil, context: w.context)
            #expect(late.isAccepted && late.inherentScore == kept[1].inherentScore)
            #expect(try await assessments.unaccepted(w.access, first.id).first.map(\.code) == ["R-003"])

            // Next year: the open risks come forward to be reviewed; a closed one stays behind.
            let second = try await assessments.create(w.access, AssessmentInput(name: "2026年度"), carryForwardFrom: first.id, context: w.context)
            let carried = try await app.services.store.read { try await $0.risks.all(in: second.id, workspace: w.access.workspaceID) }
            #expect(carried.count == 3 && carried.allSatisfy { $0.review == .toReview && $0.previousID != nil && !$0.isAccepted })
            #expect(carried.map(\.code) == ["R-001", "R-002", "R-003"])
            do { _ = try await assessments.submit(w.access, second.id, expectedVersion: nil, context: w.context); Issue.record("unreviewed risks went for approval") }
            catch DomainError.invalid(let errors) { #expect(errors.map(\.code) == ["error.risksToReview"]) }
            _ = try await risks.review(w.access, carried[0].id, outcome: "reviewed", expectedVersion: nil, context: w.context)
            _ = try await risks.review(w.access, carried[1].id, outcome: "closed", expectedVersion: nil, context: w.context)
            _ = try await risks.update(w.access, carried[2].id, RiskInput(residual: RatingInput(threat: 1, vulnerability: 1)), expectedVersion: carried[2].version,
                                       context: w.context)
            _ = try await risks.create(w.access, assessment: second.id, RiskInput(scenario: "新しいクラウドサービスの設定不備"), context: w.context)
            let difference = try await assessments.difference(w.access, try await assessments.load(w.access, second.id))
            #expect(difference?.count(.unchanged) == 1 && difference?.count(.closed) == 1 && difference?.count(.changed) == 1 && difference?.count(.new) == 1)
            #expect(difference?.wentDown == 1)
            // The counts the database makes are the ones the rule makes from every risk of both years.
            let everyRisk = try await app.services.store.read { db in
                RiskDifference.between(current: try await db.risks.all(in: second.id, workspace: w.access.workspaceID),
                                       previous: try await db.risks.all(in: first.id, workspace: w.access.workspaceID))
            }
            #expect(difference == everyRisk.summary)
            let third = try await assessments.create(w.access, AssessmentInput(name: "2027年度"), carryForwardFrom: second.id, context: w.context)
            #expect(try await risks.count(w.access, assessment: third.id, query: RiskQuery()) == 3, "a closed risk is not carried forward; the new one is")
        }
    }

    @Test(arguments: TestEngine.available)
    func theHeatMapCountsAndFiltersTheRegister(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let ledger = try await asset(w, "A-001", c: 3, i: 3, a: 3)
            let assessments = RiskAssessments(app.services), risks = Risks(app.services)
            let assessment = try await assessments.create(w.access, AssessmentInput(name: "2026年度"), carryForwardFrom: nil, context: w.context)
            for (t, v) in [(2, 3), (3, 2), (1, 1), (3, 3)] {
                _ = try await risks.create(w.access, assessment: assessment.id, RiskInput(assetID: .some(ledger.id), inherent: RatingInput(threat: t, vulnerability: v)),
                                           context: w.context)
            }
            _ = try await risks.create(w.access, assessment: assessment.id, RiskInput(scenario: "評価前のリスク"), context: w.context)
            let map = try await assessments.heatMap(w.access, assessment, residual: false)
            #expect(map.total == 4 && map.unrated == 1)
            #expect(map.cells.first { $0.x == 6 && $0.y == 3 }?.count == 2)
            // Without residual ratings a risk stands where it stood.
            let residualMap = try await assessments.heatMap(w.access, assessment, residual: true)
            #expect(residualMap.total == 4 && residualMap.unrated == 1 && residualMap.cells.first { $0.x == 6 && $0.y == 3 }?.count == 2)
            #expect(try await risks.count(w.access, assessment: assessment.id, query: RiskQuery(residualLevel: "high", cell: .init(residual: true, x: 6, y: 3))) == 2)
            let cell = RiskQuery(cell: .init(residual: false, x: 6, y: 3))
            #expect(try await risks.count(w.access, assessment: assessment.id, query: cell) == 2)
            #expect(try await risks.count(w.access, assessment: assessment.id, query: RiskQuery(level: "high")) == 3)
            let ordered = try await risks.list(w.access, assessment: assessment.id, query: RiskQuery(sort: .inherentDescending), page: PageRequest(limit: 2))
            #expect(ordered.items.map(\.inherentScore) == [27, 18])
            let next = try await risks.list(w.access, assessment: assessment.id, query: RiskQuery(sort: .inherentDescending),
                                            page: PageRequest(limit: 10, cursor: ordered.nextCursor))
            #expect(next.items.map(\.inherentScore) == [18, 3, nil])
            // One risk per page, in every order: each risk once, ties included.
            let all = try await risks.count(w.access, assessment: assessment.id, query: RiskQuery())
            for sort in RiskQuery.Sort.allCases {
                var seen: [Risk.ID] = [], cursor: String? = nil
                repeat {
                    let page = try await risks.list(w.access, assessment: assessment.id, query: RiskQuery(sort: sort), page: PageRequest(limit: 1, cursor: cursor))
                    seen += page.items.map(\.id)
                    cursor = page.nextCursor
                } while cursor != nil
                #expect(all >= 4 && seen.count == all && Set(seen).count == all, "\(sort): \(seen.count) of \(all)")
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func anActionsOwnerReportsProgressAndOnlyThat(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let ledger = try await asset(w, "A-001", department: w.sales.id)
            let assessment = try await RiskAssessments(app.services).create(w.access, AssessmentInput(name: "2026年度"), carryForwardFrom: nil, context: w.context)
            let risk = try await Risks(app.services).create(w.access, assessment: assessment.id, RiskInput(assetID: .some(ledger.id)), context: w.context)
            let actions = TreatmentActions(app.services)
            do {
                _ = try await actions.create(w.access, ActionInput(title: " ", riskIDs: [Risk.ID()], controls: ["5.99"], dueOn: "来月", evidenceLink: "ftp://x"),
                                             context: w.context)
                Issue.record("a bad action was saved")
            } catch DomainError.invalid(let errors) {
                #expect(Set(errors.map(\.field)) == ["title", "riskIds", "controls", "dueOn", "evidenceLink"], "\(errors)")
            }
            let action = try await actions.create(w.access, ActionInput(title: "アクセス権の棚卸し", riskIDs: [risk.id], controls: ["5.18"], ownerID: .some(w.owner.id),
                                                                        dueOn: "2027-03-31"), context: w.context)
            let owner = try await app.access(w.owner, "acme")
            await #expect(throws: DomainError.forbiddenBecause("error.notYourDepartment")) {
                _ = try await actions.update(owner, action.id, ActionInput(title: "別の件名"), expectedVersion: 1, context: w.context)
            }
            do {
                _ = try await actions.update(owner, action.id, ActionInput(status: "完了"), expectedVersion: 1, context: w.context)
                Issue.record("done without saying what was done")
            } catch DomainError.invalid(let errors) { #expect(errors.map(\.code) == ["error.completionNoteNeeded"]) }
            let done = try await actions.update(owner, action.id, ActionInput(status: "完了", completionNote: "棚卸し手順を定めて実施", evidenceLink: "https://wiki.example.co.jp/x"),
                                                expectedVersion: 1, context: w.context)
            #expect(done.status == .done && !done.isOpen)
            // The officer of the risk's department plans it too.
            let officer = try await app.access(w.officer, "acme")
            let moved = try await actions.update(officer, action.id, ActionInput(dueOn: "2027-06-30"), expectedVersion: done.version, context: w.context)
            #expect(moved.dueOn?.description == "2027-06-30")
            #expect(try await actions.list(w.access, query: ActionQuery(riskID: risk.id), page: PageRequest(limit: 10)).items.map(\.id) == [action.id])
            #expect(try await actions.list(w.access, query: ActionQuery(openOnly: true), page: PageRequest(limit: 10)).items.isEmpty)
        }
    }

    @Test(arguments: TestEngine.available)
    func thePlanListsTheHighestRiskFirstAndExports(engine: TestEngine) async throws {
        try await TestApp.with(engine) { app in
            let w = try await world(app)
            let ledger = try await asset(w, "A-001", c: 3, i: 3, a: 3)
            let assessment = try await RiskAssessments(app.services).create(w.access, AssessmentInput(name: "2026年度"), carryForwardFrom: nil, context: w.context)
            let risks = Risks(app.services), actions = TreatmentActions(app.services)
            var made: [String: TreatmentAction] = [:]
            for (title, t, v, due) in [("低い", 1, 1, "2027-01-31"), ("高い・遅い", 3, 3, "2027-06-30"), ("高い・早い", 3, 3, "2027-02-28"), ("中", 2, 2, "2026-12-31")] {
                let risk = try await risks.create(w.access, assessment: assessment.id, RiskInput(assetID: .some(ledger.id), inherent: RatingInput(threat: t, vulnerability: v)),
                                                  context: w.context)
                made[title] = try await actions.create(w.access, ActionInput(title: title, riskIDs: [risk.id], dueOn: due), context: w.context)
            }
            _ = try await actions.create(w.access, ActionInput(title: "リスクなし"), context: w.context)
            var titles: [String] = [], cursor: String? = nil
            repeat {
                let page = try await actions.list(w.access, query: ActionQuery(sort: .risk), page: PageRequest(limit: 2, cursor: cursor))
                titles += page.items.map(\.title)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(titles == ["高い・早い", "高い・遅い", "中", "低い", "リスクなし"])
            let byDue = try await actions.list(w.access, query: ActionQuery(), page: PageRequest(limit: 10)).items.map(\.title)
            #expect(byDue == ["中", "低い", "高い・早い", "高い・遅い", "リスクなし"])
            let csv = String(decoding: try await actions.export(w.access, query: ActionQuery(sort: .risk), format: .csv, language: .ja), as: UTF8.self)
            let lines = csv.split(separator: "\r\n").map(String.init)
            #expect(lines.first?.contains("件名,対象リスク,最大リスク値") == true, "\(lines.first ?? "")")
            #expect(lines.count == 6 && lines[1].hasPrefix("高い・早い,R-003,27"), "\(lines)")

            // Once "高い・遅い" is treated down to a low residual risk, the two orders differ:
            // residual first puts it last of the rated, inherent first keeps it at the top.
            let treated = try #require(made["高い・遅い"]?.riskIDs.first)
            let current = try await risks.load(w.access, treated)
            _ = try await risks.update(w.access, treated, RiskInput(residual: RatingInput(threat: 1, vulnerability: 1)), expectedVersion: current.version, context: w.context)
            func order(_ sort: ActionQuery.Sort) async throws -> [String] {
                var titles: [String] = [], cursor: String? = nil
                repeat {
                    let page = try await actions.list(w.access, query: ActionQuery(sort: sort), page: PageRequest(limit: 2, cursor: cursor))
                    titles += page.items.map(\.title)
                    cursor = page.nextCursor
                } while cursor != nil
                return titles
            }
            #expect(try await order(.risk) == ["高い・早い", "中", "低い", "高い・遅い", "リスクなし"])
            #expect(try await order(.inherentRisk) == ["高い・早い", "高い・遅い", "中", "低い", "リスクなし"])
            // The page shows both levels of each action's highest risk.
            let page = try await app.get("/w/acme/treatment-plan?sort=inherentRisk", session: try await app.session(for: w.boss), headers: ["Accept-Language": "ja"])
            #expect(page.text.contains("固有リスク") && page.text.contains("残留リスク") && page.text.contains("固有リスクの高い順"))
        }
    }

    /// Issue 14: an asset register with a title row, 分類 holding the classification (社外秘) and
    /// 種別 the page's own labels (物理的資産), 資産価値 computed by the file: imports as it is.
    @Test func anAssetRegisterWithATitleRowAndItsOwnHeadersImports() async throws {
        try await TestApp.with { app in
            let w = try await world(app)
            let csv = """
            情報資産管理台帳（2026年4月1日現在）,,,,,,,
            資産番号,情報資産名,種別,分類,所有者,機密性,完全性,可用性,資産価値
            A-001,顧客台帳,情報,社外秘,owner@example.co.jp,3,2,2,3
            A-002,サーバー室の鍵,物理的資産,社外秘,,2,1,1,2

            """
            let done = try await AssetTransfer(app.services).importFile(w.access, data: Data(csv.utf8), dryRun: false, context: w.context)
            #expect(done.created == 2, "\(done.rows)")
            let key = try #require(try await Assets(app.services).find(w.access, code: "A-002"))
            #expect(key.kind == .physical && key.classification == "internal" && key.value == 2, "社外秘 is the label of the classification internal")
        }
    }
}
