import { describe, expect, it } from 'vitest';
import { FEC_FIELDS, fecAmount, fecDate, fecField, fecFileName, writeFec } from './fec-writer.ts';
import { checkFec } from '../../test/support/fec-checker.ts';
import { sampleLedger } from '../../test/support/sample-ledger.ts';
import { decodeLatin9, encodeLatin9 } from './latin9.ts';

const rows = (text: string, sep = '\t') => text.replace(/\r\n$/, '').split('\r\n').map((l) => l.split(sep));

describe('FEC writer', () => {
  it('names the file <SIREN>FEC<closing date>.txt and refuses a SIREN that is not 9 digits', () => {
    expect(fecFileName('552 100 554', '2026-12-31')).toBe('552100554FEC20261231.txt');
    expect(() => fecFileName('55210055', '2026-12-31')).toThrow(/SIREN/);
  });

  it('formats dates AAAAMMJJ and amounts with a decimal comma and no thousands separator', () => {
    expect(fecDate('2026-11-02')).toBe('20261102');
    expect(fecDate('2026-11-03T02:00:00.000Z')).toBe('20261103');
    expect(fecAmount('1234567.5')).toBe('1234567,50');
    expect(fecAmount('-0.1')).toBe('-0,10');
    expect(fecAmount('0.00')).toBe('0,00');
  });

  it('never lets a separator or a line break into a field', () => {
    expect(fecField('a\tb|c\r\nd')).toBe('a b c d');
    expect(fecField(null)).toBe('');
  });

  it('writes the 18 fields, entries numbered 1..N in validation order, lettering and customer accounts', () => {
    const ledger = sampleLedger();
    const text = writeFec(ledger);
    const [header, ...lines] = rows(text);
    expect(header).toEqual([...FEC_FIELDS]);
    expect(lines).toHaveLength(ledger.reduce((n, e) => n + e.lines.length, 0));
    expect(lines.every((l) => l.length === 18)).toBe(true);
    // Entry ids 1,2,3,5,6,8 (gaps from undone batches) become EcritureNum 1..6.
    expect([...new Set(lines.map((l) => l[2]))]).toEqual(['1', '2', '3', '4', '5', '6']);
    const dupont = lines.find((l) => l[8] === '10001432' && l[4] === '411000')!;
    expect(dupont.slice(6, 8)).toEqual(['C0000001', 'Dupont Bâtiment']);
    expect(dupont.slice(11, 16)).toEqual(['159,90', '0,00', 'AAA', '20261103', '20261103']);
    const vat = lines.find((l) => l[4] === '445711' && l[8] === '10001434')!;
    expect(vat[12]).toBe('80,60');
    expect(vat.slice(6, 8)).toEqual(['', '']);
    const treasury = lines.find((l) => l[0] === '30' && l[4] === '411000')!;
    expect(treasury[10]).toBe('Règlement CB 10001432 10001433');
    const check = checkFec(text);
    expect(check.errors).toEqual([]);
    expect(check.numbering).toBe('file');
    expect(check.totalDebit).toBe(check.totalCredit);
    expect(check.totalDebit).toBe('1700.46') // 159.90 + 200.00 + 359.90 + 483.60 + 483.60 + 13.46;
  });

  it('numbers per journal on request, and with a pipe separator sanitises pipes in labels', () => {
    const text = writeFec(sampleLedger(), { separator: '|', numbering: 'journal' });
    const lines = rows(text, '|').slice(1);
    const nums = (j: string) => [...new Set(lines.filter((l) => l[0] === j).map((l) => l[2]))];
    expect(nums('70')).toEqual(['1', '2', '3', '4']);
    expect(nums('30')).toEqual(['1']);
    expect(nums('CA')).toEqual(['1']);
    expect(lines.find((l) => l[0] === '30')![10]).toBe('Règlement CB caisse 01 Dupont');
    const check = checkFec(text);
    expect(check.errors).toEqual([]);
    expect(check.separator).toBe('|');
    expect(check.numbering).toBe('journal');
  });

  it('encodes in ISO 8859-15 (A47 A-1 character set) and reads back the same text', () => {
    const text = writeFec(sampleLedger());
    const bytes = encodeLatin9(text);
    expect(bytes.length).toBe([...text].length);
    expect(bytes.includes(0xe2)).toBe(true); // â of Bâtiment, one byte
    expect(decodeLatin9(bytes)).toBe(text);
    expect([...encodeLatin9('5 € – l’été Œuvre')]).toEqual([0x35, 0x20, 0xa4, 0x20, 0x2d, 0x20, 0x6c, 0x27, 0xe9, 0x74, 0xe9, 0x20, 0xbc, 0x75, 0x76, 0x72, 0x65]);
  });
});
