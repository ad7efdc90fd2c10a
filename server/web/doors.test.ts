/**
 * The back office's doors replayed over real HTTP on loopback (the server's own express app on
 * SQLite): a password brute force, cross-site posts to the nightly run, form posts without the
 * session's token, an oversized form, cookies under TLS, and error answers that must not tell
 * where the server's files are. Each refusal is in the log book; the good request beside it works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openTestDb, type TestDb } from '../../test/support/test-databases.ts';
import { defaultConfig, writeServerConfig, type ServerContext } from '../context.ts';
import { createApp } from '../app.ts';
import { errorHandler } from '../http-error.ts';
import { addUser } from './users.ts';

interface Harness {
  t: TestDb;
  ctx: ServerContext;
  base: string;
  server: Server;
}

async function startHarness(opts: Parameters<typeof createApp>[1] extends infer O ? Partial<O> : never = {}): Promise<Harness> {
  const t = await openTestDb('sqlite');
  const config = { ...defaultConfig(t.data), db: t.url, ui: { lang: 'en' } }; // English text asserted here; French: i18n tests and the Chromium ones
  writeServerConfig(t.data, config);
  const ctx: ServerContext = { data: t.data, config, db: t.db };
  const { app } = createApp(ctx, { inbox: config.inbox, ...opts });
  const server = await new Promise<Server>((res) => {
    const s = app.listen(0, '127.0.0.1', () => res(s));
  });
  return { t, ctx, server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const stop = async (h: Harness) => {
  await new Promise<void>((r) => h.server.close(() => r()));
  await h.t.cleanup();
};

function login(base: string, name: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/bo/login`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ name, password, next: '/bo/' }) });
}

const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0];

async function csrfOf(base: string, cookie: string): Promise<string> {
  return /name="_csrf" value="([^"]+)"/.exec(await (await fetch(`${base}/bo/`, { headers: { cookie } })).text())![1];
}

async function webLog(h: Harness): Promise<string[]> {
  return (await h.ctx.db.selectFrom('log_book').select('message').where('channel', '=', 'web').orderBy('id').execute()).map((r) => r.message);
}

/** Events of nightly runs so far (the back office keeps them in memory): unchanged means nothing ran. */
const nightlyRuns = async (h: Harness, cookie: string) => ((await (await fetch(`${h.base}/bo/api/nightly/progress?after=0`, { headers: { cookie } })).json()) as { events: unknown[] }).events.length;

describe('login throttling', () => {
  let h: Harness;
  beforeAll(async () => {
    // 4 s: the 40 refused guesses must all fall inside the first lock even on a loaded machine.
    h = await startHarness({ loginThrottle: { accountFree: 5, addressFree: 30, baseMs: 4000, maxMs: 60_000 } });
    await addUser(h.ctx.db, 'admin', 'correct-horse');
    await addUser(h.ctx.db, 'cashier', 'battery-staple');
  });
  afterAll(() => stop(h));

  it('refuses 40 wrong passwords at speed, then the right one too (429 + Retry-After) until the back-off ends', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await login(h.base, 'admin', `guess-${i}`)).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(6).every((s) => s === 429)).toBe(true);
    const right = await login(h.base, 'admin', 'correct-horse');
    expect(right.status).toBe(429);
    expect(right.headers.get('set-cookie')).toBeNull();
    const wait = Number(right.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(await right.text()).toContain('Too many failed logins');
    const log = await webLog(h);
    expect(log.filter((m) => m.startsWith('failed back-office login for "admin"'))).toHaveLength(6);
    expect(log.some((m) => /^back-office login throttled for "admin" from .*: account locked 4 s after 6 failures$/.test(m))).toBe(true);
    expect(log.some((m) => /^back-office login refused \(throttled\) for "admin"/.test(m))).toBe(true);

    // Another account from the same address still logs in: the address has its own, larger allowance.
    expect((await login(h.base, 'cashier', 'battery-staple')).status).toBe(303);

    await new Promise((r) => setTimeout(r, wait * 1000 + 100));
    const after = await login(h.base, 'admin', 'correct-horse');
    expect(after.status).toBe(303);
    expect(cookieOf(after)).toMatch(/^tillsync_session=/);
  });
});

