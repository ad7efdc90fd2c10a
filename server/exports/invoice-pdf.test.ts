import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES, openTestDb, type TestDb } from '../../test/support/test-databases.ts';
import { saveBaseData } from '../base-data.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { ensureMapping } from '../accounting/mapping.ts';
import { loadInvoiceViews } from './invoice-model.ts';
import { frAmount, legalMentions, renderInvoicePdf } from './invoice-pdf.ts';
import { insertDocument, insertLedger, simpleTicket } from '../../test/support/ledger-sql-fixture.ts';
import { sampleLedger } from '../../test/support/sample-ledger.ts';
import { runExport } from './export-run.ts';
import { pdfText, rasterFirstPage } from '../../test/support/pdf-probe.ts';

describe('invoice amounts', () => {
  it('formats French amounts', () => {
    expect(frAmount('1234567.5')).toBe('1 234 567,50');
    expect(frAmount('-13.46')).toBe('-13,46');
  });
});

for (const engine of TEST_ENGINES) {
  describe(`invoice PDFs on ${engine}`, () => {
    let t: TestDb;
    beforeEach(async () => {
      t = await openTestDb(engine);
      await saveBaseData(t.db, demoBaseData(5));
      ensureMapping(t.data);
      // Seed examples: 159.90 = 133.25 + 26.65 paid by card (Dupont, professional); 483.60 = 403.00 + 80.60 cash (counter).
      await insertDocument(t.db, { number: '10001432', customer: 'C0000001', day: '2026-11-02', vat: [['VN', '20', '133.25', '26.65']], tickets: [simpleTicket(42, 'C0000001', 'Perceuse à percussion', '159.90', '133.25', '26.65')] });
      await insertDocument(t.db, { number: '10001434', customer: 'COMPTOIR', day: '2026-11-02', vat: [['VN', '20', '403.00', '80.60']], tickets: [simpleTicket(43, 'COMPTOIR', 'Établi pliant', '483.60', '403.00', '80.60', 'ESP')] });
      await insertDocument(t.db, { number: '10001435', customer: 'C0000002', day: '2026-11-03', vat: [['VN', '20', '11.22', '2.24']], tickets: [simpleTicket(44, 'C0000002', 'Vis inox', '13.46', '11.22', '2.24', 'CRED', '2026-11-03')] });
    });
    afterEach(async () => {
      await t.cleanup();
    });

    it('renders an invoice that opens, is not blank, and carries the legal mentions', async () => {
      const { views, missing } = await loadInvoiceViews(t.db, ['10001432', '99999999']);
      expect(missing).toEqual(['99999999']);
      const file = join(t.data, '10001432.pdf');
      writeFileSync(file, await renderInvoicePdf(views[0]));
      expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
      const page = rasterFirstPage(file);
      expect(page.pages).toBe(1);
      expect(page.width).toBeGreaterThan(300);
      expect(page.inkPixels).toBeGreaterThan(2000);
      const text = pdfText(file).replace(/\s+/g, ' ');
      for (const must of ['Boutique Demo SARL', '12 rue du Commerce', 'SIREN 552 100 554', 'FR96552100554', 'RCS Paris 552 100 554', 'SARL au capital de 10 000,00 €', 'SIREN 901 000 018', 'FACTURE N° 10001432', '02/11/2026', 'Dupont Bâtiment', '3 avenue des Lilas', 'Perceuse à percussion', 'Total HT', '133,25', '26,65', '159,90', 'Pénalités de retard', '40 €']) {
        expect(text).toContain(must);
      }
      expect(text).toMatch(/Facture acquittée/);
    });

    it('leaves the 40 € indemnity out for the counter customer and shows what is left to pay on credit', async () => {
      const { views } = await loadInvoiceViews(t.db, ['10001434', '10001435']);
      const [counter, credit] = views;
      expect(counter.customer.professional).toBe(false);
      expect(legalMentions(counter).join(' ')).not.toMatch(/40 €/);
      expect(credit.due).toBe('13.46');
      expect(legalMentions(credit).join(' ')).toMatch(/à réception de facture/);
      const file = join(t.data, 'credit.pdf');
      writeFileSync(file, await renderInvoicePdf(credit));
      expect(pdfText(file).replace(/\s+/g, ' ')).toMatch(/Reste à payer 13,46 €/);
    });

    it('prints every line of a large document, across pages, and names its tickets', async () => {
      const tickets = Array.from({ length: 120 }, (_, i) => simpleTicket(100 + i, 'COMPTOIR', `Article ${i}`, '1.20', '1.00', '0.20', 'ESP'));
      await insertDocument(t.db, { number: '10001500', customer: 'COMPTOIR', day: '2026-11-02', vat: [['VN', '20', '120.00', '24.00']], tickets });
      const { views } = await loadInvoiceViews(t.db, ['10001500']);
      const file = join(t.data, 'big.pdf');
      writeFileSync(file, await renderInvoicePdf(views[0]));
      const page = rasterFirstPage(file);
      expect(page.pages).toBeGreaterThan(1);
      const text = pdfText(file);
      // 242 nonies A: each good with its quantity and unit price, even on a counter customer's busy day.
      for (const must of ['Article 0 ', 'Article 7 ', 'Article 119', '120 tickets, du S1-01-00000100 au S1-01-00000219']) expect(text).toContain(must);
    });

    it('export --with-pdf writes the PDFs of the exported invoices', async () => {
      await insertLedger(t.db, sampleLedger());
      const o = await runExport({ db: t.db, data: t.data }, { format: 'fec', from: '2026-11-02', to: '2026-11-02', withPdf: true });
      expect(o.pdfs.map((p) => p.split('/').pop())).toEqual(['10001432.pdf', '10001434.pdf']);
      for (const p of o.pdfs) expect(rasterFirstPage(p).inkPixels).toBeGreaterThan(2000);
      const rec = await t.db.selectFrom('exports').select(['pdf_count', 'options']).where('id', '=', o.exportId!).executeTakeFirstOrThrow();
      expect(rec.pdf_count).toBe(2);
      expect(JSON.parse(rec.options).pdfs).toEqual(['10001432.pdf', '10001434.pdf']);
    });
  });
}
