/**
 * The data the pure accounting passes exchange: documents and tickets in (read-only), entry drafts,
 * settlement operations and errors out. Amounts are decimal.js values inside the passes and decimal
 * text at the edges.
 */
import type { Dec } from '../../sync/money.ts';
import type { Units } from './units.ts';
import type { PassResult } from '../books/pass.ts';
import type { TicketPayment, TicketSettlement } from '../../sync/types.ts';

export type DocKind = 'invoice' | 'delivery-note' | 'credit-note';

export interface PostingDocument {
  id: number;
  number: string;
  kind: DocKind;
  store: string;
  till: string;
  customer: string;
  day: string;
  /** As stored by integration; a credit note may be stored positive (the sign comes from the kind). */
  totalIncl: string;
  ticketCount: number;
}

export interface PostingTicketLine {
  vatCode: string;
  vatRate: string;
  /** Net of any discount. */
  inclVat: string;
  /** The line's discount incl VAT (signed like the line), when it has one. */
  discount?: string;
  /** Quantity and unit price incl VAT: read only when the books round per product (mapping rounding.vatOn "product"). */
  qty?: string;
  unitPrice?: string;
}

export interface PostingTicket {
  id: string;
  store: string;
  till: string;
  number: number;
  day: string;
  customer: string;
  documentId: number | null;
  documentNumber: string | null;
  lines: PostingTicketLine[];
  settlements: TicketSettlement[];
  payments: TicketPayment[];
  /** Goods incl VAT (totals.inclVat), negative on returns. */
  goods: string;
}

export interface LineDraft {
  account: string;
  aux: string | null;
  auxLabel: string | null;
  label: string;
  /** Debit − credit in units of 10^-4 (units.ts), at the books' decimals: > 0 a debit, < 0 a credit, never 0. */
  amount: Units;
  vatCode: string | null;
  documentNumber: string | null;
  /** Lines with the same (account, aux, letterKey) are lettered together; null = not letterable. */
  letterKey: string | null;
}

export type EntryKind = 'sales' | 'treasury';

/** What an entry posts: unchecking it in the "Liste des écritures" leaves these out of the run. */
export interface EntrySources {
  /** Numbers of the documents of this run whose amounts are in the entry. */
  documents: string[];
  /** Payment-only tickets (no document) whose payments are in the entry. */
  tickets: string[];
}

export interface EntryDraft {
  journal: string;
  date: string;
  piece: string;
  label: string;
  kind: EntryKind;
  lines: LineDraft[];
  sources: EntrySources;
}

export type SettlementKind = 'payment' | 'receivable' | 'deposit';

/** A settlement item (effet) to create. Receivables and deposits stay open until consumed. */
export interface SettlementDraft {
  kind: SettlementKind;
  customer: string;
  thirdParty: string;
  documentNumber: string | null;
  ticketId: string | null;
  mode: string;
  state: string;
  /** Units of 10^-4 (see units.ts). */
  amount: Units;
  open: Units;
  day: string;
}

/** Money that pays an open receivable (invoice settled at the till) or uses an open deposit (voucher). */
export interface Consumption {
  kind: 'receivable' | 'deposit';
  ref: string;
  amount: Units;
  ticketId: string;
  day: string;
}

export interface RoundingAdjustment {
  document: string;
  placement: 'accounts' | 'first-line' | 'first-tax';
  /** The export VAT code the difference went onto (first-line / first-tax), else null. */
  vatCode: string | null;
  /** Signed: customer amount − Σ(net + VAT) before placement. */
  amount: Dec;
}

/** What the posting pass makes of a chunk (its errors beside it, in PostingResult). */
export interface PostedBooks {
  entries: EntryDraft[];
  settlements: SettlementDraft[];
  consumptions: Consumption[];
  /** Documents handled (posted as sales, or delivery notes left to the commercial side). */
  postedDocuments: PostingDocument[];
  /** Documents left out because of an error (they stay unposted for a later run). */
  leftOut: PostingDocument[];
  /** Tickets without goods whose payments were posted (integrated but no document). */
  postedPaymentOnly: string[];
  adjustments: RoundingAdjustment[];
}

/** The posting pass's outcome (server/books/pass.ts): a document or ticket in error is left out and named in `errors`. */
export type PostingResult = PassResult<PostedBooks>;

export function emptyResult(): PostingResult {
  return { result: { entries: [], settlements: [], consumptions: [], postedDocuments: [], leftOut: [], postedPaymentOnly: [], adjustments: [] }, errors: [] };
}
