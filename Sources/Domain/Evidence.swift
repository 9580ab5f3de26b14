import Crypto
import Foundation

/// Something that shows a control works: an uploaded file (kept in the database, with its
/// SHA-256) or a link, with who collected it, when, and until when it holds.
public struct Evidence: Sendable, Codable, Hashable, Identifiable {
    public typealias ID = Domain.ID<Evidence>
    public enum Kind: String, Sendable, Codable, CaseIterable { case file, link }

    public var id: ID
    public var workspaceID: Workspace.ID
    public var title: String
    public var kind: Kind
    public var url: String?
    public var fileName: String?
    public var contentType: String?
    public var size: Int?
    public var sha256: String?
    public var collectedOn: CalendarDate
    public var collectedBy: User.ID?
    public var validUntil: CalendarDate?
    public var notes: String?
    public var links: [EvidenceLink]
    public var createdBy: User.ID?
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(id: ID = ID(), workspaceID: Workspace.ID, title: String, kind: Kind, url: String? = nil, fileName: String? = nil, contentType: String? = nil,
                size: Int? = nil, sha256: String? = nil, collectedOn: CalendarDate, collectedBy: User.ID? = nil, validUntil: CalendarDate? = nil,
                notes: String? = nil, links: [EvidenceLink] = [], createdBy: User.ID? = nil, createdAt: Date, updatedAt: Date, version: Int = 1) {
        self.id = id
        self.workspaceID = workspaceID
        self.title = title
        self.kind = kind
        self.url = url
        self.fileName = fileName
        self.contentType = contentType
        self.size = size
        self.sha256 = sha256
        self.collectedOn = collectedOn
        self.collectedBy = collectedBy
        self.validUntil = validUntil
        self.notes = notes
        self.links = links
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    public enum Validity: String, Sendable, Codable { case valid, expiring, expired }

    /// Expired after `validUntil`; expiring within `days` before it.
    public func validity(on today: CalendarDate, expiringWithin days: Int = EvidenceRules.expiringDays) -> Validity {
        guard let validUntil else { return .valid }
        if validUntil < today { return .expired }
        if validUntil < today.adding(days: days + 1) { return .expiring }
        return .valid
    }
}

/// What a piece of evidence supports.
public struct EvidenceLink: Sendable, Codable, Hashable, Comparable {
    public enum Target: String, Sendable, Codable, CaseIterable { case control, action, asset, risk }
    public var target: Target
    /// A control id or own code for `control`; the record's id otherwise.
    public var id: String

    public init(_ target: Target, _ id: String) {
        self.target = target
        self.id = id
    }

    public static func < (a: EvidenceLink, b: EvidenceLink) -> Bool {
        (a.target.rawValue, a.id) < (b.target.rawValue, b.id)
    }

    /// `control:8.5`, `action:UUID` as forms and the API write them.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let target = Target(rawValue: parts[0]), !parts[1].isEmpty else { return nil }
        self.init(target, parts[1])
    }

    public var text: String { "\(target.rawValue):\(id)" }
}

/// The rules an upload must pass before anything is stored.
public enum EvidenceRules {
    public static let defaultMaxBytes = 25 * 1024 * 1024
    public static let expiringDays = 30

    public enum Refusal: String, Sendable, Equatable { case empty, tooLarge, executable, html, svg }

    /// Judges a file by its bytes, never by its name: executables (Windows, ELF, Mach-O, scripts
    /// starting with `#!`), HTML and SVG (both run script in a browser) are refused.
    public static func check(_ data: Data, maxBytes: Int) -> Refusal? {
        if data.isEmpty { return .empty }
        if data.count > maxBytes { return .tooLarge }
        let head = [UInt8](data.prefix(16))
        func starts(_ magic: [UInt8]) -> Bool { head.starts(with: magic) }
        if starts([0x4D, 0x5A]) || starts([0x7F, 0x45, 0x4C, 0x46]) || starts([0x23, 0x21]) { return .executable }
        for magic: [UInt8] in [[0xFE, 0xED, 0xFA, 0xCE], [0xFE, 0xED, 0xFA, 0xCF], [0xCE, 0xFA, 0xED, 0xFE], [0xCF, 0xFA, 0xED, 0xFE], [0xCA, 0xFE, 0xBA, 0xBE]]
            where starts(magic) { return .executable }
        // Markup: the first 4 KiB as text (UTF-16 when it says so), past a BOM and whitespace; a
        // leading comment or declaration still starts with `<`, so the markers after it are found.
        let head4k = data.prefix(4096)
        let utf16 = head4k.starts(with: [0xFF, 0xFE]) || head4k.starts(with: [0xFE, 0xFF])
        guard let text = (utf16 ? String(data: head4k, encoding: .utf16) : nil) ?? String(data: head4k, encoding: .utf8)
                ?? String(data: head4k, encoding: .isoLatin1) else { return nil }
        var lower = text.lowercased()
        if lower.hasPrefix("\u{FEFF}") { lower.removeFirst() }
        let trimmed = lower.drop { $0.isWhitespace }
        guard trimmed.hasPrefix("<") else { return nil }
        if trimmed.contains("<svg") { return .svg }
        for marker in ["<!doctype html", "<html", "<head", "<body", "<script", "<iframe", "<meta", "<title", "<a ", "<img", "<div", "<table"]
            where trimmed.contains(marker) { return .html }
        return nil
    }

    /// The content type a download is labelled with, from the bytes (never what the uploader said).
    public static func contentType(of data: Data, fileName: String) -> String {
        let head = [UInt8](data.prefix(8))
        if head.starts(with: [0x25, 0x50, 0x44, 0x46]) { return "application/pdf" }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if head.starts(with: [0x47, 0x49, 0x46, 0x38]) { return "image/gif" }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            let name = fileName.lowercased()
            if name.hasSuffix(".xlsx") { return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" }
            if name.hasSuffix(".docx") { return "application/vnd.openxmlformats-officedocument.wordprocessingml.document" }
            if name.hasSuffix(".pptx") { return "application/vnd.openxmlformats-officedocument.presentationml.presentation" }
            return "application/zip"
        }
        if String(data: data.prefix(4096), encoding: .utf8) != nil && !data.prefix(4096).contains(0) { return "text/plain; charset=utf-8" }
        return "application/octet-stream"
    }

    /// A file name as kept: the last path component, control characters and separators removed,
    /// Japanese intact, at most 200 characters.
    public static func cleanFileName(_ raw: String) -> String {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let cleaned = String(last.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) && $0 != "\"" }.map(Character.init))
        let trimmed = Text.trimmed(cleaned)
        return trimmed.isEmpty ? "evidence" : String(trimmed.prefix(200))
    }

    /// Lowercase hex SHA-256 of the bytes, as recorded at upload and checked at download.
    public static func sha256(_ data: Data) -> String { SHA256.hash(data: data).hex }
}
