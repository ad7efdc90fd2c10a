/**
 * The figures of one B2C e-reporting period, from two sources that must agree:
 *  - the integrated, posted documents of consumers (counter customers and customers flagged
 *    `consumer`), per day and VAT rate, split into goods (TLB1) and services (TPS1, VAT due on
 *    collection) with their tickets' lines;
 *  - the Z-report fallback: a till-day whose tickets integration has not (all) taken is reported from
 *    its Z report (NF525 day closure, signed): its totals per rate, less the tickets the server holds
 *    that are not consumers' sales (business customers, delivery notes, payment-only tickets), split
 *    into goods and services with the consumers' tickets. Integrated later, the same tickets give the
 *    same figures: both paths add the same tickets' byVat.
 * Plus the payments report (Flux 10.4): money collected per day and rate for consumers' services.
 *
 * Tie-out (fails loudly): the sales journal's net credit on sales accounts (70) and collected VAT
 * (4457) — the FEC — equals the posted documents; the consumers' documents reported plus the
 * business documents (e-invoiced) make those totals. Z-report days are not in the books yet: their
 * tie-out to the FEC comes when the period is reported again after integration (ereport-reset).
 */
import { TillsyncError } from '../../sync/errors.ts';
import { D, type Dec } from '../../sync/money.ts';
import type { BaseData, Closure, OperationCategory, PaymentMode, Ticket } from '../../sync/types.ts';
import type { Db } from '../db/database.ts';
import { documentKind } from '../integration/document-kind.ts';
import { addRate, emptyCategoryRates, mergeCategoryRates, servicesCollected, ticketCategories, type CategoryRates, type RateFigures } from './b2c-tickets.ts';
import type { DayPayments, DayTransactions } from './flux10-xml.ts';
import type { Period } from './ereport-period.ts';

export interface B2cRules {
  /** Customers whose sales are e-reported: the counter customers and those flagged `consumer`. */
  consumers: Set<string>;
  categoryOf(article: string): OperationCategory;
  modes: Map<string, PaymentMode>;
  rateOfCode(vatCode: string): string | undefined;
}

export function b2cRules(b: Pick<BaseData, 'customers' | 'articles' | 'paymentModes' | 'vatRates'>): B2cRules {
  const services = new Set(b.articles.filter((a) => a.category === 'services').map((a) => a.code));
  const rates = new Map(b.vatRates.map((v) => [v.code, v.rate]));
  return {
    consumers: new Set(b.customers.filter((c) => c.counter || c.consumer).map((c) => c.code)),
    categoryOf: (article) => (services.has(article) ? 'services' : 'goods'),
    modes: new Map(b.paymentModes.map((m) => [m.code, m])),
    rateOfCode: (code) => rates.get(code),
  };
}

export interface TieOut {
  ledgerSales: string;
  ledgerVat: string;
  documentsExcl: string;
  documentsVat: string;
  b2cExcl: string;
  b2cVat: string;
  b2bExcl: string;
  b2bVat: string;
  /** What the file reports: consumers' documents outside the Z-report till-days, plus the Z-report part. */
  reportedExcl: string;
  reportedVat: string;
  /** Σ money collected for services (the payments report). */
  collected: string;
}

/** A till-day reported from its Z report because integration has not taken its tickets. */
export interface ZReportUse {
  day: string;
  store: string;
  till: string;
  closure: string;
  excl: string;
  vat: string;
}

export interface Gathered {
  days: DayTransactions[];
  payments: DayPayments[];
  tieOut: TieOut;
  fromZReports: ZReportUse[];
  /** Things reported as they are, or left out with the reason (negative collections). */
  notes: string[];
}

const f2 = (x: Dec) => x.toFixed(2);
const tillDay = (store: string, till: string, day: string) => `${store}\u0000${till}\u0000${day}`;

interface DayFigures {
  rates: CategoryRates;
  count: Record<OperationCategory, number>;
}

