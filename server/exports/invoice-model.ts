/**
 * The invoice data model: what an invoice, credit note, delivery note or deposit invoice says,
 * gathered from SQL (the document, its VAT breakdown, its tickets' lines and payments, the ledger)
 * and the base data (company, customer, articles). Pure data: the PDF renderer (invoice-pdf.ts)
 * and the e-invoice writer take it as it is. Every mandatory mention of docs/invoices.md is a
 * field here: seller and buyer identities (SIREN, SIRET, VAT number, RCS, legal form, capital),
 * operation category, per line list price excl VAT / discount / net, totals per rate, invoice and
 * sale dates, payment terms, the invoice a credit note corrects, deposits deducted, and the amount
 * due taken from the ledger once the document is posted.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.ts';
import { loadBaseData } from '../base-data.ts';
import { D } from '../../sync/money.ts';
import type { BaseData, Company, OperationCategory, Ticket } from '../../sync/types.ts';
import { invoiceDateOf } from '../invoicing/invoice-dates.ts';
import { linePricing, priceText, type LinePricing } from '../invoicing/line-pricing.ts';
import { marketplaceInvoiceView } from './marketplace-invoice-view.ts';

export type InvoiceKind = 'invoice' | 'credit-note' | 'delivery-note' | 'deposit-invoice';

/** goods, services, or both (décret 2022-1299 "catégorie de l'opération"). */
export type InvoiceCategory = OperationCategory | 'both';

export interface InvoiceLineView extends LinePricing {
  article: string;
  label: string;
  qty: string;
  /** Unit price incl. VAT, as on the ticket (the list price, before discount). */
  unitPrice: string;
  vatCode: string;
  vatRate: string;
  /** Net of discount (= netIncl / netExcl). */
  amountIncl: string;
  amountExcl: string;
  category: OperationCategory;
  /** The ticket the line was sold on, and for a returned line the ticket of the sale it returns. */
  ticket: string;
  returnOf: string | null;
  /** EN 16931 VAT category of an exempt line the base data's VAT table does not describe (marketplace sales: G export, K intra-EU). */
  vatCategory?: 'G' | 'K';
}

export interface InvoiceTicketView {
  id: string;
  number: number;
  soldAt: string;
  totalIncl: string;
  payments: { mode: string; label: string; amount: string }[];
}

export interface CustomerView {
  code: string;
  name: string;
  /** The customer's own address; null for the anonymous counter customer (never the shop's). */
  address: string | null;
  deliveryAddress: string | null;
  /** A business customer (not the counter): the 40 € indemnity applies (L441-10). */
  professional: boolean;
  counter: boolean;
  siren: string | null;
  vatNumber: string | null;
  /** ISO country code and e-mail when the customer is not in the base data (marketplace buyers). */
  country?: string;
  email?: string;
}

export interface DocumentRef {
  number: string;
  invoiceDate: string;
}

export interface DeductedDeposit {
  order: string;
  /** Incl VAT, positive. */
  amount: string;
  /** The deposit invoice made when the deposit was received (null: none was made). */
  invoice: (DocumentRef & { category: OperationCategory; vat: string }) | null;
}

export interface InvoiceView {
  number: string;
  kind: InvoiceKind;
  /** A complementary document (tickets of its key that came in a later run) cites the ordinary one. */
  complementOf: DocumentRef | null;
  /** The day the document was made (numbers follow it) and the day of the sale (its tickets' day). */
  invoiceDate: string;
  saleDate: string;
  /** = invoiceDate (kept for callers of the first model). */
  date: string;
  store: string;
  till: string;
  seller: Company;
  customer: CustomerView;
  category: InvoiceCategory;
  lines: InvoiceLineView[];
  tickets: InvoiceTicketView[];
  vat: { code: string; rate: string; base: string; vat: string; incl: string; vatCategory?: 'G' | 'K' }[];
  totals: { excl: string; vat: string; incl: string };
  /** An invoice made from a marketplace report (server/imports/): the marketplace, the order, and the VAT exemption's legal mention. */
  marketplace?: { label: string; order: string; vatMention: string | null };
  /** Credit note: the invoices of the returned sales (CGI 289-I-5); lines whose sale has no document yet are counted apart. */
  corrects: DocumentRef[];
  uncitedReturns: number;
  /** Final invoice: deposits used at the till ("acompte déjà versé"). */
  deposits: DeductedDeposit[];
  /** Deposit invoice: the order, and when its VAT is due (goods: at delivery; services: on receipt, i.e. on this invoice). */
  deposit: { order: string; category: OperationCategory; vatDue: 'delivery' | 'receipt'; ticket: string } | null;
  /** Settled at the till, deposits excluded (positive: money received; a credit note: money refunded). */
  paid: string;
  /** Left to pay (invoice) or left to refund / use (credit note), ≥ 0. */
  due: string;
  /** Where `due` comes from: the customer's ledger lines once posted, the tickets before. */
  dueSource: 'ledger' | 'tickets';
}

