import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

@testable import KB4EventsNet

#if canImport(Glibc)
    import Glibc
#endif

/// A tiny HTTP/1.1 server on loopback for the tests, plain or TLS. Routes:
/// - `/ok`: 200 `ok`;
/// - `/count`: 200 with the number of request body bytes and their FNV-1a hash (`<count> <hash>`);
/// - `/bytes/N`: 200 with N bytes (`i % 251`), written as the client reads them;
/// - `/cut`: a head announcing 1000 bytes, 100 bytes, then the connection closed;
/// - `/stall`: never answers (the server records the request, and when its connection closes);
/// - `/redirect`: 307 to another host;
/// - `/missing`: 404 with a small body.
final class TestServer: Sendable {
    let channel: any Channel
    let port: Int
    let host: String
    private let events = NIOLockedValueBox(Events())

    struct Events {
        var requests: [String] = []
        var stalled = 0
        var stalledClosed = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Starts on `host` (`127.0.0.1` or `::1`), port chosen by the kernel, with TLS when `tls` is given.
    static func start(host: String = "127.0.0.1", tls: TLSConfiguration? = nil) async throws -> TestServer {
        let context = try tls.map { try NIOSSLContext(configuration: $0) }
        let box = NIOLockedValueBox<TestServer?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let context { try sync.addHandler(NIOSSLServerHandler(context: context)) }
                    try sync.configureHTTPServerPipeline(withErrorHandling: false)
                    try sync.addHandler(Handler(server: { box.withLockedValue { $0 } }))
                }
            }
            .bind(host: host, port: 0).get()
        let server = TestServer(channel: channel, host: host)
        box.withLockedValue { $0 = server }
        return server
    }

    private init(channel: any Channel, host: String) {
        self.channel = channel
        self.port = channel.localAddress!.port!
        self.host = host
    }

    /// `http://127.0.0.1:PORT` or `https://[::1]:PORT`…
    func url(_ path: String, scheme: String = "http", host: String? = nil) -> String {
        let h = host ?? self.host
        return "\(scheme)://\(h.contains(":") ? "[\(h)]" : h):\(port)\(path)"
    }

    func stop() async { try? await channel.close() }

    var requests: [String] { events.withLockedValue { $0.requests } }
    var stalledClosed: Int { events.withLockedValue { $0.stalledClosed } }

    /// Returns once `/stall` has been requested `count` times.
    func waitForStalled(_ count: Int = 1) async { await wait(until: \.stalled, reaches: count) }

    /// Returns once a stalled request's connection has closed `count` times.
    func waitForStalledClosed(_ count: Int = 1) async { await wait(until: \.stalledClosed, reaches: count) }

    private func wait(until counter: KeyPath<Events, Int>, reaches count: Int) async {
        while events.withLockedValue({ $0[keyPath: counter] }) < count {
            await withCheckedContinuation { continuation in
                let ready = events.withLockedValue { e -> Bool in
                    if e[keyPath: counter] >= count { return true }
                    e.waiters.append(continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    fileprivate func record(_ update: (inout Events) -> Void) {
        let waiters = events.withLockedValue { e -> [CheckedContinuation<Void, Never>] in
            update(&e)
            defer { e.waiters = [] }
            return e.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let server: @Sendable () -> TestServer?
        var head: HTTPRequestHead?
        var count = 0
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var stalled = false

        init(server: @escaping @Sendable () -> TestServer?) { self.server = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                count = 0
                hash = 0xcbf2_9ce4_8422_2325
                server()?.record { $0.requests.append("\(head.method) \(head.uri)") }
                if head.uri == "/stall" {
                    stalled = true
                    server()?.record { $0.stalled += 1 }
                }
            case .body(let buffer):
                count += buffer.readableBytes
                if head?.uri == "/count-hash" {
                    for byte in buffer.readableBytesView {
                        hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
                    }
                }
            case .end:
                guard let head else { return }
                respond(context, head)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            if stalled { server()?.record { $0.stalledClosed += 1 } }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }

        private func respond(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) {
            let uri = head.uri
            if uri == "/stall" { return }
            if uri == "/ok" {
                send(context, .ok, "ok")
            } else if uri == "/count" || uri == "/count-hash" {
                send(context, .ok, uri == "/count" ? "\(count)" : "\(count) \(hash)")
            } else if uri == "/redirect" {
                send(context, .temporaryRedirect, "", extra: [("Location", "http://elsewhere.invalid/x")])
            } else if uri == "/missing" {
                send(context, .notFound, "<Error>no such key</Error>")
            } else if uri == "/cut" {
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: "1000")
                context.write(wrapOutboundOut(.head(.init(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.writeAndFlush(
                    wrapOutboundOut(.body(.byteBuffer(ByteBuffer(repeating: 0x61, count: 100)))), promise: nil)
                context.close(promise: nil)
            } else if uri.hasPrefix("/bytes/"), let total = Int(uri.dropFirst("/bytes/".count)) {
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: "\(total)")
                context.write(wrapOutboundOut(.head(.init(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                writeBytes(context, from: 0, total: total)
            } else {
                send(context, .notFound, "no route")
            }
        }

        /// Writes `total` bytes in 64 KiB chunks, the next when the last has gone to the kernel: the server's
        /// memory stays flat however large the answer.
        private func writeBytes(_ context: ChannelHandlerContext, from offset: Int, total: Int) {
            guard offset < total else {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                return
            }
            let n = min(65536, total - offset)
            var buffer = context.channel.allocator.buffer(capacity: n)
            let start = offset % 251
            buffer.writeBytes(Pattern.bytes[start..<(start + n)])
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer)))).assumeIsolated().whenSuccess {
                let (handler, context) = loopBound.value
                handler.writeBytes(context, from: offset + n, total: total)
            }
        }

        private func send(
            _ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ body: String,
            extra: [(String, String)] = []
        ) {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: "\(body.utf8.count)")
            headers.add(name: "X-Test", value: "yes")
            for (name, value) in extra { headers.add(name: name, value: value) }
            context.write(wrapOutboundOut(.head(.init(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

/// The bytes `i % 251` for `i` in 0..<65536+251: any 64 KiB window of the endless pattern is a slice of it.
enum Pattern {
    static let bytes: [UInt8] = (0..<(65536 + 251)).map { UInt8($0 % 251) }

    /// Writes `size` bytes of the pattern to `path`.
    static func writeFile(_ path: String, size: Int) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw IOError(errnoCode: errno, reason: "open") }
        defer { close(fd) }
        var offset = 0
        while offset < size {
            let n = min(65536, size - offset)
            let start = offset % 251
            let written = bytes[start..<(start + n)].withUnsafeBytes { write(fd, $0.baseAddress!, n) }
            guard written == n else { throw IOError(errnoCode: errno, reason: "write") }
            offset += n
        }
    }
}

/// Runs `body` with a test server started on `host` (with TLS when `tls` is given) and a client made by `client`;
/// both are shut down afterwards, also when `body` throws.
func withServer(
    host: String = "127.0.0.1", tls: TLSConfiguration? = nil,
    client make: () throws -> (NetClient, HTTPClients) = { try makeClient() },
    _ body: (TestServer, NetClient) async throws -> Void
) async throws {
    let server = try await TestServer.start(host: host, tls: tls)
    let client: NetClient, clients: HTTPClients
    do { (client, clients) = try make() } catch {
        await server.stop()
        throw error
    }
    do { try await body(server, client) } catch {
        await clients.shutdown()
        await server.stop()
        throw error
    }
    await clients.shutdown()
    await server.stop()
}
