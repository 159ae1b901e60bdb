// Hand-written SVG charts for the report (no library): columns of hours with
// a line of earnings over them, and horizontal bars per client. Colours come
// from CSS classes (time.css), so light and dark themes both work and the
// page's CSP (no style attributes) holds.

const NS = "http://www.w3.org/2000/svg";

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** A "nice" upper bound and step for an axis reaching `max` (1, 2, 5 × 10^n steps). */
export function niceScale(max, ticks = 4) {
  if (!(max > 0)) return { top: 1, step: 0.25 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((v) => v >= raw) || 10 * mag;
  return { top: step * Math.ceil(max / step), step };
}

/**
 * Columns for `items` [{label, value, title, line?}] with the left axis
 * `axis(v)` and, when items carry `line`, a line on a right axis `lineAxis(v)`.
 */
export function columnChart(items, { label, axis, lineAxis, lineName, testid }) {
  const W = 720;
  const H = 260;
  const pad = { l: 48, r: lineAxis ? 72 : 16, t: 14, b: 46 };
  const cw = W - pad.l - pad.r;
  const ch = H - pad.t - pad.b;
  const max = Math.max(0, ...items.map((i) => i.value));
  const { top, step } = niceScale(max);
  const hasLine = Boolean(lineAxis) && items.some((i) => typeof i.line === "number");
  const lineMax = hasLine ? Math.max(0, ...items.map((i) => i.line || 0)) : 0;
  const ls = niceScale(lineMax);
  const y = (v) => pad.t + ch - (v / top) * ch;
  const yl = (v) => pad.t + ch - (v / ls.top) * ch;
  const slot = items.length ? cw / items.length : cw;
  const bw = Math.max(4, Math.min(48, slot * 0.6));
  const every = Math.max(1, Math.ceil(items.length / 12));

  const grid = [];
  for (let v = 0; v <= top + 1e-9; v += step) {
    grid.push(s("line", { class: "grid", x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v) }));
    grid.push(s("text", { class: "axis", x: pad.l - 6, y: y(v) + 4, "text-anchor": "end" }, axis(v)));
    if (hasLine) {
      const lv = (v / top) * ls.top;
      grid.push(s("text", { class: "axis line-axis", x: W - pad.r + 6, y: y(v) + 4, "text-anchor": "start" }, lineAxis(lv)));
    }
  }
  const bars = items.map((it, i) => {
    const cx = pad.l + slot * i + slot / 2;
    return s(
      "g",
      { class: "col", "data-testid": `${testid}-bar` },
      s("rect", { class: "bar", x: cx - bw / 2, y: y(it.value), width: bw, height: Math.max(0, pad.t + ch - y(it.value)) }, s("title", {}, it.title)),
      i % every === 0 ? s("text", { class: "axis", x: cx, y: H - pad.b + 16, "text-anchor": "middle" }, it.label) : null,
    );
  });
  let line = null;
  if (hasLine) {
    const pts = items.map((it, i) => [pad.l + slot * i + slot / 2, yl(it.line || 0)]);
    line = s(
      "g",
      { class: "earnings" },
      s("polyline", { class: "line", points: pts.map((p) => p.join(",")).join(" ") }),
      pts.map((p, i) => s("circle", { class: "dot", cx: p[0], cy: p[1], r: 3.5 }, s("title", {}, items[i].title))),
    );
  }
  const legend = s(
    "g",
    { class: "legend" },
    s("rect", { class: "bar", x: pad.l, y: H - 16, width: 10, height: 10 }),
    s("text", { class: "axis", x: pad.l + 14, y: H - 7 }, "hours"),
    hasLine ? s("line", { class: "line", x1: pad.l + 70, x2: pad.l + 90, y1: H - 11, y2: H - 11 }) : null,
    hasLine ? s("text", { class: "axis", x: pad.l + 94, y: H - 7 }, lineName || "earnings") : null,
  );
  return s(
    "svg",
    { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label, "data-testid": testid, preserveAspectRatio: "xMidYMid meet" },
    s("title", {}, label),
    grid,
    s("line", { class: "baseline", x1: pad.l, x2: W - pad.r, y1: pad.t + ch, y2: pad.t + ch }),
    bars,
    line,
    legend,
  );
}

/** Horizontal bars for `items` [{label, value, text, title}], longest first as given. */
export function barChart(items, { label, testid }) {
  const W = 720;
  const rowH = 28;
  const pad = { l: 170, r: 230, t: 6, b: 6 };
  const H = pad.t + pad.b + Math.max(1, items.length) * rowH;
  const cw = W - pad.l - pad.r;
  const max = Math.max(0, ...items.map((i) => i.value)) || 1;
  const rows = items.map((it, i) => {
    const yy = pad.t + i * rowH;
    const w = (it.value / max) * cw;
    const name = it.label.length > 24 ? `${it.label.slice(0, 23)}…` : it.label;
    return s(
      "g",
      { class: "row", "data-testid": `${testid}-bar` },
      s("text", { class: "axis", x: pad.l - 8, y: yy + rowH / 2 + 4, "text-anchor": "end" }, name),
      s("rect", { class: "bar", x: pad.l, y: yy + 5, width: Math.max(1, w), height: rowH - 10 }, s("title", {}, it.title)),
      s("text", { class: "axis value", x: pad.l + w + 6, y: yy + rowH / 2 + 4 }, it.text),
    );
  });
  return s(
    "svg",
    { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label, "data-testid": testid },
    s("title", {}, label),
    rows,
  );
}
