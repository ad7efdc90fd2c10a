/**
 * Back-office users: created from the CLI (`server user add`) or the security page, checked at
 * login. Two roles: `admin` (may also open the security page: users, sessions, login attempts, till
 * keys) and `staff` (every other page). The rules live here, once, for the CLI and the page alike.
 */
import type { Kysely } from 'kysely';
import { TillsyncError } from '../../sync/errors.ts';
import type { Database } from '../db/schema.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

export const MIN_PASSWORD_LENGTH = 8;
export const ROLES = ['admin', 'staff'] as const;
export type Role = (typeof ROLES)[number];

export function parseRole(v: unknown): Role {
  if (ROLES.includes(v as Role)) return v as Role;
  throw new TillsyncError('usage', `unknown back-office role "${String(v)}"`, { hint: `use one of: ${ROLES.join(', ')}`, detail: { id: 'user.badRole', params: { role: String(v) } } });
}

/**
 * Creates the user, or replaces the password of an existing one (so the command is safe to rerun).
 * A new user's role: the one given, else admin for the shop's first user (someone must be able to
 * manage the others), staff after that. An existing user keeps its role unless one is given.
 */
export async function addUser(db: Kysely<Database>, name: string, password: string, opts: { role?: Role } = {}): Promise<{ name: string; created: boolean; role: Role }> {
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) {
    throw new TillsyncError('usage', `invalid user name "${name}"`, { hint: 'use 1-64 letters, digits, dot, dash, underscore or @', detail: { id: 'user.badName', params: { name } } });
  }
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new TillsyncError('usage', `password too short for user ${name}`, { hint: `use at least ${MIN_PASSWORD_LENGTH} characters`, detail: { id: 'user.shortPassword', params: { name, min: MIN_PASSWORD_LENGTH } } });
  }
  const passwordHash = await hashPassword(password);
  const existing = await db.selectFrom('web_users').select(['name', 'role']).where('name', '=', name).executeTakeFirst();
  if (existing) {
    const role = opts.role ?? parseRole(existing.role);
    if (role !== 'admin' && existing.role === 'admin') await keepAnAdmin(db, name);
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('web_users').set({ password_hash: passwordHash, role }).where('name', '=', name).execute();
      // A new password ends every open session of that user.
      await trx.deleteFrom('web_sessions').where('user_name', '=', name).execute();
    });
    return { name, created: false, role };
  }
  const role = opts.role ?? ((await countUsers(db)) === 0 ? 'admin' : 'staff');
  await db.insertInto('web_users').values({ name, password_hash: passwordHash, created_at: new Date().toISOString(), role, disabled_at: null }).execute();
  return { name, created: true, role };
}

/** Refuses to take the last active admin away (nobody could manage users from the page any more). */
async function keepAnAdmin(db: Kysely<Database>, leaving: string): Promise<void> {
  const others = await db.selectFrom('web_users').select('name').where('role', '=', 'admin').where('disabled_at', 'is', null).where('name', '!=', leaving).execute();
  if (!others.length) {
    throw new TillsyncError('last-admin', `user ${leaving} is the last active back-office admin`, { hint: 'make another user admin first (tillsync server user add --role admin)', detail: { id: 'user.lastAdmin', params: { name: leaving } } });
  }
}

/** Disables (logins refused, sessions ended) or enables a user again. Idempotent. */
export async function setUserDisabled(db: Kysely<Database>, name: string, disabled: boolean): Promise<{ name: string; disabled: boolean; changed: boolean }> {
  const row = await db.selectFrom('web_users').select(['name', 'role', 'disabled_at']).where('name', '=', name).executeTakeFirst();
  if (!row) throw new TillsyncError('not-found', `no back-office user ${name}`, { hint: 'tillsync server user list shows them', detail: { id: 'user.notFound', params: { name } } });
  if ((row.disabled_at !== null) === disabled) return { name, disabled, changed: false };
  if (disabled && row.role === 'admin') await keepAnAdmin(db, name);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('web_users').set({ disabled_at: disabled ? new Date().toISOString() : null }).where('name', '=', name).execute();
    if (disabled) await trx.deleteFrom('web_sessions').where('user_name', '=', name).execute();
  });
  return { name, disabled, changed: true };
}

export interface UserRow {
  name: string;
  role: Role;
  createdAt: string;
  disabledAt: string | null;
}

/** Every user (never the password hash). */
export async function listUsers(db: Kysely<Database>): Promise<UserRow[]> {
  const rows = await db.selectFrom('web_users').select(['name', 'role', 'created_at', 'disabled_at']).orderBy('name').execute();
  return rows.map((r) => ({ name: r.name, role: parseRole(r.role), createdAt: r.created_at, disabledAt: r.disabled_at }));
}

export async function checkCredentials(db: Kysely<Database>, name: string, password: string): Promise<boolean> {
  const row = await db.selectFrom('web_users').select(['password_hash', 'disabled_at']).where('name', '=', name).executeTakeFirst();
  if (!row) {
    // Same work for unknown names, so timing does not reveal which users exist.
    await verifyPassword(password, 'scrypt$16384$8$1$00000000000000000000000000000000$0000000000000000000000000000000000000000000000000000000000000000');
    return false;
  }
  const good = await verifyPassword(password, row.password_hash);
  return good && row.disabled_at === null;
}

export async function countUsers(db: Kysely<Database>): Promise<number> {
  const r = await db.selectFrom('web_users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  return Number(r?.n ?? 0);
}
