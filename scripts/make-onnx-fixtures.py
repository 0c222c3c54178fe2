#!/usr/bin/env python3
"""Writes the ONNX parity fixtures of Tests/WayCueONNXTests/Fixtures.

Each case is a small ONNX graph built with the `onnx` helper API, run in ONNX Runtime on a
seeded random input; the model, the input and ONNX Runtime's outputs are stored so that the
Swift parity test runs where Python is absent:

  <case>.onnx            the model
  <case>.in.f32          input, little-endian float32, row-major
  <case>.out<i>.f32      ONNX Runtime's output i
  manifest.json          [{"name", "input": {"name", "dims"}, "outputs": [{"name", "dims"}]}]

Needs: pip install onnx onnxruntime numpy.   Usage: scripts/make-onnx-fixtures.py [OUTDIR]

With --roundtrip WAYCUE_BINARY it also exports a WayCueNN graph (the peer nanodet-m graph
with seeded weights) to ONNX with `waycue export --onnx`, checks it with onnx.checker, runs
it in ONNX Runtime, imports it back with `waycue import`, exports that again and checks that
ONNX Runtime gives the same outputs for both files.
"""
import json
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
rng = np.random.default_rng(20261123)


def w(*shape, scale=0.3):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


class G:
    """A tiny graph builder over onnx.helper."""

    def __init__(self, name, in_dims):
        self.name = name
        self.nodes, self.inits, self.k = [], [], 0
        self.in_dims = in_dims
        self.outputs = []

    def t(self, base="t"):
        self.k += 1
        return f"{base}_{self.k}"

    def const(self, arr, base="c"):
        n = self.t(base)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), n))
        return n

    def op(self, op, ins, nout=1, **attrs):
        outs = [self.t(op.lower()) for _ in range(nout)]
        self.nodes.append(helper.make_node(op, ins, outs, name=self.t(op), **attrs))
        return outs[0] if nout == 1 else outs

    def conv(self, x, cin, cout, k=3, s=1, p=None, g=1, bias=True, **kw):
        p = k // 2 if p is None else p
        ins = [x, self.const(w(cout, cin // g, k, k), "W")]
        if bias:
            ins.append(self.const(w(cout, scale=0.1), "B"))
        return self.op("Conv", ins, kernel_shape=[k, k], strides=[s, s], pads=[p, p, p, p], group=g, **kw)

    def bn(self, x, c):
        return self.op("BatchNormalization", [x, self.const(1 + w(c, scale=0.1)), self.const(w(c, scale=0.1)),
                                             self.const(w(c, scale=0.1)), self.const(0.5 + np.abs(w(c)))], epsilon=1e-5)

    def silu(self, x):
        return self.op("Mul", [x, self.op("Sigmoid", [x])])

    def model(self, outputs, opset=OPSET):
        inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, self.in_dims)
        outs = [helper.make_empty_tensor_value_info(o) for o in outputs]
        graph = helper.make_graph(self.nodes, self.name, [inp], outs, self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="make-onnx-fixtures")
        m.ir_version = 8
        inferred = {v.name: v for v in onnx.shape_inference.infer_shapes(m).graph.value_info}
        for i, o in enumerate(outputs):
            m.graph.output[i].CopyFrom(inferred[o])
        onnx.checker.check_model(m)
        return m


def cases():
    # 1. Conv + BN + activations (fused by the importer).
    g = G("conv_bn_act", [1, 4, 12, 12])
    a = g.op("Relu", [g.bn(g.conv("input", 4, 8), 8)])
    b = g.op("LeakyRelu", [g.conv(a, 8, 8, s=2)], alpha=0.1)
    c = g.silu(g.bn(g.conv(b, 8, 8, k=1, p=0, bias=False), 8))
    d = g.op("HardSwish", [g.conv(c, 8, 6)])
    e = g.op("Clip", [g.conv(d, 6, 6), g.const(np.float32(0)), g.const(np.float32(6))])
    f = g.op("Sigmoid", [g.conv(e, 6, 4, k=1, p=0)])
    yield g.model([f, c])

    # 2. Depthwise, dilated, SAME padding, standalone BN / activations.
    g = G("conv_variants", [1, 6, 10, 10])
    a = g.conv("input", 6, 6, g=6)
    a = g.op("Relu", [g.bn(g.op("Add", [a, "input"]), 6)])
    b = g.op("Conv", [a, g.const(w(6, 6, 3, 3))], kernel_shape=[3, 3], dilations=[2, 2], pads=[2, 2, 2, 2])
    c = g.op("Conv", [b, g.const(w(4, 6, 3, 3)), g.const(w(4))], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")
    d = g.op("HardSigmoid", [c], alpha=0.2, beta=0.5)
    e = g.silu(g.op("Sigmoid", [c]))
    yield g.model([d, e])

    # 3. Elementwise with constants and between tensors.
    g = G("elementwise", [1, 4, 6, 6])
    x = "input"
    a = g.op("Mul", [x, g.const(np.float32(1.5))])
    b = g.op("Add", [a, g.const(w(1, 4, 1, 1))])
    c = g.op("Sub", [b, g.const(w(4, 1, 1))])
    d = g.op("Div", [c, g.const(np.float32(2.0))])
    e = g.op("Sub", [g.const(np.float32(1.0)), d])
    f = g.op("Mul", [e, g.const(w(1, 1, 6, 6))])
    h = g.op("Add", [f, x])
    i = g.op("Mul", [h, g.op("Sigmoid", [x])])
    j = g.op("Sub", [i, a])
    k = g.op("Max", [j, x])
    yield g.model([k])

    # 4. Pooling.
    g = G("pooling", [1, 3, 11, 11])
    a = g.op("MaxPool", ["input"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    b = g.op("MaxPool", [a], kernel_shape=[5, 5], strides=[1, 1], pads=[2, 2, 2, 2])
    c = g.op("AveragePool", ["input"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1)
    d = g.op("AveragePool", ["input"], kernel_shape=[2, 2], strides=[2, 2])
    e = g.op("GlobalAveragePool", [b])
    f = g.op("GlobalMaxPool", [c])
    yield g.model([b, c, d, e, f])

    # 5. Resize.
    g = G("resize", [1, 3, 5, 7])
    a = g.op("Resize", ["input", "", g.const(np.array([1, 1, 2, 2], np.float32))], mode="nearest",
             coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    b = g.op("Resize", ["input", "", "", g.const(np.array([1, 3, 10, 14], np.int64))], mode="linear",
             coordinate_transformation_mode="half_pixel")
    c = g.op("Resize", [a, "", g.const(np.array([1, 1, 2, 2], np.float32))], mode="nearest")
    yield g.model([a, b, c])

    # 6. Concat / Split / Slice / Gather.
    g = G("data_movement", [1, 6, 4, 5])
    s1, s2 = g.op("Split", ["input", g.const(np.array([2, 4], np.int64))], nout=2, axis=1)
    a = g.op("Concat", [s2, s1, "input"], axis=1)
    b = g.op("Slice", [a, g.const(np.array([1], np.int64)), g.const(np.array([5], np.int64)), g.const(np.array([1], np.int64))])
    c = g.op("Slice", ["input", g.const(np.array([1, 2], np.int64)), g.const(np.array([3, 100], np.int64)),
                       g.const(np.array([2, 3], np.int64))])
    d = g.op("Gather", ["input", g.const(np.array(3, np.int64))], axis=1)
    e = g.op("Concat", ["input", "input"], axis=3)
    f1, f2, f3 = g.op("Split", ["input", g.const(np.array([1, 2, 2], np.int64))], nout=3, axis=3)
    yield g.model([a, b, c, d, e, f1, f3])

    # 7. Shape arithmetic folded into Reshape; Flatten, (Un)Squeeze, Transpose, Softmax, Identity.
    g = G("shape_ops", [1, 8, 3, 4])
    shape = g.op("Shape", ["input"])
    n = g.op("Unsqueeze", [g.op("Gather", [shape, g.const(np.array(0, np.int64))], axis=0), g.const(np.array([0], np.int64))])
    c = g.op("Unsqueeze", [g.op("Gather", [shape, g.const(np.array(1, np.int64))], axis=0), g.const(np.array([0], np.int64))])
    hw = g.op("Mul", [g.op("Gather", [shape, g.const(np.array([2], np.int64))], axis=0),
                      g.op("Gather", [shape, g.const(np.array([3], np.int64))], axis=0)])
    tgt = g.op("Concat", [n, c, hw], axis=0)
    r = g.op("Reshape", ["input", tgt])                       # [1, 8, 12]
    t = g.op("Transpose", [r], perm=[0, 2, 1])                # [1, 12, 8]
    s = g.op("Softmax", [t], axis=-1)
    s1 = g.op("Softmax", [r], axis=1)                         # inner axis
    fl = g.op("Flatten", [s1], axis=1)
    un = g.op("Unsqueeze", [fl, g.const(np.array([1, 2], np.int64))])
    sq = g.op("Squeeze", [un, g.const(np.array([1], np.int64))])
    k = g.op("Constant", [], value=numpy_helper.from_array(np.float32(0.5)))
    idn = g.op("Identity", [g.op("Mul", [sq, k])])
    t4 = g.op("Transpose", ["input"], perm=[0, 2, 3, 1])      # NCHW -> NHWC
    yield g.model([s, idn, t4])

    # 8. ShuffleNet channel shuffle and a YOLOv8-style DFL + level concat.
    g = G("shuffle_dfl", [1, 8, 4, 4])
    r = g.op("Reshape", ["input", g.const(np.array([1, 2, 4, 4, 4], np.int64))])
    t = g.op("Transpose", [r], perm=[0, 2, 1, 3, 4])
    sh = g.op("Reshape", [t, g.const(np.array([1, 8, 4, 4], np.int64))])
    box = g.conv(sh, 8, 64, k=1, p=0)
    d = g.op("Reshape", [box, g.const(np.array([1, 4, 16, 16], np.int64))])
    d = g.op("Softmax", [g.op("Transpose", [d], perm=[0, 2, 1, 3])], axis=1)
    proj = np.arange(16, dtype=np.float32).reshape(1, 16, 1, 1)
    d = g.op("Reshape", [g.op("Conv", [d, g.const(proj)], kernel_shape=[1, 1]), g.const(np.array([1, 4, 16], np.int64))])
    lvl2 = g.op("Reshape", [g.op("MaxPool", [box], kernel_shape=[2, 2], strides=[2, 2]), g.const(np.array([1, 4, 16, 4], np.int64))])
    lvl2 = g.op("Slice", [lvl2, g.const(np.array([0], np.int64)), g.const(np.array([1], np.int64)), g.const(np.array([2], np.int64))])
    lvl2 = g.op("Reshape", [lvl2, g.const(np.array([1, 4, 4], np.int64))])
    cat = g.op("Concat", [d, lvl2], axis=2)                   # [1, 4, 20]: concat on an inner axis
    strides = np.concatenate([np.full(16, 8, np.float32), np.full(4, 16, np.float32)]).reshape(1, 1, 20)
    y = g.op("Mul", [cat, g.const(strides)])
    yield g.model([sh, y])

    # 9. A small NanoDet-Plus-like detector (ShuffleNet block, PAN with resize, GFL head, export tail).
    g = G("nanodet_tiny", [1, 3, 64, 64])
    x = g.op("LeakyRelu", [g.bn(g.conv("input", 3, 16, s=2, bias=False), 16)], alpha=0.1)     # 32
    x = g.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])           # 16
    a, b = g.op("Split", [x, g.const(np.array([8, 8], np.int64))], nout=2, axis=1)
    b = g.op("Relu", [g.bn(g.conv(b, 8, 8, k=1, p=0, bias=False), 8)])
    b = g.bn(g.conv(b, 8, 8, g=8, bias=False), 8)
    b = g.op("Relu", [g.bn(g.conv(b, 8, 8, k=1, p=0, bias=False), 8)])
    x = g.op("Concat", [a, b], axis=1)
    x = g.op("Reshape", [g.op("Transpose", [g.op("Reshape", [x, g.const(np.array([1, 2, 8, 16, 16], np.int64))])],
                                           perm=[0, 2, 1, 3, 4]), g.const(np.array([1, 16, 16, 16], np.int64))])
    c8 = g.op("LeakyRelu", [g.conv(x, 16, 16, s=2)], alpha=0.1)            # 8x8  (stride 8)
    c16 = g.op("LeakyRelu", [g.conv(c8, 16, 16, s=2)], alpha=0.1)          # 4x4
    c32 = g.op("LeakyRelu", [g.conv(c16, 16, 16, s=2)], alpha=0.1)         # 2x2
    up = g.op("Resize", [c32, "", g.const(np.array([1, 1, 2, 2], np.float32))], mode="linear",
              coordinate_transformation_mode="half_pixel")
    c16 = g.op("Add", [c16, up])
    c64 = g.op("LeakyRelu", [g.conv(c32, 16, 16, s=2)], alpha=0.1)         # 1x1
    nc, per = 3, 3 + 32
    outs = []
    for lvl in (c8, c16, c32, c64):
        h = g.op("LeakyRelu", [g.bn(g.conv(lvl, 16, 16, g=16, bias=False), 16)], alpha=0.1)
        h = g.conv(h, 16, per, k=1, p=0)
        outs.append(g.op("Reshape", [h, g.const(np.array([1, per, -1], np.int64))]))
    cat = g.op("Concat", outs, axis=2)
    cat = g.op("Transpose", [cat], perm=[0, 2, 1])                          # [1, 85, 35]
    cls, reg = g.op("Split", [cat, g.const(np.array([nc, 32], np.int64))], nout=2, axis=2)
    out = g.op("Concat", [g.op("Sigmoid", [cls]), reg], axis=2)
    yield g.model([out])

    # 10. YOLOv5-style head tail: 5-D reshape/transpose, sigmoid, split on the last axis, grid math, Pow.
    g = G("yolov5_tail", [1, 8, 4, 4])
    na, no = 3, 7                                               # 3 anchors, 2 classes + 5
    p = g.conv("input", 8, na * no, k=1, p=0)
    p = g.op("Transpose", [g.op("Reshape", [p, g.const(np.array([1, na, no, 4, 4], np.int64))])], perm=[0, 1, 3, 4, 2])
    y = g.op("Sigmoid", [p])                                    # [1, 3, 4, 4, 7]
    xy, wh, conf = g.op("Split", [y, g.const(np.array([2, 2, 3], np.int64))], nout=3, axis=4)
    grid = np.stack(np.meshgrid(np.arange(4), np.arange(4))[::-1][::-1], -1).reshape(1, 1, 4, 4, 2).astype(np.float32) - 0.5
    xy = g.op("Mul", [g.op("Add", [g.op("Mul", [xy, g.const(np.float32(2))]), g.const(np.broadcast_to(grid, (1, na, 4, 4, 2)).copy())]),
                      g.const(np.float32(8))])
    anchors = np.abs(w(1, na, 1, 1, 2, scale=10)) + 4
    wh = g.op("Mul", [g.op("Pow", [g.op("Mul", [wh, g.const(np.float32(2))]), g.const(np.float32(2))]),
                      g.const(np.broadcast_to(anchors, (1, na, 4, 4, 2)).copy())])
    out = g.op("Reshape", [g.op("Concat", [xy, wh, conf], axis=4), g.const(np.array([1, -1, no], np.int64))])
    yield g.model([out])

    # 11. YOLOv8-style head tail: split box/cls, DFL, dist2bbox with anchor constants, strides.
    g = G("yolov8_tail", [1, 8, 4, 4])
    nc, A = 2, 16
    feat = g.op("Reshape", [g.conv("input", 8, 64 + nc, k=1, p=0), g.const(np.array([1, 64 + nc, A], np.int64))])
    box, cls = g.op("Split", [feat, g.const(np.array([64, nc], np.int64))], nout=2, axis=1)
    d = g.op("Softmax", [g.op("Transpose", [g.op("Reshape", [box, g.const(np.array([1, 4, 16, A], np.int64))])], perm=[0, 2, 1, 3])], axis=1)
    d = g.op("Reshape", [g.op("Conv", [d, g.const(np.arange(16, dtype=np.float32).reshape(1, 16, 1, 1))], kernel_shape=[1, 1]),
                         g.const(np.array([1, 4, A], np.int64))])
    lt, rb = g.op("Split", [d, g.const(np.array([2, 2], np.int64))], nout=2, axis=1)
    anchor = (np.stack(np.meshgrid(np.arange(4), np.arange(4)), 0).reshape(1, 2, A) + 0.5).astype(np.float32)
    x1y1 = g.op("Sub", [g.const(anchor), lt])
    x2y2 = g.op("Add", [g.const(anchor), rb])
    cxy = g.op("Div", [g.op("Add", [x1y1, x2y2]), g.const(np.float32(2))])
    wh = g.op("Sub", [x2y2, x1y1])
    dbox = g.op("Mul", [g.op("Concat", [cxy, wh], axis=1), g.const(np.full((1, A), 8, np.float32))])
    out = g.op("Concat", [dbox, g.op("Sigmoid", [cls])], axis=1)
    yield g.model([out])

    # 12. Opset 11 forms (attributes instead of inputs).
    g = G("opset11", [1, 4, 4, 6])
    a = g.op("Unsqueeze", ["input"], axes=[0])
    b = g.op("Squeeze", [a], axes=[0])
    s1, s2 = g.op("Split", [b], nout=2, axis=1, split=[1, 3])
    c = g.op("Clip", [s2, g.const(np.float32(0)), g.const(np.float32(6))])
    d = g.op("Softmax", [c], axis=1)
    yield g.model([s1, d], opset=11)


def main():
    args = sys.argv[1:]
    here = os.path.dirname(os.path.abspath(__file__))
    out = args[0] if args and not args[0].startswith("--") else os.path.join(here, "..", "Tests", "WayCueONNXTests", "Fixtures")
    os.makedirs(out, exist_ok=True)
    manifest = []
    for m in cases():
        name = m.graph.name
        path = os.path.join(out, name + ".onnx")
        onnx.save(m, path)
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        dims = [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
        x = rng.standard_normal(dims).astype(np.float32)
        x.astype("<f4").tofile(os.path.join(out, name + ".in.f32"))
        ys = sess.run(None, {"input": x})
        entry = {"name": name, "input": {"name": "input", "dims": dims}, "outputs": []}
        for i, (o, y) in enumerate(zip(m.graph.output, ys)):
            y.astype("<f4").tofile(os.path.join(out, f"{name}.out{i}.f32"))
            entry["outputs"].append({"name": o.name, "dims": list(y.shape)})
        manifest.append(entry)
        print(f"{name}: {len(m.graph.node)} nodes, outputs {[list(y.shape) for y in ys]}")
    manifest.append(qdq_case(out))
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    total = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    print(f"{len(manifest)} cases, {total} bytes in {out}")
    if "--roundtrip" in args:
        roundtrip(args[args.index("--roundtrip") + 1])


def qdq_case(out):
    """nanodet_tiny quantized by ONNX Runtime (quantize_static, QDQ, per-channel weights).

    Not in manifest's parity loop at fp32 tolerance: the Swift test runs it in int8 with a
    looser bound ("int8": true)."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    src, dst = os.path.join(out, "nanodet_tiny.onnx"), os.path.join(out, "nanodet_tiny_qdq.onnx")
    calib = [rng.standard_normal([1, 3, 64, 64]).astype(np.float32) for _ in range(4)]

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter([{"input": c} for c in calib])

        def get_next(self):
            return next(self.it, None)

    quantize_static(src, dst, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    sess = ort.InferenceSession(dst, providers=["CPUExecutionProvider"])
    x = calib[0]
    x.astype("<f4").tofile(os.path.join(out, "nanodet_tiny_qdq.in.f32"))
    y = sess.run(None, {"input": x})[0]
    y.astype("<f4").tofile(os.path.join(out, "nanodet_tiny_qdq.out0.f32"))
    name = sess.get_outputs()[0].name
    print(f"nanodet_tiny_qdq: {len(onnx.load(dst).graph.node)} nodes, outputs {[list(y.shape)]}")
    return {"name": "nanodet_tiny_qdq", "int8": True, "input": {"name": "input", "dims": [1, 3, 64, 64]},
            "outputs": [{"name": name, "dims": list(y.shape)}]}


def roundtrip(waycue):
    """WayCueNN graph -> ONNX (waycue export) -> ORT; and -> waycue import -> export -> ORT again."""
    tmp = "/tmp/waycue-onnx-roundtrip"
    os.makedirs(tmp, exist_ok=True)
    a, wcm, b = f"{tmp}/a.onnx", f"{tmp}/a.wcm", f"{tmp}/b.onnx"
    subprocess.run([waycue, "export", "--onnx", "--graph", "nanodet-m", "--out", a], check=True)
    onnx.checker.check_model(onnx.load(a))
    subprocess.run([waycue, "import", a, "--out", wcm], check=True)
    subprocess.run([waycue, "export", "--onnx", "--model", wcm, "--out", b], check=True)
    sa = ort.InferenceSession(a, providers=["CPUExecutionProvider"])
    sb = ort.InferenceSession(b, providers=["CPUExecutionProvider"])
    x = rng.standard_normal([d for d in sa.get_inputs()[0].shape]).astype(np.float32)
    ya = sa.run(None, {sa.get_inputs()[0].name: x})
    yb = sb.run(None, {sb.get_inputs()[0].name: x})
    names_b = [o.name for o in sb.get_outputs()]
    worst = 0.0
    for o, y in zip(sa.get_outputs(), ya):
        z = yb[names_b.index(o.name)].reshape(y.shape)
        worst = max(worst, float(np.max(np.abs(y - z)) / max(1e-6, float(np.max(np.abs(y))))))
    print(f"round trip nanodet-m: ORT(export) vs ORT(export(import(export))): max rel diff {worst:.2e}")
    assert worst < 1e-4, worst


if __name__ == "__main__":
    main()
