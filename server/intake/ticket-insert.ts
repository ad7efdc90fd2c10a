/**
 * The multi-row INSERT of ticket rows. Written as one SQL text per chunk size and handed to the
 * driver as an already compiled query: building a Kysely tree of 20,000 value nodes per chunk cost
 * more than the insert itself. The SQL is the same on both engines but for its placeholders.
 */
import { CompiledQuery, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { dbKind } from '../db/dialect.ts';

export const TICKET_COLUMNS = ['id', 'store', 'till', 'number', 'day', 'sold_at', 'customer', 'total_incl', 'total_due', 'hash', 'prev_hash', 'degraded', 'content', 'channel', 'package_id', 'received_at', 'status', 'status_reason', 'document_id', 'document_number', 'integration_batch', 'updated_at'] as const;

export type TicketRow = { [K in (typeof TICKET_COLUMNS)[number]]: string | number | null };

const cache = new Map<string, string>();

function insertSql(kind: 'sqlite' | 'postgres', rows: number): string {
  const key = `${kind}:${rows}`;
  let text = cache.get(key);
  if (!text) {
    const width = TICKET_COLUMNS.length;
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++) {
      const ph: string[] = [];
      for (let c = 1; c <= width; c++) ph.push(kind === 'postgres' ? `$${r * width + c}` : '?');
      tuples.push(`(${ph.join(',')})`);
    }
    text = `insert into tickets (${TICKET_COLUMNS.join(',')}) values ${tuples.join(',')} on conflict do nothing returning id`;
    if (cache.size > 16) cache.clear();
    cache.set(key, text);
  }
  return text;
}

/** Inserts the rows (one statement), skipping ids or numbers already stored; returns the ids inserted. */
export async function insertTicketRows(trx: Transaction<Database>, rows: TicketRow[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const params: unknown[] = new Array(rows.length * TICKET_COLUMNS.length);
  let i = 0;
  for (const row of rows) for (const c of TICKET_COLUMNS) params[i++] = row[c];
  const res = await trx.executeQuery<{ id: string }>(CompiledQuery.raw(insertSql(dbKind(trx), rows.length), params));
  return res.rows.map((r) => r.id);
}
