import Catalog
import Domain
import Features
import Fluent
import Foundation
import Localization
import Logging
import Storage
import Vapor

/// bcrypt on the thread pool, at the configured cost.
struct BcryptHasher: PasswordHashing {
    let cost: Int
    let pool: NIOThreadPool
    let dummyHash: String

    init(cost: Int, pool: NIOThreadPool) throws {
        self.cost = cost
        self.pool = pool
        self.dummyHash = try Bcrypt.hash(Secret.random(bytes: 16), cost: cost)
    }

    func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await pool.runIfActive { try Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, against hash: String) async throws -> Bool {
        try await pool.runIfActive { (try? Bcrypt.verify(password, created: hash)) ?? false }
    }
}

/// Meguri assembled: the Vapor application with its database, services and routes. The same
/// bootstrap serves the web, runs the CLI commands and backs the tests.
public struct Meguri: Sendable {
    public let app: Application
    public let services: AppServices
    public let configuration: AppConfiguration

    /// Builds the application. Migrations are not run here; call `migrate()`.
    public static func build(_ configuration: AppConfiguration, environment: Environment = .production, clock: Features.Clock = .system,
                             logLevel: Logger.Level? = nil) async throws -> Meguri {
        let app = try await Application.make(environment, .singleton)
        do {
            app.logger.logLevel = logLevel ?? configuration.logLevel
            app.http.server.configuration.hostname = configuration.host
            app.http.server.configuration.port = configuration.port
            app.http.server.configuration.serverName = nil
            app.http.server.configuration.idleTimeout = .seconds(Int64(configuration.idleTimeoutSeconds))
            app.routes.defaultMaxBodySize = "1mb"
            try configuration.database.register(on: app.databases, postgresConnectionsPerEventLoop: configuration.postgresPoolSize)
            app.migrations.add(Migrations.all)
            let store = Store(databases: app.databases, location: configuration.database, logger: app.logger)
            let catalog = try CatalogLoader.loadBundled()
            let localizer = try Localizer.bundled()
            var security = SecuritySettings()
            security.evidenceMaxBytes = configuration.evidenceMaxMegabytes * 1024 * 1024
            var notifier = NotifierSettings(mail: configuration.smtp, baseURL: configuration.baseURL)
            notifier.scanInterval = TimeInterval(configuration.notifyScanSeconds)
            notifier.lease = TimeInterval(configuration.notifyLeaseSeconds)
            notifier.allowPrivateWebhooks = configuration.webhookAllowPrivate
            let services = AppServices(store: store, clock: clock, passwords: try BcryptHasher(cost: configuration.bcryptCost, pool: app.threadPool),
                                       catalog: catalog, riskTemplates: try RiskTemplatesLoader.loadBundled(), localizer: localizer, security: security,
                                       courseTemplates: try TrainingTemplatesLoader.loadBundled(),
                                       starterTemplates: try StarterTemplatesLoader.loadBundled(catalog: catalog), notifier: notifier)
            app.http.client.configuration.timeout = .init(connect: .seconds(5), read: .seconds(15))
            app.storage[ServicesKey.self] = services
            app.storage[ReadCacheKey.self] = ReadCache(writes: store.accessWrites)
            app.storage[ConfigurationKey.self] = configuration
            configureJSON()
            app.middleware = Middlewares()
            app.middleware.use(ConcurrencyLimitMiddleware(limit: configuration.maxConcurrentRequests))
            app.middleware.use(RequestIDMiddleware())
            app.middleware.use(SecurityHeadersMiddleware())
            app.middleware.use(ErrorMiddleware())
            app.middleware.use(AuthenticationMiddleware())
            app.middleware.use(PageCookiesMiddleware())
            try Routes.register(app)
            return Meguri(app: app, services: services, configuration: configuration)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    /// Applies pending migrations (the same on SQLite and PostgreSQL).
    public func migrate() async throws {
        try await app.autoMigrate()
        try await services.store.tune()
    }

    public func shutdown() async {
        try? await app.asyncShutdown()
    }

    /// For the command line: a quiet application (warnings only) that serves nothing.
    public static func forCommand(_ configuration: AppConfiguration) async throws -> Meguri {
        try await build(configuration, environment: Environment(name: "production", arguments: ["meguri"]), logLevel: .warning)
    }

    /// For `meguri serve`: logs at the configured level to standard error.
    public static func forServing(_ configuration: AppConfiguration) async throws -> Meguri {
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return try await build(configuration, environment: Environment(name: "production", arguments: ["meguri", "serve"]))
    }

    /// Serves HTTP until the process is told to stop (SIGINT or SIGTERM), with the notification
    /// worker running beside it.
    public func serve() async throws {
        let worker = notificationWorker()
        let logger = app.logger
        let task = Task { await worker.run { logger.warning("notification worker: \($0)") } }
        defer { task.cancel() }
        try await app.execute()
    }

    /// The worker with the live transports: SMTP when configured, webhooks over HTTP.
    public func notificationWorker(mail: (any MailTransport)? = nil, webhooks: (any WebhookTransport)? = nil) -> NotificationWorker {
        let smtp = configuration.smtp.map { SMTPTransport(settings: $0, caFile: configuration.smtpCAFile) }
        return NotificationWorker(services: services, mail: mail ?? smtp, webhooks: webhooks ?? HTTPWebhookTransport(client: app.client))
    }

    static func configureJSON() {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(AuditJSON.timestamp(date))
        }
        encoder.outputFormatting = [.withoutEscapingSlashes]
        ContentConfiguration.global.use(encoder: encoder, for: .json)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        ContentConfiguration.global.use(decoder: decoder, for: .json)
    }
}

enum Routes {
    static func register(_ app: Application) throws {
        let registry = APIRegistry()
        app.storage[APIRegistryKey.self] = registry
        let routes = app.routes
        try StaticFiles.bundled().register(routes)
        Health.register(routes)
        SignInPages().register(routes)
        AccountPages().register(routes)
        AdminPages().register(routes)
        WorkspacePages().register(routes)
        DepartmentPages().register(routes)
        MemberPages().register(routes)
        AuditPages().register(routes)
        AssetPages().register(routes)
        RiskMethodPages().register(routes)
        AssessmentPages().register(routes)
        RiskPages().register(routes)
        TreatmentPages().register(routes)
        ControlPages().register(routes)
        SoAPages().register(routes)
        ObjectivePages().register(routes)
        InternalAuditPages().register(routes)
        NonconformityPages().register(routes)
        ReviewPages().register(routes)
        DocumentPages(maxBytes: app.meguri.security.evidenceMaxBytes).register(routes)
        EvidencePages(maxBytes: app.meguri.security.evidenceMaxBytes).register(routes)
        TrainingPages(maxBytes: app.meguri.security.evidenceMaxBytes).register(routes)
        PlanPages(maxBytes: app.meguri.security.evidenceMaxBytes).register(routes)
        NotificationPages().register(routes)
        WorkspaceAPI(registry: registry).register(routes)
        DepartmentAPI(registry: registry).register(routes)
        MemberAPI(registry: registry).register(routes)
        AssetAPI(registry: registry).register(routes)
        RiskAPI(registry: registry).register(routes)
        CatalogAPI(registry: registry).register(routes)
        SoAAPI(registry: registry).register(routes)
        ObjectiveAPI(registry: registry).register(routes)
        CheckActAPI(registry: registry).register(routes)
        DocumentAPI(registry: registry, maxBytes: app.meguri.security.evidenceMaxBytes).register(routes)
        TrainingAPI(registry: registry).register(routes)
        PlanAPI(registry: registry).register(routes)
        NotificationAPI(registry: registry).register(routes)
        EvidenceAPI(registry: registry, maxBytes: app.meguri.security.evidenceMaxBytes).register(routes)
        Health.registerAPI(routes, registry: registry)
    }
}

/// `/healthz` answers while the process lives; `/readyz` when the database answers too.
enum Health {
    static func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, "healthz", access: .anyone) { _ in ["status": "ok"] }
        routes.endpoint(.GET, "readyz", access: .anyone) { req -> Response in
            do {
                try await req.meguri.store.ping()
                return try await ["status": "ready"].encodeResponse(for: req)
            } catch {
                req.logger.warning("readiness check failed: \(String(reflecting: error))")
                let response = try await ["status": "unavailable"].encodeResponse(status: .serviceUnavailable, for: req)
                return response
            }
        }
    }

    static func registerAPI(_ routes: any RoutesBuilder, registry: APIRegistry) {
        routes.api(.GET, ["api", "v1", "openapi.json"], access: .anyone, registry: registry,
                   operation: .init(id: "getOpenAPI", summary: "This document", tag: "Meta", responses: [(200, "The OpenAPI 3.1 document", nil, false)])) { req -> Response in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes, .prettyPrinted]
            let response = Response(status: .ok, body: .init(data: try encoder.encode(OpenAPIDocument.build(registry))))
            response.headers.contentType = .json
            return response
        }
    }
}
