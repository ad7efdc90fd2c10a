/** The till's public keys, current first then retired ones (they still verify what they signed). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateTillSigningKey } from './till-signing-key.ts';

export function tillPublicKeys(dataDir: string): string[] {
  const retiredDir = join(dataDir, 'keys', 'retired');
  const retired = existsSync(retiredDir) ? readdirSync(retiredDir).filter((f) => f.endsWith('.pub.pem')).sort().map((f) => readFileSync(join(retiredDir, f), 'utf8')) : [];
  return [loadOrCreateTillSigningKey(dataDir).publicKeyPem, ...retired];
}
