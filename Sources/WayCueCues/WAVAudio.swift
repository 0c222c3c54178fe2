import Foundation

/// A problem reading WAV data, naming its source.
public enum WAVError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not a RIFF/WAVE file or a chunk is cut short.
    case malformed(source: String, reason: String)
    /// A WAV encoding other than 16-bit PCM.
    case unsupported(source: String, reason: String)
    /// The file could not be written.
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .malformed(let s, let r): "WAV \(s): malformed: \(r)"
        case .unsupported(let s, let r): "WAV \(s): unsupported: \(r)"
        case .unwritable(let p, let r): "WAV \(p): cannot write: \(r)"
        }
    }
}

/// Mono audio at a sample rate, samples in `[-1, 1]`.
public struct MonoAudio: Sendable, Hashable {
    /// Samples per second.
    public var sampleRate: Int
    /// The samples.
    public var samples: [Float]

    /// Creates mono audio.
    public init(sampleRate: Int, samples: [Float]) {
        self.sampleRate = sampleRate
        self.samples = samples
    }

    /// Parses 16-bit PCM WAV data (mono or stereo, mixed down). Accepts the open-ended data
    /// size that streaming writers such as `espeak-ng --stdout` put in the header.
    public init(wav data: Data, source: String) throws(WAVError) {
        let bytes = [UInt8](data)
        func u32(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 | Int(bytes[o + 2]) << 16 | Int(bytes[o + 3]) << 24 }
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WAVE".utf8)
        else { throw .malformed(source: source, reason: "no RIFF/WAVE header") }
        var offset = 12
        var format: (channels: Int, rate: Int, bits: Int, code: Int)?
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = u32(offset + 4)
            let body = offset + 8
            if id == "fmt " {
                guard size >= 16, body + 16 <= bytes.count else {
                    throw .malformed(source: source, reason: "fmt chunk too short")
                }
                format = (u16(body + 2), u32(body + 4), u16(body + 14), u16(body))
            } else if id == "data" {
                guard let f = format else { throw .malformed(source: source, reason: "data before fmt") }
                guard f.code == 1 || f.code == 0xFFFE, f.bits == 16 else {
                    throw .unsupported(source: source, reason: "format \(f.code), \(f.bits) bits (need 16-bit PCM)")
                }
                guard f.channels >= 1, f.channels <= 8, f.rate > 0, f.rate <= 384_000 else {
                    throw .unsupported(source: source, reason: "\(f.channels) channels at \(f.rate) Hz")
                }
                let end = min(bytes.count, body + size)
                let frames = (end - body) / (2 * f.channels)
                var out = [Float](repeating: 0, count: frames)
                for i in 0..<frames {
                    var sum = 0
                    for c in 0..<f.channels {
                        sum += Int(Int16(bitPattern: UInt16(u16(body + 2 * (i * f.channels + c)))))
                    }
                    out[i] = Float(sum) / Float(f.channels) / 32768
                }
                self.init(sampleRate: f.rate, samples: out)
                return
            }
            guard size >= 0, body + size > offset else { break }
            offset = body + size + (size & 1)
        }
        throw .malformed(source: source, reason: "no data chunk")
    }

    /// The audio resampled linearly to `rate`.
    public func resampled(to rate: Int) -> MonoAudio {
        guard rate != sampleRate, rate > 0, !samples.isEmpty else { return MonoAudio(sampleRate: rate, samples: samples) }
        let n = Int(Double(samples.count) * Double(rate) / Double(sampleRate))
        let ratio = Double(sampleRate) / Double(rate)
        var out = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let x = Double(i) * ratio
            let j = Int(x)
            let f = Float(x - Double(j))
            let a = samples[min(j, samples.count - 1)]
            let b = samples[min(j + 1, samples.count - 1)]
            out[i] = a + (b - a) * f
        }
        return MonoAudio(sampleRate: rate, samples: out)
    }
}

/// A stereo track being mixed, samples in `[-1, 1]`.
public struct StereoTrack: Sendable, Hashable {
    /// Samples per second.
    public var sampleRate: Int
    /// Left channel.
    public var left: [Float]
    /// Right channel.
    public var right: [Float]

