import Domain
import Foundation

/// Form pieces that show their label, hint and errors the same way everywhere, and work without
/// JavaScript. A field's errors are linked to it with `aria-describedby`.
enum Form {
    /// `maxBytes`: the largest body the route accepts; the page's script refuses a bigger file
    /// before sending (the server would answer 413 and the form would be gone).
    static func open(_ action: String, _ c: PageContext, multipart: Bool = false, maxBytes: Int? = nil, id: String? = nil) -> HTML {
        """
        <form method="post" action="\(action)"\(multipart ? HTML(" enctype=\"multipart/form-data\"") : .empty)\(id.map { HTML(" id=\"\($0)\"") })\(maxBytes.map { uploadLimit(c, $0) })>
        <input type="hidden" name="_csrf" value="\(c.csrfToken)">
        """
    }

    /// The attributes that state an upload's limit to the script, in the reader's language.
    static func uploadLimit(_ c: PageContext, _ bytes: Int) -> HTML {
        let megabytes = String(format: "%g", (Double(bytes) / 1_048_576 * 10).rounded(.down) / 10)
        return " data-max-bytes=\"\(bytes)\" data-too-big=\"\(c.t("upload.tooBig", ["mb": megabytes]))\""
    }

    static func close() -> HTML { "</form>" }

    static func version(_ version: Int) -> HTML { "<input type=\"hidden\" name=\"version\" value=\"\(version)\">" }

    static func hidden(_ name: String, _ value: String) -> HTML { "<input type=\"hidden\" name=\"\(name)\" value=\"\(value)\">" }

    /// The list of problems at the top of a form, each linking to its field.
    static func errorSummary(_ errors: [FieldError], _ c: PageContext) -> HTML {
        guard !errors.isEmpty else { return .empty }
        let items: [HTML] = errors.map { "<li><a href=\"#f-\($0.field)\">\(c.namedMessage($0))</a></li>" }
        return """
        <div class="error-summary" role="alert" tabindex="-1">
        <h2>\(c.t("form.errorsTitle", ["count": String(errors.count)]))</h2>
        <ul>\(items)</ul>
        </div>
        """
    }

    static func fieldErrors(_ name: String, _ errors: [FieldError], _ c: PageContext) -> (HTML, HTML) {
        let mine = errors.filter { $0.field == name }
        guard !mine.isEmpty else { return (.empty, .empty) }
        let messages: [HTML] = mine.map { "<span>\(c.message($0))</span>" }
        return (" aria-invalid=\"true\" aria-describedby=\"e-\(name)\"", "<p class=\"field-error\" id=\"e-\(name)\">\(messages)</p>")
    }

    static func text(_ name: String, _ label: String, value: String?, errors: [FieldError], _ c: PageContext, type: String = "text",
                     required: Bool = false, hint: String? = nil, autocomplete: String? = nil, attributes: HTML = .empty, id: String? = nil,
                     errorField: String? = nil) -> HTML {
        let field = errorField ?? name
        let (aria, message) = fieldErrors(field, errors, c)
        let id = id ?? "f-\(field)"
        return """
        <div class="field\(errors.contains { $0.field == field } ? " has-error" : "")">
        <label for="\(id)">\(label)\(required ? HTML(" <span class=\"req\" aria-hidden=\"true\">*</span>") : .empty)</label>
        \(hint.map { HTML("<p class=\"hint\" id=\"h-\(name)\">\($0)</p>") })
        \(message)
        <input id="\(id)" name="\(name)" type="\(type)" value="\(value ?? "")"\(required ? HTML(" required") : .empty)\(autocomplete.map { HTML(" autocomplete=\"\($0)\"") })\(aria)\(attributes)>
        </div>
        """
    }

