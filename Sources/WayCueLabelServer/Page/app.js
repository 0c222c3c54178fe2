// WayCue label review page. Plain JavaScript, no dependencies, served by `waycue label`.
// Every change is saved at once (PUT /api/frames/{i}), one save at a time, naming the
// revision it started from; a 409 means another tab saved first and is shown, never ignored.
"use strict";

const COLORS = ["#f5c518", "#ff7f0e", "#ffffff", "#e6194b", "#3cb44b", "#d62728", "#ffe119", "#2ca02c",
  "#4363d8", "#911eb4", "#42d4f4", "#f032e6", "#bfef45", "#fabed4", "#9a6324"];
const HANDLE = 8; // px: how near a corner a press resizes

const S = {
  summary: null, classes: [], queueName: "unreviewed", queue: [], pos: 0,
  frame: null, boxes: [], selected: -1, undo: [], drawClass: 0, showProposals: true,
  img: null, saving: false, pending: null, status: "idle",
  drag: null, view: { x: 0, y: 0, scale: 1, w: 1, h: 1 },
};

const $ = (id) => document.getElementById(id);
const canvas = $("canvas");
const ctx = canvas.getContext("2d");

async function api(method, path, body) {
  const r = await fetch(path, { method, headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined, cache: "no-store" });
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  return { status: r.status, data };
}

function setStatus(state, text) {
  S.status = state;
  const el = $("status");
  el.dataset.state = state;
  el.textContent = text;
}

function banner(html, buttons) {
  const b = $("banner");
  if (!html) { b.hidden = true; b.innerHTML = ""; return; }
  b.hidden = false;
  b.textContent = html;
  for (const [label, fn] of buttons || []) {
    const btn = document.createElement("button");
    btn.type = "button"; btn.textContent = label; btn.onclick = fn;
    b.appendChild(btn);
  }
}

// ---- loading -------------------------------------------------------------------------------

async function loadSummary() {
  const r = await api("GET", "/api/summary");
  if (r.status !== 200) { setStatus("error", "cannot read the folder summary"); return; }
  const s = r.data;
  S.summary = s;
  S.classes = s.classes;
  $("folder").textContent = s.frames_folder + "  \u2192  " + s.labels_folder;
  $("progress").textContent = `${s.progress.reviewed} / ${s.progress.frames} reviewed, ${s.progress.boxes} boxes`;
  if (s.write_problem) banner("The labels folder cannot be written, nothing can be saved: " + s.write_problem);
  renderCheck(s.check);
  return s;
}

function fillQueueMenu() {
  const s = S.summary, sel = $("queue");
  const opts = [["unreviewed", `Unreviewed (${s.queues.unreviewed})`], ["uncertain", "Least certain first"],
    ["disagree", `Model and labels disagree (${s.queues.disagree})`], ["problems", `Unreadable lines (${s.queues.problems})`],
    ["all", `All frames (${s.queues.all})`]];
  S.classes.forEach((c, i) => opts.push([`class:${i}`, `Class ${i} ${c} (${s.progress.frames_per_class[i]})`]));
  sel.innerHTML = "";
  for (const [v, t] of opts) {
    const o = document.createElement("option"); o.value = v; o.textContent = t; sel.appendChild(o);
  }
  sel.value = S.queueName;
}

function fillLegend() {
  const ol = $("legend"), bc = $("box-class");
  ol.innerHTML = ""; bc.innerHTML = "";
  S.classes.forEach((c, i) => {
    const li = document.createElement("li");
    li.innerHTML = `<span class="swatch" style="background:${COLORS[i % COLORS.length]}"></span>`;
    li.appendChild(document.createTextNode(i < 10 ? c : `${c}  (Shift+${i - 10})`));
    ol.appendChild(li);
    const o = document.createElement("option"); o.value = i; o.textContent = `${i} ${c}`; bc.appendChild(o);
  });
}

