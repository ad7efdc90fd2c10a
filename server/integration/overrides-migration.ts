import type { Kysely } from 'kysely';

/**
 * Migration of ticket_overrides (see overrides-tables.ts). Its name sorts after every migration
 * already shipped (db/migrations.ts): a database that ran them all takes this one next.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ticket_overrides')
    .addColumn('ticket_id', 'text', (c) => c.primaryKey())
    .addColumn('customer', 'text', (c) => c.notNull())
    .addColumn('previous_customer', 'text', (c) => c.notNull())
    .addColumn('set_at', 'text', (c) => c.notNull())
    .addColumn('set_by', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ticket_overrides').execute();
}
