/**
 * The last step of the nightly chain: the books' named checks after everything the night wrote. A
 * failed check stops the chain with `books-check-failed` (exit 4 of `server nightly`).
 *
 * Most nights check the night's period only: the days of the documents, entries and settlement items
 * the night's batches made (a store's history would otherwise make the check grow every night). The
 * whole books are checked on the weekday server.json `fullCheckDay` names (default sunday, of the
 * night's business day: `--until`), or with `--full-check`. Skipped when the chain runs for a
 * closure (the night's run checks the books).
 */
import type { NightlyOptions, NightlyStepResult } from '../nightly.ts';
import type { ServerContext } from '../context.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { yesterday } from '../../sync/dates.ts';
import { assertBooksSound, periodLabel, type CheckPeriod } from './check-registry.ts';

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
/** server.json `fullCheckDay`: a weekday, `every` (each night, the whole books) or `never` (only --full-check). */
export const FULL_CHECK_DAYS = [...WEEKDAYS, 'every', 'never'] as const;

/** Whether tonight checks the whole books: --full-check, or the night's business day is the configured weekday. */
export function wholeBooksTonight(fullCheckDay: unknown, day: string, forced = false): boolean {
  if (forced) return true;
  const want = fullCheckDay === undefined ? 'sunday' : String(fullCheckDay).toLowerCase();
  if (!(FULL_CHECK_DAYS as readonly string[]).includes(want)) {
    throw new TillsyncError('config', `server.json fullCheckDay "${String(fullCheckDay)}" is not a weekday`, { hint: `give one of ${FULL_CHECK_DAYS.join(', ')}` });
  }
  if (want === 'every') return true;
  if (want === 'never') return false;
  return WEEKDAYS[new Date(`${day}T12:00:00Z`).getUTCDay()] === want;
}

/** The days the night's batches wrote: documents and settlement items by their day, entries by their date. */
export async function nightPeriod(ctx: ServerContext, batchesBefore: number): Promise<CheckPeriod | null> {
  const span = async (q: Promise<{ lo: string | null; hi: string | null } | undefined>) => (await q) ?? { lo: null, hi: null };
  const spans = [
    await span(ctx.db.selectFrom('documents').select((eb) => [eb.fn.min('day').as('lo'), eb.fn.max('day').as('hi')]).where('batch_id', '>', batchesBefore).executeTakeFirst()),
    await span(ctx.db.selectFrom('entries').select((eb) => [eb.fn.min('entry_date').as('lo'), eb.fn.max('entry_date').as('hi')]).where('batch_id', '>', batchesBefore).executeTakeFirst()),
    await span(ctx.db.selectFrom('settlements').select((eb) => [eb.fn.min('day').as('lo'), eb.fn.max('day').as('hi')]).where('batch_id', '>', batchesBefore).executeTakeFirst()),
  ];
  const los = spans.map((s) => s.lo).filter((x): x is string => x !== null).sort();
  const his = spans.map((s) => s.hi).filter((x): x is string => x !== null).sort();
  return los.length ? { from: los[0], to: his[his.length - 1] } : null;
}

export async function booksCheckNightlyStep(ctx: ServerContext, opts: NightlyOptions): Promise<NightlyStepResult> {
  if (opts.trigger === 'closure') return { step: 'check', summary: { skipped: 'run for a closure' }, line: 'skipped: run for a closure (the nightly run checks the books)', leftOut: 0 };
  const whole = wholeBooksTonight(ctx.config.fullCheckDay, opts.until ?? yesterday(), opts.fullCheck);
  const period = whole ? null : await nightPeriod(ctx, opts.batchesBefore ?? 0);
  if (!whole && !period) {
    return { step: 'check', summary: { mode: 'period', period: null, checks: [] }, line: 'nothing integrated or posted tonight: no period to check (the whole books: --full-check)', leftOut: 0 };
  }
  opts.onProgress?.('check', whole ? 'books checks, whole books' : `books checks, ${periodLabel(period!)}`);
  const results = await assertBooksSound(ctx.db, ctx.data, 'nightly stopped', undefined, period);
  const summary = { mode: whole ? 'whole' : 'period', period, checks: results.map((r) => ({ check: r.check, ok: r.ok, ...(r.scope ? { scope: r.scope.mode } : {}) })) };
  const line = whole ? `all ${results.length} books checks passed (whole books)` : `all ${results.length} books checks passed over ${periodLabel(period!)} (the night's days; the whole books weekly or with --full-check)`;
  return { step: 'check', summary, line, leftOut: 0 };
}
