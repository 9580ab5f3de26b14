import Domain
import Features
import Foundation
import Vapor

/// The starter set on the document register's pages (ADR 0014): the card offering it, writing the
/// drafts, a document's "the data behind it changed" and the merged draft.
extension DocumentPages {
    /// The starter set: which are written (and whether their data changed), and a form writing the
    /// others as drafts in a chosen language.
    static func startersCard(_ c: PageContext, _ starters: [StarterStatus]) -> HTML {
        let missing = starters.filter { $0.document == nil }
        let items: [HTML] = starters.map { s in
            if let d = s.document {
                let flag: HTML = s.changes.isEmpty ? .empty : " <span class=\"badge pending\">\(c.t("starter.changedBadge"))</span>"
                return "<li><a href=\"\(c.w("/documents/\(d.id)"))\">\(d.code) \(d.title)</a> \(Self.status(d.status, c))\(flag)</li>"
            }
            return "<li>\(Form.checkbox("keys[]", s.template.title(c.language), checked: true, value: s.template.key))</li>"
        }
        let languages = [(value: "ja", label: "日本語"), (value: "en", label: "English")]
        return """
        <section class="card" id="starters"><h2>\(c.t("starter.title"))</h2><p class="hint">\(c.t("starter.intro"))</p>
        \(Form.open(c.w("/documents/starters"), c, id: "starters-form"))
        <ul class="plain starters">\(items)</ul>
        \(HTML.when(!missing.isEmpty, HTML("""
        \(Form.select("language", c.t("starter.language"), options: languages, selected: c.language.rawValue, errors: [], c, id: "starter-language"))
        \(Form.submit(c.t("starter.generate")))
        """)))
        \(Form.close())
        </section>
        """
    }

    @Sendable func generateStarters(_ req: Request) async throws -> Response {
        let access = try req.access()
        struct Body: Content { var keys: [String]?; var language: String? }
        let body = try req.content.decode(Body.self)
        let language = body.language.flatMap(Language.init(rawValue:)) ?? req.language
        let created = try await StarterDocuments(req.meguri).generate(access, keys: body.keys ?? [], language: language, context: try req.context())
        let c = PageContext(request: req)
        return req.redirect(to: c.w("/documents#starters"), flash: req.t(created.isEmpty ? "starter.noneChosen" : "starter.generated", ["count": String(created.count)]))
    }

    @Sendable func redraftStarter(_ req: Request) async throws -> Response {
        let access = try req.access()
        let id = try documentID(req)
        let version = try await StarterDocuments(req.meguri).redraft(access, id, context: try req.context())
        // With an earlier version to compare with, the changed passages are shown marked.
        let target = version.number > 1 ? "/documents/\(id)/compare?to=\(version.number)" : "/documents/\(id)"
        return req.redirect(to: PageContext(request: req).w(target), flash: req.t(version.number > 1 ? "starter.redrafted" : "starter.redraftedFirst", ["label": version.label]))
    }

    /// "The data behind this document changed": each changed fact, before and after, and a new draft.
    static func starterChanges(_ c: PageContext, _ d: ControlledDocument, _ changes: [StarterFactChange], writes: Bool, open: Bool) -> HTML {
        guard !changes.isEmpty else { return .empty }
        let rows: [HTML] = changes.map { change in
            "<tr><th scope=\"row\">\(c.t("starter.fact.label.\(change.name)"))</th><td class=\"prose\"><del>\(change.before)</del></td><td class=\"prose\"><ins>\(change.after)</ins></td></tr>"
        }
        return """
        <section class="card warning" id="starter-changes"><h2>\(c.t("starter.changedTitle"))</h2><p>\(c.t("starter.changedIntro"))</p>
        <div class="table-scroll"><table class="table"><thead><tr><th>\(c.t("starter.fact"))</th><th>\(c.t("starter.before"))</th><th>\(c.t("starter.after"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
        \(HTML.when(writes && !open, HTML("\(Form.open(c.w("/documents/\(d.id)/starter-draft"), c))\(Form.submit(c.t("starter.redraft")))\(Form.close())")))
        \(HTML.when(writes && open, HTML("<p class=\"hint\">\(c.t("starter.finishOpenFirst"))</p>")))
        </section>
        """
    }
}
