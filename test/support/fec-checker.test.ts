import { describe, expect, it } from 'vitest';
import { FEC_FIELDS } from '../../server/exports/fec-writer.ts';
import { checkFec, checkFecFileName } from './fec-checker.ts';

const HEADER = FEC_FIELDS.join('\t');
type Row = Partial<Record<(typeof FEC_FIELDS)[number], string>>;
const BASE: Record<(typeof FEC_FIELDS)[number], string> = {
  JournalCode: '70', JournalLib: 'Ventes', EcritureNum: '1', EcritureDate: '20261102', CompteNum: '411000', CompteLib: 'Clients', CompAuxNum: '', CompAuxLib: '',
  PieceRef: '10001432', PieceDate: '20261102', EcritureLib: 'Facture', Debit: '0,00', Credit: '0,00', EcritureLet: '', DateLet: '', ValidDate: '20261103', Montantdevise: '', Idevise: '',
};
const file = (...rows: Row[]) => [HEADER, ...rows.map((r) => FEC_FIELDS.map((k) => r[k] ?? BASE[k]).join('\t'))].join('\r\n') + '\r\n';
const pair = (num: string, amount = '10,00', extra: Row = {}): Row[] => [
  { EcritureNum: num, CompteNum: '411000', Debit: amount, ...extra },
  { EcritureNum: num, CompteNum: '707000', CompteLib: 'Ventes', Credit: amount },
];

