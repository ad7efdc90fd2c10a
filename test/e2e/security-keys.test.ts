/**
 * The attacks of issue 13 on the key model, replayed over real HTTP(S) on loopback against the
 * store server's own app: forged tickets chained onto a real last hash with every credential that
 * crosses the wire or sits in the server's database, replayed and stale requests, a large
 * unauthenticated body during health polls, key rotation, unknown keys, a certificate that does
 * not match the pin.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig, type ServerContext } from '../../server/context.ts';
import { openTestDb, type TestDb } from '../support/test-databases.ts';
import { intakePackage } from '../../server/intake/intake.ts';
import { startStoreServer, type RunningServer } from '../../server/intake/start.ts';
import { makeSelfSignedCertificate } from '../../server/security/self-signed.ts';
import { tillAuthPurpose, unwrapSecret } from '../../server/security/secrets-at-rest.ts';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { makeKeyChange } from '../../sync/key-change.ts';
import { buildTicketPackage } from '../../sync/package-writer.ts';
import { API, type KeyRegistrationResponse, type TicketsPushResponse } from '../../sync/replication-protocol.ts';
import { signRequest } from '../../sync/request-auth.ts';
import { hashTicket } from '../../sync/ticket-chain.ts';
import { signTicketPage } from '../../sync/ticket-page.ts';
import { generateTillKeyPair, signText } from '../../sync/till-keys.ts';
import { serverRequest } from '../../sync/transports/server-http.ts';
import type { Ticket } from '../../sync/types.ts';
import { enrolSigningTill } from '../support/signing-till.ts';

let t: TestDb | null = null;
let srv: RunningServer | null = null;
afterEach(async () => {
  await srv?.close();
  await t?.cleanup();
  srv = null;
  t = null;
});

async function serve(tls?: { cert: string; key: string; fingerprint: string }) {
  t = await openTestDb('sqlite');
  const ctx: ServerContext = { data: t.data, config: defaultConfig(t.data), db: t.db };
  srv = await startStoreServer(ctx, { host: '127.0.0.1', port: 0, inbox: `${t.data}/inbox`, tls });
  const till = await enrolSigningTill(t.db, t.data, 'S1', '01');
  return { ctx, till, url: srv.url, credentials: { till: 'S1-01', authSecret: till.secret } };
}

const ticketCount = async () => Number((await t!.db.selectFrom('tickets').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

/** A ticket the attacker makes up, chained onto the till's real last hash. */
function forgedAfter(last: Ticket): Ticket {
  const { hash: _h, ...rest } = { ...last, number: last.number + 1, id: last.id.replace(/\d+$/, String(last.number + 1).padStart(8, '0')), prevHash: last.hash, customer: 'C0000666' };
  return { ...rest, hash: hashTicket(rest) } as Ticket;
}

