/**
 * Bulk writes of the books: multi-row INSERTs compiled once per shape, without the query builder
 * (posting writes millions of entry lines and the builder's per-row cost would dominate). How each
 * engine runs them is its store's (server/db/store.ts insertRows, rowWriter, syncSequences).
 */
import { CompiledQuery, type Kysely } from 'kysely';
import { storeOf, type Row, type RowWriter } from '../db/store.ts';

export type { Row, RowWriter } from '../db/store.ts';

export function insertRows(db: Kysely<any>, table: string, columns: string[], rows: Row[]): Promise<void> {
  if (!rows.length) return Promise.resolve();
  return storeOf(db).insertRows(db, table, columns, rows);
}

/** Next free id of a table (read under the write lock; ids are then given explicitly). */
export async function nextId(db: Kysely<any>, table: string): Promise<number> {
  const r = await db.executeQuery<{ m: number | string | null }>(CompiledQuery.raw(`select max(id) as m from ${table}`, []));
  return Number(r.rows[0]?.m ?? 0) + 1;
}

/** After rows were given explicit ids: the id sequences moved past them where the engine needs it. */
export function syncSequences(db: Kysely<any>, tables: string[]): Promise<void> {
  return storeOf(db).syncSequences(db, tables);
}

/**
 * The posting run's writer inside `db`: rows given as one flat array of values (no array per row),
 * inserted with multi-row statements kept for the whole run.
 */
export function rowWriter(db: Kysely<any>): RowWriter {
  return storeOf(db).rowWriter(db);
}
