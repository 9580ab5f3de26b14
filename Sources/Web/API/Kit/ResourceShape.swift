import Domain
import Foundation
import Vapor

// The register kit, API half (ADR 0010, docs/REGISTERS.md). A resource's fields are listed once,
// in a `ResourceShape`: the same table writes the JSON (with `JSONWriter`) and gives the OpenAPI
// schema. Every field is always present; an empty optional is `null` (one convention for the
// whole API), and the schema says so.

/// One member of a resource: its name, its schema and how it is written from the value. Fields
/// read their values through functions (a key path literal, `\.name`, is one): a `KeyPath` value
/// projected at run time instantiated generic metadata and copied the whole value for every field
/// of every row — 83 % of a 780 KB plan answer's time went to writing it (issue 20).
struct ResourceField<Value: Sendable>: @unchecked Sendable {
    let name: String
    let schema: JSON
    let write: (inout JSONWriter, Value) -> Void

    static func custom(_ name: String, schema: JSON, _ write: @escaping (inout JSONWriter, Value) -> Void) -> ResourceField {
        ResourceField(name: name, schema: schema, write: write)
    }

    static func text(_ name: String, _ get: @escaping (Value) -> String, description: String? = nil) -> ResourceField {
        ResourceField(name: name, schema: .string(description: description)) { w, v in w.string(get(v)) }
    }
    static func text(_ name: String, _ get: @escaping (Value) -> String?, description: String? = nil) -> ResourceField {
        ResourceField(name: name, schema: .string(nullable: true, description: description)) { w, v in w.string(get(v)) }
    }
    static func texts(_ name: String, _ get: @escaping (Value) -> [String]) -> ResourceField {
        ResourceField(name: name, schema: .array(of: .string())) { w, v in w.array(get(v)) { w, s in w.string(s) } }
    }
    static func id<T>(_ name: String, _ get: @escaping (Value) -> Domain.ID<T>) -> ResourceField {
        ResourceField(name: name, schema: .string(format: "uuid")) { w, v in w.string(get(v).description) }
    }
    static func id<T>(_ name: String, _ get: @escaping (Value) -> Domain.ID<T>?) -> ResourceField {
        ResourceField(name: name, schema: .string(format: "uuid", nullable: true)) { w, v in w.string(get(v)?.description) }
    }
    static func ids<T>(_ name: String, _ get: @escaping (Value) -> [Domain.ID<T>]) -> ResourceField {
        ResourceField(name: name, schema: .array(of: .string(format: "uuid"))) { w, v in w.array(get(v)) { w, id in w.string(id.description) } }
    }
    static func date(_ name: String, _ get: @escaping (Value) -> CalendarDate) -> ResourceField {
        ResourceField(name: name, schema: .string(format: "date")) { w, v in w.string(get(v).description) }
    }
    static func date(_ name: String, _ get: @escaping (Value) -> CalendarDate?) -> ResourceField {
        ResourceField(name: name, schema: .string(format: "date", nullable: true)) { w, v in w.string(get(v)?.description) }
    }
    static func timestamp(_ name: String, _ get: @escaping (Value) -> Date) -> ResourceField {
        ResourceField(name: name, schema: .string(format: "date-time")) { w, v in w.string(AuditJSON.timestamp(get(v))) }
    }
    static func timestamp(_ name: String, _ get: @escaping (Value) -> Date?) -> ResourceField {
        ResourceField(name: name, schema: .string(format: "date-time", nullable: true)) { w, v in w.string(get(v).map(AuditJSON.timestamp)) }
    }
    static func int(_ name: String, _ get: @escaping (Value) -> Int, minimum: Int? = nil) -> ResourceField {
        ResourceField(name: name, schema: .integer(minimum: minimum)) { w, v in w.int(get(v)) }
    }
    static func int(_ name: String, _ get: @escaping (Value) -> Int?) -> ResourceField {
        ResourceField(name: name, schema: ["type": ["integer", "null"]]) { w, v in w.int(get(v)) }
    }
    static func number(_ name: String, _ get: @escaping (Value) -> Double) -> ResourceField {
        ResourceField(name: name, schema: ["type": "number"]) { w, v in w.number(get(v)) }
    }
    static func number(_ name: String, _ get: @escaping (Value) -> Double?) -> ResourceField {
        ResourceField(name: name, schema: ["type": ["number", "null"]]) { w, v in
            if let value = get(v) { w.number(value) } else { w.string(nil) }
        }
    }
    static func bool(_ name: String, _ get: @escaping (Value) -> Bool) -> ResourceField {
        ResourceField(name: name, schema: ["type": "boolean"]) { w, v in w.bool(get(v)) }
    }
    static func choice<E: RawRepresentable & CaseIterable>(_ name: String, _ get: @escaping (Value) -> E) -> ResourceField where E.RawValue == String {
        ResourceField(name: name, schema: .string(enumValues: E.allCases.map(\.rawValue))) { w, v in w.string(get(v).rawValue) }
    }
    static func choice<E: RawRepresentable & CaseIterable>(_ name: String, _ get: @escaping (Value) -> E?) -> ResourceField where E.RawValue == String {
        ResourceField(name: name, schema: .string(nullable: true, enumValues: E.allCases.map(\.rawValue))) { w, v in w.string(get(v)?.rawValue) }
    }
    /// Another shaped resource, described once under its own name.
    static func nested<N>(_ name: String, _ shape: ResourceShape<N>, _ get: @escaping (Value) -> N) -> ResourceField {
        ResourceField(name: name, schema: .ref(shape.name)) { w, v in shape.writeObject(&w, get(v)) }
    }
    static func nested<N>(_ name: String, _ shape: ResourceShape<N>, _ get: @escaping (Value) -> N?) -> ResourceField {
        ResourceField(name: name, schema: ["oneOf": [.ref(shape.name), ["type": "null"]]]) { w, v in
            if let value = get(v) { shape.writeObject(&w, value) } else { w.string(nil) }
        }
    }
    static func list<N>(_ name: String, _ shape: ResourceShape<N>, _ get: @escaping (Value) -> [N]) -> ResourceField {
        ResourceField(name: name, schema: .array(of: .ref(shape.name))) { w, v in w.array(get(v)) { w, item in shape.writeObject(&w, item) } }
    }
}

