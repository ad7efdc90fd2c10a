/**
 * Selling, as a pure function: the cashier's input, the base data it names and the till's chain
 * state in; the complete, hashed Ticket out — or ONE TillsyncError saying what is wrong and on which
 * line. Nothing here touches storage, so the rules are tested without a store and the store only
 * ever receives valid tickets.
 */
import { D, fmt, parseMoney, sum } from '../sync/money.ts';
import { TillsyncError } from '../sync/errors.ts';
import { hashTicket, ticketId } from '../sync/ticket-chain.ts';
import { computeLine, computeTotals, type TicketRounding } from '../sync/ticket-math.ts';
import type { Article, Customer, PaymentMode, Ticket, TicketLine, TicketPayment, TicketSettlement, VatRate } from '../sync/types.ts';

export interface SaleLineInput {
  /** Article code or barcode. */
  article: string;
  qty: number | string;
  /** Overrides the article's price (incl VAT), decimal text. */
  unitPrice?: string | number;
  /** A returned article: the quantity is stored negative. */
  return?: boolean;
}

export interface SaleInput {
  customer?: string;
  cashier?: string;
  lines: SaleLineInput[];
  settlements?: { kind: 'invoice' | 'deposit'; ref: string; amount: string | number }[];
  payments: { mode: string; amount: string | number; ref?: string }[];
  /** Set by client/cancel-ticket.ts only: the ticket this negative ticket cancels. */
  cancels?: string;
}

/** What a sale may look up; backed by the till's in-process base index. */
export interface SaleCatalog {
  article(codeOrBarcode: string): Article | undefined;
  customer(code: string): Customer | undefined;
  counterCustomer(): Customer | undefined;
  vatRate(code: string): VatRate | undefined;
  paymentMode(code: string): PaymentMode | undefined;
}

export interface ChainState {
  store: string;
  till: string;
  lastNumber: number;
  lastHash: string;
  rounding: TicketRounding;
}

export interface SaleContext {
  now: Date;
  /** The configured server did not answer its health check. */
  degraded: boolean;
}

function reject(code: string, message: string, hint: string, till?: string): TillsyncError {
  return new TillsyncError(code, message, { hint, status: 422, ref: till ? { till } : {} });
}

const QTY_RE = /^-?\d{1,9}(\.\d{1,3})?$/;

/** Shape check of the JSON a cashier (CLI stdin or POST /api/till/sell) sends. */
export function parseSaleInput(raw: unknown): SaleInput {
  const bad = (what: string) => reject('bad-sale', `sale input: ${what}`, 'send {"lines":[{"article":"A000001","qty":1}],"payments":[{"mode":"ESP","amount":"12.50"}]}');
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad('expected one JSON object');
  const r = raw as Record<string, unknown>;
  if (r.customer !== undefined && (typeof r.customer !== 'string' || !r.customer.trim())) throw bad('"customer" must be a customer code');
  if (r.cashier !== undefined && typeof r.cashier !== 'string') throw bad('"cashier" must be text');
  if (r.cancels !== undefined && typeof r.cancels !== 'string') throw bad('"cancels" must be a ticket id');
  if (!Array.isArray(r.lines)) throw bad('"lines" must be a list');
  r.lines.forEach((l: any, i) => {
    const where = `line ${i + 1}`;
    if (!l || typeof l !== 'object') throw bad(`${where} must be an object`);
    if (typeof l.article !== 'string' || !l.article.trim()) throw bad(`${where}: "article" must be an article code or barcode`);
    if (typeof l.qty !== 'number' && typeof l.qty !== 'string') throw bad(`${where}: "qty" must be a number`);
    if (l.unitPrice !== undefined && typeof l.unitPrice !== 'string' && typeof l.unitPrice !== 'number') throw bad(`${where}: "unitPrice" must be an amount like "12.50"`);
    if (l.return !== undefined && typeof l.return !== 'boolean') throw bad(`${where}: "return" must be true or false`);
  });
  if (r.settlements !== undefined && !Array.isArray(r.settlements)) throw bad('"settlements" must be a list');
  ((r.settlements as any[]) ?? []).forEach((s: any, i) => {
    if (!s || (s.kind !== 'invoice' && s.kind !== 'deposit')) throw bad(`settlement ${i + 1}: "kind" must be "invoice" or "deposit"`);
    if (typeof s.ref !== 'string' || !s.ref.trim()) throw bad(`settlement ${i + 1}: "ref" must be the invoice or order number`);
    if (typeof s.amount !== 'string' && typeof s.amount !== 'number') throw bad(`settlement ${i + 1}: "amount" must be an amount like "100.69"`);
  });
  if (!Array.isArray(r.payments)) throw bad('"payments" must be a list');
  r.payments.forEach((p: any, i) => {
    if (!p || typeof p.mode !== 'string' || !p.mode.trim()) throw bad(`payment ${i + 1}: "mode" must be a payment mode code`);
    if (typeof p.amount !== 'string' && typeof p.amount !== 'number') throw bad(`payment ${i + 1}: "amount" must be an amount like "25.00"`);
    if (p.ref !== undefined && typeof p.ref !== 'string') throw bad(`payment ${i + 1}: "ref" must be text`);
  });
  return raw as SaleInput;
}

