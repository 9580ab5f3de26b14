import Foundation

/// A typed identifier: `ID<User>` and `ID<Workspace>` cannot be mixed up even though both are UUIDs.
public struct ID<Entity>: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let uuid: UUID

    public init(_ uuid: UUID) { self.uuid = uuid }
    public init() { self.uuid = UUID() }

    public init?(_ string: String) {
        guard let uuid = UUID(uuidString: string) else { return nil }
        self.uuid = uuid
    }

    public var description: String { uuid.uuidString.lowercased() }

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
