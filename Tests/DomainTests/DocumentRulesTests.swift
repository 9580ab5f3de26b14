import Domain
import Foundation
import Testing

/// The safe Markdown of documents and courses: what it keeps, and that nothing hostile survives.
@Suite struct MarkdownTests {
    @Test func rendersTheUsualDocument() {
        let source = """
        # 情報セキュリティ方針

        当社は**顧客の情報**を守ります。詳しくは[規程集](/w/acme/documents)と<https://example.com>を参照。

        1. 経営者の責任
        2. 法令の遵守
           - 個人情報保護法
        - 箇条書き

        > 引用
        > 二行目

        | 項目 | 担当 |
        |:-----|----:|
        | 教育 | 総務 |

        ```
        <b>code</b>
        ```
        ---
        """
        let html = Markdown.html(source)
        #expect(html.contains("<h1>情報セキュリティ方針</h1>"))
        #expect(html.contains("<strong>顧客の情報</strong>"))
        #expect(html.contains("<a href=\"/w/acme/documents\">規程集</a>"))
        #expect(html.contains("<ol><li>経営者の責任</li>"))
        #expect(html.contains("<ul><li>個人情報保護法</li></ul>"))
        #expect(html.contains("<blockquote>"))
        #expect(html.contains("<th style=\"text-align:left\">項目</th><th style=\"text-align:right\">担当</th>"))
        #expect(html.contains("<td style=\"text-align:left\">教育</td>"))
        #expect(html.contains("<pre><code>&lt;b&gt;code&lt;/b&gt;</code></pre>"))
        #expect(html.contains("<hr>"))
        #expect(Markdown.html("# 見出し", headingOffset: 1) == "<h2>見出し</h2>")
    }

    @Test(arguments: [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[クリック](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox)",
        "[x](//evil.example/path)",
        "**<iframe src=\"https://evil.example\"></iframe>**",
        "| <script>x</script> | b |\n|---|---|\n| <svg onload=alert(1)> | \" onmouseover=\"x |",
        "```\n</code></pre><script>x</script>\n```",
        "> <style>body{display:none}</style>",
        "[a\" onclick=\"alert(1)](https://example.com/\"onclick=\"x)",
        "`<script>`",
    ])
    func hostileInputRendersInert(source: String) {
        let html = Markdown.html(source)
        for tag in ["<script", "<img", "<iframe", "<svg", "<style"] { #expect(!html.contains(tag), "\(source) → \(html)") }
        #expect(!html.lowercased().contains("href=\"javascript"))
        #expect(!html.lowercased().contains("href=\"data:"))
        #expect(!html.lowercased().contains("href=\"vbscript"))
        #expect(!html.contains("href=\"//"))
        // No attribute can be opened from the text: every quote inside text or a URL is escaped.
        #expect(!html.contains("\" on"), "\(html)")
    }

    @Test func aHugeTableIsCapped() {
        let header = "|" + (0..<200).map { "c\($0)" }.joined(separator: "|") + "|\n|" + String(repeating: "---|", count: 200) + "\n"
        let rows = String(repeating: "|" + String(repeating: "x|", count: 200) + "\n", count: 10_000)
        let blocks = Markdown.parse(header + rows)
        guard case .table(let head, _, let body)? = blocks.first else { Issue.record("no table: \(blocks.prefix(1))"); return }
        #expect(head.count <= 64)
        #expect(body.count <= 5_000)
        #expect(body.allSatisfy { $0.count <= 64 })
    }

    @Test func deepQuotesAndUnclosedMarksStayText() {
        let deep = String(repeating: ">", count: 500) + " 深い"
        #expect(Markdown.html(deep).contains("深い"))
        #expect(Markdown.html("**閉じない強調").contains("**閉じない強調"))
        #expect(Markdown.html("[閉じないリンク(https://x") == "<p>[閉じないリンク(https://x</p>")
    }

    @Test func plainTextDropsTheMarks() {
        let text = Markdown.plainText(Markdown.parse("# 暗号化\n\n**鍵**の[管理](https://x)\n\n| a | b |\n|---|---|\n| 1 | 2 |"))
        #expect(text == "暗号化\n鍵の管理\na b\n1 2")
    }
}

@Suite struct TextDiffTests {
    @Test func aChangedLineShowsTheChangedCharacters() {
        let lines = TextDiff.lines("第1条 目的\nパスワードは8文字以上とする。\n以上", "第1条 目的\nパスワードは12文字以上とする。\n以上")
        #expect(lines == [.same("第1条 目的"), .changed([.same("パスワードは"), .removed("8"), .added("12"), .same("文字以上とする。")]), .same("以上")])
    }

