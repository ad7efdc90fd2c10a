import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import { dbKind } from './dialect.ts';
import * as core from './migration-core.ts';
import * as integration from '../integration/migration.ts';
import * as accounting from '../accounting/migration.ts';
import * as entryNumbers from '../accounting/entry-numbers-migration.ts';
import * as exportsMigration from '../exports/migration.ts';
import * as web from '../web/migration.ts';
import * as ticketOverrides from '../integration/overrides-migration.ts';
import * as einvoice from '../einvoice/migration.ts';
import * as tillKeys from '../security/keys-migration.ts';
import * as imports from '../imports/migration.ts';
import * as invoicing from '../invoicing/migration.ts';
import * as fiscal from '../fiscal/migration.ts';
import * as exact from '../exact/migration.ts';
import * as exportProfiles from '../exports/profile-migration.ts';
import * as webRoles from '../web/roles-migration.ts';

/**
 * Each feature folder owns its tables and its migration; names sort in the order they must run.
 * A feature that needs another migration adds `NNN_name` here (never edit one that has shipped).
 */
const MIGRATIONS: Record<string, Migration> = {
  '001_core': core,
  '010_integration': integration,
  '020_accounting': accounting,
  // FEC entry numbers given at validation (legal exports); runs after every migration shipped before it (names sort).
  '060_entry_numbers': entryNumbers,
  '030_exports': exportsMigration,
  '040_web': web,
  // Integration's back-office corrections; named to sort after every migration already shipped.
  '050_ticket_overrides': ticketOverrides,
  // Till signing keys (package format 3) and the legacy-HMAC flag of tills enrolled before it.
  '060_till_keys': tillKeys,
  // Outside data (receivables, bank statements, payments, marketplace reports): server/imports/.
  '070_imports': imports,
  // Invoice dates, complementary documents, deposit invoices (issue 16).
  '080_invoicing': invoicing,
  // Factur-X lifecycle and e-reporting files.
  '090_einvoice': einvoice,
  // NF525: the technical-event journals (tills' and the server's own).
  '100_fiscal_journal': fiscal,
  // The live Exact Online link: what was sent (server/exact/).
  '110_exact_online': exact,
  // Export once per export profile (issue 19): export_marks and exports.profile.
  '115_export_profiles': exportProfiles,
  // Back-office roles, disabled users and login attempts (the security page, issue 21).
  '125_web_roles': webRoles,
};

/**
 * Whether every migration has already run: the common case, since every command opens the database.
 * Then Kysely's Migrator (its lock table, a write transaction, a comparison of every name) is
 * skipped — a light command such as `server status` starts ~15 ms sooner. Any other state (no
 * bookkeeping table yet, a migration missing, one this version does not know) goes through the
 * Migrator as before, with its errors.
 */
async function allMigrationsRan(db: Kysely<any>): Promise<boolean> {
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    const ran = new Set(rows.map((r) => r.name));
    const names = Object.keys(MIGRATIONS);
    return ran.size === names.length && names.every((n) => ran.has(n));
  } catch {
    return false;
  }
}

export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  if (await allMigrationsRan(db)) return;
  // PostgreSQL: Kysely looks for its bookkeeping table in every schema unless told which one, and in
  // a chain database (one schema per store) it would take another store's for this one's.
  const schema = dbKind(db) === 'postgres' ? (await sql<{ s: string | null }>`select current_schema() as s`.execute(db)).rows[0]?.s : null;
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS }, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message ?? String(error)}`);
  }
}
