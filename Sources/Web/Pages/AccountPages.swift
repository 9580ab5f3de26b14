import Domain
import Features
import Foundation
import Vapor

/// The signed-in person's own page: name and language, password, two-step sign-in, API tokens.
struct AccountPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "account", access: .signedIn, use: show)
        routes.endpoint(.POST, "account", "profile", access: .signedIn, use: profile)
        routes.endpoint(.POST, "account", "password", access: .signedIn, use: password)
        routes.endpoint(.POST, "account", "two-step", "start", access: .signedIn, use: startTwoStep)
        routes.endpoint(.POST, "account", "two-step", "confirm", access: .signedIn, use: confirmTwoStep)
        routes.endpoint(.POST, "account", "two-step", "disable", access: .signedIn, use: disableTwoStep)
        routes.endpoint(.POST, "account", "two-step", "recovery-codes", access: .signedIn, use: recoveryCodes)
        routes.endpoint(.POST, "account", "tokens", access: .signedIn, use: createToken)
        routes.endpoint(.POST, "account", "tokens", ":tokenID", "revoke", access: .signedIn, use: revokeToken)
    }

    struct State {
        var errors: [FieldError] = []
        var profile: ProfileForm?
        var enrolment: Account.Enrolment?
        var recoveryCodes: [String]?
        var newToken: Account.IssuedToken?
        var tokenForm: TokenForm?
    }

    @Sendable func show(_ req: Request) async throws -> HTML {
        try await page(req, State())
    }

    func page(_ req: Request, _ state: State) async throws -> HTML {
        let user = try req.requireUser()
        let c = try await PageContext.make(req)
        let account = Account(req.meguri)
        let enrolment: Account.Enrolment? = if let e = state.enrolment { e } else if !user.totpEnabled { try await account.pendingTOTP(user) } else { nil }
        let tokens = try await account.tokens(of: user)
        let feed = PlanPages.feedURL(req, try await CalendarFeeds(req.meguri).personal(user))
        let noticePrefs = try await Notifications(services: req.meguri).preferences(user)
        let remaining = user.totpEnabled ? try await account.remainingRecoveryCodes(user) : 0
        let e = state.errors
        let profile = state.profile ?? ProfileForm(displayName: user.displayName, language: user.language?.rawValue ?? "auto")
        let workspaceNames = Dictionary(uniqueKeysWithValues: c.workspaces.map { ($0.id, $0.slug) })

        let twoStep: HTML
        if user.totpEnabled {
            twoStep = """
            <p class="ok">\(c.t("account.twoStepOn"))</p>
            <p>\(c.t("account.recoveryRemaining", ["count": String(remaining)]))</p>
            \(state.recoveryCodes.map { codesBlock(c, $0) })
            <div class="split">
            \(Form.open("/account/two-step/recovery-codes", c))
            \(Form.text("password", c.t("field.password"), value: nil, errors: e.filter { $0.field == "password" }, c, type: "password", required: true, autocomplete: "current-password"))
            \(Form.submit(c.t("account.newRecoveryCodes")))
            \(Form.close())
            \(Form.open("/account/two-step/disable", c))
            \(Form.text("password", c.t("field.password"), value: nil, errors: [], c, type: "password", required: true, autocomplete: "current-password"))
            <div class="actions"><button type="submit" class="danger">\(c.t("account.disableTwoStep"))</button></div>
            \(Form.close())
            </div>
            """
        } else if let enrolment {
            twoStep = """
            <ol class="steps">
            <li>\(c.t("account.enrolStep1"))
            <figure class="qr">\(QRCode.svg(enrolment.uri) ?? .empty)<figcaption>\(c.t("account.enrolQR"))</figcaption></figure>
            <p>\(c.t("account.enrolSecret")) <code class="secret">\(enrolment.secret)</code></p>
            <details><summary>\(c.t("account.enrolURI"))</summary><p><code class="wrap">\(enrolment.uri)</code></p></details></li>
            <li>\(c.t("account.enrolStep2"))
            \(Form.open("/account/two-step/confirm", c))
            \(Form.text("code", c.t("field.code"), value: nil, errors: e, c, required: true, autocomplete: "one-time-code", attributes: " inputmode=\"numeric\""))
            \(Form.submit(c.t("account.enrolConfirm")))
            \(Form.close())</li>
            </ol>
            """
        } else {
            twoStep = """
            <p>\(c.t("account.twoStepOff"))</p>
            \(Form.open("/account/two-step/start", c))\(Form.submit(c.t("account.enableTwoStep")))\(Form.close())
            """
        }

        let tokenRows: [HTML] = tokens.map { token in
            """
            <tr><td>\(token.name)</td><td><code>\(token.prefix)…</code></td><td>\(token.workspaceID.flatMap { workspaceNames[$0] } ?? c.t("account.tokenAllWorkspaces"))</td>
            <td>\(c.timestamp(token.createdAt))</td><td>\(token.lastUsedAt.map(c.timestamp) ?? "—")</td>
            <td>\(token.revokedAt == nil ? HTML("""
            \(Form.open("/account/tokens/\(token.id)/revoke", c))<button type="submit" class="link danger">\(c.t("account.revoke"))</button>\(Form.close())
            """) : HTML("<span class=\"badge expired\">\(c.t("account.revoked"))</span>"))</td></tr>
            """
        }
        let workspaceOptions = [(value: "", label: c.t("account.tokenAllWorkspaces"))] + c.workspaces.map { (value: $0.slug, label: $0.name) }

        return Layout.page(c, title: c.t("account.title"), """
        \(Components.pageHeader(c.t("account.title"), subtitle: user.email))
        \(Form.errorSummary(e, c))
        <section class="card" id="profile"><h2>\(c.t("account.profile"))</h2>
        \(Form.open("/account/profile", c))
        \(Form.text("displayName", c.t("field.displayName"), value: profile.displayName, errors: e, c, required: true, autocomplete: "name"))
        \(Form.select("language", c.t("field.language"), options: [("auto", c.t("account.languageAuto")), ("ja", "日本語"), ("en", "English")],
                      selected: profile.language, errors: e, c))
        \(Form.submit(c.t("form.save")))
        \(Form.close())
        </section>
        <section class="card" id="password"><h2>\(c.t("account.password"))</h2>
        \(Form.open("/account/password", c))
        \(Form.text("currentPassword", c.t("field.currentPassword"), value: nil, errors: e, c, type: "password", required: true, autocomplete: "current-password"))
        \(Form.text("newPassword", c.t("field.newPassword"), value: nil, errors: e, c, type: "password", required: true, hint: c.t("hint.password"), autocomplete: "new-password"))
        \(Form.checkbox("revokeTokens", c.t("account.revokeTokensToo"), checked: false, hint: c.t("account.revokeTokensHint")))
        \(Form.submit(c.t("account.changePassword")))
        \(Form.close())
        </section>
        <section class="card" id="two-step"><h2>\(c.t("account.twoStep"))</h2>
        \(twoStep)
        </section>
        \(NotificationPages.preferencesSection(c, noticePrefs, mailConfigured: req.meguri.notifier.mail != nil, errors: e))
        <section class="card" id="calendar"><h2>\(c.t("calendar.title"))</h2>
        <p class="hint">\(c.t("calendar.hint"))</p>
        <p><input class="copy" readonly value="\(feed)" aria-label="\(c.t("calendar.title"))" id="calendar-url"></p>
        \(Form.open("/account/calendar", c))<div class="actions"><button type="submit">\(c.t("calendar.renew"))</button></div>\(Form.close())
        </section>
        <section class="card" id="tokens"><h2>\(c.t("account.tokens"))</h2>
        <p>\(c.t("account.tokensIntro"))</p>
        \(state.newToken.map { issued in HTML("""
        <div class="notice" role="status"><p>\(c.t("account.tokenCreated", ["name": issued.token.name]))</p><p><code class="secret wrap">\(issued.secret)</code></p></div>
        """) })
        \(tokens.isEmpty ? Components.empty(c.t("account.noTokens")) : HTML("""
        <table class="table"><thead><tr><th>\(c.t("field.name"))</th><th>\(c.t("account.tokenPrefix"))</th><th>\(c.t("field.workspace"))</th>
        <th>\(c.t("field.createdAt"))</th><th>\(c.t("account.lastUsed"))</th><th><span class="sr-only">\(c.t("form.actions"))</span></th></tr></thead>
        <tbody>\(tokenRows)</tbody></table>
        """))
        \(Form.open("/account/tokens", c))
        <div class="row">
        \(Form.text("name", c.t("account.tokenName"), value: state.tokenForm?.name, errors: e, c, required: true))
        \(Form.select("workspace", c.t("field.workspace"), options: workspaceOptions, selected: state.tokenForm?.workspace, errors: e, c))
        </div>
        \(Form.submit(c.t("account.createToken")))
        \(Form.close())
        </section>
        """)
    }

    func codesBlock(_ c: PageContext, _ codes: [String]) -> HTML {
        let items: [HTML] = codes.map { "<li><code>\($0)</code></li>" }
        return """
        <div class="notice" role="status"><p>\(c.t("account.recoveryCodesShown"))</p><ul class="codes">\(items)</ul></div>
        """
    }

    struct ProfileForm: Content {
        var displayName: String?
        var language: String?
    }

    @Sendable func profile(_ req: Request) async throws -> Response {
        let form = try req.content.decode(ProfileForm.self)
        do {
            let updated = try await Account(req.meguri).updateProfile(try req.requireUser(), displayName: form.displayName, language: form.language,
                                                                        context: try req.context())
            return req.redirect(to: "/account", flash: req.meguri.localizer.text("account.saved", updated.language ?? req.language))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: page(req, State(errors: errors, profile: form))).encodeResponse(for: req)
        }
    }

    struct PasswordForm: Content {
        var currentPassword: String?
        var newPassword: String?
        var revokeTokens: String?
    }

    @Sendable func password(_ req: Request) async throws -> Response {
        let form = try req.content.decode(PasswordForm.self)
        var keep: String? = nil
        if case .session(let secret, _, _) = req.principal { keep = Secret.hash(secret) }
        do {
            try await Account(req.meguri).changePassword(try req.requireUser(), current: form.currentPassword, new: form.newPassword,
                                                            keepSession: keep, revokeTokens: form.revokeTokens == "true", context: try req.context())
            return req.redirect(to: "/account", flash: req.t("account.passwordChanged"))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: page(req, State(errors: errors))).encodeResponse(for: req)
        }
    }

    @Sendable func startTwoStep(_ req: Request) async throws -> HTML {
        let enrolment = try await Account(req.meguri).beginTOTP(try req.requireUser())
        return try await page(req, State(enrolment: enrolment))
    }

    struct CodeForm: Content { var code: String? }

    @Sendable func confirmTwoStep(_ req: Request) async throws -> Response {
        let form = try req.content.decode(CodeForm.self)
        let user = try req.requireUser()
        do {
            let codes = try await Account(req.meguri).confirmTOTP(user, code: form.code, context: try req.context())
            // Shown once, on this response; the user object is reloaded so the page shows TOTP as on.
            var updated = user
            updated.totpEnabled = true
            if case .session(let secret, let record, _) = req.principal { req.storage[PrincipalKey.self] = .session(secret: secret, record: record, user: updated) }
            return try await PageResponse(status: .ok, html: page(req, State(recoveryCodes: codes))).encodeResponse(for: req)
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: page(req, State(errors: errors))).encodeResponse(for: req)
        }
    }

    struct PasswordOnly: Content { var password: String? }

    @Sendable func disableTwoStep(_ req: Request) async throws -> Response {
        let form = try req.content.decode(PasswordOnly.self)
        do {
            try await Account(req.meguri).disableTOTP(try req.requireUser(), password: form.password, context: try req.context())
            return req.redirect(to: "/account#two-step", flash: req.t("account.twoStepDisabled"))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: page(req, State(errors: errors))).encodeResponse(for: req)
        }
    }

    @Sendable func recoveryCodes(_ req: Request) async throws -> Response {
        let form = try req.content.decode(PasswordOnly.self)
        do {
            let codes = try await Account(req.meguri).regenerateRecoveryCodes(try req.requireUser(), password: form.password, context: try req.context())
            return try await PageResponse(status: .ok, html: page(req, State(recoveryCodes: codes))).encodeResponse(for: req)
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: page(req, State(errors: errors))).encodeResponse(for: req)
        }
    }

    struct TokenForm: Content {
        var name: String?
        var workspace: String?
    }

    @Sendable func createToken(_ req: Request) async throws -> Response {
        let form = try req.content.decode(TokenForm.self)
        do {
            let issued = try await Account(req.meguri).createToken(for: try req.requireUser(), name: form.name, workspaceSlug: form.workspace,
                                                                      context: try req.context())
            return try await PageResponse(status: .ok, html: page(req, State(newToken: issued))).encodeResponse(for: req)
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: page(req, State(errors: errors, tokenForm: form))).encodeResponse(for: req)
        }
    }

    @Sendable func revokeToken(_ req: Request) async throws -> Response {
        guard let id = req.parameters.get("tokenID").flatMap(ApiToken.ID.init) else { throw DomainError.notFound(entity: "api_token") }
        try await Account(req.meguri).revokeToken(id, of: try req.requireUser(), context: try req.context())
        return req.redirect(to: "/account#tokens", flash: req.t("account.tokenRevoked"))
    }
}
