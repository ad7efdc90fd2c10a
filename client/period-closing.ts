/**
 * Making a monthly or fiscal-year closure on the till, crash-safe. The intent (kind and period) is
 * written first; then the closure is built from what is stored (client/closure-plan.ts decides
 * whether it may be made), stored, journalled, and — for a fiscal year — its archive is written;
 * the intent is removed last. A till killed anywhere in between finds the intent when it next opens
 * its store (till start, or any one-shot command) and finishes the same closure: the closure is
 * made once (its period is checked first), the journal line and the archive are made if missing.
 *
 * Crash points (sync/crash-points.ts): closure:after-intent and closure:after-store.
 */
import { TillsyncError } from '../sync/errors.ts';
import type { Closure } from '../sync/types.ts';
import { buildPeriodClosure, closurePeriod } from './closure.ts';
import { planPeriodClosure } from './closure-plan.ts';
import { logTillEvent } from './day-log.ts';
import { localDay } from './sale.ts';
import type { TillService } from './till-service.ts';
import { crashPoint } from '../sync/crash-points.ts';

export interface PeriodClosureResult {
  closure: Closure;
  /** The fiscal-year archive, written by a year closure. */
  archive: string | null;
  /** True when this call finished a closure a crash had interrupted. */
  resumed: boolean;
}

export function closePeriod(svc: TillService, kind: 'month' | 'year', asked?: string): Promise<PeriodClosureResult> {
  void svc.identity;
  return svc.exclusive(async () => {
    const pending = await svc.store.getMeta('pending-closure');
    if (pending) {
      const done = await finish(svc, pending.kind as 'month' | 'year', String(pending.period));
      if (pending.kind === kind && (asked === undefined || asked === pending.period)) return { ...done, resumed: true };
    }
    const plan = planPeriodClosure(kind, asked, await closedState(svc));
    await svc.store.setMeta('pending-closure', 'pending-closure', { kind, period: plan.period, startedAt: new Date().toISOString() });
    crashPoint('closure:after-intent');
    return { ...(await finish(svc, kind, plan.period)), resumed: false };
  });
}

/** At store opening: finishes a period closure a crash interrupted (null when there was none). */
export async function finishPendingClosure(svc: TillService): Promise<PeriodClosureResult | null> {
  if (!svc.store.identity) return null;
  const pending = await svc.store.getMeta('pending-closure');
  if (!pending) return null;
  const r = await svc.exclusive(() => finish(svc, pending.kind as 'month' | 'year', String(pending.period)));
  logTillEvent(svc.dataDir, 'warning', `finished the ${pending.kind} closure ${r.closure.id} of ${pending.period} that a crash interrupted`);
  return { ...r, resumed: true };
}

async function closedState(svc: TillService) {
  const firstOpen = svc.store.closedThrough < svc.store.last.number ? await svc.store.ticket(svc.store.closedThrough + 1) : null;
  return {
    days: await svc.store.closures('day'),
    months: await svc.store.closures('month'),
    years: await svc.store.closures('year'),
    firstOpenDay: firstOpen?.day ?? null,
    today: localDay(new Date()),
  };
}

/** Every step is skipped when already done, so a rerun after a crash completes what is missing. */
async function finish(svc: TillService, kind: 'month' | 'year', period: string): Promise<Omit<PeriodClosureResult, 'resumed'>> {
  const id = svc.identity;
  const own = await svc.store.closures(kind);
  let closure = own.find((c) => closurePeriod(c) === period) ?? null;
  if (!closure) {
    const plan = planPeriodClosure(kind, period, await closedState(svc));
    closure = buildPeriodClosure(kind, plan.period, plan.children, plan.previous, id, new Date(), id.rounding.decimals, { key: svc.journal.key });
    await svc.store.appendClosure(closure);
    crashPoint('closure:after-store');
  }
  const events = await svc.store.journal();
  if (!events.some((e) => e.type === 'closure' && e.data.id === closure!.id)) {
    await svc.journal.record('closure', { id: closure.id, kind, period, tickets: closure.ticketCount, total: closure.total, grandTotal: closure.grandTotal });
  }
  let archive: string | null = null;
  if (kind === 'year') {
    const { writeTillArchive } = await import('./till-archive.ts');
    archive = (await writeTillArchive(svc, { period, ifMissing: true })).path;
  }
  await svc.store.deleteMeta('pending-closure');
  logTillEvent(svc.dataDir, 'info', `${kind} closure ${closure.id} of ${period}: ${closure.ticketCount} tickets, total ${closure.total}, grand total ${closure.grandTotal}`);
  return { closure, archive };
}

export function assertPeriodKind(p: string): 'day' | 'month' | 'year' {
  if (p === 'day' || p === 'month' || p === 'year') return p;
  throw new TillsyncError('usage', `--period must be day, month or year, not "${p}"`);
}

export interface CloseRequest {
  period?: string;
  month?: string;
  year?: string;
}

/** `till close [--period day|month|year]`: the closure, plus for month and year whether it resumed and the archive made. */
export async function closeAny(svc: TillService, req: CloseRequest): Promise<Closure & { archive?: string | null; resumed?: boolean }> {
  const kind = assertPeriodKind(req.period ?? 'day');
  if (kind === 'day') {
    if (req.month !== undefined || req.year !== undefined) throw new TillsyncError('usage', '--month and --year go with --period month or --period year');
    return svc.close();
  }
  const asked = kind === 'month' ? req.month : req.year;
  if ((kind === 'month' && req.year !== undefined) || (kind === 'year' && req.month !== undefined)) throw new TillsyncError('usage', kind === 'month' ? '--period month takes --month YYYY-MM' : '--period year takes --year YYYY');
  const r = await closePeriod(svc, kind, asked);
  return { ...r.closure, archive: r.archive, resumed: r.resumed };
}
