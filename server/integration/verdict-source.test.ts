import { availableParallelism } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES, openTestDb, type TestDb } from '../../test/support/test-databases.ts';
import { saveBaseData } from '../base-data.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { generateVolume } from '../../fixtures/volume.ts';
import { addStats, emptyStats, type GroupingPiece } from './document-grouping.ts';
import { loadRefs } from './integrate.ts';
import { pendingTills } from './ticket-source.ts';
import { rehash, storeTickets } from '../../test/support/test-tickets.ts';
import { idleCores, openVerdictSource, type SourceOptions } from './verdict-source.ts';

describe('idle cores', () => {
  it('are measured between none and the cores this process may use', async () => {
    const idle = await idleCores(50);
    expect(idle).toBeGreaterThanOrEqual(0);
    expect(idle).toBeLessThanOrEqual(availableParallelism());
  });
});

for (const engine of TEST_ENGINES) {
  describe(`verdict sources (${engine})`, () => {
    let t: TestDb;
    beforeEach(async () => {
      t = await openTestDb(engine);
      await saveBaseData(t.db, demoBaseData());
    });
    afterEach(async () => t.cleanup());

    const filters = { until: '2026-12-31' };

    async function collect(opts: SourceOptions) {
      const refs = await loadRefs(t.db);
      const source = await openVerdictSource(t.db, refs, filters, opts);
      const pieces: GroupingPiece[] = [];
      try {
        for await (const p of source.pieces(await pendingTills(t.db, filters))) pieces.push(p);
      } finally {
        await source.close();
      }
      const stats = emptyStats();
      for (const p of pieces) addStats(stats, p.result.stats);
      return {
        kind: source.kind,
        workers: source.workers,
        pieces: pieces.length,
        ends: pieces.filter((p) => p.endOfTill).length,
        documents: pieces.flatMap((p) => p.result.documents),
        errors: pieces.flatMap((p) => p.errors),
        stats,
      };
    }

    it('a small night stays in this thread; forced workers give the same pieces, counts and order', async () => {
      const tickets = [...generateVolume({ tills: 5, ticketsPerTill: 120, days: 2 })];
      tickets[130] = rehash({ ...tickets[130], customer: 'NOBODY' });
      await storeTickets(t.db, tickets);

      const auto = await collect({});
      expect([auto.kind, auto.workers]).toEqual(['inline', 0]);
      expect(auto.ends).toBe(5);
      expect(auto.stats).toEqual({ selected: 600, excluded: 0, leftOut: 2, inDocuments: 598, paymentOnly: 0, unverifiedLinks: 0 });
      expect(auto.errors.map((e) => e.ref.ticket)).toEqual([tickets[130].id, tickets[131].id]);

      const two = await collect({ mode: 'worker', workers: 2, pageSize: 50 });
      expect([two.kind, two.workers]).toEqual(engine === 'sqlite' ? ['workers-read', 2] : ['worker-checks', 1]);
      // 120 rows per till in pages of 50: three pages, then the till's end.
      expect(two.pieces).toBe(5 * 4);
      expect({ ...two, kind: auto.kind, workers: auto.workers, pieces: auto.pieces }).toEqual(auto);
    });
  });
}
