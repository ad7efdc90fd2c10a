import type { Kysely } from 'kysely';

/** Migration of server/exports/ tables (see db/migrations.ts for ordering). */
export async function up(_db: Kysely<any>): Promise<void> {}

export async function down(_db: Kysely<any>): Promise<void> {}
