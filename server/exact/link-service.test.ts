/**
 * server start's doors for the Exact Online link, over real HTTP on loopback, against the STAND-IN
 * of Exact (test/support/exact-online-standin.ts): the OAuth callback (state checked, code spent
 * once) and the webhook signature (Exact's HashCode), replayed and tampered calls refused.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/support/test-databases.ts';
import { startExactStandin, type ExactStandin } from '../../test/support/exact-online-standin.ts';
import { defaultConfig, writeServerConfig, readServerConfig } from '../context.ts';
import { beginConnect } from './connect.ts';
import { readConnection } from './connection-store.ts';
import { createExactLink, verifyWebhook } from './link-service.ts';

const ID = 'tillsync-doors-app';
const SECRET = 'doors-client-secret';
const WEBHOOK = 'doors-webhook-secret';

describe('Exact Online doors of server start', () => {
  let t: TestDb;
  let standin: ExactStandin;
  let http: Server;
  let url: string;
  beforeEach(async () => {
    t = await openTestDb('sqlite');
    writeServerConfig(t.data, defaultConfig(t.data));
    standin = await startExactStandin({ clientId: ID, clientSecret: SECRET, webhookSecret: WEBHOOK });
    const app = express();
    app.use(createExactLink({ data: t.data, db: t.db, config: readServerConfig(t.data) }).router);
    http = createServer(app);
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise<void>((r) => http.close(() => r()));
    await standin.close();
    await t.cleanup();
  });

  it('completes a connection on /exact/callback, and refuses an answer with another state', async () => {
    const { url: auth } = await beginConnect(t.data, { clientId: ID, clientSecret: SECRET, baseUrl: standin.url, redirectUri: `${url}/exact/callback`, webhookSecret: WEBHOOK });
    const back = new URL((await fetch(auth, { redirect: 'manual' })).headers.get('location')!);
    expect(back.pathname).toBe('/exact/callback');
    // A forged answer: the right code with another state is refused, nothing connected.
    const forged = new URL(back);
    forged.searchParams.set('state', 'forged-state');
    const bad = await fetch(forged);
    expect(bad.status).toBe(400);
    expect(readConnection(t.data).refreshToken).toBeNull();
    const ok = await fetch(back);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/connecté/);
    expect(readConnection(t.data)).toMatchObject({ pendingState: null, division: null });
    expect(readConnection(t.data).refreshToken).toBeTruthy();
    // The same answer again: no connection is waiting any more.
    const replay = await fetch(back);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toMatch(/no Exact Online connection is waiting for a code/);
  });

  it('takes only webhook calls signed with the webhook secret, for this app and division', async () => {
    const { url: auth } = await beginConnect(t.data, { clientId: ID, clientSecret: SECRET, baseUrl: standin.url, redirectUri: `${url}/exact/callback`, webhookSecret: WEBHOOK, division: 123456 });
    await fetch(new URL((await fetch(auth, { redirect: 'manual' })).headers.get('location')!));
    const content = { Topic: 'BankEntries', ClientId: ID, Division: 123456, Action: 'Update', Key: 'k', ExactOnlineEndpoint: 'e', EventCreatedOn: '2026-11-02T10:00:00Z' };
    const post = (body: string) => fetch(`${url}/exact/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.status);
    const good = standin.signedBody(content);
    expect(verifyWebhook(good, WEBHOOK)).toMatchObject({ Topic: 'BankEntries' });
    expect(verifyWebhook(good, SECRET)).toBeNull();
    expect(await post(good)).toBe(200);
    expect(await post(good.replace('"Key":"k"', '"Key":"other"'))).toBe(401);
    expect(await post(good.replace(/"HashCode":"[0-9A-F]+"/, '"HashCode":"00"'))).toBe(401);
    expect(await post('not json at all')).toBe(401);
    expect(await post(standin.signedBody({ ...content, ClientId: 'another-app' }))).toBe(403);
    expect(await post(standin.signedBody({ ...content, Division: 234567 }))).toBe(403);
    const refused = await t.db.selectFrom('log_book').select('message').where('channel', '=', 'security').execute();
    expect(refused.filter((l) => /Exact Online webhook refused: bad or missing signature/.test(l.message))).toHaveLength(3);
  });
});
