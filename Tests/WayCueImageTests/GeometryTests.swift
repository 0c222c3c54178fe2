import Testing
@testable import WayCueImage

@Suite struct BoxTests {
    @Test func iouOfIdenticalBoxesIsOne() {
        let a = Box(x1: 10, y1: 10, x2: 50, y2: 30)
        #expect(a.iou(a) == 1)
    }

    @Test func iouOfHalfOverlap() {
        let a = Box(x1: 0, y1: 0, x2: 10, y2: 10)
        let b = Box(x1: 5, y1: 0, x2: 15, y2: 10)
        #expect(abs(a.iou(b) - 50.0 / 150.0) < 1e-6)
        #expect(a.iou(Box(x1: 20, y1: 20, x2: 30, y2: 30)) == 0)
    }
}

@Suite struct CameraModelTests {
    @Test func groundPointInvertsProjection() throws {
        let cam = CameraModel.chestDefault
        for (x, y) in [(0.0, 3.0), (-1.0, 2.0), (0.8, 6.0)] {
            let p = try #require(cam.project(x: x, y: y, z: 0))
            let g = try #require(cam.groundPoint(u: p.u, v: p.v))
            #expect(abs(g.x - x) < 1e-6 && abs(g.y - y) < 1e-6)
        }
    }

    @Test func horizonHasNoGroundPoint() {
        let cam = CameraModel.chestDefault
        #expect(cam.groundPoint(u: 320, v: 0) == nil)
    }
}
