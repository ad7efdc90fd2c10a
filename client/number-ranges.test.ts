import { describe, expect, it } from 'vitest';
import { decodeRanges, encodeRanges, splitRanges } from './number-ranges.ts';

describe('ticket number ranges', () => {
  it('encodes runs compactly and decodes them back', () => {
    expect(encodeRanges([5, 1, 2, 3, 9, 10, 7, 3])).toBe('1-3,5,7,9-10');
    expect(decodeRanges('1-3,5,7,9-10')).toEqual([1, 2, 3, 5, 7, 9, 10]);
    expect(encodeRanges([])).toBe('');
    expect(decodeRanges('')).toEqual([]);
    expect(() => decodeRanges('1-3,x')).toThrow('bad number range "x"');
  });

  it('splits only between ranges, each piece within the limit', () => {
    const all = Array.from({ length: 3000 }, (_, i) => 2 * i + 1); // 1,3,5,… nothing contiguous
    const text = encodeRanges(all);
    const pieces = splitRanges(text, 1000);
    expect(pieces.length).toBeGreaterThan(10);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(1000);
    expect(pieces.flatMap(decodeRanges)).toEqual(all);
  });
});
