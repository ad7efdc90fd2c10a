/**
 * Every kind of invoice tillsync makes, as CII, through the official rules: the UN/CEFACT D16B
 * XSD, the CEN EN 16931 schematron and the French BR-FR rules. The documents are written as
 * literal data, the way integration leaves them (lines incl. VAT, VAT lines per code).
 */
import { describe, expect, it } from 'vitest';
import { demoBaseData } from '../../fixtures/store.ts';
import type { BaseData, TicketLine, VatRate } from '../../sync/types.ts';
import { customerView, type InvoiceView } from '../exports/invoice-model.ts';
import { lineViewOf } from '../../bench/bench-facturx.ts';
import { eInvoiceOf, parseAddress, type PartyExtras, type VatRateExtras } from './en16931.ts';
import { ciiXml } from './cii-xml.ts';
import { checkBrFr, checkEn16931 } from '../../test/support/einvoice-validators.ts';

function baseData(): BaseData {
  const b = demoBaseData(5);
  const ids: Record<string, PartyExtras> = {
    C0000001: { siren: '732829320', vatNumber: 'FR44732829320' },
    C0000002: { siren: '356000000', vatNumber: 'FR39356000000', siret: '35600000000048' },
    C0000003: { email: 'compta@garage-leroy.example' },
  };
  const vatRates: (VatRate & VatRateExtras)[] = [
    ...b.vatRates,
    { code: 'EX', rate: '0', label: 'Exonéré', category: 'E', exemptionReason: 'Exonération de TVA, article 261-4-4° du CGI' },
    { code: 'IC', rate: '0', label: 'Livraison intracommunautaire', category: 'K' },
    { code: 'AL', rate: '0', label: 'Autoliquidation', category: 'AE' },
    { code: 'XP', rate: '0', label: 'Export', category: 'G' },
    { code: 'ZR', rate: '0', label: 'Taux zéro', category: 'Z' },
  ];
  return {
    ...b,
    vatRates,
    customers: [
      ...b.customers.map((c) => ({ ...c, ...ids[c.code] })),
      { code: 'C0000009', name: 'Müller GmbH', account: '411000', thirdParty: 'C0000009', address: 'Hauptstraße 5, 10115 Berlin', country: 'DE', vatNumber: 'DE123456789', siren: '' } as never,
    ],
  };
}

function view(o: { number: string; kind?: InvoiceView['kind']; customer?: string; lines: TicketLine[]; vat: [string, string, string, string][]; payments: [string, string][]; extra?: Partial<InvoiceView> }): InvoiceView {
  const b = baseData();
  const incl = o.vat.reduce((a, v) => a + Math.round((Number(v[2]) + Number(v[3])) * 100), 0);
  const excl = o.vat.reduce((a, v) => a + Math.round(Number(v[2]) * 100), 0);
  const vat = o.vat.reduce((a, v) => a + Math.round(Number(v[3]) * 100), 0);
  const cents = (n: number) => (n / 100).toFixed(2);
  // As the model counts them: credit sales and deposit vouchers are not money received here.
  const paidCents = o.payments.filter(([m]) => !['CRED', 'CPT', 'ACP'].includes(m)).reduce((a, p) => a + Math.round(Number(p[1]) * 100), 0);
  const depositCents = (o.extra?.deposits ?? []).reduce((a, d) => a + Math.round(Number(d.amount) * 100), 0);
  const paid = Math.min(Math.abs(paidCents), Math.abs(incl) - depositCents);
  const ticket = 'S1-01-00000042';
  return {
    number: o.number,
    kind: o.kind ?? 'invoice',
    complementOf: null,
    invoiceDate: '2026-11-03',
    saleDate: '2026-11-02',
    date: '2026-11-03',
    store: 'S1',
    till: '01',
    seller: b.company,
    customer: customerView(b, o.customer ?? 'C0000001'),
    category: 'goods',
    lines: o.lines.map((l) => lineViewOf(l, ticket)),
    tickets: [{ id: ticket, number: 42, soldAt: '2026-11-02T10:00:00+01:00', totalIncl: cents(incl), payments: o.payments.map(([mode, amount]) => ({ mode, label: mode, amount })) }],
    vat: o.vat.map(([code, rate, base, v]) => ({ code, rate, base, vat: v, incl: cents(Math.round((Number(base) + Number(v)) * 100)) })),
    totals: { excl: cents(excl), vat: cents(vat), incl: cents(incl) },
    corrects: [],
    uncitedReturns: 0,
    deposits: [],
    deposit: null,
    paid: cents(paid),
    due: cents(Math.max(Math.abs(incl) - depositCents - paid, 0)),
    dueSource: 'tickets',
    ...(o.extra ?? {}),
  };
}

