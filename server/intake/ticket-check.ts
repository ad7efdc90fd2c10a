/**
 * What intake checks on one ticket before it may touch the database: its shape, its identity
 * (id = store-till-number), and its hash recomputed from its content. Pure: ticket in, verdict out.
 *
 * The canonical text is built once per ticket and serves twice — hashed without the `hash` key,
 * stored with it — because serialising 100,000 tickets twice costs about as much as inserting them.
 */
import { canonicalTicketTexts, sha256Text, ticketId } from '../../sync/ticket-chain.ts';
import type { Ticket } from '../../sync/types.ts';

const DECIMAL = /^-?\d+(\.\d+)?$/;
const HEX64 = /^[0-9a-f]{64}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The first thing wrong with the shape of a ticket, or null. `hashesChecked`: the caller has
 * already found hash and prevHash to be sha256 hex (the package reader), the last test here.
 */
export function ticketShapeProblem(t: unknown, hashesChecked = false): string | null {
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
  // Training tickets never leave the till (client/training.ts); one that does is refused here too.
  if (x.training !== undefined) return 'training ticket: sold in training mode, never accepted into the books';
  const totals = x.totals as Record<string, unknown> | undefined;
  if (!totals || typeof totals !== 'object') return 'field totals missing';
  for (const k of ['inclVat', 'due'] as const) {
    if (typeof totals[k] !== 'string' || !DECIMAL.test(totals[k] as string)) return `totals.${k} must be decimal text`;
  }
  if (!x.rounding || typeof x.rounding !== 'object') return 'field rounding missing';
  if (!hashesChecked && (!HEX64.test(x.prevHash as string) || !HEX64.test(x.hash as string))) return 'prevHash and hash must be 64 hex digits';
  return null;
}

/** What storing a ticket reads of it besides its canonical text: its columns and its chain links. */
export type TicketHead = Pick<Ticket, 'id' | 'store' | 'till' | 'number' | 'day' | 'soldAt' | 'customer' | 'degraded' | 'hash' | 'prevHash'> & {
  totals: Pick<Ticket['totals'], 'inclVat' | 'due'>;
};

export interface CheckedTicket {
  /** The whole ticket, or (from the package worker threads) only its head. */
  ticket: TicketHead;
  /** Canonical JSON of the whole ticket (hash included), as stored in tickets.content. */
  content: string;
}

export type TicketVerdict = { ok: true; checked: CheckedTicket } | { ok: false; id: string; reason: string };

/**
 * Canonical JSON of the ticket with and without its hash, serialising every member once: equal to
 * canonicalJson(ticket) and canonicalJson(ticket minus hash) (tested against them).
 */
export function canonicalPair(ticket: Ticket): { withoutHash: string; withHash: string } {
  return canonicalTicketTexts(ticket);
}

/**
 * Shape, identity and hash of one ticket; `expectTill` (`S1-01`) when the sender is known.
 * `verifiedContent`: canonicalJson of this very ticket, whose hash the caller has just checked
 * against it and whose prevHash it found to be a sha256 (the package reader does, for every line
 * it returns), so the text is neither built nor hashed again — that would be a quarter of a
 * package's intake time for nothing.
 */
export function checkIncomingTicket(t: unknown, expectTill?: string, verifiedContent?: string): TicketVerdict {
  const shape = ticketShapeProblem(t, verifiedContent !== undefined);
  const rawId = t && typeof t === 'object' && typeof (t as { id?: unknown }).id === 'string' ? (t as { id: string }).id : '?';
  if (shape) return { ok: false, id: rawId, reason: `malformed ticket: ${shape}` };
  const ticket = t as Ticket;
  const expected = ticketId(ticket.store, ticket.till, ticket.number);
  if (ticket.id !== expected) return { ok: false, id: ticket.id, reason: `id ${ticket.id} does not match store ${ticket.store}, till ${ticket.till}, number ${ticket.number} (expected ${expected})` };
  if (expectTill && `${ticket.store}-${ticket.till}` !== expectTill) return { ok: false, id: ticket.id, reason: `ticket of till ${ticket.store}-${ticket.till} sent as till ${expectTill}` };
  if (verifiedContent !== undefined) return { ok: true, checked: { ticket, content: verifiedContent } };
  const { withoutHash, withHash: content } = canonicalTicketTexts(ticket);
  if (sha256Text(withoutHash) !== ticket.hash) return { ok: false, id: ticket.id, reason: `ticket ${ticket.id}: content does not match its hash (altered after sale)` };
  return { ok: true, checked: { ticket, content } };
}
