/**
 * `tillsync drill`: the fault drills for long runs (the test suite runs them small). By default
 * the kill drill only; `--drills all` adds the till crash, the four channels, corrupt files, the
 * clock an hour off, the disk full (that one needs root for its tmpfs) and the security drill
 * (issue 13's attacks on a real till and server: drill-security.ts).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { TillsyncError } from '../sync/errors.ts';
import { run } from '../cli/output.ts';
import { isDrillFailure } from './drill-failure.ts';
import { PIPELINE, type Phase } from './drill-pipeline.ts';
import type { DrillReport } from './drill-runner.ts';

export const OTHER_DRILLS = ['till-crash', 'channels', 'corrupt', 'clock', 'disk-full', 'security'] as const;
type DrillName = 'kill' | (typeof OTHER_DRILLS)[number];

interface DrillOpts {
  rounds: string;
  seed: string;
  tickets: string;
  tills: string;
  db?: string;
  keep?: string;
  phases?: string;
  prep?: string;
  drills?: string;
}

function whole(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new TillsyncError('usage', `--${name} ${v} is not a whole number ≥ ${min}`, { hint: `e.g. --${name} ${Math.max(min, 10)}` });
  return n;
}

function list<T extends string>(name: string, v: string | undefined, allowed: readonly T[], all: readonly T[]): T[] | undefined {
  if (!v) return undefined;
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 1 && items[0] === 'all') return [...all];
  for (const i of items) if (!allowed.includes(i as T)) throw new TillsyncError('usage', `--${name}: unknown "${i}"`, { hint: `use a comma-separated list of ${allowed.join(', ')}${name === 'drills' ? ', or all' : ''}` });
  return items as T[];
}

async function runOther(name: (typeof OTHER_DRILLS)[number], dir: string, seed: number, db: string | undefined, log: (l: string) => void): Promise<unknown> {
  const sub = join(dir, name);
  mkdirSync(sub, { recursive: true });
  switch (name) {
    case 'till-crash':
      return (await import('./drill-till-crash.ts')).runTillCrashDrill({ dir: sub, seed, log });
    case 'channels':
      return (await import('./drill-channels.ts')).runChannelsDrill({ dir: sub, seed, db, log });
    case 'corrupt':
      return (await import('./drill-corrupt.ts')).runCorruptDrill({ dir: sub, seed, db, log });
    case 'clock':
      return (await import('./drill-clock.ts')).runClockDrill({ dir: sub, seed, db, log });
    case 'disk-full':
      return (await import('./drill-disk-full.ts')).runDiskFullDrill({ dir: sub, seed, log });
    case 'security':
      return (await import('./drill-security.ts')).runSecurityDrill({ dir: sub, seed, log });
  }
}

/** One line per other drill, from its report. */
function describeOther(name: string, rep: any): string {
  switch (name) {
    case 'till-crash':
      return `till-crash drill: passed — ${rep.cycles.length} kill(s) during bursts of sales (${rep.cycles.map((c: any) => c.acknowledged).join('+')} acknowledged, ${rep.cycles.map((c: any) => c.unanswered).join('+')} cut off), ${rep.totalTickets} tickets gapless and chained`;
    case 'channels':
      return `channels drill: passed — ${rep.tickets} tickets by ${rep.order.join(' → ')}, each stored once (first arrivals: ${Object.entries(rep.storedBy).map(([c, n]) => `${c} ${n}`).join(', ')})`;
    case 'corrupt':
      return `corrupt drill: passed — ${rep.good} good packages taken, ${rep.bad.length} bad ones quarantined (${rep.bad.map((b: any) => `${b.kind}: ${b.reason}`).join(', ')})`;
    case 'clock':
      return `clock drill: passed — ${rep.tickets} tickets, ${rep.shiftedAcrossMidnight} moved across midnight by a wrong clock, integrated by their day (up to ${rep.daysIntegrated.join(', then ')}), ${rep.documents} documents`;
    case 'disk-full':
      return `disk-full drill: passed — extraction into ${rep.freeBytes} free bytes failed cleanly ("${rep.error}"), then all ${rep.extractedAfterwards} tickets extracted`;
    case 'security':
      return `security drill: passed — ${rep.attacks.length} attacks refused, logged, good traffic unharmed (${rep.attacks.map((a: any) => a.attack).join(', ')})${rep.healthMaxMs !== null ? `; /api/health at worst ${Math.round(rep.healthMaxMs)} ms under oversized bodies` : ''}`;
    default:
      return `${name} drill: passed`;
  }
}

