#!/usr/bin/env python3
"""Makes ONNX fixtures with other projects' own exporters, for WayCue's import tests.

Ultralytics (AGPL-3.0) is run here as a tool to produce test files: none of its code or
weights enters WayCue. Models are built from Ultralytics' model yaml with random weights
(nothing is downloaded), scaled down (width 0.0625) so the committed files stay small, with
3 classes, at 320x320:
  - YOLOv8 at opsets 11, 17 and 20, and YOLO11 at opset 17;
and torchvision's MobileNetV3-Small (width 0.25, 10 classes, 224x224) written by today's
default `torch.onnx.export` (the dynamo exporter: opset 18+, weights as external data beside
the model, squeeze-excite Mul between two run-time tensors, ReduceMean, Gemm).
For each: `<name>.onnx` and ONNX Runtime's output `<name>.out.f32` (float32, little-endian)
on the input x[i] = (sin(0.013 i) + 1) / 2 over the flat [1, 3, 320, 320] tensor (what the
model sees, RGB/255 in [0, 1]; the test makes the same input), listed in `exporters.json`
with the layout and the versions used.

Needs: pip install ultralytics onnx onnxruntime (torch comes with ultralytics; a few GB).
  python3 scripts/make-exporter-fixtures.py [--out Tests/WayCueONNXTests/Fixtures/exporters]
"""
import argparse, json, os, sys, tempfile

import numpy as np


def yaml_text(base, width):
    """Ultralytics' model yaml with one extra scale `t` (tiny)."""
    import ultralytics
    cfg = os.path.join(os.path.dirname(ultralytics.__file__), "cfg", "models", base)
    text = open(cfg).read()
    return text.replace("scales:", f"scales:\n  t: [0.33, {width}, 1024]", 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "WayCueONNXTests", "Fixtures", "exporters"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    import torch
    import onnxruntime as ort
    from ultralytics import YOLO
    torch.manual_seed(0)
    cases = []
    work = tempfile.mkdtemp()
    specs = [("yolov8", "v8/yolov8.yaml", [11, 17, 20]), ("yolo11", "11/yolo11.yaml", [17])]
    for family, cfg, opsets in specs:
        ypath = os.path.join(work, f"{family}t.yaml")
        with open(ypath, "w") as f:
            f.write(yaml_text(cfg, 0.0625).replace("nc: 80", "nc: 3"))
        for opset in opsets:
            torch.manual_seed(opset)
            model = YOLO(ypath, task="detect")
            model.model.names = {0: "red", 1: "green", 2: "pole"}
            path = model.export(format="onnx", imgsz=320, opset=opset, simplify=False, dynamic=False, verbose=False)
            name = f"{family}t_opset{opset}"
            dst = os.path.join(a.out, name + ".onnx")
            os.replace(path, dst)
            x = ((np.sin(np.arange(3 * 320 * 320, dtype=np.float64) * 0.013) + 1) / 2).astype(np.float32).reshape(1, 3, 320, 320)
            sess = ort.InferenceSession(dst, providers=["CPUExecutionProvider"])
            y = sess.run(None, {sess.get_inputs()[0].name: x})[0].astype(np.float32)
            y.astype("<f4").tofile(os.path.join(a.out, name + ".out.f32"))
            cases.append({"name": name, "family": family, "opset": opset, "layout": "yolov8", "classes": ["red", "green", "pole"],
                          "input_dims": list(x.shape), "output_dims": list(y.shape), "bytes": os.path.getsize(dst)})
            print(name, y.shape, os.path.getsize(dst), "bytes", flush=True)
    # torchvision MobileNetV3-Small through the default exporter.
    import torchvision
    torch.manual_seed(3)
    m = torchvision.models.mobilenet_v3_small(weights=None, width_mult=0.25, num_classes=10).eval()
    name = "mobilenetv3s_torch_default"
    dst = os.path.join(a.out, name + ".onnx")
    for old in (dst, dst + ".data"):
        if os.path.exists(old):
            os.remove(old)
    x = ((np.sin(np.arange(3 * 224 * 224, dtype=np.float64) * 0.013) + 1) / 2).astype(np.float32).reshape(1, 3, 224, 224)
    torch.onnx.export(m, (torch.from_numpy(x),), dst, external_data=True)
    sess = ort.InferenceSession(dst, providers=["CPUExecutionProvider"])
    y = sess.run(None, {sess.get_inputs()[0].name: x})[0].astype(np.float32)
    y.astype("<f4").tofile(os.path.join(a.out, name + ".out.f32"))
    import onnx
    mo = onnx.load(dst, load_external_data=False)
    cases.append({"name": name, "family": "torchvision", "opset": mo.opset_import[0].version, "layout": "none", "classes": [],
                  "input_dims": list(x.shape), "output_dims": list(y.shape), "bytes": os.path.getsize(dst),
                  "external_data": sum(1 for t in mo.graph.initializer if t.data_location == 1)})
    print(name, y.shape, os.path.getsize(dst), "bytes +", os.path.getsize(dst + ".data") if os.path.exists(dst + ".data") else 0, flush=True)
    manifest = {"exporter": "ultralytics " + __import__("ultralytics").__version__, "torch": torch.__version__,
                "onnxruntime": ort.__version__, "cases": cases}
    with open(os.path.join(a.out, "exporters.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
