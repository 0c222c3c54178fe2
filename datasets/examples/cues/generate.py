#!/usr/bin/env python3
"""Writes the example detection timelines in this folder (synthetic, deterministic).

The camera is WayCue's default chest camera (CameraModel.chestDefault): 640x480, 70 degree
horizontal field of view, 1.3 m above the ground, looking 15 degrees down. Boxes of objects on
the ground are projected with the same pinhole model the cue engine uses.

    python3 datasets/examples/cues/generate.py
"""
import json, math, random, os

W, H, HFOV, CAM_H, PITCH = 640, 480, 70.0, 1.3, 15.0
F = W / 2 / math.tan(math.radians(HFOV) / 2)


def project(x, y, z):
    p = math.radians(PITCH)
    dz = z - CAM_H
    fwd = y * math.cos(p) - dz * math.sin(p)
    up = y * math.sin(p) + dz * math.cos(p)
    return W / 2 + F * x / fwd, H / 2 - F * up / fwd


def ground_box(x, y, w, h):
    u1, v1 = project(x - w / 2, y, 0)
    u2, _ = project(x + w / 2, y, 0)
    _, vt = project(x, y, h)
    return [u1, vt, u2, v1]


def head(bearing, size, top=60):
    cx = W / 2 + math.tan(math.radians(bearing)) * F
    return [cx - size * 0.35, top, cx + size * 0.35, top + size]


def det(cls, score, box):
    return {"class": cls, "score": round(score, 2), "box": [round(v, 1) for v in box]}


def write(name, frames):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    with open(path, "w") as f:
        for t, dets in frames:
            f.write(json.dumps({"t": round(t, 3), "detections": dets}) + "\n")


def crossing():
    """At the kerb: crosswalk slightly right, our signal red then green, a side head and
    vehicle lights in view; the walker turns, crosses, and the signal starts flashing."""
    rnd = random.Random(1)
    frames = []
    for i in range(0, 150):  # 15 s at 10 fps
        t = i / 10
        dets = []
        turn = min(1.0, max(0.0, (t - 7.0) / 1.0))  # walker turns toward the crosswalk at 7 s
        bearing = 14 * (1 - turn)
        # our pedestrian head across the street, near the crosswalk's far end
        light = "ped_red" if t < 6.0 else "ped_green"
        if t >= 12.0:
            light = "ped_green" if int(t * 2) % 2 == 0 else None  # flashing
        if light and rnd.random() > 0.05:
            dets.append(det(light, 0.8 + rnd.random() * 0.15, head(bearing + 1, 26)))
        # a side street's pedestrian head (ignored) and vehicle lights (never used)
        dets.append(det("ped_green" if t < 6.0 else "ped_red", 0.85, head(bearing - 38, 30, 70)))
        dets.append(det("vehicle_green" if t < 6.0 else "vehicle_red", 0.9, head(bearing - 4, 34, 10)))
        # the crosswalk ahead; once crossing (after 8.5 s) it reaches the bottom of the image
        near = 3.0 - max(0.0, t - 8.5) * 1.1
        far = near + 8
        cx = W / 2 + math.tan(math.radians(bearing)) * F
        _, v_near = project(0, max(near, 0.3), 0)
        _, v_far = project(0, far, 0)
        dets.append(det("crosswalk", 0.9, [cx - 200, v_far, cx + 200, min(H, v_near)]))
        frames.append((t, dets))
    return frames


def paving_walk():
    """Following tactile paving: a pole on the right, a cyclist coming head-on, the walker
    drifting off the paving and back, then the paving ends at warning tiles."""
    rnd = random.Random(2)
    frames = []
    for i in range(0, 120):  # 12 s at 10 fps
        t = i / 10
        dets = []
        # the walker drifts left (the paving is then to the right) and steps back at 7.3 s
        offset = min(0.7, (t - 5.5) * 0.6) if 5.5 <= t < 7.3 else 0.0
        if t < 9.0:
            end = 10.5 - t  # the paving ends 10.5 m from the start
            top = 250 if end > 4.5 else min(H - 20, project(0, end, 0)[1])
            dets.append(det("tactile_guide", 0.85, [*ground_box(offset, 1.2, 0.4, 0)[:1], top,
                                                    ground_box(offset, 1.2, 0.4, 0)[2], H]))
        if 9.0 <= t:
            b = ground_box(offset, 4.5 - (t - 9.0), 1.0, 0)
            dets.append(det("tactile_warning", 0.8, [b[0], b[3] - 25, b[2], b[3]]))
        y_pole = 7.0 - t * 1.0
        if y_pole > 0.8:
            dets.append(det("pole", 0.75 + rnd.random() * 0.1, ground_box(1.1, y_pole, 0.15, 2.8)))
        y_bike = 14.0 - t * 4.0  # walker 1 m/s + cyclist 3 m/s head-on
        if 0.5 < y_bike < 12 and t < 4.2:
            dets.append(det("bicycle", 0.8, ground_box(0.1, y_bike, 0.6, 1.6)))
        frames.append((t, dets))
    return frames


def camera_dropout():
    """Waiting at a green signal when the camera stalls for 2.5 seconds, then recovers to
    find the signal red, which later turns green again."""
    frames = []
    for i in range(0, 90):
        t = i / 10
        if 3.0 <= t < 5.5:
            continue  # no frames: the camera stalled
        frames.append((t, [det("ped_green", 0.9, head(2, 30))] if t < 3.0 or t >= 7.0 else [det("ped_red", 0.9, head(2, 30))]))
    return frames


write("crossing.jsonl", crossing())
write("paving-walk.jsonl", paving_walk())
write("camera-dropout.jsonl", camera_dropout())
