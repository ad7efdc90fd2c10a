import { describe, expect, it } from 'vitest';
import { finPeriodOf, fiscalYear, fiscalYearOf } from './fiscal-year.ts';

describe('financial years from the company settings', () => {
  it('is the calendar year by default, named by its closing date', () => {
    expect(fiscalYear({}, 2026)).toEqual({ year: 2026, start: '2026-01-01', end: '2026-12-31' });
    expect(finPeriodOf({}, '2026-11-02')).toEqual({ finYear: 2026, finPeriod: 11 });
  });

  it('follows a year starting on 07-01 (or ending on 06-30): year 2026 runs from 2025-07-01 to 2026-06-30', () => {
    for (const company of [{ fiscalYearStart: '07-01' }, { fiscalYearEnd: '06-30' }, { fiscalYearStart: '07-01', fiscalYearEnd: '06-30' }]) {
      expect(fiscalYear(company, 2026)).toEqual({ year: 2026, start: '2025-07-01', end: '2026-06-30' });
      expect(fiscalYearOf(company, '2026-11-02')).toEqual({ year: 2027, start: '2026-07-01', end: '2027-06-30' });
      expect(finPeriodOf(company, '2026-07-01')).toEqual({ finYear: 2027, finPeriod: 1 });
      expect(finPeriodOf(company, '2027-06-30')).toEqual({ finYear: 2027, finPeriod: 12 });
    }
    // A year ending in February, leap or not.
    expect(fiscalYear({ fiscalYearStart: '03-01' }, 2028)).toEqual({ year: 2028, start: '2027-03-01', end: '2028-02-29' });
  });

  it('refuses settings that are not a day, or a start that does not follow the end', () => {
    expect(() => fiscalYear({ fiscalYearStart: '13-01' }, 2026)).toThrow(/fiscalYearStart "13-01" is not a day MM-DD/);
    expect(() => fiscalYear({ fiscalYearStart: '02-29' }, 2026)).toThrow(/not a day/);
    expect(() => fiscalYear({ fiscalYearStart: '07-01', fiscalYearEnd: '12-31' }, 2026)).toThrow(/does not follow fiscalYearEnd/);
  });
});
