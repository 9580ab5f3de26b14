import Domain
import Foundation

// The register kit, storage half (ADR 0010, docs/REGISTERS.md). A register's record is kept as one
// JSON document plus the columns it is found by; the columns, the sort orders, the links to other
// records and the searchable text are declared once, in the record's `RecordSchema`, and the table,
// its indexes, every write and every typed filter are derived from that declaration. No SQL column
// name appears outside Storage.

/// What an indexed column holds.
public enum ColumnType: String, Sendable { case text, int, uuid, bool }

/// One value of an indexed column.
public enum ColumnValue: Sendable, Hashable, Encodable {
    case text(String), int(Int), uuid(UUID), bool(Bool), null

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .text(let v): try c.encode(v)
        case .int(let v): try c.encode(v)
        case .uuid(let v): try c.encode(v)
        case .bool(let v): try c.encode(v)
        case .null: try c.encodeNil()
        }
    }
}

/// A Swift value that an indexed column can hold and give back.
public protocol ColumnRepresentable: Sendable {
    static var columnType: ColumnType { get }
    var columnValue: ColumnValue { get }
    init?(columnValue: ColumnValue)
}

extension String: ColumnRepresentable {
    public static var columnType: ColumnType { .text }
    public var columnValue: ColumnValue { .text(self) }
    public init?(columnValue: ColumnValue) { guard case .text(let v) = columnValue else { return nil }; self = v }
}

extension Int: ColumnRepresentable {
    public static var columnType: ColumnType { .int }
    public var columnValue: ColumnValue { .int(self) }
    public init?(columnValue: ColumnValue) { guard case .int(let v) = columnValue else { return nil }; self = v }
}

extension Bool: ColumnRepresentable {
    public static var columnType: ColumnType { .bool }
    public var columnValue: ColumnValue { .bool(self) }
    public init?(columnValue: ColumnValue) { guard case .bool(let v) = columnValue else { return nil }; self = v }
}

extension UUID: ColumnRepresentable {
    public static var columnType: ColumnType { .uuid }
    public var columnValue: ColumnValue { .uuid(self) }
    public init?(columnValue: ColumnValue) { guard case .uuid(let v) = columnValue else { return nil }; self = v }
}

extension Domain.ID: ColumnRepresentable {
    public static var columnType: ColumnType { .uuid }
    public var columnValue: ColumnValue { .uuid(uuid) }
    public init?(columnValue: ColumnValue) { guard case .uuid(let v) = columnValue else { return nil }; self.init(v) }
}

/// Days are kept as `YYYY-MM-DD`, which sorts as the days do.
extension CalendarDate: ColumnRepresentable {
    public static var columnType: ColumnType { .text }
    public var columnValue: ColumnValue { .text(description) }
    public init?(columnValue: ColumnValue) { guard case .text(let v) = columnValue, let day = CalendarDate(v) else { return nil }; self = day }
}

extension Optional: ColumnRepresentable where Wrapped: ColumnRepresentable {
    public static var columnType: ColumnType { Wrapped.columnType }
    public var columnValue: ColumnValue { self?.columnValue ?? .null }
    public init?(columnValue: ColumnValue) {
        if case .null = columnValue { self = .none; return }
        guard let value = Wrapped(columnValue: columnValue) else { return nil }
        self = .some(value)
    }
}

/// A choice stored by its raw value: declare `extension MyEnum: ColumnRepresentable {}`.
extension ColumnRepresentable where Self: RawRepresentable, RawValue == String {
    public static var columnType: ColumnType { .text }
    public var columnValue: ColumnValue { .text(rawValue) }
    public init?(columnValue: ColumnValue) { guard case .text(let v) = columnValue else { return nil }; self.init(rawValue: v) }
}

/// An indexed column, declared by the key path it is read from. Key paths are immutable values,
/// hence the unchecked `Sendable`.
public struct RecordColumn<Record>: @unchecked Sendable {
    public let name: String
    public let type: ColumnType
    let keyPath: AnyKeyPath
    let read: (Record) -> ColumnValue

    public static func column<V: ColumnRepresentable>(_ keyPath: KeyPath<Record, V>, _ name: String) -> RecordColumn {
        RecordColumn(name: name, type: V.columnType, keyPath: keyPath, read: { $0[keyPath: keyPath].columnValue })
    }
}

/// A declared order of a register's lists: a text key (pad numbers, invert dates for newest
/// first) kept in its own column, paged with the record id as the tie-breaker.
public struct RecordOrder<Record>: @unchecked Sendable, Equatable {
    public let name: String
    let key: (Record) -> String

    public init(_ name: String, _ key: @escaping (Record) -> String) {
        self.name = name
        self.key = key
    }

    /// The column this order is kept in: the first declared order is `sort_key`.
    func column(isDefault: Bool) -> String { isDefault ? "sort_key" : "sort_\(name)" }

    public static func == (lhs: RecordOrder, rhs: RecordOrder) -> Bool { lhs.name == rhs.name }
}

