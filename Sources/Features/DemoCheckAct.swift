import Domain
import Foundation
import Storage

/// The demo's Check and Act: processes, a programme per fiscal year with its audits, findings
/// and their nonconformities, other nonconformities, and a management review per past year
/// (held, its inputs frozen as they stood) plus this year's, planned.
struct DemoCheckAct: Sendable {
    let services: AppServices
    let workspace: Workspace
    let scale: DemoScale

    static let processes = ["受注から請求まで", "採用から退職まで", "サービスの変更管理", "障害対応", "委託先の選定と評価", "購買と資産の受入れ"]
    static let findings: [(AuditFinding.Kind, String, String)] = [
        (.minor, "7.2", "新任者の教育受講記録が一部確認できない"), (.minor, "A.5.15", "退職者のアカウント削除が手順の期限を過ぎていた"),
        (.observation, "A.8.13", "バックアップの復元テスト結果の記録様式が部門ごとに異なる"), (.minor, "A.5.9", "資産台帳に登録のない貸与PCがあった"),
        (.improvement, "9.1", "監視結果をグラフで共有すると傾向がつかみやすい"), (.major, "A.8.8", "重要な脆弱性の修正が90日以上未適用のサーバがあった"),
        (.minor, "7.5.3", "改訂された手順書の旧版が共有フォルダに残っていた"), (.observation, "A.5.19", "委託先評価の基準が文書化されていない部門がある"),
    ]
    static let others: [(Nonconformity.Source, String, String)] = [
        (.incident, "A.5.24", "メール誤送信のインシデントで報告が翌日になった"), (.monitoring, "A.8.8", "パッチ適用率が3か月連続で目標を下回った"),
        (.complaint, "A.5.34", "顧客から個人情報の取扱いについて問合せがあり回答が遅れた"), (.certificationAudit, "6.1.3", "リスク対応計画の承認記録が不十分"),
        (.incident, "A.7.7", "クリアデスクの未実施で書類が放置されていた"), (.other, "A.6.3", "協力会社社員の教育が未実施だった"),
    ]

    var years: Int { switch scale { case .small: 1; case .medium: 2; case .enterprise: 4 } }
    var auditsPerYear: Int { switch scale { case .small: 2; case .medium: 6; case .enterprise: 12 } }
    var othersPerYear: Int { switch scale { case .small: 3; case .medium: 12; case .enterprise: 60 } }

