/**
 * The public signing keys of every till, and the one rule by which a key gets in:
 *
 *   - first key of a till (the server knows none): trust on first use, vouched for by the till's
 *     auth secret — an authenticated HTTP registration (first contact), or a package whose manifest
 *     carries the enrolment proof (a till that was never online);
 *   - any later key: only through key-change statements signed by a key the server knows (and by
 *     the new key), so nobody holding server data alone can add one;
 *   - `server enroll-till --reset-key` (a lost till): retires every key and allows a first key again,
 *     logged.
 *
 * Keys are never deleted: a retired key still verifies what it signed.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../db/dialect.ts';
import { logEvent } from '../log-book.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { enrolmentProofMatches, keyChangeProblem, type KeyChange } from '../../sync/key-change.ts';
import { keyFingerprint, keyIdOf } from '../../sync/till-keys.ts';
import { verifyTicketPage } from '../../sync/ticket-page.ts';

export interface TillKeyRow {
  keyId: string;
  publicKey: string;
  registeredAt: string;
  registeredVia: string;
  retiredAt: string | null;
}

export interface NewKey {
  keyId: string;
  publicKey: string;
  via: 'first-contact' | 'package' | 'key-change' | 'enrolment';
  statement: KeyChange | null;
  /** Key ids this one retires. */
  retires: string[];
}

export async function keysOfTill(db: Kysely<Database>, tillId: string): Promise<TillKeyRow[]> {
  const rows = await db.selectFrom('till_keys').selectAll().where('till_id', '=', tillId).orderBy('registered_at').execute();
  return rows.map((r) => ({ keyId: r.key_id, publicKey: r.public_key, registeredAt: r.registered_at, registeredVia: r.registered_via, retiredAt: r.retired_at }));
}

/** Every till's keys, for verifying a batch of packages. */
export async function allTillKeys(db: Kysely<Database>): Promise<Map<string, TillKeyRow[]>> {
  const out = new Map<string, TillKeyRow[]>();
  for (const r of await db.selectFrom('till_keys').selectAll().orderBy('registered_at').execute()) {
    const list = out.get(r.till_id) ?? [];
    list.push({ keyId: r.key_id, publicKey: r.public_key, registeredAt: r.registered_at, registeredVia: r.registered_via, retiredAt: r.retired_at });
    out.set(r.till_id, list);
  }
  return out;
}

/**
 * What registering `publicKey` for `tillId` would add (nothing written). `firstKeyAllowed` says the
 * request is vouched for by the till's auth secret (authenticated HTTP, or a valid enrolment proof).
 */
export function planKeyRegistration(
  existing: TillKeyRow[],
  tillId: string,
  publicKey: string,
  keyChanges: unknown,
  firstKey: { allowed: boolean; via: 'first-contact' | 'package' },
): { known: true; keyId: string } | { known: false; keyId: string; add: NewKey[] } {
  let keyId: string;
  try {
    keyId = keyIdOf(publicKey);
  } catch (e) {
    throw new TillsyncError('bad-key', `the public key offered for till ${tillId} is not readable`, { status: 400, cause: e });
  }
  if (existing.some((k) => k.keyId === keyId)) return { known: true, keyId };
  const active = existing.filter((k) => !k.retiredAt);
  if (active.length === 0) {
    if (!firstKey.allowed) {
      throw new TillsyncError('key-not-vouched', `till ${tillId} offers its first key ${keyId} without proof that it holds the till's auth secret`, { status: 403, hint: 'let the till contact the server once over HTTP(S), or extract its packages again with this tillsync version' });
    }
    return { known: false, keyId, add: [{ keyId, publicKey, via: firstKey.via, statement: null, retires: [] }] };
  }
  // Walk the statements in order from the keys the server holds; each step must be signed by a
  // key known (and not retired) at that step.
  const keys = new Map(active.map((k) => [k.keyId, k.publicKey]));
  const all = new Set(existing.map((k) => k.keyId));
  const add: NewKey[] = [];
  for (const c of Array.isArray(keyChanges) ? (keyChanges as KeyChange[]) : []) {
    if (!c || typeof c !== 'object' || all.has(c.newKeyId)) continue;
    const from = keys.get(c.oldKeyId);
    if (!from) continue;
    const problem = keyChangeProblem(c, tillId, from);
    if (problem) throw new TillsyncError('bad-key-change', `till ${tillId}: ${problem}`, { status: 403, hint: 'a key change must be made on the till (tillsync till rotate-key) with its current key' });
    add.push({ keyId: c.newKeyId, publicKey: c.newPublicKey, via: 'key-change', statement: c, retires: [c.oldKeyId] });
    keys.delete(c.oldKeyId);
    keys.set(c.newKeyId, c.newPublicKey);
    all.add(c.newKeyId);
  }
  if (!all.has(keyId)) {
    throw new TillsyncError('unknown-key', `key ${keyId} of till ${tillId} is not chained to a key the server knows (${[...keys.keys()].join(', ')}) by a signed key change`, {
      status: 403,
      hint: 'rotate keys on the till itself (tillsync till rotate-key); if the till lost its key, re-enrol it: tillsync server enroll-till --rotate --reset-key',
    });
  }
  return { known: false, keyId, add };
}

