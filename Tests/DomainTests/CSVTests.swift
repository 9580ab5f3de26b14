import Domain
import Foundation
import Testing

@Suite struct CSVReading {
    @Test func readsQuotedCellsWithCommasQuotesAndLineBreaks() throws {
        let rows = try CSV.parse("a,\"b,c\",\"d \"\"e\"\"\"\r\n\"line\nbreak\",x,\r\n")
        #expect(rows == [["a", "b,c", "d \"e\""], ["line\nbreak", "x", ""]])
    }

    @Test func decodesUTF8WithBOMAndShiftJIS() throws {
        let text = "部門名,説明\r\n情報システム部,社内IT\r\n"
        #expect(try CSV.decode(Data([0xEF, 0xBB, 0xBF]) + Data(text.utf8)) == text)
        #expect(try CSV.decode(text.data(using: .shiftJIS)!) == text)
    }

    @Test func anUnclosedQuoteNamesItsRow() {
        #expect(throws: CSV.ReadError.unterminatedQuote(row: 2)) { try CSV.parse("a,b\n\"c,d\n") }
    }

    @Test func writesWhatItReadsAndKeepsFormulasAsText() throws {
        let rows = [["名前", "備考"], ["=SUM(A1)", "a,\"b\"\nc"], ["-5", "@x"]]
        let written = CSV.write(rows)
        #expect(try CSV.parse(written) == [["名前", "備考"], ["'=SUM(A1)", "a,\"b\"\nc"], ["-5", "'@x"]])
    }

    let columns: [(key: String, names: Set<String>, required: Bool)] = [("name", ["name", "部門名"], true), ("code", ["code", "部門コード"], false)]

    @Test func headersMatchInEitherLanguageAndRowsKeepSpreadsheetNumbers() throws {
        let table = try CSVTable.read(Data("部門名,CODE\n営業部,S1\n\n総務部,\n".utf8), columns: columns)
        #expect(table.rows.map(\.number) == [2, 4])
        #expect(table.rows[0].value("name") == "営業部")
        #expect(table.rows[1].value("code") == nil)
    }

