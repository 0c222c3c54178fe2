import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

/// Makes swift-nio's WebSocket upgrade response acceptable to the glasses' WebSocket client
/// (TinyWebsockets), which compares header names and the `Connection` value exactly:
/// NIO's upgrader writes `Connection: upgrade`; TinyWebsockets wants `Connection: Upgrade`.
///
/// This is a byte-level outbound handler at the front of the pipeline (next to the socket):
/// it looks only at a response that starts with `HTTP/1.1 101` and rewrites its
/// `Connection` line to exactly `Connection: Upgrade`, leaving every other byte as NIO wrote
/// it. It removes itself after the first response of the connection, so WebSocket frames and
/// later HTTP responses are never touched. (NIO's upgrader sets the value after any extra
/// headers the router returns, so the router cannot override it; this is the layer where the
/// bytes are decided.)
final class FirmwareUpgradeResponseFixer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData
    private var done = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !done, case .byteBuffer(let buffer) = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        done = true
        let bytes = Array(buffer.readableBytesView)
        if let fixed = Self.fixed(bytes) {
            context.write(wrapOutboundOut(.byteBuffer(context.channel.allocator.buffer(bytes: fixed))), promise: promise)
        } else {
            context.write(data, promise: promise)
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// The response with its `Connection` header line rewritten to `Connection: Upgrade`, or
    /// `nil` when `bytes` do not start a `101` response (or need no change).
    static func fixed(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.starts(with: Array("HTTP/1.1 101".utf8)) else { return nil }
        // Split at the end of the header block (the body, if any, is kept as it is).
        let end = Array("\r\n\r\n".utf8)
        var headEnd = bytes.count
        if bytes.count >= 4 {
            for i in 0...(bytes.count - 4) where bytes[i..<i + 4].elementsEqual(end) { headEnd = i + 4; break }
        }
        let head = String(decoding: bytes[0..<headEnd], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        var changed = false
        for (i, line) in lines.enumerated() where i > 0 {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon]
            if name.lowercased() == "connection" && line != "Connection: Upgrade" {
                lines[i] = "Connection: Upgrade"
                changed = true
            } else if name.lowercased() == "upgrade" && line != "Upgrade: websocket" {
                lines[i] = "Upgrade: websocket"
                changed = true
            } else if name.lowercased() == "sec-websocket-accept" && name != "Sec-WebSocket-Accept" {
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                lines[i] = "Sec-WebSocket-Accept: " + value
                changed = true
            }
        }
        guard changed else { return nil }
        return Array(lines.joined(separator: "\r\n").utf8) + Array(bytes[headEnd...])
    }
}

/// The HTTP/1.1 + WebSocket-upgrade child channel of Hummingbird with
/// ``FirmwareUpgradeResponseFixer`` in front.
struct FirmwareCompatibleChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value
    let fix: Bool
    let inner: Inner

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            if fix { try channel.pipeline.syncOperations.addHandler(FirmwareUpgradeResponseFixer(), position: .first) }
        }.flatMap {
            inner.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