describe('FEC checker', () => {
  it('accepts a correct file', () => {
    const r = checkFec(file(...pair('1'), ...pair('2', '5,50')));
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.entryCount).toBe(2);
    expect(r.totalDebit).toBe('15.50');
  });

  it.each([
    ['a header not in A47 A-1 order', () => file(...pair('1')).replace('JournalCode\tJournalLib', 'JournalLib\tJournalCode'), /header must be the 18 fields/],
    ['a missing column', () => file(...pair('1')).replace(/\t\r\n/, '\r\n'), /17 fields instead of 18/],
    ['an unbalanced entry', () => file({ EcritureNum: '1', Debit: '10,00' }, { EcritureNum: '1', CompteNum: '707000', Credit: '9,99' }), /not balanced/],
    ['an amount with a decimal point', () => file(...pair('1', '10.00')), /decimal comma/],
    ['an amount with a thousands separator', () => file(...pair('1', '1 000,00')), /decimal comma/],
    ['a date that is not AAAAMMJJ', () => file(...pair('1', '10,00', { EcritureDate: '2026-11-02' })), /EcritureDate "2026-11-02" is not a date/],
    ['an impossible date', () => file(...pair('1', '10,00', { PieceDate: '20260230' })), /PieceDate "20260230"/],
    ['a break in the numbering', () => file(...pair('1'), ...pair('3')), /EcritureNum has breaks/],
    ['EcritureLet without DateLet', () => file(...pair('1', '10,00', { EcritureLet: 'AAA' })), /EcritureLet "AAA" without DateLet/],
    ['DateLet without EcritureLet', () => file(...pair('1', '10,00', { DateLet: '20261103' })), /without DateLet|go together/],
    ['CompAuxNum without CompAuxLib', () => file(...pair('1', '10,00', { CompAuxNum: 'C0000001' })), /CompAuxNum C0000001 without CompAuxLib/],
    ['ValidDate before EcritureDate', () => file(...pair('1', '10,00', { ValidDate: '20261101' })), /ValidDate 20261101 is before EcritureDate/],
    ['an entry split in two places', () => file(pair('1')[0], ...pair('2'), pair('1')[1]), /is split/],
    ['an empty mandatory field', () => file(...pair('1', '10,00', { CompteLib: '' })), /CompteLib is empty/],
    ['entries out of validation order', () => file(...pair('1', '10,00', { ValidDate: '20261105' }).map((r) => ({ ...r, ValidDate: '20261105' })), ...pair('2')), /out of validation order/],
    // A47 A-1 rules our first reading did not check:
    ['a number going back', () => file(...pair('5'), ...pair('4')), /EcritureNum has breaks/],
    ['an account that is not of the French chart', () => file(...pair('1', '10,00', { CompteNum: 'CLIENTS' })), /CompteNum "CLIENTS" does not start with three digits/],
    ['a line both debit and credit', () => file({ EcritureNum: '1', Debit: '10,00', Credit: '10,00' }), /a debit or a credit, not both/],
    ['one account with two labels', () => file(...pair('1'), ...pair('2', '10,00', { CompteLib: 'Clients divers' })), /CompteNum 411000 has two CompteLib/],
    ['one journal with two labels', () => file(...pair('1'), ...pair('2').map((r) => ({ ...r, JournalLib: 'Ventes bis' }))), /JournalCode 70 has two JournalLib/],
    ['an EcritureNum without a number', () => file(...pair('X')), /EcritureNum "X" does not end with a sequence number/],
  ])('rejects %s', (_name, make, pattern) => {
    const r = checkFec(make());
    expect(r.ok).toBe(false);
    expect(r.errors.join('\n')).toMatch(pattern);
  });

  it('accepts numbering per journal and says so', () => {
    const r = checkFec(file(...pair('1'), ...pair('1', '3,00').map((x) => ({ ...x, JournalCode: '30', JournalLib: 'Banque' })), ...pair('2')));
    expect(r.errors).toEqual([]);
    expect(r.numbering).toBe('journal');
  });

  it('accepts a numbering that continues from an earlier year (continuous over time) and a prefixed opening sequence', () => {
    const opening = pair('AN1', '100,00', { EcritureDate: '20260101', PieceDate: '20260101', ValidDate: '20260101' }).map((r) => ({ ...r, JournalCode: 'AN', JournalLib: 'A nouveaux', EcritureDate: '20260101', PieceDate: '20260101', ValidDate: '20260101', CompteNum: r.CompteNum === '707000' ? '120000' : '512000', CompteLib: r.CompteNum === '707000' ? 'Résultat' : 'Banque' }));
    const r = checkFec(file(...opening, ...pair('57'), ...pair('58')), { fiscalYear: { start: '2026-01-01', end: '2026-12-31' }, requireOpening: true });
    expect(r.errors).toEqual([]);
    expect(r.numbering).toBe('file');
  });

  it('with the financial year: dates inside it, opening entries first and on its first day', () => {
    const year = { start: '2026-01-01', end: '2026-12-31' };
    expect(checkFec(file(...pair('1', '10,00', { EcritureDate: '20251231' })), { fiscalYear: year }).errors.join('\n')).toMatch(/EcritureDate 20251231 is outside the financial year 20260101-20261231/);
    expect(checkFec(file(...pair('1')), { fiscalYear: year, requireOpening: true }).errors.join('\n')).toMatch(/no opening entry \(journal AN\)/);
    const late = pair('AN1').map((r) => ({ ...r, JournalCode: 'AN', JournalLib: 'A nouveaux' }));
    const errors = checkFec(file(...pair('1'), ...late), { fiscalYear: year }).errors.join('\n');
    expect(errors).toMatch(/opening entry dated 20261102, not the first day of the year 20260101/);
    expect(errors).toMatch(/opening entries \(journal AN\) must come first/);
  });

  it('checks the name of the yearly file: SIRENFECAAAAMMJJ with the closing date', () => {
    expect(checkFecFileName('/x/552100554FEC20261231.txt', '2026-12-31')).toEqual([]);
    expect(checkFecFileName('552100554FEC20261231-2.txt')[0]).toMatch(/is not SIRENFECAAAAMMJJ/);
    expect(checkFecFileName('552100554FEC20261130.txt', '2026-12-31')[0]).toMatch(/not the closing date of the year 20261231/);
    expect(checkFecFileName('552100554FEC-extrait-20261101-20261130.txt')[0]).toMatch(/is not SIRENFECAAAAMMJJ/);
  });
});
