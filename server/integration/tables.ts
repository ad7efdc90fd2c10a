import type { Generated } from 'kysely';

/** Commercial documents made by nightly integration: one per customer × day × till × kind. */
export interface DocumentsTable {
  id: Generated<number>;
  /** Printed number, unique: series prefix + gapless sequence (see numbering). */
  number: string;
  series: string; // invoice | delivery-note | credit-note
  seq: number;
  kind: string; // invoice | delivery-note | credit-note
  store: string;
  till: string;
  customer: string;
  day: string;
  /** Goods, decimal text. */
  total_incl: string;
  total_excl: string;
  total_vat: string;
  ticket_count: number;
  first_ticket: number;
  last_ticket: number;
  batch_id: number;
  /** Set when posted; a posted document's batch can no longer be undone. */
  posting_batch: number | null;
  created_at: string;
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
}

export interface IntegrationTables {
  documents: DocumentsTable;
  document_vat: DocumentVatTable;
  number_series: NumberSeriesTable;
}
