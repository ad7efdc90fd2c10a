/**
 * `tillsync server export | export-reset | exports | invoice-pdf` through the real CLI (child
 * processes), on SQLite and PostgreSQL: the file a user gets, exported once, reset, one-line errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ENGINES, type TestDb } from '../support/test-databases.ts';
import { checkFec } from '../support/fec-checker.ts';
import { decodeLatin9 } from '../../server/exports/latin9.ts';
import { parseCsv } from '../../server/exports/csv-writer.ts';
import { parseXml, child, children } from '../support/xml-read.ts';
import { insertDocument, simpleTicket } from '../support/ledger-sql-fixture.ts';
import { rasterFirstPage } from '../support/pdf-probe.ts';
import { cli, exportServer } from './export-setup.ts';
import { validateExactFile } from '../support/exact-xsd.ts';

/** Each step is a child process (~2 s to start, far more on a busy 2-core machine). */
const CLI_TIMEOUT = 240_000;

for (const engine of TEST_ENGINES) {
  describe(`export CLI on ${engine}`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await exportServer(engine);
      await insertDocument(t.db, { number: '10001432', customer: 'C0000001', day: '2026-11-02', vat: [['VN', '20', '133.25', '26.65']], tickets: [simpleTicket(42, 'C0000001', 'Perceuse', '159.90', '133.25', '26.65')] });
    }, CLI_TIMEOUT);
    afterAll(async () => {
      await t.cleanup();
    }, CLI_TIMEOUT);

    it('exports an FEC once, says the second run is empty, and exports again after a reset', async () => {
      const first = await cli(['server', 'export', '--data', t.data, '--format', 'fec', '--from', '2026-11-01', '--to', '2026-11-30', '--json']);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      const o = JSON.parse(first.stdout);
      expect(o).toMatchObject({ status: 'written', entryCount: 6, lineCount: 16, format: 'fec' });
      expect(o.file).toBe(join(t.data, 'exports', '552100554FEC-extrait-20261101-20261130.txt'));
      expect(checkFec(decodeLatin9(readFileSync(o.file))).errors).toEqual([]);

      const second = await cli(['server', 'export', '--data', t.data, '--format', 'fec', '--from', '2026-11-01', '--to', '2026-11-30']);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/nothing new to export for 2026-11-01..2026-11-30: its 6 entries were already exported/);

      const list = await cli(['server', 'exports', '--data', t.data]);
      expect(list.stdout).toMatch(new RegExp(`#${o.exportId} .* fec 2026-11-01..2026-11-30 manual: 6 entries`));

      const reset = await cli(['server', 'export-reset', '--data', t.data, '--ids', 'ALL', '--json']);
      expect(JSON.parse(reset.stdout)).toEqual({ reset: 6 });
      const third = await cli(['server', 'export', '--data', t.data, '--format', 'csv', '--from', '2026-11-01', '--to', '2026-11-30', '--decimal-comma', '--json']);
      const csv = JSON.parse(third.stdout);
      expect(csv.entryCount).toBe(6);
      const rows = parseCsv(readFileSync(csv.file, 'utf8'));
      expect(rows).toHaveLength(17);
      expect(rows.flat()).toContain('483,60');
      const day = new Date().toISOString().slice(0, 10);
      const log = readFileSync(join(t.data, 'log', `${day}.log`), 'utf8');
      expect(log).toMatch(/EXPORT fec #\d+ .*6 entries/);
      expect(log).toMatch(/EXPORT fec 2026-11-01..2026-11-30: nothing new to export/);
      expect(log).toMatch(/EXPORT-RESET ALL: 6 entries exportable again/);
    }, CLI_TIMEOUT);

    // The SQL side of what follows runs on both engines in server/exports/*.test.ts; child processes
    // are slow to start, so the rest of the CLI surface is driven once, on SQLite.
    if (engine !== 'sqlite') return;

    it('writes an Exact file valid against the eExact schema (cash on its own Exact journal), and refuses with every problem listed when the mapping is incomplete', async () => {
      await cli(['server', 'export-reset', '--data', t.data, '--ids', 'ALL']);
      const ok = await cli(['server', 'export', '--data', t.data, '--format', 'exact', '--from', '2026-11-02', '--to', '2026-11-02']);
      expect(ok.code).toBe(0);
      expect(ok.stdout).not.toMatch(/warning/);
      const file = /written to (\S+\.xml)/.exec(ok.stdout)![1];
      expect(validateExactFile(file).errors).toEqual([]);
      const root = parseXml(readFileSync(file, 'utf8'));
      const txs = children(child(root, 'GLTransactions')!, 'GLTransaction');
      expect(txs).toHaveLength(5);
      expect(txs.map((x) => child(x, 'Journal')!.attrs.code)).toContain('10');
      // Only the customers of the exported day (C0000002's invoice is of 2026-11-03).
      expect(children(child(root, 'Accounts')!, 'Account').map((a) => a.attrs.code)).toEqual(['0000002', 'C0000001']);

      // Without an Exact journal for CA, the file is refused (config check says the same), never merged into 30.
      {
        const mappingFile = join(t.data, 'accounting.json');
        const original = readFileSync(mappingFile, 'utf8');
        const m = JSON.parse(original);
        delete m.exact;
        (await import('node:fs')).writeFileSync(mappingFile, JSON.stringify(m));
        try {
          await cli(['server', 'export-reset', '--data', t.data, '--ids', 'ALL']);
          const refused = await cli(['server', 'export', '--data', t.data, '--format', 'exact', '--from', '2026-11-02', '--to', '2026-11-02']);
          expect(refused.code).toBe(1);
          expect(refused.stdout).toMatch(/- journal CA is not numeric and has no Exact journal/);
          const check = await cli(['server', 'config', 'check', '--data', t.data]);
          expect(check.code).not.toBe(0);
          expect(check.stdout).toMatch(/ERROR\s+journals.cash: journal CA is not numeric and has no Exact journal/);
        } finally {
          (await import('node:fs')).writeFileSync(mappingFile, original);
        }
      }

      // Remove a VAT code and the chart from the mapping: Exact must refuse, listing both.
      const mappingFile = join(t.data, 'accounting.json');
      const original = readFileSync(mappingFile, 'utf8');
      const m = JSON.parse(original);
      delete m.vat.VN;
      m.chart = m.chart.filter((a: { number: string }) => a.number !== '531000');
      (await import('node:fs')).writeFileSync(mappingFile, JSON.stringify(m));
      try {
        await cli(['server', 'export-reset', '--data', t.data, '--ids', 'ALL']);
        const refused = await cli(['server', 'export', '--data', t.data, '--format', 'exact', '--from', '2026-11-02', '--to', '2026-11-02']);
        expect(refused.code).toBe(1);
        expect(refused.stdout).toMatch(/Exact export refused for 2026-11-02: 2 problems to fix first:/);
        expect(refused.stdout).toMatch(/- VAT code VN is not mapped/);
        expect(refused.stdout).toMatch(/- account 531000 is not in the chart/);
      } finally {
        (await import('node:fs')).writeFileSync(mappingFile, original);
      }
    }, CLI_TIMEOUT);

    it('writes the legal FEC of a year (--year), replaces it only with --yes, and the CSV in the French profile', async () => {
      const year = await cli(['server', 'export', '--data', t.data, '--format', 'fec', '--year', '2026', '--json']);
      expect(year.stderr).toBe('');
      const o = JSON.parse(year.stdout);
      expect(o.file).toBe(join(t.data, 'exports', '552100554FEC20261231.txt'));
      expect(o.fiscalYear).toEqual({ year: 2026, start: '2026-01-01', end: '2026-12-31' });
      expect(checkFec(decodeLatin9(readFileSync(o.file)), { fiscalYear: o.fiscalYear }).errors).toEqual([]);
      // Not a TTY and no --yes: refused with the fix, nothing renamed -2.
      const again = await cli(['server', 'export', '--data', t.data, '--format', 'fec', '--year', '2026']);
      expect(again.code).not.toBe(0);
      expect(again.stderr.trim()).toMatch(/^tillsync: the FEC of financial year 2026 was already written .*\(add --yes to replace it/);
      const yes = await cli(['server', 'export', '--data', t.data, '--format', 'fec', '--year', '2026', '--yes', '--json']);
      expect(JSON.parse(yes.stdout)).toMatchObject({ status: 'written', file: o.file, replaced: o.exportId });
      const both = await cli(['server', 'export', '--data', t.data, '--format', 'fec', '--year', '2026', '--from', '2026-11-01', '--to', '2026-11-30']);
      expect(both.stderr.trim()).toBe('tillsync: --year and --from/--to do not go together (give the financial year (--year 2026) or a period (--from … --to …))');
      const none = await cli(['server', 'export', '--data', t.data, '--format', 'fec']);
      expect(none.stderr.trim()).toMatch(/^tillsync: say what to export: --year YYYY/);

      // CSV: decimal comma by default for this French company, codes as text on request.
      const csv = await cli(['server', 'export', '--data', t.data, '--format', 'csv', '--year', '2026', '--include-exported', '--codes-as-text', '--json']);
      const rows = parseCsv(readFileSync(JSON.parse(csv.stdout).file, 'utf8'));
      expect(rows.flat()).toContain('483,60');
      expect(rows.flat()).toContain('="0000002"');
      const point = await cli(['server', 'export', '--data', t.data, '--format', 'csv', '--year', '2026', '--include-exported', '--decimal-point', '--json']);
      expect(parseCsv(readFileSync(JSON.parse(point.stdout).file, 'utf8')).flat()).toContain('483.60');
    }, CLI_TIMEOUT);

    it('answers a bad date or format with one line naming the fix', async () => {
      const bad = await cli(['server', 'export', '--data', t.data, '--format', 'fec', '--from', '2026-13-01', '--to', '2026-11-30']);
      expect(bad.code).toBe(2);
      // One date parser for every command (sync/dates.ts): the same one line everywhere.
      const lines = bad.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^tillsync: --from 2026-13-01 is not a date .*YYYY-MM-DD, e\.g\. --from 2026-11-02/);
      const fmt = await cli(['server', 'export', '--data', t.data, '--format', 'xls', '--from', '2026-11-01', '--to', '2026-11-30']);
      expect(fmt.stderr.trim()).toBe('tillsync: unknown export format "xls" (use --format fec, exact, csv, sage, ebp, ciel, quadratus, cegid)');
    }, CLI_TIMEOUT);

    it('invoice-pdf writes a PDF that renders, and names unknown numbers', async () => {
      const out = join(t.data, 'pdf-out');
      const r = await cli(['server', 'invoice-pdf', '--data', t.data, '--out', out, '10001432', '10009999']);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`written ${join(out, '10001432.pdf')}`);
      expect(r.stdout).toMatch(/unknown document number: 10009999/);
      expect(rasterFirstPage(join(out, '10001432.pdf')).inkPixels).toBeGreaterThan(2000);
    }, CLI_TIMEOUT);
  });
}
