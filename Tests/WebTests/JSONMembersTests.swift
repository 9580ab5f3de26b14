import Foundation
import Testing
@testable import Web

/// The audit trail's member scan: each member's text parses to the value the whole object holds.
@Suite struct JSONMembersTests {
    @Test func membersAreTheValuesAsWritten() throws {
        let json = #" { "code" : "A-1", "n":3, "f":-1.5e3, "none":null, "yes":true, "list":["a,b","c]"], "o":{"k":{"x":[1,{"y":"}"}]}}, "s":"quote \" and \\ and ,}" } "#
        let members = try #require(JSONMembers.split(json))
        #expect(members["code"] == #""A-1""# && members["n"] == "3" && members["f"] == "-1.5e3" && members["none"] == "null" && members["yes"] == "true")
        #expect(members["list"] == #"["a,b","c]"]"# && members["o"] == #"{"k":{"x":[1,{"y":"}"}]}}"# && members["s"] == #""quote \" and \\ and ,}""#)
        #expect(members.count == 8)
        #expect(JSONMembers.split("{}") == [:] && JSONMembers.split(" { } ") == [:])
    }

    @Test func whatTheScanDoesNotReadIsRefused() {
        for text in ["", "[]", "{", "{\"a\":1", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":}", "{\"a\":1} x", "{\"a\":[1}", "{\"a\":\"open}", "{\"a\\u0062\":1}", "{\"a\":1,\"a\":2}", "{a:1}", "{\"a\":1]}"] {
            #expect(JSONMembers.split(text) == nil, "\(text)")
        }
    }

    /// Random objects written by Foundation's writer: every member read alone equals that member of
    /// the whole object parsed (compared after parsing: a double need not survive the round trip).
    @Test func randomObjectsRoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        func value(_ depth: Int) -> Any {
            switch Int.random(in: 0..<(depth > 2 ? 5 : 7), using: &generator) {
            case 0: return NSNull()
            case 1: return Bool.random(using: &generator)
            case 2: return Int.random(in: -1_000_000...1_000_000, using: &generator)
            case 3: return Double.random(in: -1000...1000, using: &generator)
            case 4: return String((0..<Int.random(in: 0..<12, using: &generator)).map { _ in "a,:{}[]\"\\ 資産\n/é".randomElement(using: &generator)! })
            case 5: return (0..<Int.random(in: 0..<4, using: &generator)).map { _ in value(depth + 1) }
            default: return Dictionary(uniqueKeysWithValues: (0..<Int.random(in: 0..<4, using: &generator)).map { ("k\($0)", value(depth + 1)) })
            }
        }
        func written(_ value: Any) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
        }
        for _ in 0..<500 {
            let object = Dictionary(uniqueKeysWithValues: (0..<Int.random(in: 0..<10, using: &generator)).map { ("field\($0)", value(0)) })
            let text = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            let members = try #require(JSONMembers.split(text), "\(text)")
            let whole = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(Set(members.keys) == Set(object.keys))
            for (key, raw) in members {
                let parsed = try JSONSerialization.jsonObject(with: Data(raw.utf8), options: .fragmentsAllowed)
                #expect(try written(parsed) == written(whole[key]!), "\(key): \(raw) in \(text)")
            }
        }
    }
}
