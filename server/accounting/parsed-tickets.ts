/**
 * Integration's parse of each ticket it accepted, handed to the posting run that follows in the
 * same process (the nightly chain, server/nightly.ts). Without it posting reads every ticket's
 * signed JSON a second time and parses it again (measured ≈ 0.4 s of Node and PostgreSQL CPU a
 * 20,000-ticket night). A ticket's stored content never changes once received, and a kept ticket
 * is only handed out for the same id and hash as the row posting finds: anything else — a ticket of
 * an earlier night, one integrated by another process — posting reads from the database as before.
 * The books check keeps its own read on purpose (its arithmetic stays independent of posting's).
 */
import type { Ticket } from '../../sync/types.ts';
import type { PostingTicket } from './ledger-types.ts';
import { toPostingFields } from './posting-source.ts';

/** Past this many tickets a night keeps no more (memory: ≈ 1 kB each); the rest is read again. */
export const PARSED_TICKETS_LIMIT = 200_000;

export class ParsedTickets {
  private readonly kept = new Map<string, { hash: string; ticket: PostingTicket }>();
  /** Tickets handed to posting so far (the rest it read from the database). */
  handedOut = 0;
  constructor(private readonly limit = PARSED_TICKETS_LIMIT) {}

  get size(): number {
    return this.kept.size;
  }

  /** A ticket integration accepted: what posting reads of it (toPostingTicket's fields), not the whole parse. */
  keep(row: { id: string; hash: string }, ticket: Ticket): void {
    if (this.kept.size >= this.limit) return;
    this.kept.set(row.id, { hash: row.hash, ticket: toPostingFields(row.id, ticket) });
  }

  /** The kept ticket for this row (its document from the row), once: it is forgotten as it is handed out. */
  take(row: { id: string; hash: string; documentId: number | null; documentNumber: string | null }): PostingTicket | undefined {
    const k = this.kept.get(row.id);
    if (!k) return undefined;
    this.kept.delete(row.id);
    if (k.hash !== row.hash) return undefined;
    k.ticket.documentId = row.documentId;
    k.ticket.documentNumber = row.documentNumber;
    this.handedOut++;
    return k.ticket;
  }

  clear(): void {
    this.kept.clear();
  }
}
