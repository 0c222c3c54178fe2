import Foundation
import Testing
import WayCueCapture
import WayCueCues
import WayCueDetector
import WayCueImage
@testable import WayCueGlasses
@testable import WayCueGlassesTesting

@Suite(.serialized) struct GlassesHandshakeTests {
    /// The emulator's check is the firmware's: it must reject what TinyWebsockets rejects
    /// (otherwise the server test below proves nothing).
    @Test func strictCheckRejectsWhatTheFirmwareRejects() {
        let key = "dGhlIHNhbXBsZSBub25jZQ=="
        let accept = FirmwareWebSocket.acceptValue(key: key)
        #expect(accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")  // RFC 6455's example
        let good = ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
                    "Sec-WebSocket-Accept: \(accept)"]
        #expect(FirmwareWebSocket.checkResponse(lines: good, key: key) == nil)
        var nio = good; nio[2] = "Connection: upgrade"
        #expect(FirmwareWebSocket.checkResponse(lines: nio, key: key) != nil)
        var keepAlive = good; keepAlive[2] = "Connection: Upgrade, keep-alive"
        #expect(FirmwareWebSocket.checkResponse(lines: keepAlive, key: key) != nil)
        var twoSpaces = good; twoSpaces[1] = "Upgrade:  websocket"
        #expect(FirmwareWebSocket.checkResponse(lines: twoSpaces, key: key) != nil)
        var forbidden = good; forbidden[0] = "HTTP/1.1 403 Forbidden"
        #expect(FirmwareWebSocket.checkResponse(lines: forbidden, key: key) != nil)
        var lower = good; lower[3] = "sec-websocket-accept: \(accept)"
        #expect(FirmwareWebSocket.checkResponse(lines: lower, key: key) != nil)
    }

    /// What NIO's upgrader writes is fixed to the exact form, and nothing else is touched.
    @Test func upgradeResponseFixerRewritesOnlyTheConnectionLine() {
        let nio = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: abc=\r\nConnection: upgrade\r\n\r\n"
        let fixed = FirmwareUpgradeResponseFixer.fixed(Array(nio.utf8)).map { String(decoding: $0, as: UTF8.self) }
        #expect(fixed == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: abc=\r\nConnection: Upgrade\r\n\r\n")
        #expect(FirmwareUpgradeResponseFixer.fixed(Array("HTTP/1.1 200 OK\r\nConnection: upgrade\r\n\r\n".utf8)) == nil)
    }

    /// Without the fix, the firmware's client rejects what Hummingbird (swift-nio) sends.
    @Test func withoutTheFixTheFirmwareClientRejectsTheUpgrade() async throws {
        let t = try await TestServer.start(speech: false, { $0.firmwareHandshakeFix = false }) { _ in MarkerDetector() }
        let port = t.port
        let failure = try await blocking { () -> String? in
            do { _ = try FirmwareWebSocket(host: "127.0.0.1", port: port, path: "/ws/camera"); return nil } catch {
                return "\(error)"
            }
        }
        #expect(failure == "no exact 'Connection: Upgrade' header")
        await t.stop()
    }

    /// The real server's handshake, byte by byte, through the emulator's strict client.
    @Test func serverHandshakeIsAcceptedByTheFirmwareClient() async throws {
        let t = try await TestServer.start(speech: false) { _ in MarkerDetector() }
        for path in ["/ws/camera", "/ws_audio"] {
            let ws = try await blocking { try FirmwareWebSocket(host: "127.0.0.1", port: t.port, path: path) }
            let text = String(decoding: ws.responseBytes, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 101 "))
            #expect(ws.responseLines.contains("Connection: Upgrade"))
            #expect(ws.responseLines.contains("Upgrade: websocket"))
            ws.close()
        }
        await t.stop()
    }
}

