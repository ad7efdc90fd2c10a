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
    .addColumn('letter_key', 'text')
    .execute();
  await db.schema.createIndex('entry_lines_entry').on('entry_lines').column('entry_id').execute();
  await db.schema.createIndex('entry_lines_letter').on('entry_lines').columns(['account', 'aux_account', 'lettering_id']).execute();
  await db.schema.createIndex('entry_lines_key').on('entry_lines').columns(['letter_key', 'account', 'aux_account']).execute();
  await withId(db, db.schema.createTable('letterings'))
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('aux_account', 'text')
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('lettered_at', 'text', (c) => c.notNull())
    .addColumn('partial', 'integer', (c) => c.notNull())
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .addColumn('letter_key', 'text')
    .addColumn('seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('previous_id', 'integer')
    .addColumn('superseded_batch', 'integer')
    .execute();
  await db.schema.createIndex('letterings_batch').on('letterings').column('batch_id').execute();
  await db.schema.createIndex('letterings_superseded').on('letterings').column('superseded_batch').execute();
  await db.schema.createIndex('letterings_seq').on('letterings').columns(['account', 'aux_account', 'seq']).execute();
  await withId(db, db.schema.createTable('settlements'))
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('customer', 'text', (c) => c.notNull())
    .addColumn('third_party', 'text', (c) => c.notNull())
    .addColumn('document_number', 'text')
    .addColumn('ticket_id', 'text')
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('amount', 'text', (c) => c.notNull())
    .addColumn('open_amount', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'integer')
    .addColumn('closed_batch', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('settlements_batch').on('settlements').column('batch_id').execute();
  await db.schema.createIndex('settlements_open').on('settlements').columns(['document_number', 'kind', 'closed_batch']).execute();
  await db.schema.createIndex('settlements_closed').on('settlements').column('closed_batch').execute();
  await db.schema.createIndex('settlements_third_party').on('settlements').columns(['third_party', 'closed_batch']).execute();
  // Tickets without goods (an invoice settlement, a deposit) make no document: posting marks them here.
  await db.schema
    .createTable('posted_tickets')
    .addColumn('ticket_id', 'text', (c) => c.primaryKey())
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('posted_tickets_batch').on('posted_tickets').column('batch_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['posted_tickets', 'settlements', 'letterings', 'entry_lines', 'entries']) await db.schema.dropTable(t).execute();
}
