/**
 * The checks' own arithmetic must agree with the rules the tills and the books follow (sync/money.ts)
 * without sharing their code: exact parsing, sums and the VAT split, at 2, 3 and 4 decimals.
 */
import { describe, expect, it } from 'vitest';
import { splitInclusive, type Decimals } from '../../../sync/money.ts';
import { amountText, bigOf, divRound, roundTo, splitIncl, units } from './amounts.ts';

describe('books checks arithmetic', () => {
  it('reads amounts exactly and refuses what is not one', () => {
    expect(units('12.5')).toBe(125000n);
    expect(units('-0.0001')).toBe(-1n);
    expect(units('7')).toBe(70000n);
    expect(units('0.1')! + units('0.2')!).toBe(units('0.3'));
    expect(units('1.23456')).toBeNull();
    expect(units('1e3')).toBeNull();
    expect(units(null)).toBeNull();
    expect(amountText(125000n)).toBe('12.50');
    expect(amountText(-1n, 2)).toBe('-0.0001');
    expect(amountText(123450n, 3)).toBe('12.345');
    expect(bigOf('1234')).toBe(1234n);
    expect(bigOf(null)).toBe(0n);
  });

  it('rounds half away from zero, like decimal.js ROUND_HALF_UP', () => {
    expect(divRound(5n, 2n)).toBe(3n);
    expect(divRound(-5n, 2n)).toBe(-3n);
    expect(divRound(4n, 3n)).toBe(1n);
    expect(roundTo(units('1.005')!, 2)).toBe(units('1.01'));
    expect(roundTo(units('-1.005')!, 2)).toBe(units('-1.01'));
  });

  it('splits VAT exactly as splitInclusive does, over many amounts, rates and precisions', () => {
    let n = 0;
    for (const rate of ['20', '10', '5.5', '2.1', '0', '8.5']) {
      for (const d of [2, 3, 4] as Decimals[]) {
        for (let cents = -2500; cents <= 2500; cents += 7) {
          const incl = (cents / 100 + (d > 2 ? 0.003 : 0)).toFixed(d);
          const want = splitInclusive(incl, rate, d);
          const got = splitIncl(units(incl)!, rate, d);
          expect(amountText(got.net, d)).toBe(want.exclVat.toFixed(d).replace(/^-(0\.0+)$/, '$1'));
          expect(got.net + got.vat).toBe(roundTo(units(incl)!, d));
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(10_000);
  });
});
