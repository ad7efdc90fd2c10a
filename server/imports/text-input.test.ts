import { describe, expect, it } from 'vitest';
import { D } from '../../sync/money.ts';
import { excelSerialDate, readAmount, readDate } from './text-input.ts';
import { matchTransactions, type OpenInvoice } from './bank-match.ts';
import type { BankTransaction } from './bank-statement.ts';

describe('reading outside values', () => {
  it('amounts as people write them, exactly; refuses what is ambiguous or not a number', () => {
    const cases: [unknown, string | null][] = [
      ['1 234,56', '1234.56'], ['1.234,56', '1234.56'], ['1,234.56', '1234.56'], ['248,69', '248.69'], ['-12.5', '-12.5'], ['12,50 €', '12.5'],
      ['1.234.567', '1234567'], ['(3,00)', '-3'], ['100-', '-100'], [42, '42'], ['0,1', '0.1'], ['abc', null], ['1,2,3', null], ['', null], ['12.34.5', null],
    ];
    for (const [raw, want] of cases) expect(readAmount(raw)?.toFixed() ?? null, String(raw)).toBe(want);
  });

  it('dates: ISO, French order, Excel serials (1900 system), invalid days refused', () => {
    expect(readDate('2026-11-02')).toBe('2026-11-02');
    expect(readDate('02/11/2026')).toBe('2026-11-02');
    expect(readDate('2.11.26')).toBe('2026-11-02');
    expect(readDate(46328)).toBe('2026-11-02');
    expect(excelSerialDate(1)).toBe('1899-12-31');
    expect(readDate('31/02/2026')).toBeNull();
    expect(readDate('11/2026')).toBeNull();
  });
});

describe('bank matching rules (pure)', () => {
  const inv = (key: string, customer: string, name: string, open: string, date = '2026-11-01'): OpenInvoice => ({ account: '411000', aux: customer, customer, name, key, date, open: new D(open) });
  const tx = (amount: string, remittance: string, name: string | null = null, date = '2026-11-05'): BankTransaction => ({ key: remittance + amount, where: '', line: 1, statement: 'S', account: 'A', date, amount: new D(amount), credit: true, currency: 'EUR', name, remittance, reference: 'R' });

  it('never guesses: two invoices open for the amount in the window → unmatched with the candidates; outside the window → nothing', () => {
    const open = [inv('F1', 'C1', 'Dupont', '50.00'), inv('F2', 'C2', 'Martin', '50.00'), inv('F3', 'C3', 'Leroy', '80.00', '2026-08-01')];
    const [a, b2, c] = matchTransactions([tx('50.00', 'VIR'), tx('80.00', 'VIR'), tx('50.00', 'VIR', 'MARTIN')], open, { windowDays: 45 });
    expect(a.verdict).toBe('unmatched');
    expect(a.message).toContain('2 invoices are open for 50.00 within 45 days: F1 (C1 50.00), F2 (C2 50.00)');
    expect(b2.verdict).toBe('unmatched');
    expect(c).toMatchObject({ verdict: 'import', rule: 'customer-amount' });
    expect(c.allocations[0].invoice.key).toBe('F2');
  });

  it('rule 1 pays the named invoices in order, refuses an amount above what they owe, and one euro is never paid twice', () => {
    const open = [inv('10001432', 'C1', 'Dupont', '159.90'), inv('10001433', 'C1', 'Dupont', '200.00')];
    const [a, b2, c] = matchTransactions([tx('359.90', 'FACT 10001432 10001433'), tx('1.00', 'RAPPEL 10001432'), tx('400.00', '10001433')], open, { windowDays: 45 });
    expect(a.allocations.map((x) => `${x.invoice.key} ${x.amount.toFixed(2)}`)).toEqual(['10001432 159.90', '10001433 200.00']);
    expect(b2).toMatchObject({ verdict: 'unmatched', message: 'names 10001432, already paid' });
    expect(c.verdict).toBe('unmatched');
  });
});
