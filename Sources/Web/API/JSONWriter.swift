import Domain
import Foundation
import NIOCore
import Vapor

/// Writes JSON straight into bytes. The API's resources use it instead of `JSONEncoder`, which was
/// a fifth of the cost of a list request in the benchmarks. Keys are written as given (camelCase),
/// optional values as `null`, dates as ISO 8601 with milliseconds in UTC.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = [false]

    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    private mutating func separator() {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    mutating func object(_ body: (inout JSONWriter) -> Void) {
        separator()
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
        body(&self)
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func array<S: Sequence>(_ items: S, _ body: (inout JSONWriter, S.Element) -> Void) {
        separator()
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
        for item in items { body(&self, item) }
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    /// Starts a member of the current object; the next value written is its value.
    mutating func key(_ name: String) {
        separator()
        writeString(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma[needsComma.count - 1] = false
    }

    mutating func field(_ name: String, _ value: String?) { key(name); string(value) }
    mutating func field(_ name: String, _ value: Int?) { key(name); int(value) }
    mutating func field(_ name: String, _ value: Int64) { key(name); int(Int(value)) }
    mutating func field(_ name: String, _ value: Bool) { key(name); bool(value) }
    mutating func field(_ name: String, _ value: Date?) { key(name); string(value.map(AuditJSON.timestamp)) }
    mutating func field(_ name: String, _ value: some JSONWritable) { key(name); value.write(&self) }
    mutating func field<T: JSONWritable>(_ name: String, _ values: [T]) { key(name); array(values) { w, item in item.write(&w) } }
    mutating func field(_ name: String, strings values: [String]) { key(name); array(values) { w, item in w.string(item) } }

    mutating func string(_ value: String?) {
        separator()
        guard let value else { bytes.append(contentsOf: "null".utf8); return }
        writeString(value)
    }

    mutating func int(_ value: Int?) {
        separator()
        guard let value else { bytes.append(contentsOf: "null".utf8); return }
        writeDigits(value)
    }

    /// A finite number as JSON writes it (whole numbers without a fraction).
    mutating func number(_ value: Double) {
        separator()
        let text = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        bytes.append(contentsOf: (value.isFinite ? text : "null").utf8)
    }

    /// A value already encoded as JSON.
    mutating func raw(_ json: Data) {
        separator()
        bytes.append(contentsOf: json)
    }

    mutating func bool(_ value: Bool) {
        separator()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// The digits of `value` without going through a `String`.
    private mutating func writeDigits(_ value: Int) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for the 20 digits of UInt64.max
        let count = withUnsafeMutableBytes(of: &digits) { buffer -> Int in
            var count = 0
            repeat {
                buffer[23 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            return count
        }
        withUnsafeBytes(of: &digits) { buffer in bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(24 - count)...])) }
    }

    /// The string quoted and escaped; runs that need no escape are copied whole.
    private mutating func writeString(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                start = index + 1
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// A value the API writes as JSON.
protocol JSONWritable: Sendable {
    func write(_ w: inout JSONWriter)
}

/// A JSON answer written by `JSONWriter`, with a status and optional ETag and Location.
struct JSONBody<Value: JSONWritable>: AsyncResponseEncodable {
    var value: Value
    var status: HTTPResponseStatus = .ok
    var etag: Int? = nil
    var location: String? = nil

    func encodeResponse(for request: Request) async throws -> Response {
        var writer = JSONWriter(capacity: 4096)
        value.write(&writer)
        let response = jsonResponse(writer.bytes, status: status, for: request)
        if let etag { response.headers.replaceOrAdd(name: .eTag, value: Web.etag(etag)) }
        if let location { response.headers.replaceOrAdd(name: .location, value: location) }
        return response
    }
}

/// A JSON answer written once per key until the next write (`AppServices.renderedJSON`): for
/// whole-list answers made from a cached compilation, where writing the JSON of 5,000 people is
/// most of the request. `key` must name everything the answer depends on, the reader's view
/// included; `make` runs only on a miss.
struct CachedJSONBody: AsyncResponseEncodable {
    var bytes: [UInt8]

    init<Value: JSONWritable>(_ request: Request, key: String, _ make: @escaping @Sendable () async throws -> Value) async throws {
        bytes = try await request.meguri.renderedJSON.value(key, services: request.meguri) {
            var writer = JSONWriter(capacity: 64 * 1024)
            try await make().write(&writer)
            return writer.bytes
        }
    }

    func encodeResponse(for request: Request) async throws -> Response {
        jsonResponse(bytes, status: .ok, for: request)
    }
}

private func jsonResponse(_ bytes: [UInt8], status: HTTPResponseStatus, for request: Request) -> Response {
    var buffer = request.byteBufferAllocator.buffer(capacity: bytes.count)
    buffer.writeBytes(bytes)
    let response = Response(status: status, body: .init(buffer: buffer))
    response.headers.contentType = .json
    return response
}
