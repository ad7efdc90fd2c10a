import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES, openTestDb, type TestDb } from '../../test/support/test-databases.ts';
import { saveBaseData } from '../base-data.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { ensureMapping } from '../accounting/mapping.ts';
import { D } from '../../sync/money.ts';
import { runExport } from './export-run.ts';
import { resetExports } from './export-reset.ts';
import { checkFec } from '../../test/support/fec-checker.ts';
import { decodeLatin9 } from './latin9.ts';
import { parseCsv, CSV_COLUMNS } from './csv-writer.ts';
import { child, children, parseXml } from '../../test/support/xml-read.ts';
import { sampleLedger, entry, line } from '../../test/support/sample-ledger.ts';
import { insertDocument, insertLedger } from '../../test/support/ledger-sql-fixture.ts';
import { validateExactFile } from '../../test/support/exact-xsd.ts';

for (const engine of TEST_ENGINES) {
  describe(`exports on ${engine}`, () => {
    let t: TestDb;
    let env: { db: TestDb['db']; data: string };
    beforeEach(async () => {
      t = await openTestDb(engine);
      env = { db: t.db, data: t.data };
      await saveBaseData(t.db, demoBaseData(5));
      ensureMapping(t.data);
      await insertLedger(t.db, sampleLedger());
    });
    afterEach(async () => {
      await t.cleanup();
    });

    const fec = (file: string) => decodeLatin9(readFileSync(file));

    it('writes a valid FEC extract named <SIREN>FEC-extrait-<from>-<to> (never the legal yearly name), records it and marks the entries', async () => {
      const o = await runExport(env, { format: 'fec', from: '2026-11-01', to: '2026-11-30' });
      expect(o.status).toBe('written');
      expect(o.file).toBe(join(t.data, 'exports', '552100554FEC-extrait-20261101-20261130.txt'));
      expect(o.entryCount).toBe(6);
      expect(o.lineCount).toBe(16);
      expect(o.totalDebit).toBe(o.totalCredit);
      const check = checkFec(fec(o.file!));
      expect(check.errors).toEqual([]);
      expect(check.entryCount).toBe(6);
      expect(check.totalDebit).toBe(o.totalDebit);
      // Labels come from the mapping's chart and journal list.
      expect(check.records.find((r) => r.CompteNum === '511000')!.CompteLib).toBe('Cartes bancaires à encaisser');
      expect(check.records.find((r) => r.JournalCode === 'CA')!.JournalLib).toBe('Caisse');
      const lettered = check.records.filter((r) => r.EcritureLet === 'AAA');
      expect(lettered).toHaveLength(3);
      expect(lettered.every((r) => r.DateLet === '20261103')).toBe(true);
      const rows = await t.db.selectFrom('entries').select(['id', 'export_id']).execute();
      expect(rows.every((r) => r.export_id === o.exportId)).toBe(true);
      const rec = await t.db.selectFrom('exports').selectAll().where('id', '=', o.exportId!).executeTakeFirstOrThrow();
      expect(rec).toMatchObject({ format: 'fec', entry_count: 6, line_count: 16, total_debit: o.totalDebit, date_from: '2026-11-01', date_to: '2026-11-30', trigger: 'manual' });
      expect(existsSync(`${o.file}.part`)).toBe(false);
      expect(readFileSync(join(t.data, 'log', readdirSync(join(t.data, 'log'))[0]), 'utf8')).toMatch(/EXPORT fec #\d+ 2026-11-01..2026-11-30 \(manual\): 6 entries, 16 lines/);
    });

    it('exports once: the second run is empty and says so; --include-exported writes them again under a new name', async () => {
      const first = await runExport(env, { format: 'fec', from: '2026-11-01', to: '2026-11-30' });
      const second = await runExport(env, { format: 'fec', from: '2026-11-01', to: '2026-11-30' });
      expect(second.status).toBe('empty');
      expect(second.file).toBeNull();
      expect(second.alreadyExported).toBe(6);
      expect(second.message).toMatch(/already exported.*--include-exported/);
      const again = await runExport(env, { format: 'fec', from: '2026-11-01', to: '2026-11-30', includeExported: true });
      expect(again.status).toBe('written');
      expect(again.file).toBe(join(t.data, 'exports', '552100554FEC-extrait-20261101-20261130-2.txt'));
      expect(readFileSync(first.file!).equals(readFileSync(again.file!))).toBe(true);
      // The entries stay on the export that first held them.
      const ids = new Set((await t.db.selectFrom('entries').select('export_id').execute()).map((r) => r.export_id));
      expect([...ids]).toEqual([first.exportId]);
    });

    it('serialises concurrent runs: each entry lands in one file only', async () => {
      const [a, b] = await Promise.all([
        runExport(env, { format: 'fec', from: '2026-11-01', to: '2026-11-30' }),
        runExport(env, { format: 'csv', from: '2026-11-01', to: '2026-11-30' }),
      ]);
      expect([a.status, b.status].sort()).toEqual(['empty', 'written']);
      expect(a.entryCount + b.entryCount).toBe(6);
    });

    it('picks up only new entries on the next run', async () => {
      await runExport(env, { format: 'fec', from: '2026-11-01', to: '2026-11-30' });
      await insertLedger(t.db, [entry(0, '70', 'sales', '2026-11-04', '10001450', 'Facture 10001450', [line('410000', 'D', '12.00', { aux: '0000002', doc: '10001450' }), line('707000', 'C', '10.00', { vat: 'VN' }), line('445711', 'C', '2.00', { vat: 'VN' })], '2026-11-05T02:00:00.000Z')], 2);
      const o = await runExport(env, { format: 'fec', from: '2026-11-01', to: '2026-11-30' });
      expect(o.entryCount).toBe(1);
      expect(o.alreadyExported).toBe(6);
      const check = checkFec(fec(o.file!));
      expect(check.errors).toEqual([]);
      expect(check.records.map((r) => r.PieceRef)).toEqual(['10001450', '10001450', '10001450']);
    });

    it('export-reset makes entries exportable again: by ids, by export, by piece, ALL', async () => {
      const first = await runExport(env, { format: 'csv', from: '2026-11-01', to: '2026-11-30' });
      const ids = (await t.db.selectFrom('entries').select('id').orderBy('id').execute()).map((r) => r.id);
      expect((await resetExports(env, { ids: [ids[0], ids[1]] })).reset).toBe(2);
      let o = await runExport(env, { format: 'csv', from: '2026-11-01', to: '2026-11-30' });
      expect(o.entryCount).toBe(2);
      expect((await resetExports(env, { exports: [o.exportId!] })).reset).toBe(2);
      expect((await resetExports(env, { pieces: ['10001434'] })).reset).toBe(2);
      o = await runExport(env, { format: 'csv', from: '2026-11-01', to: '2026-11-30' });
      expect(o.entryCount).toBe(4);
      expect((await resetExports(env, { ids: 'ALL' })).reset).toBe(6);
      expect((await resetExports(env, { ids: 'ALL' })).reset).toBe(0);
      o = await runExport(env, { format: 'csv', from: '2026-11-01', to: '2026-11-30' });
      expect(o.entryCount).toBe(6);
      expect(first.exportId).not.toBe(o.exportId);
    });

    it('overwrites the leftover of a run that crashed before recording, never a recorded file', async () => {
      const dir = join(t.data, 'exports');
      const target = join(dir, '552100554FEC-extrait-20261101-20261130.txt');
      (await import('node:fs')).mkdirSync(dir, { recursive: true });
      writeFileSync(target, 'half a file from a crashed run');
      writeFileSync(`${target}.part`, 'junk');
      const o = await runExport(env, { format: 'fec', from: '2026-11-01', to: '2026-11-30' });
      expect(o.file).toBe(target);
      expect(checkFec(fec(target)).errors).toEqual([]);
      expect(existsSync(`${target}.part`)).toBe(false);
    });

    it('filters by store through the documents the entries post', async () => {
      await insertDocument(t.db, { number: '10001432', customer: 'C0000001', day: '2026-11-02', vat: [['VN', '20', '133.25', '26.65']] });
      await insertDocument(t.db, { number: '10001434', store: 'S2', customer: 'COMPTOIR', day: '2026-11-02', vat: [['VN', '20', '403.00', '80.60']] });
      const s2 = await runExport(env, { format: 'csv', from: '2026-11-01', to: '2026-11-30', store: 'S2' });
      const pieces = parseCsv(readFileSync(s2.file!, 'utf8')).slice(1).map((r) => r[CSV_COLUMNS.indexOf('Piece')]);
      expect(new Set(pieces)).toEqual(new Set(['10001434']));
      expect(s2.entryCount).toBe(2);
      const s1 = await runExport(env, { format: 'csv', from: '2026-11-01', to: '2026-11-30', store: 'S1' });
      // 10001432's sales entry, and the card payment that lists 10001432 on its customer line.
      expect(s1.entryCount).toBe(2);
    });

    it('writes an Exact file that parses back and ties out with the ledger in SQL', async () => {
      const o = await runExport(env, { format: 'exact', from: '2026-11-01', to: '2026-11-30' });
      expect(o.status).toBe('written');
      // The cash journal CA goes to its own Exact journal (mapping exact.journals), with no fallback warning.
      expect(o.warnings).toEqual([]);
      expect(validateExactFile(o.file!).errors).toEqual([]);
      const root = parseXml(readFileSync(o.file!, 'utf8'));
      expect(children(child(root, 'GLTransactions')!, 'GLTransaction').map((tx) => child(tx, 'Journal')!.attrs.code)).toEqual(['70', '70', '30', '70', '10', '70']);
      expect(children(child(root, 'Accounts')!, 'Account').map((a) => a.attrs.code)).toEqual(['0000002', 'C0000001', 'C0000002']);
      const txs = children(child(root, 'GLTransactions')!, 'GLTransaction');
      expect(txs).toHaveLength(6);
      const values = txs.flatMap((tx) => children(tx, 'GLTransactionLine').map((l) => new D(child(child(l, 'Amount')!, 'Value')!.text)));
      const sqlLines = await t.db.selectFrom('entry_lines').select(['debit', 'credit']).execute();
      const sqlDebit = sqlLines.reduce((a, l) => a.plus(l.debit), new D(0));
      const sqlCredit = sqlLines.reduce((a, l) => a.plus(l.credit), new D(0));
      expect(values.filter((v) => v.isPositive()).reduce((a, v) => a.plus(v), new D(0)).toFixed(2)).toBe(sqlDebit.toFixed(2));
      expect(values.filter((v) => v.isNegative()).reduce((a, v) => a.minus(v), new D(0)).toFixed(2)).toBe(sqlCredit.toFixed(2));
      expect(o.totalDebit).toBe(sqlDebit.toFixed(2));
    });

    it('refuses an Exact export listing every failed condition, and marks nothing', async () => {
      await insertLedger(t.db, [
        entry(0, 'VE', 'sales', '2026-11-05', '', 'sans numéro', [line('411000', 'D', '12.00', { aux: 'C0000009' }), line('706000', 'C', '10.00'), line('445711', 'C', '2.00', { vat: 'VZ' })]),
      ], 2);
      const o = await runExport(env, { format: 'exact', from: '2026-11-01', to: '2026-11-30' });
      expect(o.status).toBe('refused');
      expect(o.file).toBeNull();
      expect(o.problems.map((p) => p.code).sort()).toEqual(['account-unmapped', 'customer-unknown', 'invoice-unnumbered', 'invoice-unnumbered', 'journal-not-numeric', 'journal-unknown', 'vat-missing', 'vat-unmapped']);
      expect(existsSync(join(t.data, 'exports'))).toBe(false);
      expect((await t.db.selectFrom('entries').select('id').where('export_id', 'is not', null).execute()).length).toBe(0);
      const log = await t.db.selectFrom('log_book').select(['severity', 'message']).execute();
      expect(log.some((l) => l.severity === 'error' && /Exact export refused/.test(l.message) && /VAT code VZ/.test(l.message))).toBe(true);
    });

    it('streams a ledger larger than one page in validation order', async () => {
      const many = Array.from({ length: 23 }, (_, i) =>
        entry(0, i % 2 ? '70' : '30', i % 2 ? 'sales' : 'treasury', '2026-11-06', `P${i}`, `E${i}`, [line('531000', 'D', `${i + 1}.00`), line('707000', 'C', `${i + 1}.00`, { vat: 'VN' })], `2026-11-07T0${Math.floor(i / 10)}:00:00.000Z`),
      );
      await insertLedger(t.db, many, 3);
      const o = await runExport(env, { format: 'fec', from: '2026-11-06', to: '2026-11-06', pageSize: 5, numbering: 'journal', separator: 'pipe' });
      const check = checkFec(fec(o.file!));
      expect(check.errors).toEqual([]);
      expect(check.numbering).toBe('journal');
      expect(check.records.filter((r) => r.CompteNum === '531000').map((r) => r.PieceRef)).toEqual(many.map((e) => e.piece));
    });
  });
}
