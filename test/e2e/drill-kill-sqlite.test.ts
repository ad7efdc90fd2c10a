/**
 * Fault drill, SQLite: 12 rounds, each SIGKILLs one real `tillsync server …` child process
 * (intake, integrate, post, letter in turn) at a seeded moment of its work, reruns it, and checks
 * the whole database (runDrills throws on the first broken check). Three kills per command cover
 * what twenty did (every command killed mid-work, the whole database checked after each rerun) at
 * 60 % of the cost; `tillsync drill --rounds N` (20 by default) runs longer drills by hand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDrills } from '../../drills/drill-runner.ts';
import { PIPELINE } from '../../drills/drill-phases.ts';

const dir = mkdtempSync(join(tmpdir(), 'tillsync-drill-kill-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROUNDS = 12;

describe('kill drill on SQLite', () => {
  it('12 kills across intake, integration, posting and lettering lose and double nothing', async () => {
    const report = await runDrills({ rounds: ROUNDS, seed: 20261102, ticketsPerRound: 15, tills: 2, dir });
    expect(report.rounds).toHaveLength(ROUNDS);
    for (const phase of PIPELINE) expect(report.rounds.filter((r) => r.phase === phase)).toHaveLength(ROUNDS / 4);
    // Every generated ticket is on the server (calibration round + the rounds, 2 tills).
    expect(report.tickets).toBe((ROUNDS + 1) * 15 * 2);
    expect(report.documents).toBeGreaterThan(0);
    expect(report.entries).toBeGreaterThan(0);
    // The kills really crash commands mid-work, not only before they start or after they end (the
    // plan aims 8 kills in 10 inside the work: drills/drill-kill.ts pickKillPlan; same shares as
    // the 12 of 20 killed and 8 of 20 during asked of the longer drill).
    expect(report.rounds.filter((r) => r.killedAtMs !== null).length).toBeGreaterThanOrEqual(7);
    expect(report.hits.during).toBeGreaterThanOrEqual(5);
  }, 600_000);
});

describe('kill drill catches what it checks', () => {
  it('a ticket lost after a round stops the drill with round, phase, kill moment and seed', async () => {
    const failing = join(dir, 'failing');
    const run = runDrills({
      rounds: 2,
      seed: 99,
      ticketsPerRound: 5,
      tills: 1,
      dir: failing,
      phases: ['intake'],
      faultForTest: async (round, db) => {
        if (round === 1) await db.deleteFrom('tickets').where('id', '=', 'S1-01-00000008').execute();
      },
    });
    await expect(run).rejects.toThrow(/^drill round 1 \(intake, kill plan \d+ ms after (spawn|the database opened), killed at (\d+ ms|never), hit (before|during|after), seed 99\): every ticket stored exactly once: S1-01-00000008 missing/);
  }, 300_000);
});
