/**
 * One stored ticket → a verdict: left out with its reasons as errors, or accepted with just what
 * grouping needs (document kind, goods totals, VAT totals). Pure and self-contained, so that it can
 * run in a worker thread next to the SQL of the run (verdict-source.ts). The integrate pass's first
 * step (document-grouping.ts groups what it accepts).
 */
import type { Ticket, TicketSettlement, VatTotal } from '../../sync/types.ts';
import { documentKind, type DocumentKind } from './document-kind.ts';
import { checkStoredTicket, type IntegrationRefs, type Link, type StoredTicket } from './ticket-checks.ts';
import type { PassResult } from '../books/pass.ts';

export interface AcceptedTicket {
  id: string;
  store: string;
  till: string;
  number: number;
  day: string;
  customer: string;
  /** null: no goods, integrated without a document. */
  kind: DocumentKind | null;
  decimals: 2 | 3 | 4;
  totals: { inclVat: string; exclVat: string; vat: string };
  byVat: VatTotal[];
  /** Deposits (acomptes) the ticket takes, with their index among its settlements (absent: none). */
  deposits?: { index: number; settlement: TicketSettlement }[];
}

/** Accepted (null: left out, the errors say why, one per reason). */
export type Verdict = PassResult<{ ticket: AcceptedTicket; linkUnverified: boolean } | null>;

/** A ticket accepted, parsed: what a caller may keep of it (the nightly chain hands it to posting, server/accounting/parsed-tickets.ts). */
export type OnAccepted = (row: Readonly<StoredTicket>, ticket: Ticket) => void;

export function ticketVerdict(row: Readonly<StoredTicket>, link: Link, refs: IntegrationRefs, onAccepted?: OnAccepted): Verdict {
  const c = checkStoredTicket(row, link, refs);
  if (!c.result) return { result: null, errors: c.errors };
  const t = c.result.ticket;
  onAccepted?.(row, t);
  return {
    errors: [],
    result: {
      linkUnverified: c.result.linkUnverified,
      ticket: {
        id: t.id,
        store: t.store,
        till: t.till,
        number: t.number,
        day: t.day,
        // A back-office correction (ticket_overrides) wins over the customer the ticket was sold to.
        customer: row.overrideCustomer ?? t.customer,
        kind: documentKind(t, refs.paymentModes),
        decimals: t.rounding.decimals,
        totals: { inclVat: t.totals.inclVat, exclVat: t.totals.exclVat, vat: t.totals.vat },
        byVat: t.totals.byVat,
        ...depositsOf(t.settlements),
      },
    },
  };
}

function depositsOf(settlements: TicketSettlement[] | undefined): { deposits?: AcceptedTicket['deposits'] } {
  if (!settlements?.length) return {};
  const deposits = settlements.map((settlement, index) => ({ index, settlement })).filter((d) => d.settlement.kind === 'deposit');
  return deposits.length ? { deposits } : {};
}

/** A ticket to judge: the row and the stored ticket numbered just before it (if on the server). */
export interface CheckTask {
  row: StoredTicket;
  link: Link;
}
