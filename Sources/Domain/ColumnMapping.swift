import Foundation

/// What a register's import reads: its columns with the headers people give them, the headers of
/// columns Meguri computes (read past), and the tests that settle a header naming two columns by
/// the column's values.
public struct ImportSpec: Sendable {
    public struct Column: Sendable {
        public var key: String
        /// Headers accepted for the column (its key, its headers in both languages, the synonyms).
        public var names: Set<String>
        public var required: Bool
        public init(_ key: String, names: Set<String>, required: Bool = false) {
            self.key = key
            self.names = names
            self.required = required
        }
    }

    public var columns: [Column]
    /// Headers of columns Meguri computes (資産価値): never imported.
    public var computed: Set<String>
    /// Per column key, a test most of a column's values pass when the column is that one.
    public var decide: [String: @Sendable (String) -> Bool]
    /// Columns Meguri computes that a file may carry: compared with Meguri's value, never imported.
    public var compared: Set<String> = []

    public init(_ columns: [Column], computed: Set<String> = [], decide: [String: @Sendable (String) -> Bool] = [:]) {
        self.columns = columns
        self.computed = computed
        self.decide = decide
    }

    public init(columns: [(key: String, names: Set<String>, required: Bool)], computed: Set<String> = [],
                decide: [String: @Sendable (String) -> Bool] = [:]) {
        self.init(columns.map { Column($0.key, names: $0.names, required: $0.required) }, computed: computed, decide: decide)
    }

    public var keys: [String] { columns.map(\.key) }

    /// The column a person means by `name`: its key, or the one column accepting it as a header
    /// (compared loosely). A header two columns accept (分類) names neither: `keys(named:)` lists them.
    public func key(named name: String) -> String? {
        let found = keys(named: name)
        return found.count == 1 ? found[0] : nil
    }

    /// Every column `name` could mean: the one whose key it is, else those accepting it as a header.
    public func keys(named name: String) -> [String] {
        let wanted = Text.looseKey(name)
        guard !wanted.isEmpty else { return [] }
        if let exact = columns.first(where: { $0.key.lowercased() == Text.trimmed(name).lowercased() }) { return [exact.key] }
        return columns.filter { $0.names.contains { Text.looseKey($0) == wanted } }.map(\.key)
    }
}

/// Which column of a file feeds which field: proposed from the headers (and, where a header could
/// be two fields, from the values), corrected by the person, remembered per workspace and register.
public struct ColumnMapping: Sendable, Equatable, Codable {
    public enum Reason: String, Sendable, Codable {
        /// The header is one of the column's names.
        case named
        /// The header names several columns; the values settled which.
        case decided
        /// The workspace's remembered mapping for this header.
        case remembered
        /// Given by the person (on the page, `--map`, the API's `map`).
        case given
        /// A column Meguri computes (資産価値): read past.
        case computed
        /// A header no column accepts: ignored.
        case unknown
        /// The header could be several columns and the values did not settle it.
        case ambiguous
        /// A second column naming a field already taken by a column whose values fit it better.
        case duplicate
    }

    public struct Column: Sendable, Equatable, Codable {
        /// 0-based position in the row.
        public var index: Int
        public var header: String
        /// The field the column feeds; nil when it is not imported.
        public var key: String?
        public var reason: Reason
        /// For an ambiguous header, the fields it could be.
        public var candidates: [String]

        public init(index: Int, header: String, key: String?, reason: Reason, candidates: [String] = []) {
            self.index = index
            self.header = header
            self.key = key
            self.reason = reason
            self.candidates = candidates
        }

        /// The column's letter as a spreadsheet shows it (A, B, …, Z, AA).
        public var letter: String { ColumnMapping.letter(index) }
        public var ignored: Bool { key == nil }
    }

    /// The header's row number as a spreadsheet shows it (1 unless title rows sit above it).
    public var headerRow: Int
    public var columns: [Column]

    public init(headerRow: Int, columns: [Column]) {
        self.headerRow = headerRow
        self.columns = columns
    }

    public static func letter(_ index: Int) -> String {
        var n = index + 1, letters = ""
        while n > 0 {
            let r = (n - 1) % 26
            letters = String(UnicodeScalar(UInt8(65 + r))) + letters
            n = (n - 1) / 26
        }
        return letters
    }

