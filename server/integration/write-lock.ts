/**
 * One integration or undo at a time (posting and lettering take the same lock), in one transaction.
 * SQLite has one writer: BEGIN IMMEDIATE takes the write lock up front (a second run waits
 * busy_timeout, 15 s, then fails cleanly instead of deadlocking half-way). PostgreSQL: a
 * transaction-scoped advisory lock; a second run waits for the first to commit, then sees its
 * documents and tickets.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { TillsyncError } from '../../sync/errors.ts';
import type { Database } from '../db/schema.ts';
import { dbKind } from '../db/dialect.ts';

/**
 * Arbitrary constant shared by every process integrating into the same PostgreSQL database. Do not
 * change it: server/replication/routes.ts (ackHoldBack) looks for this very lock in pg_locks.
 */
const PG_LOCK_KEY = 7_305_442_001;

function busy(cause: unknown): TillsyncError {
  return new TillsyncError('busy', 'the database is busy: another integration, posting, lettering or undo is running', { hint: 'wait for it to finish, then run again', cause, status: 409 });
}

function isSqliteBusy(e: unknown): boolean {
  const code = (e as { code?: string })?.code ?? '';
  return code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_');
}

export async function withIntegrationLock<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (dbKind(db) === 'postgres') {
    return db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${PG_LOCK_KEY})`.execute(trx);
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
