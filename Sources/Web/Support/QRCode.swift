import Foundation

/// QR codes (ISO/IEC 18004) for otpauth:// URIs, drawn as SVG by us.
///
/// Only what we need: byte mode, error correction level M, versions 1–40, automatic mask choice.
enum QRCode {
    /// The module matrix (true = dark) for `text` in byte mode, error correction level M, the smallest version (1–40) that fits; nil if it does not fit.
    static func matrix(_ text: String) -> [[Bool]]? {
        let bytes = Array(text.utf8)
        guard let version = (1...40).first(where: { dataCapacity(version: $0) * 8 >= dataBitCount(bytes.count, version: $0) })
        else { return nil }
        let codewords = interleaved(encodeData(bytes, version: version), version: version)
        var grid = Grid(version: version)
        grid.drawFunctionPatterns()
        grid.placeCodewords(codewords)
        // Try every mask with its real format information in place and keep the lowest penalty.
        var best: (penalty: Int, modules: [[Bool]])?
        for mask in 0..<8 {
            var candidate = grid
            candidate.applyMask(mask)
            candidate.drawFormatBits(mask: mask)
            let penalty = candidate.penalty()
            if penalty < best?.penalty ?? .max { best = (penalty, candidate.modules) }
        }
        return best?.modules
    }

    /// An <svg> element (as a String) with a 4-module quiet zone, viewBox in module units, one <path> for all dark modules (fill="#000" attribute, white background via a <rect fill="#fff">), shape-rendering="crispEdges", role="img" and aria-label="QR code". NO style= attributes anywhere (our Content-Security-Policy forbids inline styles). Returns nil when the text does not fit.
    static func svgString(_ text: String) -> String? {
        guard let modules = matrix(text) else { return nil }
        let quiet = 4
        let extent = modules.count + 2 * quiet
        // One subpath per horizontal run of dark modules keeps the path short.
        var path = ""
        for (y, row) in modules.enumerated() {
            var x = 0
            while x < row.count {
                guard row[x] else { x += 1; continue }
                let start = x
                while x < row.count && row[x] { x += 1 }
                path += "M\(start + quiet),\(y + quiet)h\(x - start)v1h-\(x - start)z"
            }
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(extent) \(extent)\" "
            + "shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\">"
            + "<rect width=\"\(extent)\" height=\"\(extent)\" fill=\"#fff\"/>"
            + "<path fill=\"#000\" d=\"\(path)\"/></svg>"
    }

    // MARK: - Capacity tables (level M)

    /// Error correction codewords per block at level M, indexed by version − 1.
    private static let eccPerBlock: [Int] = [
        10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
        26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    ]
    /// Number of error correction blocks at level M, indexed by version − 1.
    private static let blockCount: [Int] = [
        1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
        17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
    ]

    /// Modules left for codewords once all function patterns are placed (including remainder bits).
    private static func rawDataModules(version v: Int) -> Int {
        let size = 17 + 4 * v
        var modules = size * size - 3 * 64 - 2 * (size - 16) - 31 // finders+separators, timing, format+dark
        if v >= 2 {
            let n = v / 7 + 2 // alignment centres per axis
            // n² − 3 patterns of 25 modules, minus those overlapping the timing lines (2(n−2) × 5 modules counted twice).
            modules -= (n * n - 3) * 25 - 2 * (n - 2) * 5
        }
        if v >= 7 { modules -= 36 } // two 6×3 version blocks
        return modules
    }

    private static func totalCodewords(version: Int) -> Int { rawDataModules(version: version) / 8 }

    private static func dataCapacity(version: Int) -> Int {
        totalCodewords(version: version) - eccPerBlock[version - 1] * blockCount[version - 1]
    }

    /// The character count indicator is 8 bits for versions 1–9 and 16 bits from version 10 on.
    private static func countBits(version: Int) -> Int { version <= 9 ? 8 : 16 }

    private static func dataBitCount(_ byteCount: Int, version: Int) -> Int {
        byteCount < (1 << countBits(version: version)) ? 4 + countBits(version: version) + 8 * byteCount : Int.max
    }

    /// Centres of the alignment patterns along one axis: 6, then evenly spaced (even step) up to size − 7.
    private static func alignmentCentres(version v: Int) -> [Int] {
        guard v >= 2 else { return [] }
        let n = v / 7 + 2
        let last = 4 * v + 10
        // The standard rounds the spacing up to an even number; version 32 is the one exception in its table.
        let step = v == 32 ? 26 : ((last - 6) + 2 * (n - 1) - 1) / (2 * (n - 1)) * 2
        return [6] + (0..<(n - 1)).map { last - step * (n - 2 - $0) }
    }

    // MARK: - Data encoding and Reed–Solomon

    private static func encodeData(_ bytes: [UInt8], version: Int) -> [UInt8] {
        var bits = BitBuffer()
        bits.append(0b0100, count: 4) // byte mode
        bits.append(bytes.count, count: countBits(version: version))
        for byte in bytes { bits.append(Int(byte), count: 8) }
        let capacityBits = dataCapacity(version: version) * 8
        bits.append(0, count: min(4, capacityBits - bits.count)) // terminator
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var data = bits.bytes
        // Alternate the two pad codewords the standard prescribes until full.
        for i in 0..<(capacityBits / 8 - data.count) { data.append(i % 2 == 0 ? 0xEC : 0x11) }
        return data
    }

    /// Splits data into blocks, appends each block's ECC, and interleaves column by column.
    private static func interleaved(_ data: [UInt8], version: Int) -> [UInt8] {
        let blocks = blockCount[version - 1], ecc = eccPerBlock[version - 1]
        let total = totalCodewords(version: version)
        let longBlocks = total % blocks // the last blocks carry one extra data codeword
        let shortData = total / blocks - ecc
        let generator = rsGenerator(degree: ecc)
        var dataBlocks: [[UInt8]] = [], eccBlocks: [[UInt8]] = []
        var offset = 0
        for i in 0..<blocks {
            let length = shortData + (i >= blocks - longBlocks ? 1 : 0)
            let block = Array(data[offset..<offset + length])
            offset += length
            dataBlocks.append(block)
            eccBlocks.append(rsRemainder(block, generator: generator))
        }
        var result: [UInt8] = []
        for column in 0...shortData {
            for block in dataBlocks where column < block.count { result.append(block[column]) }
        }
        for column in 0..<ecc {
            for block in eccBlocks { result.append(block[column]) }
        }
        return result
    }

    /// Multiplication in GF(2⁸) modulo x⁸ + x⁴ + x³ + x² + 1 (0x11D), by shift-and-add.
    private static func gfMultiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var a = UInt16(a), b = b, product: UInt16 = 0
        while b != 0 {
            if b & 1 != 0 { product ^= a }
            a <<= 1
            if a & 0x100 != 0 { a ^= 0x11D }
            b >>= 1
        }
        return UInt8(product)
    }

