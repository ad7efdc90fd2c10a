import type { Kysely } from 'kysely';
import { withId } from '../db/dialect.ts';

/**
 * Invoicing (issue 16), after every migration already shipped (db/migrations.ts, `080_invoicing`):
 *  - documents.invoice_date: the day the document was made (its tickets' day stays in `day`, the
 *    sale date); complement_of: the ordinary document an extra run's document completes;
 *  - number_series.last_date: the invoice date of the series' last number, so numbers never go
 *    back in time from one run to the next (CGI ann. II 242 nonies A I-7°);
 *  - deposit_invoices: the invoices of deposits (acomptes) received at the till.
 * Rows written before this migration have no invoice date: readers fall back on created_at's day.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('documents').addColumn('invoice_date', 'text').execute();
  await db.schema.alterTable('documents').addColumn('complement_of', 'text').execute();
  await db.schema.createIndex('documents_key').on('documents').columns(['till', 'day', 'customer']).execute();
  await db.schema.alterTable('number_series').addColumn('last_date', 'text').execute();
  await withId(db, db.schema.createTable('deposit_invoices'))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('seq', 'integer', (c) => c.notNull().unique())
    .addColumn('ticket_id', 'text', (c) => c.notNull())
    .addColumn('settlement_index', 'integer', (c) => c.notNull())
    .addColumn('store', 'text', (c) => c.notNull())
    .addColumn('till', 'text', (c) => c.notNull())
    .addColumn('customer', 'text', (c) => c.notNull())
    .addColumn('order_ref', 'text', (c) => c.notNull())
    .addColumn('invoice_date', 'text', (c) => c.notNull())
    .addColumn('sale_date', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('amount', 'text', (c) => c.notNull())
    .addColumn('vat_code', 'text')
    .addColumn('rate', 'text')
    .addColumn('base', 'text', (c) => c.notNull())
    .addColumn('vat', 'text', (c) => c.notNull())
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('deposit_invoices_ticket', ['ticket_id', 'settlement_index'])
    .execute();
  await db.schema.createIndex('deposit_invoices_order').on('deposit_invoices').columns(['customer', 'order_ref']).execute();
  await db.insertInto('number_series').values({ series: 'deposit-invoice', last_seq: 0 }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('deposit_invoices').execute();
  await db.deleteFrom('number_series').where('series', '=', 'deposit-invoice').execute();
  await db.schema.dropIndex('documents_key').execute();
  await db.schema.alterTable('number_series').dropColumn('last_date').execute();
  await db.schema.alterTable('documents').dropColumn('complement_of').execute();
  await db.schema.alterTable('documents').dropColumn('invoice_date').execute();
}
