/**
 * The main job, end to end: `tillsync demo` with real processes (server, two tills, SMTP) through a
 * network cut. Asserts what the seed examples say the books must show afterwards.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo, type DemoSummary } from '../../cli/demo.ts';
import { checkFec, checkFecFileName } from '../../server/exports/fec-checker.ts';
import { validateExactFile } from '../support/exact-xsd.ts';

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
    expect(open['Café des Arts (C0000004)']).toBe('70.00');
    expect(Object.keys(open).some((c) => c.includes('C0000002'))).toBe(false);

    // The yearly FEC passes the checker under its legal name; the Exact file is valid against
    // Exact Online's eExact import schema; the PDFs are there.
    const fecFile = summary.files.find((f) => /FEC\d{8}\.txt$/.test(f))!;
    const year = new Date().toISOString().slice(0, 4);
    expect(checkFecFileName(fecFile, `${year}-12-31`)).toEqual([]);
    const fec = checkFec(readFileSync(join(keep, fecFile), 'latin1'), { fiscalYear: { start: `${year}-01-01`, end: `${year}-12-31` } });
    expect(fec.errors).toEqual([]);
    expect(fec.totalDebit).toBe(fec.totalCredit);
    const exactFile = summary.files.find((f) => f.endsWith('.xml'))!;
    const xsd = validateExactFile(join(keep, exactFile));
    expect(xsd.errors).toEqual([]);
    expect(xsd.ok).toBe(true);
    const exactXml = readFileSync(join(keep, exactFile), 'utf8');
    // The customers come with the transactions; the cash journal keeps its own Exact journal.
    expect(exactXml).toMatch(/<Accounts>\s*<Account code="[^"]+" status="C">/);
    expect(exactXml).toMatch(/<Journal code="10">/);
    expect(exactXml).not.toMatch(/VATTransaction/);
    expect(summary.files.filter((f) => f.endsWith('.pdf')).length).toBeGreaterThanOrEqual(5);
  }, 400_000);
});
