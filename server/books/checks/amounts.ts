/**
 * The checks' own arithmetic, apart from the posting code's on purpose: amounts as BigInt units of
 * 10^-4 (the finest precision a till or the books keep), parsed from the stored text, summed in SQL
 * as scaled integers, VAT split by integer division. A bug in posting's split or sum functions
 * cannot then hide itself by being run twice.
 */
import { sql, type RawBuilder } from 'kysely';
import { storeOf, type Store } from '../../db/store.ts';
import type { Db } from '../../db/database.ts';

/** Units per 1.00: amounts are kept with at most 4 decimals (tills and books: 2, 3 or 4). */
export const SCALE = 4;
const ONE = 10n ** BigInt(SCALE);

/** Exact units of a decimal text ("12.5" → 125000n); null when it is not an amount of ≤ 4 decimals. */
export function units(text: unknown): bigint | null {
  if (typeof text === 'number') text = String(text);
  if (typeof text !== 'string') return null;
  const m = /^\s*(-?)(\d+)(?:\.(\d{0,4}))?\s*$/.exec(text);
  if (!m) return null;
  const v = BigInt(m[2]) * ONE + BigInt((m[3] ?? '').padEnd(SCALE, '0') || '0');
  return m[1] ? -v : v;
}

/** A units value as an amount text with `decimals` decimals (exact: units are never finer than 4). */
export function amountText(u: bigint, decimals = 2): string {
  const neg = u < 0n;
  const a = neg ? -u : u;
  const whole = a / ONE;
  const frac = (a % ONE).toString().padStart(SCALE, '0');
  // Keep every significant digit, at least `decimals`.
  let f = frac;
  while (f.length > decimals && f.endsWith('0')) f = f.slice(0, -1);
  return `${neg && a !== 0n ? '-' : ''}${whole}${f ? `.${f}` : ''}`;
}

/** n / d rounded half away from zero (decimal.js ROUND_HALF_UP, what the tills use). d > 0. */
export function divRound(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  if (2n * (r < 0n ? -r : r) >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/** Units rounded to `decimals` decimals (still in units). */
export function roundTo(u: bigint, decimals: number): bigint {
  const step = 10n ** BigInt(SCALE - decimals);
  return divRound(u, step) * step;
}

/**
 * Splits an amount including VAT at `decimals`: net = round(incl × 100 / (100 + rate)), VAT = incl
 * − net, the rule every till and the books follow (sync/money.ts splitInclusive), recomputed here
 * with integers. All values in units.
 */
export function splitIncl(inclUnits: bigint, rate: string, decimals: number): { net: bigint; vat: bigint } {
  const incl = roundTo(inclUnits, decimals);
  const r = units(rate);
  if (r === null) throw new Error(`VAT rate ${rate} is not a number`);
  const hundred = 100n * ONE;
  const step = 10n ** BigInt(SCALE - decimals);
  const net = divRound((incl / step) * hundred, hundred + r) * step;
  return { net, vat: incl - net };
}

/**
 * SQL for the checks: the exact sum of a decimal-text column as integer units. SQLite has no
 * decimal type, so each value goes through REAL, is scaled and rounded back to an integer (exact for
 * ≤ 4 decimals below 10^11); PostgreSQL sums numerics. Both come back as an integer the caller
 * reads with `bigOf`.
 */
export class UnitsSql {
  private readonly store: Store;
  constructor(db: Db) {
    this.store = storeOf(db);
  }

  /** The units of one value (a column reference like 'l.debit'): the store's SQL (server/db/sqlite-store.ts, postgres-store.ts). */
  of(column: string): RawBuilder<unknown> {
    return this.store.unitsOf(column, Number(ONE));
  }

  sum(column: string): RawBuilder<unknown> {
    return sql`coalesce(sum(${this.of(column)}), 0)`;
  }
}

/** An integer read back from SQL (number on SQLite, numeric text or int8 on PostgreSQL). */
export function bigOf(v: unknown): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.round(v));
  const s = String(v).replace(/\.0*$/, '');
  return BigInt(s);
}

/**
 * Rounding per product (accounting.json rounding.vatOn "product"): the unit price split once, its
 * net and VAT times the quantity, each rounded; a discount split on its own and taken off. Units in
 * and out (the quantity too, at 4 decimals).
 */
export function splitPerProduct(qty: bigint, unit: bigint, discount: bigint, rate: string, decimals: number): { net: bigint; vat: bigint } {
  const r = units(rate);
  if (r === null) throw new Error(`VAT rate ${rate} is not a number`);
  const hundred = 100n * ONE;
  const step = 10n ** BigInt(SCALE - decimals);
  const unitNet = divRound(unit * hundred, (hundred + r) * step) * step;
  const unitVat = unit - unitNet;
  let net = divRound(unitNet * qty, ONE * step) * step;
  let vat = divRound(unitVat * qty, ONE * step) * step;
  if (discount !== 0n) {
    const off = splitIncl(discount, rate, decimals);
    net -= off.net;
    vat -= off.vat;
  }
  return { net, vat };
}
