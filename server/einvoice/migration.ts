import type { Kysely } from 'kysely';
import { withId } from '../db/dialect.ts';

/** Migration of server/einvoice/ tables (see db/migrations.ts for ordering). */
export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('einvoices'))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('customer', 'text', (c) => c.notNull())
    .addColumn('type_code', 'text', (c) => c.notNull())
    .addColumn('issue_date', 'text', (c) => c.notNull())
    .addColumn('total_incl', 'text', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('pdf_sha256', 'text', (c) => c.notNull())
    .addColumn('xml_sha256', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_at', 'text', (c) => c.notNull())
    .addColumn('channel', 'text')
    .addColumn('platform_ref', 'text')
    .addColumn('message', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('einvoices_status').on('einvoices').column('status').execute();
  await withId(db, db.schema.createTable('einvoice_events'))
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('channel', 'text')
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('einvoice_events_number').on('einvoice_events').column('number').execute();
  await withId(db, db.schema.createTable('ereports'))
    .addColumn('period_from', 'text', (c) => c.notNull())
    .addColumn('period_to', 'text', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('totals', 'text', (c) => c.notNull())
    .addColumn('transaction_count', 'integer', (c) => c.notNull())
    .addColumn('total_excl', 'text', (c) => c.notNull())
    .addColumn('total_vat', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('reset_at', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ereports').execute();
  await db.schema.dropTable('einvoice_events').execute();
  await db.schema.dropTable('einvoices').execute();
}
