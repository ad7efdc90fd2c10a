import { describe, expect, it } from 'vitest';
import { CSV_BOM, CSV_COLUMNS, csvField, parseCsv, writeCsv } from './csv-writer.ts';
import { sampleLedger } from './sample-ledger.ts';

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
    expect(csvField('plain')).toBe('plain');
    expect(parseCsv('"a;b";"say ""hi""";x\r\n')).toEqual([['a;b', 'say "hi"', 'x']]);
  });
});
