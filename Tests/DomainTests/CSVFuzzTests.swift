import Domain
import Foundation
import Testing

/// The CSV reader against a few thousand mutations of the committed corpus (`CSVCorpus/`): every
/// read gives rows or refuses with a `CSV.ReadError`, and never takes more than its limits.
@Suite struct CSVFuzzing {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("CSVCorpus")

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

    static let tokens: [[UInt8]] = ["\"", "\"\"", ",", "\r", "\n", "\r\n", "\u{FEFF}", "漢字", "\u{0}", String(repeating: ",", count: 40)].map { Array($0.utf8) }
        + [[0x81], [0x83, 0x5C], [0xEF, 0xBB], [0xFF, 0xFE], [0xE3, 0x81]]

    @Test func thousandsOfMutatedFilesNeverCrashTheReader() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).filter { $0.hasSuffix(".csv") }.sorted()
        let seeds = try names.map { [UInt8](try Data(contentsOf: Self.corpus.appendingPathComponent($0))) }
        #expect(seeds.count >= 5)
        var rng = SplitMix(state: 0xC5F_2026)
        var limits = CSV.Limits()
        limits.rows = 50
        limits.columns = 30
        limits.cellBytes = 200
        var read = 0, refused = 0
        for round in 0..<4000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<Int.random(in: 1...5, using: &rng) {
                let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0 where !bytes.isEmpty: bytes[position] = UInt8.random(in: 0...255, using: &rng)
                case 1 where !bytes.isEmpty: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...10, using: &rng)))
                case 2: bytes.insert(contentsOf: [UInt8](repeating: Self.tokens.randomElement(using: &rng)![0], count: Int.random(in: 1...300, using: &rng)), at: position)
                default: bytes.insert(contentsOf: Self.tokens.randomElement(using: &rng)!, at: position)
                }
            }
            do {
                let rows = try CSV.read(Data(bytes), limits: limits)
                #expect(rows.count <= 50 && rows.allSatisfy { $0.count <= 30 })
                read += 1
            } catch is CSV.ReadError {
                refused += 1
            }
        }
        #expect(read + refused == 4000 && read > 100 && refused > 100)
    }
}