    @Test func addedAndRemovedLines() {
        let lines = TextDiff.lines("a\nb\nc", "a\nc\nd")
        #expect(lines == [.same("a"), .removed("b"), .same("c"), .added("d")])
        // Lines with nothing in common are a removal and an addition, not a character soup.
        #expect(TextDiff.lines("甲", "乙") == [.removed("甲"), .added("乙")])
        #expect(TextDiff.lines("", "新しい") == [.changed([.added("新しい")])] || TextDiff.lines("", "新しい") == [.removed(""), .added("新しい")])
    }

    @Test func identicalTextsAreAllSame() {
        let text = (1...500).map { "行\($0)" }.joined(separator: "\n")
        #expect(TextDiff.lines(text, text).allSatisfy { if case .same = $0 { return true }; return false })
    }

    @Test func aLargeRewriteStaysCheap() {
        let old = (1...3_000).map { "旧い行 \($0)" }.joined(separator: "\n")
        let new = (1...3_000).map { "新しい行 \($0 * 7)" }.joined(separator: "\n")
        let lines = TextDiff.lines(old, new)
        #expect(lines.count >= 3_000)
    }
}

@Suite struct DocumentRulesTests {
    let workspace = Workspace.ID()
    let sales = Department.ID()
    let today = CalendarDate("2026-12-06")!

    func member(_ grants: [RoleGrant], home: Department.ID? = nil, user: User.ID = User.ID()) -> Member {
        Member(workspaceID: workspace, userID: user, email: "m@example.co.jp", displayName: "m", homeDepartmentID: home, grants: grants, createdAt: Date(),
               updatedAt: Date())
    }

    @Test func anAudienceNamesEveryoneRolesDepartmentsOrPeople() {
        let employee = member([RoleGrant(role: .employee)], home: sales)
        let officer = member([RoleGrant(role: .departmentOfficer, departmentID: sales)])
        let expired = member([RoleGrant(role: .internalAuditor, expiresOn: CalendarDate("2026-11-30"))])
        #expect(Audience.all.includes(employee, on: today))
        #expect(Audience(departmentIDs: [sales]).includes(employee, on: today))
        #expect(Audience(departmentIDs: [sales]).includes(officer, on: today))
        #expect(!Audience(roles: [.secretariat]).includes(employee, on: today))
        #expect(Audience(memberIDs: [employee.userID]).includes(employee, on: today))
        #expect(!Audience(roles: [.internalAuditor]).includes(expired, on: today))
        #expect(Audience().isEmpty && !Audience.all.isEmpty)
        let json = try! JSONEncoder().encode(Audience.all)
        #expect(try! JSONDecoder().decode(Audience.self, from: json) == Audience.all)
    }

    @Test func versionLabels() {
        #expect(DocumentRules.nextLabel(publishedMajor: nil, publishedMinor: nil, major: false) == (1, 0))
        #expect(DocumentRules.nextLabel(publishedMajor: 1, publishedMinor: 0, major: false) == (1, 1))
        #expect(DocumentRules.nextLabel(publishedMajor: 1, publishedMinor: 3, major: true) == (2, 0))
    }

