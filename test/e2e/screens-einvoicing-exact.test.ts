/**
 * The e-invoicing and Exact Online pages driven in Chromium (Debian's chromium, in French) as the
 * shop's accountant: reached from the menu, e-invoice statuses and e-reporting periods read on the
 * page, then the Exact Online link's two buttons — send customers and invoices for a period typed
 * in the date fields (shown dd/mm/yyyy), fetch payments — each outcome told in French. The store
 * server's express app runs in this process on SQLite; Exact Online is the STAND-IN of its API
 * (test/support/exact-online-standin.ts: no real Exact here). axe-core: no serious violation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { openTestDb, type TestDb } from '../support/test-databases.ts';
import { startExactStandin, type ExactStandin } from '../support/exact-online-standin.ts';
import { sampleLedger } from '../support/sample-ledger.ts';
import { insertLedger, keyCustomerLinesByInvoice } from '../support/ledger-sql-fixture.ts';
import { defaultConfig, writeServerConfig, type ServerContext } from '../../server/context.ts';
import { createApp } from '../../server/app.ts';
import { saveBaseData } from '../../server/base-data.ts';
import { ensureMapping } from '../../server/accounting/mapping.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { beginConnect, completeConnect } from '../../server/exact/connect.ts';
import { addUser } from '../../server/web/users.ts';
import { seriousViolations } from './screens-axe.ts';
import { launchBrowser, shot, shownDate, textOf, watchPage } from './screens-harness.ts';


describe('e-invoicing and Exact Online pages, in French, in Chromium', () => {
  let t: TestDb;
  let server: Server;
  let standin: ExactStandin;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let base = '';

  beforeAll(async () => {
    t = await openTestDb('sqlite');
    const config = defaultConfig(t.data);
    writeServerConfig(t.data, config);
    await saveBaseData(t.db, demoBaseData(5));
    ensureMapping(t.data);
    await insertLedger(t.db, sampleLedger());
    await keyCustomerLinesByInvoice(t.db);
    const row = (number: string, status: string, message: string | null) => ({ number, customer: 'C0000001', type_code: '380', issue_date: '2026-11-02', total_incl: '159.90', file: `/x/${number}.pdf`, pdf_sha256: 'a', xml_sha256: 'b', status, status_at: '2026-11-03T08:00:00.000Z', channel: 'folder', platform_ref: null, message, created_at: '2026-11-02T22:00:00.000Z' });
    await t.db.insertInto('einvoices').values([row('F00000007', 'collected', null), row('F00000008', 'rejected', 'BR-FR-12')]).execute();
    await t.db.insertInto('ereports').values({ period_from: '2026-11-01', period_to: '2026-11-10', file: '/x/ER10.xml', file_name: 'ER10_552100554_20261101_20261110.xml', sha256: 'c', totals: JSON.stringify({ tieOut: { ledgerSales: '714.14', b2bExcl: '311.14' } }), transaction_count: 12, total_excl: '403.00', total_vat: '80.60', trigger: 'manual', created_at: '2026-11-11T01:00:00.000Z', reset_at: null }).execute();
    const ctx: ServerContext = { data: t.data, config, db: t.db };
    server = await new Promise<Server>((res) => {
      const s = createApp(ctx, { inbox: config.inbox }).app.listen(0, '127.0.0.1', () => res(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bo`;
    await addUser(t.db, 'comptable', 'grand-livre-2026');
    standin = await startExactStandin({ clientId: 'bo-app', clientSecret: 'bo-secret' });
    const { url } = await beginConnect(t.data, { clientId: 'bo-app', clientSecret: 'bo-secret', baseUrl: standin.url, redirectUri: 'https://shop.example/exact/callback', division: 123456 });
    const back = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
    await completeConnect(t.data, back.searchParams.get('code')!, back.searchParams.get('state'));
    browser = await launchBrowser({ lang: 'fr-FR' });
    page = await (await browser.newContext({ locale: 'fr-FR', viewport: { width: 1366, height: 900 } })).newPage();
    problems = watchPage(page);
    await page.goto(`${base}/login`);
    await page.fill('input[name=name]', 'comptable');
    await page.fill('input[name=password]', 'grand-livre-2026');
    await Promise.all([page.waitForEvent('load'), page.click('button[type=submit]')]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => server?.close(() => r()));
    await standin?.close();
    await t?.cleanup();
  });

  it('e-invoicing: statuses and e-reporting periods, reached from the menu', async () => {
    await Promise.all([page.waitForEvent('load'), page.click('nav.nav >> text=Facturation électronique')]);
    expect(await textOf(page, 'h1')).toBe('Facturation électronique');
    expect(await textOf(page, 'tr[data-einvoice="F00000007"]')).toContain('encaissée');
    expect(await textOf(page, 'tr[data-einvoice="F00000008"]')).toContain('rejetée');
    expect(await textOf(page, 'tr[data-einvoice="F00000008"]')).toContain('BR-FR-12');
    expect(await textOf(page, 'tr[data-ereport="1"]')).toMatch(/01\/11\/2026 → 10\/11\/2026[\s\S]*403,00\u00a0€[\s\S]*80,60\u00a0€/);
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('Exact Online: sends the invoices of a period typed in the date fields, then fetches payments; outcomes in French', async () => {
    await Promise.all([page.waitForEvent('load'), page.click('nav.nav >> text=Exact Online')]);
    expect(await page.getAttribute('#exact-status', 'data-connected')).toBe('yes');
    expect(await textOf(page, '#exact-status')).toContain('Connecté à');
    await page.fill('input[name=from]', '2026-11-01');
    await page.fill('input[name=to]', '2026-11-30');
    expect(await shownDate(page, 'input[name=from]')).toBe('01/11/2026');
    await page.fill('input[name=numbers]', '10001432-10001435');
    await page.uncheck('input[name=pdf]');
    await Promise.all([page.waitForEvent('load'), page.click('#exact-push')]);
    expect(await textOf(page, '.flash.ok')).toBe('Exact Online, division 123456 : 4 écritures de vente envoyées ; clients : 3 créé(s), 0 mis à jour — du 01/11/2026 au 30/11/2026');
    expect(standin.salesEntries.map((e) => e.YourRef)).toEqual(['10001432', '10001433', '10001434', '10001435']);
    expect(await page.locator('#exact-sends tr[data-state="sent"]').count()).toBe(4);
    expect(await textOf(page, '#exact-sends tr[data-piece="10001435"]')).toContain('envoyée');
    await shot(page, 'fr-exact');
    await standin.registerPayment('10001435');
    await Promise.all([page.waitForEvent('load'), page.click('#exact-pull')]);
    expect(await textOf(page, '.flash.ok')).toMatch(/^Exact Online, division 123456 : 1 créance réglée, 1 lettrée \(13,46\u00a0€\) dans le lot n° \d+, 0 déjà, 0 sans correspondance$/);
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
