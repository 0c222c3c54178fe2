import Foundation
import Testing
import WayCueDetector
@testable import WayCueTraining

@Suite struct TaxonomyTests {
    @Test func committedTaxonomyMatchesCanonicalOrder() throws {
        let t = try Taxonomy.load(path: packageRoot + "/datasets/taxonomy.yaml")
        #expect(t.classes == ObjectClass.canonical)
        #expect(t.flipOK(.pedGreen) == false)
        #expect(t.flipOK(.tactileGuide) == true)
        #expect(t.entries.allSatisfy { !$0.description.isEmpty })
        // The built-in copy agrees with the file on flip flags.
        #expect(t.entries.map(\.flipOK) == Taxonomy.canonical.entries.map(\.flipOK))
    }

    @Test func committedMappingsTargetTheTaxonomy() throws {
        let t = try Taxonomy.load(path: packageRoot + "/datasets/taxonomy.yaml")
        let ped = try ClassMapping.load(path: packageRoot + "/datasets/mappings/pedestrian-lights-crosswalks.yaml", taxonomy: t)
        #expect(ped.resolve("greenlight") == .mapped(.pedGreen))
        #expect(ped.resolve("redlight") == .mapped(.pedRed))
        #expect(ped.resolve("crosswalk") == .mapped(.crosswalk))
        #expect(ped.resolve("bus") == .unknown)
        let veh = try ClassMapping.load(path: packageRoot + "/datasets/mappings/vehicle-traffic-lights.yaml", taxonomy: t)
        #expect(veh.resolve("yellow") == .mapped(.vehicleYellow))
        let tac = try ClassMapping.load(path: packageRoot + "/datasets/mappings/tactile-tiles.yaml", taxonomy: t)
        #expect(tac.resolve("go") == .mapped(.tactileGuide))
        #expect(tac.resolve("stop") == .mapped(.tactileWarning))
    }

    @Test func taxonomyErrorsNameFileLineAndField() {
        let dup = "classes:\n  - name: a\n    description: x\n    flip_ok: true\n  - name: a\n    description: y\n    flip_ok: false\n"
        #expect(throws: DatasetError(.invalidValue, file: "t.yaml", line: 5, field: "classes[1].name",
                                     reason: "duplicate class name 'a'")) {
            try Taxonomy.parse(yaml: dup, file: "t.yaml")
        }
        let noFlip = "classes:\n  - name: a\n    description: x\n"
        do {
            _ = try Taxonomy.parse(yaml: noFlip, file: "t.yaml")
            Issue.record("expected an error")
        } catch let e as DatasetError {
            #expect(e.kind == .missingField && e.field == "classes[0].flip_ok" && e.file == "t.yaml")
        } catch { Issue.record("wrong error \(error)") }
        let badFlip = "classes:\n  - name: a\n    description: x\n    flip_ok: maybe\n"
        do {
            _ = try Taxonomy.parse(yaml: badFlip, file: "t.yaml")
            Issue.record("expected an error")
        } catch let e as DatasetError {
            #expect(e.line == 4 && e.field == "classes[0].flip_ok")
        } catch { Issue.record("wrong error \(error)") }
        do {
            _ = try Taxonomy.parse(yaml: "classes: [\n", file: "t.yaml")
            Issue.record("expected an error")
        } catch let e as DatasetError {
            #expect(e.kind == .syntax && e.line != nil)
        } catch { Issue.record("wrong error \(error)") }
    }

    @Test func mappingRejectsTargetsOutsideTaxonomy() {
        do {
            _ = try ClassMapping.parse(yaml: "map:\n  a: ped_green\n  b: spaceship\n", file: "m.yaml", taxonomy: .canonical)
            Issue.record("expected an error")
        } catch let e as DatasetError {
            #expect(e.kind == .unknownClass && e.line == 3 && e.field == "map.b")
        } catch { Issue.record("wrong error \(error)") }
        let m = try? ClassMapping.parse(yaml: "map:\n  a: ped_green\n  junk: ~\n", file: "m.yaml")
        #expect(m?.resolve("junk") == .dropped)
    }
}
