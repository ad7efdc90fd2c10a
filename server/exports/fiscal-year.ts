/**
 * Financial years from the company settings (base data `company.fiscalYearStart` / `fiscalYearEnd`,
 * MM-DD; default the calendar year). Pure: settings and dates in, periods out; a bad setting is a
 * TillsyncError naming the field.
 *
 * A financial year is named by the calendar year of its closing date, as the FEC file name carries
 * it (A47 A-1: SIRENFECAAAAMMJJ with the closing date): with a start on 07-01, year 2026 runs from
 * 2025-07-01 to 2026-06-30. Periods (Exact FinPeriod) are the months of the year, 1 to 12.
 */
import { TillsyncError } from '../../sync/errors.ts';
import type { Company } from '../../sync/types.ts';

export interface FiscalYear {
  /** Calendar year of the closing date. */
  year: number;
  /** First and last day, YYYY-MM-DD. */
  start: string;
  end: string;
}

const MMDD = /^(\d{2})-(\d{2})$/;

function day(y: number, m: number, d: number): string {
  return new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);
}

function parseMmdd(v: string, field: string): { m: number; d: number } {
  const r = MMDD.exec(v);
  const m = r ? Number(r[1]) : 0;
  const d = r ? Number(r[2]) : 0;
  // Feb 29 would make every other year start on another day: refused.
  if (!r || m < 1 || m > 12 || d < 1 || day(2001, m, d) !== `2001-${r[1]}-${r[2]}`) {
    throw new TillsyncError('company-fiscal-year', `company ${field} "${v}" is not a day MM-DD`, { hint: `set company.${field} in the base data, e.g. "01-01" (or leave it out for the calendar year)` });
  }
  return { m, d };
}

/** The month and day the financial year starts on, from either setting (both must agree). */
export function fiscalYearStartOf(company: Pick<Company, 'fiscalYearStart' | 'fiscalYearEnd'>): { m: number; d: number } {
  const start = company.fiscalYearStart ? parseMmdd(company.fiscalYearStart, 'fiscalYearStart') : null;
  const end = company.fiscalYearEnd ? parseMmdd(company.fiscalYearEnd, 'fiscalYearEnd') : null;
  const fromEnd = end ? (() => {
    const next = day(2001, end.m, end.d + 1);
    return { m: Number(next.slice(5, 7)), d: Number(next.slice(8, 10)) };
  })() : null;
  if (start && fromEnd && (start.m !== fromEnd.m || start.d !== fromEnd.d)) {
    throw new TillsyncError('company-fiscal-year', `company fiscalYearStart ${company.fiscalYearStart} does not follow fiscalYearEnd ${company.fiscalYearEnd}`, { hint: 'give the first day and the last day of one year of twelve months (e.g. 07-01 and 06-30), or only one of them' });
  }
  return start ?? fromEnd ?? { m: 1, d: 1 };
}

/** The financial year named `year` (its closing date falls in that calendar year). */
export function fiscalYear(company: Pick<Company, 'fiscalYearStart' | 'fiscalYearEnd'>, year: number): FiscalYear {
  if (!Number.isInteger(year) || year < 1900 || year > 9999) throw new TillsyncError('usage', `"${year}" is not a year`, { hint: 'e.g. --year 2026' });
  const s = fiscalYearStartOf(company);
  const calendar = s.m === 1 && s.d === 1;
  const start = calendar ? day(year, 1, 1) : day(year - 1, s.m, s.d);
  const end = calendar ? day(year, 12, 31) : day(year, s.m, s.d - 1);
  return { year, start, end };
}

/** The financial year a date (YYYY-MM-DD) belongs to. */
export function fiscalYearOf(company: Pick<Company, 'fiscalYearStart' | 'fiscalYearEnd'>, date: string): FiscalYear {
  const y = Number(date.slice(0, 4));
  for (const candidate of [y, y + 1]) {
    const fy = fiscalYear(company, candidate);
    if (date >= fy.start && date <= fy.end) return fy;
  }
  throw new Error(`no financial year holds ${date}`);
}

/** Exact FinYear / FinPeriod of a date: the year's name and the month within the year (1–12). */
export function finPeriodOf(company: Pick<Company, 'fiscalYearStart' | 'fiscalYearEnd'>, date: string): { finYear: number; finPeriod: number } {
  const fy = fiscalYearOf(company, date);
  const months = (Number(date.slice(0, 4)) - Number(fy.start.slice(0, 4))) * 12 + Number(date.slice(5, 7)) - Number(fy.start.slice(5, 7));
  // A year starting mid-month: days before the start day belong to the previous month's period.
  const period = months + (Number(date.slice(8, 10)) >= Number(fy.start.slice(8, 10)) ? 1 : 0);
  return { finYear: fy.year, finPeriod: Math.min(12, Math.max(1, period)) };
}
