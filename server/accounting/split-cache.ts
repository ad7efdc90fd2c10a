/**
 * The VAT split of one amount, memoised, in integer minor units. A store sells the same few hundred
 * prices all day: splitting each line with decimal.js (eight allocations a line) dominated posting,
 * while the distinct (amount, rate) pairs are few. Results are exact: computed once by
 * splitInclusive, then summed as integers (safe far beyond any till's day).
 */
import { splitInclusive, toMinor, type Decimals } from '../../sync/money.ts';

export interface MinorSplit {
  incl: number;
  net: number;
  vat: number;
}

const LIMIT = 200_000;

export class SplitCache {
  private readonly byRate = new Map<string, Map<string, MinorSplit>>();
  private size = 0;

  constructor(private readonly decimals: Decimals) {}

  split(inclVat: string, rate: string): MinorSplit {
    let m = this.byRate.get(rate);
    if (!m) this.byRate.set(rate, (m = new Map()));
    let r = m.get(inclVat);
    if (!r) {
      const s = splitInclusive(inclVat, rate, this.decimals);
      r = { incl: toMinor(s.inclVat, this.decimals), net: toMinor(s.exclVat, this.decimals), vat: toMinor(s.vat, this.decimals) };
      if (++this.size > LIMIT) {
        this.byRate.clear();
        this.size = 0;
        this.byRate.set(rate, (m = new Map()));
      }
      m.set(inclVat, r);
    }
    return r;
  }
}
