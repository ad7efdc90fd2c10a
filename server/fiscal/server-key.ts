/**
 * The store server's own signing key (Ed25519), for its technical-event journal and its archives:
 * DATA/keys/server-signing.pem (0600, made on first use). Tills never see it; an auditor checks the
 * server's journal and archives with its public half, carried in every archive it writes.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateTillKeyPair, keyIdOf, publicKeyOf, type TillKeyPair } from '../../sync/till-keys.ts';

export function serverKeyPath(data: string): string {
  return join(data, 'keys', 'server-signing.pem');
}

export function loadOrCreateServerKey(data: string): TillKeyPair {
  const path = serverKeyPath(data);
  if (!existsSync(path)) {
    mkdirSync(join(data, 'keys'), { recursive: true, mode: 0o700 });
    const part = `${path}.${process.pid}.part`;
    writeFileSync(part, generateTillKeyPair().privateKeyPem, { mode: 0o600 });
    chmodSync(part, 0o600);
    // Two processes racing here both write whole keys; the first rename wins only if none exists yet.
    if (!existsSync(path)) renameSync(part, path);
  }
  const privateKeyPem = readFileSync(path, 'utf8');
  const publicKeyPem = publicKeyOf(privateKeyPem);
  return { keyId: keyIdOf(publicKeyPem), publicKeyPem, privateKeyPem };
}
