#if os(Linux)
import Foundation
import Testing
import WayCueImage
@testable import WayCueCapture

/// Waits up to `timeout` seconds for `condition`.
func eventually(_ timeout: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.002)
    }
    return condition()
}

/// RGB of a grey YUV pixel (U = V = 128) under BT.601 limited range.
func grey(_ y: Int) -> UInt8 { UInt8(min(max((298 * (y - 16) + 128) >> 8, 0), 255)) }

let yuyvSmall = ScriptedV4L2Device.Format(.yuyv, sizes: [(32, 24), (16, 12)], framesPerSecond: [30, 15])
let nv12Small = ScriptedV4L2Device.Format(.nv12, sizes: [(32, 24)], framesPerSecond: [30])

func fastConfig(width: Int = 32, height: Int = 24) -> V4L2CaptureConfiguration {
    var config = V4L2CaptureConfiguration(width: width, height: height)
    config.frameTimeout = 0.05
    config.reconnectInitialDelay = 0.005
    config.reconnectMaxDelay = 0.02
    return config
}

@Suite("V4L2 camera against the scripted device")
struct FakeCameraTests {
    @Test func yuyvFramesHaveTheNegotiatedSizeIncreasingSequenceAndConvertedPixels() throws {
        let fake = ScriptedV4L2Device(formats: [yuyvSmall])
        let camera = try V4L2Camera(path: "/dev/video0", configuration: fastConfig(), io: fake)
        defer { camera.close() }
        #expect(camera.format.pixelFormat == .yuyv)
        var last: Frame?
        for _ in 0..<10 {
            let frame = try #require(try camera.next(timeout: 2))
            #expect(frame.image.width == 32 && frame.image.height == 24)
            #expect(frame.sourceFormat == .yuyv)
            // The ramp puts luma x + y + sequence at (x, y); the sequence equals the fake's frame number
            // because the camera counts every dequeued frame.
            let y = Int(UInt8(truncatingIfNeeded: 5 + 3 + Int(frame.sequence)))
            let offset = frame.image.offset(x: 5, y: 3)
            #expect(frame.image.pixels[offset] == grey(y))
            #expect(frame.image.pixels[offset + 1] == grey(y))
            // The driver's timestamp (the fake's clock: 1000 s + frame / 30 fps), not the delivery time.
            #expect(abs(frame.timestamp - (1000 + Double(frame.sequence) / 30)) < 1e-5)
            let received = try #require(frame.receivedAt)
            #expect(received <= MonotonicClock.now() && MonotonicClock.now() - received < 2)
            if let last {
                #expect(frame.sequence > last.sequence)
                #expect(frame.timestamp > last.timestamp)
            }
            last = frame
        }
    }

    @Test func nv12IsConverted() throws {
        let fake = ScriptedV4L2Device(formats: [nv12Small])
        let camera = try V4L2Camera(path: "/dev/video0", configuration: fastConfig(), io: fake)
        defer { camera.close() }
        #expect(camera.format.pixelFormat == .nv12)
        let frame = try #require(try camera.next(timeout: 2))
        let y = Int(UInt8(truncatingIfNeeded: 7 + 2 + Int(frame.sequence)))
        #expect(frame.image.pixels[frame.image.offset(x: 7, y: 2)] == grey(y))
    }

    @Test func mjpegIsPreferredOverYUYV() throws {
        let mjpeg = ScriptedV4L2Device.Format(.mjpeg, sizes: [(32, 24)])
        let fake = ScriptedV4L2Device(formats: [yuyvSmall, mjpeg])
        let camera = try V4L2Camera(path: "/dev/video0", configuration: fastConfig(), io: fake)
        defer { camera.close() }
        #expect(camera.format.pixelFormat == .mjpeg)
    }

    @Test func theSizeTheDriverPicksIsReadBack() throws {
        let fake = ScriptedV4L2Device(formats: [yuyvSmall])
        let camera = try V4L2Camera(path: "/dev/video0", configuration: fastConfig(width: 20, height: 14), io: fake)
        defer { camera.close() }
        #expect(fake.counts.lastRequestedSize == [20, 14])
        #expect(camera.format.width == 16 && camera.format.height == 12)
        #expect(camera.format.bytesPerLine == 32)
        let frame = try #require(try camera.next(timeout: 2))
        #expect(frame.image.width == 16 && frame.image.height == 12)
    }

    @Test func frameRateIsNegotiated() throws {
        var config = fastConfig()
        config.framesPerSecond = 14
        let fake = ScriptedV4L2Device(formats: [yuyvSmall])
        let camera = try V4L2Camera(path: "/dev/video0", configuration: config, io: fake)
        defer { camera.close() }
        #expect(camera.format.framesPerSecond == 15)
    }

