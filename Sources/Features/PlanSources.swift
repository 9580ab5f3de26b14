import Domain
import Foundation
import Storage

// The annual plan's sources: one per register with dates (see `PlanSource`).

struct ActivityPlanSource: PlanSource {
    var kind: PlanItem.Kind { .activity }
    func items(in window: ClosedRange<CalendarDate>, owner: User.ID?, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        let zone = access.workspace.zone
        return try await reader.records(PlannedActivity.self).all(in: access.workspaceID).flatMap { activity in
            activity.occurrences(in: window, zone: zone).map { day -> PlanItem in
                let outcome = activity.outcome(on: day)
                let status: PlanItem.Status = outcome?.state == .skipped ? .skipped : PlanItem.status(done: outcome?.state == .done, date: day, today: access.today)
                return PlanItem(date: day, kind: .activity, title: activity.title, status: status, phase: activity.phase,
                                link: "/w/\(access.workspace.slug)/annual-plan/activities/\(activity.id)?date=\(day)", ownerID: activity.ownerID,
                                departmentID: activity.departmentID, source: "activity:\(activity.id)")
            }
        }
    }
}

struct AssessmentPlanSource: PlanSource {
    var kind: PlanItem.Kind { .riskAssessment }
    func items(in window: ClosedRange<CalendarDate>, owner: User.ID?, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        try await reader.assessments.all(in: access.workspaceID).compactMap { a in
            guard let day = a.endsOn ?? a.startsOn, window.contains(day) else { return nil }
            return PlanItem(date: day, kind: .riskAssessment, title: a.name, status: PlanItem.status(done: a.status == .approved, date: day, today: access.today),
                            phase: .plan, link: "/w/\(access.workspace.slug)/risk-assessments/\(a.id)", source: "assessment:\(a.id)")
        }
    }
}

struct AuditPlanSource: PlanSource {
    var kind: PlanItem.Kind { .internalAudit }
    func items(in window: ClosedRange<CalendarDate>, owner: User.ID?, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        try await reader.checkAct.audits.all(in: access.workspaceID).compactMap { a in
            guard window.contains(a.startsOn) else { return nil }
            return PlanItem(date: a.startsOn, kind: .internalAudit, title: a.title,
                            status: PlanItem.status(done: a.status == .reported || a.status == .closed, date: a.endsOn, today: access.today),
                            phase: .check, link: "/w/\(access.workspace.slug)/audits/\(a.id)", ownerID: a.leadAuditorID, source: "audit:\(a.id)")
        }
    }
}

struct ReviewPlanSource: PlanSource {
    var kind: PlanItem.Kind { .managementReview }
    func items(in window: ClosedRange<CalendarDate>, owner: User.ID?, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        try await reader.checkAct.reviews.all(in: access.workspaceID).compactMap { r in
            guard window.contains(r.heldOn) else { return nil }
            return PlanItem(date: r.heldOn, kind: .managementReview, title: r.title, status: PlanItem.status(done: r.status == .held, date: r.heldOn, today: access.today),
                            phase: .act, link: "/w/\(access.workspace.slug)/management-reviews/\(r.id)", source: "review:\(r.id)")
        }
    }
}

struct MeasurementPlanSource: PlanSource {
    var kind: PlanItem.Kind { .measurement }
    /// Each objective's readings due by its frequency: the next one after the latest, then every period.
    func items(in window: ClosedRange<CalendarDate>, owner: User.ID?, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        let objectives = try await reader.objectives.list(in: access.workspaceID, query: ObjectiveQuery(), page: PageRequest(limit: 500)).items
        guard !objectives.isEmpty else { return [] }
        let measurements = try await reader.objectives.measurements(of: objectives.map(\.id), in: access.workspaceID)
        var items: [PlanItem] = []
        for o in objectives {
            let readings = measurements[o.id] ?? []
            // Readings taken in the window mark the period they fall in done.
            for m in readings where window.contains(m.measuredOn) {
                items.append(PlanItem(date: m.measuredOn, kind: .measurement, title: o.statement, status: .done, phase: .check,
                                      link: "/w/\(access.workspace.slug)/objectives/\(o.id)", ownerID: o.ownerID, source: "measurement:\(m.id)"))
            }
            var due = ObjectiveRules.nextDue(o, latest: ObjectiveRules.latest(readings)?.measuredOn)
            var guardCount = 0
            while due <= window.upperBound && guardCount < 60 {
                if due >= window.lowerBound {
                    items.append(PlanItem(date: due, kind: .measurement, title: o.statement, status: PlanItem.status(done: false, date: due, today: access.today),
                                          phase: .check, link: "/w/\(access.workspace.slug)/objectives/\(o.id)", ownerID: o.ownerID, source: "objective:\(o.id):\(due)"))
                }
                due = due.adding(months: ObjectiveRules.months(o.frequency))
                guardCount += 1
            }
        }
        return items
    }
}

