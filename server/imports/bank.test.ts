import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_ENGINES } from '../../test/support/test-databases.ts';
import { openBooks, at20, type Books } from '../../test/support/books.ts';
import { runPosting } from '../accounting/posting-run.ts';
import { openItems } from '../accounting/open-items.ts';
import { undoPosting } from '../accounting/undo-posting.ts';
import { importReceivables } from './receivables-run.ts';
import { importBank } from './bank-run.ts';
import { CAMT_SCHEMAS } from './camt.ts';
import { camt053v02, cfonbBalance, cfonbComplement, cfonbMovement } from '../../fixtures/bank-statements.ts';

const D1 = '2026-11-02';
const D2 = '2026-11-05';
const IBAN = 'FR7630006000011234567890189';

/** Four tillsync invoices on credit (F00000001…4) and the outside 10001434. */
async function openInvoices(b: Books): Promise<void> {
  await b.sell([
    { day: D1, customer: 'C0000001', lines: [at20('159.90')], payments: [{ mode: 'CRED' }] },
    { day: D1, customer: 'C0000002', lines: [at20('200.00')], payments: [{ mode: 'CRED' }] },
    { day: D1, customer: 'C0000003', lines: [at20('75.00')], payments: [{ mode: 'CRED' }] },
    { day: D1, customer: 'C0000004', lines: [at20('42.00')], payments: [{ mode: 'CRED' }] },
  ]);
  const p = await runPosting(b.db, b.data, { until: D1 });
  expect(p.errors).toEqual([]);
  writeFileSync(join(b.data, 'encours.csv'), 'customer;invoice;date;amount\nC0000001;10001434;2026-10-15;248,69\n');
  expect((await importReceivables(b.db, b.data, join(b.data, 'encours.csv'))).counts.import).toBe(1);
}

function statementFile(b: Books): string {
  const xml = camt053v02('MSG-2026-11-05', [
    {
      id: 'STMT-1105-A', iban: IBAN, date: D2,
      entries: [
        // Batch-booked: one credit of 359.90 for two transfers (the seed's 159.90 + 200.00).
        { amount: '359.90', credit: true, date: D2, ref: 'BQ-0001', txs: [{ amount: '159.90', name: 'DUPONT BATIMENT', remittance: 'FACTURE F00000001' }, { amount: '200.00', name: 'MARTIN ET FILS', remittance: 'Règlement F00000002 merci' }] },
        { amount: '12.50', credit: false, date: D2, ref: 'BQ-0002', txs: [{ amount: '12.50', remittance: 'FRAIS TENUE DE COMPTE' }] },
        { amount: '100.69', credit: true, date: D2, ref: 'BQ-0003', txs: [{ amount: '100.69', name: 'Dupont Bâtiment', remittance: 'acompte fact 10001434' }] },
        { amount: '10.00', credit: true, date: D2, ref: 'BQ-0004', status: 'PDNG', txs: [{ amount: '10.00', remittance: 'F00000004' }] },
      ],
    },
    {
      id: 'STMT-1105-B', iban: IBAN, date: D2,
      entries: [
        { amount: '75.00', credit: true, date: D2, ref: 'BQ-0005', txs: [{ amount: '75.00', name: 'GARAGE LEROY', remittance: 'VIREMENT' }] },
        { amount: '42.00', credit: true, date: D2, ref: 'BQ-0006', txs: [{ amount: '42.00', remittance: 'VIR SEPA' }] },
        { amount: '999.00', credit: true, date: D2, ref: 'BQ-0007', txs: [{ amount: '999.00', name: 'INCONNU SA', remittance: 'COMMANDE 77' }] },
      ],
    },
  ]);
  const file = join(b.data, 'releve.xml');
  writeFileSync(file, xml);
  return file;
}

