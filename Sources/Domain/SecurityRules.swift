import Foundation

/// Who may hand out a new invitation link for an account that has no password yet. A link sets
/// the password of the whole account, so only the workspace that created the account may
/// re-issue it, only while the account belongs to that workspace alone, and never for an
/// installation administrator (administrators hand out their own reset links).
public enum InvitationRules {
    /// The refusal's message key, or nil when the workspace may re-issue the link.
    public static func refusal(user: User, creatingWorkspace: Workspace.ID?, workspaces: Set<Workspace.ID>, acting workspace: Workspace.ID) -> String? {
        if user.hasPassword { return "error.alreadyActivated" }
        if user.isAdministrator { return "error.invitationNotYours" }
        guard creatingWorkspace == workspace, workspaces == [workspace] else { return "error.invitationNotYours" }
        return nil
    }
}

/// Segregation of duties (A.5.3): nobody approves what they submitted, and nobody changes their
/// own roles. One rule for every approval: SoA versions, risk assessments, documents.
public enum SegregationOfDuties {
    /// Throws when the approver is the person who submitted.
    public static func requireApprover(_ approver: User.ID, differentFrom submitter: User.ID?) throws {
        if let submitter, submitter == approver { throw DomainError.forbiddenBecause("error.approveOwnSubmission") }
    }

    /// Whether `actor` may change the roles held by the account `member`: never their own.
    public static func mayChangeRoles(actor: User.ID, member: User.ID) -> Bool { actor != member }
}

/// How failed sign-ins slow an account down: the first `limit` failures in the window are free;
/// after that each attempt must wait twice as long as the one before, from the newest failure,
/// up to the window itself. Nothing is locked for good and nothing depends on the address.
public struct SignInBackoff: Sendable, Equatable {
    public var limit: Int
    public var firstDelay: TimeInterval
    public var window: TimeInterval

    public init(limit: Int, firstDelay: TimeInterval, window: TimeInterval) {
        self.limit = limit
        self.firstDelay = firstDelay
        self.window = window
    }

    /// Seconds to wait before another attempt, or nil when one may be made now.
    public func wait(failures: Int, newest: Date?, now: Date) -> Int? {
        guard failures >= limit, let newest else { return nil }
        let steps = min(failures - limit, 20)
        let delay = min(window, firstDelay * pow(2, Double(steps)))
        let remaining = newest.addingTimeInterval(delay).timeIntervalSince(now)
        return remaining > 0 ? max(1, Int(remaining.rounded(.up))) : nil
    }
}

/// A redirect target after sign-in: a path on this site and nothing else. Control characters,
/// whitespace and backslashes anywhere are refused (browsers drop or reinterpret them, which
/// turns `/\t/evil.example` into `//evil.example`), and the parsed result must have no scheme or host.
public enum LocalRedirect {
    public static func path(_ raw: String?) -> String? {
        guard let raw, raw.hasPrefix("/"), raw.utf8.count <= 2048 else { return nil }
        for scalar in raw.unicodeScalars {
            if scalar.value < 0x21 || scalar.value == 0x7F || scalar == "\\" { return nil }
            if scalar.properties.isWhitespace || scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format { return nil }
        }
        if raw.hasPrefix("//") { return nil }
        guard let components = URLComponents(string: raw), components.scheme == nil, components.host == nil, components.path.hasPrefix("/"),
              !components.path.hasPrefix("//") else { return nil }
        return raw
    }
}

/// An IP address or a network (`10.0.0.0/8`, `::1`, `fd00::/8`) for the trusted-proxy setting.
public struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    public let bytes: [UInt8]
    public let prefix: Int

    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPNetwork.parse(String(parts[0])) else { return nil }
        let bits = address.count * 8
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), prefix >= 0, prefix <= bits else { return nil }
            self.prefix = prefix
        } else {
            self.prefix = bits
        }
        self.bytes = address
    }

    public var description: String {
        bytes.count == 4 ? bytes.map(String.init).joined(separator: ".") + "/\(prefix)" : "ipv6/\(prefix)"
    }

    public func contains(_ address: String) -> Bool {
        guard var other = IPNetwork.parse(address) else { return false }
        // An IPv4 address written as IPv6 (::ffff:a.b.c.d) is matched as IPv4.
        if other.count == 16, bytes.count == 4, other[0..<10].allSatisfy({ $0 == 0 }), other[10] == 0xFF, other[11] == 0xFF { other = Array(other[12...]) }
        guard other.count == bytes.count else { return false }
        var remaining = prefix
        for index in 0..<bytes.count where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : UInt8(0xFF << (8 - remaining) & 0xFF)
            if bytes[index] & mask != other[index] & mask { return false }
            remaining -= 8
        }
        return true
    }

    /// The 4 or 16 bytes of an address written as text, or nil.
    public static func parse(_ text: String) -> [UInt8]? {
        if text.contains(":") { return parseIPv6(text) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let value = UInt8(part) else { return nil }
            out.append(value)
        }
        return out
    }

    private static func parseIPv6(_ raw: String) -> [UInt8]? {
        var text = raw
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt8]? {
            guard !part.isEmpty else { return [] }
            var out: [UInt8] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains("."), let v4 = parse(String(piece)) { out += v4; continue }
                guard !piece.isEmpty, piece.count <= 4, let value = UInt16(piece, radix: 16) else { return nil }
                out += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count < 16 else { return nil }
        return head + Array(repeating: 0, count: 16 - head.count - tail.count) + tail
    }

    /// The client of a request that came through `proxies`: the right-most address of
    /// `X-Forwarded-For` that is not itself a trusted proxy. A request whose peer is not a trusted
    /// proxy is its own client, whatever the header says.
    public static func clientAddress(peer: String, forwardedFor: String?, trusted proxies: [IPNetwork]) -> String {
        guard !proxies.isEmpty, proxies.contains(where: { $0.contains(peer) }), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for hop in hops.reversed() {
            guard IPNetwork.parse(hop) != nil else { return peer }
            if !proxies.contains(where: { $0.contains(hop) }) { return hop }
        }
        return hops.first ?? peer
    }
}
