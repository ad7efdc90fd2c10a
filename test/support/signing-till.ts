/**
 * Test support: a till enrolled on a test server database together with the Ed25519 key it signs
 * its packages with (registered at enrolment, as `server enroll-till --public-key` does).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../server/db/schema.ts';
import { enrollTill } from '../../server/intake/till-registry.ts';
import type { PackageSigner } from '../../sync/package-writer.ts';
import { generateTillKeyPair, type TillKeyPair } from '../../sync/till-keys.ts';

export interface SigningTill {
  /** The till's auth secret (HTTP request signatures). */
  secret: string;
  key: TillKeyPair;
  signer: PackageSigner;
}

export async function enrolSigningTill(db: Kysely<Database>, data: string, store: string, till: string): Promise<SigningTill> {
  const key = generateTillKeyPair();
  const { secret } = await enrollTill(db, { data, store, till, publicKeyPem: key.publicKeyPem });
  return { secret, key, signer: { key, authSecret: secret } };
}
