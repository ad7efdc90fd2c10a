import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from '../fixtures/random.ts';
import { dbTarget, hasDbOpen, judgeLanding, pickKillPlan, WorkEstimate, type KilledRun } from './drill-kill.ts';

const dir = mkdtempSync(join(tmpdir(), 'tillsync-drill-kill-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(over: Partial<KilledRun>): KilledRun {
  return { code: null, signal: 'SIGKILL', stdout: '', stderr: '', json: undefined, elapsedMs: 3000, openedAtMs: 2000, killedAtMs: 2100, ...over };
}

describe('kill timing', () => {
  it('sees a process holding the SQLite database open (Linux /proc)', () => {
    const db = new BetterSqlite3(join(dir, 'tillsync.sqlite'));
    db.exec('create table t (x)');
    try {
      expect(hasDbOpen(process.pid, dbTarget(dir))).toBe(true);
      expect(hasDbOpen(process.pid, dbTarget(join(dir, 'elsewhere')))).toBe(false);
    } finally {
      db.close();
    }
    expect(hasDbOpen(process.pid, dbTarget(dir))).toBe(false);
  });

  it('aims most kills inside the work window, some before and after it', () => {
    const est = new WorkEstimate();
    est.observe(run({ code: 0, signal: null, killedAtMs: null, openedAtMs: 2000, elapsedMs: 2400 }));
    expect(est.openMs).toBe(2000);
    expect(est.workMs).toBe(400);
    const r = rng(1);
    const plans = Array.from({ length: 1000 }, () => pickKillPlan(r, est));
    const fromSpawn = plans.filter((p) => p.from === 'spawn');
    const inside = plans.filter((p) => p.from === 'open' && p.ms < 360);
    expect(fromSpawn.length).toBeGreaterThan(60);
    expect(fromSpawn.length).toBeLessThan(140);
    for (const p of fromSpawn) expect(p.ms).toBeLessThan(2000);
    expect(inside.length).toBeGreaterThan(750);
  });

  it('narrows the window when a kill inside it found the work already committed', () => {
    const est = new WorkEstimate();
    est.observe(run({ code: 0, signal: null, killedAtMs: null, openedAtMs: 1000, elapsedMs: 1200 }));
    est.noteLanding({ from: 'open', ms: 100 }, { hit: 'after', why: 'all of the work was committed' });
    expect(est.committedBy).toBeCloseTo(0.45);
    // Before: in-window kills spread over 0–180 ms (about 40 % under 90). After: 0–90 ms.
    const r = rng(2);
    const plans = Array.from({ length: 1000 }, () => pickKillPlan(r, est));
    expect(plans.filter((p) => p.from === 'open' && p.ms <= 90).length).toBeGreaterThan(750);
  });

  it('judges where a kill landed from what the database shows', () => {
    expect(judgeLanding(run({ killedAtMs: null, code: 0, signal: null }), 'all').hit).toBe('after');
    expect(judgeLanding(run({}), 'all').hit).toBe('after');
    expect(judgeLanding(run({}), 'part').hit).toBe('during');
    expect(judgeLanding(run({ openedAtMs: 2000, killedAtMs: 2100 }), 'none')).toEqual({ hit: 'during', why: 'killed 100 ms into the work, nothing committed' });
    expect(judgeLanding(run({ openedAtMs: null, killedAtMs: 900 }), 'none').hit).toBe('before');
  });
});
