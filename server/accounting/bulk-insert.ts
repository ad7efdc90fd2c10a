/**
 * Multi-row INSERTs compiled once per shape, without the query builder: posting writes millions of
 * entry lines and the builder's per-row cost would dominate. Placeholders follow the engine
 * (? on SQLite, $n on PostgreSQL); a statement stays under both engines' parameter limits.
 */
import type BetterSqlite3 from 'better-sqlite3';
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

type Value = string | number | null;

/**
 * The posting run's writer: rows given as one flat array of values (no array per row), inserted
 * with multi-row statements. On SQLite it runs the connection's own prepared statements, kept for
 * the whole run (preparing a statement of thousands of placeholders costs as much as running it):
 * full statements of up to 256 rows, the tail by halves (128, 64 … 1), all cached. Elsewhere it
 * goes through insertRows' path. `sqlite` must be the connection behind `db` (sqliteHandleOf).
 */
export class RowWriter {
  /** Per table and columns, per row count. */
  private readonly statements = new Map<string, Map<number, BetterSqlite3.Statement>>();

  constructor(
    private readonly db: Kysely<any>,
    private readonly sqlite: BetterSqlite3.Database | undefined,
  ) {}

  /**
   * @param pgTypes the columns' PostgreSQL types ('int8', 'text'…): on PostgreSQL the rows then go
   *   as one array per column through unnest, a few statements for any number of rows (a
   *   multi-row VALUES binds every value as its own parameter).
   */
  async insertFlat(table: string, columns: readonly string[], values: Value[], pgTypes?: readonly string[]): Promise<void> {
    const width = columns.length;
    if (values.length % width !== 0) throw new Error(`insert ${table}: ${values.length} values for rows of ${width} columns`);
    const rows = values.length / width;
    if (!rows) return;
    if (!this.sqlite) {
      if (pgTypes && dbKind(this.db) === 'postgres') return this.unnest(table, columns, values, pgTypes);
      const list: Row[] = [];
      for (let i = 0; i < values.length; i += width) list.push(values.slice(i, i + width));
      return insertRows(this.db, table, [...columns], list);
    }
    // ~250 rows a statement measured best here (fewer: more calls; more: slower binding).
    const full = Math.max(1, Math.min(256, Math.floor(MAX_PARAMS / width)));
    let at = 0;
    let left = rows;
    while (left > 0) {
      let n = full;
      if (left < full) {
        n = 1;
        while (n * 2 <= left) n *= 2;
      }
      const stmt = this.statement(table, columns, n);
      // Spread, not an array: better-sqlite3 binds arguments ~25 % faster than an array's elements.
      stmt.run(...(at === 0 && n === rows ? values : values.slice(at * width, (at + n) * width)));
      at += n;
      left -= n;
    }
  }

  private async unnest(table: string, columns: readonly string[], values: Value[], pgTypes: readonly string[]): Promise<void> {
    if (pgTypes.length !== columns.length) throw new Error(`insert ${table}: ${pgTypes.length} types for ${columns.length} columns`);
    const width = columns.length;
    const text = `insert into ${table} (${columns.join(', ')}) select * from unnest(${pgTypes.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;
    const per = 20_000;
    for (let first = 0; first < values.length / width; first += per) {
      const last = Math.min(values.length / width, first + per);
      const arrays: Value[][] = columns.map(() => []);
      for (let r = first; r < last; r++) for (let c = 0; c < width; c++) arrays[c].push(values[r * width + c]);
      await this.db.executeQuery(CompiledQuery.raw(text, arrays));
    }
  }

  private statement(table: string, columns: readonly string[], rows: number): BetterSqlite3.Statement {
    const key = `${table}(${columns.join(',')})`;
    let byRows = this.statements.get(key);
    if (!byRows) this.statements.set(key, (byRows = new Map()));
    let s = byRows.get(rows);
    if (!s) {
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      s = this.sqlite!.prepare(`insert into ${table} (${columns.join(', ')}) values ${Array(rows).fill(tuple).join(', ')}`);
      byRows.set(rows, s);
    }
    return s;
  }
}
