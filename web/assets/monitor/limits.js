// What one `/ws/behavioral` connection may send, and how captured events are
// cut into `behavior` messages that fit.
//
// The server states its limits in `auth_ok`:
//   "limits": {"max_message_bytes": 65536, "max_events": 2000, "messages_per_second": 20}
// Until that message arrives (or when an older server leaves it out) the page
// uses DEFAULT_LIMITS below, the same numbers: this is the only place in
// the page that knows them.

export const DEFAULT_LIMITS = Object.freeze({
  max_message_bytes: 64 * 1024,
  max_events: 2000,
  messages_per_second: 20,
});

/**
 * The limits to respect, from the `limits` object of an `auth_ok` message:
 * every field that is a positive whole number replaces the default; anything
 * else (missing, zero, negative, not a number) keeps it.
 */
export function limitsFrom(serverLimits) {
  const out = { ...DEFAULT_LIMITS };
  if (!serverLimits || typeof serverLimits !== "object") return Object.freeze(out);
  for (const key of Object.keys(DEFAULT_LIMITS)) {
    const v = serverLimits[key];
    if (Number.isSafeInteger(v) && v > 0) out[key] = v;
  }
  return Object.freeze(out);
}

const encoder = new TextEncoder();

function bytes(text) {
  return encoder.encode(text).length;
}

// `{"type":"behavior","seq":,"events":[]}` plus room for the longest seq
// (20 digits, a u64): a chunk of events must fit in what is left.
const ENVELOPE_BYTES = bytes('{"type":"behavior","seq":,"events":[]}') + 20;

function message(seq, events) {
  return JSON.stringify({ type: "behavior", seq, events });
}

/**
 * Cuts events into `behavior` messages of at most `limits.max_events`
 * events and `limits.max_message_bytes` bytes each, at most `maxMessages`
 * of them. `nextSeq` is called once per message.
 *
 * Returns {messages, sent, rest}: the JSON texts to send, how many events
 * they carry, and the events that did not fit (to send later, in order).
 * An event that could never fit in a message on its own is dropped (counted
 * in `dropped`); the page's events are a few dozen bytes, so this is a guard.
 */
export function toMessages(events, nextSeq, limits = DEFAULT_LIMITS, maxMessages = Infinity) {
  if (!(maxMessages >= 1)) return { messages: [], sent: 0, dropped: 0, rest: events.slice() };
  const budget = limits.max_message_bytes - ENVELOPE_BYTES;
  const messages = [];
  let chunk = [];
  let size = 0;
  let sent = 0;
  let dropped = 0;
  let i = 0;
  const emit = () => {
    messages.push(message(nextSeq(), chunk));
    sent += chunk.length;
    chunk = [];
    size = 0;
  };
  for (; i < events.length; i += 1) {
    const evBytes = bytes(JSON.stringify(events[i]));
    if (evBytes > budget) {
      dropped += 1;
      continue;
    }
    const grown = size + evBytes + (chunk.length ? 1 : 0); // "," between events
    if (chunk.length && (chunk.length >= limits.max_events || grown > budget)) {
      emit();
      if (messages.length >= maxMessages) break;
      chunk.push(events[i]);
      size = evBytes;
      continue;
    }
    chunk.push(events[i]);
    size = grown;
  }
  if (chunk.length && messages.length < maxMessages) emit();
  return { messages, sent, dropped, rest: events.slice(i) };
}
