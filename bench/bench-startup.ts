/**
 * Start-up bench: how long a light command takes from process spawn to exit, as a user runs it
 * (`node bin/tillsync.mjs …`), beside `node -e 0` (the floor: Node itself). Median of several runs
 * after one unmeasured warm-up run each, so the OS file cache and tsx's transform cache (when the
 * sources run through tsx) are warm: the figure is the warm start-up. The runs go in rounds (the
 * floor and each command once per round), so all see the same load on a shared machine. The till
 * and server folders are made first, untimed.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { TILLSYNC_BIN } from '../cli/spawn-tillsync.ts';
import type { BenchSection, Figure } from './bench-report.ts';
import { statusSnapshotPath } from '../client/store/status-snapshot.ts';
// Plain JavaScript shared with bin/tillsync.mjs: which build a start-up runs.
import { freshBuild } from '../bin/dist-build.mjs';

export const STARTUP_TARGET_MS = 300;

export interface StartupOptions {
  runs: number;
  dir: string;
  log?: (s: string) => void;
}

export interface StartupResult {
  runs: number;
  /** How bin/tillsync.mjs starts here: the bundled build in dist/, or the sources through tsx (and why). */
  path: string;
  floorMs: number;
  commands: { name: string; args: string[]; medianMs: number; samplesMs: number[] }[];
  /** `tillsync --help` with TILLSYNC_NO_DIST=1: the sources through tsx. */
  tsxHelpMs: number;
  /** `till status` without its status snapshot (as after a change to the store): it opens the store. */
  tillStatusOpeningMs: number;
  /** 1, 5 and 15 minute load averages at the end: the machine may be shared. */
  load: number[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Wall time of one process run in ms; a failing command fails the bench (a fast error is no start-up figure). */
function timeOnce(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`startup bench: node ${args.join(' ')} exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
  return ms;
}

interface Probe {
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Runs untimed ahead of each run (the warm-up included). */
  before?: () => void;
}

/**
 * Samples of each probe, taken in rounds (one run of each probe per round, after one warm-up run
 * each): on a shared machine whose load changes, the floor and the commands see the same load.
 */
function sampleInRounds(probes: Probe[], runs: number): number[][] {
  const once = (p: Probe) => {
    p.before?.();
    return timeOnce(p.args, p.env);
  };
  probes.forEach(once);
  const samples = probes.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) probes.forEach((p, j) => samples[j].push(once(p)));
  return samples;
}

export function benchStartup(o: StartupOptions): StartupResult {
  const till = join(o.dir, 'startup-till');
  const server = join(o.dir, 'startup-server');
  timeOnce([TILLSYNC_BIN, 'till', 'init', '--data', till, '--store', 'S1', '--till', '01', '--articles', '20']);
  timeOnce([TILLSYNC_BIN, 'server', 'init', '--data', server]);
  const built = freshBuild();
  const path = built.url ? 'dist (bundled build, fresh)' : `sources through tsx (${built.reason})`;
  o.log?.(`startup: ${o.runs} runs each, ${path}`);
  const light = [
    { name: 'tillsync --help', args: ['--help'] },
    { name: 'tillsync till status', args: ['till', 'status', '--data', till] },
    { name: 'tillsync server status', args: ['server', 'status', '--data', server] },
  ];
  const [floor, ...rest] = sampleInRounds(
    [
      { args: ['-e', '0'] },
      ...light.map((c) => ({ args: [TILLSYNC_BIN, ...c.args] })),
      // The fallback a stale or missing build takes, for comparison (tsx's transform cache warm).
      { args: [TILLSYNC_BIN, '--help'], env: { ...process.env, TILLSYNC_NO_DIST: '1' } },
      // The status after a change to the store (a sale, replication…): no valid snapshot, RxDB loads.
      { args: [TILLSYNC_BIN, 'till', 'status', '--data', till], before: () => rmSync(statusSnapshotPath(till), { force: true }) },
    ],
    o.runs,
  );
  const commands = light.map((c, i) => ({ ...c, medianMs: median(rest[i]), samplesMs: rest[i] }));
  const [tsx, opening] = rest.slice(light.length);
  return { runs: o.runs, path, floorMs: median(floor), commands, tsxHelpMs: median(tsx), tillStatusOpeningMs: median(opening), load: loadavg() };
}

export function startupSection(r: StartupResult): BenchSection {
  const figures: Figure[] = r.commands.map((c) => ({
    name: `${c.name} (median wall)`,
    value: c.medianMs,
    unit: 'ms',
    floor: r.floorMs,
    target: `≤ ${STARTUP_TARGET_MS} ms`,
    met: c.medianMs <= STARTUP_TARGET_MS,
    note: `runs ${c.samplesMs.map((x) => x.toFixed(0)).join(', ')} ms; floor = node -e 0`,
  }));
  figures.push({ name: 'tillsync --help through tsx (TILLSYNC_NO_DIST=1, no build)', value: r.tsxHelpMs, unit: 'ms', floor: r.floorMs, note: 'what a missing or stale build falls back to; tsx transform cache warm' });
  figures.push({ name: 'tillsync till status after a change to the store (opens it)', value: r.tillStatusOpeningMs, unit: 'ms', floor: r.floorMs, note: 'the status snapshot removed before each run, as a sale or a replication does: RxDB loads and the store is read (docs/till.md)' });
  return {
    title: 'Start-up: spawn to exit of light commands',
    params: { runs: r.runs, 'start-up path': r.path, 'machine load': `load average ${r.load.map((x) => x.toFixed(1)).join(' / ')} at the end (a shared machine)` },
    figures,
  };
}
