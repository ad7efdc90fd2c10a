// @ts-check
/**
 * Exact scaled-integer money: decimal text as a safe integer of 10^-scale units, rounded half away
 * from zero. One browser-safe module (plain JS, JSDoc-typed, no imports) so the server's hot paths
 * (sync/scaled-money.ts re-exports it) and the cashier's register page (served as-is by the till at
 * /sync/scaled-int.js, client/register-page.ts) parse, round and print amounts with the same code.
 * Every function is exact or says it cannot be (returns null): nothing is ever approximated.
 */

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

/**
 * 10^n as a number (exact up to 10^15).
 * @param {number} n
 * @returns {number}
 */
export function pow10(n) {
  return POW10[n] ?? 10 ** n;
}

/**
 * `text` × 10^scale as an exact safe integer; null when it is not plain decimal text (`-?digits(.digits)?`),
 * has more decimals than `scale`, or is past Number.MAX_SAFE_INTEGER once scaled. Char codes, no
 * regex: this runs ~20 times per ticket.
 * @param {unknown} text
 * @param {number} scale
 * @returns {number | null}
 */
export function toScaled(text, scale) {
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
  v *= pow10(scale - frac);
  if (!Number.isSafeInteger(v)) return null;
  return neg && v !== 0 ? -v : v;
}

/**
 * The canonical text of a scaled integer, as sync/money.ts fmt() prints it ("-1.50", never "-0.00").
 * @param {number} n
 * @param {number} scale
 * @returns {string}
 */
export function formatScaled(n, scale) {
  const neg = n < 0;
  const s = String(Math.abs(n)).padStart(scale + 1, '0');
  const text = `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
  return neg && n !== 0 ? `-${text}` : text;
}

/**
 * n / d rounded half away from zero (decimal.js ROUND_HALF_UP), d > 0; null if not exactly computable.
 * @param {number} n
 * @param {number} d
 * @returns {number | null}
 */
export function divRoundHalfUp(n, d) {
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

/**
 * Multiplies two safe integers, null if the product is not exactly representable.
 * @param {number} a
 * @param {number} b
 * @returns {number | null}
 */
export function mulExact(a, b) {
  const p = a * b;
  return Number.isSafeInteger(p) ? p : null;
}

/**
 * Adds two safe integers, null if the sum is not exactly representable.
 * @param {number} a
 * @param {number} b
 * @returns {number | null}
 */
export function addExact(a, b) {
  const s = a + b;
  return Number.isSafeInteger(s) ? s : null;
}