describe('cross-site requests', () => {
  let h: Harness;
  let cookie: string;
  beforeAll(async () => {
    h = await startHarness();
    await addUser(h.ctx.db, 'admin', 'correct-horse');
    cookie = cookieOf(await login(h.base, 'admin', 'correct-horse'));
  });
  afterAll(() => stop(h));

  it('puts the session token in every POST form of a page', async () => {
    const page = await (await fetch(`${h.base}/bo/nightly`, { headers: { cookie } })).text();
    const forms = page.match(/<form\b[^>]*method="post"[^>]*>/g) ?? [];
    expect(forms.length).toBeGreaterThanOrEqual(2);
    const tokens = page.match(/<form\b[^>]*method="post"[^>]*><input type="hidden" name="_csrf" value="[A-Za-z0-9_-]{43}">/g) ?? [];
    expect(tokens.length).toBe(forms.length);
  });

  it('refuses a cross-origin POST to /bo/nightly/run, with or without a token, and runs nothing', async () => {
    const before = await nightlyRuns(h, cookie);
    const csrf = await csrfOf(h.base, cookie);
    const foreign = await fetch(`${h.base}/bo/nightly/run`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: `until=&_csrf=${csrf}` });
    expect(foreign.status).toBe(403);
    const byReferer = await fetch(`${h.base}/bo/nightly/run`, { method: 'POST', redirect: 'manual', headers: { cookie, referer: 'http://evil.example/page', 'content-type': 'application/x-www-form-urlencoded' }, body: `until=&_csrf=${csrf}` });
    expect(byReferer.status).toBe(403);
    // Same origin but no token (what a form on a sibling page could send with the cookie): refused.
    const noToken = await fetch(`${h.base}/bo/nightly/run`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'until=' });
    expect(noToken.status).toBe(403);
    const otherSession = await fetch(`${h.base}/bo/nightly/run`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: `until=&_csrf=${'A'.repeat(43)}` });
    expect(otherSession.status).toBe(403);
    expect(await nightlyRuns(h, cookie)).toBe(before);
    const log = await webLog(h);
    expect(log.some((m) => /^refused POST \/bo\/nightly\/run from .*: cross-site request \(Origin http:\/\/evil\.example\)$/.test(m))).toBe(true);
    expect(log.some((m) => /^refused POST \/bo\/nightly\/run from .*: missing or wrong form token \(CSRF\)$/.test(m))).toBe(true);
    // The page's own form goes through.
    const own = await fetch(`${h.base}/bo/nightly/run`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: h.base, 'content-type': 'application/x-www-form-urlencoded' }, body: `until=&_csrf=${csrf}` });
    expect(own.status).toBe(303);
    expect(decodeURIComponent(own.headers.get('location') ?? '')).toContain('Nightly run started');
  });

  it('refuses a login posted from another site', async () => {
    const r = await login(h.base, 'admin', 'correct-horse', { origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    expect(r.headers.get('set-cookie')).toBeNull();
  });

  it('reads no form body before a session exists, and caps it after', async () => {
    const big = 'x'.repeat(3 * 1024 * 1024);
    const anon = await fetch(`${h.base}/bo/nightly/run`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `until=${big}` });
    expect(anon.status).toBe(401);
    const capped = await fetch(`${h.base}/bo/nightly/run`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: `until=${big}` });
    expect(capped.status).toBe(413);
    const bigLogin = await fetch(`${h.base}/bo/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `name=admin&password=${'p'.repeat(20_000)}` });
    expect(bigLogin.status).toBe(413);
  });
});

describe('cookies and error answers', () => {
  it('marks the session cookie Secure when the server runs TLS', async () => {
    const h = await startHarness({ tls: true });
    try {
      await addUser(h.ctx.db, 'admin', 'correct-horse');
      const set = (await login(h.base, 'admin', 'correct-horse')).headers.get('set-cookie') ?? '';
      expect(set).toContain('HttpOnly');
      expect(set).toContain('SameSite=Strict');
      expect(set).toContain('Secure');
    } finally {
      await stop(h);
    }
  });

  it('answers a failure without stack or absolute path; the back office logs the details', async () => {
    // JSON side: the one error handler, behind a real route that fails like a missing file would.
    const app = express();
    app.get('/boom', () => {
      throw Object.assign(new Error("ENOENT: no such file or directory, open '/srv/shop/secret-data/server.json'"), { code: 'ENOENT' });
    });
    app.get('/told', () => {
      throw Object.assign(new Error('x'), { status: 400, message: "bad file /home/caisse/data/inbox/evil.zip" });
    });
    const reported: unknown[] = [];
    app.use(errorHandler((e) => reported.push(e)));
    const srv = await new Promise<Server>((res) => {
      const s = app.listen(0, '127.0.0.1', () => res(s));
    });
    try {
      const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
      const boom = await (await fetch(`${base}/boom`)).text();
      expect(boom).not.toMatch(/\/srv\/|secret-data|at .*\.ts|Error:/);
      expect(JSON.parse(boom).error.code).toBe('internal');
      expect(reported).toHaveLength(1);
      const told = await (await fetch(`${base}/told`)).json();
      expect(told.error.message).toBe('bad file …/evil.zip');
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }

    // Back-office side: a page whose query fails shows one line, the log book the stack.
    const h = await startHarness();
    try {
      await addUser(h.ctx.db, 'admin', 'correct-horse');
      const cookie = cookieOf(await login(h.base, 'admin', 'correct-horse'));
      await h.ctx.db.schema.dropTable('documents').ifExists().execute();
      const res = await fetch(`${h.base}/bo/documents`, { headers: { cookie } });
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).toContain('internal error of the server (the details are in the log book)');
      expect(text).not.toContain(h.t.data);
      expect(text).not.toMatch(/\.ts:\d+|node_modules|\bat \w/);
      expect((await webLog(h)).some((m) => m.startsWith('GET /bo/documents: ') && /\n\s+at /.test(m))).toBe(true);
    } finally {
      await stop(h);
    }
  });
});