@Suite(.serialized) struct GlassesCameraTests {
    @Test func mirroredFramesAreUnmirroredBeforeDetection() async throws {
        let detector = MarkerDetector()
        let t = try await TestServer.start(speech: false) { _ in detector }
        let ws = try await blocking { try FirmwareWebSocket(host: "127.0.0.1", port: t.port, path: "/ws/camera") }
        let jpeg = try markerJPEG(mirrored: true)
        // Sent mirrored: the marker is in the right half of the bytes on the wire.
        let wire = try Image(jpegData: jpeg)
        #expect(try MarkerDetector().detect(wire).first.map { $0.box.centerX > Float(wire.width) / 2 } == true)
        for _ in 0..<5 { try ws.sendBinary(jpeg); await sleep(seconds: 0.05) }
        #expect(await t.wait(5) { !detector.sightings.isEmpty })
        let seen = try #require(detector.sightings.first)
        #expect(seen.centerX < Float(seen.width) / 2, "marker seen at x=\(seen.centerX) of \(seen.width)")
        ws.close()
        await t.stop()
    }

    @Test func badFramesAreCountedAndTheServerStaysUp() async throws {
        let detector = MarkerDetector()
        let t = try await TestServer.start(speech: false) { _ in detector }
        let ws = try await blocking { try FirmwareWebSocket(host: "127.0.0.1", port: t.port, path: "/ws/camera") }
        let good = try markerJPEG(mirrored: true)
        try ws.sendBinary(Array("not a jpeg at all".utf8))                   // not JPEG
        try ws.sendBinary(Array(good.prefix(good.count / 2)))                 // truncated
        try ws.sendBinary([0xFF, 0xD8, 0xFF] + [UInt8](repeating: 7, count: 61_500) + [0xFF, 0xD9])  // too large
        try ws.sendText("HELLO")                                              // text
        try ws.sendText("SNAP:BEGIN")                                         // tolerated
        var corrupt = good
        for i in 200..<min(corrupt.count - 2, 2000) { corrupt[i] = 0x00 }    // markers intact, data garbage
        try ws.sendBinary(corrupt)
        await sleep(seconds: 0.2)
        try ws.sendBinary(good)
        let device = try #require(await { () async -> GlassesDevice? in
            _ = await t.wait(5) { t.server.allDevices().first?.pipelineStats()?.framesProcessed ?? 0 >= 1 }
            return t.server.allDevices().first
        }())
        let refused = device.source.counters().refused
        #expect(refused["not_jpeg"] == 1)
        #expect(refused["truncated", default: 0] >= 1)
        #expect(refused["too_large"] == 1)
        #expect(refused["text"] == 1)
        #expect(device.pipelineStats()?.framesProcessed ?? 0 >= 1)
        // Still serving.
        let health = try await blocking { try t.get("/api/health") }
        #expect(health.status.hasPrefix("HTTP/1.1 200") && health.body == Array("OK".utf8))
        let status = try await blocking { try t.get("/status.json") }
        #expect(status.status.hasPrefix("HTTP/1.1 200"))
        #expect(String(decoding: status.body, as: UTF8.self).contains("\"too_large\":1"))
        ws.close()
        await t.stop()
    }

    /// A socket that stalls mid-frame (a frame header and part of its payload, then nothing) is
    /// closed after the inactivity time, counted, and a new connection gets frames through.
    @Test func cameraSocketStalledMidFrameIsClosedAndCounted() async throws {
        let detector = MarkerDetector()
        let t = try await TestServer.start(speech: false, { $0.inactivitySeconds = 1 }) { _ in detector }
        let jpeg = try markerJPEG(mirrored: true)
        let stalled = try await blocking { try FirmwareWebSocket(host: "127.0.0.1", port: t.port, path: "/ws/camera") }
        // The inactivity clock runs from the last whole message: this frame's arrival.
        let lastWhole = Date()
        try stalled.sendBinary(jpeg)
        #expect(await t.wait(5) { (t.server.allDevices().first?.pipelineStats()?.framesProcessed ?? 0) >= 1 })
        let frame = FirmwareWebSocket.frame(opcode: 0x2, payload: jpeg)
        try stalled.socket.send(Array(frame.prefix(frame.count / 2)))
        let d = try #require(t.server.allDevices().first)
        // Closed by the server (after a second of silence, checked every 250 ms).
        let closedAfter = try await blocking { stalled.socket.drainUntilClosed(timeout: 6) }
        #expect(closedAfter != nil, "the stalled socket is still open after 6 s")
        #expect(Date().timeIntervalSince(lastWhole) > 0.9)
        #expect(await t.wait(2) { d.deviceCounters().cameraTimeouts == 1 })
        #expect(d.deviceCounters().cameraErrors == 0)
        // The half frame was not taken for a frame; a new connection works.
        let processed = d.pipelineStats()?.framesProcessed ?? 0
        let fresh = try await blocking { try FirmwareWebSocket(host: "127.0.0.1", port: t.port, path: "/ws/camera") }
        for _ in 0..<3 { try fresh.sendBinary(jpeg); await sleep(seconds: 0.05) }
        #expect(await t.wait(5) { (d.pipelineStats()?.framesProcessed ?? 0) > processed })
        #expect(d.source.counters().refused.isEmpty, "refused: \(d.source.counters().refused)")
        fresh.close()
        stalled.close()
        await t.stop()
    }

    @Test func newestCameraConnectionWins() async throws {
        let detector = MarkerDetector()
        let t = try await TestServer.start(speech: false) { _ in detector }
        let old = try await blocking { try FirmwareWebSocket(host: "127.0.0.1", port: t.port, path: "/ws/camera") }
        try old.sendBinary(try markerJPEG(mirrored: true))
        // The old socket is left open (half-open after a reboot): the new one is accepted anyway.
        let new = try await blocking { try FirmwareWebSocket(host: "127.0.0.1", port: t.port, path: "/ws/camera") }
        try new.sendBinary(try markerJPEG(mirrored: true))
        // The old one is closed by the server (close frame, then end of stream).
        var closed = false
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline && !closed {
            do { closed = try old.poll().contains(.closed) } catch { closed = true }
            await sleep(seconds: 0.02)
        }
        #expect(closed)
        let d = try #require(t.server.allDevices().first)
        #expect(d.camera.connections == 2 && d.camera.replaced == 1)
        new.close()
        await t.stop()
    }
}

