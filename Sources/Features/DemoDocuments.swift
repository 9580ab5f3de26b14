import Domain
import Foundation
import Storage

/// The demo's document register: the dozen documents an ISMS keeps (policy, manual, rules,
/// procedures, plan), each with the versions of its last year — the first published a year ago,
/// the revision in force, one revision waiting for approval — and a year of acknowledgements by
/// their readers. The enterprise workspace adds department procedures up to 300 documents of five
/// versions and about 100,000 acknowledgements, for the benchmarks.
struct DemoDocuments: Sendable {
    let services: AppServices
    let workspace: Workspace
    let scale: DemoScale

    struct Template {
        let title: String
        let kind: ControlledDocument.Kind
        let references: [String]
        /// The text of version 1; the revision replaces `change.0` with `change.1`.
        let body: String
        let change: (String, String)
        let major: Bool
    }

    static let templates: [Template] = [
        Template(title: "情報セキュリティ基本方針", kind: .policy, references: ["5.2", "A.5.1"], body: """
        # 情報セキュリティ基本方針

        デモ株式会社（以下「当社」）は、お客様からお預かりした情報と当社の情報資産を守ることを経営の責務と考え、次の方針を定める。

        ## 1. 目的
        情報の機密性、完全性及び可用性を維持し、お客様と社会の信頼に応える。

        ## 2. 取組み
        1. 情報セキュリティの目的を毎年定め、その達成状況を確認する。
        2. リスクアセスメントに基づき、適切な管理策を講じる。
        3. 法令、規制及び契約上の要求事項を守る。
        4. 全従業者に年1回の教育を行う。
        5. 情報セキュリティマネジメントシステムを継続的に改善する。

        ## 3. 適用範囲
        ISMSの適用範囲に含まれるすべての業務、情報資産及び従業者に適用する。

        制定日：2024年4月1日　代表取締役社長
        """, change: ("全従業者に年1回の教育を行う。", "全従業者に年1回の教育と、入社時の教育を行う。"), major: false),
        Template(title: "ISMSマニュアル", kind: .manual, references: ["4.3", "4.4", "5.3", "7.5.1"], body: """
        # ISMSマニュアル

        ## 1. 適用範囲
        本社における「デモクラウド」の企画・開発・運用・保守と、それを支える管理部門の業務。

        ## 2. 組織と役割
        | 役割 | 担当 | 主な責任 |
        |------|------|----------|
        | トップマネジメント | 代表取締役 | 方針の承認、資源の提供、マネジメントレビュー |
        | ISMS事務局 | 情報システム部 | 運用の推進、文書管理、教育の企画 |
        | 部門責任者 | 各部長 | 部門の資産とリスクの管理 |
        | 内部監査員 | 任命された者 | 内部監査の実施 |

        ## 3. 年間の運用
        リスクアセスメント、教育、内部監査、マネジメントレビューを年間計画に沿って行う。
        """, change: ("年間計画に沿って行う。", "年間計画に沿って行い、四半期ごとに進捗を委員会で確認する。"), major: false),
        Template(title: "文書管理規程", kind: .rule, references: ["7.5.2", "7.5.3", "A.5.37"], body: """
        # 文書管理規程

        ## 第1条（目的）
        ISMSの文書を作成、承認、配付、改訂及び廃棄する方法を定める。

        ## 第2条（承認）
        文書は作成者以外の承認者が承認する。基本方針はトップマネジメントが承認する。

        ## 第3条（見直し）
        文書は少なくとも年1回見直す。

        ## 第4条（旧版の扱い）
        改訂により旧版となった文書は、誤って使われないよう識別して保管する。
        """, change: ("少なくとも年1回見直す。", "少なくとも年1回見直し、見直しの結果を記録する。"), major: true),
        Template(title: "リスクアセスメント手順書", kind: .procedure, references: ["6.1.2", "8.2"], body: """
        # リスクアセスメント手順書

        1. 部門責任者は情報資産台帳を最新にする。
        2. 資産ごとに脅威と脆弱性を特定する。
        3. 起こりやすさと影響を4段階で評価し、リスク値を求める。
        4. リスク値が受容基準を超えるものにリスク対応を計画する。
        5. 事務局は結果をとりまとめ、トップマネジメントの承認を得る。

        実施時期：毎年10月
        """, change: ("毎年10月", "毎年10月、及び重要な変更があったとき"), major: false),
        Template(title: "アクセス制御規程", kind: .topicPolicy, references: ["A.5.15", "A.5.18", "A.8.5"], body: """
        # アクセス制御規程

        ## 原則
        業務に必要な最小限の権限だけを与える。

        ## パスワード
        パスワードは8文字以上とし、他のサービスと使い回さない。

        ## 権限の見直し
        部門責任者は半年ごとに部下のアクセス権を見直す。退職者のアカウントは退職日に無効にする。
        """, change: ("パスワードは8文字以上とし", "パスワードは12文字以上とし、多要素認証を有効にし"), major: true),
        Template(title: "情報の分類と取扱い規程", kind: .rule, references: ["A.5.12", "A.5.13", "A.5.10"], body: """
        # 情報の分類と取扱い規程

        | 分類 | 例 | 取扱い |
        |------|----|--------|
        | 極秘 | 個人情報、認証情報 | 暗号化して保管し、持ち出しは承認制 |
        | 社外秘 | 契約書、設計書 | 社外への送付はパスワード付き |
        | 公開 | 製品カタログ | 制限なし |

        分類の表示は文書の右上に行う。
        """, change: ("分類の表示は文書の右上に行う。", "分類の表示は文書の右上に行い、電子ファイルは名前の先頭に付ける。"), major: false),
        Template(title: "インシデント対応手順書", kind: .procedure, references: ["A.5.24", "A.5.25", "A.5.26"], body: """
        # インシデント対応手順書

        1. 発見した者は、直ちに上長と事務局に報告する（夜間・休日は緊急連絡先へ）。
        2. 事務局は影響を評価し、対応の責任者を決める。
        3. 被害の拡大を防ぐ措置をとり、証拠を保全する。
        4. 原因を取り除き、復旧する。
        5. 再発防止策をまとめ、委員会に報告する。

        個人情報の漏えいのおそれがあるときは、個人情報保護委員会への報告の要否を判断する。
        """, change: ("直ちに上長と事務局に報告する", "直ちに（遅くとも1時間以内に）上長と事務局に報告する"), major: true),
        Template(title: "バックアップ手順書", kind: .procedure, references: ["A.8.13"], body: """
        # バックアップ手順書

        - 本番データベースは毎日深夜に完全バックアップを取得する。
        - バックアップは別の地域に複製し、30日間保管する。
        - 四半期に1回、復元テストを行い結果を記録する。
        """, change: ("30日間保管する。", "35日間保管する。"), major: false),
        Template(title: "暗号化と鍵管理の方針", kind: .topicPolicy, references: ["A.8.24"], body: """
        # 暗号化と鍵管理の方針

        ## 暗号化
        極秘情報は保存時も通信時も暗号化する。通信にはTLS 1.2以上を使う。

        ## 鍵管理
        暗号鍵は鍵管理サービスで保管し、年1回更新する。鍵へのアクセスは記録する。
        """, change: ("TLS 1.2以上を使う。", "TLS 1.2以上を使い、1.3を推奨する。"), major: false),
        Template(title: "テレワーク規程", kind: .rule, references: ["A.6.7"], body: """
        # テレワーク規程

        1. 会社が貸与した端末を使う。
        2. 公共の場所では画面をのぞき見されないようにする。
        3. 家族と共用の場所に書類を放置しない。
        4. 自宅のWi-FiはWPA2以上で保護する。
        """, change: ("WPA2以上", "WPA3（使えない場合はWPA2）"), major: false),
        Template(title: "委託先管理規程", kind: .rule, references: ["A.5.19", "A.5.20", "A.5.21"], body: """
        # 委託先管理規程

        ## 選定
        情報を預ける委託先は、評価票で情報セキュリティの体制を確認してから選定する。

        ## 契約
        契約には秘密保持、再委託の条件、事故時の報告を定める。

        ## 評価
        年1回、委託先を再評価する。
        """, change: ("年1回、委託先を再評価する。", "年1回、委託先を再評価し、重要な委託先は訪問して確認する。"), major: true),
        Template(title: "教育・訓練計画", kind: .plan, references: ["7.2", "7.3", "A.6.3"], body: """
        # 教育・訓練計画

        | 対象 | 内容 | 時期 |
        |------|------|------|
        | 全従業者 | 情報セキュリティ年次教育 | 毎年6月 |
        | 新入社員 | 入社時教育 | 入社月 |
        | 内部監査員 | 内部監査員研修 | 毎年9月 |

        受講率の目標は95%とする。
        """, change: ("受講率の目標は95%とする。", "受講率の目標は98%とし、未受講者には上長から督促する。"), major: false),
    ]

