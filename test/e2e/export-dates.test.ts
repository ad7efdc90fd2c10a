/**
 * A document's two dates in the exports (DESIGN "Dates of a document"): the accounting date is the
 * sale date (its tickets' day, documents.day); the piece's date is the invoice date (the day the
 * document was made, documents.invoice_date of the invoicing model). A late package makes them
 * differ: FEC EcritureDate / PieceDate, Exact Date / InvoiceDate and CSV Date / PieceDate show both.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES, type TestDb } from '../support/test-databases.ts';
import { runExport } from '../../server/exports/export-run.ts';
import { checkFec } from '../support/fec-checker.ts';
import { decodeLatin9 } from '../../server/exports/latin9.ts';
import { parseCsv, CSV_COLUMNS } from '../../server/exports/csv-writer.ts';
import { child, children, parseXml } from '../support/xml-read.ts';
import { insertDocument } from '../support/ledger-sql-fixture.ts';
import { exportServer } from './export-setup.ts';
import { validateExactFile } from '../support/exact-xsd.ts';

for (const engine of TEST_ENGINES) {
  describe(`invoice date and sale date in the exports on ${engine}`, () => {
    let t: TestDb | null = null;
    afterEach(async () => {
      await t?.cleanup();
      t = null;
    });

    it('writes the sale day as the accounting date and the invoice date as the piece date', async () => {
      t = await exportServer(engine);
      const tables = await t.db.introspection.getTables();
      // The invoicing model's column (its own migration once merged); added here when absent.
      if (!tables.some((x) => x.name === 'documents' && x.columns.some((c) => c.name === 'invoice_date'))) await sql`alter table documents add column invoice_date text`.execute(t.db);
      await insertDocument(t.db, { number: '10001432', customer: 'C0000001', day: '2026-11-02', vat: [['VN', '20', '133.25', '26.65']] });
      // The package arrived late: the invoice was made two days after the sale.
      await sql`update documents set invoice_date = '2026-11-04' where number = '10001432'`.execute(t.db);
      const env = { db: t.db, data: t.data };

      const fec = await runExport(env, { format: 'fec', from: '2026-11-01', to: '2026-11-30' });
      const r = checkFec(decodeLatin9(readFileSync(fec.file!)));
      expect(r.errors).toEqual([]);
      const sale = r.records.filter((x) => x.JournalCode === '70' && x.PieceRef === '10001432');
      expect(sale.length).toBe(3);
      expect(sale.every((x) => x.EcritureDate === '20261102' && x.PieceDate === '20261104')).toBe(true);
      // A document without an invoice date (older rows) keeps its day.
      expect(r.records.find((x) => x.PieceRef === '10001433')!.PieceDate).toBe('20261102');

      const exact = await runExport(env, { format: 'exact', from: '2026-11-01', to: '2026-11-30', includeExported: true });
      expect(validateExactFile(exact.file!).errors).toEqual([]);
      const tx = children(child(parseXml(readFileSync(exact.file!, 'utf8')), 'GLTransactions')!, 'GLTransaction')[0];
      expect(child(tx, 'Date')!.text).toBe('2026-11-02');
      expect(child(children(tx, 'GLTransactionLine')[0], 'InvoiceDate')!.text).toBe('2026-11-04');

      const csv = await runExport(env, { format: 'csv', from: '2026-11-01', to: '2026-11-30', includeExported: true });
      const rows = parseCsv(readFileSync(csv.file!, 'utf8')).slice(1);
      const row = rows.find((x) => x[CSV_COLUMNS.indexOf('Piece')] === '10001432')!;
      expect([row[CSV_COLUMNS.indexOf('Date')], row[CSV_COLUMNS.indexOf('PieceDate')]]).toEqual(['2026-11-02', '2026-11-04']);
    });
  });
}
