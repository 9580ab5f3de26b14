import Domain
import Vapor

enum ErrorPage {
    static func render(_ failure: Failure, _ c: PageContext) -> HTML {
        let errors: [HTML] = failure.fieldErrors.map { "<li>\(c.message($0))</li>" }
        var back: HTML = c.user == nil ? "<a class=\"button\" href=\"/login\">\(c.t("nav.signIn"))</a>" : "<a class=\"button\" href=\"/\">\(c.t("nav.home"))</a>"
        // Too large: back to the form (the browser keeps what was typed there).
        if failure.type == "too-large", let form = failure.backTo {
            let home = back
            back = "<a class=\"button primary\" href=\"\(form)\">\(c.t("upload.backToForm"))</a> \(home)"
        }
        return Layout.page(c, title: c.t(failure.titleKey), """
        <section class="error-page" data-problem="\(failure.type)">
        <p class="status">\(Int(failure.status.code))</p>
        <h1>\(c.t(failure.titleKey))</h1>
        \(failure.detail.map { HTML("<p>\($0)</p>") })
        \(HTML.when(!errors.isEmpty, "<ul class=\"errors\">\(errors)</ul>"))
        <p>\(back)</p>
        </section>
        """)
    }
}

extension HTML: AsyncResponseEncodable {
    public func encodeResponse(for request: Request) async throws -> Response {
        let response = Response(status: .ok, body: .init(string: rendered))
        response.headers.contentType = .html
        return response
    }
}

/// An HTML page with a status other than 200 (a form re-shown with its errors is a 422).
struct PageResponse: AsyncResponseEncodable {
    var status: HTTPResponseStatus
    var html: HTML

    func encodeResponse(for request: Request) async throws -> Response {
        let response = Response(status: status, body: .init(string: html.rendered))
        response.headers.contentType = .html
        return response
    }
}
