/**
 * The kill drill: rounds of new tickets pushed through the store server's pipeline (intake →
 * integration → posting → lettering), one phase per round run as a real child process and
 * SIGKILLed at a seeded moment of its work, then rerun to completion; after every round the whole
 * database is checked (drill-checks.ts). A failed check throws a DrillFailure naming the round,
 * phase, kill moment and seed, so the round can be replayed.
 *
 * Round 0 runs every phase unkilled, as child processes, to calibrate when each command opens the
 * database and how long its work takes (drill-kill.ts). In later rounds the phases before the one
 * under test bring the round's tickets up to it — in this process by default (the same functions
 * the commands call; a child process start costs seconds), or as child processes with
 * `prep: 'child'`. Posting letters as it goes; so that lettering rounds crash real work, the
 * latest posting's letterings are removed first (books as an older version wrote them).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rng } from '../fixtures/random.ts';
import { buildTicketPackage } from '../sync/package-writer.ts';
import { sha256Hex } from '../sync/signed-zip.ts';
import { checkServerState, failedChecks, type DrillExpectation } from './drill-checks.ts';
import { DrillFailure } from './drill-failure.ts';
import { dbTarget, judgeLanding, pickKillPlan, watchedRun, WorkEstimate, type Hit, type KillPlan, type KilledRun } from './drill-kill.ts';
import { phaseArgs, phaseFingerprint, PIPELINE, runPhaseInProcess, unletterLatestPosting, type Phase, type PhaseInput } from './drill-phases.ts';
import type { Db } from '../server/db/database.ts';
import { initDrillServer, withDrillDb, type DrillServer } from './drill-server.ts';
import { DRILL_STORE, RoundTickets, type RoundBatch } from './drill-tickets.ts';

export interface DrillOptions {
  rounds: number;
  seed: number;
  ticketsPerRound: number;
  tills: number;
  /** Working folder (server data, packages); must be empty or absent. */
  dir: string;
  /** postgres://… URL of an empty database, or undefined for SQLite under dir. */
  db?: string;
  /** Phases to crash, in turn (default: all four). */
  phases?: Phase[];
  /** How the unkilled phases before the crashed one run (default in-process). */
  prep?: 'in-process' | 'child';
  log?: (line: string) => void;
  /** Told after each round (progress bars). */
  onRound?: (r: RoundReport) => void;
  /** Tests only: damage the database after a round's rerun, to prove the checks catch it. */
  faultForTest?: (round: number, db: Db) => Promise<void>;
}

export interface RoundReport {
  round: number;
  day: string;
  phase: Phase;
  plan: KillPlan;
  /** ms after spawn; null when the command finished before the kill. */
  killedAtMs: number | null;
  /** When the command opened the database, ms after spawn. */
  openedAtMs: number | null;
  hit: Hit;
  why: string;
  killedExit: { code: number | null; signal: string | null };
  rerunMs: number;
  checks: number;
}

export interface DrillReport {
  seed: number;
  engine: 'sqlite' | 'postgres';
  rounds: RoundReport[];
  hits: Record<Hit, number>;
  byPhase: Partial<Record<Phase, Record<Hit, number>>>;
  tickets: number;
  documents: number;
  entries: number;
  /** Per phase: median ms from spawn to opening the database, and of the work after it (round 0 and unkilled reruns). */
  timing: Partial<Record<Phase, { openMs: number; workMs: number }>>;
  elapsedMs: number;
  dir: string;
}

function describePlan(p: KillPlan): string {
  return p.from === 'spawn' ? `${p.ms} ms after spawn` : `${p.ms} ms after the database opened`;
}

export function describeRound(r: RoundReport): string {
  const when = r.killedAtMs === null ? 'not killed (finished first)' : `killed at ${r.killedAtMs} ms${r.openedAtMs !== null ? ` (db open at ${r.openedAtMs} ms)` : ''}`;
  return `round ${r.round} ${r.phase.padEnd(9)} ${when} → ${r.hit} (${r.why}); rerun ${r.rerunMs} ms; ${r.checks} checks passed`;
}

