/**
 * The posting pass (pure): documents made by integration, their tickets and the mapping in;
 * entries, settlement items (effets), their consumptions and errors out. Nothing is thrown for bad
 * data: a document whose tickets cannot be posted is left out with an error and stays unposted.
 *
 * Direct posting (seed 003 "Comptabilisation directe"): a sales entry per document or group (debit
 * the customer account with its third party and the document number, credit the sales account per
 * VAT code, credit the VAT account per code with its VAT code) and treasury entries for the
 * tickets' payments (debit the treasury account of the mode, credit the customer with the document
 * number as lettering key). Classic posting: the documents as the commercial side posts them (one
 * entry per document), the payments from the till per day and journal.
 *
 * Delivery notes are invoiced later by the commercial side: by default they are not posted as sales
 * (posting.deliveryNotes = "not-posted"); money taken on them is posted on the customer's account
 * under the delivery-note number, waiting for the invoice. With "post" they are posted like invoices.
 */
import { D, type Dec } from '../../sync/money.ts';
import { unitsDec } from './units.ts';
import type { BooksError } from '../../sync/errors.ts';
import type { BooksPass } from '../books/pass.ts';
import { EntryBuilder, lineKey, type LineKey } from './entry-builder.ts';
import { accountPiece, groupKey, loosePiece, tillPiece, type Grouping, type PostingMode } from './entry-grouping.ts';
import { emptyResult, type PostedBooks, type PostingDocument, type PostingTicket, type SettlementDraft } from './ledger-types.ts';
import type { AccountingMapping, CustomerAccount } from './mapping.ts';
import { ticketFlows, type Flow, type FlowContext, type Side, type TicketFlows } from './payment-flows.ts';
import { splitSales, type SalesSplit } from './sales-split.ts';
import { UnitSplitCache } from './split-cache.ts';

/** What the posting pass reads: one chunk of documents with their tickets, and the rules. */
export interface PostingSnapshot {
  documents: readonly PostingDocument[];
  /** Tickets of those documents, plus integrated tickets without goods (documentId null). */
  tickets: readonly PostingTicket[];
  options: PostingOptions;
}

export interface PostingOptions {
  mapping: AccountingMapping;
  customer: (code: string) => CustomerAccount;
  mode: PostingMode;
  grouping: Grouping;
  /** Memoised VAT splits, kept across the chunks of a run. */
  splitCache?: UnitSplitCache;
}

/** Credit notes may be stored positive: the sign of a document comes from its kind. */
export function signedTotal(doc: PostingDocument): Dec {
  const t = new D(doc.totalIncl);
  return doc.kind === 'credit-note' && t.isPositive() ? t.negated() : t;
}

const KIND_LABEL: Record<string, string> = { invoice: 'Facture', 'credit-note': 'Avoir', 'delivery-note': 'BL' };

interface DocWork {
  doc: PostingDocument;
  cust: CustomerAccount;
  tickets: PostingTicket[];
  flows: { ticket: PostingTicket; tf: TicketFlows }[];
  split: SalesSplit | null;
  group: string;
}

interface PaymentOnlyWork {
  ticket: PostingTicket;
  cust: CustomerAccount;
  tf: TicketFlows;
  group: string;
}

interface Group {
  key: string;
  store: string;
  day: string;
  till: string;
  account: string;
  cust: CustomerAccount;
  docs: DocWork[];
  paymentOnly: PaymentOnlyWork[];
  firstTicket: number;
}

function ticketError(t: PostingTicket, message: string): BooksError {
  return { source: 'posting', message: `ticket ${t.id}: ${message}`, ref: { ticket: t.id, till: t.till } };
}

