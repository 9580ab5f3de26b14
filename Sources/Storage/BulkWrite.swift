import Domain
import Foundation
import Logging
import SQLiteNIO
import SQLKit
import Synchronization

/// A statement serialized before its turn, its values already converted for SQLite when the
/// database is SQLite: running it then costs the database's own work alone.
///
/// Why (issue 20): in the 50,000-row import SQLite's thread sat idle a third of the time while the
/// request's thread serialized the next multi-row insert (SQLKit) and converted its thousands of
/// values (SQLiteKit) — the two took turns instead of working side by side.
struct ReadyStatement: Sendable {
    let text: String
    let binds: [any Encodable & Sendable]
    /// The values as SQLite takes them (nil on PostgreSQL, or when a value needs SQLiteKit's coder).
    let sqlite: [SQLiteData]?

    init(_ statement: any SQLExpression, for database: any SQLDatabase) {
        var serializer = SQLSerializer(database: database)
        statement.serialize(to: &serializer)
        text = serializer.sql
        if database is any SQLiteDatabase, let converted = Self.sqliteValues(serializer.binds) {
            sqlite = converted
            binds = []
        } else {
            sqlite = nil
            binds = serializer.binds
        }
    }

    /// The same values SQLiteKit's `SQLiteDataEncoder` gives: its own conversion for the types that
    /// have one, a UUID as its text (what its coder writes); nil for anything else.
    static func sqliteValues(_ binds: [any Encodable & Sendable]) -> [SQLiteData]? {
        var values: [SQLiteData] = []
        values.reserveCapacity(binds.count)
        for bind in binds {
            switch bind {
            case let text as String: values.append(.text(text))
            case let uuid as UUID: values.append(.text(uuid.uuidString))
            case let convertible as any SQLiteDataConvertible:
                guard let value = convertible.sqliteData else { return nil }
                values.append(value)
            default: return nil
            }
        }
        return values
    }

    func run(on database: any SQLDatabase) async throws {
        if let sqlite, let connection = database as? any SQLiteDatabase {
            try await connection.query(text, sqlite, logger: database.logger) { _ in }.get()
        } else {
            try await database.execute(sql: Serialized(text: text, binds: binds)) { _ in }
        }
    }

    /// The serialized text and values, written back as they are (the statement is the whole query,
    /// so PostgreSQL's numbered placeholders still start at one).
    private struct Serialized: SQLExpression {
        let text: String
        let binds: [any Encodable & Sendable]
        func serialize(to serializer: inout SQLSerializer) {
            serializer.write(text)
            serializer.binds.append(contentsOf: binds)
        }
    }
}

extension SQLDatabase {
    /// Runs `steps` steps of statements in order, each step made — built, serialized, its values
    /// converted — on another core while the database runs the steps before it, at most `ahead`
    /// steps made at once (so a bulk write holds a few steps' memory, not the whole write's).
    /// `make` is given the step's number and the state the step before left behind (an audit
    /// chain's head); it must not touch the database. Returns the last step's state.
    func pipelined<State: Sendable>(steps: Int, ahead: Int = 1, from start: State,
                                    _ make: @escaping @Sendable (Int, State) throws -> (statements: [any SQLExpression], next: State)) async throws -> State {
        let database = self
        var made: [Int: Task<PipelineStep<State>, any Error>] = [:]
        defer { for task in made.values { task.cancel() } }
        func launch(_ step: Int) {
            guard step < steps else { return }
            let before = made[step - 1]
            made[step] = Task {
                let state = try await before?.value.next ?? start
                let step = try make(step, state)
                return PipelineStep(step.statements.map { ReadyStatement($0, for: database) }, next: step.next)
            }
        }
        for step in 0..<min(max(ahead, 1), steps) { launch(step) }
        var state = start
        for step in 0..<steps {
            guard let task = made[step] else { break }
            let ready = try await task.value
            launch(step + max(ahead, 1))
            for statement in ready.take() { try await statement.run(on: database) }
            state = ready.next
        }
        made = [:]
        return state
    }

    /// Statements run in order, each serialized on another core while the one before runs.
    func pipelined(_ statements: [any SQLExpression]) async throws {
        let all = UnsafeStatements(statements)
        _ = try await pipelined(steps: statements.count, from: ()) { step, _ in ([all.statements[step]], ()) }
    }
}

/// One step of a pipelined write, ready to run. A class whose statements the runner takes out:
/// a task keeps what its closure captured — here the step before, to read its state — for as long
/// as its handle lives, so each step would otherwise keep every step before it, statements and all
/// (30 MB more at the import's peak, issue 20).
final class PipelineStep<State: Sendable>: Sendable {
    let next: State
    private let statements: Mutex<[ReadyStatement]>

    init(_ statements: [ReadyStatement], next: State) {
        self.statements = Mutex(statements)
        self.next = next
    }

    /// The statements, once; the step keeps only its state afterwards.
    func take() -> [ReadyStatement] {
        statements.withLock { statements in
            defer { statements = [] }
            return statements
        }
    }
}

/// SQLKit's expressions are values (structs of values) but not declared `Sendable`; a bulk write
/// hands the ones it built to the task that serializes them and never touches them again.
struct UnsafeStatements: @unchecked Sendable {
    let statements: [any SQLExpression]
    init(_ statements: [any SQLExpression]) { self.statements = statements }
}

/// New records of one register written in bulk, as their store builds them (rows, search
/// documents): made on another core while the database writes the records before (`Writer.bulkInsert`).
public struct BulkInsertion: @unchecked Sendable {
    let statements: [any SQLExpression]
    init(_ statements: [any SQLExpression]) { self.statements = statements }
}

extension Writer {
    /// Many new records written in steps, each with its audit event, chained on `chain` in the
    /// steps' order — the same rows and hashes as writing them one by one. `make` builds step `n`'s
    /// records (a store's `insertion`) and their events on another core while the database writes
    /// the steps before, one step ahead; it must not touch the database. Not for the stores of
    /// people and access: their writes must mark the transaction (`Store.accessWrites`). The chain's
    /// head moves only after the last step, so an error here must end the transaction (a use case
    /// never catches it and commits).
    public func bulkInsert(steps: Int, chain: AuditChain,
                           _ make: @escaping @Sendable (Int) -> (records: BulkInsertion, events: [(AuditEntry, Actor, Date)])) async throws {
        guard steps > 0 else { return }
        let last = try await connection.pipelined(steps: steps, from: try await audit.lockedHead(chain.key)) { step, head in
            let made = make(step)
            let (rows, next) = AuditWriter.rows(made.events, after: head)
            let events = rows.isEmpty ? [] : stride(from: 0, to: rows.count, by: 500).map { start in
                SQLInsert.rows(rows[start..<min(start + 500, rows.count)], into: "audit_events") as any SQLExpression
            }
            return (made.records.statements + events, next)
        }
        try await audit.advance(chain, to: last)
    }
}

extension SQLInsert {
    /// One multi-row insert of bulk rows.
    static func rows<Row: BulkRow>(_ rows: some Collection<Row>, into table: String) -> SQLInsert {
        var insert = SQLInsert(table: SQLIdentifier(table))
        insert.columns = Row.columns.map { SQLIdentifier($0) }
        insert.values = rows.map(\.binds)
        return insert
    }
}
