/**
 * Export profiles through the real CLI (child processes, SQLite): two accountants' profiles —
 * cabinet-sage (generated customer accounts, upper-case labels, a section per till) and exact (the
 * default mapping) — each export the same books their own way, once each; a broken profile is one
 * line naming the file and the field; `config check --profile` lists every problem.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDb } from '../support/test-databases.ts';
import { decodeLatin9 } from '../../server/exports/latin9.ts';
import { validateExactFile } from '../support/exact-xsd.ts';
import { SAGE_LAYOUT, readFixed } from '../support/fixed-width.ts';
import { insertDocument, simpleTicket } from '../support/ledger-sql-fixture.ts';
import { cli, exportServer } from './export-setup.ts';

const CLI_TIMEOUT = 240_000;

describe('export profiles from the CLI', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await exportServer('sqlite');
    await insertDocument(t.db, { number: '10001432', customer: 'C0000001', day: '2026-11-02', till: '01', vat: [['VN', '20', '133.25', '26.65']], tickets: [simpleTicket(42, 'C0000001', 'Perceuse', '159.90', '133.25', '26.65')] });
  }, CLI_TIMEOUT);
  afterAll(async () => {
    await t.cleanup();
  }, CLI_TIMEOUT);

  it('manages profiles, checks them, and exports the books once per profile, each its own way', async () => {
    expect((await cli(['server', 'profile', 'add', 'cabinet-sage', '--format', 'sage', '--data', t.data])).code).toBe(0);
    expect((await cli(['server', 'profile', 'add', 'exact', '--format', 'exact', '--data', t.data])).code).toBe(0);
    const file = join(t.data, 'profiles', 'cabinet-sage.json');
    const p = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...p, customers: { account: { mode: 'generated', prefix: '411', length: 11 } }, text: { removeAccents: true, upperCase: true }, analytics: { axis: 'till', sections: { '01': 'CAISSE01' } }, labels: { entry: '{documnt}' } }));

    // A typo in a placeholder: the export refuses in one line naming file and field; the check lists it.
    const bad = await cli(['server', 'export', '--data', t.data, '--profile', 'cabinet-sage', '--from', '2026-11-01', '--to', '2026-11-30']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${file}: labels.entry: unknown placeholder {documnt}`);
    const check = await cli(['server', 'config', 'check', '--data', t.data, '--profile', 'cabinet-sage']);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/error\s+labels\.entry: unknown placeholder \{documnt\}/);

    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), labels: { entry: '{document} {customerName}' } }));
    expect((await cli(['server', 'config', 'check', '--data', t.data, '--profile', 'cabinet-sage'])).code).toBe(0);

    const sage = JSON.parse((await cli(['server', 'export', '--data', t.data, '--profile', 'cabinet-sage', '--from', '2026-11-01', '--to', '2026-11-30', '--json'])).stdout);
    expect(sage).toMatchObject({ status: 'written', format: 'sage', profile: 'cabinet-sage', entryCount: 6 });
    const rows = decodeLatin9(readFileSync(sage.file)).split('\r\n').filter(Boolean).map((r) => readFixed(r, SAGE_LAYOUT));
    expect(rows[0].account.trim()).toBe('411C0000001');
    expect(rows[0].label.trim()).toBe('10001432 DUPONT BATIMENT');
    // The document of 10001432 is on till 01: its revenue line has its analytic record.
    expect(rows.some((r) => r.accountType === 'A' && r.aux.trim() === 'CAISSE01')).toBe(true);
    expect(readFileSync(sage.customersFile, 'latin1')).toMatch(/^C0000001;DUPONT BATIMENT;411C0000001;/m);

    // The default profile answers `server export` without --format.
    expect((await cli(['server', 'profile', 'default', 'exact', '--data', t.data])).stdout).toMatch(/default export profile: exact/);
    const exact = JSON.parse((await cli(['server', 'export', '--data', t.data, '--from', '2026-11-01', '--to', '2026-11-30', '--json'])).stdout);
    expect(exact).toMatchObject({ status: 'written', format: 'exact', profile: 'exact', entryCount: 6 });
    expect(validateExactFile(exact.file).errors).toEqual([]);

    const again = await cli(['server', 'export', '--data', t.data, '--profile', 'cabinet-sage', '--from', '2026-11-01', '--to', '2026-11-30']);
    expect(again.stdout).toMatch(/nothing new to export .*\(profile cabinet-sage\): its 6 entries were already exported/);
    expect(JSON.parse((await cli(['server', 'export-reset', '--data', t.data, '--ids', 'ALL', '--profile', 'cabinet-sage', '--json'])).stdout)).toEqual({ reset: 6 });

    const list = await cli(['server', 'profile', 'list', '--data', t.data]);
    expect(list.stdout).toMatch(/  cabinet-sage \(sage\)\n\* exact \(exact\)/);
    expect((await cli(['server', 'profile', 'copy', 'cabinet-sage', 'cabinet-ebp', '--data', t.data])).code).toBe(0);
    expect((await cli(['server', 'profile', 'rename', 'cabinet-ebp', 'cabinet-2', '--data', t.data])).code).toBe(0);
    expect((await cli(['server', 'profile', 'remove', 'cabinet-2', '--data', t.data])).code).toBe(0);
    const exportsList = await cli(['server', 'exports', '--data', t.data]);
    expect(exportsList.stdout).toMatch(/sage \[cabinet-sage\] 2026-11-01..2026-11-30/);
  }, CLI_TIMEOUT);
});