async function loadQueue(name, keepFrame) {
  const r = await api("GET", "/api/queue/" + encodeURIComponent(name));
  if (r.status !== 200) { setStatus("error", r.data ? r.data.error.message : "cannot load queue"); return; }
  S.queueName = name;
  S.queue = r.data.frames;
  let pos = 0;
  if (keepFrame !== undefined) { const p = S.queue.indexOf(keepFrame); pos = p >= 0 ? p : 0; }
  const hash = new URLSearchParams(location.hash.slice(1));
  if (keepFrame === undefined && hash.get("frame") !== null) {
    const p = S.queue.indexOf(Number(hash.get("frame"))); if (p >= 0) pos = p;
  }
  await goto(pos);
}

async function goto(pos) {
  if (S.queue.length === 0) {
    S.frame = null; S.boxes = []; S.img = null;
    $("position").textContent = "this queue is empty";
    $("frame-name").textContent = "";
    draw(); renderSide();
    return;
  }
  pos = Math.max(0, Math.min(S.queue.length - 1, pos));
  await flushSaves();
  const index = S.queue[pos];
  const r = await api("GET", "/api/frames/" + index);
  if (r.status !== 200) { setStatus("error", "cannot load frame " + index); return; }
  S.pos = pos;
  S.frame = r.data;
  S.boxes = r.data.boxes.map((b) => Object.assign({}, b));
  S.selected = -1;
  S.undo = [];
  history.replaceState(null, "", `#queue=${encodeURIComponent(S.queueName)}&frame=${index}`);
  $("position").textContent = `frame ${pos + 1} of ${S.queue.length} in this queue`;
  $("frame-name").textContent = `${r.data.frame.file}  (#${index})` + (r.data.reviewed ? "  \u2713 reviewed" : "  unreviewed");
  const img = new Image();
  img.onload = () => { if (S.frame && S.frame.frame.index === index) { S.img = img; draw(); } };
  img.onerror = () => { if (S.frame && S.frame.frame.index === index) { S.img = null; setStatus("error", `${r.data.frame.file} cannot be shown (corrupt or not an image)`); draw(); } };
  img.src = `/api/frames/${index}/image`;
  if (pos + 1 < S.queue.length) { const pre = new Image(); pre.src = `/api/frames/${S.queue[pos + 1]}/image`; }
  renderSide();
  draw();
}

// ---- saving --------------------------------------------------------------------------------

function snapshot() { return S.boxes.map((b) => Object.assign({}, b)); }

function change(mutator) {
  if (!S.frame) return;
  S.undo.push({ boxes: snapshot(), reviewed: S.frame.reviewed });
  mutator();
  save(S.frame.reviewed);
  renderSide(); draw();
}

function save(reviewed, force) {
  if (!S.frame) return;
  const f = S.frame;
  S.pending = { index: f.frame.index, boxes: snapshot(), reviewed, force: !!force };
  pump();
}

async function pump() {
  if (S.saving || !S.pending) return;
  const job = S.pending; S.pending = null; S.saving = true;
  setStatus("saving", "saving\u2026");
  const f = S.frame && S.frame.frame.index === job.index ? S.frame : null;
  const base = job.force ? null : (f ? f.revision : job.base);
  const body = { base_revision: base, reviewed: job.reviewed,
    boxes: job.boxes.map((b) => ({ class: b.class, cx: b.cx, cy: b.cy, w: b.w, h: b.h, score: b.score === undefined ? null : b.score })) };
  let r;
  try { r = await api("PUT", "/api/frames/" + job.index, body); } catch (e) { r = { status: 0, data: null }; }
  S.saving = false;
  if (r.status === 200) {
    if (S.frame && S.frame.frame.index === job.index) {
      S.frame.revision = r.data.revision; S.frame.reviewed = r.data.reviewed;
      $("frame-name").textContent = `${r.data.frame.file}  (#${job.index})` + (r.data.reviewed ? "  \u2713 reviewed" : "  unreviewed");
    }
    setStatus("saved", "saved");
    loadSummary();
  } else if (r.status === 409) {
    S.pending = null;
    setStatus("conflict", "not saved: changed in another tab");
    banner("These labels were changed elsewhere (another tab or tool) after you opened them. Your change was not saved.", [
      ["Load the saved labels", () => { banner(null); goto(S.pos); }],
      ["Overwrite with mine", () => { banner(null); save(job.reviewed, true); }],
    ]);
  } else {
    S.pending = S.pending || job; // keep the change; retry on the next edit or navigation
    const msg = r.data && r.data.error ? r.data.error.message : (r.status === 0 ? "the server cannot be reached" : "HTTP " + r.status);
    setStatus("error", "not saved: " + msg);
    if (r.status === 0 || r.status >= 500) setTimeout(pump, 2000);
    return;
  }
  pump();
}

