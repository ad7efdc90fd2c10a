/** The one "has it left for the accountant?" question every undo asks: plain exports and profile exports alike. */
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES } from '../../test/support/test-databases.ts';
import { at20, openBooks, type Books } from '../../test/support/books.ts';
import { runPosting } from '../accounting/posting-run.ts';
import { runExport } from './export-run.ts';
import { resetExports } from './export-reset.ts';
import { exportNote, firstExportedEntry } from './exported-entry.ts';

const D1 = '2026-11-02';

for (const engine of TEST_ENGINES) {
  describe(`firstExportedEntry (${engine})`, () => {
    let b: Books;
    afterEach(async () => b?.cleanup());

    it('sees an export without a profile and a profile export, and forgets each with its reset', async () => {
      b = await openBooks(engine);
      await b.sell([{ day: D1, lines: [at20('120.00')], payments: [{ mode: 'CB' }] }]);
      const s = await runPosting(b.db, b.data, { until: D1 });
      const batches = [s.batch!];
      expect(await firstExportedEntry(b.db, batches)).toBeUndefined();

      const byProfile = await runExport(b, { format: 'csv', from: D1, to: D1, profile: { name: 'cabinet', profile: { version: 1, format: 'csv' } } });
      const marked = await firstExportedEntry(b.db, batches);
      expect(marked).toMatchObject({ batchId: s.batch, exportId: byProfile.exportId, profile: 'cabinet' });
      expect(exportNote(marked!)).toBe(`by profile cabinet (export ${byProfile.exportId})`);
      await resetExports(b, { ids: 'ALL', profile: 'cabinet' });
      expect(await firstExportedEntry(b.db, batches)).toBeUndefined();

      const plain = await runExport(b, { format: 'csv', from: D1, to: D1 });
      const exported = await firstExportedEntry(b.db, batches);
      expect(exported).toMatchObject({ exportId: plain.exportId, profile: null });
      expect(exportNote(exported!)).toBe(`(export ${plain.exportId})`);
    });
  });
}
