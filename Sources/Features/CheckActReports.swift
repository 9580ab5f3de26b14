import Domain
import Foundation
import Localization
import Storage

/// The audit report and the management review minutes as print-ready HTML documents: one
/// self-contained file (styles inline, no script) served by the web app and written by the CLI.
public struct CheckActReports: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    static func esc(_ text: String?) -> String {
        guard let text else { return "" }
        var out = ""
        out.reserveCapacity(text.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    static let style = """
    body{font-family:"Hiragino Sans","Noto Sans CJK JP","Yu Gothic",system-ui,sans-serif;color:#1d2733;margin:2rem auto;max-width:60rem;line-height:1.55;font-size:10.5pt}
    h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.1rem;border-bottom:1px solid #99a;margin-top:1.6rem;padding-bottom:.15rem}h3{font-size:1rem;margin:1rem 0 .3rem}
    header{border-bottom:2px solid #1d2733;padding-bottom:.5rem;margin-bottom:1rem}header p{margin:.1rem 0}
    table{border-collapse:collapse;width:100%;margin:.4rem 0}th,td{border:1px solid #bbc;padding:.25rem .4rem;text-align:left;vertical-align:top}th{background:#eef1f5}
    dl{display:grid;grid-template-columns:11rem 1fr;gap:.2rem .8rem;margin:.4rem 0}dt{font-weight:600}dd{margin:0}
    .prose{white-space:pre-wrap}.num{text-align:right}.muted{color:#5a6570}.bad{color:#9b1c1c;font-weight:600}.good{color:#1f6b3a}
    .signatures{display:grid;grid-template-columns:1fr 1fr;gap:2rem;margin-top:2.5rem}.signatures div{border-top:1px solid #1d2733;padding-top:.3rem}
    @page{size:A4;margin:15mm}@media print{body{margin:0;max-width:none}tr,section{break-inside:avoid}}
    """

    func document(_ language: Language, title: String, _ body: String) -> String {
        """
        <!doctype html>
        <html lang="\(language.rawValue)"><head><meta charset="utf-8"><title>\(Self.esc(title))</title><style>\(Self.style)</style></head>
        <body>\(body)</body></html>
        """
    }

    // MARK: Audit report

    public func auditReport(_ access: WorkspaceAccess, _ id: InternalAudit.ID, language: Language) async throws -> String {
        try access.require(.auditsRead)
        let d = try await services.store.read { db in try await InternalAudits.dossier(id, workspace: access.workspaceID, db: db) }
        let l = services.localizer
        func t(_ key: String, _ params: [String: String] = [:]) -> String { Self.esc(l.text(key, language, params)) }
        let a = d.audit
        let catalog = services.catalog
        func reference(_ r: String?) -> String {
            guard let r else { return "" }
            let title = Requirement.title(r, catalog: catalog, language: language)
            return Self.esc(title.isEmpty ? r : "\(r) \(title)")
        }
        let departments = a.departmentIDs.compactMap { d.departments[$0]?.name }.joined(separator: "、")
        let processes = a.processIDs.compactMap { d.processes[$0]?.name }.joined(separator: "、")
        let counts = AuditFinding.Kind.allCases.map { kind in "<tr><td>\(t("finding.kind.\(kind.rawValue)"))</td><td class=\"num\">\(d.findings.filter { $0.kind == kind }.count)</td></tr>" }
        let results = ChecklistItem.Result.allCases.map { r in "\(t("checklist.result.\(r.rawValue)")) \(d.items.filter { $0.result == r }.count)" }.joined(separator: " / ")
        let items = d.items.map { i in
            "<tr><td>\(reference(i.reference))</td><td class=\"prose\">\(Self.esc(i.question))</td><td>\(t("checklist.result.\(i.result.rawValue)"))</td><td class=\"prose\">\(Self.esc(i.notes))\(i.evidence.map { "<br><span class=\"muted\">\(t("checklist.evidence")): \(Self.esc($0))</span>" } ?? "")</td></tr>"
        }.joined()
        let findings = d.findings.map { f -> String in
            let nc = f.nonconformityID.flatMap { d.nonconformities[$0] }
            return "<tr><td>\(t("finding.kind.\(f.kind.rawValue)"))</td><td>\(reference(f.reference))</td><td class=\"prose\">\(Self.esc(f.description))</td><td>\(nc.map { "\($0.code) \(t("nc.status.\($0.status.rawValue)"))" } ?? "—")</td></tr>"
        }.joined()
        let body = """
        <header><p>\(Self.esc(access.workspace.organizationName ?? access.workspace.name))</p><h1>\(t("audit.report")) — \(Self.esc(a.title))</h1>
        <p>\(Self.esc(d.programme.title)) · \(a.startsOn) – \(a.endsOn) · \(t("audit.status.\(a.status.rawValue)"))</p></header>
        <section><h2>\(t("audit.overview"))</h2><dl>
        <dt>\(t("audit.scopeDepartments"))</dt><dd>\(Self.esc(departments.isEmpty ? "—" : departments))</dd>
        <dt>\(t("audit.scopeProcesses"))</dt><dd>\(Self.esc(processes.isEmpty ? "—" : processes))</dd>
        <dt>\(t("audit.criteria"))</dt><dd>\(Self.esc(a.criteria.joined(separator: ", ")))</dd>
        <dt>\(t("audit.lead"))</dt><dd>\(Self.esc(d.name(a.leadAuditorID) ?? "—"))</dd>
        <dt>\(t("audit.team"))</dt><dd>\(Self.esc(a.teamIDs.compactMap { d.name($0) }.joined(separator: "、")))</dd>
        <dt>\(t("audit.auditees"))</dt><dd class="prose">\(Self.esc(a.auditees))</dd>
        \(a.independenceOverride.map { "<dt>\(t("audit.independenceOverride"))</dt><dd class=\"prose\">\(Self.esc($0))</dd>" } ?? "")
        <dt>\(t("audit.reportedOn"))</dt><dd>\(a.reportedOn?.description ?? "—")</dd>
        </dl></section>
        <section><h2>\(t("audit.conclusion"))</h2><p class="prose">\(Self.esc(a.conclusion ?? "—"))</p></section>
        <section><h2>\(t("audit.findings"))</h2><table><tbody>\(counts.joined())</tbody></table>
        \(d.findings.isEmpty ? "<p>\(t("finding.none"))</p>" : "<table class=\"table\"><thead><tr><th>\(t("finding.kind"))</th><th>\(t("nc.reference"))</th><th>\(t("finding.description"))</th><th>\(t("cap.nonconformities"))</th></tr></thead><tbody>\(findings)</tbody></table>")</section>
        <section><h2>\(t("audit.checklist"))</h2><p class="muted">\(results)</p>
        <table><thead><tr><th>\(t("nc.reference"))</th><th>\(t("checklist.question"))</th><th>\(t("checklist.result"))</th><th>\(t("checklist.notes"))</th></tr></thead><tbody>\(items)</tbody></table></section>
        <div class="signatures"><div>\(t("audit.lead"))</div><div>\(t("audit.receivedBy"))</div></div>
        """
        return document(language, title: "\(l.text("audit.report", language)) — \(a.title)", body)
    }

    // MARK: Review minutes

    public func reviewMinutes(_ access: WorkspaceAccess, _ id: ManagementReview.ID, language: Language) async throws -> String {
        let state = try await ManagementReviews(services).load(access, id)
        let l = services.localizer
        func t(_ key: String, _ params: [String: String] = [:]) -> String { Self.esc(l.text(key, language, params)) }
        let r = state.review
        let body = """
        <header><p>\(Self.esc(access.workspace.organizationName ?? access.workspace.name))</p><h1>\(t("review.minutes")) — \(Self.esc(r.title))</h1>
        <p>\(r.heldOn) · \(t("review.status.\(r.status.rawValue)"))</p></header>
        <section><dl>
        <dt>\(t("review.attendees"))</dt><dd>\(Self.esc(r.attendeeIDs.compactMap { state.people[$0]?.displayName }.joined(separator: "、")))</dd>
        <dt>\(t("review.agenda"))</dt><dd class="prose">\(Self.esc(r.agenda ?? "—"))</dd>
        </dl>\(r.status == .planned ? "<p class=\"bad\">\(t("review.notHeldYet"))</p>" : "")</section>
        \(Self.inputsHTML(state.inputs, language: language, localizer: l))
        <section><h2>\(t("review.outputs"))</h2>
        <h3>\(t("review.decisions"))</h3><p class="prose">\(Self.esc(r.decisions ?? "—"))</p>
        <h3>\(t("review.ismsChanges"))</h3><p class="prose">\(Self.esc(r.ismsChanges ?? "—"))</p>
        <h3>\(t("review.resourceNeeds"))</h3><p class="prose">\(Self.esc(r.resourceNeeds ?? "—"))</p>
        <h3>\(t("review.actions"))</h3>
        \(state.actions.isEmpty ? "<p>—</p>" : "<table class=\"table\"><thead><tr><th>\(t("review.action"))</th><th>\(t("field.owner"))</th><th>\(t("field.dueOn"))</th><th>\(t("review.doneOn"))</th></tr></thead><tbody>\(state.actions.map { "<tr><td class=\"prose\">\(Self.esc($0.text))</td><td>\(Self.esc($0.ownerID.flatMap { state.people[$0]?.displayName } ?? "—"))</td><td>\($0.dueOn?.description ?? "—")</td><td>\($0.doneOn?.description ?? "—")</td></tr>" }.joined())</tbody></table>")
        </section>
        <div class="signatures"><div>\(t("review.approvedBy"))</div><div>\(t("review.recordedBy"))</div></div>
        """
        return document(language, title: "\(l.text("review.minutes", language)) — \(r.title)", body)
    }

    /// The nine inputs of 9.3.2, one section each, as HTML (also shown on the review page).
    public static func inputsHTML(_ i: ReviewInputs, language: Language, localizer l: Localizer) -> String {
        func t(_ key: String, _ params: [String: String] = [:]) -> String { esc(l.text(key, language, params)) }
        func number(_ v: Double) -> String { ObjectiveRules.display(v) }
        func text(_ value: String?) -> String { value.map { "<p class=\"prose\">\(esc($0))</p>" } ?? "<p class=\"muted\">\(t("review.nothingWritten"))</p>" }
        func ncTable(_ lines: [ReviewInputs.NonconformityLine]) -> String {
            guard !lines.isEmpty else { return "<p class=\"muted\">\(t("review.none"))</p>" }
            return "<table class=\"table\"><thead><tr><th>\(t("nc.code"))</th><th>\(t("nc.description"))</th><th>\(t("nc.source"))</th><th>\(t("field.status"))</th><th>\(t("field.dueOn"))</th></tr></thead><tbody>"
                + lines.map { "<tr><td>\($0.code)</td><td>\(esc($0.description))\($0.reference.map { " <span class=\"muted\">(\(esc($0)))</span>" } ?? "")</td><td>\(t("nc.source.\($0.source.rawValue)"))</td><td>\(t("nc.status.\($0.status.rawValue)"))</td><td\($0.overdue ? " class=\"bad\"" : "")>\($0.dueOn?.description ?? "—")\($0.overdue ? " \(t("nc.overdue"))" : "")</td></tr>" }.joined()
                + "</tbody></table>"
        }
        func objectiveTable(_ lines: [ReviewInputs.ObjectiveLine]) -> String {
            guard !lines.isEmpty else { return "<p class=\"muted\">\(t("review.none"))</p>" }
            return "<table class=\"table\"><thead><tr><th>\(t("objective.statement"))</th><th>\(t("objective.target"))</th><th>\(t("objective.latest"))</th><th>\(t("field.status"))</th></tr></thead><tbody>"
                + lines.map { o in
                    let latest = o.latestValue.map { "\(number($0)) \(esc(o.unit)) (\(o.latestOn?.description ?? ""))" } ?? "—"
                    let status = "\(t("objective.status.\(o.status.rawValue)"))\(o.overdue ? " · \(t("objective.overdue"))" : "")"
                    let target: String = esc(ObjectiveText.target(o.comparator, o.target, unit: o.unit, language, l))
                    return "<tr><td>\(esc(o.statement))\(o.control.map { " <span class=\"muted\">(\(esc($0.first?.isNumber == true ? "A." + $0 : $0)))</span>" } ?? "")</td><td>\(target)</td><td>\(latest)</td><td class=\"\(o.status == .met ? "good" : o.status == .notMet ? "bad" : "muted")\">\(status)</td></tr>"
                }.joined() + "</tbody></table>"
        }
        let period = "\(i.periodStart?.description ?? t("review.periodBeginning")) – \(i.periodEnd)"
        let actions = i.previousActions.isEmpty ? "<p class=\"muted\">\(t("review.none"))</p>" :
            "<table class=\"table\"><thead><tr><th>\(t("review.action"))</th><th>\(t("field.owner"))</th><th>\(t("field.dueOn"))</th><th>\(t("field.status"))</th></tr></thead><tbody>"
            + i.previousActions.map { a in
                let status = a.doneOn.map { t("review.doneOnDate", ["date": $0.description]) } ?? (a.overdue ? t("nc.overdue") : t("review.actionOpen"))
                return "<tr><td class=\"prose\">\(esc(a.text))</td><td>\(esc(a.owner ?? "—"))</td><td>\(a.dueOn?.description ?? "—")</td><td class=\"\(a.doneOn != nil ? "good" : a.overdue ? "bad" : "")\">\(status)</td></tr>"
            }.joined() + "</tbody></table>"
        let n = i.nonconformities
        let bySource = n.bySource.map { "\(t("nc.source.\($0.source.rawValue)")) \($0.count)" }.joined(separator: "、")
        let audits = i.audits.isEmpty ? "<p class=\"muted\">\(t("review.none"))</p>" :
            "<table class=\"table\"><thead><tr><th>\(t("audit.title"))</th><th>\(t("audit.dates"))</th><th>\(t("field.status"))</th><th>\(t("finding.kind.major"))</th><th>\(t("finding.kind.minor"))</th><th>\(t("finding.kind.observation"))</th><th>\(t("finding.kind.improvement"))</th></tr></thead><tbody>"
            + i.audits.map { "<tr><td>\(esc($0.title))</td><td>\($0.startsOn) – \($0.endsOn)</td><td>\(t("audit.status.\($0.status.rawValue)"))</td><td class=\"num\">\($0.major)</td><td class=\"num\">\($0.minor)</td><td class=\"num\">\($0.observations)</td><td class=\"num\">\($0.improvements)</td></tr>" }.joined()
            + "</tbody></table>"
        let risk = i.risk.map { r in
            "<dl><dt>\(t("review.assessment"))</dt><dd>\(esc(r.assessment)) (\(t("assessment.status.\(r.status.rawValue)")))</dd><dt>\(t("review.risks"))</dt><dd>\(r.risks)</dd><dt>\(t("review.risksNotAccepted"))</dt><dd>\(r.notAccepted)</dd><dt>\(t("review.treatmentActions"))</dt><dd>\(t("review.actionCounts", ["total": String(r.actions), "done": String(r.actionsDone), "open": String(r.actionsOpen), "overdue": String(r.actionsOverdue)]))</dd></dl>"
        } ?? "<p class=\"muted\">\(t("review.noAssessment"))</p>"
        return """
        <section class="review-inputs"><h2>\(t("review.inputs"))</h2><p class="muted">\(t("review.period")): \(period)</p>
        <h3>a) \(t("review.input.a"))</h3>\(actions)
        <h3>b) \(t("review.input.b"))</h3>\(text(i.externalIssues))
        <h3>c) \(t("review.input.c"))</h3>\(text(i.interestedParties))
        <h3>d) 1. \(t("review.input.d1"))</h3>
        <p>\(t("review.ncCounts", ["raised": String(n.raised), "closed": String(n.closed), "open": String(n.open), "overdue": String(n.overdue)]))\(bySource.isEmpty ? "" : " (\(bySource))")</p>
        \(ncTable(n.items))
        <h3>d) 2. \(t("review.input.d2"))</h3>\(objectiveTable(i.monitoring))
        <h3>d) 3. \(t("review.input.d3"))</h3>\(audits)<p>\(t("review.externalFindings"))</p>\(ncTable(i.externalFindings))
        <h3>d) 4. \(t("review.input.d4"))</h3>\(objectiveTable(i.objectives))
        <h3>e) \(t("review.input.e"))</h3>\(text(i.feedback))
        <h3>f) \(t("review.input.f"))</h3>\(risk)
        <h3>g) \(t("review.input.g"))</h3>\(text(i.improvement))
        </section>
        """
    }
}