    /// Coefficients (highest power first, leading 1 omitted) of ∏ (x − αⁱ) for i in 0..<degree, with α = 2.
    private static func rsGenerator(degree: Int) -> [UInt8] {
        var coefficients = [UInt8](repeating: 0, count: degree)
        coefficients[degree - 1] = 1 // start with the polynomial 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            // Multiply by (x + root); in GF(2ⁿ) subtraction is addition.
            for j in 0..<degree {
                coefficients[j] = gfMultiply(coefficients[j], root) ^ (j + 1 < degree ? coefficients[j + 1] : 0)
            }
            root = gfMultiply(root, 2)
        }
        return coefficients
    }

    /// The remainder of data(x)·x^degree divided by the generator: the ECC codewords.
    private static func rsRemainder(_ data: [UInt8], generator: [UInt8]) -> [UInt8] {
        var remainder = [UInt8](repeating: 0, count: generator.count)
        for byte in data {
            let factor = byte ^ remainder.removeFirst()
            remainder.append(0)
            for i in remainder.indices { remainder[i] ^= gfMultiply(generator[i], factor) }
        }
        return remainder
    }

    private struct BitBuffer {
        var bytes: [UInt8] = []
        var count = 0
        mutating func append(_ value: Int, count length: Int) {
            for i in stride(from: length - 1, through: 0, by: -1) {
                if count % 8 == 0 { bytes.append(0) }
                if (value >> i) & 1 != 0 { bytes[count / 8] |= 0x80 >> UInt8(count % 8) }
                count += 1
            }
        }
    }

    // MARK: - Module grid

    private struct Grid {
        let version: Int
        let size: Int
        var modules: [[Bool]]
        /// Modules that belong to function patterns: never masked, never holding data.
        var reserved: [[Bool]]

        init(version: Int) {
            self.version = version
            size = 17 + 4 * version
            modules = Array(repeating: Array(repeating: false, count: size), count: size)
            reserved = modules
        }

        mutating func set(_ x: Int, _ y: Int, _ dark: Bool) {
            modules[y][x] = dark
            reserved[y][x] = true
        }

        mutating func drawFunctionPatterns() {
            for i in 0..<size { set(6, i, i % 2 == 0); set(i, 6, i % 2 == 0) } // timing
            // Finders with their light separators (the 9×9 square clipped at the edges).
            for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {
                for dy in -4...4 { for dx in -4...4 where (0..<size).contains(cx + dx) && (0..<size).contains(cy + dy) {
                    let ring = max(abs(dx), abs(dy))
                    set(cx + dx, cy + dy, ring != 2 && ring != 4)
                } }
            }
            // Alignment patterns everywhere on the grid of centres except the three finder corners.
            let centres = QRCode.alignmentCentres(version: version)
            let near = 6, far = size - 7
            for cy in centres { for cx in centres {
                if cx == near && (cy == near || cy == far) || cx == far && cy == near { continue }
                for dy in -2...2 { for dx in -2...2 { set(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1) } }
            } }
            drawFormatBits(mask: 0) // reserve the area; redrawn per mask
            if version >= 7 {
                // 6-bit version + 12-bit BCH(18,6) remainder, generator 0x1F25.
                var remainder = version
                for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
                let bits = version << 12 | remainder
                for i in 0..<18 {
                    let dark = (bits >> i) & 1 != 0
                    let a = size - 11 + i % 3, b = i / 3
                    set(a, b, dark) // top right
                    set(b, a, dark) // bottom left
                }
            }
        }

        /// Level M (indicator 00) + mask, BCH(15,5) with generator 0x537, XOR-masked with 0x5412.
        mutating func drawFormatBits(mask: Int) {
            let data = 0b00 << 3 | mask
            var remainder = data
            for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
            let bits = (data << 10 | remainder) ^ 0x5412
            func bit(_ i: Int) -> Bool { (bits >> i) & 1 != 0 }
            // Copy around the top-left finder (bit 0 at the top, bit 14 at the left), skipping the timing lines.
            for i in 0...5 { set(8, i, bit(i)) }
            set(8, 7, bit(6)); set(8, 8, bit(7)); set(7, 8, bit(8))
            for i in 9...14 { set(14 - i, 8, bit(i)) }
            // Second copy split between the top-right and bottom-left finders.
            for i in 0...7 { set(size - 1 - i, 8, bit(i)) }
            for i in 8...14 { set(8, size - 15 + i, bit(i)) }
            set(8, size - 8, true) // the dark module
        }

        /// Zigzag through two-module columns from the bottom right, skipping the vertical timing line.
        mutating func placeCodewords(_ codewords: [UInt8]) {
            var bitIndex = 0
            var right = size - 1
            while right >= 1 {
                if right == 6 { right = 5 }
                let upward = ((right + 1) / 2) % 2 == ((size - 1 + 1) / 2) % 2
                for step in 0..<size {
                    let y = upward ? size - 1 - step : step
                    for x in [right, right - 1] where !reserved[y][x] {
                        // Remainder bits past the last codeword stay light.
                        if bitIndex < codewords.count * 8 {
                            modules[y][x] = (codewords[bitIndex / 8] >> (7 - UInt8(bitIndex % 8))) & 1 != 0
                        }
                        bitIndex += 1
                    }
                }
                right -= 2
            }
        }

        mutating func applyMask(_ mask: Int) {
            for y in 0..<size { for x in 0..<size where !reserved[y][x] {
                let flip: Bool
                switch mask {
                case 0: flip = (x + y) % 2 == 0
                case 1: flip = y % 2 == 0
                case 2: flip = x % 3 == 0
                case 3: flip = (x + y) % 3 == 0
                case 4: flip = (y / 2 + x / 3) % 2 == 0
                case 5: flip = x * y % 2 + x * y % 3 == 0
                case 6: flip = (x * y % 2 + x * y % 3) % 2 == 0
                default: flip = ((x + y) % 2 + x * y % 3) % 2 == 0
                }
                if flip { modules[y][x].toggle() }
            } }
        }

        /// The four penalty rules of the standard (lower is better).
        func penalty() -> Int {
            var score = 0
            let columns = (0..<size).map { x in modules.map { $0[x] } }
            // Finder-like 1:1:3:1:1 with four light modules on one side; the quiet zone counts as light.
            let finderLike: [[Bool]] = [
                [true, false, true, true, true, false, true, false, false, false, false],
                [false, false, false, false, true, false, true, true, true, false, true],
            ]
            let margin = [Bool](repeating: false, count: 4)
            for line in modules + columns {
                // Rule 1: runs of five or more of one colour score 3 + (length − 5).
                var run = 1
                for i in 1..<size {
                    if line[i] == line[i - 1] { run += 1 } else { run = 1 }
                    if run == 5 { score += 3 } else if run > 5 { score += 1 }
                }
                // Rule 3: 40 for each finder-like pattern.
                let padded = margin + line + margin
                for start in 0...(padded.count - 11) {
                    for pattern in finderLike where padded[start..<start + 11].elementsEqual(pattern) { score += 40 }
                }
            }
            // Rule 2: 3 for each 2×2 block of one colour.
            for y in 0..<(size - 1) { for x in 0..<(size - 1) {
                let c = modules[y][x]
                if modules[y][x + 1] == c && modules[y + 1][x] == c && modules[y + 1][x + 1] == c { score += 3 }
            } }
            // Rule 4: 10 per full 5% that the dark proportion deviates from 50%.
            let dark = modules.reduce(0) { $0 + $1.filter { $0 }.count }
            score += abs(dark * 20 - size * size * 10) / (size * size) * 10
            return score
        }
    }
}

extension QRCode {
    static func svg(_ text: String) -> HTML? { svgString(text).map { HTML(raw: $0) } }
}
