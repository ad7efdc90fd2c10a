import { describe, expect, it } from 'vitest';
import { FEC_FIELDS } from './fec-writer.ts';
import { checkFec } from './fec-checker.ts';

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
});
