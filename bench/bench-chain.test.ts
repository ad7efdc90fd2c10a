import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgAdminUrl } from '../test/support/test-databases.ts';
import { benchChain } from './bench-chain.ts';

// The chain is PostgreSQL only: without a test cluster there is nothing to run (the suite's harness starts one).
describe.runIf(pgAdminUrl())('benchChain (smoke run at a tiny size: figures are for `tillsync bench chain`, not asserted)', () => {
  it('runs every store\'s night in worker processes, times integrate + post + letter apart, and renders one store\'s documents', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tillsync-bench-chain-'));
    try {
      const lines: string[] = [];
      const r = await benchChain({ stores: 2, tills: 2, ticketsPerTill: 40, customers: 50, workers: [1, 2], renderDocuments: 4, pgUrl: pgAdminUrl(), dir, log: (s) => lines.push(s) });
      expect(r.tickets).toBe(160);
      expect(r.documents).toBeGreaterThan(0);
      expect(r.runs.map((x) => x.workers)).toEqual([1, 2]);
      for (const x of r.runs) {
        expect(x.failed).toBe(0);
        // Each store reported its steps' seconds: the three timed steps are part of, not more than, the stores' time.
        expect(x.iplSeconds).toBeGreaterThan(0);
        expect(x.iplSeconds).toBeLessThanOrEqual(x.storeSeconds);
        expect(x.iplTicketsPerSecond).toBeGreaterThanOrEqual(x.ticketsPerSecond);
        expect(x.peakRssMb).toBeGreaterThan(0);
        // The floor read every ticket and wrote at least the night's documents and one link per ticket.
        expect(x.floor.tickets).toBe(160);
        expect(x.floor.rows).toBeGreaterThan(160 + r.documents);
        expect(x.floor.seconds).toBeGreaterThan(0);
      }
      expect(r.render).not.toBeNull();
      expect(r.render!.documents).toBe(4);
      expect(r.render!.facturX + r.render!.plain).toBe(4);
      expect(lines.some((l) => l.startsWith('chain bench: rendered 4 documents of S001'))).toBe(true);
      // Each run's copy of the chain (and the files it rendered) is removed after it.
      expect(readdirSync(dir).filter((f) => f.startsWith('chain-w'))).toEqual([]);
      expect(existsSync(join(dir, 'chain-tpl'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
