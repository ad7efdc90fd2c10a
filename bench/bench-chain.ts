/**
 * `tillsync bench chain`: one night of a chain on PostgreSQL — S stores (one schema each, one
 * database) × T tills × K tickets of the realistic mix (fixtures/realistic-night.ts) — run by
 * `server nightly --chain` with 1, 2, 4 … workers. The chain is built once (intake, not timed) and
 * copied per run with CREATE DATABASE … TEMPLATE, so every run starts from the same untouched night.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createChainStore, intakeAll, storeDbUrl } from '../test/support/chain-stores.ts';
import { emptyCounts, realisticBaseData, realisticNight } from '../fixtures/realistic-night.ts';
import { defaultConfig, writeServerConfig } from '../server/context.ts';
import { listChainStores } from '../server/chain/chain-stores.ts';
import { runChainNight } from '../server/chain/chain-nightly.ts';
import { scratchPgDatabase } from './bench-processes.ts';
import { benchChainRender, type RenderFigures } from './bench-chain-render.ts';
import { chainFloor, type ChainFloor } from './bench-chain-floor.ts';

export interface ChainBenchOptions {
  stores: number;
  tills: number;
  ticketsPerTill: number;
  customers: number;
  workers: number[];
  /** Invoices and credit notes of one store rendered after the first run (PDF/Factur-X per second); 0: none. */
  renderDocuments?: number;
  pgUrl: string;
  dir: string;
  log: (s: string) => void;
}

export interface ChainRun {
  workers: number;
  seconds: number;
  ticketsPerSecond: number;
  documentsPerSecond: number;
  /**
   * Integrate + post + letter alone: the night's wall time × the share of the stores' process time
   * spent in those three steps (the rest: process start, e-report, books check), in tickets/s.
   */
  iplTicketsPerSecond: number;
  /** Seconds of the stores' processes, summed: in integrate + post + letter, and in all (process start included). */
  iplSeconds: number;
  storeSeconds: number;
  /** Largest peak RSS of one worker process (one store's night). */
  peakRssMb: number;
  /** CPU seconds of all workers (Node); the rest of the machine's time went to PostgreSQL and waiting. */
  workerCpuSeconds: number;
  /** CPU seconds PostgreSQL's server processes used during the run (from /proc; null where unreadable). */
  pgCpuSeconds: number | null;
  failed: number;
  /** The chain database after the night (tickets, documents, entries, settlements of every store), bytes. */
  databaseBytes: number;
  /** The raw floor of integrate + post + letter, measured on this run's database right after the night, `workers` stores at a time (bench-chain-floor.ts). */
  floor: ChainFloor;
}

export interface ChainBenchResult {
  tickets: number;
  documents: number;
  counts: ReturnType<typeof emptyCounts>;
  setupSeconds: number;
  runs: ChainRun[];
  render: RenderFigures | null;
}

const DAY = '2026-11-02';

/**
 * CPU seconds (user + system) our PostgreSQL cluster has used: its postmaster (with the backends it
 * has reaped) and its live children, from /proc. Other clusters on a shared machine are not counted.
 */
