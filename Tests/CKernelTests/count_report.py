#!/usr/bin/env python3
"""Turns one counted run of nanodet-count (its stdout: the step list) and insn_count_plugin's
marks into instructions per inference, per op type and per step.

Usage: count_report.py STEPS MARKS LABEL [PER_STEP_OUT] [ENGINE_PER_OP_TABLE]
Marks: two back-to-back marks (the cost of one mark), then RUNS x (1 + steps) marks. Every run
must give the same per-step counts (exact and repeatable), else this fails. The inference count is
the sum of the step counts less one mark's cost per step (a step's count keeps the driver's loop
and call into the op: a few instructions, as the engine's own dispatch has). With an engine
per-op table (`waycue bench engine --per-op` output) the steps are held against the engine's
graph: same order, op and output shape for each of the nodes it executes.
"""
import sys

steps_file, marks_file, label = sys.argv[1:4]
per_step_out = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
engine_table = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] else None

steps, info = [], {}
for line in open(steps_file):
    f = line.split()
    if not f:
        continue
    if f[0] == "step":
        steps.append({"op": f[2], "name": f[3], "in": f[4], "out": f[5], "macs": int(f[6])})
    elif f[0] == "steps":
        info.update(zip(f[0::2], f[1::2]))
    elif f[0] in ("int8", "sgemm", "dwconv", "marker"):
        info[f[0]] = f[-1]
marks = [int(l.split()[1]) for l in open(marks_file) if l.startswith("mark ")]
S, runs = len(steps), int(info["runs"])
if len(marks) != 2 + runs * (S + 1):
    sys.exit(f"{label}: {len(marks)} marks, expected {2 + runs * (S + 1)}")
mark_cost = marks[1] - marks[0]
per_run = []
for r in range(runs):
    m = marks[2 + r * (S + 1): 2 + (r + 1) * (S + 1)]
    per_run.append([m[i + 1] - m[i] - mark_cost for i in range(S)])
if any(p != per_run[0] for p in per_run):
    sys.exit(f"{label}: per-step counts differ between runs: not repeatable")
counts = per_run[0]
total = sum(counts)
macs = sum(s["macs"] for s in steps)

if engine_table:
    kind = {"Conv1x1": ("conv1x1", "conv1x1-int8"), "Conv3x3": ("conv-direct",), "ConvDW3x3": ("conv-dw",),
            "Pool": ("maxpool",), "ConcatShuffle": ("concat-shuffle",), "Resize": ("resize",),
            "Binary": ("binary",), "Activation": ("activation",), "Transpose": ("transpose",)}
    rows = []
    for line in open(engine_table):
        f = line.split()
        if len(f) >= 3 and f[1] in kind:
            rows.append(f)
    bad = [] if len(rows) == S else [f"engine runs {len(rows)} nodes, the driver {S}"]
    for i, (row, s) in enumerate(zip(rows, steps)):
        shape = "x".join(row[2].split("x")[1:])  # 1xCxHxW -> CxHxW
        if s["op"] not in kind[row[1]] or shape != s["out"] or row[0].split("+")[-1] != s["name"]:
            bad.append(f"step {i}: engine {row[0]} {row[1]} {row[2]}, driver {s['name']} {s['op']} {s['out']}")
    if bad:
        sys.exit(f"{label}: layer list differs from the engine's graph:\n  " + "\n  ".join(bad[:10]))
    print(f"{label}: layer list = the engine's graph ({S} nodes: order, op, output shape, name)")

by_op = {}
for s, c in zip(steps, counts):
    o = by_op.setdefault(s["op"], [0, 0, 0])
    o[0] += 1; o[1] += c; o[2] += s["macs"]
print(f"{label}: {total:,} instructions per inference ({S} steps, {macs:,} conv MACs, "
      f"{macs / total:.2f} MAC/insn; int8 kernel {info.get('int8')}, fp32 GEMM {info.get('sgemm')}, "
      f"depthwise {info.get('dwconv')}; {runs} runs identical; one mark = {mark_cost} insns)")
for op, (n, c, m) in sorted(by_op.items(), key=lambda kv: -kv[1][1]):
    print(f"    {op:<15} {n:>3} steps {c:>13,} insns {100 * c / total:5.1f}%" + (f"  {m / c:5.2f} MAC/insn" if m else ""))
if per_step_out:
    with open(per_step_out, "w") as f:
        f.write(f"# {label}: instructions per step of one inference\n")
        f.write(f"{'step':>4} {'op':<14} {'name':<20} {'input':<22} {'output':<12} {'MACs':>10} {'insns':>12} {'MAC/insn':>8}\n")
        for i, (s, c) in enumerate(zip(steps, counts)):
            f.write(f"{i:>4} {s['op']:<14} {s['name']:<20} {s['in']:<22} {s['out']:<12} {s['macs']:>10} {c:>12} "
                    + (f"{s['macs'] / c:8.2f}" if s["macs"] else f"{'':>8}") + "\n")
        f.write(f"total {total}\n")
print(f"TOTAL {label} {total}")
