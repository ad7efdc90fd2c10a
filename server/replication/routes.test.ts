import { afterEach, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { openTestDb, TEST_ENGINES, type TestDb } from '../../test/support/test-databases.ts';
import { defaultConfig, type ServerContext } from '../context.ts';
import { createApp } from '../app.ts';
import { enrolSigningTill, type SigningTill } from '../../test/support/signing-till.ts';
import { serverRequest } from '../../sync/transports/server-http.ts';
import { signTicketPage } from '../../sync/ticket-page.ts';
import type { Ticket } from '../../sync/types.ts';
import { saveBaseData } from '../base-data.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { API, pullQuery, type BaseItem, type Checkpoint, type PullResponse, type TicketAck, type TicketsPushResponse } from '../../sync/replication-protocol.ts';
import type { Closure } from '../../sync/types.ts';
import { withBooksLock } from '../db/books-lock.ts';

for (const engine of TEST_ENGINES) {
  describe(`replication endpoints on ${engine}`, () => {
    let t: TestDb;
    let http: Server;
    afterEach(async () => {
      await new Promise<void>((r) => http?.close(() => r()));
      await t?.cleanup();
    });

    async function setUp(ackSettleMs = 0) {
      t = await openTestDb(engine);
      const ctx: ServerContext = { data: t.data, config: defaultConfig(t.data), db: t.db };
      const { app, closures } = createApp(ctx, { inbox: `${t.data}/inbox`, onInternalError: () => undefined, ackSettleMs });
      http = await new Promise<Server>((r) => {
        const s = app.listen(0, '127.0.0.1', () => r(s));
      });
      const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      const s1 = { id: 'S1-01', ...(await enrolSigningTill(t.db, t.data, 'S1', '01')) };
      const s2 = { id: 'S1-02', ...(await enrolSigningTill(t.db, t.data, 'S1', '02')) };
      // Requests signed with the till's auth secret (sync/request-auth.ts), as the till sends them.
      const call = async <T>(till: SigningTill & { id: string }, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> => {
        const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
        const res = await serverRequest({ url: base }, { method, path, body: text, headers: { 'content-type': 'application/json' }, timeoutMs: 15_000, credentials: { till: till.id, authSecret: till.secret } });
        return { status: res.status, body: JSON.parse(res.text) as T };
      };
      return { ctx, base, s1, s2, call, closures };
    }

    /** A page of tickets as the till pushes it: signed with its key. */
    const page = (till: SigningTill & { id: string }, tickets: Ticket[]) => ({ tickets, signature: signTicketPage(till.key, till.id, tickets) });

    it('pushes tickets through intake and pages acknowledgements, later with document numbers, per till', async () => {
      const { s1, s2, call } = await setUp();
      const t1 = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 5, seed: 8 })];
      const t2 = [...generateTillTickets('02', { tills: 1, ticketsPerTill: 2, seed: 8 })];
      const push = await call<TicketsPushResponse>(s1, 'POST', API.ticketsPush, page(s1, [...t1, t2[0]]));
      expect(push.status).toBe(200);
      expect(push.body.accepted).toEqual(t1.map((x) => x.id));
      expect(push.body.rejected).toEqual([{ id: t2[0].id, reason: expect.stringContaining('sent as till S1-01') }]);
      expect((await call<TicketsPushResponse>(s2, 'POST', API.ticketsPush, page(s2, t2))).body.accepted).toHaveLength(2);

      const seen: TicketAck[] = [];
      let cp: Checkpoint | null = null;
      for (let i = 0; i < 5; i++) {
        const got: { status: number; body: PullResponse<TicketAck> } = await call<PullResponse<TicketAck>>(s1, 'GET', API.acksPull + pullQuery(cp, 2));
        expect(got.status).toBe(200);
        if (got.body.documents.length === 0) {
          expect(got.body.checkpoint).toEqual(cp);
          break;
        }
        seen.push(...got.body.documents);
        cp = got.body.checkpoint;
      }
      expect(seen.map((a) => a.id).sort()).toEqual(t1.map((x) => x.id));
      expect(seen.every((a) => a.documentNumber === null && a.acknowledgedAt)).toBe(true);

      // Integration writes a document number back and bumps updated_at: the next pull brings it.
      await new Promise((r) => setTimeout(r, 10));
      await t.db.updateTable('tickets').set({ document_number: 'F00000042', updated_at: new Date().toISOString() }).where('id', '=', t1[3].id).execute();
      await new Promise((r) => setTimeout(r, 10));
      const next = await call<PullResponse<TicketAck>>(s1, 'GET', API.acksPull + pullQuery(cp, 100));
      expect(next.body.documents).toEqual([expect.objectContaining({ id: t1[3].id, documentNumber: 'F00000042' })]);
    });

    // PostgreSQL only: SQLite has one writer at a time and holds nothing back.
    if (engine === 'postgres') it('holds acks back while integration writes back, and for the settle time after a stamp', async () => {
      // A settle time long enough that the first pull lands inside it even on a loaded machine.
      const { s1, call } = await setUp(3000);
      const ts = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 2, seed: 9 })];
      await call(s1, 'POST', API.ticketsPush, page(s1, ts));
      expect((await call<PullResponse<TicketAck>>(s1, 'GET', API.acksPull + pullQuery(null, 10))).body).toEqual({ documents: [], checkpoint: null });
      await new Promise((r) => setTimeout(r, 3100));
      const settled = await call<PullResponse<TicketAck>>(s1, 'GET', API.acksPull + pullQuery(null, 10));
      expect(settled.body.documents.map((d) => d.id)).toEqual(ts.map((x) => x.id));
      // An integration run in progress (its own lock, as integrate/undo/posting take it): nothing is served.
      let during: PullResponse<TicketAck> | null = null;
      await withBooksLock(t.db, async () => {
        during = (await call<PullResponse<TicketAck>>(s1, 'GET', API.acksPull + pullQuery(null, 10))).body;
      });
      expect(during).toEqual({ documents: [], checkpoint: null });
      expect((await call<PullResponse<TicketAck>>(s1, 'GET', API.acksPull + pullQuery(null, 10))).body.documents).toHaveLength(2);
    });

    it('pages base data by (updatedAt, id) without loss or repeat, then only what changed', async () => {
      const { s1, call } = await setUp();
      await saveBaseData(t.db, demoBaseData(120), '2026-11-01T00:00:00.000Z');
      const total = Number((await t.db.selectFrom('base_items').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const ids: string[] = [];
      let cp: Checkpoint | null = null;
      for (;;) {
        const got: { body: PullResponse<BaseItem> } = await call<PullResponse<BaseItem>>(s1, 'GET', API.basePull + pullQuery(cp, 25));
        if (!got.body.documents.length) break;
        ids.push(...got.body.documents.map((d) => d.id));
        cp = got.body.checkpoint;
      }
      expect(ids).toHaveLength(total);
      expect(new Set(ids).size).toBe(total);
      const base = demoBaseData(120);
      base.articles[7] = { ...base.articles[7], price: '99.99' };
      await saveBaseData(t.db, base, '2026-11-02T00:00:00.000Z');
      const changed = await call<PullResponse<BaseItem>>(s1, 'GET', API.basePull + pullQuery(cp, 25));
      expect(changed.body.documents.map((d) => [d.id, JSON.parse(d.content).price, d.deleted])).toEqual([[`article:${base.articles[7].code}`, '99.99', false]]);
    });

    it('stores a pushed closure once, refuses another till\'s, and answers errors in one JSON shape', async () => {
      const { s1, base, call, closures } = await setUp();
      const z: Closure = { id: 'S1-01-Z0001', store: 'S1', till: '01', seq: 1, closedAt: '2026-11-02T19:00:00.000Z', day: '2026-11-02', firstNumber: 1, lastNumber: 5, ticketCount: 5, byVat: [], byMode: [], total: '10.00', grandTotal: '10.00', hash: 'h' };
      expect((await call<{ accepted: string[] }>(s1, 'POST', API.closuresPush, { closures: [z] })).body).toEqual({ accepted: [z.id] });
      expect((await call<{ accepted: string[] }>(s1, 'POST', API.closuresPush, { closures: [z] })).body).toEqual({ accepted: [z.id] });
      await closures.idle();
      expect(await t.db.selectFrom('closures').select(['id', 'day']).execute()).toEqual([{ id: z.id, day: z.day }]);
      const other = await call<{ error: { code: string } }>(s1, 'POST', API.closuresPush, { closures: [{ ...z, id: 'S1-02-Z0001', till: '02' }] });
      expect([other.status, other.body.error.code]).toEqual([403, 'wrong-till']);
      const badJson = await call<{ error: { code: string } }>(s1, 'POST', API.ticketsPush, '{"tickets": [');
      expect([badJson.status, badJson.body.error.code]).toEqual([400, 'bad-json']);
      const noAuth = await fetch(base + API.acksPull);
      expect([noAuth.status, ((await noAuth.json()) as { error: { code: string; hint: string } }).error]).toEqual([401, expect.objectContaining({ code: 'auth-required', hint: expect.any(String) })]);
      const health = (await (await fetch(base + API.health)).json()) as { ok: boolean; store: string };
      expect(health).toMatchObject({ ok: true, store: 'S1' });
      const last = await t.db.selectFrom('tills').select('last_contact_at').where('id', '=', 'S1-01').executeTakeFirstOrThrow();
      expect(last.last_contact_at).not.toBeNull();
    });
  });
}
