import Foundation
import ZIPFoundation
#if canImport(FoundationXML)
import FoundationXML
#endif

extension XLSX {
    public enum ReadError: Error, Equatable { case notAWorkbook, noSheet }

    /// The cells of the first sheet as text, row by row; empty cells are empty strings so columns
    /// keep their places. Numbers come as written (`3`, `0.5`).
    public static func read(_ data: Data) throws -> [[String]] {
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch { throw ReadError.notAWorkbook }
        func text(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            var out = Data()
            _ = try archive.extract(entry, skipCRC32: false) { out.append($0) }
            return out
        }
        guard try text("xl/workbook.xml") != nil else { throw ReadError.notAWorkbook }
        let sheetPath = try firstSheetPath(workbook: text("xl/workbook.xml"), rels: text("xl/_rels/workbook.xml.rels"))
        guard let sheet = try text(sheetPath) else { throw ReadError.noSheet }
        let shared = try text("xl/sharedStrings.xml").map(SharedStrings.parse) ?? []
        return SheetCells.parse(sheet, shared: shared)
    }

    static func firstSheetPath(workbook: Data?, rels: Data?) -> String {
        guard let workbook, let rels else { return "xl/worksheets/sheet1.xml" }
        let first = FirstAttribute(element: "sheet", attribute: "r:id")
        first.run(workbook)
        guard let id = first.value else { return "xl/worksheets/sheet1.xml" }
        let targets = Relationships()
        targets.run(rels)
        guard var target = targets.map[id] else { return "xl/worksheets/sheet1.xml" }
        if target.hasPrefix("/") { target.removeFirst() } else { target = "xl/" + target }
        return target
    }

    /// 0-based column of a cell reference (`B7` → 1).
    static func columnIndex(_ reference: String) -> Int? {
        var value = 0
        var seen = false
        for c in reference.unicodeScalars {
            guard c.value >= 65 && c.value <= 90 else { break }
            value = value * 26 + Int(c.value - 64)
            seen = true
        }
        return seen ? value - 1 : nil
    }
}

/// Runs a delegate over a document. Each delegate class declares the conformance itself: on Linux
/// the protocol's default methods would otherwise shadow a subclass's.
private func walk(_ data: Data, with delegate: any XMLParserDelegate) {
    let parser = XMLParser(data: data)
    parser.delegate = delegate
    parser.parse()
}

private final class FirstAttribute: NSObject, XMLParserDelegate {
    let element: String
    let attribute: String
    var value: String?
    init(element: String, attribute: String) {
        self.element = element
        self.attribute = attribute
    }
    func run(_ data: Data) { walk(data, with: self) }
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        if value == nil, name == element || name.hasSuffix(":" + element) { value = attributes[attribute] ?? attributes.first { $0.key.hasSuffix(":id") }?.value }
    }
}

private final class Relationships: NSObject, XMLParserDelegate {
    var map: [String: String] = [:]
    func run(_ data: Data) { walk(data, with: self) }
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        if name == "Relationship" || name.hasSuffix(":Relationship"), let id = attributes["Id"], let target = attributes["Target"] { map[id] = target }
    }
}

private final class SharedStrings: NSObject, XMLParserDelegate {
    var strings: [String] = []
    var current = ""
    var inText = false
    var inPhonetic = false

    static func parse(_ data: Data) -> [String] {
        let walker = SharedStrings()
        walk(data, with: walker)
        return walker.strings
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        switch name {
        case "si": current = ""
        case "t": inText = true
        case "rPh": inPhonetic = true  // furigana, not part of the value
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText && !inPhonetic { current += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "si": strings.append(current)
        case "t": inText = false
        case "rPh": inPhonetic = false
        default: break
        }
    }
}

private final class SheetCells: NSObject, XMLParserDelegate {
    var rows: [Int: [Int: String]] = [:]
    var row = 0
    var column = 0
    var type = ""
    var value = ""
    var inValue = false
    var nextColumn = 0
    let shared: [String]

    init(shared: [String]) { self.shared = shared }

    static func parse(_ data: Data, shared: [String]) -> [[String]] {
        let walker = SheetCells(shared: shared)
        walk(data, with: walker)
        guard let last = walker.rows.keys.max() else { return [] }
        return (1...last).map { number in
            guard let cells = walker.rows[number], let width = cells.keys.max() else { return [""] }
            return (0...width).map { cells[$0] ?? "" }
        }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        switch name {
        case "row":
            row = attributes["r"].flatMap(Int.init) ?? row + 1
            nextColumn = 0
        case "c":
            column = attributes["r"].flatMap(XLSX.columnIndex) ?? nextColumn
            nextColumn = column + 1
            type = attributes["t"] ?? "n"
            value = ""
        case "v", "t": inValue = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inValue { value += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "v", "t": inValue = false
        case "c":
            var text = value
            if type == "s", let index = Int(value), index >= 0, index < shared.count { text = shared[index] }
            if type == "b" { text = value == "1" ? "TRUE" : "FALSE" }
            if !text.isEmpty { rows[row, default: [:]][column] = text }
        default: break
        }
    }
}
