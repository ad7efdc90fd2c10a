import { describe, expect, it } from 'vitest';
import { wholeBooksTonight } from './nightly-step.ts';

describe('wholeBooksTonight: when the nightly checks the whole books', () => {
  it('on the configured weekday of the night (default sunday), every night with "every", never with "never", always with --full-check', () => {
    // 2026-11-08 is a sunday, 2026-11-09 a monday.
    expect(wholeBooksTonight(undefined, '2026-11-08')).toBe(true);
    expect(wholeBooksTonight(undefined, '2026-11-09')).toBe(false);
    expect(wholeBooksTonight('Monday', '2026-11-09')).toBe(true);
    expect(wholeBooksTonight('monday', '2026-11-08')).toBe(false);
    expect(wholeBooksTonight('every', '2026-11-09')).toBe(true);
    expect(wholeBooksTonight('never', '2026-11-08')).toBe(false);
    expect(wholeBooksTonight('never', '2026-11-08', true)).toBe(true);
  });

  it('refuses a fullCheckDay that is not a weekday, naming the choices', () => {
    expect(() => wholeBooksTonight('dimanche', '2026-11-08')).toThrow(/server\.json fullCheckDay "dimanche" is not a weekday/);
  });
});
