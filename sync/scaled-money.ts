/**
 * The one scaled-integer form of money: decimal text as an exact safe integer of 10^-scale units,
 * for the hot paths (integration re-checks, posting's accumulations): a million tickets re-checked
 * with decimal.js cost ~100 µs each, with safe JS integers ~2 µs. Every function here is exact or
 * says it cannot be (returns null), and the caller then falls back to decimal.js (sync/money.ts,
 * the reference): nothing is ever approximated.
 */

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

/**
 * `text` × 10^scale as an exact safe integer; null when it is not plain decimal text, has more
 * decimals than `scale`, or is past Number.MAX_SAFE_INTEGER once scaled. Char codes, no regex: this runs
 * ~20 times per ticket.
 */
export function toScaled(text: unknown, scale: number): number | null {
  if (typeof text !== 'string') return null;
  const len = text.length;
  let i = 0;
  const neg = len > 0 && text.charCodeAt(0) === 45; // '-'
  if (neg) i = 1;
  let v = 0;
  let intDigits = 0;
  for (; i < len; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    intDigits++;
  }
  if (intDigits === 0) return null;
  let frac = 0;
  if (i < len) {
    if (text.charCodeAt(i) !== 46) return null; // '.'
    i++;
    if (i === len) return null;
    for (; i < len; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9 || ++frac > scale) return null;
      v = v * 10 + c;
    }
  }
  // Exact while v stays below 2^53; past it v only grows, and this check refuses it.
  v *= POW10[scale - frac] ?? 10 ** (scale - frac);
  if (!Number.isSafeInteger(v)) return null;
  return neg && v !== 0 ? -v : v;
}

/**
 * Whether `text` is exactly formatScaled(value, scale) — the canonical form fmt() prints — without
 * building the string: no leading zeros, exactly `scale` decimals, no "-0.00".
 */
export function isScaledText(text: unknown, value: number, scale: number): boolean {
  if (typeof text !== 'string') return false;
  const len = text.length;
  // Past 15 digits a double may round two different amounts alike: leave those to decimal.js.
  if (len > 17) return false;
  const neg = len > 0 && text.charCodeAt(0) === 45;
  let i = neg ? 1 : 0;
  const intLen = len - i - scale - 1;
  if (intLen < 1 || text.charCodeAt(len - scale - 1) !== 46) return false;
  if (intLen > 1 && text.charCodeAt(i) === 48) return false;
  let v = 0;
  for (; i < len; i++) {
    if (i === len - scale - 1) continue;
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return false;
    v = v * 10 + c;
  }
  if (neg && v === 0) return false;
  return (neg ? -v : v) === value;
}

export function pow10(n: number): number {
  return POW10[n] ?? 10 ** n;
}

/** The canonical text of a scaled integer, as sync/money.ts fmt() prints it ("-1.50", never "-0.00"). */
export function formatScaled(n: number, scale: number): string {
  const neg = n < 0;
  const s = String(Math.abs(n)).padStart(scale + 1, '0');
  const text = `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
  return neg && n !== 0 ? `-${text}` : text;
}

/** n / d rounded half away from zero (decimal.js ROUND_HALF_UP), d > 0; null if not exactly computable. */
export function divRoundHalfUp(n: number, d: number): number | null {
  const a = Math.abs(n);
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(d) || d <= 0) return null;
  let q = Math.trunc(a / d);
  let r = a - q * d;
  // Float division can be off by one near integers: correct with the exact remainder.
  while (r < 0) {
    q -= 1;
    r += d;
  }
  while (r >= d) {
    q += 1;
    r -= d;
  }
  if (2 * r >= d) q += 1;
  return n < 0 ? -q : q;
}

/** Multiplies two safe integers, null if the product is not exactly representable. */
export function mulExact(a: number, b: number): number | null {
  const p = a * b;
  return Number.isSafeInteger(p) ? p : null;
}

const rates = new Map<string, { n: number; scale: number } | null>();

/** A positive rate like "5.5" as {n: 55, scale: 1}; null if unusual. Remembered: a store has a handful of rates, each seen on every line. */
export function parseRate(text: unknown): { n: number; scale: number } | null {
  if (typeof text !== 'string') return null;
  let r = rates.get(text);
  if (r !== undefined) return r;
  const m = /^(\d{1,3})(?:\.(\d{1,4}))?$/.exec(text);
  const frac = m?.[2] ?? '';
  r = m ? Object.freeze({ n: Number(m[1] + frac), scale: frac.length }) : null;
  if (rates.size < 64) rates.set(text, r);
  return r;
}

/**
 * Net amount of an amount incl VAT, as sync/money.ts splitInclusive: round(incl / (1 + rate/100)).
 * Computed as the exact fraction incl·100·10^s / (100·10^s + rate·10^s); decimal.js divides at 40
 * significant digits, which only differs from the exact fraction when 35+ nines follow the cut —
 * impossible for a denominator below 10^7.
 */
export function netOfInclusive(incl: number, rate: { n: number; scale: number }): number | null {
  const unit = 100 * pow10(rate.scale);
  const num = mulExact(incl, unit);
  if (num === null) return null;
  return divRoundHalfUp(num, unit + rate.n);
}
