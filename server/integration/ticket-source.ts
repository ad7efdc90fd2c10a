/**
 * Selects the tickets an integration run looks at, till by till: the spans its store then reads in
 * number order, page by page (store.ts tillPages: keyset on the unique (store, till, number)
 * index), so memory stays flat whatever the volume. Each till is read from the ticket just before
 * its first selected one, for the chain check.
 */
import type { Expression, Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { storeOf } from '../db/store.ts';
import type { IntegrationFilters } from './filters.ts';

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
  return storeOf(db).bytewise(sql<string>`${sql.ref(column)}`);
}

/** The customer a ticket goes by: a back-office correction (ticket_overrides) wins over its own. */
function customerRef(db: Kysely<Database>): Expression<string> {
  const own = sql<string>`coalesce((select ticket_overrides.customer from ticket_overrides where ticket_overrides.ticket_id = tickets.id), tickets.customer)`;
  return storeOf(db).bytewise(own);
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
