/** The benchmark itself works on both engines (tiny size; no speed asserted here — figures are printed by the bench). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pgAdminUrl, TEST_ENGINES } from '../test/support/test-databases.ts';
import { benchIntegrate } from './bench-integrate.ts';

for (const engine of TEST_ENGINES) {
  describe(`benchIntegrate (${engine})`, () => {
    it('loads, integrates every generated ticket, measures the floor and reports', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tillsync-bench-'));
      try {
        const lines: string[] = [];
        const r = await benchIntegrate({ tills: 2, ticketsPerTill: 300, dir, pgUrl: engine === 'postgres' ? pgAdminUrl() : undefined, log: (l) => lines.push(l) });
        expect(r).toMatchObject({ engine, tickets: 600 });
        // 2 tills × 6 customers of the generator, one day: one invoice each.
        expect(r.documents).toBe(12);
        for (const k of ['seconds', 'floorSeconds', 'ticketsPerSecond', 'floorTicketsPerSecond', 'peakRssMB', 'ratio'] as const) expect(r[k]).toBeGreaterThan(0);
        expect(lines.at(-1)).toContain('tickets/s');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
