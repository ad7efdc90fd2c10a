/**
 * Profiling aid for the chain night (issue 22): ONE store's night of the realistic mix on a given
 * PostgreSQL, each step (integrate, post, letter) timed apart: wall, this process's CPU, the
 * cluster's CPU, and the top statements of pg_stat_statements when the cluster loads it.
 * The store is built once into a template database (kept between runs); each run copies it.
 *   npx tsx bench/profile-store-night.ts --pg postgres://postgres@127.0.0.1:55432/postgres [--tills 20] [--tickets 1000]
 *     --rebuild     build the template again        --keep     keep the run's database
 *     --top N       statements listed per step       --prof DIR a CPU profile per step (DIR/post.cpuprofile, …)
 *     --cli         the whole night as `tillsync server nightly` in its own process instead (wall, CPU, peak memory)
 * Steps run in this process: integrate, post, letter, books check (export and e-report are not configured).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import { join } from 'node:path';
import pg from 'pg';
import { createChainStore, intakeAll, storeDbUrl } from '../test/support/chain-stores.ts';
import { emptyCounts, realisticBaseData, realisticNight } from '../fixtures/realistic-night.ts';
import { defaultConfig, openServerContext, writeServerConfig } from '../server/context.ts';
import { integrationStep } from '../server/integration/nightly-step.ts';
import { letteringStep, postingStep } from '../server/accounting/nightly-step.ts';
import { booksCheckNightlyStep } from '../server/books/nightly-step.ts';
import { clusterCpuSeconds } from './bench-chain.ts';
import { ParsedTickets } from '../server/accounting/parsed-tickets.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const pgUrl = arg('pg', '');
if (!pgUrl) {
  console.error('give --pg postgres://USER@HOST:PORT/postgres (an admin URL; start the cluster with shared_preload_libraries=pg_stat_statements for the statements)');
  process.exit(2);
}
const tills = Number(arg('tills', '20'));
const perTill = Number(arg('tickets', '1000'));
const top = Number(arg('top', '12'));
const DAY = '2026-11-02';
const tplName = `prof_tpl_${tills}x${perTill}`;
const dbUrl = (name: string) => pgUrl.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);

const clusterCpu = (postmaster: number): number => clusterCpuSeconds(postmaster) ?? NaN;

const admin = new pg.Client({ connectionString: pgUrl });
await admin.connect();
const exists = (await admin.query('select 1 from pg_database where datname = $1', [tplName])).rowCount;
if (!exists || process.argv.includes('--rebuild')) {
  await admin.query(`drop database if exists ${tplName}`);
  await admin.query(`create database ${tplName}`);
  const dir = '/tmp/s7prof/tpl';
  rmSync(dir, { recursive: true, force: true });
  const s = await createChainStore(dir, dbUrl(tplName), 'S001', realisticBaseData(5000));
  const t0 = performance.now();
  const n = await intakeAll(s, realisticNight({ store: 'S001', tills, ticketsPerTill: perTill, day: DAY, customers: 5000, seed: 100 }, emptyCounts()));
  await s.db.destroy();
  console.log(`template: ${n} tickets in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const dataDir = '/tmp/s7prof/run';
rmSync(dataDir, { recursive: true, force: true });
const name = `prof_run_${Date.now().toString(36)}`;
await admin.query(`create database ${name} template ${tplName}`);
mkdirSync(join(dataDir), { recursive: true });
const url = storeDbUrl(dbUrl(name), 'S001');
writeServerConfig(dataDir, { ...defaultConfig(dataDir, 'S001'), db: url });
const pmDir = (await admin.query('show data_directory')).rows[0].data_directory as string;
const postmaster = Number(readFileSync(join(pmDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
const hasPss = (await admin.query(`select 1 from pg_available_extensions where name = 'pg_stat_statements'`)).rowCount && (await admin.query(`show shared_preload_libraries`)).rows[0].shared_preload_libraries.includes('pg_stat_statements');
const runDb = new pg.Client({ connectionString: dbUrl(name) });
await runDb.connect();
if (hasPss) await runDb.query('create extension if not exists pg_stat_statements');
if (process.argv.includes('--cli')) {
  // The whole night as a chain worker runs it: `tillsync server nightly` in its own process.
  const { runTillsync } = await import('../cli/spawn-tillsync.ts');
  const p0 = clusterCpu(postmaster);
  const w0 = performance.now();
  const r = await runTillsync(['--json', 'server', 'nightly', '--data', dataDir, '--until', DAY]);
  const j = r.json as { steps: { step: string; seconds: number }[]; cpuSeconds: number; peakRssMb: number };
  console.log(`cli: exit ${r.code}, wall ${((performance.now() - w0) / 1000).toFixed(2)} s, node CPU ${j.cpuSeconds} s, PG CPU ${(clusterCpu(postmaster) - p0).toFixed(2)} s, peak ${j.peakRssMb} MB; steps ${j.steps.map((x) => `${x.step} ${x.seconds}`).join(', ')}`);
  await runDb.end();
  await admin.query(`drop database ${name}`);
  await admin.end();
  process.exit(0);
}
// --prof DIR: a CPU profile of each step apart (DIR/integrate.cpuprofile, …), through the inspector.
const profDir = arg('prof', '');
const session = profDir ? new inspector.Session() : null;
const post = (method: string) => new Promise((res, rej) => session!.post(method, (e, r) => (e ? rej(e) : res(r))));
if (session) {
  mkdirSync(profDir, { recursive: true });
  session.connect();
  await post('Profiler.enable');
}
const ctx = await openServerContext({ data: dataDir });
// As runNightly does: integration keeps the tickets it parsed, posting takes them.
const parsedTickets = new ParsedTickets();
try {
  for (const step of [integrationStep, postingStep, letteringStep, booksCheckNightlyStep]) {
    if (hasPss) await runDb.query('select pg_stat_statements_reset()');
    if (session) await post('Profiler.start');
    const c0 = process.cpuUsage();
    const p0 = clusterCpu(postmaster);
    const w0 = performance.now();
    const r = await step(ctx, { until: DAY, trigger: 'cli', batchesBefore: 0, parsedTickets });
    const wall = (performance.now() - w0) / 1000;
    const c = process.cpuUsage(c0);
    const p = clusterCpu(postmaster) - p0;
    if (session) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      writeFileSync(`${profDir}/${step === integrationStep ? 'integrate' : step === postingStep ? 'post' : step === letteringStep ? 'letter' : 'check'}.cpuprofile`, JSON.stringify(profile));
    }
    console.log(`\n== ${r.step}: wall ${wall.toFixed(2)} s, node CPU ${((c.user + c.system) / 1e6).toFixed(2)} s, PG CPU ${p.toFixed(2)} s — ${r.line}`);
    if (hasPss) {
      const rows = (await runDb.query(`select calls, round(total_exec_time::numeric, 0) as ms, rows, wal_bytes, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) as q from pg_stat_statements where query not like '%pg_stat_statements%' order by total_exec_time desc limit ${top}`)).rows;
      const tot = (await runDb.query(`select sum(calls) as calls, round(sum(total_exec_time)::numeric, 0) as ms, sum(wal_bytes) as wal from pg_stat_statements where query not like '%pg_stat_statements%'`)).rows[0];
      console.log(`   statements: ${tot.calls} calls, ${tot.ms} ms exec, WAL ${(Number(tot.wal) / 1e6).toFixed(1)} MB`);
      for (const x of rows) console.log(`   ${String(x.ms).padStart(7)} ms ${String(x.calls).padStart(6)} calls ${String(x.rows).padStart(7)} rows  ${x.q}`);
    }
  }
} finally {
  await ctx.db.destroy();
  await runDb.end();
  if (!process.argv.includes('--keep')) await admin.query(`drop database ${name}`);
  await admin.end();
}
