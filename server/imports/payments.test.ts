import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_ENGINES } from '../../test/support/test-databases.ts';
import { openBooks, at20, type Books } from '../../test/support/books.ts';
import { runPosting } from '../accounting/posting-run.ts';
import { openItems } from '../accounting/open-items.ts';
import { importPayments } from './payments-run.ts';

const D1 = '2026-11-02';

/** As Exact Online's "Receivables" payment list exports it (English headers, comma, dot decimals). */
const CSV = [
  'Entry,Date,Your ref,Customer,Amount',
  '9001,2026-11-10,F00000001,C0000001,100.00',
  '9002,11/11/2026,F00000002,,200.00',
  '9003,2026-11-12,F00000009,,5.00',
  '9004,2026-11-12,F00000001,,100.00',
  '9005,2026-11-12,F00000001,,abc',
].join('\n');

for (const engine of TEST_ENGINES) {
  describe(`payments from the accounting software on ${engine}`, () => {
    let b: Books;
    afterEach(async () => b?.cleanup());

    it('letters the invoices they pay with mirror entries (nothing exported), refuses what does not fit, twice changes nothing; bank posting configurable', async () => {
      b = await openBooks(engine);
      await b.sell([
        { day: D1, customer: 'C0000001', lines: [at20('159.90')], payments: [{ mode: 'CRED' }] },
        { day: D1, customer: 'C0000002', lines: [at20('200.00')], payments: [{ mode: 'CRED' }] },
      ]);
      expect((await runPosting(b.db, b.data, { until: D1 })).errors).toEqual([]);
      const file = join(b.data, 'payments.csv');
      writeFileSync(file, CSV);
      const s = await importPayments(b.db, b.data, file);
      expect(s.verdicts.map((v) => `${v.line} ${v.verdict} ${v.key ?? '-'}`)).toEqual(['2 import F00000001', '3 import F00000002', '4 error -', '5 error F00000001', '6 error F00000001']);
      expect(s.verdicts[3].message).toBe('pays 100.00 but F00000001 owes 59.90');
      expect(s.lettered).toBe('300.00');
      expect(s.write?.lettering).toEqual({ groups: 2, partial: 1 });
      const open = await openItems(b.db, b.data);
      expect(open.customers.map((c) => `${c.thirdParty} ${c.owed} ${c.effets.map((e) => `${e.documentNumber}:${e.open}`).join(',')}`)).toEqual(['C0000001 59.90 F00000001:59.90']);
      expect(await b.rows("select journal, kind from entries where batch_id = " + s.batch + ' order by id')).toEqual([{ journal: 'RP', kind: 'mirror' }, { journal: 'RP', kind: 'mirror' }]);
      expect((await importPayments(b.db, b.data, file)).counts).toMatchObject({ import: 0, already: 2 });

      writeFileSync(join(b.data, 'imports.json'), JSON.stringify({ payments: { post: 'bank' } }));
      writeFileSync(file, 'Invoice;Date;Amount\nF00000001;13/11/2026;59,90\n');
      const bank = await importPayments(b.db, b.data, file);
      expect(bank.counts.import).toBe(1);
      expect(await b.rows("select e.journal, e.kind, l.account, l.debit from entries e join entry_lines l on l.entry_id = e.id where e.batch_id = " + bank.batch + ' and l.line_no = 1')).toEqual([{ journal: '30', kind: 'treasury', account: '512000', debit: '59.90' }]);
      expect((await openItems(b.db, b.data)).customers).toEqual([]);
    });
  });
}
