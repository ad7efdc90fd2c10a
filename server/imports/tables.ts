import type { Generated } from 'kysely';

/**
 * What each import took in, one row per outside item (a receivable, a bank transaction, a payment,
 * a marketplace order), so that the same file imported twice changes nothing. A row counts only
 * while its batch is done: undoing the batch (server undo) gives the items back to the next import.
 */
export interface ImportRecordsTable {
  id: Generated<number>;
  /** receivable | bank | payment | sale */
  source: string;
  /** The item's identity in its source: invoice number, statement + entry reference, order number… */
  item_key: string;
  batch_id: number;
  file: string;
  line: number;
  /** JSON: what was read and done (amounts, matched invoices). */
  detail: string;
}

export interface ImportsTables {
  import_records: ImportRecordsTable;
}