export function clusterCpuSeconds(postmaster: number | null): number | null {
  if (postmaster === null) return null;
  const stat = (pid: string) => {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the name: state ppid … utime(12) stime(13) cutime(14) cstime(15), counted from 0 after ")".
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  };
  try {
    const own = stat(String(postmaster));
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
    for (const pid of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
      try {
        const f = stat(pid);
        if (Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
      } catch {
        // The process ended meanwhile (its time is now in the postmaster's cutime).
      }
    }
    return ticks / 100;
  } catch {
    return null;
  }
}

/** The postmaster's pid, from postmaster.pid in the cluster's data directory (needs a superuser; null otherwise). */
async function postmasterPid(admin: pg.Client): Promise<number | null> {
  try {
    const dir = (await admin.query('show data_directory')).rows[0].data_directory as string;
    return Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
}

export async function benchChain(o: ChainBenchOptions): Promise<ChainBenchResult> {
  const t0 = performance.now();
  const tpl = await scratchPgDatabase(o.pgUrl, 'chain_tpl');
  const tplDir = join(o.dir, 'chain-tpl');
  const counts = emptyCounts();
  let tickets = 0;
  const ids = Array.from({ length: o.stores }, (_, i) => `S${String(i + 1).padStart(3, '0')}`);
  const base = realisticBaseData(o.customers);
  for (const [i, id] of ids.entries()) {
    const s = await createChainStore(tplDir, tpl.url, id, base);
    try {
      tickets += await intakeAll(s, realisticNight({ store: id, tills: o.tills, ticketsPerTill: o.ticketsPerTill, day: DAY, customers: o.customers, seed: 100 + i }, counts));
    } finally {
      await s.db.destroy();
    }
    o.log(`chain bench: store ${id} ready (${tickets} tickets so far)`);
  }
  const setupSeconds = (performance.now() - t0) / 1000;
  const runs: ChainRun[] = [];
  let render: RenderFigures | null = null;
  let documents = 0;
  try {
    for (const workers of o.workers) {
      // A fresh copy of the untouched night for each run.
      const name = `chain_w${workers}_${Date.now().toString(36)}`;
      const admin = new pg.Client({ connectionString: o.pgUrl });
      await admin.connect();
      await admin.query(`create database ${name} template ${new URL(tpl.url).pathname.slice(1)}`);
      const url = o.pgUrl.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
      const dir = join(o.dir, `chain-w${workers}`);
      for (const id of ids) {
        const data = join(dir, 'stores', id);
        mkdirSync(data, { recursive: true });
        writeServerConfig(data, { ...defaultConfig(data, id), db: storeDbUrl(url, id) });
      }
      try {
        const postmaster = await postmasterPid(admin);
        const cpu0 = clusterCpuSeconds(postmaster);
        const s0 = performance.now();
        const nights = await runChainNight(listChainStores(dir), { workers, until: DAY });
        const seconds = (performance.now() - s0) / 1000;
        const cpu1 = clusterCpuSeconds(postmaster);
        documents = 0;
        for (const n of nights) documents += Number((n.report?.steps.find((x) => x.step === 'integrate')?.summary as { documents?: number } | undefined)?.documents ?? 0);
        const iplSeconds = nights.reduce((a, n) => a + (n.report?.steps ?? []).filter((x) => ['integrate', 'post', 'letter'].includes(x.step)).reduce((b, x) => b + (x.seconds ?? 0), 0), 0);
        const storeSeconds = nights.reduce((a, n) => a + n.seconds, 0);
        const run: ChainRun = {
          workers,
          seconds,
          ticketsPerSecond: tickets / seconds,
          documentsPerSecond: documents / seconds,
          iplTicketsPerSecond: iplSeconds > 0 ? tickets / (seconds * (iplSeconds / storeSeconds)) : 0,
          iplSeconds,
          storeSeconds,
          peakRssMb: Math.max(0, ...nights.map((n) => n.peakRssMb ?? 0)),
          workerCpuSeconds: nights.reduce((a, n) => a + (n.cpuSeconds ?? 0), 0),
          pgCpuSeconds: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
          failed: nights.filter((n) => n.exitCode !== 0).length,
          databaseBytes: Number((await admin.query('select pg_database_size($1) as n', [name])).rows[0].n),
          floor: await chainFloor(url, ids.map((id) => new URL(storeDbUrl(url, id)).searchParams.get('schema')!), workers, () => clusterCpuSeconds(postmaster)),
        };
        for (const n of nights.filter((x) => x.exitCode !== 0)) o.log(`chain bench: ${n.store} exit ${n.exitCode}: ${n.error}`);
        o.log(`chain bench: ${workers} worker(s): ${seconds.toFixed(1)} s, ${Math.round(run.ticketsPerSecond)} tickets/s, ${documents} documents, peak ${run.peakRssMb} MB/worker; raw floor ${run.floor.seconds.toFixed(1)} s`);
        runs.push(run);
        if (render === null && (o.renderDocuments ?? 0) > 0) {
          render = await benchChainRender({ data: join(dir, 'stores', ids[0]), url: storeDbUrl(url, ids[0]) }, o.renderDocuments!, join(dir, 'rendered'));
          o.log(`chain bench: rendered ${render.documents} documents of ${ids[0]}: ${render.facturX} Factur-X in ${render.facturXSeconds.toFixed(1)} s, ${render.plain} PDF/A in ${render.plainSeconds.toFixed(1)} s`);
        }
      } finally {
        await admin.query(`drop database if exists ${name}`);
        await admin.end();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await tpl.drop();
    rmSync(tplDir, { recursive: true, force: true });
  }
  return { tickets, documents, counts, setupSeconds, runs, render };
}
