/**
 * SIGKILL of a real `tillsync` child process at a chosen moment of its work, and where the kill
 * landed. Starting node, tsx and the modules takes seconds and varies a lot on a busy machine,
 * while the work itself may take a tenth of that; a kill timed from the spawn would mostly hit
 * the startup. So the drill watches the child (Linux /proc) for the moment it opens the server
 * database — the SQLite file among its open files, or a TCP connection to the PostgreSQL port —
 * and times the kill from there, within the work duration measured on unkilled runs.
 *
 * Where it landed: 'before' the database was opened; 'during' the work; 'after' the work was done
 * (the process had exited, or the database already shows all of the work).
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { runTillsync, type RunResult } from '../cli/spawn-tillsync.ts';

export type Hit = 'before' | 'during' | 'after';

/** What the child opens when it starts its work. */
export type DbTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; port: number };

export function dbTarget(data: string, url?: string): DbTarget {
  if (url && /^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', port: Number(new URL(url).port || 5432) };
  const file = resolve(data, 'tillsync.sqlite');
  // /proc shows the real path of an open file.
  return { kind: 'sqlite', file: existsSync(file) ? realpathSync(file) : file };
}

function socketInodesTo(port: number): Set<string> {
  const out = new Set<string>();
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[2]?.endsWith(`:${hex}`)) out.add(cols[9]);
    }
  }
  return out;
}

/** Whether process `pid` has the server database open right now. */
export function hasDbOpen(pid: number, target: DbTarget): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  const links: string[] = [];
  for (const fd of fds) {
    try {
      links.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // closed meanwhile
    }
  }
  if (target.kind === 'sqlite') return links.includes(target.file);
  const sockets = links.map((l) => /^socket:\[(\d+)\]$/.exec(l)?.[1]).filter((x): x is string => !!x);
  if (!sockets.length) return false;
  const toPg = socketInodesTo(target.port);
  return sockets.some((s) => toPg.has(s));
}

/** When to kill: a fixed time after spawn (to land before the work), or a delay after the database is opened. */
export type KillPlan = { from: 'spawn'; ms: number } | { from: 'open'; ms: number };

export interface KilledRun extends RunResult {
  elapsedMs: number;
  /** When the child was first seen with the database open (ms after spawn), null if never. */
  openedAtMs: number | null;
  /** When the SIGKILL was sent, null when the child exited before. */
  killedAtMs: number | null;
}

const POLL_MS = 4;

/** Runs a command, watching for the database opening; kills it per `plan` (none: run to completion). */
export async function watchedRun(args: string[], opts: { target: DbTarget; plan?: KillPlan; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<KilledRun> {
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  let openedAtMs: number | null = null;
  let killedAtMs: number | null = null;
  let child: ChildProcess | null = null;
  let poll: NodeJS.Timeout | null = null;
  let timer: NodeJS.Timeout | null = null;
  const kill = () => {
    if (child && child.exitCode === null && child.signalCode === null && killedAtMs === null) {
      killedAtMs = since();
      child.kill('SIGKILL');
    }
  };
  try {
    const r = await runTillsync(args, {
      env: opts.env,
      timeoutMs: opts.timeoutMs ?? 300_000,
      onSpawn: (c) => {
        child = c;
        const plan = opts.plan;
        if (plan?.from === 'spawn') timer = setTimeout(kill, plan.ms);
        poll = setInterval(() => {
          if (openedAtMs !== null || !c.pid) return;
          if (hasDbOpen(c.pid, opts.target)) {
            openedAtMs = since();
            if (plan?.from === 'open') timer = setTimeout(kill, plan.ms);
          }
        }, POLL_MS);
      },
    });
    return { ...r, elapsedMs: since(), openedAtMs, killedAtMs };
  } finally {
    if (poll) clearInterval(poll);
    if (timer) clearTimeout(timer);
  }
}

/** Running estimate of a command's timing from its unkilled runs. */
export class WorkEstimate {
  private opens: number[] = [];
  private works: number[] = [];

  observe(run: KilledRun): void {
    if (run.code !== 0 || run.killedAtMs !== null) return;
    if (run.openedAtMs !== null) {
      this.opens.push(run.openedAtMs);
      this.works.push(Math.max(run.elapsedMs - run.openedAtMs, 1));
    }
  }

  get known(): boolean {
    return this.works.length > 0;
  }

  private static median(xs: number[], fallback: number): number {
    if (!xs.length) return fallback;
    const s = xs.slice(-5).sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  }

  /** Spawn → database open, ms. */
  get openMs(): number {
    return WorkEstimate.median(this.opens, 2000);
  }

  /** Database open → exit, ms. */
  get workMs(): number {
    return WorkEstimate.median(this.works, 300);
  }

  /**
   * Share of the work window before the commit: the work is measured up to the exit, and closing
   * the database and flushing output come after the commit. Narrowed when a kill timed inside the
   * window found everything already committed.
   */
  committedBy = 0.9;

  noteLanding(plan: KillPlan, landing: Landing): void {
    if (plan.from !== 'open' || landing.hit !== 'after') return;
    const at = plan.ms / this.workMs;
    if (at < this.committedBy) this.committedBy = Math.max(0.3, at * 0.9);
  }
}

/**
 * Mostly inside the work; about one kill in ten during the startup (before), one in ten at or past
 * the end (after): those edges are crashes too, and must be just as harmless.
 */
export function pickKillPlan(r: () => number, est: WorkEstimate): KillPlan {
  const x = r();
  if (x < 0.1) return { from: 'spawn', ms: Math.round(est.openMs * (0.2 + 0.6 * r())) };
  if (x >= 0.9) return { from: 'open', ms: Math.round(est.workMs * (est.committedBy + 0.4 * r())) };
  return { from: 'open', ms: Math.round(est.workMs * est.committedBy * r()) };
}

export interface Landing {
  hit: Hit;
  why: string;
}

/** @param committed how much of the work the database shows after the kill */
export function judgeLanding(run: KilledRun, committed: 'none' | 'part' | 'all'): Landing {
  if (run.killedAtMs === null) return { hit: 'after', why: `exited (${run.code}) before the kill` };
  if (committed === 'all') return { hit: 'after', why: 'all of the work was committed' };
  if (committed === 'part') return { hit: 'during', why: 'part of the work was committed' };
  if (run.openedAtMs !== null && run.openedAtMs <= run.killedAtMs) return { hit: 'during', why: `killed ${run.killedAtMs - run.openedAtMs} ms into the work, nothing committed` };
  return { hit: 'before', why: 'killed before the database was opened' };
}

/** Startup cost of the binary for a command: `--help` loads every module, then stops. */
export async function measureStartup(command: string[]): Promise<number> {
  const t0 = performance.now();
  const r = await runTillsync([...command, '--help'], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`tillsync ${command.join(' ')} --help failed: ${r.stderr.trim()}`);
  return Math.round(performance.now() - t0);
}
