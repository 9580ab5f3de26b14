import Domain
import Foundation
import Localization
import Storage

public struct ActionInput: Sendable, Codable, Equatable {
    public var title: String?
    public var riskIDs: [Risk.ID]?
    public var controls: [String]?
    public var ownerID: User.ID??
    public var dueOn: String?
    public var status: String?
    public var completionNote: String?
    public var evidenceLink: String?

    public init(title: String? = nil, riskIDs: [Risk.ID]? = nil, controls: [String]? = nil, ownerID: User.ID?? = nil, dueOn: String? = nil,
                status: String? = nil, completionNote: String? = nil, evidenceLink: String? = nil) {
        self.title = title
        self.riskIDs = riskIDs
        self.controls = controls
        self.ownerID = ownerID
        self.dueOn = dueOn
        self.status = status
        self.completionNote = completionNote
        self.evidenceLink = evidenceLink
    }

    /// Only the fields an action's owner reports on (status, note, evidence).
    var isProgressOnly: Bool { title == nil && riskIDs == nil && controls == nil && ownerID == nil && dueOn == nil }
}

/// The risk treatment plan (6.1.3 e, 8.3): actions with owner, due date and status. The secretariat
/// and department officers plan them; an action's owner reports its progress.
public struct TreatmentActions: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public static let statusNames = ChoiceNames<TreatmentAction.Status>([
        .planned: ["予定", "未着手", "Planned"], .inProgress: ["実施中", "対応中", "In progress"], .done: ["完了", "Done"], .cancelled: ["中止", "Cancelled"],
    ])

    public func list(_ access: WorkspaceAccess, query: ActionQuery, page: PageRequest) async throws -> Page<TreatmentAction> {
        try access.require(.risksRead)
        return try await services.store.read { try await $0.actions.list(in: access.workspaceID, query: query, page: page) }
    }

    public func load(_ access: WorkspaceAccess, _ id: TreatmentAction.ID) async throws -> TreatmentAction {
        try access.require(.risksRead)
        guard let action = try await services.store.read({ try await $0.actions.load(id, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: "treatment_action")
        }
        return action
    }

    /// The risks with these codes in one assessment; unknown codes are a field error naming them.
    public func riskIDs(_ access: WorkspaceAccess, codes: [String], assessment: RiskAssessment.ID, field: String = "riskIds") async throws -> [Risk.ID] {
        try access.require(.risksRead)
        let wanted = codes.map { Text.halfWidth(Text.trimmed($0)) }.filter { !$0.isEmpty }
        let found = try await services.store.read { db in
            var found: [String: Risk] = [:]
            for code in wanted { found[code] = try await db.risks.load(code: code, in: assessment, workspace: access.workspaceID) }
            return found
        }
        var v = Validator()
        var ids: [Risk.ID] = []
        for code in wanted {
            if let risk = found[code], risk.workspaceID == access.workspaceID { if !ids.contains(risk.id) { ids.append(risk.id) } } else {
                v.add(field, "error.unknownRiskCode", ["value": code])
            }
        }
        try v.check()
        return ids
    }

    func apply(_ input: ActionInput, to action: inout TreatmentAction, creating: Bool, access: WorkspaceAccess, tx: Writer) async throws {
        var v = Validator()
        let workspace = access.workspaceID
        if creating || input.title != nil { action.title = v.required(input.title, "title", maxLength: 200) }
        if let ids = input.riskIDs {
            let found = try await tx.risks.loadAll(ids, in: workspace)
            if found.count != Set(ids).count { v.add("riskIds", "error.unknownRisk") }
            action.riskIDs = Array(Set(ids)).sorted()
        }
        if let controls = input.controls {
            var ids: [String] = []
            for raw in controls {
                guard !Risks.normalizeControl(raw).isEmpty else { continue }
                if let id = try await Risks.resolveControl(raw, catalog: services.catalog, workspace: workspace, tx: tx) {
                    if !ids.contains(id) { ids.append(id) }
                } else {
                    v.add("controls", "error.unknownControl", ["value": raw])
                }
            }
            action.controls = Risks.sortedControls(ids, catalog: services.catalog)
        }
        if let owner = input.ownerID {
            if let user = owner { try await Risks.checkOwner(user, workspace: workspace, today: access.today, tx: tx, into: &v) }
            action.ownerID = owner
        }
        if let raw = input.dueOn {
            if let text = Text.nonBlank(raw) {
                if let date = CalendarDate(text) { action.dueOn = date } else { v.add("dueOn", "error.date") }
            } else {
                action.dueOn = nil
            }
        }
        if let raw = input.status, let text = Text.nonBlank(raw) {
            if let status = Self.statusNames.parse(text) { action.status = status } else { v.add("status", "error.choiceValue", ["value": text]) }
        }
        if let note = input.completionNote { action.completionNote = v.optional(note, "completionNote", maxLength: 2000) }
        if let link = input.evidenceLink {
            let text = v.optional(link, "evidenceLink", maxLength: 1000)
            if let text, !WebAddress.isValid(text) { v.add("evidenceLink", "error.url", ["value": text]) }
            action.evidenceLink = text
        }
        if action.status == .done && Text.nonBlank(action.completionNote) == nil { v.add("completionNote", "error.completionNoteNeeded") }
        try v.check()
    }

    /// Whether this person plans actions for these risks: the secretariat always; an officer when
    /// every linked risk's asset is in their department.
    func maySteward(_ access: WorkspaceAccess, _ action: TreatmentAction, tx: Writer) async throws -> Bool {
        guard access.allows(.risksManage) else { return false }
        if access.actsForAllDepartments { return true }
        guard !action.riskIDs.isEmpty else { return false }
        for risk in try await tx.risks.loadAll(action.riskIDs, in: access.workspaceID).values {
            if !(try await Risks.maySteward(access, risk, tx: tx)) { return false }
        }
        return true
    }

    public func create(_ access: WorkspaceAccess, _ input: ActionInput, context: Context) async throws -> TreatmentAction {
        try access.require(.risksManage)
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            var action = TreatmentAction(workspaceID: workspace, title: "", createdAt: now, updatedAt: now)
            try await apply(input, to: &action, creating: true, access: access, tx: tx)
            guard try await maySteward(access, action, tx: tx) else { throw DomainError.forbiddenBecause("error.notYourDepartment") }
            try await tx.actions.insert(action)
            try await tx.record(.change("treatment_action", id: action.id.description, action: "create", workspace: workspace,
                                        before: nil as TreatmentAction?, after: action), context, at: now)
            return action
        }
    }

    public func update(_ access: WorkspaceAccess, _ id: TreatmentAction.ID, _ input: ActionInput, expectedVersion: Int?, context: Context) async throws -> TreatmentAction {
        try access.require(.risksRead)
        guard let expectedVersion else { throw DomainError.versionRequired }
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            guard let before = try await tx.actions.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "treatment_action") }
            guard before.version == expectedVersion else { throw DomainError.conflict(entity: "treatment_action", currentVersion: before.version) }
            let isOwnerReporting = before.ownerID == access.user.id && input.isProgressOnly
            guard try await maySteward(access, before, tx: tx) || isOwnerReporting else { throw DomainError.forbiddenBecause("error.notYourDepartment") }
            var after = before
            try await apply(input, to: &after, creating: false, access: access, tx: tx)
            if !isOwnerReporting, !(try await maySteward(access, after, tx: tx)) { throw DomainError.forbiddenBecause("error.notYourDepartment") }
            var comparable = after
            comparable.updatedAt = before.updatedAt
            guard comparable != before else { return before }
            after.updatedAt = now
            let saved = try await tx.actions.update(after)
            try await tx.record(.change("treatment_action", id: id.description, action: "update", workspace: workspace, before: before, after: saved), context, at: now)
            return saved
        }
    }

    public func delete(_ access: WorkspaceAccess, _ id: TreatmentAction.ID, expectedVersion: Int?, context: Context) async throws {
        try access.require(.risksManage)
        let now = services.now
        let workspace = access.workspaceID
        try await services.store.write { tx in
            guard let before = try await tx.actions.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "treatment_action") }
            if let expectedVersion, before.version != expectedVersion { throw DomainError.conflict(entity: "treatment_action", currentVersion: before.version) }
            guard try await maySteward(access, before, tx: tx) else { throw DomainError.forbiddenBecause("error.notYourDepartment") }
            try await tx.evidence.unlink(EvidenceLink(.action, id.description), in: workspace)
            try await tx.actions.delete(id, in: workspace)
            try await tx.record(.change("treatment_action", id: id.description, action: "delete", workspace: workspace, before: before, after: nil as TreatmentAction?),
                                context, at: now)
        }
    }
}

