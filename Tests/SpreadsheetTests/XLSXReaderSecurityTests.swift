import Foundation
@testable import Spreadsheet
import Testing
import ZIPFoundation

/// The reader against hostile workbooks: the review's crashes, a zip bomb, and a few thousand
/// mutations of the committed corpus (`Corpus/`). A crash fails the whole test run; a read must
/// either give rows or refuse with a `ReadError`.
@Suite struct XLSXReaderSecurity {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    static func file(_ name: String) throws -> Data { try Data(contentsOf: corpus.appendingPathComponent(name)) }

    @Test func theCorpusSeedsRead() throws {
        let rows = try XLSX.read(try Self.file("seed-shared-inline-formula.xlsx"))
        #expect(rows == [["管理番号", "資産名", "機密性"], ["I-001", "顧客台帳", "3"], [""], ["I-002", " A & B ", "TRUE"]])
        #expect(try XLSX.read(try Self.file("seed-no-refs.xlsx")) == [["code", "name"], ["1", "<x> AB"]])
        #expect(try XLSX.read(try Self.file("seed-prefixed.xlsx")) == [["管理番号"], ["a < b & c"]])
    }

    @Test func aRowNumberedZeroIsRefusedNamingIt() throws {
        #expect(throws: XLSX.ReadError.badRowNumber("0")) { try XLSX.read(try Self.file("crash-row-zero.xlsx")) }
    }

    @Test func aColumnPastXFDIsRefusedNamingTheCell() throws {
        #expect(throws: XLSX.ReadError.badCellReference("ZZZZZZZZZZZZZZ1")) { try XLSX.read(try Self.file("crash-column-overflow.xlsx")) }
        #expect(XLSX.columnIndex("XFD1") == 16_383)
        #expect(XLSX.columnIndex("XFE1") == nil)
        #expect(XLSX.columnIndex("ZZZZZZZZZZZZZZZZZZZZZZ1") == nil)
        #expect(XLSX.rowNumber("A1048576") == 1_048_576)
        #expect(XLSX.rowNumber("A1048577") == nil)
        #expect(XLSX.rowNumber("A0") == nil)
        #expect(XLSX.rowNumber("A99999999999999999999999") == nil)
    }

