/**
 * Back office over real HTTP on loopback (the server's own express app), on SQLite and PostgreSQL:
 * login with scrypt-hashed passwords, session cookies, escaping of stored text, the log book
 * filters and the quarantine reprocess, and the `server user add` command as a child process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_ENGINES, openTestDb, type TestDb } from '../db/test-databases.ts';
import { defaultConfig, writeServerConfig, type ServerContext } from '../context.ts';
import { createApp } from '../app.ts';
import { logEvent } from '../log-book.ts';
import { addUser, checkCredentials } from './users.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { escapeHtml, html } from './html.ts';
import { SESSION_COOKIE } from './sessions.ts';

describe('passwords', () => {
  it('hashes with a random salt and verifies only the right password', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsE', a)).toBe(false);
    expect(await verifyPassword('correct horse', 'plain-text')).toBe(false);
  });
});

describe('html escaping', () => {
  it('escapes interpolated text but keeps nested templates', () => {
    const inner = html`<b>${'a & b'}</b>`;
    expect(html`<p title="${'"x"'}">${'<script>'}${inner}</p>`.value).toBe('<p title="&quot;x&quot;">&lt;script&gt;<b>a &amp; b</b></p>');
    expect(escapeHtml(`<'>`)).toBe('&lt;&#39;&gt;');
  });
});

interface Harness {
  t: TestDb;
  ctx: ServerContext;
  base: string;
  server: Server;
}

async function startHarness(engine: 'sqlite' | 'postgres'): Promise<Harness> {
  const t = await openTestDb(engine);
  const config = { ...defaultConfig(t.data), db: t.url };
  writeServerConfig(t.data, config);
  const ctx: ServerContext = { data: t.data, config, db: t.db };
  const { app } = createApp(ctx, { inbox: config.inbox });
  const server = await new Promise<Server>((res) => {
    const s = app.listen(0, '127.0.0.1', () => res(s));
  });
  return { t, ctx, server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function login(base: string, name: string, password: string): Promise<Response> {
  return fetch(`${base}/bo/login`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ name, password, next: '/bo/log' }) });
}

function cookieOf(res: Response): string {
  const set = res.headers.get('set-cookie') ?? '';
  return set.split(';')[0];
}

for (const engine of TEST_ENGINES) {
  describe(`back office on ${engine}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(engine);
      await addUser(h.ctx.db, 'admin', 'correct-horse');
    });
    afterAll(async () => {
      await new Promise<void>((r) => h.server.close(() => r()));
      await h.t.cleanup();
    });

    it('sends visitors without a session to the login page, and refuses API calls', async () => {
      const res = await fetch(`${h.base}/bo/log?severity=error`, { redirect: 'manual' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/bo/login?next=%2Fbo%2Flog%3Fseverity%3Derror');
      const api = await fetch(`${h.base}/bo/api/nightly/progress`);
      expect(api.status).toBe(401);
      const root = await fetch(`${h.base}/`, { redirect: 'manual' });
      expect(root.headers.get('location')).toBe('/bo/');
    });

    it('refuses a wrong password and logs the attempt', async () => {
      const res = await login(h.base, 'admin', 'wrong-password');
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(await res.text()).toContain('Wrong user name or password');
      const events = await h.ctx.db.selectFrom('log_book').select('message').where('channel', '=', 'web').execute();
      expect(events.some((e) => e.message.includes('failed back-office login for "admin"'))).toBe(true);
    });

    it('logs in with an HttpOnly SameSite=Strict cookie whose token is not stored in clear', async () => {
      const res = await login(h.base, 'admin', 'correct-horse');
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/bo/log');
      const set = res.headers.get('set-cookie') ?? '';
      expect(set).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43};`));
      expect(set).toContain('HttpOnly');
      expect(set).toContain('SameSite=Strict');
      const token = cookieOf(res).split('=')[1];
      const rows = await h.ctx.db.selectFrom('web_sessions').selectAll().execute();
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.some((r) => r.token_hash === token)).toBe(false);

      const page = await fetch(`${h.base}/bo/`, { headers: { cookie: cookieOf(res) } });
      expect(page.status).toBe(200);
      const text = await page.text();
      expect(text).toContain('<h1>Dashboard</h1>');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");

      const out = await fetch(`${h.base}/bo/logout`, { method: 'POST', redirect: 'manual', headers: { cookie: cookieOf(res) } });
      expect(out.status).toBe(303);
      const after = await fetch(`${h.base}/bo/`, { redirect: 'manual', headers: { cookie: cookieOf(res) } });
      expect(after.status).toBe(303);
    });

    it('escapes stored text and filters the log book', async () => {
      await logEvent(h.ctx.db, h.ctx.data, { severity: 'error', channel: 'lan', till: 'S1-07', file: 'evil.zip', message: 'bad <script>alert(1)</script> package' });
      await logEvent(h.ctx.db, h.ctx.data, { severity: 'info', channel: 'mail', till: 'S1-08', message: 'mail package accepted' });
      const cookie = cookieOf(await login(h.base, 'admin', 'correct-horse'));
      const all = await (await fetch(`${h.base}/bo/log`, { headers: { cookie } })).text();
      expect(all).not.toContain('<script>alert(1)</script>');
      expect(all).toContain('bad &lt;script&gt;alert(1)&lt;/script&gt; package');
      expect(all).toContain('mail package accepted');
      const errorsOnly = await (await fetch(`${h.base}/bo/log?severity=error&till=S1-07`, { headers: { cookie } })).text();
      expect(errorsOnly).toContain('evil.zip');
      expect(errorsOnly).not.toContain('mail package accepted');
      const byText = await (await fetch(`${h.base}/bo/log?text=MAIL+PACKAGE`, { headers: { cookie } })).text();
      expect(byText).toContain('mail package accepted');
      expect(byText).not.toContain('evil.zip');
    });

    it('streams a nightly run live as server-sent events, in order, to the end', async () => {
      const cookie = cookieOf(await login(h.base, 'admin', 'correct-horse'));
      const stream = await fetch(`${h.base}/bo/api/nightly/events?after=0`, { headers: { cookie } });
      expect(stream.headers.get('content-type')).toBe('text/event-stream');
      const reader = stream.body!.getReader();
      const started = await fetch(`${h.base}/bo/nightly/run`, { method: 'POST', redirect: 'manual', headers: { cookie, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'until=' });
      expect(decodeURIComponent(started.headers.get('location') ?? '')).toContain('Nightly run started');
      const events: { seq: number; kind: string; step: string; detail: string }[] = [];
      let buf = '';
      while (!events.some((e) => e.kind === 'done' || e.kind === 'failed')) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += new TextDecoder().decode(value);
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data) events.push(JSON.parse(data.slice(6)));
        }
      }
      await reader.cancel();
      expect(events[0].kind).toBe('start');
      expect(events.at(-1)!.kind).toBe('done');
      const steps = Number(/^(\d+) step/.exec(events[0].detail)![1]);
      expect(steps).toBeGreaterThan(0);
      expect(events.filter((e) => e.kind === 'step-done').length).toBe(steps);
      expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
      // The same run, polled afterwards, is all there.
      const polled = await (await fetch(`${h.base}/bo/api/nightly/progress?after=0`, { headers: { cookie } })).json();
      expect(polled.status).toBe('done');
      expect(polled.events.map((e: { seq: number }) => e.seq)).toEqual(events.map((e) => e.seq));
      const page = await (await fetch(`${h.base}/bo/nightly`, { headers: { cookie } })).text();
      expect(page).toContain('run #1 by admin');
    });

    it('refuses to reprocess a name that is not a file in quarantine', async () => {
      const cookie = cookieOf(await login(h.base, 'admin', 'correct-horse'));
      mkdirSync(join(h.ctx.data, 'secret'), { recursive: true });
      writeFileSync(join(h.ctx.data, 'secret', 'x.zip'), 'not a package');
      const res = await fetch(`${h.base}/bo/quarantine/reprocess`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ file: '../../secret/x.zip' }),
      });
      expect(res.status).toBe(303);
      expect(decodeURIComponent(res.headers.get('location') ?? '')).toContain('is not in the quarantine folder');
      expect(existsSync(join(h.ctx.data, 'secret', 'x.zip'))).toBe(true);
    });
  });
}

describe('tillsync server user add', () => {
  it('creates a user from stdin, then changes the password on a rerun', async () => {
    const t = await openTestDb('sqlite');
    try {
      writeServerConfig(t.data, defaultConfig(t.data));
      const cli = (args: string[], input: string) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          const p = execFile(process.execPath, ['bin/tillsync.mjs', ...args], { cwd: process.cwd() }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
          p.stdin!.end(input);
        });
      const first = await cli(['server', 'user', 'add', '--data', t.data, '--name', 'manager', '--password-stdin', '--json'], 'first-password\n');
      expect(first.stderr).toBe('');
      expect(JSON.parse(first.stdout)).toEqual({ name: 'manager', created: true });
      expect(await checkCredentials(t.db, 'manager', 'first-password')).toBe(true);
      const second = await cli(['server', 'user', 'add', '--data', t.data, '--name', 'manager', '--password', 'second-password'], '');
      expect(second.stdout.trim()).toBe('updated password of back-office user manager');
      expect(await checkCredentials(t.db, 'manager', 'first-password')).toBe(false);
      expect(await checkCredentials(t.db, 'manager', 'second-password')).toBe(true);
      const short = await cli(['server', 'user', 'add', '--data', t.data, '--name', 'x', '--password', 'short'], '');
      expect(short.code).toBe(2);
      expect(short.stderr.trim()).toBe('tillsync: password too short for user x (use at least 8 characters)');
    } finally {
      await t.cleanup();
    }
  });
});
