/**
 * Exact money in integer units of 10^-4 (the finest precision the books keep), for the per-ticket
 * hot paths of posting: payments, flows, entry accumulation, settlement items. decimal.js stays the
 * reference everywhere else; these helpers are exact (no float ever holds a fraction of a cent) and
 * refuse what they cannot represent safely instead of rounding it.
 */
import { D, type Dec, type Decimals } from '../../sync/money.ts';

export type Units = number;

export const SCALE = 4;
const ONE = 10_000;

/**
 * "12.5" → 125000; null when the text has more than 4 decimals or is not a plain decimal
 * (-?digits[.digits]). Read character by character: a million tickets carry a million distinct
 * amounts, and a regular expression (or a cache of them) cost more than the rest of the pass.
 */
export function toUnits(text: string): Units | null {
  const len = text.length;
  let i = 0;
  const neg = len > 0 && text.charCodeAt(0) === 45; // '-'
  if (neg) i = 1;
  const intStart = i;
  // Exact while n stays below 2^53; past it n only grows, and the final check refuses it.
  let n = 0;
  for (; i < len; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
  }
  if (i === intStart) return null;
  let decimals = 0;
  if (i < len) {
    if (text.charCodeAt(i) !== 46) return null; // '.'
    i++;
    if (i === len) return null;
    for (; i < len; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9 || ++decimals > SCALE) return null;
      n = n * 10 + c;
    }
  }
  for (; decimals < SCALE; decimals++) n *= 10;
  if (!Number.isSafeInteger(n)) return null;
  return neg && n !== 0 ? -n : n;
}

export function unitsOf(x: Dec): Units {
  const n = x.times(ONE);
  if (!n.isInteger()) throw new Error(`amount ${x.toFixed()} has more than ${SCALE} decimals`);
  const v = n.toNumber();
  if (!Number.isSafeInteger(v)) throw new Error(`amount ${x.toFixed()} is too large`);
  return v;
}

/** Adds two unit amounts, refusing to lose exactness. */
export function addUnits(a: Units, b: Units): Units {
  const s = a + b;
  if (!Number.isSafeInteger(s)) throw new Error('amount too large to post exactly');
  return s;
}

/** Half away from zero at `decimals`, as text with exactly that many decimals ("-12.50"). */
export function unitsText(n: Units, decimals: Decimals): string {
  const neg = n < 0;
  let a = Math.abs(n);
  const drop = 10 ** (SCALE - decimals);
  if (drop > 1) a = Math.floor((a + drop / 2) / drop);
  const base = 10 ** decimals;
  const int = Math.floor(a / base);
  const frac = String(a % base).padStart(decimals, '0');
  return `${neg && a !== 0 ? '-' : ''}${int}.${frac}`;
}

export function unitsDec(n: Units): Dec {
  return new D(n).dividedBy(ONE);
}

/** Decimal places actually used by a unit amount (0–4). */
export function unitsDecimals(n: Units): number {
  let a = Math.abs(n);
  let dp = SCALE;
  while (dp > 0 && a % 10 === 0) {
    a /= 10;
    dp--;
  }
  return a === 0 ? 0 : dp;
}