    /// `errorField` names the errors that belong here when it differs from `name` (one of several
    /// items in one form); the field's id is then `f-` + `errorField`.
    static func textarea(_ name: String, _ label: String, value: String?, errors: [FieldError], _ c: PageContext, rows: Int = 4,
                         hint: String? = nil, errorField: String? = nil) -> HTML {
        let field = errorField ?? name
        let (aria, message) = fieldErrors(field, errors, c)
        return """
        <div class="field\(errors.contains { $0.field == field } ? " has-error" : "")">
        <label for="f-\(field)">\(label)</label>
        \(hint.map { HTML("<p class=\"hint\">\($0)</p>") })
        \(message)
        <textarea id="f-\(field)" name="\(name)" rows="\(rows)"\(aria)>\(value ?? "")</textarea>
        </div>
        """
    }

    static func select(_ name: String, _ label: String, options: [(value: String, label: String)], selected: String?, errors: [FieldError],
                       _ c: PageContext, required: Bool = false, hint: String? = nil, id: String? = nil) -> HTML {
        let (aria, message) = fieldErrors(name, errors, c)
        let id = id ?? "f-\(name)"
        let items: [HTML] = options.map { "<option value=\"\($0.value)\"\($0.value == (selected ?? "") ? HTML(" selected") : .empty)>\($0.label)</option>" }
        return """
        <div class="field\(errors.contains { $0.field == name } ? " has-error" : "")">
        <label for="\(id)">\(label)\(required ? HTML(" <span class=\"req\" aria-hidden=\"true\">*</span>") : .empty)</label>
        \(hint.map { HTML("<p class=\"hint\">\($0)</p>") })
        \(message)
        <select id="\(id)" name="\(name)"\(aria)>\(items)</select>
        </div>
        """
    }

    static func checkbox(_ name: String, _ label: String, checked: Bool, value: String = "true", hint: String? = nil) -> HTML {
        """
        <div class="field checkbox">
        <input type="checkbox" id="f-\(name)-\(value)" name="\(name)" value="\(value)"\(checked ? HTML(" checked") : .empty)>
        <label for="f-\(name)-\(value)">\(label)</label>
        \(hint.map { HTML("<p class=\"hint\">\($0)</p>") })
        </div>
        """
    }

    static func submit(_ label: String, secondary: (String, String)? = nil) -> HTML {
        """
        <div class="actions"><button type="submit" class="primary">\(label)</button>\(secondary.map { HTML("<a class=\"button\" href=\"\($0.1)\">\($0.0)</a>") })</div>
        """
    }
}

enum Components {
    /// Long text in a table cell: at most two lines (the whole text on hover and on the record's
    /// page), so it never squeezes the short columns beside it.
    static func long(_ text: String) -> HTML { "<span class=\"long-text\" title=\"\(text)\">\(text)</span>" }

    static func pageHeader(_ title: String, subtitle: String? = nil, actions: HTML = .empty) -> HTML {
        """
        <div class="page-header"><div><h1>\(title)</h1>\(subtitle.map { HTML("<p class=\"subtitle\">\($0)</p>") })</div><div class="page-actions">\(actions)</div></div>
        """
    }

    static func empty(_ message: String, action: HTML = .empty) -> HTML {
        "<div class=\"empty\"><p>\(message)</p>\(action)</div>"
    }

