import { describe, expect, it } from 'vitest';
import { parseCustomerRange, parseExclude, parseTicketRange, parseTillRange, parseUntil, tillCodeOf, yesterday } from './filters.ts';
import { numberRanges } from './control-grid.ts';
import { formatNumber } from './numbering.ts';

describe('integration filters as the seed screen gives them', () => {
  it('till ranges are two-digit codes, inclusive', () => {
    expect(parseTillRange('01-05')).toEqual({ from: '01', to: '05' });
    expect(parseTillRange('1-5')).toEqual({ from: '01', to: '05' });
    expect(parseTillRange('3')).toEqual({ from: '03', to: '03' });
    expect(() => parseTillRange('05-01')).toThrow('--tills 05-01 is not a till range');
  });

  it('the counter customer alone, ranges, and codes with a dash', () => {
    expect(parseCustomerRange('COMPTOIR')).toEqual({ from: 'COMPTOIR', to: 'COMPTOIR' });
    expect(parseCustomerRange('COMPTOIR-COMPTOIR')).toEqual({ from: 'COMPTOIR', to: 'COMPTOIR' });
    expect(parseCustomerRange('C0000001-C0000009')).toEqual({ from: 'C0000001', to: 'C0000009' });
    expect(parseCustomerRange('CL-001..CL-009')).toEqual({ from: 'CL-001', to: 'CL-009' });
    expect(() => parseCustomerRange('Z-A')).toThrow('not a customer range');
  });

  it('ticket numbers and exclusions', () => {
    expect(parseTicketRange('1-500')).toEqual({ from: 1, to: 500 });
    expect(parseTicketRange('42')).toEqual({ from: 42, to: 42 });
    expect(() => parseTicketRange('a-b')).toThrow('not a ticket number range');
    expect(parseExclude(['S1-01-00000001,S1-01-00000002', 'S1-02-00000003'])).toEqual(['S1-01-00000001', 'S1-01-00000002', 'S1-02-00000003']);
  });

  it('until: a real date, today or yesterday', () => {
    const now = new Date(2026, 10, 3, 2, 0);
    expect(parseUntil('2026-11-02')).toBe('2026-11-02');
    expect(parseUntil('yesterday', now)).toBe('2026-11-02');
    expect(parseUntil('today', now)).toBe('2026-11-03');
    expect(yesterday(new Date(2026, 0, 1, 2, 0))).toBe('2025-12-31');
    expect(() => parseUntil('2026-02-30')).toThrow('--until 2026-02-30 is not a date');
    expect(tillCodeOf('S1-01')).toBe('01');
    expect(tillCodeOf('7')).toBe('07');
  });

  it('numbers and ticket lists as printed', () => {
    expect([formatNumber('invoice', 1), formatNumber('delivery-note', 1), formatNumber('credit-note', 12)]).toEqual(['F00000001', 'BL0000001', 'AV0000012']);
    expect(formatNumber('invoice', 123456789)).toBe('F123456789');
    expect(numberRanges(['S1-01-00000001', 'S1-01-00000002', 'S1-01-00000003', 'S1-01-00000005', 'S1-01-00000008', 'S1-01-00000009'])).toBe('1–3, 5, 8–9');
  });
});
