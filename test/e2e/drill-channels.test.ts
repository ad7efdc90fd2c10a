import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHANNELS, runChannelsDrill } from '../../drills/drill-channels.ts';

const dir = mkdtempSync(join(tmpdir(), 'tillsync-drill-channels-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('drill: the same tickets by replication, LAN inbox, HTTP upload and mail, in a seeded order', () => {
  it('stores each ticket exactly once', async () => {
    // Seed 8 puts replication in the middle: packages before it bring the tickets, replication and the rest find them known.
    const report = await runChannelsDrill({ dir, seed: 8, sales: 24 });
    expect([...report.order].sort()).toEqual([...CHANNELS].sort());
    expect(report.tickets).toBe(24);
    expect(report.packages).toHaveLength(3);
    expect(Object.values(report.storedBy).reduce((a, b) => a + b, 0)).toBe(24);
    // Whichever came first brought the tickets; the others only found duplicates.
    expect(report.packages.reduce((a, p) => a + p.duplicates, 0)).toBeGreaterThan(0);
  }, 240_000);
});
