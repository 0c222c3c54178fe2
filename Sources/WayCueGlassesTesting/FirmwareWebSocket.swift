import Foundation

/// The glasses' WebSocket client (TinyWebsockets, as the firmware uses it), from the protocol
/// spec: the handshake lines verbatim, the strict response check, and single-frame messages
/// masked with the all-zero key.
public final class FirmwareWebSocket: @unchecked Sendable {
    /// The socket.
    public let socket: FirmwareSocket
    /// The handshake response's lines as received (status line first, CRLF stripped).
    public private(set) var responseLines: [String] = []
    /// The response's raw bytes (status line and headers, with CRLFs).
    public private(set) var responseBytes: [UInt8] = []

    /// The request TinyWebsockets sends, byte for byte (`Host` without the port).
    public static func handshakeRequest(path: String, host: String, key: String) -> String {
        "GET \(path) HTTP/1.1\r\n"
            + "Host: \(host)\r\n"
            + "Sec-WebSocket-Key: \(key)\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + "User-Agent: TinyWebsockets Client\r\n"
            + "Origin: https://github.com/gilmaimon/TinyWebsockets\r\n"
            + "\r\n"
    }

    /// The RFC 6455 accept value of `key`.
    public static func acceptValue(key: String) -> String {
        Data(SHA1.hash(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
    }

    /// Checks a handshake response the way the firmware's client does (the strictest reading
    /// of TinyWebsockets): status line starting `HTTP/1.1 101`; each header `Name: value` with
    /// exactly one space after the colon; `Upgrade: websocket`, `Connection: Upgrade` and
    /// `Sec-WebSocket-Accept: <accept>` with exactly these names and values; lines of at least 2
    /// bytes. Returns the reason it fails, or `nil`.
    public static func checkResponse(lines: [String], key: String) -> String? {
        guard let status = lines.first, status.hasPrefix("HTTP/1.1 101") else {
            return "status line \(lines.first ?? "(none)") does not start with HTTP/1.1 101"
        }
        var upgrade = false, connection = false, accept: String?
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { return "header line without a colon: \(line)" }
            let name = String(line[..<colon])
            let rest = line[line.index(after: colon)...]
            guard rest.first == " ", rest.dropFirst().first != " " else {
                return "header \(name): not exactly one space after the colon"
            }
            let value = String(rest.dropFirst())
            switch name {
            case "Upgrade": upgrade = value == "websocket"
            case "Connection": connection = value == "Upgrade"
            case "Sec-WebSocket-Accept": accept = value
            default: break
            }
        }
        if !upgrade { return "no exact 'Upgrade: websocket' header" }
        if !connection { return "no exact 'Connection: Upgrade' header" }
        guard accept == acceptValue(key: key) else { return "Sec-WebSocket-Accept missing or wrong" }
        return nil
    }

    /// Connects and shakes hands, each response line within 1 s as the firmware requires.
    ///
    /// - Throws: ``FirmwareFailure`` when the firmware would fail ("connect failed").
    public init(host: String, port: Int, path: String, key: String? = nil, localAddress: String? = nil) throws {
        socket = try FirmwareSocket(host: host, port: port, timeout: 2, localAddress: localAddress)
        var raw = [UInt8](repeating: 0, count: 16)
        for i in 0..<16 { raw[i] = UInt8.random(in: 0...255) }
        let key = key ?? Data(raw).base64EncodedString()
        try socket.send(Array(Self.handshakeRequest(path: path, host: host, key: key).utf8))
        while true {
            let line = try socket.readLine(timeout: 1.0)
            responseBytes += Array(line.utf8)
            guard line.utf8.count >= 2 else { throw FirmwareFailure("header line shorter than 2 bytes") }
            if line == "\r\n" { break }
            // (Bytes, not Characters: "\r\n" is one Character in Swift.)
            var bytes = Array(line.utf8)
            while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
            responseLines.append(String(decoding: bytes, as: UTF8.self))
            if responseLines.count == 1, !line.hasPrefix("HTTP/1.1 101") {
                socket.close()
                throw FirmwareFailure("status line \(line.trimmingCharacters(in: .newlines)) does not start with HTTP/1.1 101")
            }
        }
        if let problem = Self.checkResponse(lines: responseLines, key: key) {
            socket.close()
            throw FirmwareFailure(problem)
        }
    }

    /// One frame, FIN set, masked with the zero key (payload bytes as they are), one write.
    public static func frame(opcode: UInt8, payload: [UInt8]) -> [UInt8] {
        var f: [UInt8] = [0x80 | opcode]
        let n = payload.count
        if n < 126 {
            f.append(0x80 | UInt8(n))
        } else if n < 65536 {
            f += [0x80 | 126, UInt8(n >> 8), UInt8(n & 0xFF)]
        } else {
            f.append(0x80 | 127)
            for i in (0..<8).reversed() { f.append(UInt8(UInt64(n) >> (UInt64(i) * 8) & 0xFF)) }
        }
        f += [0, 0, 0, 0]
        return f + payload
    }

    /// Sends a binary message.
    public func sendBinary(_ payload: [UInt8]) throws { try socket.send(Self.frame(opcode: 0x2, payload: payload)) }
    /// Sends a text message.
    public func sendText(_ text: String) throws { try socket.send(Self.frame(opcode: 0x1, payload: Array(text.utf8))) }

    /// A message from the server.
    public enum Message: Sendable, Equatable {
        /// Text.
        case text(String)
        /// Binary.
        case binary([UInt8])
        /// The server closed (the close was echoed).
        case closed
    }

    /// Handles what the server sent, without blocking when nothing waits (the firmware's
    /// `poll()`): answers pings, echoes a close, returns data messages.
    public func poll() throws -> [Message] {
        var out: [Message] = []
        while try socket.hasData() {
            let head = try socket.read(exactly: 2, timeout: 1)
            let opcode = head[0] & 0x0F
            var n = Int(head[1] & 0x7F)
            if n == 126 {
                let b = try socket.read(exactly: 2, timeout: 1)
                n = Int(b[0]) << 8 | Int(b[1])
            } else if n == 127 {
                let b = try socket.read(exactly: 8, timeout: 1)
                n = b.reduce(0) { $0 << 8 | Int($1) }
            }
            var mask: [UInt8]?
            if head[1] & 0x80 != 0 { mask = try socket.read(exactly: 4, timeout: 1) }
            var payload = try socket.read(exactly: n, timeout: 1)
            if let mask { for i in payload.indices { payload[i] ^= mask[i % 4] } }
            switch opcode {
            case 0x1: out.append(.text(String(decoding: payload, as: UTF8.self)))
            case 0x2: out.append(.binary(payload))
            case 0x8:
                try? socket.send(Self.frame(opcode: 0x8, payload: Array(payload.prefix(2))))
                socket.close()
                out.append(.closed)
                return out
            case 0x9: try socket.send(Self.frame(opcode: 0xA, payload: payload))
            default: break
            }
        }
        return out
    }

    /// Closes the TCP connection (no close frame: what a reset device leaves behind).
    public func close() { socket.close() }
}
