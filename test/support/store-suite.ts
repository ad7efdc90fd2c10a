/**
 * The storage interface's conformance suite (server/db/store.ts): every operation of a store, run
 * the same way on each engine (server/db/store.test.ts runs it on SQLite and on the PostgreSQL the
 * tests start). Expectations are literals, the same for every engine, so the engines agree with each
 * other by agreeing with them; `storeScenario` gives the read operations' results as one value,
 * which the test also compares across engines directly. Locks are checked with a second holder
 * (another handle on the same books where it matters: another connection, as another process
 * would have), never with timings as targets.
 *
 *   runStoreSuite('sqlite', () => openTestDb('sqlite'))
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type { Db } from '../../server/db/database.ts';
import type { Database } from '../../server/db/schema.ts';
import { withId } from '../../server/db/dialect.ts';
import { storeOf, TICKET_COLUMNS, type TicketRow } from '../../server/db/store.ts';

export interface StoreFixture {
  db: Db;
  /** Server data folder (the SQLite file and lock files live there). */
  data: string;
  /** The PostgreSQL URL (undefined on SQLite: the file is under data). */
  url?: string;
  cleanup(): Promise<void>;
}

/**
 * Another handle on the same books, as another process holds it. On SQLite its busy timeout must
 * be 0: better-sqlite3 waits synchronously, and a wait would block this very process (the holder
 * included) for the whole timeout.
 */
export type Reopen = (f: StoreFixture) => Promise<Db>;

const DAY = '2026-11-02';
const STAMP = '2026-11-02T18:00:00.000Z';

