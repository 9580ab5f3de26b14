import Domain
import Features
import Foundation
import Mail
import Vapor

/// E-mail over the SMTP client (one connection per batch of messages).
struct SMTPTransport: MailTransport {
    let settings: SMTPSettings
    let caFile: String?

    func open() async throws -> any MailSession {
        SMTPMailSession(connection: try await SMTPConnection.open(settings, caFile: caFile))
    }
}

struct SMTPMailSession: MailSession {
    let connection: SMTPConnection
    func send(from: String, to: String, message: String) async throws { try await connection.send(from: from, to: to, message: message) }
    func close() async { await connection.close() }
}

/// Webhook posts with Vapor's HTTP client (5 s to connect, 15 s to answer).
struct HTTPWebhookTransport: WebhookTransport {
    let client: any Client

    func post(url: String, body: Data, headers: [(String, String)]) async throws -> Int {
        var fields = HTTPHeaders()
        for (name, value) in headers { fields.replaceOrAdd(name: name, value: value) }
        let response = try await client.post(URI(string: url), headers: fields) { $0.body = ByteBuffer(data: body) }
        return Int(response.status.code)
    }
}
