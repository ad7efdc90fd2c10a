/**
 * The one scaled-integer form of money: decimal text as an exact safe integer of 10^-scale units,
 * for the hot paths (integration re-checks, posting's accumulations): a million tickets re-checked
 * with decimal.js cost ~100 µs each, with safe JS integers ~2 µs. Every function here is exact or
 * says it cannot be (returns null), and the caller then falls back to decimal.js (sync/money.ts,
 * the reference): nothing is ever approximated.
 */

import { divRoundHalfUp, mulExact, pow10 } from './scaled-int.js';

// The arithmetic itself lives in a browser-safe module the register page shares.
export { addExact, divRoundHalfUp, formatScaled, mulExact, pow10, toScaled } from './scaled-int.js';

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
