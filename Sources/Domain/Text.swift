import Foundation

/// Small text rules shared by validation and import: Japanese spreadsheets write digits and
/// spaces in full width, and people paste values with stray whitespace.
public enum Text {
    /// Turns full-width digits (０–９) into ASCII digits, leaving everything else as it is.
    public static func halfWidthDigits(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            if (0xFF10...0xFF19).contains(scalar.value) {
                return Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!
            }
            return scalar
        }))
    }

    /// Trims ASCII and ideographic spaces (U+3000) at both ends.
    public static func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: "\u{3000}")))
    }

    /// `nil` for an empty or blank value, the trimmed value otherwise.
    public static func nonBlank(_ text: String?) -> String? {
        guard let text else { return nil }
        let value = trimmed(text)
        return value.isEmpty ? nil : value
    }
}

/// A link people paste as evidence or a reference: an http or https address with a host.
public enum WebAddress {
    public static func isValid(_ text: String) -> Bool {
        (text.hasPrefix("https://") || text.hasPrefix("http://")) && URL(string: text)?.host?.isEmpty == false
    }
}
