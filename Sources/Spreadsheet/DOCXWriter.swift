import Foundation
import ZIPFoundation

/// Word documents (.docx, WordprocessingML) written from paragraphs and tables, with nothing but a
/// ZIP library: what Japanese organizations circulate. Headings use Word's built-in heading styles
/// (so the navigation pane and a table of contents work), lists are drawn with their marks, and the
/// page is A4 with a header line (code, version, effective date) on every page.
public enum DOCX {
    public struct Run: Sendable, Equatable {
        public var text: String
        public var bold: Bool
        public var italic: Bool
        public var code: Bool
        public init(_ text: String, bold: Bool = false, italic: Bool = false, code: Bool = false) {
            self.text = text; self.bold = bold; self.italic = italic; self.code = code
        }
    }

    public enum Style: Sendable, Equatable {
        case title, heading(Int), normal, quote, code
        /// A list item: its mark ("・", "1.") and nesting level.
        case item(mark: String, level: Int)
    }

    public enum Block: Sendable, Equatable {
        case paragraph(Style, [Run])
        /// The first row is the header.
        case table([[[Run]]])
    }

    public static func write(_ blocks: [Block], header: String, language: String) throws -> Data {
        let archive: Archive
        do { archive = try Archive(accessMode: .create) } catch { throw XLSX.WriteError.zip("\(error)") }
        func add(_ path: String, _ text: String) throws {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try add("[Content_Types].xml", """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/></Types>
        """)
        try add("_rels/.rels", """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>
        """)
        try add("word/_rels/document.xml.rels", """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/></Relationships>
        """)
        try add("word/styles.xml", styles(language))
        try add("word/header1.xml", """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p><w:pPr><w:jc w:val="right"/></w:pPr><w:r><w:rPr><w:sz w:val="16"/></w:rPr><w:t xml:space="preserve">\(escape(header))</w:t></w:r></w:p></w:hdr>
        """)
        let body = blocks.map(xml).joined()
        try add("word/document.xml", """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>\(body)<w:sectPr><w:headerReference w:type="default" r:id="rId2"/><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1304" w:bottom="1440" w:left="1304" w:header="720" w:footer="720" w:gutter="0"/></w:sectPr></w:body></w:document>
        """)
        guard let data = archive.data else { throw XLSX.WriteError.zip("the archive has no data") }
        return data
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            // Characters XML 1.0 cannot hold are dropped rather than written.
            case _ where scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r": continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func runs(_ runs: [Run]) -> String {
        runs.map { run in
            var properties = ""
            if run.bold { properties += "<w:b/>" }
            if run.italic { properties += "<w:i/>" }
            if run.code { properties += "<w:rFonts w:ascii=\"Consolas\" w:hAnsi=\"Consolas\"/>" }
            // Line breaks inside a run become Word's breaks.
            let pieces = run.text.split(separator: "\n", omittingEmptySubsequences: false).map { "<w:t xml:space=\"preserve\">\(escape(String($0)))</w:t>" }
            return "<w:r>\(properties.isEmpty ? "" : "<w:rPr>\(properties)</w:rPr>")\(pieces.joined(separator: "<w:br/>"))</w:r>"
        }.joined()
    }

    static func xml(_ block: Block) -> String {
        switch block {
        case .paragraph(let style, let content):
            var properties = ""
            var lead: [Run] = []
            switch style {
            case .title: properties = "<w:pStyle w:val=\"Title\"/>"
            case .heading(let level): properties = "<w:pStyle w:val=\"Heading\(min(max(level, 1), 6))\"/>"
            case .normal: break
            case .quote: properties = "<w:pStyle w:val=\"Quote\"/>"
            case .code: properties = "<w:pStyle w:val=\"Code\"/>"
            case .item(let mark, let level):
                properties = "<w:ind w:left=\"\(360 + 360 * level)\" w:hanging=\"360\"/>"
                lead = [Run(mark + "\t")]
            }
            return "<w:p>\(properties.isEmpty ? "" : "<w:pPr>\(properties)</w:pPr>")\(runs(lead + content))</w:p>"
        case .table(let rows):
            let width = rows.map(\.count).max() ?? 1
            let grid = (0..<width).map { _ in "<w:gridCol w:w=\"\(9298 / max(width, 1))\"/>" }.joined()
            let body = rows.enumerated().map { index, row -> String in
                let cells = (0..<width).map { column -> String in
                    let content = column < row.count ? row[column] : []
                    let shaded = index == 0 ? "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"EDEFF2\"/>" : ""
                    let text = index == 0 ? content.map { Run($0.text, bold: true, italic: $0.italic, code: $0.code) } : content
                    return "<w:tc><w:tcPr><w:tcW w:w=\"\(9298 / max(width, 1))\" w:type=\"dxa\"/>\(shaded)</w:tcPr><w:p>\(runs(text))</w:p></w:tc>"
                }.joined()
                return "<w:tr>\(index == 0 ? "<w:trPr><w:tblHeader/></w:trPr>" : "")\(cells)</w:tr>"
            }.joined()
            let border = "w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"9AA0A6\""
            return """
            <w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/><w:tblBorders><w:top \(border)/><w:left \(border)/><w:bottom \(border)/><w:right \(border)/><w:insideH \(border)/><w:insideV \(border)/></w:tblBorders></w:tblPr><w:tblGrid>\(grid)</w:tblGrid>\(body)</w:tbl><w:p/>
            """
        }
    }

    static func styles(_ language: String) -> String {
        let font = language == "ja" ? "<w:rFonts w:ascii=\"Yu Gothic\" w:eastAsia=\"Yu Gothic\" w:hAnsi=\"Yu Gothic\"/>" : "<w:rFonts w:ascii=\"Calibri\" w:hAnsi=\"Calibri\"/>"
        func heading(_ level: Int, size: Int) -> String {
            "<w:style w:type=\"paragraph\" w:styleId=\"Heading\(level)\"><w:name w:val=\"heading \(level)\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before=\"240\" w:after=\"80\"/><w:outlineLvl w:val=\"\(level - 1)\"/></w:pPr><w:rPr><w:b/><w:sz w:val=\"\(size)\"/></w:rPr></w:style>"
        }
        return """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr>\(font)<w:sz w:val="21"/><w:lang w:val="\(language == "ja" ? "ja-JP" : "en-US")" w:eastAsia="ja-JP"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="300" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="240"/></w:pPr><w:rPr><w:b/><w:sz w:val="36"/></w:rPr></w:style>\(heading(1, size: 30))\(heading(2, size: 26))\(heading(3, size: 23))\(heading(4, size: 22))\(heading(5, size: 21))\(heading(6, size: 21))<w:style w:type="paragraph" w:styleId="Quote"><w:name w:val="Quote"/><w:basedOn w:val="Normal"/><w:pPr><w:ind w:left="720"/></w:pPr><w:rPr><w:i/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Code"><w:name w:val="Code"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="0"/></w:pPr><w:rPr><w:rFonts w:ascii="Consolas" w:hAnsi="Consolas"/><w:sz w:val="18"/></w:rPr></w:style></w:styles>
        """
    }
}
