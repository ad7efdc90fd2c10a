import { describe, expect, it } from 'vitest';
import { D } from '../../sync/money.ts';
import { openingEntry, type AccountBalance } from './opening-entry.ts';
import { writeFec } from './fec-writer.ts';
import { checkFec } from '../../test/support/fec-checker.ts';
import { pcgLabel } from './mapping-view.ts';

const bal = (account: string, balance: string, aux: string | null = null): AccountBalance => ({ account, auxAccount: aux, auxLabel: aux ? `Client ${aux}` : null, balance: new D(balance) });
const FY = { year: 2027, start: '2027-01-01', end: '2027-12-31' };

describe('opening entry of a yearly FEC', () => {
  it('carries balance-sheet accounts (classes 1-5) per auxiliary account, the earlier result on 120/129, and balances', () => {
    const e = openingEntry([
      bal('411000', '13.46', 'C0000002'), bal('411000', '0.00', 'C0000001'), bal('410000', '-5.00', '0000002'),
      bal('531000', '483.60'), bal('445711', '-83.00'), bal('707000', '-409.06'), bal('658000', '0.00'),
    ], FY, pcgLabel)!;
    expect(e).toMatchObject({ journal: 'AN', journalLabel: 'A nouveaux', date: '2027-01-01', piece: 'AN2027', fecNumText: 'AN1' });
    expect(e.lines.map((l) => [l.account, l.auxAccount, l.debit, l.credit])).toEqual([
      ['410000', '0000002', '0.00', '5.00'],
      ['411000', 'C0000002', '13.46', '0.00'],
      ['445711', null, '0.00', '83.00'],
      ['531000', null, '483.60', '0.00'],
      // 13.46 - 5.00 - 83.00 + 483.60 = 409.06 of assets over liabilities: last year's profit.
      ['120000', null, '0.00', '409.06'],
    ]);
    const fec = writeFec([e]);
    const check = checkFec(fec, { fiscalYear: FY, requireOpening: true });
    expect(check.errors).toEqual([]);
    expect(check.totalDebit).toBe(check.totalCredit);
  });

  it('puts a loss on 129000 and writes nothing when every balance is zero', () => {
    const e = openingEntry([bal('531000', '-10.00'), bal('658000', '10.00')], FY, pcgLabel)!;
    expect(e.lines.map((l) => [l.account, l.debit, l.credit])).toEqual([['531000', '0.00', '10.00'], ['129000', '10.00', '0.00']]);
    expect(openingEntry([bal('707000', '-10.00'), bal('411000', '0.00', 'C1')], FY, pcgLabel)).toBeNull();
  });
});
