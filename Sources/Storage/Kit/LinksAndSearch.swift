import Domain
import Foundation
import SQLKit

/// What each record names (`record_links`): written by `RecordStore` from the schema's declared
/// links, so "which records of any register name this control / asset / person" is one indexed query.
public struct LinkStore: Sendable {
    let sql: any SQLDatabase

    /// One record that names the target.
    public struct Naming: Sendable, Hashable {
        /// The register (its table).
        public var type: String
        public var id: UUID
    }

    func insert(_ links: Set<RecordLink>, record: UUID, type: String, in workspace: Workspace.ID) async throws {
        guard !links.isEmpty else { return }
        let rows = Array(links)
        for chunk in stride(from: 0, to: rows.count, by: 400) {
            let builder = sql.insert(into: "record_links").columns("workspace_id", "record_type", "record_id", "kind", "target")
            for link in rows[chunk..<min(chunk + 400, rows.count)] {
                builder.values(SQLBind(workspace.uuid), SQLBind(type), SQLBind(record), SQLBind(link.kind.rawValue), SQLBind(link.target))
            }
            try await builder.run()
        }
    }

    func delete(records: [UUID], type: String, in workspace: Workspace.ID) async throws {
        for chunk in stride(from: 0, to: records.count, by: 500) {
            try await sql.delete(from: "record_links").where("workspace_id", .equal, SQLBind(workspace.uuid))
                .where("record_id", .in, SQLGroupExpression(records[chunk..<min(chunk + 500, records.count)].map { SQLBind($0) as any SQLExpression })).run()
        }
    }

    /// Every record, of every register, that names the target.
    public func naming(_ link: RecordLink, in workspace: Workspace.ID) async throws -> [Naming] {
        try await sql.select().column("record_type").column("record_id").from("record_links").where("workspace_id", .equal, SQLBind(workspace.uuid))
            .where("kind", .equal, SQLBind(link.kind.rawValue)).where("target", .equal, SQLBind(link.target)).all()
            .map { Naming(type: try $0.decode(column: "record_type", as: String.self), id: try RowReader(row: $0).uuid("record_id")) }
    }

    /// Which records of one register name each target of a kind: target → record ids (the SoA's "documents of a control").
    public func targets(_ kind: RecordLink.Kind, type: String, in workspace: Workspace.ID) async throws -> [String: [UUID]] {
        var out: [String: [UUID]] = [:]
        for row in try await sql.select().column("target").column("record_id").from("record_links").where("workspace_id", .equal, SQLBind(workspace.uuid))
            .where("record_type", .equal, SQLBind(type)).where("kind", .equal, SQLBind(kind.rawValue)).all() {
            out[try row.decode(column: "target", as: String.self), default: []].append(try RowReader(row: row).uuid("record_id"))
        }
        return out
    }

    /// How many records of one register name each target of a kind (the SoA's "documents per control").
    public func counts(_ kind: RecordLink.Kind, type: String, in workspace: Workspace.ID) async throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try await sql.select().column("target").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("record_links")
            .where("workspace_id", .equal, SQLBind(workspace.uuid)).where("record_type", .equal, SQLBind(type)).where("kind", .equal, SQLBind(kind.rawValue))
            .groupBy("target").all() {
            out[try row.decode(column: "target", as: String.self)] = try row.decode(column: "n", as: Int.self)
        }
        return out
    }
}

/// Per-workspace numbers handed out one after another and never reused, even after a delete
/// (NC-1, DOC-001, R-001…). Call inside the write transaction that uses the number.
public struct SequenceStore: Sendable {
    let sql: any SQLDatabase

    /// Holds the workspace's row until the transaction ends (PostgreSQL; SQLite writes one at a time anyway).
    public func lockWorkspace(_ id: Workspace.ID) async throws {
        try await sql.select().column("id").from("workspaces").where("id", .equal, SQLBind(id.uuid)).for(.update).run()
    }

    /// The number after the last one handed out; `floor` is the highest number already in use
    /// (records written before the sequence existed), so numbering continues above it.
    public func next(_ name: String, in workspace: Workspace.ID, floor: Int = 0) async throws -> Int {
        try await reserve(name, count: 1, in: workspace, floor: floor)
    }

    /// Reserves `count` numbers at once and returns the first.
    public func reserve(_ name: String, count: Int, in workspace: Workspace.ID, floor: Int = 0) async throws -> Int {
        try await lockWorkspace(workspace)
        let current = try await sql.select().column("value").from("sequences").where("workspace_id", .equal, SQLBind(workspace.uuid))
            .where("name", .equal, SQLBind(name)).first()?.decode(column: "value", as: Int.self)
        let start = max(current ?? 0, floor) + 1
        let last = start + count - 1
        if current != nil {
            try await sql.update("sequences").set("value", to: SQLBind(last)).where("workspace_id", .equal, SQLBind(workspace.uuid))
                .where("name", .equal, SQLBind(name)).run()
        } else {
            try await sql.insert(into: "sequences").columns("workspace_id", "name", "value").values(SQLBind(workspace.uuid), SQLBind(name), SQLBind(last)).run()
        }
        return start
    }

    /// Raises a sequence to at least `value` (numbers written in bulk by hand), never lowering it.
    public func raise(_ name: String, to value: Int, in workspace: Workspace.ID) async throws {
        let first = try await reserve(name, count: 1, in: workspace, floor: value - 1)
        if first < value { try await set(name, to: value, in: workspace) }
    }

    /// Sets a sequence so the next number follows `value` (records written in bulk).
    public func set(_ name: String, to value: Int, in workspace: Workspace.ID) async throws {
        try await lockWorkspace(workspace)
        try await sql.delete(from: "sequences").where("workspace_id", .equal, SQLBind(workspace.uuid)).where("name", .equal, SQLBind(name)).run()
        try await sql.insert(into: "sequences").columns("workspace_id", "name", "value").values(SQLBind(workspace.uuid), SQLBind(name), SQLBind(value)).run()
    }
}
