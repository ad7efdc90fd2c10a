import { Decimal } from 'decimal.js';
import { TillsyncError } from './errors.ts';

/**
 * Money is decimal.js end to end and travels as decimal text ("12.50"), never as a JS number.
 * Rounding is half away from zero, as on French receipts and in accounting software.
 */
export const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });
export type Dec = InstanceType<typeof D>;
export type MoneyText = string;

export type Decimals = 2 | 3 | 4;

export interface RoundingRules {
  /** Number of decimals amounts are kept at. */
  decimals: Decimals;
  /** 'line': VAT is computed and rounded on each line; 'total': on the sum per VAT rate. */
  vatOn: 'line' | 'total';
  /** Where a rounding difference between documents and entries goes. */
  difference: 'accounts' | 'first-line' | 'first-tax';
  /** Difference accounts: loss (charge) and gain (product). */
  lossAccount: string;
  gainAccount: string;
}

export const DEFAULT_ROUNDING: RoundingRules = {
  decimals: 2,
  vatOn: 'line',
  difference: 'accounts',
  lossAccount: '658000',
  gainAccount: '758000',
};

const MONEY_RE = /^-?\d{1,12}(\.\d{1,4})?$/;

/** Parses user or file input as money; refuses floats in exponent form, commas, blanks. */
export function parseMoney(text: unknown, what = 'amount'): Dec {
  if (typeof text === 'number') text = String(text);
  if (typeof text !== 'string' || !MONEY_RE.test(text.trim())) {
    throw new Error(`${what} "${String(text)}" is not a decimal amount like 12.50`);
  }
  return new D(text.trim());
}

/**
 * Money typed by a person or read from input, taken exactly or refused: an amount with more
 * decimals than `decimals` (the till's or the books' precision) would otherwise be rounded
 * silently (12.505 → 12.51). Trailing zeros are exact ("12.500" at 2 decimals is 12.50).
 * Throws TillsyncError 'too-precise' naming the field and the allowed precision.
 */
export function parseExactMoney(text: unknown, what: string, decimals: Decimals, keeper = 'this till'): Dec {
  const v = parseMoney(text, what);
  if (v.decimalPlaces() > decimals) {
    throw new TillsyncError('too-precise', `${what} ${String(text).trim()} has ${v.decimalPlaces()} decimals; ${keeper} keeps amounts to ${decimals} decimals`, {
      hint: `give at most ${decimals} decimals, e.g. ${v.toDecimalPlaces(decimals, Decimal.ROUND_HALF_UP).toFixed(decimals)}`,
      status: 422,
    });
  }
  return v;
}

export function money(x: Decimal.Value, decimals: Decimals = 2): Dec {
  return new D(x).toDecimalPlaces(decimals, Decimal.ROUND_HALF_UP);
}

/** Canonical text of an amount: fixed decimals, '-' for negatives, no exponent. */
export function fmt(x: Decimal.Value, decimals: Decimals = 2): MoneyText {
  const v = money(x, decimals);
  return (v.isZero() ? new D(0) : v).toFixed(decimals);
}

export function sum(values: Iterable<Decimal.Value>): Dec {
  let acc = new D(0);
  for (const v of values) acc = acc.plus(v);
  return acc;
}

/** Integer minor units for SQL columns (exact, indexable). 12.50 at 2 decimals → 1250. */
export function toMinor(x: Decimal.Value, decimals: Decimals = 2): number {
  return money(x, decimals).times(new D(10).pow(decimals)).toNumber();
}

export function fromMinor(units: number | bigint | string, decimals: Decimals = 2): Dec {
  return new D(String(units)).dividedBy(new D(10).pow(decimals));
}

export interface VatSplit {
  inclVat: Dec;
  exclVat: Dec;
  vat: Dec;
}

/**
 * Splits an amount including VAT: net = round(incl / (1 + rate)), VAT = incl − net,
 * so net + VAT always equals the price the customer paid (483.60 → 403.00 + 80.60).
 */
export function splitInclusive(inclVat: Decimal.Value, ratePercent: Decimal.Value, decimals: Decimals = 2): VatSplit {
  const incl = money(inclVat, decimals);
  const factor = new D(1).plus(new D(ratePercent).dividedBy(100));
  const excl = money(incl.dividedBy(factor), decimals);
  return { inclVat: incl, exclVat: excl, vat: incl.minus(excl) };
}

/** Adds VAT to a net amount: VAT = round(net × rate), incl = net + VAT. */
export function addVat(exclVat: Decimal.Value, ratePercent: Decimal.Value, decimals: Decimals = 2): VatSplit {
  const excl = money(exclVat, decimals);
  const vat = money(excl.times(ratePercent).dividedBy(100), decimals);
  return { inclVat: excl.plus(vat), exclVat: excl, vat };
}
