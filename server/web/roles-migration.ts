import type { Kysely } from 'kysely';

/**
 * Roles and disabling of back-office users, and the login attempts the security page shows.
 * Users made before roles existed could already do everything: they become admins.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('web_users').addColumn('role', 'text', (c) => c.notNull().defaultTo('admin')).execute();
  await db.schema.alterTable('web_users').addColumn('disabled_at', 'text').execute();
  await db.schema
    .createTable('web_login_attempts')
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('web_login_attempts_at').on('web_login_attempts').column('at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('web_login_attempts').execute();
  await db.schema.alterTable('web_users').dropColumn('disabled_at').execute();
  await db.schema.alterTable('web_users').dropColumn('role').execute();
}
