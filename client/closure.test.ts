import { describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../sync/ticket-chain.ts';
import { CUSTOMERS, PAYMENT_MODES, VAT_RATES } from '../fixtures/store.ts';
import type { Article, Ticket } from '../sync/types.ts';
import { buildClosure, hashClosure } from './closure.ts';
import { buildTicket, type SaleCatalog } from './sale.ts';

const ARTICLES: Article[] = [
  { code: 'P48360', barcode: '1', label: 'Perceuse', price: '483.60', vatCode: 'VN' },
  { code: 'CAFE', barcode: '2', label: 'Café', price: '12.40', vatCode: 'VR' },
];
const catalog: SaleCatalog = {
  article: (r) => ARTICLES.find((a) => a.code === r || a.barcode === r),
  customer: (c) => CUSTOMERS.find((x) => x.code === c),
  counterCustomer: () => CUSTOMERS[0],
  vatRate: (c) => VAT_RATES.find((v) => v.code === c),
  paymentMode: (c) => PAYMENT_MODES.find((m) => m.code === c),
};

function sellAll(inputs: unknown[]): Ticket[] {
  const out: Ticket[] = [];
  let last = { number: 0, hash: GENESIS_HASH };
  for (const i of inputs) {
    const t = buildTicket(i, catalog, { store: 'S1', till: '01', lastNumber: last.number, lastHash: last.hash, rounding: { decimals: 2, vatOn: 'line' } }, { now: new Date('2026-11-24T10:00:00Z'), degraded: false });
    out.push(t);
    last = t;
  }
  return out;
}

describe('Z report', () => {
  const tickets = sellAll([
    { lines: [{ article: 'P48360', qty: 1 }], payments: [{ mode: 'CB', amount: '483.60' }] },
    { lines: [{ article: 'CAFE', qty: 2 }], payments: [{ mode: 'ESP', amount: '20.00' }, { mode: 'CB', amount: '4.80' }] },
    { lines: [{ article: 'CAFE', qty: 1, return: true }], payments: [{ mode: 'ESP', amount: '-12.40' }] },
    { customer: 'C0000002', lines: [], settlements: [{ kind: 'invoice', ref: '10001434', amount: '100.69' }], payments: [{ mode: 'CHQ', amount: '100.69' }] },
  ]);

  it('totals per VAT rate and payment mode, counts and numbers', () => {
    const z = buildClosure(tickets, null, { store: 'S1', till: '01' }, new Date('2026-11-24T19:00:00Z'));
    expect(z.id).toBe('S1-01-Z000001');
    expect(z.seq).toBe(1);
    expect([z.ticketCount, z.firstNumber, z.lastNumber]).toEqual([4, 1, 4]);
    expect(z.byVat).toEqual([
      { vatCode: 'VN', rate: '20', base: '403.00', vat: '80.60', inclVat: '483.60' },
      // 24.80 − 12.40: VAT 2.25 − 1.13
      { vatCode: 'VR', rate: '10', base: '11.28', vat: '1.12', inclVat: '12.40' },
    ]);
    expect(z.byMode).toEqual([
      { mode: 'CB', amount: '488.40', count: 2 },
      { mode: 'CHQ', amount: '100.69', count: 1 },
      { mode: 'ESP', amount: '7.60', count: 2 },
    ]);
    // Goods only: the invoice settlement is money in, not a sale.
    expect(z.total).toBe('496.00');
    expect(z.grandTotal).toBe('496.00');
    expect(z.hash).toBe(hashClosure(z));
  });

  it('carries the perpetual grand total from closure to closure, even across an empty one', () => {
    const z1 = buildClosure(tickets.slice(0, 2), null, { store: 'S1', till: '01' }, new Date('2026-11-24T19:00:00Z'));
    const z2 = buildClosure([], z1, { store: 'S1', till: '01' }, new Date('2026-11-25T19:00:00Z'));
    const z3 = buildClosure(tickets.slice(2), z2, { store: 'S1', till: '01' }, new Date('2026-11-26T19:00:00Z'));
    expect(z1.grandTotal).toBe('508.40');
    expect([z2.seq, z2.ticketCount, z2.firstNumber, z2.total, z2.grandTotal]).toEqual([2, 0, null, '0.00', '508.40']);
    expect([z3.id, z3.firstNumber, z3.lastNumber, z3.total, z3.grandTotal]).toEqual(['S1-01-Z000003', 3, 4, '-12.40', '496.00']);
  });
});
