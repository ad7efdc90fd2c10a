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

const known = new Map<string, Units | null>();

/** "12.5" → 125000; null when the text has more than 4 decimals or is not a plain decimal. */
export function toUnits(text: string): Units | null {
  // The same few thousand amounts come back all day: remember them.
  let u = known.get(text);
  if (u === undefined) {
    u = parseUnits(text);
    if (known.size > 100_000) known.clear();
    known.set(text, u);
  }
  return u;
}

function parseUnits(text: string): Units | null {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const frac = m[3] ?? '';
  if (frac.length > SCALE) return null;
  const n = Number(m[2] + frac.padEnd(SCALE, '0'));
  if (!Number.isSafeInteger(n)) return null;
  return m[1] && n !== 0 ? -n : n;
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
