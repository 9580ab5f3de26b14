import Foundation
import Testing
@testable import Web

/// The API's JSON writer: every string and number comes back as written through a JSON parser.
@Suite struct JSONWriterTests {
    func parsed(_ write: (inout JSONWriter) -> Void) throws -> [String: Any] {
        var writer = JSONWriter()
        write(&writer)
        return try #require(try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: Any])
    }

    @Test func stringsRoundTripWithEveryEscape() throws {
        let texts = ["", "plain", "顧客情報の\"暗号化\"", "back\\slash\\", "line\nbreak\r\ttab", "\u{0}\u{1}\u{1F}", "絵文字👍🏽と\u{7F}", "a\"", "\"", "/path/to",
                     String(repeating: "長い文章。", count: 400) + "\n"]
        let object = try parsed { w in w.object { w in for (index, text) in texts.enumerated() { w.field("k\(index)", text) } } }
        for (index, text) in texts.enumerated() { #expect(object["k\(index)"] as? String == text, "\(index)") }
    }

    @Test func numbersAndNulls() throws {
        let numbers = [0, 7, -7, 10, 1_000_000, Int.max, Int.min, -1]
        let object = try parsed { w in
            w.object { w in
                for (index, number) in numbers.enumerated() { w.field("n\(index)", number) }
                w.field("none", nil as Int?); w.field("text", nil as String?); w.field("yes", true)
            }
        }
        for (index, number) in numbers.enumerated() { #expect((object["n\(index)"] as? NSNumber)?.int64Value == Int64(number), "\(number)") }
        #expect(object["none"] is NSNull && object["text"] is NSNull && object["yes"] as? Bool == true)
    }

    @Test func timestampsAreTheStoredMillisecond() throws {
        let object = try parsed { w in w.object { w in w.field("at", Date(timeIntervalSince1970: 1_545_957_021.475)) } }
        #expect(object["at"] as? String == "2018-12-28T00:30:21.475Z")
    }
}
