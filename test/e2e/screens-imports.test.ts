/**
 * The back office's import pages in a real browser (Debian's chromium) against a real `server
 * start` on loopback. Marketplace sales (seed 004): upload a FNAC report and choose the profile,
 * read the control grid's verdicts, untick and tick lines, apply one value to every ticked line,
 * open one sale by a double click and edit it, generate (the closing message gives the count),
 * undo the batch, generate again, then see Undo refused with the seed's reason once a till invoice
 * took the next number of the same chain. Bank statements (seed 001): upload a camt.053, see the
 * proposed matches with their rule and the unmatched line, reject one, book the other, then book
 * the rejected one. Plus an upload without the form token, refused. Driven in French (the shop's
 * language: a fr-FR browser), each page checked by axe-core (no serious or critical violation).
 * Screenshots in test-artifacts/screens/ with TILLSYNC_SCREENSHOTS=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { writeFnacReport } from '../../fixtures/marketplace-report.ts';
import { camt053v02 } from '../../fixtures/bank-statements.ts';
import { writeTicketPackage } from '../../sync/package-writer.ts';
import { generateTillKeyPair } from '../../sync/till-keys.ts';
import { openDatabase, type Db } from '../../server/db/database.ts';
import { seriousViolations } from './screens-axe.ts';
import { countOf, dayOffset, launchBrowser, ok, shot, start, textOf, watchPage, type Running } from './screens-harness.ts';


describe('back office: marketplace sales and bank statements', () => {
  let dir: string;
  let data: string;
  let server: Running;
  let url: string;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let db: Db;
  let secret: string;
  const report = () => join(dir, 'commandes-terminees-05-11-2026.xlsx');

  const go = async (selector: string) => {
    await Promise.all([page.waitForEvent('load'), page.click(selector)]);
  };
  const flash = () => textOf(page, '.flash');
  const verdicts = async () => page.$$eval('#sales-grid tbody tr', (rows) => rows.map((r) => `${(r as HTMLElement).dataset.line} ${(r as HTMLElement).dataset.verdict}`));
  const cell = (line: string, field: string) => textOf(page, `#sales-grid tr[data-line="${line}"] td[data-field="${field}"]`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'screens-imports-'));
    data = join(dir, 'server');
    await ok(['server', 'init', '--demo-base', '--data', data]);
    secret = (await ok(['server', 'enroll-till', '--data', data, '--till', '01'])).secret;
    await ok(['server', 'user', 'add', '--data', data, '--name', 'admin', '--password-stdin'], 'back-office-pass\n');
    // The marketplace invoices share the tills' numbering chain here, so that a till invoice made
    // later is the "invoice made by hand later in the chain" of the seed.
    writeFileSync(join(data, 'imports.json'), JSON.stringify({ marketplace: { series: 'invoice', prefix: 'F', customerAccount: '411900', supplierAccount: '401000', commissionAccount: '622600', deductibleVatAccount: '445660', commissionVatRate: '20', homeCountry: 'FR', domesticRate: '20', oss: true, accounts: { domestic: { salesAccount: '707100', vatAccount: '445711' }, oss: { salesAccount: '707200', vatAccount: '445712' }, export: { salesAccount: '707300' } }, exportMention: 'Exonération de TVA, article 262 I du CGI (exportation hors Union européenne)' } }));
    await writeFnacReport(report());
    server = await start(['server', 'start', '--data', data, '--port', '0', '--host', '127.0.0.1']);
    url = server.ready.listening.url;
    db = await openDatabase({ data });
    browser = await launchBrowser({ lang: 'fr-FR' });
    // A context of its own (axe-core needs one), in the shop's language.
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'fr-FR' })).newPage();
    problems = watchPage(page);
    await page.goto(`${url}/bo/login`);
    await page.fill('input[name=name]', 'admin');
    await page.fill('input[name=password]', 'back-office-pass');
    await go('button[type=submit]');
  });

  afterAll(async () => {
    await browser?.close();
    await db?.destroy();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uploads a FNAC report and shows the control grid with per-line verdicts', async () => {
    await go('nav >> text=Ventes marketplace');
    expect(await textOf(page, 'h1')).toBe('Ventes marketplace');
    expect(await seriousViolations(page)).toEqual([]);
    await page.setInputFiles('#sales-upload input[type=file]', report());
    await page.selectOption('#sales-upload select[name=source]', 'fnac');
    await go('#sales-upload button[type=submit]');
    expect(new URL(page.url()).pathname).toMatch(/^\/bo\/imports\/sales\/[a-f0-9]{16}$/);
    expect(await textOf(page, '#sales-file')).toContain('commandes-terminees-05-11-2026.xlsx');
    expect(await textOf(page, '#sales-file')).toContain('feuilles ignorées (sans en-tête de rapport) : Récapitulatif');
    expect(await textOf(page, '#unknown-columns')).toContain('Note interne');
    expect(await verdicts()).toEqual(['Commandes!2 import', 'Commandes!3 import', 'Commandes!4 import', 'Commandes!5 unticked', 'Commandes!6 import', 'Commandes!7 error', 'Commandes!8 skip']);
    expect(await textOf(page, 'tr[data-line="Commandes!5"]')).toContain('l’état « En cours » n’est pas un état payé');
    expect(await textOf(page, 'tr[data-line="Commandes!7"]')).toContain('cellules fusionnées E7:G7 : défusionnez-les dans le rapport');
    expect(await textOf(page, 'tr[data-line="Commandes!8"]')).toContain('ligne de totaux');
    expect(await textOf(page, '#sales-counts')).toBe('7 lignes : 4 à importer, 1 décochée, 0 déjà importée, 1 ignorée, 1 refusée · 3 factures à faire.');
    expect(await textOf(page, 'tr[data-line="Commandes!5"] .badge')).toBe('décochée');
    // The Excel serial date reads as the day it is (dd/mm/yyyy); the text date stays as written.
    expect(await cell('Commandes!2', 'date')).toBe('02/11/2026');
    expect(await cell('Commandes!4', 'date')).toBe('03/11/2026');
    expect(await page.isDisabled('tr[data-line="Commandes!7"] input[type=checkbox]')).toBe(true);
    expect(await countOf(page, '#sales-invoices tbody tr')).toBe(3);
    // Amounts the French way: "1 234,56 €".
    expect(await page.$$eval('#sales-invoices tbody td.num', (tds) => tds.every((td) => /^\d{1,3}(\u202f\d{3})*,\d\d\u00a0€$/.test(td.textContent ?? '')))).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'backoffice-marketplace-grid');
  });

  it('unticks and ticks lines, applies one value to every ticked line, edits one sale', async () => {
    // Untick everything, tick the two lines of the first order, apply the shipping-free value to them.
    await page.uncheck('#sales-grid .check-all');
    expect(await textOf(page, '#sales-summary .checked-count')).toBe('0');
    await page.check('tr[data-line="Commandes!2"] input[type=checkbox]');
    await page.check('tr[data-line="Commandes!3"] input[type=checkbox]');
    expect(await textOf(page, '#sales-summary .checked-count')).toBe('2');
    await page.selectOption('#apply-field', 'city');
    await page.fill('#apply-value', 'Lyon 3e');
    await go('#apply');
    expect(await flash()).toContain('Ville : « Lyon 3e » appliqué à 2 lignes cochées.');
    // The others were unticked by the operator and stay so until ticked again.
    expect(await verdicts()).toEqual(['Commandes!2 import', 'Commandes!3 import', 'Commandes!4 unticked', 'Commandes!5 unticked', 'Commandes!6 unticked', 'Commandes!7 error', 'Commandes!8 skip']);
    expect(await countOf(page, '#sales-invoices tbody tr')).toBe(1);
    await page.check('tr[data-line="Commandes!4"] input[type=checkbox]');
    await page.check('tr[data-line="Commandes!6"] input[type=checkbox]');
    await go('#save-ticks');
    expect(await verdicts()).toEqual(['Commandes!2 import', 'Commandes!3 import', 'Commandes!4 import', 'Commandes!5 unticked', 'Commandes!6 import', 'Commandes!7 error', 'Commandes!8 skip']);

    // A double click on a line opens the whole sale; the customer's name is corrected there.
    await Promise.all([page.waitForEvent('load'), page.dblclick('tr[data-line="Commandes!4"] td[data-field="label"]')]);
    expect(await textOf(page, '#sale-verdict')).toContain('Commandes!4');
    expect(await page.inputValue('#sale-form input[name=customerName]')).toBe('Jürgen Groß');
    expect(await page.inputValue('#sale-form input[name=city]')).toBe('Zürich');
    await page.fill('#sale-form input[name=customerName]', 'Jürgen Groß AG');
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'backoffice-marketplace-sale');
    await go('#save-sale');
    expect(await flash()).toContain('Ligne 4 modifiée : Client.');
    expect(await textOf(page, 'tr[data-line="Commandes!4"] td[data-field="customerName"]')).toBe('Jürgen Groß AG');
    expect(await textOf(page, '#sales-invoices')).toContain('Jürgen Groß AG');
  });

  it('generates the invoices (the message gives their count), undoes the batch, generates again', async () => {
    await go('#generate');
    expect(await flash()).toMatch(/^3 factures générées dans le lot n° \d+ \(F00000001–F00000003\)/);
    const rows = await db.selectFrom('marketplace_invoices').select(['number', 'customer_name', 'country', 'vat_regime']).orderBy('seq').execute();
    expect(rows.map((r) => `${r.number} ${r.customer_name} ${r.country} ${r.vat_regime}`)).toEqual(['F00000001 Hélène Müller-Çelik FR domestic', 'F00000002 Jürgen Groß AG CH export', 'F00000003 Anke Schröder DE oss']);
    expect(await verdicts()).toEqual(['Commandes!2 already', 'Commandes!3 already', 'Commandes!4 already', 'Commandes!5 unticked', 'Commandes!6 already', 'Commandes!7 error', 'Commandes!8 skip']);
    // The batch told as a sentence, not its raw fields.
    expect(await textOf(page, '#sales-batches tbody tr .summary')).toMatch(/^\d+ écritures, /);
    await shot(page, 'backoffice-marketplace-generated');

    await go('#sales-batches button:has-text("Annuler")');
    expect(await flash()).toContain('3 factures supprimées (numéros F00000001–F00000003 rendus)');
    expect(await db.selectFrom('marketplace_invoices').select('number').execute()).toEqual([]);
    expect(await verdicts()).toContain('Commandes!4 import');
    await go('#generate');
    expect(await flash()).toMatch(/^3 factures générées dans le lot n° \d+ \(F00000001–F00000003\)/);
  });

  it('refuses Undo with the seed\'s reason once a till invoice took a later number of the chain', async () => {
    // Till 01's tickets (seed 5: ticket 5 is a credit sale to C0000005) arrive and are integrated: its invoice is F00000004.
    const tickets = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 6, days: 2, startDay: dayOffset(-3), seed: 5 })];
    await writeTicketPackage(join(data, 'inbox'), { store: 'S1', till: '01', kind: 'untransferred', tickets, signer: { key: generateTillKeyPair(), authSecret: secret } });
    for (let i = 0; i < 300 && (await db.selectFrom('tickets').select('id').execute()).length < 6; i++) await new Promise((r) => setTimeout(r, 100));
    await ok(['server', 'integrate', '--data', data]);
    const later = await db.selectFrom('documents').select('number').where('series', '=', 'invoice').orderBy('seq').execute();
    expect(later.map((d) => d.number)).toContain('F00000004');
    await page.reload();
    expect(await countOf(page, '#sales-batches button:has-text("Annuler")')).toBe(0);
    expect(await textOf(page, '#sales-batches .undo-refused')).toMatch(/^Annulation impossible : /);
    // The CLI's reason, told in French from its id and parameters (sync/errors.ts MessageRef), hint included.
    expect(await textOf(page, '#sales-batches .undo-refused')).toMatch(/^Annulation impossible : le lot n° \d+ ne peut pas être annulé : la facture F00000004 a été faite plus tard dans la même numérotation, l’annulation laisserait un trou \(seules les dernières factures d’une numérotation peuvent être annulées ; corrigez une facture importée par un avoir\)$/);
    await shot(page, 'backoffice-marketplace-undo-refused');
    expect((await db.selectFrom('marketplace_invoices').select('number').execute()).length).toBe(3);
  });

  it('refuses an upload without the form token', async () => {
    const status = await page.evaluate(async () => {
      const form = new FormData();
      form.append('source', 'fnac');
      form.append('report', new Blob(['order;date\n']), 'x.csv');
      return (await fetch('/bo/imports/sales/upload', { method: 'POST', body: form })).status;
    });
    expect(status).toBe(403);
    // The refusal is expected: taken off the page problems.
    expect(problems.filter((p) => !p.includes('/bo/imports/sales/upload'))).toEqual([]);
    problems.length = 0;
    expect(readdirSync(join(data, 'imports', 'uploads', 'sales')).length).toBe(1);
  });

  it('matches a camt.053 statement: proposed matches with their rule, unmatched listed, reject then book', async () => {
    const invoices = await db.selectFrom('marketplace_invoices').select(['number', 'total_incl', 'customer_name']).orderBy('seq').execute();
    const [f1, f2] = invoices;
    const day = dayOffset(0);
    const statement = join(dir, 'releve.xml');
    writeFileSync(
      statement,
      camt053v02('BO-1', [
        {
          id: 'BO-STMT-1', iban: 'FR7630006000011234567890189', date: day,
          entries: [
            { amount: f1.total_incl, credit: true, date: day, ref: 'BO-0001', txs: [{ amount: f1.total_incl, name: 'FNAC DARTY PARTICIPATIONS', remittance: `VERSEMENT ${f1.number}` }] },
            { amount: f2.total_incl, credit: true, date: day, ref: 'BO-0002', txs: [{ amount: f2.total_incl, name: f2.customer_name, remittance: 'MERCI' }] },
            { amount: '999.99', credit: true, date: day, ref: 'BO-0003', txs: [{ amount: '999.99', name: 'INCONNU SARL', remittance: 'ACOMPTE' }] },
            { amount: '42.00', credit: false, date: day, ref: 'BO-0004', txs: [{ amount: '42.00', name: 'EDF', remittance: 'PRELEVEMENT' }] },
          ],
        },
      ]),
    );
    await go('nav >> text=Relevés bancaires');
    expect(await textOf(page, 'h1')).toBe('Relevés bancaires');
    expect(await seriousViolations(page)).toEqual([]);
    await page.setInputFiles('#bank-upload input[type=file]', statement);
    await go('#bank-upload button[type=submit]');
    expect(await countOf(page, '#bank-grid tbody tr')).toBe(2);
    const [l1, l2] = await page.$$eval('#bank-grid tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.line!));
    expect(await textOf(page, `#bank-grid tr[data-line="${l1}"] .rule`)).toContain('numéro de facture dans le libellé');
    expect(await textOf(page, `#bank-grid tr[data-line="${l1}"] .invoices`)).toContain(f1.number);
    expect(await textOf(page, `#bank-grid tr[data-line="${l2}"] .rule`)).toContain('client + montant exact');
    expect(await textOf(page, `#bank-grid tr[data-line="${l2}"] .invoices`)).toContain(f2.number);
    expect(await countOf(page, '#bank-unmatched tbody tr')).toBe(1);
    expect(await textOf(page, '#bank-unmatched')).toContain('999,99\u00a0€');
    expect(await textOf(page, '#bank-unmatched .badge')).toBe('sans correspondance');
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'backoffice-bank-matches');

    // Reject the second match, book the first.
    await page.uncheck(`#bank-grid tr[data-line="${l2}"] input[type=checkbox]`);
    expect(await textOf(page, '#bank-summary .checked-count')).toBe('1');
    await go('#book');
    expect(await flash()).toMatch(/^Lot n° \d+ : 1 ligne comptabilisée et lettrée \(/);
    expect(await textOf(page, '#bank-counts')).toContain('1 déjà comptabilisée,');
    expect(await page.isChecked(`#bank-grid tr[data-line="${l2}"] input[type=checkbox]`)).toBe(false);
    const lettered = await db.selectFrom('entry_lines').select(['letter_key', 'lettering_id']).where('letter_key', '=', f1.number).execute();
    expect(lettered.length).toBe(2);
    expect(lettered.every((l) => l.lettering_id !== null)).toBe(true);

    // Confirm it after all.
    await page.check(`#bank-grid tr[data-line="${l2}"] input[type=checkbox]`);
    await go('#book');
    expect(await flash()).toMatch(/^Lot n° \d+ : 1 ligne comptabilisée et lettrée \(/);
    expect(await textOf(page, '#bank-counts')).toContain('2 déjà comptabilisées,');
    expect(await countOf(page, '#bank-unmatched tbody tr')).toBe(1);
    await shot(page, 'backoffice-bank-booked');
    expect(problems).toEqual([]);
  });
});
