/**
 * Back office over real HTTP on loopback (the server's own express app), on SQLite and PostgreSQL:
 * login with scrypt-hashed passwords, session cookies, escaping of stored text, the log book
 * filters and the quarantine reprocess, posting from the entries grid with entries unchecked (the
 * form as a browser without the page's script sends it), and the `server user add` command as a
 * child process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_ENGINES, openTestDb, type TestDb } from '../../test/support/test-databases.ts';
import { defaultConfig, writeServerConfig, type ServerContext } from '../context.ts';
import { createApp } from '../app.ts';
import { logEvent } from '../log-book.ts';
import { addUser, checkCredentials } from './users.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { escapeHtml, html } from './html.ts';
import { SESSION_COOKIE } from './sessions.ts';
import { at20, openBooks } from '../../test/support/books.ts';
import { runPosting } from '../accounting/posting-run.ts';
import { undoRefusal } from '../integration/undo-refusal.ts';

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
  const config = { ...defaultConfig(t.data), db: t.url, ui: { lang: 'en' } }; // English text asserted here; French: i18n tests and the Chromium ones
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

/** The session's form token, read from a page as a browser would (every POST form carries it). */
async function csrfOf(base: string, cookie: string): Promise<string> {
  const page = await (await fetch(`${base}/bo/`, { headers: { cookie } })).text();
  const m = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!m) throw new Error('no _csrf field in the dashboard page');
  return m[1];
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
      const started = await fetch(`${h.base}/bo/nightly/run`, { method: 'POST', redirect: 'manual', headers: { cookie, 'Content-Type': 'application/x-www-form-urlencoded' }, body: `until=&_csrf=${await csrfOf(h.base, cookie)}` });
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
        body: new URLSearchParams({ file: '../../secret/x.zip', _csrf: await csrfOf(h.base, cookie) }),
      });
      expect(res.status).toBe(303);
      expect(decodeURIComponent(res.headers.get('location') ?? '')).toContain('is not in the quarantine folder');
      expect(existsSync(join(h.ctx.data, 'secret', 'x.zip'))).toBe(true);
    });
  });
}

