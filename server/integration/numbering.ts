/**
 * Gapless numbering per series. The last number used lives in number_series and moves only inside
 * the transaction that writes the documents, under the integration lock (write-lock.ts), so a
 * crash releases the numbers with everything else and two runs can never take the same number.
 *
 * Numbers are 9 characters: the series prefix, then the sequence zero-padded (F00000001,
 * BL0000001, AV0000001); past the padding the number simply grows.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { dbKind } from '../db/dialect.ts';
import type { DocumentKind } from './document-kind.ts';

export const SERIES_PREFIX: Record<DocumentKind, string> = {
  invoice: 'F',
  'delivery-note': 'BL',
  'credit-note': 'AV',
};

const WIDTH = 9;

export function formatNumber(series: DocumentKind, seq: number): string {
  const prefix = SERIES_PREFIX[series];
  return prefix + String(seq).padStart(WIDTH - prefix.length, '0');
}

export type SeriesState = Map<DocumentKind, number>;

/**
 * Reads (and on PostgreSQL row-locks) the series' last numbers. Must run inside the locked
 * transaction; rows missing from an older database are created at 0.
 */
export async function lockSeries(trx: Kysely<Database>): Promise<SeriesState> {
  const kinds = Object.keys(SERIES_PREFIX) as DocumentKind[];
  await trx
    .insertInto('number_series')
    .values(kinds.map((series) => ({ series, last_seq: 0 })))
    .onConflict((oc) => oc.column('series').doNothing())
    .execute();
  let q = trx.selectFrom('number_series').select(['series', 'last_seq']);
  if (dbKind(trx) === 'postgres') q = q.forUpdate();
  const rows = await q.execute();
  return new Map(rows.map((r) => [r.series as DocumentKind, Number(r.last_seq)]));
}

/** Reads the series without locking (preview: the numbers a run would take now). */
export async function readSeries(db: Kysely<Database>): Promise<SeriesState> {
  const rows = await db.selectFrom('number_series').select(['series', 'last_seq']).execute();
  const state: SeriesState = new Map((Object.keys(SERIES_PREFIX) as DocumentKind[]).map((k) => [k, 0]));
  for (const r of rows) state.set(r.series as DocumentKind, Number(r.last_seq));
  return state;
}

/** Writes back the series that moved. */
export async function saveSeries(trx: Kysely<Database>, before: SeriesState, after: SeriesState): Promise<void> {
  for (const [series, last] of after) {
    if (before.get(series) !== last) await trx.updateTable('number_series').set({ last_seq: last }).where('series', '=', series).execute();
  }
}