    @Test func entitiesAreNeverDefinedOrExpanded() throws {
        #expect(throws: XLSX.ReadError.malformed(part: "xl/worksheets/sheet1.xml", reason: "a document type declaration")) {
            try XLSX.read(try Self.file("refused-doctype.xlsx"))
        }
        #expect(throws: XLSX.ReadError.badCellReference("A1")) { try XLSX.read(try Self.file("refused-shared-index.xlsx")) }
    }

    @Test func aZipBombStopsAtItsLimitWhileInflating() throws {
        var limits = XLSX.ReadLimits()
        limits.sheetBytes = 8 * 1024 * 1024
        #expect(throws: XLSX.ReadError.tooLarge(part: "xl/worksheets/sheet1.xml", limitBytes: 8 * 1024 * 1024)) {
            try XLSX.read(try Self.file("bomb-64mb.xlsx"), limits: limits)
        }
    }

    @Test func rowsAndWidthAreCapped() throws {
        var limits = XLSX.ReadLimits()
        limits.rows = 11
        let tall = try XLSX.write([XLSX.Sheet(name: "x", header: ["a"], rows: (1...20).map { [.text("r\($0)")] })])
        #expect(throws: XLSX.ReadError.tooManyRows(limit: 10)) { try XLSX.read(tall, limits: limits) }
        limits = XLSX.ReadLimits()
        limits.columns = 5
        let wide = try XLSX.write([XLSX.Sheet(name: "x", header: (1...8).map { "h\($0)" }, rows: [])])
        #expect(throws: XLSX.ReadError.tooManyColumns(reference: "F1", limit: 5)) { try XLSX.read(wide, limits: limits) }
        limits = XLSX.ReadLimits()
        limits.cells = 30
        let many = try XLSX.write([XLSX.Sheet(name: "x", header: ["a", "b", "c"], rows: (1...20).map { _ in ["1", "2", "3"] })])
        #expect(throws: XLSX.ReadError.tooManyCells(limit: 30)) { try XLSX.read(many, limits: limits) }
    }

    // MARK: Fuzzing

    /// A deterministic generator, so a failure is repeated by the same run.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let tokens: [String] = [
        "r=\"0\"", "r=\"ZZZZZZZZZZZZZZ1\"", "r=\"A1048577\"", "r=\"1048577\"", "r=\"-1\"", "r=\"XFD1\"", "t=\"s\"", "t=\"b\"", "t=\"inlineStr\"",
        "<v>99999999999999999999</v>", "<v>-1</v>", "<row>", "</row>", "<row r=\"3\"/>", "<c>", "</c>", "<c/>", "<v>", "</v>", "<t>", "</t>",
        "&#0;", "&#x110000;", "&bogus;", "&amp", "&", "<!DOCTYPE x>", "<![CDATA[", "]]>", "<!--", "-->", "\"", "'", "<", ">", "/>", "=",
        "<rPh>", "</si>", "<si/>", "x:", String(repeating: "A", count: 300), "\u{0}", "\u{FEFF}", "漢字",
    ]

    static func entries(_ data: Data) throws -> [(String, Data)] {
        let archive = try Archive(data: data, accessMode: .read)
        var out: [(String, Data)] = []
        for entry in archive {
            var bytes = Data()
            _ = try archive.extract(entry) { bytes.append($0) }
            out.append((entry.path, bytes))
        }
        return out
    }

    static func zip(_ entries: [(String, Data)]) throws -> Data {
        let archive = try Archive(accessMode: .create)
        for (path, data) in entries {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return archive.data!
    }

    static func mutate(_ data: Data, _ rng: inout SplitMix) -> Data {
        var bytes = [UInt8](data)
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0 where !bytes.isEmpty: bytes[position] = UInt8.random(in: 0...255, using: &rng)
            case 1: bytes.insert(contentsOf: Array(tokens.randomElement(using: &rng)!.utf8), at: position)
            case 2 where !bytes.isEmpty: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...40, using: &rng)))
            case 3 where !bytes.isEmpty:
                let slice = bytes[position..<min(bytes.count, position + Int.random(in: 1...200, using: &rng))]
                bytes.insert(contentsOf: slice, at: Int.random(in: 0...bytes.count, using: &rng))
            default: bytes.insert(contentsOf: Array(tokens.randomElement(using: &rng)!.utf8), at: position)
            }
        }
        return Data(bytes)
    }

    @Test func thousandsOfMutatedWorkbooksNeverCrashTheReader() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).filter { $0.hasSuffix(".xlsx") && !$0.hasPrefix("bomb") }.sorted()
        var seeds = try names.map { try Self.entries(try Self.file($0)) }
        seeds.append(try Self.entries(try XLSX.write([XLSX.Sheet(name: "x", header: ["管理番号", "資産名"], rows: [["I-1", "顧客台帳"], [.number(3), .empty]])])))
        var rng = SplitMix(state: ProcessInfo.processInfo.environment["MEGURI_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5EED_2026)
        var read = 0, refused = 0
        // MEGURI_FUZZ_ROUNDS runs a longer campaign by hand; the suite runs 3,000.
        let rounds = ProcessInfo.processInfo.environment["MEGURI_FUZZ_ROUNDS"].flatMap(Int.init) ?? 3000
        for round in 0..<rounds {
            var entries = seeds[round % seeds.count]
            let target = Int.random(in: 0..<entries.count, using: &rng)
            entries[target].1 = Self.mutate(entries[target].1, &rng)
            var file = try Self.zip(entries)
            // One round in ten also damages the archive itself.
            if round % 10 == 0 { file = Self.mutate(file, &rng) }
            do {
                _ = try XLSX.read(file)
                read += 1
            } catch is XLSX.ReadError {
                refused += 1
            }
        }
        #expect(read + refused == rounds)
        #expect(read > 100 && refused > 100)
    }
}
