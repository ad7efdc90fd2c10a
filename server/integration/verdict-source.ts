/**
 * Where a run's tickets are read, checked and grouped: pieces come out in (store, till, number)
 * order, one per page read, each with the payment-only tickets and errors of its page, the till's
 * documents on the till's last page, and the page's counts.
 *
 * Reading, parsing, hashing, re-computing and grouping a ticket cost more than writing its
 * document columns, so a large run hands them to worker threads and the main thread writes:
 *  - `workers-read` (SQLite): each worker reads every W-th till on its own read-only connection,
 *    checks and groups it; the main thread takes the tills in order. The run holds the write lock,
 *    so every worker's snapshot is exactly the database as the run found it.
 *  - `worker-checks` (PostgreSQL, where a worker cannot open the run's connection): the main
 *    thread reads, one worker checks and groups a page while the next is read and the last written.
 *  - `inline`: all in this thread. Most nights are small (below WORKER_THRESHOLD): starting a
 *    worker (~0.3–1 s of module loading) would cost more than it saves.
 * Only grouped results cross threads (documents and their ticket ids): handing over a verdict per
 * ticket used to cost the main thread about as much as the check itself.
 *
 * 'auto' sizes the workers on the cores idle just before the run, measured over a tenth of a
 * second — not the load average, a minute's trail that also counts the disk writes of whatever ran
 * before (a bulk load, a copy) and so kept the worker off on an idle machine. Two workers when
 * both cores are free; one otherwise, even on a busy machine: there a worker gains little (Linux
 * shares the cores between sessions, not threads) and costs ~10 % more CPU than one thread, but a
 * tenth of a second says little about the next minute, and a run left in one thread when the
 * cores free up takes ~1.7× as long.
 */
import { availableParallelism, cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { storeOf } from '../db/store.ts';
import type { IntegrationFilters } from './filters.ts';
import { InlineGrouping, type GroupingPiece, type SourceRow } from './document-grouping.ts';
import type { IntegrationRefs } from './ticket-checks.ts';
import type { OnAccepted } from './ticket-verdict.ts';
import type { TillSpan } from './ticket-source.ts';

export const WORKER_THRESHOLD = 50_000;
/** Past two, the main thread's writing is the bottleneck: more workers would only wait. */
export const MAX_WORKERS = 2;
/** Rows per page read. */
const PAGE_SIZE = 2000;

export type CheckMode = 'auto' | 'inline' | 'worker';

export interface VerdictSource {
  readonly kind: 'inline' | 'worker-checks' | 'workers-read';
  readonly workers: number;
  pieces(spans: TillSpan[]): AsyncGenerator<GroupingPiece>;
  close(): Promise<void>;
}

export interface SourceOptions {
  mode?: CheckMode;
  /** Workers for mode 'worker' (default 1; SQLite only, PostgreSQL always uses one). */
  workers?: number;
  /** Rows per page read (default 2000; tests make pages small to cross many page boundaries). */
  pageSize?: number;
  /**
   * Each ticket accepted, parsed (the nightly chain keeps them for posting). Called by the inline
   * source only: a worker's parse stays in its thread (copying it over would cost what it saves).
   */
  onAccepted?: OnAccepted;
}

function inlineSource(db: Kysely<Database>, refs: IntegrationRefs, filters: IntegrationFilters, opts: SourceOptions): VerdictSource {
  const g = new InlineGrouping(refs, filters, opts.onAccepted);
  const pages = (span: TillSpan): AsyncGenerator<SourceRow[]> => storeOf(db).tillPages(db, span, opts.pageSize ?? PAGE_SIZE);
  return {
    kind: 'inline',
    workers: 0,
    async *pieces(spans) {
      for (const span of spans) {
        for await (const rows of pages(span)) {
          for (const row of rows) g.add(row);
          yield g.piece(false);
        }
        yield g.piece(true);
      }
    },
    close: async () => {},
  };
}

interface CheckWorker {
  worker: Worker;
  /** Settles once the worker has loaded its modules (they load while the main thread goes on). */
  ready: Promise<void>;
  onFailure: (f: (e: Error) => void) => void;
  exited: () => boolean;
}

/** A worker thread, with replies routed by kind; any failure fails every waiter. */
function startWorker(workerData: unknown): CheckWorker {
  const worker = new Worker(new URL('./check-worker.mjs', import.meta.url), { workerData, execArgv: [] });
  const listeners: ((e: Error) => void)[] = [];
  let failed: Error | null = null;
  let exited = false;
  const fail = (e: Error) => {
    if (failed) return;
    failed = e;
    for (const l of listeners) l(e);
  };
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    listeners.push(reject);
  });
  ready.catch(() => {});
  worker.on('error', fail);
  worker.on('exit', (code) => {
    exited = true;
    fail(new Error(`ticket check worker stopped (exit ${code})`));
  });
  worker.on('message', (m: { type?: string; error?: string }) => {
    if (m.type === 'error') fail(new Error(`ticket check worker: ${m.error}`));
  });
  return {
    worker,
    ready,
    exited: () => exited,
    onFailure: (f) => {
      listeners.push(f);
      if (failed) f(failed);
    },
  };
}

