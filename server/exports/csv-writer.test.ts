import { describe, expect, it } from 'vitest';
import { CSV_BOM, CSV_COLUMNS, csvDefaults, csvField, looksNumeric, parseCsv, writeCsv } from './csv-writer.ts';
import { entry, line } from '../../test/support/sample-ledger.ts';
import { sampleLedger } from '../../test/support/sample-ledger.ts';

describe('CSV writer', () => {
  it('writes UTF-8 with a BOM, ; separated, one row per entry line, that parses back', () => {
    const ledger = sampleLedger();
    const text = writeCsv(ledger);
    expect(text.startsWith(CSV_BOM)).toBe(true);
    expect(Buffer.from(text, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(ledger.reduce((n, e) => n + e.lines.length, 0));
    expect(rows.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    const vat = rows.find((r) => r[col('Account')] === '445711' && r[col('Piece')] === '10001434')!;
    expect(vat[col('Credit')]).toBe('80.60');
    expect(vat[col('Debit')]).toBe('0.00');
    // Labels with a tab, a line break, & and < survive exactly.
    const treasury = rows.find((r) => r[col('Journal')] === '30' && r[col('Account')] === '411000')!;
    expect(treasury[col('Label')]).toBe('Règlement CB 10001432\n10001433');
    expect(treasury[col('Lettering')]).toBe('AAA');
    expect(rows.find((r) => r[col('AuxAccount')] === 'C0000002')![col('AuxLib')]).toBe('Martin & Fils <pro>');
  });

  it('writes a decimal comma on request', () => {
    const rows = parseCsv(writeCsv(sampleLedger(), { decimalComma: true })).slice(1);
    expect(rows.map((r) => r[CSV_COLUMNS.indexOf('Debit')])).toContain('483,60');
    expect(rows.every((r) => !r[CSV_COLUMNS.indexOf('Credit')].includes('.'))).toBe(true);
  });

  it('quotes what needs quoting and keeps formulas as text', () => {
    expect(csvField('a;b')).toBe('"a;b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=SUM(A1)')).toBe("'=SUM(A1)");
    // Every character that starts a formula in Excel / LibreOffice / Google Sheets (OWASP CSV injection).
    expect(csvField('+33 1 23')).toBe("'+33 1 23");
    expect(csvField('-2+3+cmd|calc')).toBe("'-2+3+cmd|calc");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\t=1+1')).toBe("'\t=1+1");
    expect(csvField('\r=1+1')).toBe('"\'\r=1+1"');
    expect(csvField('plain')).toBe('plain');
    expect(parseCsv('"a;b";"say ""hi""";x\r\n')).toEqual([['a;b', 'say "hi"', 'x']]);
  });

  it('neutralises formulas in every text column of a written file', () => {
    const evil = entry(40, '70', 'sales', '2026-11-04', '-1+1', '=HYPERLINK("http://x","clic")', [
      line('411000', 'D', '1.00', { aux: '@C1', doc: '+F1', label: '\t=cmd' }),
      line('707000', 'C', '1.00', { label: '-rm' }),
    ]);
    const rows = parseCsv(writeCsv([evil])).slice(1);
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    for (const r of rows) for (const [i, cell] of r.entries()) if (i !== col('Debit') && i !== col('Credit')) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    expect(rows[0][col('Piece')]).toBe("'-1+1");
    expect(rows[0][col('AuxAccount')]).toBe("'@C1");
    expect(rows[0][col('Label')]).toBe("'\t=cmd");
  });

  it('writes codes as text on request: ="0000002" keeps the leading zeros in a spreadsheet', () => {
    const text = writeCsv(sampleLedger(), { codesAsText: true });
    const rows = parseCsv(text).slice(1);
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    const counter = rows.find((r) => r[col('AuxAccount')] === '="0000002"')!;
    expect(counter[col('Account')]).toBe('="410000"');
    expect(counter[col('Piece')]).toBe('="10001434"');
    expect(counter[col('Debit')]).toBe('483.60');
    // A code that is not numeric stays as it is (the spreadsheet keeps it text anyway).
    expect(rows.find((r) => r[col('AuxAccount')] === 'C0000001')![col('Journal')]).toBe('="70"');
    expect(rows.find((r) => r[col('Journal')] === 'CA')).toBeDefined();
    expect(looksNumeric('0000002')).toBe(true);
    expect(looksNumeric('C0000002')).toBe(false);
    // Without the option, codes are plain.
    expect(parseCsv(writeCsv(sampleLedger())).slice(1).some((r) => r[col('AuxAccount')] === '0000002')).toBe(true);
  });

  it('uses a decimal comma by default for a French company (SIREN or FR VAT number)', () => {
    expect(csvDefaults({ siren: '552100554', vatNumber: '' })).toEqual({ decimalComma: true });
    expect(csvDefaults({ siren: '', vatNumber: 'FR96552100554' })).toEqual({ decimalComma: true });
    expect(csvDefaults({ siren: '', vatNumber: 'BE0123456789' })).toEqual({ decimalComma: false });
  });
});
