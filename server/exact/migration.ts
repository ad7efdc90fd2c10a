import type { Kysely } from 'kysely';
import { withId } from '../db/dialect.ts';

/** Migration of server/exact/ tables (see db/migrations.ts for ordering). */
export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('exact_sends'))
    .addColumn('piece', 'text', (c) => c.notNull())
    .addColumn('journal', 'text', (c) => c.notNull())
    .addColumn('entry_id', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('exact_entry_id', 'text')
    .addColumn('exact_entry_number', 'integer')
    .addColumn('exact_document_id', 'text')
    .addColumn('export_id', 'integer')
    .addColumn('division', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute();
  await db.schema.createIndex('exact_sends_entry').on('exact_sends').column('entry_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('exact_sends').execute();
}
