// Sign-in and sign-up page. Sign-in always opens a monitored session
// (`POST /api/start-session`); sign-up registers and then signs in.

import { api, ApiError } from "../core/api.js";
import { h } from "../core/dom.js";
import { draftsPage, lastUsername } from "../core/drafts.js";
import { asSentence, plainReason } from "../core/reasons.js";
import { currentSession, saveSession } from "../core/session.js";

const form = document.getElementById("auth-form");
const username = document.getElementById("username");
const password = document.getElementById("password");
const email = document.getElementById("email");
const formError = document.getElementById("form-error");
const notice = document.getElementById("notice");
const buttons = form.querySelectorAll("button[type=submit]");

const REASONS = {
  terminated: {
    anomaly:
      "Session terminated: the typing and mouse activity did not match your usual behaviour, so the session was ended. If this was you, sign in again.",
    admin: "Session terminated: an administrator ended your session. Sign in again to continue.",
    challenge_timeout:
      "Session terminated: the password check was not answered in time, so the session was ended. Sign in again to continue.",
    challenge_failed:
      "Session terminated: the password check failed, so the session was ended. Sign in again to continue.",
    "": "Session terminated: your session was ended for security reasons. Sign in again to continue.",
  },
  session_terminated: "Session terminated: your session was ended for security reasons. Sign in again to continue.",
  token_expired: "Session expired: please sign in again.",
  session_expired: "Your session reached its longest allowed length: please sign in again.",
  password_changed: "Your password was changed: please sign in with the new one.",
  account_deleted: "Your account and all its data were deleted.",
  unauthorized: "Please sign in to continue.",
  signed_out: "You have signed out.",
};

function showReason() {
  const params = new URLSearchParams(window.location.search);
  const reason = params.get("reason");
  if (!reason) {
    const s = currentSession();
    if (s && s.user) {
      notice.className = "notice";
      notice.replaceChildren(
        `You are signed in as ${s.user.username}. `,
        h("a", { href: "/dashboard/", text: "Go to your workspace" }),
        ".",
      );
    }
    return;
  }
  let text;
  if (reason === "terminated") {
    const why = params.get("why") || "";
    text = REASONS.terminated[why] || REASONS.terminated[""];
    const noticed = params.get("noticed");
    if (noticed && why !== "admin") text = `${text} What stood out: ${asSentence(plainReason(noticed))}`;
  } else {
    text = typeof REASONS[reason] === "string" ? REASONS[reason] : "Please sign in to continue.";
  }
  notice.className = reason === "signed_out" ? "notice ok" : "notice warn";
  notice.dataset.reason = reason;
  notice.textContent = text;
  prefillAfterEnding();
}

/** After a session ended under the person: their username, and a word on kept text. */
function prefillAfterEnding() {
  const who = lastUsername();
  if (!who || username.value) return;
  username.value = who;
  password.focus();
  if (draftsPage(who)) {
    notice.append(" What you were typing is kept in this tab and comes back after you sign in.");
  }
}

function setBusy(busy) {
  for (const b of buttons) b.disabled = busy;
  form.setAttribute("aria-busy", busy ? "true" : "false");
}

function fail(message, field) {
  formError.textContent = message;
  if (field) {
    field.setAttribute("aria-invalid", "true");
    field.focus();
    if (field.select) field.select();
  }
}

function clearErrors() {
  formError.textContent = "";
  for (const f of [username, password, email]) f.removeAttribute("aria-invalid");
}

function seconds(n) {
  if (n === null || n === undefined) return "";
  if (n < 90) return ` Try again in ${n} seconds.`;
  return ` Try again in about ${Math.ceil(n / 60)} minutes.`;
}

/** Picks the field a 422 message names, so focus lands where the fix is. */
function fieldNamedIn(message) {
  const m = message.toLowerCase();
  if (m.includes("username")) return username;
  if (m.includes("password")) return password;
  if (m.includes("email")) return email;
  return null;
}

function explain(err, action) {
  if (!(err instanceof ApiError)) {
    fail("Something went wrong. Please try again.");
    return;
  }
  switch (err.status) {
    case 401:
      fail("Wrong username or password.", password);
      break;
    case 409:
      fail(`The username “${username.value.trim()}” is already taken. Choose another one, or sign in.`, username);
      break;
    case 422:
      fail(err.message, fieldNamedIn(err.message));
      break;
    case 429:
      fail(
        `${action === "register" ? "Too many attempts." : "Too many failed sign-in attempts for this account."}${seconds(err.retryAfter) || " Please wait and try again."}`,
      );
      break;
    default:
      fail(err.message);
  }
}

async function signIn(user, pass) {
  const body = await api("POST", "/api/start-session", { username: user, password: pass }, { auth: false });
  if (!body || typeof body.access_token !== "string") {
    throw new ApiError(500, "bad_response", "The server answered in an unexpected way. Please try again.");
  }
  saveSession(body);
  // Back to the page of text kept from an ended session of this user.
  window.location.assign(draftsPage(user) || "/dashboard/");
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const action = e.submitter && e.submitter.value === "register" ? "register" : "login";
  clearErrors();
  const user = username.value.trim();
  const pass = password.value;
  if (!user) return fail("Enter your username.", username);
  if (!pass) return fail("Enter your password.", password);
  if (action === "register") {
    const bytes = new TextEncoder().encode(pass).length;
    if (bytes < 8) return fail("The password must have at least 8 characters.", password);
    if (bytes > 72) return fail("The password must be at most 72 bytes long.", password);
  }

  setBusy(true);
  try {
    if (action === "register") {
      const body = { username: user, password: pass };
      const mail = email.value.trim();
      if (mail) body.email = mail;
      await api("POST", "/api/register", body, { auth: false });
    }
    await signIn(user, pass);
  } catch (err) {
    explain(err, action);
    setBusy(false);
  }
});

showReason();
