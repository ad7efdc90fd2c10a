/**
 * Closures as pure functions. The Z report: the tickets sold since the previous closure in, the
 * Closure out. The monthly and fiscal-year closures sum the closures of the kind below (days for a
 * month, months for a year). `total` is the goods sold incl. VAT (returns subtract); settlements
 * taken at the till (invoice payments, deposits) are money in but not sales, so they appear in
 * `byMode` and not in `total`. The perpetual grand totals carry on from closure to closure, and each
 * closure carries the hash of the previous one of its kind and is signed with the till's key (NF525).
 */
import { D, fmt, type Decimals } from '../sync/money.ts';
import { closureFigures, ticketFigures, type ClosureFigures } from '../sync/closure-totals.ts';
import { GENESIS, seal, sealHash } from '../sync/seal.ts';
import { keyFingerprint, type TillKeyPair } from '../sync/till-keys.ts';
import type { Closure, ClosureKind, Ticket } from '../sync/types.ts';
import { localDay, localIso } from './sale.ts';

export const CLOSURE_LETTER: Record<ClosureKind, string> = { day: 'Z', month: 'M', year: 'A' };

export function closureId(store: string, till: string, seq: number, kind: ClosureKind = 'day'): string {
  return `${store}-${till}-${CLOSURE_LETTER[kind]}${String(seq).padStart(6, '0')}`;
}

/** The period a closure closes (closures made before periods existed: their day). */
export function closurePeriod(c: Pick<Closure, 'kind' | 'period' | 'day'>): string {
  return c.period ?? c.day;
}

export function hashClosure(c: Omit<Closure, 'hash'> | Closure): string {
  return sealHash(c);
}

export interface ClosureContext {
  store: string;
  till: string;
}

export interface SealOptions {
  /** Signs the closure; without it the closure is only hashed (unit tests of the figures). */
  key?: TillKeyPair;
  /** Hash of the last ticket covered, or the chain head when the closure covers none. */
  lastTicketHash?: string;
}

function finish(kind: ClosureKind, period: string, figures: ClosureFigures, previous: Closure | null, till: ClosureContext, now: Date, decimals: Decimals, extra: Partial<Closure>, opts: SealOptions): Closure {
  const seq = (previous?.seq ?? 0) + 1;
  const sameYear = previous && closurePeriod(previous).slice(0, 4) === period.slice(0, 4) && kind !== 'year';
  const { absTotal, ...shown } = figures;
  const body: Omit<Closure, 'hash'> = {
    id: closureId(till.store, till.till, seq, kind),
    store: till.store,
    till: till.till,
    seq,
    closedAt: localIso(now),
    day: localDay(now),
    ...shown,
    grandTotal: fmt(new D(figures.total).plus(previous?.grandTotal ?? '0'), decimals),
    kind,
    period,
    yearTotal: fmt(new D(figures.total).plus(sameYear ? (previous!.yearTotal ?? '0') : '0'), decimals),
    totalAbs: absTotal,
    grandTotalAbs: fmt(new D(absTotal).plus(previous?.grandTotalAbs ?? '0'), decimals),
    prevHash: previous?.hash ?? GENESIS,
    ...(opts.lastTicketHash !== undefined ? { lastTicketHash: opts.lastTicketHash } : {}),
    ...extra,
    ...(opts.key ? { keyId: opts.key.keyId, keyFingerprint: keyFingerprint(opts.key.publicKeyPem) } : {}),
  };
  return opts.key ? seal(body, opts.key.privateKeyPem) : { ...body, hash: hashClosure(body) };
}

/** Z report of `tickets` (those sold since the previous closure); `previous` is the last day closure. */
export function buildClosure(tickets: Ticket[], previous: Closure | null, till: ClosureContext, now: Date, decimals: Decimals = 2, opts: SealOptions = {}): Closure {
  const figures = ticketFigures(tickets, decimals);
  const sorted = [...tickets].sort((a, b) => a.number - b.number);
  // `day` stays the business day of the first ticket (what integration and exports key on).
  return finish('day', localDay(now), figures, previous, till, now, decimals, { day: sorted.length ? sorted[0].day : localDay(now) }, opts);
}

/** Monthly or fiscal-year closure summing `children` (day closures of the month, month closures of the year). */
export function buildPeriodClosure(kind: 'month' | 'year', period: string, children: Closure[], previous: Closure | null, till: ClosureContext, now: Date, decimals: Decimals = 2, opts: SealOptions = {}): Closure {
  const sorted = [...children].sort((a, b) => a.seq - b.seq);
  const covers = sorted.length ? { kind: (kind === 'month' ? 'day' : 'month') as ClosureKind, fromSeq: sorted[0].seq, toSeq: sorted[sorted.length - 1].seq } : null;
  const last = sorted[sorted.length - 1];
  return finish(kind, period, closureFigures(sorted, decimals), previous, till, now, decimals, { covers, ...(last?.lastTicketHash ? { lastTicketHash: last.lastTicketHash } : {}) }, opts);
}
