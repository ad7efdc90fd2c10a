/**
 * Selling, as a pure function: the cashier's input, the base data it names and the till's chain
 * state in; the complete, hashed Ticket out — or ONE TillsyncError saying what is wrong and on which
 * line. Nothing here touches storage, so the rules are tested without a store and the store only
 * ever receives valid tickets.
 */
import { D, fmt, parseExactMoney, sum, type Decimals } from '../sync/money.ts';
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
  /** Line discount: a percentage, or an amount incl VAT off the whole line (positive; signed on returns). */
  discount?: { percent?: string | number; amount?: string | number };
  /** A returned article: the ticket id of the sale it comes back from (the credit note cites its invoice). */
  returnOf?: string;
}

export interface SaleInput {
  customer?: string;
  cashier?: string;
  /** May be left out for a sale that only settles (an invoice payment, a deposit). */
  lines?: SaleLineInput[];
  settlements?: { kind: 'invoice' | 'deposit'; ref: string; amount: string | number; category?: 'goods' | 'services'; vatCode?: string; invoice?: boolean }[];
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

/** An amount of the input, exact at the till's precision or refused (never rounded silently). */
function amountOf(value: unknown, what: string, decimals: Decimals, example: string, till: string) {
  try {
    return parseExactMoney(value, what, decimals);
  } catch (e) {
    if (e instanceof TillsyncError) throw reject(e.code, e.message, e.hint ?? '', till);
    throw reject('bad-amount', (e as Error).message, `write amounts as decimal text like "${example}"`, till);
  }
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
  const lines = r.lines === undefined ? [] : r.lines;
  if (!Array.isArray(lines)) throw bad('"lines" must be a list (or left out for a sale that only settles)');
  lines.forEach((l: any, i) => {
    const where = `line ${i + 1}`;
    if (!l || typeof l !== 'object') throw bad(`${where} must be an object`);
    if (typeof l.article !== 'string' || !l.article.trim()) throw bad(`${where}: "article" must be an article code or barcode`);
    if (typeof l.qty !== 'number' && typeof l.qty !== 'string') throw bad(`${where}: "qty" must be a number`);
    if (l.unitPrice !== undefined && typeof l.unitPrice !== 'string' && typeof l.unitPrice !== 'number') throw bad(`${where}: "unitPrice" must be an amount like "12.50"`);
    if (l.return !== undefined && typeof l.return !== 'boolean') throw bad(`${where}: "return" must be true or false`);
    if (l.discount !== undefined) {
      const d = l.discount;
      const isAmount = (v: unknown) => typeof v === 'string' || typeof v === 'number';
      if (!d || typeof d !== 'object' || (d.percent === undefined) === (d.amount === undefined)) throw bad(`${where}: "discount" must be {"percent": "10"} or {"amount": "0.12"}`);
      if (d.percent !== undefined && !isAmount(d.percent)) throw bad(`${where}: discount "percent" must be a number like 10`);
      if (d.amount !== undefined && !isAmount(d.amount)) throw bad(`${where}: discount "amount" must be an amount like "0.12"`);
    }
    if (l.returnOf !== undefined && (typeof l.returnOf !== 'string' || !l.returnOf.trim())) throw bad(`${where}: "returnOf" must be the ticket id of the sale returned`);
  });
  if (r.settlements !== undefined && !Array.isArray(r.settlements)) throw bad('"settlements" must be a list');
  ((r.settlements as any[]) ?? []).forEach((s: any, i) => {
    if (!s || (s.kind !== 'invoice' && s.kind !== 'deposit')) throw bad(`settlement ${i + 1}: "kind" must be "invoice" or "deposit"`);
    if (typeof s.ref !== 'string' || !s.ref.trim()) throw bad(`settlement ${i + 1}: "ref" must be the invoice or order number`);
    if (typeof s.amount !== 'string' && typeof s.amount !== 'number') throw bad(`settlement ${i + 1}: "amount" must be an amount like "100.69"`);
    if (s.category !== undefined && s.category !== 'goods' && s.category !== 'services') throw bad(`settlement ${i + 1}: "category" must be "goods" or "services"`);
    if (s.vatCode !== undefined && typeof s.vatCode !== 'string') throw bad(`settlement ${i + 1}: "vatCode" must be a VAT code`);
    if (s.invoice !== undefined && typeof s.invoice !== 'boolean') throw bad(`settlement ${i + 1}: "invoice" must be true or false`);
  });
  if (!Array.isArray(r.payments)) throw bad('"payments" must be a list');
  r.payments.forEach((p: any, i) => {
    if (!p || typeof p.mode !== 'string' || !p.mode.trim()) throw bad(`payment ${i + 1}: "mode" must be a payment mode code`);
    if (typeof p.amount !== 'string' && typeof p.amount !== 'number') throw bad(`payment ${i + 1}: "amount" must be an amount like "25.00"`);
    if (p.ref !== undefined && typeof p.ref !== 'string') throw bad(`payment ${i + 1}: "ref" must be text`);
  });
  return { ...(raw as SaleInput), lines };
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

  const lines: TicketLine[] = (input.lines ?? []).map((l, i) => {
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
      const p = amountOf(l.unitPrice, `${where}: unit price`, rules.decimals, '12.50', till);
      if (p.isNegative()) throw reject('bad-amount', `${where}: unit price ${l.unitPrice} is negative`, 'returns take a negative quantity with "return": true, not a negative price', till);
      unitPrice = p.toString();
    }
    const vat = catalog.vatRate(article.vatCode);
    if (!vat) throw reject('unknown-vat', `${where}: article ${article.code} has VAT code "${article.vatCode}" which the base data does not define`, 'apply base data with this VAT rate', till);
    let discount: { percent?: string; amount?: string } | undefined;
    if (l.discount) {
      if (l.discount.percent !== undefined) discount = { percent: String(l.discount.percent).trim() };
      else {
        let a;
        try {
          a = parseExactMoney(l.discount.amount, `${where}: discount`, rules.decimals);
        } catch (e) {
          throw reject('bad-discount', (e as Error).message, 'write the discount as {"amount": "0.12"} or {"percent": "10"}', till);
        }
        if (!a.isPositive()) throw reject('bad-discount', `${where}: discount ${l.discount.amount} must be positive`, 'give the amount taken off the line, e.g. "0.12"', till);
        discount = { amount: (qty.isNegative() ? a.negated() : a).toString() };
      }
    }
    if (l.returnOf !== undefined && !qty.isNegative()) throw reject('bad-return', `${where}: "returnOf" on a line that is not a return`, 'mark the line with "return": true, or drop "returnOf"', till);
    try {
      return computeLine({ article: article.code, label: article.label, qty: qty.toString(), unitPrice, vatCode: vat.code, vatRate: vat.rate, discount, returnOf: l.returnOf?.trim() }, rules);
    } catch (e) {
      if (!discount) throw e;
      throw reject('bad-discount', `${where}: ${(e as Error).message}`, 'a discount is a percentage between 0 and 100, or an amount no larger than the line', till);
    }
  });

