import { describe, expect, it } from 'vitest';
import { openTestDb, TEST_ENGINES } from '../../test/support/test-databases.ts';

for (const engine of TEST_ENGINES) {
  describe(`database on ${engine}`, () => {
    it('migrates every feature table and enforces one row per ticket id', async () => {
      const t = await openTestDb(engine);
      try {
        const now = new Date().toISOString();
        const row = { id: 'S1-01-00000001', store: 'S1', till: '01', number: 1, day: '2026-11-02', sold_at: now, customer: 'COMPTOIR', total_incl: '1.00', total_due: '1.00', hash: 'h', prev_hash: 'p', degraded: 0, content: '{}', channel: 'lan', package_id: null, received_at: now, status: 'received', document_id: null, document_number: null, integration_batch: null, updated_at: now };
        await t.db.insertInto('tickets').values(row).execute();
        await expect(t.db.insertInto('tickets').values(row).execute()).rejects.toThrow();
        const again = await t.db.insertInto('tickets').values(row).onConflict((oc) => oc.column('id').doNothing()).execute();
        expect(Number(again[0].numInsertedOrUpdatedRows ?? 0)).toBe(0);
        for (const table of ['documents', 'entries', 'entry_lines', 'settlements', 'letterings', 'base_items', 'log_book'] as const) {
          expect(await t.db.selectFrom(table).selectAll().execute()).toEqual([]);
        }
      } finally {
        await t.cleanup();
      }
    });
  });
}
