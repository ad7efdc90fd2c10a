import type { Kysely } from 'kysely';

/**
 * Export once per profile (seed 002 "export once", issue 19): an entry exported by profile A can
 * still be exported once by profile B. Exports without a profile keep entries.export_id as before
 * (existing data untouched); profile exports mark (entry, profile) here and name their profile on
 * the exports row.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('export_marks')
    .addColumn('entry_id', 'integer', (c) => c.notNull())
    .addColumn('profile', 'text', (c) => c.notNull())
    .addColumn('export_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('export_marks_pk', ['entry_id', 'profile'])
    .execute();
  await db.schema.createIndex('export_marks_export').on('export_marks').column('export_id').execute();
  await db.schema.alterTable('exports').addColumn('profile', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('exports').dropColumn('profile').execute();
  await db.schema.dropTable('export_marks').execute();
}