/** A stored ticket's row, its JSON content carrying what posting picks. */
export function ticketRow(id: string, till: string, number: number, o: { customer?: string; store?: string; lines?: unknown[]; settlements?: unknown[] } = {}): TicketRow {
  const store = o.store ?? 'S1';
  const customer = o.customer ?? 'COMPTOIR';
  const content = JSON.stringify({
    id,
    store,
    till,
    number,
    day: DAY,
    customer,
    lines: o.lines ?? [{ article: 'X20', vatCode: 'VN', vatRate: '20', inclVat: `${number}.00` }],
    ...(o.settlements ? { settlements: o.settlements } : {}),
    payments: [{ mode: 'CB', amount: `${number}.00` }],
    totals: { inclVat: `${number}.00` },
  });
  const values: Record<(typeof TICKET_COLUMNS)[number], string | number | null> = {
    id,
    store,
    till,
    number,
    day: DAY,
    sold_at: `${DAY}T10:00:00.000Z`,
    customer,
    total_incl: `${number}.00`,
    total_due: `${number}.00`,
    hash: `h${id}`,
    prev_hash: `p${id}`,
    degraded: 0,
    content,
    channel: 'test',
    package_id: null,
    received_at: STAMP,
    status: 'received',
    status_reason: null,
    document_id: null,
    document_number: null,
    integration_batch: null,
    updated_at: STAMP,
  };
  return TICKET_COLUMNS.map((c) => values[c]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Till T1 numbers 1..7, T2 number 1, and a back-office customer correction on T1-3. */
async function seedTickets(db: Kysely<Database>): Promise<void> {
  const rows = [...Array.from({ length: 7 }, (_, i) => ticketRow(`T1-${i + 1}`, 'T1', i + 1)), ticketRow('T2-1', 'T2', 1, { customer: 'C0000001' })];
  await db.transaction().execute((trx) => storeOf(trx).insertTickets(trx, rows));
  await db.insertInto('ticket_overrides').values({ ticket_id: 'T1-3', customer: 'C0000002', previous_customer: 'COMPTOIR', set_at: STAMP, set_by: 'test', reason: null }).execute();
}

/** What the read operations return on a seeded database, as one plain value. */
export async function storeScenario(db: Kysely<Database>): Promise<unknown> {
  await seedTickets(db);
  const store = storeOf(db);
  const pages: unknown[][] = [];
  for await (const page of store.tillPages(db, { store: 'S1', till: 'T1', lo: 3, hi: 6 }, 2)) if (page.length) pages.push(page.map((r) => ({ ...r, number: Number(r.number) })));
  await db.transaction().execute((trx) => storeOf(trx).markTickets(trx, [{ id: 'T1-4', documentId: 9, number: 'F00000009' }], 3, STAMP));
  const fields = await store.ticketFields(db, [9], ['T2-1'], ['$.customer', '$.totals.inclVat', '$.lines', '$.settlements', '$.nowhere.deep']);
  const one = await store.ticketFields(db, [], ['T1-1'], ['$.number']);
  await sql`create table store_words (w text)`.execute(db);
  for (const w of ['b', 'B', 'Z', 'a', 'é', 'ab', 'A']) await sql`insert into store_words (w) values (${w})`.execute(db);
  const w = store.bytewise(sql<string>`w`);
  const ordered = (await sql<{ w: string }>`select w from store_words order by ${w}`.execute(db)).rows;
  const ranged = (await sql<{ w: string }>`select w from store_words where ${w} >= ${'B'} and ${w} <= ${'b'} order by ${w}`.execute(db)).rows;
  await sql`create table store_amounts (a text)`.execute(db);
  for (const a of ['12.5', '-0.0001', '1234567.8912', '0', '-3.10']) await sql`insert into store_amounts (a) values (${a})`.execute(db);
  const sum = (await sql<{ u: unknown }>`select coalesce(sum(${store.unitsOf('a', 10_000)}), 0) as u from store_amounts`.execute(db)).rows[0].u;
  return { pages, fields, one, ordered: ordered.map((r) => r.w), ranged: ranged.map((r) => r.w), unitsSum: String(sum).replace(/\.0*$/, '') };
}

export function runStoreSuite(engine: string, open: () => Promise<StoreFixture>, reopen: Reopen): void {
  describe(`the store on ${engine}`, () => {
    let f: StoreFixture;
    const extra: Db[] = [];
    afterEach(async () => {
      await Promise.all(extra.splice(0).map((d) => d.destroy()));
      await f?.cleanup();
    });

    it('reads: till pages in number order from lo − 1 with the customer correction, JSON fields picked, text byte-wise, exact units', async () => {
      f = await open();
      const got = (await storeScenario(f.db)) as Record<string, unknown>;
      const row = (n: number, o: Record<string, unknown> = {}) => ({ id: `T1-${n}`, store: 'S1', till: 'T1', number: n, day: DAY, customer: 'COMPTOIR', overrideCustomer: null, status: 'received', statusReason: null, hash: `hT1-${n}`, content: ticketRow(`T1-${n}`, 'T1', n)[12], documentId: null, integrationBatch: null, ...o });
      // lo 3 → reading starts at 2 (the chain's link); pages of 2 rows; hi 6 is the last.
      expect(got.pages).toEqual([[row(2), row(3, { overrideCustomer: 'C0000002' })], [row(4), row(5)], [row(6)]]);
      expect(got.fields).toEqual([
        { id: 'T1-4', documentId: 9, documentNumber: 'F00000009', values: ['COMPTOIR', '4.00', [{ article: 'X20', vatCode: 'VN', vatRate: '20', inclVat: '4.00' }], null, null] },
        { id: 'T2-1', documentId: null, documentNumber: null, values: ['C0000001', '1.00', [{ article: 'X20', vatCode: 'VN', vatRate: '20', inclVat: '1.00' }], null, null] },
      ]);
      expect(got.one).toEqual([{ id: 'T1-1', documentId: null, documentNumber: null, values: [1] }]);
      expect(got.ordered).toEqual(['A', 'B', 'Z', 'a', 'ab', 'b', 'é']);
      expect(got.ranged).toEqual(['B', 'Z', 'a', 'ab', 'b']);
      // 12.5 − 0.0001 + 1234567.8912 + 0 − 3.10 = 1234577.2911
      expect(got.unitsSum).toBe('12345772911');
    });

    it('ticket insert: every new row once, a second insert of the same rows (or of the same till number under another id) inserts nothing', async () => {
      f = await open();
      const rows = Array.from({ length: 1500 }, (_, i) => ticketRow(`T1-${i + 1}`, 'T1', i + 1));
      const first = await f.db.transaction().execute((trx) => storeOf(trx).insertTickets(trx, rows));
      expect(first.sort()).toEqual(rows.map((r) => r[0] as string).sort());
      const again = await f.db.transaction().execute((trx) => storeOf(trx).insertTickets(trx, [...rows.slice(0, 10), ticketRow('OTHER-ID', 'T1', 5), ticketRow('T1-new', 'T1', 1501)]));
      expect(again).toEqual(['T1-new']);
      const count = await f.db.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(1501);
      const stored = await f.db.selectFrom('tickets').selectAll().where('id', '=', 'T1-7').executeTakeFirstOrThrow();
      expect(TICKET_COLUMNS.map((c) => (typeof stored[c] === 'number' || typeof stored[c] === 'bigint' ? Number(stored[c]) : stored[c]))).toEqual(ticketRow('T1-7', 'T1', 7));
      // Rolled back with its transaction: a failed package leaves nothing.
      await expect(f.db.transaction().execute(async (trx) => {
        await storeOf(trx).insertTickets(trx, [ticketRow('T9-1', 'T9', 1)]);
        throw new Error('package refused');
      })).rejects.toThrow('package refused');
      expect(await f.db.selectFrom('tickets').select('id').where('till', '=', 'T9').execute()).toEqual([]);
    });

    it('the integration write-back marks each ticket once and names the ticket it cannot mark', async () => {
      f = await open();
      await seedTickets(f.db);
      const marks = [{ id: 'T1-1', documentId: 1, number: 'F00000001' }, { id: 'T1-2', documentId: 1, number: 'F00000001' }, { id: 'T2-1', documentId: null, number: null }];
      await storeOf(f.db).withBooksLock(f.db, (trx) => storeOf(trx).markTickets(trx, marks, 7, '2026-11-03T01:00:00.000Z'));
      const got = await f.db.selectFrom('tickets').select(['id', 'document_id', 'document_number', 'integration_batch', 'updated_at']).where('id', 'in', ['T1-1', 'T1-2', 'T2-1', 'T1-3']).orderBy('id').execute();
      expect(got.map((r) => ({ ...r, document_id: r.document_id === null ? null : Number(r.document_id), integration_batch: r.integration_batch === null ? null : Number(r.integration_batch) }))).toEqual([
        { id: 'T1-1', document_id: 1, document_number: 'F00000001', integration_batch: 7, updated_at: '2026-11-03T01:00:00.000Z' },
        { id: 'T1-2', document_id: 1, document_number: 'F00000001', integration_batch: 7, updated_at: '2026-11-03T01:00:00.000Z' },
        { id: 'T1-3', document_id: null, document_number: null, integration_batch: null, updated_at: STAMP },
        { id: 'T2-1', document_id: null, document_number: null, integration_batch: 7, updated_at: '2026-11-03T01:00:00.000Z' },
      ]);
      // Marked already: a second run must not take it again, and the whole write-back rolls back.
      await expect(storeOf(f.db).withBooksLock(f.db, (trx) => storeOf(trx).markTickets(trx, [{ id: 'T1-5', documentId: 2, number: 'F00000002' }, { id: 'T1-1', documentId: 2, number: 'F00000002' }], 8, STAMP))).rejects.toThrow(/T1-1|T1-5/);
      const after = await f.db.selectFrom('tickets').select(['id', 'document_number']).where('id', 'in', ['T1-1', 'T1-5']).orderBy('id').execute();
      expect(after).toEqual([{ id: 'T1-1', document_number: 'F00000001' }, { id: 'T1-5', document_number: null }]);
    });

    it('bulk inserts: N rows through multi-row statements and the run writer, in order, ids then taken up by the sequence', async () => {
      f = await open();
      const store = storeOf(f.db);
      await withId(f.db, f.db.schema.createTable('store_bulk')).addColumn('label', 'text').addColumn('amount', 'text').execute();
      const N = 12_345; // 3 columns: more than one statement of 30,000 parameters
      const rows = Array.from({ length: N }, (_, i) => [i + 1, i % 9 === 0 ? null : `l'${i + 1} "é"`, `${i + 1}.50`]);
      await f.db.transaction().execute((trx) => storeOf(trx).insertRows(trx, 'store_bulk', ['id', 'label', 'amount'], rows));
      const writer = store.rowWriter(f.db);
      const more: (string | number | null)[] = [];
      // Text the array form must carry as it is: quotes, backslashes, separators, braces, the word NULL, nothing at all.
      const tricky = ['a "b" c', 'back\\slash \\"', 'x,y', '{z}', 'NULL', '', ' lead', 'tab\tnew\nline', 'é€😀'];
      for (let i = N + 1; i <= N + 700; i++) more.push(i, (i - N) % 50 === 0 ? null : i - N <= tricky.length ? tricky[i - N - 1] : `w${i}`, '0.01');
      await writer.insertFlat('store_bulk', ['id', 'label', 'amount'], more, ['int8', 'text', 'text']);
      await writer.insertFlat('store_bulk', ['id', 'label', 'amount'], [N + 701, 'untyped', '1'], undefined);
      await writer.insertFlat('store_bulk', ['id', 'label', 'amount'], []);
      await expect(writer.insertFlat('store_bulk', ['id', 'label', 'amount'], [1, 'x'])).rejects.toThrow(/2 values for rows of 3 columns/);
      await store.syncSequences(f.db, ['store_bulk']);
      await sql`insert into store_bulk (label, amount) values ('by sequence', '2')`.execute(f.db);
      const all = (await sql<{ id: number; label: string | null; amount: string }>`select id, label, amount from store_bulk order by id`.execute(f.db)).rows.map((r) => ({ ...r, id: Number(r.id) }));
      expect(all.length).toBe(N + 702);
      expect(all.map((r) => r.id)).toEqual(Array.from({ length: N + 702 }, (_, i) => i + 1));
      expect(all[0]).toEqual({ id: 1, label: null, amount: '1.50' });
      expect(all[N - 1]).toEqual({ id: N, label: `l'${N} "é"`, amount: `${N}.50` });
      expect(all.slice(N, N + tricky.length).map((r) => r.label)).toEqual(tricky);
      expect(all[N + 49]).toEqual({ id: N + 50, label: null, amount: '0.01' });
      expect(all.slice(-2)).toEqual([{ id: N + 701, label: 'untyped', amount: '1' }, { id: N + 702, label: 'by sequence', amount: '2' }]);
    });

    it('the books lock: one holder at a time in this process (the second waits for commit and sees it), rolled back when the holder fails', async () => {
      f = await open();
      const events: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const a = storeOf(f.db).withBooksLock(f.db, async (trx) => {
        events.push('A in');
        await trx.updateTable('number_series').set({ last_seq: 41 }).where('series', '=', 'invoice').execute();
        entered();
        await held;
        events.push('A out');
        return 'a';
      });
      await inside;
      const b = storeOf(f.db).withBooksLock(f.db, async (trx) => {
        events.push('B in');
        return Number((await trx.selectFrom('number_series').select('last_seq').where('series', '=', 'invoice').executeTakeFirstOrThrow()).last_seq);
      });
      await sleep(300);
      expect(events).toEqual(['A in']);
      release();
      expect(await a).toBe('a');
      expect(await b).toBe(41);
      expect(events).toEqual(['A in', 'A out', 'B in']);
      await expect(storeOf(f.db).withBooksLock(f.db, async (trx) => {
        await trx.updateTable('number_series').set({ last_seq: 99 }).where('series', '=', 'invoice').execute();
        throw new Error('run failed');
      })).rejects.toThrow('run failed');
      expect(Number((await f.db.selectFrom('number_series').select('last_seq').where('series', '=', 'invoice').executeTakeFirstOrThrow()).last_seq)).toBe(41);
    });

    it('the books lock against another process: its holder waits for commit or is refused with busy, never inside at the same time', async () => {
      f = await open();
      const other = await reopen(f);
      extra.push(other);
      const events: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const a = storeOf(f.db).withBooksLock(f.db, async () => {
        events.push('A in');
        entered();
        await held;
        events.push('A out');
      });
      await inside;
      const b = storeOf(other)
        .withBooksLock(other, async () => {
          events.push('B in');
        })
        .then(() => 'entered', (e: { code?: string }) => e.code);
      await sleep(300);
      release();
      await a;
      const outcome = await b;
      expect(['entered', 'busy']).toContain(outcome);
      expect(events).toEqual(outcome === 'entered' ? ['A in', 'A out', 'B in'] : ['A in', 'A out']);
    });

    it('numbering reservation: rows read for update under the lock make another writer of them wait for commit', async () => {
      f = await open();
      const other = await reopen(f);
      extra.push(other);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const a = storeOf(f.db).withBooksLock(f.db, async (trx) => {
        const rows = await storeOf(trx).forUpdate(trx.selectFrom('number_series').select(['series', 'last_seq']).where('series', '=', 'invoice')).execute();
        entered();
        await held;
        await trx.updateTable('number_series').set({ last_seq: Number(rows[0].last_seq) + 5 }).where('series', '=', 'invoice').execute();
      });
      await inside;
      // Another process writing the same row outside the books lock: it waits for commit (PostgreSQL:
      // the row lock) or is refused (SQLite: the file has one writer). Never a lost update.
      let bDone = false;
      const b = sql`update number_series set last_seq = last_seq + 1 where series = 'invoice'`.execute(other).then(
        () => (bDone = true),
        (e: { code?: string }) => e.code,
      );
      await sleep(300);
      expect(bDone).toBe(false);
      release();
      await a;
      const outcome = await b;
      const last = Number((await f.db.selectFrom('number_series').select('last_seq').where('series', '=', 'invoice').executeTakeFirstOrThrow()).last_seq);
      // Both reservations counted when B went through: 0 + 5 + 1 (without the row lock B's +1 would be overwritten by A's 0 + 5).
      expect(outcome === true ? last : `${outcome}:${last}`).toBe(outcome === true ? 6 : 'SQLITE_BUSY:5');
    });

    it('the export lock: a second export waits, and gives up with export-busy past its wait', async () => {
      f = await open();
      const store = storeOf(f.db);
      const events: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const a = store.withExportLock(f.db, f.data, 5_000, async () => {
        events.push('A in');
        entered();
        await held;
        events.push('A out');
      });
      await inside;
      await expect(store.withExportLock(f.db, f.data, 250, async () => events.push('late'))).rejects.toMatchObject({ code: 'export-busy' });
      const b = store.withExportLock(f.db, f.data, 10_000, async () => {
        events.push('B in');
      });
      await sleep(300);
      expect(events).toEqual(['A in']);
      release();
      await a;
      await b;
      expect(events).toEqual(['A in', 'A out', 'B in']);
    });

    it('the ack hold-back: everything served or only rows stamped before now − settle, nothing while another session holds the books lock where commits may come out of order', async () => {
      f = await open();
      const store = storeOf(f.db);
      const t0 = Date.now();
      const free = await store.ackHoldBack(f.db, 2_000);
      expect(free.serve).toBe(true);
      const before = free.serve ? free.stampedBefore : 'x';
      if (before !== null) expect(Date.parse(before!)).toBeLessThanOrEqual(Date.now() - 2_000);
      if (before !== null) expect(Date.parse(before!)).toBeGreaterThanOrEqual(t0 - 2_000);
      const other = await reopen(f);
      extra.push(other);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const a = storeOf(other).withBooksLock(other, async () => {
        entered();
        await held;
      });
      await inside;
      const during = await store.ackHoldBack(f.db, 2_000);
      release();
      await a;
      // One writer at a time (no stamp cut-off): served; a cut-off means out-of-order commits are possible: held back.
      expect(during).toEqual(before === null ? { serve: true, stampedBefore: null } : { serve: false });
    });

    it('worker reads: a file a read-only connection can open, or none', async () => {
      f = await open();
      const file = await storeOf(f.db).workerFile(f.db);
      expect(file === null || existsSync(file)).toBe(true);
      expect(file === null ? 'none' : 'file').toBe(storeOf(f.db).kind === 'sqlite' ? 'file' : 'none');
    });
  });
}
