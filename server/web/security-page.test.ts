/**
 * The security page over real HTTP on loopback (the server's express app on SQLite): an admin sees
 * users, sessions, login attempts and till key fingerprints and no secret; a staff user gets 403 on
 * the page and on each of its actions (which change nothing); every form carries the CSRF token and
 * an action without it is refused; the last admin cannot be disabled (the CLI's rule, users.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openTestDb, type TestDb } from '../../test/support/test-databases.ts';
import { defaultConfig, writeServerConfig, type ServerContext } from '../context.ts';
import { createApp } from '../app.ts';
import { addUser, listUsers, setUserDisabled } from './users.ts';
import { enrollTill } from '../intake/till-registry.ts';
import { generateTillKeyPair, keyFingerprint } from '../../sync/till-keys.ts';

let t: TestDb;
let ctx: ServerContext;
let server: Server;
let base: string;

const login = (name: string, password: string) =>
  fetch(`${base}/bo/login`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ name, password, next: '/bo/' }) });
const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0];
const post = (path: string, cookie: string, fields: Record<string, string>) =>
  fetch(`${base}/bo${path}`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
const csrfOf = async (cookie: string) => /name="_csrf" value="([^"]+)"/.exec(await (await fetch(`${base}/bo/`, { headers: { cookie } })).text())![1];

beforeAll(async () => {
  t = await openTestDb('sqlite');
  const config = { ...defaultConfig(t.data), db: t.url, ui: { lang: 'en' } };
  writeServerConfig(t.data, config);
  ctx = { data: t.data, config, db: t.db };
  const { app } = createApp(ctx, { inbox: config.inbox });
  server = await new Promise<Server>((res) => {
    const s = app.listen(0, '127.0.0.1', () => res(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  expect((await addUser(ctx.db, 'chef', 'correct-horse')).role).toBe('admin'); // the first user
  expect((await addUser(ctx.db, 'caisse', 'battery-staple')).role).toBe('staff');
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await t.cleanup();
});

describe('the security page', () => {
  it('shows an admin users, sessions, attempts and key fingerprints, and no secret', async () => {
    const key = generateTillKeyPair();
    await enrollTill(ctx.db, { data: ctx.data, store: 'S1', till: '07', publicKeyPem: key.publicKeyPem });
    expect((await login('chef', 'wrong-password')).status).toBe(401);
    const cookie = cookieOf(await login('chef', 'correct-horse'));
    const res = await fetch(`${base}/bo/security`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('data-user="caisse" data-role="staff"');
    expect(page).toMatch(/data-outcome="wrong" data-name="chef"/);
    expect(page).toContain(keyFingerprint(key.publicKeyPem));
    // No secret: no password hash, no session token or its full hash, no PEM, no till auth secret.
    const hashes = await ctx.db.selectFrom('web_users').select('password_hash').execute();
    for (const h of hashes) expect(page).not.toContain(h.password_hash.split('$')[5]);
    expect(page).not.toContain(cookie.split('=')[1]);
    for (const s of await ctx.db.selectFrom('web_sessions').select('token_hash').execute()) expect(page).not.toContain(s.token_hash);
    expect(page).not.toContain('BEGIN PUBLIC KEY');
    expect(page).not.toContain('PRIVATE');
    const secret = (await ctx.db.selectFrom('tills').select('secret').where('id', '=', 'S1-07').executeTakeFirstOrThrow()).secret;
    expect(page).not.toContain(secret);
    // Every POST form carries the token, and the menu has the page.
    const forms = page.match(/<form\b[^>]*method="post"[^>]*>/g) ?? [];
    expect(forms.length).toBeGreaterThanOrEqual(5);
    expect((page.match(/<form\b[^>]*method="post"[^>]*><input type="hidden" name="_csrf"/g) ?? []).length).toBe(forms.length);
    expect(page).toContain('href="/bo/security"');
  });

  it('answers 403 to a staff user on the page and its actions, which change nothing', async () => {
    const cookie = cookieOf(await login('caisse', 'battery-staple'));
    const csrf = await csrfOf(cookie);
    expect(await (await fetch(`${base}/bo/`, { headers: { cookie } })).text()).not.toContain('href="/bo/security"');
    expect((await fetch(`${base}/bo/security`, { headers: { cookie } })).status).toBe(403);
    expect((await post('/security/users/add', cookie, { name: 'intrus', password: 'long-enough-1', role: 'admin', _csrf: csrf })).status).toBe(403);
    expect((await post('/security/users/disable', cookie, { name: 'chef', _csrf: csrf })).status).toBe(403);
    expect((await post('/security/users/password', cookie, { name: 'chef', password: 'taken-over-1', _csrf: csrf })).status).toBe(403);
    expect((await listUsers(ctx.db)).map((u) => `${u.name}:${u.role}:${u.disabledAt ? 'off' : 'on'}`)).toEqual(['caisse:staff:on', 'chef:admin:on']);
    expect((await login('chef', 'correct-horse')).status).toBe(303);
  });

  it('lets an admin add a user, disable and enable one, revoke a session; refuses a form without its token', async () => {
    const cookie = cookieOf(await login('chef', 'correct-horse'));
    const csrf = await csrfOf(cookie);
    expect((await post('/security/users/add', cookie, { name: 'compta', password: 'ledger-pass-1', role: 'staff' })).status).toBe(403);
    const added = await post('/security/users/add', cookie, { name: 'compta', password: 'ledger-pass-1', role: 'staff', _csrf: csrf });
    expect(added.status).toBe(303);
    expect(decodeURIComponent(added.headers.get('location')!)).toContain('User compta created (staff)');
    const staff = cookieOf(await login('compta', 'ledger-pass-1'));
    expect((await fetch(`${base}/bo/`, { headers: { cookie: staff } })).status).toBe(200);
    // Disabling ends the user's sessions and refuses their login.
    expect((await post('/security/users/disable', cookie, { name: 'compta', _csrf: csrf })).status).toBe(303);
    expect((await fetch(`${base}/bo/`, { headers: { cookie: staff }, redirect: 'manual' })).status).toBe(303);
    expect((await login('compta', 'ledger-pass-1')).status).toBe(401);
    expect((await post('/security/users/enable', cookie, { name: 'compta', _csrf: csrf })).status).toBe(303);
    const again = cookieOf(await login('compta', 'ledger-pass-1'));
    // Revoke that session by the id the page shows.
    const page = await (await fetch(`${base}/bo/security`, { headers: { cookie } })).text();
    const id = /data-session="([0-9a-f]{16})" data-user="compta"/.exec(page)![1];
    expect((await post('/security/sessions/revoke', cookie, { id, _csrf: csrf })).status).toBe(303);
    expect((await fetch(`${base}/bo/`, { headers: { cookie: again }, redirect: 'manual' })).status).toBe(303);
    // The last active admin stays: the page says why, as the CLI does.
    const last = await post('/security/users/disable', cookie, { name: 'chef', _csrf: csrf });
    expect(decodeURIComponent(last.headers.get('location')!)).toMatch(/err=.*last active back-office admin/);
    await expect(setUserDisabled(ctx.db, 'chef', true)).rejects.toThrow(/last active back-office admin/);
  });
});
