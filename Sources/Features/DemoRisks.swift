import Domain
import Foundation
import Storage

extension DemoScale {
    var assets: Int { switch self { case .small: 40; case .medium: 2_000; case .enterprise: 50_000 } }
    /// Risks of the current assessment (last year's held nine in ten of them).
    var risks: Int { switch self { case .small: 30; case .medium: 1_000; case .enterprise: 20_000 } }
    var actions: Int { switch self { case .small: 8; case .medium: 200; case .enterprise: 3_000 } }
}

/// The demo's asset inventory and two years of risk assessment: last year's approved and
/// accepted, this year's a draft carried forward from it, part reviewed, with new risks and a
/// treatment plan. Rows are written in batches with exactly the audit events the use cases write,
/// scored by the same rules.
struct DemoRisks {
    let services: AppServices
    let workspace: Workspace
    let scale: DemoScale

    static let assetNames: [(String, Asset.Kind, Asset.Form)] = [
        ("顧客台帳", .information, .electronic), ("見積書・契約書", .information, .paper), ("人事評価記録", .information, .electronic),
        ("給与データ", .information, .electronic), ("ソースコード", .software, .electronic), ("本番データベース", .information, .electronic),
        ("業務用ノートPC", .physical, .electronic), ("ファイルサーバ", .physical, .electronic), ("社内Wiki", .service, .electronic),
        ("メールサービス", .service, .electronic), ("会計システム", .software, .electronic), ("入館記録", .information, .paper),
        ("設計書", .information, .electronic), ("監視ログ", .information, .electronic), ("バックアップ媒体", .physical, .other),
        ("取引先名刺", .information, .paper), ("勤怠システム", .service, .electronic), ("開発用クラウド環境", .service, .electronic),
        ("サーバルーム", .facility, .other), ("委託先との秘密保持契約書", .information, .paper),
    ]
    static let actionTitles = [
        "アクセス権の棚卸しを四半期ごとに行う", "多要素認証を全員に適用する", "バックアップの復元テストを行う", "ログの保管期間を1年に延ばす",
        "委託先の点検を年次で行う", "紙の書類を施錠キャビネットで保管する", "脆弱性診断を年2回実施する", "退職時のアカウント削除手順を定める",
        "ノートPCのディスクを暗号化する", "標的型メール訓練を実施する",
    ]

