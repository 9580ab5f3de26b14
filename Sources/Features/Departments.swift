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
            try await Self.checkName(department, tx: tx)
            return try await tx.create(tx.departments, department, context: context, at: now)
        }
    }

    /// Names are unique in a workspace (regardless of case).
    static func checkName(_ department: Department, tx: Writer) async throws {
        if let other = try await tx.departments.load(named: department.name, in: department.workspaceID), other.id != department.id {
            throw DomainError.invalid(field: "name", code: "error.nameTaken", params: ["value": department.name])
        }
    }

    public func update(_ access: WorkspaceAccess, _ id: Department.ID, _ input: DepartmentInput, expectedVersion: Int?, context: Context) async throws -> Department {
        try access.require(.membersManage)
        let now = services.now
        return try await services.store.write { tx in
            try await tx.change(tx.departments, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { department in
                department = try input.validated(over: department, workspaceID: access.workspaceID, now: department.updatedAt)
                try await Self.checkName(department, tx: tx)
            }
        }
    }

    /// Deletes a department no member, role or asset refers to any more.
    public func delete(_ access: WorkspaceAccess, _ id: Department.ID, expectedVersion: Int?, context: Context) async throws {
        try access.require(.membersManage)
        let now = services.now
        try await services.store.write { tx in
            try await tx.remove(tx.departments, id, in: access.workspaceID, expectedVersion: expectedVersion, context: context, at: now) { _ in
                let usage = try await tx.departments.usage(id, in: access.workspaceID)
                if usage > 0 { throw DomainError.rule(code: "error.departmentInUse", params: ["count": String(usage)]) }
            }
        }
    }

    // MARK: Import and export

    /// The department file's columns: what the export writes and the import reads.
    public static let table = RegisterTable<Department>("departments", [
        TableColumn("name", required: true, width: 24) { $0.name },
        TableColumn("code", width: 12) { $0.code ?? "" },
        TableColumn("description", width: 40) { $0.description ?? "" },
    ])

    /// Every department as CSV or Excel, in the import's columns.
    public func export(_ access: WorkspaceAccess, format: Tabular.Format = .csv, language: Language, encoding: CSV.Encoding = .utf8) async throws -> Data {
        try Self.table.export(try await all(access), format: format, language: language, encoding: encoding, localizer: services.localizer)
    }

    /// Imports departments from CSV or Excel, all or nothing: a department of the same name is
    /// updated, a new name is created. Every rejected row is reported with its number; nothing is written then.
    public func importFile(_ access: WorkspaceAccess, data: Data, options: ImportOptions = .proposed, dryRun: Bool,
                           context: Context) async throws -> ImportResult {
        try access.require(.membersManage)
        let table = try await ImportSteps(services).table(access, register: Self.table.name, data: data, spec: Self.table.spec(services.localizer), options: options)
        let now = services.now
        let workspace = access.workspaceID
        return try await RegisterImport.run(table, dryRun: dryRun, store: services.store, register: Self.table.name, options: options,
                                            access: access, context: context, now: now) { row, tx, run in
            try run.checkRepeat(row.cells["name"] ?? nil, field: "name", row: row.number)
            let input = DepartmentInput(name: row.cells["name"], code: row.cells["code"] ?? nil, description: row.cells["description"] ?? nil)
            if let existing = try await tx.departments.load(named: Text.trimmed(row.cells["name"] ?? ""), in: workspace) {
                let after = try await tx.change(tx.departments, existing.id, in: workspace, expectedVersion: nil, versionRequired: false, context: context, at: now) {
                    $0 = try input.validated(over: $0, workspaceID: workspace, now: $0.updatedAt, row: row.number)
                }
                return ImportRow(number: row.number, label: after.name, outcome: after.version == existing.version ? .unchanged : .update)
            }
            let department = try input.validated(over: nil, workspaceID: workspace, now: now, row: row.number)
            try await tx.create(tx.departments, department, context: context, at: now)
            return ImportRow(number: row.number, label: department.name, outcome: .create)
        }
    }
}
