import type { Generated } from 'kysely';

/** Journal entries made by posting (sales and treasury), balanced, in validation order (id). */
export interface EntriesTable {
  id: Generated<number>;
  batch_id: number;
  journal: string;
  /** Accounting date YYYY-MM-DD (the document's day). */
  entry_date: string;
  /** Piece reference: document number, or *TPV<till><first ticket> when grouped by account. */
  piece: string;
  label: string;
  kind: string; // sales | treasury
  /** Validation moment (FEC ValidDate). */
  validated_at: string;
  /** Set when written to an export; exported entries cannot be undone. */
  export_id: number | null;
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
  vat_code: string | null;
  /** Invoice / document number this line refers to (lettering key, Exact your-ref). */
  document_number: string | null;
  lettering_id: number | null;
}

/** A lettering group: customer lines that settle each other; sums to zero unless partial. */
export interface LetteringsTable {
  id: Generated<number>;
  account: string;
  aux_account: string | null;
  /** AAA, AAB… per account. */
  code: string;
  lettered_at: string;
  partial: number; // 0 | 1
  batch_id: number;
}

/** Settlement items (effets): one per payment, with the mode's state; credit sales stay open. */
export interface SettlementsTable {
  id: Generated<number>;
  batch_id: number;
  customer: string;
  third_party: string;
  document_number: string | null;
  ticket_id: string | null;
  mode: string;
  state: string;
  amount: string;
  open_amount: string;
  created_at: string;
}

export interface AccountingTables {
  entries: EntriesTable;
  entry_lines: EntryLinesTable;
  letterings: LetteringsTable;
  settlements: SettlementsTable;
}
