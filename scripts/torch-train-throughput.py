#!/usr/bin/env python3
"""Training throughput of WayCue's detector architecture in PyTorch on CPU, for comparison with
`waycue bench train` (same architecture, input size, batch and thread count).

The network is built layer for layer like Sources/WayCueTraining/Model/DetectorModel.swift:
ShuffleNetV2 backbone (stem 3x3/2 + max pool, stages of ShuffleNetV2 units), PAN neck (1x1
laterals, nearest upsample + add top-down, depthwise 3x3/2 conv + add bottom-up) and per-level
depthwise-separable heads with a 1x1 output of classes + 4*(reg_max+1) logits; batch norm and
LeakyReLU(0.1) after every conv. A step is forward + loss + backward + AdamW + EMA update.

The loss is a surrogate of the same cost class (sigmoid BCE over every class logit and a
softmax cross-entropy over the DFL bins of every cell), not WayCue's assigner; the assignment
and loss are a small part of a WayCue step (see `waycue bench train` vs the per-op split), so
this compares the network's training cost.

Usage (pip torch CPU wheels are fine here; never in the product):
  pip install torch   (a CPU-only build is enough)
  python3 scripts/torch-train-throughput.py --size 320 --width 1.0 --batch 16 --threads 2
  .build/release/waycue bench train --size 320 --width 1.0 --batch 16 --threads 2
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn(cin, cout, k, s=1, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.LeakyReLU(0.1))
    return nn.Sequential(*layers)


class ShuffleBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.stride = stride
        half = cout // 2
        if stride == 2:
            self.branch1 = nn.Sequential(conv_bn(cin, cin, 3, 2, groups=cin, act=False), conv_bn(cin, half, 1))
        b2in = cin if stride == 2 else half
        self.branch2 = nn.Sequential(conv_bn(b2in, half, 1), conv_bn(half, half, 3, stride, groups=half, act=False),
                                     conv_bn(half, cout - half, 1))

    def forward(self, x):
        if self.stride == 2:
            y = torch.cat([self.branch1(x), self.branch2(x)], 1)
        else:
            a, b = x.chunk(2, 1)
            y = torch.cat([a, self.branch2(b)], 1)
        n, c, h, w = y.shape
        return y.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)


class Detector(nn.Module):
    def __init__(self, classes, width, neck=None, head_convs=2, reg_max=7):
        super().__init__()
        chans = {0.5: [48, 96, 192], 1.0: [116, 232, 464], 1.5: [176, 352, 704]}[width]
        neck = neck or (64 if width < 0.75 else 96)
        self.stem = conv_bn(3, 24, 3, 2)
        stages, cin = [], 24
        for c, r in zip(chans, [4, 8, 4]):
            stages.append(nn.Sequential(*[ShuffleBlock(cin if i == 0 else c, c, 2 if i == 0 else 1) for i in range(r)]))
            cin = c
        self.stages = nn.ModuleList(stages)
        self.lateral = nn.ModuleList([conv_bn(c, neck, 1) for c in chans])
        self.down = nn.ModuleList([conv_bn(neck, neck, 3, 2, groups=neck) for _ in range(2)])
        out = classes + 4 * (reg_max + 1)
        self.heads = nn.ModuleList([
            nn.Sequential(*[m for _ in range(head_convs) for m in (conv_bn(neck, neck, 3, groups=neck), conv_bn(neck, neck, 1))],
                          nn.Conv2d(neck, out, 1)) for _ in range(3)])

    def forward(self, x):
        y = F.max_pool2d(self.stem(x), 3, 2, 1)
        feats = []
        for s in self.stages:
            y = s(y)
            feats.append(y)
        l3, l4, l5 = [m(f) for m, f in zip(self.lateral, feats)]
        p4 = l4 + F.interpolate(l5, size=l4.shape[-2:], mode="nearest")
        p3 = l3 + F.interpolate(p4, size=l3.shape[-2:], mode="nearest")
        n4 = p4 + self.down[0](p3)
        n5 = l5 + self.down[1](n4)
        return [h(f) for h, f in zip(self.heads, [p3, n4, n5])]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=320)
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--neck", type=int)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--classes", type=int, default=7)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = Detector(args.classes, args.width, args.neck)
    ema = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.05)
    x = torch.rand(args.batch, 3, args.size, args.size)
    bins = 8
    times = []
    for k in range(args.steps + 1):
        t0 = time.perf_counter()
        outs = model(x)
        loss = 0
        for o in outs:
            cls, box = o[:, :args.classes], o[:, args.classes:]
            loss = loss + F.binary_cross_entropy_with_logits(cls, torch.zeros_like(cls))
            logits = box.reshape(box.shape[0], 4, bins, -1).transpose(2, 3).reshape(-1, bins)
            loss = loss + F.cross_entropy(logits, torch.zeros(logits.shape[0], dtype=torch.long))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 35)
        opt.step()
        with torch.no_grad():
            for e, p in zip(ema, model.parameters()):
                e.mul_(0.9998).add_(p.detach(), alpha=0.0002)
        if k > 0:
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    params = sum(p.numel() for p in model.parameters())
    print(json.dumps({"framework": f"torch {torch.__version__}", "size": args.size, "width": args.width, "batch": args.batch,
                      "threads": args.threads, "parameters": params, "median_step_s": round(med, 4),
                      "images_per_second": round(args.batch / med, 2)}))


if __name__ == "__main__":
    main()
