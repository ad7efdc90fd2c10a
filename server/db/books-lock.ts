/**
 * The books lock: one writer of the books at a time (integration, undo, posting, lettering, entry
 * numbering, bank and payment imports, ticket overrides), each in one transaction. How each engine
 * takes it is its store's (sqlite-store.ts: BEGIN IMMEDIATE; postgres-store.ts: a transaction-scoped
 * advisory lock). On PostgreSQL the lock is per schema: a chain's stores (one schema each,
 * docs/chain.md) number their own series and write their books in parallel; one store's runs still
 * serialise. The PostgreSQL keys live here, once.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from './schema.ts';
import { storeOf } from './store.ts';

/**
 * Arbitrary constant shared by every process writing the books of one PostgreSQL database. Never
 * change it: a running older process would no longer exclude a newer one.
 */
export const BOOKS_LOCK_KEY = 7_305_442_001n;

/** Arbitrary constant: the advisory lock key of exports ("TSEX"), per schema as the books lock (exports/export-lock.ts). Never change it either. */
export const EXPORT_LOCK_KEY = 0x54534558n;

/**
 * The advisory key of one schema's lock, computed by PostgreSQL in the session: the constant
 * itself for `public` (a store alone in its database, as before chains: an older process and a
 * newer one still exclude each other), a hash of the schema name seeded with it for a chain store.
 */
export function schemaLockKey(key: bigint) {
  return sql<string>`(case when current_schema() = 'public' then ${String(key)}::bigint else hashtextextended(current_schema(), ${String(key)}::bigint) end)`;
}

/**
 * PostgreSQL: true while some session holds this schema's books lock. pg_locks shows a bigint
 * advisory key as classid (high 32 bits), objid (low 32 bits) and objsubid 1.
 */
export async function booksLockHeld(db: Kysely<Database>): Promise<boolean> {
  const held = await sql<{ n: number }>`with k as (select ${schemaLockKey(BOOKS_LOCK_KEY)} as key)
    select count(*)::int as n from pg_locks, k
    where locktype = 'advisory' and granted and objsubid = 1
      and classid::text::bigint = ((k.key >> 32) & 4294967295) and objid::text::bigint = (k.key & 4294967295)
      and database = (select oid from pg_database where datname = current_database())`.execute(db);
  return Number(held.rows[0]?.n ?? 0) > 0;
}

/** `fn` in one transaction holding the books lock; a second holder waits (SQLite: up to its busy timeout, then a `busy` error). */
export function withBooksLock<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return storeOf(db).withBooksLock(db, fn);
}