    /// The 0-based index of a column letter (`D` → 3), nil for anything else.
    public static func index(ofLetter text: String) -> Int? {
        let letters = Text.halfWidth(Text.trimmed(text)).uppercased()
        guard (1...3).contains(letters.count), letters.allSatisfy({ $0 >= "A" && $0 <= "Z" }) else { return nil }
        return letters.unicodeScalars.reduce(0) { $0 * 26 + Int($1.value) - 64 } - 1
    }

    /// The column feeding `key`.
    public func column(for key: String) -> Column? { columns.first { $0.key == key } }

    /// Columns not imported, with why (shown to the person as ignored).
    public var ignored: [Column] { columns.filter { $0.key == nil && !Text.trimmed($0.header).isEmpty } }

    /// Whether any column still needs the person to say what it is.
    public var isSettled: Bool { !columns.contains { $0.reason == .ambiguous } }

    /// The mapping as a workspace remembers it: each header (compared loosely) with its field, or
    /// "" for a header deliberately left out.
    public var remembered: [String: String] {
        var out: [String: String] = [:]
        for column in columns where !Text.looseKey(column.header).isEmpty && column.reason != .unknown && column.reason != .computed {
            out[Text.looseKey(column.header)] = column.key ?? ""
        }
        return out
    }

    /// One line per column as `header=field` (`-` for an ignored column), the form `--map` takes.
    public var summary: String {
        columns.filter { !Text.trimmed($0.header).isEmpty || $0.key != nil }
            .map { "\($0.header.isEmpty ? $0.letter : $0.header)=\($0.key ?? "-")" }.joined(separator: ", ")
    }
}

/// A mapping given by a person: `No.=id, 適用=applicable, 備考=-`. Columns are named by header or by
/// letter (D); fields by key or by any header the field accepts; `-` leaves a column out.
public struct GivenMapping: Sendable, Equatable {
    public enum Target: Sendable, Equatable {
        case field(String)
        case ignore
    }

    public var entries: [(column: String, target: String)]
    /// Targets by 0-based column position (the page's choices), before any name.
    public var byIndex: [Int: String]
    /// The header's row as a spreadsheet numbers it, when the person says which it is.
    public var headerRow: Int?

    public static func == (a: GivenMapping, b: GivenMapping) -> Bool {
        a.entries.map { [$0.column, $0.target] } == b.entries.map { [$0.column, $0.target] } && a.byIndex == b.byIndex && a.headerRow == b.headerRow
    }

    public init(entries: [(column: String, target: String)] = [], byIndex: [Int: String] = [:], headerRow: Int? = nil) {
        self.entries = entries
        self.byIndex = byIndex
        self.headerRow = headerRow
    }

    /// Reads `a=b, c=d` (commas, semicolons or new lines between pairs; full-width ＝ too).
    /// A pair without `=` is refused by its text.
    public static func parse(_ text: String) throws -> GivenMapping {
        var entries: [(String, String)] = []
        for part in text.split(whereSeparator: { ",;\n，；、".contains($0) }) {
            let pair = Text.trimmed(String(part))
            if pair.isEmpty { continue }
            guard let eq = pair.firstIndex(where: { $0 == "=" || $0 == "＝" }) else {
                throw DomainError.invalid(field: "map", code: "error.mapPair", params: ["value": pair])
            }
            entries.append((Text.trimmed(String(pair[..<eq])), Text.trimmed(String(pair[pair.index(after: eq)...]))))
        }
        return GivenMapping(entries: entries)
    }

    /// The given target for one of the file's columns, if the person named it (by header first,
    /// then by letter).
    /// A letter names its column (so two columns with one header can be told apart), unless the
    /// letter is itself one of the file's headers (a column headed C for confidentiality): then
    /// it means that header.
    func target(for column: ColumnMapping.Column, headers: Set<String>, spec: ImportSpec) throws -> Target? {
        if let target = byIndex[column.index] { return try Self.target(target, spec: spec) }
        let header = Text.looseKey(column.header)
        let entry = entries.first { ColumnMapping.index(ofLetter: $0.column) == column.index && !headers.contains(Text.looseKey($0.column)) }
            ?? entries.first { !header.isEmpty && Text.looseKey($0.column) == header }
        guard let entry else { return nil }
        return try Self.target(entry.target, spec: spec)
    }

    var columnNames: [String] { entries.map(\.column) }

