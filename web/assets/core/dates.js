// Calendar days in the browser's time zone, and their RFC 3339 (UTC) bounds.
// The API filters time entries by UTC dates (`from`/`to`, inclusive); pages
// that group by local day ask one day more on each side and group locally.

const pad = (n) => String(n).padStart(2, "0");

/** The local calendar date of `d` as "YYYY-MM-DD". */
export function localDate(d = new Date()) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** "HH:MM" of `d` in local time. */
export function localTime(d) {
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A Date for local "YYYY-MM-DD" and "HH:MM" (null when not valid). */
export function fromLocal(date, time = "00:00") {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date || "");
  const t = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time || "");
  if (!m || !t) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(t[1]), Number(t[2]), Number(t[3] || 0));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** `d` plus `n` days (local calendar). */
export function addDays(d, n) {
  const x = new Date(d.getFullYear(), d.getMonth(), d.getDate() + n, d.getHours(), d.getMinutes(), d.getSeconds());
  return x;
}

/** Monday 00:00 local of the week that holds `d`. */
export function weekStart(d = new Date()) {
  const day = (d.getDay() + 6) % 7; // Monday 0 … Sunday 6
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() - day);
}

/** RFC 3339 in UTC without milliseconds ("2026-12-03T08:00:00Z"). */
export function rfc3339(d) {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The UTC calendar date of `d` ("YYYY-MM-DD"). */
export function utcDate(d) {
  return d.toISOString().slice(0, 10);
}

/** Short local day name and date ("Mon 1 Dec"). */
export function dayLabel(d) {
  return d.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" });
}

/** Local date and time, short ("3 Dec, 09:15"). */
export function shortDateTime(value) {
  if (!value) return "—";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toLocaleString(undefined, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
}