struct TreatmentPlanSource: PlanSource {
    var kind: PlanItem.Kind { .treatmentAction }
    func items(in window: ClosedRange<CalendarDate>, owner: User.ID?, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        try await reader.planReads.actionsDue(from: window.lowerBound, to: window.upperBound, ownedBy: owner, in: access.workspaceID).compactMap { a in
            guard a.status != TreatmentAction.Status.cancelled.rawValue else { return nil }
            return PlanItem(date: a.date, kind: .treatmentAction, title: a.title,
                            status: PlanItem.status(done: a.status == TreatmentAction.Status.done.rawValue, date: a.date, today: access.today),
                            phase: .do, link: "/w/\(access.workspace.slug)/treatment-actions/\(a.id)", ownerID: a.ownerID, source: "action:\(a.id)")
        }
    }
}

struct CorrectiveActionPlanSource: PlanSource {
    var kind: PlanItem.Kind { .correctiveAction }
    func items(in window: ClosedRange<CalendarDate>, owner: User.ID?, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        try await reader.checkAct.nonconformities.all(in: access.workspaceID).compactMap { nc in
            guard let due = nc.dueOn, window.contains(due) else { return nil }
            return PlanItem(date: due, kind: .correctiveAction, title: "\(nc.code) \(PlanRules.short(nc.description))",
                            status: PlanItem.status(done: nc.status == .implemented || nc.status == .closed, date: due, today: access.today),
                            phase: .act, link: "/w/\(access.workspace.slug)/nonconformities/\(nc.id)", ownerID: nc.ownerID, source: "nonconformity:\(nc.id)")
        }
    }
}

struct ReviewActionPlanSource: PlanSource {
    var kind: PlanItem.Kind { .reviewAction }
    func items(in window: ClosedRange<CalendarDate>, owner: User.ID?, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        try await reader.checkAct.reviewActions.all(in: access.workspaceID).compactMap { a in
            guard let due = a.dueOn, window.contains(due) else { return nil }
            return PlanItem(date: due, kind: .reviewAction, title: PlanRules.short(a.text), status: PlanItem.status(done: a.isDone, date: due, today: access.today),
                            phase: .act, link: "/w/\(access.workspace.slug)/management-reviews/\(a.reviewID)", ownerID: a.ownerID, source: "review-action:\(a.id)")
        }
    }
}

struct EvidencePlanSource: PlanSource {
    var kind: PlanItem.Kind { .evidence }
    /// Evidence that stops holding inside the window: its last valid day.
    func items(in window: ClosedRange<CalendarDate>, owner: User.ID?, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        try await reader.planReads.evidenceExpiring(from: window.lowerBound, to: window.upperBound, ownedBy: owner, in: access.workspaceID).map { e in
            PlanItem(date: e.date, kind: .evidence, title: e.title, status: e.date < access.today ? .overdue : .planned, phase: .check,
                     link: "/w/\(access.workspace.slug)/evidence/\(e.id)", ownerID: e.ownerID, source: "evidence:\(e.id)")
        }
    }
}

struct AssetReviewPlanSource: PlanSource {
    var kind: PlanItem.Kind { .assetReview }
    /// Assets fall due for review a year after their last review: one item per month with the count.
    func items(in window: ClosedRange<CalendarDate>, owner: User.ID?, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        guard access.allows(.assetsRead) else { return [] }
        var items: [PlanItem] = []
        var month = CalendarDate(year: window.lowerBound.year, month: window.lowerBound.month, day: 1)!
        while month <= window.upperBound {
            let next = month.adding(months: 1)
            var count = try await reader.assets.count(in: access.workspaceID, query: AssetQuery(status: .active, reviewedBefore: next.adding(months: -12),
                                                                                                  reviewedFrom: month.adding(months: -12)))
            let day = max(month, window.lowerBound)
            if (month...next.adding(days: -1)).contains(access.today) {
                count += try await reader.assets.count(in: access.workspaceID, query: AssetQuery(status: .active, reviewedBefore: CalendarDate(year: 1900, month: 1, day: 2)!))
            }
            if count > 0 && window.contains(day) {
                items.append(PlanItem(date: day, kind: .assetReview, title: "\(count)", status: next <= access.today ? .overdue : .planned, phase: .plan,
                                      link: "/w/\(access.workspace.slug)/assets?stale=1", source: "assets:\(month)"))
            }
            month = next
        }
        return items
    }
}

