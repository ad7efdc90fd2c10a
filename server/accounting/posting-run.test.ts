import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { dayLogPath } from '../log-book.ts';
import type { PostingResult } from './ledger-types.ts';
import { TEST_ENGINES } from '../../test/support/test-databases.ts';
import type { DbKind } from '../db/dialect.ts';
import { at10, at20, openBooks, type Books } from '../../test/support/books.ts';
import { runPosting } from './posting-run.ts';
import { runLettering } from './lettering-run.ts';
import { undoPosting } from './undo-posting.ts';
import { openItems } from './open-items.ts';
import { defaultMapping } from './default-mapping.ts';
import { mappingPath, writeMapping } from './mapping.ts';
import { D } from '../../sync/money.ts';

/** Runs posting with `fault` altering each chunk's result before the run writes it. */
function postWithFault(b: Books, until: string, fault: (r: PostingResult) => void) {
  return runPosting(b.db, b.data, { until }, { beforeWrite: fault });
}

/** The books as text: entries in order, lines with their lettering code (lower case when partial). */
async function ledger(b: Books, from = 0): Promise<string> {
  const rows = await b.rows<{ id: number; journal: string; piece: string; account: string; aux_account: string | null; debit: string; credit: string; letter_key: string | null; code: string | null; partial: number | null }>(
    `select e.id, e.journal, e.piece, l.account, l.aux_account, l.debit, l.credit, l.letter_key, g.code, g.partial
     from entries e join entry_lines l on l.entry_id = e.id left join letterings g on g.id = l.lettering_id
     where e.id > ${from} order by e.id, l.line_no`,
  );
  const out: string[] = [];
  let cur = -1;
  for (const r of rows) {
    if (Number(r.id) !== cur) {
      cur = Number(r.id);
      out.push(`${r.journal} ${r.piece}`);
    }
    const side = new D(r.debit).isZero() ? `C ${r.credit}` : `D ${r.debit}`;
    const code = r.code ? ` ${Number(r.partial) ? r.code.toLowerCase() : r.code}` : '';
    out.push(`  ${r.account}${r.aux_account ? `/${r.aux_account}` : ''} ${side}${r.letter_key ? ` #${r.letter_key}` : ''}${code}`);
  }
  return out.join('\n');
}

async function effets(b: Books): Promise<string[]> {
  const rows = await b.rows<{ kind: string; mode: string; state: string; document_number: string; amount: string; open_amount: string; closed_batch: number | null }>(
    'select kind, mode, state, document_number, amount, open_amount, closed_batch from settlements order by id',
  );
  return rows.map((r) => `${r.kind} ${r.mode} ${r.state} ${r.document_number} ${r.amount} open ${r.open_amount}${r.closed_batch ? ' closed' : ''}`);
}

const D1 = '2026-11-02';
const D2 = '2026-11-03';

for (const engine of TEST_ENGINES) {
  describe(`posting on ${engine}`, () => {
    let b: Books;
    const open = async (e: DbKind) => (b = await openBooks(e));
    afterEach(async () => b?.cleanup());

    it('seed lettering: 159.90 + 200.00 by account against one treasury line of 359.90', async () => {
      await open(engine);
      await b.sell([
        { day: D1, customer: 'COMPTOIR', lines: [at20('159.90')], payments: [{ mode: 'CB' }] },
        { day: D1, customer: 'PASSAGE', lines: [at20('200.00')], payments: [{ mode: 'CB' }] },
      ]);
      const s = await runPosting(b.db, b.data, { until: D1, grouping: 'account' });
      expect(s.errors).toEqual([]);
      expect(s.invariants.every((c) => c.ok)).toBe(true);
      expect(await ledger(b)).toBe(
        [
          '70 *TPV011',
          '  410000/0000002 D 159.90 #*TPV011 AAA',
          '  410000/0000002 D 200.00 #*TPV011 AAA',
          '  707000 C 299.92',
          '  445711 C 59.98',
          '30 *TPV011',
          '  511000 D 359.90',
          '  410000/0000002 C 359.90 #*TPV011 AAA',
        ].join('\n'),
      );
      const report = await openItems(b.db, b.data);
      expect(report.customers).toEqual([]);
    });

    it('partial settlement of an invoice: 248.69 paid 100.69 leaves 148.00 open; undo unletters; rerun is identical', async () => {
      await open(engine);
      await b.sell([{ day: D1, customer: 'C0000001', lines: [at20('248.69')], payments: [{ mode: 'CRED' }] }]);
      await runPosting(b.db, b.data, { until: D1 });
      const invoice = (await b.rows<{ number: string }>('select number from documents'))[0].number;
      expect(await effets(b)).toEqual([`receivable CRED C10 ${invoice} 248.69 open 248.69`]);
      const firstOpen = await openItems(b.db, b.data, { customer: 'C0000001' });
      expect(firstOpen.customers.map((c) => [c.thirdParty, c.owed])).toEqual([['C0000001', '248.69']]);

      await b.sell([{ day: D2, customer: 'C0000001', settlements: [{ kind: 'invoice', ref: invoice, amount: '100.69' }], payments: [{ mode: 'CB' }] }]);
      const before = await ledger(b);
      const s = await runPosting(b.db, b.data, { until: D2 });
      expect(s.paymentOnlyTickets).toBe(1);
      expect(s.lettering).toEqual({ groups: 1, partial: 1 });
      expect(await ledger(b)).toBe(
        [
          `70 ${invoice}`,
          `  411000/C0000001 D 248.69 #${invoice} aaa`,
          '  707000 C 207.24',
          '  445711 C 41.45',
          '30 TPV01-2',
          '  511000 D 100.69',
          `  411000/C0000001 C 100.69 #${invoice} aaa`,
        ].join('\n'),
      );
      expect(await effets(b)).toEqual([
        `receivable CRED C10 ${invoice} 248.69 open 248.69 closed`,
        `payment CB BPV ${invoice} 100.69 open 0.00`,
        `receivable CRED C10 ${invoice} 148.00 open 148.00`,
      ]);
      const after = await openItems(b.db, b.data, { customer: 'C0000001' });
      expect(after.customers[0].owed).toBe('148.00');
      expect(after.customers[0].lines).toEqual([{ account: '411000', key: invoice, date: D2, debit: '248.69', credit: '100.69', open: '148.00', lettering: 'AAA', partial: true }]);
      expect(after.customers[0].effets.map((e) => [e.state, e.open])).toEqual([['C10', '148.00']]);

      const u = await undoPosting(b.db, b.data, s.batch!);
      expect(u).toMatchObject({ batches: [s.batch], letterings: 1, settlements: 2, reopened: 1 });
      expect(await ledger(b)).toBe(before);
      expect(await effets(b)).toEqual([`receivable CRED C10 ${invoice} 248.69 open 248.69`]);
      expect((await b.rows('select * from posted_tickets')).length).toBe(0);

      const again = await runPosting(b.db, b.data, { until: D2 });
      expect(again.batch).toBeGreaterThan(s.batch!);
      expect(await ledger(b)).toContain(`  411000/C0000001 C 100.69 #${invoice} aaa`);
      expect((await openItems(b.db, b.data)).totalOwed).toBe('148.00');
      expect((await runPosting(b.db, b.data, { until: D2 })).batch).toBeNull();
    });

    it('deposit chain: 100.00 on order 10001651, 664.00 paid by voucher 100.00 and card 564.00 → nothing open, every line lettered', async () => {
      await open(engine);
      await b.sell([{ day: D1, customer: 'C0000002', settlements: [{ kind: 'deposit', ref: '10001651', amount: '100.00' }], payments: [{ mode: 'CB' }] }]);
      await runPosting(b.db, b.data, { until: D1 });
      expect(await effets(b)).toEqual(['deposit CB APV 10001651 100.00 open 100.00']);
      expect((await openItems(b.db, b.data)).customers.map((c) => [c.thirdParty, c.owed, c.deposits])).toEqual([['C0000002', '0.00', '100.00']]);

      await b.sell([{ day: D2, customer: 'C0000002', lines: [at20('400.00'), at10('264.00')], payments: [{ mode: 'ACP', amount: '100.00', ref: '10001651' }, { mode: 'CB' }] }]);
      const s = await runPosting(b.db, b.data, { until: D2 });
      expect(s.invariants.filter((c) => !c.ok)).toEqual([]);
      const unlettered = await b.rows('select id from entry_lines where letter_key is not null and lettering_id is null');
      expect(unlettered).toEqual([]);
      expect((await b.rows<{ n: number }>('select count(*) as n from letterings where partial = 1'))[0].n).toBe(0);
      expect((await b.rows<{ n: number }>('select count(*) as n from entry_lines where letter_key is not null'))[0].n).toBe(4);
      expect(await effets(b)).toEqual(['deposit CB APV 10001651 100.00 open 100.00 closed', `payment ACP APV F00000001 100.00 open 0.00`, 'payment CB BPV F00000001 564.00 open 0.00']);
      expect((await openItems(b.db, b.data)).customers).toEqual([]);
    });

    it('seed deposit as an invoice settlement: the order invoiced on credit, then settled by voucher and card', async () => {
      await open(engine);
      await b.sell([
        { day: D1, customer: 'C0000002', settlements: [{ kind: 'deposit', ref: '10001651', amount: '100.00' }], payments: [{ mode: 'ESP' }] },
        { day: D1, customer: 'C0000002', lines: [at20('664.00')], payments: [{ mode: 'CRED' }] },
      ]);
      await runPosting(b.db, b.data, { until: D1 });
      const invoice = (await b.rows<{ number: string }>('select number from documents'))[0].number;
      await b.sell([
        { day: D2, customer: 'C0000002', settlements: [{ kind: 'invoice', ref: invoice, amount: '664.00' }], payments: [{ mode: 'ACP', amount: '100.00', ref: '10001651' }, { mode: 'CB' }] },
      ]);
      await runPosting(b.db, b.data, { until: D2 });
      expect((await openItems(b.db, b.data)).customers).toEqual([]);
      expect(await b.rows('select id from entry_lines where letter_key is not null and lettering_id is null')).toEqual([]);
      const stillOpen = await b.rows<{ kind: string }>("select kind from settlements where closed_batch is null and open_amount <> '0.00'");
      expect(stillOpen).toEqual([]);
    });

    it('a partial lettering completed by a later batch keeps its code; undoing that batch restores the partial one', async () => {
      await open(engine);
      await b.sell([{ day: D1, customer: 'C0000004', lines: [at20('100.00')], payments: [{ mode: 'CB', amount: '40.00' }, { mode: 'CRED' }] }]);
      const p1 = await runPosting(b.db, b.data, { until: D1 });
      const before = await ledger(b);
      expect(before).toContain('#F00000001 aaa');
      const first = await b.rows<{ id: number; batch_id: number }>('select id, batch_id from letterings');
      await b.sell([{ day: D2, customer: 'C0000004', settlements: [{ kind: 'invoice', ref: 'F00000001', amount: '60.00' }], payments: [{ mode: 'ESP' }] }]);
      const p2 = await runPosting(b.db, b.data, { until: D2 });
      const after = await ledger(b);
      expect(after).not.toContain(' aaa');
      expect(after.match(/#F00000001 AAA/g)).toHaveLength(3);
      const rows = await b.rows<{ id: number; previous_id: number | null; superseded_batch: number | null; partial: number }>('select id, previous_id, superseded_batch, partial from letterings order by id');
      expect(rows.map((r) => [Number(r.partial), r.previous_id === null ? null : Number(r.previous_id), r.superseded_batch === null ? null : Number(r.superseded_batch)])).toEqual([
        [1, null, p2.batch],
        [0, Number(first[0].id), null],
      ]);
      expect((await openItems(b.db, b.data)).customers).toEqual([]);
      await undoPosting(b.db, b.data, p2.batch!);
      expect(await ledger(b)).toBe(before);
      expect(Number(first[0].batch_id)).toBe(p1.batch);
      expect((await openItems(b.db, b.data)).customers.map((c) => [c.owed, c.effets.map((e) => e.open)])).toEqual([['60.00', ['60.00']]]);
    });

    it('books kept at 4 decimals store 4-decimal amounts', async () => {
      await open(engine);
      const m = defaultMapping();
      m.rounding.decimals = 4;
      writeMapping(b.data, m);
      await b.sell([{ day: D1, lines: [at20('13.46')], payments: [{ mode: 'CB' }] }]);
      await runPosting(b.db, b.data, { until: D1 });
      expect(await ledger(b)).toContain('  707000 C 11.2167\n  445711 C 2.2433');
      expect((await b.rows<{ amount: string }>('select amount from settlements'))[0].amount).toBe('13.4600');
    });

    it('credit sale: unlettered sales entry and an open C10 receivable; a second lettering run changes nothing', async () => {
      await open(engine);
      await b.sell([{ day: D1, customer: 'C0000003', lines: [at20('120.00')], payments: [{ mode: 'CRED' }] }]);
      const s = await runPosting(b.db, b.data, { until: D1 });
      expect(s.entries).toBe(1);
      expect(await ledger(b)).toBe(['70 F00000001', '  411000/C0000003 D 120.00 #F00000001', '  707000 C 100.00', '  445711 C 20.00'].join('\n'));
      const l = await runLettering(b.db, b.data);
      expect(l).toMatchObject({ batch: null, keysExamined: 1 });
      const r = await openItems(b.db, b.data);
      expect(r.customers.map((c) => [c.thirdParty, c.owed, c.effets.map((e) => `${e.state} ${e.open}`)])).toEqual([['C0000003', '120.00', ['C10 120.00']]]);
    });

    it('both modes and both groupings on a mixed day: invariants hold, everything posted once', async () => {
      for (const [mode, grouping] of [['direct', 'customer'], ['direct', 'account'], ['classic', 'customer']] as const) {
        await open(engine);
        const sales: { till: string; day: string; customer: string; lines: { article: string; price: string; qty?: string }[]; payments: { mode: string }[] }[] = [];
        for (let i = 0; i < 30; i++) {
          const customer = ['COMPTOIR', 'PASSAGE', 'C0000001', 'C0000002'][i % 4];
          const till = i % 3 === 0 ? '02' : '01';
          const mode2 = ['ESP', 'CB', 'CHQ', 'CRED'][i % 4];
          sales.push({ till, day: i < 15 ? D1 : D2, customer, lines: [at20(`${10 + i}.${String(i).padStart(2, '0')}`), at10('3.35')], payments: [{ mode: mode2 }] });
        }
        sales.push({ till: '01', day: D2, customer: 'COMPTOIR', lines: [{ article: 'X20', qty: '-1', price: '12.00' }], payments: [{ mode: 'ESP' }] });
        await b.sell(sales);
        const s = await runPosting(b.db, b.data, { until: D2, mode, grouping });
        expect(s.errors).toEqual([]);
        expect(s.invariants.map((c) => [c.name, c.ok])).toEqual(s.invariants.map((c) => [c.name, true]));
        const docs = await b.rows<{ n: number; p: number }>('select count(*) as n, count(posting_batch) as p from documents');
        expect(Number(docs[0].p)).toBe(Number(docs[0].n));
        const sums = await b.rows<{ dr: string; cr: string }>('select debit as dr, credit as cr from entry_lines');
        const dr = sums.reduce((a, r) => a.plus(r.dr), new D(0));
        const cr = sums.reduce((a, r) => a.plus(r.cr), new D(0));
        expect(dr.eq(cr)).toBe(true);
        const pieces = (await b.rows<{ piece: string; kind: string }>('select piece, kind from entries')).map((r) => r.piece);
        if (grouping === 'account') expect(pieces.every((p) => p.startsWith('*TPV'))).toBe(true);
        if (mode === 'classic') expect(pieces.filter((p) => p.startsWith('TPV')).length).toBeGreaterThan(0);
        expect((await runPosting(b.db, b.data, { until: D2, mode, grouping })).batch).toBeNull();
        // Customers who paid in cash/card/cheque owe nothing: only the CRED sales are open.
        const owed = (await openItems(b.db, b.data)).totalOwed;
        const credit = sales.filter((x) => x.payments[0].mode === 'CRED').reduce((a, x) => a.plus(x.lines.reduce((s2, l) => s2.plus(new D(l.price).times(l.qty ?? '1')), new D(0))), new D(0));
        expect(owed).toBe(credit.toFixed(2));
        await b.cleanup();
      }
    });

    it('filters: tills and customers', async () => {
      await open(engine);
      await b.sell([
        { till: '01', day: D1, customer: 'COMPTOIR', lines: [at20('10.00')] },
        { till: '02', day: D1, customer: 'COMPTOIR', lines: [at20('20.00')] },
        { till: '01', day: D1, customer: 'C0000001', lines: [at20('30.00')] },
      ]);
      const s = await runPosting(b.db, b.data, { until: D1, tills: { from: '01', to: '01' }, customers: { from: 'COMPTOIR', to: 'COMPTOIR' } });
      expect(s.documents).toBe(1);
      expect((await b.rows<{ piece: string }>('select distinct piece from entries')).length).toBe(1);
      const rest = await runPosting(b.db, b.data, { until: D1 });
      expect(rest.documents).toBe(2);
    });

    it('a failing mapping check blocks posting, nothing is written', async () => {
      await open(engine);
      await b.sell([{ day: D1, lines: [at20('10.00')] }]);
      const m = defaultMapping();
      delete (m.vat as Record<string, unknown>).VN;
      m.paymentModes.CB.journal = 'XX';
      writeMapping(b.data, m);
      await expect(runPosting(b.db, b.data, { until: D1 })).rejects.toMatchObject({ code: 'config-invalid', message: expect.stringMatching(/not ready \(3 error\(s\)\)/) });
      expect(await b.rows('select id from entries')).toEqual([]);
      expect(await b.rows("select id from batches where kind = 'posting'")).toEqual([]);
      writeFileSync(mappingPath(b.data), '{ "version": 1, ');
      await expect(runPosting(b.db, b.data, { until: D1 })).rejects.toMatchObject({ code: 'config', message: expect.stringMatching(/accounting\.json: line 1, column 17: not valid JSON/) });
    });

    it('a broken invariant rolls the whole run back', async () => {
      await open(engine);
      await b.sell([{ day: D1, lines: [at20('483.60')], payments: [{ mode: 'CB' }] }]);
      await expect(
        postWithFault(b, D1, (r) => (r.result.entries[0].lines[1].amount = -4030100)),
      ).rejects.toMatchObject({ code: 'invariant-broken', message: expect.stringMatching(/entries balance/) });
      expect(await b.rows('select id from entries')).toEqual([]);
      expect(await b.rows('select id from settlements')).toEqual([]);
      expect(await b.rows('select id from documents where posting_batch is not null')).toEqual([]);
      expect((await b.rows<{ message: string }>("select message from log_book where channel = 'posting'"))[0].message).toMatch(/rolled back/);
      const ok = await runPosting(b.db, b.data, { until: D1 });
      expect(ok.documents).toBe(1);
    });

    it('a rolled-back run leaves no day-log line about work it did not do, only the rollback', async () => {
      await open(engine);
      await b.sell([{ day: D1, lines: [at20('483.60')], payments: [{ mode: 'CB' }] }]);
      const fault = (r: PostingResult) => {
        r.errors.push({ source: 'posting', message: 'ticket S1-01-00000009 left out (a note of the failed run)', ref: {} });
        r.result.entries[0].lines[1].amount = -4030100;
      };
      await expect(postWithFault(b, D1, fault)).rejects.toMatchObject({ code: 'invariant-broken' });
      const day = readFileSync(dayLogPath(b.data), 'utf8');
      expect(day).toMatch(/ERROR \[posting\] run rolled back, nothing written: posting rolled back, invariant broken/);
      expect(day).not.toContain('a note of the failed run');
      await runPosting(b.db, b.data, { until: D1 });
      expect(readFileSync(dayLogPath(b.data), 'utf8')).toMatch(/INFO \[posting\] .*1 document/);
    });

    it('undo: later batches go with the earlier one; refused once exported', async () => {
      await open(engine);
      await b.sell([{ day: D1, customer: 'C0000001', lines: [at20('50.00')], payments: [{ mode: 'CRED' }] }]);
      const p1 = await runPosting(b.db, b.data, { until: D1 });
      const invoice = (await b.rows<{ number: string }>('select number from documents'))[0].number;
      await b.sell([{ day: D2, customer: 'C0000001', settlements: [{ kind: 'invoice', ref: invoice, amount: '50.00' }], payments: [{ mode: 'CHQ' }] }]);
      const p2 = await runPosting(b.db, b.data, { until: D2 });
      expect(await ledger(b)).toContain(`#${invoice} AAA`);
      const u = await undoPosting(b.db, b.data, p1.batch!);
      expect(u.batches).toEqual([p2.batch, p1.batch]);
      expect(await b.rows('select id from entries')).toEqual([]);
      expect(await b.rows('select id from letterings')).toEqual([]);
      expect(await b.rows('select id from settlements')).toEqual([]);
      await expect(undoPosting(b.db, b.data, p1.batch!)).rejects.toMatchObject({ code: 'undo-refused' });

      const p3 = await runPosting(b.db, b.data, { until: D2 });
      await b.db.updateTable('entries').set({ export_id: 1 }).where('batch_id', '=', p3.batch!).execute();
      await expect(undoPosting(b.db, b.data, p3.batch!)).rejects.toMatchObject({ code: 'undo-refused', message: expect.stringMatching(/was exported/) });
      expect((await b.rows('select id from entries')).length).toBeGreaterThan(0);
    });
  });
}
