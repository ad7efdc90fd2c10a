/**
 * Issue 19's "done when", on demo-like books (demo base data, two tills' tickets integrated and
 * posted by the real CLI): two profiles — `cabinet-sage` (Sage 100, generated customer accounts,
 * upper case without accents, a section per till) and `exact` (the default mapping) — export the
 * same books each their own way,
 *  - from the CLI (`profile add`, `config check --profile`, `export --profile`), and
 *  - from the back office, driven in French in Debian's chromium as an accountant would: create
 *    cabinet-sage, see a validation error on a bad value beside its field, fix it, save, export,
 *    download the file; create exact, export, download; axe finds no serious violation.
 * Each file is read back field by field (test/support/fixed-width.ts for Sage; the Exact file
 * against eExact-XML.xsd).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { D } from '../../sync/money.ts';
import { decodeLatin9 } from '../../server/exports/latin9.ts';
import { validateExactFile } from '../support/exact-xsd.ts';
import { SAGE_LAYOUT, readFixed } from '../support/fixed-width.ts';
import { seriousViolations } from './screens-axe.ts';
import { cli, launchBrowser, shot, textOf, watchPage } from './screens-harness.ts';
import { makeProfilesWorld, type ProfilesWorld } from './profiles-world.ts';

const TIMEOUT = 300_000;

/** What a Sage PNM file says: its records cut by the layout, general lines apart from analytic ones. */
function readSage(file: string) {
  const rows = decodeLatin9(readFileSync(file)).split('\r\n').filter(Boolean).map((r) => readFixed(r, SAGE_LAYOUT));
  const general = rows.filter((r) => r.accountType !== 'A');
  const sum = (sens: string) => general.filter((r) => r.sens === sens).reduce((s, r) => s.plus(r.amount.trim()), new D(0)).toFixed(2);
  return { rows, general, analytic: rows.filter((r) => r.accountType === 'A'), debit: sum('D'), credit: sum('C') };
}

/** The cabinet-sage choices, checked on a written Sage file. */
function expectCabinetSage(file: string, sections: string[]): void {
  const s = readSage(file);
  expect(s.general.length).toBeGreaterThan(20);
  expect(s.debit).toBe(s.credit);
  const customerLines = s.general.filter((r) => r.accountType === 'X');
  expect(customerLines.length).toBeGreaterThan(0);
  // Generated accounts: 411 + the customer code on 11 characters (the counter customer included).
  for (const r of customerLines) expect(r.account.trim()).toMatch(/^411[0-9A-Z]{8}$/);
  expect(customerLines.map((r) => r.account.trim())).toContain('411COMPTOIR');
  // Upper case, no accents, on every label.
  for (const r of s.rows) expect(r.label).toBe(r.label.toUpperCase().normalize('NFD').replace(/[\u0300-\u036f]/g, ''));
  // A section per till on the revenue lines, and nothing else analytic.
  expect([...new Set(s.analytic.map((r) => r.aux.trim()))].sort()).toEqual(sections);
  for (const r of s.analytic) expect(r.account.trim()).toMatch(/^7/);
}

/** The exact profile: the default mapping, as posted (collective customer accounts, as the plain Exact export). */
function expectExactAsPosted(file: string): string {
  expect(validateExactFile(file).errors).toEqual([]);
  const xml = readFileSync(file, 'utf8');
  expect(xml).toContain('<GLAccount code="411000">');
  expect(xml).toContain('<GLAccount code="410000">');
  expect(xml).not.toMatch(/Costcenter|Costunit/);
  return xml.slice(xml.indexOf('<GLTransactions>'));
}