    func seed(random: inout DemoRandom, progress: @Sendable (String) -> Void) async throws {
        let workspaceID = workspace.id
        let (method, threats, vulnerabilities, officers, secretariat, boss) = try await services.store.read { db in
            (try await db.riskMethods.current(in: workspaceID), try await db.catalogEntries.all(.threat, in: workspaceID),
             try await db.catalogEntries.all(.vulnerability, in: workspaceID), try await db.members.all(holding: .departmentOfficer, in: workspaceID),
             try await db.members.all(holding: .secretariat, in: workspaceID).first, try await db.members.all(holding: .topManagement, in: workspaceID).first)
        }
        guard let method, let secretariat, let boss else { return }
        let departments = Dictionary(officers.compactMap { officer in officer.grants.first { $0.role == .departmentOfficer }?.departmentID.map { ($0, officer) } },
                                     uniquingKeysWith: { first, _ in first })
        let departmentIDs = departments.keys.map { $0 }.sorted { $0.uuid.uuidString < $1.uuid.uuidString }
        let system = Actor.cli(operator: "demo")
        let now = services.now
        let today = CalendarDate(now, in: TimeZone(identifier: workspace.timeZone) ?? TimeZone(identifier: "Asia/Tokyo")!)
        let controls = services.catalog.controls.map(\.id)

        // Assets, a thousand per transaction.
        var assets: [Asset] = []
        for index in 0..<scale.assets {
            let (name, kind, form) = Self.assetNames[index % Self.assetNames.count]
            let department = departmentIDs.isEmpty ? nil : departmentIDs[index % departmentIDs.count]
            let at = now.addingTimeInterval(-Double(scale.assets - index) * 30)
            var asset = Asset(id: Asset.ID(Self.uuid(&random)), workspaceID: workspaceID, code: String(format: "A-%05d", index + 1),
                              name: index < Self.assetNames.count ? name : "\(name) \(index / Self.assetNames.count + 1)", kind: kind, form: form,
                              ownerID: department.flatMap { departments[$0]?.userID }, departmentID: department, createdAt: at, updatedAt: at)
            asset.confidentiality = Int(random.next() % 3) + 1
            asset.integrity = Int(random.next() % 3) + 1
            asset.availability = Int(random.next() % 3) + 1
            asset.value = method.assetValue(confidentiality: asset.confidentiality, integrity: asset.integrity, availability: asset.availability)
            asset.classification = ClassificationLabel.defaults[Int(random.next() % UInt64(ClassificationLabel.defaults.count))].key
            asset.location = form == .paper ? "本社 書庫" : "クラウド（東京リージョン）"
            asset.isGroup = kind == .physical && index % 3 == 0
            // One in eight has not been looked at for more than a year.
            asset.lastReviewedOn = today.adding(days: -Int(random.next() % (index % 8 == 0 ? 700 : 330)) - (index % 8 == 0 ? 370 : 0))
            assets.append(asset)
        }
        for chunk in stride(from: 0, to: assets.count, by: 1_000) {
            let slice = Array(assets[chunk..<min(chunk + 1_000, assets.count)])
            let events = slice.map { (AuditEntry.change("asset", id: $0.id.description, action: "create", workspace: workspaceID, before: nil as Asset?, after: $0), system, $0.createdAt) }
            try await services.store.write { tx in
                try await tx.assets.insert(slice)
                try await tx.audit.appendBatch(events, chain: .workspace(workspaceID))
            }
        }
        progress("\(assets.count) assets")

        // Last year's assessment: approved, every risk accepted by its owner.
        let fiscal = workspace.fiscalYearStart(containing: today)
        let lastStart = CalendarDate(year: fiscal.year - 1, month: fiscal.month, day: 1)!
        let last = RiskAssessment(workspaceID: workspaceID, name: "\(fiscal.year - 1)年度 リスクアセスメント", methodID: method.id, startsOn: lastStart,
                                  endsOn: fiscal.adding(days: -1), status: .approved, submittedBy: secretariat.userID, submittedAt: now.addingTimeInterval(-200 * 86_400),
                                  approvedBy: boss.userID, approvedAt: now.addingTimeInterval(-190 * 86_400), approvalNote: "承認する。高リスクの対応を優先すること。",
                                  createdAt: now.addingTimeInterval(-300 * 86_400), updatedAt: now.addingTimeInterval(-190 * 86_400))
        let previousCount = scale.risks * 9 / 10
        var previous: [Risk] = []
        for index in 0..<previousCount {
            var risk = makeRisk(index: index, assessment: last.id, assets: assets, threats: threats, vulnerabilities: vulnerabilities, departments: departments,
                                controls: controls, method: method, random: &random, at: last.createdAt)
            risk.acceptedBy = risk.ownerID
            risk.acceptedAt = last.approvedAt!.addingTimeInterval(-86_400)
            risk.acceptanceReason = risk.residualScore.map(method.isAcceptable) == false ? "対応策の完了まで月次で監視する" : nil
            previous.append(risk)
        }
        try await write(assessment: last, risks: previous, system: system)
        progress("\(previous.count) risks of \(last.name)")

        // This year: a draft carried forward; about half reviewed, some changed or closed, and new risks.
        let current = RiskAssessment(workspaceID: workspaceID, name: "\(fiscal.year)年度 リスクアセスメント", methodID: method.id, startsOn: fiscal,
                                     endsOn: CalendarDate(year: fiscal.year + 1, month: fiscal.month, day: 1)!.adding(days: -1), previousID: last.id,
                                     createdAt: now.addingTimeInterval(-30 * 86_400), updatedAt: now.addingTimeInterval(-30 * 86_400))
        var risks: [Risk] = []
        for (index, before) in previous.enumerated() {
            var risk = before
            risk.id = Risk.ID(Self.uuid(&random))
            risk.assessmentID = current.id
            risk.previousID = before.id
            risk.acceptedBy = nil
            risk.acceptedAt = nil
            risk.acceptanceReason = nil
            risk.createdAt = current.createdAt
            risk.updatedAt = current.createdAt
            switch index % 10 {
            case 0...3: risk.review = .toReview
            case 4...7: risk.review = .reviewed
            case 8:
                risk.review = .changed
                risk.residual.threat = 1
                // As the risk form would: a residual rating carries the asset's value.
                if method.usesAssetValue { risk.residual.assetValue = risk.inherent.assetValue }
                RiskRules.score(&risk, method: method)
            default: risk.review = .closed
            }
            risks.append(risk)
        }
        for index in previousCount..<scale.risks {
            risks.append(makeRisk(index: index, assessment: current.id, assets: assets, threats: threats, vulnerabilities: vulnerabilities,
                                  departments: departments, controls: controls, method: method, random: &random, at: current.createdAt))
        }
        try await write(assessment: current, risks: risks, system: system)
        progress("\(risks.count) risks of \(current.name)")

        // The treatment plan: actions on this year's risks to modify, some overdue, some done.
        let modified = risks.filter { $0.treatment == .modify && $0.review != .closed }
        var actions: [TreatmentAction] = []
        for index in 0..<min(scale.actions, modified.count) {
            let risk = modified[index]
            let status: TreatmentAction.Status = [.planned, .inProgress, .inProgress, .done, .cancelled][index % 5]
            var action = TreatmentAction(id: TreatmentAction.ID(Self.uuid(&random)), workspaceID: workspaceID,
                                         title: Self.actionTitles[index % Self.actionTitles.count], riskIDs: [risk.id],
                                         controls: Array(risk.controls.prefix(1)), ownerID: risk.ownerID,
                                         dueOn: today.adding(days: Int(random.next() % 360) - 120), status: status,
                                         createdAt: current.createdAt, updatedAt: current.createdAt)
            if status == .done { action.completionNote = "手順を定めて実施し、記録を保管した。" }
            actions.append(action)
        }
        for chunk in stride(from: 0, to: actions.count, by: 500) {
            let slice = Array(actions[chunk..<min(chunk + 500, actions.count)])
            let events = slice.map { (AuditEntry.change("treatment_action", id: $0.id.description, action: "create", workspace: workspaceID,
                                                        before: nil as TreatmentAction?, after: $0), system, $0.createdAt) }
            try await services.store.write { tx in
                for action in slice { try await tx.actions.insert(action) }
                try await tx.audit.appendBatch(events, chain: .workspace(workspaceID))
            }
        }
        progress("\(actions.count) treatment actions")
    }

