/**
 * SIGKILL of a real `tillsync` child process at a chosen moment, and where the kill landed
 * relative to the command's work. A command's work cannot be seen from outside exactly, so the
 * moment is judged from evidence, best first: the process had already exited (after); the
 * database shows all of the work (after), part of it (during) or none; files in the data folder
 * (day log, inbox moves) changed before the kill (during); else the kill time against the
 * calibrated start of the work.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runTillsync, type RunResult } from './spawn-tillsync.ts';

export type Hit = 'before' | 'during' | 'after';
export type HitEvidence = 'exited' | 'all-committed' | 'part-committed' | 'activity' | 'timing';

/** Names and sizes of the files under the watched folders (SQLite's own files left out: opening the database touches them). */
export function folderFingerprint(dirs: string[]): string {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names.sort()) {
      if (/\.sqlite(-wal|-shm|-journal)?$/.test(n)) continue;
      const p = join(dir, n);
      try {
        const st = statSync(p);
        if (st.isDirectory()) {
          if (depth < 4) walk(p, depth + 1);
        } else out.push(`${p}:${st.size}`);
      } catch {
        // Moved away while we looked: that is activity too, seen on the next poll.
      }
    }
  };
  for (const d of dirs) walk(d, 0);
  return out.join('\n');
}

export interface TimedRun extends RunResult {
  elapsedMs: number;
  /** First moment (ms after spawn) the watched folders changed, null if they never did. */
  firstActivityMs: number | null;
}

const POLL_MS = 15;

/** Runs the command to completion (or kills it at `killAtMs`), watching folders for the first sign of work. */
export async function timedRun(args: string[], opts: { watch: string[]; killAtMs?: number; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<TimedRun> {
  const before = folderFingerprint(opts.watch);
  const t0 = performance.now();
  let firstActivityMs: number | null = null;
  const poll = setInterval(() => {
    if (firstActivityMs !== null) return;
    if (folderFingerprint(opts.watch) !== before) firstActivityMs = Math.round(performance.now() - t0);
  }, POLL_MS);
  try {
    const r = await runTillsync(args, { killAfterMs: opts.killAtMs, env: opts.env, timeoutMs: opts.timeoutMs ?? 300_000 });
    const elapsedMs = Math.round(performance.now() - t0);
    if (firstActivityMs === null && folderFingerprint(opts.watch) !== before && r.signal === null) firstActivityMs = elapsedMs;
    return { ...r, elapsedMs, firstActivityMs };
  } finally {
    clearInterval(poll);
  }
}

export interface Window {
  /** When the command's work starts, ms after spawn (startup of node + tsx + modules before it). */
  startMs: number;
  /** When the command has exited after finishing its work. */
  endMs: number;
}

/**
 * Running estimate of a command's work window: the start from the first sign of activity (or the
 * startup of `--help`), the end from unkilled runs doing a full round of work.
 */
export class WindowEstimate {
  private starts: number[] = [];
  private ends: number[] = [];

  constructor(private readonly startupMs: number) {}

  observeFull(run: TimedRun): void {
    if (run.code !== 0) return;
    if (run.firstActivityMs !== null) this.starts.push(Math.min(run.firstActivityMs, run.elapsedMs));
    this.ends.push(run.elapsedMs);
  }

  get known(): boolean {
    return this.ends.length > 0;
  }

  window(): Window {
    const recent = (xs: number[]) => xs.slice(-5);
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s[Math.floor(s.length / 2)];
    };
    // Activity shows a little after the work began (files are written as it goes): take the
    // earlier of that and the bare startup.
    const start = this.starts.length ? Math.min(median(recent(this.starts)), Math.max(this.startupMs, median(recent(this.starts)) * 0.85)) : this.startupMs;
    const end = this.ends.length ? median(recent(this.ends)) : start * 1.5;
    return { startMs: Math.round(Math.min(start, end * 0.95)), endMs: Math.round(Math.max(end, start + 20)) };
  }
}

/**
 * The kill moment: mostly inside the work window, sometimes just before or just after it (those
 * edges are crashes too, and the drill must show they are harmless).
 */
export function pickKillMoment(r: () => number, w: Window): number {
  const span = Math.max(w.endMs - w.startMs, 20);
  const x = r();
  if (x < 0.1) return Math.round(w.startMs - r() * Math.min(w.startMs * 0.3, 600));
  if (x > 0.92) return Math.round(w.endMs + r() * span * 0.3);
  return Math.round(w.startMs + r() * span);
}

export interface Judgement {
  hit: Hit;
  evidence: HitEvidence;
}

/**
 * @param committed how much of the work the database shows after the kill: 'none' | 'part' | 'all'
 */
export function judgeHit(run: TimedRun, killAtMs: number, committed: 'none' | 'part' | 'all', w: Window): Judgement {
  if (run.signal !== 'SIGKILL') return { hit: 'after', evidence: 'exited' };
  if (committed === 'all') return { hit: 'after', evidence: 'all-committed' };
  if (committed === 'part') return { hit: 'during', evidence: 'part-committed' };
  if (run.firstActivityMs !== null && run.firstActivityMs <= killAtMs) return { hit: 'during', evidence: 'activity' };
  return { hit: killAtMs >= w.startMs ? 'during' : 'before', evidence: 'timing' };
}

/** Startup cost of the binary for a command: `--help` parses and loads everything, then stops. */
export async function measureStartup(command: string[]): Promise<number> {
  const t0 = performance.now();
  const r = await runTillsync([...command, '--help'], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`tillsync ${command.join(' ')} --help failed: ${r.stderr.trim()}`);
  return Math.round(performance.now() - t0);
}
