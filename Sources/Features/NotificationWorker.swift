import Domain
import Foundation
import Storage

/// The background part of `meguri serve`: delivers queued messages and scans workspaces for new
/// notices. Safe with several instances on one PostgreSQL: messages and scans are leased (see
/// `NotificationStore.claim`), each message is recorded sent right after the server accepted it,
/// and a message claimed by a process that died is taken over when its lease runs out.
public struct NotificationWorker: Sendable {
    let services: AppServices
    let mail: (any MailTransport)?
    let webhooks: (any WebhookTransport)?

    public init(services: AppServices, mail: (any MailTransport)?, webhooks: (any WebhookTransport)?) {
        self.services = services
        self.mail = mail
        self.webhooks = webhooks
    }

    public struct Round: Sendable, Hashable {
        public var sent = 0
        public var failed = 0
        public var claimed = 0
    }

    /// Claims one batch and tries each message once. E-mails of a batch share one SMTP connection.
    public func deliverBatch(limit: Int = 50) async throws -> Round {
        let settings = services.notifier
        let now = services.now
        let batch = try await services.store.bookkeeping { try await $0.notifications.claim(limit: limit, worker: settings.worker, now: now, leaseUntil: now.addingTimeInterval(settings.lease)) }
        var round = Round(claimed: batch.count)
        guard !batch.isEmpty else { return round }
        var session: (any MailSession)?
        var secrets: [Workspace.ID: String] = [:]
        for delivery in batch {
            do {
                switch delivery.channel {
                case .email:
                    guard let mail, let from = settings.mail?.from.address else { throw DeliveryProblem("e-mail is not configured (MEGURI_SMTP_URL)") }
                    guard let body = delivery.body else { throw DeliveryProblem("the message body is missing") }
                    if session == nil { session = try await mail.open() }
                    do {
                        try await session!.send(from: from, to: delivery.recipient, message: body)
                    } catch {
                        // The connection may be unusable: the next message opens a new one.
                        await session?.close()
                        session = nil
                        throw error
                    }
                case .webhook:
                    guard let webhooks else { throw DeliveryProblem("webhooks are not available in this process") }
                    guard let body = delivery.body, let workspace = delivery.workspaceID else { throw DeliveryProblem("the webhook body is missing") }
                    if secrets[workspace] == nil {
                        secrets[workspace] = try await services.store.read { try await $0.notifications.settings(of: workspace) }?.webhookSecret ?? ""
                    }
                    let data = Data(body.utf8)
                    let status = try await webhooks.post(url: delivery.recipient, body: data, headers: [
                        ("Content-Type", "application/json"), ("X-Meguri-Signature", WebhookRules.signature(body: data, secret: secrets[workspace]!)),
                        ("X-Meguri-Delivery", delivery.key), ("User-Agent", "Meguri"),
                    ])
                    guard (200..<300).contains(status) else { throw DeliveryProblem("the webhook answered HTTP \(status)") }
                }
                let at = services.now
                try await services.store.bookkeeping { try await $0.notifications.markSent(delivery.id, worker: settings.worker, at: at) }
                round.sent += 1
            } catch {
                let at = services.now
                let reason = String(describing: error)
                do {
                    try await services.store.bookkeeping { try await $0.notifications.markFailed(delivery.id, attempts: delivery.attempts, error: reason, now: at) }
                } catch {
                    await session?.close()
                    throw error
                }
                round.failed += 1
            }
        }
        await session?.close()
        return round
    }

    /// Scans every workspace whose time has come (each claimed; another instance skips it).
    public func scanDue() async throws -> Int {
        let workspaces = try await services.store.read { try await $0.workspaces.all() }
        var scanned = 0
        for workspace in workspaces where try await Notifications(services: services).scan(workspace) != nil { scanned += 1 }
        return scanned
    }

    /// Runs until the task is cancelled: deliveries every `tick`, scans when due, and the list
    /// of old notices pruned once a day. Errors are logged by the caller's `report` and the loop goes on.
    public func run(tick: Duration = .seconds(2), report: @escaping @Sendable (String) -> Void) async {
        var lastScan = ContinuousClock.now - .seconds(3600)
        var lastPrune = ContinuousClock.now - .seconds(86_400)
        while !Task.isCancelled {
            do {
                var round = try await deliverBatch()
                while round.claimed > 0, !Task.isCancelled { round = try await deliverBatch() }
                // Each workspace's own time is kept in the database; looking every few seconds costs
                // one conditional update per workspace.
                if ContinuousClock.now - lastScan > .seconds(min(15, services.notifier.scanInterval)) {
                    lastScan = .now
                    _ = try await scanDue()
                }
                if ContinuousClock.now - lastPrune > .seconds(86_400) {
                    lastPrune = .now
                    let cutoff = services.now.addingTimeInterval(-AppNotification.retention)
                    try await services.store.bookkeeping { try await $0.notifications.prune(before: cutoff) }
                }
            } catch {
                report(String(describing: error))
            }
            try? await Task.sleep(for: tick)
        }
    }
}

struct DeliveryProblem: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
