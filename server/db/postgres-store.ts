/**
 * The store on PostgreSQL (store.ts tells the operations). A pool of connections: one round trip
 * per row would dominate, so bulk writes travel as few statements as possible (multi-row INSERTs
 * of precompiled text, arrays per column through unnest, a JSON parameter unpacked by the server),
 * and the locks are advisory locks keyed per schema (books-lock.ts), so a chain's stores (one
 * schema each, docs/chain.md) work in parallel.
 */
import { CompiledQuery, sql, type Expression, type Kysely } from 'kysely';
import { TillsyncError } from '../../sync/errors.ts';
import type { Database } from './schema.ts';
import { BOOKS_LOCK_KEY, booksLockHeld, EXPORT_LOCK_KEY, schemaLockKey } from './books-lock.ts';
import { checkFlat, insertMultiRow, rowsOf } from './bulk-sql.ts';
import { atSteps, pathSteps, TICKET_COLUMNS, type AckHoldBack, type Row, type RowWriter, type Store, type TicketFields, type TicketMark, type TicketPageRow, type TicketRow, type TicketSpan, type Value } from './store.ts';

const IN_CHUNK = 500;
const TICKET_CHUNK = 2000;
const multiRow = new Map<number, string>();

/** `insert into tickets … returning id` for `rows` rows, its text built once per chunk size. */
function ticketInsertSql(rows: number): string {
  let text = multiRow.get(rows);
  if (!text) {
    const width = TICKET_COLUMNS.length;
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++) tuples.push(`(${TICKET_COLUMNS.map((_, c) => `$${r * width + c + 1}`).join(',')})`);
    text = `insert into tickets (${TICKET_COLUMNS.join(',')}) values ${tuples.join(',')} on conflict do nothing returning id`;
    if (multiRow.size > 16) multiRow.clear();
    multiRow.set(rows, text);
  }
  return text;
}

