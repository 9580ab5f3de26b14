import Domain
import Features
import Foundation
import Localization
import Vapor

/// `/api/v1/me/notifications`, `/api/v1/me/notification-preferences` and a workspace's
/// `notification-settings`.
struct NotificationAPI {
    let registry: APIRegistry

    func register(_ routes: any RoutesBuilder) {
        func op(_ id: String, _ summary: String, parameters: [APIOperation.Parameter] = [], body: String? = nil,
                _ responses: [(Int, String, String?, Bool)]) -> APIOperation {
            .init(id: id, summary: summary, tag: "Notifications", parameters: parameters, body: body.map { ($0, "application/json") }, responses: responses)
        }
        let me: [PathComponent] = ["api", "v1", "me"]
        routes.api(.GET, me + ["notifications"], access: .signedIn, registry: registry,
                   operation: op("listNotifications", "Your notices, newest first (kept 180 days); a token limited to one workspace sees that workspace's",
                                 parameters: [Parameters.query("unread", "true: only unread ones", schema: ["type": "boolean"]), Query.limit, Query.cursor],
                                 [(200, "The notices", "NotificationList", false)]), use: list)
        routes.api(.POST, me + ["notifications", "read"], access: .signedIn, registry: registry,
                   operation: op("markNotificationsRead", "Mark the named notices read, or every unread one when `ids` is absent", body: "NotificationsRead",
                                 [(200, "How many changed", "NotificationsReadResult", false)]), use: markRead)
        routes.api(.GET, me + ["notification-preferences"], access: .signedIn, registry: registry,
                   operation: op("getNotificationPreferences", "How often each channel carries your digest, and the kinds of notice sent to you by e-mail",
                                 [(200, "Your choices", "NotificationPreferences", false)]), use: preferences)
        routes.api(.PUT, me + ["notification-preferences"], access: .signedIn, registry: registry,
                   operation: op("putNotificationPreferences", "Change your choices", body: "NotificationPreferences",
                                 [(200, "Your choices", "NotificationPreferences", false)]), use: savePreferences)
        let w: [PathComponent] = ["api", "v1", "workspaces", ":slug", "notification-settings"]
        routes.api(.GET, w, access: .workspace(.workspaceManage), registry: registry,
                   operation: op("getNotificationSettings", "The workspace's warning period and webhook (with the signing secret)",
                                 [(200, "The settings", "NotificationSettings", true)]), use: settings)
        routes.api(.PUT, w, access: .workspace(.workspaceManage), registry: registry,
                   operation: op("putNotificationSettings", "Change the warning period and the webhook; `rotateSecret: true` issues a new signing secret",
                                 body: "NotificationSettingsWrite", [(200, "The settings", "NotificationSettings", true)]), use: saveSettings)
    }

    @Sendable func list(_ req: Request) async throws -> JSONBody<ListResource<ShapedResource<AppNotification>>> {
        let user = try req.requireUser()
        let page = try req.pageRequest()
        let unread = req.queryValue("unread") == "true"
        let result = try await Notifications(services: req.meguri).list(user, workspace: Self.tokenWorkspace(req), unreadOnly: unread, page: page)
        return JSONBody(value: NotificationShapes.notice(req.meguri.localizer, req.language).list(result))
    }

    static func tokenWorkspace(_ req: Request) -> Workspace.ID? {
        if case .token(let token, _) = req.principal { return token.workspaceID }
        return nil
    }

    struct ReadBody: Content { var ids: [String]? }

    @Sendable func markRead(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let body = req.body.data == nil ? ReadBody() : try req.content.decode(ReadBody.self)
        var ids: [AppNotification.ID]? = nil
        if let raw = body.ids {
            var v = Validator()
            ids = raw.enumerated().compactMap { index, text in
                guard let id = AppNotification.ID(text) else { v.add("ids", "error.id", ["row": String(index + 1)]); return nil }
                return id
            }
            try v.check()
        }
        let changed = try await Notifications(services: req.meguri).markRead(user, ids: ids, workspace: Self.tokenWorkspace(req))
        return try await ["changed": changed].encodeResponse(for: req)
    }

    @Sendable func preferences(_ req: Request) async throws -> JSONBody<ShapedResource<NotificationPreferences>> {
        let user = try PlanAPI.requireUnlimited(req)
        return JSONBody(value: NotificationShapes.preferences.resource(try await Notifications(services: req.meguri).preferences(user)))
    }

    struct PreferencesBody: Content {
        var digest: [String: String]?
        var email: [String]?
    }

    @Sendable func savePreferences(_ req: Request) async throws -> JSONBody<ShapedResource<NotificationPreferences>> {
        let user = try PlanAPI.requireUnlimited(req)
        let body = try req.content.decode(PreferencesBody.self)
        let current = try await Notifications(services: req.meguri).preferences(user)
        let saved = try await Notifications(services: req.meguri).savePreferences(
            user, digestApp: body.digest?["app"] ?? current.digestFrequency(.app).rawValue, digestEmail: body.digest?["email"] ?? current.digestFrequency(.email).rawValue,
            emailKinds: body.email ?? NoticeKind.optional.filter { $0 != .digest && current.emails($0) }.map(\.rawValue), context: try req.context())
        return JSONBody(value: NotificationShapes.preferences.resource(saved))
    }

