#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A small XML tokenizer fed in chunks, for the parts of a workbook: elements, attributes, text
/// and the five predefined entities plus character references. It keeps only the unfinished
/// token between chunks, so a sheet of any size is read in constant memory, and it reports only
/// the elements its reader asks for (`wanted`) and the text inside the ones that hold values
/// (`textIn`): a sheet padded with millions of other elements costs a scan, not an allocation each.
///
/// What it refuses, on purpose: a document type declaration (so no entity can ever be defined,
/// let alone expanded), an unknown entity, a name or attribute longer than `maxNameBytes`, and a
/// text node longer than `maxTextBytes` (Excel itself keeps a cell under 32,767 characters).
struct XMLStream {
    enum Event {
        /// Local name (any `prefix:` removed) and attributes (names as written).
        case start(name: String, attributes: [String: String], selfClosing: Bool)
        case end(name: String)
        case text(String)
    }

    struct Malformed: Error, Equatable { var reason: String }

    static let maxNameBytes = 256
    static let maxTextBytes = 128 * 1024
    static let maxTagBytes = 64 * 1024

    private let wanted: [[UInt8]]
    private let textIn: [[UInt8]]
    private var buffer: [UInt8] = []
    private var position = 0
    private var pendingText: [UInt8] = []
    /// How many text-bearing elements are open: text outside them is skipped unread.
    private var textDepth = 0

    /// `wanted`: the local names whose start and end are reported; `textIn`: those whose text is.
    init(wanted: [String], textIn: [String]) {
        self.wanted = wanted.map { Array($0.utf8) }
        self.textIn = textIn.map { Array($0.utf8) }
    }

    /// Parses what `chunk` completes and hands each event to `handle`.
    mutating func feed(_ chunk: some Sequence<UInt8>, _ handle: (Event) throws -> Void) throws {
        buffer.append(contentsOf: chunk)
        try drain(final: false, handle)
        if position > 65_536 || position == buffer.count {
            buffer.removeFirst(position)
            position = 0
        }
    }

    /// Ends the document: whatever is left must be plain text.
    mutating func finish(_ handle: (Event) throws -> Void) throws {
        try drain(final: true, handle)
        if position < buffer.count { throw Malformed(reason: "unterminated markup") }
        try flushText(handle)
    }

    private mutating func flushText(_ handle: (Event) throws -> Void) throws {
        guard !pendingText.isEmpty else { return }
        let text = try Self.decodeEntities(pendingText[...])
        pendingText.removeAll(keepingCapacity: true)
        try handle(.text(text))
    }

    private static func find(_ needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        while let found = memchrIndex(bytes, needle[0], from: index) {
            if found + needle.count > bytes.count { return nil }
            if (1..<needle.count).allSatisfy({ bytes[found + $0] == needle[$0] }) { return found }
            index = found + 1
        }
        return nil
    }