    static let procedureTopics = ["顧客情報取扱", "入退室管理", "媒体廃棄", "変更管理", "ログ監視", "端末管理", "委託業務", "開発環境管理"]

    /// Documents beyond the dozen, and versions per document, by scale.
    var documentCount: Int { switch scale { case .small: 12; case .medium: 60; case .enterprise: 300 } }
    var versionsPerDocument: Int { switch scale { case .small: 2; case .medium: 3; case .enterprise: 5 } }

    /// Adds them when the workspace has no document; returns how many acknowledgements it wrote.
    func seed(random: inout DemoRandom) async throws -> Int {
        let workspaceID = workspace.id
        let (existing, members, departments) = try await services.store.read { db in
            (try await db.documents.entries.count(in: workspaceID), try await db.members.all(in: workspaceID), try await db.departments.all(in: workspaceID))
        }
        let secretaries = members.filter { $0.grants.contains { $0.role == .secretariat } }
        let bosses = members.filter { $0.grants.contains { $0.role == .topManagement } }
        guard existing == 0, let secretary = secretaries.first, let boss = bosses.first(where: { $0.userID != secretary.userID }), !departments.isEmpty else { return 0 }
        let now = services.now
        let today = CalendarDate(now, in: workspace.zone)
        func id<T>(_ type: T.Type, _ random: inout DemoRandom) -> Domain.ID<T> { Domain.ID<T>(DemoStatement.uuid(&random)) }
        func at(_ day: CalendarDate) -> Date { day.start(in: workspace.zone).addingTimeInterval(10 * 3600) }

        var documents: [ControlledDocument] = []
        var versions: [DocumentVersion] = []
        var acknowledgements: [Acknowledgement] = []
        let byDepartment = Dictionary(grouping: members) { $0.homeDepartmentID }
        for index in 0..<documentCount {
            let number = index + 1
            let template: Template
            var audience = Audience.all
            if index < Self.templates.count {
                template = Self.templates[index]
            } else {
                let department = departments[index % departments.count]
                let topic = Self.procedureTopics[index % Self.procedureTopics.count]
                template = Template(title: "\(department.name) \(topic)手順書", kind: .procedure, references: ["A.5.37"], body: """
                # \(department.name) \(topic)手順書

                1. 担当者は作業の前に手順と記録様式を確認する。
                2. 作業の結果を記録し、部門責任者が月1回確認する。
                3. 手順と異なる作業が必要なときは、事前に部門責任者の承認を得る。
                """, change: ("月1回確認する。", "月1回確認し、記録を1年間保管する。"), major: index % 2 == 0)
                audience = Audience(departmentIDs: [department.id])
            }
            let readers = audience.everyone ? members : (byDepartment[audience.departmentIDs.first] ?? [])
            var document = ControlledDocument(id: id(ControlledDocument.self, &random), workspaceID: workspaceID, number: number,
                                              code: Numbering.code("DOC-", number), title: template.title, kind: template.kind, ownerID: secretary.userID,
                                              approver: template.kind == .policy || template.kind == .manual ? .topManagement : .role(.secretariat),
                                              classification: index == 0 ? "公開" : "社内限り", references: template.references, createdAt: now, updatedAt: now)
            // Version 1 a year ago; revisions through the year; the last one in force (one in four has a further draft in review).
            let count = versionsPerDocument
            var body = template.body
            var major = 1, minor = 0
            var inForce: DocumentVersion? = nil
            for n in 1...count {
                let effective = today.adding(days: -365 + (n - 1) * (300 / count) + (index % 9) * 5)
                if n > 1 {
                    if n == 2 { body = body.replacingOccurrences(of: template.change.0, with: template.change.1) } else { body += "\n\n改訂 \(n - 1)：表記を見直した。" }
                    if template.major && n == 2 { major += 1; minor = 0 } else { minor += 1 }
                }
                let sha = EvidenceRules.sha256(Data(body.utf8))
                var version = DocumentVersion(id: id(DocumentVersion.self, &random), workspaceID: workspaceID, documentID: document.id, number: n, major: major,
                                              minor: minor, summary: n == 1 ? "初版" : (n == 2 ? "「\(template.change.0.prefix(12))」を改訂" : "表記の見直し"),
                                              body: body, sha256: sha, createdBy: secretary.userID, createdAt: at(effective.adding(days: -20)),
                                              updatedAt: at(effective))
                version.submittedBy = secretary.userID
                version.submittedAt = at(effective.adding(days: -14))
                version.approvedBy = boss.userID
                version.approvedAt = at(effective.adding(days: -7))
                version.publishedBy = secretary.userID
                version.publishedAt = at(effective)
                version.effectiveOn = effective
                version.audience = audience
                version.status = n == count ? .published : .superseded
                versions.append(version)
                inForce = version
                // Readers acknowledge each major version once, over the weeks after it takes effect.
                if minor == 0 || n == 1 {
                    let share = n == count || (n == count - 1 && template.major) ? 85 : 95
                    for reader in readers where Int.random(in: 0..<100, using: &random) < share {
                        let day = min(today, effective.adding(days: Int.random(in: 0...40, using: &random)))
                        let time = at(day).addingTimeInterval(Double(Int.random(in: -3_600...28_800, using: &random)))
                        acknowledgements.append(Acknowledgement(id: id(Acknowledgement.self, &random), workspaceID: workspaceID, documentID: document.id,
                                                                versionNumber: n, major: major, userID: reader.userID, sha256: sha, acknowledgedAt: min(time, now)))
                    }
                }
            }
            document.latestVersion = count
            document.publishedVersion = inForce?.number
            document.publishedMajor = inForce?.major
            document.publishedLabel = inForce?.label
            document.effectiveOn = inForce?.effectiveOn
            document.audience = audience
            document.status = .published
            document.nextReviewOn = (inForce?.effectiveOn ?? today).adding(months: document.reviewIntervalMonths)
            if index % 4 == 2 {
                // A revision waiting for approval.
                var draft = DocumentVersion(id: id(DocumentVersion.self, &random), workspaceID: workspaceID, documentID: document.id, number: count + 1,
                                            major: inForce?.major ?? 1, minor: (inForce?.minor ?? 0) + 1, summary: "誤記の訂正",
                                            body: body + "\n\n（誤記を訂正した）", sha256: EvidenceRules.sha256(Data((body + "\n\n（誤記を訂正した）").utf8)),
                                            createdBy: secretary.userID, createdAt: now, updatedAt: now)
                draft.status = .inReview
                draft.submittedBy = secretary.userID
                draft.submittedAt = now
                versions.append(draft)
                document.latestVersion = count + 1
                document.pending = .inReview
            }
            documents.append(document)
        }
        let all = (documents, versions, acknowledgements)
        try await services.store.write { tx in
            try await tx.documents.entries.insert(all.0)
            try await tx.documents.versions.insert(all.1)
            try await tx.documents.acknowledgements.insert(all.2)
            try await tx.sequences.set(Numbering.document, to: all.0.count, in: workspaceID)
        }
        return acknowledgements.count
    }
}
