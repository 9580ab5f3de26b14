import Domain
import Foundation
import Storage

/// The departments of a workspace: listed by everyone who may see members, changed by the secretariat.
public struct Departments: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    public func list(_ access: WorkspaceAccess, search: String?, page: PageRequest) async throws -> Page<Department> {
        try access.require(.workspaceRead)
        return try await services.store.read { try await $0.departments.list(in: access.workspaceID, search: search, page: page) }
    }

    public func all(_ access: WorkspaceAccess) async throws -> [Department] {
        try access.require(.workspaceRead)
        return try await services.store.read { try await $0.departments.all(in: access.workspaceID) }
    }

    public func load(_ access: WorkspaceAccess, _ id: Department.ID) async throws -> Department {
        try access.require(.workspaceRead)
        guard let department = try await services.store.read({ try await $0.departments.load(id, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: "department")
        }
        return department
    }

    public func create(_ access: WorkspaceAccess, _ input: DepartmentInput, context: Context) async throws -> Department {
        try access.require(.membersManage)
        let now = services.now
        let department = try input.validated(over: nil, workspaceID: access.workspaceID, now: now)
        return try await services.store.write { tx in
            try await Self.insert(department, tx: tx, context: context, now: now)
            return department
        }
    }

    static func insert(_ department: Department, tx: Writer, context: Context, now: Date, row: Int? = nil) async throws {
        if try await tx.departments.load(named: department.name, in: department.workspaceID) != nil {
            throw DomainError.invalid([FieldError(field: "name", code: "error.nameTaken", params: ["value": department.name], row: row)])
        }
        try await tx.departments.insert(department)
        try await tx.record(.change("department", id: department.id.description, action: "create", workspace: department.workspaceID,
                                    before: nil as Department?, after: department), context, at: now)
    }

    public func update(_ access: WorkspaceAccess, _ id: Department.ID, _ input: DepartmentInput, expectedVersion: Int?, context: Context) async throws -> Department {
        try access.require(.membersManage)
        guard let expectedVersion else { throw DomainError.versionRequired }
        let now = services.now
        let workspace = access.workspaceID
        return try await services.store.write { tx in
            guard let before = try await tx.departments.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "department") }
            guard before.version == expectedVersion else { throw DomainError.conflict(entity: "department", currentVersion: before.version) }
            let changed = try input.validated(over: before, workspaceID: workspace, now: now)
            if let other = try await tx.departments.load(named: changed.name, in: workspace), other.id != id {
                throw DomainError.invalid(field: "name", code: "error.nameTaken", params: ["value": changed.name])
            }
            var comparable = changed
            comparable.updatedAt = before.updatedAt
            guard comparable != before else { return before }
            let after = try await tx.departments.update(changed)
            try await tx.record(.change("department", id: id.description, action: "update", workspace: workspace, before: before, after: after), context, at: now)
            return after
        }
    }

    /// Deletes a department no member, role or asset refers to any more.
    public func delete(_ access: WorkspaceAccess, _ id: Department.ID, expectedVersion: Int?, context: Context) async throws {
        try access.require(.membersManage)
        let now = services.now
        let workspace = access.workspaceID
        try await services.store.write { tx in
            guard let before = try await tx.departments.load(id, in: workspace, forUpdate: true) else { throw DomainError.notFound(entity: "department") }
            if let expectedVersion, before.version != expectedVersion { throw DomainError.conflict(entity: "department", currentVersion: before.version) }
            let usage = try await tx.departments.usage(id, in: workspace)
            if usage > 0 { throw DomainError.rule(code: "error.departmentInUse", params: ["count": String(usage)]) }
            try await tx.departments.delete(id, in: workspace)
            try await tx.record(.change("department", id: id.description, action: "delete", workspace: workspace, before: before, after: nil as Department?), context, at: now)
        }
    }

    // MARK: Import

    public static let csvColumns: [(key: String, names: Set<String>, required: Bool)] = [
        ("name", ["name", "部門名", "部門"], true),
        ("code", ["code", "部門コード", "コード"], false),
        ("description", ["description", "説明", "備考"], false),
    ]

    public struct ImportReport: Sendable {
        public struct Row: Sendable {
            public enum Outcome: String, Sendable { case create, update, unchanged }
            public var number: Int
            public var name: String
            public var outcome: Outcome
        }
        public var rows: [Row]
        public var dryRun: Bool
        public var created: Int { rows.filter { $0.outcome == .create }.count }
        public var updated: Int { rows.filter { $0.outcome == .update }.count }
    }

    /// Imports departments from CSV, all or nothing: a department of the same name is updated, a new
    /// name is created. Every rejected row is reported with its number; nothing is written then.
    public func importCSV(_ access: WorkspaceAccess, data: Data, dryRun: Bool, context: Context) async throws -> ImportReport {
        try access.require(.membersManage)
        let table = try CSVTable.read(data, columns: Self.csvColumns)
        if table.rows.isEmpty { throw DomainError.invalid(field: "file", code: "error.csvNoRows") }
        let now = services.now
        let workspace = access.workspaceID
        do {
            return try await services.store.write { tx in
                var errors: [FieldError] = []
                var report = ImportReport(rows: [], dryRun: dryRun)
                var seen: [String: Int] = [:]
                for row in table.rows {
                    let input = DepartmentInput(name: row.cells["name"], code: row.cells["code"] ?? nil, description: row.cells["description"] ?? nil)
                    let key = Text.trimmed(row.cells["name"] ?? "").lowercased()
                    if let first = seen[key], !key.isEmpty {
                        errors.append(FieldError(field: "name", code: "error.csvDuplicateRow", params: ["row": String(first)], row: row.number))
                        continue
                    }
                    seen[key] = row.number
                    do {
                        if let existing = try await tx.departments.load(named: key, in: workspace) {
                            let changed = try input.validated(over: existing, workspaceID: workspace, now: now, row: row.number)
                            var comparable = changed
                            comparable.updatedAt = existing.updatedAt
                            if comparable == existing {
                                report.rows.append(.init(number: row.number, name: existing.name, outcome: .unchanged))
                            } else {
                                let after = try await tx.departments.update(changed)
                                try await tx.record(.change("department", id: existing.id.description, action: "update", workspace: workspace,
                                                            before: existing, after: after), context, at: now)
                                report.rows.append(.init(number: row.number, name: after.name, outcome: .update))
                            }
                        } else {
                            let department = try input.validated(over: nil, workspaceID: workspace, now: now, row: row.number)
                            try await Self.insert(department, tx: tx, context: context, now: now, row: row.number)
                            report.rows.append(.init(number: row.number, name: department.name, outcome: .create))
                        }
                    } catch DomainError.invalid(let rowErrors) {
                        errors += rowErrors.map { var e = $0; e.row = row.number; return e }
                    }
                }
                if !errors.isEmpty { throw DomainError.invalid(FieldError.capped(errors)) }
                if dryRun { throw DryRunRollback(report: report) }
                return report
            }
        } catch let rollback as DryRunRollback<ImportReport> {
            return rollback.report
        }
    }
}