/// The fields of one resource, in order: written as a JSON object and described as a schema named `name`.
struct ResourceShape<Value: Sendable>: Sendable {
    let name: String
    let fields: [ResourceField<Value>]
    let description: String?

    init(_ name: String, description: String? = nil, _ fields: [ResourceField<Value>]) {
        self.name = name
        self.fields = fields
        self.description = description
        precondition(Set(fields.map(\.name)).count == fields.count, "\(name) lists a field twice")
    }

    /// Every member is present in every answer, so every member is required.
    var schema: JSON { .object(fields.map { ($0.name, $0.schema) }, required: fields.map(\.name), description: description) }

    /// The schema of a page of these: `{items, nextCursor}`.
    var listSchema: (String, JSON) { ("\(name)List", APISchemas.list(name)) }

    func writeObject(_ w: inout JSONWriter, _ value: Value) {
        w.object { w in
            for field in fields {
                w.key(field.name)
                field.write(&w, value)
            }
        }
    }

    func resource(_ value: Value) -> ShapedResource<Value> { ShapedResource(shape: self, value: value) }

    func list(_ page: Page<Value>) -> ListResource<ShapedResource<Value>> {
        ListResource(items: page.items.map(resource), nextCursor: page.nextCursor)
    }

    func list(_ items: [Value]) -> ListResource<ShapedResource<Value>> {
        ListResource(items: items.map(resource), nextCursor: nil)
    }
}

/// A value written through its shape.
struct ShapedResource<Value: Sendable>: JSONWritable {
    let shape: ResourceShape<Value>
    let value: Value
    func write(_ w: inout JSONWriter) { shape.writeObject(&w, value) }
}