/** Asks the worker to finish (so that it ends cleanly, profiles and all), terminating it if it does not. */
async function stopWorker(w: CheckWorker): Promise<void> {
  if (w.exited()) return;
  const exited = new Promise<void>((resolve) => w.worker.once('exit', () => resolve()));
  w.worker.postMessage({ type: 'stop' });
  const timer = setTimeout(() => void w.worker.terminate(), 2000);
  await exited;
  clearTimeout(timer);
}

/** Pages read here, checked and grouped in the worker; one page is always on its way ahead of the one consumed. */
function workerChecksSource(db: Kysely<Database>, w: CheckWorker, pageSize?: number): VerdictSource {
  const { worker, onFailure } = w;
  const waiting = new Map<number, { resolve: (p: GroupingPiece) => void; reject: (e: Error) => void }>();
  onFailure((e) => {
    for (const x of waiting.values()) x.reject(e);
    waiting.clear();
  });
  worker.on('message', (m: { type?: string; seq: number; piece?: GroupingPiece }) => {
    if (m.type !== 'piece') return;
    const x = waiting.get(m.seq);
    waiting.delete(m.seq);
    x?.resolve(m.piece!);
  });
  let seq = 0;
  const group = (rows: SourceRow[], endOfTill: boolean): Promise<GroupingPiece> => {
    const n = ++seq;
    return new Promise((resolve, reject) => {
      waiting.set(n, { resolve, reject });
      worker.postMessage({ type: 'rows', seq: n, rows, endOfTill });
    });
  };
  return {
    kind: 'worker-checks',
    workers: 1,
    async *pieces(spans) {
      async function* rowPages() {
        for (const span of spans) {
          for await (const rows of storeOf(db).tillPages(db, span, pageSize ?? PAGE_SIZE)) yield { rows, endOfTill: false };
          yield { rows: [] as SourceRow[], endOfTill: true };
        }
      }
      const source = rowPages();
      const ahead: Promise<GroupingPiece>[] = [];
      let exhausted = false;
      const fill = async () => {
        while (!exhausted && ahead.length < 2) {
          const next = await source.next();
          if (next.done) {
            exhausted = true;
            return;
          }
          const piece = group(next.value.rows, next.value.endOfTill);
          piece.catch(() => {});
          ahead.push(piece);
        }
      };
      for (;;) {
        await fill();
        const piece = ahead.shift();
        if (!piece) return;
        // The next page is already with the worker while this one is written.
        await fill();
        yield await piece;
      }
    },
    close: () => stopWorker(w),
  };
}

