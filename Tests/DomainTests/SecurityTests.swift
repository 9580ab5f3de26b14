import Domain
import Foundation
import Testing

@Suite struct TimeBasedOneTimePasswords {
    // RFC 6238 appendix B, SHA-1 secret "12345678901234567890"; our codes are the last 6 of the 8 digits.
    let totp = TOTP(secret: Array("12345678901234567890".utf8))

    @Test(arguments: [(59.0, "287082"), (1_111_111_109, "081804"), (1_111_111_111, "050471"), (1_234_567_890, "005924"),
                      (2_000_000_000, "279037"), (20_000_000_000, "353130")])
    func matchesTheRFCVectors(time: Double, code: String) {
        #expect(totp.code(at: Date(timeIntervalSince1970: time)) == code)
    }

    @Test func acceptsOneStepOfDriftAndRefusesReplay() {
        let now = Date(timeIntervalSince1970: 1_795_000_015)
        let previous = totp.code(at: now.addingTimeInterval(-30))
        let step = totp.matchingStep(for: previous, at: now, lastUsedStep: nil)
        #expect(step == totp.step(at: now) - 1)
        #expect(totp.matchingStep(for: previous, at: now, lastUsedStep: step) == nil)
        #expect(totp.matchingStep(for: totp.code(at: now.addingTimeInterval(-90)), at: now, lastUsedStep: nil) == nil)
        #expect(totp.matchingStep(for: "１２３", at: now, lastUsedStep: nil) == nil)
    }

    @Test func provisioningURIHasTheSecretAndIssuer() {
        let uri = totp.provisioningURI(account: "taro@example.co.jp", issuer: "Meguri")
        #expect(uri.hasPrefix("otpauth://totp/Meguri:taro@example.co.jp?secret=\(totp.base32Secret)&issuer=Meguri"))
    }

    @Test func base32RoundTripsAndMatchesAKnownValue() {
        #expect(Base32.encode(Array("Hello!".utf8) + [0xDE, 0xAD, 0xBE, 0xEF]) == "JBSWY3DPEHPK3PXP")
        let bytes = TOTP.generateSecret()
        #expect(Base32.decode(Base32.encode(bytes)) == bytes)
        #expect(Base32.decode("not base32 1") == nil)
    }

    @Test func recoveryCodesAreComparedWithoutCaseOrHyphen() {
        let codes = RecoveryCodes.generate()
        #expect(codes.count == 10 && Set(codes).count == 10)
        #expect(RecoveryCodes.hash(codes[0].uppercased().replacingOccurrences(of: "-", with: " ")) == RecoveryCodes.hash(codes[0]))
    }
}

@Suite struct AuditChains {
    func chain(_ count: Int) -> [AuditEvent] {
        var previous = AuditEvent.genesisHash
        return (1...count).map { sequence in
            var event = AuditEvent(id: AuditEvent.ID(), workspaceID: nil, sequence: Int64(sequence),
                                   occurredAt: Date(timeIntervalSince1970: 1_795_000_000 + Double(sequence)), actor: .system,
                                   entityType: "department", entityID: "d\(sequence)", action: "create", before: nil,
                                   after: "{\"name\":\"部門\(sequence)\"}", requestID: nil, previousHash: previous, hash: "")
            event.hash = event.computedHash
            previous = event.hash
            return event
        }
    }

    func verify(_ events: [AuditEvent], head: (Int64, String)? = nil) -> ChainVerification {
        var verifier = ChainVerifier(chain: "test")
        events.forEach { verifier.feed($0) }
        let h = head ?? (events.last!.sequence, events.last!.hash)
        return verifier.finish(headSequence: h.0, headHash: h.1)
    }

    @Test func anIntactChainVerifies() {
        #expect(verify(chain(5)).isIntact)
    }

    @Test func editingAnyColumnIsDetectedAtThatEvent() {
        var events = chain(5)
        let head = (events[4].sequence, events[4].hash)
        events[2].after = "{\"name\":\"改ざん\"}"
        let result = verify(events, head: head)
        #expect(result.firstBroken?.sequence == 3)
        #expect(result.firstBroken?.problem == .hashMismatch)
    }

