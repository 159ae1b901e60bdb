// A tiny hand-written SVG line chart for risk values in [0, 1].

const NS = "http://www.w3.org/2000/svg";

function el(name, attrs) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/**
 * Draws `series` into `svg` (replacing its content). Each series is
 * {values: (number|null)[], cls: "css class"}; null values break the line.
 * `capacity` is how many points fit across the width.
 */
export function drawSparkline(svg, series, { width = 120, height = 32, capacity = 60, guides = [0.4, 0.7] } = {}) {
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.replaceChildren();
  const pad = 2;
  const y = (v) => pad + (1 - Math.min(1, Math.max(0, v))) * (height - 2 * pad);
  for (const g of guides) {
    svg.append(el("line", { x1: 0, x2: width, y1: y(g), y2: y(g), class: "spark-guide" }));
  }
  // Until the chart is full, spread the points over the width (at least 10
  // slots); afterwards it scrolls, newest on the right.
  const longest = Math.max(0, ...series.map((s) => s.values.length));
  const slots = Math.max(10, Math.min(capacity, longest));
  const step = width / (slots - 1);
  for (const s of series) {
    const vals = s.values.slice(-slots);
    const offset = slots - vals.length;
    let run = [];
    const flush = () => {
      if (run.length === 1) {
        const [px, py] = run[0];
        svg.append(el("circle", { cx: px, cy: py, r: 2.2, class: `${s.cls} spark-dot` }));
      } else if (run.length > 1) {
        svg.append(el("polyline", { points: run.map((p) => p.join(",")).join(" "), class: s.cls }));
      }
      run = [];
    };
    vals.forEach((v, i) => {
      if (v === null || v === undefined || Number.isNaN(v)) {
        flush();
        return;
      }
      run.push([+((offset + i) * step).toFixed(2), +y(v).toFixed(2)]);
    });
    flush();
  }
}
