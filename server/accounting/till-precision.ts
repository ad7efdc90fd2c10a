/**
 * Do the tills keep amounts to the books' precision? A till initialised with 3 decimals writes
 * tickets that posting at 2 refuses, and `config check` must say so before the night does. Reads
 * each till's precision from what it sent (the rounding of its newest ticket; else the decimals of
 * its newest closure's total) — one row per till, whatever the volume.
 */
import type { Kysely } from 'kysely';
import { ticketId } from '../../sync/ticket-chain.ts';
import type { Database } from '../db/schema.ts';
import type { ConfigIssue } from './config-check.ts';

export interface TillPrecision {
  till: string;
  decimals: number;
  /** What it was read from: a ticket id or a closure id. */
  from: string;
}

const decimalsOf = (text: string): number => (text.includes('.') ? text.length - text.indexOf('.') - 1 : 0);

export async function tillPrecisions(db: Kysely<Database>): Promise<TillPrecision[]> {
  const tills = await db.selectFrom('tills').select(['id', 'store', 'till', 'last_number']).orderBy('id').execute();
  const out: TillPrecision[] = [];
  for (const t of tills) {
    if (t.last_number !== null) {
      const id = ticketId(t.store, t.till, Number(t.last_number));
      const row = await db.selectFrom('tickets').select('content').where('id', '=', id).executeTakeFirst();
      const decimals = row ? (JSON.parse(row.content) as { rounding?: { decimals?: number } }).rounding?.decimals : undefined;
      if (typeof decimals === 'number') {
        out.push({ till: t.id, decimals, from: `ticket ${id}` });
        continue;
      }
    }
    const closure = await db.selectFrom('closures').select(['id', 'content']).where('store', '=', t.store).where('till', '=', t.till).orderBy('received_at', 'desc').limit(1).executeTakeFirst();
    if (closure) {
      const total = (JSON.parse(closure.content) as { total?: unknown }).total;
      if (typeof total === 'string') out.push({ till: t.id, decimals: decimalsOf(total), from: `closure ${closure.id}` });
    }
  }
  return out;
}

/** One error per till whose precision is not the books' (posting would refuse its documents). */
export function precisionIssues(tills: TillPrecision[], booksDecimals: number): ConfigIssue[] {
  return tills
    .filter((t) => t.decimals !== booksDecimals)
    .map((t) => ({
      severity: 'error' as const,
      path: 'rounding.decimals',
      message: `till ${t.till} keeps amounts to ${t.decimals} decimals (${t.from}) but the books keep ${booksDecimals}: posting would refuse its documents`,
      fix: `set "rounding": { "decimals": ${t.decimals} } in accounting.json if the books really keep ${t.decimals}, else re-initialise the till with --decimals ${booksDecimals} before it sells`,
    }));
}
