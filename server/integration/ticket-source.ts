/**
 * Streams the tickets an integration run looks at, till by till in number order, page by page
 * (keyset on the unique (store, till, number) index), so memory stays flat whatever the volume.
 * Each till is read from the ticket just before its first selected one, for the chain check.
 */
import type { Expression, Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { dbKind } from '../db/dialect.ts';
import type { IntegrationFilters } from './filters.ts';
import type { SourceRow } from './document-grouping.ts';

export interface TillSpan {
  store: string;
  till: string;
  /** First and last selected number (the reader starts one before). */
  lo: number;
  hi: number;
  count: number;
}

/** Text compared byte-wise on both engines (PostgreSQL would otherwise use the locale's order). */
function textRef(db: Kysely<Database>, column: 'customer' | 'till'): Expression<string> {
  return dbKind(db) === 'postgres' ? sql<string>`${sql.ref(column)} collate "C"` : sql<string>`${sql.ref(column)}`;
}

/** The customer a ticket goes by: a back-office correction (ticket_overrides) wins over its own. */
function customerRef(db: Kysely<Database>): Expression<string> {
  const own = sql<string>`coalesce((select ticket_overrides.customer from ticket_overrides where ticket_overrides.ticket_id = tickets.id), tickets.customer)`;
  return dbKind(db) === 'postgres' ? sql<string>`${own} collate "C"` : own;
}

/** The tills with selected tickets not integrated yet, and the number span to read for each. */
export async function pendingTills(db: Kysely<Database>, f: IntegrationFilters): Promise<TillSpan[]> {
  let q = db
    .selectFrom('tickets')
    .select((eb) => ['store', 'till', eb.fn.min<number>('number').as('lo'), eb.fn.max<number>('number').as('hi'), eb.fn.countAll<number>().as('count')])
    .where('document_id', 'is', null)
    .where('integration_batch', 'is', null)
    .where('day', '<=', f.until);
  if (f.tills) q = q.where(textRef(db, 'till'), '>=', f.tills.from).where(textRef(db, 'till'), '<=', f.tills.to);
  if (f.tillList) q = q.where('till', 'in', f.tillList.length ? f.tillList : ['']);
  if (f.customers) q = q.where(customerRef(db), '>=', f.customers.from).where(customerRef(db), '<=', f.customers.to);
  if (f.tickets) q = q.where('number', '>=', f.tickets.from).where('number', '<=', f.tickets.to);
  const rows = await q.groupBy(['store', 'till']).orderBy('store').orderBy('till').execute();
  return rows.map((r) => ({ store: r.store, till: r.till, lo: Number(r.lo), hi: Number(r.hi), count: Number(r.count) }));
}

/** Pages of one till's rows from lo − 1 to hi, in number order. */
export async function* readTill(db: Kysely<Database>, span: TillSpan, pageSize = 2000): AsyncGenerator<SourceRow[]> {
  let from = span.lo - 1;
  for (;;) {
    // Aliased to the grouper's names: the rows go on as they come, no copy per ticket.
    // One left join on ticket_overrides' key: the back-office correction of the customer, if any.
    const rows: SourceRow[] = await db
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