describe("issue 19 done-when: two profiles export the demo's books each their own way", () => {
  let world: ProfilesWorld;

  beforeAll(async () => {
    world = await makeProfilesWorld();
  }, TIMEOUT);

  afterAll(async () => {
    await world?.stop();
  }, TIMEOUT);

  it('from the CLI', async () => {
    const data = world.copy('cli');
    const period = ['--from', world.from, '--to', world.to];
    expect((await cli(['server', 'profile', 'add', 'cabinet-sage', '--format', 'sage', '--data', data])).code).toBe(0);
    expect((await cli(['server', 'profile', 'add', 'exact', '--format', 'exact', '--data', data])).code).toBe(0);
    const file = join(data, 'profiles', 'cabinet-sage.json');
    writeFileSync(file, JSON.stringify({
      ...JSON.parse(readFileSync(file, 'utf8')),
      customers: { account: { mode: 'generated', prefix: '411', length: 11 } },
      text: { removeAccents: true, upperCase: true },
      analytics: { axis: 'till', sections: { '01': 'CAISSE01', '02': 'CAISSE02' } },
    }, null, 2));
    for (const name of ['cabinet-sage', 'exact']) {
      const check = await cli(['server', 'config', 'check', '--data', data, '--profile', name]);
      expect(check.code, check.stdout + check.stderr).toBe(0);
    }

    const sage = await cli(['server', 'export', '--data', data, '--profile', 'cabinet-sage', ...period]);
    expect(sage.code, sage.stderr).toBe(0);
    expect(sage.json).toMatchObject({ status: 'written', format: 'sage', profile: 'cabinet-sage' });
    expectCabinetSage(sage.json.file, ['CAISSE01', 'CAISSE02']);
    expect(readFileSync(sage.json.customersFile, 'latin1')).toMatch(/^C0000001;DUPONT BATIMENT;411C0000001;/m);

    const exact = await cli(['server', 'export', '--data', data, '--profile', 'exact', ...period]);
    expect(exact.json).toMatchObject({ status: 'written', format: 'exact', profile: 'exact', entryCount: sage.json.entryCount });
    const viaProfile = expectExactAsPosted(exact.json.file);
    // The exact profile writes what the plain Exact export writes (its own exported-once bookkeeping).
    const plain = await cli(['server', 'export', '--data', data, '--format', 'exact', ...period]);
    expect(plain.json).toMatchObject({ status: 'written', entryCount: sage.json.entryCount });
    expect(readFileSync(plain.json.file, 'utf8').slice(readFileSync(plain.json.file, 'utf8').indexOf('<GLTransactions>'))).toBe(viaProfile);

    // Exported once per profile.
    const again = await cli(['server', 'export', '--data', data, '--profile', 'cabinet-sage', ...period]);
    expect(again.json).toMatchObject({ status: 'empty', profile: 'cabinet-sage' });
  }, TIMEOUT);

  describe('from the back office, in French', () => {
    let browser: Browser;
    let page: Page;
    let problems: string[];
    // axe-core in the page (test/e2e/screens-axe.ts): the same WCAG 2.1 A/AA rules, half the CPU of the default mode.
    const serious = () => seriousViolations(page);
    const submit = async (selector: string) => Promise.all([page.waitForEvent('load'), page.click(selector)]);

    beforeAll(async () => {
      await world.startServer();
      browser = await launchBrowser();
      const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1366, height: 900 }, acceptDownloads: true });
      page = await context.newPage();
      problems = watchPage(page);
      await page.goto(`${world.backOffice}/login`);
      await page.fill('input[name=name]', world.user.name);
      await page.fill('input[name=password]', world.user.password);
      await submit('button[type=submit]');
    }, TIMEOUT);

    afterAll(async () => {
      await browser?.close();
    });

    async function exportAndDownload(name: string): Promise<string> {
      await page.fill('#profile-export input[name=from]', world.from);
      await page.fill('#profile-export input[name=to]', world.to);
      await submit('#profile-export-button');
      expect(await textOf(page, '.flash.ok')).toMatch(/^Export n° \d+ fait avec ce profil : téléchargez-le ci-dessous\.$/);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#profile-export-done a')]);
      const file = join(world.dir, `bo-${name}-${download.suggestedFilename()}`);
      await download.saveAs(file);
      return file;
    }

    it('creates cabinet-sage, refuses a bad value beside its field in French, saves the fix, exports and downloads the file', async () => {
      await page.goto(`${world.backOffice}/profiles`);
      expect(await textOf(page, 'h1')).toBe('Profils d’export');
      expect(await textOf(page, 'nav.nav a[aria-current=page]')).toBe('Profils d’export');
      expect(await serious()).toEqual([]);

      await page.fill('#profile-new input[name=name]', 'cabinet-sage');
      await page.selectOption('#profile-new select[name=format]', 'sage');
      await submit('#profile-new button[type=submit]');
      expect(await textOf(page, 'h1')).toBe('Profil d’export cabinet-sage');
      expect(await textOf(page, '.flash.ok')).toContain('Profil cabinet-sage créé');

      // Generated customer accounts, upper-case labels without accents, a section per till — with a length too short.
      await page.selectOption('select[name=account_mode]', 'generated');
      await page.fill('input[name=account_prefix]', '411');
      await page.fill('input[name=account_length]', '3');
      await page.check('input[name=upper_case]');
      await page.check('input[name=remove_accents]');
      await page.selectOption('select[name=analytic_axis]', 'till');
      // The whole profile is JSON: the sections of the tills go there.
      const json = JSON.parse(await page.inputValue('#profile-json'));
      await page.fill('#profile-json', JSON.stringify({ ...json, analytics: { axis: 'till', sections: { '01': 'CAISSE01', '02': 'CAISSE02' } } }, null, 2));
      await submit('#profile-save');
      expect(await textOf(page, '#profile-errors strong')).toBe('Non enregistré : 1 problème à corriger');
      expect(await textOf(page, '#err-account_length')).toBe('une longueur de 3 ne laisse aucune place après le préfixe « 411 »');
      expect(await page.getAttribute('input[name=account_length]', 'aria-invalid')).toBe('true');
      expect(await page.getAttribute('input[name=account_length]', 'aria-describedby')).toBe('err-account_length');
      // What was typed stays on the page; nothing was written.
      expect(await page.inputValue('input[name=account_prefix]')).toBe('411');
      expect(JSON.parse(readFileSync(join(world.data, 'profiles', 'cabinet-sage.json'), 'utf8')).customers).toBeUndefined();
      await shot(page, 'fr-profile-error');
      expect(await serious()).toEqual([]);

      // A value of the wrong kind in the JSON is named in French too.
      const bad = JSON.parse(await page.inputValue('#profile-json'));
      await page.fill('input[name=account_length]', '11');
      await page.fill('#profile-json', JSON.stringify({ ...bad, discountAccount: 'compte 709' }, null, 2));
      await submit('#profile-save');
      expect(await textOf(page, '#profile-errors li')).toContain('discountAccount : un numéro de compte est attendu (lettres et chiffres, par ex. 707000)');

      const fixed = JSON.parse(await page.inputValue('#profile-json'));
      delete fixed.discountAccount;
      await page.fill('#profile-json', JSON.stringify(fixed, null, 2));
      await submit('#profile-save');
      expect(await textOf(page, '.flash.ok')).toBe('Profil cabinet-sage enregistré.');
      expect(await page.locator('#profile-errors').count()).toBe(0);
      const saved = JSON.parse(readFileSync(join(world.data, 'profiles', 'cabinet-sage.json'), 'utf8'));
      expect(saved).toMatchObject({ format: 'sage', customers: { account: { mode: 'generated', prefix: '411', length: 11 } }, text: { upperCase: true, removeAccents: true }, analytics: { axis: 'till', sections: { '01': 'CAISSE01' } } });
      // The page saved what the CLI's check accepts.
      expect((await cli(['server', 'config', 'check', '--data', world.data, '--profile', 'cabinet-sage'])).code).toBe(0);

      const file = await exportAndDownload('cabinet-sage');
      expect(file).toMatch(/\.pnm$|\.txt$/);
      expectCabinetSage(file, ['CAISSE01', 'CAISSE02']);
      await shot(page, 'fr-profile-exported');
      expect(await serious()).toEqual([]);
    }, TIMEOUT);

    it('creates exact with the default mapping, exports the same books as posted, and makes it the default', async () => {
      await page.goto(`${world.backOffice}/profiles`);
      await page.fill('#profile-new input[name=name]', 'exact');
      await page.selectOption('#profile-new select[name=format]', 'exact');
      await submit('#profile-new button[type=submit]');
      const file = await exportAndDownload('exact');
      expectExactAsPosted(file);

      await page.goto(`${world.backOffice}/profiles`);
      expect(await textOf(page, 'tr[data-profile=cabinet-sage] .badge')).toBe('valide');
      await submit('tr[data-profile=exact] form[action$="/default"] button');
      expect(await textOf(page, '.flash.ok')).toBe('exact est le profil par défaut.');
      expect(await textOf(page, 'tr[data-profile=exact]')).toContain('par défaut');
      // Both exports are listed with their profile on the exports page.
      await page.goto(`${world.backOffice}/exports`);
      expect(await textOf(page, '#exports')).toContain('SAGE [cabinet-sage]');
      expect(await textOf(page, '#exports')).toContain('EXACT [exact]');
      await shot(page, 'fr-profiles');
      expect(await serious()).toEqual([]);
      // The refused save answered 422 on purpose; nothing else failed.
      expect(problems.filter((p) => !/^HTTP 422 .*\/bo\/profiles\/cabinet-sage$/.test(p))).toEqual([]);
    }, TIMEOUT);
  });
});
