/**
 * The books lock: one writer of the books at a time (integration, undo, posting, lettering, entry
 * numbering, bank and payment imports, ticket overrides), each in one transaction.
 * SQLite has one writer: BEGIN IMMEDIATE takes the write lock up front (a second run waits
 * busy_timeout, 15 s, then fails cleanly instead of deadlocking half-way). PostgreSQL: a
 * transaction-scoped advisory lock; a second run waits for the first to commit, then sees its
 * documents and tickets. The lock is per schema: a chain's stores (one schema each, docs/chain.md)
 * number their own series and write their books in parallel; one store's runs still serialise.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { TillsyncError } from '../../sync/errors.ts';
import type { Database } from './schema.ts';
import { dbKind } from './dialect.ts';

/**
 * Arbitrary constant shared by every process writing the books of one PostgreSQL database. Never
 * change it: a running older process would no longer exclude a newer one.
 */
export const BOOKS_LOCK_KEY = 7_305_442_001n;

/**
 * The advisory key of one schema's lock, computed by PostgreSQL in the session: the constant
 * itself for `public` (a store alone in its database, as before chains: an older process and a
 * newer one still exclude each other), a hash of the schema name seeded with it for a chain store.
 */
export function schemaLockKey(key: bigint) {
  return sql<string>`(case when current_schema() = 'public' then ${String(key)}::bigint else hashtextextended(current_schema(), ${String(key)}::bigint) end)`;
}

/**
 * True while some session holds this schema's books lock. pg_locks shows a bigint advisory key as
 * classid (high 32 bits), objid (low 32 bits) and objsubid 1.
 */
export async function booksLockHeld(db: Kysely<Database>): Promise<boolean> {
  const held = await sql<{ n: number }>`with k as (select ${schemaLockKey(BOOKS_LOCK_KEY)} as key)
    select count(*)::int as n from pg_locks, k
    where locktype = 'advisory' and granted and objsubid = 1
      and classid::text::bigint = ((k.key >> 32) & 4294967295) and objid::text::bigint = (k.key & 4294967295)
      and database = (select oid from pg_database where datname = current_database())`.execute(db);
  return Number(held.rows[0]?.n ?? 0) > 0;
}

function busy(cause: unknown): TillsyncError {
  return new TillsyncError('busy', 'the database is busy: another integration, posting, lettering or undo is running', { hint: 'wait for it to finish, then run again', cause, status: 409 });
}

function isSqliteBusy(e: unknown): boolean {
  const code = (e as { code?: string })?.code ?? '';
  return code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_');
}

export async function withBooksLock<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (dbKind(db) === 'postgres') {
    return db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${schemaLockKey(BOOKS_LOCK_KEY)})`.execute(trx);
      return fn(trx);
    });
  }
  return db.connection().execute(async (conn) => {
    try {
      await sql`begin immediate`.execute(conn);
    } catch (e) {
      throw isSqliteBusy(e) ? busy(e) : e;
    }
    try {
      const out = await fn(conn);
      await sql`commit`.execute(conn);
      return out;
    } catch (e) {
      try {
        await sql`rollback`.execute(conn);
      } catch {
        // The transaction may already be gone (SQLite rolls back on some errors by itself).
      }
      throw isSqliteBusy(e) ? busy(e) : e;
    }
  });
}
