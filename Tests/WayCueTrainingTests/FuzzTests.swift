import Foundation
import Testing
@testable import WayCueTraining

/// Mutation fuzzing of every parser: thousands of damaged inputs must give a value or a
/// ``DatasetError`` naming the file, never a crash or another error type. Bounded by an
/// iteration count and a time budget.
@Suite struct FuzzTests {
    static let budget: TimeInterval = 20

    func fuzz(seeds: [String], tokens: [String], iterations: Int, seed: UInt64,
              _ parse: (Data) throws -> Void) -> (ok: Int, errors: Int) {
        var rng = TestRNG(seed)
        var ok = 0, errors = 0
        let start = Date()
        for i in 0..<iterations {
            if i % 64 == 0 && Date().timeIntervalSince(start) > Self.budget { break }
            let base = Array(seeds[rng.int(seeds.count)].utf8)
            let input = Data(mutate(base, rng: &rng, tokens: tokens))
            do {
                try parse(input)
                ok += 1
            } catch let e as DatasetError {
                #expect(e.file == "fuzz", "error does not name the file: \(e)")
                errors += 1
            } catch {
                Issue.record("non-DatasetError \(type(of: error)): \(error) for input \(String(decoding: input, as: UTF8.self).prefix(200))")
            }
        }
        return (ok, errors)
    }

    @Test func yoloLabels() {
        let r = fuzz(seeds: ["0 0.5 0.5 0.2 0.2\n1 0.1 0.1 0.3 0.1 0.3 0.4 0.1 0.4", "2 0.3 0.3 0.1 0.1"],
                     tokens: [" ", "\n", "\r\n", "-", "1e39", "nan", "inf", "0.", ",", "\t", "99999999999999999999", "é"],
                     iterations: 5000, seed: 1) { d in
            _ = try YOLOLabels.parse(String(decoding: d, as: UTF8.self), file: "fuzz")
        }
        #expect(r.ok > 100 && r.errors > 100, "\(r)")
    }

    @Test func dataYAML() {
        let seeds = ["names: ['crosswalk', 'greenlight']\nnc: 2\ntrain: ../train/images\nval: valid/images\n",
                     "names:\n  0: a\n  1: b\ntrain: [a/images, b/images]\ntest: test/images\n"]
        let r = fuzz(seeds: seeds, tokens: [":", "\n", "- ", "[", "]", "{", "}", "'", "\"", "&a", "*a", "!!int", "~", "  ", "nc: 9\n", "names: 3\n"],
                     iterations: 3000, seed: 2) { d in
            _ = try DataYAML.parse(yaml: String(decoding: d, as: UTF8.self), file: "fuzz")
        }
        #expect(r.ok > 50 && r.errors > 50, "\(r)")
    }

    @Test func taxonomyMappingAndRecipe() {
        let tax = try! String(contentsOfFile: packageRoot + "/datasets/taxonomy.yaml", encoding: .utf8)
        let rec = try! String(contentsOfFile: packageRoot + "/datasets/recipes/default.yaml", encoding: .utf8)
        let map = "dataset: x\nmap:\n  a: ped_green\n  b: ~\n"
        let toks = [":", "\n", "- ", "[", "{", "'", "~", "  ", "weight: -2\n", "flip_ok: 3\n", "format: gif\n"]
        let r = fuzz(seeds: [tax, rec, map], tokens: toks, iterations: 2000, seed: 3) { d in
            let s = String(decoding: d, as: UTF8.self)
            _ = try? Taxonomy.parse(yaml: s, file: "fuzz")
            _ = try? ClassMapping.parse(yaml: s, file: "fuzz", taxonomy: .canonical)
            _ = try Recipe.parse(yaml: s, file: "fuzz")
        }
        #expect(r.ok + r.errors > 0)
    }

    @Test func pseudoLabelFiles() {
        let seeds = ["# image class cx cy w h score\na.jpg person 0.5 0.5 0.2 0.4 0.91\na.jpg car 0.2 0.2 0.1 0.1 0.3\nb.jpg\n"]
        let r = fuzz(seeds: seeds, tokens: [" ", "\n", "\t", "#", "-", "1e39", "nan", "inf", "0.", "person", "dragon", "é", "\r\n"],
                     iterations: 4000, seed: 7) { d in
            _ = try PseudoLabels.parse(text: String(decoding: d, as: UTF8.self), file: "fuzz", taxonomy: .canonical)
        }
        #expect(r.ok > 100 && r.errors > 100, "\(r)")
    }

    @Test func vocXML() {
        let seed = """
            <annotation><filename>x.jpg</filename><size><width>200</width><height>100</height></size>
            <object><name>cone</name><bndbox><xmin>11</xmin><ymin>21</ymin><xmax>50</xmax><ymax>60</ymax></bndbox></object>
            <object><name>pole</name><difficult>1</difficult><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>5</xmax><ymax>6</ymax></bndbox></object>
            </annotation>
            """
        let r = fuzz(seeds: [seed], tokens: ["<", ">", "</", "&amp;", "&", "<!DOCTYPE a [<!ENTITY e 'x'>]>", "-", "999999999999", "<![CDATA[", "]]>", "\u{0}"],
                     iterations: 3000, seed: 4) { d in
            _ = try PascalVOC.parse(data: d, file: "fuzz")
        }
        #expect(r.ok > 10 && r.errors > 50, "\(r)")
    }

    @Test func cocoJSON() {
        let seed = """
            {"images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 50}, {"id": 2, "file_name": "b.jpg", "width": 64, "height": 64}],
             "categories": [{"id": 3, "name": "redlight"}, {"id": 4, "name": "greenlight"}],
             "annotations": [{"id": 9, "image_id": 1, "category_id": 3, "bbox": [10, 5, 20, 10]}, {"id": 10, "image_id": 2, "category_id": 4, "bbox": [1, 1, 2, 2]}]}
            """
        let r = fuzz(seeds: [seed], tokens: ["{", "}", "[", "]", ",", ":", "\"", "null", "true", "-1", "1e400", "0.5", "\"x\""],
                     iterations: 3000, seed: 5) { d in
            _ = try COCODataset.parse(data: d, file: "fuzz", imagesDir: "/i", split: "val", strict: false)
        }
        #expect(r.ok > 50 && r.errors > 50, "\(r)")
    }

    @Test func predictionsJSONLines() {
        let seed = "{\"image\": \"a.jpg\", \"detections\": [{\"class\": \"ped_green\", \"score\": 0.9, \"box\": [1, 2, 3, 4]}]}\n{\"image\": \"b.jpg\", \"detections\": []}"
        let r = fuzz(seeds: [seed], tokens: ["{", "}", "[", "]", ",", "\"", "null", "\n", "1e999", "-0"], iterations: 3000, seed: 6) { d in
            _ = try PredictionsFile.parse(String(decoding: d, as: UTF8.self), file: "fuzz")
        }
        #expect(r.ok > 20 && r.errors > 50, "\(r)")
    }
}
