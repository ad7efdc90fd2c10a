import { describe, expect, it } from 'vitest';
import { TillsyncError } from '../sync/errors.ts';
import { GENESIS_HASH, hashTicket, verifyChain } from '../sync/ticket-chain.ts';
import type { Article, Ticket } from '../sync/types.ts';
import { CUSTOMERS, PAYMENT_MODES, VAT_RATES } from '../fixtures/store.ts';
import { buildTicket, type ChainState, type SaleCatalog } from './sale.ts';

const ARTICLES: Article[] = [
  { code: 'P48360', barcode: '3760000048360', label: 'Perceuse pro', price: '483.60', vatCode: 'VN' },
  { code: 'P1346', barcode: '3760000013460', label: 'Gants inox', price: '13.46', vatCode: 'VN' },
  { code: 'P40300', barcode: '3760000040300', label: 'Établi', price: '403.00', vatCode: 'VN' },
  { code: 'LIVRE', barcode: '9782070360024', label: 'Livre de poche', price: '7.90', vatCode: 'VS' },
  { code: 'CAFE', barcode: '3760000000999', label: 'Café 1 kg', price: '12.40', vatCode: 'VR' },
];

function catalog(): SaleCatalog {
  const byRef = new Map<string, Article>();
  for (const a of ARTICLES) {
    byRef.set(a.code, a);
    byRef.set(a.barcode, a);
  }
  return {
    article: (r) => byRef.get(r),
    customer: (c) => CUSTOMERS.find((x) => x.code === c),
    counterCustomer: () => CUSTOMERS.find((x) => x.counter),
    vatRate: (c) => VAT_RATES.find((v) => v.code === c),
    paymentMode: (c) => PAYMENT_MODES.find((m) => m.code === c),
  };
}

const chain = (over: Partial<ChainState> = {}): ChainState => ({ store: 'S1', till: '01', lastNumber: 0, lastHash: GENESIS_HASH, rounding: { decimals: 2, vatOn: 'line' }, ...over });
const ctx = { now: new Date('2026-11-24T10:15:00Z'), degraded: false };
const sell = (input: unknown, c = chain()) => buildTicket(input, catalog(), c, ctx);

function refusal(input: unknown): TillsyncError {
  try {
    sell(input);
  } catch (e) {
    expect(e).toBeInstanceOf(TillsyncError);
    return e as TillsyncError;
  }
  throw new Error('the sale was accepted');
}

