import Domain
import Foundation

/// The page shell: top bar (workspace switcher, language, account), the PDCA navigation inside a
/// workspace, and the main content.
enum Layout {
    static func page(_ c: PageContext, title: String, wide: Bool = false, _ content: HTML) -> HTML {
        let content = HTML(raw: FieldLabels.resolve(content.rendered, c))
        return """
        <!doctype html>
        <html lang="\(c.language.rawValue)">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title) · Meguri</title>
        <link rel="stylesheet" href="/static/meguri.css">
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
        <script src="/static/meguri.js" defer></script>
        </head>
        <body>
        <a class="skip" href="#main">\(c.t("nav.skip"))</a>
        \(topbar(c))
        <div class="shell\(c.access == nil ? " shell-plain" : "")">
        \(c.access.map { sidebar(c, $0.workspace) })
        <main id="main" class="\(wide ? "wide" : "")" tabindex="-1">
        \(c.flash.map { flash in HTML("<p class=\"flash\" role=\"status\">\(flash)</p>") })
        \(content)
        </main>
        </div>
        <footer class="footer"><span>Meguri · \(c.t("footer.tagline"))</span></footer>
        </body>
        </html>
        """
    }

    static func topbar(_ c: PageContext) -> HTML {
        let home = c.user == nil ? "/login" : "/"
        return """
        <header class="topbar">
        <a class="brand" href="\(home)"><img src="/static/favicon.svg" alt="" width="24" height="24"> Meguri</a>
        \(c.user == nil ? HTML.empty : switcher(c))
        <div class="topbar-right">
        \(languageSwitch(c))
        \(c.user == nil ? HTML.empty : bell(c))
        \(c.user.map { account(c, $0) })
        </div>
        </header>
        """
    }

    static func switcher(_ c: PageContext) -> HTML {
        let current = c.workspace?.name ?? c.t("nav.chooseWorkspace")
        let items: [HTML] = c.workspaces.map { w in
            "<li><a href=\"/w/\(w.slug)\"\(w.id == c.workspace?.id ? HTML(" aria-current=\"true\"") : .empty)>\(w.name) <span class=\"muted\">\(w.slug)</span></a></li>"
        }
        return """
        <details class="menu switcher">
        <summary><span class="sr-only">\(c.t("nav.workspace")): </span>\(current)</summary>
        <ul>\(items)
        <li class="menu-sep"><a href="/workspaces">\(c.t("nav.allWorkspaces"))</a></li>
        </ul>
        </details>
        """
    }

    static func languageSwitch(_ c: PageContext) -> HTML {
        let other: Language = c.language == .ja ? .en : .ja
        return """
        <form method="post" action="/language" class="inline lang-switch">
        <input type="hidden" name="_csrf" value="\(c.csrfToken)">
        <input type="hidden" name="next" value="\(c.path)">
        <input type="hidden" name="language" value="\(other.rawValue)">
        <button type="submit" class="link" lang="\(other.rawValue)" title="\(c.t("nav.language"))">\(other == .ja ? "日本語" : "English")</button>
        </form>
        """
    }

    /// The notification list, with the unread count.
    static func bell(_ c: PageContext) -> HTML {
        let count = c.unreadNotifications
        let label = count == 0 ? c.t("notice.title") : c.t("notice.unreadCount", ["count": String(count)])
        return """
        <a class="bell" href="/notifications" title="\(label)" aria-label="\(label)"><svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/></svg>\(count > 0 ? HTML("<span class=\"count\">\(count > 99 ? "99+" : String(count))</span>") : HTML.empty)</a>
        """
    }

    static func account(_ c: PageContext, _ user: User) -> HTML {
        """
        <details class="menu account-menu">
        <summary>\(user.displayName)</summary>
        <ul>
        <li><a href="/account">\(c.t("nav.account"))</a></li>
        \(HTML.when(user.isAdministrator, "<li><a href=\"/admin/users\">\(c.t("nav.admin"))</a></li>"))
        <li class="menu-sep"><form method="post" action="/logout"><input type="hidden" name="_csrf" value="\(c.csrfToken)"><button type="submit" class="link">\(c.t("nav.signOut"))</button></form></li>
        </ul>
        </details>
        """
    }

    static func sidebar(_ c: PageContext, _ workspace: Workspace) -> HTML {
        func link(_ path: String, _ key: String) -> HTML {
            let href = c.w(path)
            let current = c.path.split(separator: "?").first.map(String.init) == href
            return "<li><a href=\"\(href)\"\(current ? HTML(" aria-current=\"page\"") : .empty)>\(c.t(key))</a></li>"
        }
        let phases: [HTML] = Navigation.phases.map { phase in
            let items: [HTML] = phase.capabilities.map { cap in
                // Documents: the register for those who keep or read it, the reading list for everyone else.
                if cap.key == "documents" { return link(c.access?.allows(.documentsRead) == true ? "/documents" : "/reading", "cap.\(cap.key)") }
                if let path = cap.path { return c.access?.allows(cap.permission) == true ? link(path, "cap.\(cap.key)") : .empty }
                return "<li><a class=\"planned\" href=\"\(c.w("/\(phase.key)"))#\(cap.key)\">\(c.t("cap.\(cap.key)"))</a></li>"
            }
            return """
            <li class="phase"><a class="phase-title" href="\(c.w("/\(phase.key)"))"><span class="phase-badge phase-\(phase.key)">\(phase.key.prefix(1).uppercased())</span>\(c.t("phase.\(phase.key)"))</a>
            <ul>\(items)</ul></li>
            """
        }
        let access = c.access!
        // On a phone the menu folds behind a toggle, so the page itself comes first (no script needed).
        return """
        <nav class="sidebar" aria-label="\(c.t("nav.main"))">
        <input type="checkbox" id="nav-toggle" class="nav-toggle sr-only"><label for="nav-toggle" class="nav-toggle-label">\(c.t("nav.menu"))</label>
        <ul class="nav-list">
        \(link("", "nav.myWork"))
        \(HTML.when(access.allows(.planRead), link("/annual-plan", "cap.annualPlan")))
        \(phases)
        <li class="phase"><span class="phase-title">\(c.t("nav.workspaceAdmin"))</span>
        <ul>
        \(HTML.when(access.allows(.membersRead), link("/members", "nav.members")))
        \(link("/departments", "nav.departments"))
        \(HTML.when(access.allows(.auditTrailRead), link("/audit-trail", "nav.auditTrail")))
        \(link("/settings", "nav.settings"))
        </ul></li>
        </ul>
        </nav>
        """
    }
}
