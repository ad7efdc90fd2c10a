/**
 * The checks' own arithmetic must agree with the rules the tills and the books follow (sync/money.ts)
 * without sharing their code: exact parsing, sums and the VAT split, at 2, 3 and 4 decimals.
 */
import { describe, expect, it } from 'vitest';
import { splitInclusive, type Decimals } from '../../../sync/money.ts';
import { splitPerProduct as booksPerProduct } from '../../accounting/product-rounding.ts';
import { amountText, bigOf, divRound, roundTo, splitIncl, splitPerProduct, units } from './amounts.ts';

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

  it('splits per product like posting does, with its own integers (weighed and returned quantities, discounts)', () => {
    let seed = 7;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let i = 0; i < 3000; i++) {
      const decimals = ([2, 3, 4] as const)[next(3)];
      const rate = ['20', '10', '5.5', '2.1'][next(4)];
      const qty = `${next(2) ? '-' : ''}${next(12)}.${String(next(1000)).padStart(3, '0')}`;
      const unitPrice = `${next(300)}.${String(next(100)).padStart(2, '0')}`;
      const discount = next(3) ? '0' : `${qty.startsWith('-') ? '-' : ''}0.${String(next(100)).padStart(2, '0')}`;
      const want = booksPerProduct({ qty, unitPrice, vatRate: rate, discount }, decimals);
      const got = splitPerProduct(units(qty)!, units(unitPrice)!, units(discount)!, rate, decimals);
      expect([amountText(got.net, decimals), amountText(got.vat, decimals)], `${qty} × ${unitPrice} − ${discount} at ${rate} %, ${decimals} decimals`).toEqual([want.net.toFixed(decimals), want.vat.toFixed(decimals)]);
    }
    // 3 × 1.03 at 5.5 %: the unit 0.98 + 0.05, three times.
    expect(splitPerProduct(units('3')!, units('1.03')!, 0n, '5.5', 2)).toEqual({ net: units('2.94'), vat: units('0.15') });
  });
});
