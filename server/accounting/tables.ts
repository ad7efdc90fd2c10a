import type { Generated } from 'kysely';

/** Journal entries made by posting (sales and treasury), balanced, in validation order (id). */
export interface EntriesTable {
  id: Generated<number>;
  batch_id: number;
  journal: string;
  /** Accounting date YYYY-MM-DD (the document's day). */
  entry_date: string;
  /** Piece reference: document number, *TPV<till><first ticket> when grouped by account, TPV<till>-<YYYYMMDD> for a till's day in classic posting. */
  piece: string;
  label: string;
  kind: string; // sales | treasury
  /** Validation moment (FEC ValidDate). */
  validated_at: string;
  /** Set when written to an export; exported entries cannot be undone. */
  export_id: number | null;
  /** FEC EcritureNum, given at validation over all entries (entry-numbers.ts); null only before numbering. */
  fec_num: number | null;
  /** The same inside the entry's journal. */
  fec_journal_num: number | null;
}

export interface EntryLinesTable {
  id: Generated<number>;
  entry_id: number;
  line_no: number;
  account: string;
  /** Third-party (auxiliary) account on customer lines (FEC CompAuxNum). */
  aux_account: string | null;
  aux_label: string | null;
  label: string;
  debit: string; // decimal text, "0.00" when empty
  credit: string;
  /** Export VAT code (mapping vat.<code>.vatCode) on sales and VAT lines. */
  vat_code: string | null;
  /** Invoice / document number this line refers to (Exact your-ref); the *TPV piece on a line aggregated over several invoices. */
  document_number: string | null;
  /** The CURRENT lettering of the line (letterings.id), null when unlettered. */
  lettering_id: number | null;
  /** Lines with the same account, third party and key are lettered together; null = not letterable. */
  letter_key: string | null;
}

/**
 * A lettering group: customer (or deposit) lines with one key that settle each other. Sums to zero
 * unless partial. A later batch changing a group supersedes the row (superseded_batch) by a new
 * one with the same code and previous_id pointing back, so an undo restores it exactly.
 */
export interface LetteringsTable {
  id: Generated<number>;
  account: string;
  aux_account: string | null;
  /** AAA, AAB… per account and third party. */
  code: string;
  /** YYYY-MM-DD: the date of the latest line of the group (when it was settled). */
  lettered_at: string;
  partial: number; // 0 | 1
  batch_id: number;
  /** The key of the lines it letters (null only on rows written by other tools). */
  letter_key: string | null;
  /** Number behind the code (0 = AAA). */
  seq: Generated<number>;
  previous_id: number | null;
  superseded_batch: number | null;
}

/**
 * Settlement items (effets). kind: payment (a payment received, state of its mode: EPV, BPV, CPV,
 * APV; nothing open), receivable (a credit sale, open until paid: C10…), deposit (money received on
 * an order, open until a voucher uses it). Rows are never edited except closed_batch: paying an
 * item closes it and a partial payment opens a new item for the rest (parent_id).
 */
export interface SettlementsTable {
  id: Generated<number>;
  batch_id: number;
  kind: string; // payment | receivable | deposit
  customer: string;
  third_party: string;
  document_number: string | null;
  ticket_id: string | null;
  mode: string;
  state: string;
  amount: string;
  open_amount: string;
  /** Business day of the ticket that made it. */
  day: string;
  parent_id: number | null;
  /** The batch that paid or used this item (null while open). */
  closed_batch: number | null;
  created_at: string;
}

/** Tickets without goods posted by a batch (tickets with goods are posted through documents.posting_batch). */
export interface PostedTicketsTable {
  ticket_id: string;
  batch_id: number;
}

export interface AccountingTables {
  entries: EntriesTable;
  entry_lines: EntryLinesTable;
  letterings: LetteringsTable;
  settlements: SettlementsTable;
  posted_tickets: PostedTicketsTable;
}
