/**
 * Multi-row INSERTs compiled once per shape, without the query builder: posting writes millions of
 * entry lines and the builder's per-row cost would dominate. Placeholders follow the engine
 * (? on SQLite, $n on PostgreSQL); a statement stays under both engines' parameter limits.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import { dbKind } from '../db/dialect.ts';

const MAX_PARAMS = 30_000;

export type Row = (string | number | null)[];

export async function insertRows(db: Kysely<any>, table: string, columns: string[], rows: Row[]): Promise<void> {
  if (!rows.length) return;
  const pg = dbKind(db) === 'postgres';
  const per = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const head = `insert into ${table} (${columns.join(', ')}) values `;
  const tuple = (offset: number) => `(${columns.map((_, i) => (pg ? `$${offset + i + 1}` : '?')).join(', ')})`;
  let cachedSql = '';
  let cachedCount = 0;
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    if (chunk.length !== cachedCount) {
      const tuples: string[] = [];
      for (let r = 0; r < chunk.length; r++) tuples.push(tuple(r * columns.length));
      cachedSql = head + tuples.join(', ');
      cachedCount = chunk.length;
    }
    const params: unknown[] = [];
    for (const r of chunk) {
      if (r.length !== columns.length) throw new Error(`insertRows ${table}: row of ${r.length} values for ${columns.length} columns`);
      for (const v of r) params.push(v);
    }
    await db.executeQuery(CompiledQuery.raw(cachedSql, params));
  }
}

/** Next free id of a table (read under the write lock; ids are then given explicitly). */
export async function nextId(db: Kysely<any>, table: string): Promise<number> {
  const r = await db.executeQuery<{ m: number | string | null }>(CompiledQuery.raw(`select max(id) as m from ${table}`, []));
  return Number(r.rows[0]?.m ?? 0) + 1;
}

/** PostgreSQL serials do not see explicit ids: move each sequence past the highest id. */
export async function syncSequences(db: Kysely<any>, tables: string[]): Promise<void> {
  if (dbKind(db) !== 'postgres') return;
  for (const t of tables) {
    await db.executeQuery(CompiledQuery.raw(`select setval(pg_get_serial_sequence('${t}', 'id'), greatest((select max(id) from ${t}), 1))`, []));
  }
}