    /// Where a list stands and how to move in it, keeping the filters: with the list's length known,
    /// "N items · page n of m", previous and next, nearby page numbers and a jump to any page; without
    /// it (the audit trail, notifications: keyset only), "first page" and "next page".
    /// `limit`: the page length the list was read with when it is not the default (the SoA's 100).
    static func pager(_ c: PageContext, nextCursor: String?, total: Int? = nil, limit: Int? = nil, basePath: String, query: [String: String]) -> HTML {
        var kept = query.filter { !$0.value.isEmpty }
        if let limit = c.pageLimit { kept["limit"] = String(limit) }
        func link(_ extra: [String: String]) -> String {
            let items = kept.merging(extra) { $1 }.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.encode($0.value))" }
            return basePath + (items.isEmpty ? "" : "?" + items.joined(separator: "&"))
        }
        guard let total, !c.path.contains("cursor=") else {
            guard let nextCursor else { return .empty }
            return """
            <nav class="pager" aria-label="\(c.t("pager.label"))">
            <a href="\(link([:]))">\(c.t("pager.first"))</a>
            <a href="\(link(["cursor": nextCursor]))" rel="next">\(c.t("pager.next"))</a>
            </nav>
            """
        }
        let limit = max(1, c.pageLimit ?? limit ?? PageRequest.defaultLimit)
        let pages = max(1, (total + limit - 1) / limit), current = min(max(1, c.pageNumber), 1_000_000)
        let count: HTML = "<span class=\"pager-count\">\(c.t("pager.count", ["total": Self.grouped(total), "page": String(current), "pages": String(pages)]))</span>"
        guard pages > 1 || current > 1 else { return total == 0 ? .empty : "<nav class=\"pager\" aria-label=\"\(c.t("pager.label"))\">\(count)</nav>" }
        func page(_ n: Int) -> String { link(["page": n == 1 ? "" : String(n)]) }
        var numbers: [HTML] = []
        var last = 0
        // Pages near the one asked for (past the end: near the last), never an empty range.
        let near = min(current, pages), low = max(1, near - 2), high = max(low, min(pages, near + 2))
        let shown = Set([1, pages] + Array(low...high)).sorted()
        for n in shown {
            if n > last + 1 { numbers.append("<span class=\"pager-gap\" aria-hidden=\"true\">…</span>") }
            numbers.append(n == current ? "<span class=\"pager-current\" aria-current=\"page\">\(n)</span>" : "<a href=\"\(page(n))\">\(n)</a>")
            last = n
        }
        let hidden: [HTML] = kept.sorted { $0.key < $1.key }.map { Form.hidden($0.key, $0.value) }
        return """
        <nav class="pager" aria-label="\(c.t("pager.label"))">
        \(count)
        \(HTML.when(current > 1, HTML("<a href=\"\(page(min(current - 1, pages)))\" rel=\"prev\">\(c.t("pager.previous"))</a>")))
        <span class="pager-pages">\(numbers)</span>
        \(HTML.when(current < pages, HTML("<a href=\"\(page(current + 1))\" rel=\"next\">\(c.t("pager.next"))</a>")))
        <form method="get" action="\(basePath)" class="pager-jump">\(hidden)
        <label for="pager-page">\(c.t("pager.jump"))</label>
        <input id="pager-page" name="page" type="number" min="1" max="\(pages)" value="\(min(current, pages))" inputmode="numeric">
        <button type="submit">\(c.t("pager.go"))</button>
        </form>
        </nav>
        """
    }

    /// A colour sample drawn as SVG (a presentation attribute, not an inline style, so CSP allows it).
    static func swatch(_ colour: String) -> HTML {
        let safe = colour.count == 7 && colour.hasPrefix("#") && colour.dropFirst().allSatisfy(\.isHexDigit) ? colour : "#cccccc"
        return "<svg class=\"swatch\" width=\"14\" height=\"14\" viewBox=\"0 0 14 14\" aria-hidden=\"true\"><rect width=\"14\" height=\"14\" rx=\"3\" fill=\"\(safe)\"/></svg>"
    }

    /// 12,345: digits grouped in threes (the same in both languages).
    static func grouped(_ number: Int) -> String {
        let digits = Array(String(abs(number)))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return (number < 0 ? "-" : "") + out
    }

    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? value
    }

    static func roleBadges(_ grants: [RoleGrant], departments: [Department.ID: String], _ c: PageContext) -> HTML {
        let badges: [HTML] = grants.map { grant in
            var label = c.localizer.role(grant.role, c.language)
            if let department = grant.departmentID.flatMap({ departments[$0] }) { label += "（\(department)）" }
            if let expiry = grant.expiresOn { label += " " + c.t("member.until", ["date": expiry.description]) }
            let expired = grant.expiresOn.map { $0 < (c.access?.today ?? CalendarDate(Date(), in: c.zone)) } ?? false
            return "<span class=\"badge role-\(grant.role.rawValue)\(expired ? " expired" : "")\">\(label)</span>"
        }
        return badges.joined()
    }
}
