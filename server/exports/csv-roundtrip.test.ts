/**
 * Round trip of the CSV export through an importer that is not ours: ExcelJS's CSV reader (fast-csv
 * underneath; exceljs is already a dependency, for the marketplace reports) reads the file a
 * profile wrote — French decimal comma, `;`, BOM, quoted labels with separators and line breaks,
 * an article-family axis — and the books are rebuilt from the cells alone: every entry balances,
 * the totals are the ledger's, each analytic breakdown sums to its line. The other formats have no
 * importer library here (docs/exports.md, "Round trips"): the fixed-width ones are read back by
 * test/support/fixed-width.ts (formats.test.ts), the FEC by test/support/fec-checker.ts.
 */
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { D } from '../../sync/money.ts';
import { defaultMapping } from '../accounting/default-mapping.ts';
import { sampleLedger } from '../../test/support/sample-ledger.ts';
import type { DocumentInfo } from './profiles/entry-context.ts';
import { ProfileView } from './profiles/profile-view.ts';
import { CsvWriter } from './csv-writer.ts';

const docs = new Map<string, DocumentInfo>(
  (
    [
      ['10001432', 'C0000001', [['P1', '159.90']]],
      ['10001433', 'C0000001', [['P2', '3.00'], ['P1', '197.00']]],
      ['10001434', '0000002', [['P2', '300.00'], ['P3', '183.60']]],
      ['10001435', 'C0000002', [['P3', '13.46']]],
    ] as [string, string, [string, string][]][]
  ).map(([number, customer, lines]) => [number, { number, kind: 'invoice', store: 'S1', till: '01', customer, day: '2026-11-02', firstTicket: 1, lastTicket: 1, paymentMode: 'CB', lines: lines.map(([article, inclVat]) => ({ article, vatCode: 'VN', inclVat })) }]),
);
const articles = [
  { code: 'P1', barcode: '1', label: 'Perceuse', price: '1', vatCode: 'VN', family: 'OUTILLAGE' },
  { code: 'P2', barcode: '2', label: 'Vis', price: '1', vatCode: 'VN', family: 'QUINCAILLERIE' },
  { code: 'P3', barcode: '3', label: 'Tuyau', price: '1', vatCode: 'VN', family: 'JARDIN' },
];

async function readWithExcelJs(text: string): Promise<string[][]> {
  const wb = new ExcelJS.Workbook();
  // Cells as text: amounts are never read through floats.
  const ws = await wb.csv.read(Readable.from([text]), { map: (v: unknown) => v, parserOptions: { delimiter: ';' } } as never);
  const rows: string[][] = [];
  ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => (v === null || v === undefined ? '' : String(v)))));
  return rows;
}

describe('CSV round trip through ExcelJS (fast-csv)', () => {
  it('reads back a profile\'s CSV and rebuilds balanced books, totals and analytic breakdowns from the cells', async () => {
    const view = new ProfileView({ name: 'rt', profile: { version: 1, format: 'csv', analytics: { axis: 'family' }, text: { upperCase: true } }, mapping: defaultMapping(), customers: [], vatRates: [{ code: 'VN', rate: '20', label: 'Normal' }], articles: articles as never });
    const entries = sampleLedger().map((e) => view.apply(e, docs));
    const w = new CsvWriter({ decimalComma: true, analytic: true });
    const text = w.header() + entries.map((e) => w.entry(e)).join('');
    const [head, ...rows] = await readWithExcelJs(text);
    expect(head.map((h) => h.replace(/^\uFEFF/, ''))).toEqual(['EntryId', 'Journal', 'JournalLib', 'Date', 'Piece', 'PieceDate', 'Account', 'AccountLib', 'AuxAccount', 'AuxLib', 'Label', 'Debit', 'Credit', 'VatCode', 'Document', 'Lettering', 'LetteringDate', 'ValidatedAt', 'Analytic']);
    const col = (name: string) => head.findIndex((h) => h.replace(/^\uFEFF/, '') === name);
    expect(rows).toHaveLength(entries.flatMap((e) => e.lines).length);
    const money = (cell: string) => new D(cell.replace(',', '.'));

    const byEntry = new Map<string, { d: InstanceType<typeof D>; c: InstanceType<typeof D> }>();
    for (const r of rows) {
      const s = byEntry.get(r[col('EntryId')]) ?? { d: new D(0), c: new D(0) };
      byEntry.set(r[col('EntryId')], { d: s.d.plus(money(r[col('Debit')])), c: s.c.plus(money(r[col('Credit')])) });
    }
    expect([...byEntry.keys()]).toEqual(entries.map((e) => String(e.id)));
    for (const [id, s] of byEntry) expect(s.d.toFixed(2), `entry ${id}`).toBe(s.c.toFixed(2));
    const ledgerDebit = entries.flatMap((e) => e.lines).reduce((s, l) => s.plus(l.debit), new D(0));
    expect([...byEntry.values()].reduce((s, x) => s.plus(x.d), new D(0)).toFixed(2)).toBe(ledgerDebit.toFixed(2));

    // Labels with a tab, a pipe and a line break came back whole, each in its one cell (RFC 4180 quoting).
    expect(rows.map((r) => r[col('Label')]).filter((l) => l.includes('CB'))).toEqual(['RÈGLEMENT CB\tCAISSE 01 | DUPONT', 'RÈGLEMENT CB 10001432\n10001433']);
    // Analytic breakdowns: "SECTION:amount|…" summing to the line; single sections as they are.
    const analytic = rows.filter((r) => r[col('Analytic')]);
    expect(analytic.map((r) => r[col('Account')])).toEqual(['707000', '707000', '707000', '707000']);
    for (const r of analytic) {
      const parts = r[col('Analytic')].split('|').map((p) => p.split(':'));
      const total = parts.length > 1 ? parts.reduce((s, [, a]) => s.plus(money(a)), new D(0)) : money(r[col('Credit')]);
      expect(total.toFixed(2)).toBe(money(r[col('Credit')]).toFixed(2));
    }
    expect(analytic.find((r) => r[col('Document')] === '10001434')![col('Analytic')]).toBe('QUINCAILLERIE:250,00|JARDIN:153,00');
  });
});
