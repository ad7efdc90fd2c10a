import { resolveIn } from '../../sync/config-file.ts';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import { TillsyncError } from '../../sync/errors.ts';
import type { Database } from './schema.ts';
import type { DbKind } from './dialect.ts';
import { migrateToLatest } from './migrations.ts';

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

const sqliteHandles = new WeakMap<Db, BetterSqlite3.Database>();

/**
 * The better-sqlite3 connection behind a SQLite database (undefined on PostgreSQL), for the few
 * bulk paths where a re-run prepared statement beats anything built per query (ticket intake).
 */
export function sqliteHandleOf(db: Db): BetterSqlite3.Database | undefined {
  return sqliteHandles.get(db);
}

export async function openDatabase(opts: OpenOptions): Promise<Db> {
  const { kind, where } = describeDb(opts);
  let db: Db;
  // Drivers load on demand: a command on SQLite never pays for pg, and the other way round.
  if (kind === 'postgres') {
    const { default: pg } = await import('pg');
    // COUNT(*) and SUM() come back as int8: exact integers below 2^53 are safe as JS numbers.
    pg.types.setTypeParser(20, (v: string) => Number(v));
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: opts.url, max: 8 }) }) });
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
    sqliteHandles.set(db, sqlite);
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
