/**
 * Which closures a monthly or fiscal-year closure may be made from, as a pure function of what the
 * till has already closed: the period asked (or the earliest one still open) and the closures of
 * the kind below it sums — or ONE TillsyncError naming what is missing and the command that makes it.
 *
 * Rules (docs/nf525.md): a period is closed once; periods close in order (a month waits for every
 * earlier month that has day closures, a year for its months); the tickets sold since the last Z
 * must be closed by a Z first when they belong to the period; a period that has not begun cannot be
 * closed. The fiscal year is the calendar year. Day closures made after their month was closed
 * (a month closed before its last day) go to the next month's closure.
 */
import { TillsyncError } from '../sync/errors.ts';
import type { Closure } from '../sync/types.ts';
import { closurePeriod } from './closure.ts';

export interface ClosedState {
  days: Closure[];
  months: Closure[];
  years: Closure[];
  /** Business day of the first ticket sold since the last Z (null: none open). */
  firstOpenDay: string | null;
  today: string;
}

export interface ClosurePlan {
  kind: 'month' | 'year';
  period: string;
  children: Closure[];
  previous: Closure | null;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const YEAR = /^\d{4}$/;

function refuse(code: string, message: string, hint: string): never {
  throw new TillsyncError(code, message, { hint, status: 409 });
}

export function planPeriodClosure(kind: 'month' | 'year', asked: string | undefined, s: ClosedState): ClosurePlan {
  const len = kind === 'month' ? 7 : 4;
  const flag = kind === 'month' ? '--month' : '--year';
  if (asked !== undefined && !(kind === 'month' ? MONTH : YEAR).test(asked)) {
    throw new TillsyncError('usage', `${flag} must be ${kind === 'month' ? 'YYYY-MM' : 'YYYY'}, not "${asked}"`);
  }
  const own = kind === 'month' ? s.months : s.years;
  const below = kind === 'month' ? s.days : s.months;
  const previous = own.length ? own[own.length - 1] : null;
  const lastPeriod = previous ? closurePeriod(previous) : null;
  const coveredThrough = previous?.covers?.toSeq ?? 0;
  const coverable = below.filter((c) => c.seq > coveredThrough);
  const unclosed = coverable.map((c) => closurePeriod(c).slice(0, len)).filter((p) => lastPeriod === null || p > lastPeriod).sort();
  const period = asked ?? unclosed[0] ?? s.today.slice(0, len);
  const cmd = (p: string) => `tillsync till close --period ${kind} ${flag} ${p} --data DIR`;

  const same = own.find((c) => closurePeriod(c) === period);
  if (same) refuse('already-closed', `${kind} ${period} is already closed by ${same.id}`, 'a period is closed once; look at it with tillsync till status');
  if (lastPeriod !== null && period < lastPeriod) refuse('already-closed', `${kind} ${period} comes before ${lastPeriod}, already closed by ${previous!.id}`, 'periods close in order');
  if (period > s.today.slice(0, len)) refuse('period-not-begun', `${kind} ${period} has not begun (today is ${s.today})`, `close a ${kind} once it has begun`);
  if (unclosed.length && unclosed[0] < period) refuse('earlier-period-open', `${kind} ${unclosed[0]} is not closed yet, so ${period} cannot be`, `run ${cmd(unclosed[0])} first`);
  if (s.firstOpenDay !== null && s.firstOpenDay.slice(0, len) <= period) {
    refuse('day-open', `tickets sold since the last Z (from ${s.firstOpenDay}) belong to ${kind} ${period}`, 'run tillsync till close --period day --data DIR first');
  }
  if (kind === 'year') {
    const monthsThrough = s.months.length ? s.months[s.months.length - 1].covers?.toSeq ?? 0 : 0;
    const loose = s.days.filter((d) => d.seq > monthsThrough && closurePeriod(d).slice(0, 4) <= period);
    if (loose.length) {
      const m = closurePeriod(loose[0]).slice(0, 7);
      refuse('earlier-period-open', `day closures of ${m} are not in a monthly closure yet, so year ${period} cannot be closed`, `run tillsync till close --period month --month ${m} --data DIR first`);
    }
  }
  const children = coverable.filter((c) => closurePeriod(c).slice(0, len) <= period);
  return { kind, period, children, previous };
}
