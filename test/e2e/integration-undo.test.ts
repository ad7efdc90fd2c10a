/**
 * Undo of integration batches (seed 004) on both engines: latest first, numbers released and
 * taken again, refused after a later document in the series or after posting.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES } from '../support/test-databases.ts';
import { runIntegration } from '../../server/integration/integrate.ts';
import { undoIntegration } from '../../server/integration/undo.ts';
import { formatNumber } from '../../server/integration/numbering.ts';
import { nowIso } from '../../server/db/dialect.ts';
import type { Ticket } from '../../sync/types.ts';
import { articleCodes, cli, integrityProblems, openIntegrationServer, type IntegrationServer } from './integration-fixture.ts';

const DAYS = ['2026-11-02', '2026-11-03', '2026-11-04'];

for (const engine of TEST_ENGINES) {
  describe(`integration undo (${engine})`, () => {
    let s: IntegrationServer;
    let tickets: Ticket[];
    beforeEach(async () => {
      s = await openIntegrationServer(engine);
      const A = articleCodes(s.base);
      tickets = [];
      for (const day of DAYS) {
        for (const customer of ['COMPTOIR', 'C0000002']) tickets.push(s.book.sell({ day, customer, lines: [{ article: A[0] }] }));
        tickets.push(s.book.sell({ day, customer: 'C0000002', lines: [{ article: A[1] }], payments: [{ mode: 'CPT' }] }));
        tickets.push(s.book.sell({ day, customer: 'C0000002', settlements: [{ kind: 'invoice', ref: 'F1', amount: '10.00' }], payments: [{ mode: 'ESP' }] }));
      }
      await s.store(tickets);
    });
    afterEach(async () => s.cleanup());

    /** One batch per day. */
    async function threeBatches(): Promise<number[]> {
      const out: number[] = [];
      for (const day of DAYS) out.push((await runIntegration(s.db, s.data, { until: day })).batch!);
      return out;
    }

    const pending = async () => (await s.db.selectFrom('tickets').select('id').where('integration_batch', 'is', null).orderBy('id').execute()).map((r) => r.id);

    it('undoes the latest batch: documents gone, numbers released and taken again, tickets pending with a new updated_at', async () => {
      const [, , b3] = await threeBatches();
      const before = await s.db.selectFrom('tickets').select(['id', 'updated_at']).where('integration_batch', '=', b3).execute();
      expect(before).toHaveLength(4);
      const u = await undoIntegration(s.db, s.data, b3);
      expect(u).toMatchObject({ batches: [b3], documents: 3, tickets: 4 });
      expect(u.released).toEqual({ invoice: { first: 'F00000005', last: 'F00000006', lastUsed: 4 }, 'delivery-note': { first: 'BL0000003', last: 'BL0000003', lastUsed: 2 } });
      expect(await pending()).toEqual(before.map((t) => t.id).sort());
      const after = await s.db.selectFrom('tickets').select(['id', 'updated_at', 'document_number']).where('id', 'in', before.map((t) => t.id)).execute();
      for (const t of after) {
        expect(t.document_number).toBeNull();
        expect(t.updated_at > before.find((b) => b.id === t.id)!.updated_at).toBe(true);
      }
      expect((await s.db.selectFrom('batches').select('status').where('id', '=', b3).executeTakeFirstOrThrow()).status).toBe('undone');
      expect(await s.db.selectFrom('documents').select('id').where('batch_id', '=', b3).execute()).toEqual([]);
      expect(await integrityProblems(s.db)).toEqual([]);
      // Run again: the same numbers are used again, nothing is skipped.
      const again = await runIntegration(s.db, s.data, { until: DAYS[2] });
      expect(again.series).toEqual({ invoice: { first: 'F00000005', last: 'F00000006', count: 2 }, 'delivery-note': { first: 'BL0000003', last: 'BL0000003', count: 1 } });
      expect(await integrityProblems(s.db)).toEqual([]);
      expect(await pending()).toEqual([]);
      const log = await s.db.selectFrom('log_book').select('message').where('severity', '=', 'info').execute();
      expect(log.some((l) => l.message.includes(`integration batch ${b3} undone`))).toBe(true);
    });

    it('undoing an earlier batch undoes every later one, latest first; an undone batch cannot be undone again', async () => {
      const [b1, b2, b3] = await threeBatches();
      const u = await undoIntegration(s.db, s.data, b2);
      expect(u.batches).toEqual([b3, b2]);
      expect(u.documents).toBe(6);
      expect(await s.db.selectFrom('number_series').select(['series', 'last_seq']).orderBy('series').execute()).toEqual([
        { series: 'credit-note', last_seq: 0 },
        { series: 'delivery-note', last_seq: 1 },
        { series: 'deposit-invoice', last_seq: 0 },
        { series: 'invoice', last_seq: 2 },
      ]);
      expect((await s.db.selectFrom('documents').select('batch_id').distinct().execute()).map((r) => Number(r.batch_id))).toEqual([b1]);
      await expect(undoIntegration(s.db, s.data, b3)).rejects.toThrow(`batch ${b3} is already undone`);
      expect(await integrityProblems(s.db)).toEqual([]);
    });

    it('is refused once a later document holds a number in the same series, and nothing changes', async () => {
      const [b1, b2] = await threeBatches();
      // Another producer of invoices (a manual invoice, as in the seed) takes the next number its own way.
      const manual = await s.db.insertInto('batches').values({ kind: 'manual', status: 'done', started_at: nowIso(), finished_at: nowIso(), params: '{}', summary: null }).returning('id').executeTakeFirstOrThrow();
      const last = (await s.db.selectFrom('number_series').select('last_seq').where('series', '=', 'invoice').executeTakeFirstOrThrow()).last_seq;
      await s.db.insertInto('documents').values({ number: formatNumber('invoice', last + 1), series: 'invoice', seq: last + 1, kind: 'invoice', store: 'S1', till: '01', customer: 'C0000002', day: DAYS[2], total_incl: '10.00', total_excl: '8.33', total_vat: '1.67', ticket_count: 0, first_ticket: 0, last_ticket: 0, batch_id: Number(manual.id), posting_batch: null, created_at: nowIso() }).execute();
      await s.db.updateTable('number_series').set({ last_seq: last + 1 }).where('series', '=', 'invoice').execute();
      const before = await s.db.selectFrom('documents').select('number').orderBy('number').execute();
      await expect(undoIntegration(s.db, s.data, b2)).rejects.toThrow(`batch ${b2} cannot be undone: document F00000007 was created after it in the same numbering series`);
      expect(await s.db.selectFrom('documents').select('number').orderBy('number').execute()).toEqual(before);
      // Through the CLI: one line, the reason, non-zero exit.
      const r = await cli(['server', 'undo', ...s.flags, '--batch', String(b1)]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`tillsync: batch ${b1} cannot be undone: document F00000007 was created after it in the same numbering series (batch ${manual.id}), and undoing would leave a hole in the numbers (only the latest documents of a series can be undone)`);
    });

    it('is refused once a payment-only ticket of the batches was posted', async () => {
      const [, b2, b3] = await threeBatches();
      const payment = await s.db.selectFrom('tickets').select('id').where('integration_batch', '=', b3).where('document_id', 'is', null).orderBy('id').executeTakeFirstOrThrow();
      await s.db.insertInto('posted_tickets').values({ ticket_id: payment.id, batch_id: 98 }).execute();
      await expect(undoIntegration(s.db, s.data, b2)).rejects.toThrow(`batch ${b3} cannot be undone: payment ticket ${payment.id} was posted (posting batch 98)`);
      expect(await pending()).toEqual([]);
    });

    it('is refused once a document of the batches was posted', async () => {
      const [, b2, b3] = await threeBatches();
      const doc = await s.db.selectFrom('documents').select(['id', 'number']).where('batch_id', '=', b3).orderBy('id').executeTakeFirstOrThrow();
      await s.db.updateTable('documents').set({ posting_batch: 99 }).where('id', '=', doc.id).execute();
      await expect(undoIntegration(s.db, s.data, b2)).rejects.toThrow(`batch ${b3} cannot be undone: document ${doc.number} was posted (posting batch 99)`);
      expect(await pending()).toEqual([]);
      await s.db.updateTable('documents').set({ posting_batch: null }).where('id', '=', doc.id).execute();
      const r = await cli(['--json', 'server', 'undo', ...s.flags, '--batch', String(b3)]);
      expect(r.code).toBe(0);
      expect(r.json).toMatchObject({ batches: [b3], documents: 3 });
      expect(await integrityProblems(s.db)).toEqual([]);
    });

    it('refuses unknown and non-integration batches with the reason', async () => {
      await threeBatches();
      await expect(undoIntegration(s.db, s.data, 999)).rejects.toThrow('there is no batch 999');
      const posting = await s.db.insertInto('batches').values({ kind: 'posting', status: 'done', started_at: nowIso(), finished_at: nowIso(), params: '{}', summary: null }).returning('id').executeTakeFirstOrThrow();
      await expect(undoIntegration(s.db, s.data, Number(posting.id))).rejects.toThrow(`batch ${posting.id} is a posting batch, not an integration batch`);
    });
  });
}