async function flushSaves() {
  for (let i = 0; i < 200 && (S.saving || S.pending) && S.status !== "conflict" && S.status !== "error"; i++) {
    await new Promise((res) => setTimeout(res, 25));
  }
}

// ---- drawing -------------------------------------------------------------------------------

function layout() {
  const r = canvas.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(r.width * dpr));
  canvas.height = Math.max(1, Math.round(r.height * dpr));
  const iw = S.img ? S.img.naturalWidth : 4, ih = S.img ? S.img.naturalHeight : 3;
  const scale = Math.min(r.width / iw, r.height / ih);
  S.view = { x: (r.width - iw * scale) / 2, y: (r.height - ih * scale) / 2, w: iw * scale, h: ih * scale, dpr, rect: r };
}

// Normalised image coordinates <-> CSS pixels in the canvas.
function toCanvas(nx, ny) { return [S.view.x + nx * S.view.w, S.view.y + ny * S.view.h]; }
function toNorm(px, py) { return [(px - S.view.x) / S.view.w, (py - S.view.y) / S.view.h]; }

function draw() {
  layout();
  const v = S.view;
  ctx.setTransform(v.dpr, 0, 0, v.dpr, 0, 0);
  ctx.fillStyle = "#111"; ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (S.img) ctx.drawImage(S.img, v.x, v.y, v.w, v.h);
  if (!S.frame) return;
  if (S.showProposals && S.frame.predictions) {
    ctx.setLineDash([4, 4]); ctx.lineWidth = 1;
    for (const p of S.frame.predictions) {
      const [x1, y1] = toCanvas(p.cx - p.w / 2, p.cy - p.h / 2);
      ctx.strokeStyle = "rgba(200,200,200,0.7)";
      ctx.strokeRect(x1, y1, p.w * v.w, p.h * v.h);
    }
    ctx.setLineDash([]);
  }
  S.boxes.forEach((b, i) => {
    const [x1, y1] = toCanvas(b.cx - b.w / 2, b.cy - b.h / 2);
    const w = b.w * v.w, h = b.h * v.h;
    const col = COLORS[b.class % COLORS.length];
    ctx.lineWidth = i === S.selected ? 3 : 2;
    ctx.strokeStyle = col;
    ctx.strokeRect(x1, y1, w, h);
    const label = `${b.class} ${S.classes[b.class] || "?"}` + (b.score != null ? ` ${b.score.toFixed(2)}` : "");
    ctx.font = "12px system-ui, sans-serif";
    const tw = ctx.measureText(label).width + 6;
    ctx.fillStyle = col; ctx.fillRect(x1, y1 - 15, tw, 15);
    ctx.fillStyle = "#000"; ctx.fillText(label, x1 + 3, y1 - 3);
    if (i === S.selected) {
      ctx.fillStyle = col;
      for (const [hx, hy] of [[x1, y1], [x1 + w, y1], [x1, y1 + h], [x1 + w, y1 + h]]) ctx.fillRect(hx - 4, hy - 4, 8, 8);
    }
  });
  if (S.drag && S.drag.kind === "draw") {
    const d = S.drag;
    ctx.strokeStyle = COLORS[S.drawClass % COLORS.length]; ctx.lineWidth = 2; ctx.setLineDash([6, 3]);
    ctx.strokeRect(Math.min(d.x0, d.x1), Math.min(d.y0, d.y1), Math.abs(d.x1 - d.x0), Math.abs(d.y1 - d.y0));
    ctx.setLineDash([]);
  }
  canvas.dataset.frame = S.frame.frame.index;
  canvas.dataset.boxes = S.boxes.length;
}

