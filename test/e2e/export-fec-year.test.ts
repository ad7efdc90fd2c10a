/**
 * The legal FEC of a financial year (LPF A47 A-1; BOI-CF-IOR-60-40-20) on books made by the real
 * chain over two years: sold like a till, integrated, posted, lettered. Year 2 opens with year 1's
 * balance-sheet balances per auxiliary account; EcritureNum is the number each entry got at
 * validation — continuous over the two years, the same in a period extract and in the yearly
 * file; a re-export replaces the file (after confirmation) under its legal name. Every file goes
 * through the FEC checker with the year and its file name.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ENGINES } from '../support/test-databases.ts';
import { at20, openBooks, type Books } from '../support/books.ts';
import { runPosting } from '../../server/accounting/posting-run.ts';
import { runLettering } from '../../server/accounting/lettering-run.ts';
import { runExport } from '../../server/exports/export-run.ts';
import { checkFec, checkFecFileName, type FecCheckResult } from '../support/fec-checker.ts';
import { decodeLatin9 } from '../../server/exports/latin9.ts';
import { D } from '../../sync/money.ts';

const Y1_DAY = '2024-11-02';
const Y2_DAY = '2025-01-05';
const Y1 = { start: '2024-01-01', end: '2024-12-31' };
const Y2 = { start: '2025-01-01', end: '2025-12-31' };

const read = (file: string): FecCheckResult => checkFec(decodeLatin9(readFileSync(file)), { maxErrors: 20 });
/** EcritureNum by piece and journal, to compare two files. */
const numbers = (r: FecCheckResult) => new Map(r.records.filter((x) => x.JournalCode !== 'AN').map((x) => [`${x.JournalCode} ${x.PieceRef} ${x.CompteNum}`, x.EcritureNum]));