function summary(k: DrillReport): string {
  const phases = Object.entries(k.byPhase)
    .map(([p, h]) => `${p} ${h!.before}/${h!.during}/${h!.after}`)
    .join(', ');
  return [
    `kill drill: ${k.rounds.length} round(s) on ${k.engine}, seed ${k.seed}: every check passed`,
    `  kills landing before/during/after the work: ${k.hits.before}/${k.hits.during}/${k.hits.after} (${phases})`,
    `  server holds ${k.tickets} tickets, ${k.documents} documents, ${k.entries} entries`,
    `  timing per command (db open / work, ms): ${Object.entries(k.timing).map(([p, t]) => `${p} ${t!.openMs}/${t!.workMs}`).join(', ')}`,
    `  ${Math.round(k.elapsedMs / 1000)} s`,
  ].join('\n');
}

export function registerDrillCommand(program: Command): void {
  program
    .command('drill')
    .description('fault drills: SIGKILL the server during intake, integration, posting and lettering, rerun, and check nothing is lost or doubled')
    .option('--rounds <n>', 'kill rounds', '20')
    .option('--seed <n>', 'seed of the tickets and kill moments (a failure names it: rerun with it to replay)', '1')
    .option('--tickets <n>', 'new tickets per till per round', '50')
    .option('--tills <n>', 'tills', '2')
    .option('--db <url>', 'postgres://… of an EMPTY database to drill on (default: SQLite in the working folder)')
    .option('--keep <dir>', 'work in this folder and keep it (default: a temp folder, removed after success)')
    .option('--phases <list>', `phases to crash in turn: ${PIPELINE.join(',')}`)
    .option('--prep <how>', 'run the phases before the crashed one in-process (fast, default) or as child processes (child)', 'in-process')
    .option('--drills <list>', `which drills: kill (default), ${OTHER_DRILLS.join(', ')}, or all`)
    .action(
      run<DrillOpts>(async (opts, ctx) => {
        const rounds = whole('rounds', opts.rounds, 1);
        const seed = whole('seed', opts.seed, 0);
        const tickets = whole('tickets', opts.tickets, 1);
        const tills = whole('tills', opts.tills, 1);
        const phases = list<Phase>('phases', opts.phases, PIPELINE, PIPELINE);
        const drills = list<DrillName>('drills', opts.drills, ['kill', ...OTHER_DRILLS], ['kill', ...OTHER_DRILLS]) ?? ['kill'];
        if (opts.prep !== 'in-process' && opts.prep !== 'child') throw new TillsyncError('usage', `--prep ${opts.prep}: use in-process or child`, { hint: 'e.g. --prep child' });
        if (opts.db && !/^postgres(ql)?:\/\//.test(opts.db)) throw new TillsyncError('usage', `--db ${opts.db} is not a postgres:// URL`, { hint: 'leave --db out to drill on SQLite' });
        let dir: string;
        if (opts.keep) {
          dir = resolve(opts.keep);
          mkdirSync(dir, { recursive: true });
          if (readdirSync(dir).length) throw new TillsyncError('usage', `--keep ${dir} is not empty`, { hint: 'give a new or empty folder' });
        } else dir = mkdtempSync(join(tmpdir(), 'tillsync-drill-'));

        const lines: string[] = [];
        const tty = Boolean(process.stdout.isTTY) && !ctx.json;
        // On a TTY the bar shows progress and the round lines come at the end; elsewhere they stream.
        const say = (line: string) => (tty ? lines.push(line) : ctx.say(line));
        const bar = drills.includes('kill') ? ctx.progress('drill', rounds) : null;
        const out: { kill?: DrillReport; others: Record<string, unknown>; dir: string; kept: boolean } = { others: {}, dir, kept: Boolean(opts.keep) };
        try {
          if (drills.includes('kill')) {
            const { runDrills } = await import('./drill-runner.ts');
            out.kill = await runDrills({ rounds, seed, ticketsPerRound: tickets, tills, dir: join(dir, 'kill'), db: opts.db, phases, prep: opts.prep, log: say, onRound: () => bar?.tick() });
            bar?.done();
          }
          for (const name of OTHER_DRILLS) {
            if (!drills.includes(name)) continue;
            // The other drills each need a database of their own: they run on SQLite.
            out.others[name] = await runOther(name, dir, seed, undefined, say);
          }
        } catch (e) {
          bar?.done();
          if (tty) for (const l of lines) process.stdout.write(`${l}\n`);
          const message = (e as Error).message.replace(/\s*\n\s*/g, ' ');
          throw new TillsyncError(isDrillFailure(e) ? 'drill-failed' : 'drill-error', message, { hint: `replay: tillsync drill --seed ${seed} --rounds ${rounds} --tickets ${tickets} --tills ${tills}${opts.phases ? ` --phases ${opts.phases}` : ''}; files kept in ${dir}` });
        }
        if (!opts.keep) rmSync(dir, { recursive: true, force: true });
        const text = [...(tty ? lines : []), ...(out.kill ? [summary(out.kill)] : []), ...Object.entries(out.others).map(([n, rep]) => describeOther(n, rep)), opts.keep ? `files kept in ${dir}` : ''].filter(Boolean).join('\n');
        return { data: out, text };
      }),
    );
}