function renderSide() {
  const ol = $("boxes");
  ol.innerHTML = "";
  S.boxes.forEach((b, i) => {
    const li = document.createElement("li");
    li.textContent = `${S.classes[b.class] || b.class}` + (b.score != null ? ` (model ${b.score.toFixed(2)})` : " (person)");
    if (i === S.selected) li.className = "sel";
    li.onclick = () => { S.selected = i; renderSide(); draw(); };
    ol.appendChild(li);
  });
  $("selected").hidden = S.selected < 0;
  if (S.selected >= 0) $("box-class").value = S.boxes[S.selected].class;
  $("drawclass").textContent = `New boxes: ${S.drawClass} ${S.classes[S.drawClass] || ""}`;
  const pr = $("problems");
  if (S.frame && S.frame.problems.length) {
    pr.hidden = false;
    pr.textContent = `${S.frame.problems.length} line(s) of this label file could not be read and are not shown: ` +
      S.frame.problems.map((p) => `line ${p.line}: ${p.reason}`).join("; ") +
      (S.frame.kept_original ? `. The original file is kept at ${S.frame.kept_original}.` : ". The original file will be kept under .waycue/originals when you save.");
  } else { pr.hidden = true; }
}

function renderCheck(c) {
  const el = $("check");
  if (!c || c.status === "idle") { el.textContent = "not run"; return; }
  if (c.status === "running") { el.textContent = `checking: ${c.done} / ${c.total} images read\u2026`; setTimeout(loadSummary, 2000); return; }
  if (c.status === "failed") { el.textContent = "check failed: " + c.error; return; }
  const r = c.report, d = r.duplicates || {};
  const lines = [
    `${Object.values(r.images).reduce((a, b) => a + b, 0)} images, ${r.boxes} boxes, ${r.images_without_boxes ?? r.imagesWithoutBoxes ?? 0} without boxes`,
    `near-duplicate groups: ${d.near_groups ?? d.nearGroups ?? 0} (${d.images_in_near_groups ?? d.imagesInNearGroups ?? 0} images)`,
    `empty boxes: ${(r.empty_boxes || r.emptyBoxes).count}, outside the image: ${(r.out_of_range_boxes || r.outOfRangeBoxes).count}`,
    `unreadable images: ${(r.unreadable_images || r.unreadableImages).count}, unreadable label lines: ${(r.label_problems || r.labelProblems).count}`,
  ];
  el.innerHTML = "";
  for (const l of lines) { const div = document.createElement("div"); div.textContent = l; el.appendChild(div); }
  const ex = [].concat((r.unreadable_images || r.unreadableImages).examples, (r.empty_boxes || r.emptyBoxes).examples,
    (r.label_problems || r.labelProblems).examples).slice(0, 8);
  for (const p of ex) { const div = document.createElement("div"); div.textContent = `\u2022 ${p.file.split("/").pop()}${p.line ? ":" + p.line : ""}: ${p.reason}`; el.appendChild(div); }
  for (const g of (d.groups || []).slice(0, 5)) { const div = document.createElement("div"); div.textContent = "\u2022 near-duplicates: " + g.images.map((x) => x.split("/").pop()).join(", "); el.appendChild(div); }
}

// ---- pointer editing (mouse, pen and touch alike) ------------------------------------------

function hit(px, py) {
  for (let i = S.boxes.length - 1; i >= 0; i--) {
    const b = S.boxes[i];
    const [x1, y1] = toCanvas(b.cx - b.w / 2, b.cy - b.h / 2);
    const [x2, y2] = toCanvas(b.cx + b.w / 2, b.cy + b.h / 2);
    const corners = [[x1, y1, "nw"], [x2, y1, "ne"], [x1, y2, "sw"], [x2, y2, "se"]];
    for (const [cx, cy, name] of corners) if (Math.abs(px - cx) <= HANDLE && Math.abs(py - cy) <= HANDLE) return { i, corner: name };
    if (px >= x1 && px <= x2 && py >= y1 && py <= y2) return { i, corner: null };
  }
  return null;
}

