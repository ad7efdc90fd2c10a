import { describe, expect, it } from 'vitest';
import { generateArticles } from '../../fixtures/articles.ts';
import { rng, pick } from '../../fixtures/random.ts';
import { VAT_RATES } from '../../fixtures/store.ts';
import { computeLine, computeTotals, type TicketRounding } from '../../sync/ticket-math.ts';
import type { Ticket } from '../../sync/types.ts';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { decimalProblems, integerVerdict, recomputeProblems } from './ticket-recompute.ts';
import { divRoundHalfUp, formatScaled, isScaledText, netOfInclusive, parseRate, toScaled } from '../../sync/scaled-money.ts';
import { D, splitInclusive, fmt } from '../../sync/money.ts';

const articles = generateArticles(200, 3);
const RATES = [...VAT_RATES.map((v) => v.rate), '0', '8.5', '19.6'];

/** Random tickets with odd quantities, returns, every rounding rule: a wide net for the integer path. */
function randomTicket(r: () => number, rounding: TicketRounding): Ticket {
  const lines = [];
  const n = 1 + Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    const a = pick(r, articles);
    const qty = pick(r, ['1', '2', '3', '-1', '0.5', '1.25', '0.333', '12', '-2.5', '0.001']);
    const rate = pick(r, RATES);
    const price = rounding.decimals === 2 ? a.price : `${a.price}${'7'.repeat(rounding.decimals - 2)}`;
    // Discounts as the realistic night gives them: a percentage, or an amount signed like the line.
    const k = r();
    const discount = k < 0.15 ? { percent: pick(r, ['10', '5', '33.3333', '12.5', '100', '0.5']) } : k < 0.25 && !qty.startsWith('-') && Number(qty) >= 1 ? { amount: rounding.decimals === 2 ? '0.10' : `0.1${'0'.repeat(rounding.decimals - 1)}` } : undefined;
    lines.push(computeLine({ article: a.code, label: a.label, qty, unitPrice: price, vatCode: `V${rate}`, vatRate: rate, discount }, rounding));
  }
  const settlements = r() < 0.2 ? [{ kind: 'invoice' as const, ref: 'F1', amount: '10.50' }] : [];
  const totals = computeTotals(lines, settlements, rounding);
  return {
    id: 'S1-01-00000001', store: 'S1', till: '01', number: 1, soldAt: '2026-11-02T10:00:00Z', day: '2026-11-02', customer: 'COMPTOIR',
    lines, settlements, payments: [{ mode: 'ESP', amount: totals.due }], totals, degraded: false, rounding, prevHash: '0'.repeat(64), hash: 'x',
  };
}

describe('exact amounts', () => {
  it('rounds half away from zero like decimal.js', () => {
    const r = rng(11);
    for (let i = 0; i < 5000; i++) {
      const n = Math.floor((r() - 0.5) * 2e9);
      const d = 1 + Math.floor(r() * 5000);
      const expected = new D(n).dividedBy(d).toDecimalPlaces(0, D.ROUND_HALF_UP).toNumber();
      expect(divRoundHalfUp(n, d)).toBe(expected);
    }
  });

  it('splits amounts incl VAT like splitInclusive, seed examples included', () => {
    expect(formatScaled(netOfInclusive(48360, parseRate('20')!)!, 2)).toBe('403.00');
    expect(formatScaled(netOfInclusive(1346, parseRate('20')!)!, 2)).toBe('11.22');
    const r = rng(5);
    for (let i = 0; i < 5000; i++) {
      const cents = Math.floor((r() - 0.3) * 1e7);
      const rate = pick(r, RATES);
      expect(formatScaled(netOfInclusive(cents, parseRate(rate)!)!, 2)).toBe(fmt(splitInclusive(fmt(new D(cents).dividedBy(100)), rate, 2).exclVat));
    }
  });

  it('refuses what it cannot do exactly', () => {
    expect(toScaled('1.234', 2)).toBeNull();
    expect(toScaled('12345678901234567', 2)).toBeNull();
    expect(toScaled('1e3', 2)).toBeNull();
    expect(toScaled('-0.5', 2)).toBe(-50);
    expect(formatScaled(-0, 2)).toBe('0.00');
    expect(formatScaled(-5, 2)).toBe('-0.05');
  });
});

