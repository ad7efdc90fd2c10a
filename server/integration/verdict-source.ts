/**
 * Where the verdicts on a run's tickets come from, page by page in (store, till, number) order.
 *
 * Reading, parsing, hashing and re-computing a ticket cost about as much as writing its document
 * columns, so a large run splits the work over two threads:
 *  - `worker-reads` (SQLite): a worker thread reads the pages on its own read-only connection and
 *    checks them, while the main thread groups and writes. The run holds the write lock, so the
 *    worker's snapshot is exactly the database as the run found it.
 *  - `worker-checks` (PostgreSQL, where the worker cannot open the run's connection): the main
 *    thread reads, the worker checks one page while the next is read and the last till written.
 *  - `inline`: all in this thread. Most nights are small enough (below WORKER_THRESHOLD) that
 *    starting a worker (~0.3 s of module loading) would cost more than it saves; and on a machine
 *    whose cores are already busy a second thread only adds the cost of handing tickets over
 *    (measured: ~30 % more CPU for the same run), so the worker is used only when a core is idle.
 */
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { dbKind } from '../db/dialect.ts';
import type { IntegrationFilters } from './filters.ts';
import { TicketSelector, type TicketRef } from './grouping.ts';
import type { IntegrationRefs } from './ticket-checks.ts';
import { readTill, type TillSpan } from './ticket-source.ts';
import { ticketVerdict, type CheckTask, type Verdict } from './ticket-verdict.ts';

export const WORKER_THRESHOLD = 50_000;

export interface VerdictItem extends TicketRef {
  verdict: Verdict;
}

export interface VerdictPage {
  items: VerdictItem[];
  /** Selection counts so far (selected, excluded with --exclude). */
  selected: number;
  excluded: number;
  /** The last page of a till: its documents are complete. */
  endOfTill: boolean;
}

export type CheckMode = 'auto' | 'inline' | 'worker';

export interface VerdictSource {
  readonly kind: 'inline' | 'worker-checks' | 'worker-reads';
  pages(spans: TillSpan[]): AsyncGenerator<VerdictPage>;
  close(): Promise<void>;
}

function itemOf(task: CheckTask, verdict: Verdict): VerdictItem {
  return { id: task.row.id, store: task.row.store, till: task.row.till, verdict };
}

function inlineSource(db: Kysely<Database>, refs: IntegrationRefs, filters: IntegrationFilters): VerdictSource {
  const selector = new TicketSelector(filters);
  return {
    kind: 'inline',
    async *pages(spans) {
      for (const span of spans) {
        for await (const rows of readTill(db, span)) {
          const items: VerdictItem[] = [];
          for (const row of rows) {
            const task = selector.select(row);
            if (task) items.push(itemOf(task, ticketVerdict(task.row, task.link, refs)));
          }
          yield { items, selected: selector.selected, excluded: selector.excludedCount, endOfTill: false };
        }
        yield { items: [], selected: selector.selected, excluded: selector.excludedCount, endOfTill: true };
      }
    },
    close: async () => {},
  };
}

interface WorkerPage {
  type: 'page';
  items: VerdictItem[];
  selected: number;
  excluded: number;
  endOfTill: boolean;
}

/** The worker thread, with replies routed by kind; any failure fails every waiter. */
async function startWorker(workerData: unknown): Promise<{ worker: Worker; onFailure: (f: (e: Error) => void) => void }> {
  const worker = new Worker(new URL('./check-worker.mjs', import.meta.url), { workerData, execArgv: [] });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  const listeners: ((e: Error) => void)[] = [];
  let failed: Error | null = null;
  const fail = (e: Error) => {
    if (failed) return;
    failed = e;
    for (const l of listeners) l(e);
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`ticket check worker stopped (exit ${code})`)));
  worker.on('message', (m: { type?: string; error?: string }) => {
    if (m.type === 'error') fail(new Error(`ticket check worker: ${m.error}`));
  });
  return {
    worker,
    onFailure: (f) => {
      listeners.push(f);
      if (failed) f(failed);
    },
  };
}

/** Asks the worker to finish (so that it ends cleanly, profiles and all), terminating it if it does not. */
async function stopWorker(worker: Worker): Promise<void> {
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.postMessage({ type: 'stop' });
  const timer = setTimeout(() => void worker.terminate(), 2000);
  await exited;
  clearTimeout(timer);
}