function pointerPos(e) { const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; }
const clamp = (v) => Math.max(0, Math.min(1, v));

canvas.addEventListener("pointerdown", (e) => {
  if (!S.frame) return;
  canvas.focus();
  canvas.setPointerCapture(e.pointerId);
  const [px, py] = pointerPos(e);
  const h = hit(px, py);
  if (h) {
    S.selected = h.i;
    S.drag = { kind: h.corner ? "resize" : "move", i: h.i, corner: h.corner, x0: px, y0: py, orig: Object.assign({}, S.boxes[h.i]), before: snapshot() };
  } else {
    S.selected = -1;
    S.drag = { kind: "draw", x0: px, y0: py, x1: px, y1: py };
  }
  renderSide(); draw();
});

canvas.addEventListener("pointermove", (e) => {
  const d = S.drag; if (!d) return;
  const [px, py] = pointerPos(e);
  if (d.kind === "draw") { d.x1 = px; d.y1 = py; draw(); return; }
  const o = d.orig, b = S.boxes[d.i];
  const dx = (px - d.x0) / S.view.w, dy = (py - d.y0) / S.view.h;
  if (d.kind === "move") {
    b.cx = Math.max(o.w / 2, Math.min(1 - o.w / 2, o.cx + dx));
    b.cy = Math.max(o.h / 2, Math.min(1 - o.h / 2, o.cy + dy));
  } else {
    let x1 = o.cx - o.w / 2, y1 = o.cy - o.h / 2, x2 = o.cx + o.w / 2, y2 = o.cy + o.h / 2;
    if (d.corner.includes("w")) x1 = clamp(x1 + dx); else x2 = clamp(x2 + dx);
    if (d.corner.includes("n")) y1 = clamp(y1 + dy); else y2 = clamp(y2 + dy);
    const nx1 = Math.min(x1, x2), nx2 = Math.max(x1, x2), ny1 = Math.min(y1, y2), ny2 = Math.max(y1, y2);
    b.cx = (nx1 + nx2) / 2; b.cy = (ny1 + ny2) / 2; b.w = Math.max(1e-4, nx2 - nx1); b.h = Math.max(1e-4, ny2 - ny1);
  }
  draw();
});

function endDrag(e) {
  const d = S.drag; if (!d) return;
  S.drag = null;
  if (d.kind === "draw") {
    const [ax, ay] = toNorm(Math.min(d.x0, d.x1), Math.min(d.y0, d.y1));
    const [bx, by] = toNorm(Math.max(d.x0, d.x1), Math.max(d.y0, d.y1));
    const x1 = clamp(ax), y1 = clamp(ay), x2 = clamp(bx), y2 = clamp(by);
    if ((x2 - x1) * S.view.w >= 3 && (y2 - y1) * S.view.h >= 3) {
      change(() => {
        S.boxes.push({ class: S.drawClass, cx: (x1 + x2) / 2, cy: (y1 + y2) / 2, w: x2 - x1, h: y2 - y1, score: null });
        S.selected = S.boxes.length - 1;
      });
    } else { draw(); }
    return;
  }
  const b = S.boxes[d.i], o = d.orig;
  if (b.cx !== o.cx || b.cy !== o.cy || b.w !== o.w || b.h !== o.h) {
    S.undo.push({ boxes: d.before, reviewed: S.frame.reviewed });
    b.score = null; // a person changed it
    save(S.frame.reviewed);
    renderSide();
  }
  draw();
}
canvas.addEventListener("pointerup", endDrag);
canvas.addEventListener("pointercancel", endDrag);

// ---- keyboard ------------------------------------------------------------------------------

