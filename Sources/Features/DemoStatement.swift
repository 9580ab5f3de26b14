import Domain
import Foundation
import Storage

extension DemoScale {
    var ownControls: Int { switch self { case .small: 3; case .medium: 20; case .enterprise: 200 } }
    var evidence: Int { switch self { case .small: 30; case .medium: 500; case .enterprise: 5_000 } }
}

/// The demo's Statement of Applicability: own controls beside Annex A, every control decided,
/// version 1 approved, and evidence (small files and links) spread over the controls.
struct DemoStatement: Sendable {
    let services: AppServices
    let workspace: Workspace
    let scale: DemoScale


    static let ownTitles: [(String, String)] = [
        ("グループ情報セキュリティ基準の遵守", "Group security standard"), ("クレジットカード情報の保護", "Card data protection"),
        ("個人情報保護法への対応", "Personal information protection act"), ("委託元との契約上のセキュリティ要求", "Contractual security requirements"),
        ("クラウドサービス利用ガイドライン", "Cloud use guideline"),
    ]
    static let evidenceTitles = [
        "アクセス権棚卸し記録", "バックアップ復元テスト結果", "教育受講記録", "脆弱性診断報告書", "委託先点検チェックシート", "入退室ログ",
        "インシデント対応訓練の記録", "情報セキュリティ委員会議事録", "ログ監視の月次報告", "パッチ適用状況一覧",
    ]
    static let exclusions = ["該当する業務がない", "自社で開発を行っていない", "物理的な拠点を持たない", "委託先が管理し契約で担保している"]