    /// Adds them when the workspace has no audit programme; returns whether it did.
    func seed(random: inout DemoRandom) async throws -> Bool {
        let workspaceID = workspace.id
        let (existing, auditors, officers, bosses, departments) = try await services.store.read { db in
            (try await db.checkAct.programmes.count(in: workspaceID), try await db.members.all(holding: .internalAuditor, in: workspaceID),
             try await db.members.all(holding: .departmentOfficer, in: workspaceID), try await db.members.all(holding: .topManagement, in: workspaceID),
             try await db.departments.all(in: workspaceID))
        }
        guard existing == 0, !auditors.isEmpty, !officers.isEmpty, !departments.isEmpty else { return false }
        let now = services.now
        let today = CalendarDate(now, in: workspace.zone)
        let fiscalStart = workspace.fiscalYearStartMonth
        let currentStart = CalendarDate(year: today.month >= fiscalStart ? today.year : today.year - 1, month: fiscalStart, day: 1)!
        var records: [any Sendable] = []
        var number = 0
        func id<T>(_ type: T.Type, _ random: inout DemoRandom) -> Domain.ID<T> { Domain.ID<T>(DemoStatement.uuid(&random)) }

        var processes: [BusinessProcess] = []
        for (index, name) in Self.processes.enumerated() {
            let owner = officers[index % officers.count]
            processes.append(BusinessProcess(id: id(BusinessProcess.self, &random), workspaceID: workspaceID, name: name, ownerID: owner.userID,
                                             departmentID: owner.homeDepartmentID, createdAt: now, updatedAt: now))
        }
        records += processes
        var ncs: [Nonconformity] = []
        var audits: [InternalAudit] = []
        var findings: [AuditFinding] = []
        func nc(_ source: Nonconformity.Source, _ reference: String, _ text: String, raised: CalendarDate, past: Bool, audit: InternalAudit.ID? = nil,
                finding: AuditFinding.ID? = nil, severity: Nonconformity.Severity? = nil, random: inout DemoRandom) -> Nonconformity {
            number += 1
            let owner = officers[Int.random(in: 0..<officers.count, using: &random)]
            let verifier = auditors[Int.random(in: 0..<auditors.count, using: &random)]
            var record = Nonconformity(id: id(Nonconformity.self, &random), workspaceID: workspaceID, number: number, source: source, severity: severity,
                                       findingID: finding, auditID: audit, description: text, reference: reference, raisedOn: raised, raisedBy: verifier.userID,
                                       ownerID: owner.userID, dueOn: raised.adding(days: 60), createdAt: now, updatedAt: now)
            record.history = [.init(action: "raise", at: now, by: verifier.userID)]
            let stage = past ? 3 : Int.random(in: 0...3, using: &random)
            if stage >= 1 {
                record.correction = "当該事象に対処した"; record.whys = ["手順に明記されていない", "手順の見直しの機会がなかった"]
                record.rootCause = "手順の定期的な見直しの仕組みがない"; record.actionPlan = "手順を改訂し、年1回の見直しを文書管理規程に加える"
                record.status = .planned
            }
            if stage >= 2 { record.implementedOn = min(raised.adding(days: 30), today); record.status = .implemented }
            if stage >= 3 && verifier.userID != owner.userID {
                let on = min(raised.adding(days: 50), today)
                record.verification = .init(by: verifier.userID, on: on, effective: true, note: "その後の記録で再発がないことを確認")
                record.status = .closed
                record.closedOn = on
            }
            return record
        }

        for yearsBack in stride(from: years, through: 0, by: -1) {
            let start = CalendarDate(year: currentStart.year - yearsBack, month: fiscalStart, day: 1)!
            let end = CalendarDate(year: start.year + 1, month: fiscalStart, day: 1)!.adding(days: -1)
            let programme = AuditProgramme(id: id(AuditProgramme.self, &random), workspaceID: workspaceID, title: "\(start.year)年度 内部監査プログラム",
                                           startsOn: start, endsOn: end, notes: "全部門を年1回監査する。前年度の指摘が多かった部門を上期に置く。",
                                           createdAt: now, updatedAt: now)
            records.append(programme)
            for index in 0..<auditsPerYear {
                let begins = start.adding(days: 30 + index * (300 / auditsPerYear))
                let past = begins.adding(days: 14) < today
                let lead = auditors[(index + yearsBack) % auditors.count]
                let scope = departments.filter { $0.id != lead.homeDepartmentID }
                let chosen = [scope[(index * 2) % scope.count], scope[(index * 2 + 1) % scope.count]].uniqued()
                let criteria = ["7.2", "7.5.3", "9.1", "A.5.9", "A.5.15", "A.8.8", "A.8.13"]
                var audit = InternalAudit(id: id(InternalAudit.self, &random), workspaceID: workspaceID, programmeID: programme.id,
                                          title: "\(start.year)年度 第\(index + 1)回 \(chosen.map(\.name).joined(separator: "・"))", departmentIDs: chosen.map(\.id),
                                          criteria: criteria, startsOn: begins, endsOn: begins.adding(days: 4), leadAuditorID: lead.userID,
                                          status: past ? .closed : .planned, createdAt: now, updatedAt: now)
                if past { audit.conclusion = "監査基準に概ね適合している。指摘事項は是正処置で対応する。"; audit.reportedOn = begins.adding(days: 10) }
                for (position, reference) in criteria.enumerated() {
                    let result: ChecklistItem.Result = past ? (Int.random(in: 0..<6, using: &random) == 0 ? .nonconforming : .conforming) : .notAudited
                    records.append(ChecklistItem(id: id(ChecklistItem.self, &random), auditID: audit.id, workspaceID: workspaceID, position: position + 1,
                                                 reference: reference, question: InternalAudits(services).question(reference, language: .ja), result: result,
                                                 notes: result == .conforming ? "手順書と記録を確認" : nil, updatedAt: now))
                }
                if past {
                    for _ in 0..<Int.random(in: 0...3, using: &random) {
                        let pick = Self.findings[Int.random(in: 0..<Self.findings.count, using: &random)]
                        var finding = AuditFinding(id: id(AuditFinding.self, &random), auditID: audit.id, workspaceID: workspaceID, kind: pick.0, reference: pick.1,
                                                   description: pick.2, createdBy: lead.userID, createdAt: now)
                        if pick.0.isNonconformity {
                            let record = nc(.internalAudit, pick.1, pick.2, raised: begins.adding(days: 4), past: yearsBack > 0, audit: audit.id, finding: finding.id,
                                            severity: pick.0 == .major ? .major : .minor, random: &random)
                            finding.nonconformityID = record.id
                            ncs.append(record)
                            if record.status != .closed { audit.status = .reported }
                        }
                        findings.append(finding)
                    }
                }
                audits.append(audit)
            }
            for index in 0..<othersPerYear {
                let raised = start.adding(days: 15 + index * (340 / othersPerYear))
                guard raised <= today else { break }
                let pick = Self.others[Int.random(in: 0..<Self.others.count, using: &random)]
                ncs.append(nc(pick.0, pick.1, pick.2, raised: raised, past: yearsBack > 0, random: &random))
            }
        }
        records += audits
        records += findings
        records += ncs

        // A review at the end of each past year, its inputs as the records then stood; this year's planned.
        var reviews: [ManagementReview] = []
        var actions: [ReviewAction] = []
        let objectives = try await services.store.read { db -> [(Objective, [ObjectiveMeasurement])] in
            let list = try await db.objectives.list(in: workspaceID, query: ObjectiveQuery(), page: PageRequest(limit: 1000)).items
            let readings = try await db.objectives.measurements(of: list.map(\.id), in: workspaceID)
            return list.map { ($0, readings[$0.id] ?? []) }
        }
        for yearsBack in stride(from: years, through: 0, by: -1) {
            let heldOn = CalendarDate(year: currentStart.year - yearsBack + 1, month: fiscalStart, day: 1)!.adding(days: -20)
            var review = ManagementReview(id: id(ManagementReview.self, &random), workspaceID: workspaceID, title: "\(currentStart.year - yearsBack)年度 マネジメントレビュー",
                                          heldOn: heldOn, attendeeIDs: (bosses.prefix(2) + auditors.prefix(1)).map(\.userID), agenda: "ISMSの運用状況の報告と次年度計画",
                                          notes: ReviewNotes(externalIssues: "取引先からのセキュリティ要求の増加", feedback: "顧客アンケートで情報管理への評価は良好",
                                                             improvement: "教育のeラーニング化"), createdAt: now, updatedAt: now)
            if heldOn < today {
                let start = reviews.last.map { $0.heldOn.adding(days: 1) }
                review.inputs = ReviewCompiler.compile(ReviewSources(
                    periodStart: start, today: heldOn, notes: review.notes, previousActions: actions, names: [:],
                    nonconformities: ncs.filter { $0.raisedOn <= heldOn }, audits: audits.filter { $0.startsOn <= heldOn }, findings: findings,
                    objectives: objectives.map { ($0.0, $0.1.filter { $0.measuredOn <= heldOn }) }, risk: nil))
                review.status = .held
                review.decisions = "次年度も現行の方針を継続する。教育の受講管理を強化する。"
                review.resourceNeeds = "脆弱性管理ツールの導入予算"
                for (index, text) in ["教育の受講管理をシステム化する", "脆弱性管理ツールを選定する"].enumerated() {
                    actions.append(ReviewAction(id: id(ReviewAction.self, &random), workspaceID: workspaceID, reviewID: review.id, text: text,
                                                ownerID: officers[index % officers.count].userID, dueOn: heldOn.adding(days: 180),
                                                doneOn: heldOn.adding(days: 180) < today ? heldOn.adding(days: 150) : nil, createdAt: now))
                }
            }
            reviews.append(review)
        }
        records += reviews
        records += actions

        let all = records, numbered = number
        try await services.store.write { tx in
            for record in all { try await Self.insert(record, tx: tx) }
            try await tx.sequences.set(Numbering.nonconformity, to: numbered, in: workspaceID)
        }
        return true
    }

    static func insert(_ record: any Sendable, tx: Writer) async throws {
        let s = tx.checkAct
        switch record {
        case let r as BusinessProcess: try await s.processes.insert(r)
        case let r as AuditProgramme: try await s.programmes.insert(r)
        case let r as InternalAudit: try await s.audits.insert(r)
        case let r as ChecklistItem: try await s.checklist.insert(r)
        case let r as AuditFinding: try await s.findings.insert(r)
        case let r as Nonconformity: try await s.nonconformities.insert(r)
        case let r as ManagementReview: try await s.reviews.insert(r)
        case let r as ReviewAction: try await s.reviewActions.insert(r)
        default: break
        }
    }
}
