/**
 * The one reader of dates typed by people: every date option of every command (`--until`,
 * `--from`, `--to`, pilot arguments, back-office forms) goes through parseDayOption, so a bad date
 * gets the same one-line refusal everywhere. Pure: `now` is given.
 *
 * Accepts YYYY-MM-DD (a real calendar day: 2026-02-30 is refused, not rolled over to March) and
 * the words `today` / `yesterday` (local time). Returns YYYY-MM-DD.
 */
import { TillsyncError } from './errors.ts';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The local calendar day of `at`, YYYY-MM-DD. */
export function localDay(at: Date): string {
  const y = at.getFullYear();
  const m = String(at.getMonth() + 1).padStart(2, '0');
  const d = String(at.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

/** The day before `now` in local time. */
export function yesterday(now = new Date()): string {
  const d = new Date(now);
  d.setDate(d.getDate() - 1);
  return localDay(d);
}

/** True for YYYY-MM-DD naming a day that exists. */
export function isCalendarDay(text: string): boolean {
  const m = DAY.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/**
 * A date option as typed: `option` names it in the error (`--until`, `--from`…).
 * Throws TillsyncError 'usage' (exit code 2) naming the option and the value.
 */
export function parseDayOption(option: string, text: string, now = new Date()): string {
  const t = String(text ?? '').trim().toLowerCase();
  if (t === 'today') return localDay(now);
  if (t === 'yesterday') return yesterday(now);
  if (!isCalendarDay(t)) {
    throw new TillsyncError('usage', `${option} ${String(text ?? '')} is not a date`, { hint: `give it as YYYY-MM-DD, e.g. ${option} 2026-11-02, or today / yesterday` });
  }
  return t;
}
