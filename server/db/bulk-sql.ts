/**
 * Multi-row INSERTs compiled once per shape, without the query builder: posting writes millions of
 * entry lines and the builder's per-row cost would dominate. The placeholder style is the engine's
 * (? on SQLite, $n on PostgreSQL, given by its store); a statement stays under both engines'
 * parameter limits.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Row } from './store.ts';

export const MAX_PARAMS = 30_000;

export async function insertMultiRow(db: Kysely<any>, table: string, columns: readonly string[], rows: Row[], placeholder: (n: number) => string): Promise<void> {
  if (!rows.length) return;
  const per = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const head = `insert into ${table} (${columns.join(', ')}) values `;
  const tuple = (offset: number) => `(${columns.map((_, i) => placeholder(offset + i + 1)).join(', ')})`;
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

/** The rows of a flat value array (`width` values a row). */
export function rowsOf(values: readonly (string | number | null)[], width: number): Row[] {
  const list: Row[] = [];
  for (let i = 0; i < values.length; i += width) list.push(values.slice(i, i + width));
  return list;
}

export function checkFlat(table: string, values: readonly unknown[], width: number): number {
  if (values.length % width !== 0) throw new Error(`insert ${table}: ${values.length} values for rows of ${width} columns`);
  return values.length / width;
}
