import Domain
import Foundation
import Vapor

/// The CSV import page: upload, a dry run listing every row's outcome (or every rejected row with
/// its number, column and reason), then the same file imported for real.
enum ImportViews {
    struct Row {
        var number: Int
        var label: String
        var outcome: String
        /// An invitation link to hand over, for people new to the installation.
        var link: String?
    }

    struct Result {
        var rows: [Row]
        var dryRun: Bool
        /// The file of a successful dry run, carried to the confirm button so it need not be chosen again.
        var fileData: Data?
    }

    /// Imports of departments and members accept 5 MB, the others 25 MB (the routes' body limits).
    static func limit(_ kind: String) -> Int { ["departments", "members"].contains(kind) ? 5 * 1_048_576 : 25 * 1_048_576 }

    static func page(_ c: PageContext, kind: String, action: String, back: String, result: Result?, errors: [FieldError]) -> HTML {
        let register = kind
        let errorRows: [HTML] = errors.sorted { ($0.row ?? 0, $0.field) < ($1.row ?? 0, $1.field) }.map { e in
            """
            <tr><td class="nowrap">\(e.row.map(String.init) ?? e.params["rows"] ?? "—")</td><td>\(c.localizer.importColumn(e.field, register: register, c.language))</td>
            <td>\(c.localizer.importMessage(for: e, register: register, c.language))</td></tr>
            """
        }
        let resultBlock: HTML
        if let result {
            let rows: [HTML] = result.rows.map { r in
                "<tr><td>\(r.number)</td><td>\(r.label)</td><td><span class=\"badge outcome-\(r.outcome)\">\(c.t("import.outcome.\(r.outcome)"))</span></td>\(r.link.map { HTML("<td><input class=\"copy\" type=\"text\" readonly value=\"\($0)\" aria-label=\"\(c.t("admin.linkTitle"))\"></td>") } ?? (result.rows.contains { $0.link != nil } ? HTML("<td></td>") : .empty))</tr>"
            }
            let hasLinks = result.rows.contains { $0.link != nil }
            resultBlock = """
            <section class="card" aria-live="polite">
            <h2>\(c.t(result.dryRun ? "import.dryRunTitle" : "import.doneTitle", ["count": String(result.rows.count)]))</h2>
            \(HTML.when(hasLinks, "<p>\(c.t("import.linksIntro"))</p>"))
            <table class="table"><thead><tr><th>\(c.t("import.row"))</th><th>\(c.t("import.record"))</th><th>\(c.t("import.outcome"))</th>\(HTML.when(hasLinks, "<th>\(c.t("admin.linkTitle"))</th>"))</tr></thead>
            <tbody>\(rows)</tbody></table>
            \(result.fileData.map { data in HTML("""
            <form method="post" action="\(action)" enctype="multipart/form-data" class="confirm-import">
            <input type="hidden" name="_csrf" value="\(c.csrfToken)">
            <input type="hidden" name="commit" value="true">
            <input type="hidden" name="fileBase64" value="\(data.base64EncodedString())">
            <p>\(c.t("import.confirmIntro"))</p>
            <div class="actions"><button type="submit" class="primary">\(c.t("import.commit"))</button></div>
            </form>
            """) })
            </section>
            """
        } else {
            resultBlock = .empty
        }
        return Layout.page(c, title: c.t("import.title.\(kind)"), """
        \(Components.pageHeader(c.t("import.title.\(kind)"), subtitle: c.t("import.intro")))
        \(HTML.when(!errors.isEmpty, HTML("""
        <div class="error-summary" role="alert"><h2>\(c.t("import.rejected", ["count": String(errors.count)]))</h2>
        <table class="table"><thead><tr><th>\(c.t("import.row"))</th><th>\(c.t("import.column"))</th><th>\(c.t("import.reason"))</th></tr></thead><tbody>\(errorRows)</tbody></table></div>
        """)))
        \(resultBlock)
        <section class="card">
        <h2>\(c.t("import.upload"))</h2>
        <p>\(c.t("import.columns.\(kind)"))</p>
        \(Form.open(action, c, multipart: true, maxBytes: Self.limit(kind)))
        <div class="field"><label for="f-file">\(c.t("import.file"))</label><input id="f-file" type="file" name="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required></div>
        <div class="actions"><button type="submit" class="primary">\(c.t("import.check"))</button><a class="button" href="\(back)">\(c.t("form.back"))</a></div>
        </form>
        </section>
        """)
    }
}

extension ImportViews {
    /// The upload posted from an import page: the whole flow every register shares. `run` imports
    /// (or, on a dry run, only checks) the file and returns a row per record; invalid files come
    /// back with every rejected row and nothing written.
    static func respond(_ req: Request, kind: String, action: String, back: String,
                        run: (_ data: Data, _ dryRun: Bool, _ c: PageContext) async throws -> [Row]) async throws -> PageResponse {
        let form = try req.content.decode(DepartmentPages.ImportForm.self)
        let c = try await PageContext.make(req)
        let dryRun = form.commit == nil
        do {
            guard let data = form.data, !data.isEmpty else { throw DomainError.invalid(field: "file", code: "error.fileRequired") }
            let rows = try await run(data, dryRun, c)
            return PageResponse(status: .ok, html: page(c, kind: kind, action: action, back: back,
                                                        result: .init(rows: rows, dryRun: dryRun, fileData: dryRun ? data : nil), errors: []))
        } catch DomainError.invalid(let errors) {
            return PageResponse(status: .unprocessableEntity, html: page(c, kind: kind, action: action, back: back, result: nil, errors: errors))
        }
    }
}
