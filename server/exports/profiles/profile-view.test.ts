import { describe, expect, it } from 'vitest';
import type { Customer, VatRate } from '../../../sync/types.ts';
import { defaultMapping } from '../../accounting/default-mapping.ts';
import { sampleLedger } from '../../../test/support/sample-ledger.ts';
import { isTillsyncError } from '../../../sync/errors.ts';
import type { DocumentInfo } from './entry-context.ts';
import { profileIssues, type ExportProfile } from './profile-schema.ts';
import { ProfileView, customerZone, generatedAccount } from './profile-view.ts';
import { D } from '../../../sync/money.ts';

const customers: Customer[] = [
  { code: 'C0000001', name: 'Dupont Bâtiment', account: '411000', thirdParty: 'C0000001', address: '1 rue des Lilas, 75001 Paris', vatNumber: 'FR32552100554' },
  { code: 'C0000002', name: 'Martin & Fils', account: '411000', thirdParty: 'C0000002', address: 'Hauptstraße 1, Berlin', vatNumber: 'DE123456789' },
  { code: '0000002', name: 'Client comptoir', account: '410000', thirdParty: '0000002', counter: true },
];
const vatRates: VatRate[] = [{ code: 'VN', rate: '20', label: 'Normal' }];
const doc = (number: string, customer: string, till: string, kind = 'invoice', paymentMode: string | null = 'CB'): [string, DocumentInfo] => [number, { number, kind, store: 'S1', till, customer, day: '2026-11-02', firstTicket: 12, lastTicket: 15, paymentMode }];
const docs = new Map<string, DocumentInfo>([doc('10001432', 'C0000001', '01'), doc('10001433', 'C0000001', '01'), doc('10001434', '0000002', '02', 'invoice', 'ESP'), doc('10001435', 'C0000002', '01', 'credit-note')]);

function view(p: Partial<ExportProfile>): ProfileView {
  const profile = { version: 1, format: 'sage', ...p } as ExportProfile;
  const { issues } = profileIssues(profile);
  expect(issues).toEqual([]);
  return new ProfileView({ name: 'cabinet-sage', profile, mapping: defaultMapping(), customers, vatRates });
}

const sums = (entries: ReturnType<typeof sampleLedger>) => entries.flatMap((e) => e.lines).reduce((s, l) => ({ d: s.d.plus(l.debit), c: s.c.plus(l.credit) }), { d: new D(0), c: new D(0) });