export async function saveKeys(db: Kysely<Database>, data: string, tillId: string, add: NewKey[]): Promise<void> {
  if (!add.length) return;
  const now = nowIso();
  await db.transaction().execute(async (trx) => {
    for (const k of add) {
      await trx
        .insertInto('till_keys')
        .values({ till_id: tillId, key_id: k.keyId, public_key: k.publicKey, registered_at: now, registered_via: k.via, retired_at: null, statement: k.statement ? JSON.stringify(k.statement) : null })
        .onConflict((oc) => oc.columns(['till_id', 'key_id']).doNothing())
        .execute();
      if (k.retires.length) await trx.updateTable('till_keys').set({ retired_at: now }).where('till_id', '=', tillId).where('key_id', 'in', k.retires).where('retired_at', 'is', null).execute();
    }
  });
  for (const k of add) {
    const how = k.via === 'key-change' ? `by a key change signed by key ${k.retires.join(', ')}` : k.via === 'first-contact' ? 'on first contact (trust on first use, authenticated by the till\'s auth secret)' : k.via === 'package' ? 'from a package carrying the enrolment proof (trust on first use)' : 'at enrolment';
    await logEvent(db, data, { severity: 'info', channel: 'keys', till: tillId, message: `signing key ${keyFingerprint(k.publicKey)} of till ${tillId} registered ${how}` });
  }
}

/** Registers a till's key offered over authenticated HTTP (first contact or rotation). */
export async function registerTillKey(db: Kysely<Database>, data: string, tillId: string, publicKey: string, keyChanges: unknown): Promise<{ keyId: string; registered: 'known' | 'first-contact' | 'key-change' }> {
  const plan = planKeyRegistration(await keysOfTill(db, tillId), tillId, publicKey, keyChanges, { allowed: true, via: 'first-contact' });
  if (plan.known) return { keyId: plan.keyId, registered: 'known' };
  await saveKeys(db, data, tillId, plan.add);
  return { keyId: plan.keyId, registered: plan.add.some((k) => k.via === 'key-change') ? 'key-change' : 'first-contact' };
}

/** `server enroll-till --reset-key`: every key retired, a first key may come again (a lost till). */
export async function resetTillKeys(db: Kysely<Database>, data: string, tillId: string): Promise<number> {
  const r = await db.updateTable('till_keys').set({ retired_at: nowIso() }).where('till_id', '=', tillId).where('retired_at', 'is', null).executeTakeFirst();
  const n = Number(r.numUpdatedRows ?? 0);
  await logEvent(db, data, { severity: 'warning', channel: 'keys', till: tillId, message: `every signing key of till ${tillId} retired by the operator (${n}): the till's next key is taken on first use` });
  return n;
}

/** For a package manifest (version 3) of a till whose key the server may not know yet: the keys it would add. */
export function planPackageKeys(existing: TillKeyRow[], tillId: string, manifest: { keyId?: string; signer?: { publicKey?: unknown; keyChanges?: unknown; enrolmentProof?: unknown } }, authSecret: string | undefined): NewKey[] {
  if (!manifest.keyId || existing.some((k) => k.keyId === manifest.keyId)) return [];
  const s = manifest.signer;
  if (!s || typeof s.publicKey !== 'string') return [];
  const offered = s.publicKey;
  try {
    if (keyIdOf(offered) !== manifest.keyId) return [];
  } catch {
    return [];
  }
  const allowed = authSecret !== undefined && enrolmentProofMatches(authSecret, tillId, manifest.keyId, s.enrolmentProof);
  try {
    const plan = planKeyRegistration(existing, tillId, offered, s.keyChanges, { allowed, via: 'package' });
    return plan.known ? [] : plan.add;
  } catch {
    // Not chained, not vouched: the package is then refused as signed by an unknown key.
    return [];
  }
}

/**
 * A page of replicated tickets is taken only when the till's current key signed its (id, hash)
 * list (sync/ticket-page.ts). Throws 403 otherwise, logged: the HTTP credential alone — or anything
 * in the server's database — cannot push a ticket.
 */
export async function checkTicketPage(db: Kysely<Database>, data: string, tillId: string, tickets: unknown[], signature: unknown): Promise<void> {
  const sig = signature as { keyId?: unknown; value?: unknown } | undefined;
  const fail = async (code: string, message: string, hint: string): Promise<never> => {
    await logEvent(db, data, { severity: 'error', channel: 'replication', till: tillId, message });
    throw new TillsyncError(code, message, { status: 403, hint });
  };
  if (!sig || typeof sig.keyId !== 'string' || typeof sig.value !== 'string') {
    return fail('ticket-signature', `${tickets.length} replicated ticket(s) of till ${tillId} refused: the page is not signed with the till's key`, 'tills sign every page of tickets they push: update the till');
  }
  const key = (await keysOfTill(db, tillId)).find((k) => k.keyId === sig.keyId);
  if (!key) return fail('unknown-key', `${tickets.length} replicated ticket(s) of till ${tillId} refused: signed by key ${sig.keyId}, not registered for this till`, 'the till registers its key on contact (POST /api/till-keys); if it lost its key, re-enrol it');
  if (key.retiredAt) return fail('key-retired', `${tickets.length} replicated ticket(s) of till ${tillId} refused: signed by key ${sig.keyId}, retired on ${key.retiredAt}`, 'the till signs with its current key: restart it so it registers that key');
  if (!verifyTicketPage(key.publicKey, tillId, tickets, { keyId: sig.keyId, value: sig.value })) {
    return fail('ticket-signature', `${tickets.length} replicated ticket(s) of till ${tillId} refused: the page signature does not match key ${sig.keyId} (forged or altered tickets)`, 'only the till itself can sign its tickets');
  }
}