    @Test func clearErrorsForMissingBusyAndUnusableDevices() throws {
        let fake = ScriptedV4L2Device(formats: [yuyvSmall])
        #expect(throws: CaptureError.notFound(path: "/dev/video7")) {
            try V4L2Camera(path: "/dev/video7", configuration: fastConfig(), io: fake)
        }
        fake.busy = true
        #expect(throws: CaptureError.busy(path: "/dev/video0")) {
            try V4L2Camera(path: "/dev/video0", configuration: fastConfig(), io: fake)
        }
        let h264 = ScriptedV4L2Device(formats: [.init(fourCC: FourCC("H264"), sizes: [(32, 24)])])
        #expect(throws: CaptureError.noUsableFormat(path: "/dev/video0", offered: ["H264"])) {
            try V4L2Camera(path: "/dev/video0", configuration: fastConfig(), io: h264)
        }
        let error = CaptureError.noUsableFormat(path: "/dev/video0", offered: ["H264"])
        #expect(error.description.contains("H264") && error.description.contains("/dev/video0"))
        // Failed opens leave nothing behind.
        #expect(fake.counts.liveMappings == 0)
        #expect(h264.counts.opens == h264.counts.closes)
    }

    @Test func eagainAndEintrAreRetriedSilently() throws {
        let fake = ScriptedV4L2Device(
            formats: [yuyvSmall],
            script: [.frame, .dequeueAgain, .dequeueInterrupted, .pollInterrupted, .dequeueAgain, .frame])
        let camera = try V4L2Camera(path: "/dev/video0", configuration: fastConfig(), io: fake)
        defer { camera.close() }
        for _ in 0..<5 { _ = try #require(try camera.next(timeout: 2)) }
        let stats = camera.statistics
        #expect(stats.retries >= 4)
        #expect(stats.ioErrors == 0 && stats.reconnects == 0)
        #expect(!camera.recentEvents.contains { if case .ioError = $0 { return true } else { return false } })
    }

    @Test func timeoutsAreReportedAndRepeatedTimeoutsReopenTheDevice() throws {
        let fake = ScriptedV4L2Device(
            formats: [yuyvSmall], script: [.frame, .pollTimeout, .pollTimeout, .pollTimeout, .frame])
        let camera = try V4L2Camera(path: "/dev/video0", configuration: fastConfig(), io: fake)
        defer { camera.close() }
        #expect(eventually { camera.statistics.reconnects == 1 })
        _ = try #require(try camera.next(timeout: 2))
        #expect(camera.statistics.timeouts == 3)
        #expect(camera.recentEvents.contains(.timeout(seconds: 0.05)))
        #expect(fake.counts.opens == 2)
    }

    @Test func eioIsReportedAndTheDeviceReopened() throws {
        let fake = ScriptedV4L2Device(formats: [yuyvSmall], script: [.frame, .frame, .ioError])
        let camera = try V4L2Camera(path: "/dev/video0", configuration: fastConfig(), io: fake)
        defer { camera.close() }
        #expect(eventually { camera.statistics.reconnects == 1 })
        let frame = try #require(try camera.next(timeout: 2))
        #expect(frame.image.width == 32)
        #expect(camera.statistics.ioErrors == 1)
        #expect(camera.recentEvents.contains(.ioError(operation: "VIDIOC_DQBUF", code: EIO)))
        #expect(fake.counts.liveMappings == 4)  // only the new ring is mapped
    }

    @Test func shortAndDamagedFramesAreSkipped() throws {
        let fake = ScriptedV4L2Device(
            formats: [yuyvSmall], script: [.shortFrame(bytes: 100), .damagedFrame, .frame], frameInterval: 0.01)
        let camera = try V4L2Camera(path: "/dev/video0", configuration: fastConfig(), io: fake)
        defer { camera.close() }
        let frame = try #require(try camera.next(timeout: 2))
        #expect(frame.image.width == 32)
        #expect(camera.statistics.badFrames == 2)
        #expect(frame.sequence == 0)  // bad frames get no sequence number
        let reasons = camera.recentEvents.compactMap { event -> String? in
            if case .badFrame(let reason) = event { return reason } else { return nil }
        }
        #expect(reasons.count == 2)
        #expect(reasons.first?.contains("short frame: 100 of 1536") == true)
    }

    @Test func unplugIsReportedAndTheCameraReconnectsWithBackOff() throws {
        let fake = ScriptedV4L2Device(
            formats: [yuyvSmall], script: [.frame, .frame, .unplug(reappearAfter: 3, formats: nil)])
        let camera = try V4L2Camera(path: "/dev/video0", configuration: fastConfig(), io: fake)
        defer { camera.close() }
        #expect(eventually { camera.statistics.reconnects == 1 })
        _ = try #require(try camera.next(timeout: 2))
        let events = camera.recentEvents
        #expect(events.contains(.disconnected))
        let failures = events.compactMap { event -> (Int, Double)? in
            if case .reconnectFailed(let attempt, _, let retry) = event { return (attempt, retry) } else { return nil }
        }
        #expect(failures.map(\.0) == [1, 2, 3])
        #expect(failures.map(\.1) == [0.005, 0.01, 0.02])  // doubling, capped at the maximum
        #expect(camera.statistics.disconnects == 1)
        #expect(fake.counts.refusedOpens == 3)
    }

    @Test func replugWithAnotherFormatIsReportedAndFramesFollowIt() throws {
        let fake = ScriptedV4L2Device(
            formats: [nv12Small],
            script: [.frame, .unplug(reappearAfter: 1, formats: [ScriptedV4L2Device.Format(.yuyv, sizes: [(16, 12)])])])
        let camera = try V4L2Camera(path: "/dev/video0", configuration: fastConfig(), io: fake)
        defer { camera.close() }
        #expect(eventually { camera.statistics.reconnects == 1 })
        var frame = try #require(try camera.next(timeout: 2))
        if frame.sourceFormat == .nv12 { frame = try #require(try camera.next(timeout: 2)) }
        #expect(frame.sourceFormat == .yuyv)
        #expect(frame.image.width == 16 && frame.image.height == 12)
        #expect(camera.recentEvents.contains { if case .formatChanged = $0 { return true } else { return false } })
    }

    @Test func manyUnplugCyclesLeakNothing() throws {
        var script: [ScriptedV4L2Device.Step] = []
        for _ in 0..<20 { script += [.frame, .ioError, .frame, .unplug(reappearAfter: 1, formats: nil)] }
        let fake = ScriptedV4L2Device(formats: [yuyvSmall], script: script, frameInterval: 0.001)
        let camera = try V4L2Camera(path: "/dev/video0", configuration: fastConfig(), io: fake)
        #expect(eventually(20) { fake.remainingSteps == 0 && camera.statistics.reconnects == 40 })
        _ = try #require(try camera.next(timeout: 2))
        let stats = camera.statistics
        #expect(stats.disconnects == 20 && stats.ioErrors == 20)
        #expect(fake.counts.liveMappings == 4)  // only the current ring
        camera.close()
        #expect(fake.counts.liveMappings == 0)
        #expect(fake.counts.opens == fake.counts.closes)
    }

    @Test func reconnectionCanGiveUpAndThenNextThrows() throws {
        var config = fastConfig()
        config.maxReconnectAttempts = 2
        let fake = ScriptedV4L2Device(formats: [yuyvSmall], script: [.unplug(reappearAfter: .max, formats: nil)])
        let camera = try V4L2Camera(path: "/dev/video0", configuration: config, io: fake)
        defer { camera.close() }
        #expect(throws: CaptureError.disconnected(path: "/dev/video0")) {
            for _ in 0..<100 { _ = try camera.next(timeout: 2) }
        }
    }

    @Test func aSlowConsumerGetsFreshFramesAndDropsAreCounted() throws {
        let fake = ScriptedV4L2Device(formats: [yuyvSmall], frameInterval: 0.001)
        let camera = try V4L2Camera(path: "/dev/video0", configuration: fastConfig(), io: fake)
        defer { camera.close() }
        for _ in 0..<5 {
            Thread.sleep(forTimeInterval: 0.03)
            let frame = try #require(try camera.next(timeout: 2))
            let captured = UInt64(camera.statistics.framesCaptured)
            // Fresh: the delivered frame is among the newest few, not the oldest waiting one.
            #expect(frame.sequence + 3 >= captured)
        }
        let stats = camera.statistics
        #expect(stats.framesDropped > 5)
        #expect(stats.framesDelivered == 5)
        #expect(stats.framesCaptured >= stats.framesDelivered + stats.framesDropped)
    }

    @Test func streamOffAndOnAgain() throws {
        let fake = ScriptedV4L2Device(formats: [yuyvSmall])
        let camera = try V4L2Camera(path: "/dev/video0", configuration: fastConfig(), io: fake)
        defer { camera.close() }
        _ = try #require(try camera.next(timeout: 2))
        camera.stopStreaming()
        #expect(!camera.streaming)
        #expect(fake.counts.streamOffs == 1)
        let before = fake.counts.framesDequeued
        Thread.sleep(forTimeInterval: 0.03)
        #expect(fake.counts.framesDequeued == before)
        camera.startStreaming()
        #expect(camera.streaming)
        #expect(fake.counts.streamOns == 2)
        _ = try #require(try camera.next(timeout: 2))
        #expect(camera.recentEvents.contains(.streamStopped))
        #expect(camera.recentEvents.contains(.streamRestarted))
    }

    @Test func closeReleasesEverything() throws {
        let fake = ScriptedV4L2Device(formats: [yuyvSmall])
        let camera = try V4L2Camera(path: "/dev/video0", configuration: fastConfig(), io: fake)
        _ = try camera.next(timeout: 2)
        camera.close()
        #expect(try camera.next() == nil)
        #expect(fake.counts.liveMappings == 0)
        #expect(fake.counts.opens == fake.counts.closes)
    }

    @Test func controlsAreListedReadAndSet() throws {
        let fake = ScriptedV4L2Device(formats: [yuyvSmall], controls: [.gain: 0...100, .exposureTime: 1...5000])
        let camera = try V4L2Camera(path: "/dev/video0", configuration: fastConfig(), io: fake)
        defer { camera.close() }
        let controls = camera.controls()
        #expect(Set(controls.map(\.control)) == [.gain, .exposureTime])
        #expect(controls.first { $0.control == .gain }?.maximum == 100)
        try camera.setControl(.gain, to: 42)
        #expect(camera.value(of: .gain) == 42)
        #expect(throws: CaptureError.self) { try camera.setControl(.gain, to: 500) }
        #expect(throws: CaptureError.self) { try camera.setControl(.autoWhiteBalance, to: 1) }
    }

    @Test func framesAsAnAsyncSequence() async throws {
        let fake = ScriptedV4L2Device(formats: [yuyvSmall])
        let camera = try V4L2Camera(path: "/dev/video0", configuration: fastConfig(), io: fake)
        defer { camera.close() }
        var sequences: [UInt64] = []
        for try await frame in camera.frames {
            sequences.append(frame.sequence)
            if sequences.count == 4 { break }
        }
        #expect(sequences == sequences.sorted() && Set(sequences).count == 4)
    }

    @Test func devicesAreListedWithFormatsSizesAndRates() throws {
        let fake = ScriptedV4L2Device(formats: [yuyvSmall, .init(fourCC: FourCC("H264"), sizes: [(64, 48)])])
        let devices = V4L2Devices.list(io: fake)
        #expect(devices.count == 1)
        let device = try #require(devices.first)
        #expect(device.driver == "scripted" && device.path == "/dev/video0")
        #expect(device.formats.map(\.fourCC) == ["YUYV", "H264"])
        #expect(device.formats.map(\.usable) == [true, false])
        #expect(device.formats[0].sizes == [
            V4L2FrameSize(width: 32, height: 24, framesPerSecond: [30, 15]),
            V4L2FrameSize(width: 16, height: 12, framesPerSecond: [30, 15]),
        ])
        fake.unplug()
        #expect(V4L2Devices.list(io: fake).isEmpty)
    }
}
#endif

