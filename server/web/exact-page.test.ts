/**
 * The back office's Exact Online page over real HTTP, against the STAND-IN of Exact's API
 * (test/support/exact-online-standin.ts): the link's state, "send customers and invoices", "fetch
 * payments", and what was sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openTestDb, type TestDb } from '../../test/support/test-databases.ts';
import { startExactStandin, type ExactStandin } from '../../test/support/exact-online-standin.ts';
import { sampleLedger } from '../../test/support/sample-ledger.ts';
import { insertLedger, keyCustomerLinesByInvoice } from '../../test/support/ledger-sql-fixture.ts';
import { defaultConfig, writeServerConfig, type ServerContext } from '../context.ts';
import { createApp } from '../app.ts';
import { saveBaseData } from '../base-data.ts';
import { ensureMapping } from '../accounting/mapping.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { beginConnect, completeConnect } from '../exact/connect.ts';
import { addUser } from './users.ts';

describe('Exact Online page', () => {
  let t: TestDb;
  let server: Server;
  let standin: ExactStandin;
  let base = '';
  let cookie = '';
  beforeAll(async () => {
    t = await openTestDb('sqlite');
    const config = defaultConfig(t.data);
    writeServerConfig(t.data, config);
    await saveBaseData(t.db, demoBaseData(5));
    ensureMapping(t.data);
    await insertLedger(t.db, sampleLedger());
    await keyCustomerLinesByInvoice(t.db);
    const ctx: ServerContext = { data: t.data, config, db: t.db };
    server = await new Promise<Server>((res) => {
      const s = createApp(ctx, { inbox: config.inbox }).app.listen(0, '127.0.0.1', () => res(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await addUser(t.db, 'admin', 'correct-horse');
    const login = await fetch(`${base}/bo/login`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ name: 'admin', password: 'correct-horse', next: '/bo/exact' }) });
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    standin = await startExactStandin({ clientId: 'bo-app', clientSecret: 'bo-secret' });
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await standin.close();
    await t.cleanup();
  });

  const page = async () => (await fetch(`${base}/bo/exact`, { headers: { cookie } })).text();
  const post = async (path: string, form: Record<string, string>) => {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page())![1];
    const res = await fetch(`${base}/bo${path}`, { method: 'POST', redirect: 'manual', headers: { cookie, 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...form, _csrf: csrf }) });
    expect(res.status).toBe(303);
    // The outcome is shown on the page the answer redirects to.
    return (await fetch(new URL(res.headers.get('location')!, base), { headers: { cookie } })).text();
  };

  it('says how to connect, then sends invoices and fetches payments with the two buttons', async () => {
    expect(await page()).toMatch(/data-connected="no"[\s\S]*server exact connect/);
    const { url } = await beginConnect(t.data, { clientId: 'bo-app', clientSecret: 'bo-secret', baseUrl: standin.url, redirectUri: 'https://shop.example/exact/callback', division: 123456 });
    const back = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
    await completeConnect(t.data, back.searchParams.get('code')!, back.searchParams.get('state'));
    const connected = await page();
    // French by default (the shop's accountant), English on request.
    expect(connected).toMatch(/data-connected="yes"[\s\S]*dossier <strong>123456<\/strong>/);
    expect(connected).toContain('Exporter clients et factures');
    expect(connected).toContain('href="/bo/exact" class="active"');
    const english = await (await fetch(`${base}/bo/exact`, { headers: { cookie, 'Accept-Language': 'en' } })).text();
    expect(english).toMatch(/division <strong>123456<\/strong>/);
    expect(english).toContain('Send customers and invoices');

    const sent = await post('/exact/push', { from: '2026-11-01', to: '2026-11-30', numbers: '10001432-10001435' });
    // Told in the page's language from the push's counts (the CLI's sentence stays English).
    expect(sent).toContain('Exact Online, division 123456 : 4 écritures de vente envoyées ; clients : 3 créé(s), 0 mis à jour — du 01/11/2026 au 30/11/2026');
    expect(standin.salesEntries.map((e) => e.YourRef)).toEqual(['10001432', '10001433', '10001434', '10001435']);
    expect(sent).toMatch(/data-piece="10001435" data-state="sent"><td>10001435<\/td>[\s\S]*?<span class="badge">envoyée<\/span>/);

    await standin.registerPayment('10001435');
    expect(await post('/exact/pull', {})).toMatch(/1 créance réglée, 1 lettrée \(13,46\s€\)/);
    // A bad period is refused with its reason, nothing sent.
    expect(await post('/exact/push', { from: '2026-11-30', to: '2026-11-01' })).toMatch(/période invalide : 2026-11-30 → 2026-11-01 \(donnez deux jours AAAA-MM-JJ/);
  });
});
