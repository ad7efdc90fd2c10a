/**
 * How tickets become the lines of a version-2 package (tickets.jsonl + hashes.bin) and come back.
 *
 * A line leaves out what the reader can put back exactly, because in a package it is redundant:
 *  - `hash`: kept as 32 raw bytes in hashes.bin (random hex among JSON deflates to ~45 bytes);
 *  - `prevHash`, when it is the hash of the line before (always, within an unbroken chain);
 *  - `store`, `till` (the manifest's) and `id` (ticketId of them and the number).
 * Nothing is trusted for having been restored: the restored ticket goes through every check a
 * version-1 line goes through, and its hash, signed with the package, covers every restored field,
 * so a wrong restoration can only make the line fail, never let altered content in.
 * A field whose value differs from what would be restored (a broken chain, a hash that is not a
 * sha256, a ticket of another till) stays in the line, so the reader sees it as it was stored.
 */
import { HASH_BYTES } from './package-format.ts';
import { canonicalJson, ticketId } from './ticket-chain.ts';
import type { Ticket } from './types.ts';

const HEX64 = /^[0-9a-f]{64}$/;

export interface EncodedTickets {
  jsonl: Buffer;
  hashes: Buffer;
}

/** The k-th hash of hashes.bin as hex (0-based, in line order). */
export function hashAt(hashes: Buffer, k: number): string {
  return hashes.toString('hex', k * HASH_BYTES, (k + 1) * HASH_BYTES);
}

/** `tickets` in the order they go in the package, every one of `store` till `till`. */
export function encodeTicketLines(tickets: Ticket[], store: string, till: string): EncodedTickets {
  const hashes = Buffer.alloc(tickets.length * HASH_BYTES);
  const lines: string[] = new Array(tickets.length);
  for (let k = 0; k < tickets.length; k++) {
    lines[k] = encodeTicketLine(tickets[k], k === 0 ? null : hashAt(hashes, k - 1), store, till, hashes, k * HASH_BYTES);
  }
  return { jsonl: Buffer.from(lines.join(''), 'utf8'), hashes };
}

/**
 * One ticket's line (with its "\n"), its hash written as bytes into `hashes` at `at` (left zero
 * when it is not a sha256). `prevRecord`: the hex of the record before (null on the first line),
 * so that a writer streaming line by line leaves out exactly what encodeTicketLines leaves out.
 */
export function encodeTicketLine(ticket: Ticket, prevRecord: string | null, store: string, till: string, hashes: Buffer, at: number): string {
  const { hash, prevHash, id, store: s, till: t, ...rest } = ticket;
  const line: Record<string, unknown> = rest;
  // A hash that is not a sha256 cannot be written as bytes: the line keeps it and its record
  // stays zero, so the reader reports that one line exactly as version 1 would.
  if (HEX64.test(hash)) hashes.write(hash, at, 'hex');
  else line.hash = hash;
  if (prevRecord === null || prevHash !== prevRecord) line.prevHash = prevHash;
  if (s !== store || t !== till) Object.assign(line, { store: s, till: t });
  if (!Number.isInteger(rest.number) || id !== ticketId(s, t, rest.number)) line.id = id;
  return canonicalJson(line) + '\n';
}

/**
 * Puts back into `line` itself what its writer left out (`hashOf(i)`: the hex hash of line i).
 * Fields the line carries are kept as they are, to be judged by the reader's checks.
 */
export function putBackOmitted(line: Record<string, unknown>, k: number, hashOf: (i: number) => string, manifest: { store: string; till: string }): Record<string, unknown> {
  if (!Object.hasOwn(line, 'hash')) line.hash = hashOf(k);
  // The first line's predecessor is not in the package: its writer always keeps prevHash.
  if (!Object.hasOwn(line, 'prevHash') && k > 0) line.prevHash = hashOf(k - 1);
  if (!Object.hasOwn(line, 'store')) line.store = manifest.store;
  if (!Object.hasOwn(line, 'till')) line.till = manifest.till;
  if (!Object.hasOwn(line, 'id') && Number.isInteger(line.number) && typeof line.store === 'string' && typeof line.till === 'string') {
    line.id = ticketId(line.store, line.till, line.number as number);
  }
  return line;
}

/**
 * The ticket line at position `k` (0-based among the non-blank lines) with what its writer left
 * out put back, in a copy with keys in canonical order (so hashing it takes canonicalJson's fast path).
 */
export function restoreTicketLine(line: Record<string, unknown>, k: number, hashes: Buffer, manifest: { store: string; till: string }): Record<string, unknown> {
  const full = putBackOmitted({ ...line }, k, (i) => hashAt(hashes, i), manifest);
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(full).sort()) sorted[key] = full[key];
  return sorted;
}
