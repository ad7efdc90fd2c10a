/**
 * Secrets the server must keep readable (till auth secrets, the base key) are stored WRAPPED:
 * AES-256-GCM with a key in DATA/secrets.key (mode 0600, beside server.json), the purpose of the
 * secret (`till-auth:S1-01`, `base-key`) bound as associated data so a wrapped value copied into
 * another row does not unwrap. A copy of the database (or of server.json) alone therefore lets
 * nobody authenticate as a till or sign a base bundle; the key file must be stolen too.
 *
 * Wrapped text: `w1:<iv b64url>:<tag b64url>:<ciphertext b64url>`. Anything else is a secret
 * stored in clear by a version before this one: unwrapSecret returns it as is, and the server
 * wraps such rows at start (wrapLegacySecrets).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, openSync, readFileSync, renameSync, statSync, writeSync, closeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import { TillsyncError } from '../../sync/errors.ts';

export function secretsKeyPath(data: string): string {
  return join(data, 'secrets.key');
}

const cache = new Map<string, Buffer>();

/** The wrapping key of this data folder, created (0600) on first use. */
export function secretsKey(data: string): Buffer {
  const path = secretsKeyPath(data);
  const hit = cache.get(path);
  if (hit) return hit;
  if (!existsSync(path)) {
    const part = `${path}.${randomBytes(4).toString('hex')}.part`;
    const fd = openSync(part, 'wx', 0o600);
    try {
      writeSync(fd, `${randomBytes(32).toString('hex')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // Never replace a key another process created meanwhile: its wrapped secrets would be lost.
    if (existsSync(path)) renameSync(part, `${part}.unused`);
    else renameSync(part, path);
  }
  const text = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(text)) {
    throw new TillsyncError('bad-secrets-key', `${path} is not a secrets key (64 hex digits)`, { hint: 'restore it from the server backup: the till auth secrets and the base key cannot be read without it' });
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const key = Buffer.from(text, 'hex');
  cache.set(path, key);
  return key;
}

export function isWrapped(stored: string): boolean {
  return stored.startsWith('w1:');
}

export function wrapSecret(data: string, purpose: string, plain: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', secretsKey(data), iv);
  c.setAAD(Buffer.from(purpose, 'utf8'));
  const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return `w1:${iv.toString('base64url')}:${c.getAuthTag().toString('base64url')}:${ct.toString('base64url')}`;
}

export function unwrapSecret(data: string, purpose: string, stored: string): string {
  if (!isWrapped(stored)) return stored;
  const [, iv, tag, ct] = stored.split(':');
  try {
    const d = createDecipheriv('aes-256-gcm', secretsKey(data), Buffer.from(iv, 'base64url'));
    d.setAAD(Buffer.from(purpose, 'utf8'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
  } catch (e) {
    if (e instanceof TillsyncError) throw e;
    throw new TillsyncError('secret-unwrap', `cannot unwrap the ${purpose} secret with ${secretsKeyPath(data)}`, { hint: 'the secrets key file does not belong to this database: restore the matching DATA/secrets.key, or re-enrol the till', cause: e });
  }
}

/** `till-auth:S1-01`: the purpose a till's auth secret is wrapped under. */
export function tillAuthPurpose(tillId: string): string {
  return `till-auth:${tillId}`;
}

/** One line when a secrets file is readable by group or others (start, status), else null. */
export function permissionWarning(path: string): string | null {
  try {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) === 0) return null;
    return `warning: ${path} is readable by others (mode ${mode.toString(8).padStart(3, '0')}): run chmod 600 ${path}`;
  } catch {
    return null;
  }
}