export const postDocuments: BooksPass<PostingSnapshot, PostedBooks> = (input) => {
  const opts = input.options;
  const { mapping: m, mode, grouping } = opts;
  const rules = m.rounding;
  const pass = emptyResult();
  const out = pass.result;
  const errors = pass.errors;
  const postDeliveryNotes = m.posting.deliveryNotes === 'post';
  const cache = opts.splitCache ?? new UnitSplitCache(rules.decimals);

  const byDoc = new Map<number, PostingTicket[]>();
  const paymentOnly: PostingTicket[] = [];
  for (const t of input.tickets) {
    if (t.documentId === null) paymentOnly.push(t);
    else {
      const list = byDoc.get(t.documentId);
      if (list) list.push(t);
      else byDoc.set(t.documentId, [t]);
    }
  }

  const treasurySides = new Map<string, Side>();
  const flowContext = (cust: CustomerAccount, goodsKey: string | null): FlowContext => ({
    modes: m.paymentModes,
    customerAccount: cust.account,
    thirdParty: cust.thirdParty,
    depositAccount: m.deposits.account,
    goodsKey,
    fallbackJournal: m.journals.bank,
    decimals: rules.decimals,
    shared: { treasury: treasurySides, goods: null },
  });

  const groups = new Map<string, Group>();
  const groupOf = (store: string, day: string, till: string, cust: CustomerAccount, firstTicket: number): Group => {
    const key = groupKey(mode, grouping, { store, day, till }, cust);
    let g = groups.get(key);
    if (!g) {
      g = { key, store, day, till, account: cust.account, cust, docs: [], paymentOnly: [], firstTicket };
      groups.set(key, g);
    }
    g.firstTicket = Math.min(g.firstTicket, firstTicket);
    return g;
  };

  const docs = [...input.documents].sort((a, b) => a.day.localeCompare(b.day) || a.store.localeCompare(b.store) || a.till.localeCompare(b.till) || a.id - b.id);
  for (const doc of docs) {
    const tickets = (byDoc.get(doc.id) ?? []).sort((a, b) => a.number - b.number);
    const leave = (message: string, ref: BooksError['ref'] = {}) => {
      out.leftOut.push(doc);
      errors.push({ source: 'posting', message: `document ${doc.number}: ${message}`, ref: { till: doc.till, ...ref } });
    };
    if (tickets.length !== doc.ticketCount) {
      leave(`${tickets.length} of its ${doc.ticketCount} tickets found`);
      continue;
    }
    const cust = opts.customer(doc.customer);
    const total = signedTotal(doc);
    const postSales = doc.kind !== 'delivery-note' || postDeliveryNotes;
    let split: SalesSplit | null = null;
    if (postSales) {
      const r = splitSales({ total, lines: tickets.flatMap((t) => t.lines), rules, vat: m.vat, cache });
      if (!r.result) {
        leave(r.errors[0].message);
        continue;
      }
      split = r.result;
    }
    const flows: DocWork['flows'] = [];
    let bad: BooksError | null = null;
    const ctx = flowContext(cust, doc.number);
    for (const t of tickets) {
      const r = ticketFlows(t, ctx);
      if (!r.result) {
        bad = r.errors[0];
        break;
      }
      flows.push({ ticket: t, tf: r.result! });
    }
    if (bad) {
      leave(bad.message, bad.ref);
      continue;
    }
    const g = groupOf(doc.store, doc.day, doc.till, cust, tickets[0]?.number ?? 0);
    g.docs.push({ doc, cust, tickets, flows, split, group: g.key });
    out.postedDocuments.push(doc);
  }

  for (const t of [...paymentOnly].sort((a, b) => a.day.localeCompare(b.day) || a.till.localeCompare(b.till) || a.number - b.number)) {
    if (!new D(t.goods).isZero()) {
      errors.push(ticketError(t, 'has goods but no document: integrate it first'));
      continue;
    }
    const cust = opts.customer(t.customer);
    const r = ticketFlows(t, flowContext(cust, null));
    if (!r.result) {
      errors.push(...r.errors);
      continue;
    }
    const g = groupOf(t.store, t.day, t.till, cust, t.number);
    g.paymentOnly.push({ ticket: t, cust, tf: r.result!, group: g.key });
    out.postedPaymentOnly.push(t.id);
  }

  for (const g of groups.values()) buildGroup(g, opts, out, postDeliveryNotes);
  return pass;
};