for (const engine of TEST_ENGINES) {
  describe(`posting from the entries grid on ${engine}`, () => {
    const D1 = '2026-11-02';
    const D2 = '2026-11-03';

    it('posts with the unchecked entries left out (and the payment relying on them held back), then the next post takes them', async () => {
      const b = await openBooks(engine);
      const config = { ...defaultConfig(b.data), db: b.url, ui: { lang: 'en' } };
      writeServerConfig(b.data, config);
      const ctx: ServerContext = { data: b.data, config, db: b.db };
      const { app } = createApp(ctx, { inbox: config.inbox });
      const server = await new Promise<Server>((res) => {
        const s = app.listen(0, '127.0.0.1', () => res(s));
      });
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        await b.sell([
          { day: D1, customer: 'C0000001', lines: [at20('50.00')], payments: [{ mode: 'CRED' }] },
          { day: D1, customer: 'C0000002', lines: [at20('20.00')], payments: [{ mode: 'CB' }] },
        ]);
        const docs = await b.rows<{ number: string; customer: string }>('select number, customer from documents order by number');
        const f1 = docs.find((d) => d.customer === 'C0000001')!.number;
        const f2 = docs.find((d) => d.customer === 'C0000002')!.number;
        const [pay] = await b.sell([{ day: D2, customer: 'C0000001', settlements: [{ kind: 'invoice', ref: f1, amount: '30.00' }], payments: [{ mode: 'CB' }] }]);
        await addUser(ctx.db, 'admin', 'correct-horse');
        const cookie = cookieOf(await login(base, 'admin', 'correct-horse'));

        const page = await (await fetch(`${base}/bo/entries?until=${D2}`, { headers: { cookie } })).text();
        expect(page).toContain('Uncheck the entries you do not want to create');
        // The grid as the form will send it back: per entry "index:lines:what unchecking it leaves out".
        const entries = [...page.matchAll(/name="e_docs" value="(\d+):(\d+):([^"]*)"/g)].map((m) => ({ i: m[1], n: Number(m[2]), leaves: m[3].split(' ').filter(Boolean) }));
        expect(entries.map((e) => e.leaves.join(' ')).sort()).toEqual([f1, f2, f2, pay.id].sort());
        // The payment of F1 is its own entry, checkable, and says it relies on F1 (the script strikes it with F1).
        expect(page).toMatch(new RegExp(`data-docs="${pay.id}" data-needs="${f1}"`));
        expect(page).not.toMatch(/class="entry-check"[^>]*disabled/);

        const csrf = await csrfOf(base, cookie);
        const post = (unchecked: string[]) => {
          const form = new URLSearchParams({ until: D2, _csrf: csrf });
          for (const e of entries) {
            form.append('e_docs', `${e.i}:${e.n}:${e.leaves.join(' ')}`);
            if (!e.leaves.some((x) => unchecked.includes(x))) for (let k = 0; k < e.n; k++) form.append('entry', e.i);
          }
          return fetch(`${base}/bo/entries/post`, { method: 'POST', redirect: 'manual', headers: { cookie, 'Content-Type': 'application/x-www-form-urlencoded' }, body: form });
        };
        // F1's sales entry unchecked (no script: only that entry): F1 stays out, its payment is held back, F2 is posted.
        const first = await post([f1]);
        expect(first.status).toBe(303);
        const said = decodeURIComponent(first.headers.get('location') ?? '');
        expect(said).toMatch(/\?ok=batch \d+ .*1 document\(s\), 1 ticket\(s\).*1 document\(s\) left out as asked, 1 held back with them/);
        const posted = async () => (await b.rows<{ number: string }>('select number from documents where posting_batch is not null')).map((r) => r.number);
        expect(await posted()).toEqual([f2]);
        expect(await b.rows('select ticket_id from posted_tickets')).toEqual([]);
        expect(await b.rows(`select id from entry_lines where document_number = '${f1}'`)).toEqual([]);

        // The same form again, stale, with F2 unchecked this time: F2 was posted meanwhile, so nothing is posted and it says why.
        const stale = await post([f2]);
        expect(decodeURIComponent(stale.headers.get('location') ?? '')).toMatch(new RegExp(`\\?err=cannot leave out: ${f2} is already posted \\(batch \\d+\\); nothing was posted`));
        // With F1 still unchecked there is nothing else to post: no empty batch is written.
        const batches = (await b.rows("select id from batches where kind = 'posting'")).length;
        expect(decodeURIComponent((await post([f1])).headers.get('location') ?? '')).toContain(`?ok=nothing to post (until ${D2}; 1 document(s) left out as asked, 1 held back with them)`);
        expect((await b.rows("select id from batches where kind = 'posting'")).length).toBe(batches);

        // The next post, everything checked, takes exactly what was left out.
        const again = await (await fetch(`${base}/bo/entries?until=${D2}`, { headers: { cookie } })).text();
        const rest = [...again.matchAll(/name="e_docs" value="\d+:\d+:([^"]*)"/g)].map((m) => m[1]);
        expect(rest.sort()).toEqual([f1, pay.id].sort());
        entries.splice(0, entries.length, ...[...again.matchAll(/name="e_docs" value="(\d+):(\d+):([^"]*)"/g)].map((m) => ({ i: m[1], n: Number(m[2]), leaves: m[3].split(' ').filter(Boolean) })));
        const second = await post([]);
        expect(decodeURIComponent(second.headers.get('location') ?? '')).toMatch(/\?ok=batch \d+ .*1 document\(s\), 2 ticket\(s\)/);
        expect((await posted()).sort()).toEqual([f1, f2].sort());
        expect((await b.rows<{ ticket_id: string }>('select ticket_id from posted_tickets')).map((r) => r.ticket_id)).toEqual([pay.id]);
        expect(await b.rows('select id from entry_lines where letter_key is not null and lettering_id is null')).toEqual([]);
      } finally {
        await new Promise<void>((r) => server.close(() => r()));
        await b.cleanup();
      }
    });
  });
}

