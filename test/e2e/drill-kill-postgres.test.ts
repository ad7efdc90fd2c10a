/** Fault drill on PostgreSQL: one kill round per phase, the server database on a real cluster. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDrills } from '../../drills/drill-runner.ts';
import { openTestDb, TEST_ENGINES } from '../support/test-databases.ts';

const dir = mkdtempSync(join(tmpdir(), 'tillsync-drill-kill-pg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Like the store suites: PostgreSQL whenever the test setup provides it (always in CI).
for (const engine of TEST_ENGINES.filter((e) => e === 'postgres')) describe(`kill drill on ${engine}`, () => {
  it('a kill in each of intake, integration, posting and lettering loses and doubles nothing', async () => {
    const pg = await openTestDb('postgres');
    try {
      const report = await runDrills({ rounds: 4, seed: 7, ticketsPerRound: 15, tills: 2, dir, db: pg.url });
      expect(report.engine).toBe('postgres');
      expect(report.rounds.map((r) => r.phase)).toEqual(['intake', 'integrate', 'post', 'letter']);
      expect(report.tickets).toBe(5 * 15 * 2);
      expect(report.rounds.filter((r) => r.killedAtMs !== null).length).toBeGreaterThanOrEqual(3);
    } finally {
      await pg.cleanup();
    }
  }, 300_000);
});
