/**
 * The scaled-integer sales split (sales-split.ts) against the decimal.js split it replaced
 * (test/support/decimal-sales-split.ts), amount for amount, over the realistic generator's tickets
 * (four VAT rates, discounts, returns, deposits) and random amounts: every rounding mode, every
 * placement of the difference, 2 to 4 decimals, documents of one ticket and of many.
 */
import { describe, expect, it } from 'vitest';
import { D, type Decimals } from '../../sync/money.ts';
import type { Ticket } from '../../sync/types.ts';
import { realisticNight } from '../../fixtures/realistic-night.ts';
import { splitSalesDecimal, type DecimalSalesSplit } from '../../test/support/decimal-sales-split.ts';
import type { BooksRounding } from './product-rounding.ts';
import type { PostingTicketLine } from './ledger-types.ts';
import type { VatMapping } from './mapping.ts';
import { splitSales, type SalesSplit } from './sales-split.ts';
import { toPostingTicket } from './posting-source.ts';
import { UnitSplitCache } from './split-cache.ts';
import { unitsDec, unitsOf } from './units.ts';

const tickets: Ticket[] = [...realisticNight({ store: 'S1', tills: 2, ticketsPerTill: 400, day: '2026-11-02', customers: 300, seed: 22 })];
const linesOf = (t: Ticket): PostingTicketLine[] => toPostingTicket({ id: t.id, document_id: null, document_number: null, content: JSON.stringify(t) }).lines;

function vatMap(lines: readonly PostingTicketLine[]): Record<string, VatMapping> {
  const m: Record<string, VatMapping> = {};
  for (const l of lines) m[l.vatCode] = { salesAccount: '707000', vatAccount: `4457${l.vatCode}`, vatCode: l.vatCode };
  return m;
}

/** The decimal.js result in the new one's form (units), for one comparison of everything. */
function asUnits(s: DecimalSalesSplit | null): SalesSplit | null {
  if (!s) return null;
  return {
    customer: unitsOf(s.customer),
    parts: s.parts.map((p) => ({ code: p.code, rate: p.rate, map: p.map, net: unitsOf(p.net), vat: unitsOf(p.vat), discount: unitsOf(p.discount) })),
    difference: unitsOf(s.difference),
    rawDifference: unitsOf(s.rawDifference),
  };
}

const RULES: BooksRounding[] = [];
for (const decimals of [2, 3, 4] as Decimals[]) {
  for (const vatOn of ['line', 'total', 'product'] as const) {
    for (const difference of ['accounts', 'first-line', 'first-tax'] as const) RULES.push({ decimals, vatOn, difference, lossAccount: '658000', gainAccount: '758000' });
  }
}

function same(total: InstanceType<typeof D>, lines: PostingTicketLine[], rules: BooksRounding, cache: UnitSplitCache): void {
  const vat = vatMap(lines);
  const now = splitSales({ total, lines, rules, vat, cache });
  const before = splitSalesDecimal({ total, lines, rules, vat });
  expect(now.result, `${rules.vatOn}/${rules.difference}/${rules.decimals}: ${total.toFixed()} ${JSON.stringify(lines)}`).toEqual(asUnits(before.result));
  expect(now.errors.map((e) => e.message)).toEqual(before.errors.map((e) => e.message));
}

describe('the scaled-integer sales split gives the decimal.js split, to the unit', () => {
  it('on every realistic ticket as a document of its own, under every rounding rule', () => {
    expect(tickets.length).toBe(800);
    let discounted = 0;
    for (const rules of RULES) {
      const cache = new UnitSplitCache(rules.decimals);
      for (const t of tickets) {
        const lines = linesOf(t);
        if (!lines.length) continue;
        discounted += lines.filter((l) => l.discount).length;
        same(new D(t.totals.inclVat), lines, rules, cache);
      }
    }
    expect(discounted).toBeGreaterThan(500);
  });

  it('on documents of many tickets (a customer × till × day), credit notes and totals off by a few units', () => {
    const byCustomer = new Map<string, Ticket[]>();
    for (const t of tickets) byCustomer.set(`${t.till}/${t.customer}`, [...(byCustomer.get(`${t.till}/${t.customer}`) ?? []), t]);
    let docs = 0;
    // 2 and 4 decimals (3 is covered ticket by ticket above): the suite's time.
    for (const rules of RULES.filter((r) => r.decimals !== 3)) {
      const cache = new UnitSplitCache(rules.decimals);
      for (const ts of byCustomer.values()) {
        const lines = ts.flatMap(linesOf);
        if (!lines.length) continue;
        docs++;
        const total = ts.reduce((a, t) => a.plus(t.totals.inclVat), new D(0));
        same(total, lines, rules, cache);
        // A total a few units off its lines: the difference is placed (or refused beyond rounding) alike.
        for (const off of ['-0.003', '1.00']) same(total.plus(off), lines, rules, cache);
        same(total.negated(), lines.map((l) => ({ ...l, inclVat: new D(l.inclVat).negated().toFixed(), ...(l.discount ? { discount: new D(l.discount).negated().toFixed() } : {}) })), rules, cache);
      }
    }
    expect(docs).toBeGreaterThan(1500);
  });

  it('on random amounts of up to 4 decimals at every rate, and where an integer cannot hold them', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const rates = ['20', '10', '5.5', '2.1', '8.5', '0', '19.6', '13'];
    for (const rules of RULES) {
      const cache = new UnitSplitCache(rules.decimals);
      for (let i = 0; i < 400; i++) {
        const lines: PostingTicketLine[] = [];
        for (let k = 0; k <= rnd(4); k++) {
          const rate = rates[rnd(rates.length)];
          const incl = unitsDec((rnd(2) ? -1 : 1) * rnd(10 ** (3 + rnd(8)))).toFixed();
          const discount = rnd(4) === 0 ? unitsDec(rnd(50_000)).toFixed() : undefined;
          lines.push({ vatCode: `R${rate}`, vatRate: rate, inclVat: incl, ...(discount ? { discount } : {}), ...(rnd(2) ? { qty: String(1 + rnd(5)), unitPrice: unitsDec(rnd(99_999)).toFixed() } : {}) });
        }
        const total = lines.reduce((a, l) => a.plus(l.inclVat), new D(0));
        same(total, lines, rules, cache);
      }
      // Past what an integer holds exactly once scaled by the rate (and past 4 decimals) decimal.js splits.
      same(new D('12345678901.23'), [{ vatCode: 'VR', vatRate: '5.5', inclVat: '12345678901.23' }], rules, cache);
      same(new D('10.123456'), [{ vatCode: 'VN', vatRate: '20', inclVat: '10.123456' }], rules, cache);
    }
  });
});