describe('key model attacks (issue 13)', () => {
  it('refuses forged tickets chained onto the real last hash, whatever credential the attacker holds; nothing is stored', async () => {
    const { ctx, till, url, credentials } = await serve();
    const real = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 3, seed: 4 })];
    const ok = await serverRequest({ url }, { method: 'POST', path: API.ticketsPush, body: JSON.stringify({ tickets: real, signature: signTicketPage(till.key, 'S1-01', real) }), headers: { 'content-type': 'application/json' }, timeoutMs: 10_000, credentials });
    expect([ok.status, (JSON.parse(ok.text) as TicketsPushResponse).accepted]).toEqual([200, real.map((x) => x.id)]);
    const forged = [forgedAfter(real[2])];

    // What sits in the server's database: the wrapped auth secret (unwrapped here, as if the key file leaked too) and the public key.
    const row = await t!.db.selectFrom('tills').select('secret').executeTakeFirstOrThrow();
    const dbSecret = unwrapSecret(t!.data, tillAuthPurpose('S1-01'), row.secret);
    expect(row.secret).not.toContain(till.secret);
    const attackerKey = generateTillKeyPair();
    const attempts = [
      { tickets: forged },
      { tickets: forged, signature: { keyId: till.key.keyId, value: signText(attackerKey.privateKeyPem, 'x') } },
      { tickets: forged, signature: { ...signTicketPage(attackerKey, 'S1-01', forged), keyId: till.key.keyId } },
      { tickets: forged, signature: signTicketPage(attackerKey, 'S1-01', forged) },
    ];
    for (const body of attempts) {
      const r = await serverRequest({ url }, { method: 'POST', path: API.ticketsPush, body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, timeoutMs: 10_000, credentials: { till: 'S1-01', authSecret: dbSecret } });
      expect(r.status).toBe(403);
      expect(JSON.parse(r.text).error.code).toMatch(/ticket-signature|unknown-key/);
    }
    // The attacker registering their own key: refused (only a key change signed by the till's key adds one).
    const reg = await serverRequest({ url }, { method: 'POST', path: API.keys, body: JSON.stringify({ publicKey: attackerKey.publicKeyPem, keyChanges: [] }), headers: { 'content-type': 'application/json' }, timeoutMs: 10_000, credentials });
    expect([reg.status, JSON.parse(reg.text).error.code]).toEqual([403, 'unknown-key']);
    // Packages: signed by the attacker's key (with a valid enrolment proof: the auth secret is no help once a key is known), or HMAC with the auth secret.
    const pkg3 = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets: forged, signer: { key: attackerKey, authSecret: dbSecret } });
    expect(await intakePackage(ctx, { bytes: pkg3.bytes, fileName: pkg3.fileName, channel: 'lan' })).toMatchObject({ status: 'refused', reason: 'unknown-key' });
    const pkg2 = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets: forged, secret: dbSecret });
    expect(await intakePackage(ctx, { bytes: pkg2.bytes, fileName: 'hmac.zip', channel: 'lan' })).toMatchObject({ status: 'refused', reason: 'signature' });
    expect(await ticketCount()).toBe(3);
  });

  it('refuses a replayed request (same nonce) and a stale one, and a body that does not match its signed digest', async () => {
    const { url, credentials } = await serve();
    const path = API.acksPull + '?limit=10';
    const headers = signRequest({ authSecret: credentials.authSecret, till: credentials.till, method: 'GET', path });
    const first = await fetch(url + path, { headers });
    expect(first.status).toBe(200);
    const again = await fetch(url + path, { headers });
    expect([again.status, ((await again.json()) as any).error.code]).toEqual([401, 'auth-replayed']);
    const stale = signRequest({ authSecret: credentials.authSecret, till: credentials.till, method: 'GET', path, now: Date.now() - 10 * 60_000 });
    const old = await fetch(url + path, { headers: stale });
    expect([old.status, ((await old.json()) as any).error.code]).toEqual([401, 'auth-stale']);
    const body = JSON.stringify({ closures: [] });
    const signed = signRequest({ authSecret: credentials.authSecret, till: credentials.till, method: 'POST', path: API.closuresPush, body });
    const swapped = await fetch(url + API.closuresPush, { method: 'POST', headers: { ...signed, 'content-type': 'application/json' }, body: JSON.stringify({ closures: [{ id: 'x' }] }) });
    expect([swapped.status, ((await swapped.json()) as any).error.code]).toEqual([400, 'auth-failed']);
  });

  it('answers a 20 MiB unauthenticated body without reading it, while /api/health stays under 0.8 s', async () => {
    const { url } = await serve();
    const u = new URL(url + API.ticketsPush);
    const junk = Buffer.alloc(20 * 1024 * 1024, 0x7b); // "{{{{…": parsing it first would answer 400 bad-json
    const started = Date.now();
    const floods = Array.from({ length: 4 }, () =>
      new Promise<number | string>((resolve) => {
        const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': junk.length } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
        req.end(junk);
      }),
    );
    const healthTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const h0 = Date.now();
      const h = await fetch(url + API.health, { signal: AbortSignal.timeout(800) });
      expect(h.status).toBe(200);
      healthTimes.push(Date.now() - h0);
    }
    const answers = await Promise.all(floods);
    // 401 before the body, or the connection closed under the sender: never parsed.
    for (const a of answers) expect([401, 'ECONNRESET', 'EPIPE']).toContain(a);
    expect(Math.max(...healthTimes)).toBeLessThan(800);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('after a rotation the old key still verifies its packages; the new key comes in only by the signed key change; an unknown key is refused', async () => {
    const { ctx, till, url, credentials } = await serve();
    const tickets = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 6, seed: 5 })];
    const oldPkg = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets: tickets.slice(0, 3), signer: till.signer, created: new Date('2026-11-02T10:00:00Z') });
    const newKey = generateTillKeyPair();
    const change = makeKeyChange('S1-01', till.key, newKey);
    const reg = await serverRequest({ url }, { method: 'POST', path: API.keys, body: JSON.stringify({ publicKey: newKey.publicKeyPem, keyChanges: [change] }), headers: { 'content-type': 'application/json' }, timeoutMs: 10_000, credentials });
    expect(JSON.parse(reg.text) as KeyRegistrationResponse).toEqual({ keyId: newKey.keyId, registered: 'key-change' });
    const keys = await t!.db.selectFrom('till_keys').select(['key_id', 'retired_at', 'registered_via']).orderBy('registered_at').execute();
    expect(keys.map((k) => [k.key_id, k.retired_at !== null, k.registered_via])).toEqual([[till.key.keyId, true, 'enrolment'], [newKey.keyId, false, 'key-change']]);
    // A package of the retired key, arriving late (the key id is in its manifest): accepted.
    expect(await intakePackage(ctx, { bytes: oldPkg.bytes, fileName: oldPkg.fileName, channel: 'lan' })).toMatchObject({ status: 'accepted', counts: { accepted: 3 } });
    const newPkg = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets: tickets.slice(3), signer: { key: newKey }, created: new Date('2026-11-02T11:00:00Z') });
    expect(await intakePackage(ctx, { bytes: newPkg.bytes, fileName: newPkg.fileName, channel: 'lan' })).toMatchObject({ status: 'accepted', counts: { accepted: 3 } });
    const stranger = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets: tickets.slice(3), signer: { key: generateTillKeyPair() }, created: new Date('2026-11-02T12:00:00Z') });
    expect(await intakePackage(ctx, { bytes: stranger.bytes, fileName: stranger.fileName, channel: 'lan' })).toMatchObject({ status: 'refused', reason: 'unknown-key' });
    // A page signed by the retired key is refused on replication (the till signs with its current key).
    const late = tickets.slice(0, 1);
    const retired = await serverRequest({ url }, { method: 'POST', path: API.ticketsPush, body: JSON.stringify({ tickets: late, signature: signTicketPage(till.key, 'S1-01', late) }), headers: { 'content-type': 'application/json' }, timeoutMs: 10_000, credentials });
    expect([retired.status, JSON.parse(retired.text).error.code]).toEqual([403, 'key-retired']);
  });

  it('a till that was never online registers its first key through a package carrying the enrolment proof', async () => {
    t = await openTestDb('sqlite');
    const ctx = { db: t.db, data: t.data };
    const { enrollTill } = await import('../../server/intake/till-registry.ts');
    const { secret } = await enrollTill(t.db, { data: t.data, store: 'S1', till: '02' });
    const key = generateTillKeyPair();
    const tickets = [...generateTillTickets('02', { tills: 1, ticketsPerTill: 2, seed: 6 })];
    const noProof = buildTicketPackage({ store: 'S1', till: '02', kind: 'degraded', tickets, signer: { key, authSecret: 'not-the-secret' } });
    expect(await intakePackage(ctx, { bytes: noProof.bytes, fileName: 'a.zip', channel: 'mail' })).toMatchObject({ status: 'refused', reason: 'unknown-key' });
    const withProof = buildTicketPackage({ store: 'S1', till: '02', kind: 'degraded', tickets, signer: { key, authSecret: secret } });
    expect(await intakePackage(ctx, { bytes: withProof.bytes, fileName: 'b.zip', channel: 'mail' })).toMatchObject({ status: 'accepted', counts: { accepted: 2 } });
    expect(await t.db.selectFrom('till_keys').select(['key_id', 'registered_via']).execute()).toEqual([{ key_id: key.keyId, registered_via: 'package' }]);
  });

  it('over TLS: the pinned certificate is accepted, another one refused with one line', async () => {
    const cert = makeSelfSignedCertificate();
    const other = makeSelfSignedCertificate();
    const { url } = await serve({ cert: cert.certPem, key: cert.keyPem, fingerprint: cert.fingerprint });
    expect(url.startsWith('https://')).toBe(true);
    const good = await serverRequest({ url, fingerprint: cert.fingerprint }, { method: 'GET', path: API.health, timeoutMs: 5000 });
    expect(good.status).toBe(200);
    const err = await serverRequest({ url, fingerprint: other.fingerprint.replace(/:/g, '').toLowerCase() }, { method: 'GET', path: API.health, timeoutMs: 5000 }).catch((e) => e);
    expect(err).toMatchObject({ code: 'server-pin-mismatch' });
    expect(err.message).toBe(`server ${url} presents certificate SHA-256 ${cert.fingerprint}, not the pinned ${other.fingerprint}: refused`);
    // No pin: the system CAs do not know a self-signed certificate either.
    await expect(serverRequest({ url }, { method: 'GET', path: API.health, timeoutMs: 5000 })).rejects.toThrow(/self[- ]signed/i);
  });
});
