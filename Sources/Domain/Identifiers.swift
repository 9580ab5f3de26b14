import Foundation

/// A typed identifier: `ID<User>` and `ID<Workspace>` cannot be mixed up even though both are UUIDs.
public struct ID<Entity>: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let uuid: UUID

    public init(_ uuid: UUID) { self.uuid = uuid }
    public init() { self.uuid = .fresh() }

    public init?(_ string: String) {
        guard let uuid = UUID(uuidString: string) else { return nil }
        self.uuid = uuid
    }

    /// The lowercase 36-character form, written without `String(format:)` (ids are formatted for
    /// every row of every JSON answer and page).
    public var description: String { UUIDText.lowercase(uuid) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self.uuid = try container.decode(UUID.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public static func < (lhs: ID, rhs: ID) -> Bool { lhs.description < rhs.description }
}

enum UUIDText {
    private static let digits = Array("0123456789abcdef".utf8)

    static func lowercase(_ uuid: UUID) -> String {
        withUnsafeBytes(of: uuid.uuid) { raw in
            String(unsafeUninitializedCapacity: 36) { buffer in
                var out = 0
                for (index, byte) in raw.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        buffer[out] = UInt8(ascii: "-")
                        out += 1
                    }
                    buffer[out] = digits[Int(byte >> 4)]
                    buffer[out + 1] = digits[Int(byte & 0x0F)]
                    out += 2
                }
                return out
            }
        }
    }
}

extension UUID {
    /// A random (version 4) UUID from the system's generator (`getrandom`). Foundation's `UUID()`
    /// on Linux opens, reads and closes `/dev/urandom` for each one: about 3 µs against 0.7, which
    /// an import of 50,000 rows (an asset, its event and its search document each) paid 150,000 times.
    public static func fresh() -> UUID {
        var rng = SystemRandomNumberGenerator()
        let high: UInt64 = rng.next(), low: UInt64 = rng.next()
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes) { raw in
            raw.storeBytes(of: high, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: low, toByteOffset: 8, as: UInt64.self)
            raw[6] = raw[6] & 0x0F | 0x40  // version 4
            raw[8] = raw[8] & 0x3F | 0x80  // RFC 9562 variant
        }
        return UUID(uuid: bytes)
    }
}
