#!/usr/bin/env python3
"""Contact sheet of a detector on the street photographs: for each labelled lamp of the first
images of a split, a 3x crop around it with the label (thin green) and the model's detections
(orange, class and score), signal pass on.

    python3 scripts/street-sheet.py --model Sources/WayCueDetector/Resources/default.wcm \
        --out docs/images/street-detections-default.jpg [--split valid] [--count 12] [--score 0.3]
Needs Pillow and a release build of waycue (swift build -c release --product waycue).
"""
import argparse, glob, json, os, subprocess
from PIL import Image, ImageDraw

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--data", default="../shared/datasets/vehicle-lights-kr-street")
    ap.add_argument("--split", default="valid")
    ap.add_argument("--count", type=int, default=12, help="lamps shown")
    ap.add_argument("--score", type=float, default=0.3)
    ap.add_argument("--waycue", default=".build/release/waycue")
    a = ap.parse_args()
    names = ["vehicle_green", "vehicle_green", "vehicle_red", "vehicle_yellow"]  # green, left, red, yellow
    imgs = sorted(glob.glob(os.path.join(a.data, a.split, "images", "*")))
    out = subprocess.run([a.waycue, "detect", "--model", a.model, "--json", "--score", str(a.score), "--signal-pass"] + imgs,
                         capture_output=True, text=True, check=True).stdout.strip().split("\n")
    tiles = []
    for path, line in zip(imgs, out):
        dets = json.loads(line)
        im = Image.open(path).convert("RGB")
        W, H = im.size
        lab = os.path.join(a.data, a.split, "labels", os.path.splitext(os.path.basename(path))[0] + ".txt")
        for row in open(lab):
            v = [float(t) for t in row.split()]
            xs, ys = v[1::2], v[2::2]
            if len(v) == 5:
                g = ((v[1] - v[3] / 2) * W, (v[2] - v[4] / 2) * H, (v[1] + v[3] / 2) * W, (v[2] + v[4] / 2) * H)
            else:
                g = (min(xs) * W, min(ys) * H, max(xs) * W, max(ys) * H)
            if g[2] - g[0] > 60:
                continue  # close-up copies: the sheet is about distant lamps
            cx, cy, r, z = (g[0] + g[2]) / 2, (g[1] + g[3]) / 2, 50, 3
            crop = im.crop((int(cx - r), int(cy - r), int(cx + r), int(cy + r))).resize((2 * r * z, 2 * r * z), Image.NEAREST)
            d = ImageDraw.Draw(crop)
            f = lambda x, y: ((x - cx + r) * z, (y - cy + r) * z)
            d.rectangle(f(g[0], g[1]) + f(g[2], g[3]), outline=(0, 255, 0), width=1)
            for det in dets:
                b = det["box"]
                if b[2] < cx - r or b[0] > cx + r or b[3] < cy - r or b[1] > cy + r:
                    continue
                d.rectangle(f(b[0], b[1]) + f(b[2], b[3]), outline=(255, 140, 0), width=2)
                d.text((f(b[0], b[1])[0] + 2, f(b[0], b[1])[1] - 11), "%s %.2f" % (det["class"], det["score"]), fill=(255, 140, 0))
            d.text((3, 3), "truth: " + names[int(v[0])], fill=(0, 255, 0))
            tiles.append(crop)
            if len(tiles) == a.count:
                break
        if len(tiles) == a.count:
            break
    cols = 4
    rows = (len(tiles) + cols - 1) // cols
    sheet = Image.new("RGB", (cols * 300, rows * 300), (30, 30, 30))
    for i, t in enumerate(tiles):
        sheet.paste(t, ((i % cols) * 300, (i // cols) * 300))
    sheet.save(a.out, quality=88)
    print("wrote %s: %d lamps" % (a.out, len(tiles)))

if __name__ == "__main__":
    main()
