// How the console shows scores, ids, profile states and event details.

export function fmtScore(v) {
  return typeof v === "number" ? v.toFixed(2) : "—";
}

export function shortId(id) {
  return typeof id === "string" && id.length > 8 ? id.slice(0, 8) : String(id ?? "—");
}

export function profileText(p) {
  if (p === null || p === undefined) return "—";
  if (typeof p === "string") {
    // "keystroke:enrolling mouse:trained" → "keystroke: enrolling · mouse: trained"
    return p
      .split(/\s+/)
      .filter(Boolean)
      .map((part) => part.replace(":", ": "))
      .join(" · ");
  }
  if (typeof p === "object") {
    return Object.entries(p)
      .map(([m, v]) => {
        if (v && typeof v === "object") {
          const counts = v.required ? ` ${v.samples ?? 0}/${v.required}` : "";
          return `${m}: ${v.state ?? "?"}${counts}`;
        }
        return `${m}: ${v}`;
      })
      .join(", ");
  }
  return String(p);
}

/** An event's detail as text; cut at 160 characters unless `full`. */
export function detailText(d, { full = false } = {}) {
  if (d === null || d === undefined) return "";
  if (typeof d !== "object") return String(d);
  const parts = Object.entries(d).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`);
  const text = parts.join("; ");
  return !full && text.length > 160 ? `${text.slice(0, 157)}…` : text;
}
