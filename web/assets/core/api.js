// Thin client for the Freelancer Workspace JSON API.
//
// Every error the server sends has the body {"error": code, "message": text};
// `api()` turns it into an `ApiError` the pages can show as-is. A 401 on an
// authenticated request means the token is no longer good (expired, session
// terminated by behavioural monitoring, or signed out elsewhere): the stored
// session is dropped and the browser goes back to the sign-in page with a
// reason the sign-in page explains. The token itself lives in `session.js`.

import { backToSignIn, currentSession } from "./session.js";

/** An error answer from the API, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/**
 * The sentence to show for a failed call: the server's message (with the
 * wait of a 429), or `fallback` for anything that is not an `ApiError`.
 */
export function errorText(err, fallback) {
  if (err instanceof ApiError) {
    if (err.status === 429 && err.retryAfter !== null) return `${err.message} Try again in ${err.retryAfter} seconds.`;
    return err.message;
  }
  return fallback;
}

const REDIRECT_CODES = new Set(["session_terminated", "token_expired", "unauthorized", "session_expired"]);

function fallbackMessage(status) {
  switch (status) {
    case 400:
      return "The request could not be read.";
    case 401:
      return "Please sign in.";
    case 403:
      return "You are not allowed to do that.";
    case 404:
      return "Not found.";
    case 409:
      return "That conflicts with something that already exists.";
    case 413:
      return "That is too large.";
    case 422:
      return "A value is not valid.";
    case 429:
      return "Too many attempts. Please wait and try again.";
    default:
      return status >= 500 ? "The server had a problem. Please try again." : `Request failed (${status}).`;
  }
}

/**
 * Calls the API. `body` (unless undefined or null) is sent as JSON. Returns the parsed
 * JSON body, or null for an empty answer (204). Throws `ApiError`.
 *
 * Options: `auth` (default true) sends the stored bearer token;
 * `redirectOn401` (default true) goes back to sign-in when an authenticated
 * request gets a 401.
 */
export async function api(method, path, body, opts = {}) {
  return (await apiResponse(method, path, body, opts)).data;
}

/**
 * Like `api()`, but answers `{data, total, headers}`: `total` is the list's
 * `X-Total-Count` (a number, or null when the server sent none).
 */
export async function apiResponse(method, path, body, { auth = true, redirectOn401 = true } = {}) {
  const headers = { Accept: "application/json" };
  const init = { method, headers };
  // No body for undefined or null: a GET with a body is a TypeError in fetch.
  if (body !== undefined && body !== null) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const session = auth ? currentSession() : null;
  if (auth) {
    if (!session) {
      if (redirectOn401) backToSignIn("unauthorized");
      throw new ApiError(401, "unauthorized", "Please sign in.");
    }
    headers.Authorization = `Bearer ${session.token}`;
  }

  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", "Cannot reach the server. Check your connection and try again.");
  }

  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (res.ok) {
    const tc = res.headers.get("X-Total-Count");
    const total = tc !== null && /^\d+$/.test(tc.trim()) ? Number(tc.trim()) : null;
    return { data, total, headers: res.headers };
  }

  const code = data && typeof data.error === "string" ? data.error : `http_${res.status}`;
  const message = data && typeof data.message === "string" && data.message ? data.message : fallbackMessage(res.status);
  const ra = res.headers.get("Retry-After");
  const retryAfter = ra !== null && /^\d+$/.test(ra.trim()) ? Number(ra.trim()) : null;
  const err = new ApiError(res.status, code, message, retryAfter);

  if (res.status === 401 && auth && redirectOn401 && REDIRECT_CODES.has(code)) {
    backToSignIn(code);
  }
  throw err;
}
