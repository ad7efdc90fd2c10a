/**
 * Posting's VAT split of one amount, memoised, in scaled integers (sync/scaled-money.ts
 * netOfInclusive; decimal.js only for an amount or rate an integer cannot take exactly). A store
 * sells the same prices all day: the distinct (amount, rate) pairs are far fewer than the lines.
 * The posting invariants split with their own arithmetic (invariants.ts), not this.
 */
import { splitInclusive, type Decimals } from '../../sync/money.ts';
import { divRoundHalfUp, formatScaled, netOfInclusive, parseRate, pow10 } from '../../sync/scaled-money.ts';
import { toUnits, unitsOf, SCALE, type Units } from './units.ts';

const LIMIT = 200_000;

/** Net and VAT of an amount incl VAT, in units of 10^-4, each rounded at the books' decimals. */
export interface UnitSplit {
  net: Units;
  vat: Units;
}

/**
 * splitInclusive(incl, rate, decimals) in units: the amount rounded at `decimals`, net =
 * round(incl / (1 + rate/100)), VAT = incl − net, half away from zero; null when an integer
 * cannot hold it exactly (the caller then uses decimal.js).
 */
export function splitUnits(incl: Units, rate: string, decimals: Decimals): UnitSplit | null {
  const r = parseRate(rate);
  if (!r) return null;
  const step = pow10(SCALE - decimals);
  const minor = divRoundHalfUp(incl, step);
  if (minor === null) return null;
  const net = netOfInclusive(minor, r);
  if (net === null) return null;
  return { net: net * step, vat: (minor - net) * step };
}

/** splitInclusive through decimal.js, in units: the fallback for what splitUnits refuses. */
export function splitUnitsDecimal(incl: string | Units, rate: string, decimals: Decimals): UnitSplit {
  const s = splitInclusive(typeof incl === 'number' ? formatScaled(incl, SCALE) : incl, rate, decimals);
  return { net: unitsOf(s.exclVat), vat: unitsOf(s.vat) };
}

/** Posting's cache: the split of an amount text at a rate, in units; integers, decimal.js only for what they refuse. */
export class UnitSplitCache {
  private readonly byRate = new Map<string, Map<string, UnitSplit>>();
  private size = 0;

  constructor(private readonly decimals: Decimals) {}

  split(inclVat: string, rate: string): UnitSplit {
    let m = this.byRate.get(rate);
    if (!m) this.byRate.set(rate, (m = new Map()));
    let r = m.get(inclVat);
    if (!r) {
      const u = toUnits(inclVat);
      r = (u !== null ? splitUnits(u, rate, this.decimals) : null) ?? splitUnitsDecimal(inclVat, rate, this.decimals);
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
