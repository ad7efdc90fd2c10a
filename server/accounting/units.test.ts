import { describe, expect, it } from 'vitest';
import { D } from '../../sync/money.ts';
import { rng } from '../../fixtures/random.ts';
import { toUnits, unitsDec, unitsText } from './units.ts';

/** The definition toUnits must keep: the regular expression it replaced, and decimal.js for the value. */
function reference(text: string): number | null {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m || (m[3] ?? '').length > 4) return null;
  const v = new D(text).times(10_000);
  if (!v.abs().lte(Number.MAX_SAFE_INTEGER)) return null;
  return v.isZero() ? 0 : v.toNumber();
}

/** Texts near and far from valid amounts: digits, signs, points, spaces, exponents, long runs. */
function randomText(r: () => number): string {
  const alphabet = ['0', '1', '2', '5', '9', '9', '.', '-', '+', ' ', 'e', ',', 'a'];
  const shape = r();
  if (shape < 0.6) {
    const int = String(Math.floor(r() * 10 ** Math.floor(r() * 17)));
    const frac = r() < 0.7 ? `.${String(Math.floor(r() * 1e6)).padStart(6, '0').slice(0, 1 + Math.floor(r() * 6))}` : '';
    return `${r() < 0.3 ? '-' : ''}${int}${frac}`;
  }
  const n = Math.floor(r() * 12);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
}

describe('toUnits: the integer fast path reads exactly what decimal.js reads', () => {
  it('agrees with the reference on 200,000 random texts', () => {
    const r = rng(20261124);
    for (let i = 0; i < 200_000; i++) {
      const t = randomText(r);
      const got = toUnits(t);
      const want = reference(t);
      if (got !== want) expect({ text: t, got }).toEqual({ text: t, got: want });
    }
  });

  it('edge cases: signs, zeros, decimals, safe-integer limit', () => {
    const cases: [string, number | null][] = [
      ['0', 0], ['-0', 0], ['-0.00', 0], ['12.5', 125_000], ['-12.5', -125_000], ['0.0001', 1], ['1.23456', null],
      ['', null], ['-', null], ['.5', null], ['5.', null], ['+5', null], ['1e3', null], [' 1', null], ['1 ', null], ['1,5', null],
      ['900719925474.0991', 9_007_199_254_740_991], ['900719925474.0992', null], ['99999999999999999999', null],
    ];
    for (const [text, want] of cases) expect([text, toUnits(text)]).toEqual([text, want]);
  });

  it('round trip: unitsText(toUnits(x)) and unitsDec give back the decimal.js value', () => {
    const r = rng(7);
    for (let i = 0; i < 20_000; i++) {
      const cents = Math.floor((r() - 0.5) * 2e9);
      const text = new D(cents).dividedBy(100).toFixed(2);
      const u = toUnits(text)!;
      expect(unitsText(u, 2)).toBe(text);
      expect(unitsDec(u).eq(text)).toBe(true);
    }
  });
});
