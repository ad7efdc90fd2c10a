/**
 * Invoices made from a marketplace report go the way of the tills' (seed 004, issue 18): through
 * the real CLI (child processes) on a demo server, a FNAC "commandes-terminees" .xlsx with a French
 * business buyer, a French consumer, a Swiss business (export), a German consumer (OSS) and a German
 * business (intra-EU supply) becomes five invoices, posted at generation (sales journal, commission
 * as a purchase on the marketplace's supplier account), their files written by `server invoice-pdf`
 * — Factur-X for the businesses, checked against the official EN 16931 (CII XSD + CEN schematron)
 * and French CTC (BR-FR) rule sets, run in-process by SaxonJS (test/support/einvoice-validators.ts:
 * the same artefacts as /work/shared/validators' check.sh, which started npx xslt3 per file), plain
 * PDF/A for the consumers — with the exemption mentions; the
 * marketplace's payout on a camt.053 letters them; FEC, CSV and Exact exports take them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFnacReport, type ReportOrder } from '../../fixtures/marketplace-report.ts';
import { camt053v02 } from '../../fixtures/bank-statements.ts';
import { openDatabase, type Db } from '../../server/db/database.ts';
import { decodeLatin9 } from '../../server/exports/latin9.ts';
import { checkFec } from '../support/fec-checker.ts';
import { validateExactFile } from '../support/exact-xsd.ts';
import { extractFacturX, pdfaProblems } from '../support/pdfa-check.ts';
import { checkBrFr, checkEn16931 } from '../support/einvoice-validators.ts';
import { pdfText } from '../support/pdf-probe.ts';
import { cli, ok } from './screens-harness.ts';

const DAY = '2026-11-02';
const INVOICE_DAY = '2026-11-03';

const ORDERS: ReportOrder[] = [
  { order: 'FN-2001', date: DAY, customer: 'Paul Dupont', company: 'Librairie Dupont SARL', vatNumber: 'FR44732829320', email: 'compta@dupont.example', address: '12 rue du Commerce', postcode: '75015', city: 'Paris', country: 'France', lines: [{ sku: 'LIV-001', label: 'Livre « Les Misérables »', qty: 3, unitPrice: '12,50', shipping: '3,99', commission: '5,10' }, { sku: 'LIV-002', label: 'Carnet à spirale', qty: 2, unitPrice: '5,00', commission: '1,20' }] },
  { order: 'FN-2002', date: DAY, customer: 'Zoë Dubois', email: 'zoe@example.fr', address: '4 rue Oberkampf', postcode: '75011', city: 'Paris', country: 'FR', lines: [{ sku: 'LIV-003', label: 'Agenda 2027', qty: 1, unitPrice: '15,00', commission: '1,80' }] },
  { order: 'FN-2003', date: DAY, customer: 'Jürgen Groß', company: 'Buchhandlung Zürich AG', vatNumber: 'CHE123456789', email: 'einkauf@buchhandlung.example', address: 'Bahnhofstrasse 1', postcode: '8001', city: 'Zürich', country: 'Suisse', lines: [{ sku: 'DVD-010', label: 'Coffret DVD', qty: 1, unitPrice: '49,90', shipping: '9,90', commission: '7,20' }] },
  { order: 'FN-2004', date: DAY, customer: 'Anke Schröder', address: 'Unter den Linden 5', postcode: '10117', city: 'Berlin', country: 'Allemagne', lines: [{ sku: 'LIV-004', label: 'Bande dessinée', qty: 1, unitPrice: '23,80', shipping: '4,90', commission: '3,00' }] },
  { order: 'FN-2005', date: DAY, customer: 'Max Weber', company: 'Weber Bücher GmbH', vatNumber: 'DE123456789', email: 'rechnung@weber.example', address: 'Hauptstrasse 3', postcode: '80331', city: 'München', country: 'DE', lines: [{ sku: 'LIV-005', label: 'Coffret livres', qty: 2, unitPrice: '30,00', commission: '6,00' }] },
];

describe('marketplace invoices like the tills\'', () => {
  let dir: string;
  let data: string;
  let db: Db;
  let sales: any;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'marketplace-invoices-'));
    data = join(dir, 'server');
    await ok(['server', 'init', '--demo-base', '--data', data]);
    writeFileSync(
      join(data, 'imports.json'),
      JSON.stringify({ marketplace: { series: 'marketplace', prefix: 'FM', customerAccount: '411900', supplierAccount: '401000', commissionAccount: '622600', deductibleVatAccount: '445660', commissionVatRate: '20', homeCountry: 'FR', domesticRate: '20', oss: true, accounts: { domestic: { salesAccount: '707100', vatAccount: '445711' }, oss: { salesAccount: '707200', vatAccount: '445712' }, export: { salesAccount: '707300' } }, exportMention: 'Exonération de TVA, article 262 I du CGI (exportation hors Union européenne)' } }),
    );
    const report = join(dir, 'commandes-terminees-03-11-2026.xlsx');
    await writeFnacReport(report, ORDERS, { totals: true });
    sales = await ok(['server', 'import-sales', report, '--source', 'fnac', '--data', data, '--date', INVOICE_DAY]);
    db = await openDatabase({ data });
  });

  afterAll(async () => {
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes one invoice per order with VAT by the buyer: domestic, export, OSS, intra-EU supply', () => {
    expect(sales.invoices.map((i: any) => `${i.number} ${i.order} ${i.country} ${i.regime} ${i.rate} ${i.totalIncl}`)).toEqual([
      'FM0000001 FN-2001 FR domestic 20 51.49',
      'FM0000002 FN-2002 FR domestic 20 15.00',
      'FM0000003 FN-2003 CH export 0 59.80',
      'FM0000004 FN-2004 DE oss 19 28.70',
      'FM0000005 FN-2005 DE intra-eu 0 60.00',
    ]);
    expect(sales.invoices[2].mention).toContain('article 262 I du CGI');
    expect(sales.invoices[4].mention).toContain('article 262 ter I du CGI');
  });

  it('posts each invoice (sales journal, FEC-numbered) and its commission as a purchase on the marketplace supplier', async () => {
    const lines = await db
      .selectFrom('entries as e')
      .innerJoin('entry_lines as l', 'l.entry_id', 'e.id')
      .select(['e.journal', 'e.piece', 'e.kind', 'e.fec_num', 'l.account', 'l.aux_account', 'l.debit', 'l.credit'])
      .where('e.piece', 'in', ['FM0000004', 'FM0000005'])
      .orderBy('e.id')
      .orderBy('l.line_no')
      .execute();
    expect(lines.every((l) => l.fec_num !== null)).toBe(true);
    expect(lines.map((l) => `${l.piece} ${l.journal} ${l.account}${l.aux_account ? `/${l.aux_account}` : ''} ${l.debit}/${l.credit}`)).toEqual([
      // OSS: Germany's 19 % on the OSS accounts.
      'FM0000004 70 411900/MP00004 28.70/0.00', 'FM0000004 70 707200 0.00/24.12', 'FM0000004 70 445712 0.00/4.58',
      'FM0000004 HA 622600 2.50/0.00', 'FM0000004 HA 445660 0.50/0.00', 'FM0000004 HA 401000/FNAC 0.00/3.00',
      // Intra-EU supply to a business: no VAT.
      'FM0000005 70 411900/MP00005 60.00/0.00', 'FM0000005 70 707300 0.00/60.00',
      'FM0000005 HA 622600 5.00/0.00', 'FM0000005 HA 445660 1.00/0.00', 'FM0000005 HA 401000/FNAC 0.00/6.00',
    ]);
  });

  it('writes Factur-X for the business buyers (EN 16931 and French CTC validators) and plain PDF/A for consumers, with the mentions', async () => {
    const out = join(dir, 'pdf');
    const numbers = sales.invoices.map((i: any) => i.number);
    const r = await ok(['server', 'invoice-pdf', '--data', data, '--out', out, ...numbers]);
    expect(r.missing).toEqual([]);
    expect(r.facturX.map((f: string) => f.split('/').pop())).toEqual(['FM0000001.pdf', 'FM0000003.pdf', 'FM0000005.pdf']);
    for (const n of ['FM0000001', 'FM0000003', 'FM0000005']) {
      const pdf = join(out, `${n}.pdf`);
      expect(pdfaProblems(pdf, { facturX: true })).toEqual([]);
      // The embedded factur-x.xml: CII D16B XSD, EN 16931 rules and BR-FR rules, no fatal failure.
      const xml = extractFacturX(pdf);
      const en = checkEn16931(xml);
      expect(en.xsd).toBeNull();
      expect(en.messages).toEqual([]);
      expect(checkBrFr(xml).messages).toEqual([]);
    }
    for (const n of ['FM0000002', 'FM0000004']) expect(pdfaProblems(join(out, `${n}.pdf`), { facturX: false })).toEqual([]);
    const text = (n: string) => pdfText(join(out, `${n}.pdf`)).replace(/\s+/g, ' ');
    expect(text('FM0000001')).toContain('Librairie Dupont SARL (MP00001)');
    expect(text('FM0000001')).toContain('commande n° FN-2001 sur FNAC Marketplace');
    expect(text('FM0000003')).toContain('Exonération de TVA, article 262 I du CGI (exportation hors Union européenne)');
    expect(text('FM0000005')).toContain('article 262 ter I du CGI (livraison intracommunautaire)');
    expect(text('FM0000004')).toMatch(/19 ?%/);
    expect(text('FM0000002')).toContain('Facture acquittée : payée par le client sur FNAC Marketplace');
    // The Factur-X XML states the exemptions with their categories (G export, K intra-EU).
    const xml = extractFacturX(join(out, 'FM0000003.pdf'));
    expect(xml).toContain('<ram:CategoryCode>G</ram:CategoryCode>');
  }, 600_000);

  it('letters the invoices with the marketplace payout named on the bank statement', async () => {
    const paid = sales.invoices.slice(0, 3);
    const total = paid.reduce((a: number, i: any) => a + Math.round(Number(i.totalIncl) * 100), 0);
    const amount = `${Math.floor(total / 100)}.${String(total % 100).padStart(2, '0')}`;
    const statement = join(dir, 'releve.xml');
    writeFileSync(statement, camt053v02('MP-1', [{ id: 'MP-STMT', iban: 'FR7630006000011234567890189', date: '2026-11-10', entries: [{ amount, credit: true, date: '2026-11-10', ref: 'PAYOUT-1', txs: [{ amount, name: 'FNAC DARTY PARTICIPATIONS', remittance: `VERSEMENT ${paid.map((i: any) => i.number).join(' ')}` }] }] }]));
    const bank = await ok(['server', 'import-bank', statement, '--data', data]);
    expect(bank.grid[0].rule).toBe('invoice-number');
    expect(bank.grid[0].invoices.map((i: any) => i.invoice)).toEqual(['FM0000001', 'FM0000002', 'FM0000003']);
    expect(bank.write.lettering).toEqual({ groups: 3, partial: 0 });
    const open = await db.selectFrom('settlements').select(['document_number', 'open_amount']).where('document_number', 'like', 'FM%').where('closed_batch', 'is', null).orderBy('document_number').execute();
    expect(open.map((o) => o.document_number)).toEqual(['FM0000004', 'FM0000005']);
  });

  it('exports them: FEC (checked), CSV, and Exact once the marketplace accounts and the purchases journal are mapped', async () => {
    const out = join(dir, 'exports');
    const fec = await ok(['server', 'export', '--data', data, '--format', 'fec', '--from', '2026-11-01', '--to', '2026-11-30', '--out', out]);
    const content = decodeLatin9(readFileSync(fec.file));
    const check = checkFec(content);
    expect(check.errors).toEqual([]);
    const fm3 = check.records.filter((r) => r.PieceRef === 'FM0000003').map((r) => `${r.JournalCode} ${r.CompteNum} ${r.CompAuxNum} ${r.CompAuxLib}`.trim());
    expect(fm3.sort(), JSON.stringify(fm3)).toEqual(['70 411900 MP00003 Buchhandlung Zürich AG', '70 707300', 'HA 401000 FNAC FNAC Marketplace', 'HA 445660', 'HA 622600']);
    const csv = await ok(['server', 'export', '--data', data, '--format', 'csv', '--from', '2026-11-01', '--to', '2026-11-30', '--out', out, '--include-exported']);
    expect(readFileSync(csv.file, 'utf8')).toContain('FM0000005');

    // Exact: refused while the marketplace accounts are not in the chart synchronised with Exact…
    const refused = await cli(['server', 'export', '--data', data, '--format', 'exact', '--from', '2026-11-01', '--to', '2026-11-30', '--out', out, '--include-exported']);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('account 411900 is not in the chart of accounts synchronised with Exact');
    // …the marketplace buyers are known to it (from the marketplace tables, not the base data).
    expect(refused.stdout + refused.stderr).not.toContain('customer MP0000');
    writeFileSync(join(dir, 'accounts.csv'), 'number;label\n411900;Clients marketplace\n707100;Ventes marketplace\n707200;Ventes OSS\n707300;Ventes exonérées\n622600;Commissions\n445660;TVA déductible\n401000;Fournisseurs\n');
    await ok(['server', 'config', 'import-accounts', '--data', data, join(dir, 'accounts.csv')]);
    const mapping = JSON.parse(readFileSync(join(data, 'accounting.json'), 'utf8'));
    mapping.exact.journals.HA = '60';
    writeFileSync(join(data, 'accounting.json'), JSON.stringify(mapping, null, 1));
    const exact = await cli(['server', 'export', '--data', data, '--format', 'exact', '--from', '2026-11-01', '--to', '2026-11-30', '--out', out, '--include-exported']);
    // The marketplace is written as a supplier (its commission), its buyers as customers; the file passes Exact's XSD.
    expect(exact.code, exact.stdout + exact.stderr).toBe(0);
    const xmlFile = join(out, readdirSync(out).find((f) => f.endsWith('.xml'))!);
    expect(validateExactFile(xmlFile).errors).toEqual([]);
    const xml = readFileSync(xmlFile, 'utf8');
    expect(xml).toMatch(/<Account code="FNAC" status="A">\s*<Name>FNAC Marketplace<\/Name>\s*<IsSupplier>true<\/IsSupplier>\s*<IsPurchase>true<\/IsPurchase>/);
    expect(xml).toMatch(/<Account code="MP00003" status="C">/);
  });
});
