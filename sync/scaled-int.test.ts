/**
 * The scaled-integer module the server and the register page share (sync/scaled-int.js), run
 * against the product's reference money rules (sync/money.ts on decimal.js, sync/ticket-math.ts)
 * over thousands of random amounts: 2, 3 and 4 decimals, negatives, halves, amounts with too many
 * decimals. Seeded, so a failure names an input that reproduces.
 */
import { describe, expect, it } from 'vitest';
import { D, fmt, money, parseExactMoney, type Decimals } from './money.ts';
import { addExact, divRoundHalfUp, formatScaled, mulExact, toScaled } from './scaled-int.js';
import { lineDiscount } from './ticket-math.ts';
import { rng } from '../fixtures/random.ts';

const N = 5000;
const SCALES: Decimals[] = [2, 3, 4];

const rand = rng(15);
const int = (max: number) => Math.floor(rand() * max);
const digits = (n: number) => Array.from({ length: n }, () => String(int(10))).join('');

/** Decimal text as people and files write it: up to 12 integer digits, 0–6 decimals, sometimes negative. */
function amountText(): string {
  const i = String(Number(digits(1 + int(12)) || '0'));
  const f = digits(int(7));
  return `${rand() < 0.3 ? '-' : ''}${i}${f ? `.${f}` : ''}`;
}

describe('sync/scaled-int.js against sync/money.ts', () => {
  it('toScaled takes what parseExactMoney takes, with the same value, at 2, 3 and 4 decimals', () => {
    for (const scale of SCALES) {
      for (let k = 0; k < N; k++) {
        const text = amountText();
        let reference: string | null;
        try {
          reference = parseExactMoney(text, 'amount', scale).times(new D(10).pow(scale)).toFixed(0);
        } catch {
          reference = null;
        }
        if (reference === '-0') reference = '0';
        const v = toScaled(text, scale);
        const written = text.split('.')[1]?.length ?? 0;
        if (reference === null) expect(v, `${text} at ${scale}`).toBeNull();
        // Trailing zeros past the scale ("12.500" at 2) and amounts past 2^53 are left to decimal.js:
        // null means "not in scaled form", never a rounded value.
        else if (written > scale || !Number.isSafeInteger(Number(reference))) expect(v, `${text} at ${scale}`).toBeNull();
        else expect(String(v === 0 ? 0 : v), `${text} at ${scale}`).toBe(reference);
      }
    }
  });

  it('formatScaled prints what fmt prints ("-1.50", never "-0.00")', () => {
    for (const scale of SCALES) {
      for (let k = 0; k < N; k++) {
        const n = (rand() < 0.5 ? -1 : 1) * int(10 ** (4 + int(10)));
        expect(formatScaled(n, scale), `${n} at ${scale}`).toBe(fmt(new D(n).dividedBy(new D(10).pow(scale)), scale));
      }
    }
    expect(formatScaled(-0, 2)).toBe('0.00');
  });

  it('divRoundHalfUp rounds half away from zero as money() does, halves and negatives included', () => {
    for (let k = 0; k < 4 * N; k++) {
      const d = [2, 10, 100, 1000, 10_000, 1_000_000, 1 + int(100_000)][int(7)];
      // One time in four exactly on a half, where the rounding rule decides.
      const n = (rand() < 0.5 ? -1 : 1) * (rand() < 0.25 && d % 2 === 0 ? d * int(1e6) + d / 2 : int(10 ** (1 + int(14))));
      const reference = money(new D(n).dividedBy(d), 2).times(100).toFixed(0);
      // money() keeps 2 decimals of n/d: compare n·100/d rounded, which divRoundHalfUp gives exactly.
      const scaled = divRoundHalfUp(n * 100, d);
      if (!Number.isSafeInteger(n * 100)) expect(scaled).toBeNull();
      else expect(String(scaled === 0 ? 0 : scaled), `${n}/${d}`).toBe(reference === '-0' ? '0' : reference);
    }
    expect(divRoundHalfUp(5, 10)).toBe(1);
    expect(divRoundHalfUp(-5, 10)).toBe(-1);
    expect(divRoundHalfUp(-4, 10)).toBe(-0);
    expect(divRoundHalfUp(1, 0)).toBeNull();
  });

  it("a register line (qty in thousandths × price) and its percent discount come out as the till's ticket-math computes them", () => {
    let compared = 0;
    for (const scale of SCALES) {
      for (let k = 0; k < N; k++) {
        const qtyText = `${int(rand() < 0.9 ? 100 : 1000)}.${digits(3)}`.replace(/^0\.000$/, '1');
        const priceText = `${rand() < 0.2 ? '-' : ''}${int(rand() < 0.9 ? 1000 : 100_000)}.${digits(scale)}`;
        const qty = toScaled(qtyText, 3)!;
        const price = toScaled(priceText, scale)!;
        // The page's line: round(qty × price / 1000), half away from zero.
        const gross = divRoundHalfUp(mulExact(qty, price)!, 1000)!; // < 2^53 here: 10^6 × 10^9
        const grossRef = money(new D(qtyText).times(priceText), scale);
        expect(formatScaled(gross, scale), `${qtyText} × ${priceText}`).toBe(fmt(grossRef, scale));
        // The page's percent discount: round(|gross| × percent / 100), signed as the line.
        const percentText = `${1 + int(100)}${rand() < 0.5 ? `.${digits(1 + int(3))}` : ''}`;
        const p4 = toScaled(percentText, 4)!;
        if (p4 > 100 * 10_000 || grossRef.isZero()) continue;
        const product = mulExact(Math.abs(gross), p4);
        // Past 2^53 the page refuses the line (RangeError) rather than round: nothing to compare.
        if (product === null) continue;
        const d = divRoundHalfUp(product, 100 * 10_000)!;
        const ref = lineDiscount(grossRef, { percent: percentText }, scale, 'A1');
        expect(formatScaled(gross < 0 ? -d : d, scale), `${percentText}% of ${fmt(grossRef, scale)}`).toBe(ref.amount);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(SCALES.length * N * 0.8);
  });

  it('addExact and mulExact refuse what a double cannot hold exactly', () => {
    expect(addExact(Number.MAX_SAFE_INTEGER, 1)).toBeNull();
    expect(addExact(-5, 3)).toBe(-2);
    expect(mulExact(2 ** 27, 2 ** 26)).toBeNull();
    expect(mulExact(-125, 8)).toBe(-1000);
    expect(toScaled('90071992547409.92', 2)).toBeNull();
    expect(toScaled('12,50', 2)).toBeNull(); // the page turns a typed comma into a point first
  });
});
