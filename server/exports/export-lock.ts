/**
 * One export at a time per books: two runs choosing the same unexported entries would write them
 * to two files. In-process a promise chain serialises runs (closure hooks of two tills, the
 * nightly chain); across processes the store's lock (server/db/store.ts withExportLock): an
 * advisory lock on PostgreSQL, on SQLite a lock file beside the database whose owner pid is checked
 * so a killed run never blocks the next one.
 */
import type { Db } from '../db/database.ts';
import { storeOf } from '../db/store.ts';

const chains = new Map<string, Promise<unknown>>();

export async function withExportLock<T>(db: Db, data: string, fn: () => Promise<T>, waitMs = 120_000): Promise<T> {
  const key = data;
  const before = chains.get(key) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(() => storeOf(db).withExportLock(db, data, waitMs, fn));
  chains.set(key, run);
  try {
    return await run;
  } finally {
    if (chains.get(key) === run) chains.delete(key);
  }
}