const NEEDS_ESCAPE = /[\\"]/;

/**
 * One column's values as a PostgreSQL array literal (`{"a","b\\"c",NULL,12}`), the text the server
 * parses for a `$n::type[]` parameter. The driver builds the same text from a JS array, checking
 * and escaping every element twice over (measured about twice as long: 280 ms of a 20,000-ticket
 * posting run). Every string is quoted, so commas, braces, spaces and the word NULL stay text.
 */
export function pgArrayLiteral(values: readonly Value[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    parts[i] = v === null || v === undefined ? 'NULL' : typeof v === 'number' ? String(v) : NEEDS_ESCAPE.test(v) ? `"${v.replace(/[\\"]/g, '\\$&')}"` : `"${v}"`;
  }
  return `{${parts.join(',')}}`;
}

class PostgresRowWriter implements RowWriter {
  constructor(
    private readonly store: PostgresStore,
    private readonly db: Kysely<any>,
  ) {}

  /** With `pgTypes` the rows go as one array per column through unnest: a few statements for any number of rows. */
  async insertFlat(table: string, columns: readonly string[], values: Value[], pgTypes?: readonly string[]): Promise<void> {
    const width = columns.length;
    if (!checkFlat(table, values, width)) return;
    if (!pgTypes) return this.store.insertRows(this.db, table, [...columns], rowsOf(values, width));
    if (pgTypes.length !== width) throw new Error(`insert ${table}: ${pgTypes.length} types for ${width} columns`);
    const text = `insert into ${table} (${columns.join(', ')}) select * from unnest(${pgTypes.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;
    const per = 20_000;
    for (let first = 0; first < values.length / width; first += per) {
      const last = Math.min(values.length / width, first + per);
      const arrays: Value[][] = columns.map(() => []);
      for (let r = first; r < last; r++) for (let c = 0; c < width; c++) arrays[c].push(values[r * width + c]);
      await this.db.executeQuery(CompiledQuery.raw(text, arrays.map(pgArrayLiteral)));
    }
  }
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;

  bytewise(e: Expression<string>): Expression<string> {
    return sql<string>`${e} collate "C"`;
  }

  forUpdate<Q extends { forUpdate(): Q }>(q: Q): Q {
    return q.forUpdate();
  }

  /** A transaction-scoped advisory lock: a second run waits for the first to commit, then sees its documents and tickets. */
  withBooksLock<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${schemaLockKey(BOOKS_LOCK_KEY)})`.execute(trx);
      return fn(trx);
    });
  }

  /**
   * Writers may commit in another order than they stamped `tickets.updated_at`: while the books
   * lock is held, nothing; otherwise only rows stamped before now − settle (a run starting after
   * this check stamps later than that).
   */
  async ackHoldBack(db: Kysely<Database>, settleMs: number): Promise<AckHoldBack> {
    const cutoff = new Date(Date.now() - settleMs).toISOString();
    return (await booksLockHeld(db)) ? { serve: false } : { serve: true, stampedBefore: cutoff };
  }

  /** A session advisory lock on one pooled connection held for the run; the run's queries use the others. */
  withExportLock<T>(db: Kysely<Database>, _data: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
    return db.connection().execute(async (conn) => {
      const deadline = Date.now() + waitMs;
      while (!(await sql<{ ok: boolean }>`select pg_try_advisory_lock(${schemaLockKey(EXPORT_LOCK_KEY)}) as ok`.execute(conn)).rows[0]?.ok) {
        if (Date.now() > deadline) throw new TillsyncError('export-busy', 'another export is running on this database', { hint: 'wait for it to finish and run the export again' });
        await new Promise((r) => setTimeout(r, 200));
      }
      try {
        return await fn();
      } finally {
        await sql`select pg_advisory_unlock(${schemaLockKey(EXPORT_LOCK_KEY)})`.execute(conn);
      }
    });
  }

  /**
   * A multi-row INSERT of up to 1,000 rows (`RETURNING id`), its SQL text built once per chunk
   * size and handed to the driver already compiled: building a Kysely tree of 22,000 value nodes
   * per chunk cost more than the insert.
   */
  async insertTickets(trx: Kysely<Database>, rows: TicketRow[]): Promise<string[]> {
    if (rows.length === 0) return [];
    const params: unknown[] = new Array(rows.length * TICKET_COLUMNS.length);
    let i = 0;
    for (const row of rows) for (const v of row) params[i++] = v;
    return (await trx.executeQuery<{ id: string }>(CompiledQuery.raw(ticketInsertSql(rows.length), params))).rows.map((r) => r.id);
  }

  /** Each chunk travels as three array parameters that the server unpacks itself (unnest): one round trip per 2,000 tickets. */
  async markTickets(trx: Kysely<Database>, marks: TicketMark[], batchId: number, now: string): Promise<void> {
    for (let i = 0; i < marks.length; i += TICKET_CHUNK) {
      const chunk = marks.slice(i, i + TICKET_CHUNK);
      // Three arrays, not one JSON value: the planner sizes unnest() from the arrays (jsonb_array_elements
      // is always "100 rows"), so with the pending tickets' statistics stale (right after an intake) it
      // still hashes; the JSON form was planned as a nested loop, pending × chunk comparisons (measured
      // 3 s for 5,000 tickets, growing with the square of a store's night).
      // "Not integrated yet" is written as one coalesce, which no index serves: spelt
      // `document_id is null`, the stale statistics (1 pending row, they say) made the planner
      // hash the pending tickets through the tickets_pending index — a heap scan of every ticket
      // still pending, for each chunk: again the square of the night (measured 1.0 s of a
      // 20,000-ticket store's 1.5 s of SQL). Now each chunk's ids are looked up by primary key.
      const res = await sql`update tickets t set document_id = v.doc, document_number = v.num, integration_batch = ${batchId}, updated_at = ${now}
            from unnest(${pgArrayLiteral(chunk.map((m) => m.id))}::text[], ${pgArrayLiteral(chunk.map((m) => m.documentId))}::integer[], ${pgArrayLiteral(chunk.map((m) => m.number))}::text[]) as v(id, doc, num)
            where t.id = v.id and coalesce(t.document_id, t.integration_batch) is null`.execute(trx);
      const touched = Number(res.numAffectedRows);
      // Under the books lock nobody else integrates: a miss means the data moved under us.
      if (touched !== chunk.length) throw new Error(`integration write-back touched ${touched} of ${chunk.length} tickets (${chunk[0].id}…): tickets changed during the run`);
    }
  }

  insertRows(db: Kysely<any>, table: string, columns: string[], rows: Row[]): Promise<void> {
    return insertMultiRow(db, table, columns, rows, (n) => `$${n}`);
  }

  rowWriter(db: Kysely<any>): RowWriter {
    return new PostgresRowWriter(this, db);
  }

  /** Serials do not see explicit ids: each sequence moved past the highest id. */
  async syncSequences(db: Kysely<any>, tables: string[]): Promise<void> {
    for (const t of tables) {
      await db.executeQuery(CompiledQuery.raw(`select setval(pg_get_serial_sequence('${t}', 'id'), greatest((select max(id) from ${t}), 1))`, []));
    }
  }

  async *tillPages(db: Kysely<Database>, span: TicketSpan, pageSize: number): AsyncGenerator<TicketPageRow[]> {
    let from = span.lo - 1;
    for (;;) {
      // Aliased to the row's names: the rows go on as they come, no copy per ticket.
      // One left join on ticket_overrides' key: the back-office correction of the customer, if any.
      const rows: TicketPageRow[] = await db
        .selectFrom('tickets')
        .leftJoin('ticket_overrides', 'ticket_overrides.ticket_id', 'tickets.id')
        .select(['id', 'store', 'till', 'number', 'day', 'tickets.customer', 'ticket_overrides.customer as overrideCustomer', 'status', 'status_reason as statusReason', 'hash', 'content', 'document_id as documentId', 'integration_batch as integrationBatch'])
        .where('store', '=', span.store)
        .where('till', '=', span.till)
        .where('number', '>=', from)
        .where('number', '<=', span.hi)
        .orderBy('number')
        .limit(pageSize)
        .execute();
      if (!rows.length) return;
      yield rows;
      if (rows.length < pageSize) return;
      from = rows[rows.length - 1].number + 1;
    }
  }

  /** The stored JSON comes whole, IN lists of 500 ids, and is picked here. */
  async ticketFields(db: Kysely<Database>, documentIds: number[], ticketIds: string[], paths: readonly string[]): Promise<TicketFields[]> {
    const out: TicketFields[] = [];
    const cols = ['id', 'document_id', 'document_number', 'content'] as const;
    const steps = paths.map(pathSteps);
    const add = (r: { id: string; document_id: number | null; document_number: string | null; content: string }) => {
      const t = JSON.parse(r.content) as unknown;
      out.push({ id: r.id, documentId: r.document_id === null ? null : Number(r.document_id), documentNumber: r.document_number, values: steps.map((p) => atSteps(t, p)) });
    };
    for (let i = 0; i < documentIds.length; i += IN_CHUNK) {
      for (const r of await db.selectFrom('tickets').select(cols).where('document_id', 'in', documentIds.slice(i, i + IN_CHUNK)).execute()) add(r);
    }
    for (let i = 0; i < ticketIds.length; i += IN_CHUNK) {
      for (const r of await db.selectFrom('tickets').select(cols).where('id', 'in', ticketIds.slice(i, i + IN_CHUNK)).execute()) add(r);
    }
    return out;
  }

  async workerFile(): Promise<string | null> {
    return null; // a worker cannot open the run's connection
  }

  unitsOf(column: string, factor: number) {
    return sql`round(cast(${sql.ref(column)} as numeric) * ${sql.lit(factor)})`;
  }
}