struct AuditorAccessPlanSource: PlanSource {
    var kind: PlanItem.Kind { .auditorAccess }
    func items(in window: ClosedRange<CalendarDate>, owner: User.ID?, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        guard access.allows(.membersRead) else { return [] }
        return try await reader.members.all(holding: .externalAuditor, in: access.workspaceID).compactMap { member in
            guard let expiry = member.grants.first(where: { $0.role == .externalAuditor })?.expiresOn, window.contains(expiry) else { return nil }
            return PlanItem(date: expiry, kind: .auditorAccess, title: member.displayName, status: expiry < access.today ? .done : .planned, phase: .check,
                            link: "/w/\(access.workspace.slug)/members/\(member.id)", source: "auditor:\(member.id)")
        }
    }
}

struct SoAApprovalPlanSource: PlanSource {
    var kind: PlanItem.Kind { .soaApproval }
    func items(in window: ClosedRange<CalendarDate>, owner: User.ID?, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        try await reader.soa.versions(in: access.workspaceID).compactMap { version in
            let day = CalendarDate(version.decidedAt ?? version.submittedAt, in: access.workspace.zone)
            guard window.contains(day), version.status != .returned else { return nil }
            return PlanItem(date: day, kind: .soaApproval, title: "v\(version.number)", status: version.status == .approved ? .done : .planned, phase: .plan,
                            link: "/w/\(access.workspace.slug)/soa/versions/\(version.number)", source: "soa:\(version.number)")
        }
    }
}

struct DocumentReviewPlanSource: PlanSource {
    var kind: PlanItem.Kind { .documentReview }
    func items(in window: ClosedRange<CalendarDate>, owner: User.ID?, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        try await reader.documents.entries.all(in: access.workspaceID).compactMap { d in
            guard let due = d.nextReviewOn, d.status != .retired, window.contains(due) else { return nil }
            return PlanItem(date: due, kind: .documentReview, title: "\(d.code) \(d.title)", status: PlanItem.status(done: false, date: due, today: access.today),
                            phase: .plan, link: "/w/\(access.workspace.slug)/documents/\(d.id)", ownerID: d.ownerID, source: "document:\(d.id)")
        }
    }
}

struct CampaignPlanSource: PlanSource {
    var kind: PlanItem.Kind { .trainingCampaign }
    func items(in window: ClosedRange<CalendarDate>, owner: User.ID?, access: WorkspaceAccess, reader: Reader) async throws -> [PlanItem] {
        try await reader.training.campaigns.all(in: access.workspaceID).compactMap { c in
            let day = c.dueOn ?? c.startsOn
            guard window.contains(day) else { return nil }
            return PlanItem(date: day, kind: .trainingCampaign, title: c.title, status: c.status == .closed ? .done : PlanItem.status(done: false, date: day, today: access.today),
                            phase: .do, link: "/w/\(access.workspace.slug)/training/campaigns/\(c.id)", ownerID: c.createdBy, source: "campaign:\(c.id)")
        }
    }
}

/// Overdue occurrences of planned activities, for their owner (the secretariat, when nobody owns one).
struct PlannedActivitiesDueSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        let manages = access.allows(.planManage)
        let window = access.today.adding(days: -90)...access.today.adding(days: 7)
        let zone = access.workspace.zone
        let activities = try await WorkReadMemo.shared("plannedActivities:\(access.workspaceID)") {
            try await reader.records(PlannedActivity.self).all(in: access.workspaceID)
        }
        return activities.flatMap { activity -> [WorkItem] in
            guard activity.ownerID == access.user.id || (activity.ownerID == nil && manages) else { return [] }
            return activity.occurrences(in: window, zone: zone).filter { activity.outcome(on: $0) == nil }.map { day in
                WorkItem(kind: .finish, titleKey: "work.plannedActivity", params: ["title": activity.title, "date": day.description],
                         link: "/w/\(access.workspace.slug)/annual-plan/activities/\(activity.id)?date=\(day)", due: day)
            }
        }
    }
}
