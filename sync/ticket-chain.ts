import * as crypto from 'node:crypto';
import type { Ticket } from './types.ts';

/** Hash of the (virtual) ticket before a till's first one. */
export const GENESIS_HASH = '0'.repeat(64);

export function ticketId(store: string, till: string, number: number): string {
  return `${store}-${till}-${String(number).padStart(8, '0')}`;
}

/**
 * True when JSON.stringify(value) already is the canonical text: plain data whose object keys are
 * in sorted order at every level (e.g. anything parsed from canonical JSON, such as a package
 * line), so canonicalJson can skip re-sorting and re-building it (3× faster on a ticket).
 */
export function inCanonicalOrder(v: unknown): boolean {
  if (v === null) return true;
  const type = typeof v;
  if (type === 'string' || type === 'number' || type === 'boolean') return true;
  if (type !== 'object') return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (v[i] === undefined || !inCanonicalOrder(v[i])) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  let prev: string | null = null;
  for (const k of Object.keys(v as object)) {
    if (prev !== null && !(prev < k)) return false;
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined && !inCanonicalOrder(x)) return false;
    prev = k;
  }
  return true;
}

/** JSON with keys sorted at every level: the same ticket always hashes the same, on any side. */
export function canonicalJson(value: unknown): string {
  if (inCanonicalOrder(value)) return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** `"key":` as canonicalJson writes it, kept for the few keys tickets use (bounded: keys may come from hostile lines). */
const memberPrefixes = new Map<string, string>();
function memberPrefix(key: string): string {
  let text = memberPrefixes.get(key);
  if (text === undefined) {
    text = `${JSON.stringify(key)}:`;
    if (memberPrefixes.size < 256) memberPrefixes.set(key, text);
  }
  return text;
}

export interface CanonicalTicketTexts {
  /** canonicalJson of the ticket without its `hash` member: the text its hash covers. */
  withoutHash: string;
  /** canonicalJson of the whole ticket: what the server stores. */
  withHash: string;
}

/**
 * canonicalJson(ticket) and canonicalJson(ticket without `hash`) from ONE serialisation of each
 * member: an object's canonical text is `{` + its defined members, sorted by key, as
 * `"key":canonicalJson(value)` + `}` (exactly canonicalJson's general case, which its fast path
 * equals), so both texts share every member but one. Serialising a 100,000-ticket package once
 * for the hash and again for storage cost as much as inserting it.
 */
export function canonicalTicketTexts(ticket: object): CanonicalTicketTexts {
  // An array's canonical text is not that of an object with its indexes as keys.
  if (Array.isArray(ticket)) throw new TypeError('canonicalTicketTexts takes a ticket object, not an array');
  const rec = ticket as Record<string, unknown>;
  const keys = Object.keys(rec);
  for (let i = 1; i < keys.length; i++) {
    if (!(keys[i - 1] < keys[i])) {
      keys.sort();
      break;
    }
  }
  let before = '';
  let after = '';
  let hash = '';
  for (const key of keys) {
    const value = rec[key];
    if (value === undefined) continue;
    const member = memberPrefix(key) + canonicalJson(value);
    if (key === 'hash') hash = member;
    else if (key < 'hash') before = before === '' ? member : `${before},${member}`;
    else after = after === '' ? member : `${after},${member}`;
  }
  const withoutHash = before !== '' && after !== '' ? `{${before},${after}}` : `{${before}${after}}`;
  if (hash === '') return { withoutHash, withHash: withoutHash };
  return { withoutHash, withHash: `{${[before, hash, after].filter((part) => part !== '').join(',')}}` };
}

/** sha256 of a text as hex; the one-shot form where this Node has it (several times cheaper per ticket). */
export const sha256Text: (text: string) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (text) => (crypto as unknown as { hash: (alg: string, data: string, enc: 'hex') => string }).hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

/** The hash covers every field of the ticket except the hash itself, including prevHash: that is the chain. */
export function hashTicket(ticket: Omit<Ticket, 'hash'> | Ticket): string {
  const { hash: _ignored, ...content } = ticket as Ticket;
  return sha256Text(canonicalJson(content));
}

export type ChainProblem =
  | { kind: 'altered'; ticket: string; message: string }
  | { kind: 'broken-link'; ticket: string; message: string }
  | { kind: 'gap'; ticket: string; from: number; to: number; message: string }
  | { kind: 'duplicate-number'; ticket: string; message: string };

/**
 * Verifies a run of tickets of ONE till sorted by number. `previous` is the ticket just before the
 * run when known (null when the run starts at 1 or the predecessor has not arrived yet).
 */
export function verifyChain(tickets: Ticket[], previous: { number: number; hash: string } | null): ChainProblem[] {
  const problems: ChainProblem[] = [];
  let prev = previous;
  for (const t of tickets) {
    if (hashTicket(t) !== t.hash) {
      problems.push({ kind: 'altered', ticket: t.id, message: `ticket ${t.id}: content does not match its hash (altered after sale)` });
    }
    if (prev) {
      if (t.number === prev.number) {
        problems.push({ kind: 'duplicate-number', ticket: t.id, message: `ticket ${t.id}: number ${t.number} appears twice` });
      } else if (t.number > prev.number + 1) {
        problems.push({ kind: 'gap', ticket: t.id, from: prev.number + 1, to: t.number - 1, message: `till ${t.store}-${t.till}: tickets ${prev.number + 1}–${t.number - 1} missing before ${t.id}` });
      } else if (t.number === prev.number + 1 && t.prevHash !== prev.hash) {
        problems.push({ kind: 'broken-link', ticket: t.id, message: `ticket ${t.id}: previous hash does not match ticket ${prev.number}` });
      }
    } else if (t.number === 1 && t.prevHash !== GENESIS_HASH) {
      problems.push({ kind: 'broken-link', ticket: t.id, message: `ticket ${t.id}: first ticket of the till must chain to the genesis hash` });
    }
    prev = { number: t.number, hash: t.hash };
  }
  return problems;
}
