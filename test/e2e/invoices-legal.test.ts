/**
 * Invoices under French law, end to end on both engines (issue 16, docs/invoices.md): tickets
 * through the real intake, integration runs on given invoice dates, posting, the PDFs read back
 * with poppler's pdftotext. Checks every mandatory mention on each kind of document, the
 * chronological numbering with a late package, deposit invoices deducted on the final invoice
 * (seed order 10001651), and credit notes citing the invoice they correct with the amount due
 * taken from the ledger.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES } from '../support/test-databases.ts';
import { runIntegration } from '../../server/integration/integrate.ts';
import { runPosting } from '../../server/accounting/posting-run.ts';
import { loadInvoiceViews, type InvoiceView } from '../../server/exports/invoice-model.ts';
import { renderInvoicePdf } from '../../server/exports/invoice-pdf.ts';
import { pdfText } from '../support/pdf-probe.ts';
import { articleCodes, cli, integrityProblems, openIntegrationServer, type IntegrationServer } from './integration-fixture.ts';
import { saveBaseData } from '../../server/base-data.ts';

const D23 = '2026-11-23';
const D24 = '2026-11-24';
const D25 = '2026-11-25';

/** What every invoice and credit note of the demo company prints (R123-237, 242 nonies A). */
const SELLER = ['Boutique Demo SARL', 'SARL au capital de 10 000,00 €', '12 rue du Commerce, 75015 Paris', 'SIREN 552 100 554', 'SIRET 552 100 554 00013', 'RCS Paris 552 100 554', 'N° TVA intracommunautaire FR96552100554'];
const PENALTIES = ['Pénalités de retard', 'art. L441-10 du Code de commerce'];
const INDEMNITY = 'Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 €';

