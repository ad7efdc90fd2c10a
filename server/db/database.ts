import { resolveIn } from '../../sync/config-file.ts';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { TillsyncError } from '../../sync/errors.ts';
import type { Database } from './schema.ts';
import type { DbKind } from './dialect.ts';
import { migrateToLatest } from './migrations.ts';
import { attachStore } from './store.ts';
import { SqliteStore } from './sqlite-store.ts';
import { PostgresStore } from './postgres-store.ts';

export type Db = Kysely<Database>;

export interface OpenOptions {
  /** Server data folder; the SQLite file lives at DATA/tillsync.sqlite. */
  data?: string;
  /** postgres://… selects PostgreSQL; a path or sqlite:PATH selects SQLite. */
  url?: string;
  /** Run migrations (default true). */
  migrate?: boolean;
}

export function describeDb(opts: OpenOptions): { kind: DbKind; where: string } {
  if (opts.url && /^postgres(ql)?:\/\//.test(opts.url)) return { kind: 'postgres', where: opts.url.replace(/:[^:@/]*@/, ':***@') };
  // A relative SQLite path in server.json is relative to the data folder (relocatable folders).
  const file = opts.url ? resolveIn(opts.data ?? '.', opts.url.replace(/^sqlite:/, '')) : join(opts.data ?? '.', 'tillsync.sqlite');
  return { kind: 'sqlite', where: file };
}

/** A store's schema in a chain database: lower-case letters, digits and _, as PostgreSQL keeps them unquoted. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A chain keeps many stores in one PostgreSQL database, one schema each (docs/chain.md):
 * `postgres://…/chain?schema=store_042` selects the store's schema. The parameter is ours, not the
 * driver's: it is taken out of the URL and becomes the session's search_path.
 */
export function splitPgSchema(url: string): { url: string; schema?: string } {
  const u = new URL(url);
  const schema = u.searchParams.get('schema');
  if (schema === null) return { url };
  if (!SCHEMA_NAME.test(schema) || schema.startsWith('pg_')) {
    throw new TillsyncError('bad-db-url', `schema=${schema} in the database URL is not a usable schema name`, { hint: 'use lower-case letters, digits and _, starting with a letter (e.g. schema=store_042)' });
  }
  u.searchParams.delete('schema');
  return { url: u.toString(), schema };
}

/** A chain store's schema is created on its first open (two stores' first opens may race: both succeed). */
async function createSchema(pg: typeof import('pg').default, url: string, schema: string, where: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query(`create schema if not exists ${schema}`);
  } catch (e) {
    // 23505/42P06: another process created it between our check and our insert.
    const code = (e as { code?: string }).code;
    if (code !== '23505' && code !== '42P06') throw new TillsyncError('db-open', `cannot create schema ${schema} at ${where}: ${(e as Error).message}`, { hint: 'check that the database exists and the user may create schemas (GRANT CREATE ON DATABASE …)', cause: e });
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function openDatabase(opts: OpenOptions): Promise<Db> {
  const { kind, where } = describeDb(opts);
  let db: Db;
  // Drivers load on demand: a command on SQLite never pays for pg, and the other way round.
  if (kind === 'postgres') {
    const { default: pg } = await import('pg');
    // COUNT(*) and SUM() come back as int8: exact integers below 2^53 are safe as JS numbers.
    pg.types.setTypeParser(20, (v: string) => Number(v));
    const { url, schema } = splitPgSchema(opts.url!);
    if (schema) await createSchema(pg, url, schema, where);
    // Only the store's schema on the path: every unqualified table is the store's own (pg_catalog is always searched).
    const options = schema ? `-c search_path=${schema}` : undefined;
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 8, ...(options ? { options } : {}) }) }) });
    // The engine is chosen here, once: features reach it through storeOf(db) (store.ts).
    attachStore(db, new PostgresStore());
  } else {
    if (opts.data) mkdirSync(opts.data, { recursive: true });
    const { default: BetterSqlite3 } = await import('better-sqlite3');
    const sqlite = new BetterSqlite3(where);
    // WAL + NORMAL: durable at each commit boundary for a crash of the process, fast enough for bulk intake.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 15000');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    // The store keeps the connection: its hot paths run their own prepared statements on it.
    attachStore(db, new SqliteStore(sqlite));
  }
  if (opts.migrate !== false) {
    try {
      await migrateToLatest(db);
    } catch (e) {
      await db.destroy();
      throw new TillsyncError('db-migrate', `cannot prepare the database at ${where}: ${(e as Error).message}`, {
        hint: 'check the --db URL or the --data folder permissions',
        cause: e,
      });
    }
  }
  return db;
}