describe('an export profile applied to the books', () => {
  it('generates per-customer accounts (prefix + code padded or cut to a length) and fails loudly on a collision', () => {
    expect(generatedAccount('411W', 6, '1')).toBe('411W01'); // seed 002's example
    expect(generatedAccount('CLIWE', 8, 'é12')).toBe('CLIWEE12');
    expect(generatedAccount('411', 8, 'C0000001')).toBe('41100001');
    let err: unknown;
    try {
      view({ customers: { account: { mode: 'generated', prefix: '411W', length: 8 } } });
    } catch (e) {
      err = e;
    }
    // C0000002 and the counter 0000002 both end in 0002 once cut to 4 characters.
    expect(isTillsyncError(err) && err.code).toBe('profile-collision');
    expect((err as Error).message).toMatch(/customers C0000002 and 0000002 both get the account 411W0002/);

    const v = view({ customers: { account: { mode: 'generated', prefix: '411W', length: 12 }, thirdParty: { mode: 'generated', prefix: 'CLI', length: 11 } } });
    const out = sampleLedger().map((e) => v.apply(e, docs));
    const customerLines = out.flatMap((e) => e.lines).filter((l) => l.auxAccount);
    expect(customerLines.map((l) => `${l.account}/${l.auxAccount}`)).toEqual(['411WC0000001/CLIC0000001', '411WC0000001/CLIC0000001', '411WC0000001/CLIC0000001', '411W00000002/CLI00000002', '411W00000002/CLI00000002', '411WC0000002/CLIC0000002']);
    expect([...v.seen.keys()].sort()).toEqual(['CLI00000002', 'CLIC0000001', 'CLIC0000002']);
    expect(v.seen.get('CLIC0000001')).toMatchObject({ account: '411WC0000001', name: 'Dupont Bâtiment', address: '1 rue des Lilas, 75001 Paris' });
  });

  it('takes one account for all, or one per payment mode, or the base data', () => {
    const single = view({ customers: { account: { mode: 'single', account: '4110000' } } }).apply(sampleLedger()[0], docs);
    expect(single.lines[0].account).toBe('4110000');
    const perMode = view({ customers: { account: { mode: 'per-payment-mode', account: '411000', byPaymentMode: { ESP: '411ESP', CB: '411CB' } } } });
    const [, , pay, counter, cash] = sampleLedger().map((e) => perMode.apply(e, docs));
    expect(counter.lines[0].account).toBe('411ESP'); // the document's payment mode
    expect(cash.lines[1].account).toBe('411ESP'); // the treasury entry's own mode (531000 → ESP)
    expect(pay.lines[1].account).toBe('411CB');
  });

  it('maps sales and VAT accounts per VAT code with country exceptions, credit notes to their journal, and never changes an amount', () => {
    const v = view({
      journals: { map: { '70': 'VTE', CA: 'CAI' }, creditNotes: 'AVO' },
      salesAccounts: { byVatCode: { VN: '707100' }, EU: { '*': '707200' }, outsideEU: { '*': '707300' } },
      taxAccounts: { byVatCode: { VN: '4457120' } },
    });
    const before = sampleLedger();
    const out = before.map((e) => v.apply(e, docs));
    expect(out.map((e) => e.journal)).toEqual(['VTE', 'VTE', '30', 'VTE', 'CAI', 'AVO']);
    expect(out[0].lines.map((l) => l.account)).toEqual(['411000', '707100', '4457120']);
    // Martin & Fils has a German VAT number: an EU sale.
    expect(out[5].lines.map((l) => l.account)).toEqual(['411000', '707200', '4457120']);
    expect(out[5].creditNote).toBe(true);
    expect(sums(out)).toEqual(sums(before));
    expect(out.flatMap((e) => e.lines)).toHaveLength(before.flatMap((e) => e.lines).length);
    expect(customerZone(customers[1])).toBe('EU');
    expect(customerZone({ ...customers[1], vatNumber: 'CH123' })).toBe('outsideEU');
    expect(customerZone(undefined)).toBe('FR');
  });

  it('writes labels and references from templates, upper-case without accents, with the analytic section of the till on revenue lines only', () => {
    const v = view({
      labels: { entry: { sales: '{document} {customerName}', treasury: 'Règlement {paymentMode} {date}' }, lettering: 'Lettrage %IN', piece: 'VT{document}' },
      text: { removeAccents: true, upperCase: true },
      analytics: { axis: 'till', sections: { '01': 'CAISSE01' }, default: 'DIVERS' },
    });
    const [inv, , pay, counter] = sampleLedger().map((e) => v.apply(e, docs));
    expect(inv.piece).toBe('VT10001432');
    expect(inv.lines.map((l) => l.label)).toEqual(['LETTRAGE 10001432', '10001432 DUPONT BATIMENT', '10001432 DUPONT BATIMENT']);
    expect(inv.lines.map((l) => l.analytic ?? null)).toEqual([null, 'CAISSE01', null]);
    expect(counter.lines[1].analytic).toBe('02'); // no section configured for till 02: the till itself
    expect(pay.lines[0].label).toBe('REGLEMENT CB 02/11/2026');
    expect(inv.lines[0].auxLabel).toBe('DUPONT BATIMENT');
  });

  it('refuses a profile that names an unknown placeholder or rewrites the FEC, naming the field', () => {
    expect(profileIssues({ version: 1, format: 'sage', labels: { entry: '{document} {client}' } }).issues).toEqual([{ path: 'labels.entry', message: expect.stringMatching(/unknown placeholder \{client\}/), code: 'unknown-placeholder', params: { placeholders: '{client}' } }]);
    expect(profileIssues({ version: 1, format: 'fec', analytics: { axis: 'till' } }).issues[0]).toMatchObject({ path: 'analytics' });
    expect(profileIssues({ version: 1, format: 'sage', customers: { account: { mode: 'generated', prefix: '411W' } } }).issues[0]).toMatchObject({ path: 'customers.account.length' });
    expect(profileIssues({ version: 1, format: 'sage', customers: { account: { mode: 'generated', prefix: '411W', length: 4 } } }).issues[0].message).toMatch(/no room after prefix/);
  });

  it('fees: the marketplace commission lines (the fee lines the books hold) go to the profile\'s fees account, nothing else', async () => {
    const { entry, line } = await import('../../../test/support/sample-ledger.ts');
    const commission = entry(20, 'HA', 'treasury', '2026-11-04', 'FM0000001', 'Commission place de marché', [
      line('622600', 'D', '10.00'),
      line('445660', 'D', '2.00'),
      line('401000', 'C', '12.00', { aux: 'MKP' }),
    ]);
    const profile: ExportProfile = { version: 1, format: 'sage', fees: { account: '627000' } };
    expect(profileIssues(profile).issues).toEqual([]);
    const v = new ProfileView({ name: 'frais', profile, mapping: defaultMapping(), customers, vatRates, feeAccounts: ['622600'] });
    expect(v.apply(commission, docs).lines.map((l) => l.account)).toEqual(['627000', '445660', '401000']);
    // Without the option the commission stays as posted; the FEC refuses the key.
    expect(new ProfileView({ name: 'x', profile: { version: 1, format: 'sage' }, mapping: defaultMapping(), customers, vatRates, feeAccounts: ['622600'] }).apply(commission, docs).lines[0].account).toBe('622600');
    expect(profileIssues({ version: 1, format: 'fec', fees: { account: '627000' } }).issues.map((x) => x.path)).toEqual(['fees']);
  });
});
