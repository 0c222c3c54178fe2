#!/usr/bin/env python3
"""Generate the COCO-evaluation fixture for WayCueTraining's AP tests.

Builds a small random detection problem (ground truth and noisy detections, several classes,
a class with no detections and a class with detections but no ground truth), evaluates it with
pycocotools' COCOeval, and writes the problem plus pycocotools' numbers to
Tests/WayCueTrainingTests/Fixtures/coco_eval_fixture.json. The Swift test reads that file, so it
runs without Python. Needs: pip install pycocotools numpy

Usage: python3 scripts/make_eval_fixture.py [--seed 4] [--out PATH]
"""
import argparse, json, os, random, io, contextlib
import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

CLASSES = ["ped_green", "ped_red", "crosswalk", "vehicle_red", "cone"]  # cone: detections only
W, H = 640, 480


def q(v):  # multiples of 0.5 are exact in Float32 and float64
    return round(v * 2) / 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--images", type=int, default=40)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "WayCueTrainingTests",
                                                  "Fixtures", "coco_eval_fixture.json"))
    a = ap.parse_args()
    rng = random.Random(a.seed)
    images, gts, dets, used_scores = [], [], [], set()

    def score():
        while True:
            s = round(rng.random(), 4)
            if s not in used_scores and s > 0:
                used_scores.add(s)
                return s

    for i in range(a.images):
        img = {"id": i + 1, "gt": [], "dets": []}
        for _ in range(rng.randint(0, 5)):
            c = rng.choice(CLASSES[:3])  # vehicle_red: ground truth, never detected
            if rng.random() < 0.15:
                c = "vehicle_red"
            w, h = rng.uniform(8, 200), rng.uniform(8, 200)
            x, y = rng.uniform(0, W - w), rng.uniform(0, H - h)
            box = [q(x), q(y), q(x + w), q(y + h)]
            img["gt"].append({"class": c, "box": box})
            if c != "vehicle_red" and rng.random() < 0.8:
                # a detection near the truth (IoU spread over 0.3..1), sometimes with the wrong class
                j = rng.uniform(0, 0.2)
                dx, dy = rng.uniform(-j, j) * w, rng.uniform(-j, j) * h
                sw, sh = 1 + rng.uniform(-j, j), 1 + rng.uniform(-j, j)
                nb = [q(box[0] + dx), q(box[1] + dy), q(box[0] + dx + w * sw), q(box[1] + dy + h * sh)]
                dc = c if rng.random() < 0.9 else rng.choice(CLASSES[:3])
                img["dets"].append({"class": dc, "score": score(), "box": nb})
                if rng.random() < 0.2:  # a duplicate detection
                    img["dets"].append({"class": dc, "score": score(), "box": [nb[0] + 2, nb[1] + 2, nb[2] + 2, nb[3] + 2]})
        for _ in range(rng.randint(0, 2)):  # false alarms
            w, h = rng.uniform(8, 120), rng.uniform(8, 120)
            x, y = rng.uniform(0, W - w), rng.uniform(0, H - h)
            c = rng.choice(CLASSES[:3] + ["cone"])
            img["dets"].append({"class": c, "score": score(), "box": [q(x), q(y), q(x + w), q(y + h)]})
        images.append(img)

    cat_id = {c: k + 1 for k, c in enumerate(CLASSES)}
    gt_json = {"images": [{"id": im["id"], "width": W, "height": H, "file_name": f"{im['id']}.jpg"} for im in images],
               "categories": [{"id": cat_id[c], "name": c} for c in CLASSES], "annotations": []}
    res = []
    for im in images:
        for g in im["gt"]:
            x1, y1, x2, y2 = g["box"]
            gt_json["annotations"].append({"id": len(gt_json["annotations"]) + 1, "image_id": im["id"],
                                           "category_id": cat_id[g["class"]], "bbox": [x1, y1, x2 - x1, y2 - y1],
                                           "area": (x2 - x1) * (y2 - y1), "iscrowd": 0})
        for d in im["dets"]:
            x1, y1, x2, y2 = d["box"]
            res.append({"image_id": im["id"], "category_id": cat_id[d["class"]], "bbox": [x1, y1, x2 - x1, y2 - y1],
                        "score": d["score"]})
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = gt_json
        coco.createIndex()
        cdt = coco.loadRes(res)
        ev = COCOeval(coco, cdt, "bbox")
        ev.evaluate(); ev.accumulate(); ev.summarize()
    prec = ev.eval["precision"]  # [T, R, K, A, M]
    per_class = {}
    for k, c in enumerate(CLASSES):
        p = prec[:, :, k, 0, 2]
        if (p > -1).any():
            per_class[c] = {"ap50": float(np.mean(p[0])), "ap50_95": float(np.mean(p[p > -1]))}
    p_all = prec[:, :, :, 0, 2]
    ref = {"map50_95": float(ev.stats[0]), "map50": float(ev.stats[1]),
           "map50_from_precision": float(np.mean(prec[0, :, :, 0, 2][prec[0, :, :, 0, 2] > -1])),
           "per_class": per_class}
    out = {"generator": "scripts/make_eval_fixture.py", "seed": a.seed, "width": W, "height": H,
           "images": [{"id": str(im["id"]), "gt": im["gt"], "dets": im["dets"]} for im in images], "pycocotools": ref}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps(ref, indent=1))


if __name__ == "__main__":
    main()
