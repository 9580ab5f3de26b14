import Domain
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// A reply of an SMTP server: the three-digit code and its text lines.
public struct SMTPReply: Sendable, Hashable {
    public var code: Int
    public var lines: [String]
    public var text: String { lines.joined(separator: " ") }
    public var isPositive: Bool { (200..<400).contains(code) }
}

/// Why a message was not handed over. `permanent` (a 5xx reply) is not worth retrying soon, but
/// Meguri still retries on its schedule: a mistyped setting fixed by the operator heals the queue.
public struct SMTPError: Error, Sendable, CustomStringConvertible {
    public var step: String
    public var reply: SMTPReply?
    public var detail: String?
    public var description: String {
        if let reply { return "\(step): \(reply.code) \(reply.text)" }
        return "\(step): \(detail ?? "failed")"
    }
}

/// A small SMTP client (RFC 5321) on SwiftNIO: EHLO, STARTTLS (RFC 3207) or TLS from the first
/// byte, AUTH PLAIN or LOGIN (only ever over TLS), then any number of messages on one connection.
/// No pipelining: each command waits for its reply, with a time limit.
public final class SMTPConnection: Sendable {
    let channel: any Channel
    let replies: NIOLoopBound<ReplyHandler>
    let settings: SMTPSettings
    let timeout: TimeAmount

    init(channel: any Channel, replies: NIOLoopBound<ReplyHandler>, settings: SMTPSettings, timeout: TimeAmount) {
        self.channel = channel; self.replies = replies; self.settings = settings; self.timeout = timeout
    }

    /// Connects, greets, secures and authenticates as the settings say.
    /// `caFile`: a PEM file of the certificate authorities to trust instead of the system's (a
    /// private relay's own CA).
    public static func open(_ settings: SMTPSettings, caFile: String? = nil, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                            timeout: TimeAmount = .seconds(30)) async throws -> SMTPConnection {
        let tls = try NIOSSLContext(configuration: {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let caFile { configuration.trustRoots = .file(caFile) }
            return configuration
        }())
        let host = settings.host
        let implicit = settings.security == .implicitTLS
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicit { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: host)) }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ReplyDecoder()))
                    try channel.pipeline.syncOperations.addHandler(ReplyHandler())
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: settings.host, port: settings.port).get()
        } catch {
            throw SMTPError(step: "connect to \(settings.host):\(settings.port)", detail: String(describing: error))
        }
        let handler = try await channel.pipeline.handler(type: ReplyHandler.self).map { NIOLoopBound($0, eventLoop: channel.eventLoop) }.get()
        let connection = SMTPConnection(channel: channel, replies: handler, settings: settings, timeout: timeout)
        do {
            try await connection.handshake(tls: tls)
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    func handshake(tls: NIOSSLContext) async throws {
        try expect(await reply(), 220, "greeting")
        var capabilities = try await ehlo()
        if settings.security == .startTLS {
            guard capabilities.contains(where: { $0.uppercased() == "STARTTLS" }) else {
                throw SMTPError(step: "STARTTLS", detail: "the server does not offer STARTTLS, and credentials are never sent in the clear")
            }
            try expect(await command("STARTTLS"), 220, "STARTTLS")
            let host = settings.host
            try await channel.eventLoop.submit { [channel] in
                try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: host), position: .first)
            }.get()
            capabilities = try await ehlo()
        }
        if let username = settings.username, let password = settings.password {
            let auth = capabilities.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased().split(separator: " ").map(String.init) ?? []
            if auth.contains("PLAIN") || !auth.contains("LOGIN") {
                let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
                try expect(await command("AUTH PLAIN \(token)", redact: true), 235, "AUTH PLAIN")
            } else {
                try expect(await command("AUTH LOGIN"), 334, "AUTH LOGIN")
                try expect(await command(Data(username.utf8).base64EncodedString(), redact: true), 334, "AUTH LOGIN user")
                try expect(await command(Data(password.utf8).base64EncodedString(), redact: true), 235, "AUTH LOGIN password")
            }
        }
    }

    func ehlo() async throws -> [String] {
        let name = ProcessInfo.processInfo.hostName.isEmpty ? "meguri.localdomain" : ProcessInfo.processInfo.hostName
        let reply = try await command("EHLO \(name.contains(".") ? name : name + ".localdomain")")
        try expect(reply, 250, "EHLO")
        return Array(reply.lines.dropFirst())
    }

    /// Hands one message over; returns when the server has accepted it (250 after the data).
    public func send(from: String, to: String, message: String) async throws {
        do {
            try expect(await command("MAIL FROM:<\(from)>"), 250, "MAIL FROM")
            let rcpt = try await command("RCPT TO:<\(to)>")
            guard rcpt.code == 250 || rcpt.code == 251 else { throw SMTPError(step: "RCPT TO", reply: rcpt) }
            try expect(await command("DATA"), 354, "DATA")
            try expect(await write(MailEncoding.dotStuffed(message)), 250, "message data")
        } catch let error as SMTPError {
            _ = try? await command("RSET")
            throw error
        }
    }

    public func close() async {
        if channel.isActive { _ = try? await command("QUIT") }
        try? await channel.close()
    }

    func expect(_ reply: SMTPReply, _ code: Int, _ step: String) throws {
        guard reply.code == code else { throw SMTPError(step: step, reply: reply) }
    }

    func command(_ line: String, redact: Bool = false) async throws -> SMTPReply {
        try await write(line + "\r\n")
    }

    /// Writes bytes and waits for the next reply.
    func write(_ text: String) async throws -> SMTPReply {
        let replies = replies
        let channel = channel
        let timeout = timeout
        return try await channel.eventLoop.flatSubmit {
            let future = replies.value.next(on: channel.eventLoop, timeout: timeout)
            channel.writeAndFlush(ByteBuffer(string: text), promise: nil)
            return future
        }.get()
    }

    /// The next reply without writing (the greeting).
    func reply() async throws -> SMTPReply {
        let replies = replies
        let channel = channel
        let timeout = timeout
        return try await channel.eventLoop.flatSubmit { replies.value.next(on: channel.eventLoop, timeout: timeout) }.get()
    }
}

