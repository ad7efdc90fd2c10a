import type { Kysely } from 'kysely';

/** Migration of server/fiscal/ tables (see db/migrations.ts for ordering). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('journal_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('journal_events_origin_seq').on('journal_events').columns(['origin', 'seq']).unique().execute();
  await db.schema
    .createTable('seen_till_keys')
    .addColumn('key_id', 'text', (c) => c.primaryKey())
    .addColumn('till_id', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('seen_till_keys').execute();
  await db.schema.dropTable('journal_events').execute();
}
