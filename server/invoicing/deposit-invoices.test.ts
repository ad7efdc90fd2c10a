import { describe, expect, it } from 'vitest';
import { CUSTOMERS, VAT_RATES } from '../../fixtures/store.ts';
import type { PlannedDeposit } from '../integration/document-grouping.ts';
import { planDepositInvoices as depositPass } from './deposit-invoices.ts';

const planDepositInvoices = (deposits: PlannedDeposit[], base: Parameters<typeof depositPass>[0]['base']) => {
  const r = depositPass({ deposits, base });
  return { invoices: r.result, errors: r.errors };
};

const deposit = (customer: string, settlement: PlannedDeposit['settlement'], ticket = 'S1-01-00000001'): PlannedDeposit => ({ ticket, store: 'S1', till: '01', day: '2026-11-23', customer, index: 0, settlement });
const base = { customers: CUSTOMERS, vatRates: VAT_RATES };

describe('deposit invoices (planning)', () => {
  it('invoices the seed deposit of order 10001651 (business customer, goods): no VAT on the deposit', () => {
    const r = planDepositInvoices([deposit('C0000002', { kind: 'deposit', ref: '10001651', amount: '100.00' })], base);
    expect(r.errors).toEqual([]);
    expect(r.invoices).toEqual([{ ticket: 'S1-01-00000001', index: 0, store: 'S1', till: '01', customer: 'C0000002', order: '10001651', saleDate: '2026-11-23', category: 'goods', amount: '100.00', vatCode: null, rate: null, base: '100.00', vat: '0.00' }]);
  });

  it('splits a services deposit at the order rate; keeps 3 decimals from the till', () => {
    const r = planDepositInvoices([deposit('C0000001', { kind: 'deposit', ref: 'O-7', amount: '483.600', category: 'services', vatCode: 'VN' })], base);
    expect(r.invoices.map((i) => [i.amount, i.base, i.vat, i.rate])).toEqual([['483.600', '403.000', '80.600', '20']]);
  });

  it('leaves out customers without SIREN unless asked; refuses a services deposit whose VAT code is gone', () => {
    const r = planDepositInvoices(
      [
        deposit('COMPTOIR', { kind: 'deposit', ref: 'A', amount: '10.00' }, 'S1-01-00000001'),
        deposit('C0000005', { kind: 'deposit', ref: 'B', amount: '10.00', invoice: true }, 'S1-01-00000002'),
        deposit('C0000005', { kind: 'deposit', ref: 'C', amount: '10.00', category: 'services', vatCode: 'XX', invoice: true }, 'S1-01-00000003'),
      ],
      base,
    );
    expect(r.invoices.map((i) => i.order)).toEqual(['B']);
    expect(r.errors.map((e) => e.message)).toEqual(['ticket S1-01-00000003: deposit on order C is for services but its VAT code "XX" is not in the base data: no deposit invoice made']);
  });
});
