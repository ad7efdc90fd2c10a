/**
 * How documents and payments are gathered into entries (seed 003 "Regroupement des écritures"):
 *  - direct, by customer: one sales entry per customer code, day, till and document (its number is
 *    the piece); one treasury entry per customer, day, till and journal;
 *  - direct, by account: one sales entry for every customer sharing a collective account on a day
 *    and till, piece `*TPV<till><first ticket number>`, one customer line per document (the
 *    breakdown per invoice); treasury entries per journal under the same piece;
 *  - classic: the commercial side posts one sales entry per document; the till's payments of the
 *    day are posted per journal (the till's remittance).
 */
import type { CustomerAccount } from './mapping.ts';

export type PostingMode = 'direct' | 'classic';
export type Grouping = 'customer' | 'account';

export interface GroupPlace {
  store: string;
  day: string;
  till: string;
}

/** The treasury (and, by account, the sales) group a document or ticket falls in. */
export function groupKey(mode: PostingMode, grouping: Grouping, at: GroupPlace, cust: CustomerAccount): string {
  const base = `${at.day}\u0000${at.store}\u0000${at.till}`;
  if (mode === 'classic') return base;
  return grouping === 'account' ? `${base}\u0000A${cust.account}` : `${base}\u0000C${cust.customer}`;
}

/** Piece of an entry grouped by account: "*TPV" + till + first ticket number (seed 003). */
export function accountPiece(till: string, firstTicket: number): string {
  return `*TPV${till}${firstTicket}`;
}

/** Piece of the till's daily remittance in classic posting, and of payments with no document. */
export function tillPiece(till: string, day: string): string {
  return `TPV${till}-${day.replaceAll('-', '')}`;
}

export function loosePiece(till: string, ticketNumber: number): string {
  return `TPV${till}-${ticketNumber}`;
}
