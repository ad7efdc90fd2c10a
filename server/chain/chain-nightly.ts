/**
 * A chain's night: each store's nightly chain in its own worker process (the `tillsync server
 * nightly --data STORE` a single store runs), at most N at once. A worker runs one store at a
 * time, then takes the next; a store that fails or crashes is reported and the others go on.
 * Processes, not threads: one store's memory and crash stay its own, and PostgreSQL lets them
 * write in parallel (per-schema books lock, server/db/books-lock.ts).
 */
import { runTillsync } from '../../cli/spawn-tillsync.ts';
import type { NightlyReport } from '../nightly.ts';
import type { ChainStoreRef } from './chain-stores.ts';
import type { StoreNight } from './chain-report.ts';

export interface ChainNightOptions {
  workers: number;
  until?: string;
  /** Each store checks its whole books (`server nightly --full-check`). */
  fullCheck?: boolean;
  onStart?: (store: ChainStoreRef) => void;
  onDone?: (night: StoreNight) => void;
  /** One store's night (default: the tillsync CLI as a child process); tests of the pool give their own. */
  runStore?: (store: ChainStoreRef, until?: string, fullCheck?: boolean) => Promise<Omit<StoreNight, 'store' | 'data' | 'seconds'>>;
}

/** A store's night in a child process: its JSON report, or how the process ended when it printed none. */
export async function runStoreNightProcess(store: ChainStoreRef, until?: string, fullCheck?: boolean): Promise<Omit<StoreNight, 'store' | 'data' | 'seconds'>> {
  const r = await runTillsync(['--json', 'server', 'nightly', '--data', store.data, ...(until ? ['--until', until] : []), ...(fullCheck ? ['--full-check'] : [])]);
  const json = r.json as (NightlyReport & { peakRssMb?: number; cpuSeconds?: number; error?: { message?: string } }) | undefined;
  const report = json && Array.isArray(json.steps) ? (json as NightlyReport) : null;
  const lastErr = r.stderr.trim().split('\n').pop() ?? '';
  const error = report?.failed ? `${report.failed.step}: ${report.failed.message}` : report ? null : json?.error?.message ?? (lastErr || (r.signal ? `killed by ${r.signal}` : `exit ${r.code} without a report`));
  const num = (x: unknown) => (typeof x === 'number' ? x : null);
  return { exitCode: r.code, peakRssMb: num(json?.peakRssMb), cpuSeconds: num(json?.cpuSeconds), report, error };
}

export async function runChainNight(stores: ChainStoreRef[], o: ChainNightOptions): Promise<StoreNight[]> {
  const runStore = o.runStore ?? runStoreNightProcess;
  const queue = [...stores];
  const out = new Map<string, StoreNight>();
  const worker = async () => {
    for (let s = queue.shift(); s; s = queue.shift()) {
      o.onStart?.(s);
      const t0 = performance.now();
      let night: StoreNight;
      try {
        night = { store: s.id, data: s.data, seconds: 0, ...(await runStore(s, o.until, o.fullCheck)) };
      } catch (e) {
        // Not even a process to report: the store fails, the others go on.
        night = { store: s.id, data: s.data, seconds: 0, exitCode: null, peakRssMb: null, cpuSeconds: null, report: null, error: (e as Error)?.message ?? String(e) };
      }
      night.seconds = (performance.now() - t0) / 1000;
      out.set(s.id, night);
      o.onDone?.(night);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.workers, stores.length)) }, worker));
  return stores.map((s) => out.get(s.id)!);
}
