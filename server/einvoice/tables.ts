import type { Generated } from 'kysely';

/** One row per e-invoice produced (a Factur-X of an invoice or credit note to a business customer), with its lifecycle. */
export interface EinvoicesTable {
  id: Generated<number>;
  /** The document number; an e-invoice is never renumbered (a rejected one is corrected by a credit note and a new invoice). */
  number: string;
  customer: string;
  /** UNTDID 1001: 380, 381, 386. */
  type_code: string;
  issue_date: string;
  total_incl: string;
  /** Absolute path of the Factur-X PDF. */
  file: string;
  pdf_sha256: string;
  xml_sha256: string;
  /** produced | sent | deposited | rejected | refused | approved | disputed | suspended | collected | cancelled (lifecycle.ts). */
  status: string;
  status_at: string;
  /** Adapter that last carried it (folder | mail | http), the platform's reference and last message. */
  channel: string | null;
  platform_ref: string | null;
  message: string | null;
  created_at: string;
}

/** Every status change, in order: what the platform said and when. */
export interface EinvoiceEventsTable {
  id: Generated<number>;
  number: string;
  status: string;
  at: string;
  channel: string | null;
  detail: string | null;
}

/** One row per e-reporting file (Flux 10) written; reset_at set when made writable again (`server ereport-reset`). */
export interface EreportsTable {
  id: Generated<number>;
  period_from: string;
  period_to: string;
  file: string;
  file_name: string;
  sha256: string;
  /** JSON: per day, rate and category the totals written, and the FEC tie-out figures. */
  totals: string;
  transaction_count: number;
  total_excl: string;
  total_vat: string;
  trigger: string;
  created_at: string;
  reset_at: string | null;
}

export interface EinvoiceTables {
  einvoices: EinvoicesTable;
  einvoice_events: EinvoiceEventsTable;
  ereports: EreportsTable;
}