    /// Adds the statement to a demo workspace that has none yet; returns false when it already has one.
    @discardableResult
    func seed(random: inout DemoRandom, progress: @Sendable (String) -> Void) async throws -> Bool {
        let workspaceID = workspace.id
        let (existing, people) = try await services.store.read { db in
            (try await db.ownControls.all(in: workspaceID).count + (try await db.soa.entries(in: workspaceID)).count,
             try await db.members.all(holding: .secretariat, in: workspaceID) + (try await db.members.all(holding: .topManagement, in: workspaceID)))
        }
        guard existing == 0, let secretariat = people.first(where: { $0.grants.contains { $0.role == .secretariat } }),
              let boss = people.first(where: { $0.grants.contains { $0.role == .topManagement } }) else { return false }
        let now = services.now
        let today = CalendarDate(now, in: workspace.zone)
        var own: [OwnControl] = []
        for index in 0..<scale.ownControls {
            let (ja, en) = Self.ownTitles[index % Self.ownTitles.count]
            own.append(OwnControl(id: OwnControl.ID(Self.uuid(&random)), workspaceID: workspaceID, code: String(format: "GRP-%03d", index + 1),
                                  titleJa: "\(ja) \(index + 1)", titleEn: "\(en) \(index + 1)", description: "グループ規程 第\(index + 1)条", createdAt: now, updatedAt: now))
        }
        let controls = services.catalog.controls.map(\.id) + own.map(\.code)
        var entries: [SoAEntry] = []
        for (index, control) in controls.enumerated() {
            let excluded = Int.random(in: 0..<100, using: &random) < 12
            let implementation: SoAEntry.Implementation = [.implemented, .implemented, .implemented, .partial, .planned, .notStarted][index % 6]
            entries.append(SoAEntry(id: SoAEntry.ID(Self.uuid(&random)), workspaceID: workspaceID, controlID: control, decision: excluded ? .excluded : .applicable,
                                    justification: excluded ? Self.exclusions[index % Self.exclusions.count] : "リスクアセスメントの結果と法令・契約上の要求による",
                                    implementation: excluded ? nil : implementation, ownerID: excluded ? nil : secretariat.userID,
                                    description: excluded ? nil : "情報セキュリティ規程 第\(index % 40 + 1)条に基づき運用", updatedAt: now, version: 1))
        }
        var evidence: [(Evidence, Data?)] = []
        for index in 0..<scale.evidence {
            let collected = today.adding(days: -Int.random(in: 0..<900, using: &random))
            let isFile = index % 5 < 3
            var links = [EvidenceLink(.control, controls[Int.random(in: 0..<controls.count, using: &random)])]
            if index % 3 == 0 { links.append(EvidenceLink(.control, controls[Int.random(in: 0..<93, using: &random)])) }
            let title = "\(Self.evidenceTitles[index % Self.evidenceTitles.count]) \(collected.year)-\(index + 1)"
            var item = Evidence(id: Evidence.ID(Self.uuid(&random)), workspaceID: workspaceID, title: title, kind: isFile ? .file : .link,
                                url: isFile ? nil : "https://intra.example.co.jp/docs/\(index + 1)", collectedOn: collected, collectedBy: secretariat.userID,
                                validUntil: index % 10 < 3 ? collected.adding(days: 365) : nil, links: Array(Set(links)).sorted(), createdBy: secretariat.userID,
                                createdAt: now, updatedAt: now)
            var content: Data? = nil
            if isFile {
                var bytes = Data("%PDF-1.4\n% \(title)\n".utf8)
                bytes.append(Data(repeating: UInt8(index % 200 + 32), count: 200 + index % 1800))
                item.fileName = "\(title).pdf"
                item.size = bytes.count
                item.sha256 = EvidenceRules.sha256(bytes)
                item.contentType = "application/pdf"
                content = bytes
            }
            evidence.append((item, content))
        }
        let batch = evidence
        let decided = entries
        let added = own
        try await services.store.write { tx in
            for control in added { try await tx.ownControls.insert(control) }
            for entry in decided { var e = entry; e.version = 0; _ = try await tx.soa.save(e) }
            try await tx.evidence.insert(batch)
        }
        // Version 1, frozen as submitted and approved a month ago.
        let access = try await Access.operatorAccess(slug: workspace.slug, services: services)
        let lines = try await Statement(services).current(access)
        let submitted = now.addingTimeInterval(-30 * 86_400)
        try await services.store.write { tx in
            try await tx.soa.insert(SoAVersion(workspaceID: workspaceID, number: 1, status: .approved, submittedBy: secretariat.userID, submittedAt: submitted,
                                               decidedBy: boss.userID, decidedAt: submitted.addingTimeInterval(86_400), note: "初版", entries: lines))
        }
        progress("statement: \(controls.count) controls (\(own.count) own), \(evidence.count) evidence, version 1 approved")
        return true
    }