/** A ticket line; `discount` (incl. VAT) is what was taken off qty × unitPrice. */
const line = (label: string, qty: string, unitPrice: string, vatCode: string, vatRate: string, inclVat: string, exclVat: string, discount?: string): TicketLine => ({
  article: 'A000001', label, qty, unitPrice, vatCode, vatRate, inclVat, exclVat, vat: (Number(inclVat) - Number(exclVat)).toFixed(2), ...(discount ? { discount: { amount: discount } } : {}),
});

const CASES: Record<string, InvoiceView> = {
  'seed 159.90 paid by card (already paid, B2)': view({ number: 'F00000001', lines: [line('Perceuse à percussion', '1', '159.90', 'VN', '20', '159.90', '133.25')], vat: [['VN', '20', '133.25', '26.65']], payments: [['CB', '159.90']] }),
  'mixed VAT 20 / 10 / 5.5 / 2.1 on credit, buyer with SIRET': view({
    number: 'F00000002',
    customer: 'C0000002',
    lines: [line('Perceuse', '1', '483.60', 'VN', '20', '483.60', '403.00'), line('Travaux', '2', '55.00', 'VR', '10', '110.00', '100.00'), line('Sucre', '3', '2.11', 'VS', '5.5', '6.33', '6.00'), line('Journal', '1', '1.02', 'VP', '2.1', '1.02', '1.00')],
    vat: [['VN', '20', '403.00', '80.60'], ['VR', '10', '100.00', '10.00'], ['VS', '5.5', '6.00', '0.33'], ['VP', '2.1', '1.00', '0.02']],
    payments: [['CRED', '600.95']],
  }),
  'line discounts (list price, discount, net)': view({
    number: 'F00000003',
    lines: [line('Vis inox x100', '3', '0.39', 'VN', '20', '1.05', '0.88', '0.12'), line('Établi pliant', '1', '483.60', 'VN', '20', '403.00', '335.83', '80.60')],
    vat: [['VN', '20', '336.71', '67.34']],
    payments: [['CB', '404.05']],
  }),
  'credit note citing the invoice it corrects (381)': view({
    number: 'AV0000001',
    kind: 'credit-note',
    lines: [line('Perceuse à percussion (retour)', '-1', '159.90', 'VN', '20', '-159.90', '-133.25')],
    vat: [['VN', '20', '-133.25', '-26.65']],
    payments: [['CB', '-159.90']],
    extra: { corrects: [{ number: 'F00000001', invoiceDate: '2026-10-28' }] },
  }),
  'deposit invoice on services (386, VAT on receipt)': view({
    number: 'FA0000001',
    kind: 'deposit-invoice',
    customer: 'C0000002',
    lines: [line('Acompte sur commande n° 10001651', '1', '100.00', 'VN', '20', '100.00', '83.33')],
    vat: [['VN', '20', '83.33', '16.67']],
    payments: [['CB', '100.00']],
    extra: { category: 'services', tickets: [], deposit: { order: '10001651', category: 'services', vatDue: 'receipt', ticket: 'S1-01-00000042' } },
  }),
  'deposit invoice on goods (386, VAT due at delivery)': view({
    number: 'FA0000002',
    kind: 'deposit-invoice',
    customer: 'C0000002',
    lines: [line('Acompte sur commande n° 10001652', '1', '100.00', '', '0', '100.00', '100.00')],
    vat: [],
    payments: [['CB', '100.00']],
    extra: { vat: [], totals: { excl: '100.00', vat: '0.00', incl: '100.00' }, paid: '100.00', due: '0.00', tickets: [], deposit: { order: '10001652', category: 'goods', vatDue: 'delivery', ticket: 'S1-01-00000042' } },
  }),
  'final invoice after a deposit (B4, prepaid)': view({
    number: 'F00000004',
    customer: 'C0000002',
    lines: [line('Table de jardin', '1', '664.00', 'VN', '20', '664.00', '553.33')],
    vat: [['VN', '20', '553.33', '110.67']],
    payments: [['ACP', '100.00'], ['CB', '564.00']],
    extra: { deposits: [{ order: '10001652', amount: '100.00', invoice: { number: 'FA0000002', invoiceDate: '2026-10-20', category: 'goods', vat: '0.00' } }] },
  }),
  'rounding: VAT on the total, line amounts do not add up to the basis': view({
    number: 'F00000005',
    lines: [line('Gomme', '1', '0.99', 'VN', '20', '0.99', '0.83'), line('Crayon', '1', '0.99', 'VN', '20', '0.99', '0.83'), line('Règle', '1', '0.99', 'VN', '20', '0.99', '0.83')],
    // Σ lines 2.49, but VAT on the total 2.97: 2.48 + 0.49
    vat: [['VN', '20', '2.48', '0.49']],
    payments: [['ESP', '2.97']],
  }),
  'rounding: quantity 3 at a price that does not divide': view({
    number: 'F00000006',
    customer: 'C0000003',
    lines: [line('Câble au mètre', '3.5', '1.17', 'VS', '5.5', '4.10', '3.89')],
    vat: [['VS', '5.5', '3.89', '0.21']],
    payments: [['CRED', '4.10']],
  }),
  'zero-rated and exempt lines (E, Z) beside a taxed one': view({
    number: 'F00000007',
    lines: [line('Formation', '1', '250.00', 'EX', '0', '250.00', '250.00'), line('Livre', '1', '12.00', 'ZR', '0', '12.00', '12.00'), line('Cahier', '2', '3.00', 'VN', '20', '6.00', '5.00')],
    vat: [['VN', '20', '5.00', '1.00'], ['EX', '0', '250.00', '0.00'], ['ZR', '0', '12.00', '0.00']],
    payments: [['CHQ', '268.00']],
  }),
  'intra-EU supply (K) to a German buyer': view({ number: 'F00000008', customer: 'C0000009', lines: [line('Perceuse', '2', '100.00', 'IC', '0', '200.00', '200.00')], vat: [['IC', '0', '200.00', '0.00']], payments: [['CRED', '200.00']] }),
  'reverse charge (AE) and export (G)': view({
    number: 'F00000009',
    lines: [line('Sous-traitance', '1', '500.00', 'AL', '0', '500.00', '500.00'), line('Export', '1', '80.00', 'XP', '0', '80.00', '80.00')],
    vat: [['AL', '0', '500.00', '0.00'], ['XP', '0', '80.00', '0.00']],
    payments: [['CRED', '580.00']],
  }),
};