    @Sendable func settings(_ req: Request) async throws -> Response {
        let settings = try await Notifications(services: req.meguri).workspaceSettings(try req.access())
        return try await json(NotificationShapes.settings.resource(settings), etag: settings.version, for: req)
    }

    struct SettingsBody: Content {
        var dueSoonDays: Int?
        var webhookUrl: String??
        var webhookFormat: String?
        var webhookLanguage: String?
        var rotateSecret: Bool?

        enum CodingKeys: String, CodingKey { case dueSoonDays, webhookUrl, webhookFormat, webhookLanguage, rotateSecret }

        /// `"webhookUrl": null` removes the webhook; leaving the member out keeps it.
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            dueSoonDays = try c.decodeIfPresent(Int.self, forKey: .dueSoonDays)
            if c.contains(.webhookUrl) { webhookUrl = .some(try c.decodeNil(forKey: .webhookUrl) ? nil : try c.decode(String.self, forKey: .webhookUrl)) }
            webhookFormat = try c.decodeIfPresent(String.self, forKey: .webhookFormat)
            webhookLanguage = try c.decodeIfPresent(String.self, forKey: .webhookLanguage)
            rotateSecret = try c.decodeIfPresent(Bool.self, forKey: .rotateSecret)
        }
    }

    @Sendable func saveSettings(_ req: Request) async throws -> Response {
        let body = try req.content.decode(SettingsBody.self)
        var input = NotificationSettingsInput(dueSoonDays: body.dueSoonDays.map(String.init), webhookFormat: body.webhookFormat, webhookLanguage: body.webhookLanguage)
        if let url = body.webhookUrl { input.webhookURL = url ?? "" }
        let saved = try await Notifications(services: req.meguri).saveWorkspaceSettings(try req.access(), input, rotateSecret: body.rotateSecret == true,
                                                                                          context: try req.context())
        return try await json(NotificationShapes.settings.resource(saved), etag: saved.version, for: req)
    }
}

enum NotificationShapes {
    typealias F<V: Sendable> = ResourceField<V>

    static func notice(_ localizer: Localizer, _ language: Language) -> ResourceShape<AppNotification> {
        ResourceShape<AppNotification>("Notification", [
            F.id("id", \.id), F.id("workspaceId", \.workspaceID), F.choice("kind", \.kind),
            F.custom("title", schema: .string(description: "In the caller's language")) { w, n in w.string(localizer.text(n.titleKey, language, n.params)) },
            F.text("titleKey", \.titleKey), F.text("link", \.link), F.date("due", \.due), F.timestamp("createdAt", \.createdAt), F.timestamp("readAt", \.readAt),
        ])
    }

    static let preferences = ResourceShape<NotificationPreferences>("NotificationPreferences", [
        F.custom("digest", schema: .object([("app", .string(enumValues: DigestFrequency.allCases.map(\.rawValue))),
                                            ("email", .string(enumValues: DigestFrequency.allCases.map(\.rawValue)))], required: [])) { w, p in
            w.object { w in
                w.key("app"); w.string(p.digestFrequency(.app).rawValue)
                w.key("email"); w.string(p.digestFrequency(.email).rawValue)
            }
        },
        F.custom("email", schema: .array(of: .string(enumValues: NoticeKind.optional.filter { $0 != .digest }.map(\.rawValue),
                                                     description: "A kind of notice sent by e-mail"))) { w, p in
            w.array(NoticeKind.optional.filter { $0 != .digest && p.emails($0) }) { w, k in w.string(k.rawValue) }
        },
    ])

    static let settings = ResourceShape<NotificationSettings>("NotificationSettings", [
        F.int("dueSoonDays", \.dueSoonDays, minimum: 1), F.text("webhookUrl", \.webhookURL), F.choice("webhookFormat", \.webhookFormat),
        F.choice("webhookLanguage", \.webhookLanguage), F.text("webhookSecret", \.webhookSecret, description: "The key of X-Meguri-Signature (HMAC-SHA256 of the body)"),
        F.int("version", \.version),
    ])

    static let all: [(String, JSON)] = [
        ("Notification", notice(Localizer(tables: [:]), Language.en).schema), ("NotificationList", APISchemas.list("Notification")),
        (preferences.name, preferences.schema), (settings.name, settings.schema),
        ("NotificationsRead", .object([("ids", .array(of: .string(format: "uuid")))], required: [])),
        ("NotificationsReadResult", .object([("changed", .integer())], required: ["changed"])),
        ("NotificationSettingsWrite", .object([
            ("dueSoonDays", .integer(minimum: 1)), ("webhookUrl", .string(nullable: true, description: "http(s) address; null or empty removes the webhook")),
            ("webhookFormat", .string(enumValues: WebhookFormat.allCases.map(\.rawValue))), ("webhookLanguage", .string(enumValues: Language.allCases.map(\.rawValue))),
            ("rotateSecret", ["type": "boolean"]),
        ], required: [])),
    ]
}
