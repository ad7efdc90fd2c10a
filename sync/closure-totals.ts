/**
 * The figures of a closure, as pure functions both the till (making it) and an auditor (checking
 * it, sync/archive-verify.ts) compute the same way: totals per VAT rate and payment mode of a run of
 * tickets, or of the closures a month or year sums. Exact decimal text in, exact decimal text out.
 */
import { D, fmt, sum, type Decimals, type MoneyText } from './money.ts';
import type { Closure, Ticket, VatTotal } from './types.ts';

export interface ClosureFigures {
  ticketCount: number;
  firstNumber: number | null;
  lastNumber: number | null;
  byVat: VatTotal[];
  byMode: { mode: string; amount: MoneyText; count: number }[];
  total: MoneyText;
  /** Σ |ticket total|: what the perpetual absolute grand total grows by. */
  absTotal: MoneyText;
}

function vatAndModes(vatRows: VatTotal[], modeRows: { mode: string; amount: MoneyText; count: number }[], decimals: Decimals): Pick<ClosureFigures, 'byVat' | 'byMode'> {
  const vat = new Map<string, { rate: string; base: string[]; vat: string[]; incl: string[] }>();
  for (const v of vatRows) {
    const g = vat.get(v.vatCode) ?? { rate: v.rate, base: [], vat: [], incl: [] };
    g.base.push(v.base);
    g.vat.push(v.vat);
    g.incl.push(v.inclVat);
    vat.set(v.vatCode, g);
  }
  const modes = new Map<string, { amounts: string[]; count: number }>();
  for (const p of modeRows) {
    const g = modes.get(p.mode) ?? { amounts: [], count: 0 };
    g.amounts.push(p.amount);
    g.count += p.count;
    modes.set(p.mode, g);
  }
  return {
    byVat: [...vat.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([vatCode, g]) => ({ vatCode, rate: g.rate, base: fmt(sum(g.base), decimals), vat: fmt(sum(g.vat), decimals), inclVat: fmt(sum(g.incl), decimals) })),
    byMode: [...modes.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([mode, g]) => ({ mode, amount: fmt(sum(g.amounts), decimals), count: g.count })),
  };
}

/** Figures of a run of tickets (any order). `total` is goods incl. VAT; settlements only show in byMode. */
export function ticketFigures(tickets: Ticket[], decimals: Decimals = 2): ClosureFigures {
  const sorted = [...tickets].sort((a, b) => a.number - b.number);
  const { byVat, byMode } = vatAndModes(
    sorted.flatMap((t) => t.totals.byVat),
    sorted.flatMap((t) => t.payments.map((p) => ({ mode: p.mode, amount: p.amount, count: 1 }))),
    decimals,
  );
  return {
    ticketCount: sorted.length,
    firstNumber: sorted.length ? sorted[0].number : null,
    lastNumber: sorted.length ? sorted[sorted.length - 1].number : null,
    byVat,
    byMode,
    total: fmt(sum(sorted.map((t) => t.totals.inclVat)), decimals),
    absTotal: fmt(sum(sorted.map((t) => new D(t.totals.inclVat).abs())), decimals),
  };
}

/** Figures of the closures a month (days) or a year (months) sums, in seq order. */
export function closureFigures(children: Closure[], decimals: Decimals = 2): ClosureFigures {
  const sorted = [...children].sort((a, b) => a.seq - b.seq);
  const { byVat, byMode } = vatAndModes(sorted.flatMap((c) => c.byVat), sorted.flatMap((c) => c.byMode), decimals);
  const numbered = sorted.filter((c) => c.firstNumber !== null);
  return {
    ticketCount: sorted.reduce((n, c) => n + c.ticketCount, 0),
    firstNumber: numbered.length ? numbered[0].firstNumber : null,
    lastNumber: numbered.length ? numbered[numbered.length - 1].lastNumber : null,
    byVat,
    byMode,
    total: fmt(sum(sorted.map((c) => c.total)), decimals),
    // Closures made before totalAbs existed count by their signed total's absolute value.
    absTotal: fmt(sum(sorted.map((c) => c.totalAbs ?? new D(c.total).abs())), decimals),
  };
}
