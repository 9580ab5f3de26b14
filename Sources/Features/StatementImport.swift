import Catalog
import Domain
import Foundation
import Localization
import Storage

/// The statement read back from a file, in any layout its columns can be mapped from: 2022 ids,
/// own codes or 2013 ids through the correspondence table, all or nothing.
extension Statement {
    public static let columns = ImportVocabulary.bundled.columns("soa", required: ["id", "applicable"])

    /// A header that names both the control and its title (管理策) is the control when its values
    /// are control ids (5.1, A.5.1, ５．１), the title otherwise.
    static let decide: [String: @Sendable (String) -> Bool] = [
        "id": { value in
            let text = Text.halfWidth(Text.trimmed(value)).uppercased()
            let bare = text.hasPrefix("A.") ? String(text.dropFirst(2)) : text
            let parts = bare.split(separator: ".")
            return (2...3).contains(parts.count) && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
        },
    ]

    /// What an import did or would do, with the entries a person must now decide.
    public struct ImportOutcome: Sendable {
        public var result: ImportResult
        /// One per result row, in the same order.
        public var proposals: [SoAMigration.Proposal]
        public var review: [SoAMigration.Proposal] { proposals.filter { $0.review != nil } }
    }

    /// Reads an SoA (2022 ids, own codes, or 2013 ids mapped through the correspondence table);
    /// all or nothing. Entries that do not carry over one-to-one land on the review list.
    public static let spec = ImportSpec(columns: columns, decide: decide)

