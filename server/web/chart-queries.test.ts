/**
 * The dashboard's chart figures from a real store (SQLite and PostgreSQL): sales per till and day
 * summed exactly, takings per payment mode, VAT per rate from the documents, degraded runs per till
 * (broken by a ticket sold online), packages per channel, and days with nothing sold at zero.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ENGINES } from '../../test/support/test-databases.ts';
import { at10, at20, openBooks, type Books } from '../../test/support/books.ts';
import { daysOf, defaultPeriod, loadCharts } from './chart-queries.ts';

for (const engine of TEST_ENGINES) {
  describe(`chart queries on ${engine}`, () => {
    let b: Books;
    beforeAll(async () => {
      b = await openBooks(engine);
      await b.sell([
        { till: '01', day: '2026-11-02', lines: [at20('10.10')], payments: [{ mode: 'ESP' }] },
        { till: '01', day: '2026-11-02', lines: [at20('0.20')], payments: [{ mode: 'CB' }] },
        { till: '01', day: '2026-11-04', lines: [at10('5.50')], payments: [{ mode: 'ESP', amount: '2.00' }, { mode: 'CB' }] },
        { till: '02', day: '2026-11-02', lines: [at20('100.00')], payments: [{ mode: 'CB' }] },
        { till: '02', day: '2026-11-02', lines: [at20('1.00')], payments: [{ mode: 'CB' }] },
        { till: '02', day: '2026-11-04', lines: [at20('2.00')], payments: [{ mode: 'CB' }] },
      ]);
      // Till 02 sold its first two tickets in degraded mode, the third one online.
      const t02 = await b.rows<{ id: string }>("select id from tickets where till = '02' order by number");
      await b.rows(`update tickets set degraded = 1 where id in ('${t02[0].id}', '${t02[1].id}')`);
      await b.db.insertInto('packages').values([
        { sha256: 'a', file_name: 'TicDeg02_1.zip', channel: 'lan', till_id: 'S1-02', kind: 'degraded', status: 'accepted', reason: null, ticket_count: 2, new_count: 2, duplicate_count: 0, conflict_count: 0, error_count: 0, received_at: '2026-11-03T08:00:00.000Z' },
        { sha256: 'b', file_name: 'TicDeg02_2.zip', channel: 'mail', till_id: 'S1-02', kind: 'degraded', status: 'accepted', reason: null, ticket_count: 1, new_count: 0, duplicate_count: 1, conflict_count: 0, error_count: 0, received_at: '2026-11-03T09:00:00.000Z' },
        { sha256: 'c', file_name: 'TicDep01_1.zip', channel: 'lan', till_id: 'S1-01', kind: 'untransferred', status: 'accepted', reason: null, ticket_count: 3, new_count: 3, duplicate_count: 0, conflict_count: 0, error_count: 0, received_at: '2026-11-04T10:00:00.000Z' },
        { sha256: 'd', file_name: 'old.zip', channel: 'lan', till_id: 'S1-01', kind: 'untransferred', status: 'accepted', reason: null, ticket_count: 9, new_count: 9, duplicate_count: 0, conflict_count: 0, error_count: 0, received_at: '2026-10-01T10:00:00.000Z' },
      ]).execute();
    });
    afterAll(async () => b?.cleanup());

    it('sums sales per till and day exactly, zero on days without a sale', async () => {
      const c = await loadCharts(b.db, { from: '2026-11-01', to: '2026-11-04' });
      expect(c.days).toEqual(['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04']);
      expect(c.salesPerTill).toEqual([
        { till: 'S1-01', perDay: ['0.00', '10.30', '0.00', '5.50'] },
        { till: 'S1-02', perDay: ['0.00', '101.00', '0.00', '2.00'] },
      ]);
    });

    it('adds the takings per payment mode from the tickets', async () => {
      const c = await loadCharts(b.db, { from: '2026-11-01', to: '2026-11-04' });
      expect(c.modes).toEqual([
        { mode: 'CB', amount: '106.70', count: 5 },
        { mode: 'ESP', amount: '12.10', count: 2 },
      ]);
    });

    it('adds the documents\' VAT per rate', async () => {
      const c = await loadCharts(b.db, { from: '2026-11-01', to: '2026-11-04' });
      const expected = await b.rows<{ rate: string; vat: string }>('select v.rate as rate, v.vat as vat from document_vat v');
      expect(c.vat.map((v) => v.rate)).toEqual([...new Set(expected.map((e) => e.rate))].sort((a, x) => Number(a) - Number(x)));
      for (const v of c.vat) {
        const total = expected.filter((e) => e.rate === v.rate).reduce((s, e) => s + Math.round(Number(e.vat) * 100), 0);
        expect(Math.round(Number(v.vat) * 100)).toBe(total);
      }
      expect(c.vat.length).toBe(2);
    });

    it('finds runs of degraded tickets per till, broken by a ticket sold online', async () => {
      const c = await loadCharts(b.db, { from: '2026-11-01', to: '2026-11-04' });
      const sold = await b.rows<{ number: number; sold_at: string }>("select number, sold_at from tickets where till = '02' order by number");
      expect(c.degraded).toEqual([{ till: 'S1-02', periods: [{ from: sold[0].sold_at, to: sold[1].sold_at, tickets: 2 }] }]);
      await b.rows(`update tickets set degraded = 1 where till = '02' and number = 3`);
      const again = await loadCharts(b.db, { from: '2026-11-01', to: '2026-11-04' });
      expect(again.degraded[0].periods).toEqual([{ from: sold[0].sold_at, to: sold[2].sold_at, tickets: 3 }]);
      await b.rows(`update tickets set degraded = 0 where till = '02' and number = 2`);
      const split = await loadCharts(b.db, { from: '2026-11-01', to: '2026-11-04' });
      expect(split.degraded[0].periods.map((p) => p.tickets)).toEqual([1, 1]);
    });

    it('counts packages per channel received since the period began', async () => {
      const c = await loadCharts(b.db, { from: '2026-11-01', to: '2026-11-04' });
      expect(c.channels).toEqual([
        { channel: 'lan', packages: 2, tickets: 5 },
        { channel: 'mail', packages: 1, tickets: 1 },
      ]);
    });

    it('shows the 30 days ending on the last day sold by default', async () => {
      expect(await defaultPeriod(b.db)).toEqual({ from: '2026-10-06', to: '2026-11-04' });
      expect(daysOf({ from: '2026-02-27', to: '2026-03-01' })).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
    });
  });
}
