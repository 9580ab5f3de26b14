import Foundation

/// "Start from a typical plan": the year a certified organization runs — the twelve recurring
/// activities of ISMS operation placed on the workspace's fiscal year, and the surveillance audit
/// in the month of the certificate's anniversary. A proposal only: the secretariat edits it and
/// saves what it keeps. Our own wording, in both languages.
public struct ProposedActivity: Sendable, Hashable {
    public var key: String
    public var title: Bilingual
    public var expectedEvidence: Bilingual
    public var rrule: String?
    public var startsOn: CalendarDate
    public var phase: PlanPhase
    public var references: [String]
}

public enum TypicalPlan {
    struct Template {
        let key: String
        let title: Bilingual
        let evidence: Bilingual
        /// The month of the fiscal year (1 = its first month) the activity starts in.
        let month: Int
        let day: Int
        /// RRULE parts after FREQ (nil: once in the year).
        let rule: String?
        let phase: PlanPhase
        let references: [String]
    }

    static let templates: [Template] = [
        Template(key: "riskReview",
                 title: Bilingual(ja: "リスクアセスメントとリスク対応計画の見直し", en: "Review the risk assessment and the risk treatment plan"),
                 evidence: Bilingual(ja: "承認されたリスクアセスメントと対応計画", en: "The approved risk assessment and treatment plan"),
                 month: 2, day: 15, rule: nil, phase: .plan, references: ["6.1.2", "6.1.3", "8.2", "8.3"]),
        Template(key: "objectives",
                 title: Bilingual(ja: "情報セキュリティ目標の進捗確認", en: "Check progress on the information security objectives"),
                 evidence: Bilingual(ja: "目標ごとの測定値と所見", en: "Each objective's readings and comments"),
                 month: 3, day: 20, rule: "FREQ=MONTHLY;INTERVAL=3", phase: .check, references: ["6.2", "9.1"]),
        Template(key: "internalAudit",
                 title: Bilingual(ja: "内部監査の実施と報告", en: "Conduct and report the internal audit"),
                 evidence: Bilingual(ja: "監査報告書と不適合の一覧", en: "The audit report and the list of nonconformities"),
                 month: 8, day: 1, rule: nil, phase: .check, references: ["9.2"]),
        Template(key: "training",
                 title: Bilingual(ja: "全従業員向け情報セキュリティ教育", en: "Information security training for every employee"),
                 evidence: Bilingual(ja: "受講状況と理解度テストの結果", en: "Completion and quiz results"),
                 month: 3, day: 1, rule: nil, phase: .do, references: ["7.2", "7.3", "A.6.3"]),
        Template(key: "documents",
                 title: Bilingual(ja: "規程・手順書の見直しと周知", en: "Review the policies and procedures and make them known"),
                 evidence: Bilingual(ja: "改訂履歴と既読の記録", en: "Revision history and read acknowledgements"),
                 month: 4, day: 1, rule: nil, phase: .plan, references: ["5.2", "7.5", "A.5.1"]),
        Template(key: "accessReview",
                 title: Bilingual(ja: "アクセス権の棚卸し", en: "Review access rights"),
                 evidence: Bilingual(ja: "棚卸し結果と削除・変更の記録", en: "The review's result and the removals and changes made"),
                 month: 1, day: 20, rule: "FREQ=MONTHLY;INTERVAL=6", phase: .do, references: ["A.5.15", "A.5.18"]),
        Template(key: "logs",
                 title: Bilingual(ja: "ログの確認と分析", en: "Review and analyse the logs"),
                 evidence: Bilingual(ja: "確認した記録と対応した事象", en: "What was reviewed and the events followed up"),
                 month: 1, day: -1, rule: "FREQ=MONTHLY;BYMONTHDAY=-1", phase: .check, references: ["A.8.15", "A.8.16"]),
        Template(key: "vulnerabilities",
                 title: Bilingual(ja: "脆弱性情報の確認と対応", en: "Collect vulnerability information and act on it"),
                 evidence: Bilingual(ja: "確認した情報源と対応の記録", en: "The sources checked and the actions taken"),
                 month: 1, day: 0, rule: "FREQ=MONTHLY;BYDAY=1MO", phase: .do, references: ["A.8.8"]),
        Template(key: "incidentDrill",
                 title: Bilingual(ja: "インシデント対応訓練", en: "Incident response exercise"),
                 evidence: Bilingual(ja: "訓練の報告と見つかった改善点", en: "The exercise report and the improvements found"),
                 month: 6, day: 15, rule: nil, phase: .do, references: ["A.5.24", "A.5.26", "A.5.29"]),
        Template(key: "managementReview",
                 title: Bilingual(ja: "マネジメントレビュー", en: "Management review"),
                 evidence: Bilingual(ja: "議事録と決定事項", en: "Minutes and decisions"),
                 month: 10, day: 15, rule: nil, phase: .act, references: ["9.3"]),
        Template(key: "records",
                 title: Bilingual(ja: "ISMS記録の整理と保管期間の確認", en: "Sort the ISMS records and check their retention"),
                 evidence: Bilingual(ja: "記録の一覧と廃棄の記録", en: "The list of records and what was disposed of"),
                 month: 12, day: 10, rule: nil, phase: .do, references: ["7.5.3"]),
    ]

    public static let surveillanceTitle = Bilingual(ja: "維持審査・更新審査の受審", en: "Surveillance or recertification audit")
    static let surveillanceEvidence = Bilingual(ja: "審査報告書と指摘事項への対応", en: "The audit report and the response to its findings")

    /// The proposal for the fiscal year starting in `year`. The surveillance audit falls in the
    /// month of the certificate's anniversary (its issue date, else the initial certification), or
    /// in the fiscal year's eleventh month when no certificate date is known.
    public static func propose(fiscalYear year: Int, startMonth: Int, certificateIssuedOn: CalendarDate?) -> [ProposedActivity] {
        let months = PlanRules.months(of: year, startMonth: startMonth)
        var result = templates.map { t -> ProposedActivity in
            let (y, m) = months[t.month - 1]
            let length = CalendarDate.days(inMonth: m, of: y)
            let start: CalendarDate
            switch t.day {
            case -1: start = CalendarDate(year: y, month: m, day: length)!
            case 0:  // the first Monday
                let first = CalendarDate(year: y, month: m, day: 1)!
                start = first.adding(days: (7 - first.weekday.rawValue) % 7)
            default: start = CalendarDate(year: y, month: m, day: min(t.day, length))!
            }
            var rule = t.rule
            if let r = rule { rule = r + ";UNTIL=" + PlanRules.fiscalYear(year, startMonth: startMonth).upperBound.description.replacingOccurrences(of: "-", with: "") }
            return ProposedActivity(key: t.key, title: t.title, expectedEvidence: t.evidence, rrule: rule, startsOn: start, phase: t.phase, references: t.references)
        }
        let anniversary: CalendarDate
        if let issued = certificateIssuedOn, let slot = months.first(where: { $0.month == issued.month }) {
            anniversary = CalendarDate(year: slot.year, month: slot.month, day: min(issued.day, CalendarDate.days(inMonth: slot.month, of: slot.year)))!
        } else {
            anniversary = CalendarDate(year: months[10].year, month: months[10].month, day: 1)!
        }
        result.append(ProposedActivity(key: "certificationAudit", title: surveillanceTitle, expectedEvidence: surveillanceEvidence, rrule: nil,
                                       startsOn: anniversary, phase: .check, references: ["9.2", "10.2"]))
        return result.sorted { ($0.startsOn, $0.key) < ($1.startsOn, $1.key) }
    }
}
