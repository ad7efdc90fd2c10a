import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { TEST_ENGINES } from '../../test/support/test-databases.ts';
import { openBooks, at20, type Books } from '../../test/support/books.ts';
import { importSales } from './sales-run.ts';
import { undoSales } from './sales-undo.ts';
import { importBank } from './bank-run.ts';
import { camt053v02 } from '../../fixtures/bank-statements.ts';

const serial = (iso: string) => (Date.parse(`${iso}T00:00:00Z`) - Date.UTC(1899, 11, 30)) / 86_400_000;

/** A "commandes-terminees" workbook as the FNAC seller space exports it, with what real files carry. */
async function fnacReport(file: string, orders: string[] = ['FN-1001', 'FN-1002', 'FN-1003']): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const recap = wb.addWorksheet('Récapitulatif');
  recap.addRow(['Export des commandes terminées']);
  recap.addRow(['Période', 'du 01/11/2026 au 04/11/2026']);
  const ws = wb.addWorksheet('Commandes');
  ws.addRow(['N° de commande', 'Date de commande', 'Nom du client', 'Email du client', 'Code postal', 'Pays', 'SKU vendeur', 'Libellé produit', 'Quantité', 'Prix unitaire TTC', 'Frais de port TTC', 'Commission TTC', 'Statut', 'Note interne']);
  ws.addRow([orders[0], serial('2026-11-02'), 'Hélène Müller-Çelik', 'helene@example.fr', '69003', 'France', 'LIV-001', 'Livre « Les Misérables »', 2, '12,50', '3,99', '4,80', 'Terminée', 'ok']);
  ws.addRow([orders[0], serial('2026-11-02'), 'Hélène Müller-Çelik', 'helene@example.fr', '69003', 'France', 'LIV-002', 'Carnet à spirale', 1, '5,00', '', '0,60', 'Terminée', '']);
  ws.addRow([orders[1], '03/11/2026', 'Jürgen Groß', 'jurgen@example.ch', '8001', 'Suisse', 'DVD-010', 'Coffret DVD', 1, '49,90', '9,90', '7,20', 'Terminée', '']);
  ws.addRow([orders[2], '03/11/2026', 'Zoë Dubois', '', '75011', 'FR', 'LIV-003', 'Agenda 2027', 1, '15,00', '0', '1,80', 'En cours', '']);
  ws.addRow(['FN-1004', '04/11/2026', 'Anaïs Le Gall', '', '29000', 'FR', 'LIV-004', 'Cahier', 3, '2,00', '', '', 'Terminée', '']);
  ws.mergeCells('C6:E6'); // a row the seller merged by hand
  ws.addRow(['Total', '', '', '', '', '', '', '', 7, '', '', '14,40', '', '']);
  await wb.xlsx.writeFile(file);
}

