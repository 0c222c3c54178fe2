import Testing
@testable import WayCueNN

@Suite struct ModelFileTests {
    static func sampleGraph(int8: Bool) throws -> Graph {
        let b = GraphBuilder()
        let x = b.input("image", TensorShape(c: 3, h: 24, w: 24))
        let s = try b.conv(x, out: 8, kernel: 3, stride: 2, activation: .relu6, seed: 1, name: "stem")
        let p = try b.pool(s, PoolConfig(kind: .max, kernel: 2, stride: 2), name: "pool")
        let (l, r) = try b.split(p, name: "split")
        let r1 = try b.conv(r, out: 4, kernel: 1, activation: .silu, seed: 2, name: "pw")
        let r2 = try b.conv(r1, out: 4, kernel: 5, groups: 4, seed: 3, name: "dw")
        let c = try b.shuffle(try b.concat([l, r2], name: "cat"), groups: 2, name: "shuffle")
        let u = try b.resize(c, height: 12, width: 12, mode: .nearest, name: "up")
        let h = try b.conv(u, out: 6, kernel: 1, seed: 4, name: "head")
        let o = b.softmax(b.transpose(try b.reshape(h, TensorShape(c: 1, h: 6, w: 144)), name: "t"), name: "probs")
        let g = try b.build(outputs: [o], classNames: ["crosswalk", "ped_green", "ped_red"])
        if int8 {
            let runner = try GraphRunner(graph: g)
            #expect(try runner.calibrateInt8(samples: [randomTensor(x.shape, seed: 9)], keepFirstAndLastFP32: false) == 3)
        }
        return g
    }

    static func outputs(_ g: Graph, precision: Precision) throws -> [Float] {
        let r = try GraphRunner(graph: g, precision: precision)
        try r.run(randomTensor(g.values[g.inputs[0]].shape, seed: 77))
        return Array(UnsafeBufferPointer(start: r.outputs[0].data, count: r.outputs[0].shape.count))
    }

    @Test(arguments: [false, true])
    func roundTripGivesIdenticalOutputs(int8: Bool) throws {
        let g = try Self.sampleGraph(int8: int8)
        let bytes = ModelFile.encode(g)
        let back = try ModelFile.decode(bytes, file: "m.wcm")
        #expect(back.classNames == ["crosswalk", "ped_green", "ped_red"])
        #expect(back.values.map(\.shape) == g.values.map(\.shape))
        let p: Precision = int8 ? .int8 : .fp32
        let same = try Self.outputs(g, precision: p) == Self.outputs(back, precision: p)
        #expect(same)
        #expect(ModelFile.encode(back) == bytes)
        // On disk too.
        let path = "/tmp/waycue-nn-test-\(int8)-\(UInt32.random(in: 0...UInt32.max)).wcm"
        try ModelFile.save(g, to: path)
        #expect(try ModelFile.load(path: path).nodes.count == g.nodes.count)
    }

    @Test func specificCorruptionsGiveClearErrors() throws {
        let bytes = ModelFile.encode(try Self.sampleGraph(int8: false))
        func field(_ b: [UInt8]) -> String? {
            do { _ = try ModelFile.decode(b, file: "m.wcm"); return nil } catch {
                if case .model(_, let f, _) = error { return f }
                return "other"
            }
        }
        #expect(field(Array(bytes.prefix(10))) == "header")
        #expect(field(Array(bytes.dropLast(5))) == "payload length")
        var flipped = bytes; flipped[bytes.count / 2] ^= 0x40
        #expect(field(flipped) == "checksum")
        var wrongMagic = bytes; wrongMagic[0] = 0
        #expect(field(wrongMagic) == "magic")
        var future = bytes; future[4] = 99
        #expect(field(future) == "version")
        #expect(throws: NNError.self) { try ModelFile.load(path: "/nonexistent/m.wcm") }
    }

    /// Mutated payloads with a recomputed checksum reach the parser itself: every one must be
    /// rejected with an error or parse into a graph that validates; none may crash.
    @Test func fuzzedFilesNeverCrash() throws {
        let bytes = ModelFile.encode(try Self.sampleGraph(int8: true))
        var rng = SplitMix64(seed: 2024)
        var rejected = 0, accepted = 0
        for i in 0..<4000 {
            var b = bytes
            switch i % 4 {
            case 0: // flip a few bytes
                for _ in 0..<Int(1 + rng.next() % 4) { b[20 + Int(rng.next() % UInt64(b.count - 20))] ^= UInt8(truncatingIfNeeded: rng.next() | 1) }
            case 1: // overwrite a 32-bit field with a hostile value
                let at = 20 + Int(rng.next() % UInt64(b.count - 24))
                let v: UInt32 = [0, 1, 0xFFFF_FFFF, 0x7FFF_FFFF, 65536, 65537, UInt32(truncatingIfNeeded: rng.next())][Int(rng.next() % 7)]
                for k in 0..<4 { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) }
            case 2: // truncate the payload
                b = Array(b.prefix(20 + Int(rng.next() % UInt64(b.count - 20))))
            default: // insert junk
                let at = 20 + Int(rng.next() % UInt64(b.count - 20))
                b.insert(contentsOf: (0..<Int(1 + rng.next() % 8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            }
            // Fix length and checksum so that the parser, not the checksum, has to catch it.
            let payload = b[20...]
            var h = ByteWriter()
            h.u64(UInt64(payload.count)); h.u32(CRC32.checksum(payload))
            b.replaceSubrange(8..<20, with: h.bytes)
            do {
                let g = try ModelFile.decode(b, file: "fuzz.wcm")
                try g.validate()
                accepted += 1
            } catch {
                rejected += 1
            }
        }
        #expect(rejected + accepted == 4000)
        #expect(rejected > 2000)
    }

    @Test func crc32KnownValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}
