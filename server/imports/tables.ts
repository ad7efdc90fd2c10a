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

/** Invoices made from marketplace reports (import-sales), in their own numbering chain (or the tills'). */
export interface MarketplaceInvoicesTable {
  id: Generated<number>;
  number: string;
  series: string;
  seq: number;
  batch_id: number;
  /** Profile name: fnac, generic… */
  source: string;
  order_no: string;
  /** The day the invoice was made (numbers follow it) and the order's day. */
  invoice_date: string;
  sale_date: string;
  customer: string;
  customer_name: string;
  country: string;
  vat_regime: string;
  vat_rate: string;
  vat_mention: string | null;
  total_incl: string;
  total_excl: string;
  total_vat: string;
  commission: string;
  /** JSON: [{ sku, label, quantity, unitPrice, total }] and the shipping. */
  lines: string;
  created_at: string;
}

/** Marketplace buyers, third parties on the marketplace customer account (MP00001…). */
export interface MarketplaceCustomersTable {
  code: string;
  name: string;
  email: string | null;
  postcode: string | null;
  country: string;
  batch_id: number;
}

export interface ImportsTables {
  import_records: ImportRecordsTable;
  marketplace_invoices: MarketplaceInvoicesTable;
  marketplace_customers: MarketplaceCustomersTable;
}