export async function runDrills(opts: DrillOptions): Promise<DrillReport> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const phases = opts.phases?.length ? opts.phases : PIPELINE;
  for (const p of phases) if (!PIPELINE.includes(p)) throw new Error(`unknown drill phase "${p}" (use ${PIPELINE.join(', ')})`);
  const lastPhase = Math.max(...phases.map((p) => PIPELINE.indexOf(p)));
  const r = rng(opts.seed);
  const engine = opts.db ? 'postgres' : 'sqlite';

  const data = join(opts.dir, 'server');
  const packagesDir = join(opts.dir, 'packages');
  mkdirSync(packagesDir, { recursive: true });
  const server: DrillServer = await initDrillServer(data, { tills: opts.tills, db: opts.db });
  const target = dbTarget(data, opts.db);
  const source = new RoundTickets({ tills: opts.tills, rounds: opts.rounds + 1, perRound: opts.ticketsPerRound, seed: opts.seed });
  const expect: DrillExpectation = { tickets: new Map(), packages: new Set(), integratedThrough: null, postedThrough: null };
  const estimates = new Map<Phase, WorkEstimate>(PIPELINE.map((p) => [p, new WorkEstimate()]));
  let pending: { file: string; sha: string; tickets: [string, string][] }[] = [];

  const writePackages = (batch: RoundBatch) => {
    for (const [till, tickets] of batch.byTill) {
      if (!tickets.length) continue;
      if (tickets[0].day !== batch.day) throw new Error(`drill tickets of round ${batch.round} are dated ${tickets[0].day}, expected ${batch.day}`);
      const pkg = buildTicketPackage({ store: DRILL_STORE, till, kind: 'degraded', tickets, signer: server.signers.get(till)!, created: new Date(`${batch.day}T20:00:00Z`) });
      const file = join(packagesDir, `round${String(batch.round).padStart(4, '0')}-${pkg.fileName}`);
      writeFileSync(file, pkg.bytes);
      pending.push({ file, sha: sha256Hex(pkg.bytes), tickets: tickets.map((t) => [t.id, t.hash]) });
    }
  };
  /** What must hold once `phase` has run to completion for the round of `day`. */
  const reached = (phase: Phase, day: string) => {
    if (phase === 'intake') {
      for (const p of pending) {
        expect.packages!.add(p.sha);
        for (const [id, hash] of p.tickets) expect.tickets.set(id, hash);
      }
      pending = [];
    }
    if (phase === 'integrate') expect.integratedThrough = day;
    if (phase === 'post') expect.postedThrough = day;
  };
  const input = (day: string): PhaseInput => ({ data, day, files: pending.map((p) => p.file) });
  const verify = async (round: number, phase: Phase | 'calibration', kill?: { plan: KillPlan; killedAtMs: number | null; hit: Hit }) => {
    const checks = await withDrillDb(server, (db) => checkServerState(db, expect, server.data));
    const failed = failedChecks(checks);
    if (failed.length) {
      const where = kill ? `, kill plan ${describePlan(kill.plan)}, killed at ${kill.killedAtMs === null ? 'never' : `${kill.killedAtMs} ms`}, hit ${kill.hit}` : '';
      throw new DrillFailure(`drill round ${round} (${phase}${where}, seed ${opts.seed}): ${failed[0].name}: ${failed[0].detail}${failed.length > 1 ? ` (+${failed.length - 1} more failed checks: ${failed.slice(1).map((c) => c.name).join('; ')})` : ''}`, {
        drill: 'kill',
        seed: opts.seed,
        round,
        phase,
        killAtMs: kill?.killedAtMs ?? undefined,
        hit: kill?.hit,
      });
    }
    return checks.length;
  };
  const runChild = async (phase: Phase, day: string, round: number): Promise<KilledRun> => {
    const run = await watchedRun(phaseArgs(phase, input(day)), { target });
    if (run.code !== 0) throw new DrillFailure(`drill round ${round} (${phase} unkilled, seed ${opts.seed}): ${phaseArgs(phase, input(day)).slice(0, 2).join(' ')} failed: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' ')}`, { drill: 'kill', seed: opts.seed, round, phase });
    estimates.get(phase)!.observe(run);
    return run;
  };

  // Round 0: every phase once, unkilled, to calibrate.
  const first = source.next();
  writePackages(first);
  for (const phase of PIPELINE.slice(0, lastPhase + 1)) {
    if (phase === 'letter') await withDrillDb(server, (db) => unletterLatestPosting(db));
    const run = await runChild(phase, first.day, 0);
    reached(phase, first.day);
    log(`calibration ${phase}: db open at ${run.openedAtMs ?? '?'} ms, exit at ${run.elapsedMs} ms`);
  }
  await verify(0, 'calibration');

  const rounds: RoundReport[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    const batch = source.next();
    writePackages(batch);
    const phase = phases[(round - 1) % phases.length];
    const day = batch.day;
    for (const prep of PIPELINE.slice(0, PIPELINE.indexOf(phase))) {
      if (opts.prep === 'child') await runChild(prep, day, round);
      else await withDrillDb(server, (db) => runPhaseInProcess(prep, db, input(day)));
      reached(prep, day);
    }
    if (phase === 'letter') await withDrillDb(server, (db) => unletterLatestPosting(db));

    const args = phaseArgs(phase, input(day));
    const fingerprint = () => withDrillDb(server, (db) => phaseFingerprint(phase, db, input(day)));
    const before = await fingerprint();
    const plan = pickKillPlan(r, estimates.get(phase)!);
    const killed = await watchedRun(args, { target, plan });
    if (killed.killedAtMs === null && killed.code !== 0) {
      throw new DrillFailure(`drill round ${round} (${phase}, seed ${opts.seed}): the command failed before any kill: ${(killed.stderr || killed.stdout).trim().split('\n').slice(-3).join(' ')}`, { drill: 'kill', seed: opts.seed, round, phase });
    }
    const afterKill = await fingerprint();
    const rerun = await watchedRun(args, { target });
    if (rerun.code !== 0) {
      throw new DrillFailure(`drill round ${round} (${phase}, kill plan ${describePlan(plan)}, seed ${opts.seed}): the rerun after the kill failed: ${(rerun.stderr || rerun.stdout).trim().split('\n').slice(-3).join(' ')}`, { drill: 'kill', seed: opts.seed, round, phase, killAtMs: killed.killedAtMs ?? undefined });
    }
    const done = await fingerprint();
    const committed = afterKill === before ? 'none' : afterKill === done ? 'all' : 'part';
    const landing = judgeLanding(killed, committed);
    if (committed === 'none' && done === before) landing.why += '; the phase had no work this round';
    if (committed === 'none') estimates.get(phase)!.observe(rerun);
    estimates.get(phase)!.noteLanding(plan, landing);
    reached(phase, day);
    if (opts.faultForTest) await withDrillDb(server, (db) => opts.faultForTest!(round, db));
    const checks = await verify(round, phase, { plan, killedAtMs: killed.killedAtMs, hit: landing.hit });
    const report: RoundReport = {
      round,
      day,
      phase,
      plan,
      killedAtMs: killed.killedAtMs,
      openedAtMs: killed.openedAtMs,
      hit: landing.hit,
      why: landing.why,
      killedExit: { code: killed.code, signal: killed.signal },
      rerunMs: rerun.elapsedMs,
      checks,
    };
    rounds.push(report);
    log(describeRound(report));
    opts.onRound?.(report);
  }

  const totals = await withDrillDb(server, async (db) => ({
    tickets: Number((await db.selectFrom('tickets').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    documents: Number((await db.selectFrom('documents').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    entries: Number((await db.selectFrom('entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  }));
  const hits: Record<Hit, number> = { before: 0, during: 0, after: 0 };
  const byPhase: DrillReport['byPhase'] = {};
  for (const x of rounds) {
    hits[x.hit]++;
    const b = (byPhase[x.phase] ??= { before: 0, during: 0, after: 0 });
    b[x.hit]++;
  }
  const timing: DrillReport['timing'] = {};
  for (const p of PIPELINE.slice(0, lastPhase + 1)) {
    const e = estimates.get(p)!;
    if (e.known) timing[p] = { openMs: e.openMs, workMs: e.workMs };
  }
  return { seed: opts.seed, engine, rounds, hits, byPhase, ...totals, timing, elapsedMs: Math.round(performance.now() - t0), dir: opts.dir };
}
