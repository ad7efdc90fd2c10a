/**
 * Deposit invoices (factures d'acompte). A deposit received from a taxable customer needs an
 * invoice (CGI 289-I-1-c); we make one for every deposit of a customer with a SIREN, of a customer
 * flagged `depositInvoices`, or taken with `"invoice": true` at the till (on request).
 *
 * VAT on the deposit follows what the order is for: goods — VAT is due at delivery (CGI 269-2-a),
 * so the deposit invoice carries no VAT and says so, and the final invoice charges all of it;
 * services — VAT is due on receipt (CGI 269-2-c), so the deposit is split at the order's rate.
 *
 * planDepositInvoices is pure (deposits of the run and base data in, invoices to write and errors
 * out); writeDepositInvoices numbers them in the FA series inside the run's transaction.
 */
import type { Kysely } from 'kysely';
import type { BooksError } from '../../sync/errors.ts';
import type { BooksPass } from '../books/pass.ts';
import { fmt, splitInclusive, type Decimals } from '../../sync/money.ts';
import type { Customer, OperationCategory, VatRate } from '../../sync/types.ts';
import type { Database } from '../db/schema.ts';
import type { PlannedDeposit } from '../integration/document-grouping.ts';
import { formatNumber, type SeriesState } from '../integration/numbering.ts';

export interface PlannedDepositInvoice {
  ticket: string;
  index: number;
  store: string;
  till: string;
  customer: string;
  order: string;
  saleDate: string;
  category: OperationCategory;
  amount: string;
  vatCode: string | null;
  rate: string | null;
  base: string;
  vat: string;
}

/** Who gets a deposit invoice: a business (SIREN), a customer who asked once for all, or this deposit on request. */
export function wantsDepositInvoice(customer: Customer | undefined, d: PlannedDeposit): boolean {
  if (d.settlement.invoice === false) return Boolean(customer?.siren);
  return Boolean(customer?.siren || customer?.depositInvoices || d.settlement.invoice);
}

/** The decimals an amount is written with (the ticket's), 2 to 4. */
function decimalsOf(amount: string): Decimals {
  const n = amount.split('.')[1]?.length ?? 2;
  return (n >= 4 ? 4 : n === 3 ? 3 : 2) as Decimals;
}

/** What deposit invoicing reads: the run's deposits and the base data. */
export interface DepositSnapshot {
  deposits: readonly PlannedDeposit[];
  base: { customers: readonly Customer[]; vatRates: readonly VatRate[] };
}

/** A pass of the integration run (server/books/pass.ts): the invoices to write, a deposit that cannot have one in errors. */
export const planDepositInvoices: BooksPass<DepositSnapshot, PlannedDepositInvoice[]> = ({ deposits, base }) => {
  const customers = new Map(base.customers.map((c) => [c.code, c]));
  const rates = new Map(base.vatRates.map((v) => [v.code, v]));
  const invoices: PlannedDepositInvoice[] = [];
  const errors: BooksError[] = [];
  for (const d of [...deposits].sort((a, b) => (a.ticket < b.ticket ? -1 : a.ticket > b.ticket ? 1 : a.index - b.index))) {
    if (!wantsDepositInvoice(customers.get(d.customer), d)) continue;
    const category: OperationCategory = d.settlement.category === 'services' ? 'services' : 'goods';
    const decimals = decimalsOf(d.settlement.amount);
    const common = { ticket: d.ticket, index: d.index, store: d.store, till: d.till, customer: d.customer, order: d.settlement.ref, saleDate: d.day, category, amount: fmt(d.settlement.amount, decimals) };
    if (category === 'goods') {
      invoices.push({ ...common, vatCode: null, rate: null, base: common.amount, vat: fmt(0, decimals) });
      continue;
    }
    const rate = d.settlement.vatCode ? rates.get(d.settlement.vatCode) : undefined;
    if (!rate) {
      // The till checks the code; a base change since is reported, and the deposit invoiced as for goods would be wrong: none is made.
      errors.push({ source: 'integration', message: `ticket ${d.ticket}: deposit on order ${d.settlement.ref} is for services but its VAT code "${d.settlement.vatCode ?? ''}" is not in the base data: no deposit invoice made`, ref: { ticket: d.ticket, till: `${d.store}-${d.till}` } });
      continue;
    }
    const s = splitInclusive(d.settlement.amount, rate.rate, decimals);
    invoices.push({ ...common, vatCode: rate.code, rate: rate.rate, base: fmt(s.exclVat, decimals), vat: fmt(s.vat, decimals) });
  }
  return { result: invoices, errors };
};

/** Numbers (FA series, in ticket order) and writes the run's deposit invoices; returns the numbers taken. */
export async function writeDepositInvoices(
  trx: Kysely<Database>,
  invoices: PlannedDepositInvoice[],
  w: { batchId: number; now: string; invoiceDate: string; series: SeriesState },
): Promise<string[]> {
  const numbers: string[] = [];
  for (const inv of invoices) {
    const seq = (w.series.get('deposit-invoice') ?? 0) + 1;
    w.series.set('deposit-invoice', seq);
    const number = formatNumber('deposit-invoice', seq);
    await trx
      .insertInto('deposit_invoices')
      .values({
        number,
        seq,
        ticket_id: inv.ticket,
        settlement_index: inv.index,
        store: inv.store,
        till: inv.till,
        customer: inv.customer,
        order_ref: inv.order,
        invoice_date: w.invoiceDate,
        sale_date: inv.saleDate,
        category: inv.category,
        amount: inv.amount,
        vat_code: inv.vatCode,
        rate: inv.rate,
        base: inv.base,
        vat: inv.vat,
        batch_id: w.batchId,
        created_at: w.now,
      })
      .execute();
    numbers.push(number);
  }
  return numbers;
}
