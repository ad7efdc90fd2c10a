/**
 * Enrolled tills: each gets an id (`S1-01`) and a random AUTH secret, shown once at enrolment (in
 * the enrolment string). It signs the till's HTTP requests (sync/request-auth.ts) and never
 * crosses the wire after that; it signs no package or ticket (the till's Ed25519 key does, see
 * server/security/till-keys-store.ts). Stored wrapped (server/security/secrets-at-rest.ts).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../db/dialect.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { keyIdOf } from '../../sync/till-keys.ts';
import { tillAuthPurpose, wrapSecret } from '../security/secrets-at-rest.ts';
import { resetTillKeys, saveKeys } from '../security/till-keys-store.ts';

const CODE = /^[A-Za-z0-9]{1,16}$/;

export interface Enrolment {
  id: string;
  store: string;
  till: string;
  secret: string;
  rotated: boolean;
  allowIps: string[] | null;
  /** Keys retired by resetKey. */
  keysReset?: number;
}

export function tillIdOf(store: string, till: string): string {
  return `${store}-${till}`;
}

export interface EnrolOptions {
  store: string;
  till: string;
  rotate?: boolean;
  allowIps?: string[] | null;
  /** The server's data folder: where the key wrapping the secret lives. */
  data: string;
  /** A public signing key known already (handed over by the operator): registered at once. */
  publicKeyPem?: string;
  /** The till lost its signing key: retire every key, take the next one on first use. */
  resetKey?: boolean;
}

export async function enrollTill(db: Kysely<Database>, opts: EnrolOptions): Promise<Enrolment> {
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
  if (opts.resetKey && !existing) throw new TillsyncError('usage', `till ${id} is not enrolled: nothing to reset`, { hint: 'enrol it first (without --reset-key)' });
  const stored = wrapSecret(opts.data, tillAuthPurpose(id), secret);
  // A new auth secret ends the legacy HMAC trust: the old secret may have travelled as a bearer token.
  if (existing) {
    await db.updateTable('tills').set({ secret: stored, legacy_hmac: 0, ...(opts.allowIps !== undefined ? { allow_ips: allow } : {}) }).where('id', '=', id).execute();
  } else {
    await db.insertInto('tills').values({ id, store: opts.store, till: opts.till, secret: stored, legacy_hmac: 0, enrolled_at: nowIso(), last_contact_at: null, allow_ips: allow, last_number: null }).execute();
  }
  const keysReset = opts.resetKey ? await resetTillKeys(db, opts.data, id) : undefined;
  if (opts.publicKeyPem) await saveKeys(db, opts.data, id, [{ keyId: keyIdOf(opts.publicKeyPem), publicKey: opts.publicKeyPem, via: 'enrolment', statement: null, retires: [] }]);
  return { id, store: opts.store, till: opts.till, secret, rotated: Boolean(existing), allowIps: allow ? allow.split(',') : null, ...(keysReset !== undefined ? { keysReset } : {}) };
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