for (const engine of TEST_ENGINES) {
  describe(`FEC per financial year on ${engine}`, () => {
    let b: Books;
    beforeAll(async () => {
      b = await openBooks(engine);
      // Year 1: a cash sale, a credit sale left open (248.69 for Dupont).
      await b.sell([
        { day: Y1_DAY, customer: 'COMPTOIR', lines: [at20('483.60')], payments: [{ mode: 'ESP' }] },
        { day: Y1_DAY, customer: 'C0000001', lines: [at20('248.69')], payments: [{ mode: 'CRED' }] },
      ]);
      expect((await runPosting(b.db, b.data, { until: Y1_DAY })).errors).toEqual([]);
      const invoice = (await b.db.selectFrom('documents').select('number').where('customer', '=', 'C0000001').executeTakeFirstOrThrow()).number;
      // Year 2: Dupont pays 100.69 of it at the till; a card sale.
      await b.sell([
        { day: Y2_DAY, customer: 'C0000001', settlements: [{ kind: 'invoice', ref: invoice, amount: '100.69' }], payments: [{ mode: 'CB' }] },
        { day: Y2_DAY, customer: 'PASSAGE', lines: [at20('13.46')], payments: [{ mode: 'CB' }] },
      ]);
      expect((await runPosting(b.db, b.data, { until: Y2_DAY })).errors).toEqual([]);
      await runLettering(b.db, b.data);
    }, 240_000);
    afterAll(async () => {
      await b?.cleanup();
    });

    it('writes year 1 as SIRENFECAAAAMMJJ with its closing date, numbered from 1, no opening entry', async () => {
      const o = await runExport({ db: b.db, data: b.data }, { format: 'fec', from: '', to: '', year: 2024 });
      expect(o.status).toBe('written');
      expect(basename(o.file!)).toBe('552100554FEC20241231.txt');
      expect(checkFecFileName(o.file!, Y1.end)).toEqual([]);
      const r = checkFec(decodeLatin9(readFileSync(o.file!)), { fiscalYear: Y1 });
      expect(r.errors).toEqual([]);
      expect(r.records.some((x) => x.JournalCode === 'AN')).toBe(false);
      expect(r.records[0].EcritureNum).toBe('1');
      expect(r.records.every((x) => x.EcritureDate.startsWith('2024'))).toBe(true);
    });

    it('keeps the numbers given at validation in a period extract, named apart from the legal file', async () => {
      const extract = await runExport({ db: b.db, data: b.data }, { format: 'fec', from: Y2_DAY, to: Y2_DAY, includeExported: true });
      expect(basename(extract.file!)).toBe('552100554FEC-extrait-20250105.txt');
      expect(checkFecFileName(extract.file!)).not.toEqual([]);
      const r = read(extract.file!);
      expect(r.errors).toEqual([]);
      // Continuous over time: year 2's first entry follows year 1's last.
      const y1 = read(readdirSync(dirname(extract.file!)).map((f) => `${dirname(extract.file!)}/${f}`).find((f) => basename(f) === '552100554FEC20241231.txt')!);
      const lastY1 = Math.max(...y1.records.map((x) => Number(x.EcritureNum)));
      expect(Number(r.records[0].EcritureNum)).toBe(lastY1 + 1);
    });

    it('opens year 2 with year 1 balances (classes 1-5, per auxiliary account, result on 120000) and passes the checker', async () => {
      const o = await runExport({ db: b.db, data: b.data }, { format: 'fec', from: '', to: '', year: 2025 });
      expect(basename(o.file!)).toBe('552100554FEC20251231.txt');
      expect(o.fiscalYear).toEqual({ year: 2025, ...Y2 });
      const r = checkFec(decodeLatin9(readFileSync(o.file!)), { fiscalYear: Y2, requireOpening: true });
      expect(r.errors).toEqual([]);
      expect(checkFecFileName(o.file!, Y2.end)).toEqual([]);
      const opening = r.records.filter((x) => x.JournalCode === 'AN');
      expect(opening.length).toBeGreaterThan(0);
      expect(r.records.slice(0, opening.length).every((x) => x.JournalCode === 'AN' && x.EcritureNum === 'AN1' && x.EcritureDate === '20250101')).toBe(true);
      // Only balance-sheet accounts, plus the result; Dupont's open 248.69 on his own auxiliary account.
      expect(opening.every((x) => /^[1-5]/.test(x.CompteNum))).toBe(true);
      expect(opening.find((x) => x.CompAuxNum === 'C0000001')).toMatchObject({ CompteNum: '411000', Debit: '248,69', Credit: '0,00' });
      expect(opening.find((x) => x.CompteNum === '531000')).toMatchObject({ Debit: '483,60' });
      // The result of year 1 is its sales excluding VAT: 403.00 + 207.24.
      expect(opening.find((x) => x.CompteNum === '120000')).toMatchObject({ Credit: '610,24' });
      const sum = (k: 'Debit' | 'Credit') => opening.reduce((a, x) => a.plus(x[k].replace(',', '.')), new D(0)).toFixed(2);
      expect(sum('Debit')).toBe(sum('Credit'));
      // The same numbers as in the extract of the same days.
      const extract = read(`${dirname(o.file!)}/552100554FEC-extrait-20250105.txt`);
      const inYear = numbers(r);
      for (const [key, num] of numbers(extract)) expect(inYear.get(key)).toBe(num);
      expect(r.numbering).toBe('file');
    });

    it('replaces the yearly file after confirmation instead of writing a -2, and refuses without it', async () => {
      const dir = `${b.data}/exports`;
      const refused = await runExport({ db: b.db, data: b.data }, { format: 'fec', from: '', to: '', year: 2025 }).catch((e) => e);
      expect(refused.message).toMatch(/FEC of financial year 2025 was already written/);
      expect(refused.hint).toMatch(/add --yes to replace it/);
      let asked = '';
      const declined = runExport({ db: b.db, data: b.data }, { format: 'fec', from: '', to: '', year: 2025, replace: async (f) => ((asked = f), false) });
      await expect(declined).rejects.toThrow(/already written/);
      expect(basename(asked)).toBe('552100554FEC20251231.txt');
      const before = readFileSync(`${dir}/552100554FEC20251231.txt`);
      const again = await runExport({ db: b.db, data: b.data }, { format: 'fec', from: '', to: '', year: 2025, replace: true });
      expect(again.file).toBe(`${dir}/552100554FEC20251231.txt`);
      expect(again.replaced).toBeGreaterThan(0);
      expect(readdirSync(dir).filter((f) => /FEC2025/.test(f))).toEqual(['552100554FEC20251231.txt']);
      // Same books, same numbers, same bytes.
      expect(readFileSync(again.file!).equals(before)).toBe(true);
    });
  });
}
