/**
 * Gapless numbering per series. The last number used lives in number_series and moves only inside
 * the transaction that writes the documents, under the books lock (server/db/books-lock.ts), so a
 * crash releases the numbers with everything else and two runs can never take the same number.
 *
 * Numbers are 9 characters: the series prefix, then the sequence zero-padded (F00000001,
 * BL0000001, AV0000001); past the padding the number simply grows.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { storeOf } from '../db/store.ts';
import type { DocumentKind } from './document-kind.ts';

/** A numbering series: one per document kind, and the deposit invoices' (server/invoicing/deposit-invoices.ts). */
export type Series = DocumentKind | 'deposit-invoice';

export const SERIES_PREFIX: Record<Series, string> = {
  invoice: 'F',
  'delivery-note': 'BL',
  'credit-note': 'AV',
  'deposit-invoice': 'FA',
};

const WIDTH = 9;

export function formatNumber(series: Series, seq: number): string {
  const prefix = SERIES_PREFIX[series];
  return prefix + String(seq).padStart(WIDTH - prefix.length, '0');
}

export type SeriesState = Map<Series, number>;

/**
 * Reads (and on PostgreSQL row-locks) the series' last numbers. Must run inside the locked
 * transaction; rows missing from an older database are created at 0.
 */
export async function lockSeries(trx: Kysely<Database>): Promise<SeriesState> {
  const kinds = Object.keys(SERIES_PREFIX) as Series[];
  await trx
    .insertInto('number_series')
    .values(kinds.map((series) => ({ series, last_seq: 0 })))
    .onConflict((oc) => oc.column('series').doNothing())
    .execute();
  const rows = await storeOf(trx).forUpdate(trx.selectFrom('number_series').select(['series', 'last_seq'])).execute();
  return new Map(rows.map((r) => [r.series as Series, Number(r.last_seq)]));
}

/** Reads the series without locking (preview: the numbers a run would take now). */
export async function readSeries(db: Kysely<Database>): Promise<SeriesState> {
  const rows = await db.selectFrom('number_series').select(['series', 'last_seq']).execute();
  const state: SeriesState = new Map((Object.keys(SERIES_PREFIX) as Series[]).map((k) => [k, 0]));
  for (const r of rows) state.set(r.series as Series, Number(r.last_seq));
  return state;
}

/**
 * Writes back the series that moved; `invoiceDate` (a run, not an undo) becomes their last date,
 * the floor of the next run's invoice date (invoice-dates.ts).
 */
export async function saveSeries(trx: Kysely<Database>, before: SeriesState, after: SeriesState, invoiceDate?: string): Promise<void> {
  for (const [series, last] of after) {
    if (before.get(series) === last) continue;
    const set = invoiceDate && last > (before.get(series) ?? 0) ? { last_seq: last, last_date: invoiceDate } : { last_seq: last };
    await trx.updateTable('number_series').set(set).where('series', '=', series).execute();
  }
}

/** The latest invoice date any series has numbered (null on a new database). */
export async function lastInvoiceDate(trx: Kysely<Database>): Promise<string | null> {
  const row = await trx.selectFrom('number_series').select((eb) => eb.fn.max('last_date').as('d')).executeTakeFirst();
  return (row?.d as string | null | undefined) ?? null;
}
