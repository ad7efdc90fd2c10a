/** The posting benchmark itself works on both engines (tiny size; no speed asserted here — figures are printed by the bench). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateVolume } from '../fixtures/volume.ts';
import { pgAdminUrl, TEST_ENGINES } from '../test/support/test-databases.ts';
import { benchPost } from './bench-post.ts';
import { volumeShape } from './bench-post-volume.ts';

for (const engine of TEST_ENGINES) {
  describe(`benchPost (${engine})`, () => {
    it('stores the volume in parallel, integrates, posts and letters every ticket in a child process, measures the floor', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tillsync-bench-post-'));
      try {
        const lines: string[] = [];
        const r = await benchPost({ tickets: 1500, dir, pgUrl: engine === 'postgres' ? pgAdminUrl() : undefined, log: (l) => lines.push(l) });
        expect(r).toMatchObject({ engine, tickets: 1500, tills: 1, days: 5 });
        // One till, five days, the generator's six customers: one invoice per customer and day.
        expect(r.documents).toBe(30);
        expect(r.settlements).toBe(1500);
        for (const k of ['seconds', 'cpuSeconds', 'floorSeconds', 'ticketsPerSecond', 'floorTicketsPerSecond', 'peakRssMB', 'ratio'] as const) expect(r[k]).toBeGreaterThan(0);
        expect(lines.some((l) => l.includes('posted:'))).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

describe('bench volume', () => {
  it('is the generator volume, whatever the number of processes storing it', () => {
    const shape = volumeShape(60_000);
    expect(shape).toEqual({ tickets: 60_000, tills: 2, perTill: 30_000, days: 5, seed: 11 });
  });

  it('the parallel store holds exactly the tickets generateVolume makes (checked on a small volume)', async () => {
    const { storeVolume } = await import('./bench-post-volume.ts');
    const { openDatabase } = await import('../server/db/database.ts');
    const dir = mkdtempSync(join(tmpdir(), 'tillsync-bench-vol-'));
    try {
      const db = await openDatabase({ data: dir });
      await db.destroy();
      // 3 tills of 40 tickets, the last till cut short at 100 tickets in all.
      const shape = { tickets: 100, tills: 3, perTill: 40, days: 2, seed: 5 };
      expect(await storeVolume(shape, { file: join(dir, 'tillsync.sqlite') })).toBe(100);
      const want: string[] = [];
      for (const t of generateVolume({ tills: 3, ticketsPerTill: 40, days: 2, seed: 5 })) if (want.length < 100) want.push(`${t.id} ${t.hash}`);
      const db2 = await openDatabase({ data: dir });
      const got = (await db2.selectFrom('tickets').select(['id', 'hash']).orderBy('id').execute()).map((r) => `${r.id} ${r.hash}`);
      await db2.destroy();
      expect(got).toEqual(want.sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
