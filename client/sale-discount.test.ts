/**
 * Line discounts at the till (issue 16): a percentage or an amount off a line, kept apart from the
 * list price so invoices show price, discount and net; refused when they are not discounts; old
 * tickets (without the field) keep their hash; the server's recomputation agrees.
 */
import { describe, expect, it } from 'vitest';
import { TillsyncError } from '../sync/errors.ts';
import { GENESIS_HASH, hashTicket } from '../sync/ticket-chain.ts';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import type { Article, Ticket } from '../sync/types.ts';
import { CUSTOMERS, PAYMENT_MODES, VAT_RATES } from '../fixtures/store.ts';
import { recomputeProblems } from '../server/integration/ticket-recompute.ts';
import { buildTicket, type SaleCatalog } from './sale.ts';

const ARTICLES: Article[] = [
  { code: 'VIS', barcode: '3760000000391', label: 'Vis', price: '0.39', vatCode: 'VN' },
  { code: 'PERC', barcode: '3760000048360', label: 'Perceuse pro', price: '483.60', vatCode: 'VN' },
];
const catalog: SaleCatalog = {
  article: (r) => ARTICLES.find((a) => a.code === r || a.barcode === r),
  customer: (c) => CUSTOMERS.find((x) => x.code === c),
  counterCustomer: () => CUSTOMERS.find((x) => x.counter),
  vatRate: (c) => VAT_RATES.find((v) => v.code === c),
  paymentMode: (c) => PAYMENT_MODES.find((m) => m.code === c),
};
const chain = { store: 'S1', till: '01', lastNumber: 0, lastHash: GENESIS_HASH, rounding: { decimals: 2 as const, vatOn: 'line' as const } };
const sell = (input: unknown) => buildTicket(input, catalog, chain, { now: new Date('2026-11-24T10:15:00Z'), degraded: false });
function refusal(input: unknown): TillsyncError {
  try {
    sell(input);
  } catch (e) {
    expect(e).toBeInstanceOf(TillsyncError);
    return e as TillsyncError;
  }
  throw new Error('the sale was accepted');
}

describe('line discounts at the till', () => {
  it('takes "3 × 0.35 instead of 0.39" as 0.12 off the line, keeping the list price', () => {
    const t = sell({ lines: [{ article: 'VIS', qty: 3, discount: { amount: '0.12' } }], payments: [{ mode: 'ESP', amount: '1.05' }] });
    expect(t.lines[0]).toMatchObject({ unitPrice: '0.39', inclVat: '1.05', exclVat: '0.88', vat: '0.17', discount: { amount: '0.12' } });
    expect(t.totals.due).toBe('1.05');
    expect(t.hash).toBe(hashTicket(t));
    expect(recomputeProblems(t)).toEqual([]);
  });

  it('takes a percentage, rounded to the till decimals, and signs it on a returned line', () => {
    const t = sell({
      customer: 'C0000001',
      lines: [
        { article: 'PERC', qty: 1, discount: { percent: 12.5 } },
        { article: 'VIS', qty: 1, return: true, returnOf: 'S1-01-00000007', discount: { percent: '10' } },
      ],
      payments: [{ mode: 'CB', amount: '422.80' }],
    });
    // 483.60 × 12.5 % = 60.45 → 423.15; returned 0.39 less 10 % (0.04) → −0.35.
    expect(t.lines.map((l) => [l.inclVat, l.discount])).toEqual([['423.15', { percent: '12.5', amount: '60.45' }], ['-0.35', { percent: '10', amount: '-0.04' }]]);
    expect(t.lines[1].returnOf).toBe('S1-01-00000007');
    expect(recomputeProblems(t)).toEqual([]);
  });

  it('refuses what is not a discount, naming the line', () => {
    expect(refusal({ lines: [{ article: 'VIS', qty: 1, discount: { amount: '0.50' } }], payments: [{ mode: 'ESP', amount: '0' }] }).message).toMatch(/line 1: discount of VIS: 0.50 is more than the line's 0.39/);
    expect(refusal({ lines: [{ article: 'VIS', qty: 1, discount: { percent: '120' } }], payments: [] }).code).toBe('bad-discount');
    expect(refusal({ lines: [{ article: 'VIS', qty: 1, discount: { amount: '-1' } }], payments: [] }).code).toBe('bad-discount');
    expect(refusal({ lines: [{ article: 'VIS', qty: 1, discount: { percent: 5, amount: '0.01' } }], payments: [] }).code).toBe('bad-sale');
    expect(refusal({ lines: [{ article: 'VIS', qty: 1, returnOf: 'S1-01-00000001' }], payments: [] }).code).toBe('bad-return');
  });

  it('leaves undiscounted tickets exactly as before: no new member, and tickets made before discounts keep their hash', () => {
    const t = sell({ lines: [{ article: 'VIS', qty: 3 }], payments: [{ mode: 'ESP', amount: '1.17' }] });
    expect(Object.keys(t.lines[0]).sort()).toEqual(['article', 'exclVat', 'inclVat', 'label', 'qty', 'unitPrice', 'vat', 'vatCode', 'vatRate']);
    // A package written by the first format version, before discounts existed.
    const zip = new AdmZip(join(import.meta.dirname, '..', 'sync', 'testdata', 'ticket-package-v1.zip'));
    const old = zip.readAsText('tickets.jsonl').trim().split('\n').map((l) => JSON.parse(l) as Ticket);
    expect(old.length).toBeGreaterThan(0);
    for (const o of old) {
      expect(hashTicket(o)).toBe(o.hash);
      expect(recomputeProblems(o)).toEqual([]);
    }
  });

  it('catches a discount altered after the sale (the server recomputes it)', () => {
    const t = sell({ lines: [{ article: 'PERC', qty: 1, discount: { percent: '10' } }], payments: [{ mode: 'CB', amount: '435.24' }] });
    const forged = { ...t, lines: [{ ...t.lines[0], discount: { percent: '10', amount: '80.00' } }] };
    expect(recomputeProblems(forged).join(' ')).toMatch(/discount 80.00, expected 48.36/);
  });

  it('keeps deposit details only on deposits, and requires the VAT code of a services deposit', () => {
    const t = sell({ customer: 'C0000002', lines: [], settlements: [{ kind: 'deposit', ref: '10001651', amount: '100', category: 'services', vatCode: 'VN', invoice: true }], payments: [{ mode: 'CB', amount: '100' }] });
    expect(t.settlements).toEqual([{ kind: 'deposit', ref: '10001651', amount: '100.00', category: 'services', vatCode: 'VN', invoice: true }]);
    expect(refusal({ customer: 'C0000002', lines: [], settlements: [{ kind: 'deposit', ref: '1', amount: '10', category: 'services' }], payments: [{ mode: 'CB', amount: '10' }] }).code).toBe('deposit-needs-vat');
    expect(refusal({ customer: 'C0000002', lines: [], settlements: [{ kind: 'invoice', ref: 'F1', amount: '10', invoice: true }], payments: [{ mode: 'CB', amount: '10' }] }).code).toBe('bad-settlement');
  });
});
