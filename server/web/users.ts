/** Back-office users: created from the CLI (`server user add`), checked at login. */
import type { Kysely } from 'kysely';
import { TillsyncError } from '../../sync/errors.ts';
import type { Database } from '../db/schema.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

export const MIN_PASSWORD_LENGTH = 8;

/** Creates the user, or replaces the password of an existing one (so the command is safe to rerun). */
export async function addUser(db: Kysely<Database>, name: string, password: string): Promise<{ name: string; created: boolean }> {
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) {
    throw new TillsyncError('usage', `invalid user name "${name}"`, { hint: 'use 1-64 letters, digits, dot, dash, underscore or @' });
  }
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new TillsyncError('usage', `password too short for user ${name}`, { hint: `use at least ${MIN_PASSWORD_LENGTH} characters` });
  }
  const passwordHash = await hashPassword(password);
  const existing = await db.selectFrom('web_users').select('name').where('name', '=', name).executeTakeFirst();
  if (existing) {
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('web_users').set({ password_hash: passwordHash }).where('name', '=', name).execute();
      // A new password ends every open session of that user.
      await trx.deleteFrom('web_sessions').where('user_name', '=', name).execute();
    });
    return { name, created: false };
  }
  await db.insertInto('web_users').values({ name, password_hash: passwordHash, created_at: new Date().toISOString() }).execute();
  return { name, created: true };
}

export async function checkCredentials(db: Kysely<Database>, name: string, password: string): Promise<boolean> {
  const row = await db.selectFrom('web_users').select('password_hash').where('name', '=', name).executeTakeFirst();
  if (!row) {
    // Same work for unknown names, so timing does not reveal which users exist.
    await verifyPassword(password, 'scrypt$16384$8$1$00000000000000000000000000000000$0000000000000000000000000000000000000000000000000000000000000000');
    return false;
  }
  return verifyPassword(password, row.password_hash);
}

export async function countUsers(db: Kysely<Database>): Promise<number> {
  const r = await db.selectFrom('web_users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  return Number(r?.n ?? 0);
}