    /// A silent track of `seconds`.
    public init(sampleRate: Int, seconds: Double) {
        self.sampleRate = sampleRate
        let n = max(0, Int((seconds * Double(sampleRate)).rounded()))
        left = [Float](repeating: 0, count: n)
        right = left
    }

    /// Duration in seconds.
    public var duration: Double { Double(left.count) / Double(sampleRate) }

    /// Mixes mono samples in at `time` seconds with constant-power `pan`, at most `limit` samples.
    public mutating func mix(_ mono: [Float], at time: Double, pan: Float, gain: Float = 1, limit: Int? = nil) {
        let (gl, gr) = Earcon.panGains(pan)
        let start = Int((time * Double(sampleRate)).rounded())
        let count = min(mono.count, limit ?? mono.count)
        guard start >= 0 else { return }
        if start + count > left.count {
            left.append(contentsOf: repeatElement(0, count: start + count - left.count))
            right.append(contentsOf: repeatElement(0, count: start + count - right.count))
        }
        for i in 0..<count {
            left[start + i] += mono[i] * gl * gain
            right[start + i] += mono[i] * gr * gain
        }
    }

    /// Root-mean-square level of a channel (0 left, 1 right) between two times in seconds.
    public func rms(channel: Int, from: Double = 0, to: Double? = nil) -> Double {
        let data = channel == 0 ? left : right
        let a = max(0, Int(from * Double(sampleRate)))
        let b = min(data.count, Int((to ?? duration) * Double(sampleRate)))
        guard b > a else { return 0 }
        var s = 0.0
        for i in a..<b { s += Double(data[i]) * Double(data[i]) }
        return (s / Double(b - a)).squareRoot()
    }

    /// 16-bit PCM stereo WAV bytes (samples clipped to `[-1, 1]`).
    public func wavData() -> Data {
        let frames = left.count
        var d = Data()
        d.reserveCapacity(44 + frames * 4)
        func put32(_ v: Int) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian) { d.append(contentsOf: $0) } }
        func put16(_ v: Int) { withUnsafeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian) { d.append(contentsOf: $0) } }
        d.append(contentsOf: Array("RIFF".utf8)); put32(36 + frames * 4)
        d.append(contentsOf: Array("WAVE".utf8))
        d.append(contentsOf: Array("fmt ".utf8)); put32(16); put16(1); put16(2)
        put32(sampleRate); put32(sampleRate * 4); put16(4); put16(16)
        d.append(contentsOf: Array("data".utf8)); put32(frames * 4)
        var pcm = [UInt8](repeating: 0, count: frames * 4)
        for i in 0..<frames {
            let l = UInt16(bitPattern: Int16((max(-1, min(1, left[i])) * 32767).rounded()))
            let r = UInt16(bitPattern: Int16((max(-1, min(1, right[i])) * 32767).rounded()))
            pcm[4 * i] = UInt8(l & 0xFF); pcm[4 * i + 1] = UInt8(l >> 8)
            pcm[4 * i + 2] = UInt8(r & 0xFF); pcm[4 * i + 3] = UInt8(r >> 8)
        }
        d.append(contentsOf: pcm)
        return d
    }

    /// Parses a 16-bit stereo WAV written by ``wavData()`` (for tests and tools).
    public init(wav data: Data, source: String) throws(WAVError) {
        let bytes = [UInt8](data)
        guard bytes.count >= 44, bytes[0..<4].elementsEqual("RIFF".utf8),
            bytes[22] == 2, bytes[34] == 16
        else { throw .unsupported(source: source, reason: "need 16-bit stereo PCM") }
        sampleRate = Int(bytes[24]) | Int(bytes[25]) << 8 | Int(bytes[26]) << 16 | Int(bytes[27]) << 24
        let frames = (bytes.count - 44) / 4
        left = [Float](repeating: 0, count: frames)
        right = left
        for i in 0..<frames {
            let o = 44 + 4 * i
            left[i] = Float(Int16(bitPattern: UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8)) / 32768
            right[i] = Float(Int16(bitPattern: UInt16(bytes[o + 2]) | UInt16(bytes[o + 3]) << 8)) / 32768
        }
    }
}