/// Splits the byte stream into replies: lines `NNN-text` continue, `NNN text` ends one.
final class ReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply
    var lines: [String] = []

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 16_384 { throw SMTPError(step: "reply", detail: "a reply line longer than 16 KB") }
            return .needMoreData
        }
        let bytes = buffer.readBytes(length: newline - buffer.readerIndex + 1) ?? []
        // CR LF is one Character in Swift: trim by bytes, not with hasSuffix("\n").
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = String(decoding: bytes[..<end], as: UTF8.self)
        guard line.count >= 3, let code = Int(line.prefix(3)) else { throw SMTPError(step: "reply", detail: "not an SMTP reply: \(line.prefix(80))") }
        let rest = line.dropFirst(3)
        lines.append(String(rest.dropFirst()))
        if rest.first != "-" {
            context.fireChannelRead(wrapInboundOut(SMTPReply(code: code, lines: lines)))
            lines = []
        }
        return .continue
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState { .needMoreData }
}

/// Hands each reply to the command waiting for it; fails the waiter when the connection ends or
/// the reply does not come in time.
final class ReplyHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = SMTPReply
    var waiting: [EventLoopPromise<SMTPReply>] = []
    var early: [SMTPReply] = []
    var closed: (any Error)?

    func next(on loop: any EventLoop, timeout: TimeAmount) -> EventLoopFuture<SMTPReply> {
        if !early.isEmpty { return loop.makeSucceededFuture(early.removeFirst()) }
        if let closed { return loop.makeFailedFuture(closed) }
        let promise = loop.makePromise(of: SMTPReply.self)
        waiting.append(promise)
        let deadline = loop.scheduleTask(in: timeout) {
            promise.fail(SMTPError(step: "reply", detail: "no reply within \(timeout.nanoseconds / 1_000_000_000) s"))
        }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        if waiting.isEmpty { early.append(reply) } else { waiting.removeFirst().succeed(reply) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(SMTPError(step: "connection", detail: String(describing: error)))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(SMTPError(step: "connection", detail: "closed by the server"))
        context.fireChannelInactive()
    }

    func fail(_ error: any Error) {
        closed = closed ?? error
        let pending = waiting
        waiting = []
        for promise in pending { promise.fail(error) }
    }
}
