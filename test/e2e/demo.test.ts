/**
 * The main job, end to end: `tillsync demo` with real processes (server, two tills, SMTP) through a
 * network cut. Asserts what the seed examples say the books must show afterwards.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo, type DemoSummary } from '../../cli/demo.ts';
import { checkFecFileName } from '../support/fec-checker.ts';
import { validateExactFile } from '../support/exact-xsd.ts';
import { execFileSync } from 'node:child_process';
import { runCli } from '../support/cli-harness.ts';
import { extractFacturX, pdfaProblems } from '../support/pdfa-check.ts';
import { checkBrFr, checkEn16931, checkFacturXProfile, checkFlux10 } from '../support/einvoice-validators.ts';
import { checkFec } from '../support/fec-checker.ts';

describe('tillsync demo', () => {
  const keep = join(mkdtempSync(join(tmpdir(), 'tillsync-demo-test-')), 'run');
  let summary: DemoSummary;
  afterAll(() => rmSync(join(keep, '..'), { recursive: true, force: true }));

  it('runs the whole day and ends with consistent books', async () => {
    const lines: string[] = [];
    summary = await runDemo({ keep, say: (l) => lines.push(l) });

    // Every sale stored exactly once, whatever the number of channels it came by.
    const stored = Object.values(summary.ticketsPerChannel).reduce((a, b) => a + b, 0);
    expect(stored).toBe(summary.sales.online + summary.sales.degraded);
    expect(summary.ticketsPerChannel.replication).toBe(summary.sales.online);
    expect((summary.ticketsPerChannel.lan ?? 0) + (summary.ticketsPerChannel.mail ?? 0)).toBe(summary.sales.degraded);
    expect(summary.packages).toEqual({ accepted: 2, duplicate: 1, quarantined: 0 });
    expect(summary.duplicatesIgnored).toBeGreaterThanOrEqual(5);

    // Invoices, a credit note for the return, a delivery note for the "en compte" sale.
    expect(summary.documents['credit-note']).toBe(1);
    expect(summary.documents['delivery-note']).toBe(1);
    expect(summary.documents.invoice).toBeGreaterThanOrEqual(4);

    // Seed examples: the partial settlement leaves 148.00 open; the credit sale stays open; the
    // deposit chain (100.00 deposit, 664.00 paid 100.00 by voucher + 564.00 by card) leaves nothing.
    const open = Object.fromEntries(summary.openItems.map((o) => [o.customer, o.amount]));
    expect(open['Garage Leroy (C0000003)']).toBe('148.00');
    // The credit sale's 70.00 was paid by bank transfer: the camt.053 line letters it (docs/imports.md).
    expect(open['Café des Arts (C0000004)']).toBeUndefined();
    expect(summary.imports.bankLinesLettered).toBe(1);
    // The FNAC report's two paid orders became invoices of the marketplace chain, with their PDFs.
    expect(summary.imports.marketplaceInvoices).toEqual(['FM0000001', 'FM0000002']);
    expect(summary.files.some((f) => f.endsWith('FM0000002.pdf'))).toBe(true);
    expect(Object.keys(open).some((c) => c.includes('C0000002'))).toBe(false);

    // The yearly FEC carries its legal name and passes the checker with its year; the day's extract
    // is named apart; the Exact file is valid against Exact Online's eExact import schema.
    const year = new Date().toISOString().slice(0, 4);
    const legal = summary.files.filter((f) => /FEC\d{8}\.txt$/.test(f));
    expect(legal).toHaveLength(1);
    expect(checkFecFileName(legal[0], `${year}-12-31`)).toEqual([]);
    expect(checkFec(readFileSync(join(keep, legal[0]), 'latin1'), { fiscalYear: { start: `${year}-01-01`, end: `${year}-12-31` } }).errors).toEqual([]);
    expect(summary.files.some((f) => /FEC-extrait-\d{8}\.txt$/.test(f))).toBe(true);
    const exactFile = summary.files.find((f) => /(^|\/)exact-[^/]*\.xml$/.test(f))!;
    expect(validateExactFile(join(keep, exactFile)).errors).toEqual([]);
    const exactXml = readFileSync(join(keep, exactFile), 'utf8');
    // The customers come with the transactions; the cash journal keeps its own Exact journal.
    expect(exactXml).toMatch(/<Accounts>\s*<Account code="[^"]+" status="C">/);
    expect(exactXml).toMatch(/<Journal code="10">/);
    expect(exactXml).not.toMatch(/VATTransaction/);

    // The FEC passes the checker; the Exact file and the PDFs are there.
    const fecFile = summary.files.find((f) => /FEC\d{8}\.txt$/.test(f))!;
    const fec = checkFec(readFileSync(join(keep, fecFile), 'latin1'));
    expect(fec.errors).toEqual([]);
    expect(fec.totalDebit).toBe(fec.totalCredit);
    expect(summary.files.some((f) => f.endsWith('.xml'))).toBe(true);
    expect(summary.files.filter((f) => f.endsWith('.pdf')).length).toBeGreaterThanOrEqual(5);

    // The e-invoicing reform: every business customer's invoice is a Factur-X whose XML passes the
    // profile XSD, the CII XSD, the EN 16931 rules and the French BR-FR rules (buyers carry a SIREN, so
    // BR-FR-12's electronic address too); consumers' documents are plain PDF/A.
    const pdfs = summary.files.filter((f) => f.startsWith('exports/pdf/'));
    const facturX = pdfs.filter((f) => /factur-x\.xml/.test(execFileSync('pdfdetach', ['-list', join(keep, f)], { encoding: 'utf8' })));
    // Two business invoices and the deposit invoice of the 664.00 order (business customers of the demo).
    expect(facturX.length).toBeGreaterThanOrEqual(3);
    const types = new Set<string>();
    const cents = (x: string) => Math.round(Number(x.replace(',', '.')) * 100);
    let b2bExcl = 0;
    let b2bVat = 0;
    for (const f of pdfs) {
      const isFx = facturX.includes(f);
      expect(pdfaProblems(join(keep, f), { facturX: isFx })).toEqual([]);
      if (!isFx) continue;
      const xml = extractFacturX(join(keep, f));
      expect(checkFacturXProfile(xml)).toBeNull();
      const en = checkEn16931(xml);
      expect(en.xsd).toBeNull();
      expect(en.messages).toEqual([]);
      expect(checkBrFr(xml).messages).toEqual([]);
      const type = /<rsm:ExchangedDocument>.*?<ram:TypeCode>(\d+)</s.exec(xml)![1];
      types.add(type);
      // A deposit is not a sale in the books (customer deposits account 4191; the demo's is on goods,
      // no VAT until delivery): the final invoice carries the whole sale into 70 and 4457.
      if (type === '386') continue;
      const sign = type === '381' ? -1 : 1;
      b2bExcl += sign * cents(/<ram:TaxBasisTotalAmount>([-\d.]+)</.exec(xml)![1]);
      b2bVat += sign * cents(/<ram:TaxTotalAmount[^>]*>([-\d.]+)</.exec(xml)![1]);
    }
    expect([...types].sort()).toEqual(['380', '386']);
    expect(summary.files.filter((f) => f.startsWith('exports/pdp/outbox/')).length).toBe(facturX.length);

    // The consumers' sales of the day are e-reported (Flux 10 valid), and with the e-invoices they
    // make exactly the FEC's sales (70) and collected VAT (4457).
    const ereport = summary.files.find((f) => /ereporting\/ER10_.*\.xml$/.test(f))!;
    const report = readFileSync(join(keep, ereport), 'utf8');
    const flux10 = checkFlux10(report);
    expect(flux10.xsd).toBeNull();
    expect(flux10.messages).toEqual([]);
    const b2cExcl = [...report.matchAll(/<TaxExclusiveAmount>([-\d.]+)</g)].reduce((a, m) => a + cents(m[1]), 0);
    const b2cVat = [...report.matchAll(/<Transactions>[\s\S]*?<TaxTotal>([-\d.]+)</g)].reduce((a, m) => a + cents(m[1]), 0);
    const fecNet = (prefix: string) => fec.records.filter((r) => r.CompteNum.startsWith(prefix)).reduce((a, r) => a + cents(r.Credit) - cents(r.Debit), 0);
    expect(b2cExcl).toBeGreaterThan(0);
    expect(b2cExcl + b2bExcl).toBe(fecNet('70'));
    expect(b2cVat + b2bVat).toBe(fecNet('4457'));

    // NF525: each till's archive and the server's month archive, accepted by audit verify with no finding.
    expect(summary.archives).toHaveLength(3);
    for (const a of summary.archives) expect([a.file, a.ok, a.findings]).toEqual([a.file, true, 0]);
    expect(summary.archives.every((a) => a.checks > 20 && /^[0-9a-f]{4}( [0-9a-f]{4}){3}$/.test(a.key))).toBe(true);

    // The whole books pass every named check of `tillsync server check` (docs/books-checks.md).
    const check = await runCli(['server', 'check', '--data', join(keep, 'server')], { json: true });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const checked = JSON.parse(check.stdout) as { ok: boolean; checks: { check: string; ok: boolean; summary?: string }[] };
    expect(checked.ok).toBe(true);
    expect(checked.checks.length).toBeGreaterThanOrEqual(10);
    expect(checked.checks.find((c) => c.check === 'lettering')?.summary).toMatch(/^[1-9]\d* group\(s\) in use/);
  }, 600_000);
});
