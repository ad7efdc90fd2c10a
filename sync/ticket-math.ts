import { D, fmt, money, parseMoney, splitInclusive, sum, type Decimals } from './money.ts';
import type { RoundingRules } from './money.ts';
import type { TicketLine, TicketPayment, TicketSettlement, TicketTotals, VatTotal } from './types.ts';

export type TicketRounding = Pick<RoundingRules, 'decimals' | 'vatOn'>;

export interface LineInput {
  article: string;
  label: string;
  qty: string;
  unitPrice: string;
  vatCode: string;
  vatRate: string;
}

/** One ticket line: amount incl VAT = round(qty × unit price); VAT split per line. */
export function computeLine(input: LineInput, rules: TicketRounding): TicketLine {
  const qty = new D(input.qty);
  const unit = parseMoney(input.unitPrice, `unit price of ${input.article}`);
  const split = splitInclusive(qty.times(unit), input.vatRate, rules.decimals);
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