    @Test func rehashingAnEditedEventBreaksTheNextLink() {
        var events = chain(5)
        let head = (events[4].sequence, events[4].hash)
        events[1].actor = Actor(kind: .user, label: "someone-else")
        events[1].hash = events[1].computedHash
        #expect(verify(events, head: head).firstBroken?.sequence == 3)
        #expect(verify(events, head: head).firstBroken?.problem == .brokenLink)
    }

    @Test func removingAnEventOrTheLastOneIsDetected() {
        var events = chain(5)
        let head = (events[4].sequence, events[4].hash)
        events.remove(at: 2)
        #expect(verify(events, head: head).firstBroken?.problem == .sequenceGap(expected: 3))
        let truncated = Array(chain(5).dropLast())
        #expect(verify(truncated, head: head).firstBroken?.problem == .headMismatch)
    }

    @Test func nilAndEmptyAreHashedDifferently() {
        var a = chain(1)[0]
        var b = a
        a.before = nil
        b.before = ""
        #expect(a.computedHash != b.computedHash)
    }
}

@Suite struct AuditSnapshots {
    struct Record: Encodable { var id: String; var name: String; var code: String?; var notes: String }

    @Test func anUpdateKeepsOnlyWhatChangedAndTheId() {
        let before = Record(id: "d1", name: "営業部", code: "S", notes: "長い説明")
        var after = before
        after.code = nil
        after.name = "第一営業部"
        let entry = AuditEntry.change("department", id: "d1", action: "update", workspace: nil, before: before, after: after)
        #expect(entry.before == #"{"code":"S","id":"d1","name":"営業部"}"#)
        #expect(entry.after == #"{"id":"d1","name":"第一営業部"}"#)
    }

    @Test func aCreateAndADeleteKeepTheWholeRecord() {
        let record = Record(id: "d1", name: "営業部", code: nil, notes: "x")
        let created = AuditEntry.change("department", id: "d1", action: "create", workspace: nil, before: nil as Record?, after: record)
        #expect(created.before == nil && created.after == #"{"id":"d1","name":"営業部","notes":"x"}"#)
        let deleted = AuditEntry.change("department", id: "d1", action: "delete", workspace: nil, before: record, after: nil as Record?)
        #expect(deleted.after == nil && deleted.before == created.after)
    }
}

@Suite struct AuditTimestamps {
    /// Foundation's whole seconds and our own millisecond: `ISO8601FormatStyle` with fractional
    /// seconds formats the `Double` and writes `.474` for a stored `.475`.
    func expected(_ milliseconds: Int64) -> String {
        let millisecond = (milliseconds % 1000 + 1000) % 1000
        let second = Date(timeIntervalSince1970: Double((milliseconds - millisecond) / 1000))
        return String(second.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)).dropLast())
            + "." + String(String(millisecond + 1000).dropFirst()) + "Z"
    }

    @Test func theStoredMillisecondInUTCWithEveryField() {
        #expect(AuditJSON.timestamp(Date(timeIntervalSince1970: 1_545_957_021.475)) == "2018-12-28T00:30:21.475Z")
        #expect(AuditJSON.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(AuditJSON.timestamp(Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
        #expect(AuditJSON.timestamp(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
        #expect(AuditJSON.timestamp(Date(timeIntervalSince1970: 253_402_300_799.999)) == "9999-12-31T23:59:59.999Z")
        // Rounded to the millisecond as the trail keeps it, not cut.
        #expect(AuditJSON.timestamp(Date(timeIntervalSince1970: 1.0006)) == "1970-01-01T00:00:01.001Z")
    }

    @Test func agreesWithFoundationOnRandomInstantsAndBeforeTheGregorianCalendar() {
        var generator = SystemRandomNumberGenerator()
        for range: ClosedRange<Int64> in [-12_000_000_000_000...4_102_444_800_000, 1_700_000_000_000...1_900_000_000_000, -62_135_596_800_000...(-12_300_000_000_000)] {
            for _ in 0..<20_000 {
                let milliseconds = Int64.random(in: range, using: &generator)
                let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
                #expect(AuditJSON.timestamp(date) == expected(milliseconds), "\(milliseconds)")
            }
        }
    }
}
