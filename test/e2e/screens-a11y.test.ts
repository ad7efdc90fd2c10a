/**
 * Every screen in French, in a real browser (Debian's chromium), checked by axe-core
 * (@axe-core/playwright, WCAG 2.1 A and AA rules, contrast included): no serious or critical
 * violation on the register and on each back-office page. Also: the dashboard draws its charts
 * (uPlot canvases, with the data tables beside them), and the register is usable with the
 * keyboard alone — a scanner's code then Enter, quantity (F2), a payment mode (Shift+F1),
 * validate (F9), cancel (Shift+Esc).
 *
 * Then the security page as the shop's admin, in the same world (it was screens-security.test.ts:
 * one world and one browser for both): a wrong password shows up among the login attempts, a new
 * staff user is added and logs in from a second browser, the admin closes that session (the staff
 * browser is sent back to the login), the tills' key fingerprints are those the server registered;
 * the staff user gets the refusal page. Real processes: test/e2e/screens-world.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { openDatabase } from '../../server/db/database.ts';
import { keyFingerprint } from '../../sync/till-keys.ts';
import { seriousViolations } from './screens-axe.ts';
import { launchBrowser, shot, shownDate, textOf, watchPage } from './screens-harness.ts';
import { startScreensWorld, type ScreensWorld } from './screens-world.ts';

async function logIn(page: Page, base: string, name: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForEvent('load'), page.click('button[type=submit]')]);
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
    // '/security' (Sécurité): checked below, as the admin who reads it, in two states.
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

  describe('the security page, as an admin', () => {
    let admin: Page;
    let problems: string[];

    beforeAll(async () => {
      admin = await (await browser.newContext({ locale: 'fr-FR', viewport: { width: 1366, height: 900 } })).newPage();
      problems = watchPage(admin);
    });

    it('shows a wrong password among the login attempts, and the tills’ key fingerprints', async () => {
      await logIn(admin, world.backOffice, world.user.name, 'pas-le-bon');
      expect(await textOf(admin, '.flash.error')).toContain('Nom d’utilisateur ou mot de passe incorrect');
      problems.length = 0; // the 401 of the wrong password is the point
      await logIn(admin, world.backOffice, world.user.name, world.user.password);
      await admin.click('nav.nav a[href="/bo/security"]');
      await admin.waitForURL(/\/bo\/security$/);
      expect(await textOf(admin, 'h1')).toBe('Sécurité');
      expect(await admin.getAttribute('html', 'lang')).toBe('fr');
      const wrong = admin.locator('#attempts tr[data-outcome="wrong"][data-name="admin"]');
      expect(await wrong.count()).toBe(1);
      expect(await wrong.textContent()).toContain('mot de passe erroné');
      expect(await admin.locator('#attempts tr[data-outcome="ok"][data-name="admin"]').count()).toBeGreaterThan(0);
      const db = await openDatabase({ data: world.data });
      try {
        const keys = await db.selectFrom('till_keys').select(['till_id', 'public_key']).execute();
        expect(keys.map((k) => k.till_id).sort()).toEqual(['S1-01', 'S1-02', 'S1-03']);
        for (const k of keys) expect(await textOf(admin, `#till-keys tr[data-till="${k.till_id}"] .fingerprint`)).toBe(keyFingerprint(k.public_key));
      } finally {
        await db.destroy();
      }
      expect(await textOf(admin, '#till-keys')).toContain('en service');
      expect(await seriousViolations(admin)).toEqual([]);
      expect(problems).toEqual([]);
    });

    it('adds a staff user, who logs in elsewhere and is refused the page; the admin closes that session', async () => {
      await admin.fill('#add-user input[name=name]', 'camille');
      await admin.fill('#add-user input[name=password]', 'caisse-du-matin');
      await admin.selectOption('#add-user select[name=role]', 'staff');
      await Promise.all([admin.waitForEvent('load'), admin.click('#add-user button[type=submit]')]);
      expect(await textOf(admin, '.flash.ok')).toBe('Utilisateur camille créé (personnel).');
      expect(await textOf(admin, '#users tr[data-user="camille"]')).toContain('personnel');

      const staffPage = await (await browser.newContext({ locale: 'fr-FR' })).newPage();
      await logIn(staffPage, world.backOffice, 'camille', 'caisse-du-matin');
      expect(await textOf(staffPage, 'h1')).toBe('Tableau de bord');
      expect(await staffPage.locator('nav.nav a[href="/bo/security"]').count()).toBe(0);
      const refused = await staffPage.goto(`${world.backOffice}/security`);
      expect(refused?.status()).toBe(403);
      expect(await textOf(staffPage, '.flash.error')).toBe('Cette page est réservée aux administrateurs du back-office.');

      await admin.reload();
      const row = admin.locator('#sessions tr[data-user="camille"]');
      expect(await row.count()).toBe(1);
      // Sessions are named by a short digest, never by their token.
      expect(await row.getAttribute('data-session')).toMatch(/^[0-9a-f]{16}$/);
      // The admin has two sessions here (the accessibility pages' browser and this one): this one is told apart.
      expect(await admin.locator('#sessions tr[data-user="admin"]', { hasText: '(cette session)' }).count()).toBe(1);
      await shot(admin, 'fr-security');
      await Promise.all([admin.waitForEvent('load'), row.locator('button').click()]);
      expect(await textOf(admin, '.flash.ok')).toMatch(/^Session [0-9a-f]{16} fermée\.$/);
      expect(await admin.locator('#sessions tr[data-user="camille"]').count()).toBe(0);
      await staffPage.goto(`${world.backOffice}/`);
      expect(staffPage.url()).toContain('/bo/login');
      expect(await seriousViolations(admin)).toEqual([]);
      expect(problems).toEqual([]);
    });
  });
});
