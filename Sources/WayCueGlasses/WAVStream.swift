import Foundation

/// The byte layouts of the firmware's audio: the open-ended WAV header that starts
/// `GET /stream.wav`, and 16-bit PCM conversion.
public enum WAVStream {
    /// The 44-byte header of an endless 16-bit mono PCM stream at `sampleRate`: the RIFF and
    /// `data` sizes are "huge" (the firmware ignores them; the length is unknown).
    public static func header(sampleRate: Int) -> [UInt8] {
        var d: [UInt8] = []
        d.reserveCapacity(44)
        func put32(_ v: UInt32) { d += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
        func put16(_ v: UInt16) { d += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        d += Array("RIFF".utf8); put32(0x8000_0014)
        d += Array("WAVE".utf8)
        d += Array("fmt ".utf8); put32(16); put16(1); put16(1)
        put32(UInt32(sampleRate)); put32(UInt32(sampleRate * 2)); put16(2); put16(16)
        d += Array("data".utf8); put32(0x7FFF_FFF0)
        return d
    }

    /// Little-endian 16-bit PCM bytes of samples in `[-1, 1]` (clipped).
    public static func pcm16(_ samples: ArraySlice<Float>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: samples.count * 2)
        var o = 0
        for s in samples {
            let v = UInt16(bitPattern: Int16((max(-1, min(1, s.isFinite ? s : 0)) * 32767).rounded()))
            out[o] = UInt8(v & 0xFF)
            out[o + 1] = UInt8(v >> 8)
            o += 2
        }
        return out
    }

    /// Samples in `[-1, 1]` of little-endian 16-bit PCM bytes (a trailing odd byte is ignored).
    public static func samples(pcm16 bytes: some Collection<UInt8>) -> [Float] {
        let a = Array(bytes)
        var out = [Float](repeating: 0, count: a.count / 2)
        for i in 0..<out.count {
            out[i] = Float(Int16(bitPattern: UInt16(a[2 * i]) | UInt16(a[2 * i + 1]) << 8)) / 32768
        }
        return out
    }
}

/// Appends 16-bit mono PCM to a WAV file as it arrives (the microphone with `--record`); the
/// header's sizes are rewritten on ``close()`` and every few seconds, so a killed process
/// leaves a readable file.
public final class WAVFileWriter: @unchecked Sendable {
    /// Where it writes.
    public let url: URL
    /// Samples per second.
    public let sampleRate: Int
    private let handle: FileHandle
    private let lock = NSLock()
    private var dataBytes = 0
    private var lastPatch = 0
    private var closed = false

    /// Creates (or truncates) the file.
    public init(url: URL, sampleRate: Int) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
        }
        self.url = url
        self.sampleRate = sampleRate
        handle = try FileHandle(forWritingTo: url)
        var header = WAVStream.header(sampleRate: sampleRate)
        Self.setSizes(&header, dataBytes: 0)
        try handle.write(contentsOf: Data(header))
    }

    static func setSizes(_ header: inout [UInt8], dataBytes: Int) {
        func set(_ o: Int, _ v: UInt32) { for k in 0..<4 { header[o + k] = UInt8(v >> (8 * UInt32(k)) & 0xFF) } }
        set(4, UInt32(truncatingIfNeeded: 36 + dataBytes))
        set(40, UInt32(truncatingIfNeeded: dataBytes))
    }

    /// Appends PCM bytes (an odd trailing byte is dropped).
    public func append(pcm16 bytes: [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        let even = bytes.count & ~1
        guard even > 0 else { return }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(bytes[0..<even]))
        } catch { return }
        dataBytes += even
        if dataBytes - lastPatch >= sampleRate * 2 * 5 { patchLocked() }
    }

    private func patchLocked() {
        var header = WAVStream.header(sampleRate: sampleRate)
        Self.setSizes(&header, dataBytes: dataBytes)
        try? handle.seek(toOffset: 0)
        try? handle.write(contentsOf: Data(header))
        try? handle.seekToEnd()
        lastPatch = dataBytes
    }

    /// Writes the final sizes and closes the file.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        patchLocked()
        try? handle.close()
        closed = true
    }

    deinit { close() }
}
