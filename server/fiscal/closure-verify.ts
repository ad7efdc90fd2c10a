/**
 * What the server checks on a closure a till pushes, before storing it: its seal (hash and Ed25519
 * signature, sync/seal.ts) with the till's public key, and its link to the previous closure of the
 * same kind already stored. Pure: closure, keys and previous in; null or the reason out. Closures
 * made before closures were signed carry no signature and are accepted as before (shown "unsigned").
 */
import { checkSeal, GENESIS } from '../../sync/seal.ts';
import type { Closure } from '../../sync/types.ts';
import type { PublicKeyRow } from './till-public-keys.ts';

export interface ClosureVerdict {
  ok: boolean;
  /** 'unsigned' (accepted, legacy), 'unknown-key', 'altered', 'bad-signature', 'broken-link'. */
  code: string | null;
  message: string;
  key: PublicKeyRow | null;
}

export function verifyClosure(c: Closure, keys: PublicKeyRow[], previous: Closure | null): ClosureVerdict {
  if (c.signature === undefined) return { ok: true, code: 'unsigned', message: `closure ${c.id} is not signed (made before closures were signed)`, key: null };
  const key = keys.find((k) => k.keyId === c.keyId) ?? null;
  if (!key) {
    return { ok: false, code: 'unknown-key', message: `closure ${c.id} is signed by key ${c.keyId ?? '?'}, which is not ${keys.some((k) => k.registered) ? 'a key registered for' : 'a key sent by'} till ${c.store}-${c.till}`, key: null };
  }
  const p = checkSeal(c, key.publicKey);
  if (p === 'altered') return { ok: false, code: 'altered', message: `closure ${c.id}: content does not match its hash (altered)`, key };
  if (p) return { ok: false, code: p, message: `closure ${c.id}: signature does not verify with key ${c.keyId}`, key };
  if (previous && previous.seq === c.seq - 1 && previous.hash !== c.prevHash) return { ok: false, code: 'broken-link', message: `closure ${c.id} does not chain to ${previous.id} (previous hash differs)`, key };
  if (c.seq === 1 && c.prevHash !== GENESIS) return { ok: false, code: 'broken-link', message: `closure ${c.id}: the first closure of its kind must chain to the genesis hash`, key };
  return { ok: true, code: null, message: `closure ${c.id} verified with ${key.registered ? 'the registered' : 'the carried'} key ${c.keyFingerprint ?? c.keyId}`, key };
}
