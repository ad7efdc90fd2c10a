import { D, fmt, money, parseMoney, splitInclusive, sum, type Dec, type Decimals } from './money.ts';
import type { RoundingRules } from './money.ts';
import type { LineDiscount, TicketLine, TicketPayment, TicketSettlement, TicketTotals, VatTotal } from './types.ts';

export type TicketRounding = Pick<RoundingRules, 'decimals' | 'vatOn'>;

export interface LineInput {
  article: string;
  label: string;
  qty: string;
  unitPrice: string;
  vatCode: string;
  vatRate: string;
  /** A percentage (the amount follows from it) or an amount incl VAT signed like the line. */
  discount?: { percent?: string; amount?: string };
  returnOf?: string;
}

const PERCENT_RE = /^\d{1,3}(\.\d{1,4})?$/;

/**
 * The discount of a line on its gross amount incl VAT (signed like the line): a percentage is
 * rounded to the till's decimals; an amount is taken as given. Throws when it is not a discount
 * (more than the line, of the other sign, zero, a percentage outside 0–100).
 */
export function lineDiscount(gross: Dec, discount: { percent?: string; amount?: string }, decimals: Decimals, article: string): LineDiscount {
  let amount: Dec;
  let percent: string | undefined;
  if (discount.percent !== undefined) {
    if (!PERCENT_RE.test(discount.percent) || new D(discount.percent).lte(0) || new D(discount.percent).gt(100)) throw new Error(`discount of ${article}: "${discount.percent}" is not a percentage between 0 and 100`);
    percent = new D(discount.percent).toString();
    amount = money(gross.times(percent).dividedBy(100), decimals);
  } else {
    amount = parseMoney(discount.amount, `discount of ${article}`);
    if (amount.isZero() || (gross.isNegative() ? amount.isPositive() : amount.isNegative())) throw new Error(`discount of ${article}: ${discount.amount} must have the sign of the line (${fmt(gross, decimals)})`);
  }
  if (amount.abs().gt(gross.abs())) throw new Error(`discount of ${article}: ${fmt(amount, decimals)} is more than the line's ${fmt(gross, decimals)}`);
  return { ...(percent !== undefined ? { percent } : {}), amount: fmt(amount, decimals) };
}

/**
 * One ticket line: amount incl VAT = round(qty × unit price) − discount; VAT split per line on
 * that net amount. `unitPrice` stays the list price, so the invoice can show price, discount, net.
 */
export function computeLine(input: LineInput, rules: TicketRounding): TicketLine {
  const qty = new D(input.qty);
  const unit = parseMoney(input.unitPrice, `unit price of ${input.article}`);
  const gross = money(qty.times(unit), rules.decimals);
  const discount = input.discount ? lineDiscount(gross, input.discount, rules.decimals, input.article) : undefined;
  const split = splitInclusive(discount ? gross.minus(discount.amount) : gross, input.vatRate, rules.decimals);
  return {
    article: input.article,
    label: input.label,
    qty: qty.toString(),
    unitPrice: fmt(unit, rules.decimals),
    vatCode: input.vatCode,
    vatRate: input.vatRate,
    inclVat: fmt(split.inclVat, rules.decimals),
    exclVat: fmt(split.exclVat, rules.decimals),
    vat: fmt(split.vat, rules.decimals),
    ...(discount ? { discount } : {}),
    ...(input.returnOf ? { returnOf: input.returnOf } : {}),
  };
}

/**
 * Totals per VAT rate. With `vatOn: 'line'` the rate's VAT is the sum of the rounded line VAT;
 * with `vatOn: 'total'` it is recomputed once on the rate's total incl VAT (fewer cents lost).
 */
export function computeTotals(lines: TicketLine[], settlements: TicketSettlement[], rules: TicketRounding): TicketTotals {
  const d: Decimals = rules.decimals;
  const groups = new Map<string, { vatCode: string; rate: string; lines: TicketLine[] }>();
  for (const l of lines) {
    const g = groups.get(l.vatCode) ?? { vatCode: l.vatCode, rate: l.vatRate, lines: [] };
    g.lines.push(l);
    groups.set(l.vatCode, g);
  }
  const byVat: VatTotal[] = [...groups.values()]
    .sort((a, b) => a.vatCode.localeCompare(b.vatCode))
    .map((g) => {
      const incl = sum(g.lines.map((l) => l.inclVat));
      if (rules.vatOn === 'total') {
        const s = splitInclusive(incl, g.rate, d);
        return { vatCode: g.vatCode, rate: g.rate, base: fmt(s.exclVat, d), vat: fmt(s.vat, d), inclVat: fmt(incl, d) };
      }
      const vat = sum(g.lines.map((l) => l.vat));
      return { vatCode: g.vatCode, rate: g.rate, base: fmt(incl.minus(vat), d), vat: fmt(vat, d), inclVat: fmt(incl, d) };
    });
  const inclVat = sum(byVat.map((v) => v.inclVat));
  const vat = sum(byVat.map((v) => v.vat));
  const due = inclVat.plus(sum(settlements.map((s) => s.amount)));
  return { inclVat: fmt(inclVat, d), exclVat: fmt(inclVat.minus(vat), d), vat: fmt(vat, d), byVat, due: fmt(due, d) };
}

export function paymentsTotal(payments: TicketPayment[], decimals: Decimals = 2): string {
  return fmt(sum(payments.map((p) => money(p.amount, decimals))), decimals);
}
