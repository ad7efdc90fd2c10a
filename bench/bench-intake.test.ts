import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgAdminUrl } from '../test/support/test-databases.ts';
import { benchIntake } from './bench-intake.ts';

describe('benchIntake (smoke run at a tiny size: figures are for `tillsync bench intake`, not asserted)', () => {
  it('stores every ticket through intake and through the floor on each engine, and reports both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tillsync-bench-intake-'));
    try {
      const lines: string[] = [];
      const r = await benchIntake({ tickets: 300, dir, pgUrl: pgAdminUrl() || undefined, repeats: 2, log: (s) => lines.push(s) });
      expect(r.tickets).toBe(300);
      expect(r.packageBytes).toBeGreaterThan(1000);
      expect(r.engines.map((e) => e.engine)).toEqual(pgAdminUrl() ? ['sqlite', 'postgres'] : ['sqlite']);
      for (const e of r.engines) {
        expect(e.intakeSeconds).toBeGreaterThan(0);
        expect(e.rawSeconds).toBeGreaterThan(0);
        expect(e.ratio).toBeGreaterThan(0);
        expect(e.phases.read + e.phases.check + e.phases.apply).toBeLessThanOrEqual(e.intakeSeconds + 0.01);
      }
      expect(lines.some((l) => l.startsWith('sqlite: intake 300 tickets'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
