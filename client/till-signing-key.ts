/**
 * The till's signing key on disk: DATA/keys/till-signing.pem (private, mode 0600, never leaves the
 * till) and DATA/keys/till-signing.pub.pem (public, for humans and auditors). Tickets pages,
 * packages — and, through this module, closures, journal events and archives — are signed with it.
 *
 * Inputs: the till's data folder. Outputs: a TillKeyPair whose public half is always derived from
 * the private file (so the two can never disagree). Errors: TillsyncError with a hint. Rotation
 * (`till rotate-key`) keeps a signed key-change statement per change in DATA/keys/key-changes.jsonl
 * and the retired public keys in DATA/keys/retired/; retired private keys are destroyed.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, fsyncSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, writeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TillsyncError } from '../sync/errors.ts';
import { makeKeyChange, type KeyChange } from '../sync/key-change.ts';
import { generateTillKeyPair, keyIdOf, publicKeyOf, type TillKeyPair } from '../sync/till-keys.ts';

export type { TillKeyPair } from '../sync/till-keys.ts';

export function keysDir(dataDir: string): string {
  return join(dataDir, 'keys');
}

export function signingKeyPath(dataDir: string): string {
  return join(keysDir(dataDir), 'till-signing.pem');
}

export function signingPublicKeyPath(dataDir: string): string {
  return join(keysDir(dataDir), 'till-signing.pub.pem');
}

function keyChangesPath(dataDir: string): string {
  return join(keysDir(dataDir), 'key-changes.jsonl');
}

/** Written to `<path>.<random>.part` with `mode`, fsynced, renamed over `path`. */
function writeAtomically(path: string, text: string, mode: number): void {
  const part = `${path}.${randomBytes(4).toString('hex')}.part`;
  const fd = openSync(part, 'wx', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(part, mode);
  renameSync(part, path);
}

function pairFromPrivate(privateKeyPem: string, where: string): TillKeyPair {
  let publicKeyPem: string;
  try {
    publicKeyPem = publicKeyOf(privateKeyPem);
  } catch (e) {
    throw new TillsyncError('bad-signing-key', `${where} is not a readable private key`, { hint: 'restore it from the till\'s backup; if it is lost, re-enrol the till (tillsync server enroll-till --rotate --reset-key)', cause: e });
  }
  return { keyId: keyIdOf(publicKeyPem), publicKeyPem, privateKeyPem };
}

/** The till's signing key; throws `no-signing-key` (with the fix) when the till has none. */
export function loadTillSigningKey(dataDir: string): TillKeyPair {
  const path = signingKeyPath(dataDir);
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch {
    throw new TillsyncError('no-signing-key', `till signing key ${path} is missing`, { hint: `run tillsync till init --data ${dataDir} (creates it); if it was lost, re-enrol the till on the server` });
  }
  return pairFromPrivate(pem, path);
}

/**
 * The till's signing key, created when missing (at `till init`). Two processes racing here both
 * write complete files and the last rename wins; each returns what is on disk afterwards.
 */
export function loadOrCreateTillSigningKey(dataDir: string): TillKeyPair {
  const path = signingKeyPath(dataDir);
  if (!existsSync(path)) {
    mkdirSync(keysDir(dataDir), { recursive: true, mode: 0o700 });
    const pair = generateTillKeyPair();
    writeAtomically(path, pair.privateKeyPem, 0o600);
    writeAtomically(signingPublicKeyPath(dataDir), pair.publicKeyPem, 0o644);
  }
  const pair = loadTillSigningKey(dataDir);
  // A public file missing or stale (restored private key only): rewrite it from the private one.
  const pub = signingPublicKeyPath(dataDir);
  if (!existsSync(pub) || readFileSync(pub, 'utf8') !== pair.publicKeyPem) writeAtomically(pub, pair.publicKeyPem, 0o644);
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return pair;
}

/** Every key change this till made, oldest first (what registers its current key on the server). */
export function readKeyChanges(dataDir: string): KeyChange[] {
  const p = keyChangesPath(dataDir);
  if (!existsSync(p)) return [];
  return readFileSync(p, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as KeyChange);
}

/**
 * `till rotate-key`: a new pair, chained to the old one by a statement both sign. The statement is
 * appended (and fsynced) BEFORE the new private key replaces the old one, so a crash in between
 * leaves the old key in force and a statement the server simply never sees used.
 */
export function rotateTillSigningKey(dataDir: string, till: string): { oldKeyId: string; key: TillKeyPair; change: KeyChange } {
  const old = loadTillSigningKey(dataDir);
  const key = generateTillKeyPair();
  const change = makeKeyChange(till, old, key);
  const fd = openSync(keyChangesPath(dataDir), 'a', 0o644);
  try {
    writeSync(fd, `${JSON.stringify(change)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const retired = join(keysDir(dataDir), 'retired');
  mkdirSync(retired, { recursive: true });
  writeAtomically(join(retired, `${old.keyId}.pub.pem`), old.publicKeyPem, 0o644);
  writeAtomically(signingKeyPath(dataDir), key.privateKeyPem, 0o600);
  writeAtomically(signingPublicKeyPath(dataDir), key.publicKeyPem, 0o644);
  return { oldKeyId: old.keyId, key, change };
}