    static func target(_ text: String, spec: ImportSpec) throws -> Target {
        let t = Text.trimmed(text)
        if ["-", "－", "", "ignore", "skip", "無視", "取り込まない"].contains(t.lowercased()) { return .ignore }
        let keys = spec.keys(named: t)
        if keys.count > 1 { throw DomainError.invalid(field: "map", code: "error.mapAmbiguousField", params: ["value": t, "options": keys.joined(separator: ",")]) }
        guard let key = keys.first else { throw DomainError.invalid(field: "map", code: "error.mapUnknownField", params: ["value": t]) }
        return .field(key)
    }
}

extension CSVTable {
    /// The header row: of the first ten rows, the one whose cells name the most columns (title
    /// rows above the header are passed over).
    static func headerIndex(_ raw: [[String]], spec: ImportSpec, remembered: [String: String], given: Set<String> = []) -> Int {
        let keyed = spec.columns.map { Set($0.names.map(Text.looseKey)) }
        var headerIndex = 0, best = 0
        for (index, row) in raw.prefix(10).enumerated() {
            let named = row.filter { cell in
                let key = Text.looseKey(cell)
                return !key.isEmpty && (remembered[key] != nil || given.contains(key) || keyed.contains { $0.contains(key) })
            }.count
            if named > best { best = named; headerIndex = index }
        }
        return headerIndex
    }

    /// Proposes which column feeds which field. `given` (the person's choices) comes first, then
    /// the workspace's remembered mapping, then the headers: a header naming one column is that
    /// column; one naming several is settled by the values (`spec.decide`), else by the only
    /// candidate without a test, else it is ambiguous. Two columns naming one field: the one whose
    /// values pass the field's test keeps it (`No.` numbering rows beside `管理策番号` holding 5.1).
    /// Headers nothing accepts, and computed columns, are ignored.
    public static func propose(rows raw: [[String]], spec: ImportSpec, given: GivenMapping? = nil,
                               remembered: [String: String] = [:]) throws -> ColumnMapping {
        // The row the person chose, else the one naming the most columns (the headers the person
        // named count too: a file of unknown headers under a title row is found).
        if let row = given?.headerRow, !(1...max(1, min(raw.count, 1_000))).contains(row) {
            throw DomainError.invalid(field: "headerRow", code: "error.headerRow", params: ["max": String(min(raw.count, 1_000))])
        }
        let headerIndex = given?.headerRow.map { $0 - 1 }
            ?? headerIndex(raw, spec: spec, remembered: remembered, given: Set((given?.columnNames ?? []).map(Text.looseKey)))
        guard raw.indices.contains(headerIndex), !(raw[headerIndex].allSatisfy { Text.trimmed($0).isEmpty }) else {
            throw DomainError.invalid(field: "file", code: "error.csvEmpty")
        }
        let header = raw[headerIndex], body = raw.dropFirst(headerIndex + 1)
        let keyed = spec.columns.map { column in (column.key, Set(column.names.map(Text.looseKey))) }
        let computed = Set(spec.computed.map(Text.looseKey))
        func values(_ index: Int) -> [String] {
            Array(body.lazy.compactMap { index < $0.count ? Text.nonBlank($0[index]) : nil }.filter { !Text.isEmptyMark($0) }.prefix(200))
        }
        func fits(_ key: String, _ index: Int) -> Bool? {
            guard let test = spec.decide[key] else { return nil }
            let sample = values(index)
            guard !sample.isEmpty else { return false }
            return Double(sample.filter(test).count) >= Double(sample.count) * 0.8
        }
        var columns: [ColumnMapping.Column] = []
        var problems: [FieldError] = []
        let headers = Set(header.map(Text.looseKey))
        if let given {
            // A given column that is in no header and is no letter of the file is named back.
            for name in given.columnNames {
                let known = header.contains { Text.looseKey($0) == Text.looseKey(name) }
                    || ColumnMapping.index(ofLetter: name).map { $0 < max(header.count, 1) } == true
                if !known { problems.append(FieldError(field: "map", code: "error.mapUnknownColumn", params: ["value": name])) }
            }
        }
        for (index, name) in header.enumerated() {
            let loose = Text.looseKey(name)
            var column = ColumnMapping.Column(index: index, header: Text.trimmed(name), key: nil, reason: .unknown)
            do {
                if let target = try given?.target(for: column, headers: headers, spec: spec) {
                    if case .field(let key) = target { column.key = key }
                    column.reason = .given
                    columns.append(column)
                    continue
                }
            } catch DomainError.invalid(let errors) {
                problems += errors
                columns.append(column)
                continue
            }
            if loose.isEmpty { columns.append(column); continue }
            if let key = remembered[loose], key.isEmpty || spec.keys.contains(key) {
                column.key = key.isEmpty ? nil : key
                column.reason = .remembered
            } else if computed.contains(loose) {
                column.reason = .computed
            } else {
                let options = keyed.filter { $0.1.contains(loose) }.map(\.0)
                if options.count == 1 {
                    column.key = options[0]
                    column.reason = .named
                } else if options.count > 1 {
                    let taken = Set(columns.compactMap(\.key))
                    let free = options.filter { !taken.contains($0) }
                    if let fitting = free.first(where: { fits($0, index) == true }) {
                        column.key = fitting
                        column.reason = .decided
                    } else if free.filter({ spec.decide[$0] == nil }).count == 1, let plain = free.first(where: { spec.decide[$0] == nil }),
                              free.contains(where: { spec.decide[$0] != nil }) {
                        // Every candidate with a test failed it: the one without a test is meant.
                        column.key = plain
                        column.reason = .decided
                    } else if free.count == 1 {
                        column.key = free[0]
                        column.reason = .named
                    } else {
                        column.reason = .ambiguous
                        column.candidates = free.isEmpty ? options : free
                    }
                }
            }
            columns.append(column)
        }
        // A field the person gave to a column is no other column's.
        let givenKeys = Set(columns.filter { $0.reason == .given }.compactMap(\.key))
        for index in columns.indices where columns[index].reason != .given {
            if let key = columns[index].key, givenKeys.contains(key) {
                columns[index].key = nil
                columns[index].reason = .duplicate
            }
        }
        // Two columns feeding one field: the one whose values fit it keeps it.
        for key in spec.keys {
            let holders = columns.indices.filter { columns[$0].key == key }
            guard holders.count > 1, spec.decide[key] != nil else { continue }
            let fitting = holders.filter { fits(key, columns[$0].index) == true }
            guard fitting.count == 1 else { continue }
            for i in holders where i != fitting[0] && columns[i].reason != .given {
                columns[i].key = nil
                columns[i].reason = .duplicate
            }
        }
        if !problems.isEmpty { throw DomainError.invalid(problems) }
        return ColumnMapping(headerRow: headerIndex + 1, columns: columns)
    }

