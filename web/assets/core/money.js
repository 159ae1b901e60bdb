// Money and durations for people. Amounts arrive as integers in minor units
// (`amount_minor`, `total_minor`) with an ISO 4217 `currency`; they are
// turned into an exact decimal string (no floating point) and formatted with
// Intl.NumberFormat in the browser's locale.

const digitsCache = new Map();

/** How many minor digits `currency` has (EUR 2, JPY 0, …); 2 when unknown. */
export function minorDigits(currency) {
  const key = String(currency || "").toUpperCase();
  if (!digitsCache.has(key)) {
    let digits = 2;
    try {
      digits = new Intl.NumberFormat("en", { style: "currency", currency: key }).resolvedOptions()
        .maximumFractionDigits;
    } catch {
      digits = 2;
    }
    digitsCache.set(key, digits);
  }
  return digitsCache.get(key);
}

/** "12345" minor units of a 2-digit currency → "123.45" (exact, any size). */
export function minorToDecimal(minor, digits) {
  let s;
  try {
    s = BigInt(minor).toString();
  } catch {
    return "0";
  }
  const negative = s.startsWith("-");
  if (negative) s = s.slice(1);
  if (digits > 0) {
    s = s.padStart(digits + 1, "0");
    s = `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  }
  return negative ? `-${s}` : s;
}

/** `1234` EUR minor units → "€12.34" in the browser's locale. */
export function formatMoney(minor, currency) {
  if (minor === null || minor === undefined) return "—";
  const code = String(currency || "EUR").toUpperCase();
  const digits = minorDigits(code);
  const decimal = minorToDecimal(minor, digits);
  try {
    // A decimal string keeps every digit (Intl formats strings exactly).
    return new Intl.NumberFormat(undefined, { style: "currency", currency: code }).format(decimal);
  } catch {
    return `${decimal} ${code}`;
  }
}

/** An hourly rate (a JSON number with at most 2 decimals) with its currency, per hour. */
export function formatRate(rate, currency) {
  if (rate === null || rate === undefined) return "—";
  const code = String(currency || "EUR").toUpperCase();
  try {
    return `${new Intl.NumberFormat(undefined, { style: "currency", currency: code }).format(rate)}/h`;
  } catch {
    return `${rate} ${code}/h`;
  }
}

/** Seconds → "1:05:09" (hours may exceed 24). */
export function formatClock(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return `${hh}:${String(mm).padStart(2, "0")}:${String(ss).padStart(2, "0")}`;
}

/** Seconds → "3 h 20 min", "45 min", "20 s". */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (!h) return `${m} min`;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** Seconds → hours with up to 2 decimals for tables and charts ("3.25"). */
export function formatHours(seconds) {
  const h = (Number(seconds) || 0) / 3600;
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: 2, minimumFractionDigits: 0 }).format(h);
}