@Suite(.serialized) struct GlassesSpeakerTests {
    /// Idle: one request stays open, 20 ms blocks keep coming (no 1.5 s timeout, no reconnect).
    /// The 60 s version is `idleStreamSixtySeconds` (WAYCUE_SLOW_TESTS=1).
    @Test func idleStreamStaysOpenWithoutGaps() async throws {
        try await idleStream(seconds: 4)
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["WAYCUE_SLOW_TESTS"] == "1",
                   "60 s of real time; set WAYCUE_SLOW_TESTS=1"))
    func idleStreamSixtySeconds() async throws {
        try await idleStream(seconds: 60)
    }

    func idleStream(seconds: Double) async throws {
        let t = try await TestServer.start(speech: false) { _ in MarkerDetector() }
        let reader = StreamWAVReader(host: "127.0.0.1", port: t.port)
        reader.start()
        try await Task.sleep(for: .milliseconds(500))
        reader.resetGap()
        try await Task.sleep(for: .seconds(seconds))
        reader.stop()
        #expect(reader.gets.count == 1, "GETs: \(reader.gets.count), failures: \(reader.failures)")
        #expect(reader.timeouts == 0)
        #expect(reader.cleanEnds == 0)
        #expect(reader.sampleRate == 16_000)
        // Far below the 1.5 s that ends a stream; scheduling jitter on a loaded 2-core machine reaches 0.25 s.
        #expect(reader.longestGap < 0.5, "longest wait for a block \(reader.longestGap) s")
        let expected = (seconds + 0.5) * 16_000
        #expect(abs(Double(reader.samples.count) - expected) < expected * 0.05 + 3200,
                "\(reader.samples.count) samples for \(seconds + 0.5) s")
        #expect(rms(reader.samples[...]) == 0)
        await t.stop()
    }

    /// The newest request wins; the older one gets the terminal chunk (a clean end).
    @Test func secondReaderTakesOverAndTheFirstEndsCleanly() async throws {
        let t = try await TestServer.start(speech: false) { _ in MarkerDetector() }
        let first = StreamWAVReader(host: "127.0.0.1", port: t.port)
        first.reconnects = false
        first.start()
        try await Task.sleep(for: .seconds(1))
        let second = StreamWAVReader(host: "127.0.0.1", port: t.port)
        second.start()
        #expect(await t.wait(3) { first.cleanEnds == 1 })
        let before = second.samples.count
        try await Task.sleep(for: .seconds(1))
        #expect(second.samples.count - before > 12_000)
        #expect(second.gets.count == 1 && second.timeouts == 0 && second.cleanEnds == 0)
        #expect(first.timeouts == 0)
        let d = try #require(t.server.allDevices().first)
        #expect(d.stream.connections == 2 && d.stream.replaced == 1)
        first.stop(); second.stop()
        await t.stop()
    }

    /// A reader that asks for `/stream.wav` and never reads: once the socket's buffers are full
    /// and no chunk can be written for `streamStallSeconds`, the response ends, its connection
    /// is closed and the stall is counted; a reader that reads is served as before.
    @Test func readerThatNeverReadsIsClosedAndCounted() async throws {
        let t = try await TestServer.start(speech: false, { $0.streamStallSeconds = 1 }) { _ in MarkerDetector() }
        let lazy = try FirmwareSocket(host: "127.0.0.1", port: t.port, receiveBuffer: 4096)
        try lazy.send(Array("GET /stream.wav HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
        #expect(await t.wait(5) { t.server.allDevices().first != nil })
        let d = try #require(t.server.allDevices().first)
        // 32 KB/s fills the loopback buffers in seconds; then one more second without a write.
        let stalled = await t.wait(60) { d.deviceCounters().streamStalls == 1 }
        #expect(stalled, "chunks written: \(d.deviceCounters().streamChunks), connected: \(d.stream.isConnected)")
        #expect(d.deviceCounters().streamChunks > 10)
        #expect(await t.wait(2) { !d.stream.isConnected })
        // What was buffered can still be read, then the end: the connection is closed.
        let drained = try await blocking { lazy.drainUntilClosed(timeout: 5) }
        #expect(drained != nil, "the stalled reader's connection is still open")
        let reader = StreamWAVReader(host: "127.0.0.1", port: t.port)
        reader.start()
        #expect(await t.wait(5) { reader.samples.count > 16_000 }, "failures: \(reader.failures)")
        #expect(reader.timeouts == 0)
        #expect(d.deviceCounters().streamStalls == 1)
        reader.stop()
        await t.stop()
    }

    /// The firmware's player race (spec section 5, Q3): after an audio reconnect two player
    /// tasks run, each reconnecting 200 ms after its stream ends, so they keep taking the
    /// stream from each other. The server must feed one at a time (both share one I2S output:
    /// two fed streams would garble), and a cue must still be heard.
    @Test func doubleReaderRaceFeedsOneStreamAtATime() async throws {
        let t = try await TestServer.start(speech: false) { _ in MarkerDetector() }
        let a = StreamWAVReader(host: "127.0.0.1", port: t.port), b = StreamWAVReader(host: "127.0.0.1", port: t.port)
        a.start()
        try await Task.sleep(for: .milliseconds(300))
        b.start()
        try await Task.sleep(for: .seconds(1))
        let device = try #require(t.server.allDevices().first)
        let cueAt = MonotonicClock.now()
        let cue = Cue(timestamp: 1, kind: .obstacle, priority: .obstacle, message: CueMessage("obstacle", ["class": "pole"]),
                      text: "pole ahead", speech: "pole ahead", pan: 0, urgency: 0.5, earcon: .beep)
        device.deliver([cue], at: cueAt)
        try await Task.sleep(for: .seconds(3))
        let end = MonotonicClock.now()
        a.stop(); b.stop()
        // The race happened: each reader was cut off and came back several times.
        #expect(a.gets.count + b.gets.count >= 6, "GETs \(a.gets.count) + \(b.gets.count)")
        #expect(a.cleanEnds >= 2 && b.cleanEnds >= 2, "clean ends \(a.cleanEnds), \(b.cleanEnds)")
        #expect(a.timeouts == 0 && b.timeouts == 0)
        #expect(device.stream.replaced >= 4)
        // One stream fed at a time: in 40 ms windows, blocks reach both readers only around a
        // hand-over (a block or two in flight), never for long.
        var both = 0, any = 0
        var w = cueAt - 1
        while w + 0.04 <= end {
            let x = !a.samples(arrivedFrom: w, to: w + 0.04).isEmpty, y = !b.samples(arrivedFrom: w, to: w + 0.04).isEmpty
            if x || y { any += 1 }
            if x && y { both += 1 }
            w += 0.04
        }
        #expect(any > 50)
        #expect(Double(both) <= 0.25 * Double(any), "\(both) of \(any) windows fed both streams")
        // The cue's sound reached the device on whichever stream was current.
        let heard = a.samples(arrivedFrom: cueAt, to: end) + b.samples(arrivedFrom: cueAt, to: end)
        #expect(rms(heard[...]) > 0.01, "rms after the cue \(rms(heard[...]))")
        await t.stop()
    }

    /// A cue becomes sound on the open stream (earcon, then espeak-ng speech when installed).
    @Test func cueAudioAppearsOnTheStream() async throws {
        let t = try await TestServer.start { _ in MarkerDetector() }
        let reader = StreamWAVReader(host: "127.0.0.1", port: t.port)
        reader.start()
        try await Task.sleep(for: .seconds(1))
        let device = try #require(t.server.allDevices().first)
        let quietBefore = rms(reader.samples[...])
        let mark = reader.samples.count
        let cue = Cue(timestamp: 1, kind: .obstacle, priority: .obstacle, message: CueMessage("obstacle", ["class": "pole"]),
                      text: "pole ahead", speech: "pole ahead", pan: 0, urgency: 0.5, earcon: .beep)
        device.deliver([cue], at: MonotonicClock.now())
        try await Task.sleep(for: .seconds(2.5))
        reader.stop()
        let after = reader.samples[mark...]
        #expect(quietBefore == 0)
        #expect(rms(after) > 0.01, "rms after the cue \(rms(after))")
        let timing = device.audio.timing()
        #expect(timing.firstSample.count == 1)
        if t.server.speech.isAvailable {
            // Speech energy beyond the earcon: the earcon lasts < 0.5 s, speech follows.
            let earconEnd = mark + Int(0.6 * 16_000)
            #expect(reader.samples.count > earconEnd + 8000)
            #expect(rms(reader.samples[earconEnd..<min(reader.samples.count, earconEnd + 8000)]) > 0.01)
            #expect(timing.speech.count == 1)
        }
        #expect(reader.gets.count == 1)
        await t.stop()
    }

    /// Guidance that waited too long for the channel is dropped (a late clock position
    /// misleads); safety cues still play.
    @Test func staleGuidanceIsDroppedSafetyIsNot() {
        let player = CueAudioPlayer(sampleRate: 16_000)
        let paving = Cue(timestamp: 0, kind: .paving, priority: .paving, message: CueMessage("paving.bends"), text: "x",
                         speech: "", pan: 0, urgency: 0, earcon: .guide)
        let red = Cue(timestamp: 0, kind: .signal, priority: .signalChange, message: CueMessage("signal.red"), text: "red",
                      speech: "", pan: 0, urgency: 1, earcon: .alert)
        player.enqueue(paving, decidedAt: 0, speech: nil, voice: "en")
        player.enqueue(red, decidedAt: 0, speech: nil, voice: "en")
        // The stream was away for 2 s: the red still plays, the paving cue is dropped.
        var chunks = 0
        var energy = 0.0
        while !player.isIdle && chunks < 200 {
            energy += rms(player.nextChunk(now: 2.0 + Double(chunks) * 0.02)[...])
            chunks += 1
        }
        #expect(player.counters().dropped == 1 && player.counters().played == 1)
        #expect(energy > 0)
        #expect(chunks <= Int(Earcon.duration(.alert, urgency: 1) / 0.02) + 2)
    }

    /// An interrupting cue cuts the one playing without ending the stream.
    @Test func interruptingCueCutsSpeechOnTheOpenStream() {
        let player = CueAudioPlayer(sampleRate: 16_000)
        let long = Cue(timestamp: 0, kind: .paving, priority: .paving, message: CueMessage("paving.bends"), text: "x",
                       speech: "", pan: 0, urgency: 0, earcon: .status)
        let urgent = Cue(timestamp: 0.1, kind: .collision, priority: .imminent, message: CueMessage("collision"), text: "stop",
                         speech: "", pan: 0, urgency: 1, earcon: .alert, interrupts: true)
        player.enqueue(long, decidedAt: 0, speech: nil, voice: "en")
        _ = player.nextChunk(now: 0.0)
        player.enqueue(urgent, decidedAt: 0.02, speech: nil, voice: "en")
        _ = player.nextChunk(now: 0.02)
        #expect(player.counters().interrupted == 1)
        var chunks = 0
        while !player.isIdle && chunks < 100 { _ = player.nextChunk(now: 0.04 + Double(chunks) * 0.02); chunks += 1 }
        // Only the alert's remaining 0.42 s played, not the paving earcon's rest.
        #expect(chunks <= Int(Earcon.duration(.alert, urgency: 1) / 0.02) + 1)
    }
}

@Suite(.serialized) struct GlassesDeviceTests {
    @Test func garbageUDPIsCountedAndGoodDatagramsGiveTheHeadTurnRate() async throws {
        let t = try await TestServer.start(speech: false) { _ in MarkerDetector() }
        let udp = try UDPSender(host: "127.0.0.1", port: t.imuPort)
        let garbage: [[UInt8]] = [[], [0xFF, 0x00, 0x13], Array("{\"ts\":1".utf8), Array("{\"ts\":1,\"accel\":5}".utf8),
                                  Array("hello".utf8), [UInt8](repeating: 0x7B, count: 1500)]
        for g in garbage { udp.send(g) }
        for i in 0..<20 {
            udp.send(Array("{\"ts\":\(1000 + 20 * i),\"temp_c\":31.50,\"accel\":{\"x\":0.012,\"y\":9.807,\"z\":-0.031},\"gyro\":{\"x\":0.271,\"y\":150.000,\"z\":0.105}}".utf8))
            await sleep(seconds: 0.02)
        }
        // Empty datagrams are not delivered by every stack; the five others must be counted.
        #expect(await t.wait(3) { t.server.imuCounts().good == 20 && t.server.imuCounts().bad >= 5 })
        let d = try #require(t.server.allDevices().first)
        #expect(d.headState().samples == 20)
        #expect(abs(d.headState().yawRate - 150) < 10, "yaw rate \(d.headState().yawRate)")
        // Obstacle cues are held back while the head turns that fast; safety cues are not.
        let obstacle = Cue(timestamp: 1, kind: .obstacle, priority: .obstacle, message: CueMessage("obstacle"), text: "pole",
                           speech: "", pan: 0, urgency: 0, earcon: .beep)
        let collision = Cue(timestamp: 1, kind: .collision, priority: .imminent, message: CueMessage("collision"), text: "stop",
                            speech: "", pan: 0, urgency: 1, earcon: .alert, interrupts: true)
        udp.send(Array("{\"ts\":2000,\"temp_c\":31.50,\"accel\":{\"x\":0.0,\"y\":9.8,\"z\":0.0},\"gyro\":{\"x\":0.0,\"y\":150.0,\"z\":0.0}}".utf8))
        await sleep(seconds: 0.05)
        d.deliver([obstacle, collision], at: MonotonicClock.now())
        #expect(d.deviceCounters().cuesHeldBack == 1)
        #expect(d.cues().filter(\.heldBack).map(\.key) == ["obstacle"])
        await t.stop()
    }

    /// `--record`: camera as sent, microphone as a WAV, IMU lines and cue lines, per device.
    @Test func recordWritesCameraMicrophoneAndIMU() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("waycue-glasses-rec-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let t = try await TestServer.start(speech: false, { $0.recordDirectory = dir }) { _ in MarkerDetector() }
        let jpeg = try markerJPEG(mirrored: true, width: 320, height: 240)
        let glasses = EmulatedGlasses(host: "127.0.0.1", port: t.port, imuPort: t.imuPort, fps: 10) { _ in jpeg }
        glasses.start()
        #expect(await t.wait(5) { glasses.sent.micFrames >= 50 && glasses.sent.frames >= 10 })
        // What the server received, not what the glasses sent: frames still in flight when the
        // glasses stop are not in the recording, and need not be.
        #expect(await t.wait(5) {
            let c = t.server.allDevices().first?.deviceCounters()
            return (c?.micFrames ?? 0) >= 50 && (c?.cameraFrames ?? 0) >= 10 && t.server.imuCounts().good >= 20
        })
        glasses.stop()
        await t.stop()
        #expect(glasses.serverTexts.contains("OK:STARTED"))
        let sub = try #require(try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil).first)
        let mic = try Data(contentsOf: sub.appendingPathComponent("mic.wav"))
        let audio = try MonoAudio(wav: mic, source: "mic.wav")
        #expect(audio.sampleRate == 16_000)
        #expect(audio.samples.count >= 50 * 320 && audio.samples.count % 320 == 0)
        #expect(rms(audio.samples[...]) > 0.01)
        let mjpeg = try Data(contentsOf: sub.appendingPathComponent("camera.mjpeg"))
        #expect(mjpeg.count >= 10 * jpeg.count && mjpeg.starts(with: jpeg))
        let imu = try String(contentsOf: sub.appendingPathComponent("imu.jsonl"), encoding: .utf8)
        #expect(imu.split(separator: "\n").count >= 20)
        #expect(imu.split(separator: "\n").allSatisfy { IMUSample.parse(Array($0.utf8)) != nil })
    }

    /// A power cycle: the old sockets stay half-open, the new ones get frames through and sound
    /// on the speaker within 2 s.
    @Test func rebootGetsFramesAndSoundWithinTwoSeconds() async throws {
        let detector = MarkerDetector()
        let t = try await TestServer.start(speech: false) { _ in detector }
        let jpeg = try markerJPEG(mirrored: true, width: 320, height: 240)
        let glasses = EmulatedGlasses(host: "127.0.0.1", port: t.port, imuPort: t.imuPort, fps: 10) { _ in jpeg }
        glasses.start()
        #expect(await t.wait(5) { (t.server.allDevices().first?.pipelineStats()?.framesProcessed ?? 0) >= 5
            && glasses.speaker.samples.count > 8000 }, "camera failures: \(glasses.cameraFailures.prefix(3)), speaker: \(glasses.speaker.failures.prefix(3))")
        let d = try #require(t.server.allDevices().first)
        let processedBefore = d.pipelineStats()?.framesProcessed ?? 0
        let abandoned = glasses.reboot()
        #expect(abandoned.count == 3)
        let rebootAt = Date()
        let ok = await t.wait(2) {
            d.camera.connections == 2 && (d.pipelineStats()?.framesProcessed ?? 0) > processedBefore + 2
                && glasses.speaker.samples.count > 1600
        }
        #expect(ok, "after \(Date().timeIntervalSince(rebootAt)) s: camera connections \(d.camera.connections), speaker samples \(glasses.speaker.samples.count)")
        #expect(d.stream.connections == 2 && d.microphone.connections == 2)
        glasses.stop()
        for fd in abandoned where fd >= 0 { _ = Glibc_close(fd) }
        await t.stop()
    }
}