function setClass(c) {
  if (c >= S.classes.length) return;
  S.drawClass = c;
  if (S.selected >= 0 && S.boxes[S.selected].class !== c) {
    change(() => { S.boxes[S.selected].class = c; S.boxes[S.selected].score = null; });
  }
  renderSide(); draw();
}

document.addEventListener("keydown", async (e) => {
  if (e.target && (e.target.tagName === "SELECT" || e.target.tagName === "INPUT")) return;
  const k = e.key;
  if ((e.ctrlKey || e.metaKey) && (k === "z" || k === "Z")) { e.preventDefault(); undo(); return; }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.code && e.code.startsWith("Digit")) {
    const n = Number(e.code.slice(5));
    e.preventDefault();
    setClass(e.shiftKey ? 10 + n : n);
    return;
  }
  switch (k) {
    case "ArrowRight": case "n": e.preventDefault(); await goto(S.pos + 1); break;
    case "ArrowLeft": case "p": e.preventDefault(); await goto(S.pos - 1); break;
    case "Enter": case "a": e.preventDefault(); await accept(); break;
    case "Delete": case "Backspace": case "x":
      e.preventDefault();
      if (S.selected >= 0) change(() => { S.boxes.splice(S.selected, 1); S.selected = -1; });
      break;
    case "Tab":
      e.preventDefault();
      if (S.boxes.length) { S.selected = (S.selected + (e.shiftKey ? S.boxes.length - 1 : 1) + (S.selected < 0 && e.shiftKey ? 1 : 0)) % S.boxes.length; renderSide(); draw(); }
      break;
    case "z": e.preventDefault(); undo(); break;
    case "m": S.showProposals = !S.showProposals; draw(); break;
    case "Escape": S.selected = -1; renderSide(); draw(); break;
  }
});

function undo() {
  const u = S.undo.pop();
  if (!u || !S.frame) return;
  S.boxes = u.boxes; S.selected = -1;
  save(u.reviewed);
  renderSide(); draw();
}

async function accept() {
  if (!S.frame) return;
  S.undo.push({ boxes: snapshot(), reviewed: S.frame.reviewed });
  save(true);
  await flushSaves();
  if (S.status === "saved") await goto(S.pos + 1);
}

// ---- controls ------------------------------------------------------------------------------

$("queue").addEventListener("change", (e) => { loadQueue(e.target.value); canvas.focus(); });
$("box-class").addEventListener("change", (e) => { setClass(Number(e.target.value)); canvas.focus(); });
$("recheck").addEventListener("click", async () => { const r = await api("POST", "/api/check"); renderCheck(r.data); });
for (const b of document.querySelectorAll("[data-export]")) {
  b.addEventListener("click", async () => {
    $("export-result").textContent = "exporting\u2026";
    const r = await api("POST", "/api/export/" + b.dataset.export);
    $("export-result").textContent = r.status === 200 ? `${r.data.frames} frames, ${r.data.boxes} boxes written to ${r.data.folder}` +
      (r.data.skipped.length ? `; skipped ${r.data.skipped.length}: ${r.data.skipped.slice(0, 3).join("; ")}` : "")
      : "export failed: " + (r.data ? r.data.error.message : r.status);
  });
}
window.addEventListener("resize", draw);
window.addEventListener("beforeunload", (e) => { if (S.saving || S.pending) { e.preventDefault(); e.returnValue = ""; } });

// For tests and scripts: the page's state and its coordinate mapping.
window.waycue = { state: S, toClient: (nx, ny) => { const [x, y] = toCanvas(nx, ny); const r = canvas.getBoundingClientRect(); return [r.left + x, r.top + y]; } };

(async function start() {
  const s = await loadSummary();
  if (!s) return;
  fillQueueMenu(); fillLegend();
  const hash = new URLSearchParams(location.hash.slice(1));
  const q = hash.get("queue");
  if (q) { S.queueName = q; $("queue").value = q; }
  await loadQueue(S.queueName);
  canvas.focus();
  document.body.dataset.ready = "1";
})();