/// What another record a record names: a control ("5.15", "A.5.15" or an own code), an asset, a
/// person, a document… "Which records name this control?" is then one indexed query for every
/// register (`record_links`).
public struct RecordLink: Sendable, Hashable, Codable {
    public struct Kind: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { rawValue = value }
        public static let control: Kind = "control"
        public static let clause: Kind = "clause"
        public static let asset: Kind = "asset"
        public static let person: Kind = "person"
        public static let department: Kind = "department"
        public static let risk: Kind = "risk"
        public static let document: Kind = "document"
        public static let course: Kind = "course"
        public static let process: Kind = "process"
    }

    public var kind: Kind
    public var target: String

    public init(_ kind: Kind, _ target: String) {
        self.kind = kind
        self.target = target
    }

    public static func control(_ id: String) -> RecordLink { RecordLink(.control, id) }
    public static func person(_ id: User.ID) -> RecordLink { RecordLink(.person, id.description) }
    public static func asset(_ id: Asset.ID) -> RecordLink { RecordLink(.asset, id.description) }
    public static func department(_ id: Department.ID) -> RecordLink { RecordLink(.department, id.description) }
}

/// Everything Storage needs to keep one register: its table, indexed columns, orders, links and
/// searchable text. Declared once per record type, next to nothing else.
public struct RecordSchema<Record>: @unchecked Sendable {
    public let table: String
    public let columns: [RecordColumn<Record>]
    /// The first is the default order.
    public let orders: [RecordOrder<Record>]
    /// Extra indexes, each a list of declared column names (every index starts with the workspace).
    public let indexes: [[String]]
    /// Columns whose values are unique within a workspace.
    public let unique: [[String]]
    let links: ((Record) -> [RecordLink])?
    let searchText: ((Record) -> [String])?

    public init(table: String, columns: [RecordColumn<Record>] = [], orders: [RecordOrder<Record>], indexes: [[String]] = [], unique: [[String]] = [],
                links: ((Record) -> [RecordLink])? = nil, search: ((Record) -> [String])? = nil) {
        precondition(!orders.isEmpty, "a register needs at least one order")
        self.table = table
        self.columns = columns
        self.orders = orders
        self.indexes = indexes
        self.unique = unique
        self.links = links
        self.searchText = search
    }

    func column(for keyPath: AnyKeyPath) -> RecordColumn<Record> {
        guard let column = columns.first(where: { $0.keyPath == keyPath }) else {
            preconditionFailure("\(table): filtered on a key path that is not a declared column")
        }
        return column
    }

    func orderColumn(_ order: RecordOrder<Record>?) -> String {
        guard let order, let index = orders.firstIndex(of: order) else { return "sort_key" }
        return orders[index].column(isDefault: index == 0)
    }

    /// Every column a row has besides `id`, `workspace_id` and `body`, with its value for `record`.
    func values(_ record: Record) -> [(String, ColumnValue)] {
        orders.enumerated().map { index, order in (order.column(isDefault: index == 0), ColumnValue.text(order.key(record))) }
            + columns.map { ($0.name, $0.read(record)) }
    }
}

/// A record a register keeps: Codable (its body), in one workspace, with a typed id.
public protocol StoredRecord: Codable, Sendable, Identifiable where ID == Domain.ID<Self> {
    static var schema: RecordSchema<Self> { get }
    var workspaceID: Workspace.ID { get }
}

/// A condition on declared columns. Built from key paths in Features (`.equal(\.status, .open)`),
/// resolved to the declared column in Storage.
public struct Filter<Record>: @unchecked Sendable {
    enum Condition {
        case compare(AnyKeyPath, String, ColumnValue)
        case oneOf(AnyKeyPath, [ColumnValue])
        case any([Filter<Record>])
    }
    let condition: Condition

    public static func equal<V: ColumnRepresentable>(_ keyPath: KeyPath<Record, V>, _ value: V) -> Filter {
        if case .null = value.columnValue { return Filter(condition: .compare(keyPath, "IS", .null)) }
        return Filter(condition: .compare(keyPath, "=", value.columnValue))
    }
    public static func notEqual<V: ColumnRepresentable>(_ keyPath: KeyPath<Record, V>, _ value: V) -> Filter {
        if case .null = value.columnValue { return Filter(condition: .compare(keyPath, "IS NOT", .null)) }
        return Filter(condition: .compare(keyPath, "<>", value.columnValue))
    }
    public static func oneOf<V: ColumnRepresentable>(_ keyPath: KeyPath<Record, V>, _ values: [V]) -> Filter {
        Filter(condition: .oneOf(keyPath, values.map(\.columnValue)))
    }
    /// At or after (texts and days compare as written).
    public static func atLeast<V: ColumnRepresentable>(_ keyPath: KeyPath<Record, V>, _ value: V) -> Filter {
        Filter(condition: .compare(keyPath, ">=", value.columnValue))
    }
    public static func below<V: ColumnRepresentable>(_ keyPath: KeyPath<Record, V>, _ value: V) -> Filter {
        Filter(condition: .compare(keyPath, "<", value.columnValue))
    }
    /// Any of these (all other filters of a query must hold together).
    public static func any(_ filters: [Filter]) -> Filter { Filter(condition: .any(filters)) }
}