  const settlements: TicketSettlement[] = (input.settlements ?? []).map((s, i) => {
    const amount = amountOf(s.amount, `settlement ${i + 1}: amount`, rules.decimals, '100.69', till);
    if (!amount.isPositive()) throw reject('bad-amount', `settlement ${i + 1}: amount ${s.amount} must be positive`, 'fix the settlement amount', till);
    if (!named) throw reject('settlement-needs-customer', `settlement ${i + 1}: ${s.kind === 'invoice' ? 'paying invoice' : 'a deposit on order'} ${s.ref} needs the customer it belongs to`, 'name the customer with "customer"', till);
    if (s.kind !== 'deposit' && (s.category || s.vatCode || s.invoice !== undefined)) throw reject('bad-settlement', `settlement ${i + 1}: "category", "vatCode" and "invoice" apply to deposits only`, 'drop them from the invoice settlement', till);
    if (s.category === 'services') {
      if (!s.vatCode || !catalog.vatRate(s.vatCode.trim())) throw reject('deposit-needs-vat', `settlement ${i + 1}: a deposit on services needs the order's VAT code (VAT is due on the deposit)`, 'add "vatCode": "VN" (a VAT code of the base data)', till);
    }
    // Optional members only when given: tickets without them hash as before.
    return {
      kind: s.kind,
      ref: s.ref.trim(),
      amount: fmt(amount, rules.decimals),
      ...(s.category ? { category: s.category } : {}),
      ...(s.category === 'services' && s.vatCode ? { vatCode: s.vatCode.trim() } : {}),
      ...(s.invoice !== undefined ? { invoice: s.invoice } : {}),
    };
  });

  if (!lines.length && !settlements.length) throw reject('empty-sale', 'the sale has no lines and no settlements', 'add at least one article line', till);

  const totals = computeTotals(lines, settlements, rules);

  const payments: TicketPayment[] = input.payments.map((p, i) => {
    const mode = catalog.paymentMode(p.mode.trim());
    if (!mode) throw reject('unknown-payment-mode', `payment ${i + 1}: unknown payment mode "${p.mode}"`, 'use a payment mode code of the base data (ESP, CB, CHQ…)', till);
    const amount = amountOf(p.amount, `payment ${i + 1}: amount`, rules.decimals, '25.00', till);
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
