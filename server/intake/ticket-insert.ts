/**
 * Inserting ticket rows, skipping ids (or store+till+number) already stored, and telling which
 * rows went in: the store's insertTickets (server/db/store.ts), one prepared statement re-run per
 * row on SQLite, multi-row INSERTs of up to 1,000 rows on PostgreSQL (measured in
 * server/db/sqlite-store.ts and postgres-store.ts).
 */
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { storeOf, type TicketRow } from '../db/store.ts';

export { TICKET_COLUMNS, type TicketRow } from '../db/store.ts';

/** Inserts the rows inside `trx`; returns the ids actually inserted. */
export function insertTicketRows(trx: Transaction<Database>, rows: TicketRow[]): Promise<string[]> {
  if (rows.length === 0) return Promise.resolve([]);
  return storeOf(trx).insertTickets(trx, rows);
}
