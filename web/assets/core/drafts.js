// Unsaved typing kept across a terminated session. When a session ends
// under the person (behaviour, an administrator, a failed check), the text
// of the focused and the edited fields goes to this tab's sessionStorage
// ("fw.drafts" — never sent to the server, never a password field) with the
// username and the page; after the next sign-in as the same user the page
// opens there again and puts the text back into the same fields (by id,
// name or data-testid, only into fields that are still empty).

const KEY = "fw.drafts";
const LAST_USER = "fw.last-user";
const MAX_FIELDS = 20;
const MAX_CHARS = 20000;
const WAIT_MS = 15000;

const edited = new Set();
let tracking = false;

/** Remembers the fields typed into on this page (called once per page). */
export function trackEdits() {
  if (tracking) return;
  tracking = true;
  document.addEventListener(
    "input",
    (e) => {
      if (keepable(e.target)) edited.add(e.target);
    },
    true,
  );
}

function keepable(el) {
  if (!el || !(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement)) return false;
  if (el instanceof HTMLInputElement) {
    const type = (el.type || "text").toLowerCase();
    if (!["text", "search", "email", "url", "tel", "number", "date", "time", "datetime-local"].includes(type)) return false;
  }
  const auto = (el.getAttribute("autocomplete") || "").toLowerCase();
  if (auto.includes("password") || /password/i.test(el.name || "") || /password/i.test(el.id || "")) return false;
  if (el.closest("dialog")) return false; // the challenge, confirmations
  return Boolean(fieldKey(el));
}

function fieldKey(el) {
  if (el.id) return { by: "id", value: el.id };
  const testid = el.getAttribute("data-testid");
  if (testid) return { by: "testid", value: testid };
  if (el.name) return { by: "name", value: el.name };
  return null;
}

function find(key) {
  if (key.by === "id") return document.getElementById(key.value);
  const attr = key.by === "testid" ? "data-testid" : "name";
  return document.querySelector(`[${attr}="${CSS.escape(key.value)}"]`);
}

/**
 * Saves the unsaved text of the focused and edited fields, and the
 * username for the sign-in page. `username` is whose text it is.
 */
export function saveDrafts(username) {
  try {
    if (username) sessionStorage.setItem(LAST_USER, username);
    const fields = [];
    const candidates = new Set(edited);
    if (keepable(document.activeElement)) candidates.add(document.activeElement);
    for (const el of candidates) {
      if (fields.length >= MAX_FIELDS) break;
      if (!el.isConnected || !keepable(el) || !el.value) continue;
      fields.push({ key: fieldKey(el), value: el.value.slice(0, MAX_CHARS) });
    }
    if (!fields.length) return;
    const page = `${window.location.pathname}${window.location.hash}`;
    sessionStorage.setItem(KEY, JSON.stringify({ username: username || "", page, fields }));
  } catch {
    /* storage full or off: nothing to keep */
  }
}

/** The username of the session that ended in this tab, or "". */
export function lastUsername() {
  try {
    return sessionStorage.getItem(LAST_USER) || "";
  } catch {
    return "";
  }
}

function readDrafts() {
  try {
    const d = JSON.parse(sessionStorage.getItem(KEY) || "null");
    return d && Array.isArray(d.fields) && typeof d.page === "string" ? d : null;
  } catch {
    return null;
  }
}

/** Where to go after signing in as `username`: the page of kept text, if any. */
export function draftsPage(username) {
  const d = readDrafts();
  if (!d || !username || d.username.toLowerCase() !== username.toLowerCase()) return null;
  return d.page.startsWith("/") && !d.page.startsWith("//") ? d.page : null;
}

/**
 * Puts kept text back into the same fields once they exist (views render
 * later), for `username` only; `onRestored(n)` is told how many. Text of
 * another user is dropped.
 */
export function restoreDrafts(username, onRestored) {
  const d = readDrafts();
  if (!d) return;
  if (!username || d.username.toLowerCase() !== username.toLowerCase()) {
    sessionStorage.removeItem(KEY);
    return;
  }
  const pending = d.fields.filter((f) => f && f.key && typeof f.value === "string");
  let restored = 0;
  const attempt = () => {
    for (let i = pending.length - 1; i >= 0; i -= 1) {
      const el = find(pending[i].key);
      if (!el || !keepable(el)) continue;
      if (!el.value) {
        el.value = pending[i].value;
        el.dispatchEvent(new Event("input", { bubbles: true }));
        restored += 1;
      }
      pending.splice(i, 1);
    }
    return pending.length === 0;
  };
  const finish = () => {
    observer.disconnect();
    window.clearTimeout(timer);
    sessionStorage.removeItem(KEY);
    if (restored && onRestored) onRestored(restored);
  };
  const observer = new MutationObserver(() => {
    if (attempt()) finish();
  });
  const timer = window.setTimeout(finish, WAIT_MS);
  if (attempt()) finish();
  else observer.observe(document.body, { childList: true, subtree: true });
}
