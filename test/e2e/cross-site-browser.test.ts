/**
 * A real cross-site page in a real browser (Debian's chromium): the shop's PC has the register
 * open and a back-office session, and the cashier visits a page that tries, as such pages do, to
 * close the till's day and to start the nightly run with auto-submitted forms and no-cors fetches.
 * The attacker's page is served from 127.0.0.1 on another port: the same *site* for the browser,
 * so SameSite=Strict cookies do go along — only the Origin checks, the till's token and the
 * back office's form token stop it. Nothing happens, the refusals are logged, and the register
 * and the back office keep working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchBrowser, ok, start, type Running } from './screens-harness.ts';
import { readApiToken, TOKEN_HEADER } from '../../client/api-token.ts';

const logs = (data: string) =>
  readdirSync(join(data, 'log'))
    .map((f) => readFileSync(join(data, 'log', f), 'utf8'))
    .join('');

describe('a cross-site page in chromium', () => {
  let dir: string;
  let serverData: string;
  let tillData: string;
  let server: Running;
  let till: Running;
  let evil: Server;
  let evilUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  let attackPage = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cross-site-browser-'));
    serverData = join(dir, 'server');
    tillData = join(dir, 'till');
    await ok(['server', 'init', '--demo-base', '--data', serverData]);
    await ok(['server', 'user', 'add', '--data', serverData, '--name', 'admin', '--password-stdin'], 'back-office-pass\n');
    server = await start(['server', 'start', '--data', serverData, '--port', '0', '--host', '127.0.0.1']);
    await ok(['till', 'init', '--data', tillData, '--store', 'S1', '--till', '01', '--articles', '20']);
    till = await start(['till', 'start', '--data', tillData, '--port', '0']);
    evil = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(attackPage));
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    context = await browser.newContext();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => evil?.close(() => r()));
    await till?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('closes no day and runs no nightly chain, and says so in the logs', async () => {
    const tillUrl = till.ready.url as string;
    const boUrl = server.ready.listening.url as string;
    const operator = { [TOKEN_HEADER]: readApiToken(tillData)! };
    const tillStatus = async () => (await (await fetch(`${tillUrl}/api/till/status`, { headers: operator })).json()) as any;

    // The shop's browser: the register open, the back office logged in.
    const register = await context.newPage();
    await register.goto(`${tillUrl}/`);
    const bo = await context.newPage();
    await bo.goto(`${boUrl}/bo/login`);
    await bo.fill('input[name=name]', 'admin');
    await bo.fill('input[name=password]', 'back-office-pass');
    await Promise.all([bo.waitForURL(`${boUrl}/bo/`), bo.click('button[type=submit]')]);
    const nightlyEvents = async () => (await bo.evaluate(async () => (await (await fetch('/bo/api/nightly/progress?after=0')).json()).events.length)) as number;
    const eventsBefore = await nightlyEvents();
    const closureBefore = (await tillStatus()).lastClosure;

    attackPage = `<!doctype html><html><body>
<iframe name="sink1"></iframe><iframe name="sink2"></iframe><iframe name="sink3"></iframe>
<form id="till" method="post" action="${tillUrl}/api/till/close" target="sink1"><input name="x" value="1"></form>
<form id="tillText" method="post" enctype="text/plain" action="${tillUrl}/api/till/close" target="sink2"><input name='{"a":"' value='"}'></form>
<form id="bo" method="post" action="${boUrl}/bo/nightly/run" target="sink3"><input name="until" value=""></form>
<script>
  document.getElementById('till').submit();
  document.getElementById('tillText').submit();
  document.getElementById('bo').submit();
  fetch('${tillUrl}/api/till/close', { method: 'POST', mode: 'no-cors', body: '{}' }).catch(() => {});
  fetch('${boUrl}/bo/nightly/run', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'until=' }).catch(() => {});
  document.title = 'sent';
</script></body></html>`;
    const attacker = await context.newPage();
    const answers: { url: string; status: number }[] = [];
    attacker.on('response', (r) => {
      if (r.request().method() === 'POST') answers.push({ url: r.url(), status: r.status() });
    });
    await attacker.goto(`${evilUrl}/cute-cats.html`);
    await expect.poll(() => answers.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(5);

    // Every POST came back refused; none was a success or a redirect.
    expect(answers.every((a) => a.status === 403), JSON.stringify(answers)).toBe(true);
    expect((await tillStatus()).lastClosure).toEqual(closureBefore);
    expect(await nightlyEvents()).toBe(eventsBefore);
    expect(logs(tillData)).toMatch(new RegExp(`local API refused \\(foreign-origin\\): POST /api/till/close .* Origin "${evilUrl.replace(/[.]/g, '\\.')}"`));
    expect(logs(serverData)).toMatch(new RegExp(`refused POST /bo/nightly/run from .*: cross-site request \\(Origin ${evilUrl.replace(/[.]/g, '\\.')}\\)`));

    // The register and the back office still work in the same browser.
    await expect.poll(() => register.locator('#banner').getAttribute('data-mode'), { timeout: 15_000 }).toBe('standalone');
    await bo.goto(`${boUrl}/bo/nightly`);
    await Promise.all([bo.waitForURL(/\/bo\/nightly\?ok=/), bo.click('form[action$="/nightly/run"] button[type=submit]')]);
    expect(decodeURIComponent(bo.url())).toContain('Nightly run started');
  }, 120_000);
});
