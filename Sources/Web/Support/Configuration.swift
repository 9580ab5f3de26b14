import Domain
import Foundation
import Logging
import Storage

/// The settings of one Meguri process, read from the environment (and the matching flags of
/// `meguri serve`). Anything invalid stops the process at start with the setting's name.
public struct AppConfiguration: Sendable {
    public var database: DatabaseLocation
    public var host: String
    public var port: Int
    public var logLevel: Logger.Level
    public var bcryptCost: Int
    public var adminEmail: String?
    public var adminPassword: String?
    /// The address people reach Meguri at (for printed links; `https://` also marks cookies Secure).
    public var publicURL: String?
    /// Connections per event loop to PostgreSQL.
    public var postgresPoolSize: Int
    /// The largest evidence file accepted, in megabytes (`MEGURI_EVIDENCE_MAX_MB`, default 25).
    public var evidenceMaxMegabytes: Int = 25
    /// Proxies whose `X-Forwarded-For` names the client (`MEGURI_TRUSTED_PROXIES`: addresses or networks, comma-separated).
    public var trustedProxies: [IPNetwork] = []
    /// Requests handled at once; more are answered 503 at once, before their body is read (`MEGURI_MAX_REQUESTS`).
    public var maxConcurrentRequests: Int = 512
    /// A connection with nothing read or written for this long is closed (`MEGURI_IDLE_TIMEOUT`, seconds).
    public var idleTimeoutSeconds: Int = 60
    /// E-mail (`MEGURI_SMTP_URL` with `MEGURI_MAIL_FROM`); nil sends no e-mail.
    public var smtp: SMTPSettings?
    /// Certificate authorities trusted for the SMTP server's TLS instead of the system's (`MEGURI_SMTP_CA_FILE`, PEM).
    public var smtpCAFile: String?
    /// How often each workspace is scanned for new notices (`MEGURI_NOTIFY_SCAN_SECONDS`, default 300).
    public var notifyScanSeconds: Int = 300
    /// How long a claimed message stays with a process before another may take it over (`MEGURI_NOTIFY_LEASE_SECONDS`, default 300).
    public var notifyLeaseSeconds: Int = 300
    /// Webhooks may point at loopback and private addresses (`MEGURI_WEBHOOK_ALLOW_PRIVATE=true`; off by default).
    public var webhookAllowPrivate = false

    public init(database: DatabaseLocation = .sqliteFile(DatabaseLocation.defaultSQLiteFile), host: String = "127.0.0.1", port: Int = 8080,
                logLevel: Logger.Level = .info, bcryptCost: Int = 12, adminEmail: String? = nil, adminPassword: String? = nil,
                publicURL: String? = nil, postgresPoolSize: Int = 4) {
        self.database = database
        self.host = host
        self.port = port
        self.logLevel = logLevel
        self.bcryptCost = bcryptCost
        self.adminEmail = adminEmail
        self.adminPassword = adminPassword
        self.publicURL = publicURL
        self.postgresPoolSize = postgresPoolSize
    }