for (const engine of TEST_ENGINES) {
  describe(`marketplace reports on ${engine}`, () => {
    let b: Books;
    afterEach(async () => b?.cleanup());

    it('FNAC .xlsx: grid verdicts (other sheets, merged cells, totals, unpaid, unknown column), invoices in their own chain with VAT by country, commission as a purchase, nothing twice, batch undo', async () => {
      b = await openBooks(engine);
      const file = join(b.data, 'commandes-terminees-05-11-2026.xlsx');
      await fnacReport(file);

      const preview = await importSales(b.db, b.data, file, { source: 'fnac', preview: true, edits: { set: {}, edits: new Map([['Commandes!5', { status: 'Terminée' }]]), skip: new Set() } });
      expect(preview.sheet).toBe('Commandes');
      expect(preview.ignoredSheets).toEqual(['Récapitulatif']);
      expect(preview.unknownColumns).toEqual(['Note interne']);
      expect(preview.grid.map((l) => `${l.line} ${l.verdict}`)).toEqual(['2 import', '3 import', '4 import', '5 import', '6 error', '7 skip']);
      expect(preview.grid[4].message).toContain('merged cells C6:E6');
      expect(preview.grid[5].message).toBe('totals row');
      expect(preview.invoices.map((i) => `${i.order} ${i.customer} ${i.country} ${i.regime} ${i.rate} ${i.totalIncl} ${i.commission}`)).toEqual([
        'FN-1001 Hélène Müller-Çelik FR domestic 20 33.99 5.40',
        'FN-1002 Jürgen Groß CH export 0 59.80 7.20',
        'FN-1003 Zoë Dubois FR domestic 20 15.00 1.80',
      ]);
      expect(preview.invoices[1].mention).toContain('article 262 I du CGI');
      expect(await b.rows('select id from marketplace_invoices')).toEqual([]);

      // Without the edit, the order "En cours" stays unticked; the column action sets the country of every ticked line.
      const s = await importSales(b.db, b.data, file, { source: 'fnac', invoiceDate: '2026-11-05' });
      expect(s.grid.find((l) => l.line === 5)?.verdict).toBe('unticked');
      expect(s.invoices.map((i) => i.number)).toEqual(['FM0000001', 'FM0000002']);
      expect(s.write?.entries).toBe(4);
      const inv = await b.rows<{ number: string; sale_date: string; invoice_date: string; customer: string; total_incl: string; total_excl: string; total_vat: string; vat_mention: string | null }>('select number, sale_date, invoice_date, customer, total_incl, total_excl, total_vat, vat_mention from marketplace_invoices order by seq');
      expect(inv.map((i) => `${i.number} ${i.sale_date} ${i.invoice_date} ${i.customer} ${i.total_incl} = ${i.total_excl} + ${i.total_vat}${i.vat_mention ? ' exempt' : ''}`)).toEqual([
        'FM0000001 2026-11-02 2026-11-05 MP00001 33.99 = 28.33 + 5.66',
        'FM0000002 2026-11-03 2026-11-05 MP00002 59.80 = 59.80 + 0.00 exempt',
      ]);
      const lines = await b.rows<{ journal: string; account: string; aux_account: string | null; debit: string; credit: string }>(
        "select e.journal, l.account, l.aux_account, l.debit, l.credit from entries e join entry_lines l on l.entry_id = e.id where e.piece = 'FM0000001' order by e.id, l.line_no",
      );
      expect(lines.map((l) => `${l.journal} ${l.account}${l.aux_account ? `/${l.aux_account}` : ''} ${l.debit}/${l.credit}`)).toEqual([
        '70 411900/MP00001 33.99/0.00', '70 707100 0.00/28.33', '70 445711 0.00/5.66',
        'HA 622600 4.50/0.00', 'HA 445660 0.90/0.00', 'HA 401000/FNAC 0.00/5.40',
      ]);

      const again = await importSales(b.db, b.data, file, { source: 'fnac' });
      expect(again.batch).toBeNull();
      expect(again.counts.already).toBe(3);

      // A later report: its batch and the first are undone together, numbers given back.
      const file2 = join(b.data, 'commandes-terminees-06-11-2026.xlsx');
      await fnacReport(file2, ['FN-2001', 'FN-2002', 'FN-2003']);
      const s2 = await importSales(b.db, b.data, file2, { source: 'fnac', invoiceDate: '2026-11-06' });
      expect(s2.invoices.map((i) => i.number)).toEqual(['FM0000003', 'FM0000004']);
      expect(s2.invoices[0].customer).toBe('Hélène Müller-Çelik');
      expect((await b.rows('select code from marketplace_customers order by code')).length).toBe(2); // matched by e-mail, not created again
      const u = await undoSales(b.db, b.data, s.batch!);
      expect(u).toMatchObject({ batches: [s2.batch, s.batch], invoices: 4, released: { series: 'marketplace', first: 'FM0000001', last: 'FM0000004' } });
      expect(await b.rows('select id from marketplace_invoices')).toEqual([]);
      expect(Number((await b.rows<{ n: number }>("select count(*) as n from entries"))[0].n)).toBe(0);
      expect((await importSales(b.db, b.data, file, { source: 'fnac', invoiceDate: '2026-11-07' })).invoices.map((i) => i.number)).toEqual(['FM0000001', 'FM0000002']);
    });

    it('undo refused once an invoice was made later in the same numbering chain (the tills share it here)', async () => {
      b = await openBooks(engine);
      writeFileSync(join(b.data, 'imports.json'), JSON.stringify({ marketplace: { series: 'invoice', prefix: 'F', customerAccount: '411900', supplierAccount: '401000', commissionAccount: '622600', deductibleVatAccount: '445660', commissionVatRate: '20', homeCountry: 'FR', domesticRate: '20', oss: true, accounts: { domestic: { salesAccount: '707100', vatAccount: '445711' }, oss: { salesAccount: '707200', vatAccount: '445712' }, export: { salesAccount: '707300' } }, exportMention: 'Exonération de TVA, article 262 I du CGI' } }));
      const file = join(b.data, 'ventes.csv');
      writeFileSync(file, 'order;date;customer;country;product;qty;unit price;commission\nM-1;2026-11-02;Jan Kowalski;Allemagne;Livre;1;23,80;2,00\n');
      const s = await importSales(b.db, b.data, file, { source: 'generic', invoiceDate: '2026-11-02' });
      expect(s.invoices.map((i) => `${i.number} ${i.regime} ${i.rate}`)).toEqual(['F00000001 oss 19']);
      await b.sell([{ day: '2026-11-02', customer: 'C0000001', lines: [at20('10.00')], payments: [{ mode: 'CRED' }] }]);
      await expect(undoSales(b.db, b.data, s.batch!)).rejects.toThrow('invoice F00000002 was made later in the same numbering chain');
      expect((await b.rows('select number from marketplace_invoices')).length).toBe(1);
    });

    it('the payout on the bank statement letters a marketplace invoice by its number', async () => {
      b = await openBooks(engine);
      const file = join(b.data, 'ventes.csv');
      writeFileSync(file, 'order;date;customer;product;qty;unit price\nM-9;2026-11-02;Zoë Dubois;Agenda;1;15,00\n');
      await importSales(b.db, b.data, file, { source: 'generic', invoiceDate: '2026-11-02' });
      const stmt = join(b.data, 'releve.xml');
      writeFileSync(stmt, camt053v02('M', [{ id: 'S', iban: 'FR7630006000011234567890189', date: '2026-11-10', entries: [{ amount: '15.00', credit: true, date: '2026-11-10', ref: 'PAYOUT-1', txs: [{ amount: '15.00', name: 'FNAC DARTY PARTICIPATIONS', remittance: 'VERSEMENT FM0000001' }] }] }]));
      const bank = await importBank(b.db, b.data, stmt);
      expect(bank.grid[0].invoices).toEqual([{ invoice: 'FM0000001', customer: 'MP00001', amount: '15.00' }]);
      expect(bank.write?.lettering).toEqual({ groups: 1, partial: 0 });
    });
  });
}
