/**
 * The store's base key (signs base bundles; see base-bundle.ts): its shape, and a fingerprint to
 * compare the till's key with the server's without showing the secret. Kept apart from
 * base-bundle.ts so the CLI can check keys without loading the zip and schema libraries.
 */
import { createHash } from 'node:crypto';

export const BASE_KEY_RE = /^[0-9a-f]{64}$/;

export function baseKeyFingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}
