/**
 * The store on SQLite (store.ts tells the operations). One process holds one better-sqlite3
 * connection behind Kysely; the hot paths run the connection's own prepared statements, re-run per
 * row or per page, which measured faster than anything built per query (each op says by how much).
 * better-sqlite3 is synchronous: a statement run inside a transaction's callback cannot interleave
 * with another query. Outside a transaction the statements first wait for the connection as any
 * Kysely query would, so they never see another task's uncommitted rows.
 */
import { join } from 'node:path';
import { sql, type Expression, type Kysely } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import { TillsyncError } from '../../sync/errors.ts';
import { withPidLockFile } from '../../sync/pid-lock-file.ts';
import type { Database } from './schema.ts';
import { checkFlat, insertMultiRow, MAX_PARAMS } from './bulk-sql.ts';
import { sqliteTillPages } from './sqlite-till-pages.ts';
import { TICKET_COLUMNS, type AckHoldBack, type Row, type RowWriter, type Store, type TicketFields, type TicketMark, type TicketPageRow, type TicketRow, type TicketSpan, type Value } from './store.ts';

function busy(cause: unknown): TillsyncError {
  return new TillsyncError('busy', 'the database is busy: another integration, posting, lettering or undo is running', { hint: 'wait for it to finish, then run again', cause, status: 409 });
}

function isSqliteBusy(e: unknown): boolean {
  const code = (e as { code?: string })?.code ?? '';
  return code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_');
}

const INSERT_TICKET = `insert into tickets (${TICKET_COLUMNS.join(',')}) values (${TICKET_COLUMNS.map(() => '?').join(',')}) on conflict do nothing`;
const MARK_TICKET = 'update tickets set document_id = ?, document_number = ?, integration_batch = ?, updated_at = ? where id = ? and document_id is null and integration_batch is null';

/**
 * Flat rows through statements prepared once per run (preparing a statement of thousands of
 * placeholders costs as much as running it): full statements of up to 256 rows, the tail by halves
 * (128, 64 … 1), all cached.
 */
class SqliteRowWriter implements RowWriter {
  /** Per table and columns, per row count. */
  private readonly statements = new Map<string, Map<number, BetterSqlite3.Statement>>();

  constructor(
    private readonly store: SqliteStore,
    private readonly db: Kysely<any>,
    private readonly handle: BetterSqlite3.Database,
  ) {}

  async insertFlat(table: string, columns: readonly string[], values: Value[]): Promise<void> {
    const rows = checkFlat(table, values, columns.length);
    if (rows) await this.store.onConnection(this.db, () => this.write(table, columns, values, rows));
  }

  private write(table: string, columns: readonly string[], values: Value[], rows: number): void {
    const width = columns.length;
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

  private statement(table: string, columns: readonly string[], rows: number): BetterSqlite3.Statement {
    const key = `${table}(${columns.join(',')})`;
    let byRows = this.statements.get(key);
    if (!byRows) this.statements.set(key, (byRows = new Map()));
    let s = byRows.get(rows);
    if (!s) {
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      s = this.handle.prepare(`insert into ${table} (${columns.join(', ')}) values ${Array(rows).fill(tuple).join(', ')}`);
      byRows.set(rows, s);
    }
    return s;
  }
}

type FieldsRow = [string, number | null, string | null, string];

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly prepared = new Map<string, BetterSqlite3.Statement>();

  constructor(private readonly handle: BetterSqlite3.Database) {}

  private statement(text: string, raw = false): BetterSqlite3.Statement {
    let s = this.prepared.get(text);
    if (!s) {
      s = this.handle.prepare(text);
      if (raw) s.raw(true);
      this.prepared.set(text, s);
    }
    return s;
  }

  /** `fn` on the connection: at once inside a transaction (it holds it), else once no one else does. */
  onConnection<T>(db: Kysely<any>, fn: () => T): Promise<T> {
    return db.isTransaction ? Promise.resolve().then(fn) : db.connection().execute(async () => fn());
  }

  bytewise(e: Expression<string>): Expression<string> {
    return e; // SQLite's default collation (BINARY) already compares bytes
  }

  forUpdate<Q extends { forUpdate(): Q }>(q: Q): Q {
    return q; // the write lock the run holds already excludes every other writer
  }