describe('ticket recomputation', () => {
  it('the integer path agrees with decimal.js on thousands of random tickets and on the volume generator', () => {
    const r = rng(42);
    let matched = 0;
    for (let i = 0; i < 3000; i++) {
      const rounding: TicketRounding = { decimals: pick(r, [2, 3, 4] as const), vatOn: pick(r, ['line', 'total'] as const) };
      const t = randomTicket(r, rounding);
      expect(decimalProblems(t)).toEqual([]);
      const v = integerVerdict(t);
      expect(v).not.toBe('mismatch');
      if (v === 'match') matched++;
    }
    // The integer path must really carry the load, not defer everything to decimal.js.
    expect(matched).toBeGreaterThan(2900);
    for (const t of generateTillTickets('01', { tills: 1, ticketsPerTill: 300 })) expect(integerVerdict(t)).toBe('match');
  });

  it('the integer path checks discounted lines (percentage and amount) and finds a discount a cent off', () => {
    const r = rng(19);
    let discounted = 0;
    for (let i = 0; i < 2000; i++) {
      const t = randomTicket(r, { decimals: 2, vatOn: pick(r, ['line', 'total'] as const) });
      const at = t.lines.findIndex((l) => l.discount);
      if (at < 0) continue;
      discounted++;
      expect(integerVerdict(t)).toBe('match');
      const bad = structuredClone(t);
      bad.lines[at].discount!.amount = fmt(new D(bad.lines[at].discount!.amount).plus('0.01'));
      expect(integerVerdict(bad)).not.toBe('match');
      // A percentage's amount is recomputed (named as the discount); an amount moves the line's figures.
      expect(recomputeProblems(bad).join(' ')).toMatch(new RegExp(`line ${at + 1} \\(.*(discount|inclVat)`));
    }
    expect(discounted).toBeGreaterThan(300);
  });

  it('finds a cent moved anywhere, and says where', () => {
    const r = rng(7);
    for (let i = 0; i < 500; i++) {
      const t = randomTicket(r, { decimals: 2, vatOn: pick(r, ['line', 'total'] as const) });
      const bad = structuredClone(t);
      const where = pick(r, ['line', 'byVat', 'total', 'payment'] as const);
      const bump = (x: string) => fmt(new D(x).plus('0.01'));
      if (where === 'line') bad.lines[0].vat = bump(bad.lines[0].vat);
      if (where === 'byVat') bad.totals.byVat[0].base = bump(bad.totals.byVat[0].base);
      if (where === 'total') bad.totals.inclVat = bump(bad.totals.inclVat);
      if (where === 'payment') bad.payments[0].amount = bump(bad.payments[0].amount);
      expect(integerVerdict(bad)).not.toBe('match');
      const problems = recomputeProblems(bad);
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.join(' ')).toMatch({ line: /line 1/, byVat: /VAT total/, total: /total inclVat/, payment: /payments/ }[where]);
    }
  });
});

describe('exact amount texts', () => {
  it('isScaledText accepts exactly what formatScaled prints', () => {
    const r = rng(3);
    for (let i = 0; i < 20000; i++) {
      const scale = pick(r, [2, 3, 4]);
      const v = Math.floor((r() - 0.5) * 10 ** Math.floor(r() * 12));
      const text = formatScaled(v, scale);
      expect(isScaledText(text, v, scale)).toBe(true);
      expect(toScaled(text, scale)).toBe(v);
      expect(isScaledText(text, v + 1, scale)).toBe(false);
    }
    for (const bad of ['01.00', '1.0', '1.000', '-0.00', '+1.00', '1,00', '1.', '.50', '', '1e2', ' 1.00']) expect(isScaledText(bad, toScaled(bad, 2) ?? 100, 2)).toBe(false);
    expect(toScaled('1.', 2)).toBeNull();
    expect(toScaled('.5', 2)).toBeNull();
    expect(toScaled('-', 2)).toBeNull();
    expect(toScaled('12.5', 3)).toBe(12500);
    expect(toScaled('0000000000000000001.5', 2)).toBe(150);
  });
});
