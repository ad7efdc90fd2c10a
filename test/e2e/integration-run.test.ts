/**
 * Nightly integration end to end on both engines: tickets stored as intake stores them, the real
 * database, the CLI as a child process where the user would use it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES } from '../support/test-databases.ts';
import { saveBaseData } from '../../server/base-data.ts';
import { runIntegration, previewIntegration } from '../../server/integration/integrate.ts';
import { integrationStep } from '../../server/integration/nightly-step.ts';
import { localDay } from '../../server/integration/filters.ts';
import { readServerConfig } from '../../server/context.ts';
import { rehash } from '../support/test-tickets.ts';
import type { Ticket } from '../../sync/types.ts';
import { generateVolume } from '../../fixtures/volume.ts';
import { articleCodes, cli, integrityProblems, openIntegrationServer, type IntegrationServer } from './integration-fixture.ts';

const D1 = '2026-11-02';
const D2 = '2026-11-03';

for (const engine of TEST_ENGINES) {
  describe(`integration run (${engine})`, () => {
    let s: IntegrationServer;
    let A: string[];
    beforeEach(async () => {
      s = await openIntegrationServer(engine);
      A = articleCodes(s.base);
    });
    afterEach(async () => s.cleanup());

    /** Everything a run may touch, to prove a preview touched nothing. */
    async function fingerprint() {
      const tickets = await s.db.selectFrom('tickets').select(['id', 'document_id', 'document_number', 'integration_batch', 'updated_at']).orderBy('id').execute();
      return {
        tickets,
        documents: await s.db.selectFrom('documents').selectAll().execute(),
        vat: await s.db.selectFrom('document_vat').selectAll().execute(),
        series: await s.db.selectFrom('number_series').selectAll().orderBy('series').execute(),
        batches: await s.db.selectFrom('batches').selectAll().execute(),
        log: await s.db.selectFrom('log_book').selectAll().execute(),
      };
    }

    it('two customers × two days × two tills make 8 invoices, numbered without a gap, written back on every ticket', async () => {
      const tickets: Ticket[] = [];
      for (const day of [D1, D2]) for (const till of ['01', '02']) for (const customer of ['COMPTOIR', 'C0000002']) for (let i = 0; i < 3; i++) tickets.push(s.book.sell({ till, day, customer, lines: [{ article: A[i] }, { article: A[0], qty: '2' }] }));
      await s.store(tickets);
      const stored = new Map((await s.db.selectFrom('tickets').select(['id', 'updated_at']).execute()).map((t) => [t.id, t.updated_at]));
      const r = await runIntegration(s.db, s.data, { until: D2 });
      expect(r.batch).not.toBeNull();
      expect(r.documents).toBe(8);
      expect(r.series.invoice).toEqual({ first: 'F00000001', last: 'F00000008', count: 8 });
      const docs = await s.db.selectFrom('documents').selectAll().orderBy('seq').execute();
      expect(docs.map((d) => d.number)).toEqual(['F00000001', 'F00000002', 'F00000003', 'F00000004', 'F00000005', 'F00000006', 'F00000007', 'F00000008']);
      expect(new Set(docs.map((d) => `${d.customer} ${d.day} ${d.till}`)).size).toBe(8);
      const rows = await s.db.selectFrom('tickets').select(['id', 'document_id', 'document_number', 'integration_batch', 'updated_at']).execute();
      for (const t of rows) {
        const d = docs.find((x) => Number(x.id) === Number(t.document_id))!;
        expect(t.document_number).toBe(d.number);
        expect(Number(t.integration_batch)).toBe(r.batch);
        expect(t.updated_at > stored.get(t.id)!).toBe(true);
      }
      expect(await integrityProblems(s.db)).toEqual([]);
      const batch = await s.db.selectFrom('batches').selectAll().where('id', '=', r.batch!).executeTakeFirstOrThrow();
      expect(batch).toMatchObject({ kind: 'integration', status: 'done' });
      expect(JSON.parse(batch.summary!).documents).toBe(8);

      // Nothing new: nothing created, no batch.
      const again = await runIntegration(s.db, s.data, { until: D2 });
      expect(again.batch).toBeNull();
      expect(again.documents).toBe(0);
      expect(await s.db.selectFrom('batches').select('id').execute()).toHaveLength(1);
    });

    it('delivery notes, invoices and credit notes each take their own series', async () => {
      const onAccount = s.book.sell({ day: D1, customer: 'C0000001', lines: [{ article: A[0] }], payments: [{ mode: 'CPT' }] });
      const mixed = s.book.sell({ day: D1, customer: 'C0000001', lines: [{ article: A[1] }], payments: [{ mode: 'CPT', amount: '0.10' }, { mode: 'ESP' }] });
      const ret = s.book.sell({ day: D1, customer: 'C0000001', lines: [{ article: A[2], qty: '-1' }], payments: [{ mode: 'ESP' }] });
      const onAccount2 = s.book.sell({ day: D2, customer: 'C0000001', lines: [{ article: A[0] }], payments: [{ mode: 'CPT' }] });
      const deposit = s.book.sell({ day: D2, customer: 'C0000001', settlements: [{ kind: 'deposit', ref: '10001651', amount: '100.00' }], payments: [{ mode: 'CB' }] });
      await s.store([onAccount, mixed, ret, onAccount2, deposit]);
      const r = await runIntegration(s.db, s.data, { until: D2 });
      const docs = await s.db.selectFrom('documents').select(['number', 'kind', 'day', 'total_incl']).orderBy('id').execute();
      expect(docs.map((d) => [d.number, d.kind, d.day])).toEqual([
        ['F00000001', 'invoice', D1],
        ['BL0000001', 'delivery-note', D1],
        ['AV0000001', 'credit-note', D1],
        ['BL0000002', 'delivery-note', D2],
      ]);
      expect(docs[2].total_incl).toBe(ret.totals.inclVat);
      expect(docs[2].total_incl.startsWith('-')).toBe(true);
      const numberOf = async (t: Ticket) => (await s.db.selectFrom('tickets').select(['document_number', 'integration_batch', 'document_id']).where('id', '=', t.id).executeTakeFirstOrThrow());
      expect((await numberOf(onAccount)).document_number).toBe('BL0000001');
      expect((await numberOf(mixed)).document_number).toBe('F00000001');
      // The deposit ticket is integrated without a document: posting books its payment.
      expect(await numberOf(deposit)).toMatchObject({ document_number: null, document_id: null, integration_batch: r.batch });
      expect(r.stats.paymentOnly).toBe(1);
      expect(await integrityProblems(s.db)).toEqual([]);
      expect((await runIntegration(s.db, s.data, { until: D2 })).batch).toBeNull();
    });

    it('filters: until, tills, customers, ticket numbers and exclusions take exactly their tickets', async () => {
      const tickets: Ticket[] = [];
      for (const day of [D1, D2]) for (const till of ['01', '02', '03']) for (const customer of ['COMPTOIR', 'C0000001', 'C0000004']) tickets.push(s.book.sell({ till, day, customer, lines: [{ article: A[0] }] }));
      await s.store(tickets);
      const taken = async (f: Parameters<typeof runIntegration>[2]) => {
        const r = await runIntegration(s.db, s.data, f);
        return (await s.db.selectFrom('tickets').select('id').where('integration_batch', '=', r.batch ?? -1).orderBy('id').execute()).map((x) => x.id);
      };
      const done = new Set<string>();
      const ids = (pred: (t: Ticket) => boolean) => {
        const out = tickets.filter((t) => !done.has(t.id) && pred(t)).map((t) => t.id).sort();
        for (const id of out) done.add(id);
        return out;
      };
      expect(await taken({ until: D2, tills: { from: '03', to: '03' }, customers: { from: 'C0000004', to: 'C0000004' } })).toEqual(ids((t) => t.till === '03' && t.customer === 'C0000004'));
      expect(await taken({ until: D1, tickets: { from: 1, to: 2 } })).toEqual(ids((t) => t.day === D1 && t.number <= 2));
      const excluded = tickets.find((t) => t.till === '01' && t.customer === 'C0000004' && t.day === D1)!;
      expect(await taken({ until: D1, tills: { from: '01', to: '02' }, exclude: [excluded.id] })).toEqual(ids((t) => t.day === D1 && t.till <= '02' && t.id !== excluded.id));
      expect(await taken({ until: D1, customers: { from: 'C0000001', to: 'C0000009' } })).toEqual(ids((t) => t.day === D1 && t.customer !== 'COMPTOIR'));
      expect(done.has(excluded.id)).toBe(true);
      expect(await taken({ until: D2 })).toEqual(ids(() => true));
      expect(await s.db.selectFrom('tickets').select('id').where('document_id', 'is', null).execute()).toEqual([]);
      expect(await integrityProblems(s.db)).toEqual([]);
    });

    it('the counter customer alone from the command line, and the control grid writes nothing', async () => {
      const tickets = [
        s.book.sell({ day: D1, customer: 'COMPTOIR', lines: [{ article: A[0] }] }),
        s.book.sell({ day: D1, customer: 'C0000003', lines: [{ article: A[1] }] }),
        s.book.sell({ day: D1, customer: 'COMPTOIR', lines: [{ article: A[2] }, { article: A[0] }] }),
      ];
      await s.store(tickets);
      const before = await fingerprint();
      const grid = await cli(['server', 'integrate', ...s.flags, '--until', D1, '--customers', 'COMPTOIR', '--preview']);
      expect(grid.code).toBe(0);
      expect(grid.stdout).toContain('Control grid');
      expect(grid.stdout).toMatch(/F00000001 +invoice +COMPTOIR +2026-11-02 +till S1-01 +2 ticket\(s\)/);
      expect(grid.stdout).toContain('tickets 1, 3');
      const gridJson = await cli(['--json', 'server', 'integrate', ...s.flags, '--until', D1, '--customers', 'COMPTOIR', '--preview']);
      expect(gridJson.json.documents.map((d: { number: string; tickets: string[] }) => [d.number, d.tickets])).toEqual([['F00000001', [tickets[0].id, tickets[2].id]]]);
      expect(await fingerprint()).toEqual(before);

      const run = await cli(['--json', 'server', 'integrate', ...s.flags, '--until', D1, '--customers', 'COMPTOIR']);
      expect(run.code).toBe(0);
      expect(run.json.series.invoice).toEqual({ first: 'F00000001', last: 'F00000001', count: 1 });
      const pending = await s.db.selectFrom('tickets').select(['id', 'customer']).where('document_id', 'is', null).execute();
      expect(pending).toEqual([{ id: tickets[1].id, customer: 'C0000003' }]);

      const bad = await cli(['server', 'integrate', ...s.flags, '--until', '2026-13-45']);
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim().split('\n')).toEqual(['tillsync: --until 2026-13-45 is not a date (give it as YYYY-MM-DD, e.g. --until 2026-11-02, or today / yesterday)']);
    });

    it('a preview shows exactly what the run then creates', async () => {
      for (const till of ['01', '02']) for (const customer of ['COMPTOIR', 'C0000005']) s.book.sell({ till, day: D1, customer, lines: [{ article: A[0] }] });
      const tickets = [0, 1, 2, 3, 4, 5].map((i) => s.book.sell({ till: i % 2 ? '01' : '02', day: D1, customer: i % 3 ? 'COMPTOIR' : 'C0000005', lines: [{ article: A[i % 3] }], payments: [{ mode: i === 4 ? 'CPT' : 'CB' }] }));
      await s.store(tickets);
      const p = await previewIntegration(s.db, { until: D1 });
      await runIntegration(s.db, s.data, { until: D1 });
      const docs = await s.db.selectFrom('documents').selectAll().orderBy('id').execute();
      expect(docs.map((d) => [d.number, d.kind, d.customer, d.till, d.total_incl, d.ticket_count])).toEqual(p.documents.map((d) => [d.number, d.kind, d.customer, d.till, d.totals.inclVat, d.tickets.length]));
    });

    it('a bad ticket goes to the log book with its reason and is left out; after the fix a rerun takes exactly it', async () => {
      const good = [s.book.sell({ day: D1, customer: 'C0000001', lines: [{ article: A[0] }] })];
      const stranger = s.book.sell({ day: D1, customer: 'C0000042', lines: [{ article: A[1] }] });
      good.push(s.book.sell({ day: D1, customer: 'C0000001', lines: [{ article: A[2] }] }));
      const altered = s.book.sell({ day: D1, customer: 'C0000001', lines: [{ article: A[0] }] });
      good.push(s.book.sell({ day: D1, customer: 'C0000001', lines: [{ article: A[1] }] }));
      const wrongTotal = s.book.sell({ day: D1, customer: 'C0000001', lines: [{ article: A[0] }] });
      const broken = structuredClone(wrongTotal);
      broken.totals.due = '999.99';
      broken.payments[0].amount = '999.99';
      // Tampered with in the database after intake (intake itself refuses an altered ticket).
      await s.storeRaw([...good, stranger, { ...altered, customer: 'COMPTOIR' }, rehash(broken)]);
      const r = await runIntegration(s.db, s.data, { until: D1 });
      expect(r.stats).toMatchObject({ inDocuments: 3, leftOut: 3 });
      expect(r.errorCount).toBe(3);
      const log = await s.db.selectFrom('log_book').selectAll().where('severity', '=', 'error').orderBy('id').execute();
      expect(log.map((l) => l.ticket).sort()).toEqual([stranger.id, altered.id, wrongTotal.id].sort());
      expect(log.find((l) => l.ticket === stranger.id)!.message).toMatch(/left out of integration: unknown customer C0000042/);
      expect(log.find((l) => l.ticket === altered.id)!.message).toMatch(/does not match its hash/);
      expect(log.find((l) => l.ticket === wrongTotal.id)!.message).toMatch(/total due 999.99, expected/);
      for (const l of log) expect(l).toMatchObject({ channel: 'integration', till: 'S1-01' });

      await saveBaseData(s.db, { ...s.base, customers: [...s.base.customers, { code: 'C0000042', name: 'Nouveau client', account: '411000', thirdParty: 'C0000042' }] });
      const again = await runIntegration(s.db, s.data, { until: D1 });
      expect(again.stats).toMatchObject({ inDocuments: 1, leftOut: 2 });
      const taken = await s.db.selectFrom('tickets').select('id').where('integration_batch', '=', again.batch!).execute();
      expect(taken.map((t) => t.id)).toEqual([stranger.id]);
      expect(await integrityProblems(s.db)).toEqual([]);
    });

    it('checks made in a worker thread give the same documents and the same errors as inline', async () => {
      const tickets = [...generateVolume({ tills: 3, ticketsPerTill: 400, days: 2 })];
      tickets[10] = rehash({ ...tickets[10], customer: 'NOBODY' });
      await s.storeRaw(tickets);
      const inline = await previewIntegration(s.db, { until: '2026-12-31' }, { checks: 'inline' });
      const worker = await previewIntegration(s.db, { until: '2026-12-31' }, { checks: 'worker' });
      expect(worker).toEqual(inline);
      // Two workers taking every other till, and pages far smaller than a till: the same, in the same order.
      const twoWorkers = await previewIntegration(s.db, { until: '2026-12-31' }, { checks: 'worker', workers: 2, pageSize: 37 });
      expect(twoWorkers).toEqual(inline);
      const smallPages = await previewIntegration(s.db, { until: '2026-12-31' }, { checks: 'inline', pageSize: 37 });
      expect(smallPages).toEqual(inline);
      // The re-made ticket no longer matches what its successor chained to: both are left out.
      expect(inline.errors.map((e) => e.ref.ticket)).toEqual([tickets[10].id, tickets[11].id]);
      expect(inline.errors[1].message).toContain('chain break: previous hash does not match ticket 11');
      const run = await runIntegration(s.db, s.data, { until: '2026-12-31' }, { checks: 'worker', workers: 2, pageSize: 37 });
      expect(run.documents).toBe(inline.documents.length);
      expect(run.stats).toEqual(inline.stats);
      // Every ticket carries the number the control grid announced for its document.
      const placed = await s.db.selectFrom('tickets').select(['id', 'document_number']).where('document_number', 'is not', null).orderBy('id').execute();
      expect(placed).toEqual(inline.documents.flatMap((d) => d.tickets.map((id) => ({ id, document_number: d.number }))).sort((a, b) => (a.id < b.id ? -1 : 1)));
      expect(await integrityProblems(s.db)).toEqual([]);
    });

    it('the nightly step integrates up to yesterday', async () => {
      const now = new Date();
      const today = localDay(now);
      const yesterday = localDay(new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1));
      const old = s.book.sell({ day: yesterday, lines: [{ article: A[0] }] });
      const fresh = s.book.sell({ day: today, lines: [{ article: A[1] }] });
      await s.store([old, fresh]);
      const result = await integrationStep({ data: s.data, config: readServerConfig(s.data), db: s.db }, {});
      expect(result.step).toBe('integrate');
      const rows = await s.db.selectFrom('tickets').select(['id', 'document_number']).orderBy('id').execute();
      expect(rows).toEqual([
        { id: old.id, document_number: 'F00000001' },
        { id: fresh.id, document_number: null },
      ]);
    });
  });
}
