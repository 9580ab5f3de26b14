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

    @Test func unknownAndMissingHeadersAreReportedOnRowOne() {
        #expect(throws: DomainError.invalid([FieldError(field: "部署", code: "error.csvUnknownColumn", row: 1),
                                             FieldError(field: "name", code: "error.csvMissingColumn", row: 1)])) {
            try CSVTable.read(Data("部署,code\nx,y\n".utf8), columns: columns)
        }
    }
}