    private static func memchrIndex(_ bytes: UnsafeBufferPointer<UInt8>, _ byte: UInt8, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let hit = memchr(base + start, Int32(byte), bytes.count - start) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    private mutating func drain(final: Bool, _ handle: (Event) throws -> Void) throws {
        let data = buffer
        try data.withUnsafeBufferPointer { bytes in
            let count = bytes.count
            while position < count {
                if bytes[position] != UInt8(ascii: "<") {
                    // Text up to the next tag, kept only inside a value.
                    let end = Self.memchrIndex(bytes, UInt8(ascii: "<"), from: position) ?? count
                    if textDepth > 0 {
                        pendingText.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position..<end]))
                        if pendingText.count > Self.maxTextBytes { throw Malformed(reason: "a text longer than \(Self.maxTextBytes) bytes") }
                    }
                    position = end
                    continue
                }
                // Markup: wait until it is complete.
                let rest = count - position
                if rest >= 4 && bytes[position + 1] == UInt8(ascii: "!") && bytes[position + 2] == UInt8(ascii: "-") && bytes[position + 3] == UInt8(ascii: "-") {
                    guard let close = Self.find(Array("-->".utf8), in: bytes, from: position + 4) else { try Self.checkPending(rest); return }
                    position = close + 3
                    continue
                }
                if rest >= 9 && bytes[position + 1] == UInt8(ascii: "!") && bytes[position + 2] == UInt8(ascii: "[")
                    && UnsafeBufferPointer(rebasing: bytes[position..<(position + 9)]).elementsEqual("<![CDATA[".utf8) {
                    guard let close = Self.find(Array("]]>".utf8), in: bytes, from: position + 9) else { try Self.checkPending(rest); return }
                    if textDepth > 0 {
                        pendingText.append(contentsOf: Self.escapeForText(UnsafeBufferPointer(rebasing: bytes[(position + 9)..<close])))
                        if pendingText.count > Self.maxTextBytes { throw Malformed(reason: "a text longer than \(Self.maxTextBytes) bytes") }
                    }
                    position = close + 3
                    continue
                }
                if rest >= 2 && bytes[position + 1] == UInt8(ascii: "!") {
                    // <!DOCTYPE …> and anything like it: never part of a workbook, and the door to entity expansion.
                    if rest >= 9 || final { throw Malformed(reason: "a document type declaration") }
                    return
                }
                guard let close = Self.tagEnd(bytes, from: position + 1) else { try Self.checkPending(rest); return }
                let tag = UnsafeBufferPointer(rebasing: bytes[(position + 1)..<close])
                position = close + 1
                if tag.first == UInt8(ascii: "?") { continue }
                try element(tag, handle)
            }
        }
    }

    private static func checkPending(_ rest: Int) throws {
        if rest > maxTagBytes { throw Malformed(reason: "markup longer than \(maxTagBytes) bytes") }
    }

    /// The `>` that ends the tag starting after `<`, outside quoted attribute values.
    private static func tagEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var searchFrom = start
        while let gt = memchrIndex(bytes, UInt8(ascii: ">"), from: searchFrom) {
            // Balanced quotes before it mean the `>` is not inside a value.
            var quote: UInt8? = nil
            for index in start..<gt {
                let byte = bytes[index]
                if let q = quote { if byte == q { quote = nil } } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") { quote = byte }
            }
            if quote == nil { return gt }
            searchFrom = gt + 1
        }
        return nil
    }

    /// CDATA content is literal: escape `&` so that entity decoding leaves it as written.
    private static func escapeForText(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for byte in bytes {
            if byte == UInt8(ascii: "&") { out.append(contentsOf: Array("&amp;".utf8)) } else { out.append(byte) }
        }
        return out
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    /// The local name's bytes (any prefix removed), checked for length.
    private static func localName(_ bytes: UnsafeBufferPointer<UInt8>) throws -> UnsafeBufferPointer<UInt8> {
        guard !bytes.isEmpty, bytes.count <= maxNameBytes else { throw Malformed(reason: "an element name that is empty or too long") }
        if let colon = bytes.lastIndex(of: UInt8(ascii: ":")) { return UnsafeBufferPointer(rebasing: bytes[(colon + 1)...]) }
        return bytes
    }

    private static func matches(_ name: UnsafeBufferPointer<UInt8>, _ list: [[UInt8]]) -> Bool {
        list.contains { $0.count == name.count && $0.elementsEqual(name) }
    }

    /// Parses `name attr="v" …` or `/name` (the bytes between `<` and `>`) and reports it when wanted.
    private mutating func element(_ tag: UnsafeBufferPointer<UInt8>, _ handle: (Event) throws -> Void) throws {
        var end = tag.count
        if tag.first == UInt8(ascii: "/") {
            while end > 1 && Self.isSpace(tag[end - 1]) { end -= 1 }
            let name = try Self.localName(UnsafeBufferPointer(rebasing: tag[1..<end]))
            let bearsText = Self.matches(name, textIn)
            if bearsText { try flushText(handle); textDepth = max(0, textDepth - 1) }
            if bearsText || Self.matches(name, wanted) { try handle(.end(name: String(decoding: name, as: UTF8.self))) }
            return
        }
        var selfClosing = false
        if end > 0 && tag[end - 1] == UInt8(ascii: "/") { selfClosing = true; end -= 1 }
        var index = 0
        while index < end && !Self.isSpace(tag[index]) { index += 1 }
        let name = try Self.localName(UnsafeBufferPointer(rebasing: tag[0..<index]))
        let bearsText = Self.matches(name, textIn)
        guard bearsText || Self.matches(name, wanted) else { return }
        var attributes: [String: String] = [:]
        while index < end {
            while index < end && Self.isSpace(tag[index]) { index += 1 }
            guard index < end else { break }
            let nameStart = index
            while index < end && tag[index] != UInt8(ascii: "=") && !Self.isSpace(tag[index]) { index += 1 }
            let attributeName = UnsafeBufferPointer(rebasing: tag[nameStart..<index])
            guard !attributeName.isEmpty, attributeName.count <= Self.maxNameBytes else { throw Malformed(reason: "an attribute name that is empty or too long") }
            while index < end && Self.isSpace(tag[index]) { index += 1 }
            guard index < end, tag[index] == UInt8(ascii: "=") else { throw Malformed(reason: "an attribute without a value") }
            index += 1
            while index < end && Self.isSpace(tag[index]) { index += 1 }
            guard index < end, tag[index] == UInt8(ascii: "\"") || tag[index] == UInt8(ascii: "'") else { throw Malformed(reason: "an attribute value without quotes") }
            let quote = tag[index]
            index += 1
            let valueStart = index
            while index < end && tag[index] != quote { index += 1 }
            guard index < end else { throw Malformed(reason: "an unterminated attribute value") }
            attributes[String(decoding: attributeName, as: UTF8.self)] = try Self.decodeEntities(UnsafeBufferPointer(rebasing: tag[valueStart..<index]))
            index += 1
        }
        if bearsText && !selfClosing { try flushText(handle); textDepth += 1 }
        try handle(.start(name: String(decoding: name, as: UTF8.self), attributes: attributes, selfClosing: selfClosing))
    }

    /// Replaces `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and `&#…;` references; any other entity is an error.
    static func decodeEntities(_ bytes: some Collection<UInt8>) throws -> String {
        guard bytes.contains(UInt8(ascii: "&")) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var iterator = Array(bytes)[...]
        while let byte = iterator.popFirst() {
            guard byte == UInt8(ascii: "&") else { out.append(byte); continue }
            guard let semicolon = iterator.firstIndex(of: UInt8(ascii: ";")), semicolon - iterator.startIndex <= 10 else {
                throw Malformed(reason: "an unterminated entity reference")
            }
            let name = String(decoding: iterator[iterator.startIndex..<semicolon], as: UTF8.self)
            iterator = iterator[(semicolon + 1)...]
            switch name {
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "amp": out.append(UInt8(ascii: "&"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            default:
                var value: UInt32? = nil
                if name.hasPrefix("#x") || name.hasPrefix("#X") { value = UInt32(name.dropFirst(2), radix: 16) } else if name.hasPrefix("#") { value = UInt32(name.dropFirst(), radix: 10) }
                guard let value, let scalar = Unicode.Scalar(value), value != 0 else { throw Malformed(reason: "the entity &\(name.prefix(10));") }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