    /// The rows read through a mapping. Refused, naming the column, when a header is still
    /// ambiguous, two columns feed one field, or a required field has no column.
    public static func make(rows raw: [[String]], spec: ImportSpec, mapping: ColumnMapping) throws -> CSVTable {
        var v = Validator(row: mapping.headerRow)
        for column in mapping.columns where column.reason == .ambiguous {
            v.add(column.header, "error.csvAmbiguousColumn", ["cell": column.letter, "options": column.candidates.joined(separator: ",")])
        }
        var taken: [String: ColumnMapping.Column] = [:]
        for column in mapping.columns {
            guard let key = column.key else { continue }
            if let first = taken[key] {
                v.add(column.header, "error.csvDuplicateColumn", ["cell": column.letter, "other": first.header, "options": key])
            } else {
                taken[key] = column
            }
        }
        for column in spec.columns where column.required && taken[column.key] == nil {
            v.add(column.key, "error.csvMissingColumn")
        }
        if !v.isValid { throw DomainError.invalid(FieldError.capped(v.errors)) }
        let positions = Dictionary(uniqueKeysWithValues: mapping.columns.compactMap { c in c.key.map { ($0, c.index) } })
        var rows: [Row] = []
        for (offset, cells) in raw.dropFirst(mapping.headerRow).enumerated() {
            if cells.allSatisfy({ Text.trimmed($0).isEmpty }) { continue }
            rows.append(Row(number: mapping.headerRow + offset + 1, cells: Cells(raw: cells, positions: positions)))
        }
        return CSVTable(columns: mapping.columns.compactMap(\.key), rows: rows, mapping: mapping)
    }

    /// The cell a problem is about, as a spreadsheet names it (D2), in the problem's `cell`
    /// parameter (`D` for a problem grouped over rows): the page and the CLI print it.
    public func locate(_ errors: [FieldError]) -> [FieldError] {
        guard let mapping else { return errors }
        return errors.map { error in
            guard error.params["cell"] == nil, let column = mapping.column(for: error.field) else { return error }
            var located = error
            located.params["cell"] = column.letter + (error.row.map(String.init) ?? "")
            located.params["header"] = column.header
            return located
        }
    }
}
