import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
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
  const file = opts.url ? opts.url.replace(/^sqlite:/, '') : join(opts.data ?? '.', 'tillsync.sqlite');
  return { kind: 'sqlite', where: file };
}

// COUNT(*) and SUM() come back as int8: exact integers below 2^53 are safe as JS numbers.
pg.types.setTypeParser(20, (v: string) => Number(v));

export async function openDatabase(opts: OpenOptions): Promise<Db> {
  const { kind, where } = describeDb(opts);
  let db: Db;
  if (kind === 'postgres') {
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: opts.url, max: 8 }) }) });
  } else {
    if (opts.data) mkdirSync(opts.data, { recursive: true });
    const sqlite = new BetterSqlite3(where);
    // WAL + NORMAL: durable at each commit boundary for a crash of the process, fast enough for bulk intake.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 15000');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
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
