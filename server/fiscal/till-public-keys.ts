/**
 * The public keys the server verifies a till's closures and archives with. The registered keys
 * (the `till_keys` table of the key model, server/security/) decide when the till has any; until a
 * till has a registered key, the key it carries with its push is used — and its fingerprint is
 * logged and shown, so an operator compares it with the one printed on the till's closures.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { keyIdOf } from '../../sync/till-keys.ts';

export interface PublicKeyRow {
  keyId: string;
  publicKey: string;
  registered: boolean;
}

/** Registered keys of the till (retired ones too: they still verify what they signed); [] when the registry does not exist yet. */
export async function registeredTillKeys(db: Kysely<Database>, tillId: string): Promise<PublicKeyRow[]> {
  try {
    // Through `any`: the key registry table arrives with the key model; before it, this finds none.
    const rows = await (db as unknown as Kysely<any>).selectFrom('till_keys').select(['key_id', 'public_key']).where('till_id', '=', tillId).execute();
    return rows.map((r: { key_id: string; public_key: string }) => ({ keyId: r.key_id, publicKey: r.public_key, registered: true }));
  } catch {
    return [];
  }
}

/** Keys carried in a push body `publicKeys: [PEM…]`, each named by its own id (never by a claimed one). */
export function carriedKeys(list: unknown): PublicKeyRow[] {
  if (!Array.isArray(list)) return [];
  const out: PublicKeyRow[] = [];
  for (const pem of list.slice(0, 8)) {
    if (typeof pem !== 'string' || pem.length > 1000) continue;
    try {
      out.push({ keyId: keyIdOf(pem), publicKey: pem, registered: false });
    } catch {
      // An unreadable key verifies nothing.
    }
  }
  return out;
}

/** Registered keys when the till has any, else the carried ones (remembered for the server's archives). */
export async function keysForTill(db: Kysely<Database>, tillId: string, carried: unknown): Promise<PublicKeyRow[]> {
  const reg = await registeredTillKeys(db, tillId);
  if (reg.length) return reg;
  const keys = carriedKeys(carried);
  const now = new Date().toISOString();
  for (const k of keys) {
    await db.insertInto('seen_till_keys').values({ key_id: k.keyId, till_id: tillId, public_key: k.publicKey, first_seen: now }).onConflict((oc) => oc.column('key_id').doNothing()).execute();
  }
  return keys;
}

/** Every public key the server holds for a till: registered ones and those seen with its pushes. */
export async function allKeysOfTill(db: Kysely<Database>, tillId: string): Promise<PublicKeyRow[]> {
  const reg = await registeredTillKeys(db, tillId);
  const seen = await db.selectFrom('seen_till_keys').select(['key_id', 'public_key']).where('till_id', '=', tillId).execute();
  const out = [...reg];
  for (const s of seen) if (!out.some((k) => k.keyId === s.key_id)) out.push({ keyId: s.key_id, publicKey: s.public_key, registered: false });
  return out;
}
