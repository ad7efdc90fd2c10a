/**
 * A till's key change as a signed statement: the OLD key signs "till S1-01 now signs with key N"
 * (authority), the NEW key signs the same text (possession). Whoever knows the old public key can
 * check it, so a server, a tax auditor or anyone holding only server data never registers a key the
 * till did not make: only the holder of the old private key can chain a new key to it.
 *
 * Pure; statements travel in the key registration request and in package manifests (version 3).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from './ticket-chain.ts';
import { keyIdOf, signText, verifyText, type TillKeyPair } from './till-keys.ts';

export const KEY_CHANGE_TYPE = 'tillsync-key-change';

export interface KeyChange {
  type: typeof KEY_CHANGE_TYPE;
  /** `S1-01`. */
  till: string;
  oldKeyId: string;
  newKeyId: string;
  newPublicKey: string;
  /** ISO 8601 UTC. */
  at: string;
  /** Ed25519 (base64) of the statement's text by the old key, then by the new one. */
  oldSignature: string;
  newSignature: string;
}

/** What both keys sign: every field but the signatures, canonical JSON. */
export function keyChangeText(c: Omit<KeyChange, 'oldSignature' | 'newSignature'>): string {
  return canonicalJson({ type: c.type, till: c.till, oldKeyId: c.oldKeyId, newKeyId: c.newKeyId, newPublicKey: c.newPublicKey, at: c.at });
}

export function makeKeyChange(till: string, oldKey: TillKeyPair, newKey: TillKeyPair, at = new Date()): KeyChange {
  const body = { type: KEY_CHANGE_TYPE, till, oldKeyId: oldKey.keyId, newKeyId: newKey.keyId, newPublicKey: newKey.publicKeyPem, at: at.toISOString() } as const;
  const text = keyChangeText(body);
  return { ...body, oldSignature: signText(oldKey.privateKeyPem, text), newSignature: signText(newKey.privateKeyPem, text) };
}

/** Why this statement does not chain `oldPublicKey` to its new key for `till`, or null when it does. */
export function keyChangeProblem(c: unknown, till: string, oldPublicKey: string): string | null {
  if (!c || typeof c !== 'object') return 'not a key-change statement';
  const k = c as Partial<KeyChange>;
  if (k.type !== KEY_CHANGE_TYPE) return 'not a key-change statement';
  for (const f of ['till', 'oldKeyId', 'newKeyId', 'newPublicKey', 'at', 'oldSignature', 'newSignature'] as const) {
    if (typeof k[f] !== 'string') return `key change lacks ${f}`;
  }
  if (k.till !== till) return `key change is for till ${k.till}, not ${till}`;
  let newId: string;
  try {
    newId = keyIdOf(k.newPublicKey!);
  } catch {
    return 'key change carries an unreadable public key';
  }
  if (newId !== k.newKeyId) return 'key change names another key id than its public key';
  if (keyIdOf(oldPublicKey) !== k.oldKeyId) return 'key change starts from another key';
  const text = keyChangeText(k as KeyChange);
  if (!verifyText(oldPublicKey, text, k.oldSignature!)) return `key change is not signed by the old key ${k.oldKeyId}`;
  if (!verifyText(k.newPublicKey!, text, k.newSignature!)) return `key change is not signed by the new key ${k.newKeyId}`;
  return null;
}

/**
 * Proof that whoever made a key holds the till's auth secret: lets a till that was never online
 * register its first key through a package (any channel), as first contact over HTTP does. Only
 * ever used while the server knows no key for the till (after that, only key changes add keys).
 */
export function enrolmentProof(authSecret: string, till: string, keyId: string): string {
  return createHmac('sha256', authSecret).update(`tillsync-key-proof\n${till}\n${keyId}`).digest('hex');
}

export function enrolmentProofMatches(authSecret: string, till: string, keyId: string, proof: unknown): boolean {
  if (typeof proof !== 'string' || !/^[0-9a-f]{64}$/.test(proof)) return false;
  return timingSafeEqual(Buffer.from(enrolmentProof(authSecret, till, keyId), 'hex'), Buffer.from(proof, 'hex'));
}