/** Local time with its UTC offset, as the cashier's clock shows it: 2026-11-24T10:15:03.120+01:00. */
export function localIso(d: Date): string {
  const p = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return `${p(d.getFullYear(), 4)}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}${sign}${p(Math.trunc(off / 60))}:${p(off % 60)}`;
}

export function localDay(d: Date): string {
  return localIso(d).slice(0, 10);
}

/** Builds the next ticket of the till, or throws the first problem found. */
export function buildTicket(rawInput: unknown, catalog: SaleCatalog, chain: ChainState, ctx: SaleContext): Ticket {
  const input = parseSaleInput(rawInput);
  const till = `${chain.store}-${chain.till}`;
  const rules = chain.rounding;

  let customer: Customer | undefined;
  if (input.customer !== undefined) {
    customer = catalog.customer(input.customer.trim());
    if (!customer) throw reject('unknown-customer', `unknown customer "${input.customer}"`, 'check the customer code, or leave it out for the counter customer', till);
  } else {
    customer = catalog.counterCustomer();
    if (!customer) throw reject('no-counter-customer', 'no customer given and the base data has no counter customer', 'name a customer, or apply base data that flags one customer as counter', till);
  }
  const named = !customer.counter;

  const lines: TicketLine[] = input.lines.map((l, i) => {
    const where = `line ${i + 1}`;
    const ref = l.article.trim();
    const article = catalog.article(ref);
    if (!article) throw reject('unknown-article', `${where}: unknown article "${ref}" (no article has this code or barcode)`, 'check the code, or apply the latest base data', till);
    const qtyText = String(l.qty).trim();
    if (!QTY_RE.test(qtyText)) throw reject('bad-quantity', `${where}: quantity "${l.qty}" is not a number like 2 or 1.5`, 'fix the quantity', till);
    let qty = new D(qtyText);
    if (qty.isZero()) throw reject('bad-quantity', `${where}: quantity is zero`, 'remove the line or fix the quantity', till);
    if (qty.isNegative() && !l.return) throw reject('return-without-flag', `${where}: negative quantity ${qtyText} for ${article.code} without the return flag`, 'mark returned articles with "return": true', till);
    if (l.return && qty.isPositive()) qty = qty.negated();
    let unitPrice = article.price;
    if (l.unitPrice !== undefined) {
      let p;
      try {
        p = parseMoney(l.unitPrice, `${where}: unit price`);
      } catch (e) {
        throw reject('bad-amount', (e as Error).message, 'write amounts as decimal text like "12.50"', till);
      }
      if (p.isNegative()) throw reject('bad-amount', `${where}: unit price ${l.unitPrice} is negative`, 'returns take a negative quantity with "return": true, not a negative price', till);
      unitPrice = p.toString();
    }
    const vat = catalog.vatRate(article.vatCode);
    if (!vat) throw reject('unknown-vat', `${where}: article ${article.code} has VAT code "${article.vatCode}" which the base data does not define`, 'apply base data with this VAT rate', till);
    return computeLine({ article: article.code, label: article.label, qty: qty.toString(), unitPrice, vatCode: vat.code, vatRate: vat.rate }, rules);
  });

  const settlements: TicketSettlement[] = (input.settlements ?? []).map((s, i) => {
    let amount;
    try {
      amount = parseMoney(s.amount, `settlement ${i + 1}: amount`);
    } catch (e) {
      throw reject('bad-amount', (e as Error).message, 'write amounts as decimal text like "100.69"', till);
    }
    if (!amount.isPositive()) throw reject('bad-amount', `settlement ${i + 1}: amount ${s.amount} must be positive`, 'fix the settlement amount', till);
    if (!named) throw reject('settlement-needs-customer', `settlement ${i + 1}: ${s.kind === 'invoice' ? 'paying invoice' : 'a deposit on order'} ${s.ref} needs the customer it belongs to`, 'name the customer with "customer"', till);
    return { kind: s.kind, ref: s.ref.trim(), amount: fmt(amount, rules.decimals) };
  });

  if (!lines.length && !settlements.length) throw reject('empty-sale', 'the sale has no lines and no settlements', 'add at least one article line', till);

  const totals = computeTotals(lines, settlements, rules);

  const payments: TicketPayment[] = input.payments.map((p, i) => {
    const mode = catalog.paymentMode(p.mode.trim());
    if (!mode) throw reject('unknown-payment-mode', `payment ${i + 1}: unknown payment mode "${p.mode}"`, 'use a payment mode code of the base data (ESP, CB, CHQ…)', till);
    let amount;
    try {
      amount = parseMoney(p.amount, `payment ${i + 1}: amount`);
    } catch (e) {
      throw reject('bad-amount', (e as Error).message, 'write amounts as decimal text like "25.00"', till);
    }
    if (amount.isZero()) throw reject('bad-amount', `payment ${i + 1}: amount is zero`, 'remove the payment', till);
    if (mode.credit && !named) throw reject('credit-needs-customer', `payment ${i + 1}: ${mode.code} (${mode.label}) leaves a receivable open and needs a named customer`, 'name the customer with "customer"', till);
    if (mode.depositVoucher && !p.ref?.trim()) throw reject('deposit-needs-order', `payment ${i + 1}: ${mode.code} (${mode.label}) uses a deposit and needs the order number in "ref"`, 'give the order number the deposit was paid on', till);
    return { mode: mode.code, amount: fmt(amount, rules.decimals), ...(p.ref?.trim() ? { ref: p.ref.trim() } : {}) };
  });

  const paid = sum(payments.map((p) => p.amount));
  if (!paid.equals(new D(totals.due))) {
    throw reject('payment-mismatch', `payments total ${fmt(paid, rules.decimals)} but the ticket is due ${totals.due}`, `make the payments add up to ${totals.due}`, till);
  }

  const number = chain.lastNumber + 1;
  const body: Omit<Ticket, 'hash'> = {
    id: ticketId(chain.store, chain.till, number),
    store: chain.store,
    till: chain.till,
    number,
    soldAt: localIso(ctx.now),
    day: localDay(ctx.now),
    customer: customer.code,
    ...(input.cashier ? { cashier: input.cashier } : {}),
    ...(input.cancels ? { cancels: input.cancels } : {}),
    lines,
    settlements,
    payments,
    totals,
    degraded: ctx.degraded,
    rounding: { decimals: rules.decimals, vatOn: rules.vatOn },
    prevHash: chain.lastHash,
  };
  return { ...body, hash: hashTicket(body) };
}