    static func uuid(_ random: inout DemoRandom) -> UUID {
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<16 { bytes[index] = UInt8.random(in: 0...255, using: &random) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11],
                           bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

/// The demo's objectives and control-effectiveness metrics, each with a year of monthly readings.
struct DemoObjectives: Sendable {
    let services: AppServices
    let workspace: Workspace

    static let items: [(kind: Objective.Kind, statement: String, control: String?, metric: String, unit: String, comparator: Objective.Comparator, target: Double, base: Double)] = [
        (.objective, "年次教育の受講率を95%以上にする", nil, "教育システムの受講記録を月末に事務局が集計", "%", .atLeast, 95, 88),
        (.objective, "重大インシデントを年0件に保つ", nil, "インシデント台帳の重大度「高」の件数", "件", .atMost, 0, 0),
        (.objective, "標的型メール訓練の開封率を10%以下にする", nil, "訓練システムの開封率", "%", .atMost, 10, 14),
        (.controlEffectiveness, "重要パッチを30日以内に適用する", "8.8", "資産台帳と配布ツールを月末に照合", "%", .atLeast, 95, 90),
        (.controlEffectiveness, "退職者アカウントを当日中に削除する", "5.18", "人事の退職者一覧とIDの照合", "%", .atLeast, 100, 96),
        (.controlEffectiveness, "バックアップ復元テストの成功率", "8.13", "四半期ごとの復元テスト記録", "%", .atLeast, 100, 95),
    ]

    /// Adds them when the workspace has none; returns whether it did.
    func seed(random: inout DemoRandom) async throws -> Bool {
        let workspaceID = workspace.id
        let existing = try await services.store.read { try await $0.objectives.list(in: workspaceID, query: ObjectiveQuery(), page: PageRequest(limit: 1, cursor: nil)) }
        guard existing.items.isEmpty else { return false }
        let secretariat = try await services.store.read { try await $0.members.all(holding: .secretariat, in: workspaceID).first }
        let now = services.now
        let today = CalendarDate(now, in: workspace.zone)
        var objectives: [Objective] = []
        var readings: [ObjectiveMeasurement] = []
        for item in Self.items {
            let objective = Objective(id: Objective.ID(DemoStatement.uuid(&random)), workspaceID: workspaceID, kind: item.kind, statement: item.statement,
                                      reference: item.kind == .objective ? "情報セキュリティ方針 3." : nil, control: item.control, metric: item.metric, unit: item.unit,
                                      comparator: item.comparator, target: item.target, frequency: .monthly, ownerID: secretariat?.userID,
                                      createdOn: today.adding(months: -12), createdAt: now, updatedAt: now)
            objectives.append(objective)
            for month in stride(from: 11, through: 0, by: -1) {
                let drift = Double(11 - month) * (item.comparator == .atMost ? -0.4 : 0.6)
                let noise = Double(Int.random(in: -10...10, using: &random)) / 10
                let value = max(0, (item.base + drift + noise) * 10).rounded() / 10
                readings.append(ObjectiveMeasurement(id: ObjectiveMeasurement.ID(DemoStatement.uuid(&random)), objectiveID: objective.id, workspaceID: workspaceID,
                                                     measuredOn: today.adding(months: -month).adding(days: -1), value: item.comparator == .atMost && item.target == 0 ? 0 : value,
                                                     recordedBy: secretariat?.userID, createdAt: now))
            }
        }
        let all = objectives, measured = readings
        try await services.store.write { tx in
            for objective in all { try await tx.objectives.insert(objective) }
            for reading in measured { try await tx.objectives.insert(reading) }
        }
        return true
    }
}

extension Demo {
    /// Adds the demo statement (own controls, decisions, evidence, an approved version) to an
    /// existing demo workspace that has none: for benchmark databases seeded before it existed.
    public func addStatement(slug: String, scale: DemoScale, seed: UInt64 = 1, progress: @Sendable (String) -> Void = { _ in }) async throws -> Bool {
        let access = try await Access.operatorAccess(slug: slug, services: services)
        var random = DemoRandom(seed: seed &+ 99)
        let statement = try await DemoStatement(services: services, workspace: access.workspace, scale: scale).seed(random: &random, progress: progress)
        let objectives = try await DemoObjectives(services: services, workspace: access.workspace).seed(random: &random)
        if objectives { progress("objectives: \(DemoObjectives.items.count), a year of monthly measurements each") }
        let checkAct = try await DemoCheckAct(services: services, workspace: access.workspace, scale: scale).seed(random: &random)
        if checkAct { progress("internal audits, nonconformities and management reviews") }
        let acknowledgements = try await DemoDocuments(services: services, workspace: access.workspace, scale: scale).seed(random: &random)
        if acknowledgements > 0 { progress("documents with \(acknowledgements) acknowledgements") }
        let attempts = try await DemoTraining(services: services, workspace: access.workspace, scale: scale).seed(random: &random)
        if attempts > 0 { progress("training with \(attempts) quiz attempts and two phishing drills") }
        let occurrences = try await DemoPlan(services: services, workspace: access.workspace, scale: scale).seed(random: &random)
        if occurrences > 0 { progress("annual plan with \(occurrences) occurrences recorded") }
        return statement || objectives || checkAct || acknowledgements > 0 || attempts > 0 || occurrences > 0
    }
}