  /**
   * BEGIN IMMEDIATE takes the write lock up front: a second run waits busy_timeout (15 s), then
   * fails cleanly instead of deadlocking half-way.
   */
  withBooksLock<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return db.connection().execute(async (conn) => {
      try {
        await sql`begin immediate`.execute(conn);
      } catch (e) {
        throw isSqliteBusy(e) ? busy(e) : e;
      }
      try {
        const out = await fn(conn);
        await sql`commit`.execute(conn);
        return out;
      } catch (e) {
        try {
          await sql`rollback`.execute(conn);
        } catch {
          // The transaction may already be gone (SQLite rolls back on some errors by itself).
        }
        throw isSqliteBusy(e) ? busy(e) : e;
      }
    });
  }

  async ackHoldBack(): Promise<AckHoldBack> {
    // One writer at a time: rows commit in the order they were stamped.
    return { serve: true, stampedBefore: null };
  }

  /** A lock file beside the database (same machine, as the SQLite file itself) whose owner pid is checked, so a killed run never blocks the next one. */
  withExportLock<T>(_db: Kysely<Database>, data: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
    const path = join(data, 'exports.lock');
    return withPidLockFile(path, {
      waitMs,
      pollMs: 100,
      busy: (owner) => new TillsyncError('export-busy', `another export is running (lock ${path} held by process ${owner})`, { hint: 'wait for it to finish, or delete the lock file if that process is gone' }),
    }, fn);
  }

  /**
   * One prepared `INSERT … ON CONFLICT DO NOTHING` re-run per row, `changes` telling whether the
   * row went in. On a 20,000-ticket package a multi-row INSERT through Kysely took 1.9–2.2× its
   * time, and a multi-row INSERT through better-sqlite3 directly 1.3–1.4×.
   */
  insertTickets(trx: Kysely<Database>, rows: TicketRow[]): Promise<string[]> {
    return this.onConnection(trx, () => {
      const stmt = this.statement(INSERT_TICKET);
      const inserted: string[] = [];
      for (const row of rows) if (stmt.run(...row).changes === 1) inserted.push(row[0] as string);
      return inserted;
    });
  }

  /** One prepared UPDATE per ticket: measured ~2× faster than a JSON chunk unpacked by json_each, and a miss names its ticket. */
  markTickets(trx: Kysely<Database>, marks: TicketMark[], batchId: number, now: string): Promise<void> {
    return this.onConnection(trx, () => {
      const stmt = this.statement(MARK_TICKET);
      for (const m of marks) {
        if (stmt.run(m.documentId, m.number, batchId, now, m.id).changes !== 1) throw new Error(`integration write-back could not mark ticket ${m.id}: it changed during the run`);
      }
    });
  }

  insertRows(db: Kysely<any>, table: string, columns: string[], rows: Row[]): Promise<void> {
    return insertMultiRow(db, table, columns, rows, () => '?');
  }

  rowWriter(db: Kysely<any>): RowWriter {
    return new SqliteRowWriter(this, db, this.handle);
  }

  async syncSequences(): Promise<void> {
    // AUTOINCREMENT takes max(id) + 1 by itself.
  }

  async *tillPages(db: Kysely<Database>, span: TicketSpan, pageSize: number): AsyncGenerator<TicketPageRow[]> {
    // Page by page on the connection: between two pages the run writes through the same one.
    const pages = sqliteTillPages(this.handle, span, pageSize);
    for (;;) {
      const next = await this.onConnection(db, () => pages.next());
      if (next.done) return;
      yield next.value;
    }
  }

  /**
   * SQLite picks the values out of the stored JSON itself (one json_extract, in C): JavaScript then
   * parses about a third of the text. Rows as arrays: cheaper to build than objects, a million times over.
   */
  ticketFields(db: Kysely<Database>, documentIds: number[], ticketIds: string[], paths: readonly string[]): Promise<TicketFields[]> {
    const list = paths.map((p) => `'${p.replace(/'/g, "''")}'`).join(', ');
    // json_extract of one path gives the value itself, of several an array of them.
    const pick = paths.length === 1 ? `json_array(json_extract(content, ${list}))` : `json_extract(content, ${list})`;
    const byDoc = this.statement(`select id, document_id, document_number, ${pick} from tickets where document_id = ?`, true);
    const byId = this.statement(`select id, document_id, document_number, ${pick} from tickets where id = ?`, true);
    return this.onConnection(db, () => {
      const out: TicketFields[] = [];
      const add = (r: FieldsRow) => out.push({ id: r[0], documentId: r[1], documentNumber: r[2], values: JSON.parse(r[3]) as unknown[] });
      for (const id of documentIds) for (const r of byDoc.all(id) as FieldsRow[]) add(r);
      for (const id of ticketIds) for (const r of byId.all(id) as FieldsRow[]) add(r);
      return out;
    });
  }

  async workerFile(db: Kysely<Database>): Promise<string | null> {
    const rows = (await sql<{ name: string; file: string }>`pragma database_list`.execute(db)).rows;
    return rows.find((r) => r.name === 'main')?.file || null;
  }

  unitsOf(column: string, factor: number) {
    // No decimal type: through REAL, scaled and rounded back to an integer (exact for ≤ 4 decimals below 10^11).
    return sql`cast(round(cast(${sql.ref(column)} as real) * ${sql.lit(factor)}) as integer)`;
  }
}