function dayOf(m: Map<string, DayFigures>, day: string): DayFigures {
  let d = m.get(day);
  if (!d) m.set(day, (d = { rates: emptyCategoryRates(), count: { goods: 0, services: 0 } }));
  return d;
}

/** A consumer's ticket that integration puts in a reported document (invoice or credit note). */
function reportable(t: Ticket, rules: B2cRules): boolean {
  const kind = documentKind(t, rules.modes);
  return rules.consumers.has(t.customer) && (kind === 'invoice' || kind === 'credit-note');
}

function countTicket(d: DayFigures, split: CategoryRates): void {
  if (split.goods.size) d.count.goods += 1;
  if (split.services.size) d.count.services += 1;
}

/** Day closures of the period whose tickets are not all integrated, with the tickets they cover. */
async function zReportTillDays(db: Db, period: Period): Promise<{ closure: Closure; tickets: Ticket[] }[]> {
  const rows = await db.selectFrom('closures').select(['content']).where('day', '>=', period.from).where('day', '<=', period.to).orderBy('store').orderBy('till').orderBy('day').execute();
  const out: { closure: Closure; tickets: Ticket[] }[] = [];
  for (const r of rows) {
    const c = JSON.parse(r.content) as Closure;
    if ((c.kind ?? 'day') !== 'day' || c.firstNumber === null || c.lastNumber === null || !c.ticketCount) continue;
    const range = db.selectFrom('tickets').where('store', '=', c.store).where('till', '=', c.till).where('number', '>=', c.firstNumber).where('number', '<=', c.lastNumber);
    const done = await range.select((eb) => eb.fn.countAll<number>().as('n')).where('integration_batch', 'is not', null).executeTakeFirstOrThrow();
    if (Number(done.n) >= c.ticketCount) continue;
    const held = await range.select(['number', 'content']).orderBy('number').execute();
    const have = new Set(held.map((h) => Number(h.number)));
    const missing: number[] = [];
    for (let n = c.firstNumber; n <= c.lastNumber && missing.length < 4; n++) if (!have.has(n)) missing.push(n);
    if (missing.length || held.length !== c.ticketCount) {
      throw new TillsyncError('ereport-z-incomplete', `e-reporting ${period.label}: day ${c.day} of till ${c.store}-${c.till} is not integrated and its Z report ${c.id} covers tickets ${c.firstNumber}..${c.lastNumber} (${c.ticketCount}), the server holds ${held.length}${missing.length ? ` (missing ${missing.join(', ')}…)` : ''}: business sales cannot be told from consumers' ones`, {
        hint: `send the till's tickets (tillsync till send), or integrate the day (tillsync server integrate --until ${c.day}) and post it, then report again`,
      });
    }
    out.push({ closure: c, tickets: held.map((h) => JSON.parse(h.content) as Ticket) });
  }
  return out;
}

/**
 * For consumers' invoices paid later (a credit sale settled at the till): the share of each
 * document's total incl. VAT that is services, per rate — what a payment of it collects for them.
 */
async function servicesShares(db: Db, numbers: string[], rules: B2cRules): Promise<Map<string, Map<string, Dec>>> {
  const out = new Map<string, Map<string, Dec>>();
  const docs = await db.selectFrom('documents').select(['id', 'number', 'customer', 'total_incl']).where('number', 'in', numbers).execute();
  const mine = docs.filter((d) => rules.consumers.has(d.customer) && !new D(d.total_incl).isZero());
  if (!mine.length) return out;
  const rows = await db.selectFrom('tickets').select(['document_id', 'content']).where('document_id', 'in', mine.map((d) => d.id)).execute();
  for (const d of mine) {
    const split = emptyCategoryRates();
    for (const r of rows) if (Number(r.document_id) === Number(d.id)) mergeCategoryRates(split, ticketCategories(JSON.parse(r.content) as Ticket, rules.categoryOf));
    const shares = new Map<string, Dec>();
    for (const [rate, f] of split.services) shares.set(rate, f.incl.div(d.total_incl));
    if (shares.size) out.set(d.number, shares);
  }
  return out;
}

