/**
 * The security page in French, driven in Chromium (Debian's chromium, in French) as the shop's
 * admin: a wrong password shows up among the login attempts, a new staff user is added and logs in
 * from a second browser, the admin closes that session (the staff browser is sent back to the
 * login), the tills' key fingerprints are those the server registered; the staff user gets the
 * refusal page. axe-core finds no serious violation. Real processes: test/e2e/screens-world.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { openDatabase } from '../../server/db/database.ts';
import { keyFingerprint } from '../../sync/till-keys.ts';
import { launchBrowser, shot, textOf, watchPage } from './screens-harness.ts';
import { startScreensWorld, type ScreensWorld } from './screens-world.ts';

async function seriousViolations(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

async function logIn(page: Page, base: string, name: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForEvent('load'), page.click('button[type=submit]')]);
}

describe('the security page, in French, as an admin', () => {
  let world: ScreensWorld;
  let browser: Browser;
  let admin: Page;
  let problems: string[];

  beforeAll(async () => {
    world = await startScreensWorld();
    browser = await launchBrowser({ lang: 'fr-FR' });
    admin = await (await browser.newContext({ locale: 'fr-FR', viewport: { width: 1366, height: 900 } })).newPage();
    problems = watchPage(admin);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
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
    expect(await textOf(admin, '#sessions tr[data-user="admin"]')).toContain('(cette session)');
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
