import Domain
import Features
import Foundation
import Storage
import Vapor

/// First-run setup, sign-in (password then the second factor), sign-out, the language switch,
/// and the one-time links for invitations and password resets.
struct SignInPages {
    func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "setup", access: .anyone, use: setupForm)
        routes.endpoint(.POST, "setup", access: .anyone, use: setup)
        routes.endpoint(.GET, "login", access: .anyone, use: loginForm)
        routes.endpoint(.POST, "login", access: .anyone, use: login)
        routes.endpoint(.GET, "login", "second-factor", access: .awaitingSecondFactor, use: secondFactorForm)
        routes.endpoint(.POST, "login", "second-factor", access: .awaitingSecondFactor, use: secondFactor)
        routes.endpoint(.POST, "logout", access: .anyone, use: logout)
        routes.endpoint(.POST, "language", access: .anyone, use: language)
        routes.endpoint(.GET, "invitation", ":token", access: .anyone, use: invitationForm)
        routes.endpoint(.POST, "invitation", ":token", access: .anyone, use: invitation)
        routes.endpoint(.GET, "reset", ":token", access: .anyone, use: resetForm)
        routes.endpoint(.POST, "reset", ":token", access: .anyone, use: reset)
    }

    // MARK: Setup

    struct SetupForm: Content {
        var token: String?
        var email: String?
        var displayName: String?
        var password: String?
        var passwordConfirmation: String?
    }

    @Sendable func setupForm(_ req: Request) async throws -> PageResponse {
        let token = req.queryValue("token") ?? ""
        let c = PageContext(request: req)
        guard try await Installation(req.meguri).setupLinkIsValid(token) else {
            return PageResponse(status: .notFound, html: Layout.page(c, title: c.t("setup.title"), """
            <section class="narrow"><h1>\(c.t("setup.title"))</h1><p>\(c.t("setup.linkInvalid"))</p><p><a class="button" href="/login">\(c.t("nav.signIn"))</a></p></section>
            """))
        }
        return PageResponse(status: .ok, html: setupPage(c, form: SetupForm(token: token), errors: []))
    }

    func setupPage(_ c: PageContext, form: SetupForm, errors: [FieldError]) -> HTML {
        Layout.page(c, title: c.t("setup.title"), """
        <section class="narrow">
        <h1>\(c.t("setup.title"))</h1>
        <p>\(c.t("setup.intro"))</p>
        \(Form.errorSummary(errors, c))
        \(Form.open("/setup", c))
        \(Form.hidden("token", form.token ?? ""))
        \(Form.text("email", c.t("field.email"), value: form.email, errors: errors, c, type: "email", required: true, autocomplete: "username"))
        \(Form.text("displayName", c.t("field.displayName"), value: form.displayName, errors: errors, c, required: true, autocomplete: "name"))
        \(Form.text("password", c.t("field.password"), value: nil, errors: errors, c, type: "password", required: true, hint: c.t("hint.password"), autocomplete: "new-password"))
        \(Form.text("passwordConfirmation", c.t("field.passwordConfirmation"), value: nil, errors: errors, c, type: "password", required: true, autocomplete: "new-password"))
        \(Form.submit(c.t("setup.submit")))
        \(Form.close())
        </section>
        """)
    }

    @Sendable func setup(_ req: Request) async throws -> Response {
        let form = try req.content.decode(SetupForm.self)
        let c = PageContext(request: req)
        do {
            _ = try await Installation(req.meguri).completeSetup(secret: form.token ?? "", email: form.email, displayName: form.displayName,
                                                                   password: form.password, passwordConfirmation: form.passwordConfirmation.map { Optional($0) }, language: req.language,
                                                                   context: Context(actor: .system, requestID: req.requestID))
            return req.redirect(to: "/login", flash: c.t("setup.done"))
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: setupPage(c, form: form, errors: errors)).encodeResponse(for: req)
        }
    }

    // MARK: Sign in

    struct LoginForm: Content {
        var email: String?
        var password: String?
        var next: String?
    }

    @Sendable func loginForm(_ req: Request) async throws -> Response {
        if req.principal.user != nil { return req.redirect(to: safeNext(req.queryValue("next"))) }
        let c = PageContext(request: req)
        return try await PageResponse(status: .ok, html: loginPage(c, form: LoginForm(next: req.queryValue("next")), message: nil))
            .encodeResponse(for: req)
    }

    func loginPage(_ c: PageContext, form: LoginForm, message: String?, errors: [FieldError] = []) -> HTML {
        Layout.page(c, title: c.t("login.title"), """
        <section class="narrow card-page">
        <h1>\(c.t("login.title"))</h1>
        <p class="subtitle">\(c.t("login.intro"))</p>
        \(message.map { HTML("<div class=\"error-summary\" role=\"alert\"><p>\($0)</p></div>") })
        \(Form.errorSummary(errors, c))
        \(Form.open("/login", c))
        \(Form.hidden("next", form.next ?? ""))
        \(Form.text("email", c.t("field.email"), value: form.email, errors: errors, c, type: "email", required: true, autocomplete: "username", attributes: " autofocus"))
        \(Form.text("password", c.t("field.password"), value: nil, errors: errors, c, type: "password", required: true, autocomplete: "current-password"))
        \(Form.submit(c.t("login.submit")))
        \(Form.close())
        <p class="muted small">\(c.t("login.forgot"))</p>
        </section>
        """)
    }

    @Sendable func login(_ req: Request) async throws -> Response {
        let form = try req.content.decode(LoginForm.self)
        let c = PageContext(request: req)
        do {
            let result = try await Authentication(req.meguri).signIn(email: form.email, password: form.password, address: req.clientAddress,
                                                                        userAgent: req.headers.first(name: .userAgent), requestID: req.requestID)
            switch result {
            case .signedIn(let secret, _, _):
                let response = req.redirect(to: safeNext(form.next), redirectType: .normal)
                setSessionCookie(response, secret, req)
                return response
            case .needsSecondFactor(let secret, _, _):
                let next = safeNext(form.next)
                let response = req.redirect(to: "/login/second-factor?next=\(Components.encode(next))", redirectType: .normal)
                setSessionCookie(response, secret, req)
                return response
            }
        } catch DomainError.unauthenticated {
            return try await PageResponse(status: .unauthorized, html: loginPage(c, form: form, message: c.t("login.failed"))).encodeResponse(for: req)
        } catch DomainError.rateLimited(let seconds) {
            let response = try await PageResponse(status: .tooManyRequests, html: loginPage(c, form: form, message: c.t(RateLimitText.key(seconds), RateLimitText.params(seconds))))
                .encodeResponse(for: req)
            response.headers.replaceOrAdd(name: .retryAfter, value: String(seconds))
            return response
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: loginPage(c, form: form, message: nil, errors: errors)).encodeResponse(for: req)
        }
    }

    struct SecondFactorForm: Content {
        var code: String?
        var next: String?
    }

    @Sendable func secondFactorForm(_ req: Request) async throws -> HTML {
        secondFactorPage(PageContext(request: req), next: req.queryValue("next"), errors: [], message: nil)
    }

    func secondFactorPage(_ c: PageContext, next: String?, errors: [FieldError], message: String?) -> HTML {
        Layout.page(c, title: c.t("twoStep.title"), """
        <section class="narrow card-page">
        <h1>\(c.t("twoStep.title"))</h1>
        <p>\(c.t("twoStep.intro"))</p>
        \(message.map { HTML("<div class=\"error-summary\" role=\"alert\"><p>\($0)</p></div>") })
        \(Form.errorSummary(errors, c))
        \(Form.open("/login/second-factor", c))
        \(Form.hidden("next", next ?? ""))
        \(Form.text("code", c.t("field.code"), value: nil, errors: errors, c, required: true, hint: c.t("twoStep.codeHint"), autocomplete: "one-time-code",
                    attributes: " inputmode=\"numeric\" autofocus"))
        \(Form.submit(c.t("twoStep.submit")))
        \(Form.close())
        </section>
        """)
    }

    @Sendable func secondFactor(_ req: Request) async throws -> Response {
        let form = try req.content.decode(SecondFactorForm.self)
        guard case .session(let secret, _, _) = req.principal else { throw DomainError.unauthenticated }
        let c = PageContext(request: req)
        do {
            let result = try await Authentication(req.meguri).completeSecondFactor(sessionSecret: secret, code: form.code, address: req.clientAddress,
                                                                                      requestID: req.requestID)
            guard case .signedIn(let newSecret, _, _) = result else { throw DomainError.unauthenticated }
            let response = req.redirect(to: safeNext(form.next), redirectType: .normal)
            setSessionCookie(response, newSecret, req)
            return response
        } catch DomainError.invalid(let errors) {
            return try await PageResponse(status: .unprocessableEntity, html: secondFactorPage(c, next: form.next, errors: errors, message: nil)).encodeResponse(for: req)
        } catch DomainError.rateLimited(let seconds) {
            let message = c.t(RateLimitText.key(seconds), RateLimitText.params(seconds))
            return try await PageResponse(status: .tooManyRequests, html: secondFactorPage(c, next: form.next, errors: [], message: message)).encodeResponse(for: req)
        }
    }

    @Sendable func logout(_ req: Request) async throws -> Response {
        if case .session(let secret, _, _) = req.principal {
            try await Authentication(req.meguri).signOut(secret: secret, requestID: req.requestID)
        }
        let response = req.redirect(to: "/login", flash: req.t("login.signedOut"))
        response.cookies[Cookies.session] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), path: "/",
                                                              isSecure: req.isSecure, isHTTPOnly: true, sameSite: .lax)
        return response
    }

    struct LanguageForm: Content {
        var language: String?
        var next: String?
    }

    /// Switches the language: remembered on the account when signed in, in a cookie otherwise.
    @Sendable func language(_ req: Request) async throws -> Response {
        let form = try req.content.decode(LanguageForm.self)
        guard let language = form.language.flatMap(Language.init(rawValue:)) else { throw DomainError.invalid(field: "language", code: "error.choice") }
        if let user = req.principal.user {
            _ = try await Account(req.meguri).updateProfile(user, displayName: nil, language: language.rawValue, context: try req.context())
        }
        let response = req.redirect(to: safeNext(form.next), redirectType: .normal)
        response.cookies[Cookies.language] = HTTPCookies.Value(string: language.rawValue, maxAge: 365 * 86_400, path: "/", isSecure: req.isSecure,
                                                               isHTTPOnly: true, sameSite: .lax)
        return response
    }

    // MARK: One-time links

    struct LinkForm: Content {
        var displayName: String?
        var password: String?
        var passwordConfirmation: String?
    }

    @Sendable func invitationForm(_ req: Request) async throws -> PageResponse {
        try await linkForm(req, purpose: .invitation)
    }

    @Sendable func resetForm(_ req: Request) async throws -> PageResponse {
        try await linkForm(req, purpose: .passwordReset)
    }

    func linkForm(_ req: Request, purpose: OneTimeLink.Purpose) async throws -> PageResponse {
        let token = req.parameters.get("token") ?? ""
        let c = PageContext(request: req)
        guard let holder = try await Users(req.meguri).linkHolder(secret: token, purpose: purpose) else {
            return PageResponse(status: .notFound, html: Layout.page(c, title: c.t("link.invalidTitle"), """
            <section class="narrow"><h1>\(c.t("link.invalidTitle"))</h1><p>\(c.t("setup.linkInvalid"))</p><p><a class="button" href="/login">\(c.t("nav.signIn"))</a></p></section>
            """))
        }
        return PageResponse(status: .ok, html: linkPage(c, purpose: purpose, token: token, holder: holder, form: LinkForm(displayName: holder.displayName), errors: []))
    }

    func linkPage(_ c: PageContext, purpose: OneTimeLink.Purpose, token: String, holder: User, form: LinkForm, errors: [FieldError]) -> HTML {
        let invitation = purpose == .invitation
        let title = c.t(invitation ? "invitation.title" : "reset.title")
        return Layout.page(c, title: title, """
        <section class="narrow">
        <h1>\(title)</h1>
        <p>\(c.t(invitation ? "invitation.intro" : "reset.intro", ["email": holder.email]))</p>
        \(Form.errorSummary(errors, c))
        \(Form.open("/\(invitation ? "invitation" : "reset")/\(token)", c))
        \(HTML.when(invitation, Form.text("displayName", c.t("field.displayName"), value: form.displayName, errors: errors, c, required: true, autocomplete: "name")))
        \(Form.text("password", c.t("field.password"), value: nil, errors: errors, c, type: "password", required: true, hint: c.t("hint.password"), autocomplete: "new-password"))
        \(Form.text("passwordConfirmation", c.t("field.passwordConfirmation"), value: nil, errors: errors, c, type: "password", required: true, autocomplete: "new-password"))
        \(Form.submit(c.t(invitation ? "invitation.submit" : "reset.submit")))
        \(Form.close())
        </section>
        """)
    }

    @Sendable func invitation(_ req: Request) async throws -> Response { try await redeem(req, purpose: .invitation) }
    @Sendable func reset(_ req: Request) async throws -> Response { try await redeem(req, purpose: .passwordReset) }

    func redeem(_ req: Request, purpose: OneTimeLink.Purpose) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        let form = try req.content.decode(LinkForm.self)
        let c = PageContext(request: req)
        let users = Users(req.meguri)
        do {
            _ = try await users.redeem(secret: token, purpose: purpose, displayName: form.displayName, password: form.password,
                                       passwordConfirmation: .some(form.passwordConfirmation), language: req.language, requestID: req.requestID)
            return req.redirect(to: "/login", flash: c.t(purpose == .invitation ? "invitation.done" : "reset.done"))
        } catch DomainError.invalid(let errors) {
            guard let holder = try await users.linkHolder(secret: token, purpose: purpose) else { throw DomainError.rule(code: "error.linkInvalid") }
            return try await PageResponse(status: .unprocessableEntity, html: linkPage(c, purpose: purpose, token: token, holder: holder, form: form, errors: errors))
                .encodeResponse(for: req)
        }
    }
}

/// Only local paths are followed after sign-in, so a crafted link cannot send people elsewhere.
/// Where to go after sign-in: a path on this site (`LocalRedirect`), else the start page.
func safeNext(_ next: String?) -> String { LocalRedirect.path(next) ?? "/" }

func setSessionCookie(_ response: Response, _ secret: String, _ req: Request) {
    response.cookies[Cookies.session] = HTTPCookies.Value(string: secret, path: "/", isSecure: req.isSecure, isHTTPOnly: true, sameSite: .lax)
}
