import { describe, expect, it } from 'vitest';
import { defaultMapping } from '../accounting/default-mapping.ts';
import { accountLabel, journalLabel, mappingViewOf, pcgLabel } from './mapping-view.ts';

describe('mapping view of accounting.json', () => {
  it('reads journals with their labels, the chart and the VAT codes of the accounting mapping', () => {
    const m = { ...defaultMapping(), journals: { sales: 'VT', bank: '30', cash: 'CA', purchases: 'HA' }, journalList: [{ code: 'VT', label: 'Journal des ventes' }, { code: '30', label: 'Banque' }] };
    m.vat.VR = { ...m.vat.VR, vatCode: 'C10' };
    const v = mappingViewOf(m);
    expect(journalLabel(v, 'VT')).toBe('Journal des ventes');
    expect(journalLabel(v, 'CA')).toBe('Caisse');
    expect([...v.journals.keys()].sort()).toEqual(['30', 'CA', 'HA', 'VT']);
    expect(accountLabel(v, '511200')).toBe('Chèques à encaisser');
    expect(v.accounts!.has('707000')).toBe(true);
    expect([...v.vatCodes!].sort()).toEqual(['C10', 'VN', 'VP', 'VS']);
  });

  it('falls back to the French chart of accounts for accounts the mapping does not label', () => {
    const v = mappingViewOf({});
    expect(v.accounts).toBeNull();
    expect(accountLabel(v, '445712')).toBe('TVA collectée');
    expect(pcgLabel('411000')).toBe('Clients');
    expect(pcgLabel('531000')).toBe('Caisse');
    expect(pcgLabel('900000')).toBe('Compte 900000');
  });
});
