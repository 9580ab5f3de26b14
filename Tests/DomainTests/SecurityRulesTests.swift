import Domain
import Foundation
import Testing

@Suite struct SecurityRules {
    @Test(arguments: [
        ("/w/acme/assets", "/w/acme/assets"),
        ("/w/acme/assets?page=2&q=暗号", "/w/acme/assets?page=2&q=暗号"),
        ("/", "/"),
        ("/\t/evil.example", nil),
        ("/%09/evil.example", "/%09/evil.example"),
        ("//evil.example", nil),
        ("/\\evil.example", nil),
        ("/a\\b", nil),
        ("/ /evil.example", nil),
        ("/\n/evil.example", nil),
        ("/\r\nSet-Cookie:x", nil),
        ("/\u{0B}/evil.example", nil),
        ("/\u{200B}/evil.example", nil),
        ("/\u{3000}/evil.example", nil),
        ("https://evil.example/", nil),
        ("evil.example", nil),
        ("javascript:alert(1)", nil),
        ("", nil),
    ] as [(String, String?)])
    func onlyLocalPathsAreFollowedAfterSignIn(next: String, expected: String?) {
        #expect(LocalRedirect.path(next) == expected)
        #expect(LocalRedirect.path(nil) == nil)
    }

    @Test func networksAndTheClientBehindTrustedProxies() throws {
        let lan = try #require(IPNetwork("10.0.0.0/8"))
        #expect(lan.contains("10.1.2.3") && !lan.contains("11.0.0.1") && !lan.contains("not an address"))
        #expect(try #require(IPNetwork("192.168.1.0/25")).contains("192.168.1.127"))
        #expect(try #require(IPNetwork("192.168.1.0/25")).contains("192.168.1.128") == false)
        #expect(try #require(IPNetwork("::1")).contains("::1"))
        #expect(try #require(IPNetwork("fd00::/8")).contains("fd12:3456::1"))
        #expect(try #require(IPNetwork("127.0.0.1")).contains("::ffff:127.0.0.1"))
        for bad in ["10.0.0.0/33", "300.1.1.1", "1.2.3", "::/129", "fd00::/x", "a.b.c.d", ""] { #expect(IPNetwork(bad) == nil, "\(bad)") }

        let proxies = [try #require(IPNetwork("127.0.0.1")), try #require(IPNetwork("10.0.0.0/8"))]
        // Not through a trusted proxy: the header is ignored.
        #expect(IPNetwork.clientAddress(peer: "203.0.113.9", forwardedFor: "198.51.100.1", trusted: proxies) == "203.0.113.9")
        // Through the proxy: the right-most address that is not a proxy; a forged left part does not help.
        #expect(IPNetwork.clientAddress(peer: "127.0.0.1", forwardedFor: "1.1.1.1, 198.51.100.7", trusted: proxies) == "198.51.100.7")
        #expect(IPNetwork.clientAddress(peer: "127.0.0.1", forwardedFor: "198.51.100.7, 10.0.0.2", trusted: proxies) == "198.51.100.7")
        #expect(IPNetwork.clientAddress(peer: "127.0.0.1", forwardedFor: nil, trusted: proxies) == "127.0.0.1")
        #expect(IPNetwork.clientAddress(peer: "127.0.0.1", forwardedFor: "garbage", trusted: proxies) == "127.0.0.1")
        #expect(IPNetwork.clientAddress(peer: "127.0.0.1", forwardedFor: "198.51.100.7", trusted: []) == "127.0.0.1")
    }

    @Test func anAccountBacksOffInsteadOfLockingOut() {
        let backoff = SignInBackoff(limit: 5, firstDelay: 30, window: 900)
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(backoff.wait(failures: 4, newest: now, now: now) == nil)
        #expect(backoff.wait(failures: 5, newest: now, now: now) == 30)
        #expect(backoff.wait(failures: 5, newest: now, now: now.addingTimeInterval(29.5)) == 1)
        #expect(backoff.wait(failures: 5, newest: now, now: now.addingTimeInterval(30)) == nil)
        #expect(backoff.wait(failures: 6, newest: now, now: now) == 60)
        #expect(backoff.wait(failures: 9, newest: now, now: now) == 480)
        #expect(backoff.wait(failures: 10, newest: now, now: now) == 900)
        #expect(backoff.wait(failures: 5000, newest: now, now: now) == 900)
    }

    @Test func onlyTheCreatingWorkspaceReissuesAnInvitation() {
        let a = Workspace.ID(), b = Workspace.ID()
        let now = Date()
        let fresh = User(email: "x@example.co.jp", displayName: "x", createdAt: now, updatedAt: now)
        var admin = fresh
        admin.isAdministrator = true
        var active = fresh
        active.hasPassword = true
        #expect(InvitationRules.refusal(user: fresh, creatingWorkspace: a, workspaces: [a], acting: a) == nil)
        #expect(InvitationRules.refusal(user: fresh, creatingWorkspace: a, workspaces: [a, b], acting: a) == "error.invitationNotYours")
        #expect(InvitationRules.refusal(user: fresh, creatingWorkspace: a, workspaces: [a, b], acting: b) == "error.invitationNotYours")
        #expect(InvitationRules.refusal(user: fresh, creatingWorkspace: nil, workspaces: [a], acting: a) == "error.invitationNotYours")
        #expect(InvitationRules.refusal(user: admin, creatingWorkspace: a, workspaces: [a], acting: a) == "error.invitationNotYours")
        #expect(InvitationRules.refusal(user: active, creatingWorkspace: a, workspaces: [a], acting: a) == "error.alreadyActivated")
    }

    @Test func approversAreNeverTheirOwnSubmitters() throws {
        let one = User.ID(), other = User.ID()
        #expect(throws: DomainError.forbiddenBecause("error.approveOwnSubmission")) { try SegregationOfDuties.requireApprover(one, differentFrom: one) }
        try SegregationOfDuties.requireApprover(one, differentFrom: other)
        try SegregationOfDuties.requireApprover(one, differentFrom: nil)
        #expect(!SegregationOfDuties.mayChangeRoles(actor: one, member: one))
        #expect(SegregationOfDuties.mayChangeRoles(actor: one, member: other))
    }

    // MARK: CSV caps (6)

    @Test func aFileOfNewlinesStopsAtTheRowLimit() {
        let data = Data(repeating: 0x0A, count: 2_000_000)
        #expect(throws: CSV.ReadError.tooManyRows(limit: 100_001)) { try CSV.read(data) }
        var limits = CSV.Limits()
        limits.rows = 10
        #expect(throws: CSV.ReadError.tooManyRows(limit: 10)) { try CSV.read(Data("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n".utf8), limits: limits) }
    }

    @Test func aHeaderOfEndlessColumnsStopsAtTheColumnLimit() {
        let header = (0..<5000).map { "unknown\($0)" }.joined(separator: ",")
        #expect(throws: CSV.ReadError.tooManyColumns(row: 1, limit: 1024)) { try CSV.read(Data(header.utf8)) }
    }

    @Test func anEndlessCellStopsAtTheCellLimit() {
        let data = Data(("code,name\nA-1,\"" + String(repeating: "長", count: 50_000) + "\"\n").utf8)
        #expect(throws: CSV.ReadError.cellTooLong(row: 2, column: 2, limit: 128 * 1024)) { try CSV.read(data) }
    }

    /// Issue 14: unknown headers are ignored (the mapping lists them), not a refusal per header;
    /// a file of 300 of them is answered with the one thing missing.
    @Test func unknownHeadersAreIgnoredAndTheMissingColumnNamedOnce() throws {
        let header = (0..<300).map { "unknown\($0)" }.joined(separator: ",")
        #expect(throws: DomainError.invalid([FieldError(field: "code", code: "error.csvMissingColumn", row: 1)])) {
            _ = try CSVTable.read(Data((header + "\n1\n").utf8), columns: [("code", ["code"], true)])
        }
        let table = try CSVTable.read(Data(("code," + header + "\n1\n").utf8), columns: [("code", ["code"], true)])
        #expect(table.mapping?.ignored.count == 300 && table.rows.count == 1)
    }

    @Test func readingStillSplitsQuotesCommasAndShiftJIS() throws {
        let text = "管理番号,資産名\r\n\"A-1\",\"顧客台帳, 営業部\"\r\nA-2,\"引用\"\"符\"\"\nと改行\"\r\n"
        #expect(try CSV.read(Data(text.utf8)) == [["管理番号", "資産名"], ["A-1", "顧客台帳, 営業部"], ["A-2", "引用\"符\"\nと改行"]])
        let sjis = try #require(text.data(using: .shiftJIS))
        #expect(try CSV.read(sjis) == [["管理番号", "資産名"], ["A-1", "顧客台帳, 営業部"], ["A-2", "引用\"符\"\nと改行"]])
        // ソ (0x83 0x5C) and 表 (0x95 0x5C) carry a backslash byte in Shift_JIS and must survive.
        let tricky = try #require("ソフトウェア,表\n".data(using: .shiftJIS))
        #expect(try CSV.read(tricky) == [["ソフトウェア", "表"]])
        #expect(throws: CSV.ReadError.unterminatedQuote(row: 2)) { try CSV.read(Data("a\n\"b\nc".utf8)) }
    }
}
