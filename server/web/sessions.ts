/**
 * Back-office sessions: a random token in an HttpOnly, SameSite=Strict cookie; only its sha256 is
 * stored (web_sessions), so reading the database does not let anyone log in.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export const SESSION_COOKIE = 'tillsync_session';
export const SESSION_HOURS = 12;

const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

export async function createSession(db: Kysely<Database>, userName: string, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3600_000);
  await db.deleteFrom('web_sessions').where('expires_at', '<', now.toISOString()).execute();
  await db
    .insertInto('web_sessions')
    .values({ token_hash: tokenHash(token), user_name: userName, created_at: now.toISOString(), expires_at: expiresAt.toISOString() })
    .execute();
  return { token, expiresAt };
}

/** The user of a live session, or null (unknown, expired, user removed or disabled). */
export async function sessionUser(db: Kysely<Database>, token: string | undefined, now = new Date()): Promise<string | null> {
  return (await sessionAccount(db, token, now))?.name ?? null;
}

/** The live session's user with its role. */
export async function sessionAccount(db: Kysely<Database>, token: string | undefined, now = new Date()): Promise<{ name: string; role: string } | null> {
  if (!token) return null;
  const row = await db
    .selectFrom('web_sessions')
    .innerJoin('web_users', 'web_users.name', 'web_sessions.user_name')
    .select(['web_sessions.user_name', 'web_sessions.expires_at', 'web_users.role', 'web_users.disabled_at'])
    .where('web_sessions.token_hash', '=', tokenHash(token))
    .executeTakeFirst();
  if (!row || row.expires_at <= now.toISOString() || row.disabled_at !== null) return null;
  return { name: row.user_name, role: row.role };
}

/**
 * A session's id on screen: the first 16 hex digits of its token's sha256 — enough to name it,
 * useless to log in with (the token itself never leaves the browser's cookie).
 */
export const sessionIdOf = (token: string): string => tokenHash(token).slice(0, 16);

export interface SessionRow {
  id: string;
  user: string;
  createdAt: string;
  expiresAt: string;
}

export async function listSessions(db: Kysely<Database>, now = new Date()): Promise<SessionRow[]> {
  const rows = await db.selectFrom('web_sessions').selectAll().where('expires_at', '>', now.toISOString()).orderBy('created_at', 'desc').execute();
  return rows.map((r) => ({ id: r.token_hash.slice(0, 16), user: r.user_name, createdAt: r.created_at, expiresAt: r.expires_at }));
}

/** Ends the session with this id (see sessionIdOf); false when there was none. */
export async function revokeSession(db: Kysely<Database>, id: string): Promise<boolean> {
  if (!/^[0-9a-f]{16}$/.test(id)) return false;
  const rows = await db.selectFrom('web_sessions').select('token_hash').execute();
  const hit = rows.find((r) => r.token_hash.slice(0, 16) === id);
  if (!hit) return false;
  await db.deleteFrom('web_sessions').where('token_hash', '=', hit.token_hash).execute();
  return true;
}

export async function endSession(db: Kysely<Database>, token: string | undefined): Promise<void> {
  if (token) await db.deleteFrom('web_sessions').where('token_hash', '=', tokenHash(token)).execute();
}

/** `secure`: the server runs TLS, so the browser must never send the cookie over plain HTTP. */
export function sessionCookie(token: string, expiresAt: Date, secure = false): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}; Expires=${expiresAt.toUTCString()}`;
}

export function clearedSessionCookie(secure = false): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}; Max-Age=0`;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}