type DocRow = Selectable<Database['documents']>;
type DepositRow = Selectable<Database['deposit_invoices']>;

/** Which views to load: document numbers (F…, AV…, BL…) and deposit invoice numbers (FA…) alike. */
export async function loadInvoiceViews(db: Kysely<Database>, numbers: string[], base?: BaseData): Promise<{ views: InvoiceView[]; missing: string[] }> {
  const b = base ?? (await loadBaseData(db));
  const views: InvoiceView[] = [];
  const missing: string[] = [];
  for (const number of numbers) {
    const doc = await db.selectFrom('documents').selectAll().where('number', '=', number).executeTakeFirst();
    if (doc) {
      views.push(await documentView(db, doc, b));
      continue;
    }
    const dep = await db.selectFrom('deposit_invoices').selectAll().where('number', '=', number).executeTakeFirst();
    if (dep) {
      views.push(depositView(dep, b));
      continue;
    }
    const mp = await marketplaceInvoiceView(db, number, b);
    if (mp) views.push(mp);
    else missing.push(number);
  }
  return { views, missing };
}

export function customerView(b: BaseData, code: string): CustomerView {
  const c = b.customers.find((x) => x.code === code);
  const counter = Boolean(c?.counter);
  return {
    code,
    name: c?.name ?? code,
    // The counter customer is anonymous: whatever address the base data gives it is not the buyer's.
    address: counter ? null : (c?.address ?? null),
    deliveryAddress: counter ? null : (c?.deliveryAddress ?? null),
    professional: Boolean(c && !counter && !c.consumer),
    counter,
    siren: c?.siren ?? null,
    vatNumber: c?.vatNumber ?? null,
  };
}

function categoryOf(cats: Iterable<OperationCategory>): InvoiceCategory {
  const s = new Set(cats);
  return s.size === 0 ? 'goods' : s.size === 2 ? 'both' : [...s][0];
}

