import Catalog
import Domain
import Foundation
import Localization
import Storage

/// The risk register in and out as CSV or Excel: what most organizations kept in a spreadsheet last
/// year, brought in with assets by code, threats and vulnerabilities by code or name, people by
/// e-mail and controls by Annex A id.
public struct RiskTransfer: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public static let columns = ImportVocabulary.bundled.columns("risks")

    static let fieldToColumn = ["assetId": "asset", "threatId": "threat", "vulnerabilityId": "vulnerability", "ownerId": "owner",
                                "inherent.threat": "threatLevel", "inherent.vulnerability": "vulnerabilityLevel", "inherent.likelihood": "likelihood",
                                "inherent.impact": "impact", "residual.threat": "residualThreatLevel", "residual.vulnerability": "residualVulnerabilityLevel",
                                "residual.likelihood": "residualLikelihood", "residual.impact": "residualImpact"]

    /// Imports into a draft assessment, all or nothing. A threat or vulnerability not in the
    /// workspace's catalog yet is added to it (noted on the row).
    /// Columns Meguri computes from the levels: read past.
    static let computed = ImportVocabulary.bundled.computed("risks")
    public static let spec: ImportSpec = {
        var spec = ImportSpec(columns: columns, computed: computed)
        spec.compared = ["inherentScore"]
        return spec
    }()

    public func importFile(_ access: WorkspaceAccess, assessment assessmentID: RiskAssessment.ID, data: Data, options: ImportOptions = .proposed,
                           dryRun: Bool, context: Context) async throws -> ImportResult {
        try access.require(.risksManage)
        // An unknown assessment is "not found" before the file is read.
        _ = try await RiskAssessments(services).load(access, assessmentID)
        let table = try await ImportSteps(services).table(access, register: "risks", data: data, spec: Self.spec, options: options)
        let now = services.now
        let workspace = access.workspaceID
        let catalog = services.catalog
        let mayExtendCatalog = access.allows(.riskMethodManage)
        do {
            return try await services.store.write { tx in
                guard let assessment = try await tx.assessments.load(assessmentID, in: workspace) else { throw DomainError.notFound(entity: "risk_assessment") }
                guard assessment.isEditable else { throw DomainError.rule(code: "error.assessmentNotDraft") }
                let method = try await Risks.method(of: assessment, tx: tx)
                let people = try await tx.members.emails(in: workspace)
                let assets = try await tx.assets.load(codes: table.rows.compactMap { $0.value("asset") }, in: workspace)
                var threats = try await tx.catalogEntries.all(.threat, in: workspace)
                var vulnerabilities = try await tx.catalogEntries.all(.vulnerability, in: workspace)
                var errors: [FieldError] = []
                var rows: [ImportRow] = []
                var seen: [String: Int] = [:]
                var nextCode = try await tx.risks.nextCode(in: assessmentID, workspace: workspace)
                var lastNumbered: String? = nil
                for row in table.rows {
                    var v = Validator(row: row.number)
                    var notes: [String] = []
                    var input = RiskInput(scenario: row.cells["scenario"], treatment: row.cells["treatment"], treatmentReason: row.cells["treatmentReason"])
                    if let raw = row.value("controls") { input.controls = raw.split(whereSeparator: { ";,、 ".contains($0) }).map(String.init) }
                    if let code = row.value("asset") {
                        if let asset = assets[Text.halfWidth(code).lowercased()] { input.assetID = .some(asset.id) } else { v.add("asset", "error.unknownAssetCode", ["value": code]) }
                    }
                    for (column, kind) in [("threat", CatalogEntry.Kind.threat), ("vulnerability", .vulnerability)] {
                        guard let text = row.value(column) else { continue }
                        let pool = kind == .threat ? threats : vulnerabilities
                        let cleaned = text.lowercased()
                        if let entry = pool.first(where: { $0.code.lowercased() == cleaned || $0.nameJa.lowercased() == cleaned || $0.nameEn.lowercased() == cleaned }) {
                            if kind == .threat { input.threatID = .some(entry.id) } else { input.vulnerabilityID = .some(entry.id) }
                        } else if mayExtendCatalog {
                            let prefix = kind == .threat ? "T" : "V"
                            let number = (pool.compactMap { Int($0.code.dropFirst()) }.max() ?? 0) + 1
                            let entry = CatalogEntry(workspaceID: workspace, kind: kind, code: String(format: "%@%02d", prefix, number), category: "imported",
                                                     nameJa: text, nameEn: text, descriptionJa: "", descriptionEn: "")
                            try await tx.catalogEntries.insert([entry])
                            try await tx.record(.change("catalog_entry", id: entry.id.description, action: "create", workspace: workspace,
                                                        before: nil as CatalogEntry?, after: entry), context, at: now)
                            if kind == .threat { threats.append(entry); input.threatID = .some(entry.id) } else { vulnerabilities.append(entry); input.vulnerabilityID = .some(entry.id) }
                            notes.append("\(kind.rawValue):\(text)")
                        } else {
                            v.add(column, "error.unknownEntryName", ["value": text])
                        }
                    }
                    if let text = row.value("affects") {
                        let parts = Set(text.uppercased().split(whereSeparator: { ";,、 ".contains($0) }).map { String($0) })
                        input.affectsConfidentiality = parts.contains("C") || parts.contains("機密性")
                        input.affectsIntegrity = parts.contains("I") || parts.contains("完全性")
                        input.affectsAvailability = parts.contains("A") || parts.contains("可用性")
                    }
                    func level(_ column: String) -> Int? {
                        guard let text = row.value(column) else { return nil }
                        if let value = Int(Text.halfWidth(text)) { return value }
                        v.add(column, "error.rating", ["max": "5"])
                        return nil
                    }
                    let inherent = RatingInput(threat: level("threatLevel"), vulnerability: level("vulnerabilityLevel"), likelihood: level("likelihood"), impact: level("impact"))
                    if inherent != RatingInput() { input.inherent = inherent }
                    let residual = RatingInput(threat: level("residualThreatLevel"), vulnerability: level("residualVulnerabilityLevel"),
                                               likelihood: level("residualLikelihood"), impact: level("residualImpact"))
                    if residual != RatingInput() { input.residual = residual }
                    if let email = row.value("owner") {
                        if let user = people[email.lowercased()] { input.ownerID = .some(user) } else { v.add("owner", "error.unknownMemberEmail", ["value": email]) }
                    }
                    let code = row.value("code").map(Text.halfWidth)
                    if let code {
                        if let first = seen[code.lowercased()] {
                            v.add("code", "error.csvDuplicateRow", ["row": String(first)])
                        }
                        seen[code.lowercased()] = row.number
                    }
                    guard v.isValid else { errors += v.errors; continue }
                    do {
                        if let code, let existing = try await tx.risks.load(code: code, in: assessmentID, workspace: workspace) {
                            guard try await Risks.maySteward(access, existing, tx: tx) else { throw DomainError.invalid(field: "asset", code: "error.notYourDepartment") }
                            var after = existing
                            try await Risks.apply(input, to: &after, method: method, access: access, catalog: catalog, tx: tx, row: row.number)
                            var comparable = after
                            comparable.updatedAt = existing.updatedAt
                            if comparable == existing {
                                rows.append(ImportRow(number: row.number, label: code, outcome: .unchanged, notes: notes,
                                                      readings: [ImportReading.computed("inherentScore", row, after.inherentScore)].compactMap { $0 }))
                            } else {
                                after.updatedAt = now
                                if existing.review == .toReview || existing.review == .reviewed { after.review = .changed }
                                after.acceptedAt = nil
                                after.acceptedBy = nil
                                let saved = try await tx.risks.update(after)
                                try await tx.record(.change("risk", id: saved.id.description, action: "update", workspace: workspace, before: existing, after: saved), context, at: now)
                                rows.append(ImportRow(number: row.number, label: code, outcome: .update, notes: notes,
                                                      readings: [ImportReading.computed("inherentScore", row, saved.inherentScore)].compactMap { $0 }))
                            }
                        } else {
                            var risk = Risk(workspaceID: workspace, assessmentID: assessmentID, code: "", createdAt: now, updatedAt: now)
                            var withCode = input
                            withCode.code = code ?? nextCode
                            try await Risks.apply(withCode, to: &risk, method: method, access: access, catalog: catalog, tx: tx, row: row.number)
                            guard try await Risks.maySteward(access, risk, tx: tx) else { throw DomainError.invalid(field: "asset", code: "error.notYourDepartment") }
                            try await tx.risks.insert(risk)
                            try await tx.record(.change("risk", id: risk.id.description, action: "create", workspace: workspace, before: nil as Risk?, after: risk), context, at: now)
                            if code == nil {
                                lastNumbered = nextCode
                                nextCode = String(format: "R-%03d", (Int(nextCode.dropFirst(2)) ?? 0) + 1)
                            }
                            rows.append(ImportRow(number: row.number, label: risk.code, outcome: .create, notes: notes,
                                                  readings: [ImportReading.computed("inherentScore", row, risk.inherentScore)].compactMap { $0 }))
                        }
                    } catch DomainError.invalid(let rowErrors) {
                        errors += rowErrors.map { var e = $0; e.row = row.number; e.field = Self.fieldToColumn[e.field] ?? e.field; return e }
                    }
                }
                // The codes numbered here are spent: a later risk never gets one of them again.
                if let lastNumbered { try await tx.risks.noteCodes(upTo: lastNumbered, in: assessmentID, workspace: workspace) }
                if !errors.isEmpty { throw DomainError.invalid(table.locate(FieldError.capped(errors))) }
                if dryRun { throw DryRunRollback(report: ImportResult(rows: rows, dryRun: true, mapping: table.mapping)) }
                try await ImportSteps.finish(table, register: "risks", options: options, tx: tx, workspace: workspace, context: context, at: now)
                return ImportResult(rows: rows, dryRun: false, mapping: table.mapping)
            }
        } catch let rollback as DryRunRollback<ImportResult> {
            return rollback.report
        }
    }

    public func export(_ access: WorkspaceAccess, assessment assessmentID: RiskAssessment.ID, format: Tabular.Format, language: Language,
                       encoding: CSV.Encoding = .utf8) async throws -> Data {
        try access.require(.risksRead)
        let workspace = access.workspaceID
        let (risks, assets, threats, vulnerabilities, people) = try await services.store.read { db -> ([Risk], [Asset.ID: Asset], [CatalogEntry], [CatalogEntry], [User.ID: User]) in
            let risks = try await db.risks.all(in: assessmentID, workspace: workspace)
            return (risks, try await db.assets.loadAll(risks.compactMap(\.assetID), in: workspace), try await db.catalogEntries.all(.threat, in: workspace),
                    try await db.catalogEntries.all(.vulnerability, in: workspace), try await db.users.loadAll(risks.compactMap(\.ownerID)))
        }
        let entries = Dictionary(uniqueKeysWithValues: (threats + vulnerabilities).map { ($0.id, $0) })
        let l = services.localizer
        let header = Self.columns.map { l.text("csv.risks.\($0.key)", language) }
        func number(_ value: Int?) -> String { value.map(String.init) ?? "" }
        let rows: [[String]] = risks.map { r in
            var affects: [String] = []
            if r.affectsConfidentiality { affects.append("C") }
            if r.affectsIntegrity { affects.append("I") }
            if r.affectsAvailability { affects.append("A") }
            return [r.code, r.assetID.flatMap { assets[$0]?.code } ?? "", r.threatID.flatMap { entries[$0]?.name(language) } ?? "",
                    r.vulnerabilityID.flatMap { entries[$0]?.name(language) } ?? "", r.scenario ?? "", affects.joined(separator: ";"),
                    number(r.inherent.threat), number(r.inherent.vulnerability), number(r.inherent.likelihood), number(r.inherent.impact),
                    number(r.inherentScore), r.ownerID.flatMap { people[$0]?.email } ?? "", r.treatment.map { language == .ja ? l.text("treatment.\($0.rawValue)", .ja) : $0.rawValue } ?? "",
                    r.treatmentReason ?? "", r.controls.joined(separator: ";"), number(r.residual.threat), number(r.residual.vulnerability),
                    number(r.residual.likelihood), number(r.residual.impact)]
        }
        return try Tabular.write(sheet: l.text("cap.riskAssessment", language), header: header, rows: rows,
                                 widths: [8, 10, 24, 24, 30, 8, 8, 8, 8, 8, 8, 26, 10, 30, 16, 8, 8, 8, 8], format: format, encoding: encoding)
    }
}
