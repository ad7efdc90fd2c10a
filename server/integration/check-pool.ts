/**
 * Where tickets are checked. Parsing, hashing and re-computing a ticket costs about as much as
 * reading and updating its row, so on a large run a worker thread checks page k while the main
 * thread reads page k+1 and writes documents: the two cores each do half. Small runs (most
 * nights) check inline: starting a worker costs more than it saves below ~20,000 tickets.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { IntegrationRefs } from './ticket-checks.ts';
import { ticketVerdict, type CheckTask, type Verdict } from './ticket-verdict.ts';

export interface Checker {
  readonly kind: 'inline' | 'worker';
  check(tasks: CheckTask[]): Promise<Verdict[]>;
  close(): Promise<void>;
}

export const WORKER_THRESHOLD = 20_000;

export function inlineChecker(refs: IntegrationRefs): Checker {
  return {
    kind: 'inline',
    check: async (tasks) => tasks.map((t) => ticketVerdict(t.row, t.link, refs)),
    close: async () => {},
  };
}

export async function workerChecker(refs: IntegrationRefs): Promise<Checker> {
  const worker = new Worker(new URL('./check-worker.mjs', import.meta.url), { workerData: { refs }, execArgv: [] });
  const waiting = new Map<number, { resolve: (v: Verdict[]) => void; reject: (e: Error) => void }>();
  let seq = 0;
  let failure: Error | null = null;
  const fail = (e: Error) => {
    failure = e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  worker.on('message', (m: { seq: number; verdicts?: Verdict[]; error?: string }) => {
    const w = waiting.get(m.seq);
    waiting.delete(m.seq);
    if (m.error) w?.reject(new Error(`ticket check worker: ${m.error}`));
    else w?.resolve(m.verdicts!);
  });
  worker.on('error', (e) => fail(e));
  worker.on('exit', (code) => {
    if (waiting.size) fail(new Error(`ticket check worker stopped (exit ${code})`));
  });
  return {
    kind: 'worker',
    check(tasks) {
      if (failure) return Promise.reject(failure);
      if (!tasks.length) return Promise.resolve([]);
      const n = ++seq;
      return new Promise<Verdict[]>((resolve, reject) => {
        waiting.set(n, { resolve, reject });
        worker.postMessage({ seq: n, tasks });
      });
    },
    close: async () => {
      await worker.terminate();
    },
  };
}

/** `mode` 'auto': a worker when the run is large and a second core exists. */
export async function openChecker(refs: IntegrationRefs, expected: number, mode: 'auto' | 'inline' | 'worker' = 'auto'): Promise<Checker> {
  const useWorker = mode === 'worker' || (mode === 'auto' && expected >= WORKER_THRESHOLD && availableParallelism() > 1);
  return useWorker ? workerChecker(refs) : inlineChecker(refs);
}
