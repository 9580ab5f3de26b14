import Foundation

/// The headers people give each register's columns (`imports/columns.json`): data, so a new
/// synonym is a line in one file, not a code change.
public struct ImportVocabulary: Sendable, Decodable {
    public struct Column: Sendable, Decodable {
        public var key: String
        public var names: [String]
    }

    public struct Register: Sendable, Decodable {
        public var columns: [Column]
        /// Headers of columns Meguri computes, or that say nothing to the register: read past.
        public var computed: [String]?
    }

    public var registers: [String: Register]

    public static let bundled: ImportVocabulary = {
        guard let folder = Bundle.module.url(forResource: "imports", withExtension: nil),
              let data = try? Data(contentsOf: folder.appendingPathComponent("columns.json")), let vocabulary = try? JSONDecoder().decode(ImportVocabulary.self, from: data) else {
            fatalError("The bundled import vocabulary (imports/columns.json) is missing or malformed")
        }
        return vocabulary
    }()

    /// Problems a vocabulary file has: a register naming one key twice, a blank name.
    public var problems: [String] {
        registers.sorted { $0.key < $1.key }.flatMap { name, register -> [String] in
            var out: [String] = []
            let keys = register.columns.map(\.key)
            if Set(keys).count != keys.count { out.append("\(name): a column key appears twice") }
            for column in register.columns where column.names.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                out.append("\(name).\(column.key): a blank name")
            }
            return out
        }
    }

    /// The other headers of one column.
    public func synonyms(_ register: String, _ key: String) -> [String] {
        registers[register]?.columns.first { $0.key == key }?.names ?? []
    }
}
