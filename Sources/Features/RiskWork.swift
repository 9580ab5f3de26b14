import Domain
import Foundation
import Storage

/// What the risk registers ask of people on their "my work" page.
enum RiskWork {
    static let sources: [any WorkItemSource] = [RisksToAcceptSource(), AssessmentToApproveSource(), ActionsDueSource(), RisksToReviewSource(), StaleAssetsSource(),
                                                SoAToApproveSource(), SoAOwnedEntriesSource(), MeasurementsDueSource()]
}

/// Risk owners: risks of theirs waiting for acceptance of the treatment and residual risk.
struct RisksToAcceptSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        guard access.allows(.risksRead), let assessment = try await reader.assessments.latest(in: access.workspaceID), assessment.status != .approved else { return [] }
        let count = try await reader.risks.count(in: assessment.id, workspace: access.workspaceID,
                                                 query: RiskQuery(ownerID: access.user.id, accepted: false))
        guard count > 0 else { return [] }
        return [WorkItem(kind: .accept, titleKey: "work.risksToAccept", params: ["count": String(count), "name": assessment.name],
                         link: "/w/\(access.workspace.slug)/risk-assessments/\(assessment.id)?owner=me&accepted=false", due: assessment.endsOn)]
    }
}

/// Top management: an assessment sent for approval.
struct AssessmentToApproveSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        guard access.allows(.assessmentApprove) else { return [] }
        return try await reader.assessments.all(in: access.workspaceID).filter { $0.status == .inReview }.map {
            WorkItem(kind: .approve, titleKey: "work.approveAssessment", params: ["name": $0.name], link: "/w/\(access.workspace.slug)/risk-assessments/\($0.id)",
                     due: $0.endsOn)
        }
    }
}

/// Action owners: open treatment actions, overdue first.
struct ActionsDueSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        guard access.allows(.risksRead) else { return [] }
        let page = try await reader.actions.list(in: access.workspaceID, query: ActionQuery(ownerID: access.user.id, openOnly: true), page: PageRequest(limit: 20))
        return page.items.map {
            WorkItem(kind: .finish, titleKey: "work.treatmentAction", params: ["title": $0.title], link: "/w/\(access.workspace.slug)/treatment-actions/\($0.id)", due: $0.dueOn)
        }
    }
}

/// The secretariat and officers: risks carried from last year that nobody has looked at yet.
struct RisksToReviewSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        guard access.allows(.risksManage), let assessment = try await reader.assessments.latest(in: access.workspaceID), assessment.status == .draft else { return [] }
        var query = RiskQuery(review: .toReview)
        if !access.actsForAllDepartments {
            guard let department = access.officerDepartments.first else { return [] }
            query.departmentID = department
        }
        let count = try await reader.risks.count(in: assessment.id, workspace: access.workspaceID, query: query)
        guard count > 0 else { return [] }
        return [WorkItem(kind: .finish, titleKey: "work.risksToReview", params: ["count": String(count)],
                         link: "/w/\(access.workspace.slug)/risk-assessments/\(assessment.id)?review=toReview", due: assessment.endsOn)]
    }
}

/// Officers and the secretariat: assets not reviewed for a year (形骸化 starts here).
struct StaleAssetsSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        guard access.allows(.assetsManage) else { return [] }
        var query = AssetQuery(reviewedBefore: Asset.staleBefore(access.today))
        if !access.actsForAllDepartments {
            guard let department = access.officerDepartments.first else { return [] }
            query.departmentID = department
        }
        let count = try await reader.assets.count(in: access.workspaceID, query: query)
        guard count > 0 else { return [] }
        return [WorkItem(kind: .finish, titleKey: "work.staleAssets", params: ["count": String(count)],
                         link: "/w/\(access.workspace.slug)/assets?stale=1")]
    }
}

/// Top management: a version of the Statement of Applicability waiting for approval.
struct SoAToApproveSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        guard access.allows(.soaApprove) else { return [] }
        return try await reader.soa.versions(in: access.workspaceID).filter { $0.status == .inReview }.map {
            WorkItem(kind: .approve, titleKey: "work.approveSoA", params: ["number": String($0.number)], link: "/w/\(access.workspace.slug)/soa/versions/\($0.number)")
        }
    }
}

/// The secretariat: SoA entries an import left for a person to decide.
struct SoAOwnedEntriesSource: WorkItemSource {
    func items(for access: WorkspaceAccess, reader: Reader, now: Date) async throws -> [WorkItem] {
        guard access.allows(.soaManage) else { return [] }
        let count = try await reader.soa.entries(in: access.workspaceID).filter(\.needsReview).count
        guard count > 0 else { return [] }
        return [WorkItem(kind: .finish, titleKey: "work.soaReview", params: ["count": String(count)], link: "/w/\(access.workspace.slug)/soa?warning=reviewNeeded")]
    }
}
