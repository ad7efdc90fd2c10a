/**
 * Back-office correction of a ticket's customer, on both engines: the ticket row never changes,
 * the correction is recorded and logged, integration groups by the corrected customer (inline and
 * in the check worker), the --customers filter follows it, refusals name the ticket, undo keeps it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES, openTestDb, type TestDb } from '../../test/support/test-databases.ts';
import { saveBaseData } from '../base-data.ts';
import { dayLogPath } from '../log-book.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import type { BaseData } from '../../sync/types.ts';
import { fmt, sum } from '../../sync/money.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { storeTickets, TicketBook } from '../../test/support/test-tickets.ts';
import { previewIntegration, runIntegration } from './integrate.ts';
import { undoIntegration } from './undo.ts';
import { clearTicketCustomer, describeOverrideOutcome, listOverrides, parseTicketIds, setTicketCustomer } from './ticket-overrides.ts';

const D1 = '2026-11-02';
const D2 = '2026-11-03';

for (const engine of TEST_ENGINES) {
  describe(`ticket customer corrections (${engine})`, () => {
    let t: TestDb;
    let base: BaseData;
    let book: TicketBook;
    let A: string[];
    beforeEach(async () => {
      t = await openTestDb(engine);
      base = demoBaseData();
      await saveBaseData(t.db, base);
      book = new TicketBook(base.articles);
      A = base.articles.filter((a) => a.vatCode === 'VN').slice(0, 3).map((a) => a.code);
    });
    afterEach(async () => t.cleanup());

    const ticketRows = () => t.db.selectFrom('tickets').select(['id', 'customer', 'content', 'hash', 'updated_at']).orderBy('id').execute();
    const docs = () => t.db.selectFrom('documents').select(['number', 'customer', 'day', 'till', 'ticket_count', 'total_incl']).orderBy('number').execute();
    const ticketDocs = async () => new Map((await t.db.selectFrom('tickets').select(['id', 'document_number']).execute()).map((r) => [r.id, r.document_number]));

    it('sets the customer of two counter tickets without touching the signed ticket rows, and logs it', async () => {
      const sold = [book.sell({ day: D1, lines: [{ article: A[0] }] }), book.sell({ day: D1, lines: [{ article: A[1] }] }), book.sell({ day: D1, lines: [{ article: A[2] }] })];
      await storeTickets(t.db, sold);
      const before = await ticketRows();

      const out = await setTicketCustomer(t.db, t.data, 'C0000003', { tickets: [sold[0].id, sold[1].id], by: 'alice', reason: 'forgot his card' });
      expect(out).toMatchObject({ customer: 'C0000003', customerName: 'Garage Leroy', unchanged: [], refused: [] });
      expect(out.changed).toEqual([
        { ticket: sold[0].id, from: 'COMPTOIR', to: 'C0000003', cleared: false },
        { ticket: sold[1].id, from: 'COMPTOIR', to: 'C0000003', cleared: false },
      ]);
      expect(describeOverrideOutcome(out)).toContain('2 ticket(s) set to C0000003 (Garage Leroy)');
      expect(await ticketRows()).toEqual(before);

      const list = await listOverrides(t.db);
      expect(list.map((o) => ({ ticket: o.ticket, soldTo: o.soldTo, customer: o.customer, previousCustomer: o.previousCustomer, setBy: o.setBy, reason: o.reason, document: o.document }))).toEqual([
        { ticket: sold[0].id, soldTo: 'COMPTOIR', customer: 'C0000003', previousCustomer: 'COMPTOIR', setBy: 'alice', reason: 'forgot his card', document: null },
        { ticket: sold[1].id, soldTo: 'COMPTOIR', customer: 'C0000003', previousCustomer: 'COMPTOIR', setBy: 'alice', reason: 'forgot his card', document: null },
      ]);
      const log = await t.db.selectFrom('log_book').select(['severity', 'channel', 'ticket', 'till', 'message']).orderBy('id').execute();
      expect(log.map((l) => [l.severity, l.channel, l.ticket, l.till])).toEqual([
        ['info', 'integration', sold[0].id, 'S1-01'],
        ['info', 'integration', sold[1].id, 'S1-01'],
      ]);
      expect(log[0].message).toBe(`back-office correction: customer of ticket ${sold[0].id} set to C0000003 (Garage Leroy), was COMPTOIR, by alice: forgot his card`);
      expect(existsSync(dayLogPath(t.data))).toBe(true);
      expect(readFileSync(dayLogPath(t.data), 'utf8')).toContain(`INFO [integration S1-01 ${sold[1].id}] back-office correction: customer of ticket ${sold[1].id} set to C0000003`);

      // Again: nothing to do, nothing logged. Then another customer: the previous one is kept.
      const again = await setTicketCustomer(t.db, t.data, 'C0000003', { tickets: [sold[0].id, sold[1].id], by: 'alice' });
      expect(again).toMatchObject({ changed: [], unchanged: [sold[0].id, sold[1].id], refused: [] });
      expect(await t.db.selectFrom('log_book').select('id').execute()).toHaveLength(2);
      await setTicketCustomer(t.db, t.data, 'C0000001', { tickets: [sold[0].id], by: 'bob' });
      expect((await listOverrides(t.db, { tickets: [sold[0].id] }))[0]).toMatchObject({ customer: 'C0000001', previousCustomer: 'C0000003', soldTo: 'COMPTOIR', setBy: 'bob', reason: null });
      expect(await ticketRows()).toEqual(before);
    });

    it('integrates the corrected tickets into a document for the new customer, per customer × day × till', async () => {
      const d1 = [0, 1, 2, 3].map((i) => book.sell({ day: D1, lines: [{ article: A[i % 3] }] }));
      const d2 = book.sell({ day: D2, lines: [{ article: A[0] }] });
      const other = book.sell({ till: '02', day: D1, lines: [{ article: A[1] }] });
      const already = book.sell({ day: D1, customer: 'C0000003', lines: [{ article: A[2] }] });
      await storeTickets(t.db, [...d1, d2, other, already]);
      await setTicketCustomer(t.db, t.data, 'C0000003', { tickets: [d1[0].id, d1[2].id, d2.id, other.id], by: 'alice' });

      // The preview (inline and in the worker thread) already shows the new customer.
      for (const checks of ['inline', 'worker'] as const) {
        const p = await previewIntegration(t.db, { until: D2 }, { checks });
        expect(p.errors).toEqual([]);
        expect(p.documents.map((d) => [d.till, d.day, d.customer, d.tickets])).toEqual([
          ['01', D1, 'C0000003', [d1[0].id, d1[2].id, already.id]],
          ['01', D1, 'COMPTOIR', [d1[1].id, d1[3].id]],
          ['01', D2, 'C0000003', [d2.id]],
          ['02', D1, 'C0000003', [other.id]],
        ]);
      }
      // The --customers filter goes by the corrected customer too.
      const onlyX = await previewIntegration(t.db, { until: D2, customers: { from: 'C0000003', to: 'C0000003' } });
      expect(onlyX.documents.flatMap((d) => d.tickets).sort()).toEqual([d1[0].id, d1[2].id, d2.id, other.id, already.id].sort());
      const onlyCounter = await previewIntegration(t.db, { until: D2, customers: { from: 'COMPTOIR', to: 'COMPTOIR' } });
      expect(onlyCounter.documents.flatMap((d) => d.tickets)).toEqual([d1[1].id, d1[3].id]);

      const r = await runIntegration(t.db, t.data, { until: D2 }, { checks: 'inline' });
      expect(r.errorCount).toBe(0);
      expect(r.documents).toBe(4);
      const made = await docs();
      expect(made.map((d) => [d.till, d.day, d.customer, Number(d.ticket_count)])).toEqual([
        ['01', D1, 'C0000003', 3],
        ['01', D1, 'COMPTOIR', 2],
        ['01', D2, 'C0000003', 1],
        ['02', D1, 'C0000003', 1],
      ]);
      expect(made[0].total_incl).toBe(fmt(sum([d1[0], d1[2], already].map((x) => x.totals.inclVat))));
      const placed = await ticketDocs();
      expect(placed.get(d1[0].id)).toBe(made[0].number);
      expect(placed.get(d1[2].id)).toBe(made[0].number);
      expect(placed.get(d1[1].id)).toBe(made[1].number);

      // Integrated: the correction cannot change any more, and the list says where it went.
      const late = await setTicketCustomer(t.db, t.data, 'C0000001', { tickets: [d1[0].id], by: 'alice' });
      expect(late.changed).toEqual([]);
      expect(late.refused).toEqual([{ ticket: d1[0].id, reason: `ticket ${d1[0].id} is already integrated (document ${made[0].number}, batch ${r.batch}): undo batch ${r.batch} first to change its customer` }]);
      expect((await clearTicketCustomer(t.db, t.data, { tickets: [d1[0].id], by: 'alice' })).refused).toHaveLength(1);
      expect((await listOverrides(t.db, { tickets: [d1[0].id] }))[0].document).toBe(made[0].number);
      expect(await listOverrides(t.db, { pending: true })).toEqual([]);

      // Undo keeps the corrections (they belong to the tickets): the run makes the same documents again.
      await undoIntegration(t.db, t.data, r.batch!);
      expect((await listOverrides(t.db, { pending: true })).map((o) => o.ticket)).toEqual([d1[0].id, d1[2].id, d2.id, other.id]);
      const again = await runIntegration(t.db, t.data, { until: D2 }, { checks: 'worker' });
      expect(again.documents).toBe(4);
      expect((await docs()).map((d) => [d.till, d.day, d.customer, Number(d.ticket_count)])).toEqual(made.map((d) => [d.till, d.day, d.customer, Number(d.ticket_count)]));
    });

    it('refuses unknown and withdrawn customers as a whole, and each ticket it cannot change with its reason', async () => {
      const plain = book.sell({ day: D1, lines: [{ article: A[0] }] });
      const paysInvoice = book.sell({ day: D1, lines: [{ article: A[1] }], settlements: [{ kind: 'invoice', ref: 'F00000007', amount: '10.00' }] });
      const deposit = book.sell({ day: D1, settlements: [{ kind: 'deposit', ref: '10001651', amount: '100.00' }], payments: [{ mode: 'CB' }] });
      const voucher = book.sell({ day: D1, lines: [{ article: A[2] }], payments: [{ mode: 'ACP', amount: '1.00', ref: '10001651' }, { mode: 'CB' }] });
      await storeTickets(t.db, [plain, paysInvoice, deposit, voucher]);

      await expect(setTicketCustomer(t.db, t.data, 'C9999999', { tickets: [plain.id], by: 'alice' })).rejects.toMatchObject({ code: 'unknown-customer', message: 'customer C9999999 is not in the base data' });
      await t.db.updateTable('base_items').set({ deleted: 1 }).where('kind', '=', 'customer').where('code', '=', 'C0000004').execute();
      const withdrawn = await setTicketCustomer(t.db, t.data, 'C0000004', { tickets: [plain.id], by: 'alice' }).catch((e) => e);
      expect(withdrawn).toBeInstanceOf(TillsyncError);
      expect(withdrawn).toMatchObject({ code: 'withdrawn-customer', message: 'customer C0000004 was withdrawn from the base data' });
      await expect(setTicketCustomer(t.db, t.data, 'C0000001', { tickets: [], by: 'alice' })).rejects.toMatchObject({ code: 'usage' });
      expect(await listOverrides(t.db)).toEqual([]);

      const out = await setTicketCustomer(t.db, t.data, 'C0000001', { tickets: [paysInvoice.id, 'S1-01-00009999', plain.id, deposit.id, voucher.id], by: 'alice' });
      expect(out.changed.map((c) => c.ticket)).toEqual([plain.id]);
      expect(out.refused).toEqual([
        { ticket: paysInvoice.id, reason: `ticket ${paysInvoice.id} pays invoice F00000007: an invoice settlement stays with the invoice's customer` },
        { ticket: 'S1-01-00009999', reason: 'ticket S1-01-00009999 does not exist on this server' },
        { ticket: deposit.id, reason: `ticket ${deposit.id} takes a deposit on order 10001651: a deposit stays with its order's customer` },
        { ticket: voucher.id, reason: `ticket ${voucher.id} uses the deposit of order 10001651 (ACP): a deposit voucher stays with its order's customer` },
      ]);
      expect(describeOverrideOutcome(out).split('\n')).toHaveLength(1 + 1 + 4);
      expect((await listOverrides(t.db)).map((o) => o.ticket)).toEqual([plain.id]);
      expect(await t.db.selectFrom('log_book').select('ticket').execute()).toEqual([{ ticket: plain.id }]);
    });

    it('clears a correction back to the ticket’s own customer; setting the own customer is the same', async () => {
      const a = book.sell({ day: D1, customer: 'C0000002', lines: [{ article: A[0] }] });
      const b = book.sell({ day: D1, customer: 'C0000002', lines: [{ article: A[1] }] });
      await storeTickets(t.db, [a, b]);
      await setTicketCustomer(t.db, t.data, 'COMPTOIR', { tickets: `${a.id},${b.id}`.split(' '), by: 'alice', reason: 'rung on the wrong customer' });
      expect((await listOverrides(t.db)).map((o) => [o.ticket, o.customer])).toEqual([
        [a.id, 'COMPTOIR'],
        [b.id, 'COMPTOIR'],
      ]);
      const cleared = await clearTicketCustomer(t.db, t.data, { tickets: [a.id], by: 'alice' });
      expect(cleared).toMatchObject({ customer: null, changed: [{ ticket: a.id, from: 'COMPTOIR', to: 'C0000002', cleared: true }], refused: [] });
      const own = await setTicketCustomer(t.db, t.data, 'C0000002', { tickets: [b.id], by: 'alice' });
      expect(own.changed).toEqual([{ ticket: b.id, from: 'COMPTOIR', to: 'C0000002', cleared: true }]);
      expect(await listOverrides(t.db)).toEqual([]);
      expect((await clearTicketCustomer(t.db, t.data, { tickets: [a.id], by: 'alice' })).unchanged).toEqual([a.id]);
      const log = await t.db.selectFrom('log_book').select('message').orderBy('id').execute();
      expect(log.map((l) => l.message)).toEqual([
        `back-office correction: customer of ticket ${a.id} set to COMPTOIR (Client comptoir), was C0000002, by alice: rung on the wrong customer`,
        `back-office correction: customer of ticket ${b.id} set to COMPTOIR (Client comptoir), was C0000002, by alice: rung on the wrong customer`,
        `back-office correction: ticket ${a.id} goes back to the customer it was sold to, C0000002 (was COMPTOIR), by alice`,
        `back-office correction: ticket ${b.id} goes back to the customer it was sold to, C0000002 (was COMPTOIR), by alice`,
      ]);
      const r = await runIntegration(t.db, t.data, { until: D1 });
      expect((await docs()).map((d) => [d.customer, Number(d.ticket_count)])).toEqual([['C0000002', 2]]);
      expect(r.errorCount).toBe(0);
    });

    it('a ticket sold to a customer unknown here is left out until the back office names a known one', async () => {
      const stray = book.sell({ day: D1, customer: 'C7777777', lines: [{ article: A[0] }] });
      await storeTickets(t.db, [stray]);
      const p = await previewIntegration(t.db, { until: D1 });
      expect(p.errors.map((e) => e.message)).toEqual([`ticket ${stray.id} left out of integration: unknown customer C7777777`]);
      await setTicketCustomer(t.db, t.data, 'C0000005', { tickets: [stray.id], by: 'alice' });
      const r = await runIntegration(t.db, t.data, { until: D1 });
      expect(r.errorCount).toBe(0);
      expect((await docs()).map((d) => d.customer)).toEqual(['C0000005']);
    });
  });
}

describe('parseTicketIds', () => {
  it('takes ids repeated or comma-separated, once each', () => {
    expect(parseTicketIds(['S1-01-00000001,S1-01-00000002', ' S1-01-00000001 ', '', 'S1-02-00000003'])).toEqual(['S1-01-00000001', 'S1-01-00000002', 'S1-02-00000003']);
  });
});