describe('sale rules', () => {
  it('finds articles by code or barcode and fills the ticket', () => {
    const t = sell({ lines: [{ article: 'CAFE', qty: 2 }, { article: '9782070360024', qty: '1' }], payments: [{ mode: 'ESP', amount: '32.70' }] });
    expect(t.id).toBe('S1-01-00000001');
    expect(t.customer).toBe('COMPTOIR');
    expect(t.lines.map((l) => [l.article, l.qty, l.inclVat, l.vatCode, l.vatRate])).toEqual([
      ['CAFE', '2', '24.80', 'VR', '10'],
      ['LIVRE', '1', '7.90', 'VS', '5.5'],
    ]);
    expect(t.totals.due).toBe('32.70');
    expect(t.payments).toEqual([{ mode: 'ESP', amount: '32.70' }]);
    expect(t.degraded).toBe(false);
    expect(t.hash).toBe(hashTicket(t));
  });

  it('splits VAT as the seed does: 483.60 → 403.00 + 80.60, 13.46 → 11.22 + 2.24, 403.00 → 335.83 + 67.17', () => {
    const t = sell({ lines: [{ article: 'P48360', qty: 1 }, { article: 'P1346', qty: 1 }, { article: 'P40300', qty: 1 }], payments: [{ mode: 'CB', amount: '900.06' }] });
    expect(t.lines.map((l) => [l.inclVat, l.exclVat, l.vat])).toEqual([
      ['483.60', '403.00', '80.60'],
      ['13.46', '11.22', '2.24'],
      ['403.00', '335.83', '67.17'],
    ]);
    expect(t.totals.byVat).toEqual([{ vatCode: 'VN', rate: '20', base: '750.05', vat: '150.01', inclVat: '900.06' }]);
  });

  it('refuses an unknown article, naming the line', () => {
    const e = refusal({ lines: [{ article: 'CAFE', qty: 1 }, { article: 'NOPE', qty: 1 }], payments: [{ mode: 'ESP', amount: '12.40' }] });
    expect(e.code).toBe('unknown-article');
    expect(e.message).toBe('line 2: unknown article "NOPE" (no article has this code or barcode)');
  });

  it('refuses an unknown customer', () => {
    const e = refusal({ customer: 'C9999999', lines: [{ article: 'CAFE', qty: 1 }], payments: [{ mode: 'ESP', amount: '12.40' }] });
    expect(e.code).toBe('unknown-customer');
    expect(e.message).toContain('C9999999');
  });

  it('refuses payments that do not add up to what is due', () => {
    const e = refusal({ lines: [{ article: 'CAFE', qty: 1 }], payments: [{ mode: 'ESP', amount: '12.00' }] });
    expect(e.code).toBe('payment-mismatch');
    expect(e.message).toBe('payments total 12.00 but the ticket is due 12.40');
    expect(e.hint).toBe('make the payments add up to 12.40');
  });

  it('refuses an unknown payment mode', () => {
    expect(refusal({ lines: [{ article: 'CAFE', qty: 1 }], payments: [{ mode: 'BITCOIN', amount: '12.40' }] }).code).toBe('unknown-payment-mode');
  });

  it('refuses a negative quantity without the return flag', () => {
    const e = refusal({ lines: [{ article: 'CAFE', qty: -1 }], payments: [{ mode: 'ESP', amount: '-12.40' }] });
    expect(e.code).toBe('return-without-flag');
    expect(e.message).toBe('line 1: negative quantity -1 for CAFE without the return flag');
  });

  it('takes returns with the flag (quantity stored negative) and refunds', () => {
    const t = sell({ lines: [{ article: 'P48360', qty: 1, return: true }, { article: 'CAFE', qty: -1, return: true }], payments: [{ mode: 'ESP', amount: '-496.00' }] });
    expect(t.lines.map((l) => [l.qty, l.inclVat, l.exclVat, l.vat])).toEqual([
      ['-1', '-483.60', '-403.00', '-80.60'],
      ['-1', '-12.40', '-11.27', '-1.13'],
    ]);
    expect(t.totals.due).toBe('-496.00');
  });

  it('takes an exchange (return and sale) with split payments', () => {
    const t = sell({ customer: 'C0000001', lines: [{ article: 'P1346', qty: 1, return: true }, { article: 'P40300', qty: 1 }], payments: [{ mode: 'CB', amount: '300.00' }, { mode: 'ESP', amount: '89.54' }] });
    expect(t.totals.due).toBe('389.54');
    expect(t.payments.map((p) => p.amount)).toEqual(['300.00', '89.54']);
  });

  it('records an invoice settlement (partial payment of invoice 10001434) with no goods', () => {
    const t = sell({ customer: 'C0000002', lines: [], settlements: [{ kind: 'invoice', ref: '10001434', amount: '100.69' }], payments: [{ mode: 'CB', amount: '100.69' }] });
    expect(t.settlements).toEqual([{ kind: 'invoice', ref: '10001434', amount: '100.69' }]);
    expect(t.totals.inclVat).toBe('0.00');
    expect(t.totals.due).toBe('100.69');
  });

  it('records a deposit on order 10001651, then the final payment by deposit voucher and card', () => {
    const deposit = sell({ customer: 'C0000002', lines: [], settlements: [{ kind: 'deposit', ref: '10001651', amount: '100.00' }], payments: [{ mode: 'CHQ', amount: '100.00' }] });
    expect(deposit.totals.due).toBe('100.00');
    const final = sell(
      { customer: 'C0000002', lines: [], settlements: [{ kind: 'invoice', ref: '10001651', amount: '664.00' }], payments: [{ mode: 'ACP', amount: '100.00', ref: '10001651' }, { mode: 'CB', amount: '564.00' }] },
      chain({ lastNumber: 1, lastHash: deposit.hash }),
    );
    expect(final.payments).toEqual([{ mode: 'ACP', amount: '100.00', ref: '10001651' }, { mode: 'CB', amount: '564.00' }]);
    expect(final.totals.due).toBe('664.00');
  });

  it('sells goods and settles an invoice on one ticket', () => {
    const t = sell({ customer: 'C0000003', lines: [{ article: 'CAFE', qty: 1 }], settlements: [{ kind: 'invoice', ref: '10001432', amount: '159.90' }], payments: [{ mode: 'CHQ', amount: '172.30' }] });
    expect(t.totals.inclVat).toBe('12.40');
    expect(t.totals.due).toBe('172.30');
  });

  it('refuses settlements and credit sales for the anonymous counter customer', () => {
    expect(refusal({ lines: [], settlements: [{ kind: 'invoice', ref: '10001434', amount: '100.69' }], payments: [{ mode: 'CB', amount: '100.69' }] }).code).toBe('settlement-needs-customer');
    expect(refusal({ lines: [{ article: 'CAFE', qty: 1 }], payments: [{ mode: 'CRED', amount: '12.40' }] }).code).toBe('credit-needs-customer');
    expect(sell({ customer: 'C0000004', lines: [{ article: 'CAFE', qty: 1 }], payments: [{ mode: 'CRED', amount: '12.40' }] }).payments[0].mode).toBe('CRED');
  });

  it('refuses a deposit voucher without the order number', () => {
    expect(refusal({ customer: 'C0000002', lines: [{ article: 'CAFE', qty: 1 }], payments: [{ mode: 'ACP', amount: '12.40' }] }).code).toBe('deposit-needs-order');
  });

  it('takes a price override and refuses a negative or malformed one', () => {
    expect(sell({ lines: [{ article: 'CAFE', qty: 3, unitPrice: '9.99' }], payments: [{ mode: 'ESP', amount: '29.97' }] }).lines[0].unitPrice).toBe('9.99');
    expect(refusal({ lines: [{ article: 'CAFE', qty: 1, unitPrice: '-1.00' }], payments: [{ mode: 'ESP', amount: '-1.00' }] }).code).toBe('bad-amount');
    expect(refusal({ lines: [{ article: 'CAFE', qty: 1, unitPrice: '12,40' }], payments: [{ mode: 'ESP', amount: '12.40' }] }).code).toBe('bad-amount');
  });

  it('refuses zero or malformed quantities, empty sales and malformed input', () => {
    expect(refusal({ lines: [{ article: 'CAFE', qty: 0 }], payments: [] }).code).toBe('bad-quantity');
    expect(refusal({ lines: [{ article: 'CAFE', qty: '2x' }], payments: [] }).code).toBe('bad-quantity');
    expect(refusal({ lines: [], payments: [] }).code).toBe('empty-sale');
    expect(refusal({ payments: [] }).code).toBe('empty-sale'); // lines may be left out (settlement-only sales); nothing at all is still refused
    expect(refusal({ lines: 'x', payments: [] }).code).toBe('bad-sale');
    expect(refusal([1, 2]).code).toBe('bad-sale');
    expect(refusal({ lines: [{ article: 'CAFE', qty: 1 }], payments: [{ amount: '12.40' }] }).message).toBe('sale input: payment 1: "mode" must be a payment mode code');
  });

  it('keeps VAT on the total per rate when the till rounds that way', () => {
    const c = chain({ rounding: { decimals: 2, vatOn: 'total' } });
    const t = sell({ lines: [{ article: 'P1346', qty: 1 }, { article: 'P1346', qty: 1 }, { article: 'P1346', qty: 1 }], payments: [{ mode: 'ESP', amount: '40.38' }] }, c);
    // Per line 3 × 2.24 = 6.72; on the total 40.38 → 33.65 + 6.73.
    expect(t.totals.byVat[0]).toMatchObject({ base: '33.65', vat: '6.73' });
    expect(t.rounding).toEqual({ decimals: 2, vatOn: 'total' });
  });

  it('numbers gaplessly and chains each ticket to the previous one', () => {
    const tickets: Ticket[] = [];
    let c = chain();
    for (let i = 0; i < 5; i++) {
      const t = sell({ lines: [{ article: 'CAFE', qty: i + 1 }], payments: [{ mode: 'ESP', amount: (12.4 * (i + 1)).toFixed(2) }] }, c);
      tickets.push(t);
      c = chain({ lastNumber: t.number, lastHash: t.hash });
    }
    expect(tickets.map((t) => t.number)).toEqual([1, 2, 3, 4, 5]);
    expect(tickets[0].prevHash).toBe(GENESIS_HASH);
    expect(tickets[3].prevHash).toBe(tickets[2].hash);
    expect(verifyChain(tickets, null)).toEqual([]);
    const altered = { ...tickets[2], customer: 'C0000001' };
    expect(verifyChain([tickets[0], tickets[1], altered, tickets[3]], null).map((p) => p.kind)).toEqual(['altered']);
  });

  it('flags the ticket degraded when the server is away', () => {
    const t = buildTicket({ lines: [{ article: 'CAFE', qty: 1 }], payments: [{ mode: 'ESP', amount: '12.40' }] }, catalog(), chain(), { now: ctx.now, degraded: true });
    expect(t.degraded).toBe(true);
    expect(t.hash).toBe(hashTicket(t));
  });
});