for (const engine of TEST_ENGINES) {
  describe(`the control grid's Undo on ${engine}`, () => {
    it('offers Undo only where `server undo` accepts it; a posted batch shows the reason the CLI gives', async () => {
      const b = await openBooks(engine);
      const config = { ...defaultConfig(b.data), db: b.url, ui: { lang: 'en' } };
      writeServerConfig(b.data, config);
      const ctx: ServerContext = { data: b.data, config, db: b.db };
      const { app } = createApp(ctx, { inbox: config.inbox });
      const server = await new Promise<Server>((res) => {
        const s = app.listen(0, '127.0.0.1', () => res(s));
      });
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        await b.sell([{ day: '2026-11-02', customer: 'C0000001', lines: [at20('50.00')], payments: [{ mode: 'CB' }] }]);
        await runPosting(b.db, b.data, { until: '2026-11-02' });
        await b.sell([{ day: '2026-11-03', customer: 'C0000002', lines: [at20('20.00')], payments: [{ mode: 'CB' }] }]);
        const [posted, open] = (await b.rows<{ id: number }>("select id from batches where kind = 'integration' order by id")).map((r) => Number(r.id));
        const refusal = await undoRefusal(b.db, posted);
        expect(refusal?.code).toBe('undo-refused');
        expect(refusal?.message).toMatch(new RegExp(`^batch ${posted} cannot be undone: document F\\d+ was posted \\(posting batch \\d+\\)$`));
        expect(await undoRefusal(b.db, open)).toBeNull();

        await addUser(ctx.db, 'admin', 'correct-horse');
        const cookie = cookieOf(await login(base, 'admin', 'correct-horse'));
        const page = await (await fetch(`${base}/bo/control`, { headers: { cookie } })).text();
        const row = (id: number) => new RegExp(`<tr data-batch="${id}">[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';
        expect(row(posted)).not.toContain('Undo</button>');
        expect(row(posted)).toContain(escapeHtml(`${refusal!.message} (${refusal!.hint})`));
        expect(row(open)).toContain(`action="/bo/batches/${open}/undo"`);
        expect(row(open)).toContain('Undo</button>');

        // The CLI refuses the posted batch with the very same words, and changes nothing.
        const cli = await new Promise<{ code: number; stderr: string }>((resolve) =>
          execFile(process.execPath, ['bin/tillsync.mjs', 'server', 'undo', '--data', b.data, '--batch', String(posted)], { cwd: process.cwd() }, (err, _out, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr })),
        );
        expect(cli.code).not.toBe(0);
        expect(cli.stderr).toContain(refusal!.message);
        expect(cli.stderr).toContain(refusal!.hint);
        expect((await b.rows<{ status: string }>(`select status from batches where id = ${posted}`))[0].status).toBe('done');
      } finally {
        await new Promise<void>((r) => server.close(() => r()));
        await b.cleanup();
      }
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
      // The shop's first user is its admin.
      expect(JSON.parse(first.stdout)).toEqual({ name: 'manager', created: true, role: 'admin' });
      expect(await checkCredentials(t.db, 'manager', 'first-password')).toBe(true);
      const second = await cli(['server', 'user', 'add', '--data', t.data, '--name', 'manager', '--password', 'second-password'], '');
      expect(second.stdout.trim()).toBe('updated password of back-office user manager (admin)');
      expect(await checkCredentials(t.db, 'manager', 'first-password')).toBe(false);
      expect(await checkCredentials(t.db, 'manager', 'second-password')).toBe(true);
      const short = await cli(['server', 'user', 'add', '--data', t.data, '--name', 'x', '--password', 'short'], '');
      expect(short.code).toBe(2);
      expect(short.stderr.trim()).toBe('tillsync: password too short for user x (use at least 8 characters)');
      // A later user is staff unless told; disable/enable and list share the page's rules (users.ts).
      const staff = await cli(['server', 'user', 'add', '--data', t.data, '--name', 'clerk', '--password', 'clerk-password', '--json'], '');
      expect(JSON.parse(staff.stdout)).toEqual({ name: 'clerk', created: true, role: 'staff' });
      const last = await cli(['server', 'user', 'disable', '--data', t.data, '--name', 'manager'], '');
      expect(last.code).not.toBe(0);
      expect(last.stderr.trim()).toBe('tillsync: user manager is the last active back-office admin (make another user admin first (tillsync server user add --role admin))');
      expect((await cli(['server', 'user', 'disable', '--data', t.data, '--name', 'clerk'], '')).stdout.trim()).toBe('back-office user clerk disabled');
      expect(await checkCredentials(t.db, 'clerk', 'clerk-password')).toBe(false);
      const list = JSON.parse((await cli(['server', 'user', 'list', '--data', t.data, '--json'], '')).stdout) as { users: { name: string; role: string; disabledAt: string | null }[] };
      expect(list.users.map((u) => `${u.name} ${u.role} ${u.disabledAt ? 'disabled' : 'active'}`)).toEqual(['clerk staff disabled', 'manager admin active']);
      expect(JSON.stringify(list)).not.toContain('scrypt');
    } finally {
      await t.cleanup();
    }
  });
});