function buildGroup(g: Group, opts: PostingOptions, out: PostedBooks, postDeliveryNotes: boolean): void {
  const { mapping: m, mode, grouping } = opts;
  const d = m.rounding.decimals;
  const byAccount = mode === 'direct' && grouping === 'account';
  const groupPiece = byAccount ? accountPiece(g.till, g.firstTicket) : mode === 'classic' ? tillPiece(g.till, g.day) : primaryPiece(g);

  // By account, documents fully paid within the group are lettered under the group's piece
  // against one aggregated treasury line (seed: 159.90 + 200.00 against 359.90); the others keep
  // their own number so credit sales and partial payments stay open invoice by invoice.
  const settledUnderPiece = new Set<string>();
  if (byAccount) {
    for (const w of g.docs) {
      if (!w.split) continue;
      if (w.flows.some((f) => f.tf.credit.length)) continue;
      let paid = 0;
      for (const f of w.flows) for (const fl of f.tf.flows) {
        if (fl.credit.role === 'goods') paid += fl.amount;
        if (fl.debit.role === 'goods') paid -= fl.amount;
      }
      if (paid === w.split.customer) settledUnderPiece.add(w.doc.number);
    }
  }
  const keyOf = (side: Side): string | null => (side.role === 'goods' && side.key && settledUnderPiece.has(side.key) ? groupPiece : side.key);

  // Sales.
  const salesBuilders: EntryBuilder[] = [];
  const salesOf: { w: DocWork; b: EntryBuilder }[] = [];
  let shared: EntryBuilder | null = null;
  for (const w of g.docs) {
    if (!w.split) continue;
    const kindLabel = KIND_LABEL[w.doc.kind] ?? w.doc.kind;
    let b: EntryBuilder;
    if (byAccount) {
      b = shared ??= new EntryBuilder(m.journals.sales, g.day, groupPiece, `Ventes caisse ${g.till} du ${g.day} - compte ${g.account}`, 'sales');
    } else {
      const label = mode === 'classic' ? `${kindLabel} ${w.doc.number} - ${w.cust.name}` : `Ventes caisse ${g.till} du ${g.day} - ${w.cust.name}`;
      b = new EntryBuilder(m.journals.sales, g.day, w.doc.number, label, 'sales');
    }
    if (!salesBuilders.includes(b)) salesBuilders.push(b);
    b.from({ document: w.doc.number });
    salesOf.push({ w, b });
  }
  // Customer lines first, then net amounts, then VAT, then differences, as the seed listings show.
  for (const { w, b } of salesOf) {
    const key = settledUnderPiece.has(w.doc.number) ? groupPiece : w.doc.number;
    const kindLabel = KIND_LABEL[w.doc.kind] ?? w.doc.kind;
    b.add({ account: w.cust.account, aux: w.cust.thirdParty, auxLabel: w.cust.name, label: `${kindLabel} ${w.doc.number}`, documentNumber: w.doc.number, letterKey: key }, w.split!.customer);
  }
  // Discounts: inside net sales by default; with mapping.discounts, sales gross and the discount debited apart (709).
  const discountAccount = m.discounts?.account;
  for (const { w, b } of salesOf) {
    for (const p of w.split!.parts) {
      const apart = discountAccount && p.discount !== 0;
      b.add({ account: p.map.salesAccount, label: `Ventes TVA ${p.code} ${p.rate} %`, vatCode: p.map.vatCode }, -(apart ? p.net + p.discount : p.net));
      if (apart) b.add({ account: discountAccount, label: `Remises accordées TVA ${p.code} ${p.rate} %`, vatCode: p.map.vatCode }, p.discount);
    }
  }
  for (const { w, b } of salesOf) for (const p of w.split!.parts) b.add({ account: p.map.vatAccount, label: `TVA collectée ${p.code} ${p.rate} %`, vatCode: p.map.vatCode }, -p.vat);
  for (const { w, b } of salesOf) {
    const s = w.split!;
    if (s.difference !== 0) {
      const gain = s.difference > 0;
      b.add({ account: gain ? m.rounding.gainAccount : m.rounding.lossAccount, label: `Écart d'arrondi ${w.doc.number}` }, -s.difference);
    }
    if (s.rawDifference !== 0) {
      const placement = s.difference === 0 ? m.rounding.difference : 'accounts';
      out.adjustments.push({ document: w.doc.number, placement, vatCode: placement === 'accounts' ? null : s.parts[0].map.vatCode, amount: unitsDec(s.rawDifference) });
    }
  }
  for (const b of salesBuilders) {
    const e = b.build(d);
    if (e) out.entries.push(e);
  }

  // Treasury: one entry per journal.
  const treasury = new Map<string, EntryBuilder>();
  const label = mode === 'classic' ? `Règlements caisse ${g.till} du ${g.day}` : byAccount ? `Règlements caisse ${g.till} du ${g.day} - compte ${g.account}` : `Règlements caisse ${g.till} du ${g.day} - ${g.cust.name}`;
  // A side and its key make the same line every time (shared sides come back for every ticket):
  // built once per group rather than once per flow.
  const lines = new Map<Side, Map<string | null, LineKey>>();
  const lineFor = (side: Side, cust: CustomerAccount): LineKey => {
    const key = keyOf(side);
    let bySide = lines.get(side);
    if (!bySide) lines.set(side, (bySide = new Map()));
    let line = bySide.get(key);
    if (!line) bySide.set(key, (line = lineKey(lineOf(side, key, cust))));
    return line;
  };
  const addFlow = (fl: Flow, cust: CustomerAccount, source: { document: string } | { ticket: string }) => {
    let b = treasury.get(fl.journal);
    if (!b) treasury.set(fl.journal, (b = new EntryBuilder(fl.journal, g.day, groupPiece, label, 'treasury')));
    b.from(source);
    b.addKeyed(lineFor(fl.debit, cust), fl.amount);
    b.addKeyed(lineFor(fl.credit, cust), -fl.amount);
  };
  // A delivery note's credit part is owed on the commercial side's invoice, not as a receivable here.
  const receivableOf = (w: DocWork) => (w.doc.kind === 'delivery-note' && !postDeliveryNotes ? null : w.doc.number);
  const paying = [
    ...g.docs.flatMap((w) => w.flows.map((f) => ({ t: f.ticket, tf: f.tf, cust: w.cust, receivable: receivableOf(w), source: { document: w.doc.number } as const }))),
    ...g.paymentOnly.map((l) => ({ t: l.ticket, tf: l.tf, cust: l.cust, receivable: null, source: { ticket: l.ticket.id } as const })),
  ];
  paying.sort((x, y) => x.t.number - y.t.number);
  for (const p of paying) for (const fl of p.tf.flows) addFlow(fl, p.cust, p.source);
  for (const b of treasury.values()) {
    const e = b.build(d);
    if (e) out.entries.push(e);
  }

  for (const p of paying) settlementsOf(p.t, p.tf, p.cust, m, out, p.receivable);
}

