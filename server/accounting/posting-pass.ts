/**
 * The posting pass over a selection, chunk by chunk: read a chunk's tickets (through the caller's
 * connection: the posting run's transaction, or the back office's preview), hold back what relies
 * on something left out, run accounting's pure pass (postDocuments). Nothing is written here; a
 * posting run writes what it yields (posting-run.ts), the back office's preview shows it.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { PostingResult, PostingTicket } from './ledger-types.ts';
import { holdBack, type HeldBack } from './posting-exclusion.ts';
import { chunksOf, loadTickets, type Chunk, type PaymentOnlyRef } from './posting-source.ts';
import { postDocuments, type PostingOptions } from './posting.ts';
import type { PostingDocument } from './ledger-types.ts';
import type { ParsedTickets } from './parsed-tickets.ts';

export interface PostedChunk {
  chunk: Chunk;
  /** The chunk's tickets less those held back. */
  tickets: PostingTicket[];
  heldBack: HeldBack[];
  result: PostingResult;
  /** Tickets the chunk selected (held back ones included): progress. */
  selected: number;
}

export async function* postChunks(
  db: Kysely<Database>,
  selection: { documents: PostingDocument[]; paymentOnly: PaymentOnlyRef[] },
  options: PostingOptions,
  opts: { leftOut?: Set<string>; chunkTickets?: number; parsed?: ParsedTickets } = {},
): AsyncGenerator<PostedChunk> {
  for (const chunk of chunksOf(selection.documents, selection.paymentOnly, opts.chunkTickets)) {
    const loaded = await loadTickets(db, chunk.documents.map((x) => x.id), chunk.paymentOnly.map((x) => x.id), opts.parsed);
    const kept = holdBack(chunk.documents, loaded, opts.leftOut ?? new Set());
    const result = postDocuments({ documents: kept.documents, tickets: kept.tickets, options });
    yield { chunk, tickets: kept.tickets, heldBack: kept.heldBack, result, selected: chunk.documents.reduce((a, x) => a + x.ticketCount, 0) + chunk.paymentOnly.length };
  }
}
