/**
 * Where a till keeps its Ed25519 signing key: DATA/keys/till-signing.pem (private, mode 0600, never
 * leaves the till) and DATA/keys/till-signing.pub.pem (public, registered with the server and
 * carried in archives). Created once on first use; a pair whose halves do not belong together is
 * refused rather than silently replaced (replacing it would orphan every signature made so far).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TillsyncError } from '../sync/errors.ts';
import { generateTillKeyPair, keyIdOf, publicKeyOf, type TillKeyPair } from '../sync/till-keys.ts';

export function tillKeyFiles(dataDir: string): { dir: string; privateKey: string; publicKey: string } {
  const dir = join(resolve(dataDir), 'keys');
  return { dir, privateKey: join(dir, 'till-signing.pem'), publicKey: join(dir, 'till-signing.pub.pem') };
}

/** The till's key pair; throws when it has none yet (verification-only paths must not create one). */
export function loadTillSigningKey(dataDir: string): TillKeyPair {
  const f = tillKeyFiles(dataDir);
  if (!existsSync(f.privateKey)) throw new TillsyncError('no-signing-key', `no till signing key in ${f.dir}`, { hint: 'run tillsync till init --data DIR first (it creates the key)', ref: { file: f.privateKey } });
  const privateKeyPem = readFileSync(f.privateKey, 'utf8');
  let publicKeyPem: string;
  try {
    publicKeyPem = publicKeyOf(privateKeyPem);
  } catch (e) {
    throw new TillsyncError('bad-signing-key', `${f.privateKey} is not a readable Ed25519 private key`, { hint: 'restore it from the till backup; never replace it by a new one silently', ref: { file: f.privateKey }, cause: e });
  }
  if (existsSync(f.publicKey) && keyIdOf(readFileSync(f.publicKey, 'utf8')) !== keyIdOf(publicKeyPem)) {
    throw new TillsyncError('key-mismatch', `${f.publicKey} does not belong to ${f.privateKey}`, { hint: 'restore both files from the same backup', ref: { file: f.publicKey } });
  }
  return { keyId: keyIdOf(publicKeyPem), publicKeyPem, privateKeyPem };
}

export function loadOrCreateTillSigningKey(dataDir: string): TillKeyPair {
  const f = tillKeyFiles(dataDir);
  if (existsSync(f.privateKey)) return loadTillSigningKey(dataDir);
  mkdirSync(f.dir, { recursive: true, mode: 0o700 });
  const pair = generateTillKeyPair();
  // Private half first, written whole then renamed: a crash never leaves half a key.
  writeFileSync(`${f.privateKey}.part`, pair.privateKeyPem, { mode: 0o600 });
  chmodSync(`${f.privateKey}.part`, 0o600);
  renameSync(`${f.privateKey}.part`, f.privateKey);
  writeFileSync(f.publicKey, pair.publicKeyPem, { mode: 0o644 });
  return pair;
}
