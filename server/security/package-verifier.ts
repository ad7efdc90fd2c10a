/**
 * Who may have signed a ticket package arriving by any channel (LAN, HTTP, mail, manual): the
 * claimed till's registered keys (retired ones included: old packages stay valid), plus the key the
 * package itself offers when the rules of till-keys-store.ts let it in (a till that was never
 * online: first key with the enrolment proof, or a key chained by signed key changes). Versions 1–2
 * (HMAC) only for tills enrolled before format 3.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { PackageManifest } from '../../sync/package-format.ts';
import type { PackageVerifier } from '../../sync/package-reader.ts';
import { tillAuthPurpose, unwrapSecret } from './secrets-at-rest.ts';
import { keysOfTill, planPackageKeys, saveKeys, type NewKey } from './till-keys-store.ts';

export interface PackageKeys {
  verifier: PackageVerifier;
  /** Keys the package brings in: save them once its signature verified (saveOfferedKeys). */
  offered: NewKey[];
  tillId: string;
}

export async function packageKeys(db: Kysely<Database>, data: string, manifest: Pick<PackageManifest, 'store' | 'till' | 'version' | 'keyId' | 'signer'>): Promise<PackageKeys> {
  const tillId = `${manifest.store}-${manifest.till}`;
  const row = await db.selectFrom('tills').select(['secret', 'legacy_hmac']).where('id', '=', tillId).executeTakeFirst();
  const secret = row ? unwrapSecret(data, tillAuthPurpose(tillId), row.secret) : undefined;
  const existing = row ? await keysOfTill(db, tillId) : [];
  const offered = row && manifest.version >= 3 ? planPackageKeys(existing, tillId, manifest as never, secret) : [];
  const keys = [...existing, ...offered];
  const mine = (store: string, till: string) => `${store}-${till}` === tillId;
  return {
    tillId,
    offered,
    verifier: {
      enrolled: (store, till) => mine(store, till) && Boolean(row),
      publicKey: (store, till, keyId) => (mine(store, till) ? keys.find((k) => k.keyId === keyId)?.publicKey : undefined),
      legacySecret: (store, till) => (mine(store, till) && row && Number(row.legacy_hmac) === 1 ? secret : undefined),
    },
  };
}

export async function saveOfferedKeys(db: Kysely<Database>, data: string, k: PackageKeys): Promise<void> {
  await saveKeys(db, data, k.tillId, k.offered);
}