/// The status page in a real headless browser (Chromium): its script runs, reads
/// `/status.json` and shows the device, its counters and the newest frame; nothing is loaded
/// from outside WayCue.
@Suite(.serialized) struct GlassesStatusPageTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: chromium != nil, "no Chromium installed (/usr/bin/chromium)"))
    func statusPageRendersInAHeadlessBrowser() async throws {
        let detector = MarkerDetector()
        let t = try await TestServer.start(speech: false) { _ in detector }
        let ws = try await blocking { try FirmwareWebSocket(host: "127.0.0.1", port: t.port, path: "/ws/camera") }
        for _ in 0..<3 { try ws.sendBinary(try markerJPEG(mirrored: true)); await sleep(seconds: 0.1) }
        #expect(await t.wait(5) { t.server.allDevices().first?.annotatedJPEG() != nil })
        let page = try await blocking { try t.get("/") }
        let html = String(decoding: page.body, as: UTF8.self)
        #expect(!html.contains("http://") && !html.contains("https://"), "the page loads nothing from elsewhere")
        let frame = try await blocking { try t.get("/frame.jpg?device=127.0.0.1") }
        #expect(frame.status.hasPrefix("HTTP/1.1 200") && frame.body.starts(with: [0xFF, 0xD8]))

        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("waycue-chromium-\(getpid())")
        defer { try? FileManager.default.removeItem(at: profile) }
        let url = "http://127.0.0.1:\(t.port)/"
        let data = try await blocking { () throws -> Data in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.chromium!)
            process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
                                 "--virtual-time-budget=5000", "--dump-dom", url]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return data
        }
        let dom = String(decoding: data, as: UTF8.self)
        #expect(dom.contains("127.0.0.1"), "device not shown: \(dom.prefix(400))")
        #expect(dom.contains("frames/s"))
        #expect(dom.contains("/frame.jpg?device=127.0.0.1"))
        #expect(dom.contains("speech: earcons only"))
        ws.close()
        await t.stop()
    }
}
