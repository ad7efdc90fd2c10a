import type { Generated } from 'kysely';

/** Commercial documents made by nightly integration: one per customer × day × till × kind. */
export interface DocumentsTable {
  id: Generated<number>;
  /** Printed number, unique: series prefix + zero-padded gapless sequence, 9 characters (F00000001, BL0000001, AV0000001; numbering.ts). */
  number: string;
  series: string; // invoice | delivery-note | credit-note
  seq: number;
  kind: string; // invoice | delivery-note | credit-note
  store: string;
  till: string;
  customer: string;
  day: string;
  /** Goods, decimal text: Σ of the tickets' totals (negative on a credit note, like its returns). */
  total_incl: string;
  total_excl: string;
  total_vat: string;
  ticket_count: number;
  /** Lowest and highest ticket number of the till in the document. */
  first_ticket: number;
  last_ticket: number;
  batch_id: number;
  /** Set when posted; a posted document's batch can no longer be undone. */
  posting_batch: number | null;
  created_at: string;
  /** The day the document was made (the invoice date, numbers follow it); `day` is the sale date. Null on rows older than migration 070. */
  invoice_date: string | null;
  /** Set on a complementary document: the number of the ordinary document of the same customer × day × till × kind made by an earlier run. */
  complement_of: string | null;
}

export interface DocumentVatTable {
  document_id: number;
  vat_code: string;
  rate: string;
  base: string;
  vat: string;
  incl: string;
}

/** Last number used per series; updated in the same transaction as the documents. */
export interface NumberSeriesTable {
  series: string;
  last_seq: number;
  /** Invoice date of the last number taken (null before migration 070 or before any number). */
  last_date: string | null;
}

export interface IntegrationTables {
  documents: DocumentsTable;
  document_vat: DocumentVatTable;
  number_series: NumberSeriesTable;
}
