// The session view's risk chart, hand-written SVG: time across, risk in
// [0, 1] up. Each scored window is a dot (keystroke ● / mouse ■, coloured
// by level), the session risk a line, the medium/high bands shaded, and
// the decision points (challenge, its answers, block, termination) marked
// as labelled vertical lines. Windows without a score (learning mode) sit
// on the axis as hollow dots.

const NS = "http://www.w3.org/2000/svg";
const W = 760;
const H = 260;
const PAD = { left: 40, right: 16, top: 14, bottom: 30 };

/** Events drawn as decision points, with their label. */
export const DECISIONS = {
  risk_elevated: "challenge",
  challenge_failed: "wrong answer",
  challenge_passed: "confirmed",
  anomaly_blocked: "blocked",
  session_terminated: "terminated",
  feedback_given: "feedback",
};

function el(name, attrs = {}, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function timeOf(v) {
  const t = new Date(v).getTime();
  return Number.isFinite(t) ? t : null;
}

/** Draws the chart for `windows` and `events`; returns the <svg>. */
export function riskChart(windows, events) {
  const svg = el("svg", {
    viewBox: `0 0 ${W} ${H}`,
    class: "session-chart",
    role: "img",
    "data-testid": "session-chart",
  });
  const points = windows.map((w) => ({ w, t: timeOf(w.created_at) })).filter((p) => p.t !== null);
  const marks = events
    .filter((e) => DECISIONS[e.kind])
    .map((e) => ({ e, t: timeOf(e.created_at) }))
    .filter((m) => m.t !== null);
  const times = [...points.map((p) => p.t), ...marks.map((m) => m.t)];
  const scored = points.filter((p) => typeof p.w.score === "number");
  svg.setAttribute(
    "aria-label",
    `Risk over time: ${points.length} windows (${scored.length} scored), highest score ${
      scored.length ? Math.max(...scored.map((p) => p.w.score)).toFixed(2) : "none"
    }, ${marks.length} decision points`,
  );
  let t0 = times.length ? Math.min(...times) : Date.now();
  let t1 = times.length ? Math.max(...times) : t0 + 60000;
  if (t1 - t0 < 10000) {
    t0 -= 5000;
    t1 += 5000;
  }
  const x = (t) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v) => PAD.top + (1 - Math.min(1, Math.max(0, v))) * (H - PAD.top - PAD.bottom);
  // Bands and the axis.
  svg.append(
    el("rect", { x: PAD.left, y: y(1), width: W - PAD.left - PAD.right, height: y(0.7) - y(1), class: "band-high" }),
    el("rect", { x: PAD.left, y: y(0.7), width: W - PAD.left - PAD.right, height: y(0.4) - y(0.7), class: "band-medium" }),
  );
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(
      el("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: "grid" }),
      el("text", { x: PAD.left - 6, y: y(v) + 4, class: "tick", "text-anchor": "end" }, v.toFixed(2)),
    );
  }
  for (const t of [t0, (t0 + t1) / 2, t1]) {
    const label = new Date(t).toLocaleTimeString();
    svg.append(el("text", { x: x(t), y: H - 10, class: "tick", "text-anchor": "middle" }, label));
  }
  // Decision points under the data.
  marks.forEach((m, i) => {
    const cls = `mark mark-${m.e.kind}`;
    svg.append(el("line", { x1: x(m.t), x2: x(m.t), y1: PAD.top, y2: H - PAD.bottom, class: cls }));
    const label = el(
      "text",
      { x: x(m.t) + 3, y: PAD.top + 10 + (i % 3) * 12, class: `mark-label ${cls}`, "data-testid": "chart-decision" },
      DECISIONS[m.e.kind],
    );
    label.append(el("title", {}, `${m.e.kind} at ${new Date(m.t).toLocaleString()}`));
    svg.append(label);
  });
  // Session risk as a line.
  const line = points.filter((p) => typeof p.w.session_risk === "number");
  if (line.length > 1) {
    const d = line.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.w.session_risk).toFixed(1)}`).join(" ");
    svg.append(el("path", { d, class: "session-risk" }));
  }
  // Window scores as dots.
  for (const p of points) {
    const level = ["low", "medium", "high"].includes(p.w.level) ? p.w.level : "none";
    const has = typeof p.w.score === "number";
    const cx = x(p.t);
    const cy = y(has ? p.w.score : 0);
    const cls = `dot ${has ? `dot-${level}` : "dot-none"}`;
    const shape =
      p.w.modality === "mouse"
        ? el("rect", { x: cx - 4, y: cy - 4, width: 8, height: 8, class: cls, "data-testid": "chart-window" })
        : el("circle", { cx, cy, r: 4.5, class: cls, "data-testid": "chart-window" });
    const reasons = Array.isArray(p.w.reasons) && p.w.reasons.length ? `\n${p.w.reasons.join("\n")}` : "";
    shape.append(
      el("title", {}, `${p.w.modality} ${has ? p.w.score.toFixed(2) : "not scored"} (${level})${reasons}`),
    );
    svg.append(shape);
  }
  return svg;
}
