import type { Kysely } from 'kysely';
import { withId } from '../db/dialect.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('documents'))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('series', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('store', 'text', (c) => c.notNull())
    .addColumn('till', 'text', (c) => c.notNull())
    .addColumn('customer', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('total_incl', 'text', (c) => c.notNull())
    .addColumn('total_excl', 'text', (c) => c.notNull())
    .addColumn('total_vat', 'text', (c) => c.notNull())
    .addColumn('ticket_count', 'integer', (c) => c.notNull())
    .addColumn('first_ticket', 'integer', (c) => c.notNull())
    .addColumn('last_ticket', 'integer', (c) => c.notNull())
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .addColumn('posting_batch', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('documents_series_seq', ['series', 'seq'])
    .execute();
  await db.schema.createIndex('documents_batch').on('documents').column('batch_id').execute();
  await db.schema
    .createTable('document_vat')
    .addColumn('document_id', 'integer', (c) => c.notNull())
    .addColumn('vat_code', 'text', (c) => c.notNull())
    .addColumn('rate', 'text', (c) => c.notNull())
    .addColumn('base', 'text', (c) => c.notNull())
    .addColumn('vat', 'text', (c) => c.notNull())
    .addColumn('incl', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('document_vat_pk', ['document_id', 'vat_code'])
    .execute();
  await db.schema
    .createTable('number_series')
    .addColumn('series', 'text', (c) => c.primaryKey())
    .addColumn('last_seq', 'integer', (c) => c.notNull())
    .execute();
  // One row per series from the start, so that the first run already row-locks them (numbering.ts).
  await db
    .insertInto('number_series')
    .values(['invoice', 'delivery-note', 'credit-note'].map((series) => ({ series, last_seq: 0 })))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['number_series', 'document_vat', 'documents']) await db.schema.dropTable(t).execute();
}
