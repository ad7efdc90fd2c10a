/**
 * The store's base key: the HMAC secret base bundles are signed with (server.json `baseKey`).
 * Every till of the store holds the same key (given once, at `till apply-base --base-key` or
 * `till init`), so a till applies reference data only from its own store. It is created on first
 * use; `server base-key --rotate` makes a new one (tills must then be given it).
 */
import { randomBytes } from 'node:crypto';
import { readServerConfig, writeServerConfig } from '../context.ts';
import { BASE_KEY_RE } from '../../sync/base-key.ts';


export function ensureBaseKey(data: string, opts: { rotate?: boolean } = {}): { key: string; created: boolean } {
  const config = readServerConfig(data);
  const current = typeof config.baseKey === 'string' && BASE_KEY_RE.test(config.baseKey) ? config.baseKey : null;
  if (current && !opts.rotate) return { key: current, created: false };
  const key = randomBytes(32).toString('hex');
  // Re-read just before writing: another command may have changed server.json meanwhile.
  writeServerConfig(data, { ...readServerConfig(data), baseKey: key });
  return { key, created: true };
}
