/**
 * The technical-event journal (JET, "journal des événements techniques" of NF525): one append-only
 * chain of signed events per till (and one for the server). Each event carries the hash of the one
 * before it, its own hash (sync/seal.ts) and the Ed25519 signature of that hash, so deleting,
 * inserting or editing one line breaks the chain at that line for anyone holding the public key.
 *
 * Pure: building the next event and checking a run of events. Storing them is the caller's job.
 */
import { GENESIS, seal, checkSeal } from './seal.ts';
import type { TillKeyPair } from './till-keys.ts';

/** The events the law and the NF525 referential ask for (see docs/nf525.md). */
export const JET_TYPES = [
  'start', // software started (data: version)
  'stop',
  'version', // software version changed since the last start
  'base-applied', // base data or prices applied (data: version, items)
  'config-change', // identity, server or rounding changed (data: what)
  'cashier-open',
  'cashier-close',
  'line-cancelled', // a line removed before payment (data: article, qty, amount)
  'ticket-cancelled', // a sold ticket cancelled by a new negative ticket (data: ticket, by)
  'discount', // a price below the article's price (data: ticket, article, from, to)
  'price-override', // a price above the article's price
  'reprint', // a duplicate receipt (data: ticket, count)
  'training-on',
  'training-off',
  'export', // a package or export written (data: file, count)
  'archive', // an archive written (data: file, period)
  'closure', // a closure made (data: id, kind, period)
  'clock-jump', // the clock went back (or far forward) compared with the last record
  'key-change',
  'purge-refused',
  'error',
] as const;
export type JetType = (typeof JET_TYPES)[number];

export interface JetEvent {
  /** `${origin}-E${seq padded to 9}` (origin: `S1-01` for a till, `server` for the server). */
  id: string;
  origin: string;
  seq: number;
  at: string;
  type: JetType;
  /** Small, plain JSON: what happened, to what. */
  data: Record<string, unknown>;
  prevHash: string;
  keyId: string;
  hash: string;
  signature: string;
}

export function jetEventId(origin: string, seq: number): string {
  return `${origin}-E${String(seq).padStart(9, '0')}`;
}

export function nextJetEvent(prev: Pick<JetEvent, 'seq' | 'hash'> | null, origin: string, type: JetType, data: Record<string, unknown>, key: TillKeyPair, at: Date): JetEvent {
  const seq = (prev?.seq ?? 0) + 1;
  return seal({ id: jetEventId(origin, seq), origin, seq, at: at.toISOString(), type, data, prevHash: prev?.hash ?? GENESIS, keyId: key.keyId }, key.privateKeyPem);
}

export interface ChainFinding {
  /** What is wrong, for the report: 'altered', 'bad-signature', 'unknown-key', 'broken-link', 'gap'. */
  kind: string;
  /** The record (event id, closure id) and, when read from a file, the line. */
  ref: string;
  line?: number;
  message: string;
}

/** Checks a journal run in seq order; `keys` maps key id → public key PEM. */
export function verifyJetChain(events: JetEvent[], keys: Map<string, string>, lineOf: (i: number) => number | undefined = () => undefined): ChainFinding[] {
  const out: ChainFinding[] = [];
  let prev: JetEvent | null = null;
  events.forEach((e, i) => {
    const line = lineOf(i);
    const key = keys.get(e.keyId);
    if (!key) out.push({ kind: 'unknown-key', ref: e.id, line, message: `journal event ${e.id}: signed by key ${e.keyId}, which is not among the till's public keys` });
    else {
      const p = checkSeal(e, key);
      if (p === 'altered') out.push({ kind: 'altered', ref: e.id, line, message: `journal event ${e.id}: content does not match its hash (altered)` });
      else if (p) out.push({ kind: p, ref: e.id, line, message: `journal event ${e.id}: signature does not verify with key ${e.keyId}` });
    }
    if (prev) {
      if (e.seq !== prev.seq + 1) out.push({ kind: 'gap', ref: e.id, line, message: `journal: events ${prev.seq + 1}–${e.seq - 1} missing before ${e.id}` });
      else if (e.prevHash !== prev.hash) out.push({ kind: 'broken-link', ref: e.id, line, message: `journal event ${e.id}: previous hash does not match event ${prev.id}` });
    } else if (e.seq === 1 && e.prevHash !== GENESIS) {
      out.push({ kind: 'broken-link', ref: e.id, line, message: `journal event ${e.id}: first event must chain to the genesis hash` });
    }
    prev = e;
  });
  return out;
}