for (const engine of TEST_ENGINES) {
  describe(`bank statements on ${engine}`, () => {
    let b: Books;
    afterEach(async () => b?.cleanup());

    it('camt.053 with two statements and a batch-booked entry: preview grid, rules in order, booked and lettered, twice changes nothing, undoable', async () => {
      b = await openBooks(engine);
      await openInvoices(b);
      const file = statementFile(b);
      // The file the test wrote is valid against the official schema on its own (not only through the importer).
      execFileSync('xmllint', ['--noout', '--nonet', '--schema', CAMT_SCHEMAS['camt.053.001.02'], file], { stdio: 'pipe' });

      const preview = await importBank(b.db, b.data, file, { preview: true });
      expect(preview.format).toBe('camt.053.001.02');
      expect(preview.statements.map((s) => `${s.id} ${s.transactions}`)).toEqual(['STMT-1105-A 4', 'STMT-1105-B 3']);
      expect(preview.grid.map((r) => `${r.side} ${r.amount} ${r.verdict} ${r.rule ?? '-'} ${r.invoices.map((i) => `${i.invoice}=${i.amount}`).join('+')}`)).toEqual([
        'C 159.90 import invoice-number F00000001=159.90',
        'C 200.00 import invoice-number F00000002=200.00',
        'D 12.50 skip - ',
        'C 100.69 import invoice-number 10001434=100.69',
        'C 75.00 import customer-amount F00000003=75.00',
        'C 42.00 import amount-date F00000004=42.00',
        'C 999.00 unmatched - ',
      ]);
      expect(preview.batch).toBeNull();
      expect(await b.rows("select id from entries where journal = '30' and kind = 'treasury'")).toEqual([]);

      const s = await importBank(b.db, b.data, file);
      expect(s.counts).toMatchObject({ import: 5, unmatched: 1, skip: 1, already: 0 });
      expect(s.booked).toBe('577.59');
      expect(s.write?.lettering).toEqual({ groups: 5, partial: 1 });
      const lines = await b.rows<{ piece: string; account: string; aux_account: string | null; debit: string; credit: string; letter_key: string | null }>(
        "select e.piece, l.account, l.aux_account, l.debit, l.credit, l.letter_key from entries e join entry_lines l on l.entry_id = e.id where e.batch_id = " + s.batch + ' order by e.id, l.line_no',
      );
      expect(lines.slice(0, 2).map((l) => `${l.piece} ${l.account}${l.aux_account ? `/${l.aux_account}` : ''} D${l.debit} C${l.credit} ${l.letter_key ?? ''}`)).toEqual(['BQ-0001 512000 D159.90 C0.00 ', 'BQ-0001 411000/C0000001 D0.00 C159.90 F00000001']);

      const open = await openItems(b.db, b.data);
      expect(open.customers.map((c) => `${c.thirdParty} ${c.owed}`)).toEqual(['C0000001 148.00']);
      const effets = await b.rows<{ document_number: string; open_amount: string }>("select document_number, open_amount from settlements where kind = 'receivable' and closed_batch is null order by id");
      expect(effets.map((e) => `${e.document_number} ${e.open_amount}`)).toEqual(['10001434 148.00']);

      const count = async () => Number((await b.rows<{ n: number }>('select (select count(*) from entries) + (select count(*) from letterings) + (select count(*) from settlements) as n'))[0].n);
      const n = await count();
      const again = await importBank(b.db, b.data, file);
      expect(again.batch).toBeNull();
      expect(again.counts).toMatchObject({ import: 0, already: 5, unmatched: 1 });
      expect(await count()).toBe(n);

      await undoPosting(b.db, b.data, s.batch!);
      expect((await openItems(b.db, b.data)).totalOwed).toBe('725.59');
      expect((await importBank(b.db, b.data, file, { skip: [s.grid[0].line] })).counts).toMatchObject({ import: 4, unticked: 1 });
    });

    it('a camt.053 that breaks the schema is refused with the schema error, nothing written', async () => {
      b = await openBooks(engine);
      const file = join(b.data, 'bad.xml');
      writeFileSync(file, camt053v02('M1', [{ id: 'S1', iban: IBAN, date: D2, entries: [{ amount: '1.00', credit: true, date: D2, ref: 'R', txs: [{ amount: '1.00' }] }] }]).replace(/<BkTxCd>.*?<\/BkTxCd>/, '').replace('<Sts>BOOK</Sts>', '<Sts>DONE</Sts>'));
      await expect(importBank(b.db, b.data, file)).rejects.toThrow(/does not follow the camt\.053\.001\.02 schema: line \d+: .*Sts/);
    });

    it('CFONB 120: credits matched (payer from the NPY complement), debits skipped, an unreadable record named by its line', async () => {
      b = await openBooks(engine);
      await openInvoices(b);
      const acct = { bank: '30006', branch: '00001', account: '12345678901' };
      const records = [
        cfonbBalance('01', acct, '2026-11-04', '1000.00'),
        cfonbMovement(acct, { date: D2, label: 'VIR SEPA GARAGE LEROY', entry: '1', amount: '75.00', reference: 'REF0000001' }),
        cfonbComplement(acct, D2, 'NPY', 'GARAGE LEROY'),
        cfonbComplement(acct, D2, 'LIB', 'PAIEMENT COMMANDE'),
        cfonbMovement(acct, { date: D2, label: 'PRLV EDF', entry: '2', amount: '-80.15', reference: 'REF0000002' }),
        cfonbMovement(acct, { date: D2, label: 'VIR DUPONT', entry: '3', amount: '159.90', reference: 'F00000001' }),
        cfonbMovement(acct, { date: D2, label: 'VIR ???', entry: '4', amount: '1.00', reference: 'X' }).slice(0, 90) + 'XXXXXXXXXXXXXX' + ' '.repeat(16),
        cfonbBalance('07', acct, D2, '1154.75'),
      ];
      for (const r of records) expect(r).toHaveLength(120);
      const file = join(b.data, 'releve.cfonb');
      writeFileSync(file, `${records.join('\r\n')}\r\n`, 'latin1');
      const s = await importBank(b.db, b.data, file);
      expect(s.format).toBe('cfonb120');
      expect(s.grid.map((r) => `${r.line} ${r.side} ${r.amount} ${r.verdict} ${r.rule ?? '-'} ${r.invoices.map((i) => i.invoice).join('+')}`)).toEqual([
        '2 C 75.00 import customer-amount F00000003',
        '5 D 80.15 skip - ',
        '6 C 159.90 import invoice-number F00000001',
      ]);
      expect(s.problems).toEqual([{ line: 7, message: 'movement without a readable amount "XXXXXXXXXXXXXX"' }]);
      expect((await importBank(b.db, b.data, file)).counts).toMatchObject({ import: 0, already: 2 });
    });
  });
}
