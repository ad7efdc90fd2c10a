/**
 * Factur-X PDFs made from documents in the store, checked as a receiver would: the PDF/A-3
 * structure (fonts, XMP, output intent, attachment), the extracted factur-x.xml against the
 * Factur-X EN 16931 profile XSD, the CII XSD, the EN 16931 and BR-FR schematrons; consumers'
 * invoices plain PDF/A without XML; each Factur-X recorded once as produced.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES, openTestDb, type TestDb } from '../../test/support/test-databases.ts';
import { saveBaseData } from '../base-data.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { insertDocument, simpleTicket } from '../../test/support/ledger-sql-fixture.ts';
import { pdfText } from '../../test/support/pdf-probe.ts';
import { produceInvoiceFiles } from './produce.ts';
import { extractFacturX, pdfaProblems, xmpPacket } from '../../test/support/pdfa-check.ts';
import { execFileSync } from 'node:child_process';
import { checkBrFr, checkEn16931, checkFacturXProfile } from '../../test/support/einvoice-validators.ts';

for (const engine of TEST_ENGINES) {
  describe(`Factur-X files on ${engine}`, () => {
    let t: TestDb;
    beforeEach(async () => {
      t = await openTestDb(engine);
      const base = demoBaseData(5);
      await saveBaseData(t.db, base);
      await insertDocument(t.db, { number: '10001432', customer: 'C0000001', day: '2026-11-02', vat: [['VN', '20', '133.25', '26.65']], tickets: [simpleTicket(42, 'C0000001', 'Perceuse à percussion', '159.90', '133.25', '26.65')] });
      await insertDocument(t.db, { number: '10001434', customer: 'COMPTOIR', day: '2026-11-02', vat: [['VN', '20', '403.00', '80.60']], tickets: [simpleTicket(43, 'COMPTOIR', 'Établi pliant', '483.60', '403.00', '80.60', 'ESP')] });
      await insertDocument(t.db, { number: '10001435', customer: 'C0000002', day: '2026-11-03', vat: [['VN', '20', '11.22', '2.24']], tickets: [simpleTicket(44, 'C0000002', 'Vis inox', '13.46', '11.22', '2.24', 'CRED', '2026-11-03')] });
    });
    afterEach(async () => {
      await t.cleanup();
    });

    it('writes Factur-X for business customers and plain PDF/A for the counter customer', async () => {
      const out = join(t.data, 'invoices');
      const { files, missing } = await produceInvoiceFiles(t, ['10001432', '10001434', '10001435', 'NOPE'], out);
      expect(missing).toEqual(['NOPE']);
      expect(files.map((f) => [f.number, f.facturX])).toEqual([['10001432', true], ['10001434', false], ['10001435', true]]);
      for (const f of files) {
        expect(pdfaProblems(f.file, { facturX: f.facturX })).toEqual([]);
        if (!f.facturX) continue;
        const xml = extractFacturX(f.file);
        expect(checkFacturXProfile(xml)).toBeNull();
        const en = checkEn16931(xml);
        expect(en.xsd).toBeNull();
        expect(en.messages).toEqual([]);
        // Every demo business customer carries a SIREN: its electronic address (BR-FR-12) is there too.
        expect(checkBrFr(xml).messages).toEqual([]);
        expect(xml).toMatch(/<ram:BuyerTradeParty>.*<ram:ID schemeID="0002">\d{9}<\/ram:ID>.*<ram:URIID schemeID="0225">/s);
      }
      const text = pdfText(files[0].file).replace(/\s+/g, ' ');
      expect(text).toContain('FACTURE N° 10001432');
      expect(text).toContain('159,90');
      const rows = await t.db.selectFrom('einvoices').select(['number', 'status', 'type_code']).orderBy('number').execute();
      expect(rows).toEqual([{ number: '10001432', status: 'produced', type_code: '380' }, { number: '10001435', status: 'produced', type_code: '380' }]);
    });

    it('producing again rewrites the same bytes and records nothing twice', async () => {
      const out = join(t.data, 'invoices');
      const first = await produceInvoiceFiles(t, ['10001432'], out);
      const a = (await import('node:fs')).readFileSync(first.files[0].file);
      await produceInvoiceFiles(t, ['10001432'], out);
      const b = (await import('node:fs')).readFileSync(first.files[0].file);
      expect(b.equals(a)).toBe(true);
      expect((await t.db.selectFrom('einvoice_events').selectAll().execute()).length).toBe(1);
    });

    it('a business invoice whose data cannot make an e-invoice gets its plain PDF/A and a log-book error, the others go on', async () => {
      const ticket = simpleTicket(46, 'C0000001', 'Livre', '12.00', '12.00', '0.00');
      ticket.lines[0] = { ...ticket.lines[0], vatCode: 'V0', vatRate: '0' };
      await insertDocument(t.db, { number: '10001436', customer: 'C0000001', day: '2026-11-02', vat: [['V0', '0', '12.00', '0.00']], tickets: [ticket] });
      const { files } = await produceInvoiceFiles(t, ['10001436', '10001432'], join(t.data, 'invoices'));
      expect(files.map((f) => [f.number, f.facturX])).toEqual([['10001436', false], ['10001432', true]]);
      expect(files[0].error).toMatch(/10001436.*0 % rate but no VAT category/);
      expect(pdfaProblems(files[0].file, { facturX: false })).toEqual([]);
      const log = await t.db.selectFrom('log_book').select(['severity', 'message']).where('channel', '=', 'einvoice').execute();
      expect(log).toEqual([{ severity: 'error', message: expect.stringMatching(/e-invoice 10001436: .*written as plain PDF\/A, not Factur-X/) }]);
      expect((await t.db.selectFrom('einvoices').select('number').execute()).map((r) => r.number)).toEqual(['10001432']);
    });

    it('a shop and a customer named with &, <, > and quotes: the XMP stays well-formed and the Factur-X valid', async () => {
      const shop = 'Quincaillerie "Dupont & Fils" <Lyon>';
      const buyer = "L'Atelier <Bois> & Co \"Pro\"";
      const base = demoBaseData(5);
      base.company.name = shop;
      base.customers = base.customers.map((c) => (c.code === 'C0000001' ? { ...c, name: buyer } : c));
      await saveBaseData(t.db, base);
      const { files } = await produceInvoiceFiles(t, ['10001432', '10001434'], join(t.data, 'invoices'));
      expect(files.map((f) => [f.number, f.facturX, f.error ?? null])).toEqual([['10001432', true, null], ['10001434', false, null]]);
      for (const f of files) {
        expect(pdfaProblems(f.file, { facturX: f.facturX })).toEqual([]);
        const xmp = xmpPacket(f.file);
        expect(xmp).toContain('<rdf:li>Quincaillerie &quot;Dupont &amp; Fils&quot; &lt;Lyon&gt;</rdf:li>');
        // The info dictionary keeps the plain name (PDF/A: info and XMP say the same).
        expect(execFileSync('pdfinfo', [f.file], { encoding: 'utf8' })).toMatch(/Author:\s+Quincaillerie "Dupont & Fils" <Lyon>\n/);
      }
      const xml = extractFacturX(files[0].file);
      expect(xml).toContain('<ram:Name>L&apos;Atelier &lt;Bois&gt; &amp; Co &quot;Pro&quot;</ram:Name>');
      expect(checkFacturXProfile(xml)).toBeNull();
      const en = checkEn16931(xml);
      expect([en.xsd, en.messages]).toEqual([null, []]);
      expect(checkBrFr(xml).messages).toEqual([]);
    });

    it('the structural check does catch a PDF that is not PDF/A', async () => {
      const PDFDocument = (await import('pdfkit')).default;
      const doc = new PDFDocument();
      const chunks: Buffer[] = [];
      doc.on('data', (c: Buffer) => chunks.push(c));
      const done = new Promise((r) => doc.on('end', r));
      doc.text('Helvetica, not embedded');
      doc.end();
      await done;
      const f = join(t.data, 'plain.pdf');
      writeFileSync(f, Buffer.concat(chunks));
      const p = pdfaProblems(f, { facturX: true });
      expect(p).toEqual(expect.arrayContaining(['font not embedded: Helvetica', 'XMP: pdfaid:part is not 3', 'no embedded factur-x.xml']));
      // pdfkit alone copies the author into the XMP unescaped: the check sees the broken packet.
      const { pdfaOptions, embedStandardFonts } = await import('../exports/pdfa.ts');
      const raw = new PDFDocument({ ...pdfaOptions(), info: { Author: 'Dupont & Fils' } });
      embedStandardFonts(raw);
      const rawChunks: Buffer[] = [];
      raw.on('data', (c: Buffer) => rawChunks.push(c));
      const rawDone = new Promise((r) => raw.on('end', r));
      raw.text('Dupont & Fils');
      raw.end();
      await rawDone;
      writeFileSync(f, Buffer.concat(rawChunks));
      expect(pdfaProblems(f, { facturX: false })).toEqual([expect.stringMatching(/^XMP is not well-formed XML: /)]);
    });
  });
}
