import type { Kysely } from 'kysely';
import { withId } from '../db/dialect.ts';

/** Migration of server/exports/ tables (see db/migrations.ts for ordering). */
export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('exports'))
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('date_from', 'text', (c) => c.notNull())
    .addColumn('date_to', 'text', (c) => c.notNull())
    .addColumn('store', 'text')
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('include_exported', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('entry_count', 'integer', (c) => c.notNull())
    .addColumn('line_count', 'integer', (c) => c.notNull())
    .addColumn('total_debit', 'text', (c) => c.notNull())
    .addColumn('total_credit', 'text', (c) => c.notNull())
    .addColumn('first_entry', 'integer')
    .addColumn('last_entry', 'integer')
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('pdf_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('mailed_to', 'text')
    .addColumn('mailed_at', 'text')
    .addColumn('mail_error', 'text')
    .execute();
  await db.schema.createIndex('exports_file').on('exports').column('file').execute();
  // Reset by export run and the undo guard look entries up by export_id.
  await db.schema.createIndex('entries_export').on('entries').column('export_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('entries_export').execute();
  await db.schema.dropTable('exports').execute();
}
