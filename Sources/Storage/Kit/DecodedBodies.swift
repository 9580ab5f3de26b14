import Foundation
import Synchronization

/// Records decoded from their stored JSON bodies, by register and body text. The same body always
/// decodes to the same record, so nothing here can be stale: a changed record has a new body (its
/// version at least) and is decoded afresh; bodies no longer read are dropped when the store is full.
/// Pages that read the same records at every load (the documents in force on "my work", the
/// courses of the open campaigns) skip decoding them. Per process, bounded by `budget`.
final class DecodedBodies: Sendable {
    static let shared = DecodedBodies()
    /// The body text kept, in bytes (the records take about as much again): when full, emptied.
    static let budget = 32 << 20
    /// Larger bodies (a long document version's text) are decoded at every read.
    static let largest = 64 << 10

    /// A register's type and a body, its hash computed once outside the lock.
    struct Key: Hashable, Sendable {
        let type: ObjectIdentifier
        let body: String
        let hash: Int

        init(_ type: Any.Type, _ body: String) {
            self.type = ObjectIdentifier(type)
            self.body = body
            var hasher = Hasher()
            hasher.combine(self.type)
            // The bytes, not the String: String's own hash and equality normalize Unicode, which
            // for a Japanese body cost more than the look-up saved.
            var text = body
            text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
            hash = hasher.finalize()
        }

        func hash(into hasher: inout Hasher) { hasher.combine(hash) }

        static func == (a: Key, b: Key) -> Bool {
            guard a.hash == b.hash, a.type == b.type else { return false }
            var left = a.body, right = b.body
            return left.withUTF8 { l in right.withUTF8 { r in l.count == r.count && (l.count == 0 || memcmp(l.baseAddress!, r.baseAddress!, l.count) == 0) } }
        }
    }

    private struct State {
        var records: [Key: any Sendable] = [:]
        var bytes = 0
    }

    private let state = Mutex(State())

    func record<Record>(_ key: Key, as: Record.Type) -> Record? {
        state.withLock { $0.records[key] } as? Record
    }

    func keep(_ record: some Sendable, for key: Key) {
        let size = key.body.utf8.count
        guard size <= Self.largest else { return }
        state.withLock { state in
            if state.bytes + size > Self.budget { state = State() }
            if state.records.updateValue(record, forKey: key) == nil { state.bytes += size }
        }
    }
}
