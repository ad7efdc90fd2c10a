/**
 * A store's books for the accounting DB tests: a fresh database on one engine with the demo base
 * data (plus a second customer on the counter account and two articles whose price each sale sets),
 * tickets sold like a till (TicketBook, chained), stored as intake stores them, and integrated by
 * the real integration run.
 */
import type { Kysely } from 'kysely';
import { openTestDb, type TestDb } from './test-databases.ts';
import type { Database } from '../../server/db/schema.ts';
import type { DbKind } from '../../server/db/dialect.ts';
import { saveBaseData } from '../../server/base-data.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import type { Article, BaseData, Ticket } from '../../sync/types.ts';
import { storeTickets, TicketBook, type Sale } from './test-tickets.ts';
import { runIntegration } from '../../server/integration/integrate.ts';

export const ART20: Article = { code: 'X20', barcode: '3760000000017', label: 'Article TVA 20', price: '1.00', vatCode: 'VN' };
export const ART10: Article = { code: 'X10', barcode: '3760000000024', label: 'Article TVA 10', price: '1.00', vatCode: 'VR' };

export function booksBaseData(): BaseData {
  const base = demoBaseData(50);
  return {
    ...base,
    articles: [...base.articles, ART20, ART10],
    customers: [...base.customers, { code: 'PASSAGE', name: 'Client de passage', account: '410000', thirdParty: '0000002' }],
  };
}

export interface Books extends TestDb {
  book: TicketBook;
  /** Sells, stores and integrates the sales (everything up to `until`, default the last sale's day). */
  sell(sales: Sale[], until?: string): Promise<Ticket[]>;
  rows<T = Record<string, unknown>>(sqlText: string): Promise<T[]>;
}

export async function openBooks(engine: DbKind): Promise<Books> {
  const t = await openTestDb(engine);
  const base = booksBaseData();
  await saveBaseData(t.db, base);
  const book = new TicketBook(base.articles);
  return {
    ...t,
    book,
    async sell(sales, until) {
      const tickets = sales.map((s) => book.sell(s));
      await storeTickets(t.db, tickets);
      const last = until ?? tickets.map((x) => x.day).sort().at(-1)!;
      const r = await runIntegration(t.db, t.data, { until: last });
      if (r.errorCount) throw new Error(`integration errors: ${r.errors.map((e) => e.message).join('; ')}`);
      return tickets;
    },
    async rows(sqlText) {
      const { sql } = await import('kysely');
      return (await sql.raw(sqlText).execute(t.db as Kysely<Database>)).rows as never;
    },
  };
}

/** One line of the article at 20 % (or 10 %) for the given price incl VAT. */
export function at20(price: string) {
  return { article: ART20.code, price };
}
export function at10(price: string) {
  return { article: ART10.code, price };
}
