import Domain
import Features
import Foundation
import Vapor

/// The notification list, the account's choices, the one-click unsubscribe, the workspace's
/// notification settings and, without e-mail, the pending invitation links as CSV.
struct NotificationPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "notifications", access: .signedIn, use: list)
        routes.endpoint(.POST, "notifications", "read", access: .signedIn, use: markAllRead)
        routes.endpoint(.GET, "notifications", ":noticeID", access: .signedIn, use: open)
        routes.endpoint(.POST, "account", "notifications", access: .signedIn, use: savePreferences)
        routes.endpoint(.GET, "unsubscribe", ":token", ":kind", access: .anyone, use: unsubscribeForm)
        // RFC 8058: a mail client posts `List-Unsubscribe=One-Click` without cookies; the secret
        // token in the address is the authority, so there is no CSRF token to check.
        routes.endpoint(.POST, "unsubscribe", ":token", ":kind", access: .anyone, csrfExempt: true, use: unsubscribe)
        routes.endpoint(.GET, "w", ":slug", "settings", "notifications", access: .workspace(.workspaceManage), use: settings)
        routes.endpoint(.POST, "w", ":slug", "settings", "notifications", access: .workspace(.workspaceManage), use: saveSettings)
        routes.endpoint(.POST, "w", ":slug", "members", "invitation-links", access: .workspace(.membersManage), use: invitationLinks)
    }

    // MARK: The list

    @Sendable func list(_ req: Request) async throws -> HTML {
        let user = try req.requireUser()
        let c = try await PageContext.make(req)
        let unreadOnly = req.queryValue("unread") == "true"
        let page = try await Notifications(services: req.meguri).list(user, unreadOnly: unreadOnly, page: try req.pageRequest())
        let names = Dictionary(uniqueKeysWithValues: c.workspaces.map { ($0.id, $0.name) })
        let rows: [HTML] = page.items.map { n in
            let due = n.due.map { " · " + c.t("notice.due", ["due": $0.description]) } ?? ""
            return """
            <li class="notice-item\(n.readAt == nil ? " unread" : "")">
            <span class="badge \(n.kind == .overdue ? "overdue" : (n.kind == .dueSoon ? "due" : "info"))">\(c.t("noticeKind.\(n.kind.rawValue)"))</span>
            <a href="/notifications/\(n.id)">\(c.localizer.text(n.titleKey, c.language, n.params))</a>
            <span class="muted">\(names[n.workspaceID] ?? "") · \(c.timestamp(n.createdAt))\(due)</span>
            \(HTML.when(n.readAt == nil, "<span class=\"sr-only\">\(c.t("notice.unread"))</span>"))
            </li>
            """
        }
        let filter: HTML = """
        <p class="filters"><a href="/notifications"\(unreadOnly ? HTML.empty : HTML(" aria-current=\"page\""))>\(c.t("notice.all"))</a> ·
        <a href="/notifications?unread=true"\(unreadOnly ? HTML(" aria-current=\"page\"") : HTML.empty)>\(c.t("notice.unreadOnly"))</a></p>
        """
        let actions: HTML = c.unreadNotifications > 0 ? """
        \(Form.open("/notifications/read", c))<button type="submit" class="secondary">\(c.t("notice.markAllRead"))</button>\(Form.close())
        """ : .empty
        return Layout.page(c, title: c.t("notice.title"), """
        \(Components.pageHeader(c.t("notice.title"), subtitle: c.t("notice.subtitle"), actions: actions))
        \(filter)
        \(page.items.isEmpty ? Components.empty(c.t(unreadOnly ? "notice.noneUnread" : "notice.none")) : HTML("<ul class=\"notice-list\">\(rows)</ul>"))
        \(Components.pager(c, nextCursor: page.nextCursor, total: page.total, basePath: "/notifications", query: unreadOnly ? ["unread": "true"] : [:]))
        <p class="hint"><a href="/account#notifications">\(c.t("notice.preferencesLink"))</a></p>
        """)
    }

    @Sendable func open(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let notifications = Notifications(services: req.meguri)
        // Only the person's own notice; one that is gone (kept 180 days) or another's leads back
        // to the list, which says nothing about anyone else's.
        guard let id = req.parameters.get("noticeID").flatMap(AppNotification.ID.init), let notice = try await notifications.notice(user, id) else {
            return req.redirect(to: "/notifications", flash: req.t("notice.gone"))
        }
        if notice.readAt == nil { try await notifications.markRead(user, ids: [id]) }
        return req.redirect(to: notice.link.hasPrefix("/") && !notice.link.hasPrefix("//") ? notice.link : "/notifications")
    }

    @Sendable func markAllRead(_ req: Request) async throws -> Response {
        let changed = try await Notifications(services: req.meguri).markRead(try req.requireUser(), ids: nil)
        return req.redirect(to: "/notifications", flash: req.t("notice.markedRead", ["count": String(changed)]))
    }

    // MARK: The account's choices

    struct PreferencesForm: Content {
        var digestApp: String?
        var digestEmail: String?
        var email: [String]?
    }

    @Sendable func savePreferences(_ req: Request) async throws -> Response {
        let form = try req.content.decode(PreferencesForm.self)
        do {
            _ = try await Notifications(services: req.meguri).savePreferences(try req.requireUser(), digestApp: form.digestApp, digestEmail: form.digestEmail,
                                                                             emailKinds: form.email ?? [], context: try req.context())
            return req.redirect(to: "/account#notifications", flash: req.t("notice.preferencesSaved"))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: AccountPages().page(req, .init(errors: errors))).encodeResponse(for: req)
        }
    }

    /// The account page's section.
    static func preferencesSection(_ c: PageContext, _ prefs: NotificationPreferences, mailConfigured: Bool, errors: [FieldError]) -> HTML {
        let frequencies = DigestFrequency.allCases.map { (value: $0.rawValue, label: c.t("digest.\($0.rawValue)")) }
        let kinds: [HTML] = NoticeKind.optional.filter { $0 != .digest }.map { kind in
            Form.checkbox("email[]", c.t("noticeKind.\(kind.rawValue)"), checked: prefs.emails(kind), value: kind.rawValue, hint: c.t("noticeKind.\(kind.rawValue).hint"))
        }
        return """
        <section class="card" id="notifications"><h2>\(c.t("notice.preferences"))</h2>
        <p class="hint">\(c.t(mailConfigured ? "notice.preferencesIntro" : "notice.preferencesNoMail"))</p>
        \(Form.open("/account/notifications", c))
        <div class="row">
        \(Form.select("digestApp", c.t("field.digestApp"), options: frequencies, selected: prefs.digestFrequency(.app).rawValue, errors: errors, c))
        \(Form.select("digestEmail", c.t("field.digestEmail"), options: frequencies, selected: prefs.digestFrequency(.email).rawValue, errors: errors, c))
        </div>
        <fieldset><legend>\(c.t("field.emailKinds"))</legend>\(kinds)</fieldset>
        \(Form.submit(c.t("form.save")))
        \(Form.close())
        </section>
        """
    }

    // MARK: One-click unsubscribe

    func kind(_ req: Request) throws -> NoticeKind {
        guard let kind = req.parameters.get("kind").flatMap(NoticeKind.init(rawValue:)), NoticeKind.optional.contains(kind) else {
            throw DomainError.notFound(entity: "notification")
        }
        return kind
    }

    @Sendable func unsubscribeForm(_ req: Request) async throws -> HTML {
        let kind = try kind(req)
        let token = req.parameters.get("token") ?? ""
        let c = try await PageContext.make(req)
        return Layout.page(c, title: c.t("unsubscribe.title"), """
        \(Components.pageHeader(c.t("unsubscribe.title")))
        <div class="card"><p>\(c.t("unsubscribe.ask", ["kind": c.t("noticeKind.\(kind.rawValue)")]))</p>
        \(Form.open("/unsubscribe/\(Components.encode(token))/\(kind.rawValue)", c))\(Form.submit(c.t("unsubscribe.confirm")))\(Form.close())
        </div>
        """)
    }

    @Sendable func unsubscribe(_ req: Request) async throws -> Response {
        let kind = try kind(req)
        guard let prefs = try await Notifications(services: req.meguri).unsubscribe(token: req.parameters.get("token") ?? "", kind: kind) else {
            throw DomainError.notFound(entity: "notification")
        }
        _ = prefs
        // A mail client's one-click post wants a plain success; a person sees a page.
        if (try? req.content.get(String.self, at: "List-Unsubscribe")) == "One-Click" {
            return Response(status: .ok, body: .init(string: "unsubscribed"))
        }
        let c = try await PageContext.make(req)
        return try await Layout.page(c, title: c.t("unsubscribe.title"), """
        \(Components.pageHeader(c.t("unsubscribe.title")))
        <div class="notice" role="status"><p>\(c.t("unsubscribe.done", ["kind": c.t("noticeKind.\(kind.rawValue)")]))</p></div>
        <p><a href="/account#notifications">\(c.t("notice.preferencesLink"))</a></p>
        """).encodeResponse(for: req)
    }

    // MARK: The workspace's settings

    struct SettingsForm: Content {
        var dueSoonDays: String?
        var webhookUrl: String?
        var webhookFormat: String?
        var webhookLanguage: String?
        var rotateSecret: String?
    }

    @Sendable func settings(_ req: Request) async throws -> HTML {
        let access = try req.access()
        return try await settingsPage(req, try await Notifications(services: req.meguri).workspaceSettings(access), form: nil, errors: [])
    }

    func settingsPage(_ req: Request, _ settings: NotificationSettings, form: SettingsForm?, errors: [FieldError]) async throws -> HTML {
        let c = try await PageContext.make(req)
        let mail = req.meguri.notifier.mail
        let formats = WebhookFormat.allCases.map { (value: $0.rawValue, label: c.t("webhook.\($0.rawValue)")) }
        let languages = [(value: "ja", label: "日本語"), (value: "en", label: "English")]
        return Layout.page(c, title: c.t("notice.settings"), """
        \(Components.pageHeader(c.t("notice.settings"), subtitle: c.workspace?.name))
        \(Form.errorSummary(errors, c))
        <section class="card"><h2>\(c.t("notice.mailStatus"))</h2>
        <p>\(mail.map { c.t("notice.mailOn", ["host": $0.host, "from": $0.from.address]) } ?? c.t("notice.mailOff"))</p>
        </section>
        \(Form.open(c.w("/settings/notifications"), c))
        <section class="card"><h2>\(c.t("notice.reminders"))</h2>
        \(Form.text("dueSoonDays", c.t("field.dueSoonDays"), value: form?.dueSoonDays ?? String(settings.dueSoonDays), errors: errors, c, type: "number", required: true,
                    hint: c.t("hint.dueSoonDays"), attributes: " min=\"1\" max=\"60\" inputmode=\"numeric\""))
        </section>
        <section class="card"><h2>\(c.t("notice.webhook"))</h2>
        <p class="hint">\(c.t("hint.webhook"))</p>
        \(Form.text("webhookUrl", c.t("field.webhookUrl"), value: form?.webhookUrl ?? settings.webhookURL, errors: errors, c, type: "url",
                    attributes: " placeholder=\"https://hooks.slack.com/services/…\""))
        <div class="row">
        \(Form.select("webhookFormat", c.t("field.webhookFormat"), options: formats, selected: form?.webhookFormat ?? settings.webhookFormat.rawValue, errors: errors, c))
        \(Form.select("webhookLanguage", c.t("field.webhookLanguage"), options: languages, selected: form?.webhookLanguage ?? settings.webhookLanguage.rawValue, errors: errors, c))
        </div>
        <p>\(c.t("field.webhookSecret")): <code class="secret wrap">\(settings.webhookSecret)</code></p>
        \(Form.checkbox("rotateSecret", c.t("notice.rotateSecret"), checked: false, hint: c.t("hint.rotateSecret")))
        </section>
        \(Form.submit(c.t("form.save")))
        \(Form.close())
        """)
    }

    @Sendable func saveSettings(_ req: Request) async throws -> Response {
        let access = try req.access()
        let form = try req.content.decode(SettingsForm.self)
        let notifications = Notifications(services: req.meguri)
        do {
            _ = try await notifications.saveWorkspaceSettings(access, NotificationSettingsInput(dueSoonDays: form.dueSoonDays, webhookURL: form.webhookUrl ?? "",
                                                                                               webhookFormat: form.webhookFormat, webhookLanguage: form.webhookLanguage),
                                                              rotateSecret: form.rotateSecret == "true", context: try req.context())
            return req.redirect(to: "/w/\(access.workspace.slug)/settings/notifications", flash: req.t("notice.settingsSaved"))
        } catch DomainError.invalid(let errors) {
            let current = try await notifications.workspaceSettings(access)
            return try await PageResponse(status: .unprocessableEntity, html: settingsPage(req, current, form: form, errors: errors)).encodeResponse(for: req)
        }
    }

    // MARK: Invitation links without e-mail

    @Sendable func invitationLinks(_ req: Request) async throws -> Response {
        let access = try req.access()
        if req.meguri.notifier.mail != nil { throw DomainError.rule(code: "error.invitationsByMail") }
        let issued = try await Members(req.meguri).reissuePendingInvitations(access, context: try req.context())
        let base = PageContext(request: req).baseURL
        var rows = [[req.t("field.email"), req.t("field.displayName"), req.t("members.invitationLinkColumn")]]
        rows += issued.map { [$0.member.email, $0.member.displayName, "\(base)/invitation/\($0.secret)"] }
        guard let data = CSV.encode(rows) else { throw Abort(.internalServerError) }
        let response = Exporting.file(data, name: "invitations-\(access.workspace.slug)", format: .csv)
        response.headers.replaceOrAdd(name: "Cache-Control", value: "no-store")
        return response
    }
}
