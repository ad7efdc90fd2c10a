/**
 * Exports of books made by the real chain: tickets sold like a till, integrated, posted (direct
 * posting, by customer and by account) and lettered by server/accounting, then exported. Every FEC
 * goes through the checker; Exact and CSV tie out with the entries in SQL.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES } from '../support/test-databases.ts';
import { at20, at10, openBooks, type Books } from '../support/books.ts';
import { runPosting } from '../../server/accounting/posting-run.ts';
import { runLettering } from '../../server/accounting/lettering-run.ts';
import { undoPosting } from '../../server/accounting/undo-posting.ts';
import { undoIntegration } from '../../server/integration/undo.ts';
import { runExport } from '../../server/exports/export-run.ts';
import { checkFec } from '../support/fec-checker.ts';
import { decodeLatin9 } from '../../server/exports/latin9.ts';
import { parseCsv } from '../../server/exports/csv-writer.ts';
import { child, children, parseXml } from '../support/xml-read.ts';
import { D } from '../../sync/money.ts';
import { validateExactFile } from '../support/exact-xsd.ts';

const D1 = '2026-11-02';
const D2 = '2026-11-03';

async function sqlTotals(b: Books): Promise<{ debit: string; credit: string; lines: number; entries: number }> {
  const lines = await b.db.selectFrom('entry_lines').select(['debit', 'credit']).execute();
  const entries = await b.db.selectFrom('entries').select('id').execute();
  return { debit: lines.reduce((a, l) => a.plus(l.debit), new D(0)).toFixed(2), credit: lines.reduce((a, l) => a.plus(l.credit), new D(0)).toFixed(2), lines: lines.length, entries: entries.length };
}

for (const engine of TEST_ENGINES) {
  describe(`exports of posted books on ${engine}`, () => {
    let b: Books | null = null;
    afterEach(async () => {
      await b?.cleanup();
      b = null;
    });

    async function seedBooks(grouping: 'customer' | 'account'): Promise<Books> {
      const books = await openBooks(engine);
      // The seeds' examples: 483.60 at 20 %, 13.46, a credit sale settled partly the next day, a deposit consumed.
      await books.sell([
        { day: D1, customer: 'COMPTOIR', lines: [at20('483.60')], payments: [{ mode: 'ESP' }] },
        { day: D1, customer: 'PASSAGE', lines: [at20('13.46'), at10('22.00')], payments: [{ mode: 'CB' }] },
        { day: D1, customer: 'C0000001', lines: [at20('248.69')], payments: [{ mode: 'CRED' }] },
        { day: D1, customer: 'C0000002', settlements: [{ kind: 'deposit', ref: '10001651', amount: '100.00' }], payments: [{ mode: 'CB' }] },
      ]);
      const first = await runPosting(books.db, books.data, { until: D1, grouping });
      expect(first.errors).toEqual([]);
      const invoice = (await books.db.selectFrom('documents').select('number').where('customer', '=', 'C0000001').executeTakeFirstOrThrow()).number;
      await books.sell([
        { day: D2, customer: 'C0000001', settlements: [{ kind: 'invoice', ref: invoice, amount: '100.69' }], payments: [{ mode: 'CB' }] },
        { day: D2, customer: 'C0000002', lines: [at20('664.00')], payments: [{ mode: 'ACP', amount: '100.00', ref: '10001651' }, { mode: 'CB' }] },
      ]);
      const second = await runPosting(books.db, books.data, { until: D2, grouping });
      expect(second.errors).toEqual([]);
      await runLettering(books.db, books.data);
      return books;
    }

    it.each(['customer', 'account'] as const)('FEC of books grouped by %s passes the checker and ties out with SQL', async (grouping) => {
      b = await seedBooks(grouping);
      const o = await runExport({ db: b.db, data: b.data }, { format: 'fec', from: D1, to: D2 });
      const sql = await sqlTotals(b);
      expect(o).toMatchObject({ status: 'written', entryCount: sql.entries, lineCount: sql.lines, totalDebit: sql.debit, totalCredit: sql.credit });
      const check = checkFec(decodeLatin9(readFileSync(o.file!)));
      expect(check.errors).toEqual([]);
      expect(check.lineCount).toBe(sql.lines);
      expect(check.totalDebit).toBe(sql.debit);
      // The partial settlement is lettered (lower-case code = partial) with its date; customers carry their third party.
      expect(check.records.some((r) => r.EcritureLet && r.DateLet)).toBe(true);
      // 248.69 paid 100.69: a partial lettering, written in lower case.
      const partial = check.records.filter((r) => r.CompAuxNum === 'C0000001' && r.EcritureLet);
      expect(partial.map((r) => [r.Debit, r.Credit, r.EcritureLet])).toEqual([['248,69', '0,00', 'aaa'], ['0,00', '100,69', 'aaa']]);
      expect(check.records.filter((r) => /^41/.test(r.CompteNum)).every((r) => r.CompAuxNum && r.CompAuxLib)).toBe(true);
    });

    it('Exact and CSV of the same books tie out with SQL; exported postings cannot be undone', async () => {
      b = await seedBooks('customer');
      const sql = await sqlTotals(b);
      const exact = await runExport({ db: b.db, data: b.data }, { format: 'exact', from: D1, to: D2 });
      expect(exact.problems).toEqual([]);
      expect(exact.status).toBe('written');
      // Exact Online's import schema is the judge of the file (deposit, partial settlement, credit sale, two VAT rates).
      expect(validateExactFile(exact.file!).errors).toEqual([]);
      const txs = children(child(parseXml(readFileSync(exact.file!, 'utf8')), 'GLTransactions')!, 'GLTransaction');
      expect(txs).toHaveLength(sql.entries);
      const values = txs.flatMap((t) => children(t, 'GLTransactionLine').map((l) => new D(child(child(l, 'Amount')!, 'Value')!.text)));
      expect(values.filter((v) => v.isPositive()).reduce((a, v) => a.plus(v), new D(0)).toFixed(2)).toBe(sql.debit);
      for (const t of txs) expect(children(t, 'GLTransactionLine').reduce((a, l) => a.plus(child(child(l, 'Amount')!, 'Value')!.text), new D(0)).isZero()).toBe(true);

      const csv = await runExport({ db: b.db, data: b.data }, { format: 'csv', from: D1, to: D2, includeExported: true });
      expect(parseCsv(readFileSync(csv.file!, 'utf8'))).toHaveLength(sql.lines + 1);

      const batch = (await b.db.selectFrom('entries').select('batch_id').orderBy('id', 'desc').executeTakeFirstOrThrow()).batch_id;
      await expect(undoPosting(b.db, b.data, batch)).rejects.toThrow(/cannot be undone.*exported/);
      const integration = (await b.db.selectFrom('documents').select('batch_id').orderBy('id').executeTakeFirstOrThrow()).batch_id;
      await expect(undoIntegration(b.db, b.data, integration)).rejects.toThrow(/cannot be undone/);
      expect((await b.db.selectFrom('entries').select('id').where('export_id', 'is', null).execute()).length).toBe(0);
    });
  });
}
