import { describe, expect, it } from 'vitest';
import { CHART_OF_ACCOUNTS, CUSTOMERS, JOURNALS, PAYMENT_ACCOUNTS, PAYMENT_MODES, VAT_ACCOUNTS, VAT_RATES } from '../../fixtures/store.ts';
import { defaultMapping } from './default-mapping.ts';
import { checkMapping } from './config-check.ts';
import { customerResolver, parseMapping } from './mapping.ts';
import { mergeImport, parseAccountsCsv, decodeText } from './accounts-import.ts';

const base = { vatRates: VAT_RATES, paymentModes: PAYMENT_MODES, customers: CUSTOMERS };

describe('default mapping', () => {
  it('agrees with the fixtures store (seed 000 / 003 values)', () => {
    const m = defaultMapping();
    expect(m.chart).toEqual(CHART_OF_ACCOUNTS);
    expect(m.journalList).toEqual(JOURNALS);
    for (const v of VAT_RATES) expect({ salesAccount: m.vat[v.code].salesAccount, vatAccount: m.vat[v.code].vatAccount }).toEqual(VAT_ACCOUNTS[v.code]);
    for (const p of PAYMENT_MODES) {
      const mm = m.paymentModes[p.code];
      expect([mm.state, mm.deliveryNote, mm.credit, mm.depositVoucher, mm.journal]).toEqual([p.state, p.deliveryNote, p.credit, p.depositVoucher, PAYMENT_ACCOUNTS[p.code].journal]);
      if (!p.credit) expect(mm.account).toBe(PAYMENT_ACCOUNTS[p.code].account);
    }
    expect([m.customers.defaultAccount, m.customers.defaultThirdParty]).toEqual(['410000', '0000002']);
    expect(m.journals).toEqual({ sales: '70', bank: '30', cash: 'CA', purchases: 'HA' });
  });

  it('passes the check against the demo base data: the cash journal CA has its own Exact journal', () => {
    const r = checkMapping(defaultMapping(), base);
    expect(r.ok).toBe(true);
    expect(r.issues).toEqual([]);
  });

  it('refuses a non-numeric journal without an Exact journal, and two journals merged into one Exact journal', () => {
    const m = defaultMapping();
    m.exact = { journals: {} };
    let r = checkMapping(m, base);
    expect(r.ok).toBe(false);
    expect(r.issues.filter((i) => i.severity === 'error').map((i) => i.path)).toEqual(['journals.cash', 'paymentModes.ESP.journal']);
    expect(r.issues[0].message).toMatch(/journal CA is not numeric and has no Exact journal/);
    expect(r.issues[0].fix).toMatch(/"exact": \{ "journals": \{ "CA"/);
    // The old silent fallback put the cash journal on the bank journal 30: now refused as a merge.
    m.exact = { journals: { CA: '30' } };
    r = checkMapping(m, base);
    expect(r.issues.filter((i) => i.severity === 'error').map((i) => `${i.path}: ${i.message}`)).toEqual(['exact.journals: journals 30, CA all go to Exact journal 30: Exact would merge them']);
    // A store that does not export to Exact says so.
    m.exact = { enabled: false, journals: {} };
    expect(checkMapping(m, base).ok).toBe(true);
    // An Exact journal must be numeric: the schema says where.
    expect(checkMapping({ ...defaultMapping(), exact: { journals: { CA: 'K' } } }, base).issues.map((i) => i.path)).toEqual(['exact.journals.CA']);
  });

  it('customer accounts: override, then base data, then the counter defaults', () => {
    const m = defaultMapping();
    m.customers.overrides.C0000003 = { account: '411100', thirdParty: 'GARAGE' };
    const r = customerResolver(m, CUSTOMERS);
    expect(r('C0000001')).toMatchObject({ account: '411000', thirdParty: 'C0000001' });
    expect(r('C0000003')).toMatchObject({ account: '411100', thirdParty: 'GARAGE' });
    expect(r('UNKNOWN')).toMatchObject({ account: '410000', thirdParty: '0000002' });
    m.customers.fromBaseData = false;
    expect(customerResolver(m, CUSTOMERS)('C0000001')).toMatchObject({ account: '410000', thirdParty: '0000002' });
  });
});

describe('config check lists every problem with where to fix it', () => {
  it('schema errors name their JSON path', () => {
    const m = defaultMapping() as any;
    m.rounding.decimals = 5;
    m.vat.VN.salesAccount = '70 70';
    m.posting.mode = 'both';
    const r = checkMapping(m, base);
    expect(r.ok).toBe(false);
    expect(r.issues.map((i) => i.path).sort()).toEqual(['posting.mode', 'rounding.decimals', 'vat.VN.salesAccount']);
  });

  it('missing mappings, unknown accounts and journals, inconsistent flags', () => {
    const m = defaultMapping();
    delete (m.vat as Record<string, unknown>).VS;
    delete (m.paymentModes as Record<string, unknown>).CHQ;
    m.vat.VN.vatAccount = '445799';
    m.paymentModes.CB.journal = 'BQ';
    m.paymentModes.CPT.deliveryNote = false;
    m.paymentModes.ESP.account = null;
    m.paymentModes.ACP.account = '511000';
    m.rounding.lossAccount = '658999';
    m.customers.overrides.C0000009 = { account: '411999', thirdParty: 'X' };
    m.deposits.account = '410000';
    const r = checkMapping(m, base);
    const errors = r.issues.filter((i) => i.severity === 'error').map((i) => i.path);
    expect(errors).toEqual([
      'vat.VN.vatAccount',
      'vat.VS',
      'customers.overrides.C0000009.account',
      'paymentModes.ESP.account',
      'paymentModes.CB.journal',
      'paymentModes.CB.journal',
      'paymentModes.ACP.account',
      'paymentModes.CPT.deliveryNote',
      'paymentModes.CHQ',
      'deposits.account',
      'rounding.lossAccount',
    ]);
    expect(r.issues.find((i) => i.path === 'vat.VS')!.message).toBe('VAT code VS (5.5 %, base data) has no mapping');
    expect(r.issues.filter((i) => i.path === 'paymentModes.CB.journal').map((i) => i.message).join('\n')).toMatch(/BQ is not numeric and has no Exact journal/);
    expect(r.issues.find((i) => i.path === 'customers.overrides.C0000009')!.severity).toBe('warning');
  });

  it('base customers on an account missing from the chart are reported once per account', () => {
    const m = defaultMapping();
    m.chart = m.chart.filter((a) => a.number !== '411000');
    const r = checkMapping(m, base);
    expect(r.issues.filter((i) => i.severity === 'error').map((i) => i.path)).toEqual(['(base data) customer C0000001.account']);
  });
});

describe('import of accounts and journals (seed 001: duplicates are not taken)', () => {
  it('header with French names, Latin-1, duplicates and malformed lines reported by line', () => {
    const csv = ['Type;Numéro;Libellé', 'compte;707100;Ventes de marchandises détail', 'compte;707000;Ventes (déjà là)', 'journal;VT;Ventes', 'journal;70;Ventes (doublon)', 'compte;707100;Encore', 'compte;70 71;Mauvais', 'fournisseur;401000;Fournisseurs', ''].join('\r\n');
    const parsed = parseAccountsCsv(decodeText(Buffer.from(csv, 'latin1')));
    const { mapping, report } = mergeImport(defaultMapping(), parsed);
    expect(report.added.map((x) => `${x.kind} ${x.code} ${x.label} @${x.line}`)).toEqual(['account 707100 Ventes de marchandises détail @2', 'journal VT Ventes @4']);
    expect(report.ignored.map((x) => `${x.code} @${x.line} ${x.reason}`)).toEqual(['707000 @3 duplicate of the mapping', '70 @5 duplicate of the mapping', '707100 @6 duplicate of line 2']);
    expect(report.malformed.map((x) => x.line)).toEqual([7, 8]);
    expect(mapping.chart.some((a) => a.number === '707100')).toBe(true);
    expect(mapping.journalList.at(-1)).toEqual({ code: 'VT', label: 'Ventes' });
    expect(parseMapping(mapping).issues).toEqual([]);
  });

  it('no header: number,label lines are accounts; quoted fields keep their separators', () => {
    const parsed = parseAccountsCsv('604000,"Achats, études"\n512100,Banque 2\n');
    expect(parsed.items.map((x) => [x.kind, x.code, x.label])).toEqual([
      ['account', '604000', 'Achats, études'],
      ['account', '512100', 'Banque 2'],
    ]);
  });
});