    @Test func unknownHeadersAreIgnoredAndMissingOnesReported() throws {
        #expect(throws: DomainError.invalid([FieldError(field: "name", code: "error.csvMissingColumn", row: 1)])) {
            try CSVTable.read(Data("部署,code\nx,y\n".utf8), columns: columns)
        }
        let table = try CSVTable.read(Data("部門名,部署\n営業部,x\n".utf8), columns: columns)
        #expect(table.mapping?.ignored.map(\.header) == ["部署"] && table.mapping?.ignored.first?.reason == .unknown)
    }

    /// Issue 14: how each header is proposed, table-driven: by name, by its values, by the only
    /// candidate without a test, or left for the person.
    @Test(arguments: [
        // headers, first data row, expected keys (nil: not imported), reasons
        (["分類", "名称"], ["情報", "顧客台帳"], ["type", "name"], ["decided", "named"]),
        (["分類", "名称"], ["社外秘", "顧客台帳"], ["classification", "name"], ["decided", "named"]),
        (["種別", "分類"], ["情報", "社外秘"], ["type", "classification"], ["named", "named"]),
        (["区分", "名称"], ["A", "顧客台帳"], [nil, "name"], ["ambiguous", "named"]),
        (["資産価値", "名称", "メモ"], ["3", "顧客台帳", "x"], [nil, "name", nil], ["computed", "named", "unknown"]),
        (["No.", "管理番号", "名称"], ["1", "A-1", "顧客台帳"], [nil, "code", "name"], ["duplicate", "named", "named"]),
    ] as [([String], [String], [String?], [String])])
    func headersAreProposed(headers: [String], row: [String], keys: [String?], reasons: [String]) throws {
        let spec = ImportSpec([.init("code", names: ["管理番号", "No."], required: true), .init("name", names: ["名称"]),
                               .init("type", names: ["種別", "分類", "区分"]), .init("classification", names: ["分類", "区分"]),
                               .init("form", names: ["区分"])],
                              computed: ["資産価値"],
                              decide: ["type": { ["情報", "ソフトウェア"].contains($0) }, "code": { $0.contains("-") }])
        let mapping = try CSVTable.propose(rows: [headers, row], spec: spec)
        #expect(mapping.columns.map(\.key) == keys)
        #expect(mapping.columns.map(\.reason.rawValue) == reasons)
        if reasons.contains("ambiguous") {
            #expect(throws: DomainError.self) { try CSVTable.make(rows: [headers, row], spec: spec, mapping: mapping) }
            // The person settles it by header or by letter; the letter of a header named C is the header.
            let given = try CSVTable.propose(rows: [headers, row], spec: spec, given: try GivenMapping.parse("A=form"))
            #expect(given.columns[0].key == "form" && given.columns[0].reason == .given && given.isSettled)
        }
    }

    @Test func mappingsAreWrittenAndReadAsPeopleTypeThem() throws {
        #expect(ColumnMapping.letter(0) == "A" && ColumnMapping.letter(25) == "Z" && ColumnMapping.letter(26) == "AA" && ColumnMapping.letter(701) == "ZZ")
        #expect(ColumnMapping.index(ofLetter: "ｄ") == 3 && ColumnMapping.index(ofLetter: "AA") == 26 && ColumnMapping.index(ofLetter: "機密性") == nil)
        let given = try GivenMapping.parse("No.=control，適用＝decision; 備考=-\n")
        #expect(given.entries.map(\.column) == ["No.", "適用", "備考"] && given.entries.map(\.target) == ["control", "decision", "-"])
        #expect(throws: DomainError.invalid(field: "map", code: "error.mapPair", params: ["value": "No. control"])) { try GivenMapping.parse("No. control") }
        // A header that reads like a letter is the header.
        let spec = ImportSpec([.init("c", names: ["C"]), .init("name", names: ["名称"])])
        let mapping = try CSVTable.propose(rows: [["名称", "C"], ["x", "3"]], spec: spec, given: try GivenMapping.parse("C=-"))
        #expect(mapping.columns[1].key == nil && mapping.columns[0].key == "name")
        #expect(mapping.summary == "名称=name, C=-")
        // A letter tells two columns with one header apart; a field given to a column is no other's;
        // the header row is found by the names the person gave; a name two fields accept is refused.
        let notes = ImportSpec([.init("code", names: ["管理番号", "番号"]), .init("notes", names: ["備考"]), .init("name", names: ["名称"]),
                                .init("type", names: ["区分"]), .init("form", names: ["区分"])])
        let two = try CSVTable.propose(rows: [["備考", "名称", "備考"], ["a", "b", "c"]], spec: notes, given: try GivenMapping.parse("備考=notes, C=-"))
        #expect(two.columns.map(\.key) == ["notes", "name", nil])
        let displaced = try CSVTable.propose(rows: [["管理番号", "番号"], ["A-1", "1"]], spec: notes, given: try GivenMapping.parse("B=code"))
        #expect(displaced.columns.map(\.key) == [nil, "code"] && displaced.columns[0].reason == .duplicate)
        let titled = try CSVTable.propose(rows: [["台帳"], ["No", "品名"], ["X-1", "机"]], spec: notes, given: try GivenMapping.parse("No=code, 品名=name"))
        #expect(titled.headerRow == 2 && titled.columns.map(\.key) == ["code", "name"])
        // The person may say which row holds the headers; a row past the file is refused.
        let byRow = try CSVTable.propose(rows: [["台帳"], ["品番", "名称"], ["X", "机"]], spec: notes, given: GivenMapping(headerRow: 2))
        #expect(byRow.headerRow == 2 && byRow.columns.map(\.key) == [nil, "name"])
        #expect(throws: DomainError.invalid(field: "headerRow", code: "error.headerRow", params: ["max": "3"])) {
            _ = try CSVTable.propose(rows: [["台帳"], ["品番", "名称"], ["X", "机"]], spec: notes, given: GivenMapping(headerRow: 9))
        }
        #expect(throws: DomainError.invalid(field: "map", code: "error.mapAmbiguousField", params: ["value": "区分", "options": "type,form"])) {
            _ = try CSVTable.propose(rows: [["区分"], ["x"]], spec: notes, given: try GivenMapping.parse("A=区分"))
        }
        // Problems are placed where a spreadsheet shows them.
        let table = try CSVTable.make(rows: [["名称", "C"], ["x", "3"]], spec: spec, mapping: mapping)
        let located = table.locate([FieldError(field: "name", code: "error.required", row: 2), FieldError(field: "name", code: "error.required", params: ["rows": "2–5"])])
        #expect(located.map { $0.params["cell"] } == ["A2", "A"] && located[0].params["header"] == "名称")
    }

    /// Issue 14: the header row found under title rows, headers compared loosely, a header that
    /// could name two columns settled by its values, and the marks people use for "nothing".
    @Test func theHeaderIsFoundUnderTitleRowsAndMatchedLoosely() throws {
        let columns: [(key: String, names: Set<String>, required: Bool)] = [
            ("id", ["id", "管理策", "No."], true), ("title", ["title", "管理策"], false), ("reason", ["適用・除外の理由"], false)]
        let rows = [["適用宣言書（2026年度）", "", ""], ["", "", ""], ["Ｎｏ．", "管理策", "適用/除外の理由"], ["5.1", "情報セキュリティのための方針群", "－"], ["5.2", "役割及び責任", "規程で定める"]]
        let isControl: @Sendable (String) -> Bool = { $0.first?.isNumber == true || $0.hasPrefix("A.") }
        let table = try CSVTable.make(rows: rows, columns: columns, decide: ["id": isControl])
        #expect(Set(table.columns) == ["id", "title", "reason"])
        #expect(table.rows.map(\.number) == [4, 5], "rows keep the numbers the spreadsheet shows")
        #expect(table.rows[0].value("id") == "5.1" && table.rows[0].value("title") == "情報セキュリティのための方針群")
        #expect(table.rows[0].value("reason") == nil, "－ is nothing")
        // The same header holding ids is the control, whatever its place.
        let alone = try CSVTable.make(rows: [["管理策"], ["A.5.1"]], columns: columns, decide: ["id": isControl])
        #expect(alone.rows[0].value("id") == "A.5.1")
        #expect(Text.looseKey("適用/除外の理由") == Text.looseKey("適用・除外の理由") && Text.looseKey("Ｎｏ．") == "no")
        for mark in ["－", "-", "—", "n/a", "N/A", "該当なし", "／"] { #expect(Text.isEmptyMark(mark), "\(mark)") }
        #expect(!Text.isEmptyMark("0") && !Text.isEmptyMark("未定"))
        for mark in [" N/A ", "NA", "/", "\t-"] { #expect(Text.isEmptyMark(mark), "ASCII, compared without normalizing: \(mark)") }
        for text in ["IMP-C-00001", "information", "n/a2", "-1", "Ｎ／Ａ2"] { #expect(!Text.isEmptyMark(text), "\(text)") }
        #expect(Text.isEmptyMark("Ｎ／Ａ") && Text.isEmptyMark("ｰ"), "full-width and half-width forms are normalized first")
    }

    @Test(arguments: [("令和8年4月1日", "2026-04-01"), ("令和元年5月1日", "2019-05-01"), ("R8.4.1", "2026-04-01"), ("r8/4/1", "2026-04-01"),
                      ("H31.4.30", "2019-04-30"), ("平成31年4月30日", "2019-04-30"), ("2026年4月1日", "2026-04-01"), ("2026/4/1", "2026-04-01"),
                      ("２０２６／４／１", "2026-04-01")])
    func japaneseDatesAreRead(text: String, date: String) {
        #expect(CalendarDate(text)?.description == date)
    }

    @Test func marksAreChoices() {
        #expect(SoARules.decisionNames.parse("O") == .applicable && SoARules.decisionNames.parse("Ｏ") == .applicable && SoARules.decisionNames.parse("○") == .applicable)
        #expect(SoARules.decisionNames.parse("X") == .excluded && SoARules.decisionNames.parse("×") == .excluded && SoARules.decisionNames.parse("いいえ") == .excluded)
        #expect(SoARules.implementationNames.parse("△") == .partial)
        #expect(SoARules.decisionNames.parse("N/A") == .excluded && SoARules.decisionNames.parse("該当なし") == .excluded, "in the 適用 column N/A means excluded")
        #expect(AssetRules.kindNames.parse("物理的資産") == .physical && AssetRules.statusNames.parse("廃棄済み") == .retired)
        #expect(AssetRules.threeLevelWord("高") == 3 && AssetRules.threeLevelWord("中") == 2 && AssetRules.threeLevelWord("L") == 1 && AssetRules.threeLevelWord("特大") == nil)
    }
}
