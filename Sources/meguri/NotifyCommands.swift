import ArgumentParser
import Domain
import Features
import Foundation
import Storage
import Web

/// `meguri notify …`: the notification queue seen and driven from the terminal.
struct NotifyCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "notify", abstract: "Notifications: the e-mail and webhook queue.",
                                                    subcommands: [Status.self, SendTest.self, Scan.self, Deliver.self, Retry.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the queue: waiting, retrying, failed (with the reason) and sent today.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await withMeguri(common) { meguri in
                let since = Calendar.current.startOfDay(for: meguri.services.now)
                let status = try await Notifications(services: meguri.services).status(since: since)
                printOut("e-mail: \(meguri.configuration.smtp.map { "\($0.host):\($0.port) (\($0.security.rawValue)) from \($0.from.address)" } ?? "not configured (MEGURI_SMTP_URL)")")
                printOut("pending: \(status.pending) (retrying after a failure: \(status.retrying))")
                printOut("sent today: \(status.sentSince)")
                printOut("failed: \(status.failed.count)")
                for d in status.failed {
                    printOut("  \(AuditJSON.timestamp(d.createdAt))\t\(d.channel.rawValue)\t\(d.recipient)\t\(d.subject)\t\(d.attempts) attempts\t\(d.lastError ?? "")")
                }
            }
        }
    }

    struct SendTest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "send-test", abstract: "Send a test message to prove the SMTP settings, and wait for the answer.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The address to send to") var email: String
        @Option(help: "How many messages (a load check); default 1") var count: Int = 1
        @Flag(help: "Only queue the messages; a running `meguri serve` sends them") var queueOnly = false

        func run() async throws {
            guard (1...100_000).contains(count) else { throw ValidationError("--count must be from 1 to 100000") }
            try await withMeguri(common) { meguri in
                let keys = try await Notifications(services: meguri.services).sendTest(to: email, count: count)
                if queueOnly {
                    printOut("queued \(keys.count) test message(s) to \(email)")
                    return
                }
                let worker = meguri.notificationWorker()
                var sent = 0
                while true {
                    let round = try await worker.deliverBatch()
                    sent += round.sent
                    if round.claimed == 0 { break }
                }
                let last = try await meguri.services.store.read { try await $0.notifications.delivery(key: keys.last!) }
                if last?.status == .sent {
                    printOut("sent \(keys.count) test message(s) to \(email)")
                } else {
                    printOut("not sent: \(last?.lastError ?? "unknown reason") (it stays queued and is retried; see `meguri notify status`)")
                    throw ExitCode.failure
                }
            }
        }
    }

    struct Scan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Compare every member's \"my work\" with what they were told now, instead of at the next scan.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Workspace slug") var workspace: String

        func run() async throws {
            try await withMeguri(common) { meguri in
                guard let place = try await meguri.services.store.read({ try await $0.workspaces.load(slug: workspace) }) else {
                    throw DomainError.notFound(entity: "workspace")
                }
                let started = ContinuousClock.now
                guard let report = try await Notifications(services: meguri.services).scan(place, force: true) else {
                    printOut("another process is scanning \(workspace); try again in a moment")
                    return
                }
                printOut("\(report.people) people: \(report.notices) new notices, \(report.digests) digests, \(report.emails) e-mails and \(report.webhooks) webhook posts queued"
                         + (report.firstScan ? " (first scan: what was already waiting is remembered, not announced)" : ""))
                printOut("took \(ContinuousClock.now - started); the longest write transaction \(String(format: "%.0f", report.longestWriteMilliseconds)) ms")
            }
        }
    }

    struct Deliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send what is queued now and return (a running `meguri serve` does this by itself).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await withMeguri(common) { meguri in
                let worker = meguri.notificationWorker()
                var sent = 0, failed = 0
                while true {
                    let round = try await worker.deliverBatch()
                    sent += round.sent
                    failed += round.failed
                    if round.claimed == 0 { break }
                }
                printOut("sent \(sent), failed \(failed) (failures are retried later; see `meguri notify status`)")
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "retry-failed", abstract: "Put the messages that failed for good back in the queue (after fixing the settings).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await withMeguri(common) { meguri in
                printOut("requeued \(try await Notifications(services: meguri.services).retryFailed()) message(s)")
            }
        }
    }
}
