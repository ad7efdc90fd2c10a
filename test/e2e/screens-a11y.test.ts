/**
 * Every screen in French, in a real browser (Debian's chromium), checked by axe-core
 * (@axe-core/playwright, WCAG 2.1 A and AA rules, contrast included): no serious or critical
 * violation on the register and on each back-office page. Also: the dashboard draws its charts
 * (uPlot canvases, with the data tables beside them), and the register is usable with the
 * keyboard alone — a scanner's code then Enter, quantity (F2), a payment mode (Shift+F1),
 * validate (F9), cancel (Shift+Esc).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { launchBrowser, shot, shownDate, textOf, watchPage } from './screens-harness.ts';
import { startScreensWorld, type ScreensWorld } from './screens-world.ts';

async function seriousViolations(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

describe('screens in French: accessibility, charts, keyboard', () => {
  let world: ScreensWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    world = await startScreensWorld();
    browser = await launchBrowser({ lang: 'fr-FR' });
    context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1366, height: 900 } });
    page = await context.newPage();
    problems = watchPage(page);
    await page.goto(`${world.backOffice}/login`);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await seriousViolations(page)).toEqual([]);
    await page.fill('input[name=name]', world.user.name);
    await page.fill('input[name=password]', world.user.password);
    await Promise.all([page.waitForEvent('load'), page.click('button[type=submit]')]);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  it('draws the dashboard charts, each with its data table', async () => {
    await page.goto(`${world.backOffice}/`);
    expect(await textOf(page, 'h1')).toBe('Tableau de bord');
    // Drawn by uPlot where there is something to draw (no document yet: the VAT chart is its table alone).
    for (const id of ['sales', 'modes', 'degraded', 'channels']) await expect.poll(() => page.locator(`#chart-${id} .chart canvas`).count(), { message: id }).toBeGreaterThan(0);
    for (const id of ['sales', 'modes', 'vat', 'degraded', 'channels']) expect(await page.locator(`#chart-${id} details table, #chart-${id} details .empty`).count()).toBe(1);
    // Till 02's degraded run is on the timeline and in its table.
    expect(await page.locator('#chart-degraded details tbody tr').count()).toBeGreaterThan(0);
    expect(await textOf(page, '#chart-degraded details tbody tr')).toContain('S1-02');
    expect(await textOf(page, '#chart-sales thead')).toContain('Caisse S1-01');
    await shot(page, 'fr-dashboard');
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  for (const [path, title] of [
    ['/log', 'Journal de bord'],
    ['/control', 'Grille de contrôle avant intégration'],
    ['/documents', 'Documents'],
    ['/entries', 'Écritures'],
    ['/open-items', 'Comptes clients et lettrage'],
    ['/exports', 'Exports'],
    ['/einvoicing', 'Facturation électronique'],
    ['/nightly', 'Traitement de nuit'],
    ['/journal', 'Journal des événements techniques'],
    ['/imports/sales', 'Ventes marketplace'],
    ['/imports/bank', 'Relevés bancaires'],
    ['/exact', 'Exact Online'],
    ['/security', 'Sécurité'],
  ] as const) {
    it(`${path}: French, no serious accessibility violation`, async () => {
      await page.goto(`${world.backOffice}${path}`);
      expect(await textOf(page, 'h1')).toBe(title);
      expect(await seriousViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    });
  }

  it('date fields read dd/mm/yyyy: the browser runs in French, not only the page', async () => {
    await page.goto(`${world.backOffice}/exports`);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await page.evaluate(() => navigator.language)).toBe('fr-FR');
    const year = await page.inputValue('input[name=from]');
    expect(year).toMatch(/^\d{4}-01-01$/);
    expect(await shownDate(page, 'input[name=from]')).toBe(`01/01/${year.slice(0, 4)}`);
    expect(await shownDate(page, 'input[name=to]')).toBe(`31/12/${year.slice(0, 4)}`);
  });

  it('the pages made by integration too: a batch told as a sentence, a document, a ticket', async () => {
    await page.goto(`${world.backOffice}/control`);
    const first = page.locator('#control-grid tr.ticket').first();
    const ticketHref = await first.getAttribute('data-href');
    await Promise.all([page.waitForEvent('load'), page.click('#generate')]);
    expect(await textOf(page, '#batch-list tbody tr')).toMatch(/documents? de \d+ tickets?, aucun écarté, en \d+,\d\d s/);
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(`${world.backOffice}/documents`);
    const docLink = page.locator('#documents tbody a').first();
    await Promise.all([page.waitForEvent('load'), docLink.click()]);
    expect(await textOf(page, 'h1')).toMatch(/^(Facture|Bon de livraison|Avoir) /);
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(new URL(ticketHref!, world.backOffice).toString());
    expect(await textOf(page, 'h1')).toMatch(/^Ticket S1-/);
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('the register: French, no serious violation, and a sale with the keyboard alone', async () => {
    const reg = await context.newPage();
    const regProblems = watchPage(reg);
    await reg.goto(world.register);
    expect(await reg.getAttribute('html', 'lang')).toBe('fr');
    await expect.poll(() => reg.locator('#payment-modes button').count()).toBeGreaterThan(1);
    expect(await seriousViolations(reg)).toEqual([]);
    // A scanner is a keyboard: the code, then Enter, into the field that has the focus at start.
    expect(await reg.evaluate(() => document.activeElement?.id)).toBe('scan');
    await reg.keyboard.press('F2');
    expect(await reg.evaluate(() => document.activeElement?.id)).toBe('qty');
    await reg.keyboard.type('2');
    await reg.keyboard.press('Escape');
    expect(await reg.evaluate(() => document.activeElement?.id)).toBe('scan');
    await reg.keyboard.type('A000001');
    await reg.keyboard.press('Enter');
    await expect.poll(() => reg.locator('#lines tbody tr').count()).toBe(1);
    expect(await textOf(reg, '#lines tbody tr td.num')).toBe('2');
    // Cancel with Shift+Esc, then sell again and pay in cash (Shift+F<its place>), validate with F9.
    await reg.keyboard.press('Shift+Escape');
    await expect.poll(() => reg.locator('#lines tbody tr').count()).toBe(0);
    await reg.keyboard.type('A000001');
    await reg.keyboard.press('Enter');
    await expect.poll(() => reg.locator('#lines tbody tr').count()).toBe(1);
    expect(await textOf(reg, '#total')).toMatch(/^\d+,\d\d$/);
    const modes = await reg.locator('#payment-modes button').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.mode));
    const cash = modes.indexOf('ESP');
    expect(cash).toBeGreaterThanOrEqual(0);
    await reg.keyboard.press(`Shift+F${cash + 1}`);
    await expect.poll(() => textOf(reg, '#remaining')).toBe('0,00');
    await reg.keyboard.press('F9');
    await expect.poll(() => textOf(reg, '#printed-ticket')).toContain('Ticket S1-03-');
    expect(await textOf(reg, '#printed-ticket')).toContain('Merci de votre visite');
    await shot(reg, 'fr-register-ticket');
    expect(await seriousViolations(reg)).toEqual([]);
    await reg.keyboard.press('Escape');
    // F8: the shortcuts, on screen.
    await reg.keyboard.press('F8');
    await expect.poll(() => textOf(reg, '#sheet-title')).toBe('Raccourcis clavier');
    expect(await reg.locator('#keys-list tr').count()).toBe(10);
    expect(await seriousViolations(reg)).toEqual([]);
    expect(regProblems).toEqual([]);
  });
});
