/**
 * The article-family analytic axis (issue 19, bullet 4) on the seeds' sample ledger: a revenue line
 * is spread over the families its document's articles sold, pro rata and to the cent; Sage and Cegid
 * write one analytic record per family, the CSV lists the parts, Exact splits the line (one
 * Costcenter a line, still valid against eExact-XML.xsd), Ciel and Quadratus (one zone a line) carry
 * the largest part and say so; the FEC never carries any. Golden files in test/golden/exports/
 * (TILLSYNC_UPDATE_GOLDEN=1 rewrites them).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Article, Customer } from '../../../sync/types.ts';
import { D } from '../../../sync/money.ts';
import { defaultMapping } from '../../accounting/default-mapping.ts';
import { sampleLedger } from '../../../test/support/sample-ledger.ts';
import { CEGID_LAYOUT, CIEL_LAYOUT, SAGE_LAYOUT, readFixed } from '../../../test/support/fixed-width.ts';
import { validateExactXml } from '../../../test/support/exact-xsd.ts';
import type { DocumentInfo } from '../profiles/entry-context.ts';
import { ProfileView } from '../profiles/profile-view.ts';
import { profileIssues, type ExportProfile } from '../profiles/profile-schema.ts';
import { allocate } from '../profiles/analytic-parts.ts';
import { profileBooksIssues } from '../profiles/profile-check.ts';
import type { LedgerEntry } from '../ledger-model.ts';
import { CsvWriter, parseCsv } from '../csv-writer.ts';
import { ExactWriter } from '../exact-writer.ts';
import { writeFec } from '../fec-writer.ts';
import { SageWriter } from './sage-writer.ts';
import { CegidWriter } from './cegid-writer.ts';
import { CielWriter } from './ciel-writer.ts';
import { QuadratusWriter } from './quadratus-writer.ts';
import type { FormatWriter } from './format-writer.ts';

const GOLDEN = join(import.meta.dirname, '..', '..', '..', 'test', 'golden', 'exports');

const customers: Customer[] = [
  { code: 'C0000001', name: 'Dupont Bâtiment', account: '411000', thirdParty: 'C0000001', address: '1 rue des Lilas, 75001 Paris' },
  { code: 'C0000002', name: 'Martin & Fils', account: '411000', thirdParty: 'C0000002' },
  { code: '0000002', name: 'Client comptoir', account: '410000', thirdParty: '0000002', counter: true },
];
// Families are a base-data field of the articles (extra fields travel with them); P9 has none.
const articles = [
  { code: 'P1', barcode: '1', label: 'Perceuse', price: '159.90', vatCode: 'VN', family: 'OUTILLAGE' },
  { code: 'P2', barcode: '2', label: 'Vis', price: '3.00', vatCode: 'VN', family: 'QUINCAILLERIE' },
  { code: 'P3', barcode: '3', label: 'Tuyau', price: '61.20', vatCode: 'VN', family: 'JARDIN', brand: 'GARDENA' },
  { code: 'P9', barcode: '9', label: 'Divers', price: '1.00', vatCode: 'VN' },
] as (Article & { family?: string; brand?: string })[];
const doc = (number: string, customer: string, lines: [string, string][]): [string, DocumentInfo] => [
  number,
  { number, kind: 'invoice', store: 'S1', till: '01', customer, day: '2026-11-02', firstTicket: 12, lastTicket: 12, paymentMode: 'CB', lines: lines.map(([article, inclVat]) => ({ article, vatCode: 'VN', inclVat })) },
];
const docs = new Map<string, DocumentInfo>([
  doc('10001432', 'C0000001', [['P1', '159.90']]),
  // 200.00 of which 3.00 of screws and 197.00 of an article without family: the default section takes it.
  doc('10001433', 'C0000001', [['P2', '3.00'], ['P9', '197.00']]),
  // 483.60 = 300.00 of screws + 183.60 of hose: the 403.00 net splits 250.00 / 153.00, the VAT line is not analytic.
  doc('10001434', '0000002', [['P2', '300.00'], ['P3', '183.60']]),
  doc('10001435', 'C0000002', [['P2', '4.49'], ['P3', '4.49'], ['P1', '4.48']]),
]);

const family: ExportProfile = { version: 1, format: 'sage', analytics: { axis: 'family', sections: { QUINCAILLERIE: 'QUINC' }, default: 'DIVERS' } };

function ledger(profile = family): LedgerEntry[] {
  const view = new ProfileView({ name: 'familles', profile, mapping: defaultMapping(), customers, vatRates: [{ code: 'VN', rate: '20', label: 'Normal' }], articles });
  return sampleLedger().map((e) => view.apply(e, docs));
}

const write = (w: FormatWriter, entries: LedgerEntry[]) => w.head() + entries.map((e) => w.entry(e)).join('') + w.tail();
const records = (text: string) => text.split('\r\n').filter(Boolean);

function golden(name: string, text: string): void {
  const file = join(GOLDEN, name);
  if (process.env.TILLSYNC_UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

describe('analytics by article family', () => {
  it('shares an amount pro rata to the cent, the parts summing to it', () => {
    const parts = allocate(new D('10.00'), [{ key: 'A', weight: new D(1) }, { key: 'B', weight: new D(1) }, { key: 'C', weight: new D(1) }]);
    expect(parts.map((p) => [p.key, p.amount.toFixed(2)])).toEqual([['A', '3.34'], ['B', '3.33'], ['C', '3.33']]);
    expect(allocate(new D('5'), [{ key: 'A', weight: new D(0) }])).toEqual([]);
    expect(allocate(new D('-0'), [{ key: 'A', weight: new D(-2) }])).toEqual([]);
  });

  it('spreads each revenue line over its articles\' families, the default section taking articles without one', () => {
    const lines = ledger().flatMap((e) => e.lines).filter((l) => l.account === '707000');
    expect(lines.map((l) => [l.analytic, l.analyticParts?.map((p) => `${p.section} ${p.amount}`) ?? null])).toEqual([
      ['OUTILLAGE', null],
      ['DIVERS', ['QUINC 2.50', 'DIVERS 164.17']],
      ['QUINC', ['QUINC 250.00', 'JARDIN 153.00']],
      // 11.22 × 4.49 / 13.46 = 3.7428…, × 4.48 / 13.46 = 3.7345…: 3.74 + 3.74 + 3.73, the cent left to the largest remainder.
      ['QUINC', ['QUINC 3.74', 'JARDIN 3.74', 'OUTILLAGE 3.74']],
    ]);
    for (const l of lines) if (l.analyticParts) expect(l.analyticParts.reduce((s, p) => s.plus(p.amount), new D(0)).toFixed(2)).toBe(new D(l.credit).toFixed(2));
    // VAT and customer lines carry none.
    expect(ledger().flatMap((e) => e.lines).filter((l) => !/^[67]/.test(l.account)).every((l) => !l.analytic && !l.analyticParts)).toBe(true);
  });

  it('a field of the article is an axis too ("article" + field); the profile must name the field', () => {
    const brand: ExportProfile = { version: 1, format: 'csv', analytics: { axis: 'article', field: 'brand', default: 'SANS' } };
    const l = ledger(brand).flatMap((e) => e.lines).find((x) => x.account === '707000' && x.documentNumber === '10001434')!;
    expect(l.analyticParts).toEqual([{ section: 'SANS', amount: '250.00' }, { section: 'GARDENA', amount: '153.00' }]);
    expect(profileIssues({ version: 1, format: 'csv', analytics: { axis: 'article' } }).issues).toEqual([{ path: 'analytics.field', message: 'axis "article" needs the article field that gives the section (e.g. "brand")', code: 'article-needs-field' }]);
    expect(profileIssues({ version: 1, format: 'csv', analytics: { axis: 'till', field: 'brand' } }).issues[0].path).toBe('analytics.field');
    // config check --profile warns when no article carries the field (every line would go to the default section).
    const base = { customers, vatRates: [], articles };
    expect(profileBooksIssues('x', brand, defaultMapping(), base).warnings.filter((w) => w.code === 'axis-field-empty')).toEqual([]);
    const colour: ExportProfile = { version: 1, format: 'csv', analytics: { axis: 'article', field: 'colour' } };
    expect(profileBooksIssues('x', colour, defaultMapping(), base).warnings).toContainEqual(expect.objectContaining({ path: 'analytics', code: 'axis-field-empty', message: expect.stringMatching(/no article of the base data has a "colour" field/) }));
  });

  it('Sage PNM and Cegid TRA: one analytic record per family, the records summing to their line (golden files)', () => {
    const entries = ledger();
    const sage = write(new SageWriter(), entries);
    golden('families.pnm', sage);
    const rows = records(sage).map((r) => readFixed(r, SAGE_LAYOUT));
    const afterBig = rows.slice(rows.findIndex((r) => r.amount.trim() === '403.00') + 1).slice(0, 2);
    expect(afterBig.map((r) => [r.accountType, r.aux.trim(), r.amount.trim()])).toEqual([['A', 'QUINC', '250.00'], ['A', 'JARDIN', '153.00']]);
    const cegid = write(new CegidWriter({ axis: 'A2' }), entries);
    golden('families.tra', cegid);
    const analytic = records(cegid).slice(1).map((r) => readFixed(r, CEGID_LAYOUT)).filter((r) => r.accountType === 'A');
    expect(analytic.map((r) => r.aux.trim())).toEqual(['A2OUTILLAGE', 'A2QUINC', 'A2DIVERS', 'A2QUINC', 'A2JARDIN', 'A2QUINC', 'A2JARDIN', 'A2OUTILLAGE']);
    expect(analytic.reduce((s, r) => s.plus(r.amount.trim().replace(',', '.')), new D(0)).toFixed(2)).toBe('714.14'); // 133.25 + 166.67 + 403.00 + 11.22: every revenue line, in full
  });

  it('CSV lists the parts in its Analytic column; Exact splits the line, one Costcenter each, valid and balanced (golden files)', () => {
    const entries = ledger();
    const w = new CsvWriter({ analytic: true });
    const csv = w.header() + entries.map((e) => w.entry(e)).join('');
    golden('families.csv', csv);
    const rows = parseCsv(csv);
    expect(rows.find((r) => r[6] === '707000' && r[14] === '10001434')!.at(-1)).toBe('QUINC:250.00|JARDIN:153.00');
    const ex = new ExactWriter({ exactJournals: new Map([['70', '70'], ['30', '30'], ['CA', '10']]) });
    const xml = ex.head(new Map(customers.map((c) => [c.code, { name: c.name, address: c.address ?? '2 rue X, 75002 Paris' }]))) + entries.map((e) => ex.entry(e)).join('') + ex.tail();
    golden('families.exact.xml', xml);
    expect(validateExactXml(xml).errors).toEqual([]);
    expect(xml).toContain('<Costcenter code="QUINC"/>');
    expect(xml).toContain('<Costcenter code="JARDIN"/>');
    const values = [...xml.matchAll(/<Value>(-?[\d.]+)<\/Value>/g)].map((m) => new D(m[1]));
    expect(values.reduce((s, v) => s.plus(v), new D(0)).isZero()).toBe(true);
  });

  it('Ciel and Quadratus carry the largest part in their one zone and warn; the FEC carries no analytics', () => {
    const entries = ledger();
    const ciel = new CielWriter();
    const rows = records(write(ciel, entries)).map((r) => readFixed(r, CIEL_LAYOUT));
    expect(rows.filter((r) => r.analytic.trim()).map((r) => r.analytic.trim())).toEqual(['OUTILL', 'DIVERS', 'QUINC', 'QUINC']);
    expect(ciel.warnings.join('\n')).toMatch(/Ciel XIMPORT: one analytic section a line: lines spread over several sections carry their largest — 3 lines \(entries 2, 5, 8\)/);
    const quadra = new QuadratusWriter();
    write(quadra, entries);
    expect(quadra.warnings.join('\n')).toMatch(/one analytic section a line/);
    const fec = writeFec(entries);
    for (const s of ['QUINC', 'JARDIN', 'DIVERS']) expect(fec).not.toContain(s);
  });
});