async function documentView(db: Kysely<Database>, doc: DocRow, b: BaseData): Promise<InvoiceView> {
  const modes = new Map(b.paymentModes.map((m) => [m.code, m]));
  const articles = new Map(b.articles.map((a) => [a.code, a]));
  const vat = await db.selectFrom('document_vat').selectAll().where('document_id', '=', doc.id).orderBy('vat_code').execute();
  const ticketRows = await db.selectFrom('tickets').select(['id', 'number', 'sold_at', 'total_incl', 'content']).where('document_id', '=', doc.id).orderBy('till').orderBy('number').execute();
  const lines: InvoiceLineView[] = [];
  const tickets: InvoiceTicketView[] = [];
  const returned = new Set<string>();
  const vouchers: { order: string; amount: InstanceType<typeof D> }[] = [];
  let paid = new D(0);
  for (const t of ticketRows) {
    const ticket = JSON.parse(t.content) as Ticket;
    for (const l of ticket.lines ?? []) {
      const p = linePricing(l);
      lines.push({ ...p, article: l.article, label: l.label, qty: l.qty, unitPrice: l.unitPrice, vatCode: l.vatCode, vatRate: l.vatRate, amountIncl: l.inclVat, amountExcl: l.exclVat, category: articles.get(l.article)?.category ?? 'goods', ticket: t.id, returnOf: l.returnOf ?? null });
      if (l.returnOf) returned.add(l.returnOf);
    }
    const payments = (ticket.payments ?? []).map((p) => ({ mode: p.mode, label: modes.get(p.mode)?.label ?? p.mode, amount: p.amount }));
    for (const p of ticket.payments ?? []) {
      const m = modes.get(p.mode);
      if (m?.depositVoucher) vouchers.push({ order: p.ref ?? '', amount: new D(p.amount) });
      else if (!m?.credit) paid = paid.plus(p.amount);
    }
    tickets.push({ id: t.id, number: t.number, soldAt: t.sold_at, totalIncl: t.total_incl, payments });
  }
  const kind = doc.kind as InvoiceKind;
  const incl = new D(doc.total_incl);
  const deposits = await deductedDeposits(db, doc.customer, vouchers);
  const depositTotal = deposits.reduce((a, d) => a.plus(d.amount), new D(0));
  // Money taken for goods only: settlements of older invoices on the same ticket are not this invoice's.
  // A credit note's payments are refunds (negative): what was refunded counts against what is owed back.
  const received = kind === 'credit-note' ? paid.negated() : paid;
  const paidHere = D.max(D.min(received, incl.abs().minus(depositTotal)), 0);
  let due = D.max(incl.abs().minus(depositTotal).minus(paidHere), 0);
  let dueSource: InvoiceView['dueSource'] = 'tickets';
  const ledger = doc.posting_batch !== null ? await ledgerOpen(db, doc.number) : null;
  if (ledger !== null) {
    due = D.max(kind === 'credit-note' ? ledger.negated() : ledger, 0);
    dueSource = 'ledger';
  }
  const corrects = kind === 'credit-note' ? await correctedDocuments(db, [...returned]) : { refs: [], uncited: 0 };
  const uncitedLines = kind === 'credit-note' ? lines.filter((l) => new D(l.qty).isNegative() && (!l.returnOf || corrects.missing?.has(l.returnOf))).length : 0;
  const complementOf = doc.complement_of ? await documentRef(db, doc.complement_of) : null;
  const invoiceDate = invoiceDateOf(doc);
  return {
    number: doc.number,
    kind,
    complementOf,
    invoiceDate,
    saleDate: doc.day,
    date: invoiceDate,
    store: doc.store,
    till: doc.till,
    seller: b.company,
    customer: customerView(b, doc.customer),
    category: categoryOf(lines.map((l) => l.category)),
    lines,
    tickets,
    vat: vat.map((v) => ({ code: v.vat_code, rate: v.rate, base: v.base, vat: v.vat, incl: v.incl })),
    totals: { excl: doc.total_excl, vat: doc.total_vat, incl: doc.total_incl },
    corrects: corrects.refs,
    uncitedReturns: uncitedLines,
    deposits,
    deposit: null,
    paid: paidHere.toFixed(2),
    due: due.toFixed(2),
    dueSource,
  };
}

async function documentRef(db: Kysely<Database>, number: string): Promise<DocumentRef | null> {
  const r = await db.selectFrom('documents').select(['number', 'invoice_date', 'created_at']).where('number', '=', number).executeTakeFirst();
  return r ? { number: r.number, invoiceDate: invoiceDateOf(r) } : null;
}

/** The documents holding the returned sales' tickets; `missing`: returned tickets not in a document (yet). */
async function correctedDocuments(db: Kysely<Database>, ticketIds: string[]): Promise<{ refs: DocumentRef[]; uncited: number; missing?: Set<string> }> {
  if (!ticketIds.length) return { refs: [], uncited: 0, missing: new Set() };
  const rows = await db
    .selectFrom('tickets')
    .leftJoin('documents', 'documents.id', 'tickets.document_id')
    .select(['tickets.id as ticket', 'documents.number', 'documents.invoice_date', 'documents.created_at'])
    .where('tickets.id', 'in', ticketIds)
    .execute();
  const refs = new Map<string, DocumentRef>();
  const found = new Set<string>();
  for (const r of rows) {
    if (!r.number || !r.created_at) continue;
    found.add(r.ticket);
    refs.set(r.number, { number: r.number, invoiceDate: invoiceDateOf({ invoice_date: r.invoice_date, created_at: r.created_at }) });
  }
  const missing = new Set(ticketIds.filter((id) => !found.has(id)));
  return { refs: [...refs.values()].sort((a, b) => (a.number < b.number ? -1 : 1)), uncited: missing.size, missing };
}

