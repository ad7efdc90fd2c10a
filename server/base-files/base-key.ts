/**
 * The store's base key: the HMAC secret base bundles are signed with (server.json `baseKey`).
 * Every till of the store holds the same key (given once, at `till apply-base --base-key` or
 * `till init`), so a till applies reference data only from its own store. It is created on first
 * use; `server base-key --rotate` makes a new one (tills must then be given it). Stored wrapped
 * with DATA/secrets.key (server/security/secrets-at-rest.ts): server.json alone does not give it.
 */
import { randomBytes } from 'node:crypto';
import { readServerConfig, writeServerConfig } from '../context.ts';
import { BASE_KEY_RE } from '../../sync/base-key.ts';
import { isWrapped, unwrapSecret, wrapSecret } from '../security/secrets-at-rest.ts';

const PURPOSE = 'base-key';

export function ensureBaseKey(data: string, opts: { rotate?: boolean } = {}): { key: string; created: boolean } {
  const config = readServerConfig(data);
  const stored = typeof config.baseKey === 'string' ? config.baseKey : null;
  const plain = stored ? unwrapSecret(data, PURPOSE, stored) : null;
  const current = plain && BASE_KEY_RE.test(plain) ? plain : null;
  if (current && !opts.rotate) {
    // A key stored in clear by an earlier version: wrapped now.
    if (!isWrapped(stored!)) writeServerConfig(data, { ...readServerConfig(data), baseKey: wrapSecret(data, PURPOSE, current) });
    return { key: current, created: false };
  }
  const key = randomBytes(32).toString('hex');
  // Re-read just before writing: another command may have changed server.json meanwhile.
  writeServerConfig(data, { ...readServerConfig(data), baseKey: wrapSecret(data, PURPOSE, key) });
  return { key, created: true };
}
