// Small DOM helpers shared by every page. No page knowledge here.

/** `document.getElementById`, for the many lookups of static markup. */
export const byId = (id) => document.getElementById(id);

/** Creates an element with attributes and children (strings become text). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** `<option>`s for a {value: label} map, `value` selected. */
export function options(map, value) {
  return Object.entries(map).map(([v, label]) => h("option", { value: v, selected: v === value }, label));
}

/** A form field's number: null when empty, NaN when not a number. */
export function numberOrNull(input) {
  const v = input.value.trim();
  if (v === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : NaN;
}

/** Formats an RFC 3339 time for people (local time), or "—". */
export function formatTime(value) {
  if (!value) return "—";
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toLocaleString();
}

/** "1 window", "3 windows". */
export function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

const sheets = new Map();

/**
 * Adds a stylesheet of this site once (a view that brings its own CSS file:
 * `loadStylesheet(new URL("./my-view.css", import.meta.url))`). Resolves when
 * it is loaded (or failed: the page still works unstyled).
 */
export function loadStylesheet(href) {
  const url = new URL(String(href), window.location.href);
  if (url.origin !== window.location.origin) return Promise.reject(new Error("stylesheets come from this site only"));
  const key = url.pathname;
  if (!sheets.has(key)) {
    sheets.set(
      key,
      new Promise((resolve) => {
        const link = h("link", { rel: "stylesheet", href: key });
        link.addEventListener("load", () => resolve(link));
        link.addEventListener("error", () => resolve(link));
        document.head.append(link);
      }),
    );
  }
  return sheets.get(key);
}
