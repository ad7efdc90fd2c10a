/**
 * The back office in a real browser (Debian's chromium) against a real `server start` on loopback:
 * log in, see a quarantined package and reprocess it, uncheck a ticket in the control grid and
 * generate, undo the batch, post from the "Liste des écritures" preview, letter, download an FEC,
 * set the customer of checked tickets and of one ticket then generate that customer's document,
 * and watch a nightly run live. With TILLSYNC_SCREENSHOTS=1 every page leaves a screenshot in test-artifacts/screens/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { writeTicketPackage } from '../../sync/package-writer.ts';
import { generateTillKeyPair } from '../../sync/till-keys.ts';
import { serverRequest } from '../../sync/transports/server-http.ts';
import { openDatabase, type Db } from '../../server/db/database.ts';
import { D } from '../../sync/money.ts';
import { countOf, dayOffset, launchBrowser, ok, shot, start, textOf, watchPage, type Running } from './screens-harness.ts';

describe('back office', () => {
  let dir: string;
  let data: string;
  let server: Running;
  let url: string;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let db: Db;
  const secrets: Record<string, string> = {};

  const ticketsOf = (till: string, n: number, seed: number) => [...generateTillTickets(till, { tills: 1, ticketsPerTill: n, days: 2, startDay: dayOffset(-3), seed })];
  const flash = () => textOf(page, '.flash');
  /** A click that loads a page (link, form submit): waits for the new page. */
  const go = async (selector: string) => {
    await Promise.all([page.waitForEvent('load'), page.click(selector)]);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'screens-backoffice-'));
    data = join(dir, 'server');
    await ok(['server', 'init', '--demo-base', '--data', data]);
    for (const till of ['01', '02']) secrets[till] = (await ok(['server', 'enroll-till', '--data', data, '--till', till])).secret;
    await ok(['server', 'user', 'add', '--data', data, '--name', 'admin', '--password-stdin'], 'back-office-pass\n');
    server = await start(['server', 'start', '--data', data, '--port', '0', '--host', '127.0.0.1']);
    url = server.ready.listening.url;
    db = await openDatabase({ data });

    // Till 01's tickets arrive by the LAN inbox (seed 5: ticket 5 is a credit sale of 130.78 to C0000005).
    const tickets01 = ticketsOf('01', 12, 5);
    expect(tickets01[4].payments).toEqual([{ mode: 'CRED', amount: '130.78' }]);
    await writeTicketPackage(join(data, 'inbox'), { store: 'S1', till: '01', kind: 'untransferred', tickets: tickets01, signer: { key: generateTillKeyPair(), authSecret: secrets['01'] } });
    for (let i = 0; i < 300 && (await db.selectFrom('tickets').select('id').where('till', '=', '01').execute()).length < 12; i++) await new Promise((r) => setTimeout(r, 100));
    const quarantined = () => readdirSync(join(data, 'inbox', 'quarantine')).filter((f) => f.endsWith('.reason.txt')).map((f) => readFileSync(join(data, 'inbox', 'quarantine', f), 'utf8'));
    expect({ tickets: (await db.selectFrom('tickets').select('id').execute()).length, quarantined: quarantined(), server: server.output() }).toMatchObject({ tickets: 12, quarantined: [] });

    // Till 02's package is uploaded with till 01's credentials: refused and kept in quarantine.
    const wrong = await writeTicketPackage(join(dir, 'out'), { store: 'S1', till: '02', kind: 'degraded', tickets: ticketsOf('02', 6, 4), signer: { key: generateTillKeyPair(), authSecret: secrets['02'] } });
    const res = await serverRequest({ url }, { method: 'POST', path: '/api/packages', body: readFileSync(wrong.path), headers: { 'x-filename': wrong.fileName, 'content-type': 'application/zip' }, timeoutMs: 30_000, credentials: { till: 'S1-01', authSecret: secrets['01'] } });
    expect(res.status).toBe(403);
    expect(readdirSync(join(data, 'inbox', 'quarantine'))).toContain(wrong.fileName);

    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
    problems = watchPage(page);
  });

  afterAll(async () => {
    await browser?.close();
    await db?.destroy();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks for a login, refuses a wrong password, then shows the dashboard', async () => {
    await page.goto(`${url}/`);
    expect(new URL(page.url()).pathname).toBe('/bo/login');
    await page.fill('input[name=name]', 'admin');
    await page.fill('input[name=password]', 'not-the-password');
    await go('button[type=submit]');
    expect(await textOf(page, '.flash.error')).toContain('Wrong user name or password');
    // The refusal is a 401 page: expected here, so it is taken off the list of page problems.
    expect(problems).toEqual([`HTTP 401 ${url}/bo/login`]);
    problems.length = 0;
    await shot(page, 'backoffice-login');
    await page.fill('input[name=name]', 'admin');
    await page.fill('input[name=password]', 'back-office-pass');
    await go('button[type=submit]');
    expect(await textOf(page, 'h1')).toBe('Dashboard');
    expect(await textOf(page, '[data-card="quarantine"] .n')).toBe('1');
    expect(await textOf(page, '[data-card="to-integrate"] .n')).toBe('12');
    expect(await textOf(page, 'tr[data-till="S1-01"]')).toContain('12');
    await shot(page, 'backoffice-dashboard');
  });

  it('shows the quarantined package in the log book and reprocesses it', async () => {
    await go('nav >> text=Log book');
    expect(await countOf(page, '#quarantine tbody tr')).toBe(1);
    expect(await textOf(page, '#quarantine tbody tr')).toContain('wrong-till');
    expect(await textOf(page, '#log')).toContain('package refused (wrong-till)');
    await shot(page, 'backoffice-log-quarantine');
    await page.selectOption('select[name=severity]', 'error');
    await go('form.filters button[type=submit]');
    expect(new URL(page.url()).searchParams.get('severity')).toBe('error');
    expect(await countOf(page, '#log .badge.info')).toBe(0);

    await go('#quarantine button:has-text("Reprocess")');
    expect(await flash()).toContain('accepted');
    expect(await textOf(page, '#packages + p')).toContain('Nothing in quarantine');
    await shot(page, 'backoffice-log-reprocessed');
    expect((await db.selectFrom('tickets').select('id').where('till', '=', '02').execute()).length).toBe(6);
    expect(existsSync(join(data, 'inbox', 'quarantine'))).toBe(true);
    expect(readdirSync(join(data, 'inbox', 'quarantine')).filter((f) => f.endsWith('.zip'))).toEqual([]);
  });

  it('generates documents from the control grid with an unchecked ticket left pending', async () => {
    await go('nav >> text=Control grid');
    expect(await countOf(page, '#control-grid tr.ticket')).toBe(18);
    const left = 'S1-01-00000002';
    await page.uncheck(`tr[data-ticket="${left}"] input[type=checkbox]`);
    expect(await textOf(page, '#grid-summary .checked-count')).toBe('17');
    expect(await page.getAttribute(`tr[data-ticket="${left}"]`, 'class')).toContain('unchecked');
    await shot(page, 'backoffice-control-grid');

    await go('#generate');
    expect(await flash()).toMatch(/document\(s\) generated in batch #1/);
    const rows = await db.selectFrom('tickets').select(['id', 'document_number']).execute();
    expect(rows.find((r) => r.id === left)!.document_number).toBeNull();
    expect(rows.filter((r) => r.document_number !== null).length).toBe(17);
    // The ticket left out is still in the grid for a later run.
    expect(await countOf(page, '#control-grid tr.ticket')).toBe(1);
    expect(await textOf(page, '#batch-list tr[data-batch="1"]')).toContain('done');
    await shot(page, 'backoffice-control-grid-generated');
  });

  it('lists the documents with their PDF', async () => {
    await go('nav >> text=Documents');
    const n = await countOf(page, '#documents tbody tr');
    expect(n).toBe((await db.selectFrom('documents').select('id').execute()).length);
    await shot(page, 'backoffice-documents');
    const href = await page.getAttribute('#documents tbody tr a:has-text("PDF")', 'href');
    const pdf = await page.request.get(`${url}${href}`);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    await go('#documents tbody tr td a');
    expect(await textOf(page, 'h1')).toMatch(/^(Invoice|Delivery note|Credit note) /);
    await shot(page, 'backoffice-document');
  });

  it('undoes the integration batch: every ticket is pending again', async () => {
    await go('nav >> text=Control grid');
    await go('#batch-list tr[data-batch="1"] button:has-text("Undo")');
    expect(await flash()).toContain('undone');
    expect(await textOf(page, '#batch-list tr[data-batch="1"]')).toContain('undone');
    expect((await db.selectFrom('tickets').select('id').where('document_id', 'is not', null).execute()).length).toBe(0);
    expect(await countOf(page, '#control-grid tr.ticket')).toBe(18);
    await shot(page, 'backoffice-batch-undone');
    await go('#generate');
    expect(await flash()).toMatch(/generated in batch #\d+/);
  });

  it('previews the entries to create with check boxes, then posts them', async () => {
    await go('nav >> text=Journal entries');
    const lines = await countOf(page, '#posting-preview tr.line');
    expect(lines).toBeGreaterThan(0);
    expect(await textOf(page, '.counts .line-count')).toBe(String(lines));
    expect(await textOf(page, '#posting-preview [data-total=debit]')).toBe(await textOf(page, '#posting-preview [data-total=credit]'));
    await shot(page, 'backoffice-entries-preview');

    // Unchecking one entry: its lines are struck and left out of the totals, with every entry of
    // the same documents (what is struck is what the run leaves out).
    const first = page.locator('#posting-preview input.entry-check:not([disabled])').first();
    const debitBefore = await textOf(page, '#posting-preview [data-total=debit]');
    await first.uncheck();
    expect(Number(await textOf(page, '.counts .line-count'))).toBeLessThan(lines);
    // The totals are the page's own exact sums of the lines still checked (backoffice.js, with the
    // server's money module): recomputed here with decimal.js and the page's currency format.
    const keptDebits = await page.$$eval('#posting-preview tr.line:not(.unchecked)', (rows) => rows.map((r) => r.getAttribute('data-debit') || '0'));
    const euros = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR', minimumFractionDigits: 2, maximumFractionDigits: 4 });
    const debitAfter = await textOf(page, '#posting-preview [data-total=debit]');
    expect(debitAfter).not.toBe(debitBefore);
    expect(debitAfter).toBe(euros.format(keptDebits.reduce((a, x) => a.plus(x), new D(0)).toFixed(4) as unknown as number));
    expect(await textOf(page, '#posting-preview [data-total=credit]')).toBe(debitAfter);
    const struck = await page.$$eval('#posting-preview tr.line.unchecked', (rows) => [...new Set(rows.flatMap((r) => (r.getAttribute('data-docs') ?? '').split(' ').filter(Boolean)))]);
    const kept = await page.$$eval('#posting-preview tr.line:not(.unchecked)', (rows) => [...new Set(rows.flatMap((r) => (r.getAttribute('data-docs') ?? '').split(' ').filter(Boolean)))]);
    expect(struck.length).toBeGreaterThan(0);
    expect(kept.length).toBeGreaterThan(0);
    expect(struck.filter((d) => kept.includes(d))).toEqual([]);
    expect(await textOf(page, '#posting-form .footer-bar')).toContain('stay unposted for the next run');
    await shot(page, 'backoffice-entries-unchecked');
    await go('#post-entries');
    expect(await flash()).toMatch(new RegExp(`batch \\d+ .*${struck.length} document\\(s\\) left out as asked; they stay for the next run`));
    const documents = await db.selectFrom('documents').select(['number', 'posting_batch']).execute();
    // The documents of the unchecked entries stay unposted; every other one is posted.
    expect(documents.filter((d) => d.posting_batch === null).map((d) => d.number).sort()).toEqual([...struck].sort());
    expect(documents.filter((d) => d.posting_batch !== null).map((d) => d.number).sort()).toEqual([...kept].sort());
    expect(await countOf(page, '#posted-entries tr.line')).toBeGreaterThan(0);
    // The preview now shows exactly what was left out; posting it (all checked) takes it.
    expect(await page.$$eval('#posting-preview tr.line', (rows) => [...new Set(rows.flatMap((r) => (r.getAttribute('data-docs') ?? '').split(' ').filter(Boolean)))].sort())).toEqual([...struck].sort());
    await shot(page, 'backoffice-entries-posted');
    await go('#post-entries');
    expect(await flash()).toMatch(new RegExp(`batch \\d+ .*: ${struck.length} document\\(s\\)`));
    expect((await db.selectFrom('documents').select('id').where('posting_batch', 'is', null).execute()).length).toBe(0);
  });

  it('shows open items per customer and letters on demand', async () => {
    await go('nav >> text=Open items');
    // The credit sale stays owed: its invoice is not paid at the till.
    expect(await textOf(page, '#open-customers tr[data-third-party="C0000005"]')).toContain('130.78');
    await shot(page, 'backoffice-open-items');
    await go('#letter-now');
    expect(await flash()).toMatch(/letter/);
    await go('#open-customers tr[data-third-party="C0000005"] a');
    expect(await textOf(page, '#effets')).toContain('130.78');
    expect(await textOf(page, '#open-lines')).toContain('130.78');
    await go('text=Show lettered lines too');
    expect(await countOf(page, '#customer-lines tbody tr')).toBeGreaterThan(0);
    await shot(page, 'backoffice-open-items-customer');
  });

  it('makes an FEC export and downloads it', async () => {
    await go('nav >> text=Exports');
    await page.selectOption('select[name=format]', 'fec');
    await page.fill('input[name=from]', dayOffset(-10));
    await page.fill('input[name=to]', dayOffset(0));
    await go('#make-export');
    expect(await countOf(page, '.flash.ok')).toBe(1);
    expect(await countOf(page, '#exports tbody tr')).toBe(1);
    await shot(page, 'backoffice-exports');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#exports tbody tr a:has-text("Download")')]);
    const file = join(dir, download.suggestedFilename());
    await download.saveAs(file);
    // A period from the back office is an FEC extract, named apart from the legal yearly file (A47 A-1).
    expect(download.suggestedFilename()).toMatch(/^\d{9}FEC-extrait-\d{8}(-\d{8})?\.txt$/);
    const text = readFileSync(file, 'latin1');
    expect(text.split(/\r?\n/)[0].split('\t')[0]).toBe('JournalCode');
    const posted = (await db.selectFrom('entry_lines').select('id').execute()).length;
    expect(text.trim().split(/\r?\n/).length - 1).toBe(posted);
  });

  it('makes an export through an export profile (the accountant\'s Sage view of the same books)', async () => {
    mkdirSync(join(data, 'profiles'), { recursive: true });
    writeFileSync(join(data, 'profiles', 'cabinet-sage.json'), JSON.stringify({ version: 1, format: 'sage', customers: { account: { mode: 'generated', prefix: '411', length: 11 } }, text: { upperCase: true } }));
    await go('nav >> text=Exports');
    await page.selectOption('select[name=profile]', 'cabinet-sage');
    await page.fill('input[name=from]', dayOffset(-10));
    await page.fill('input[name=to]', dayOffset(0));
    await go('#make-export');
    expect(await countOf(page, '.flash.ok')).toBe(1);
    expect(await textOf(page, '#exports tbody tr:first-child')).toContain('SAGE [cabinet-sage]');
    // Exported once per profile: the entries the FEC export took are all in the profile's file too.
    const row = await db.selectFrom('exports').selectAll().where('profile', '=', 'cabinet-sage').executeTakeFirstOrThrow();
    expect(row.line_count).toBe((await db.selectFrom('entry_lines').select('id').execute()).length);
    expect(readFileSync(row.file, 'latin1')).toMatch(/^\S{2,3} *\d{6}FA411C\d{7}/m);
  });

  it('sets the customer of checked tickets and of one ticket, then generates the document for that customer', async () => {
    // A third till's day arrives: counter sales, two of them by an account customer who forgot their card.
    secrets['03'] = (await ok(['server', 'enroll-till', '--data', data, '--till', '03'])).secret;
    const tickets03 = ticketsOf('03', 8, 7);
    await writeTicketPackage(join(data, 'inbox'), { store: 'S1', till: '03', kind: 'untransferred', tickets: tickets03, signer: { key: generateTillKeyPair(), authSecret: secrets['03'] } });
    for (let i = 0; i < 300 && (await db.selectFrom('tickets').select('id').where('till', '=', '03').execute()).length < 8; i++) await new Promise((r) => setTimeout(r, 100));
    const plain = tickets03.filter((t) => t.customer === 'COMPTOIR' && t.lines.length && !t.settlements.length && t.payments.every((p) => !p.ref));
    const [a, b] = plain.filter((t) => t.day === plain[0].day);
    const single = plain.find((t) => t.id !== a.id && t.id !== b.id)!;
    expect([a, b, single].every(Boolean)).toBe(true);

    await go('nav >> text=Control grid');
    expect(await countOf(page, '#control-grid tr.ticket')).toBe(8);

    // Unit modification: a double click opens the whole ticket; its customer is set, then given back.
    await Promise.all([page.waitForEvent('load'), page.dblclick(`tr[data-ticket="${single.id}"] td:nth-child(3)`)]);
    expect(await textOf(page, 'h1')).toBe(`Ticket ${single.id}`);
    expect(await countOf(page, '#ticket-lines tbody tr')).toBe(single.lines.length);
    await page.fill('#ticket-customer-code', 'C0000001');
    await page.fill('#ticket-customer-form input[name=reason]', 'rung on the wrong customer');
    await shot(page, 'backoffice-ticket');
    await go('#ticket-set-customer');
    expect(await flash()).toContain('1 ticket(s) set to C0000001 (Dupont Bâtiment)');
    expect(await textOf(page, `tr[data-ticket="${single.id}"] td.customer.overridden strong`)).toBe('C0000001');
    await go(`tr[data-ticket="${single.id}"] a.edit`);
    expect(await textOf(page, '#ticket-customer')).toContain('invoiced to C0000001');
    expect(await textOf(page, '#ticket-history')).toContain('rung on the wrong customer');
    await go('#ticket-clear-customer');
    expect(await flash()).toContain('1 ticket(s) set to the customer it was sold to');
    expect(await countOf(page, `tr[data-ticket="${single.id}"] td.customer.overridden`)).toBe(0);

    // Apply a value to every checked row: only a and b checked, customer C0000003.
    await page.uncheck('#control-grid .check-all');
    for (const t of [a, b]) await page.check(`tr[data-ticket="${t.id}"] input[type=checkbox]`);
    expect(await textOf(page, '#grid-summary .checked-count')).toBe('2');
    // A code that is not a customer: refused with the reason, the same two tickets still checked.
    await page.fill('#grid-customer', 'C9999999');
    await go('#set-customer');
    expect(await textOf(page, '.flash.error')).toContain('customer C9999999 is not in the base data');
    expect(await textOf(page, '#grid-summary .checked-count')).toBe('2');
    await page.fill('#grid-customer', 'C0000003');
    await page.fill('#grid-reason', 'forgot his card');
    await go('#set-customer');
    expect(await flash()).toContain('2 ticket(s) set to C0000003 (Garage Leroy)');
    for (const t of [a, b]) {
      expect(await textOf(page, `tr[data-ticket="${t.id}"] td.customer.overridden strong`)).toBe('C0000003');
      expect(await textOf(page, `tr[data-ticket="${t.id}"] td.customer.overridden s`)).toBe('COMPTOIR');
      expect(await page.isChecked(`tr[data-ticket="${t.id}"] input[type=checkbox]`)).toBe(true);
    }
    // Both now sit in one planned document for Garage Leroy; nothing else is checked.
    const group = await page.getAttribute(`tr[data-ticket="${a.id}"]`, 'data-group');
    expect(await page.getAttribute(`tr[data-ticket="${b.id}"]`, 'data-group')).toBe(group);
    expect(await textOf(page, `tr.group[data-group="${group}"]`)).toContain('Garage Leroy');
    expect(await textOf(page, '#grid-summary .checked-count')).toBe('2');
    await shot(page, 'backoffice-control-grid-set-customer');

    await go('#generate');
    expect(await flash()).toMatch(/1 document\(s\) generated in batch #\d+/);
    const rows = await db.selectFrom('tickets').select(['id', 'customer', 'document_number']).where('till', '=', '03').execute();
    const number = rows.find((r) => r.id === a.id)!.document_number!;
    expect(number).toMatch(/^F\d{8}$/);
    expect(rows.find((r) => r.id === b.id)!.document_number).toBe(number);
    expect(rows.filter((r) => r.document_number !== null)).toHaveLength(2);
    // The signed tickets still say what the till sold; the document goes to the customer set.
    expect(rows.find((r) => r.id === a.id)!.customer).toBe('COMPTOIR');
    expect(await db.selectFrom('documents').select(['customer', 'ticket_count']).where('number', '=', number).executeTakeFirstOrThrow()).toMatchObject({ customer: 'C0000003' });
    expect(await countOf(page, '#control-grid tr.ticket')).toBe(6);

    await go('nav >> text=Documents');
    await page.fill('form.filters input[name=customer]', 'C0000003');
    await go('form.filters button[type=submit]');
    expect(await textOf(page, `#documents tr[data-number="${number}"]`)).toContain('C0000003');
    await shot(page, 'backoffice-documents-set-customer');
  });

  it('runs the nightly chain and shows its progress live', async () => {
    await go('nav >> text=Nightly run');
    await go('#run-nightly');
    await expect.poll(() => textOf(page, '#nightly-status'), { timeout: 60_000 }).toMatch(/done|failed/);
    expect(await textOf(page, '#nightly-status')).toBe('done');
    expect(await countOf(page, '#nightly-log div[data-seq]')).toBeGreaterThanOrEqual(2);
    await shot(page, 'backoffice-nightly');
    expect(problems).toEqual([]);
  });
});
