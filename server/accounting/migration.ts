import type { Kysely } from 'kysely';
import { withId } from '../db/dialect.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('entries'))
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .addColumn('journal', 'text', (c) => c.notNull())
    .addColumn('entry_date', 'text', (c) => c.notNull())
    .addColumn('piece', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('validated_at', 'text', (c) => c.notNull())
    .addColumn('export_id', 'integer')
    .execute();
  await db.schema.createIndex('entries_batch').on('entries').column('batch_id').execute();
  await db.schema.createIndex('entries_date').on('entries').columns(['entry_date', 'export_id']).execute();
  await withId(db, db.schema.createTable('entry_lines'))
    .addColumn('entry_id', 'integer', (c) => c.notNull())
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('aux_account', 'text')
    .addColumn('aux_label', 'text')
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('debit', 'text', (c) => c.notNull())
    .addColumn('credit', 'text', (c) => c.notNull())
    .addColumn('vat_code', 'text')
    .addColumn('document_number', 'text')
    .addColumn('lettering_id', 'integer')
    .execute();
  await db.schema.createIndex('entry_lines_entry').on('entry_lines').column('entry_id').execute();
  await db.schema.createIndex('entry_lines_letter').on('entry_lines').columns(['account', 'aux_account', 'lettering_id']).execute();
  await withId(db, db.schema.createTable('letterings'))
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('aux_account', 'text')
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('lettered_at', 'text', (c) => c.notNull())
    .addColumn('partial', 'integer', (c) => c.notNull())
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .execute();
  await withId(db, db.schema.createTable('settlements'))
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .addColumn('customer', 'text', (c) => c.notNull())
    .addColumn('third_party', 'text', (c) => c.notNull())
    .addColumn('document_number', 'text')
    .addColumn('ticket_id', 'text')
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('amount', 'text', (c) => c.notNull())
    .addColumn('open_amount', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['settlements', 'letterings', 'entry_lines', 'entries']) await db.schema.dropTable(t).execute();
}
