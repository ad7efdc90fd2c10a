/**
 * One export at a time per books: two runs choosing the same unexported entries would write them
 * to two files. In-process a promise chain serialises runs (closure hooks of two tills, the
 * nightly chain); across processes PostgreSQL gives an advisory lock, and for SQLite a lock file
 * beside the database (same machine, as the SQLite file itself) whose owner pid is checked so a
 * killed run never blocks the next one.
 */
import { withPidLockFile } from '../../sync/pid-lock-file.ts';
import { join } from 'node:path';
import { sql } from 'kysely';
import { TillsyncError } from '../../sync/errors.ts';
import { dbKind } from '../db/dialect.ts';
import { schemaLockKey } from '../db/books-lock.ts';
import type { Db } from '../db/database.ts';

const chains = new Map<string, Promise<unknown>>();
/** Arbitrary constant: the advisory lock key of exports ("TSEX"); per schema, as the books lock (a chain's stores export in parallel). */
const PG_LOCK_KEY = 0x54534558n;

function withLockFile<T>(path: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
  return withPidLockFile(path, {
    waitMs,
    pollMs: 100,
    busy: (owner) => new TillsyncError('export-busy', `another export is running (lock ${path} held by process ${owner})`, { hint: 'wait for it to finish, or delete the lock file if that process is gone' }),
  }, fn);
}

async function withAcrossProcesses<T>(db: Db, data: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
  if (dbKind(db) === 'postgres') {
    // The lock lives on one pooled connection held for the run; the run's queries use the others.
    return db.connection().execute(async (conn) => {
      const deadline = Date.now() + waitMs;
      while (!(await sql<{ ok: boolean }>`select pg_try_advisory_lock(${schemaLockKey(PG_LOCK_KEY)}) as ok`.execute(conn)).rows[0]?.ok) {
        if (Date.now() > deadline) throw new TillsyncError('export-busy', 'another export is running on this database', { hint: 'wait for it to finish and run the export again' });
        await new Promise((r) => setTimeout(r, 200));
      }
      try {
        return await fn();
      } finally {
        await sql`select pg_advisory_unlock(${schemaLockKey(PG_LOCK_KEY)})`.execute(conn);
      }
    });
  }
  return withLockFile(join(data, 'exports.lock'), waitMs, fn);
}

export async function withExportLock<T>(db: Db, data: string, fn: () => Promise<T>, waitMs = 120_000): Promise<T> {
  const key = data;
  const before = chains.get(key) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(() => withAcrossProcesses(db, data, waitMs, fn));
  chains.set(key, run);
  try {
    return await run;
  } finally {
    if (chains.get(key) === run) chains.delete(key);
  }
}
