/**
 * The live Exact Online link against the STAND-IN of Exact's REST API (test/support/
 * exact-online-standin.ts: no Exact Online can be reached from here): OAuth code flow and refresh
 * rotation, tokens encrypted at rest, a crash right after a rotation, a revoked token, accounts and
 * journals in, customers and sales entries out (VAT to the cent, never twice, resumable after a
 * crash between Exact's answer and the record, reset), rate limits and 429s, payments back.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDb, TEST_ENGINES, type TestDb } from '../../test/support/test-databases.ts';
import { startExactStandin, type ExactStandin } from '../../test/support/exact-online-standin.ts';
import { sampleLedger } from '../../test/support/sample-ledger.ts';
import { insertLedger, keyCustomerLinesByInvoice } from '../../test/support/ledger-sql-fixture.ts';
import { defaultConfig, writeServerConfig } from '../context.ts';
import { saveBaseData } from '../base-data.ts';
import { ensureMapping, loadMapping } from '../accounting/mapping.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { resetExports } from '../exports/export-reset.ts';
import { beginConnect, chooseDivision, completeConnect } from './connect.ts';
import { exactFile, readConnection } from './connection-store.ts';
import { ExactApi } from './exact-api.ts';
import { importAccounts, importJournals } from './chart-import.ts';
import { pushToExact } from './push.ts';
import { pullPayments } from './pull-payments.ts';

const ID = 'tillsync-test-app';
const SECRET = 'stand-in-client-secret-0123456789';

async function connect(data: string, standin: ExactStandin, division = 123456): Promise<void> {
  const { url } = await beginConnect(data, { clientId: ID, clientSecret: SECRET, baseUrl: standin.url, redirectUri: 'http://127.0.0.1:1/exact/callback', division });
  const res = await fetch(url, { redirect: 'manual' });
  const back = new URL(res.headers.get('location')!);
  await completeConnect(data, back.searchParams.get('code')!, back.searchParams.get('state'));
}

for (const engine of TEST_ENGINES) describe(`Exact Online link against the stand-in (${engine})`, () => {
  let t: TestDb;
  let standin: ExactStandin;
  beforeEach(async () => {
    t = await openTestDb(engine);
    writeServerConfig(t.data, { ...defaultConfig(t.data), ...(t.url ? { db: t.url } : {}) });
    await saveBaseData(t.db, demoBaseData(5));
    ensureMapping(t.data);
    await insertLedger(t.db, sampleLedger());
    standin = await startExactStandin({ clientId: ID, clientSecret: SECRET });
  });
  afterEach(async () => {
    await standin.close();
    await t.cleanup();
  });

  it('connects by the code flow, keeps the tokens encrypted, checks the state and asks for a division when there are several', async () => {
    const { url, state } = await beginConnect(t.data, { clientId: ID, clientSecret: SECRET, baseUrl: standin.url, redirectUri: 'http://127.0.0.1:1/exact/callback' });
    expect(new URL(url).searchParams.get('state')).toBe(state);
    const back = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
    // A forged answer (another state) is refused before the code is spent.
    await expect(completeConnect(t.data, back.searchParams.get('code')!, 'forged')).rejects.toThrow(/state differs/);
    const out = await completeConnect(t.data, back.searchParams.get('code')!, state);
    expect(out.division).toBeNull();
    expect(out.divisions.map((d) => d.code)).toEqual([123456, 234567]);
    expect(out.message).toMatch(/choose the division \(required\)/);
    expect((await chooseDivision(t.data, 234567)).name).toBe('Boutique Lyon');
    const c = readConnection(t.data);
    expect(c.division).toBe(234567);
    const raw = readFileSync(exactFile(t.data), 'utf8');
    for (const secret of [SECRET, c.refreshToken!, c.accessToken!]) expect(raw).not.toContain(secret);
    expect(raw).toMatch(/"refreshToken": "w1:/);
  });

  it('refreshes before expiry, saves the rotated refresh token, and a revoked token gives one line with the connect hint', async () => {
    await connect(t.data, standin);
    const first = readConnection(t.data).refreshToken;
    // The access token ends within the margin: the next call refreshes first.
    const c = readConnection(t.data);
    const { writeConnection } = await import('./connection-store.ts');
    await writeConnection(t.data, { ...c, accessExpiresAt: new Date(Date.now() + 30_000).toISOString() });
    const api = new ExactApi(t.data);
    expect((await api.list('financial/Journals')).length).toBe(5);
    const after = readConnection(t.data);
    expect(after.refreshToken).not.toBe(first);
    expect(standin.liveRefreshTokens).toBe(1);
    // The old refresh token no longer works at Exact: only the saved one does.
    standin.revokeAll();
    standin.expireAccessTokens();
    const e = await new ExactApi(t.data).list('financial/Journals').catch((x) => x);
    expect(e.code).toBe('exact-revoked');
    expect(e.hint).toMatch(/tillsync server exact connect --data/);
  });

  it('a crash right after a rotation keeps the new refresh token (child process killed at exact:token-saved)', async () => {
    await connect(t.data, standin);
    const c = readConnection(t.data);
    const { writeConnection } = await import('./connection-store.ts');
    await writeConnection(t.data, { ...c, accessExpiresAt: new Date(Date.now() - 1000).toISOString() });
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'tillsync.mjs');
    const signal = await new Promise<string | null>((resolve) => {
      const child = execFile(process.execPath, [bin, 'server', 'exact', 'import-journals', '--data', t.data], { env: { ...process.env, TILLSYNC_CRASH_AT: 'exact:token-saved' } }, () => undefined);
      child.on('exit', (_c, s) => resolve(s));
    });
    expect(signal).toBe('SIGKILL');
    // Exact spent the old token; the new one is on disk and works.
    expect(readConnection(t.data).refreshToken).not.toBe(c.refreshToken);
    standin.expireAccessTokens();
    expect((await new ExactApi(t.data).list('financial/Journals')).length).toBe(5);
  }, 60_000);

  it('imports sales accounts only (or all), and journals with duplicates skipped and reported', async () => {
    await connect(t.data, standin);
    const api = new ExactApi(t.data);
    const before = new Set(loadMapping(t.data).chart.map((a) => a.number));
    const sales = await importAccounts(api, t.data);
    expect(sales.read).toBe(5);
    expect(sales.added.map((a) => a.code).every((c) => c.startsWith('70'))).toBe(true);
    expect(sales.added.length + sales.ignored.length).toBe(5);
    expect(sales.ignored.every((i) => before.has(i.code))).toBe(true);
    const all = await importAccounts(api, t.data, { all: true });
    expect(all.read).toBe(14);
    expect(loadMapping(t.data).chart.some((a) => a.number === '512000')).toBe(true);
    const j = await importJournals(api, t.data);
    // 70 and 30 are in the default mapping already: skipped and reported; 31, 60, 90 added.
    expect(j.ignored.map((x) => x.code).sort()).toEqual(['30', '70']);
    expect(j.added.map((x) => x.code).sort()).toEqual(['31', '60', '90']);
    expect((await importJournals(api, t.data)).added).toEqual([]);
  });

  it('pushes customers and one sales entry per invoice with its VAT, never twice; a reset looks Exact up first', async () => {
    await connect(t.data, standin);
    const out = await pushToExact({ db: t.db, data: t.data }, { from: '2026-11-01', to: '2026-11-30', withPdf: false });
    expect(out.status).toBe('sent');
    expect(out.sent).toEqual(['10001432', '10001433', '10001434', '10001435']);
    expect(out.customers.created).toEqual(['0000002', 'C0000001', 'C0000002']);
    const dupont = standin.accounts.find((a) => a.Code === 'C0000001')!;
    expect(dupont).toMatchObject({ Name: 'Dupont Bâtiment', AddressLine1: '3 avenue des Lilas', Postcode: '69003', City: 'Lyon', VATNumber: 'FR06901000018', Status: 'C' });
    const e = standin.salesEntries.find((x) => x.YourRef === '10001434')!;
    expect(e).toMatchObject({ Journal: '70', Type: 20, EntryDate: '2026-11-02', AmountDC: 483.6 });
    expect(e.SalesEntryLines).toEqual([expect.objectContaining({ AmountFC: 403, VATCode: 'VN', VATAmountFC: 80.6 })]);
    // Export-once shared with the files: the entries are marked, nothing left to send or export.
    const marked = await t.db.selectFrom('entries').select(['id', 'export_id', 'kind']).execute();
    expect(marked.filter((m) => m.kind === 'sales').every((m) => m.export_id === out.exportId)).toBe(true);
    expect((await t.db.selectFrom('exports').selectAll().where('id', '=', out.exportId!).executeTakeFirstOrThrow()).format).toBe('exact-online');
    const again = await pushToExact({ db: t.db, data: t.data }, { from: '2026-11-01', to: '2026-11-30', withPdf: false });
    expect(again.status).toBe('empty');
    expect(standin.salesEntries).toHaveLength(4);
    // Exact keeps the counter's numeric code right-aligned on 18 characters.
    expect(standin.accounts.map((a) => a.Code)).toContain('           0000002');
    // Reset two invoices: they are looked up in Exact, found, recorded — not sent a second time; their customers updated, not doubled.
    await resetExports({ db: t.db, data: t.data }, { pieces: ['10001434', '10001435'] });
    const reset = await pushToExact({ db: t.db, data: t.data }, { from: '2026-11-01', to: '2026-11-30', withPdf: false });
    expect(reset.found).toEqual(['10001434', '10001435']);
    expect(reset.customers).toEqual({ created: [], updated: ['0000002', 'C0000002'] });
    expect(standin.accounts).toHaveLength(3);
    expect(reset.sent).toEqual([]);
    expect(standin.salesEntries).toHaveLength(4);
    // Deleted in Exact meanwhile, then reset: sent again.
    standin.salesEntries.splice(standin.salesEntries.findIndex((x) => x.YourRef === '10001433'), 1);
    await resetExports({ db: t.db, data: t.data }, { pieces: ['10001433'] });
    const resent = await pushToExact({ db: t.db, data: t.data }, { from: '2026-11-01', to: '2026-11-30', withPdf: false });
    expect(resent.sent).toEqual(['10001433']);
  });

  it('filters by invoice numbers and journal, and waits out 429s and the minutely limit', async () => {
    await standin.close();
    standin = await startExactStandin({ clientId: ID, clientSecret: SECRET, minutelyLimit: 6, minuteMs: 400 });
    await connect(t.data, standin);
    standin.throttleNext = 2;
    const waits: string[] = [];
    const api = new ExactApi(t.data, { onWait: (_ms, why) => waits.push(why) });
    const out = await pushToExact({ db: t.db, data: t.data }, { from: '2026-11-01', to: '2026-11-30', numbers: { first: '10001433', last: '10001434' }, journal: '70', withPdf: false }, api);
    expect(out.sent).toEqual(['10001433', '10001434']);
    expect(waits.filter((w) => w.includes('429')).length).toBeGreaterThanOrEqual(2);
    expect(waits.some((w) => w.includes('minutely'))).toBe(true);
    expect(standin.calls.filter((c) => c.status === 429).length).toBe(2);
  });

  it('refuses what Exact does not hold, naming it, and sends nothing', async () => {
    await standin.close();
    standin = await startExactStandin({ clientId: ID, clientSecret: SECRET, glAccounts: [{ Code: '411000', Description: 'Clients', Type: 20 }] });
    await connect(t.data, standin);
    const out = await pushToExact({ db: t.db, data: t.data }, { from: '2026-11-01', to: '2026-11-30', withPdf: false });
    expect(out.status).toBe('refused');
    expect(out.problems.map((p) => p.code)).toContain('exact-account-missing');
    expect(out.problems.find((p) => p.code === 'exact-account-missing')!.message).toMatch(/account 707000 does not exist in Exact Online/);
    expect(standin.salesEntries).toHaveLength(0);
  });

  it('letters the invoices paid in Exact by the bank rules; unmatched listed; twice is already', async () => {
    await connect(t.data, standin);
    await keyCustomerLinesByInvoice(t.db);
    await pushToExact({ db: t.db, data: t.data }, { from: '2026-11-01', to: '2026-11-30', withPdf: false });
    await standin.registerPayment('10001435');
    await standin.registerPayment('10001434'); // paid at the till in tillsync already: no open item
    const out = await pullPayments(t.db, t.data, new ExactApi(t.data));
    expect(out.counts).toMatchObject({ lettered: 1, unmatched: 1 });
    expect(out.rows.find((r) => r.yourRef === '10001435')).toMatchObject({ verdict: 'lettered', rule: 'invoice-number', amount: '13.46' });
    const open = await t.db.selectFrom('entry_lines').select(['lettering_id']).where('letter_key', '=', '10001435').where('account', '=', '411000').execute();
    expect(open.every((l) => l.lettering_id !== null)).toBe(true);
    const again = await pullPayments(t.db, t.data, new ExactApi(t.data));
    expect(again.counts).toMatchObject({ lettered: 0, already: 1 });
    expect(again.batch).toBeNull();
  });
});

describe('Exact Online push crash (child process killed between Exact\'s answer and the record)', () => {
  it('the rerun finds the entry in Exact by its invoice number and records it: nothing doubled', async () => {
    const t = await openTestDb('sqlite');
    const standin = await startExactStandin({ clientId: ID, clientSecret: SECRET });
    try {
      writeServerConfig(t.data, defaultConfig(t.data));
      await saveBaseData(t.db, demoBaseData(5));
      ensureMapping(t.data);
      await insertLedger(t.db, sampleLedger());
      await connect(t.data, standin);
      const bin = join(import.meta.dirname, '..', '..', 'bin', 'tillsync.mjs');
      const args = ['server', 'exact', 'push', '--data', t.data, '--from', '2026-11-01', '--to', '2026-11-30', '--no-pdf'];
      const signal = await new Promise<string | null>((resolve) => {
        const child = execFile(process.execPath, [bin, ...args], { env: { ...process.env, TILLSYNC_CRASH_AT: 'exact:entry-sent' } }, () => undefined);
        child.on('exit', (_c, s) => resolve(s));
      });
      expect(signal).toBe('SIGKILL');
      // Exact took the first invoice; tillsync recorded nothing but its intent.
      expect(standin.salesEntries.map((e) => e.YourRef)).toEqual(['10001432']);
      expect(await t.db.selectFrom('exact_sends').select(['piece', 'state']).execute()).toEqual([{ piece: '10001432', state: 'sending' }]);
      expect((await t.db.selectFrom('entries').select('id').where('export_id', 'is not', null).execute()).length).toBe(0);
      const rerun = await new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile(process.execPath, [bin, ...args, '--json'], { env: { ...process.env, TILLSYNC_CRASH_AT: '' } }, (err, stdout) => resolve({ code: err ? 1 : 0, stdout }));
      });
      expect(rerun.code).toBe(0);
      const out = JSON.parse(rerun.stdout);
      expect(out.found).toEqual(['10001432']);
      expect(out.sent).toEqual(['10001433', '10001434', '10001435']);
      expect(standin.salesEntries.map((e) => e.YourRef).sort()).toEqual(['10001432', '10001433', '10001434', '10001435']);
      expect((await t.db.selectFrom('exact_sends').select('state').execute()).every((r) => r.state === 'sent')).toBe(true);
    } finally {
      await standin.close();
      await t.cleanup();
    }
  }, 90_000);
});
