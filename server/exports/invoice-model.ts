/**
 * What an invoice PDF shows, gathered from SQL: the document and its VAT breakdown, the tickets
 * it groups (lines, payments), the customer and the company from the base data. Pure data: the
 * PDF renderer takes it as it is.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { loadBaseData } from '../base-data.ts';
import { D } from '../../sync/money.ts';
import type { BaseData, Company, Ticket } from '../../sync/types.ts';

export interface InvoiceLineView {
  label: string;
  qty: string;
  /** Unit price incl. VAT, as on the ticket. */
  unitPrice: string;
  vatRate: string;
  amountIncl: string;
  amountExcl: string;
  /** Article code and VAT code of the ticket line (the e-invoice needs them: BT-155, VAT category). */
  article?: string;
  vatCode?: string;
}

export interface InvoiceTicketView {
  id: string;
  number: number;
  soldAt: string;
  totalIncl: string;
  payments: { mode: string; label: string; amount: string }[];
}

export interface InvoiceView {
  number: string;
  kind: string; // invoice | credit-note | delivery-note
  date: string; // YYYY-MM-DD
  store: string;
  till: string;
  seller: Company;
  customer: { code: string; name: string; address: string | null; professional: boolean };
  lines: InvoiceLineView[];
  tickets: InvoiceTicketView[];
  vat: { code: string; rate: string; base: string; vat: string; incl: string }[];
  totals: { excl: string; vat: string; incl: string };
  /** Settled at the till (every payment but credit modes), and what is left to pay. */
  paid: string;
  due: string;
}

export async function loadInvoiceViews(db: Kysely<Database>, numbers: string[], base?: BaseData): Promise<{ views: InvoiceView[]; missing: string[] }> {
  const b = base ?? (await loadBaseData(db));
  const views: InvoiceView[] = [];
  const missing: string[] = [];
  const modes = new Map(b.paymentModes.map((m) => [m.code, m]));
  for (const number of numbers) {
    const doc = await db.selectFrom('documents').selectAll().where('number', '=', number).executeTakeFirst();
    if (!doc) {
      missing.push(number);
      continue;
    }
    const vat = await db.selectFrom('document_vat').selectAll().where('document_id', '=', doc.id).orderBy('vat_code').execute();
    const ticketRows = await db.selectFrom('tickets').select(['id', 'number', 'sold_at', 'total_incl', 'content']).where('document_id', '=', doc.id).orderBy('till').orderBy('number').execute();
    const lines: InvoiceLineView[] = [];
    const tickets: InvoiceTicketView[] = [];
    let paid = new D(0);
    for (const t of ticketRows) {
      const ticket = JSON.parse(t.content) as Ticket;
      for (const l of ticket.lines ?? []) lines.push({ label: l.label, qty: l.qty, unitPrice: l.unitPrice, vatRate: l.vatRate, amountIncl: l.inclVat, amountExcl: l.exclVat, article: l.article, vatCode: l.vatCode });
      const payments = (ticket.payments ?? []).map((p) => ({ mode: p.mode, label: modes.get(p.mode)?.label ?? p.mode, amount: p.amount }));
      for (const p of ticket.payments ?? []) if (!modes.get(p.mode)?.credit) paid = paid.plus(p.amount);
      tickets.push({ id: t.id, number: t.number, soldAt: t.sold_at, totalIncl: t.total_incl, payments });
    }
    const customer = b.customers.find((c) => c.code === doc.customer);
    // Money taken for goods only: settlements of older invoices on the same ticket are not this invoice's.
    const incl = new D(doc.total_incl);
    const paidHere = D.min(paid, incl.abs());
    views.push({
      number: doc.number,
      kind: doc.kind,
      date: doc.day,
      store: doc.store,
      till: doc.till,
      seller: b.company,
      customer: { code: doc.customer, name: customer?.name ?? doc.customer, address: customer?.address ?? null, professional: Boolean(customer && !customer.counter) },
      lines,
      tickets,
      vat: vat.map((v) => ({ code: v.vat_code, rate: v.rate, base: v.base, vat: v.vat, incl: v.incl })),
      totals: { excl: doc.total_excl, vat: doc.total_vat, incl: doc.total_incl },
      paid: paidHere.toFixed(2),
      due: D.max(incl.abs().minus(paidHere), 0).toFixed(2),
    });
  }
  return { views, missing };
}
