/**
 * The invoice model of an invoice made from a marketplace report (server/imports/, table
 * marketplace_invoices): the same InvoiceView as a till document, so the PDF/A, the Factur-X and
 * the e-invoicing flows take it as they are. The buyer is the marketplace customer (MP…), a
 * business when the report gave its company or VAT number; lines are the report's, plus the
 * shipping; one VAT rate per invoice (the import refuses orders that mix rates). The buyer paid the
 * marketplace when ordering: the invoice is "acquittée" (paid), whatever the marketplace still owes
 * the shop (that is the receivable the payout letters). Exempt sales carry their legal mention
 * (export: CGI 262 I, EN 16931 category G; intra-EU supply to a business: CGI 262 ter I, K).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { D, splitInclusive } from '../../sync/money.ts';
import type { BaseData } from '../../sync/types.ts';
import { priceText } from '../invoicing/line-pricing.ts';
import type { InvoiceLineView, InvoiceView } from './invoice-model.ts';

interface StoredLines {
  lines: { sku: string | null; label: string; quantity: string; unitPrice: string; total: string }[];
  shipping: string;
  address: string | null;
  postcode?: string | null;
  city: string | null;
  company?: string | null;
  vatNumber?: string | null;
  email?: string | null;
}

const CATEGORY: Record<string, 'G' | 'K' | undefined> = { export: 'G', 'intra-eu': 'K' };

function marketplaceLabel(source: string): string {
  return source === 'fnac' ? 'FNAC Marketplace' : `place de marché ${source}`;
}

/** A French VAT number is FR + 2 check characters + the SIREN. */
function sirenOf(vatNumber: string | null | undefined): string | null {
  const m = /^FR[0-9A-Z]{2}(\d{9})$/.exec(vatNumber ?? '');
  return m ? m[1] : null;
}

function line(label: string, sku: string | null, qty: string, incl: InstanceType<typeof D>, excl: InstanceType<typeof D>, rate: string, vatCategory: 'G' | 'K' | undefined): InvoiceLineView {
  const q = new D(qty);
  return {
    unitPriceIncl: priceText(incl.dividedBy(q)),
    unitPriceExcl: priceText(excl.dividedBy(q)),
    grossIncl: incl.toFixed(2),
    grossExcl: excl.toFixed(2),
    discount: null,
    netIncl: incl.toFixed(2),
    netExcl: excl.toFixed(2),
    netUnitPriceExcl: priceText(excl.dividedBy(q)),
    article: sku ?? '',
    label,
    qty,
    unitPrice: priceText(incl.dividedBy(q)),
    vatCode: '',
    vatRate: rate,
    amountIncl: incl.toFixed(2),
    amountExcl: excl.toFixed(2),
    category: 'goods',
    ticket: '',
    returnOf: null,
    ...(vatCategory ? { vatCategory } : {}),
  };
}

export async function marketplaceInvoiceView(db: Kysely<Database>, number: string, b: BaseData): Promise<InvoiceView | null> {
  const row = await db.selectFrom('marketplace_invoices').selectAll().where('number', '=', number).executeTakeFirst();
  if (!row) return null;
  const stored = JSON.parse(row.lines) as StoredLines;
  const cust = await db.selectFrom('marketplace_customers').selectAll().where('code', '=', row.customer).executeTakeFirst();
  const rate = row.vat_rate;
  const vatCategory = CATEGORY[row.vat_regime];
  const items = stored.lines.map((l) => ({ label: l.label, sku: l.sku, qty: l.quantity, incl: new D(l.total) }));
  if (new D(stored.shipping).gt(0)) items.push({ label: 'Frais de port', sku: null, qty: '1', incl: new D(stored.shipping) });
  const lines = items.map((i) => line(i.label, i.sku, i.qty, i.incl, splitInclusive(i.incl, rate).exclVat, rate, vatCategory));
  // The invoice's VAT is computed on its total (as posted): the cents between Σ lines and it go on the largest line.
  const diff = new D(row.total_excl).minus(lines.reduce((a, l) => a.plus(l.netExcl), new D(0)));
  if (!diff.isZero() && lines.length) {
    const big = lines.reduce((a, l) => (new D(l.netExcl).gt(a.netExcl) ? l : a));
    const i = lines.indexOf(big);
    const excl = new D(big.netExcl).plus(diff);
    lines[i] = line(big.label, big.article || null, big.qty, new D(big.netIncl), excl, rate, vatCategory);
  }
  const postcode = stored.postcode ?? cust?.postcode ?? null;
  const place = [postcode, stored.city].filter(Boolean).join(' ');
  const address = [stored.address, place].filter(Boolean).join(', ') || null;
  const business = Boolean(stored.company || stored.vatNumber);
  return {
    number: row.number,
    kind: 'invoice',
    complementOf: null,
    invoiceDate: row.invoice_date,
    saleDate: row.sale_date,
    date: row.invoice_date,
    store: '',
    till: '',
    seller: b.company,
    customer: {
      code: row.customer,
      name: stored.company || row.customer_name,
      address,
      deliveryAddress: stored.company ? `${row.customer_name}${address ? `, ${address}` : ''}` : null,
      professional: business,
      counter: false,
      siren: sirenOf(stored.vatNumber),
      vatNumber: stored.vatNumber ?? null,
      country: row.country,
      ...(stored.email ? { email: stored.email } : {}),
    },
    category: 'goods',
    lines,
    tickets: [],
    vat: [{ code: '', rate, base: row.total_excl, vat: row.total_vat, incl: row.total_incl, ...(vatCategory ? { vatCategory } : {}) }],
    totals: { excl: row.total_excl, vat: row.total_vat, incl: row.total_incl },
    corrects: [],
    uncitedReturns: 0,
    deposits: [],
    deposit: null,
    paid: row.total_incl,
    due: '0.00',
    dueSource: 'tickets',
    marketplace: { label: marketplaceLabel(row.source), order: row.order_no, vatMention: row.vat_mention },
  };
}