    @Test func theSubmitterNeverApprovesAndAOnePersonSecretariatGoesToTopManagement() {
        let secretary = member([RoleGrant(role: .secretariat)])
        let ceo = member([RoleGrant(role: .topManagement)])
        // Another secretary exists: the approver is them, not top management.
        #expect(!DocumentRules.mayApprove(.role(.secretariat), person: secretary, submitter: secretary.userID, othersWhoAnswer: 1, on: today))
        #expect(!DocumentRules.mayApprove(.role(.secretariat), person: ceo, submitter: secretary.userID, othersWhoAnswer: 1, on: today))
        // Nobody but the submitter answers: top management approves.
        #expect(DocumentRules.mayApprove(.role(.secretariat), person: ceo, submitter: secretary.userID, othersWhoAnswer: 0, on: today))
        #expect(DocumentRules.mayApprove(.topManagement, person: ceo, submitter: secretary.userID, othersWhoAnswer: 1, on: today))
        #expect(!DocumentRules.mayApprove(.topManagement, person: ceo, submitter: ceo.userID, othersWhoAnswer: 0, on: today))
        #expect(DocumentRules.mayApprove(.member(secretary.userID), person: secretary, submitter: ceo.userID, othersWhoAnswer: 1, on: today))
    }

    @Test func aMinorRevisionKeepsAcknowledgementsAndAMajorOneAsksAgain() {
        let now = Date()
        var document = ControlledDocument(workspaceID: workspace, number: 1, code: "DOC-001", title: "方針", kind: .policy, status: .published,
                                          latestVersion: 2, publishedVersion: 2, publishedMajor: 1, createdAt: now, updatedAt: now)
        let ack = Acknowledgement(workspaceID: workspace, documentID: document.id, versionNumber: 1, major: 1, userID: User.ID(), sha256: "x", acknowledgedAt: now)
        #expect(DocumentRules.counts(ack, for: document))
        document.publishedMajor = 2
        #expect(!DocumentRules.counts(ack, for: document))
        document.publishedMajor = 1
        document.status = .retired
        #expect(!DocumentRules.counts(ack, for: document))
    }

    @Test func theRegisterStatusFollowsItsVersions() {
        #expect(DocumentRules.status(retired: false, published: false, latest: nil) == .draft)
        #expect(DocumentRules.status(retired: false, published: false, latest: .inReview) == .inReview)
        #expect(DocumentRules.status(retired: false, published: true, latest: .inReview) == .published)
        #expect(DocumentRules.status(retired: true, published: true, latest: nil) == .retired)
        #expect(DocumentRules.kindNames.parse("規程") == .rule && DocumentRules.kindNames.parse("Procedure") == .procedure)
    }
    @Test func theDocumentsColumnOfAStatementNamesDocumentsByCodeOrTitle() {
        let now = Date()
        let policy = ControlledDocument(workspaceID: workspace, number: 1, code: "DOC-001", title: "情報セキュリティ基本方針", kind: .policy, createdAt: now, updatedAt: now)
        let rule = ControlledDocument(workspaceID: workspace, number: 2, code: "RULE-7", title: "アクセス制御規程", kind: .rule, createdAt: now, updatedAt: now)
        let all = [policy, rule]
        #expect(DocumentRules.named(in: "ＤＯＣ-００１", documents: all).named == [policy.id], "full-width letters and digits name the same code")
        #expect(DocumentRules.named(in: "doc-001", documents: all) == ([policy.id], nil))
        #expect(DocumentRules.named(in: "DOC-001 情報セキュリティ基本方針\n共有フォルダ/規程集", documents: all) == ([policy.id], "共有フォルダ/規程集"))
        #expect(DocumentRules.named(in: "アクセス制御規程、入退室記録, RULE-7", documents: all) == ([rule.id], "入退室記録"))
        #expect(DocumentRules.named(in: "規程集（紙）", documents: all) == ([], "規程集（紙）"))
        #expect(DocumentRules.named(in: "  ", documents: all) == ([], nil))
    }
}
