import Domain
import Foundation
import Localization
import Storage

/// Training records as files: a campaign's completion (who, due, done, score), and every
/// campaign's records at once for the CLI. Headers in the caller's language.
public struct TrainingFiles: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    static let keys = ["campaign", "course", "name", "email", "department", "roles", "dueOn", "state", "passedAt", "bestScore", "attempts"]

    func rows(_ report: CampaignReport, language: Language, zone: TimeZone) -> [[String]] {
        let l = services.localizer
        let stamp = DateFormatting.timestamp(in: zone)
        return report.assignments.sorted { ($0.member.homeDepartmentID.flatMap { report.departments[$0]?.name } ?? "", $0.member.displayName)
            < ($1.member.homeDepartmentID.flatMap { report.departments[$0]?.name } ?? "", $1.member.displayName) }.map { a in
            [report.campaign.title, report.course.title.text(language), a.member.displayName, a.member.email,
             a.member.homeDepartmentID.flatMap { report.departments[$0]?.name } ?? "",
             a.member.grants.map { l.role($0.role, language) }.joined(separator: ", "), a.dueOn.description,
             l.text("training.state.\(a.state.rawValue)", language), a.passedAt.map(stamp) ?? "", a.bestScore.map(String.init) ?? "", String(a.attempts)]
        }
    }

    /// One campaign's completion as CSV or Excel (a department officer's file holds their departments).
    public func campaign(_ access: WorkspaceAccess, _ id: Campaign.ID, format: Tabular.Format, language: Language,
                         encoding: CSV.Encoding = .utf8) async throws -> (name: String, data: Data) {
        let report = try await Campaigns(services).report(access, id)
        let header = Self.keys.map { services.localizer.text("csv.training.\($0)", language) }
        let data = try Tabular.write(sheet: services.localizer.text("cap.training", language), header: header,
                                     rows: rows(report, language: language, zone: access.workspace.zone), widths: [28, 28, 18, 28, 18, 24, 12, 10, 20, 8, 8],
                                     format: format, encoding: encoding)
        return ("training-\(access.workspace.slug)-\(report.campaign.number)", data)
    }

    /// Every campaign's records, newest campaign first (the CLI's `export training`).
    public func all(_ access: WorkspaceAccess, format: Tabular.Format, language: Language, encoding: CSV.Encoding = .utf8) async throws -> Data {
        try access.require(.trainingRead)
        let campaigns = try await services.store.read { try await $0.training.campaigns.all(in: access.workspaceID) }
        var rows: [[String]] = []
        for campaign in campaigns {
            rows += self.rows(try await Campaigns(services).report(access, campaign.id), language: language, zone: access.workspace.zone)
        }
        let header = Self.keys.map { services.localizer.text("csv.training.\($0)", language) }
        return try Tabular.write(sheet: services.localizer.text("cap.training", language), header: header, rows: rows,
                                 widths: [28, 28, 18, 28, 18, 24, 12, 10, 20, 8, 8], format: format, encoding: encoding)
    }
}
