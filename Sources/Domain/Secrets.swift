import Crypto
import Foundation

/// Random secrets (session ids, API tokens, one-time links) and the hashes we store instead of them.
public enum Secret {
    /// `count` random bytes as unpadded base64url.
    public static func random(bytes count: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64URLEncoded
    }

    /// Hex SHA-256 of a secret. Secrets are long and random, so a plain hash is what we store.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).hex
    }

    /// Compares two strings in time independent of where they differ.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension Data {
    public var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal, two digits a byte (by table: `String(format:)` per byte was a tenth
    /// of a 50,000-row import, every audit event's hash being written this way).
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Digest {
    public var hex: String { Array(self).hex }
}
