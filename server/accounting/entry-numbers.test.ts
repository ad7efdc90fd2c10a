import { afterEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES } from '../../test/support/test-databases.ts';
import { at20, openBooks, type Books } from '../../test/support/books.ts';
import { runPosting } from './posting-run.ts';
import { undoPosting } from './undo-posting.ts';
import { numberUnnumberedEntries } from './entry-numbers.ts';

const numbers = async (b: Books) =>
  (await b.db.selectFrom('entries').select(['id', 'journal', 'fec_num', 'fec_journal_num']).orderBy('id').execute()).map((r) => ({ ...r, fec_num: Number(r.fec_num), fec_journal_num: Number(r.fec_journal_num) }));

for (const engine of TEST_ENGINES) {
  describe(`entry numbers (FEC EcritureNum) on ${engine}`, () => {
    let b: Books | null = null;
    afterEach(async () => {
      await b?.cleanup();
      b = null;
    });

    it('are given at validation, continuous over all entries and inside each journal, kept by later runs, given again after an undo of the last batch', async () => {
      b = await openBooks(engine);
      await b.sell([{ day: '2026-11-02', customer: 'COMPTOIR', lines: [at20('483.60')], payments: [{ mode: 'ESP' }] }]);
      await runPosting(b.db, b.data, { until: '2026-11-02' });
      const first = await numbers(b);
      expect(first.map((r) => r.fec_num)).toEqual(first.map((_, i) => i + 1));
      await b.sell([{ day: '2026-11-03', customer: 'C0000001', lines: [at20('13.46')], payments: [{ mode: 'CB' }] }]);
      const second = await runPosting(b.db, b.data, { until: '2026-11-03' });
      const all = await numbers(b);
      // The first run's numbers do not move; the second run's follow them.
      expect(all.slice(0, first.length)).toEqual(first);
      expect(all.map((r) => r.fec_num)).toEqual(all.map((_, i) => i + 1));
      for (const j of new Set(all.map((r) => r.journal))) {
        const inJournal = all.filter((r) => r.journal === j).map((r) => r.fec_journal_num);
        expect(inJournal).toEqual(inJournal.map((_, i) => i + 1));
      }
      // Undo frees the last numbers; the next posting takes them again: no hole.
      await undoPosting(b.db, b.data, second.batch!);
      expect(await numbers(b)).toEqual(first);
      await runPosting(b.db, b.data, { until: '2026-11-03' });
      const again = await numbers(b);
      expect(again.map((r) => r.fec_num)).toEqual(again.map((_, i) => i + 1));
      expect(again).toHaveLength(all.length);
    });

    it('numbers entries written without numbers after the last one, in validation order', async () => {
      b = await openBooks(engine);
      await b.sell([{ day: '2026-11-02', customer: 'COMPTOIR', lines: [at20('10.00')], payments: [{ mode: 'ESP' }] }]);
      await runPosting(b.db, b.data, { until: '2026-11-02' });
      const posted = await numbers(b);
      const last = Math.max(...posted.map((r) => r.fec_num));
      for (const journal of ['70', 'CA']) {
        await b.db.insertInto('entries').values({ batch_id: 99, journal, entry_date: '2026-11-04', piece: 'X', label: 'fixture', kind: 'sales', validated_at: '2026-11-05T00:00:00.000Z', export_id: null }).execute();
      }
      expect(await numberUnnumberedEntries(b.db)).toBe(2);
      expect(await numberUnnumberedEntries(b.db)).toBe(0);
      const after = await numbers(b);
      expect(after.slice(-2).map((r) => r.fec_num)).toEqual([last + 1, last + 2]);
      const caBefore = posted.filter((r) => r.journal === 'CA').length;
      expect(after.at(-1)).toMatchObject({ journal: 'CA', fec_journal_num: caBefore + 1 });
    });
  });
}
