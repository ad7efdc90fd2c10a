import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_ENGINES } from '../../test/support/test-databases.ts';
import { openBooks, type Books } from '../../test/support/books.ts';
import { runPosting } from '../accounting/posting-run.ts';
import { openItems } from '../accounting/open-items.ts';
import { undoPosting } from '../accounting/undo-posting.ts';
import { importReceivables } from './receivables-run.ts';
import { runExport } from '../exports/export-run.ts';

const D1 = '2026-11-02';
const D2 = '2026-11-03';

/** The accounting software's export of open invoices, as a French install writes it (Latin-1 safe, ';', decimal comma). */
const CSV = [
  'Code client;N° facture;Date facture;Échéance;Montant TTC;Reste dû;Commercial',
  'C0000001;10001434;15/10/2026;14/11/2026;248,69;248,69;Durand',
  'C0000002;10001435;2026-10-16;;1 200,00;200,00;Durand',
  'C0000003;10001436;16/10/2026;;80,00;0,00;Durand',
  'INCONNU;10001437;16/10/2026;;10,00;10,00;Durand',
  'C0000002;10001438;31/02/2026;;10,00;10,00;Durand',
  'C0000002;10001435;2026-10-16;;1 200,00;200,00;Durand',
].join('\r\n');

async function effets(b: Books, doc: string): Promise<string[]> {
  const rows = await b.rows<{ kind: string; state: string; amount: string; open_amount: string; closed_batch: number | null }>(`select kind, state, amount, open_amount, closed_batch from settlements where document_number = '${doc}' order by id`);
  return rows.map((r) => `${r.kind} ${r.state} ${r.amount} open ${r.open_amount}${r.closed_batch ? ' closed' : ''}`);
}

for (const engine of TEST_ENGINES) {
  describe(`outside receivables on ${engine}`, () => {
    let b: Books;
    afterEach(async () => b?.cleanup());

    it('seed 003: 10001434 paid 100.69 at the till before the receivable came in — imported later, partially lettered, 148.00 open; same file twice changes nothing', async () => {
      b = await openBooks(engine);
      const file = join(b.data, 'encours.csv');
      writeFileSync(file, CSV);
      await b.sell([{ day: D1, customer: 'C0000001', settlements: [{ kind: 'invoice', ref: '10001434', amount: '100.69' }], payments: [{ mode: 'CB' }] }]);
      const posted = await runPosting(b.db, b.data, { until: D1 });
      expect(posted.warnings.map((w) => w.message).join()).toContain('invoice 10001434 has no open receivable for 100.69');
      const before = await openItems(b.db, b.data, { customer: 'C0000001' });
      expect(before.customers[0].owed).toBe('-100.69');

      const s = await importReceivables(b.db, b.data, file);
      expect(s.verdicts.map((v) => `${v.line} ${v.verdict} ${v.key}`)).toEqual([
        '2 import 10001434',
        '3 import 10001435',
        '4 skip 10001436',
        '5 error 10001437',
        '6 error 10001438',
        '7 error 10001435',
      ]);
      expect(s.verdicts[3].message).toContain('unknown customer INCONNU');
      expect(s.verdicts[4].message).toContain('date "31/02/2026" is not a day');
      expect(s.verdicts[5].message).toBe('invoice 10001435 already on line 3 of this file');
      expect(s.unknownColumns).toEqual(['Commercial']);
      expect(s.alreadyPaid).toBe('100.69');
      expect(s.write?.lettering).toEqual({ groups: 1, partial: 1 });

      const after = await openItems(b.db, b.data, { customer: 'C0000001' });
      expect(after.customers[0].owed).toBe('148.00');
      expect(after.customers[0].lines).toEqual([{ account: '411000', key: '10001434', date: D1, debit: '248.69', credit: '100.69', open: '148.00', lettering: 'AAA', partial: true }]);
      expect(await effets(b, '10001434')).toEqual(['payment BPV 100.69 open 0.00', 'receivable C10 248.69 open 248.69 closed', 'receivable C10 148.00 open 148.00']);

      const counts = async () => (await b.rows<{ n: number }>('select (select count(*) from entries) + (select count(*) from settlements) + (select count(*) from letterings) as n'))[0].n;
      const n = Number(await counts());
      const again = await importReceivables(b.db, b.data, file);
      expect(again.batch).toBeNull();
      expect(again.counts).toMatchObject({ import: 0, already: 2 });
      expect(Number(await counts())).toBe(n);

      // The mirror entry is never exported: only the till's treasury entry is pending export.
      const kinds = await b.rows<{ kind: string; journal: string }>("select kind, journal from entries order by id");
      expect(kinds.map((k) => `${k.kind} ${k.journal}`)).toEqual(['treasury 30', 'mirror RP', 'mirror RP']);
      const fec = await runExport({ db: b.db, data: b.data }, { format: 'fec', from: '2026-10-01', to: D1, out: join(b.data, 'exports') });
      expect(fec.entryCount).toBe(1);

      // Undo gives the receivables back: the till's payment is unlettered again, the next import takes them in.
      const u = await undoPosting(b.db, b.data, s.batch!);
      expect(u.entries).toBe(2);
      expect((await openItems(b.db, b.data, { customer: 'C0000001' })).customers[0].owed).toBe('-100.69');
      expect((await importReceivables(b.db, b.data, file)).counts.import).toBe(2);
    });

    it('receivable first, then the till pays part of it: the posting letters it, the effet keeps 148.00 open', async () => {
      b = await openBooks(engine);
      const file = join(b.data, 'encours.csv');
      writeFileSync(file, 'customer,invoice,date,due date,amount,open amount\nC0000001,10001434,2026-10-15,2026-11-14,248.69,248.69\n');
      const s = await importReceivables(b.db, b.data, file);
      expect(s.counts.import).toBe(1);
      expect((await openItems(b.db, b.data, { customer: 'C0000001' })).customers[0].owed).toBe('248.69');
      await b.sell([{ day: D2, customer: 'C0000001', settlements: [{ kind: 'invoice', ref: '10001434', amount: '100.69' }], payments: [{ mode: 'CB' }] }]);
      const posted = await runPosting(b.db, b.data, { until: D2 });
      expect(posted.warnings).toEqual([]);
      expect(posted.lettering).toEqual({ groups: 1, partial: 1 });
      const after = await openItems(b.db, b.data, { customer: 'C0000001' });
      expect(after.customers[0].owed).toBe('148.00');
      expect(after.customers[0].effets.map((e) => `${e.state} ${e.documentNumber} ${e.open}`)).toEqual(['C10 10001434 148.00']);
    });

    it('a file without the required columns is refused as a whole, naming what is missing', async () => {
      b = await openBooks(engine);
      const file = join(b.data, 'bad.csv');
      writeFileSync(file, 'client;montant\nC0000001;10,00\n');
      await expect(importReceivables(b.db, b.data, file)).rejects.toThrow(/bad\.csv: missing columns invoice, date/);
    });
  });
}
