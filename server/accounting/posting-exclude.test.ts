import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { TEST_ENGINES } from '../../test/support/test-databases.ts';
import { defaultConfig, writeServerConfig } from '../context.ts';
import { D } from '../../sync/money.ts';
import { at10, at20, openBooks, type Books } from '../../test/support/books.ts';
import { runPosting } from './posting-run.ts';
import { openItems } from './open-items.ts';
import { holdBack } from './posting-exclusion.ts';
import { doc, ticket } from '../../test/support/posting-fixtures.ts';

const D1 = '2026-11-02';
const D2 = '2026-11-03';

describe('holdBack (pure)', () => {
  it('holds back what pays or uses something left out, through same-day chains, and nothing else', () => {
    const f1 = doc('F1', '50.00', { customer: 'C0000001' });
    const f2 = doc('F2', '30.00', { customer: 'C0000002' });
    const tickets = [
      ticket({ number: 1, doc: f1, lines: ['VN 50.00'], payments: ['ACP 50.00 O-7'] }),
      ticket({ number: 2, doc: f2, lines: ['VN 30.00'], payments: ['CB 30.00'] }),
      ticket({ number: 3, customer: 'C0000001', settlements: ['invoice F1 10.00'], payments: ['ESP 10.00'] }),
      ticket({ number: 4, customer: 'C0000003', settlements: ['invoice F0 5.00'], payments: ['ESP 5.00'] }),
    ];
    const leftOut = new Set(['O-7']);
    const r = holdBack([f1, f2], tickets, leftOut);
    expect(r.heldBack).toEqual([
      { kind: 'document', id: 'F1', because: 'O-7' },
      { kind: 'ticket', id: 'S1-01-00000003', because: 'F1' },
    ]);
    expect(r.documents.map((d) => d.number)).toEqual(['F2']);
    expect(r.tickets.map((t) => t.number)).toEqual([2, 4]);
    expect([...leftOut].sort()).toEqual(['F1', 'O-7']);
    // Nothing left out: everything goes through untouched.
    const all = holdBack([f1, f2], tickets, new Set());
    expect(all.documents).toHaveLength(2);
    expect(all.tickets).toHaveLength(4);
  });
});

