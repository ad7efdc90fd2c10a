/**
 * One till's rows read straight from a better-sqlite3 connection, page by page: the same rows as
 * postgres-store.ts tillPages (the back-office correction of the customer included), for the SQLite
 * store (on the database's connection) and integration's check worker (on its own read-only
 * one). Rows come as arrays (`raw`), measured twice as fast to read as objects, and are named here
 * once.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { TicketPageRow, TicketSpan } from './store.ts';

// The left join brings the back-office correction of the customer (ticket_overrides).
const TILL_PAGE =
  'select t.id, t.store, t.till, t.number, t.day, t.customer, o.customer as override_customer, t.status, t.status_reason, t.hash, t.content, t.document_id, t.integration_batch from tickets t left join ticket_overrides o on o.ticket_id = t.id where t.store = ? and t.till = ? and t.number >= ? and t.number <= ? order by t.number limit ?';

const statements = new WeakMap<BetterSqlite3.Database, BetterSqlite3.Statement>();

/** Pages of one till's rows from lo − 1 to hi, in number order (the last page may be empty). */
export function* sqliteTillPages(db: BetterSqlite3.Database, span: TicketSpan, pageSize = 2000): Generator<TicketPageRow[]> {
  let page = statements.get(db);
  if (!page) {
    page = db.prepare(TILL_PAGE).raw(true);
    statements.set(db, page);
  }
  let from = span.lo - 1;
  for (;;) {
    const raw = page.all(span.store, span.till, from, span.hi, pageSize) as unknown[][];
    const rows: TicketPageRow[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const r = raw[i];
      rows[i] = {
        id: r[0] as string,
        store: r[1] as string,
        till: r[2] as string,
        number: Number(r[3]),
        day: r[4] as string,
        customer: r[5] as string,
        overrideCustomer: r[6] as string | null,
        status: r[7] as string,
        statusReason: r[8] as string | null,
        hash: r[9] as string,
        content: r[10] as string,
        documentId: r[11] as number | null,
        integrationBatch: r[12] as number | null,
      };
    }
    yield rows;
    if (rows.length < pageSize) return;
    from = rows[rows.length - 1].number + 1;
  }
}
