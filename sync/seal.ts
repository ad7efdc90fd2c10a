/**
 * The seal of a signed record (closure, journal event, archive manifest): `hash` is the SHA-256 of
 * the record's canonical JSON without `hash` and `signature`, `signature` the Ed25519 signature of
 * that hash by the till's (or server's) key. Chaining is the record's own business: it carries the
 * previous record's hash in a field the hash covers.
 *
 * Pure functions. checkSeal never throws: a hostile record is an answer ('altered' / 'bad-signature').
 */
import { canonicalJson, sha256Text } from './ticket-chain.ts';
import { signText, verifyText } from './till-keys.ts';

export const GENESIS = '0'.repeat(64);

export function sealHash(record: object): string {
  const { hash: _h, signature: _s, ...content } = record as Record<string, unknown>;
  return sha256Text(canonicalJson(content));
}

export function seal<T extends object>(body: T, privateKeyPem: string): T & { hash: string; signature: string } {
  const hash = sealHash(body);
  return { ...body, hash, signature: signText(privateKeyPem, hash) };
}

export type SealProblem = 'altered' | 'bad-signature' | null;

/** 'altered' when the content no longer gives its hash, 'bad-signature' when the key did not sign it. */
export function checkSeal(record: { hash?: unknown; signature?: unknown }, publicKeyPem: string): SealProblem {
  if (typeof record.hash !== 'string' || sealHash(record) !== record.hash) return 'altered';
  if (typeof record.signature !== 'string' || !verifyText(publicKeyPem, record.hash, record.signature)) return 'bad-signature';
  return null;
}
