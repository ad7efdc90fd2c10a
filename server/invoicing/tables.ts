/**
 * Invoicing's table (merged into Database in db/schema.ts): the deposit invoices. The columns it
 * adds to documents and number_series are declared with those tables (integration/tables.ts).
 */
import type { Generated } from 'kysely';

/** One invoice per deposit (acompte) received at the till from a customer who gets one (deposit-invoices.ts). */
export interface DepositInvoicesTable {
  id: Generated<number>;
  /** FA0000001…: the deposit-invoice series, chronological like the others. */
  number: string;
  seq: number;
  /** The ticket that took the deposit, and which of its settlements (a ticket may take several). */
  ticket_id: string;
  settlement_index: number;
  store: string;
  till: string;
  customer: string;
  /** The order the deposit was paid on (the final invoice deducts it: "acompte déjà versé"). */
  order_ref: string;
  /** Made on (invoice date) / money received on (the ticket's day). */
  invoice_date: string;
  sale_date: string;
  /** goods: VAT due at delivery, none on the deposit (CGI 269-2-a); services: VAT on the deposit (CGI 269-2-c). */
  category: string;
  /** Amount received incl VAT, decimal text; base + vat = amount. */
  amount: string;
  vat_code: string | null;
  rate: string | null;
  base: string;
  vat: string;
  batch_id: number;
  created_at: string;
}

export interface InvoicingTables {
  deposit_invoices: DepositInvoicesTable;
}
