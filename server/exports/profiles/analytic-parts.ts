/**
 * An article axis spreads a revenue line over sections (seed 002's analytics by article family): the
 * document's ticket lines of the line's VAT code say how much of it each section sold, and the line's
 * amount is shared pro rata, to the cent, by largest remainder — the parts always sum to the line
 * (pure; the amounts stay the books').
 */
import { D, type Dec } from '../../../sync/money.ts';

/** Shares `amount` (≥ 0) over the weights (absolute values taken), at `decimals`; zero weights get nothing. */
export function allocate<K>(amount: Dec, weights: { key: K; weight: Dec }[], decimals = 2): { key: K; amount: Dec }[] {
  const live = weights.map((w) => ({ key: w.key, weight: w.weight.abs() })).filter((w) => !w.weight.isZero());
  const total = live.reduce((s, w) => s.plus(w.weight), new D(0));
  if (total.isZero()) return [];
  const scale = new D(10).pow(decimals);
  const units = amount.times(scale).toDecimalPlaces(0);
  const shares = live.map((w, i) => {
    const exact = units.times(w.weight).dividedBy(total);
    const floor = exact.floor();
    return { i, key: w.key, units: floor, rest: exact.minus(floor) };
  });
  let left = units.minus(shares.reduce((s, x) => s.plus(x.units), new D(0))).toNumber();
  // The cents the floors left go to the largest remainders (the first line on a tie): deterministic.
  for (const x of [...shares].sort((a, b) => b.rest.comparedTo(a.rest) || a.i - b.i)) {
    if (left <= 0) break;
    x.units = x.units.plus(1);
    left--;
  }
  return shares.filter((x) => !x.units.isZero()).map((x) => ({ key: x.key, amount: x.units.dividedBy(scale) }));
}