    public func importFile(_ access: WorkspaceAccess, data: Data, options: ImportOptions = .proposed, dryRun: Bool,
                           context: Context) async throws -> ImportOutcome {
        try access.require(.soaManage)
        let table = try await ImportSteps(services).table(access, register: "soa", data: data, spec: Self.spec, options: options)
        let workspace = access.workspaceID
        let (own, people, existing, documents) = try await services.store.read { db in
            (try await db.ownControls.all(in: workspace), try await db.members.emails(in: workspace), try await db.soa.entries(in: workspace),
             try await db.documents.entries.all(in: workspace).filter { $0.status != .retired })
        }
        let documentByID = Dictionary(documents.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        // Controls each document gains from the file's documents column (document → references to add).
        var links: [ControlledDocument.ID: [String]] = [:]
        var errors: [FieldError] = []
        var rows: [SoAMigration.Row] = []
        var owners: [String: User.ID] = [:]
        var readings: [Int: [ImportReading]] = [:]
        for row in table.rows {
            guard let id = row.value("id") else {
                if row.cells.values.contains(where: { Text.nonBlank($0) != nil }) { errors.append(FieldError(field: "id", code: "error.required", row: row.number)) }
                continue
            }
            var decision = SoAEntry.Decision.undecided
            // Read as written first: N/A, 該当なし in this column mean "excluded", not "nothing".
            if let raw = row.text("applicable") {
                if let parsed = SoARules.decisionNames.parse(raw) { decision = parsed } else if !Text.isEmptyMark(raw) {
                    errors.append(FieldError(field: "applicable", code: "error.choiceValue", params: ["value": raw], row: row.number))
                }
            }
            var implementation: SoAEntry.Implementation? = nil
            if let raw = row.value("status") {
                if let parsed = SoARules.implementationNames.parse(raw) { implementation = parsed } else {
                    errors.append(FieldError(field: "implementation", code: "error.choiceValue", params: ["value": raw], row: row.number))
                }
            }
            // An owner is matched by e-mail; a name (as the export writes it) leaves the owner as it is.
            if let email = row.value("owner"), email.contains("@") {
                if let user = people[email.lowercased()] { owners[email.lowercased()] = user } else {
                    errors.append(FieldError(field: "owner", code: "error.unknownMemberEmail", params: ["value": email], row: row.number))
                }
            }
            for (key, limit) in [("justification", 4000), ("description", 8000)] where (row.value(key)?.count ?? 0) > limit {
                errors.append(FieldError(field: key, code: "error.tooLong", params: ["max": String(limit)], row: row.number))
            }
            readings[row.number] = [ImportReading.choice("applicable", row, key: row.text("applicable") == nil ? nil : decision.rawValue,
                                                         label: "soa.decision.\(decision.rawValue)", localizer: services.localizer),
                                    ImportReading.choice("status", row, key: implementation?.rawValue,
                                                         label: "soa.implementation.\(implementation?.rawValue ?? "")", localizer: services.localizer)].compactMap { $0 }
            rows.append(SoAMigration.Row(number: row.number, id: id, decision: decision, justification: row.value("justification"), implementation: implementation,
                                         description: row.value("description"), ownerEmail: row.value("owner").flatMap { $0.contains("@") ? $0.lowercased() : nil },
                                         documents: row.value("documents")))
        }
        if !errors.isEmpty { throw DomainError.invalid(table.locate(FieldError.capped(errors))) }
        var proposals = try SoAMigration.plan(rows, catalog: catalog, ownCodes: Set(own.map(\.code)))
        let byControl = Dictionary(existing.map { ($0.controlID, $0) }, uniquingKeysWith: { a, _ in a })
        let now = services.now
        var changes: [(before: SoAEntry?, after: SoAEntry)] = []
        var report: [ImportRow] = []
        for (index, proposal) in proposals.enumerated() {
            let before = byControl[proposal.controlID]
            // A control new in 2022 that someone already decided keeps that decision.
            if case .new2022 = proposal.review, let before, before.decision != .undecided {
                proposals[index].review = nil
                report.append(ImportRow(number: 0, label: "A." + proposal.controlID, outcome: .unchanged))
                continue
            }
            var after = before ?? SoAEntry(workspaceID: workspace, controlID: proposal.controlID, updatedAt: now)
            after.decision = proposal.decision
            after.justification = proposal.justification
            after.implementation = proposal.decision == .applicable ? (proposal.implementation ?? .notStarted) : nil
            if let description = proposal.description { after.description = description }
            var linked: [String] = []
            if let text = proposal.documents {
                // A document named by code or title is linked; the rest stays as the note.
                let (named, note) = DocumentRules.named(in: text, documents: documents)
                after.documents = note
                let reference = catalog.control(proposal.controlID) != nil ? "A." + proposal.controlID : proposal.controlID
                for id in named where documentByID[id].map({ !$0.references.contains(reference) }) ?? false {
                    links[id, default: []].append(reference)
                    linked.append(documentByID[id]!.code)
                }
            }
            if let email = proposal.ownerEmail { after.ownerID = owners[email] }
            after.reviewReason = proposal.review?.stored
            var notes: [String] = []
            if proposal.decision == .applicable && proposal.implementation == nil { notes.append("status:notStarted") }
            if !linked.isEmpty { notes.append("documents:" + linked.joined(separator: ",")) }
            if proposal.review == nil {
                let problems = SoARules.validate(after)
                if !problems.isEmpty {
                    errors += problems.map { FieldError(field: $0.field, code: $0.code, params: $0.params, row: proposal.rows.first) }
                    continue
                }
            }
            let label = (proposal.controlID.first?.isNumber == true ? "A." : "") + proposal.controlID
                + (proposal.from2013.isEmpty ? "" : " ← " + proposal.from2013.joined(separator: ", "))
            var comparable = after
            comparable.updatedAt = before?.updatedAt ?? now
            let blank = before == nil && after.decision == .undecided && after.justification == nil && after.description == nil && after.documents == nil
                && after.ownerID == nil && after.reviewReason == nil
            if blank || before.map({ comparable == $0 }) == true {
                report.append(ImportRow(number: proposal.rows.first ?? 0, label: label, outcome: linked.isEmpty ? .unchanged : .update, notes: notes,
                                        readings: readings[proposal.rows.first ?? 0] ?? []))
                continue
            }
            after.updatedAt = now
            report.append(ImportRow(number: proposal.rows.first ?? 0, label: label, outcome: before == nil ? .create : .update, notes: notes,
                                    readings: readings[proposal.rows.first ?? 0] ?? []))
            changes.append((before, after))
        }
        if !errors.isEmpty { throw DomainError.invalid(table.locate(FieldError.capped(errors))) }
        let outcome = ImportOutcome(result: ImportResult(rows: report, dryRun: dryRun, mapping: table.mapping), proposals: proposals)
        if dryRun { return outcome }
        let batch = changes
        let documentLinks = links
        try await services.store.write { tx in
            for (id, references) in documentLinks.sorted(by: { $0.key < $1.key }) {
                try await tx.change(tx.documents.entries, id, in: workspace, expectedVersion: nil, versionRequired: false, action: "link", context: context, at: now) { document in
                    document.references += references.filter { !document.references.contains($0) }
                }
            }
            var events: [(AuditEntry, Actor, Date)] = []
            for change in batch {
                // Read again under lock: an entry changed since the file was checked is a conflict, not overwritten.
                let current = try await tx.soa.entry(change.after.controlID, in: workspace, forUpdate: true)
                guard current?.version == change.before?.version else {
                    throw DomainError.conflict(entity: "soa_entry", currentVersion: current?.version ?? 0)
                }
                let saved = try await tx.soa.save(change.after)
                events.append((.change("soa_entry", id: saved.controlID, action: "import", workspace: workspace, before: change.before, after: saved), context.actor, now))
            }
            if !events.isEmpty { try await tx.audit.appendBatch(events, chain: .workspace(workspace)) }
            try await ImportSteps.finish(table, register: "soa", options: options, tx: tx, workspace: workspace, context: context, at: now)
        }
        return outcome
    }
}