    /// Reads `MEGURI_*` variables. Unset means the default; set but unusable is an error.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfiguration {
        var config = AppConfiguration()
        func value(_ name: String) -> String? {
            guard let raw = env[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        config.database = try DatabaseLocation.parse(value("MEGURI_DATABASE_URL"))
        if let host = value("MEGURI_HOST") { config.host = host }
        if let port = value("MEGURI_PORT") { config.port = try parsePort(port, setting: "MEGURI_PORT") }
        if let level = value("MEGURI_LOG_LEVEL") { config.logLevel = try parseLogLevel(level, setting: "MEGURI_LOG_LEVEL") }
        if let cost = value("MEGURI_BCRYPT_COST") {
            guard let parsed = Int(cost), (4...31).contains(parsed) else {
                throw ConfigurationError(setting: "MEGURI_BCRYPT_COST", reason: "must be a whole number from 4 to 31 (default 12), not '\(cost)'")
            }
            config.bcryptCost = parsed
        }
        config.adminEmail = value("MEGURI_ADMIN_EMAIL")
        config.adminPassword = env["MEGURI_ADMIN_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        if (config.adminEmail == nil) != (config.adminPassword == nil) {
            throw ConfigurationError(setting: config.adminEmail == nil ? "MEGURI_ADMIN_EMAIL" : "MEGURI_ADMIN_PASSWORD",
                                     reason: "MEGURI_ADMIN_EMAIL and MEGURI_ADMIN_PASSWORD are set together or not at all")
        }
        if let url = value("MEGURI_PUBLIC_URL") {
            guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
                throw ConfigurationError(setting: "MEGURI_PUBLIC_URL", reason: "must be an http:// or https:// address, not '\(url)'")
            }
            config.publicURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        if let megabytes = value("MEGURI_EVIDENCE_MAX_MB") {
            guard let number = Int(megabytes), (1...1024).contains(number) else {
                throw ConfigurationError(setting: "MEGURI_EVIDENCE_MAX_MB", reason: "must be a whole number of megabytes from 1 to 1024 (default 25), not '\(megabytes)'")
            }
            config.evidenceMaxMegabytes = number
        }
        if let proxies = value("MEGURI_TRUSTED_PROXIES") {
            var networks: [IPNetwork] = []
            for item in proxies.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
                guard let network = IPNetwork(item) else {
                    throw ConfigurationError(setting: "MEGURI_TRUSTED_PROXIES", reason: "'\(item)' is not an IP address or network such as 10.0.0.0/8 or ::1")
                }
                networks.append(network)
            }
            config.trustedProxies = networks
        }
        if let number = try wholeNumber("MEGURI_MAX_REQUESTS", 8...100_000, default: 512, env: env) { config.maxConcurrentRequests = number }
        if let number = try wholeNumber("MEGURI_IDLE_TIMEOUT", 5...3600, default: 60, unit: "seconds", env: env) { config.idleTimeoutSeconds = number }
        if let url = value("MEGURI_SMTP_URL") {
            do {
                config.smtp = try SMTPSettings.parse(url, from: value("MEGURI_MAIL_FROM"))
            } catch {
                throw ConfigurationError(setting: error.setting, reason: error.reason)
            }
        } else if value("MEGURI_MAIL_FROM") != nil {
            throw ConfigurationError(setting: "MEGURI_MAIL_FROM", reason: "is set but MEGURI_SMTP_URL is not: e-mail needs both")
        }
        if let file = value("MEGURI_SMTP_CA_FILE") {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw ConfigurationError(setting: "MEGURI_SMTP_CA_FILE", reason: "names a file that cannot be read: '\(file)'")
            }
            config.smtpCAFile = file
        }
        if let number = try wholeNumber("MEGURI_NOTIFY_SCAN_SECONDS", 5...86_400, default: 300, unit: "seconds", env: env) { config.notifyScanSeconds = number }
        if let number = try wholeNumber("MEGURI_NOTIFY_LEASE_SECONDS", 5...3600, default: 300, unit: "seconds", env: env) { config.notifyLeaseSeconds = number }
        if let raw = value("MEGURI_WEBHOOK_ALLOW_PRIVATE") {
            guard ["true", "false"].contains(raw.lowercased()) else {
                throw ConfigurationError(setting: "MEGURI_WEBHOOK_ALLOW_PRIVATE", reason: "must be true or false, not '\(raw)'")
            }
            config.webhookAllowPrivate = raw.lowercased() == "true"
        }
        if let pool = value("MEGURI_POSTGRES_POOL") {
            guard let parsed = Int(pool), (1...64).contains(parsed) else {
                throw ConfigurationError(setting: "MEGURI_POSTGRES_POOL", reason: "must be a whole number from 1 to 64, not '\(pool)'")
            }
            config.postgresPoolSize = parsed
        }
        return config
    }

    /// A whole-number setting within `range`, or nil when unset; anything else stops the start
    /// naming the setting, its range and its default.
    static func wholeNumber(_ setting: String, _ range: ClosedRange<Int>, default fallback: Int, unit: String? = nil,
                            env: [String: String]) throws -> Int? {
        guard let raw = env[setting]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        guard let number = Int(raw), range.contains(number) else {
            throw ConfigurationError(setting: setting, reason: "must be a whole number\(unit.map { " of \($0)" } ?? "") from \(range.lowerBound) to \(range.upperBound) (default \(fallback)), not '\(raw)'")
        }
        return number
    }

    public static func parsePort(_ raw: String, setting: String) throws -> Int {
        guard let port = Int(raw), (1...65535).contains(port) else {
            throw ConfigurationError(setting: setting, reason: "must be a port number from 1 to 65535, not '\(raw)'")
        }
        return port
    }

    public static func parseLogLevel(_ raw: String, setting: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: raw.lowercased()) else {
            throw ConfigurationError(setting: setting, reason: "must be one of trace, debug, info, notice, warning, error, critical, not '\(raw)'")
        }
        return level
    }

    /// The base of printed links: the public URL, or the address the server listens on.
    public var baseURL: String { publicURL ?? "http://\(host):\(port)" }
    public var cookiesSecure: Bool { publicURL?.hasPrefix("https://") ?? false }
}