/** The period's B2C figures and the books' totals; throws when they do not tie out. */
export async function gatherB2c(db: Db, period: Period, rules: B2cRules): Promise<Gathered> {
  const notes: string[] = [];
  const docs = await db
    .selectFrom('documents')
    .select(['id', 'number', 'kind', 'store', 'till', 'customer', 'day', 'total_excl', 'total_vat', 'ticket_count', 'posting_batch'])
    .where('day', '>=', period.from)
    .where('day', '<=', period.to)
    .where('kind', '!=', 'delivery-note')
    .orderBy('day')
    .orderBy('id')
    .execute();
  const unposted = docs.filter((d) => d.posting_batch === null);
  if (unposted.length) throw new TillsyncError('ereport-not-posted', `e-reporting ${period.label}: ${unposted.length} document(s) of the period are not posted (${unposted.slice(0, 3).map((d) => d.number).join(', ')}…)`, { hint: `run: tillsync server post --until ${period.to}, then report again` });

  const zDays = await zReportTillDays(db, period);
  const zKeys = new Set(zDays.map((z) => tillDay(z.closure.store, z.closure.till, z.closure.day)));
  const pending = await db
    .selectFrom('tickets')
    .select(['id', 'store', 'till', 'day'])
    .where('day', '>=', period.from)
    .where('day', '<=', period.to)
    .where('document_id', 'is', null)
    .where('integration_batch', 'is', null)
    .where('customer', 'in', [...rules.consumers, '__none__'])
    .execute();
  const uncovered = pending.filter((t) => !zKeys.has(tillDay(t.store, t.till, t.day)));
  if (uncovered.length) throw new TillsyncError('ereport-not-integrated', `e-reporting ${period.label}: consumer tickets not integrated yet and no Z report of their day (${uncovered.slice(0, 3).map((t) => t.id).join(', ')}…)`, { hint: `close the tills' day (Z), or run: tillsync server integrate --until ${period.to} and server post, then report again` });

  const byDay = new Map<string, DayFigures>();
  // 1. Integrated documents of consumers, outside the Z-report till-days.
  const consumerDocs = docs.filter((d) => rules.consumers.has(d.customer));
  const reportedDocs = consumerDocs.filter((d) => !zKeys.has(tillDay(d.store, d.till, d.day)));
  const vatRows = reportedDocs.length ? await db.selectFrom('document_vat').select(['document_id', 'rate', 'base', 'vat', 'incl']).where('document_id', 'in', reportedDocs.map((d) => d.id)).execute() : [];
  const docDay = new Map(reportedDocs.map((d) => [Number(d.id), d.day]));
  for (const r of vatRows) addRate(dayOf(byDay, docDay.get(Number(r.document_id))!).rates.goods, r.rate, { base: new D(r.base), vat: new D(r.vat), incl: new D(r.incl) });
  // The period's consumer tickets: their services split, their counts, and the money they collect.
  const ticketRows = await db.selectFrom('tickets').select(['content', 'document_id']).where('day', '>=', period.from).where('day', '<=', period.to).where('customer', 'in', [...rules.consumers, '__none__']).where('status', '=', 'received').execute();
  const inReported = new Set(reportedDocs.map((d) => Number(d.id)));
  for (const row of ticketRows) {
    if (row.document_id === null || !inReported.has(Number(row.document_id))) continue;
    const t = JSON.parse(row.content) as Ticket;
    const split = ticketCategories(t, rules.categoryOf);
    const d = dayOf(byDay, t.day);
    // Documents gave the whole per rate (as goods): the services part moves over.
    for (const [rate, s] of split.services) {
      addRate(d.rates.goods, rate, s, -1);
      addRate(d.rates.services, rate, s);
    }
    countTicket(d, split);
  }

  // 2. Z-report till-days: the Z's totals less what is not a consumer's reported sale.
  const fromZReports: ZReportUse[] = [];
  for (const { closure: c, tickets } of zDays) {
    const d = dayOf(byDay, c.day);
    const z = emptyCategoryRates();
    for (const v of c.byVat) addRate(z.goods, v.rate, { base: new D(v.base), vat: new D(v.vat), incl: new D(v.inclVat) });
    for (const t of tickets) {
      const split = ticketCategories(t, rules.categoryOf);
      if (!reportable(t, rules)) {
        for (const v of t.totals.byVat) addRate(z.goods, v.rate, { base: new D(v.base), vat: new D(v.vat), incl: new D(v.inclVat) }, -1);
        continue;
      }
      for (const [rate, s] of split.services) {
        addRate(z.goods, rate, s, -1);
        addRate(z.services, rate, s);
      }
      countTicket(d, split);
    }
    mergeCategoryRates(d.rates, z);
    const total = [...z.goods.values(), ...z.services.values()].reduce((a, r) => ({ excl: a.excl.plus(r.base), vat: a.vat.plus(r.vat) }), { excl: new D(0), vat: new D(0) });
    fromZReports.push({ day: c.day, store: c.store, till: c.till, closure: c.id, excl: f2(total.excl), vat: f2(total.vat) });
  }
  // 3. Money collected for services, per day and rate: at the sale, deposits on services, and invoices paid later.
  const collected = new Map<string, Map<string, Dec>>();
  const collect = (day: string, rate: string, x: Dec) => {
    if (x.isZero()) return;
    const m = collected.get(day) ?? new Map<string, Dec>();
    m.set(rate, (m.get(rate) ?? new D(0)).plus(x));
    collected.set(day, m);
  };
  const tickets = ticketRows.map((row) => JSON.parse(row.content) as Ticket);
  for (const t of tickets) for (const [rate, x] of servicesCollected(t, ticketCategories(t, rules.categoryOf), rules.modes, rules.rateOfCode)) collect(t.day, rate, x);
  const settled = tickets.flatMap((t) => t.settlements.filter((s) => s.kind === 'invoice').map((s) => ({ day: t.day, ref: s.ref, amount: new D(s.amount) })));
  if (settled.length) {
    const shares = await servicesShares(db, [...new Set(settled.map((s) => s.ref))], rules);
    for (const s of settled) for (const [rate, share] of shares.get(s.ref) ?? []) collect(s.day, rate, s.amount.times(share).toDecimalPlaces(2));
  }
  const payments: DayPayments[] = [];
  let collectedTotal = new D(0);
  for (const day of [...collected.keys()].sort()) {
    const rates = [...collected.get(day)!.entries()]
      .filter(([rate, x]) => {
        // Flux 10.4 amounts are not negative (rule G1.16): a day where refunds exceed what was collected is left out, said.
        if (x.isNeg()) notes.push(`${day} rate ${rate} %: services refunded exceed those collected by ${f2(x.neg())}: not reportable in Flux 10.4 (amounts are positive), to regularise on the VAT return`);
        return x.gt(0);
      })
      .sort(([a], [b]) => new D(b).comparedTo(a))
      .map(([rate, amount]) => ({ rate: new D(rate), amount }));
    for (const r of rates) collectedTotal = collectedTotal.plus(r.amount);
    if (rates.length) payments.push({ day, rates });
  }

  // The transactions blocks: per day, goods (TLB1) then services (TPS1, VAT due on collection: 72).
  const days: DayTransactions[] = [];
  const block = (m: Map<string, RateFigures>) =>
    [...m.entries()]
      .filter(([, r]) => !(r.base.isZero() && r.vat.isZero()))
      .sort(([a], [b]) => new D(b).comparedTo(a))
      .map(([rate, r]) => ({ rate: new D(rate), base: r.base, vat: r.vat }));
  for (const day of [...byDay.keys()].sort()) {
    const d = byDay.get(day)!;
    const goods = block(d.rates.goods);
    const services = block(d.rates.services);
    if (goods.length) days.push({ day, category: 'TLB1', count: d.count.goods, rates: goods });
    if (services.length) days.push({ day, category: 'TPS1', taxDueDateTypeCode: '72', count: d.count.services, rates: services });
  }

  const sum = (xs: string[]) => xs.reduce((a, x) => a.plus(x), new D(0));
  const docsExcl = sum(docs.map((d) => d.total_excl));
  const docsVat = sum(docs.map((d) => d.total_vat));
  const b2cExcl = sum(consumerDocs.map((d) => d.total_excl));
  const b2cVat = sum(consumerDocs.map((d) => d.total_vat));
  const lines = await db
    .selectFrom('entry_lines as l')
    .innerJoin('entries as e', 'e.id', 'l.entry_id')
    .select(['l.account', 'l.debit', 'l.credit'])
    .where('e.kind', '=', 'sales')
    .where('e.entry_date', '>=', period.from)
    .where('e.entry_date', '<=', period.to)
    .where((eb) => eb.or([eb('l.account', 'like', '70%'), eb('l.account', 'like', '4457%')]))
    .execute();
  let ledgerSales = new D(0);
  let ledgerVat = new D(0);
  for (const l of lines) {
    const net = new D(l.credit || 0).minus(l.debit || 0);
    if (l.account.startsWith('70')) ledgerSales = ledgerSales.plus(net);
    else ledgerVat = ledgerVat.plus(net);
  }
  const reportedExcl = days.reduce((a, t) => t.rates.reduce((b, r) => b.plus(r.base), a), new D(0));
  const reportedVat = days.reduce((a, t) => t.rates.reduce((b, r) => b.plus(r.vat), a), new D(0));
  const fromDocsExcl = sum(reportedDocs.map((d) => d.total_excl));
  const fromDocsVat = sum(reportedDocs.map((d) => d.total_vat));
  const fromZExcl = sum(fromZReports.map((z) => z.excl));
  const fromZVat = sum(fromZReports.map((z) => z.vat));
  const tieOut: TieOut = {
    ledgerSales: f2(ledgerSales), ledgerVat: f2(ledgerVat), documentsExcl: f2(docsExcl), documentsVat: f2(docsVat),
    b2cExcl: f2(b2cExcl), b2cVat: f2(b2cVat), b2bExcl: f2(docsExcl.minus(b2cExcl)), b2bVat: f2(docsVat.minus(b2cVat)),
    reportedExcl: f2(reportedExcl), reportedVat: f2(reportedVat), collected: f2(collectedTotal),
  };
  const problems: string[] = [];
  if (!ledgerSales.equals(docsExcl)) problems.push(`sales accounts (70) ${f2(ledgerSales)} ≠ documents excl. VAT ${f2(docsExcl)}`);
  if (!ledgerVat.equals(docsVat)) problems.push(`collected VAT (4457) ${f2(ledgerVat)} ≠ documents VAT ${f2(docsVat)}`);
  if (!reportedExcl.equals(fromDocsExcl.plus(fromZExcl)) || !reportedVat.equals(fromDocsVat.plus(fromZVat))) {
    problems.push(`reported ${f2(reportedExcl)} + ${f2(reportedVat)} VAT ≠ consumer documents ${f2(fromDocsExcl)} + ${f2(fromDocsVat)} VAT${fromZReports.length ? ` and Z reports ${f2(fromZExcl)} + ${f2(fromZVat)} VAT` : ''}`);
  }
  if (problems.length) throw new TillsyncError('ereport-tie-out', `e-reporting ${period.label} does not tie out to the books: ${problems.join('; ')}`, { hint: 'run tillsync server check; nothing was written' });
  return { days, payments, tieOut, fromZReports, notes };
}
