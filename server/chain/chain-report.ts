/**
 * The outcome of a chain's night, store by store: pure functions (exit code, lines for people).
 */
import { NIGHTLY_EXIT, type NightlyReport } from '../nightly.ts';

export interface StoreNight {
  store: string;
  data: string;
  /** The store's own `server nightly` exit code (null when its process was killed by a signal). */
  exitCode: number | null;
  seconds: number;
  /** Peak resident memory of the store's worker process, MB (from its report; null if it died first). */
  peakRssMb: number | null;
  /** CPU seconds of the store's worker process (user + system; null if it died first). */
  cpuSeconds: number | null;
  /** The store's nightly report (null when its process printed none: it crashed). */
  report: NightlyReport | null;
  /** One line when the store's run failed (its failed step's message, or how the process ended). */
  error: string | null;
}

export interface ChainNightReport {
  ok: boolean;
  exitCode: number;
  workers: number;
  until: string | null;
  seconds: number;
  counts: { stores: number; ok: number; leftOut: number; booksCheckFailed: number; failed: number };
  stores: StoreNight[];
}

/**
 * 1 when any store's run failed (a step failed, the process crashed), otherwise the worst of the
 * others: 4 when some store's books fail a check, 3 when some store left something out, else 0.
 * Each store's own code is in the report.
 */
export function chainExitCode(stores: Pick<StoreNight, 'exitCode'>[]): number {
  const codes = stores.map((s) => s.exitCode);
  if (codes.some((c) => c === null || ![NIGHTLY_EXIT.ok, NIGHTLY_EXIT.leftOut, NIGHTLY_EXIT.booksCheckFailed].includes(c as 0))) return NIGHTLY_EXIT.failed;
  if (codes.includes(NIGHTLY_EXIT.booksCheckFailed)) return NIGHTLY_EXIT.booksCheckFailed;
  if (codes.includes(NIGHTLY_EXIT.leftOut)) return NIGHTLY_EXIT.leftOut;
  return NIGHTLY_EXIT.ok;
}

export function chainNightReport(stores: StoreNight[], o: { workers: number; until: string | null; seconds: number }): ChainNightReport {
  const exitCode = chainExitCode(stores);
  const n = (c: number) => stores.filter((s) => s.exitCode === c).length;
  return {
    ok: exitCode === NIGHTLY_EXIT.ok,
    exitCode,
    workers: o.workers,
    until: o.until,
    seconds: o.seconds,
    counts: { stores: stores.length, ok: n(NIGHTLY_EXIT.ok), leftOut: n(NIGHTLY_EXIT.leftOut), booksCheckFailed: n(NIGHTLY_EXIT.booksCheckFailed), failed: stores.length - n(NIGHTLY_EXIT.ok) - n(NIGHTLY_EXIT.leftOut) - n(NIGHTLY_EXIT.booksCheckFailed) },
    stores,
  };
}

/** One line per store as it finishes. */
export function storeLine(s: StoreNight): string {
  const what = s.exitCode === NIGHTLY_EXIT.ok ? 'done' : s.exitCode === NIGHTLY_EXIT.leftOut ? `done, ${s.report?.leftOut ?? '?'} item(s) left out` : s.exitCode === NIGHTLY_EXIT.booksCheckFailed ? `books fail a check: ${s.error ?? ''}` : `FAILED: ${s.error ?? 'no report'}`;
  return `${s.store}: ${what} (exit ${s.exitCode ?? 'killed'}, ${s.seconds.toFixed(1)} s${s.peakRssMb !== null ? `, ${s.peakRssMb} MB` : ''})`;
}

export function renderChainNight(r: ChainNightReport): string {
  const c = r.counts;
  const tail =
    r.exitCode === NIGHTLY_EXIT.ok
      ? 'every store finished, nothing left out'
      : r.exitCode === NIGHTLY_EXIT.failed
        ? `${c.failed} store(s) failed (exit 1): run those again with --stores ID,ID once fixed (finished steps do not repeat their work)`
        : r.exitCode === NIGHTLY_EXIT.booksCheckFailed
          ? `${c.booksCheckFailed} store(s) whose books fail a check (exit 4): tillsync server check --data CHAIN/stores/ID lists the problems`
          : `${c.leftOut} store(s) left something out (exit 3): see each store's log book (tillsync server status --data CHAIN/stores/ID)`;
  return [...r.stores.map(storeLine), `chain: ${c.stores} store(s) with ${r.workers} worker(s) in ${r.seconds.toFixed(1)} s: ${c.ok} ok, ${c.leftOut} left something out, ${c.booksCheckFailed} books check failed, ${c.failed} failed; ${tail}`].join('\n');
}