#if os(Linux)
@Suite("MJPEG camera against the scripted device")
struct FakeMJPEGCameraTests {
    @Test func mjpegFramesAreDecodedAndTheirBytesKeptAndCorruptOnesSkipped() throws {
        let jpegs = try colours.map { c in try testImage(c[0], c[1], c[2], width: 32, height: 24).jpegData(quality: 90) }
        let content: ScriptedV4L2Device.Content = { _, _, _, sequence in
            // Frame 2 is a corrupt JPEG: the header survives, the data does not.
            sequence == 2 ? Array(jpegs[0].prefix(200)) + [0xFF, 0xD9] : jpegs[Int(sequence) % jpegs.count]
        }
        let fake = ScriptedV4L2Device(
            formats: [ScriptedV4L2Device.Format(.mjpeg, sizes: [(32, 24)])], frameInterval: 0.05, content: content)
        let camera = try V4L2Camera(path: "/dev/video0", configuration: fastConfig(), io: fake)
        defer { camera.close() }
        #expect(camera.format.pixelFormat == .mjpeg)
        var seen: [UInt64] = []
        while seen.count < 4 {
            let frame = try #require(try camera.next(timeout: 2))
            #expect(frame.sourceFormat == .mjpeg)
            #expect(frame.jpegData == jpegs[Int(frame.sequence) % jpegs.count])
            #expect(close(meanColour(frame.image), colours[Int(frame.sequence) % colours.count].map(Int.init)))
            seen.append(frame.sequence)
        }
        #expect(!seen.contains(2))
        // Frame 2 reaches the decoder unless a newer frame replaced it first (a very slow machine).
        if camera.statistics.framesDropped == 0 {
            #expect(camera.statistics.badFrames == 1)
            #expect(camera.recentEvents.contains { if case .badFrame(let reason) = $0 { return reason.contains("frame 2") } else { return false } })
        }
    }
}
#endif
