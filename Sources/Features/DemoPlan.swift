import Domain
import Foundation
import Storage

/// The demo's annual plan: this fiscal year's typical plan as the secretariat would adopt it, the
/// monthly security committee on the second Tuesday, and the past months' occurrences recorded —
/// most done, one skipped, one left open so "my work" shows it overdue. The enterprise workspace
/// adds last year's and next year's plans for the benchmarks.
struct DemoPlan: Sendable {
    let services: AppServices
    let workspace: Workspace
    let scale: DemoScale

    /// Adds them when the workspace has no planned activity; returns how many occurrences it recorded.
    func seed(random: inout DemoRandom) async throws -> Int {
        let access = try await Access.operatorAccess(slug: workspace.slug, services: services)
        let (existing, secretariat) = try await services.store.read { db in
            (try await db.records(PlannedActivity.self).count(in: workspace.id), try await db.members.all(holding: .secretariat, in: workspace.id))
        }
        guard existing == 0 else { return 0 }
        let owner = secretariat.first?.userID
        let current = AnnualPlan.currentFiscalYear(access)
        let years = scale == .enterprise ? [current - 1, current, current + 1] : [current]
        let now = services.now
        var activities: [PlannedActivity] = []
        func id(_ random: inout DemoRandom) -> PlannedActivity.ID { PlannedActivity.ID(DemoStatement.uuid(&random)) }
        for year in years {
            let fiscal = PlanRules.fiscalYear(year, startMonth: workspace.fiscalYearStartMonth)
            for p in AnnualPlan(services).proposalFor(workspace, fiscalYear: year) {
                activities.append(PlannedActivity(id: id(&random), workspaceID: workspace.id, title: p.title.ja, rrule: p.rrule, startsOn: p.startsOn, phase: p.phase,
                                                  ownerID: owner, references: p.references, expectedEvidence: p.expectedEvidence.ja, createdAt: now, updatedAt: now))
            }
            let first = CalendarDate(year: fiscal.lowerBound.year, month: fiscal.lowerBound.month, day: 1)!
            let secondTuesday = first.adding(days: (Weekday.tuesday.rawValue - first.weekday.rawValue + 7) % 7 + 7)
            activities.append(PlannedActivity(id: id(&random), workspaceID: workspace.id, title: "情報セキュリティ委員会",
                                              description: "各部門の代表が運用状況を確認し、重要事項を審議する。",
                                              rrule: "FREQ=MONTHLY;BYDAY=2TU;UNTIL=" + fiscal.upperBound.description.replacingOccurrences(of: "-", with: ""),
                                              startsOn: secondTuesday, phase: .check, ownerID: owner, references: ["5.1", "5.3", "9.1"],
                                              expectedEvidence: "議事録", createdAt: now, updatedAt: now))
        }
        var recorded = 0
        let today = access.today
        for index in activities.indices {
            let past = activities[index].occurrences(in: today.adding(days: -400)...today.adding(days: -1), zone: workspace.zone)
            for (n, day) in past.enumerated() {
                // The newest past occurrence of the committee stays open (overdue on "my work"); one log review was skipped.
                if activities[index].title == "情報セキュリティ委員会" && n == past.count - 1 { continue }
                let skipped = activities[index].references.contains("A.8.15") && n == 1
                activities[index].outcomes.append(PlannedActivity.Outcome(on: day, state: skipped ? .skipped : .done,
                                                                          note: skipped ? "システム更改のため翌月にまとめて実施" : "予定どおり実施",
                                                                          by: owner ?? access.user.id, at: day.start(in: workspace.zone).addingTimeInterval(17 * 3600)))
                recorded += 1
            }
        }
        let planned = activities
        try await services.store.write { tx in
            try await tx.records(PlannedActivity.self).insert(planned)
        }
        return recorded
    }
}
