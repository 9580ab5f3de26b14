import Foundation
@testable import Spreadsheet
import Testing

@Suite struct XLSXFiles {
    @Test func whatIsWrittenReadsBack() throws {
        let sheet = XLSX.Sheet(name: "資産台帳", widths: [10, 30], header: ["管理番号", "資産名", "機密性"],
                               rows: [["I-001", "顧客名簿（営業部）", .number(3)], ["I-002", "A & B <テスト> \"引用\"\n改行", .empty], [.text("=1+1"), .string(nil), .int(2)]])
        let data = try XLSX.write([sheet])
        #expect(data.starts(with: [0x50, 0x4B, 0x03, 0x04]))
        let rows = try XLSX.read(data)
        #expect(rows == [["管理番号", "資産名", "機密性"], ["I-001", "顧客名簿（営業部）", "3"], ["I-002", "A & B <テスト> \"引用\"\n改行"], ["=1+1", "", "2"]])
    }

    @Test func columnNamesGoPastZ() {
        #expect(XLSX.column(1) == "A")
        #expect(XLSX.column(26) == "Z")
        #expect(XLSX.column(27) == "AA")
        #expect(XLSX.column(703) == "AAA")
        #expect(XLSX.columnIndex("AB12") == 27)
    }

    @Test func somethingElseIsNotAWorkbook() {
        #expect(throws: XLSX.ReadError.notAWorkbook) { try XLSX.read(Data("code,name\n".utf8)) }
    }

    @Test func manyRowsStayInOrder() throws {
        let rows: [[XLSX.Cell]] = (1...2000).map { [.text("I-\($0)"), .number(Double($0))] }
        let back = try XLSX.read(try XLSX.write([XLSX.Sheet(name: "x", header: ["code", "n"], rows: rows)]))
        #expect(back.count == 2001)
        #expect(back[2000] == ["I-2000", "2000"])
    }
}

/// Issue 14: a number in a date style is a date (Excel keeps dates as days since 1899-12-30).
@Suite struct XLSXDateCells {
    @Test(arguments: [(46113.0, "2026-04-01"), (46113.75, "2026-04-01"), (61.0, "1900-03-01"), (45000.0, "2023-03-15"), (2_958_465.0, "9999-12-31")])
    func serialsAreDays(serial: Double, date: String) {
        #expect(DateStyles.isoDate(serial: serial) == date)
    }

    @Test func dateFormatsAreToldFromOthers() {
        for code in ["yyyy/m/d", "[$-ja-JP]ggge\"年\"m\"月\"d\"日\"", "m/d/yy", "yyyy-mm-dd h:mm:ss", "d-mmm"] { #expect(DateStyles.isDate(code: code), "\(code)") }
        for code in ["General", "0.00E+00", "#,##0", "\"day\"0", "[Red]0.0", "h:mm"] { #expect(!DateStyles.isDate(code: code), "\(code)") }
        #expect(DateStyles.isoDate(serial: 0) == nil && DateStyles.isoDate(serial: 3_000_000) == nil)
    }
}
