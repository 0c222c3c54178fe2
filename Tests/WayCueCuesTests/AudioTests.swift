import Foundation
import Testing
@testable import WayCueCues

private func cue(_ t: Double, pan: Float, earcon: EarconKind = .beep, speech: String = "", interrupts: Bool = false,
                 priority: CuePriority = .obstacle) -> Cue {
    Cue(timestamp: t, kind: .obstacle, priority: priority, message: CueMessage("obstacle"), text: speech,
        speech: speech, pan: pan, urgency: 0.5, earcon: earcon, interrupts: interrupts)
}

private let hasEspeak = EspeakSpeechBackend.find() != nil

struct AudioTests {
    @Test func constantPowerPanning() {
        for p in stride(from: Float(-1), through: 1, by: 0.25) {
            let (l, r) = Earcon.panGains(p)
            #expect(abs(l * l + r * r - 1) < 1e-5)
        }
        #expect(Earcon.panGains(-1).right < 1e-6)
        #expect(Earcon.panGains(1).left < 1e-6)
        let c = Earcon.panGains(0)
        #expect(abs(c.left - c.right) < 1e-6)
    }

    @Test func earconsAreShortNear880HzAndUrgencyRaisesRate() {
        #expect(Earcon.duration(.locator, urgency: 0) <= 0.15)
        let walk = Earcon.samples(.walk, urgency: 0, sampleRate: 22_050)
        #expect(abs(Double(walk.count) / 22_050 - 5.0 / 9.0) < 0.01)
        // Locator: count zero crossings of the fundamental over 0.1 s -> about 880 Hz.
        let loc = Earcon.samples(.locator, urgency: 0, sampleRate: 44_100)
        var crossings = 0
        for i in 1..<loc.count where (loc[i - 1] < 0) != (loc[i] < 0) { crossings += 1 }
        let hz = Double(crossings) / 2 / (Double(loc.count) / 44_100)
        #expect(hz > 800 && hz < 2700, "dominant crossings \(hz) Hz")
        #expect(Earcon.duration(.beep, urgency: 1) > Earcon.duration(.beep, urgency: 0))
        #expect(loc.allSatisfy { abs($0) <= 1 })
    }

    @Test func renderedTrackDurationAndPanningLevels() throws {
        let renderer = WAVTrackRenderer(sampleRate: 22_050, speech: nil, voice: "en")
        renderer.receive(cue(0.5, pan: -1))
        renderer.receive(cue(2.0, pan: 1))
        renderer.receive(cue(3.5, pan: 0))
        renderer.minimumDuration = 5
        let track = renderer.render()
        #expect(abs(track.duration - 5.0) < 0.01)
        let leftSeg = (track.rms(channel: 0, from: 0.5, to: 1.2), track.rms(channel: 1, from: 0.5, to: 1.2))
        let rightSeg = (track.rms(channel: 0, from: 2.0, to: 2.7), track.rms(channel: 1, from: 2.0, to: 2.7))
        let centre = (track.rms(channel: 0, from: 3.5, to: 4.2), track.rms(channel: 1, from: 3.5, to: 4.2))
        #expect(leftSeg.0 > 0.05 && leftSeg.1 < 1e-4)
        #expect(rightSeg.1 > 0.05 && rightSeg.0 < 1e-4)
        #expect(abs(centre.0 - centre.1) / centre.0 < 0.01)
        #expect(track.rms(channel: 0, from: 0, to: 0.45) == 0)  // silence before the first cue
        // Round trip through the 16-bit WAV file.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("waycue-\(UUID()).wav")
        defer { try? FileManager.default.removeItem(at: url) }
        try track.wavData().write(to: url)
        let back = try StereoTrack(wav: Data(contentsOf: url), source: url.path)
        #expect(back.sampleRate == 22_050 && back.left.count == track.left.count)
        #expect(abs(back.rms(channel: 0, from: 0.5, to: 1.2) - leftSeg.0) < 1e-3)
        let size = try Data(contentsOf: url).count
        #expect(size == 44 + track.left.count * 4)
    }

    @Test func interruptionCutsThePreviousCue() {
        let renderer = WAVTrackRenderer(sampleRate: 22_050, speech: nil, voice: "en")
        renderer.receive(cue(0.0, pan: -1, earcon: .walk))  // 0.56 s long
        renderer.receive(cue(0.2, pan: 1, earcon: .alert, interrupts: true, priority: .imminent))
        let track = renderer.render()
        #expect(track.rms(channel: 0, from: 0.25, to: 0.55) < 1e-4)  // the walk ticks were cut
        #expect(track.rms(channel: 1, from: 0.2, to: 0.6) > 0.05)
    }

    @Test(.enabled(if: hasEspeak, "espeak-ng is not installed (Debian package espeak-ng)"))
    func espeakSpeaksEnglishAndPinyin() throws {
        let backend = try #require(EspeakSpeechBackend.find())
        let en = try backend.synthesize("Green, you may cross", voice: "en")
        let secs = Double(en.samples.count) / Double(en.sampleRate)
        #expect(secs > 0.6 && secs < 4, "English speech lasted \(secs) s")
        let zh = try backend.synthesize("lv4 deng1, ke3 yi3 tong1 xing2", voice: "cmn-latn-pinyin")
        let zsecs = Double(zh.samples.count) / Double(zh.sampleRate)
        #expect(zsecs > 0.6 && zsecs < 5, "Mandarin speech lasted \(zsecs) s")
        let level = (zh.samples.map { Double($0 * $0) }.reduce(0, +) / Double(zh.samples.count)).squareRoot()
        #expect(level > 0.01)
    }

    @Test(.enabled(if: hasEspeak, "espeak-ng is not installed (Debian package espeak-ng)"))
    func renderedTrackMixesSpeech() throws {
        let backend = try #require(EspeakSpeechBackend.find())
        let withSpeech = WAVTrackRenderer(speech: backend, voice: "en")
        let without = WAVTrackRenderer(speech: nil, voice: "en")
        for r in [withSpeech, without] { r.receive(cue(0.2, pan: 0.5, speech: "pole, 1 o'clock, 2 metres")) }
        let a = withSpeech.render(), b = without.render()
        #expect(a.duration > b.duration + 0.8)
        #expect(a.rms(channel: 1, from: 0.6, to: a.duration) > 0.01)
        #expect(withSpeech.speechErrors.isEmpty)
    }
}
