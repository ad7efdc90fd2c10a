/**
 * One ledger, every format: the seeds' sample ledger through the cabinet-sage profile of the docs
 * (generated customer accounts, upper-case labels, an analytic section per till, a credit note),
 * written by each software writer and compared with its golden file (test/golden/exports/, read
 * once against the format descriptions of docs/exports.md; TILLSYNC_UPDATE_GOLDEN=1 rewrites them).
 * Beside the golden comparison, each file is cut back into fields by the published widths and its
 * amounts, directions and accounts are checked against the ledger.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Customer } from '../../../sync/types.ts';
import { D } from '../../../sync/money.ts';
import { defaultMapping } from '../../accounting/default-mapping.ts';
import { sampleLedger } from '../../../test/support/sample-ledger.ts';
import { CEGID_LAYOUT, CIEL_LAYOUT, QUADRATUS_M_LAYOUT, SAGE_LAYOUT, layoutLength, readFixed } from '../../../test/support/fixed-width.ts';
import type { DocumentInfo } from '../profiles/entry-context.ts';
import { ProfileView } from '../profiles/profile-view.ts';
import type { ExportProfile } from '../profiles/profile-schema.ts';
import type { LedgerEntry } from '../ledger-model.ts';
import type { FormatWriter } from './format-writer.ts';
import { SAGE_RECORD_LENGTH, SageWriter } from './sage-writer.ts';
import { EbpWriter } from './ebp-writer.ts';
import { CIEL_RECORD_LENGTH, CielWriter } from './ciel-writer.ts';
import { QUADRATUS_M_LENGTH, QuadratusWriter } from './quadratus-writer.ts';
import { CEGID_RECORD_LENGTH, CegidWriter } from './cegid-writer.ts';
import { customersFile } from './customers-file.ts';

const GOLDEN = join(import.meta.dirname, '..', '..', '..', 'test', 'golden', 'exports');

const customers_: Customer[] = [
  { code: 'C0000001', name: 'Dupont Bâtiment', account: '411000', thirdParty: 'C0000001', address: '1 rue des Lilas, 75001 Paris' },
  { code: 'C0000002', name: 'Martin & Fils', account: '411000', thirdParty: 'C0000002', vatNumber: 'DE123456789' },
  { code: '0000002', name: 'Client comptoir', account: '410000', thirdParty: '0000002', counter: true },
];
const doc = (number: string, customer: string, till: string, kind = 'invoice'): [string, DocumentInfo] => [number, { number, kind, store: 'S1', till, customer, day: '2026-11-02', firstTicket: 12, lastTicket: 12, paymentMode: 'CB' }];
const docs = new Map<string, DocumentInfo>([doc('10001432', 'C0000001', '01'), doc('10001433', 'C0000001', '01'), doc('10001434', '0000002', '02'), doc('10001435', 'C0000002', '01', 'credit-note')]);

const cabinet: ExportProfile = {
  version: 1,
  format: 'sage',
  journals: { map: { '70': 'VTE', '30': 'BQ', CA: 'CAI' }, creditNotes: 'AVO' },
  customers: { account: { mode: 'generated', prefix: '411', length: 11 } },
  text: { removeAccents: true, upperCase: true },
  labels: { entry: { sales: '{document} {customerName}', creditNote: 'Avoir {document} {customerName}', treasury: 'Reglement {paymentMode} {date}' } },
  analytics: { axis: 'till', sections: { '01': 'CAISSE01', '02': 'CAISSE02' } },
};

function ledger(): { entries: LedgerEntry[]; view: ProfileView } {
  const view = new ProfileView({ name: 'cabinet-sage', profile: cabinet, mapping: defaultMapping(), customers: customers_, vatRates: [{ code: 'VN', rate: '20', label: 'Normal' }] });
  return { entries: sampleLedger().map((e) => view.apply(e, docs)), view };
}

function write(w: FormatWriter, entries: LedgerEntry[]): string {
  return w.head() + entries.map((e) => w.entry(e)).join('') + w.tail();
}

function golden(name: string, text: string): void {
  const file = join(GOLDEN, name);
  if (process.env.TILLSYNC_UPDATE_GOLDEN || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
  }
  expect(text).toBe(readFileSync(file, 'utf8'));
}

const records = (text: string) => text.split('\r\n').filter(Boolean);
const total = (rows: Record<string, string>[], sens: string, amount: (r: Record<string, string>) => string) => rows.filter((r) => r.sens === sens).reduce((s, r) => s.plus(amount(r)), new D(0)).toFixed(2);
const ledgerTotal = (entries: LedgerEntry[]) => entries.flatMap((e) => e.lines).reduce((s, l) => s.plus(l.debit), new D(0)).toFixed(2);

describe('accounting software formats (one ledger, every format)', () => {
  it('Sage 100 PNM: fixed 105-character records, analytic records after revenue lines, golden file', () => {
    const { entries } = ledger();
    const text = write(new SageWriter(), entries);
    golden('cabinet-sage.pnm', text);
    expect(layoutLength(SAGE_LAYOUT)).toBe(SAGE_RECORD_LENGTH);
    const rows = records(text).map((r) => {
      expect(r).toHaveLength(SAGE_RECORD_LENGTH);
      return readFixed(r, SAGE_LAYOUT);
    });
    const general = rows.filter((r) => r.accountType !== 'A');
    expect(total(general, 'D', (r) => r.amount.trim())).toBe(ledgerTotal(entries));
    expect(total(general, 'C', (r) => r.amount.trim())).toBe(ledgerTotal(entries));
    const analytic = rows.filter((r) => r.accountType === 'A');
    expect(analytic.map((r) => r.aux.trim())).toEqual(['CAISSE01', 'CAISSE01', 'CAISSE02', 'CAISSE01']);
    expect(rows[0]).toMatchObject({ journal: 'VTE', date: '021126', pieceType: 'FA', accountType: 'X', sens: 'D' });
    expect(rows[0].account.trim()).toBe('411C0000001');
    expect(rows.at(-1)).toMatchObject({ journal: 'AVO', pieceType: 'AV' });
    expect(rows[0].label.trim()).toBe('10001432 DUPONT BATIMENT');
  });

  it('EBP ASCII: comma-separated, third party in place of the account, quoted labels, golden file', () => {
    const { entries } = ledger();
    const text = write(new EbpWriter(), entries);
    golden('cabinet-sage.ebp.txt', text);
    const rows = text.trim().split('\n').map((l) => l.split(','));
    expect(rows).toHaveLength(entries.flatMap((e) => e.lines).length);
    expect(rows[0]).toEqual(['1', '02112026', 'VTE', 'C0000001', '"10001432 DUPONT BATIMENT"', '"10001432"', '159.90', 'D', '02112026']);
    const sum = (s: string) => rows.filter((r) => r[7] === s).reduce((a, r) => a.plus(r[6]), new D(0)).toFixed(2);
    expect(sum('D')).toBe(ledgerTotal(entries));
    expect(sum('C')).toBe(ledgerTotal(entries));
  });

  it('Ciel XIMPORT: fixed records, one movement number per entry, analytic section in its zone, golden file', () => {
    const { entries } = ledger();
    const w = new CielWriter();
    const text = write(w, entries);
    golden('cabinet-sage.ximport.txt', text);
    const rows = records(text).map((r) => {
      expect(r).toHaveLength(CIEL_RECORD_LENGTH);
      return readFixed(r, CIEL_LAYOUT);
    });
    expect(new Set(rows.map((r) => r.movement.trim())).size).toBe(entries.length);
    expect(total(rows, 'D', (r) => r.amount.trim().replace(',', '.'))).toBe(ledgerTotal(entries));
    expect(rows.filter((r) => r.analytic.trim()).map((r) => r.analytic.trim())).toEqual(['CAISSE', 'CAISSE', 'CAISSE', 'CAISSE']);
    // Ciel's journal code is 2 characters: VTE and CAI are cut, and the export says so.
    expect(rows[0].journal).toBe('VT');
    expect(w.warnings.join('\n')).toMatch(/Ciel XIMPORT: journal longer than 2 characters, cut — \d+ lines/);
    expect(w.warnings.join('\n')).toMatch(/analytic section longer than 6 characters, cut/);
  });

  it('Quadratus ASCII: a C record per customer before its first movement, M records in cents, golden file', () => {
    const { entries } = ledger();
    const text = write(new QuadratusWriter(), entries);
    golden('cabinet-sage.quadra.txt', text);
    const lines = records(text);
    const c = lines.filter((l) => l.startsWith('C'));
    expect(c.map((l) => l.slice(1, 9).trim())).toEqual(['C0000001', '0000002', 'C0000002']);
    const m = lines.filter((l) => l.startsWith('M')).map((l) => {
      expect(l).toHaveLength(QUADRATUS_M_LENGTH);
      return readFixed(l, QUADRATUS_M_LAYOUT);
    });
    expect(layoutLength(QUADRATUS_M_LAYOUT)).toBe(QUADRATUS_M_LENGTH);
    const cents = (sens: string) => m.filter((r) => r.sens === sens).reduce((a, r) => a.plus(r.cents), new D(0)).div(100).toFixed(2);
    expect(cents('D')).toBe(ledgerTotal(entries));
    expect(cents('C')).toBe(ledgerTotal(entries));
    expect(m[0]).toMatchObject({ account: 'C0000001', journal: 'VT', folio: '000', date: '021126', sign: '+', cents: '000000015990' });
  });

  it('Cegid TRA: the ***S5 header, fixed movement records, analytic records on axis A1, golden file', () => {
    const { entries } = ledger();
    const text = write(new CegidWriter(), entries);
    golden('cabinet-sage.tra', text);
    const [head, ...rest] = records(text);
    expect(head.startsWith('***S5EXPJRLETE')).toBe(true);
    expect(head).toContain('0000CEGID');
    const rows = rest.map((r) => {
      expect(r).toHaveLength(CEGID_RECORD_LENGTH);
      return readFixed(r, CEGID_LAYOUT);
    });
    expect(layoutLength(CEGID_LAYOUT)).toBe(CEGID_RECORD_LENGTH);
    const general = rows.filter((r) => r.accountType !== 'A');
    expect(total(general, 'C', (r) => r.amount.trim().replace(',', '.'))).toBe(ledgerTotal(entries));
    expect(rows.filter((r) => r.accountType === 'A').map((r) => r.aux.trim())).toEqual(['A1CAISSE01', 'A1CAISSE01', 'A1CAISSE02', 'A1CAISSE01']);
    expect(rows.map((r) => r.pieceType)).toContain('AC');
  });

  it('customers file: the customers the entries name, under the accounts the profile gave them, golden file', () => {
    const { view } = ledger();
    const text = customersFile(view.seen.values());
    golden('cabinet-sage.clients.txt', text);
    expect(records(text)).toEqual([
      'Code;Name;Account;Address;VatNumber',
      '0000002;CLIENT COMPTOIR;41100000002;;',
      'C0000001;DUPONT BATIMENT;411C0000001;1 RUE DES LILAS, 75001 PARIS;',
      'C0000002;MARTIN & FILS <PRO>;411C0000002;;DE123456789',
    ]);
  });
});

describe('analytics in Exact Online XML', () => {
  it('puts the section on the line as Costcenter (or Costunit), valid against eExact-XML.xsd', async () => {
    const { ExactWriter } = await import('../exact-writer.ts');
    const { validateExactXml } = await import('../../../test/support/exact-xsd.ts');
    const { entries } = ledger();
    for (const field of ['costcenter', 'costunit'] as const) {
      const w = new ExactWriter({ exactJournals: new Map([['VTE', '70'], ['BQ', '30'], ['CAI', '10'], ['AVO', '71']]), analyticField: field });
      const customers = new Map(customers_.map((c) => [c.code, { name: c.name, address: c.address ?? 'x' }]));
      const xml = w.head(customers) + entries.map((e) => w.entry(e)).join('') + w.tail();
      expect(xml).toContain(field === 'costcenter' ? '<Costcenter code="CAISSE01"/>' : '<Costunit code="CAISSE01"/>');
      expect(validateExactXml(xml).errors).toEqual([]);
    }
  });
});

describe('analytics in the CSV', () => {
  it('adds an Analytic column with the section of revenue lines when the profile has an axis', async () => {
    const { CsvWriter, parseCsv } = await import('../csv-writer.ts');
    const { entries } = ledger();
    const w = new CsvWriter({ analytic: true });
    const rows = parseCsv(w.header() + entries.map((e) => w.entry(e)).join(''));
    expect(rows[0].at(-1)).toBe('Analytic');
    const byAccount = rows.slice(1).map((r) => [r[6], r.at(-1)]);
    expect(byAccount.filter(([a]) => a === '707000').map(([, s]) => s)).toEqual(['CAISSE01', 'CAISSE01', 'CAISSE02', 'CAISSE01']);
    expect(byAccount.filter(([a]) => a !== '707000').every(([, s]) => s === '')).toBe(true);
  });
});
