import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTillCrashDrill } from '../../drills/drill-till-crash.ts';

const dir = mkdtempSync(join(tmpdir(), 'tillsync-drill-till-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('drill: till killed during a burst of sales', () => {
  it('keeps every acknowledged sale, gapless and chained, and sells on after the restart', async () => {
    const report = await runTillCrashDrill({ dir, seed: 11, kills: 2, salesPerBurst: 30, concurrency: 4 });
    expect(report.cycles).toHaveLength(2);
    for (const c of report.cycles) {
      expect(c.acknowledged).toBeGreaterThan(0);
      expect(c.storedAfterRestart).toBeGreaterThanOrEqual(c.acknowledged);
    }
    // Both bursts' acknowledged sales plus the one sold after the last restart.
    expect(report.totalTickets).toBeGreaterThanOrEqual(report.cycles[0].acknowledged + report.cycles[1].acknowledged + 1);
  }, 120_000);
});
