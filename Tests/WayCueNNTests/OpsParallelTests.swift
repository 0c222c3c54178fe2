import Testing
@testable import WayCueNN

/// The pool-split data-movement and elementwise ops give exactly what the single-thread ones
/// give, on shapes that split (at least 262,144 floats, `WC_DATA_PARALLEL_MIN` in DataOps.c:
/// the last shape, and every concatenation of two 116 x 40 x 40 maps) and that do not.
@Suite struct OpsParallelTests {
    static let shapes = [TensorShape(c: 116, h: 40, w: 40), TensorShape(c: 6, h: 5, w: 7), TensorShape(c: 3, h: 101, w: 113),
                         TensorShape(c: 3, h: 300, w: 301)]

    @Test(arguments: shapes)
    func shuffleAndConcatMatchSerial(shape: TensorShape) {
        let pool = ThreadPool(threads: 2)
        let a = randomTensor(shape, seed: 1), b = randomTensor(shape, seed: 2)
        let catShape = TensorShape(c: 2 * shape.c, h: shape.h, w: shape.w)
        let cat1 = Tensor(shape: catShape), cat2 = Tensor(shape: catShape)
        Ops.concat([a.view, b.view], cat1.view)
        Ops.concat([a.view, b.view], cat2.view, pool: pool)
        #expect(cat1.values == cat2.values)
        let s1 = Tensor(shape: catShape), s2 = Tensor(shape: catShape), f = Tensor(shape: catShape)
        Ops.shuffleReference(cat1.view, s1.view, groups: 2)
        Ops.shuffle(cat1.view, s2.view, groups: 2, pool: pool)
        #expect(s1.values == s2.values)
        Ops.concatShuffle([a.view, b.view], f.view, groups: 2, pool: pool)
        #expect(s1.values == f.values)
    }

    @Test(arguments: shapes)
    func elementwiseMatchSerial(shape: TensorShape) {
        let pool = ThreadPool(threads: 2)
        let a = randomTensor(shape, seed: 3), b = randomTensor(shape, seed: 4)
        for op in [Ops.Binary.add, .sub, .mul, .max] {
            let y1 = Tensor(shape: shape), y2 = Tensor(shape: shape)
            Ops.binary(a.view, b.view, y1.view, op)
            Ops.binary(a.view, b.view, y2.view, op, pool: pool)
            #expect(y1.values == y2.values, "\(op)")
        }
        for act in [Activation.relu, .silu, .sigmoid, .hardSwish] {
            let y1 = Tensor(shape: shape), y2 = Tensor(shape: shape)
            Ops.activation(a.view, y1.view, act)
            Ops.activation(a.view, y2.view, act, pool: pool)
            #expect(y1.values == y2.values, "\(act)")
        }
    }
}
