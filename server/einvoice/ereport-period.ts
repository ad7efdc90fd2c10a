/**
 * Periods of the B2C e-reporting calendar, by the shop's VAT regime (DGFiP external specifications,
 * "calendrier de transmission"): normal regime with monthly returns → ten-day decades (1–10, 11–20,
 * 21–end of month); normal regime with quarterly returns and simplified regime → the month;
 * franchise (no VAT) → two months. Pure; dates are YYYY-MM-DD text, no time zones.
 */
import { TillsyncError } from '../../sync/errors.ts';

export type VatRegime = 'decade' | 'month' | 'bimonth';
export const VAT_REGIMES: VatRegime[] = ['decade', 'month', 'bimonth'];

export interface Period {
  from: string;
  to: string;
  /** 2026-11-D1, 2026-11, 2026-B6 or FROM..TO. */
  label: string;
}

const pad = (n: number) => String(n).padStart(2, '0');
const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** The period of `regime` that contains `day`. */
export function periodOf(day: string, regime: VatRegime): Period {
  const [y, m, d] = day.split('-').map(Number);
  if (regime === 'month') return { from: `${y}-${pad(m)}-01`, to: `${y}-${pad(m)}-${pad(lastDay(y, m))}`, label: `${y}-${pad(m)}` };
  if (regime === 'bimonth') {
    const first = m % 2 === 1 ? m : m - 1;
    return { from: `${y}-${pad(first)}-01`, to: `${y}-${pad(first + 1)}-${pad(lastDay(y, first + 1))}`, label: `${y}-B${(first + 1) / 2}` };
  }
  const decade = d <= 10 ? 1 : d <= 20 ? 2 : 3;
  const from = decade === 1 ? 1 : decade === 2 ? 11 : 21;
  const to = decade === 1 ? 10 : decade === 2 ? 20 : lastDay(y, m);
  return { from: `${y}-${pad(m)}-${pad(from)}`, to: `${y}-${pad(m)}-${pad(to)}`, label: `${y}-${pad(m)}-D${decade}` };
}

/** The period before `p` under the same regime. */
export function previousPeriod(p: Period, regime: VatRegime): Period {
  const d = new Date(`${p.from}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return periodOf(d.toISOString().slice(0, 10), regime);
}

function isDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const t = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === s;
}

/**
 * `--period`: 2026-11-D1 | 2026-11 | 2026-B6 | 2026-11-01..2026-11-10 | current | last (the
 * period of `today`, or the last one over). A period must span two days at least (Flux 10 rule
 * G6.25: its end is after its start).
 */
export function parsePeriod(spec: string, regime: VatRegime, today: string): Period {
  const s = spec.trim();
  const bad = () => new TillsyncError('usage', `--period "${spec}" is not a period`, { hint: 'use 2026-11-D1 (decade), 2026-11 (month), 2026-B6 (two months), 2026-11-01..2026-11-10, current or last' });
  let p: Period;
  if (s === 'current') p = periodOf(today, regime);
  else if (s === 'last') p = previousPeriod(periodOf(today, regime), regime);
  else if (/^\d{4}-\d{2}-D[123]$/.test(s)) {
    const [y, m, dec] = [s.slice(0, 4), s.slice(5, 7), Number(s.slice(9))];
    if (!isDate(`${y}-${m}-01`)) throw bad();
    p = periodOf(`${y}-${m}-${pad(dec === 1 ? 1 : dec === 2 ? 11 : 21)}`, 'decade');
  } else if (/^\d{4}-\d{2}$/.test(s)) {
    if (!isDate(`${s}-01`)) throw bad();
    p = periodOf(`${s}-01`, 'month');
  } else if (/^\d{4}-B[1-6]$/.test(s)) {
    p = periodOf(`${s.slice(0, 4)}-${pad(Number(s.slice(6)) * 2 - 1)}-01`, 'bimonth');
  } else if (/^\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2}$/.test(s)) {
    const [from, to] = s.split('..');
    if (!isDate(from) || !isDate(to)) throw bad();
    p = { from, to, label: s };
  } else throw bad();
  if (p.to <= p.from) throw new TillsyncError('usage', `period ${p.label} ends on the day it starts`, { hint: 'an e-reporting period spans two days at least (Flux 10 rule G6.25)' });
  return p;
}