extension TreatmentActions {
    /// The plan (filtered as asked) as CSV or Excel: what, for which risks and controls, who, when,
    /// how far, in the chosen language.
    public func export(_ access: WorkspaceAccess, query: ActionQuery, format: Tabular.Format, language: Language, encoding: CSV.Encoding = .utf8) async throws -> Data {
        try access.require(.risksRead)
        let workspace = access.workspaceID
        var actions: [TreatmentAction] = []
        var cursor: String? = nil
        repeat {
            let request = PageRequest(limit: 200, cursor: cursor)
            let page = try await services.store.read { try await $0.actions.list(in: workspace, query: query, page: request) }
            actions += page.items
            cursor = page.nextCursor
        } while cursor != nil
        let all = actions
        let (risks, people) = try await services.store.read { db in
            (try await db.risks.loadAll(all.flatMap(\.riskIDs), in: workspace), try await db.users.loadAll(all.compactMap(\.ownerID)))
        }
        let l = services.localizer
        let header = ["title", "risks", "highestScore", "controls", "owner", "dueOn", "status", "completionNote", "evidenceLink"]
            .map { l.text("csv.actions.\($0)", language) }
        let rows: [[String]] = all.map { a in
            let linked = a.riskIDs.compactMap { risks[$0] }.sorted { $0.code < $1.code }
            let highest = linked.compactMap { $0.residualScore ?? $0.inherentScore }.max()
            return [a.title, linked.map(\.code).joined(separator: ";"), highest.map(String.init) ?? "", a.controls.joined(separator: ";"),
                    a.ownerID.flatMap { people[$0]?.email } ?? "", a.dueOn?.description ?? "",
                    language == .ja ? l.text("plan.status.\(a.status.rawValue)", .ja) : a.status.rawValue, a.completionNote ?? "", a.evidenceLink ?? ""]
        }
        return try Tabular.write(sheet: l.text("cap.riskTreatment", language), header: header, rows: rows, widths: [36, 16, 8, 14, 26, 11, 10, 36, 30],
                                 format: format, encoding: encoding)
    }
}
