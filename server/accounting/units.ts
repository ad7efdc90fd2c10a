/**
 * Posting's scaled integers: units of 10^-4 (the finest precision the books keep), for the per-ticket
 * hot paths: payments, flows, entry accumulation, settlement items. Built on sync/scaled-money.ts;
 * exact (no float ever holds a fraction of a cent), refusing what they cannot represent safely.
 */
import { D, type Dec, type Decimals } from '../../sync/money.ts';
import { divRoundHalfUp, formatScaled, pow10, toScaled } from '../../sync/scaled-money.ts';

export type Units = number;

export const SCALE = 4;
const ONE = 10_000;

/** "12.5" → 125000; null when the text is not plain decimal text, has more than 4 decimals or too many digits. */
export function toUnits(text: string): Units | null {
  return toScaled(text, SCALE);
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

/** Half away from zero at `decimals`, still in units (12.3456 at 2 decimals → 123500). */
export function roundUnits(n: Units, decimals: Decimals): Units {
  const step = pow10(SCALE - decimals);
  return divRoundHalfUp(n, step)! * step;
}

/** Half away from zero at `decimals`, as text with exactly that many decimals ("-12.50"). */
export function unitsText(n: Units, decimals: Decimals): string {
  return formatScaled(divRoundHalfUp(n, pow10(SCALE - decimals))!, decimals);
}

export function unitsDec(n: Units): Dec {
  return new D(n).dividedBy(ONE);
}

/** The debit and credit sides of a signed amount (debit − credit), as decimal.js values from their exact text. */
export function unitsSides(n: Units): { debit: Dec; credit: Dec } {
  const side = new D(formatScaled(Math.abs(n), SCALE));
  return n >= 0 ? { debit: side, credit: ZERO } : { debit: ZERO, credit: side };
}

/** Shared: decimal.js values are immutable. */
const ZERO = new D(0);

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