for (const engine of TEST_ENGINES) {
  describe(`invoices under French law (${engine})`, () => {
    let s: IntegrationServer;
    let A: string[];
    beforeEach(async () => {
      s = await openIntegrationServer(engine);
      A = articleCodes(s.base, 'VN', 3);
    });
    afterEach(async () => s.cleanup());

    async function pdfOf(number: string): Promise<{ view: InvoiceView; text: string }> {
      const { views, missing } = await loadInvoiceViews(s.db, [number]);
      expect(missing).toEqual([]);
      const file = join(s.data, `${number}.pdf`);
      writeFileSync(file, await renderInvoicePdf(views[0]));
      return { view: views[0], text: pdfText(file).replace(/\s+/g, ' ') };
    }
    const expectAll = (text: string, musts: string[]) => {
      for (const m of musts) expect(text, `missing "${m}"`).toContain(m);
    };
    const numberOf = async (ticketId: string) => (await s.db.selectFrom('tickets').select('document_number').where('id', '=', ticketId).executeTakeFirstOrThrow()).document_number!;

    it('numbers chronologically when a till package comes two days late; a later run of the same key makes a complementary invoice', async () => {
      // 23/11: till 01 sells to the counter; till 02 sells too but its package stays in the shop.
      const t01a = [s.book.sell({ till: '01', day: D23, lines: [{ article: A[0] }] }), s.book.sell({ till: '01', day: D23, lines: [{ article: A[1] }] })];
      const late02 = [s.book.sell({ till: '02', day: D23, lines: [{ article: A[0] }] }), s.book.sell({ till: '02', day: D23, lines: [{ article: A[2] }] })];
      await s.store(t01a);
      const r1 = await runIntegration(s.db, s.data, { until: D23 }, { invoiceDate: D23 });
      expect(r1.series.invoice).toEqual({ first: 'F00000001', last: 'F00000001', count: 1 });
      // 25/11: till 01 and 02 sell; till 02's package of the 23rd arrives with today's, and till 01's
      // last degraded tickets of the 23rd too (same customer × day × till × kind as F00000001).
      const t01late = [s.book.sell({ till: '01', day: D23, lines: [{ article: A[2] }] })];
      const t01b = [s.book.sell({ till: '01', day: D25, lines: [{ article: A[0] }] })];
      const t02b = [s.book.sell({ till: '02', day: D25, lines: [{ article: A[1] }] }), s.book.sell({ till: '02', day: D25, lines: [{ article: A[1] }] })];
      await s.store([...t01late, ...t01b, ...late02, ...t02b]);
      await expect(runIntegration(s.db, s.data, { until: D25 }, { invoiceDate: '2026-11-22' })).rejects.toMatchObject({ code: 'invoice-date-behind' });
      const r2 = await runIntegration(s.db, s.data, { until: D25 }, { invoiceDate: D25, pageSize: 1 });
      expect(r2.invoiceDate).toBe(D25);

      const docs = await s.db.selectFrom('documents').selectAll().orderBy('seq').execute();
      // Never a higher number with an earlier invoice date, whatever the sale dates.
      for (let i = 1; i < docs.length; i++) expect(docs[i].invoice_date! >= docs[i - 1].invoice_date!).toBe(true);
      expect(docs.map((d) => [d.number, d.invoice_date, d.day, d.till, d.complement_of])).toEqual([
        ['F00000001', D23, D23, '01', null],
        ['F00000002', D25, D23, '01', 'F00000001'],
        ['F00000003', D25, D25, '01', null],
        ['F00000004', D25, D23, '02', null],
        ['F00000005', D25, D25, '02', null],
      ]);
      // One document per customer × day × till × kind and run; across runs, one ordinary document per key.
      const perRun = new Set(docs.map((d) => `${d.batch_id} ${d.customer} ${d.day} ${d.till} ${d.kind}`));
      expect(perRun.size).toBe(docs.length);
      const ordinary = docs.filter((d) => !d.complement_of).map((d) => `${d.customer} ${d.day} ${d.till} ${d.kind}`);
      expect(new Set(ordinary).size).toBe(ordinary.length);
      expect(await integrityProblems(s.db)).toEqual([]);
      const series = await s.db.selectFrom('number_series').selectAll().where('series', '=', 'invoice').executeTakeFirstOrThrow();
      expect(series.last_date).toBe(D25);

      const late = await pdfOf('F00000004');
      expectAll(late.text, ['FACTURE N° F00000004', 'Date de facture : 25/11/2026', 'Date de la vente : 23/11/2026 — magasin S1, caisse 02']);
      const complement = await pdfOf('F00000002');
      expectAll(complement.text, ['FACTURE COMPLÉMENTAIRE N° F00000002', 'Complète la facture n° F00000001 du 23/11/2026', 'Date de la vente : 23/11/2026']);
    });

    it('prints every mention on an invoice with discounts, a counter invoice, a delivery note, a credit note and a deposit invoice', async () => {
      const [a0, a1, a2] = A;
      // 23/11: Dupont buys with two discounted lines (10 %, and "3 × 0.35 instead of 0.39" as 0.12 off);
      // Martin & Fils pays a 100.00 deposit on order 10001651 (seed 003); the counter buys.
      const dupont = s.book.sell({ day: D23, customer: 'C0000001', lines: [{ article: a0, price: '50.00', discount: { percent: '10' } }, { article: a1, qty: '3', price: '0.39', discount: { amount: '0.12' } }, { article: a2, price: '12.00' }], payments: [{ mode: 'CB' }] });
      const deposit = s.book.sell({ day: D23, customer: 'C0000002', settlements: [{ kind: 'deposit', ref: '10001651', amount: '100.00' }], payments: [{ mode: 'CB' }] });
      const counter = s.book.sell({ day: D23, lines: [{ article: a2, price: '24.00' }] });
      const garage = s.book.sell({ day: D23, customer: 'C0000003', lines: [{ article: a1, price: '30.00' }], payments: [{ mode: 'CPT' }] });
      await s.store([dupont, deposit, counter, garage]);
      const r1 = await runIntegration(s.db, s.data, { until: D23 }, { invoiceDate: D23 });
      expect(r1.series['deposit-invoice']).toEqual({ first: 'FA0000001', last: 'FA0000001', count: 1 });
      // 25/11: Dupont brings back the 12.00 article (refunded in cash); Martin & Fils takes order
      // 10001651 (664.00): 100.00 by the deposit voucher, 564.00 by card.
      const back = s.book.sell({ day: D25, customer: 'C0000001', lines: [{ article: a2, qty: '-1', price: '12.00', returnOf: dupont.id }] });
      const final = s.book.sell({ day: D25, customer: 'C0000002', lines: [{ article: a0, price: '664.00' }], payments: [{ mode: 'ACP', amount: '100.00', ref: '10001651' }, { mode: 'CB' }] });
      await s.store([back, final]);
      await runIntegration(s.db, s.data, { until: D25 }, { invoiceDate: D25 });
      await runPosting(s.db, s.data, { until: D25 });

      // Invoice to a business customer, with discounts.
      const inv = await pdfOf(await numberOf(dupont.id));
      expectAll(inv.text, [...SELLER, `FACTURE N° ${inv.view.number}`, 'Date de facture : 23/11/2026', 'Date de la vente : 23/11/2026', "Catégorie de l'opération : livraison de biens", 'Dupont Bâtiment (C0000001)', '3 avenue des Lilas, 69003 Lyon', 'SIREN 901 000 018', 'N° TVA FR06901000018', 'PU HT', 'Remise HT', 'Montant HT', ...PENALTIES, INDEMNITY]);
      // 50.00 incl: 41,6667 excl list price, 10 % = 4,17 excl off, 37,50 net; 3 × 0.39 (0,325 excl) less 0.12 = 0,88 net.
      expect(inv.text).toMatch(/1 41,6667 10 % \(4,17\) 20 % 37,50/);
      expect(inv.text).toMatch(/3 0,325 0,10 20 % 0,88/);
      expect(inv.text).toMatch(/Total TTC 58,05 €/);
      expect(inv.view.lines.map((l) => [l.grossExcl, l.discount?.excl ?? null, l.netExcl])).toEqual([['41.67', '4.17', '37.50'], ['0.98', '0.10', '0.88'], ['10.00', null, '10.00']]);

      // Counter customer: no address of its own (never the shop's), no SIREN, no 40 € indemnity.
      const cnt = await pdfOf(await numberOf(counter.id));
      expectAll(cnt.text, [...SELLER, 'Client comptoir (COMPTOIR)', 'Client non identifié (vente au comptoir)', ...PENALTIES]);
      expect(cnt.text.split('12 rue du Commerce').length - 1).toBe(1);
      expect(cnt.text).not.toContain('40 €');
      expect(cnt.view.customer.address).toBeNull();

      // Delivery note (paid "en compte").
      const bl = await pdfOf(await numberOf(garage.id));
      expectAll(bl.text, [...SELLER, `BON DE LIVRAISON N° ${bl.view.number}`, 'Garage Leroy (C0000003)', 'SIREN 903 000 032', 'Date de la vente : 23/11/2026', 'la facture correspondante sera émise']);

      // Credit note: cites the invoice it corrects; refunded at the till, so the ledger says nothing is owed back.
      const av = await pdfOf(await numberOf(back.id));
      expect(av.view.kind).toBe('credit-note');
      expectAll(av.text, [...SELLER, `AVOIR N° ${av.view.number}`, `Avoir sur facture n° ${inv.view.number} du 23/11/2026`, "Date de l'avoir : 25/11/2026", 'Dupont Bâtiment (C0000001)', 'SIREN 901 000 018', 'Reste à rembourser 0,00 €', 'Avoir entièrement utilisé ou remboursé', ...PENALTIES, INDEMNITY]);
      expect(av.view.dueSource).toBe('ledger');
      expect(av.text).not.toMatch(/Reste à payer/);

      // Deposit invoice: goods, so no VAT on the deposit and the rule printed.
      const fa = await pdfOf('FA0000001');
      expectAll(fa.text, [...SELLER, "FACTURE D'ACOMPTE N° FA0000001", 'Commande n° 10001651', 'Martin & Fils (C0000002)', 'SIREN 902 000 025', 'N° TVA FR11902000025', 'Acompte sur commande n° 10001651', 'Total TTC 100,00 €', 'TVA exigible à la livraison', 'art. 269-2-a du CGI', 'Date de facture : 23/11/2026', ...PENALTIES, INDEMNITY]);
      expect(fa.view.totals).toEqual({ excl: '100.00', vat: '0.00', incl: '100.00' });

      // Final invoice of order 10001651: the deposit is deducted, nothing left to pay (ledger).
      const fin = await pdfOf(await numberOf(final.id));
      expectAll(fin.text, [...SELLER, 'Total TTC 664,00 €', 'Acompte déjà versé -100,00 €', "Acompte déjà versé sur la commande n° 10001651 (facture d'acompte n° FA0000001 du 23/11/2026) : 100,00 € TTC", 'Reste à payer 0,00 €', 'Date de facture : 25/11/2026']);
      expect([fin.view.due, fin.view.dueSource]).toEqual(['0.00', 'ledger']);
      expect(await integrityProblems(s.db)).toEqual([]);
    });

    it('makes deposit invoices for SIREN customers and on request only; a services deposit carries its VAT', async () => {
      const counterDeposit = s.book.sell({ day: D24, customer: 'C0000005', settlements: [{ kind: 'deposit', ref: 'CMD-1', amount: '50.00' }], payments: [{ mode: 'ESP' }] });
      const onRequest = s.book.sell({ day: D24, customer: 'C0000005', settlements: [{ kind: 'deposit', ref: 'CMD-2', amount: '120.00', category: 'services', vatCode: 'VN', invoice: true }], payments: [{ mode: 'CB' }] });
      await s.store([counterDeposit, onRequest]);
      const r = await runIntegration(s.db, s.data, { until: D24 }, { invoiceDate: D24 });
      expect(r.series['deposit-invoice']).toEqual({ first: 'FA0000001', last: 'FA0000001', count: 1 });
      const rows = await s.db.selectFrom('deposit_invoices').selectAll().execute();
      expect(rows.map((x) => [x.number, x.order_ref, x.category, x.amount, x.base, x.vat, x.vat_code])).toEqual([['FA0000001', 'CMD-2', 'services', '120.00', '100.00', '20.00', 'VN']]);
      const fa = await pdfOf('FA0000001');
      expectAll(fa.text, ["FACTURE D'ACOMPTE N° FA0000001", 'VN 20 % 100,00 20,00 120,00', "TVA est exigible à l'encaissement (art. 269-2-c du CGI)", "Catégorie de l'opération : prestation de services"]);
    });
  });
}

// The check is pure and runs in a CLI child: once, on SQLite.
describe('config check of the identities invoices print', () => {
  let s: IntegrationServer;
  beforeEach(async () => {
    s = await openIntegrationServer('sqlite');
  });
  afterEach(async () => s.cleanup());

  it('config check validates the identities invoices print: the old FR40 VAT key is refused, 96 expected', async () => {
    const ok = await cli(['server', 'config', 'check', ...s.flags, '--json']);
    expect([ok.code, ok.json.errors]).toEqual([0, 0]);
    await saveBaseData(s.db, { ...s.base, company: { ...s.base.company, vatNumber: 'FR40552100554', rcsCity: '', siret: '55210055400099' } });
    const bad = await cli(['server', 'config', 'check', ...s.flags, '--json']);
    expect(bad.code).toBe(1);
    const issues = bad.json.issues.filter((i: { severity: string }) => i.severity === 'error');
    expect(issues.map((i: { path: string }) => i.path)).toEqual(['(base data) company.siret', '(base data) company.vatNumber', '(base data) company.rcsCity']);
    expect(issues[1].message).toBe('VAT number FR40552100554 has the wrong key 40: the key of SIREN 552100554 is 96 (FR96552100554)');
  });
});
