/**
 * What intake checks on one ticket before it may touch the database: its shape, its identity
 * (id = store-till-number), and its hash recomputed from its content. Pure: ticket in, verdict out.
 *
 * The canonical text is built once per ticket and serves twice — hashed without the `hash` key,
 * stored with it — because serialising 100,000 tickets twice costs about as much as inserting them.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, ticketId } from '../../sync/ticket-chain.ts';
import type { Ticket } from '../../sync/types.ts';

const DECIMAL = /^-?\d+(\.\d+)?$/;
const HEX64 = /^[0-9a-f]{64}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The first thing wrong with the shape of a ticket, or null. */
export function ticketShapeProblem(t: unknown): string | null {
  if (!t || typeof t !== 'object' || Array.isArray(t)) return 'not a ticket object';
  const x = t as Record<string, unknown>;
  for (const k of ['id', 'store', 'till', 'soldAt', 'day', 'customer', 'prevHash', 'hash'] as const) {
    if (typeof x[k] !== 'string' || x[k] === '') return `field ${k} missing or not text`;
  }
  if (!Number.isSafeInteger(x.number) || (x.number as number) < 1) return 'field number must be a positive integer';
  if (!DAY.test(x.day as string)) return `day ${String(x.day)} is not YYYY-MM-DD`;
  if (Number.isNaN(Date.parse(x.soldAt as string))) return `soldAt ${String(x.soldAt)} is not a date`;
  for (const k of ['lines', 'settlements', 'payments'] as const) if (!Array.isArray(x[k])) return `field ${k} must be a list`;
  if (typeof x.degraded !== 'boolean') return 'field degraded must be true or false';
  const totals = x.totals as Record<string, unknown> | undefined;
  if (!totals || typeof totals !== 'object') return 'field totals missing';
  for (const k of ['inclVat', 'due'] as const) {
    if (typeof totals[k] !== 'string' || !DECIMAL.test(totals[k] as string)) return `totals.${k} must be decimal text`;
  }
  if (!x.rounding || typeof x.rounding !== 'object') return 'field rounding missing';
  if (!HEX64.test(x.prevHash as string) || !HEX64.test(x.hash as string)) return 'prevHash and hash must be 64 hex digits';
  return null;
}

export interface CheckedTicket {
  ticket: Ticket;
  /** Canonical JSON of the whole ticket (hash included), as stored in tickets.content. */
  content: string;
}

export type TicketVerdict = { ok: true; checked: CheckedTicket } | { ok: false; id: string; reason: string };

/**
 * Canonical JSON of the ticket with and without its hash, serialising everything once: the
 * members sorting before "hash" and those after it as two halves, joined twice. Equal to
 * canonicalJson(ticket) and canonicalJson(ticket minus hash) (tested against them).
 */
export function canonicalPair(ticket: Ticket): { withoutHash: string; withHash: string } {
  const rec = ticket as unknown as Record<string, unknown>;
  const keys = Object.keys(rec)
    .filter((k) => rec[k] !== undefined && k !== 'hash')
    .sort();
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const k of keys) (k < 'hash' ? before : after)[k] = rec[k];
  const a = canonicalJson(before).slice(1, -1);
  const b = canonicalJson(after).slice(1, -1);
  const join = (...parts: string[]) => `{${parts.filter(Boolean).join(',')}}`;
  const hash = rec.hash === undefined ? '' : `"hash":${canonicalJson(rec.hash)}`;
  return { withoutHash: join(a, b), withHash: join(a, hash, b) };
}

/**
 * Shape, identity and hash of one ticket; `expectTill` (`S1-01`) when the sender is known.
 * `hashVerified`: the caller has just recomputed this very object's hash (the package reader does,
 * for every line it returns), so only the canonical text is built — hashing 100,000 tickets twice
 * in a row would be a quarter of a package's intake time for nothing.
 */
export function checkTicket(t: unknown, expectTill?: string, hashVerified = false): TicketVerdict {
  const shape = ticketShapeProblem(t);
  const rawId = t && typeof t === 'object' && typeof (t as { id?: unknown }).id === 'string' ? (t as { id: string }).id : '?';
  if (shape) return { ok: false, id: rawId, reason: `malformed ticket: ${shape}` };
  const ticket = t as Ticket;
  const expected = ticketId(ticket.store, ticket.till, ticket.number);
  if (ticket.id !== expected) return { ok: false, id: ticket.id, reason: `id ${ticket.id} does not match store ${ticket.store}, till ${ticket.till}, number ${ticket.number} (expected ${expected})` };
  if (expectTill && `${ticket.store}-${ticket.till}` !== expectTill) return { ok: false, id: ticket.id, reason: `ticket of till ${ticket.store}-${ticket.till} sent as till ${expectTill}` };
  if (hashVerified) return { ok: true, checked: { ticket, content: canonicalJson(ticket) } };
  const { withoutHash, withHash: content } = canonicalPair(ticket);
  if (createHash('sha256').update(withoutHash).digest('hex') !== ticket.hash) return { ok: false, id: ticket.id, reason: `ticket ${ticket.id}: content does not match its hash (altered after sale)` };
  return { ok: true, checked: { ticket, content } };
}