describe('CII D16B invoices against EN 16931 and the BR-FR rules', () => {
  const base = baseData();
  for (const [name, v] of Object.entries(CASES)) {
    it(`${name}: XSD valid, no fatal EN 16931 or BR-FR rule`, () => {
      const xml = ciiXml(eInvoiceOf(v, base));
      const en = checkEn16931(xml);
      expect(en.xsd).toBeNull();
      expect(en.messages).toEqual([]);
      const fr = checkBrFr(xml);
      // BR-FR-12 (buyer electronic address) needs a SIREN or e-mail; the German buyer has a VAT number only.
      expect(fr.messages.filter((m) => !(v.customer.code === 'C0000009' && m.startsWith('BR-FR-12')))).toEqual([]);
      if (v.customer.code !== 'C0000009') expect(xml).toContain('<ram:URIUniversalCommunication><ram:URIID schemeID="0225">');
    });
  }

  it('states what each case is about', () => {
    const e = (k: string) => eInvoiceOf(CASES[k], base);
    expect(e('seed 159.90 paid by card (already paid, B2)').businessProcess).toBe('B2');
    const credit = e('credit note citing the invoice it corrects (381)');
    expect(credit.typeCode).toBe('381');
    expect(credit.totals.grand.toFixed(2)).toBe('159.90');
    expect(credit.preceding).toEqual({ number: 'F00000001', date: '2026-10-28' });
    expect([credit.issueDate, credit.deliveryDate]).toEqual(['2026-11-03', '2026-11-02']);
    expect(ciiXml(credit)).toContain('<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>F00000001</ram:IssuerAssignedID>');
    const depS = e('deposit invoice on services (386, VAT on receipt)');
    expect([depS.typeCode, depS.businessProcess, depS.vat[0].category]).toEqual(['386', 'S2', 'S']);
    const depG = e('deposit invoice on goods (386, VAT due at delivery)');
    expect([depG.typeCode, depG.vat[0].category, depG.vat[0].exemptionReason]).toEqual(['386', 'E', 'TVA exigible à la livraison des biens (art. 269-2-a du CGI)']);
    const fin = e('final invoice after a deposit (B4, prepaid)');
    expect(fin.businessProcess).toBe('B4');
    expect([fin.totals.prepaid.toFixed(2), fin.totals.due.toFixed(2)]).toEqual(['664.00', '0.00']);
    expect(fin.preceding).toEqual({ number: 'FA0000002', date: '2026-10-20' });
    const disc = e('line discounts (list price, discount, net)').lines[0];
    expect([disc.grossPrice?.toFixed(), disc.priceDiscount?.toFixed(), disc.netPrice.toFixed()]).toEqual(['0.325', '0.0317', '0.2933']);
    const rounding = e('rounding: VAT on the total, line amounts do not add up to the basis');
    expect(rounding.lines.map((l) => l.amount.toFixed(2))).toEqual(['0.82', '0.83', '0.83']);
    const mixed = e('mixed VAT 20 / 10 / 5.5 / 2.1 on credit, buyer with SIRET');
    expect(mixed.vat.map((r) => `${r.category} ${r.rate} ${r.basis.toFixed(2)} ${r.vat.toFixed(2)}`)).toEqual(['S 20 403.00 80.60', 'S 10 100.00 10.00', 'S 5.5 6.00 0.33', 'S 2.1 1.00 0.02']);
    expect([mixed.businessProcess, mixed.totals.due.toFixed(2), mixed.payment.meansCode]).toEqual(['B1', '600.95', '1']);
    const ex = e('zero-rated and exempt lines (E, Z) beside a taxed one');
    expect(ex.vat.find((r) => r.category === 'E')?.exemptionReason).toMatch(/261/);
  });

  it('the rules do catch a wrong invoice (the oracle is not blind)', () => {
    const xml = ciiXml(eInvoiceOf(CASES['seed 159.90 paid by card (already paid, B2)'], base)).replace('<ram:GrandTotalAmount>159.90<', '<ram:GrandTotalAmount>159.99<');
    expect(checkEn16931(xml).fatal).toContain('BR-CO-15');
    const noSiren = ciiXml(eInvoiceOf(CASES['seed 159.90 paid by card (already paid, B2)'], base)).replace(/<ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">552100554<\/ram:ID><\/ram:SpecifiedLegalOrganization>/, '');
    expect(checkBrFr(noSiren).fatal.some((id) => id.startsWith('BR-FR-10'))).toBe(true);
    expect(checkEn16931('<x/>').xsd).toMatch(/CrossIndustryInvoice|element/);
  });

  it('refuses, with a hint, a 0 % VAT code that does not say its category', () => {
    const b = baseData();
    b.vatRates.push({ code: 'V0', rate: '0', label: 'Zéro' });
    const v = view({ number: 'F00000010', lines: [line('X', '1', '1.00', 'V0', '0', '1.00', '1.00')], vat: [['V0', '0', '1.00', '0.00']], payments: [['ESP', '1.00']] });
    expect(() => eInvoiceOf(v, b)).toThrow(/no VAT category/);
  });

  it('splits the one-text addresses of the base data', () => {
    expect(parseAddress('12 rue du Commerce, 75015 Paris')).toEqual({ line: '12 rue du Commerce', postcode: '75015', city: 'Paris', country: 'FR' });
    expect(parseAddress('Hauptstraße 5, 10115 Berlin', 'DE').city).toBe('Berlin');
  });
});
