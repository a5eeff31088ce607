import NIOCore
import NIOHTTP1

/// Reads one HTTP/1.1 request at a time, asks the simulator for the answer, and delivers it
/// fully, cut short, or stalled as the response says.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private static let maxBodyBytes = 1 << 20
    private let simulator: Simulator
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var bodyTooLarge = false
    /// The delayed answer waiting to be sent, if any: cancelled (and the request counted as abandoned) when the
    /// connection closes first.
    private var pending: Scheduled<Void>?
    /// The request `pending` answers (its account counts it).
    private var pendingRequest: SimRequest?

    init(simulator: Simulator) {
        self.simulator = simulator
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body.removeAll(keepingCapacity: true)
            bodyTooLarge = false
        case .body(var buffer):
            if body.count + buffer.readableBytes > Self.maxBodyBytes {
                bodyTooLarge = true
            } else if let bytes = buffer.readBytes(length: buffer.readableBytes) {
                body.append(contentsOf: bytes)
            }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            let response: SimResponse
            var delay: Duration?
            let request = SimRequest(
                method: requestHead.method.rawValue, uri: requestHead.uri,
                authorization: requestHead.headers.first(name: "Authorization"), body: bodyTooLarge ? [] : body)
            if bodyTooLarge {
                response = .message(413, "Payload Too Large")
            } else {
                // The answer is decided on arrival (the per-second limit counts arrivals) and sent after the latency.
                delay = simulator.received(request)
                response = simulator.respond(to: request)
            }
            guard let delay else {
                write(response, keepAlive: requestHead.isKeepAlive, version: requestHead.version, context: context)
                return
            }
            let simulator = simulator
            let send = { [self] in
                pending = nil
                simulator.answered(request)
                write(response, keepAlive: requestHead.isKeepAlive, version: requestHead.version, context: context)
            }
            if delay > .zero {
                let (seconds, atto) = delay.components
                pendingRequest = request
                pending = context.eventLoop.assumeIsolated().scheduleTask(
                    in: .nanoseconds(seconds * 1_000_000_000 + atto / 1_000_000_000)
                ) {
                    send()
                }
            } else {
                send()
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let pending, let pendingRequest {
            pending.cancel()
            self.pending = nil
            simulator.abandoned(pendingRequest)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func write(_ response: SimResponse, keepAlive: Bool, version: HTTPVersion, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        if response.status != 204 {
            if let contentType = response.contentType { headers.add(name: "Content-Type", value: contentType) }
            headers.add(name: "Content-Length", value: String(response.body.count))
        }
        for header in response.headers { headers.add(name: header.name, value: header.value) }
        let closeAfter = !keepAlive || response.delivery != .complete
        headers.add(name: "Connection", value: closeAfter ? "close" : "keep-alive")
        let head = HTTPResponseHead(
            version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)

        switch response.delivery {
        case .complete:
            if !response.body.isEmpty {
                let buffer = context.channel.allocator.buffer(bytes: response.body)
                context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            }
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if closeAfter {
                done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            }
        case .truncated(let sendBytes):
            let buffer = context.channel.allocator.buffer(bytes: response.body.prefix(sendBytes))
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer)))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .stall(let seconds):
            context.flush()
            context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) {
                context.close(promise: nil)
            }
        }
    }
}