for (const engine of TEST_ENGINES) {
  describe(`posting with an exclusion list on ${engine}`, () => {
    let b: Books;
    afterEach(async () => b?.cleanup());

    const numberOf = async (customer: string, day = D1) => (await b.rows<{ number: string }>(`select number from documents where customer = '${customer}' and day = '${day}'`))[0].number;
    const postedDocs = async () => (await b.rows<{ number: string }>('select number from documents where posting_batch is not null order by number')).map((r) => r.number);
    const linesOf = async (number: string) => (await b.rows(`select id from entry_lines where document_number = '${number}' or letter_key = '${number}'`)).length;
    /** Σ documents posted = Σ customer debits of the sales entries in the books, checked from the database. */
    const booksTieOut = async () => {
      const docs = await b.rows<{ total_incl: string; kind: string }>('select total_incl, kind from documents where posting_batch is not null');
      const debits = await b.rows<{ debit: string; credit: string }>(
        "select l.debit, l.credit from entry_lines l join entries e on e.id = l.entry_id where e.kind = 'sales' and l.aux_account is not null",
      );
      const docSum = docs.reduce((a, d) => a.plus(d.kind === 'credit-note' ? new D(d.total_incl).abs().negated() : d.total_incl), new D(0));
      const cust = debits.reduce((a, l) => a.plus(l.debit).minus(l.credit), new D(0));
      const all = await b.rows<{ debit: string; credit: string }>('select debit, credit from entry_lines');
      return { docSum: docSum.toFixed(2), cust: cust.toFixed(2), balanced: all.reduce((a, l) => a.plus(l.debit).minus(l.credit), new D(0)).isZero() };
    };

    it('leaves one document out in every mode: its entries are absent, the rest posted, invariants hold; the next run posts exactly it', async () => {
      for (const [mode, grouping] of [['direct', 'customer'], ['direct', 'account'], ['classic', 'customer']] as const) {
        b = await openBooks(engine);
        await b.sell([
          { day: D1, customer: 'COMPTOIR', lines: [at20('159.90')], payments: [{ mode: 'CB' }] },
          { day: D1, customer: 'PASSAGE', lines: [at20('200.00')], payments: [{ mode: 'CB' }] },
          { day: D1, customer: 'C0000001', lines: [at20('48.00'), at10('11.00')], payments: [{ mode: 'ESP', amount: '20.00' }, { mode: 'CRED' }] },
          { day: D1, customer: 'C0000002', lines: [at20('13.46')], payments: [{ mode: 'CHQ' }] },
        ]);
        const out = await numberOf('PASSAGE');
        const first = await runPosting(b.db, b.data, { until: D1, mode, grouping, exclude: [out] });
        expect(first.errors).toEqual([]);
        expect(first.invariants.filter((c) => !c.ok)).toEqual([]);
        expect(first).toMatchObject({ documents: 3, excluded: { documents: 1, tickets: 0 }, heldBack: [] });
        expect(first.filters.exclude).toEqual([out]);
        expect(await linesOf(out)).toBe(0);
        expect(await postedDocs()).toEqual((await b.rows<{ number: string }>(`select number from documents where number <> '${out}' order by number`)).map((r) => r.number));
        expect(await b.rows(`select id from settlements where document_number = '${out}'`)).toEqual([]);
        const tie1 = await booksTieOut();
        expect(tie1).toEqual({ docSum: '232.36', cust: '232.36', balanced: true });
        // Cash, card and cheque received = treasury debits: 159.90 + 20.00 + 13.46 (the 200.00 left out).
        const treasury = await b.rows<{ debit: string }>("select debit from entry_lines where account in ('511000', '511200', '531000')");
        expect(treasury.reduce((a, l) => a.plus(l.debit), new D(0)).toFixed(2)).toBe('193.36');

        const second = await runPosting(b.db, b.data, { until: D1, mode, grouping });
        expect(second.invariants.filter((c) => !c.ok)).toEqual([]);
        expect(second).toMatchObject({ documents: 1, tickets: 1, excluded: { documents: 0, tickets: 0 } });
        const newLines = await b.rows<{ document_number: string | null; letter_key: string | null }>(`select l.document_number, l.letter_key from entry_lines l join entries e on e.id = l.entry_id where e.batch_id = ${second.batch}`);
        const named = new Set(newLines.map((l) => l.document_number).filter(Boolean));
        // By account, the document paid in full is lettered under the group's *TPV piece.
        expect([...named].every((n) => n === out || n!.startsWith('*TPV'))).toBe(true);
        expect(named.has(out)).toBe(true);
        expect((await postedDocs()).length).toBe(4);
        expect(await booksTieOut()).toEqual({ docSum: '432.36', cust: '432.36', balanced: true });
        // Lettering: every keyed line of the cash sales is fully lettered; only the credit part is owed.
        expect((await openItems(b.db, b.data)).totalOwed).toBe('39.00');
        expect((await runPosting(b.db, b.data, { until: D1, mode, grouping })).batch).toBeNull();
        await b.cleanup();
      }
    });

    it('refuses names it cannot leave out, in one error, and writes nothing', async () => {
      b = await openBooks(engine);
      const [sold] = await b.sell([
        { day: D1, customer: 'C0000001', lines: [at20('50.00')], payments: [{ mode: 'CB' }] },
        { day: D1, customer: 'C0000002', lines: [at20('60.00')], payments: [{ mode: 'CB' }] },
      ]);
      const f1 = await numberOf('C0000001');
      await expect(runPosting(b.db, b.data, { until: D1, exclude: [f1, 'F00000099', sold.id] })).rejects.toMatchObject({
        code: 'exclude-invalid',
        message: `cannot leave out: F00000099 is neither a document number nor a ticket id; ${sold.id} is a ticket of document ${f1} (leave out ${f1}); nothing was posted`,
      });
      expect(await b.rows("select id from batches where kind = 'posting'")).toEqual([]);
      expect(await b.rows('select id from entries')).toEqual([]);

      const p = await runPosting(b.db, b.data, { until: D1, exclude: [` ${f1}`, f1, ''] });
      expect(p.filters.exclude).toEqual([f1]);
      expect(p.documents).toBe(1);
      const f2 = await numberOf('C0000002');
      await expect(runPosting(b.db, b.data, { until: D1, exclude: [f2] })).rejects.toMatchObject({ code: 'exclude-invalid', message: expect.stringContaining(`${f2} is already posted (batch ${p.batch})`) });
      // Everything left out: nothing to post, and it says so.
      const none = await runPosting(b.db, b.data, { until: D1, exclude: [f1] });
      expect(none).toMatchObject({ batch: null, excluded: { documents: 1, tickets: 0 } });
      expect((await runPosting(b.db, b.data, { until: D1 })).documents).toBe(1);
    });

    it('a payment-only ticket left out stays unposted, its invoice stays open, the next run letters it', async () => {
      b = await openBooks(engine);
      await b.sell([{ day: D1, customer: 'C0000001', lines: [at20('248.69')], payments: [{ mode: 'CRED' }] }]);
      await runPosting(b.db, b.data, { until: D1 });
      const invoice = await numberOf('C0000001');
      const [pay] = await b.sell([{ day: D2, customer: 'C0000001', settlements: [{ kind: 'invoice', ref: invoice, amount: '100.69' }], payments: [{ mode: 'CB' }] }]);
      const skipped = await runPosting(b.db, b.data, { until: D2, exclude: [pay.id] });
      expect(skipped).toMatchObject({ batch: null, excluded: { documents: 0, tickets: 1 } });
      expect(await b.rows('select ticket_id from posted_tickets')).toEqual([]);
      expect((await openItems(b.db, b.data)).totalOwed).toBe('248.69');

      const later = await runPosting(b.db, b.data, { until: D2 });
      expect(later).toMatchObject({ paymentOnlyTickets: 1, documents: 0, lettering: { groups: 1, partial: 1 } });
      const report = await openItems(b.db, b.data, { customer: 'C0000001' });
      expect(report.customers[0].owed).toBe('148.00');
      expect(report.customers[0].effets.map((e) => `${e.state} ${e.open}`)).toEqual(['C10 148.00']);
    });

    it('holds back the payment of an invoice left out and the sale paid by a deposit left out; the next run posts them in order, effets right', async () => {
      b = await openBooks(engine);
      const day1 = await b.sell([
        { day: D1, customer: 'C0000001', lines: [at20('248.69')], payments: [{ mode: 'CRED' }] },
        { day: D1, customer: 'C0000002', settlements: [{ kind: 'deposit', ref: '10001651', amount: '100.00' }], payments: [{ mode: 'CB' }] },
        { day: D1, customer: 'C0000003', lines: [at20('10.00')], payments: [{ mode: 'ESP' }] },
      ]);
      const deposit = day1[1];
      const invoice = await numberOf('C0000001');
      const [pay] = await b.sell([
        { day: D2, customer: 'C0000001', settlements: [{ kind: 'invoice', ref: invoice, amount: '100.69' }], payments: [{ mode: 'CB' }] },
        { day: D2, customer: 'C0000002', lines: [at20('400.00')], payments: [{ mode: 'ACP', amount: '100.00', ref: '10001651' }, { mode: 'CB' }] },
      ]);
      const order = await numberOf('C0000002', D2);
      // One chunk per day and till: what is left out on day 1 holds back what relies on it on day 2.
      const first = await runPosting(b.db, b.data, { until: D2, exclude: [invoice, deposit.id] }, { chunkTickets: 1 });
      expect(first.invariants.filter((c) => !c.ok)).toEqual([]);
      expect(first.warnings).toEqual([]);
      expect(first).toMatchObject({ documents: 1, paymentOnlyTickets: 0, excluded: { documents: 1, tickets: 1 }, heldBackCount: 2 });
      expect(first.heldBack).toEqual([
        { kind: 'document', id: order, because: '10001651' },
        { kind: 'ticket', id: pay.id, because: invoice },
      ]);
      expect(await postedDocs()).toEqual([await numberOf('C0000003')]);
      // Nothing of the invoice nor the order is in the books yet: no line carries their keys.
      expect(await linesOf(invoice)).toBe(0);
      expect(await linesOf('10001651')).toBe(0);
      const logged = await b.rows<{ message: string }>("select message from log_book where channel = 'posting' and severity = 'info' and message like '% held back: %'");
      expect(logged.map((r) => r.message)).toEqual([
        `document ${order} held back: it relies on 10001651, left out of this run; the next run posts them in order`,
        `ticket ${pay.id} held back: it relies on ${invoice}, left out of this run; the next run posts them in order`,
      ]);

      const second = await runPosting(b.db, b.data, { until: D2 });
      expect(second.invariants.filter((c) => !c.ok)).toEqual([]);
      expect(second.warnings).toEqual([]);
      expect(second).toMatchObject({ documents: 2, paymentOnlyTickets: 2, heldBackCount: 0 });
      expect(await b.rows('select id from entry_lines where letter_key is not null and lettering_id is null')).toEqual([]);
      const report = await openItems(b.db, b.data);
      expect(report.customers.map((c) => [c.thirdParty, c.owed, c.deposits, c.effets.map((e) => `${e.state} ${e.open}`)])).toEqual([['C0000001', '148.00', '0.00', ['C10 148.00']]]);
    });

    it('tillsync server post --exclude, repeated and comma-separated, with --json; an unknown number exits with one line', async () => {
      b = await openBooks(engine);
      await b.sell([
        { day: D1, customer: 'C0000001', lines: [at20('10.00')] },
        { day: D1, customer: 'C0000002', lines: [at20('20.00')] },
        { day: D1, customer: 'C0000003', lines: [at20('30.00')] },
        { day: D1, customer: 'C0000004', lines: [at20('40.00')] },
      ]);
      writeServerConfig(b.data, { ...defaultConfig(b.data), db: b.url });
      const [f1, f2, f3] = [await numberOf('C0000001'), await numberOf('C0000002'), await numberOf('C0000003')];
      const cli = (args: string[]) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          execFile(process.execPath, ['bin/tillsync.mjs', ...args], { cwd: process.cwd() }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
        });
      const bad = await cli(['server', 'post', '--data', b.data, '--until', D1, '--exclude', f1, 'F00000099']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr.trim().split('\n')).toEqual([
        'tillsync: cannot leave out: F00000099 is neither a document number nor a ticket id; nothing was posted (give document numbers (F00000003) or payment-only ticket ids (S1-01-00000042) that are not posted yet)',
      ]);
      const ok = await cli(['--json', 'server', 'post', '--data', b.data, '--until', D1, '--exclude', f1, '--exclude', `${f2},${f3}`]);
      expect(ok.stderr).toBe('');
      const s = JSON.parse(ok.stdout);
      expect(s).toMatchObject({ documents: 1, excluded: { documents: 3, tickets: 0 }, filters: { exclude: [f1, f2, f3] } });
      expect(await postedDocs()).toEqual([await numberOf('C0000004')]);
      expect((await runPosting(b.db, b.data, { until: D1 })).documents).toBe(3);
    });
  });
}