/** Tills read, checked and grouped by workers on their own read-only SQLite connections, every n-th till each. */
function workersReadSource(workers: CheckWorker[]): VerdictSource {
  const n = workers.length;
  return {
    kind: 'workers-read',
    workers: n,
    async *pieces(spans) {
      const queues: GroupingPiece[][] = workers.map(() => []);
      let failure: Error | null = null;
      let wake: (() => void) | null = null;
      const signal = () => {
        const w = wake;
        wake = null;
        w?.();
      };
      const listeners = workers.map((_, k) => (m: { type?: string; piece?: GroupingPiece }) => {
        if (m.type !== 'piece') return;
        queues[k].push(m.piece!);
        signal();
      });
      workers.forEach(({ worker, onFailure }, k) => {
        onFailure((e) => {
          failure = e;
          signal();
        });
        worker.on('message', listeners[k]);
        worker.postMessage({ type: 'read', spans: spans.filter((_, i) => i % n === k) });
      });
      try {
        for (let i = 0; i < spans.length; i++) {
          const k = i % n;
          for (;;) {
            if (failure) throw failure;
            const piece = queues[k].shift();
            if (!piece) {
              await new Promise<void>((resolve) => (wake = resolve));
              continue;
            }
            // Credit for one more page: a worker stays a bounded number of pages ahead, never the whole run.
            workers[k].worker.postMessage({ type: 'credit' });
            yield piece;
            if (piece.endOfTill) break;
          }
        }
      } finally {
        workers.forEach(({ worker }, k) => worker.off('message', listeners[k]));
      }
    },
    close: async () => {
      await Promise.all(workers.map(stopWorker));
    },
  };
}

/**
 * The workers' source once they are all up. If one cannot start (threads unavailable, loader
 * missing), `fallback` does the job in this thread — it only costs speed — unless workers were
 * asked for (`fallback` null).
 */
function whenReady(workers: CheckWorker[], source: VerdictSource, fallback: VerdictSource | null): VerdictSource {
  let failed = false;
  return {
    kind: source.kind,
    workers: source.workers,
    async *pieces(spans) {
      try {
        await Promise.all(workers.map((w) => w.ready));
      } catch (e) {
        if (!fallback) throw e;
        failed = true;
        await Promise.all(workers.map(stopWorker));
        return yield* fallback.pieces(spans);
      }
      yield* source.pieces(spans);
    },
    close: async () => {
      if (!failed) await source.close();
    },
  };
}

/** Cores the other processes leave idle, measured over `ms` while this thread waits. */
export async function idleCores(ms = 100): Promise<number> {
  const idle = () => cpus().reduce((a, c) => a + c.times.idle, 0);
  const i0 = idle();
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return Math.max(0, Math.min(availableParallelism(), (idle() - i0) / (performance.now() - t0)));
}

/**
 * Whether at least `n` tickets wait for integration up to `until`: a count on the pending index
 * alone, stopped at `n`, so that workers can be started before the selection (which visits every
 * pending row) is made, and load while it runs.
 */
async function pendingAtLeast(db: Kysely<Database>, until: string, n: number): Promise<boolean> {
  const r = await sql<{ n: number }>`select count(*) as n from (select 1 from tickets where document_id is null and day <= ${until} limit ${n}) pending`.execute(db);
  return Number(r.rows[0]?.n ?? 0) >= n;
}

/**
 * Opened before the selection of the run's tickets is made (its workers load meanwhile), used
 * with the selected spans. `db` must be the run's connection (inside its lock) or, for a preview,
 * the database. `mode` 'auto' uses workers when the run is large and the machine has more than
 * one core; 'worker' forces them (tests), 'inline' refuses them.
 */
export async function openVerdictSource(db: Kysely<Database>, refs: IntegrationRefs, filters: IntegrationFilters, opts: SourceOptions = {}): Promise<VerdictSource> {
  const mode = opts.mode ?? 'auto';
  const cores = availableParallelism();
  let workers = 0;
  if (mode === 'worker') workers = Math.max(1, opts.workers ?? 1);
  else if (mode === 'auto' && cores > 1 && (await pendingAtLeast(db, filters.until, WORKER_THRESHOLD))) {
    workers = Math.max(1, Math.min(MAX_WORKERS, Math.floor((await idleCores()) + 0.7)));
  }
  const inline = inlineSource(db, refs, filters, opts);
  if (workers === 0) return inline;
  const fallback = mode === 'worker' ? null : inline;
  // Workers read on their own read-only connections where the engine allows it (SQLite's file).
  const file = await storeOf(db).workerFile(db);
  const started: CheckWorker[] = [];
  try {
    for (let i = 0; i < (file ? workers : 1); i++) started.push(startWorker({ refs, filters, file, pageSize: opts.pageSize }));
  } catch (e) {
    await Promise.all(started.map(stopWorker));
    if (!fallback) throw e;
    return inline;
  }
  return whenReady(started, file ? workersReadSource(started) : workerChecksSource(db, started[0], opts.pageSize), fallback);
}
