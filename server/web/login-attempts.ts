/** Every back-office login try (right, wrong, throttled), kept 30 days for the security page. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export type AttemptOutcome = 'ok' | 'wrong' | 'throttled';
const KEEP_DAYS = 30;

export async function recordAttempt(db: Kysely<Database>, a: { name: string; address: string; outcome: AttemptOutcome }, now = new Date()): Promise<void> {
  await db.insertInto('web_login_attempts').values({ at: now.toISOString(), name: a.name.slice(0, 64), address: a.address.slice(0, 64), outcome: a.outcome }).execute();
  // Pruned on a success only: a brute force does not make the server delete rows for each guess.
  if (a.outcome === 'ok') await db.deleteFrom('web_login_attempts').where('at', '<', new Date(now.getTime() - KEEP_DAYS * 86_400_000).toISOString()).execute();
}

export async function recentAttempts(db: Kysely<Database>, limit = 50): Promise<{ at: string; name: string; address: string; outcome: string }[]> {
  return db.selectFrom('web_login_attempts').selectAll().orderBy('at', 'desc').limit(limit).execute();
}