/** Pages read here, checked in the worker; one page is always on its way ahead of the one consumed. */
async function workerChecksSource(db: Kysely<Database>, refs: IntegrationRefs, filters: IntegrationFilters): Promise<VerdictSource> {
  const { worker, onFailure } = await startWorker({ refs });
  const waiting = new Map<number, { resolve: (v: Verdict[]) => void; reject: (e: Error) => void }>();
  onFailure((e) => {
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  });
  worker.on('message', (m: { type?: string; seq: number; verdicts?: Verdict[] }) => {
    if (m.type !== 'verdicts') return;
    const w = waiting.get(m.seq);
    waiting.delete(m.seq);
    w?.resolve(m.verdicts!);
  });
  let seq = 0;
  const check = (tasks: CheckTask[]): Promise<Verdict[]> => {
    if (!tasks.length) return Promise.resolve([]);
    const n = ++seq;
    return new Promise((resolve, reject) => {
      waiting.set(n, { resolve, reject });
      worker.postMessage({ type: 'check', seq: n, tasks });
    });
  };
  const selector = new TicketSelector(filters);
  return {
    kind: 'worker-checks',
    async *pages(spans) {
      async function* rowPages() {
        for (const span of spans) {
          for await (const rows of readTill(db, span)) yield { rows, endOfTill: false };
          yield { rows: [], endOfTill: true };
        }
      }
      const source = rowPages();
      const ahead: { tasks: CheckTask[]; verdicts: Promise<Verdict[]>; selected: number; excluded: number; endOfTill: boolean }[] = [];
      let exhausted = false;
      const fill = async () => {
        while (!exhausted && ahead.length < 2) {
          const next = await source.next();
          if (next.done) {
            exhausted = true;
            return;
          }
          const tasks: CheckTask[] = [];
          for (const row of next.value.rows) {
            const t = selector.select(row);
            if (t) tasks.push(t);
          }
          const verdicts = check(tasks);
          verdicts.catch(() => {});
          ahead.push({ tasks, verdicts, selected: selector.selected, excluded: selector.excludedCount, endOfTill: next.value.endOfTill });
        }
      };
      for (;;) {
        await fill();
        const page = ahead.shift();
        if (!page) return;
        // The next page is already with the worker while this one is grouped and written.
        await fill();
        const verdicts = await page.verdicts;
        yield { items: page.tasks.map((t, i) => itemOf(t, verdicts[i])), selected: page.selected, excluded: page.excluded, endOfTill: page.endOfTill };
      }
    },
    close: () => stopWorker(worker),
  };
}

/** Pages read and checked in the worker on its own read-only SQLite connection. */
async function workerReadsSource(file: string, refs: IntegrationRefs, filters: IntegrationFilters): Promise<VerdictSource> {
  const { worker, onFailure } = await startWorker({ refs, filters, file });
  return {
    kind: 'worker-reads',
    async *pages(spans) {
      const queue: WorkerPage[] = [];
      let done = false;
      let failure: Error | null = null;
      let wake: (() => void) | null = null;
      const signal = () => {
        const w = wake;
        wake = null;
        w?.();
      };
      onFailure((e) => {
        failure = e;
        signal();
      });
      const onMessage = (m: WorkerPage | { type: 'read-done' }) => {
        if (m.type === 'page') queue.push(m);
        else if (m.type === 'read-done') done = true;
        else return;
        signal();
      };
      worker.on('message', onMessage);
      worker.postMessage({ type: 'read', spans });
      try {
        for (;;) {
          if (failure) throw failure;
          const page = queue.shift();
          if (page) {
            // Credit for one more page: the worker stays a few pages ahead, never the whole run.
            worker.postMessage({ type: 'credit' });
            yield { items: page.items, selected: page.selected, excluded: page.excluded, endOfTill: page.endOfTill };
            continue;
          }
          if (done) return;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      } finally {
        worker.off('message', onMessage);
      }
    },
    close: () => stopWorker(worker),
  };
}

/** The SQLite file behind a connection, or null (PostgreSQL, in-memory). */
async function sqliteFile(db: Kysely<Database>): Promise<string | null> {
  if (dbKind(db) !== 'sqlite') return null;
  const rows = (await sql<{ name: string; file: string }>`pragma database_list`.execute(db)).rows;
  return rows.find((r) => r.name === 'main')?.file || null;
}

/**
 * `db` must be the run's connection (inside its lock). `mode` 'auto' uses a worker when the run is
 * large and a second core is free; 'worker' forces it (tests), 'inline' refuses it.
 */
export async function openVerdictSource(db: Kysely<Database>, refs: IntegrationRefs, filters: IntegrationFilters, expected: number, mode: CheckMode = 'auto'): Promise<VerdictSource> {
  const cores = availableParallelism();
  const useWorker = mode === 'worker' || (mode === 'auto' && expected >= WORKER_THRESHOLD && cores > 1 && loadavg()[0] < cores - 0.5);
  if (!useWorker) return inlineSource(db, refs, filters);
  const file = await sqliteFile(db);
  try {
    return file ? await workerReadsSource(file, refs, filters) : await workerChecksSource(db, refs, filters);
  } catch (e) {
    // A worker that cannot start (threads unavailable, loader missing) only costs speed.
    if (mode === 'worker') throw e;
    return inlineSource(db, refs, filters);
  }
}
