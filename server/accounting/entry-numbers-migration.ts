import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Entry numbers (FEC EcritureNum), given once when an entry is validated (see entry-numbers.ts):
 * fec_num runs over all entries, fec_journal_num inside each journal. Entries posted before this
 * migration are numbered now, in validation order (id), so the sequences have no hole.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('entries').addColumn('fec_num', 'integer').execute();
  await db.schema.alterTable('entries').addColumn('fec_journal_num', 'integer').execute();
  await sql`update entries set fec_num = (select count(*) from entries e2 where e2.id <= entries.id),
    fec_journal_num = (select count(*) from entries e3 where e3.journal = entries.journal and e3.id <= entries.id)`.execute(db);
  await db.schema.createIndex('entries_fec_num').on('entries').column('fec_num').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('entries_fec_num').execute();
  await db.schema.alterTable('entries').dropColumn('fec_journal_num').execute();
  await db.schema.alterTable('entries').dropColumn('fec_num').execute();
}
