/// The members of a JSON object as the text each value is written in, found by one scan of its
/// bytes without building the values. The audit trail compares a change's before and after member
/// by member and builds only the values that differ: parsing and describing every field of both
/// was 70 % of the trail page's CPU, where a change usually touches two of twenty fields.
enum JSONMembers {
    /// Key → the value's text as written (`"A-1"` with its quotes, `3`, `{"a":1}`, `null`), or nil
    /// when the text is not one object whose keys are written without escapes (a caller then
    /// parses it whole). Two equal values of one writer are the same text.
    static func split(_ json: String) -> [String: Substring]? {
        var members: [String: Substring] = [:]
        let u = json.utf8
        var i = u.startIndex
        func at(_ byte: UInt8) -> Bool { i < u.endIndex && u[i] == byte }
        func skipSpace() { while i < u.endIndex, u[i] == 0x20 || u[i] == 0x0A || u[i] == 0x0D || u[i] == 0x09 { u.formIndex(after: &i) } }
        /// From an opening quote to just after its closing one; false when the text ends first.
        func skipString() -> Bool {
            u.formIndex(after: &i)
            while i < u.endIndex {
                switch u[i] {
                case UInt8(ascii: "\""): u.formIndex(after: &i); return true
                case UInt8(ascii: "\\"): u.formIndex(after: &i); if i < u.endIndex { u.formIndex(after: &i) }
                default: u.formIndex(after: &i)
                }
            }
            return false
        }
        skipSpace()
        guard at(UInt8(ascii: "{")) else { return nil }
        u.formIndex(after: &i)
        skipSpace()
        if at(UInt8(ascii: "}")) {
            u.formIndex(after: &i)
            skipSpace()
            return i == u.endIndex ? members : nil
        }
        while true {
            skipSpace()
            guard at(UInt8(ascii: "\"")) else { return nil }
            let keyStart = u.index(after: i)
            guard skipString() else { return nil }
            let key = json[keyStart..<u.index(before: i)]
            guard !key.utf8.contains(UInt8(ascii: "\\")) else { return nil }
            skipSpace()
            guard at(UInt8(ascii: ":")) else { return nil }
            u.formIndex(after: &i)
            skipSpace()
            let valueStart = i
            var depth = 0
            var valueEnd = i
            scan: while i < u.endIndex {
                switch u[i] {
                case UInt8(ascii: "\""):
                    guard skipString() else { return nil }
                    valueEnd = i
                    continue scan
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { break scan }
                    depth -= 1
                case UInt8(ascii: ","): if depth == 0 { break scan }
                case 0x20, 0x0A, 0x0D, 0x09: u.formIndex(after: &i); continue scan
                default: break
                }
                u.formIndex(after: &i)
                valueEnd = i
            }
            guard depth == 0, valueStart < valueEnd, members.updateValue(json[valueStart..<valueEnd], forKey: String(key)) == nil else { return nil }
            if at(UInt8(ascii: ",")) { u.formIndex(after: &i); continue }
            guard at(UInt8(ascii: "}")) else { return nil }
            u.formIndex(after: &i)
            skipSpace()
            return i == u.endIndex ? members : nil
        }
    }
}