function primaryPiece(g: Group): string {
  const order = ['invoice', 'credit-note', 'delivery-note'];
  const doc = [...g.docs].sort((a, b) => order.indexOf(a.doc.kind) - order.indexOf(b.doc.kind))[0];
  return doc ? doc.doc.number : loosePiece(g.till, g.firstTicket);
}

function lineOf(side: Side, key: string | null, cust: CustomerAccount) {
  switch (side.role) {
    case 'treasury':
      return { account: side.account, label: `Encaissement ${side.mode}` };
    case 'goods':
      return { account: side.account, aux: side.aux, auxLabel: cust.name, label: `Règlement ${key}`, documentNumber: key, letterKey: key };
    case 'invoice':
      return { account: side.account, aux: side.aux, auxLabel: cust.name, label: `Règlement facture ${key}`, documentNumber: key, letterKey: key };
    case 'deposit':
      return { account: side.account, aux: side.aux, auxLabel: cust.name, label: `Acompte commande ${key}`, documentNumber: key, letterKey: key };
    case 'voucher':
      return { account: side.account, aux: side.aux, auxLabel: cust.name, label: `Bon d'acompte commande ${key}`, documentNumber: key, letterKey: key };
  }
}

function item(t: PostingTicket, cust: CustomerAccount, kind: SettlementDraft['kind'], documentNumber: string | null, mode: string, state: string, amount: number, open: number): SettlementDraft {
  // The customer the document was made for: a back-office correction (ticket_overrides) can differ from the ticket.
  return { kind, customer: cust.customer, thirdParty: cust.thirdParty, documentNumber, ticketId: t.id, mode, state, amount, open, day: t.day };
}

/**
 * One effet per payment (per part of a payment, when it pays several things): the mode's state,
 * nothing left open. Credit sales leave a receivable open in their waiting state (C10); deposits
 * stay open until a voucher uses them. Paying an invoice or using a voucher consumes those.
 */
function settlementsOf(t: PostingTicket, tf: TicketFlows, cust: CustomerAccount, m: AccountingMapping, out: PostedBooks, receivableDoc: string | null): void {
  for (const fl of tf.flows) {
    const { debit: from, credit: to } = fl;
    if (from.role === 'treasury' && to.role === 'deposit') {
      out.settlements.push(item(t, cust, 'deposit', to.key, from.mode!, m.deposits.state, fl.amount, fl.amount));
    } else if (from.role === 'treasury' || from.role === 'voucher') {
      out.settlements.push(item(t, cust, 'payment', to.key, from.mode!, m.paymentModes[from.mode!].state, fl.amount, 0));
    } else if (to.role === 'treasury') {
      // Money paid back to the customer (a return refunded): a negative payment effet.
      out.settlements.push(item(t, cust, 'payment', from.key, to.mode!, m.paymentModes[to.mode!].state, -fl.amount, 0));
    }
    if (from.role === 'voucher') out.consumptions.push({ kind: 'deposit', ref: from.key!, amount: fl.amount, ticketId: t.id, day: t.day });
    if (to.role === 'invoice') out.consumptions.push({ kind: 'receivable', ref: to.key!, amount: fl.amount, ticketId: t.id, day: t.day });
  }
  if (receivableDoc) {
    for (const c of tf.credit) out.settlements.push(item(t, cust, 'receivable', receivableDoc, c.mode, m.paymentModes[c.mode].state, c.amount, c.amount));
  }
}
