import Catalog
import Domain
import Foundation
import Localization
import Storage

/// Asset inventory in and out as CSV or Excel, in the columns (and Japanese or English headers)
/// Japanese registers use. An export is a valid import template.
public struct AssetTransfer: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    /// Column keys in order, with the headers accepted for each.
    public static let columns = ImportVocabulary.bundled.columns("assets", required: ["code", "name"])

    /// Columns Meguri computes: read past, never imported (the value follows from C, I and A).
    /// Columns read past (none today: the asset value is a column compared, not imported).
    static let computed = ImportVocabulary.bundled.computed("assets")

    /// 分類 is the asset type when its values name types (情報, ソフトウェア), the classification otherwise.
    static let decide: [String: @Sendable (String) -> Bool] = ["type": { AssetRules.kindNames.parse($0) != nil }]

    /// Assets written per step of an import's transaction (see `importFile`).
    static let commitChunk = 2_000
    /// Form fields as the import names them (its column keys).
    static let fieldToColumn = ["kind": "type", "ownerId": "owner", "custodianId": "custodian", "departmentId": "department"]

    public static let spec: ImportSpec = {
        var spec = ImportSpec(columns: columns, computed: computed, decide: decide)
        spec.compared = ["value"]
        return spec
    }()

    public func importFile(_ access: WorkspaceAccess, data: Data, options: ImportOptions = .proposed, dryRun: Bool,
                           context: Context) async throws -> ImportResult {
        try access.require(.assetsManage)
        var table = try await ImportSteps(services).table(access, register: "assets", data: data, spec: Self.spec, options: options)
        let workspace = access.workspaceID
        let now = services.now
        let codes = table.rows.compactMap { $0.value("code") }
        let (method, labels, departments, people, existing) = try await services.store.read { db in
            (try await db.riskMethods.current(in: workspace), try await db.classifications.all(in: workspace),
             try await db.departments.all(in: workspace), try await db.members.emails(in: workspace),
             try await db.assets.load(codes: codes, in: workspace))
        }
        let departmentsByName = Dictionary(departments.flatMap { d in [(d.name.lowercased(), d.id)] + (d.code.map { [($0.lowercased(), d.id)] } ?? []) },
                                           uniquingKeysWith: { first, _ in first })
        var errors: [FieldError] = []
        var creates: [Asset] = []
        var updates: [(before: Asset, after: Asset)] = []
        var rows: [ImportRow] = []
        var seen: [String: Int] = [:]
        for row in table.rows {
            var v = Validator(row: row.number)
            let code = row.value("code").map { Text.halfWidth($0) } ?? ""
            let key = code.lowercased()
            if let first = seen[key], !key.isEmpty {
                errors.append(FieldError(field: "code", code: "error.csvDuplicateRow", params: ["row": String(first)], row: row.number))
                continue
            }
            seen[key] = row.number
            var input = AssetInput(code: row.cells["code"] ?? "", name: row.cells["name"] ?? "", kind: row.field("type"), form: row.field("form"),
                                   location: row.field("location"), classification: row.field("classification"),
                                   confidentiality: row.field("confidentiality"), integrity: row.field("integrity"), availability: row.field("availability"),
                                   status: row.field("status"), lastReviewedOn: row.field("lastReviewedOn"), notes: row.field("notes"))
            for (column, keyPath) in [("owner", \AssetInput.ownerID), ("custodian", \AssetInput.custodianID)] where row.cells[column] != nil {
                if let email = row.value(column) {
                    if let user = people[email.lowercased()] { input[keyPath: keyPath] = .some(user) } else { v.add(column, "error.unknownMemberEmail", ["value": email]) }
                } else {
                    input[keyPath: keyPath] = .some(nil)
                }
            }
            if row.cells["department"] != nil {
                if let name = row.value("department") {
                    if let id = departmentsByName[name.lowercased()] { input.departmentID = .some(id) } else { v.add("department", "error.unknownDepartmentName", ["value": name]) }
                } else {
                    input.departmentID = .some(nil)
                }
            }
            let before = existing[key]
            var asset = before ?? Asset(workspaceID: workspace, code: "", name: "", kind: .information, form: .electronic, createdAt: now, updatedAt: now)
            AssetRules.apply(input, to: &asset, creating: before == nil, method: method, labels: labels, into: &v)
            if let before, !access.maySteward(before.departmentID) { v.add("department", "error.notYourDepartment") }
            if !access.maySteward(asset.departmentID) { v.add("department", "error.notYourDepartment") }
            if !v.isValid {
                errors += v.errors.map { var e = $0; e.field = Self.fieldToColumn[e.field] ?? e.field; return e }
                continue
            }
            let l = services.localizer
            var readings = [ImportReading.choice("type", row, key: row.cells["type"] == nil ? nil : asset.kind.rawValue, label: "asset.kind.\(asset.kind.rawValue)", localizer: l),
                            ImportReading.choice("form", row, key: row.cells["form"] == nil ? nil : asset.form.rawValue, label: "asset.form.\(asset.form.rawValue)", localizer: l),
                            ImportReading.choice("status", row, key: row.cells["status"] == nil ? nil : asset.status.rawValue,
                                                 label: "asset.status.\(asset.status.rawValue)", localizer: l)].compactMap { $0 }
            readings += ImportReading.dates(row, ["lastReviewedOn"])
            if let differs = ImportReading.computed("value", row, asset.value) { readings.append(differs) }
            for (column, level) in [("confidentiality", asset.confidentiality), ("integrity", asset.integrity), ("availability", asset.availability)] {
                if let written = row.value(column), Int(Text.halfWidth(written)) == nil, let level { readings.append(ImportReading(column: column, written: written, value: String(level))) }
            }
            if let before {
                var comparable = asset
                comparable.updatedAt = before.updatedAt
                if comparable == before {
                    rows.append(ImportRow(number: row.number, label: asset.code, outcome: .unchanged, readings: readings))
                } else {
                    asset.updatedAt = now
                    asset.version = before.version + 1
                    updates.append((before, asset))
                    rows.append(ImportRow(number: row.number, label: asset.code, outcome: .update, readings: readings))
                }
            } else {
                creates.append(asset)
                rows.append(ImportRow(number: row.number, label: asset.code, outcome: .create, readings: readings))
            }
        }
        if !errors.isEmpty { throw DomainError.invalid(table.locate(FieldError.capped(errors))) }
        if dryRun { return ImportResult(rows: rows, dryRun: true, mapping: table.mapping) }
        // The file's cells are read; what is left to write is in `creates` and `updates`.
        table.rows = []
        seen = [:]
        let read = table
        let toCreate = creates, toUpdate = updates
        // Written in steps: each step's rows, search documents and audit events (each asset written
        // as JSON, hashed into the chain) are made and serialized on another core while the database
        // writes the step before, so the database rarely waits, and the memory held is a few steps'
        // worth, not the whole file's rows, entries and documents at once (issue 20's 200 MB).
        let actor = context.actor
        let chunks = stride(from: 0, to: toCreate.count, by: Self.commitChunk).map { toCreate[$0..<min($0 + Self.commitChunk, toCreate.count)] }
        try await services.store.write { tx in
            // The codes were free when checked; checking again inside the transaction keeps a race from slipping in.
            let taken = try await tx.assets.load(codes: toCreate.map(\.code), in: workspace)
            if let clash = toCreate.first(where: { taken[$0.code.lowercased()] != nil }) {
                throw DomainError.invalid(field: "code", code: "error.codeTaken", params: ["value": clash.code])
            }
            try await tx.bulkInsert(steps: chunks.count, chain: .workspace(workspace)) { step in
                let assets = Array(chunks[step])
                return (AssetStore.insertion(assets),
                        assets.map { (AuditEntry.change("asset", id: $0.id.description, action: "create", workspace: workspace, before: nil as Asset?, after: $0), actor, now) })
            }
            for (before, after) in toUpdate {
                guard let current = try await tx.assets.load(before.id, in: workspace, forUpdate: true), current.version == before.version else {
                    throw DomainError.conflict(entity: "asset", currentVersion: before.version)
                }
                var write = after
                write.version = before.version
                _ = try await tx.assets.update(write)
            }
            try await tx.audit.appendBatch(toUpdate.map { (AuditEntry.change("asset", id: $0.after.id.description, action: "update", workspace: workspace, before: $0.before, after: $0.after), actor, now) },
                                           chain: .workspace(workspace))
            try await ImportSteps.finish(read, register: "assets", options: options, tx: tx, workspace: workspace, context: context, at: now)
        }
        return ImportResult(rows: rows, dryRun: false, mapping: read.mapping)
    }

    /// The inventory (filtered as asked) in the import's columns: choices as Japanese names or English keys.
    public func export(_ access: WorkspaceAccess, query: AssetQuery, format: Tabular.Format, language: Language, encoding: CSV.Encoding = .utf8) async throws -> Data {
        try access.require(.assetsRead)
        let workspace = access.workspaceID
        let (assets, labels, departments, users) = try await services.store.read { db -> ([Asset], [ClassificationLabel], [Department], [User.ID: User]) in
            let assets = try await db.assets.all(in: workspace, query: query)
            let people = Set(assets.flatMap { [$0.ownerID, $0.custodianID].compactMap { $0 } })
            return (assets, try await db.classifications.all(in: workspace), try await db.departments.all(in: workspace), try await db.users.loadAll(Array(people)))
        }
        let l = services.localizer
        let departmentNames = Dictionary(uniqueKeysWithValues: departments.map { ($0.id, $0.name) })
        // The import's columns; the asset value is Meguri's (compared on import, never imported).
        let header = Self.columns.map { l.text("csv.assets.\($0.key)", language) }
        let rows: [[String]] = assets.map { a in
            [a.code, a.name, choice("asset.kind", a.kind.rawValue, language), choice("asset.form", a.form.rawValue, language),
             a.ownerID.flatMap { users[$0]?.email } ?? "", a.custodianID.flatMap { users[$0]?.email } ?? "",
             a.departmentID.flatMap { departmentNames[$0] } ?? "", a.location ?? "",
             a.classification.flatMap { key in labels.first { $0.key == key }?.label(language) } ?? "",
             a.confidentiality.map(String.init) ?? "", a.integrity.map(String.init) ?? "", a.availability.map(String.init) ?? "", a.value.map(String.init) ?? "",
             choice("asset.status", a.status.rawValue, language), a.lastReviewedOn?.description ?? "", a.notes ?? ""]
        }
        return try Tabular.write(sheet: l.text("cap.assets", language), header: header, rows: rows,
                                 widths: [10, 30, 12, 10, 26, 26, 16, 18, 10, 8, 8, 8, 8, 8, 12, 30], format: format, encoding: encoding)
    }

    func choice(_ prefix: String, _ key: String, _ language: Language) -> String {
        language == .ja ? services.localizer.text("\(prefix).\(key)", .ja) : key
    }
}
