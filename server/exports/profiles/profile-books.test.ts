/**
 * A profile on books made by the real chain (tickets sold, integrated, posted): the documents behind
 * the entries give the customer, the till and the payment modes; a profile's export holds the
 * posting like any export (no undo) until that profile's marks are reset.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { TEST_ENGINES } from '../../../test/support/test-databases.ts';
import { at20, openBooks, type Books } from '../../../test/support/books.ts';
import { runPosting } from '../../accounting/posting-run.ts';
import { undoPosting } from '../../accounting/undo-posting.ts';
import { CEGID_LAYOUT, readFixed } from '../../../test/support/fixed-width.ts';
import { decodeLatin9 } from '../latin9.ts';
import { runExport } from '../export-run.ts';
import { resetExports } from '../export-reset.ts';
import type { ExportProfile } from './profile-schema.ts';

const D1 = '2026-11-02';
const PROFILE: ExportProfile = {
  version: 1,
  format: 'cegid',
  customers: { account: { mode: 'generated', prefix: '411', length: 11 }, thirdParty: { mode: 'per-payment-mode', account: 'DIVERS', byPaymentMode: { CB: 'CLICB', CHQ: 'CLICHQ' } } },
  labels: { entry: { sales: 'Fact {document} T{ticketRange}', treasury: '{paymentMode} {customerName}' } },
  analytics: { axis: 'till', sections: { '01': 'CAISSE01' } },
};

for (const engine of TEST_ENGINES) {
  describe(`a profile on posted books (${engine})`, () => {
    let b: Books;
    afterEach(async () => b?.cleanup());

    it('takes customer, till and payment modes from the documents, and blocks the undo of what it exported until its reset', async () => {
      b = await openBooks(engine);
      await b.sell([{ day: D1, till: '01', customer: 'C0000001', lines: [at20('120.00')], payments: [{ mode: 'CB', amount: '100.00' }, { mode: 'CHQ' }] }]);
      const s = await runPosting(b.db, b.data, { until: D1 });
      expect(s.errors).toEqual([]);
      const o = await runExport(b, { format: 'cegid', from: D1, to: D1, profile: { name: 'cabinet', profile: PROFILE } });
      expect(o.status).toBe('written');
      const rows = decodeLatin9(readFileSync(o.file!)).split('\r\n').filter(Boolean).slice(1).map((r) => readFixed(r, CEGID_LAYOUT));
      const sales = rows.filter((r) => r.pieceType === 'FC');
      expect(sales[0]).toMatchObject({ accountType: 'X' });
      expect(sales[0].account.trim()).toBe('411C0000001');
      expect(sales[0].aux.trim()).toBe('CLICB'); // the document's largest payment is the card
      expect(sales[0].label.trim()).toMatch(/^Fact \S+ T1$/);
      expect(sales.filter((r) => r.accountType === 'A').map((r) => r.aux.trim())).toEqual(['A1CAISSE01']);
      const treasury = rows.filter((r) => r.pieceType === 'RC');
      // Each treasury line says its own mode: the card line CB, the cheque line CHQ.
      expect(treasury.filter((r) => r.accountType === ' ').map((r) => r.label.trim().split(' ')[0]).sort()).toEqual(['CB', 'CHQ']);

      await expect(undoPosting(b.db, b.data, s.batch!)).rejects.toThrow(/was exported by profile cabinet/);
      expect((await resetExports(b, { ids: 'ALL', profile: 'cabinet' })).reset).toBe(o.entryCount);
      expect((await undoPosting(b.db, b.data, s.batch!)).batches).toEqual([s.batch]);
    });
  });
}
