/**
 * The per-ticket core of B2C e-reporting: goods / services split per rate that keeps the ticket's
 * byVat whole (VAT on the total: the cents go with the largest line), and the money a ticket
 * collects for services (credit and deposit vouchers are not collected now; a deposit on a services
 * order is, at the order's rate; a refund collects a negative amount).
 */
import { describe, expect, it } from 'vitest';
import { demoBaseData } from '../../fixtures/store.ts';
import type { Ticket, TicketLine } from '../../sync/types.ts';
import { servicesCollected, ticketCategories, type CategoryRates } from './b2c-tickets.ts';

const SERVICES = new Set(['POSE']);
const categoryOf = (a: string) => (SERVICES.has(a) ? ('services' as const) : ('goods' as const));
const modes = new Map(demoBaseData(1).paymentModes.map((m) => [m.code, m]));
const rateOf = (code: string) => ({ VN: '20', VR: '10' })[code];

function line(article: string, incl: string, excl: string, vat: string, vatCode = 'VN', vatRate = '20'): TicketLine {
  return { article, label: article, qty: '1', unitPrice: incl, vatCode, vatRate, inclVat: incl, exclVat: excl, vat };
}

function ticket(lines: TicketLine[], byVat: Ticket['totals']['byVat'], payments: Ticket['payments'], settlements: Ticket['settlements'] = []): Ticket {
  const incl = byVat.reduce((a, v) => a + Number(v.inclVat), 0).toFixed(2);
  return {
    id: 'S1-01-00000001', store: 'S1', till: '01', number: 1, soldAt: '2026-11-02T10:00:00+01:00', day: '2026-11-02', customer: 'COMPTOIR',
    lines, settlements, payments, totals: { inclVat: incl, exclVat: '0', vat: '0', byVat, due: incl }, degraded: false, rounding: { decimals: 2, vatOn: 'total' }, prevHash: 'p', hash: 'h',
  };
}

const text = (r: CategoryRates) => Object.fromEntries((['goods', 'services'] as const).map((c) => [c, [...r[c]].map(([rate, f]) => `${rate}: ${f.base.toFixed(2)} + ${f.vat.toFixed(2)} = ${f.incl.toFixed(2)}`)]));

describe('goods and services of a ticket', () => {
  it('VAT on the total: the cent between the lines and byVat goes with the largest line, byVat stays whole', () => {
    // The lines alone: 0.84 + 0.16 and 4.17 + 0.83 (5.01 + 0.99); VAT on the total of 6.00: 5.00 + 1.00.
    const t = ticket([line('VIS', '1.00', '0.83', '0.17'), line('POSE', '5.00', '4.17', '0.83')], [{ vatCode: 'VN', rate: '20', base: '5.00', vat: '1.00', inclVat: '6.00' }], [{ mode: 'CB', amount: '6.00' }]);
    t.lines[0].exclVat = '0.84';
    t.lines[0].vat = '0.16';
    expect(text(ticketCategories(t, categoryOf))).toEqual({ goods: ['20: 0.84 + 0.16 = 1.00'], services: ['20: 4.16 + 0.84 = 5.00'] });
  });

  it('a ticket of one category keeps byVat as it is, rate by rate', () => {
    const t = ticket([line('POSE', '12.00', '10.00', '2.00'), line('POSE', '11.00', '10.00', '1.00', 'VR', '10')], [{ vatCode: 'VN', rate: '20', base: '10.00', vat: '2.00', inclVat: '12.00' }, { vatCode: 'VR', rate: '10', base: '10.00', vat: '1.00', inclVat: '11.00' }], []);
    expect(text(ticketCategories(t, categoryOf))).toEqual({ goods: [], services: ['20: 10.00 + 2.00 = 12.00', '10: 10.00 + 1.00 = 11.00'] });
  });
});

describe('money collected for services', () => {
  const mixed = () => ticket([line('VIS', '40.00', '33.33', '6.67'), line('POSE', '60.00', '50.00', '10.00')], [{ vatCode: 'VN', rate: '20', base: '83.33', vat: '16.67', inclVat: '100.00' }], []);
  const collected = (t: Ticket) => Object.fromEntries([...servicesCollected(t, ticketCategories(t, categoryOf), modes, rateOf)].map(([r, x]) => [r, x.toFixed(2)]));

  it('paid in full: the services incl. VAT', () => {
    expect(collected({ ...mixed(), payments: [{ mode: 'CB', amount: '100.00' }] })).toEqual({ '20': '60.00' });
  });

  it('partly on credit or with a deposit voucher: only the money received now, pro rata', () => {
    expect(collected({ ...mixed(), payments: [{ mode: 'ESP', amount: '25.00' }, { mode: 'CRED', amount: '75.00' }] })).toEqual({ '20': '15.00' });
    expect(collected({ ...mixed(), payments: [{ mode: 'ACP', amount: '50.00', ref: 'CMD1' }, { mode: 'CB', amount: '50.00' }] })).toEqual({ '20': '30.00' });
    expect(collected({ ...mixed(), payments: [{ mode: 'CRED', amount: '100.00' }] })).toEqual({});
  });

  it('a deposit on a services order is collected at its rate; the money for a settlement is not the goods\'', () => {
    const t = ticket([], [], [{ mode: 'ESP', amount: '80.00' }], [{ kind: 'deposit', ref: 'CMD7', amount: '80.00', category: 'services', vatCode: 'VR' }]);
    expect(collected(t)).toEqual({ '10': '80.00' });
    const goodsDeposit = ticket([], [], [{ mode: 'ESP', amount: '80.00' }], [{ kind: 'deposit', ref: 'CMD8', amount: '80.00' }]);
    expect(collected(goodsDeposit)).toEqual({});
    // 130.00 received: 30.00 pays an invoice, 100.00 the goods.
    expect(collected({ ...mixed(), settlements: [{ kind: 'invoice', ref: 'F1', amount: '30.00' }], payments: [{ mode: 'CB', amount: '130.00' }] })).toEqual({ '20': '60.00' });
  });

  it('a refund of a service collects a negative amount', () => {
    const t = ticket([line('POSE', '-60.00', '-50.00', '-10.00')], [{ vatCode: 'VN', rate: '20', base: '-50.00', vat: '-10.00', inclVat: '-60.00' }], [{ mode: 'ESP', amount: '-60.00' }]);
    expect(collected(t)).toEqual({ '20': '-60.00' });
  });
});