    private func makeRisk(index: Int, assessment: RiskAssessment.ID, assets: [Asset], threats: [CatalogEntry], vulnerabilities: [CatalogEntry],
                          departments: [Department.ID: Member], controls: [String], method: RiskMethod, random: inout DemoRandom, at: Date) -> Risk {
        let asset = assets[Int(random.next() % UInt64(assets.count))]
        var risk = Risk(id: Risk.ID(Self.uuid(&random)), workspaceID: workspace.id, assessmentID: assessment, code: String(format: "R-%05d", index + 1),
                        assetID: asset.id, threatID: threats[Int(random.next() % UInt64(threats.count))].id,
                        vulnerabilityID: vulnerabilities[Int(random.next() % UInt64(vulnerabilities.count))].id, createdAt: at, updatedAt: at)
        risk.affectsAvailability = index % 4 != 0
        let threat = Int(random.next() % 3) + 1, vulnerability = Int(random.next() % 3) + 1
        let value = RiskRules.assetValue(of: asset, affecting: risk, method: method)
        risk.inherent = RiskRating(assetValue: value, threat: threat, vulnerability: vulnerability)
        risk.ownerID = asset.departmentID.flatMap { departments[$0]?.userID }
        let score = method.score(risk.inherent) ?? 0
        risk.treatment = method.isAcceptable(score) ? .retain : [.modify, .modify, .modify, .share, .avoid][index % 5]
        if risk.treatment == .modify {
            risk.controls = (0..<(index % 3 + 1)).map { _ in controls[Int(random.next() % UInt64(controls.count))] }
            risk.controls = Array(Set(risk.controls)).sorted(by: ControlOrder.less)
            risk.residual = RiskRating(assetValue: value, threat: max(1, threat - 1), vulnerability: 1)
        }
        RiskRules.score(&risk, method: method)
        return risk
    }

    private func write(assessment: RiskAssessment, risks: [Risk], system: Actor) async throws {
        let workspaceID = workspace.id
        try await services.store.write { tx in
            try await tx.assessments.insert(assessment)
            try await tx.audit.appendBatch([(.change("risk_assessment", id: assessment.id.description, action: "create", workspace: workspaceID,
                                                     before: nil as RiskAssessment?, after: assessment), system, assessment.createdAt)], chain: .workspace(workspaceID))
        }
        for chunk in stride(from: 0, to: risks.count, by: 1_000) {
            let slice = Array(risks[chunk..<min(chunk + 1_000, risks.count)])
            let events = slice.map { (AuditEntry.change("risk", id: $0.id.description, action: "create", workspace: workspaceID, before: nil as Risk?, after: $0),
                                      system, $0.createdAt) }
            try await services.store.write { tx in
                try await tx.risks.insert(slice)
                try await tx.audit.appendBatch(events, chain: .workspace(workspaceID))
            }
        }
    }

    static func uuid(_ random: inout DemoRandom) -> UUID {
        let a = random.next(), b = random.next()
        var bytes = withUnsafeBytes(of: a.bigEndian, Array.init) + withUnsafeBytes(of: b.bigEndian, Array.init)
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11],
                           bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
