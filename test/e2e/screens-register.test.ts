/**
 * The cashier's register page in a real browser (Debian's chromium), against a real `till start`
 * and a real `server start` on loopback: an online sale, then the server stopped — a sale with a
 * return and a payment split over cash and card is still taken, printed, and counted as degraded
 * in the banner — the Z report, an extraction, a send that fails while the server is away, and the
 * banner going back online with nothing left unsynced once the server is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { D } from '../../sync/money.ts';
import { generateArticles } from '../../fixtures/articles.ts';
import { countOf, launchBrowser, ok, shot, start, textOf, watchPage, type Running } from './screens-harness.ts';
import { freePort } from '../../sync/free-port.ts';
import { readApiToken, TOKEN_HEADER } from '../../client/api-token.ts';

const ARTICLES = generateArticles(20, 1);
const art = (code: string) => ARTICLES.find((a) => a.code === code)!;

describe('register page', () => {
  let dir: string;
  let serverData: string;
  let tillData: string;
  let port: number;
  let server: Running | null = null;
  let till: Running;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  const startServer = async () => {
    server = await start(['server', 'start', '--data', serverData, '--port', String(port), '--host', '127.0.0.1']);
  };
  const banner = (attr: string) => page.locator('#banner').getAttribute(`data-${attr}`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'screens-register-'));
    serverData = join(dir, 'server');
    tillData = join(dir, 'till');
    port = await freePort();
    await ok(['server', 'init', '--demo-base', '--data', serverData, '--port', String(port)]);
    const enrolled = await ok(['server', 'enroll-till', '--data', serverData, '--till', '01']);
    await startServer();
    await ok(['till', 'init', '--data', tillData, '--store', 'S1', '--till', '01', '--server', `http://127.0.0.1:${port}`, '--secret', enrolled.secret, '--articles', '1000']);
    till = await start(['till', 'start', '--data', tillData, '--port', '0']);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    problems = watchPage(page);
  });

  afterAll(async () => {
    await browser?.close();
    await till?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function scan(code: string) {
    await page.fill('#scan', code);
    await page.press('#scan', 'Enter');
  }

  it('sells online, with the banner saying so', async () => {
    await page.goto(`${till.ready.url}/`);
    await expect.poll(() => banner('mode'), { timeout: 15_000 }).toBe('online');
    await expect.poll(() => page.locator('#payment-modes button').count()).toBeGreaterThan(3);
    await scan(art('A000001').barcode);
    await expect.poll(() => countOf(page, '#lines tbody tr')).toBe(1);
    // A 10 % line discount typed on the line (docs/invoices.md): the total follows, the till computes the ticket.
    const price = new D(art('A000001').price);
    const discount = price.times(10).dividedBy(100).toDecimalPlaces(2, D.ROUND_HALF_UP);
    await page.fill('#lines tbody tr input.discount', '10%');
    await page.press('#lines tbody tr input.discount', 'Tab');
    await expect.poll(() => textOf(page, '#total')).toBe(price.minus(discount).toFixed(2));
    await page.click('[data-mode=CB]');
    await page.click('#validate');
    await expect.poll(() => textOf(page, '#printed-ticket')).toContain('Ticket S1-01-00000001');
    expect(await textOf(page, '#printed-ticket')).toContain(`discount 10% -${discount.toFixed(2)}`);
    expect(await textOf(page, '#printed-ticket')).not.toContain('degraded');
    await page.click('#sheet-close');
    await shot(page, 'register-online');
  });

  it('keeps selling with the server stopped: split payment and a return, counted as degraded', async () => {
    await server!.stop();
    server = null;
    await expect.poll(() => banner('mode'), { timeout: 20_000 }).toBe('degraded');
    await expect.poll(() => textOf(page, '#conn')).toContain('DEGRADED MODE');

    // A scanner types the barcode then Enter; "2*code" sets the quantity; a return is a toggle.
    await scan(art('A000005').barcode);
    await scan(`2*${art('A000010').code}`);
    await page.click('#return-toggle');
    await scan(art('A000003').code);
    await expect.poll(() => countOf(page, '#lines tbody tr')).toBe(3);
    await expect.poll(() => countOf(page, '#lines tbody tr.return')).toBe(1);

    await page.fill('#customer-search', 'Dupont');
    await expect.poll(() => countOf(page, '#customer-suggestions li')).toBe(1);
    await page.press('#customer-search', 'Enter');
    await expect.poll(() => textOf(page, '#customer-chosen')).toBe('Dupont Bâtiment (C0000001)');

    const due = new D(art('A000005').price).plus(new D(art('A000010').price).times(2)).minus(art('A000003').price);
    await expect.poll(() => textOf(page, '#total')).toBe(due.toFixed(2));
    await page.fill('#pay-amount', '20');
    await page.click('[data-mode=ESP]');
    await expect.poll(() => textOf(page, '#remaining')).toBe(due.minus(20).toFixed(2));
    await page.click('[data-mode=CB]');
    await expect.poll(() => textOf(page, '#remaining')).toBe('0.00');
    await shot(page, 'register-degraded-sale');
    await page.click('#validate');

    await expect.poll(() => textOf(page, '#printed-ticket')).toContain('Ticket S1-01-00000002');
    await expect.poll(() => textOf(page, '#printed-ticket')).toContain('* sold in degraded mode *');
    await expect.poll(() => textOf(page, '#printed-ticket')).toContain('Customer: C0000001');
    await expect.poll(() => textOf(page, '#printed-ticket')).toContain(`-1 x ${art('A000003').price}`);
    const text = await textOf(page, '#printed-ticket');
    expect(text).toMatch(new RegExp(`TOTAL\\s+${due.toFixed(2).replace('.', '\\.')}`));
    expect(text).toMatch(/Espèces\s+20\.00/);
    expect(text).toMatch(new RegExp(`Carte bancaire\\s+${due.minus(20).toFixed(2).replace('.', '\\.')}`));
    await shot(page, 'register-ticket');
    await page.click('#sheet-close');

    await expect.poll(() => banner('degraded'), { timeout: 10_000 }).toBe('1');
    expect(Number(await banner('unsynced'))).toBeGreaterThanOrEqual(1);
    await expect.poll(() => textOf(page, '#unsynced')).toContain('1 sold in degraded mode');
    await shot(page, 'register-degraded');

    // What the till stored is what the page printed.
    const stored = (await (await fetch(`${till.ready.url}/api/till/tickets?limit=1`, { headers: { [TOKEN_HEADER]: readApiToken(tillData)! } })).json()).tickets[0];
    expect(stored.id).toBe('S1-01-00000002');
    expect(stored.degraded).toBe(true);
    expect(stored.payments).toEqual([
      { mode: 'ESP', amount: '20.00' },
      { mode: 'CB', amount: due.minus(20).toFixed(2) },
    ]);
    expect(stored.lines.map((l: { qty: string }) => l.qty)).toEqual(['1', '2', '-1']);
  });

  it('refuses a payment beyond what is due on a card, and gives change in cash', async () => {
    await scan(art('A000002').code);
    const price = new D(art('A000002').price);
    await page.fill('#pay-amount', price.plus(5).toFixed(2));
    await page.click('[data-mode=CB]');
    await expect.poll(() => textOf(page, '#message')).toContain('at most');
    await expect.poll(() => countOf(page, '#payments tbody tr')).toBe(0);
    await page.fill('#pay-amount', price.plus(5).toFixed(2));
    await page.click('[data-mode=ESP]');
    await expect.poll(() => textOf(page, '#change-amount')).toBe('5.00');
    await page.click('#cancel-sale');
    await expect.poll(() => countOf(page, '#lines tbody tr')).toBe(0);
  });

  it('takes an invoice payment (seed: 100.69 paid on invoice 10001434) for a named customer', async () => {
    await page.click('#add-settlement');
    await page.fill('#settlement-ref', '10001434');
    await page.fill('#settlement-amount', '100,69');
    await page.click('#sheet-confirm');
    await expect.poll(() => textOf(page, 'tr.settlement')).toContain('Payment of invoice 10001434');
    expect(await textOf(page, '#total')).toBe('100.69');
    await page.fill('#customer-search', 'C000000');
    await expect.poll(() => countOf(page, '#customer-suggestions li')).toBeGreaterThan(1);
    await page.click('#customer-suggestions li:has-text("Dupont")');
    await page.click('[data-mode=CHQ]');
    await page.click('#validate');
    await expect.poll(() => textOf(page, '#printed-ticket')).toContain('Invoice 10001434');
    expect(await textOf(page, '#printed-ticket')).toMatch(/TOTAL\s+100\.69/);
    await page.click('#sheet-close');
  });

  it('lists the last tickets and shows the Z report', async () => {
    await page.click('#show-tickets');
    await expect.poll(() => countOf(page, '#tickets-list tbody tr')).toBe(3);
    expect(await textOf(page, '#tickets-list tbody tr:nth-child(2)')).toContain('degraded');
    expect(await textOf(page, '#tickets-list tbody tr:nth-child(2) td.sync')).toBe('not yet');
    await shot(page, 'register-last-tickets');
    await page.click('#sheet-close');

    await page.click('#close-day');
    await page.click('#sheet-confirm');
    await expect.poll(() => textOf(page, '#z-report')).toContain('Z REPORT #1');
    await expect.poll(() => textOf(page, '#z-report')).toContain('Tickets     3  (#1 - #3)');
    await shot(page, 'register-z-report');
    await page.click('#sheet-close');
  });

  it('extracts the unsynced tickets, fails to send while the server is away, then syncs when it is back', async () => {
    await page.click('#extract');
    await page.selectOption('#extract-kind', 'degraded');
    await shot(page, 'register-extract');
    await page.click('#sheet-confirm');
    await expect.poll(() => textOf(page, '#action-result')).toContain('2 degraded tickets (2–3) written to');
    await expect.poll(() => textOf(page, '#action-result')).toContain('TicDeg01_');

    await page.click('#send');
    await expect.poll(() => page.inputValue('#send-file')).toMatch(/TicDeg01_.*\.zip$/);
    await expect.poll(() => page.inputValue('#send-to')).toBe(`lan:http://127.0.0.1:${port}`);
    await shot(page, 'register-send');
    await page.click('#sheet-confirm');
    await expect.poll(() => textOf(page, '#action-result'), { timeout: 30_000 }).toContain('Send failed');

    await startServer();
    await expect.poll(() => banner('mode'), { timeout: 20_000 }).toBe('online');
    await expect.poll(() => banner('unsynced'), { timeout: 30_000 }).toBe('0');
    await shot(page, 'register-back-online');
    const status = await ok(['server', 'status', '--data', serverData]);
    const row = status.tills.find((t: { id: string }) => t.id === 'S1-01');
    expect(row.tickets).toBe(3);
    expect(row.degraded).toBe(2);
    expect(problems).toEqual([]);
  });

  it('journals a cashier session and a line removed before payment; shows training mode and reprints a DUPLICATA', async () => {
    type Jet = { type: string; data: Record<string, unknown> };
    const journal = async () => (await (await fetch(`${till.ready.url}/api/till/journal?limit=30`, { headers: { [TOKEN_HEADER]: readApiToken(tillData)! } })).json()).events as Jet[];
    await page.fill('#cashier', 'Alice');
    await page.press('#cashier', 'Tab');
    await expect.poll(async () => (await journal()).find((e) => e.type === 'cashier-open')?.data.cashier).toBe('Alice');

    await scan(art('A000004').code);
    await scan(`3*${art('A000006').code}`);
    await expect.poll(() => countOf(page, '#lines tbody tr')).toBe(2);
    await page.click(`#lines tbody tr[data-article=A000006] button[title="Remove this line"]`);
    await expect.poll(() => countOf(page, '#lines tbody tr')).toBe(1);
    const amount = new D(art('A000006').price).times(3).toFixed(2);
    await expect.poll(async () => (await journal()).find((e) => e.type === 'line-cancelled')?.data).toEqual({ article: 'A000006', qty: '3', amount, cashier: 'Alice' });
    // The sale goes on with the line left, under the cashier's name.
    await page.click('[data-mode=CB]');
    await page.click('#validate');
    await expect.poll(() => textOf(page, '#printed-ticket')).toContain('Ticket S1-01-00000004');
    await page.click('#sheet-close');
    const sold = (await (await fetch(`${till.ready.url}/api/till/tickets?limit=1`, { headers: { [TOKEN_HEADER]: readApiToken(tillData)! } })).json()).tickets[0];
    expect(sold.lines.map((l: { article: string }) => l.article)).toEqual(['A000004']);
    expect(sold.cashier).toBe('Alice');

    // A reprint from the last tickets: the till's own receipt, counted, marked DUPLICATA.
    await page.click('#show-tickets');
    await page.click('#tickets-list tbody tr:first-child button.reprint');
    await expect.poll(() => textOf(page, '#reprinted-ticket')).toContain('DUPLICATA');
    expect(await textOf(page, '#reprinted-ticket')).toContain('S1-01-00000004');
    await page.click('#sheet-close');
    await expect.poll(async () => (await journal()).find((e) => e.type === 'reprint')?.data.ticket).toBe('S1-01-00000004');

    // Training mode, switched by the operator: the banner says so until it is off again.
    expect(await page.locator('#training-banner').isVisible()).toBe(false);
    await ok(['till', 'training', 'on', '--data', tillData, '--cashier', 'Alice']);
    await expect.poll(() => page.locator('#training-banner').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await textOf(page, '#training-banner')).toContain('TRAINING MODE');
    await shot(page, 'register-training');
    await ok(['till', 'training', 'off', '--data', tillData]);
    await expect.poll(() => page.locator('#training-banner').isVisible(), { timeout: 10_000 }).toBe(false);

    // A new name closes the first session and opens the next.
    await page.fill('#cashier', 'Bruno');
    await page.press('#cashier', 'Tab');
    await expect.poll(async () => (await journal()).filter((e) => e.type.startsWith('cashier-')).map((e) => `${e.type} ${e.data.cashier}`)).toEqual(['cashier-open Bruno', 'cashier-close Alice', 'cashier-open Alice']);
    // The same journal as `tillsync till journal` prints it.
    const viaCli = (await ok(['till', 'journal', '--data', tillData, '--limit', '30'])).events as Jet[];
    expect(viaCli.some((e) => e.type === 'line-cancelled' && e.data.article === 'A000006')).toBe(true);
    expect(problems).toEqual([]);
  }, 120_000);
});