async function deductedDeposits(db: Kysely<Database>, customer: string, vouchers: { order: string; amount: InstanceType<typeof D> }[]): Promise<DeductedDeposit[]> {
  const out: DeductedDeposit[] = [];
  for (const v of vouchers) {
    const inv = await db.selectFrom('deposit_invoices').selectAll().where('customer', '=', customer).where('order_ref', '=', v.order).orderBy('seq').executeTakeFirst();
    out.push({
      order: v.order,
      amount: v.amount.toFixed(2),
      invoice: inv ? { number: inv.number, invoiceDate: inv.invoice_date, category: inv.category as OperationCategory, vat: inv.vat } : null,
    });
  }
  return out;
}

/**
 * What the ledger says is still open on the document, signed (debit − credit): the lines on the
 * customer's account carrying the letter key of the document's own customer line (its number,
 * or the *TPV piece it was lettered under). null when the document has no customer line.
 */
export async function ledgerOpen(db: Kysely<Database>, number: string): Promise<InstanceType<typeof D> | null> {
  const own = await db
    .selectFrom('entry_lines')
    .innerJoin('entries', 'entries.id', 'entry_lines.entry_id')
    .select(['entry_lines.account', 'entry_lines.aux_account', 'entry_lines.letter_key'])
    .where('entries.kind', '=', 'sales')
    .where('entry_lines.document_number', '=', number)
    .where('entry_lines.aux_account', 'is not', null)
    .where('entry_lines.letter_key', 'is not', null)
    .executeTakeFirst();
  if (!own?.letter_key || !own.aux_account) return null;
  const lines = await db
    .selectFrom('entry_lines')
    .select(['debit', 'credit'])
    .where('account', '=', own.account)
    .where('aux_account', '=', own.aux_account)
    .where('letter_key', '=', own.letter_key)
    .execute();
  return lines.reduce((a, l) => a.plus(l.debit).minus(l.credit), new D(0));
}

function depositView(dep: DepositRow, b: BaseData): InvoiceView {
  const category = dep.category as OperationCategory;
  const label = `Acompte sur commande n° ${dep.order_ref}`;
  const rate = dep.rate ?? '0';
  const line: InvoiceLineView = {
    unitPriceIncl: dep.amount,
    unitPriceExcl: priceText(new D(dep.base)),
    grossIncl: dep.amount,
    grossExcl: dep.base,
    discount: null,
    netIncl: dep.amount,
    netExcl: dep.base,
    netUnitPriceExcl: priceText(new D(dep.base)),
    article: '',
    label,
    qty: '1',
    unitPrice: dep.amount,
    vatCode: dep.vat_code ?? '',
    vatRate: rate,
    amountIncl: dep.amount,
    amountExcl: dep.base,
    category,
    ticket: dep.ticket_id,
    returnOf: null,
  };
  return {
    number: dep.number,
    kind: 'deposit-invoice',
    complementOf: null,
    invoiceDate: dep.invoice_date,
    saleDate: dep.sale_date,
    date: dep.invoice_date,
    store: dep.store,
    till: dep.till,
    seller: b.company,
    customer: customerView(b, dep.customer),
    category,
    lines: [line],
    tickets: [],
    vat: dep.vat_code ? [{ code: dep.vat_code, rate, base: dep.base, vat: dep.vat, incl: dep.amount }] : [],
    totals: { excl: dep.base, vat: dep.vat, incl: dep.amount },
    corrects: [],
    uncitedReturns: 0,
    deposits: [],
    deposit: { order: dep.order_ref, category, vatDue: category === 'services' ? 'receipt' : 'delivery', ticket: dep.ticket_id },
    // A deposit invoice records money already received at the till.
    paid: new D(dep.amount).toFixed(2),
    due: '0.00',
    dueSource: 'tickets',
  };
}
