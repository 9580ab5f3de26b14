import ArgumentParser
import Domain
import Features
import Foundation
import Storage
import Web

@main
struct MeguriCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meguri",
        abstract: "Meguri — run your ISMS (ISO/IEC 27001) through the whole PDCA cycle.",
        discussion: """
        Configuration comes from the environment: MEGURI_DATABASE_URL (default: meguri.sqlite in the working directory; \
        postgres://… for PostgreSQL), MEGURI_HOST, MEGURI_PORT, MEGURI_LOG_LEVEL, MEGURI_BCRYPT_COST, MEGURI_PUBLIC_URL, \
        MEGURI_ADMIN_EMAIL + MEGURI_ADMIN_PASSWORD, MEGURI_SMTP_URL + MEGURI_MAIL_FROM (e-mail).
        """,
        subcommands: [Serve.self, Migrate.self, UserCommands.self, WorkspaceCommands.self, MemberCommands.self, TokenCommands.self,
                      ImportCommand.self, ExportCommand.self, AssessmentCommands.self, AuditCommands.self, DemoCommands.self, BackupCommand.self, RestoreCommand.self, NotifyCommands.self, DocumentCommands.self],
        defaultSubcommand: Serve.self)
}

/// Options every command shares: where the database is (overrides `MEGURI_DATABASE_URL`).
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Database: a SQLite file path or postgres://USER:PASSWORD@HOST/DB (default: $MEGURI_DATABASE_URL or meguri.sqlite)")
    var databaseURL: String?

    func configuration() throws -> AppConfiguration {
        var config = try AppConfiguration.fromEnvironment()
        if let databaseURL { config.database = try DatabaseLocation.parse(databaseURL) }
        return config
    }
}

/// Runs `body` with a migrated Meguri, then shuts it down. Failures print one line and exit non-zero.
func withMeguri<T>(_ options: CommonOptions, _ body: (Meguri) async throws -> T) async throws -> T {
    let meguri: Meguri
    do {
        let config = try options.configuration()
        meguri = try await Meguri.forCommand(config)
    } catch {
        throw fail(error)
    }
    do {
        try await meguri.migrate()
        let result = try await body(meguri)
        await meguri.shutdown()
        return result
    } catch {
        await meguri.shutdown()
        throw fail(error, localizer: meguri.services)
    }
}

/// The operator's language for what the CLI says: `MEGURI_LANG`, else the locale (`LC_ALL`,
/// `LC_MESSAGES`, `LANG`) — Japanese when it starts with `ja`, English otherwise. An export's
/// `--lang` still means the file's language.
var operatorLanguage: Language {
    let environment = ProcessInfo.processInfo.environment
    if let chosen = environment["MEGURI_LANG"].flatMap({ Language(rawValue: $0.lowercased()) }) { return chosen }
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty } ?? ""
    return locale.lowercased().hasPrefix("ja") ? .ja : .en
}

/// Prints the reason to standard error (one line per problem, in the operator's language) and
/// turns it into exit code 1.
func fail(_ error: any Error, localizer services: AppServices? = nil) -> ExitCode {
    if let exit = error as? ExitCode { return exit }
    let message: String
    switch error {
    case let error as ConfigurationError: message = "configuration: \(error.description)"
    case let error as DomainError:
        if let services {
            switch error {
            case .invalid(let errors): message = errors.map { services.localizer.message(for: $0, operatorLanguage) }.joined(separator: "\nmeguri: ")
            case .rule(let code, let params): message = services.localizer.text(code, operatorLanguage, params)
            case .notFound(let entity): message = "\(entity.replacingOccurrences(of: "_", with: " ")) not found"
            default: message = "\(error)"
            }
        } else {
            message = "\(error)"
        }
    default: message = String(describing: error)
    }
    FileHandle.standardError.write(Data("meguri: \(message)\n".utf8))
    return ExitCode.failure
}

/// The person at the terminal, as the audit trail records them.
func operatorContext() -> Context {
    Context(actor: .cli(operator: ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName))
}

/// Writes a line to standard output at once (not buffered, so the setup link shows up even when
/// the output goes to a file or a pipe).
func printOut(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

// MARK: serve

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the web server (creates and migrates the database when needed).")

    @OptionGroup var common: CommonOptions
    @Option(help: "Address to listen on (default: $MEGURI_HOST or 127.0.0.1)") var host: String?
    @Option(help: "Port (default: $MEGURI_PORT or 8080)") var port: Int?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical") var logLevel: String?
    @Flag(help: "On a fresh database, fill a demo workspace (slug demo) and print how to sign in") var demo = false

    func run() async throws {
        ProcessMemory.limitArenas()
        var config: AppConfiguration
        do {
            config = try common.configuration()
            if let host { config.host = host }
            if let port { config.port = try AppConfiguration.parsePort(String(port), setting: "--port") }
            if let logLevel { config.logLevel = try AppConfiguration.parseLogLevel(logLevel, setting: "--log-level") }
        } catch {
            throw fail(error)
        }
        let meguri: Meguri
        do {
            meguri = try await Meguri.forServing(config)
        } catch {
            throw fail(error)
        }
        do {
            try await meguri.migrate()
            let installation = Installation(meguri.services)
            if let email = config.adminEmail, let password = config.adminPassword,
               let admin = try await installation.bootstrapAdministrator(email: email, password: password) {
                printOut("Created the installation administrator \(admin.email) from MEGURI_ADMIN_EMAIL.")
            }
            if demo {
                if try await Workspaces(meguri.services).load(slug: "demo") == nil {
                    let report = try await Demo(meguri.services).seed(slug: "demo", scale: .small, context: operatorContext())
                    printDemoReport(report, baseURL: config.baseURL)
                } else {
                    printOut("The demo workspace already exists: \(config.baseURL)/w/demo (password: \(Demo.password)).")
                }
            }
            printOut("Meguri is using \(config.database).")
            printOut("Meguri listens on http://\(config.host):\(config.port)")
            if let secret = try await installation.issueSetupLink() {
                printOut("No user exists yet. Create the first administrator here (the link works once):")
                printOut("  \(config.baseURL)/setup?token=\(secret)")
            }
            try await meguri.serve()
        } catch {
            await meguri.shutdown()
            throw fail(error, localizer: meguri.services)
        }
        await meguri.shutdown()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or update the database schema, then exit.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        try await withMeguri(common) { meguri in
            printOut("The database (\(meguri.configuration.database)) is up to date.")
        }
    }
}
