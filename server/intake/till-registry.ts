/**
 * Enrolled tills: each gets an id (`S1-01`) and a random secret, shown once at enrolment. The
 * secret signs the till's packages (HMAC) and is its bearer token on HTTP.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../db/dialect.ts';
import { TillsyncError } from '../../sync/errors.ts';

const CODE = /^[A-Za-z0-9]{1,16}$/;

export interface Enrolment {
  id: string;
  store: string;
  till: string;
  secret: string;
  rotated: boolean;
  allowIps: string[] | null;
}

export function tillIdOf(store: string, till: string): string {
  return `${store}-${till}`;
}

export async function enrollTill(db: Kysely<Database>, opts: { store: string; till: string; rotate?: boolean; allowIps?: string[] | null }): Promise<Enrolment> {
  for (const [what, v] of [['store', opts.store], ['till', opts.till]] as const) {
    if (!CODE.test(v)) throw new TillsyncError('usage', `${what} code "${v}" is not valid`, { hint: 'use 1 to 16 letters or digits, e.g. --store S1 --till 01' });
  }
  const id = tillIdOf(opts.store, opts.till);
  const secret = randomBytes(32).toString('hex');
  const allow = opts.allowIps && opts.allowIps.length ? opts.allowIps.join(',') : null;
  const existing = await db.selectFrom('tills').select(['id']).where('id', '=', id).executeTakeFirst();
  if (existing && !opts.rotate) {
    throw new TillsyncError('already-enrolled', `till ${id} is already enrolled`, { hint: 'add --rotate to give it a new secret (the till must then be given the new one)' });
  }
  if (existing) {
    await db.updateTable('tills').set({ secret, ...(opts.allowIps !== undefined ? { allow_ips: allow } : {}) }).where('id', '=', id).execute();
  } else {
    await db.insertInto('tills').values({ id, store: opts.store, till: opts.till, secret, enrolled_at: nowIso(), last_contact_at: null, allow_ips: allow, last_number: null }).execute();
  }
  return { id, store: opts.store, till: opts.till, secret, rotated: Boolean(existing), allowIps: allow ? allow.split(',') : null };
}

/** Constant-time comparison of a presented token with the till's secret (hashing first evens out the lengths). */
export function secretMatches(presented: string, secret: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}

/** `::ffff:10.0.0.5` → `10.0.0.5`. */
export function normalizeIp(ip: string | undefined): string {
  return (ip ?? '').replace(/^::ffff:/, '');
}

export function ipAllowed(allowIps: string | null, ip: string | undefined): boolean {
  if (!allowIps) return true;
  const who = normalizeIp(ip);
  return allowIps.split(',').map((s) => normalizeIp(s.trim())).filter(Boolean).includes(who);
}
