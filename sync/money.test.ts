import { describe, expect, it } from 'vitest';
import { addVat, fmt, fromMinor, parseMoney, splitInclusive, toMinor } from './money.ts';

describe('money', () => {
  it.each([
    ['483.60', '403.00', '80.60'],
    ['13.46', '11.22', '2.24'],
    ['403.00', '335.83', '67.17'],
  ])('splits the seed example %s incl 20 %% VAT into %s + %s', (incl, net, vat) => {
    const s = splitInclusive(incl, '20');
    expect(fmt(s.exclVat)).toBe(net);
    expect(fmt(s.vat)).toBe(vat);
    expect(s.exclVat.plus(s.vat).equals(s.inclVat)).toBe(true);
  });

  it('keeps 3 and 4 decimals when configured', () => {
    expect(fmt(splitInclusive('13.46', '20', 3).exclVat, 3)).toBe('11.217');
    expect(fmt(splitInclusive('13.46', '20', 4).exclVat, 4)).toBe('11.2167');
    expect(fmt(addVat('10.005', '5.5', 3).vat, 3)).toBe('0.550');
  });

  it('is exact where floats are not', () => {
    expect(fmt(parseMoney('0.1').plus('0.2'))).toBe('0.30');
    expect(toMinor('1234567.89')).toBe(123456789);
    expect(fmt(fromMinor(123456789))).toBe('1234567.89');
  });

  it('refuses amounts that are not plain decimals', () => {
    for (const bad of ['1e3', '12,50', '', 'abc', '1.23456']) expect(() => parseMoney(bad)).toThrow(/not a decimal amount/);
  });
});