describe('money input is exact or refused (issue 14)', () => {
  it('a unit price with more decimals than the till keeps is refused, naming the field and the precision', () => {
    const e = refusal({ lines: [{ article: 'P1346', qty: 1, unitPrice: '12.505' }], payments: [{ mode: 'ESP', amount: '12.51' }] });
    expect(e.code).toBe('too-precise');
    expect(e.message).toBe('line 1: unit price 12.505 has 3 decimals; this till keeps amounts to 2 decimals');
    expect(e.hint).toMatch(/at most 2 decimals, e\.g\. 12\.51/);
  });

  it('a payment of 12.501 on a 12.50 sale is refused, not stored as 12.50', () => {
    const e = refusal({ lines: [{ article: 'P1346', qty: 1, unitPrice: '12.50' }], payments: [{ mode: 'ESP', amount: '12.501' }] });
    expect(e.code).toBe('too-precise');
    expect(e.message).toMatch(/^payment 1: amount 12\.501 has 3 decimals; this till keeps amounts to 2 decimals$/);
  });

  it('trailing zeros are exact; a till at 3 decimals takes 3', () => {
    expect(sell({ lines: [{ article: 'P1346', qty: 1, unitPrice: '12.500' }], payments: [{ mode: 'ESP', amount: '12.5' }] }).totals.due).toBe('12.50');
    const t = sell({ lines: [{ article: 'P1346', qty: 1, unitPrice: '12.505' }], payments: [{ mode: 'ESP', amount: '12.505' }] }, chain({ rounding: { decimals: 3, vatOn: 'line' } }));
    expect(t.totals.due).toBe('12.505');
  });

  it('a settlement-only sale may leave out "lines"', () => {
    const t = sell({ customer: 'C0000001', settlements: [{ kind: 'invoice', ref: '10001434', amount: '100.69' }], payments: [{ mode: 'CB', amount: '100.69' }] });
    expect(t.lines).toEqual([]);
    expect(t.totals.due).toBe('100.69');
    expect(refusal({ payments: [{ mode: 'CB', amount: '1.00' }] }).code).toBe('empty-sale');
  });
});
