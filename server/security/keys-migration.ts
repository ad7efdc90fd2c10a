import { sql, type Kysely } from 'kysely';

/**
 * Till signing keys (public halves, every one a till ever used) and the legacy flag of tills
 * enrolled before package format 3: their enrolment secret was also their HMAC package key, so
 * their version 1–2 packages still verify. Named to sort after every migration already shipped.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('till_keys')
    .addColumn('till_id', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('registered_at', 'text', (c) => c.notNull())
    .addColumn('registered_via', 'text', (c) => c.notNull())
    .addColumn('retired_at', 'text')
    .addColumn('statement', 'text')
    .addPrimaryKeyConstraint('till_keys_pk', ['till_id', 'key_id'])
    .execute();
  await db.schema.alterTable('tills').addColumn('legacy_hmac', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await sql`update tills set legacy_hmac = 1`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('till_keys').execute();
}
